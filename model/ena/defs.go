package ena

// Admin interface constants and byte layouts, from ena_admin_defs.h
// (amzn/amzn-drivers kernel/linux/common/ena_com/); see
// /work/shared/specs/ena.md §3 and §4. All fields are little-endian.

// Admin queue geometry the driver uses (ena_com.c).
const (
	AdminEntrySize = 64 // AQ, ACQ and AENQ entries
	AdminDepth     = 32 // ENA_ADMIN_QUEUE_DEPTH
	AENQDepth      = 16 // ENA_ASYNC_QUEUE_DEPTH
)

// Opcodes (enum ena_admin_aq_opcode).
const (
	OpCreateSQ   = 1
	OpDestroySQ  = 2
	OpCreateCQ   = 3
	OpDestroyCQ  = 4
	OpGetFeature = 8
	OpSetFeature = 9
	OpGetStats   = 11
)

// Completion status (enum ena_admin_aq_completion_status).
const (
	StatusSuccess           = 0
	StatusResourceAlloc     = 1
	StatusBadOpcode         = 2
	StatusUnsupportedOpcode = 3
	StatusMalformedRequest  = 4
	StatusIllegalParameter  = 5
	StatusUnknownError      = 6
	StatusResourceBusy      = 7
)

// Feature ids (enum ena_admin_aq_feature_id).
const (
	FeatDeviceAttributes  = 1
	FeatMaxQueuesNum      = 2
	FeatHWHints           = 3
	FeatLLQ               = 4
	FeatMaxQueuesExt      = 7
	FeatRSSHashFunction   = 10
	FeatStatelessOffload  = 11
	FeatRSSIndirection    = 12
	FeatMTU               = 14
	FeatRSSHashInput      = 18
	FeatInterruptModerate = 20
	FeatAENQConfig        = 26
	FeatLinkConfig        = 27
	FeatHostAttrConfig    = 28
)

// Device capabilities (enum ena_admin_aq_caps_id).
const (
	CapENIStats             = 0
	CapCustomerMetrics      = 2
	CapExtendedResetReasons = 3
)

// AENQ groups (enum ena_admin_aenq_group).
const (
	AENQLinkChange   = 0
	AENQFatalError   = 1
	AENQWarning      = 2
	AENQNotification = 3
	AENQKeepAlive    = 4
)

// AQ entry (ena_admin_aq_entry): common descriptor, control buffer,
// feature header and payload.
const (
	aqCommandID   = 0  // u16, bits 11:0
	aqOpcode      = 2  // u8
	aqFlags       = 3  // u8: bit0 phase, bit1 ctrl_data, bit2 ctrl_data_indirect
	aqCtrlLen     = 4  // u32
	aqCtrlAddrLo  = 8  // u32
	aqCtrlAddrHi  = 12 // u16
	aqFeatFlags   = 16 // u8: bits 1:0 select
	aqFeatID      = 17 // u8
	aqFeatVersion = 18 // u8
	aqFeatPayload = 20 // 44 bytes
)

// ACQ entry (ena_admin_acq_entry).
const (
	acqCommandID = 0 // u16
	acqStatus    = 2 // u8
	acqFlags     = 3 // u8: bit0 phase
	acqSQHead    = 6 // u16
	acqPayload   = 8 // 56 bytes
)

// AENQ entry (ena_admin_aenq_entry).
const (
	aenqGroup    = 0  // u16
	aenqSyndrome = 2  // u16
	aenqFlags    = 4  // u8: bit0 phase
	aenqTimeLo   = 8  // u32
	aenqTimeHi   = 12 // u32
	aenqData     = 16 // 48 bytes
)

// DEV_CTL and DEV_STS bits (ena_regs_defs.h).
const (
	devCtlReset        = 1 << 0
	devCtlReasonShift  = 28
	devCtlReasonExtSft = 24
	devStsReady        = 1 << 0
	devStsResetInProg  = 1 << 3
	devStsResetDone    = 1 << 4
)

// Host info page fields the device reads (ena_admin_host_info).
const (
	hostInfoOSType        = 0
	hostInfoDriverVersion = 172
	hostInfoSpecVersion   = 184
	hostInfoSize          = 196
)

// IO queue commands and descriptors (ena_admin_defs.h, ena_eth_io_defs.h).
const (
	// CREATE_CQ.
	ccqCaps1      = 4 // bit5 interrupt_mode_enabled
	ccqCaps2      = 5 // [4:0] entry size in 4-byte words
	ccqDepth      = 6 // u16
	ccqVector     = 8 // u32
	ccqBaseLo     = 12
	ccqBaseHi     = 16 // u16
	ccqRespIdx    = 0  // in the payload: cq_idx u16
	ccqRespDepth  = 2  // cq_actual_depth u16
	ccqRespUnmask = 12 // cq_interrupt_unmask_register_offset u32

	// CREATE_SQ.
	csqIdentity   = 4 // [7:5] direction: 1 Tx, 2 Rx
	csqCaps2      = 6 // [3:0] placement: 1 host, 3 device (LLQ)
	csqCQIdx      = 8
	csqDepth      = 10
	csqBaseLo     = 12
	csqBaseHi     = 16
	csqRespIdx    = 0 // sq_idx u16
	csqRespDoorbl = 4 // sq_doorbell_offset u32

	// DESTROY_SQ / DESTROY_CQ.
	dqIdx = 4

	dirTx        = 1
	dirRx        = 2
	placeHost    = 1
	descSize     = 16
	txCdescSize  = 8
	rxCdescSize  = 16
	maxPktDescs  = 19 // ENA_PKT_MAX_BUFS
	txBurstDescs = 64 // descriptors fetched per Tx DMA
	doorbellBase = 0x1000
	unmaskBase   = 0x1800
	ioWindowEnd  = 0x2000

	// Tx descriptor len_ctrl bits.
	txLenMask     = 0xFFFF
	txReqIDHiSft  = 16 // req_id[15:10] in [21:16]
	txMetaDesc    = 1 << 23
	txPhase       = 1 << 24
	txFirst       = 1 << 26
	txLast        = 1 << 27
	txCompReq     = 1 << 28
	txMetaStore   = 1 << 21
	txReqIDLoSft  = 22 // meta_ctrl[31:22] = req_id[9:0]
	txAddrHiMask  = 0xFFFF
	rxDescPhase   = 1 << 0 // ctrl byte 3
	rxDescFirst   = 1 << 2
	rxDescLast    = 1 << 3
	rxDescCompReq = 1 << 4
	// Bits of ctrl that must be zero: 1 and 7:6. Bit 5 ("MBO" in the
	// header) is left clear by the Linux driver, so it is not checked.
	rxDescCtrlMBZ = 1<<1 | 0xC0
	rxCdescPhase  = 1 << 24
	rxCdescFirst  = 1 << 26
	rxCdescLast   = 1 << 27
	rxCdescBuffer = 1 << 30
	unmaskRxMask  = 0x7FFF
	unmaskTxSft   = 15
	unmaskBit     = 1 << 30
	unmaskNoUpd   = 1 << 31
)

// L3 and L4 protocol indices of Rx completions (enum ena_eth_io_l3_proto_index, l4).
const (
	l3IPv4 = 8
	l3IPv6 = 11
	l4TCP  = 12
	l4UDP  = 13
)
