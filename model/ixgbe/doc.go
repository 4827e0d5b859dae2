// Package ixgbe is the Intel 82599 personality of the card: the PF and up
// to 64 VFs with the register sets the Linux ixgbe and ixgbevf drivers
// program, the VF↔PF mailbox, the transmit and receive descriptor engines,
// the VEB switch with anti-spoofing, per-queue rate limiting, and the
// interrupt blocks.
//
//	PF BAR0 (ixgbe_pf.regmap.yaml)      VF BAR0 ×n (ixgbe_vf.regmap.yaml)
//	CTRL EEC LINKS AUTOC RDRXCTL ...    VFCTRL VFLINKS VTEI* VTIVAR VTEITR
//	EICR/EIMS/EIAC/EIAM/EITR/IVAR       VFMAILBOX ── mailbox ── PFMAILBOX(v)
//	queue regs 0..127 ◀──────────────── VF queue n = PF queue 2·vf + n
//	VT_CTL VFRE VFTE RAR/MPSAR VMOLR    (64-pool mode, 2 queues per pool)
//	PFVFSPOOF PFDTXGSWC RTTBCNRC
//	        │
//	┌───────▼─────────┐  desc fetch (queue.Ring, 40-entry cache, bursts)
//	│ Tx engine       │  data read per descriptor, one packet per cycle,
//	│ (one, RR over   │  round robin, RTTBCNRC pacing; WTHRESH write-back
//	│  queues)        │──▶ VEB: anti-spoof (SSVPC), loopback to pools (LB),
//	└─────────────────┘    else uplink ──▶ MAC Tx (160 KiB packet buffer)
//	┌─────────────────┐
//	│ Rx engine       │◀── MAC Rx ◀── wire    filters: RAR+MPSAR, VMOLR
//	│ per-queue FIFO, │◀── VEB loopback       (AUPE/BAM/ROMPE/MPE), MTA,
//	│ 512 KiB buffer  │    default pool; DROP_EN drops without descriptors
//	└────────┬────────┘    advanced write-back: DD EOP LB, length, pkt type
//	         ▼
//	intr: cause → IVAR vector → EIMS → EITR throttle → MSI-X (EIAC/EIAM)
//
// Timing (Timing, DefaultTiming): core clock 250 MHz; VF reset holds RSTI
// 1 µs; the link trains 10 µs after reset or an AUTOC restart; descriptor
// caches 40 (Tx) and 32 (Rx), 32-descriptor fetch bursts; switch latency
// 100 ns; EITR in 2.048 µs units.
//
// Register writes a driver gets wrong are flagged on the card (Card.Errors)
// and the model keeps running: a ring that is not 128-byte aligned keeps
// its queue off, a tail beyond the ring is ignored, a packet without EOP
// within 40 descriptors or longer than 9728 bytes is dropped and its
// descriptors written back, a DMA outside the function's IOMMU domain
// faults at the host and is counted.
package ixgbe
