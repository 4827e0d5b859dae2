package ixgbevf

// Register offsets of the VF BAR, from ixgbevf/regs.h (IXGBE_ prefix
// dropped). Per-queue registers take the queue index n: offset + 0x40*n.
const (
	VFCTRL        = 0x00000
	VFSTATUS      = 0x00008
	VFLINKS       = 0x00010
	VTEICR        = 0x00100
	VTEICS        = 0x00104
	VTEIMS        = 0x00108
	VTEIMC        = 0x0010C
	VTEIAC        = 0x00110
	VTEIAM        = 0x00114
	VTEITR0       = 0x00820 // VTEITR(n) = 0x820 + 4n
	VTIVAR0       = 0x00120 // VTIVAR(n) = 0x120 + 4n
	VTIVAR_MISC   = 0x00140
	VFPSRTYPE     = 0x00300
	VFMBMEM       = 0x00200 // 16 dwords
	VFMAILBOX     = 0x002FC
	VFRDBAL0      = 0x01000
	VFRDBAH0      = 0x01004
	VFRDLEN0      = 0x01008
	VFDCA_RXCTRL0 = 0x0100C
	VFRDH0        = 0x01010
	VFSRRCTL0     = 0x01014
	VFRDT0        = 0x01018
	VFRXDCTL0     = 0x01028
	VFTDBAL0      = 0x02000
	VFTDBAH0      = 0x02004
	VFTDLEN0      = 0x02008
	VFDCA_TXCTRL0 = 0x0200C
	VFTDH0        = 0x02010
	VFTDT0        = 0x02018
	VFTXDCTL0     = 0x02028
	VFTDWBAL0     = 0x02038
	VFTDWBAH0     = 0x0203C
	VFGPRC        = 0x0101C
	VFGORC_LSB    = 0x01020
	VFGORC_MSB    = 0x01024
	VFMPRC        = 0x01034
	VFGPTC        = 0x0201C
	VFGOTC_LSB    = 0x02020
	VFGOTC_MSB    = 0x02024

	queueStride = 0x40
)

// Bits (ixgbevf/defines.h, mbx.h).
const (
	CTRL_RST                   = 0x04000000
	LINKS_UP                   = 0x40000000
	LINKS_SPEED_MASK           = 0x30000000
	RXDCTL_ENABLE              = 0x02000000
	RXDCTL_VME                 = 0x40000000
	TXDCTL_ENABLE              = 0x02000000
	TXDCTL_SWFLSH              = 0x04000000
	SRRCTL_DROP_EN             = 0x10000000
	SRRCTL_BSIZEHDR_SHIFT      = 2 // (256 << 2) lands in bits 13:8 as 4 (x 64 bytes)
	SRRCTL_DESCTYPE_ADV_ONEBUF = 0x02000000
	DCA_RXCTRL_DESC_RRO_EN     = 1 << 9
	DCA_TXCTRL_DESC_RRO_EN     = 1 << 9
	DCA_TXCTRL_DATA_RRO_EN     = 1 << 13
	PSRTYPE_TCPHDR             = 0x00000010
	PSRTYPE_UDPHDR             = 0x00000020
	PSRTYPE_IPV4HDR            = 0x00000100
	PSRTYPE_IPV6HDR            = 0x00000200
	PSRTYPE_L2HDR              = 0x00001000
	PSRTYPE_RQPL_SHIFT         = 29
	IVAR_ALLOC_VAL             = 0x80
	EITR_CNT_WDIS              = 0x80000000
	IRQ_CLEAR_MASK             = 7

	VFMAILBOX_REQ      = 0x00000001
	VFMAILBOX_ACK      = 0x00000002
	VFMAILBOX_VFU      = 0x00000004
	VFMAILBOX_PFU      = 0x00000008
	VFMAILBOX_PFSTS    = 0x00000010
	VFMAILBOX_PFACK    = 0x00000020
	VFMAILBOX_RSTI     = 0x00000040
	VFMAILBOX_RSTD     = 0x00000080
	VFMAILBOX_R2C_BITS = 0x000000B0

	// Advanced descriptors.
	TXD_DTYP_DATA    = 0x00300000
	TXD_DCMD_EOP     = 0x01000000
	TXD_DCMD_IFCS    = 0x02000000
	TXD_DCMD_RS      = 0x08000000
	TXD_DCMD_DEXT    = 0x20000000
	TXD_STAT_DD      = 0x00000001
	TXD_CC           = 0x00000080
	TXD_PAYLEN_SHIFT = 14
	RXD_STAT_DD      = 0x01
	RXD_STAT_EOP     = 0x02
	RXD_STAT_LB      = 1 << 18
)

