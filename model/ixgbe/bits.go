package ixgbe

import "github.com/nicforge/nicforge/sim"

// Bit fields the model acts on, from the Linux ixgbe/ixgbevf headers
// (ixgbe_type.h, ixgbevf/defines.h, mbx.h).
const (
	ctrlRST          = 1 << 26 // CTRL.RST and VFCTRL.RST
	ctrlExtPFRSTD    = 1 << 14 // CTRL_EXT.PFRSTD: PF reset done, VF mailboxes may work
	eecARD           = 1 << 9
	rdrxctlDMAIDONE  = 1 << 3
	linksUp          = 1 << 30
	linksSpeed10G    = 3 << 28
	autocRestartAN   = 1 << 12
	rxdctlEnable     = 1 << 25
	rxdctlVME        = 1 << 30
	txdctlEnable     = 1 << 25
	txdctlSWFLSH     = 1 << 26
	txdctlWTHRESHSft = 16
	srrctlBSizePkt   = 0x7F
	srrctlDropEn     = 1 << 28
	srrctlDescMask   = 7 << 25
	srrctlAdvOneBuf  = 1 << 25
	rxctrlRXEN       = 1
	dmatxctlTE       = 1
	fctrlBAM         = 1 << 10
	fctrlMPE         = 1 << 8
	fctrlUPE         = 1 << 9
	gpieMSIXMode     = 1 << 4
	gpieOCD          = 1 << 5
	gpieEIAME        = 1 << 30
	vtctlVTEna       = 1 << 0
	vtctlDefPLShift  = 7
	vtctlDefPLMask   = 0x3F << vtctlDefPLShift
	vtctlDisDefPL    = 1 << 29
	vtctlReplEn      = 1 << 30
	dtxswcVTLBEN     = 1 << 0
	rahAV            = 1 << 31
	vmolrAUPE        = 1 << 24
	vmolrROMPE       = 1 << 25
	vmolrBAM         = 1 << 27
	vmolrMPE         = 1 << 28
	ivarValid        = 0x80
	rttbcnrcRSEna    = 1 << 31
	rttbcnrcRFMask   = 0x00FFFFFF // RF_INT 23:14 | RF_DEC 13:0

	eicrMailbox = 1 << 19
	eicrLSC     = 1 << 20
	eicrQueues  = 0xFFFF

	// VFMAILBOX bits.
	vfmbREQ   = 1 << 0
	vfmbACK   = 1 << 1
	vfmbVFU   = 1 << 2
	vfmbPFU   = 1 << 3
	vfmbPFSTS = 1 << 4
	vfmbPFACK = 1 << 5
	vfmbRSTI  = 1 << 6
	vfmbRSTD  = 1 << 7
	// PFMAILBOX bits.
	pfmbSTS  = 1 << 0
	pfmbACK  = 1 << 1
	pfmbVFU  = 1 << 2
	pfmbPFU  = 1 << 3
	pfmbRVFU = 1 << 4

	// Descriptor bits.
	txdCmdEOP   = 1 << 24
	txdCmdIFCS  = 1 << 25
	txdCmdRS    = 1 << 27
	txdCmdDEXT  = 1 << 29
	txdCmdVLE   = 1 << 30
	txdDTYPMask = 0xF << 20
	txdDTYPData = 0x3 << 20
	txdDTYPCtxt = 0x2 << 20
	txdStatDD   = 1

	rxdStatDD   = 1 << 0
	rxdStatEOP  = 1 << 1
	rxdStatVP   = 1 << 3
	rxdStatLB   = 1 << 18
	pktTypeIPv4 = 0x0010
	pktTypeIPv6 = 0x0040
	pktTypeTCP  = 0x0100
	pktTypeUDP  = 0x0200

	descSize = 16
)

// Shape of the 82599 SR-IOV resources.
const (
	TotalVFs           = 64
	NumQueues          = 128
	PFVectors          = 64
	VFVectors          = 3
	VFQueueSlots       = 8 // per-queue register slots in the VF BAR
	maxTxDescPerPacket = 40
	MaxFrame           = 9728 + 4
)

// Timing parameters of the model, in the units their names say.
type Timing struct {
	// VFResetTime is how long a VF reset (VFCTRL.RST) keeps RSTI set.
	VFResetTime sim.Time
	// LinkUpDelay is the time from reset or AUTOC restart to LINKS.UP.
	LinkUpDelay sim.Time
	// TxDescCache and RxDescCache are the on-chip descriptor caches per queue.
	TxDescCache, RxDescCache int
	// DescBurst is the most descriptors one prefetch reads.
	DescBurst int
	// TxPacketBuffer and RxPacketBuffer are the packet buffer sizes in
	// bytes (TXPBSIZE/RXPBSIZE of TC 0).
	TxPacketBuffer, RxPacketBuffer int
	// SwitchLatency is the VEB's forwarding latency.
	SwitchLatency sim.Time
}

// DefaultTiming is the 82599-like default.
var DefaultTiming = Timing{
	VFResetTime:    1 * sim.Microsecond,
	LinkUpDelay:    10 * sim.Microsecond,
	TxDescCache:    40,
	RxDescCache:    32,
	DescBurst:      32,
	TxPacketBuffer: 160 << 10,
	RxPacketBuffer: 512 << 10,
	SwitchLatency:  100 * sim.Nanosecond,
}
