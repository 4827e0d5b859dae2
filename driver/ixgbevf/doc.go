// Package ixgbevf is a driver for the Intel 82599 virtual function,
// following the Linux ixgbevf driver: the same bring-up order, register
// writes, descriptor formats, mailbox protocol and timeouts. It sees the
// device only through driver/bus, so it runs unchanged on the simulated
// card or on another bus backend.
//
//	Probe (ixgbevf_probe / sw_init)             Open (ixgbevf_open)
//	 ├ reset_hw:                                  ├ rings: count × 16 B, 4 KiB aligned
//	 │   stop_adapter (RXDCTL/TXDCTL off,         ├ UPDATE_XCAST_MODE (API ≥ 1.2)
//	 │   VTEIMC=7, read VTEICR)                   ├ configure_tx: SWFLSH, TDBA/TDLEN,
//	 │   VFCTRL.RST, flush                        │   TDWBA=0, TDH=TDT=0, TXDCTL.ENABLE
//	 │   wait RSTI/RSTD clear (200 × 5 µs)        │   poll ENABLE 10 × 1 ms
//	 │   VF_RESET ─▶ 10 ms ─▶ 4-word reply (MAC)  ├ PSRTYPE, SET_LPE (MTU+18)
//	 ├ API_NEGOTIATE 1.4 → 1.3 → … → 1.0          ├ configure_rx: ENABLE off, RDBA/RDLEN,
//	 ├ GET_QUEUES (API ≥ 1.1), ≤ 2 queues         │   SRRCTL (DROP_EN, 2 KiB, adv 1-buf),
//	 └ MSI-X: queues + 1 "other" vector           │   RXDCTL.ENABLE|VME, poll, fill, RDT
//	                                              ├ configure_msix: VTIVAR, VTEITR (20K),
//	                                              │   VTIVAR_MISC
//	                                              ├ SET_MAC_ADDR, read VTEICR
//	                                              └ irq_enable: VTEIAM=VTEIAC=VTEIMS
//
// Runtime: an MSI-X on a queue vector (auto-masked by EIAM) marks it for
// Poll, which cleans Tx (DD on the EOP descriptor, at most count/2),
// receives (write-back length != 0 and DD; tail every 16 buffers), then
// completes NAPI: adaptive ITR (lowest/low/bulk → 40/200/336, smoothed) and
// the re-arm write to VTEIMS. The other vector reads PF messages. Every 2 s
// the service task checks the link, extends the 32/36-bit statistics and
// looks for Tx hangs.
//
// Mailbox (legacy operations, mbx.c): a sticky copy of VFMAILBOX keeps the
// read-to-clear bits; a send takes VFU, flushes stale PFSTS/PFACK, writes
// the words and REQ, then polls PFACK; a reply is awaited on PFSTS and
// acknowledged with ACK; each poll is 2000 tries 500 µs apart.
//
// Polling mode (Config.Polling) leaves the queue vectors masked, as a DPDK
// application does, and the application calls Poll in a loop; Quiet tells
// it when a pass would find nothing (no Tx descriptor done, no Rx
// write-back, nothing received waiting to be handed out).
package ixgbevf
