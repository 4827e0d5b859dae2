package ena

import "time"

// Register offsets and fields, written from ena_regs_defs.h
// (amzn/amzn-drivers kernel/linux/common/ena_com/). A test checks them
// against the model's regmap (verify/drivermap).
const (
	ENA_REGS_VERSION_OFF            = 0x00
	ENA_REGS_CONTROLLER_VERSION_OFF = 0x04
	ENA_REGS_CAPS_OFF               = 0x08
	ENA_REGS_AQ_BASE_LO_OFF         = 0x10
	ENA_REGS_AQ_BASE_HI_OFF         = 0x14
	ENA_REGS_AQ_CAPS_OFF            = 0x18
	ENA_REGS_ACQ_BASE_LO_OFF        = 0x20
	ENA_REGS_ACQ_BASE_HI_OFF        = 0x24
	ENA_REGS_ACQ_CAPS_OFF           = 0x28
	ENA_REGS_AQ_DB_OFF              = 0x2c
	ENA_REGS_AENQ_CAPS_OFF          = 0x34
	ENA_REGS_AENQ_BASE_LO_OFF       = 0x38
	ENA_REGS_AENQ_BASE_HI_OFF       = 0x3c
	ENA_REGS_AENQ_HEAD_DB_OFF       = 0x40
	ENA_REGS_INTR_MASK_OFF          = 0x4c
	ENA_REGS_DEV_CTL_OFF            = 0x54
	ENA_REGS_DEV_STS_OFF            = 0x58
	ENA_REGS_MMIO_REG_READ_OFF      = 0x5c
	ENA_REGS_MMIO_RESP_LO_OFF       = 0x60
	ENA_REGS_MMIO_RESP_HI_OFF       = 0x64
)

// Fields.
const (
	ENA_REGS_CAPS_RESET_TIMEOUT_SHIFT  = 1
	ENA_REGS_CAPS_RESET_TIMEOUT_MASK   = 0x3e
	ENA_REGS_CAPS_DMA_ADDR_WIDTH_SHIFT = 8
	ENA_REGS_CAPS_DMA_ADDR_WIDTH_MASK  = 0xff00
	ENA_REGS_CAPS_ADMIN_CMD_TO_SHIFT   = 16
	ENA_REGS_CAPS_ADMIN_CMD_TO_MASK    = 0xf0000

	ENA_REGS_DEV_CTL_DEV_RESET_MASK         = 0x1
	ENA_REGS_DEV_CTL_RESET_REASON_EXT_SHIFT = 24
	ENA_REGS_DEV_CTL_RESET_REASON_SHIFT     = 28

	ENA_REGS_DEV_STS_READY_MASK             = 0x1
	ENA_REGS_DEV_STS_RESET_IN_PROGRESS_MASK = 0x8

	ENA_REGS_MMIO_REG_READ_REQ_ID_MASK   = 0xffff
	ENA_REGS_MMIO_REG_READ_REG_OFF_SHIFT = 16

	ENA_REGS_ADMIN_INTR_MASK = 1

	ENA_MMIO_READ_TIMEOUT = 0xFFFFFFFF
)

// Reset reasons (enum ena_regs_reset_reason_types).
const (
	ENA_REGS_RESET_NORMAL          = 0
	ENA_REGS_RESET_KEEP_ALIVE_TO   = 1
	ENA_REGS_RESET_ADMIN_TO        = 2
	ENA_REGS_RESET_GENERIC         = 13
	ENA_REGS_RESET_INV_RX_REQ_ID   = 4
	ENA_REGS_RESET_MISS_TX_CMPL    = 3
	ENA_REGS_RESET_INV_TX_REQ_ID   = 5
	ENA_REGS_RESET_SHUTDOWN        = 11
	ENA_REGS_RESET_DEVICE_REQUEST  = 19
	ENA_REGS_RESET_MISS_FIRST_INTR = 20
)

// Admin interface (ena_admin_defs.h, ena_com.h).
const (
	ENA_ADMIN_QUEUE_DEPTH = 32
	ENA_ASYNC_QUEUE_DEPTH = 16
	adminEntrySize        = 64

	ENA_ADMIN_GET_FEATURE = 8
	ENA_ADMIN_SET_FEATURE = 9

	ENA_ADMIN_DEVICE_ATTRIBUTES        = 1
	ENA_ADMIN_MAX_QUEUES_NUM           = 2
	ENA_ADMIN_HW_HINTS                 = 3
	ENA_ADMIN_LLQ                      = 4
	ENA_ADMIN_MAX_QUEUES_EXT           = 7
	ENA_ADMIN_STATELESS_OFFLOAD_CONFIG = 11
	ENA_ADMIN_MTU                      = 14
	ENA_ADMIN_INTERRUPT_MODERATION     = 20
	ENA_ADMIN_AENQ_CONFIG              = 26
	ENA_ADMIN_HOST_ATTR_CONFIG         = 28

	ENA_ADMIN_SUCCESS                     = 0
	ENA_ADMIN_RESOURCE_ALLOCATION_FAILURE = 1
	ENA_ADMIN_UNSUPPORTED_OPCODE          = 3
	ENA_ADMIN_RESOURCE_BUSY               = 7

	ENA_ADMIN_EXTENDED_RESET_REASONS = 3 // capability bit

	ENA_ADMIN_LINK_CHANGE  = 0
	ENA_ADMIN_FATAL_ERROR  = 1
	ENA_ADMIN_WARNING      = 2
	ENA_ADMIN_NOTIFICATION = 3
	ENA_ADMIN_KEEP_ALIVE   = 4

	// ena_netdev.c enables these AENQ groups when the device supports them.
	enaAENQGroups = 1<<0 | 1<<1 | 1<<2 | 1<<3 | 1<<4 | 1<<6 | 1<<7
)

