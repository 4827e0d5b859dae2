package ixgbevf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/nicforge/nicforge/driver/bus"
)

// Config are the driver's settings (module parameters and ethtool).
type Config struct {
	TxRing, RxRing int    // descriptors: default 1024 / 512
	ITR            int    // 0 = dynamic (adaptive ITR), else a fixed VTEITR value
	MTU            int    // default 1500
	Queues         int    // 0 = what the PF offers, capped at 2
	PoolSize       int    // packet buffers
	Polling        bool   // DPDK style: queue interrupts stay masked, the application polls
	Mutation       string // a deliberate bug for checker tests (mutation.go); "" for none
}

// CPU costs the driver accounts per packet.
const (
	txCost  = 5 * time.Nanosecond
	rxCost  = 5 * time.Nanosecond
	bufSize = 2048
)

// Device is a bound ixgbevf function.
type Device struct {
	fn     bus.Function
	cfg    Config
	mbx    mailbox
	api    int
	mac    [6]byte
	mcType uint32
	nq     int
	tx     []*txRing
	rx     []*rxRing
	pool   *mempool
	up     bool
	// Interrupts: vectors 0..nq-1 serve queue pair i; vector nq is "other".
	itr       []uint32 // current VTEITR value per queue vector
	napi      uint64   // queue vectors with pending work
	lastSvc   time.Duration
	linkUp    bool
	linkSpeed uint32
	stats     Stats
	lastHW    hwCounters
	resets    int
	mutSeen   int
	itrs      []itrState
}

// Stats are the driver's counters.
type Stats struct {
	TxPackets, TxBytes, RxPackets, RxBytes uint64
	Queues                                 []QueueStats
	// Hardware counters extended to 64 bits (32-bit and 36-bit wraps).
	HWRxPackets, HWTxPackets, HWRxBytes, HWTxBytes, HWMulticast uint64
	TxHangs, Resets                                             uint64
}

// QueueStats are one queue's counters.
type QueueStats struct{ TxPackets, RxPackets uint64 }

type hwCounters struct {
	gprc, gptc, mprc uint32
	gorc, gotc       uint64
}

// Probe binds the driver: ixgbevf_sw_init and the interrupt scheme.
func Probe(fn bus.Function, cfg Config) (*Device, error) {
	if cfg.TxRing == 0 {
		cfg.TxRing = 1024
	}
	if cfg.RxRing == 0 {
		cfg.RxRing = 512
	}
	if cfg.MTU == 0 {
		cfg.MTU = 1500
	}
	for _, n := range []int{cfg.TxRing, cfg.RxRing} {
		if n%8 != 0 || n < 64 || n > 4096 {
			return nil, fmt.Errorf("ixgbevf: ring of %d descriptors: want a multiple of 8 in 64..4096", n)
		}
	}
	d := &Device{fn: fn, cfg: cfg, nq: 2}
	d.mbx = mailbox{fn: fn, timeout: VF_MBX_INIT_TIMEOUT, delay: VF_MBX_INIT_DELAY * time.Microsecond, noLock: cfg.Mutation == MutateMailboxNoLock}
	if err := d.resetHW(); err != nil {
		fn.Logf("PF still in reset state. Is the PF interface up? (%v)", err)
		return nil, err
	}
	if err := d.negotiateAPI(); err != nil {
		return nil, err
	}
	if err := d.setNumQueues(); err != nil {
		return nil, err
	}
	if d.mac == ([6]byte{}) {
		return nil, errors.New("ixgbevf: the PF assigned no MAC address")
	}
	pool := cfg.PoolSize
	if pool == 0 {
		pool = d.nq*(cfg.TxRing+cfg.RxRing) + 512
	}
	var err error
	if d.pool, err = newMempool(fn, pool); err != nil {
		return nil, err
	}
	if err := fn.EnableMSIX(d.nq + 1); err != nil {
		return nil, fmt.Errorf("ixgbevf: MSI-X is the only interrupt mode a VF has: %w", err)
	}
	fn.Logf("ixgbevf: probed, MAC %x, API %d, %d queues", d.mac, d.api, d.nq)
	return d, nil
}

// MAC returns the function's address.
func (d *Device) MAC() [6]byte { return d.mac }

