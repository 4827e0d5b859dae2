package ena

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/nicforge/nicforge/driver/bus"
)

// Config are the driver's settings.
type Config struct {
	NumCPUs int // bounds the queue count, as online CPUs do; default 8
	// Mutation is a deliberate bug for checker tests: doorbell_beyond (one
	// Tx doorbell a queue depth past the tail). "" for none.
	Mutation string
	// StaticRxModeration turns adaptive Rx moderation (DIM) off, as
	// "ethtool -C adaptive-rx off" does: Rx keeps the static delay.
	StaticRxModeration bool
	// TxUsecs and RxUsecs set the interrupt delays after probe, in µs, as
	// "ethtool -C tx-usecs/rx-usecs" does (nil: the initial 64 and 20 µs).
	// A static RxUsecs turns adaptive Rx moderation off ("adaptive-rx off").
	TxUsecs, RxUsecs *uint32
	// Polling is DPDK style: the IO vectors are never unmasked (no IO
	// interrupts), and every Poll cleans every Tx queue, as a polling
	// application's transmit path does. Admin and AENQ keep vector 0.
	Polling bool
	// BQL accounts byte queue limits on every Tx queue, as the driver's
	// enable_bql module parameter does (default off in amzn-drivers; the
	// in-tree Linux driver always does): TxBatch and TxRoom stop a queue
	// at its dynamic byte limit, which completions move.
	BQL bool
}

// Device is a probed ENA function.
type Device struct {
	fn  bus.Function
	cfg Config

	readless    bool
	mmioResp    bus.Buffer
	mmioSeq     uint16
	readTimeout time.Duration

	adminTimeout time.Duration
	adminRunning bool // false after a command timed out, until a reset
	polling      bool
	aq, acq      bus.Buffer
	aqTail       uint16 // free-running
	aqPhase      byte
	acqHead      uint16
	acqPhase     byte
	cmdID        uint16
	done         map[uint16][]byte // completions by command id
	aenq         bus.Buffer
	aenqHead     uint16
	aenqPhase    byte
	hostInfo     bus.Buffer

	// What the device said.
	Attr          Attributes
	MaxQueues     MaxQueuesExt
	AENQSupported uint32
	AENQEnabled   uint32
	NumQueues     int
	IntrDelayRes  uint16
	TxUsecs       uint32 // interrupt moderation, in device units
	RxUsecs       uint32
	AdaptiveRx    bool // DIM moves each Rx ring's delay
	// TxOffloads are the Tx offloads the device offers
	// (ena_admin_feature_offload_desc.tx: bit 0 IPv4 header checksum,
	// bit 1 IPv4 L4 partial checksum, bit 3 IPv6 L4 partial checksum).
	TxOffloads uint32

	rss        rss
	llq        llq
	metrics    uint64 // customer metrics the device reports
	metricsBuf bus.Buffer
	pool       *pool // Tx buffers for the application
	rxPool     *pool
	tx, rx     []*ring
	up         bool
	napi       uint64 // IO vectors that fired, to poll
	seen       uint64 // vectors Quiet took from the function, not yet handled
	needReset  uint32 // a reset reason the watchdog acts on

	linkUp     bool
	keepAlives uint64
	lastKA     time.Duration
	kaTimeout  time.Duration // 0: no keep-alive watchdog
	// Missing Tx completions: a packet older than missTxTimeout is
	// missing; more than missTxThreshold missing on a ring resets.
	missTxTimeout   time.Duration
	missTxThreshold int
	lastService     time.Duration
	txRing          int // ring sizes of the last Open, for a restore
	rxRing          int
	Resets          int // resets the driver made after probe, and why
	LastReset       uint32
	failed          error // a recovery that did not work: the device is down
	mutSeen         int
	events          uint64
}

// Attributes are the device attributes (ena_admin_device_attr_feature_desc).
type Attributes struct {
	ImplID, DeviceVersion    uint32
	SupportedFeatures        uint32
	Capabilities             uint32
	PhysAddrWidth, VirtWidth uint32
	MAC                      [6]byte
	MaxMTU                   uint32
}