// Timing of the driver (ena_com.c, ena_netdev.h).
const (
	ENA_REG_READ_TIMEOUT_US    = 200000  // readless read
	ADMIN_CMD_TIMEOUT_US       = 3000000 // admin command, before CAPS says otherwise
	ENA_MIN_ADMIN_POLL_US      = 100
	ENA_MAX_ADMIN_POLL_US      = 5000
	ENA_MAX_BACKOFF_DELAY_EXP  = 16
	ENA_INTR_INITIAL_TX_USECS  = 64
	ENA_INTR_INITIAL_RX_USECS  = 20
	ENA_SPEC_VERSION           = 0x0200
	ENA_DEVICE_KALIVE_TIMEOUT  = 6 // seconds
	enaMinPollDelayUS          = 5000
	ENA_MMIO_DISABLE_REG_READ  = 1 // PCI revision bit
	defaultNumCPUs             = 8
	ENA_ADMIN_OS_LINUX         = 1
	hostInfoDriverVersionOff   = 172
	hostInfoSpecVersionOff     = 184
	hostInfoNumCPUsOff         = 188
	hostInfoDriverSupportedOff = 192
	driverVersion              = 2<<0 | 17<<8 | 0<<16 | 'g'<<24 // 2.17.0, module type 'g'
)

// RegOffset is a register's place in BAR0, for the check against the
// device's regmap.
type RegOffset struct {
	Offset, Stride uint32
	Count          int
}

// RegisterOffsets names the driver's register offsets as the regmap does.
func RegisterOffsets() map[string]RegOffset {
	return map[string]RegOffset{
		"VERSION": {Offset: ENA_REGS_VERSION_OFF}, "CONTROLLER_VERSION": {Offset: ENA_REGS_CONTROLLER_VERSION_OFF},
		"CAPS": {Offset: ENA_REGS_CAPS_OFF}, "AQ_BASE_LO": {Offset: ENA_REGS_AQ_BASE_LO_OFF}, "AQ_BASE_HI": {Offset: ENA_REGS_AQ_BASE_HI_OFF},
		"AQ_CAPS": {Offset: ENA_REGS_AQ_CAPS_OFF}, "ACQ_BASE_LO": {Offset: ENA_REGS_ACQ_BASE_LO_OFF}, "ACQ_BASE_HI": {Offset: ENA_REGS_ACQ_BASE_HI_OFF},
		"ACQ_CAPS": {Offset: ENA_REGS_ACQ_CAPS_OFF}, "AQ_DB": {Offset: ENA_REGS_AQ_DB_OFF}, "AENQ_CAPS": {Offset: ENA_REGS_AENQ_CAPS_OFF},
		"AENQ_BASE_LO": {Offset: ENA_REGS_AENQ_BASE_LO_OFF}, "AENQ_BASE_HI": {Offset: ENA_REGS_AENQ_BASE_HI_OFF},
		"AENQ_HEAD_DB": {Offset: ENA_REGS_AENQ_HEAD_DB_OFF}, "INTR_MASK": {Offset: ENA_REGS_INTR_MASK_OFF},
		"DEV_CTL": {Offset: ENA_REGS_DEV_CTL_OFF}, "DEV_STS": {Offset: ENA_REGS_DEV_STS_OFF},
		"MMIO_REG_READ": {Offset: ENA_REGS_MMIO_REG_READ_OFF}, "MMIO_RESP_LO": {Offset: ENA_REGS_MMIO_RESP_LO_OFF},
		"MMIO_RESP_HI": {Offset: ENA_REGS_MMIO_RESP_HI_OFF},
	}
}