// NumQueues returns the queue pairs in use.
func (d *Device) NumQueues() int { return d.nq }

// API returns the negotiated mailbox API.
func (d *Device) API() int { return d.api }

// stopAdapter is ixgbevf_stop_hw_vf: queues off, interrupts masked and
// cleared.
func (d *Device) stopAdapter() {
	fn := d.fn
	for i := 0; i < 2; i++ {
		off := VFRXDCTL0 + uint32(queueStride*i)
		fn.Write32(0, off, fn.Read32(0, off)&^RXDCTL_ENABLE)
	}
	fn.Read32(0, VFSTATUS) // flush
	fn.Write32(0, VTEIMC, IRQ_CLEAR_MASK)
	fn.Read32(0, VTEICR)
	for i := 0; i < 2; i++ {
		off := VFTXDCTL0 + uint32(queueStride*i)
		fn.Write32(0, off, fn.Read32(0, off)&^TXDCTL_ENABLE)
	}
}

// resetHW is ixgbevf_reset_hw_vf: stop, VFCTRL.RST, wait for the reset
// bits to clear, then the VF_RESET handshake that returns the MAC.
func (d *Device) resetHW() error {
	fn := d.fn
	d.stopAdapter()
	d.api = API10
	fn.Write32(0, VFCTRL, CTRL_RST)
	fn.Read32(0, VFSTATUS)
	timeout := VF_INIT_TIMEOUT
	for timeout > 0 && d.mbx.checkForRst() {
		timeout--
		fn.Delay(5 * time.Microsecond)
	}
	if timeout == 0 {
		return fmt.Errorf("ixgbevf: reset: RSTI/RSTD still set after %d x 5 us", VF_INIT_TIMEOUT)
	}
	d.mbx.timeout = VF_MBX_INIT_TIMEOUT
	msg := make([]uint32, 16)
	msg[0] = VF_RESET
	if err := d.mbx.writePosted(msg[:1]); err != nil {
		return fmt.Errorf("ixgbevf: VF_RESET: %w", err)
	}
	fn.Delay(10 * time.Millisecond)
	if err := d.mbx.readPosted(msg[:4]); err != nil {
		return fmt.Errorf("ixgbevf: VF_RESET reply: %w", err)
	}
	r, err := DecodeResetReply(msg[:4])
	if err != nil {
		return err
	}
	if r.HasMAC {
		d.mac = r.MAC
	}
	d.mcType = r.MCFilterType
	d.resets++
	return nil
}

// negotiateAPI tries the newest mailbox API first (ixgbevf_negotiate_api).
func (d *Device) negotiateAPI() error {
	for _, api := range []int{API14, API13, API12, API11, API10} {
		msg := []uint32{VF_API_NEGOTIATE, uint32(api), 0}
		if err := d.mbx.request(msg, 3); err != nil {
			return fmt.Errorf("ixgbevf: API negotiation: %w", err)
		}
		if msg[0]&^VT_MSGTYPE_CTS == VF_API_NEGOTIATE|VT_MSGTYPE_SUCCESS {
			d.api = api
			return nil
		}
	}
	return errors.New("ixgbevf: the PF accepted no mailbox API version")
}

// setNumQueues asks the PF for the queue layout (API 1.1 and later).
func (d *Device) setNumQueues() error {
	d.nq = 1
	if d.api < API11 {
		return nil
	}
	msg := make([]uint32, 5)
	msg[0] = VF_GET_QUEUES
	if err := d.mbx.request(msg, 5); err != nil {
		return fmt.Errorf("ixgbevf: GET_QUEUES: %w", err)
	}
	q, err := DecodeQueuesReply(msg)
	if err != nil {
		return err
	}
	n := q.Rx
	if q.Tx < n {
		n = q.Tx
	}
	if n > 2 {
		n = 2 // IXGBEVF_MAX_RSS_QUEUES
	}
	if d.cfg.Queues > 0 && d.cfg.Queues < n {
		n = d.cfg.Queues
	}
	d.nq = n
	return nil
}