// Mailbox messages (mbx.h).
const (
	VF_RESET             = 0x01
	VF_SET_MAC_ADDR      = 0x02
	VF_SET_MULTICAST     = 0x03
	VF_SET_VLAN          = 0x04
	VF_SET_LPE           = 0x05
	VF_SET_MACVLAN       = 0x06
	VF_API_NEGOTIATE     = 0x08
	VF_GET_QUEUES        = 0x09
	VF_UPDATE_XCAST_MODE = 0x0C
	VF_GET_LINK_STATE    = 0x10
	PF_CONTROL_MSG       = 0x0100

	VT_MSGTYPE_SUCCESS = 0x80000000 // ACK
	VT_MSGTYPE_FAILURE = 0x40000000 // NACK
	VT_MSGTYPE_CTS     = 0x20000000
	VT_MSGINFO_SHIFT   = 16

	VF_INIT_TIMEOUT     = 200 // tries of 5 us waiting for RSTI/RSTD to clear
	VF_MBX_INIT_TIMEOUT = 2000
	VF_MBX_INIT_DELAY   = 500 // us
)

// API versions (enum ixgbe_pfvf_api_rev): wire values, never renumber.
const (
	API10 = 0
	API20 = 1
	API11 = 2
	API12 = 3
	API13 = 4
	API14 = 5
)

// ITR register values (ixgbevf.h).
const (
	ITR100K = 40
	ITR20K  = 200
	ITR12K  = 336
)

// RegOffset is a register as the driver knows it, for the cross-check
// against the model's regmap.
type RegOffset struct {
	Offset, Stride uint32
	Count          int
}

// RegisterOffsets lists every register the driver uses, by its Linux name.
func RegisterOffsets() map[string]RegOffset {
	q := func(off uint32) RegOffset { return RegOffset{Offset: off, Stride: queueStride, Count: 8} }
	return map[string]RegOffset{
		"VFCTRL": {Offset: VFCTRL}, "VFSTATUS": {Offset: VFSTATUS}, "VFLINKS": {Offset: VFLINKS},
		"VTEICR": {Offset: VTEICR}, "VTEICS": {Offset: VTEICS}, "VTEIMS": {Offset: VTEIMS}, "VTEIMC": {Offset: VTEIMC},
		"VTEIAC": {Offset: VTEIAC}, "VTEIAM": {Offset: VTEIAM},
		"VTEITR": {Offset: VTEITR0, Stride: 4, Count: 3}, "VTIVAR": {Offset: VTIVAR0, Stride: 4, Count: 4},
		"VTIVAR_MISC": {Offset: VTIVAR_MISC}, "VFPSRTYPE": {Offset: VFPSRTYPE},
		"VFMBMEM": {Offset: VFMBMEM, Stride: 4, Count: 16}, "VFMAILBOX": {Offset: VFMAILBOX},
		"VFRDBAL": q(VFRDBAL0), "VFRDBAH": q(VFRDBAH0), "VFRDLEN": q(VFRDLEN0), "VFDCA_RXCTRL": q(VFDCA_RXCTRL0),
		"VFRDH": q(VFRDH0), "VFSRRCTL": q(VFSRRCTL0), "VFRDT": q(VFRDT0), "VFRXDCTL": q(VFRXDCTL0),
		"VFTDBAL": q(VFTDBAL0), "VFTDBAH": q(VFTDBAH0), "VFTDLEN": q(VFTDLEN0), "VFDCA_TXCTRL": q(VFDCA_TXCTRL0),
		"VFTDH": q(VFTDH0), "VFTDT": q(VFTDT0), "VFTXDCTL": q(VFTXDCTL0), "VFTDWBAL": q(VFTDWBAL0), "VFTDWBAH": q(VFTDWBAH0),
		"VFGPRC": {Offset: VFGPRC}, "VFGORC_LSB": {Offset: VFGORC_LSB}, "VFGORC_MSB": {Offset: VFGORC_MSB},
		"VFMPRC": {Offset: VFMPRC}, "VFGPTC": {Offset: VFGPTC}, "VFGOTC_LSB": {Offset: VFGOTC_LSB}, "VFGOTC_MSB": {Offset: VFGOTC_MSB},
	}
}
