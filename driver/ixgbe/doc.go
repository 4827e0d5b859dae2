// Package ixgbe is a driver for the Intel 82599 physical function: it
// brings the PF up, creates the VFs and manages them through the mailbox,
// following the Linux ixgbe driver (ixgbe_82599.c, ixgbe_common.c,
// ixgbe_main.c, ixgbe_sriov.c, ixgbe_mbx.c). It imports only driver/bus.
//
//	Probe                                   EnableSRIOV(n)
//	 ├ EIMC=0x7FFFFFFF, read EICR, RXCTRL=0  ├ GCR_EXT: MSIX_EN | VT_MODE_64 (2 queues/pool)
//	 ├ CTRL.RST, poll self-clear (10 µs)     ├ GPIE.VTMODE=64, VT_CTL: VT_EN, DEF_PL=PF pool,
//	 ├ msleep(50)                            │   REPLEN; VMOLR(PF)=AUPE|BAM; VFRE/VFTE(PF)
//	 ├ wait EEC.ARD, RDRXCTL.DMAIDONE        ├ PFDTXGSWC.VT_LBEN (VEB); MPSAR(0) = PF pool
//	 ├ MAC from RAL(0)/RAH(0)                ├ PFVFSPOOF per VF (spoof check on)
//	 ├ read the clear-on-read statistics     ├ SR-IOV capability: NumVFs, VF Enable | MSE
//	 ├ HLREG0, RDRXCTL.CRCSTRIP, FCTRL.BAM,  ├ IVAR_MISC, EIMS: MAILBOX | LSC
//	 │   DMATXCTL.TE                         └ CTRL_EXT.PFRSTD: VF mailboxes may work
//	 ├ AUTOC restart AN, poll LINKS.UP
//	 └ MSI-X (queue vector 0, other 1), GPIE
//
// Mailbox server (ixgbe_msg_task): MBVFICR VFREQ → lock PFU, copy 16 words,
// ACK → dispatch → lock, clear stale bits, write the reply, STS. VF_RESET
// resets the VF's pool policy, enables its pool, and answers with its MAC
// (4 words, no CTS); other requests need clear-to-send and get
// code|ACK|CTS or code|NACK|CTS.
//
// Left out, relative to Linux: DCB/TC set-up, VLAN filter tables, IPsec,
// macvlan offload, MDD, flow director, the PF-side TXDCTL toggle and QDE
// write of the VF reset (the model keeps no per-queue state they would
// clear), and link-speed changes dropping rate limits.
package ixgbe