// Open is ixgbevf_open: rings, mailbox configuration, queues, interrupts.
func (d *Device) Open() error {
	fn := d.fn
	d.tx = make([]*txRing, d.nq)
	d.rx = make([]*rxRing, d.nq)
	for i := 0; i < d.nq; i++ {
		var err error
		if d.tx[i], err = newTxRing(fn, i, d.cfg.TxRing); err != nil {
			return err
		}
		if d.rx[i], err = newRxRing(fn, i, d.cfg.RxRing); err != nil {
			return err
		}
	}
	// set_rx_mode: no multicast, no extra unicast filters.
	if d.api >= API12 {
		msg := []uint32{VF_UPDATE_XCAST_MODE, 1}
		_ = d.mbx.request(msg, 2)
	}
	for i := 0; i < d.nq; i++ {
		if err := d.configureTx(d.tx[i]); err != nil {
			return err
		}
	}
	psr := uint32(PSRTYPE_TCPHDR | PSRTYPE_UDPHDR | PSRTYPE_IPV4HDR | PSRTYPE_IPV6HDR | PSRTYPE_L2HDR)
	if d.nq > 1 {
		psr |= 1 << PSRTYPE_RQPL_SHIFT
	}
	fn.Write32(0, VFPSRTYPE, psr)
	lpe := []uint32{VF_SET_LPE, uint32(d.cfg.MTU + 14 + 4)}
	if err := d.mbx.request(lpe, 2); err != nil {
		return fmt.Errorf("ixgbevf: SET_LPE: %w", err)
	}
	for i := 0; i < d.nq; i++ {
		if err := d.configureRx(d.rx[i]); err != nil {
			return err
		}
	}
	d.configureMSIX()
	msg := make([]uint32, 3)
	msg[0] = VF_SET_MAC_ADDR
	EncodeMAC(msg, d.mac)
	if err := d.mbx.request(msg, 3); err != nil {
		return fmt.Errorf("ixgbevf: SET_MAC_ADDR: %w", err)
	}
	if msg[0]&VT_MSGTYPE_FAILURE != 0 {
		fn.Logf("ixgbevf: the PF refused MAC %x", d.mac)
	}
	fn.Read32(0, VTEICR)
	d.irqEnable()
	d.lastSvc = fn.Now()
	d.lastHW = d.readHW()
	d.up = true
	d.checkLink()
	return nil
}

func (d *Device) configureTx(r *txRing) error {
	fn := d.fn
	off := uint32(queueStride * r.q)
	fn.Write32(0, VFTXDCTL0+off, TXDCTL_SWFLSH)
	fn.Read32(0, VFSTATUS)
	fn.Write32(0, VFTDBAL0+off, uint32(r.mem.IOVA))
	fn.Write32(0, VFTDBAH0+off, uint32(r.mem.IOVA>>32))
	fn.Write32(0, VFTDLEN0+off, uint32(r.count*16))
	fn.Write32(0, VFTDWBAH0+off, 0)
	fn.Write32(0, VFTDWBAL0+off, 0)
	fn.Write32(0, VFDCA_TXCTRL0+off, DCA_TXCTRL_DESC_RRO_EN|DCA_TXCTRL_DATA_RRO_EN)
	fn.Write32(0, VFTDH0+off, 0)
	fn.Write32(0, VFTDT0+off, 0)
	fn.Write32(0, VFTXDCTL0+off, TXDCTL_ENABLE|8<<16|1<<8|32)
	for i := 0; i < 10; i++ {
		fn.Delay(time.Millisecond)
		if fn.Read32(0, VFTXDCTL0+off)&TXDCTL_ENABLE != 0 {
			return nil
		}
	}
	return fmt.Errorf("ixgbevf: Tx queue %d: TXDCTL.ENABLE did not read back", r.q)
}

