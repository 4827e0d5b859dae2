// Package ena is the Elastic Network Adapter personality of the card: the
// PF (0x1D0F:0x0EC2) and its VFs (0xEC20), each an ENA function with the
// BAR0 registers of ena_regs_defs.h (the ena block, from
// ena.regmap.yaml), as the Linux driver's ena_com layer uses them.
//
//	            BAR0 (ena.regmap.yaml)
//	driver ──▶ MMIO_REG_READ ──▶ readless engine ──DMA {id, off, value}──▶ MMIO_RESP
//	       ──▶ DEV_CTL ────────▶ reset: drop everything, RESET_IN_PROGRESS after
//	                              ResetAssert, READY again ResetDeassert after DEV_CTL = 0
//	       ──▶ AQ_DB ──────────▶ admin engine: fetch 64 B (phase check) ─▶ execute
//	                              ─▶ 64 B completion into the ACQ (phase, echoed id)
//	                              ─▶ MSI-X vector 0 unless INTR_MASK
//	       ──▶ AENQ_HEAD_DB ───▶ AENQ: LINK_CHANGE(up) once live, KEEP_ALIVE every
//	                              second, into slots up to the head, vector 0
//
// Admin commands served: GET_FEATURE of device attributes (MAC, max MTU,
// supported features, capabilities), max queues (ext, version 1), AENQ
// config, stateless offloads (the Rx hash), hints, interrupt moderation
// (1 µs resolution), link config; SET_FEATURE of host attributes (the
// device reads the host info page), AENQ groups, MTU (128..MaxMTU, else
// ILLEGAL_PARAMETER); GET/SET of the RSS hash function (Toeplitz, the
// 40-byte key through a control buffer), hash input and indirection table
// (rss.go, Toeplitz over the IPv4 and IPv6 tuples); CREATE/DESTROY of SQs
// and CQs in host memory (io.go) and in device memory (LLQ through BAR2,
// llq.go); GET_STATS basic, ENI and customer metrics (stats.go). Unknown
// opcodes answer BAD_OPCODE and are flagged.
//
//	PF BAR1: the card PF (cardpf.go). 0x0: provisioning (card_pf.regmap.yaml:
//	each VF's MAC, IPv4/IPv6, MTU, allowances, committed indirectly);
//	0x1000: the ACL block (model/acl: TCAM, connection tracking).
//	VF datapath: Tx after DMA ─▶ allowances (pps, bw_out) ─▶ link-local
//	─▶ ACL (egress, acl.Latency cycles) ─▶ MAC; Rx from the MAC ─▶
//	allowances (pps, bw_in) ─▶ link-local ─▶ ACL (ingress) ─▶ RSS ─▶ queue.
//	A packet an allowance or the ACL refuses is dropped and counted (ENI
//	counters; the ACL's own).
//
//	IO (io.go): SQ doorbells at 0x1000 + 4 × sq_idx, interrupt unmask at
//	0x1800 + 4 × cq_idx. Tx: a 64-descriptor prefetch cache per SQ, a
//	stored meta descriptor, one 8-byte completion per packet (req_id) once
//	its data is in, written back a 64-byte line (8 completions) per DMA
//	write: a batch goes when full, at the ring's end, or 1 µs after its
//	first packet's data was in (TxCompletionBatch, TxCompletionFlush; a
//	batch of 1 writes each alone); Rx: RSS picks the queue, one 16-byte
//	completion per buffer with the hash; IO vectors auto-mask on delivery
//	and fire their pair's Rx or Tx delay after the first completion not
//	yet signalled: one written while the vector was unmasked starts its
//	own delay, and an unmask with completions waiting fires the first
//	one's delay after it was written (at once if that has passed), so a
//	busy vector fires about once per delay.
//
// Bad input is flagged on the card and survived: an AQ or ACQ shape that
// is not a power of two of 64-byte entries, a doorbell that runs ahead of
// the queue, a command whose phase says it was never written, a readless
// read with no response buffer, a Tx packet beyond 19 descriptors or the
// maximum frame, an Rx descriptor without first/last/comp_req, with MBZ
// bits set or a req_id outside the ring, accesses to holes.
//
// Timing (Timing, DefaultTiming): reset 1 ms each way (CAPS promises at most
// 500 ms), readless 1 µs, admin command 10 µs after its fetch completes,
// keep-alive every second, Tx engine 8 ns from doorbell to fetch; the MAC
// serialises at LinkMbps (default 100 Gb/s) from a 256 KiB buffer, which
// the Tx engine, once it found the buffer full, refills from 32 KiB of room
// on (TxRefill). The engine serves the Tx SQs of every function round
// robin, a turn moving what a queue has fetched (up to 64 descriptors),
// each run starting after the last queue that sent, so queues at line
// rate share the link evenly. CAPS: reset timeout 5 x 100 ms, 48-bit DMA,
// admin timeout 10 x 100 ms.
package ena
