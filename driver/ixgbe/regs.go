package ixgbe

// PF register offsets (ixgbe_type.h, IXGBE_ prefix dropped).
const (
	CTRL       = 0x00000
	STATUS     = 0x00008
	CTRL_EXT   = 0x00018
	EICR       = 0x00800
	EICS       = 0x00808
	EIAC       = 0x00810
	EITR0      = 0x00820 // EITR(i) = 0x820 + 4i for i <= 23
	EIMS       = 0x00880
	EIMC       = 0x00888
	EIAM       = 0x00890
	GPIE       = 0x00898
	IVAR0      = 0x00900
	IVAR_MISC  = 0x00A00
	MBVFICR0   = 0x00710
	RDRXCTL    = 0x02F00
	RXCTRL     = 0x03000
	FCTRL      = 0x05080
	HLREG0     = 0x04240
	MAXFRS     = 0x04268
	AUTOC      = 0x042A0
	LINKS      = 0x042A4
	DMATXCTL   = 0x04A80
	EEC        = 0x10010
	GPRC       = 0x04074
	GPTC       = 0x04080
	GORCL      = 0x04088
	GORCH      = 0x0408C
	GOTCL      = 0x04090
	GOTCH      = 0x04094
	MPC0       = 0x03FA0
	GCR_EXT    = 0x11050
	VT_CTL     = 0x051B0
	VFRE0      = 0x051E0
	VFTE0      = 0x08110
	MTA0       = 0x05200
	VMOLR0     = 0x0F000
	VMVIR0     = 0x08000
	PFVFSPOOF0 = 0x08200
	PFDTXGSWC  = 0x08220
	VMECM0     = 0x08790
	RTTDQSEL   = 0x04904
	RTTBCNRM   = 0x04980
	RTTBCNRC   = 0x04984
	PFMAILBOX0 = 0x04B00
	PFMBMEM0   = 0x13000 // PFMBMEM(vf) = 0x13000 + 0x40*vf
	RDBAL0     = 0x01000 // queues < 64: + 0x40*q
	TDBAL0     = 0x06000 // + 0x40*q
	MPSAR_LO0  = 0x0A600
	MPSAR_HI0  = 0x0A604

	queueStride = 0x40
	// Offsets inside a queue's 0x40-byte window.
	qBAL, qBAH, qLEN, qH, qSRRCTL, qT, qDCTL = 0x00, 0x04, 0x08, 0x10, 0x14, 0x18, 0x28
)

// RAL returns the offset of RAL(i) (RAH(i) is 4 above).
func RAL(i int) uint32 {
	if i <= 15 {
		return 0x05400 + 8*uint32(i)
	}
	return 0x0A200 + 8*uint32(i)
}

// Bits.
const (
	CTRL_RST                   = 1 << 26
	CTRL_EXT_PFRSTD            = 1 << 14
	EEC_ARD                    = 1 << 9
	RDRXCTL_DMAIDONE           = 1 << 3
	RDRXCTL_CRCSTRIP           = 1 << 1
	RXCTRL_RXEN                = 1
	FCTRL_BAM                  = 1 << 10
	HLREG0_TXCRCEN             = 1 << 0
	HLREG0_RXCRCSTRP           = 1 << 1
	HLREG0_TXPADEN             = 1 << 10
	AUTOC_AN_RESTART           = 1 << 12
	LINKS_UP                   = 1 << 30
	DMATXCTL_TE                = 1
	GPIE_MSIX_MODE             = 1 << 4
	GPIE_OCD                   = 1 << 5
	GPIE_EIAME                 = 1 << 30
	GPIE_PBA_SUPPORT           = 1 << 31
	GPIE_VTMODE_64             = 3 << 14
	GCR_EXT_MSIX_EN            = 1 << 31
	GCR_EXT_VT_MODE_64         = 3
	VT_CTL_VT_ENABLE           = 1
	VT_CTL_POOL_SHIFT          = 7
	VT_CTL_REPLEN              = 1 << 30
	PFDTXGSWC_VT_LBEN          = 1
	VMOLR_AUPE                 = 1 << 24
	VMOLR_ROMPE                = 1 << 25
	VMOLR_BAM                  = 1 << 27
	VMOLR_MPE                  = 1 << 28
	RAH_AV                     = 1 << 31
	RTTBCNRC_RS_ENA            = 1 << 31
	RTTBCNRC_RF_INT_SHIFT      = 14
	RTTBCNRC_RF_INT_MASK       = 0x3FF << 14
	RTTBCNRC_RF_DEC_MASK       = 0x3FFF
	EICR_MAILBOX               = 1 << 19
	EICR_LSC                   = 1 << 20
	IVAR_ALLOC_VAL             = 0x80
	EITR_CNT_WDIS              = 1 << 31
	RXDCTL_ENABLE              = 1 << 25
	TXDCTL_ENABLE              = 1 << 25
	SRRCTL_DROP_EN             = 1 << 28
	SRRCTL_DESCTYPE_ADV_ONEBUF = 1 << 25

	PFMAILBOX_STS  = 1 << 0
	PFMAILBOX_ACK  = 1 << 1
	PFMAILBOX_VFU  = 1 << 2
	PFMAILBOX_PFU  = 1 << 3
	PFMAILBOX_RVFU = 1 << 4

	TXD_DTYP_DATA = 0x00300000
	TXD_DCMD_EOP  = 0x01000000
	TXD_DCMD_IFCS = 0x02000000
	TXD_DCMD_RS   = 0x08000000
	TXD_DCMD_DEXT = 0x20000000
	TXD_STAT_DD   = 1
	TXD_CC        = 0x80
	RXD_STAT_DD   = 1
	RXD_STAT_EOP  = 2
)

