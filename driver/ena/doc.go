// Package ena is a driver for the AWS Elastic Network Adapter, written from
// the Linux driver's ena_com layer and ena_netdev.c (amzn/amzn-drivers):
// the same register accesses, admin commands, orders and timeouts. It uses
// only driver/bus.
//
//	Probe:  config (memory, bus master, revision)
//	        readless set-up (MMIO_RESP) ─ device reset (reason, timeouts
//	        from CAPS) ─ version and DMA-width checks ─ admin queue (AQ,
//	        ACQ, AENQ) ─ polling mode ─ host info ─ device attributes,
//	        max queues, AENQ config, offloads, LLQ, hints ─ AENQ groups ─
//	        moderation ─ MSI-X, interrupt mode, AENQ head doorbell
//	Link:   comes up only through an AENQ LINK_CHANGE event
//	Open:   per queue pair CREATE_CQ then CREATE_SQ (Tx in host memory or
//	        LLQ, Rx) ─ RSS key, hash input, indirection table ─ MTU ─
//	        Rx refill ─ unmask every pair (not in Polling mode)
//
//	        TxBatch ──▶ [meta desc] data desc × buffers ──▶ SQ (or LLQ entries
//	                    req_id split 6+10 bits, phase      with the pushed header)
//	                                                        ──▶ doorbell once
//	        Poll ─────▶ vector 0: admin completions, AENQ (link, keep-alive)
//	                    IO vector fired: clean Tx by req_id, DIM sample,
//	                    unmask write (Rx/Tx delay, "intervals unchanged")
//	        RxBatch ──▶ Rx completions by phase, joined buffers, refill
//	                    when 1/8 of the ring (at most 256) is free
//
// Register reads go through the readless mechanism (a write of the offset
// and a sequence number to MMIO_REG_READ; the device DMAs the value back)
// unless PCI revision bit 0 turns it off. Admin commands are polled with
// the driver's exponential back-off during probe and wait for the
// management interrupt afterwards.
//
// Tx (io.go, llq.go): a packet takes one data descriptor per buffer
// (Packet.Next), up to the device's per-packet limit, and a meta descriptor
// first when its offload metadata (Packet.Offload) differs from what the
// device stores for the queue. In LLQ mode the first entry holds the
// descriptors before the pushed header, later entries the rest.
//
// Moderation: static Tx 64 µs and Rx 20 µs by default, in the device's
// delay resolution; adaptive Rx moderation follows Linux net_dim (dim.go)
// unless Config.StaticRxModeration. Polling mode (Config.Polling) never
// unmasks the IO vectors, as a DPDK application does, and every Poll
// cleans every Tx queue; Quiet tells a polling loop when a Poll and its
// RxBatch calls would find nothing (no vector pending, watchdog service
// not due, no completion at a CQ head, no Rx refill due).
//
// Byte queue limits (Config.BQL, the enable_bql module parameter, off by
// default as in amzn-drivers): TxBatch accounts each packet's bytes in the
// queue's dynamic limit (bql.go) and takes none while the limit is exceeded;
// cleanTx reports the pass's bytes (netdev_tx_completed_queue), which
// moves the limit; a new ring starts a new limit (netdev_tx_reset_queue).
//
// Timers (watchdog.go), checked once a second from Poll as ena_timer_service
// does: keep-alive (6 s, or the device's hint), an admin queue stopped by a
// command timeout, missing Tx completions (5 s per packet, a reset above
// 128 on one ring). Each resets the device with its reason and restores
// queues, RSS and moderation. Statistics (stats.go): basic, ENI and
// customer metrics through GET_STATS.
package ena