// IO path (ena_admin_defs.h, ena_eth_io_defs.h, ena_netdev.h).
const (
	ENA_ADMIN_CREATE_SQ  = 1
	ENA_ADMIN_DESTROY_SQ = 2
	ENA_ADMIN_CREATE_CQ  = 3
	ENA_ADMIN_DESTROY_CQ = 4

	ENA_ADMIN_SQ_DIRECTION_TX        = 1
	ENA_ADMIN_SQ_DIRECTION_RX        = 2
	ENA_ADMIN_PLACEMENT_POLICY_HOST  = 1
	ENA_ADMIN_CQ_INTERRUPT_MODE      = 1 << 5
	ENA_ADMIN_SQ_PHYSICALLY_CONTIG   = 1
	ENA_ADMIN_SQ_IDENTITY_DIR_SHIFT  = 5
	ENA_DEFAULT_RING_SIZE            = 1024
	ENA_MIN_RING_SIZE                = 256
	ENA_RX_REFILL_THRESH_DIVIDER     = 8
	ENA_RX_REFILL_THRESH_PACKET      = 256
	ENA_ETH_IO_TX_DESC_PHASE_SHIFT   = 24
	ENA_ETH_IO_TX_DESC_FIRST_MASK    = 1 << 26
	ENA_ETH_IO_TX_DESC_LAST_MASK     = 1 << 27
	ENA_ETH_IO_TX_DESC_COMP_REQ_MASK = 1 << 28
	ENA_ETH_IO_TX_DESC_REQ_ID_HI_SFT = 16
	ENA_ETH_IO_TX_DESC_REQ_ID_LO_SFT = 22
	ENA_ETH_IO_TX_DESC_DF_MASK       = 1 << 4
	ENA_ETH_IO_TX_DESC_HDR_LEN_SHIFT = 24
	ENA_ETH_IO_RX_DESC_PHASE_MASK    = 1 << 0
	ENA_ETH_IO_RX_DESC_FIRST_MASK    = 1 << 2
	ENA_ETH_IO_RX_DESC_LAST_MASK     = 1 << 3
	ENA_ETH_IO_RX_DESC_COMP_REQ_MASK = 1 << 4
	ENA_ETH_IO_RX_CDESC_PHASE_MASK   = 1 << 24
	ENA_ETH_IO_RX_CDESC_FIRST_MASK   = 1 << 26
	ENA_ETH_IO_RX_CDESC_LAST_MASK    = 1 << 27
	ENA_ETH_IO_INTR_REG_TX_SHIFT     = 15
	ENA_ETH_IO_L3_PROTO_IPV4         = 8 // enum ena_eth_io_l3_proto_index
	ENA_ETH_IO_L3_PROTO_IPV6         = 11
	ENA_ETH_IO_L4_PROTO_TCP          = 12 // enum ena_eth_io_l4_proto_index
	ENA_ETH_IO_L4_PROTO_UDP          = 13
	ENA_ETH_IO_INTR_REG_UNMASK       = 1 << 30
	ENA_ETH_IO_INTR_REG_NO_MOD_UPD   = 1 << 31

	txCdescSize = 8
	rxCdescSize = 16
	ioDescSize  = 16
	// bufSize is a packet buffer: a 1500-byte MTU frame with its Ethernet
	// header and a VLAN tag (1518 bytes) fits one, in 24 whole cache
	// lines, and larger frames span several. Buffers are packed at this
	// stride: at 2 KiB a quarter of every buffer is never touched, so the
	// thousands of buffers in flight spread over a third more pages and
	// cache sets than their bytes need (the device's copy of each Tx
	// packet, the application's fill and the zeroing of recycled memory
	// all ran slower).
	bufSize = 1536
)

// RSS (ena_admin_defs.h, ena_netdev.h).
const (
	ENA_ADMIN_RSS_HASH_FUNCTION                  = 10
	ENA_ADMIN_RSS_INDIRECTION_TABLE_CONFIG       = 12
	ENA_ADMIN_RSS_HASH_INPUT                     = 18
	ENA_ADMIN_TOEPLITZ                           = 1
	ENA_RX_RSS_TABLE_LOG_SIZE                    = 7
	ENA_HASH_KEY_SIZE                            = 40
	ENA_ADMIN_AQ_COMMON_DESC_CTRL_DATA_INDIRECT  = 1 << 2
	rssHashCtrlSize                              = 256
	rssProtoCount                                = 16
	ENA_ADMIN_RSS_TCP4, ENA_ADMIN_RSS_UDP4       = 0, 1
	ENA_ADMIN_RSS_TCP6, ENA_ADMIN_RSS_UDP6       = 2, 3
	ENA_ADMIN_RSS_IP4, ENA_ADMIN_RSS_IP6         = 4, 5
	ENA_ADMIN_RSS_IP4_FRAG                       = 6
	ENA_ADMIN_RSS_NOT_IP                         = 7
	ENA_ADMIN_RSS_L2_DA, ENA_ADMIN_RSS_L2_SA     = 1 << 0, 1 << 1
	ENA_ADMIN_RSS_L3_DA, ENA_ADMIN_RSS_L3_SA     = 1 << 2, 1 << 3
	ENA_ADMIN_RSS_L4_DP, ENA_ADMIN_RSS_L4_SP     = 1 << 4, 1 << 5
	ENA_ADMIN_RSS_L3_SORT, ENA_ADMIN_RSS_L4_SORT = 1 << 1, 1 << 2
)

// Missing Tx completions (ena_netdev.h).
const (
	ENA_TX_TIMEOUT               = 5 * time.Second
	MAX_NUM_OF_TIMEOUTED_PACKETS = 128
)