// MaxQueuesExt is the extended queue limits (version 1).
type MaxQueuesExt struct {
	TxSQ, TxCQ, RxSQ, RxCQ           uint32
	TxSQDepth, TxCQDepth             uint32
	RxSQDepth, RxCQDepth             uint32
	TxHeader                         uint32
	PerPacketTxDescs, PerPacketRxDes uint16
}

func (d *Device) supports(feature int) bool {
	return d.Attr.SupportedFeatures&(1<<feature) != 0
}

// Probe brings the function up as ena_probe and ena_device_init do.
func Probe(fn bus.Function, cfg Config) (*Device, error) {
	if cfg.NumCPUs == 0 {
		cfg.NumCPUs = defaultNumCPUs
	}
	d := &Device{fn: fn, cfg: cfg, readTimeout: ENA_REG_READ_TIMEOUT_US * time.Microsecond, adminTimeout: ADMIN_CMD_TIMEOUT_US * time.Microsecond, done: map[uint16][]byte{}}
	// PCI: memory space and bus master on; the revision says whether
	// register reads are readless.
	fn.ConfigWrite32(0x04, fn.ConfigRead32(0x04)|0x6)
	rev := fn.ConfigRead32(0x08) & 0xFF
	d.readless = rev&ENA_MMIO_DISABLE_REG_READ == 0

	var err error
	if d.mmioResp, err = fn.AllocDMA(8, 8); err != nil {
		return nil, fmt.Errorf("ena: readless response buffer: %w", err)
	}
	if err := d.deviceInit(ENA_REGS_RESET_NORMAL); err != nil {
		return nil, err
	}
	d.lastKA, d.lastService = fn.Now(), fn.Now()
	return d, nil
}

// deviceInit is ena_device_init: readless set-up, a reset with reason,
// the version and DMA-width checks, the admin queue, features, AENQ,
// moderation, interrupt mode and RSS. Buffers from an earlier init (the
// reset path) are reused.
func (d *Device) deviceInit(reason uint32) error {
	fn := d.fn
	d.writeMMIOResp()
	if err := d.reset(reason); err != nil {
		return err
	}
	ver := d.read(ENA_REGS_VERSION_OFF)
	ctrl := d.read(ENA_REGS_CONTROLLER_VERSION_OFF)
	if ver == ENA_MMIO_READ_TIMEOUT || ctrl == ENA_MMIO_READ_TIMEOUT {
		return errors.New("ena: version registers unreadable")
	}
	if ctrl&0xFFFFFF < 0x000001 {
		return fmt.Errorf("ena: controller version %#x is below 0.0.1", ctrl)
	}
	fn.Logf("ena: device version %d.%d, controller %d.%d.%d", ver>>8&0xFF, ver&0xFF, ctrl>>16&0xFF, ctrl>>8&0xFF, ctrl&0xFF)
	caps := d.read(ENA_REGS_CAPS_OFF)
	if w := caps & ENA_REGS_CAPS_DMA_ADDR_WIDTH_MASK >> ENA_REGS_CAPS_DMA_ADDR_WIDTH_SHIFT; w < 32 || w > 48 {
		return fmt.Errorf("ena: DMA address width %d outside 32..48", w)
	}
	if err := d.adminInit(); err != nil {
		return err
	}
	d.polling = true
	fn.Write32(0, ENA_REGS_INTR_MASK_OFF, ENA_REGS_ADMIN_INTR_MASK)
	// Host info goes first, before the supported features are known; a
	// failure is not fatal.
	if err := d.setHostAttr(); err != nil {
		fn.Logf("ena: host attributes not accepted: %v", err)
	}
	if err := d.getDeviceAttributes(); err != nil {
		return err
	}
	if err := d.discoverMetrics(); err != nil {
		return err
	}
	if err := d.configureAENQ(); err != nil {
		return err
	}
	d.configLLQ()
	d.NumQueues = min(d.cfg.NumCPUs, 128, int(d.MaxQueues.RxSQ), int(d.MaxQueues.TxSQ), int(d.MaxQueues.TxCQ))
	if err := d.initModeration(); err != nil {
		return err
	}
	// MSI-X: one management vector and one per queue pair; interrupt mode;
	// then every AENQ slot is the device's.
	if err := fn.EnableMSIX(1 + d.NumQueues); err != nil {
		return fmt.Errorf("ena: MSI-X: %w", err)
	}
	d.polling = false
	fn.Write32(0, ENA_REGS_INTR_MASK_OFF, 0)
	fn.Write32(0, ENA_REGS_AENQ_HEAD_DB_OFF, uint32(d.aenqHead))
	if err := d.rssInit(); err != nil {
		return fmt.Errorf("ena: RSS: %w", err)
	}
	if err := d.setHostAttr(); err != nil {
		fn.Logf("ena: host attributes not accepted: %v", err)
	}
	return nil
}