func (d *Device) configureRx(r *rxRing) error {
	fn := d.fn
	off := uint32(queueStride * r.q)
	fn.Write32(0, VFRXDCTL0+off, fn.Read32(0, VFRXDCTL0+off)&^RXDCTL_ENABLE)
	for i := 0; i < 10 && fn.Read32(0, VFRXDCTL0+off)&RXDCTL_ENABLE != 0; i++ {
		fn.Delay(10 * time.Microsecond)
	}
	if r.q == 0 && d.cfg.Mutation == MutateEnableBeforeBase {
		fn.Write32(0, VFRXDCTL0+off, fn.Read32(0, VFRXDCTL0+off)|RXDCTL_ENABLE)
	}
	fn.Write32(0, VFRDBAL0+off, uint32(r.mem.IOVA))
	fn.Write32(0, VFRDBAH0+off, uint32(r.mem.IOVA>>32))
	fn.Write32(0, VFRDLEN0+off, uint32(r.count*16))
	fn.Write32(0, VFDCA_RXCTRL0+off, DCA_RXCTRL_DESC_RRO_EN)
	fn.Write32(0, VFRDH0+off, 0)
	fn.Write32(0, VFRDT0+off, 0)
	binary.LittleEndian.PutUint16(r.mem.Bytes[12:], 0)
	fn.Write32(0, VFSRRCTL0+off, SRRCTL_DROP_EN|256<<SRRCTL_BSIZEHDR_SHIFT|bufSize>>10|SRRCTL_DESCTYPE_ADV_ONEBUF)
	fn.Write32(0, VFRXDCTL0+off, fn.Read32(0, VFRXDCTL0+off)|RXDCTL_ENABLE|RXDCTL_VME)
	ok := false
	for i := 0; i < 10; i++ {
		fn.Delay(time.Millisecond)
		if fn.Read32(0, VFRXDCTL0+off)&RXDCTL_ENABLE != 0 {
			ok = true
			break
		}
	}
	if !ok {
		return fmt.Errorf("ixgbevf: Rx queue %d: RXDCTL.ENABLE did not read back", r.q)
	}
	r.refill(d.pool, r.count-1)
	fn.Write32(0, VFRDT0+off, uint32(r.ntu))
	return nil
}

// configureMSIX maps queue pair i to vector i and the other causes to
// vector nq, and sets the initial throttle (20K for Rx/Tx vectors).
func (d *Device) configureMSIX() {
	fn := d.fn
	d.itr = make([]uint32, d.nq)
	for v := 0; v < d.nq; v++ {
		reg := VTIVAR0 + uint32(4*(v/2))
		val := fn.Read32(0, reg)
		shift := uint(16 * (v & 1))
		val &^= 0xFFFF << shift
		val |= uint32(v|IVAR_ALLOC_VAL) << shift       // Rx
		val |= uint32(v|IVAR_ALLOC_VAL) << (shift + 8) // Tx
		fn.Write32(0, reg, val)
		d.itr[v] = ITR20K
		if d.cfg.ITR != 0 {
			d.itr[v] = uint32(d.cfg.ITR)
		}
		fn.Write32(0, VTEITR0+uint32(4*v), d.itr[v]|EITR_CNT_WDIS)
	}
	fn.Write32(0, VTIVAR_MISC, uint32(d.nq)|IVAR_ALLOC_VAL)
}

func (d *Device) queueMask() uint32 { return uint32(1)<<d.nq - 1 }
func (d *Device) otherMask() uint32 { return 1 << d.nq }

func (d *Device) irqEnable() {
	mask := d.queueMask() | d.otherMask()
	if d.cfg.Polling {
		mask = d.otherMask()
	}
	d.fn.Write32(0, VTEIAM, mask)
	d.fn.Write32(0, VTEIAC, mask)
	d.fn.Write32(0, VTEIMS, mask)
}

// Close is ixgbevf_close: queues down, interrupts off, reset.
func (d *Device) Close() error {
	if !d.up {
		return nil
	}
	fn := d.fn
	d.up = false
	for i := 0; i < d.nq; i++ {
		off := uint32(queueStride * i)
		fn.Write32(0, VFRXDCTL0+off, fn.Read32(0, VFRXDCTL0+off)&^RXDCTL_ENABLE)
	}
	fn.Delay(10 * time.Millisecond)
	fn.Write32(0, VTEIAM, 0)
	fn.Write32(0, VTEIMC, ^uint32(0))
	fn.Write32(0, VTEIAC, 0)
	fn.Read32(0, VFSTATUS)
	for i := 0; i < d.nq; i++ {
		fn.Write32(0, VFTXDCTL0+uint32(queueStride*i), TXDCTL_SWFLSH)
	}
	return d.resetHW()
}
