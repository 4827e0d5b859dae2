package ixgbe

// Offsets of the PF registers whose Linux macros split an array over
// several address ranges (ixgbe_type.h); the model finds the register
// instance by offset so the regmap may name the ranges as it likes.

func pfRxQueue(q int) uint32 {
	if q < 64 {
		return 0x01000 + 0x40*uint32(q)
	}
	return 0x0D000 + 0x40*uint32(q-64)
}

func pfTxQueue(q int) uint32 { return 0x06000 + 0x40*uint32(q) }

// Per-queue register offsets inside a queue's 0x40-byte window; the VF BAR
// uses the same layout for its queues.
const (
	qBAL    = 0x00
	qBAH    = 0x04
	qLEN    = 0x08
	qDCA    = 0x0C
	qH      = 0x10
	qSRRCTL = 0x14
	qT      = 0x18
	qDCTL   = 0x28
	qRSCCTL = 0x2C
	qWBAL   = 0x38
	qWBAH   = 0x3C
)

func pfRAL(i int) uint32 {
	if i <= 15 {
		return 0x05400 + 8*uint32(i)
	}
	return 0x0A200 + 8*uint32(i)
}
func pfRAH(i int) uint32      { return pfRAL(i) + 4 }
func pfMPSARLo(i int) uint32  { return 0x0A600 + 8*uint32(i) }
func pfMPSARHi(i int) uint32  { return 0x0A604 + 8*uint32(i) }
func pfVMOLR(p int) uint32    { return 0x0F000 + 4*uint32(p) }
func pfVFRE(i int) uint32     { return 0x051E0 + 4*uint32(i) }
func pfVFTE(i int) uint32     { return 0x08110 + 4*uint32(i) }
func pfSPOOF(i int) uint32    { return 0x08200 + 4*uint32(i) }
func pfMailbox(v int) uint32  { return 0x04B00 + 4*uint32(v) }
func pfMBVFICR(i int) uint32  { return 0x00710 + 4*uint32(i) }
func pfIVAR(i int) uint32     { return 0x00900 + 4*uint32(i) }
func pfRXPBSIZE(i int) uint32 { return 0x03C00 + 4*uint32(i) }
func pfTXPBSIZE(i int) uint32 { return 0x0CC00 + 4*uint32(i) }
func pfEITR(i int) uint32 {
	if i <= 23 {
		return 0x00820 + 4*uint32(i)
	}
	return 0x12300 + 4*uint32(i-24)
}

const (
	pfCTRL      = 0x00000
	pfSTATUS    = 0x00008
	pfCTRLEXT   = 0x00018
	pfEICR      = 0x00800
	pfEICS      = 0x00808
	pfEIAC      = 0x00810
	pfEIMS      = 0x00880
	pfEIMC      = 0x00888
	pfEIAM      = 0x00890
	pfGPIE      = 0x00898
	pfIVARMISC  = 0x00A00
	pfRXCTRL    = 0x03000
	pfFCTRL     = 0x05080
	pfRDRXCTL   = 0x02F00
	pfAUTOC     = 0x042A0
	pfLINKS     = 0x042A4
	pfEEC       = 0x10010
	pfDMATXCTL  = 0x04A80
	pfGPRC      = 0x04074
	pfGPTC      = 0x04080
	pfGORCL     = 0x04088
	pfGORCH     = 0x0408C
	pfGOTCL     = 0x04090
	pfGOTCH     = 0x04094
	pfMPC0      = 0x03FA0
	pfVTCTL     = 0x051B0
	pfDTXSWC    = 0x08220
	pfSSVPC     = 0x08780
	pfRTTDQSEL  = 0x04904
	pfRTTBCNRC  = 0x04984
	pfSRRCTLAli = 0x02100 // SRRCTL(0..15) alias range, stride 4
)

// VF BAR offsets (ixgbevf/regs.h).
const (
	vfCTRL     = 0x0000
	vfSTATUS   = 0x0008
	vfLINKS    = 0x0010
	vfEICR     = 0x0100
	vfEICS     = 0x0104
	vfEIMS     = 0x0108
	vfEIMC     = 0x010C
	vfEIAC     = 0x0110
	vfEIAM     = 0x0114
	vfEITR0    = 0x0820
	vfIVAR0    = 0x0120
	vfIVARMISC = 0x0140
	vfMBMEM    = 0x0200
	vfMAILBOX  = 0x02FC
	vfRxQ0     = 0x1000
	vfTxQ0     = 0x2000
	vfGPRC     = 0x101C
	vfGORCLSB  = 0x1020
	vfGORCMSB  = 0x1024
	vfMPRC     = 0x1034
	vfGPTC     = 0x201C
	vfGOTCLSB  = 0x2020
	vfGOTCMSB  = 0x2024
	pfMBMEM    = 0x13000 // PF view of VF v mailbox memory: + 0x40*v
)