func (d *Device) writeMMIOResp() {
	d.fn.Write32(0, ENA_REGS_MMIO_RESP_LO_OFF, uint32(d.mmioResp.IOVA))
	d.fn.Write32(0, ENA_REGS_MMIO_RESP_HI_OFF, uint32(d.mmioResp.IOVA>>32))
	binary.LittleEndian.PutUint16(d.mmioResp.Bytes, 0)
	d.mmioSeq = 0
}

// read is ena_com_reg_bar_read32: a readless read unless it is disabled.
// On a timeout or a response for another offset it returns
// ENA_MMIO_READ_TIMEOUT.
func (d *Device) read(off uint32) uint32 {
	if !d.readless {
		return d.fn.Read32(0, off)
	}
	r := d.mmioResp.Bytes
	d.mmioSeq++
	binary.LittleEndian.PutUint16(r[0:], d.mmioSeq+0xDEAD)
	d.fn.Write32(0, ENA_REGS_MMIO_REG_READ_OFF, off<<ENA_REGS_MMIO_REG_READ_REG_OFF_SHIFT|uint32(d.mmioSeq))
	polls := int(d.readTimeout / time.Microsecond)
	for i := 0; i < polls; i++ {
		if binary.LittleEndian.Uint16(r[0:]) == d.mmioSeq {
			if uint32(binary.LittleEndian.Uint16(r[2:])) != off {
				d.fn.Logf("ena: readless read of %#x answered for %#x", off, binary.LittleEndian.Uint16(r[2:]))
				return ENA_MMIO_READ_TIMEOUT
			}
			return binary.LittleEndian.Uint32(r[4:])
		}
		d.fn.Delay(time.Microsecond)
	}
	d.fn.Logf("ena: readless read of %#x timed out (req id %d)", off, d.mmioSeq)
	return ENA_MMIO_READ_TIMEOUT
}

// backoff is ena_delay_exponential_backoff_us, taking the low end of its
// usleep_range.
func (d *Device) backoff(exp uint32) {
	exp = min(exp, ENA_MAX_BACKOFF_DELAY_EXP)
	us := max(uint32(ENA_MIN_ADMIN_POLL_US), enaMinPollDelayUS)
	us = min(us*(1<<exp), ENA_MAX_ADMIN_POLL_US)
	d.fn.Delay(time.Duration(us) * time.Microsecond)
}