// Mailbox messages (ixgbe_mbx.h).
const (
	VF_RESET                          = 0x01
	VF_SET_MAC_ADDR                   = 0x02
	VF_SET_MULTICAST                  = 0x03
	VF_SET_VLAN                       = 0x04
	VF_SET_LPE                        = 0x05
	VF_SET_MACVLAN                    = 0x06
	VF_API_NEGOTIATE                  = 0x08
	VF_GET_QUEUES                     = 0x09
	VF_UPDATE_XCAST_MODE              = 0x0C
	VF_GET_LINK_STATE                 = 0x10
	PF_CONTROL_MSG                    = 0x0100
	VT_MSGTYPE_ACK                    = 0x80000000
	VT_MSGTYPE_NACK                   = 0x40000000
	VT_MSGTYPE_CTS                    = 0x20000000
	VT_MSGINFO_SHIFT                  = 16
	API10, API11, API12, API13, API14 = 0, 2, 3, 4, 5
)

// RegOffset is a register as the driver knows it, for the cross-check
// against the model's regmap.
type RegOffset struct {
	Offset, Stride uint32
	Count          int
}

// RegisterOffsets lists the registers the driver uses by Linux name.
func RegisterOffsets() map[string]RegOffset {
	q := func(off uint32, n int) RegOffset { return RegOffset{Offset: off, Stride: queueStride, Count: n} }
	return map[string]RegOffset{
		"CTRL": {Offset: CTRL}, "STATUS": {Offset: STATUS}, "CTRL_EXT": {Offset: CTRL_EXT},
		"EICR": {Offset: EICR}, "EICS": {Offset: EICS}, "EIAC": {Offset: EIAC}, "EIMS": {Offset: EIMS},
		"EIMC": {Offset: EIMC}, "EIAM": {Offset: EIAM}, "GPIE": {Offset: GPIE},
		"EITR": {Offset: EITR0, Stride: 4, Count: 24}, "IVAR": {Offset: IVAR0, Stride: 4, Count: 64},
		"IVAR_MISC": {Offset: IVAR_MISC}, "MBVFICR": {Offset: MBVFICR0, Stride: 4, Count: 4},
		"RDRXCTL": {Offset: RDRXCTL}, "RXCTRL": {Offset: RXCTRL}, "FCTRL": {Offset: FCTRL}, "HLREG0": {Offset: HLREG0},
		"MAXFRS": {Offset: MAXFRS}, "AUTOC": {Offset: AUTOC}, "LINKS": {Offset: LINKS}, "DMATXCTL": {Offset: DMATXCTL},
		"EEC": {Offset: EEC}, "GPRC": {Offset: GPRC}, "GPTC": {Offset: GPTC}, "GORCL": {Offset: GORCL}, "GORCH": {Offset: GORCH},
		"GOTCL": {Offset: GOTCL}, "GOTCH": {Offset: GOTCH}, "MPC": {Offset: MPC0, Stride: 4, Count: 8},
		"GCR_EXT": {Offset: GCR_EXT}, "VT_CTL": {Offset: VT_CTL}, "VFRE": {Offset: VFRE0, Stride: 4, Count: 2},
		"VFTE": {Offset: VFTE0, Stride: 4, Count: 2}, "MTA": {Offset: MTA0, Stride: 4, Count: 128},
		"VMOLR": {Offset: VMOLR0, Stride: 4, Count: 64}, "VMVIR": {Offset: VMVIR0, Stride: 4, Count: 64},
		"PFVFSPOOF": {Offset: PFVFSPOOF0, Stride: 4, Count: 8}, "PFDTXGSWC": {Offset: PFDTXGSWC},
		"VMECM": {Offset: VMECM0, Stride: 4, Count: 2}, "RTTDQSEL": {Offset: RTTDQSEL}, "RTTBCNRM": {Offset: RTTBCNRM},
		"RTTBCNRC": {Offset: RTTBCNRC}, "PFMAILBOX": {Offset: PFMAILBOX0, Stride: 4, Count: 64},
		"PFMBMEM": {Offset: PFMBMEM0, Stride: 4, Count: 1024},
		"RAL":     {Offset: RAL(0), Stride: 8, Count: 16}, "RAH": {Offset: RAL(0) + 4, Stride: 8, Count: 16},
		"MPSAR_LO": {Offset: MPSAR_LO0, Stride: 8, Count: 128}, "MPSAR_HI": {Offset: MPSAR_HI0, Stride: 8, Count: 128},
		"RDBAL": q(RDBAL0, 64), "RDBAH": q(RDBAL0+qBAH, 64), "RDLEN": q(RDBAL0+qLEN, 64), "RDH": q(RDBAL0+qH, 64),
		"SRRCTL": q(RDBAL0+qSRRCTL, 64), "RDT": q(RDBAL0+qT, 64), "RXDCTL": q(RDBAL0+qDCTL, 64),
		"TDBAL": q(TDBAL0, 128), "TDBAH": q(TDBAL0+qBAH, 128), "TDLEN": q(TDBAL0+qLEN, 128), "TDH": q(TDBAL0+qH, 128),
		"TDT": q(TDBAL0+qT, 128), "TXDCTL": q(TDBAL0+qDCTL, 128),
	}
}
