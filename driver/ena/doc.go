// Package ena is a driver for the AWS Elastic Network Adapter, written from
// the Linux driver's ena_com layer and ena_netdev.c (amzn/amzn-drivers):
// the same register accesses, admin commands, orders and timeouts. It uses
// only driver/bus.
//
//	Probe:  config (memory, bus master, revision)
//	        readless set-up (MMIO_RESP) ─ device reset (reason, timeouts
//	        from CAPS) ─ version and DMA-width checks ─ admin queue (AQ,
//	        ACQ, AENQ) ─ polling mode ─ host info ─ device attributes,
//	        max queues, AENQ config, offloads, hints ─ AENQ groups ─
//	        moderation ─ MSI-X, interrupt mode, AENQ head doorbell
//	Link:   comes up only through an AENQ LINK_CHANGE event
//
// Register reads go through the readless mechanism (a write of the offset
// and a sequence number to MMIO_REG_READ; the device DMAs the value back)
// unless PCI revision bit 0 turns it off. Admin commands are polled with
// the driver's exponential back-off during probe and wait for the
// management interrupt afterwards.
//
// Not yet here (issue 3): IO queues, Tx/Rx, LLQ, RSS, DIM, statistics, the
// keep-alive watchdog and reset recovery.
package ena
