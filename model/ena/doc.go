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
// config, stateless offloads (none yet), hints, interrupt moderation
// (1 µs resolution), link config; SET_FEATURE of host attributes (the
// device reads the host info page), AENQ groups, MTU (128..MaxMTU, else
// ILLEGAL_PARAMETER). Unknown opcodes answer BAD_OPCODE and are flagged.
// Not modelled yet (they answer UNSUPPORTED_OPCODE): IO queues
// (CREATE/DESTROY_SQ/CQ), GET_STATS, LLQ, RSS.
//
// Bad input is flagged on the card and survived: an AQ or ACQ shape that
// is not a power of two of 64-byte entries, a doorbell that runs ahead of
// the queue, a command whose phase says it was never written, a readless
// read with no response buffer, accesses to holes.
//
// Timing (Timing, DefaultTiming): reset 1 ms each way (CAPS promises at most
// 500 ms), readless 1 µs, admin command 10 µs after its fetch completes,
// keep-alive every second. CAPS: reset timeout 5 x 100 ms, 48-bit DMA,
// admin timeout 10 x 100 ms.
package ena