// reset is ena_com_dev_reset.
func (d *Device) reset(reason uint32) error {
	sts := d.read(ENA_REGS_DEV_STS_OFF)
	caps := d.read(ENA_REGS_CAPS_OFF)
	if sts == ENA_MMIO_READ_TIMEOUT || caps == ENA_MMIO_READ_TIMEOUT {
		return errors.New("ena: reset: DEV_STS or CAPS unreadable")
	}
	if sts&ENA_REGS_DEV_STS_READY_MASK == 0 {
		return fmt.Errorf("ena: reset: device not ready (DEV_STS %#x)", sts)
	}
	timeout := caps & ENA_REGS_CAPS_RESET_TIMEOUT_MASK >> ENA_REGS_CAPS_RESET_TIMEOUT_SHIFT
	if timeout == 0 {
		return errors.New("ena: reset: CAPS gives no reset timeout")
	}
	ctl := uint32(ENA_REGS_DEV_CTL_DEV_RESET_MASK) | (reason&0xF)<<ENA_REGS_DEV_CTL_RESET_REASON_SHIFT
	if reason > 0xF {
		if d.Attr.Capabilities&(1<<ENA_ADMIN_EXTENDED_RESET_REASONS) != 0 {
			ctl |= (reason >> 4 & 0xF) << ENA_REGS_DEV_CTL_RESET_REASON_EXT_SHIFT
		} else {
			ctl = ENA_REGS_DEV_CTL_DEV_RESET_MASK | ENA_REGS_RESET_GENERIC<<ENA_REGS_DEV_CTL_RESET_REASON_SHIFT
		}
	}
	d.fn.Write32(0, ENA_REGS_DEV_CTL_OFF, ctl)
	d.writeMMIOResp() // a reset clears the response address
	wait := time.Duration(timeout) * 100 * time.Millisecond
	if err := d.waitReset(ENA_REGS_DEV_STS_RESET_IN_PROGRESS_MASK, wait); err != nil {
		return fmt.Errorf("ena: reset did not start: %w", err)
	}
	d.fn.Write32(0, ENA_REGS_DEV_CTL_OFF, 0)
	if err := d.waitReset(0, wait); err != nil {
		return fmt.Errorf("ena: reset did not finish: %w", err)
	}
	if to := caps & ENA_REGS_CAPS_ADMIN_CMD_TO_MASK >> ENA_REGS_CAPS_ADMIN_CMD_TO_SHIFT; to != 0 {
		d.adminTimeout = time.Duration(to) * 100 * time.Millisecond
	} else {
		d.adminTimeout = ADMIN_CMD_TIMEOUT_US * time.Microsecond
	}
	return nil
}

// waitReset is wait_for_reset_state: poll DEV_STS until RESET_IN_PROGRESS
// is want, with exponential back-off, within timeout.
func (d *Device) waitReset(want uint32, timeout time.Duration) error {
	deadline := d.fn.Now() + timeout
	for exp := uint32(0); ; exp++ {
		sts := d.read(ENA_REGS_DEV_STS_OFF)
		if sts == ENA_MMIO_READ_TIMEOUT {
			return errors.New("DEV_STS unreadable")
		}
		if sts&ENA_REGS_DEV_STS_RESET_IN_PROGRESS_MASK == want {
			return nil
		}
		if d.fn.Now() > deadline {
			return fmt.Errorf("DEV_STS %#x after %v", sts, timeout)
		}
		d.backoff(exp)
	}
}

// LinkUp reports whether a LINK_CHANGE event said the link is up.
func (d *Device) LinkUp() bool { return d.linkUp }

// KeepAlives returns the keep-alive events seen.
func (d *Device) KeepAlives() uint64 { return d.keepAlives }

// WaitLink handles management interrupts until the link is up or timeout
// passes.
func (d *Device) WaitLink(timeout time.Duration) bool {
	deadline := d.fn.Now() + timeout
	for !d.linkUp {
		left := deadline - d.fn.Now()
		if left <= 0 {
			return false
		}
		if d.fn.WaitIRQ(1, left) != 0 {
			d.management()
		}
	}
	return true
}

// management is the management interrupt handler: admin completions, then
// the AENQ.
func (d *Device) management() {
	d.processACQ()
	d.processAENQ()
}

const txCost = 5 * time.Nanosecond

func timeDur(n int) time.Duration { return time.Duration(n) }

// Err returns why the device is down after a failed recovery, or nil.
func (d *Device) Err() error { return d.failed }

// Mutations lists the driver's mutations (Config.Mutation).
var Mutations = []string{"doorbell_beyond"}
