package ixgbe

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/nicforge/nicforge/driver/bus"
)

// Config are the PF driver's settings.
type Config struct {
	TxRing, RxRing int // descriptors, default 512
	ITR            int // EITR value of the queue vector; 0 = 200 (20K)
	MTU            int
	PoolSize       int
}

const bufSize = 2048

// vfInfo is the PF's record of one VF (struct vf_data_storage).
type vfInfo struct {
	mac        [6]byte
	adminMAC   bool
	spoofCheck bool
	cts        bool // clear to send
	api        int
	mcHashes   []uint16
	rateMbps   int
}

// Device is a bound 82599 PF.
type Device struct {
	fn     bus.Function
	cfg    Config
	mac    [6]byte
	numVFs int
	vfs    []vfInfo
	q      int // the PF's own queue (its pool's first)
	tx     *ring
	rx     *ring
	pool   []*Packet
	napi   bool
	up     bool
	// Mailbox counters.
	MsgsServed, Nacks uint64
}

// Probe resets and brings up the PF (ixgbe_probe, ixgbe_reset_hw_82599,
// ixgbe_start_hw, link set-up).
func Probe(fn bus.Function, cfg Config) (*Device, error) {
	if cfg.TxRing == 0 {
		cfg.TxRing = 512
	}
	if cfg.RxRing == 0 {
		cfg.RxRing = 512
	}
	if cfg.MTU == 0 {
		cfg.MTU = 1500
	}
	if cfg.ITR == 0 {
		cfg.ITR = 200
	}
	d := &Device{fn: fn, cfg: cfg}
	// stop_adapter: interrupts off, Rx off.
	fn.Write32(0, EIMC, 0x7FFFFFFF)
	fn.Read32(0, EICR)
	fn.Write32(0, RXCTRL, 0)
	// Global reset; the bit self-clears.
	fn.Write32(0, CTRL, fn.Read32(0, CTRL)|CTRL_RST)
	fn.Read32(0, STATUS)
	done := false
	for i := 0; i < 10; i++ {
		fn.Delay(time.Microsecond)
		if fn.Read32(0, CTRL)&CTRL_RST == 0 {
			done = true
			break
		}
	}
	if !done {
		return nil, errors.New("ixgbe: reset did not complete: CTRL.RST still set after 10 µs")
	}
	fn.Delay(50 * time.Millisecond) // ixgbe_reset_hw_82599: msleep(50) after reset
	if err := poll(fn, EEC, EEC_ARD, 100, time.Millisecond); err != nil {
		return nil, fmt.Errorf("ixgbe: EEPROM auto-read did not complete: %w", err)
	}
	if err := poll(fn, RDRXCTL, RDRXCTL_DMAIDONE, 100, time.Millisecond); err != nil {
		return nil, fmt.Errorf("ixgbe: Rx DMA init did not complete: %w", err)
	}
	ral, rah := fn.Read32(0, RAL(0)), fn.Read32(0, RAL(0)+4)
	binary.LittleEndian.PutUint32(d.mac[0:4], ral)
	binary.LittleEndian.PutUint16(d.mac[4:6], uint16(rah))
	// Clear the clear-on-read statistics.
	for _, r := range []uint32{GPRC, GPTC, GORCL, GORCH, GOTCL, GOTCH} {
		fn.Read32(0, r)
	}
	for i := uint32(0); i < 8; i++ {
		fn.Read32(0, MPC0+4*i)
	}
	fn.Write32(0, HLREG0, fn.Read32(0, HLREG0)|HLREG0_TXCRCEN|HLREG0_RXCRCSTRP|HLREG0_TXPADEN)
	fn.Write32(0, RDRXCTL, fn.Read32(0, RDRXCTL)|RDRXCTL_CRCSTRIP)
	fn.Write32(0, FCTRL, FCTRL_BAM)
	fn.Write32(0, DMATXCTL, fn.Read32(0, DMATXCTL)|DMATXCTL_TE)
	// Link: restart auto-negotiation, wait for LINKS.UP.
	fn.Write32(0, AUTOC, fn.Read32(0, AUTOC)|AUTOC_AN_RESTART)
	if err := poll(fn, LINKS, LINKS_UP, 1000, time.Millisecond); err != nil {
		return nil, fmt.Errorf("ixgbe: link did not come up: %w", err)
	}
	if err := fn.EnableMSIX(2); err != nil {
		return nil, err
	}
	fn.Write32(0, GPIE, GPIE_MSIX_MODE|GPIE_OCD|GPIE_EIAME|GPIE_PBA_SUPPORT)
	fn.Logf("ixgbe: PF up, MAC %x", d.mac)
	return d, nil
}

func poll(fn bus.Function, reg, bit uint32, tries int, every time.Duration) error {
	for i := 0; i < tries; i++ {
		if fn.Read32(0, reg)&bit != 0 {
			return nil
		}
		fn.Delay(every)
	}
	return fmt.Errorf("register %#x bit %#x not set after %d x %v", reg, bit, tries, every)
}

// MAC returns the PF's address.
func (d *Device) MAC() [6]byte { return d.mac }

// sriovCap walks the extended capability list for SR-IOV (id 0x0010).
func (d *Device) sriovCap() (uint16, error) {
	off := uint16(0x100)
	for i := 0; i < 64 && off != 0; i++ {
		h := d.fn.ConfigRead32(off)
		if h&0xFFFF == 0x0010 {
			return off, nil
		}
		off = uint16(h>>20) & 0xFFC
	}
	return 0, errors.New("ixgbe: no SR-IOV capability")
}

// EnableSRIOV creates n VFs and sets up virtualisation
// (ixgbe_pci_sriov_enable, __ixgbe_enable_sriov,
// ixgbe_configure_virtualization).
func (d *Device) EnableSRIOV(n int) error {
	fn := d.fn
	if n < 1 || n > 63 {
		return fmt.Errorf("ixgbe: %d VFs requested, the driver allows 1..63", n)
	}
	cp, err := d.sriovCap()
	if err != nil {
		return err
	}
	if total := int(fn.ConfigRead32(cp+0x0C) >> 16); n > total {
		return fmt.Errorf("ixgbe: %d VFs requested, TotalVFs is %d", n, total)
	}
	d.numVFs = n
	d.vfs = make([]vfInfo, n)
	for i := range d.vfs {
		d.vfs[i] = vfInfo{spoofCheck: true, api: API10}
	}
	pool := n // the PF pool follows the VFs
	fn.Write32(0, GCR_EXT, GCR_EXT_MSIX_EN|GCR_EXT_VT_MODE_64)
	fn.Write32(0, GPIE, fn.Read32(0, GPIE)|GPIE_VTMODE_64)
	fn.Write32(0, VT_CTL, VT_CTL_VT_ENABLE|uint32(pool)<<VT_CTL_POOL_SHIFT|VT_CTL_REPLEN)
	fn.Write32(0, VMOLR0+4*uint32(pool), VMOLR_AUPE|VMOLR_BAM)
	fn.Write32(0, VFRE0+4*uint32(pool/32), 1<<(pool%32))
	fn.Write32(0, VFTE0+4*uint32(pool/32), 1<<(pool%32))
	fn.Write32(0, PFDTXGSWC, PFDTXGSWC_VT_LBEN)
	// RAR[0], the PF MAC, goes to the PF pool.
	lo, hi := uint32(0), uint32(0)
	if pool < 32 {
		lo = 1 << pool
	} else {
		hi = 1 << (pool - 32)
	}
	fn.Write32(0, MPSAR_LO0, lo)
	fn.Write32(0, MPSAR_HI0, hi)
	for v := 0; v < n; v++ {
		d.applySpoof(v)
	}
	// VF Enable in the SR-IOV capability: the VFs appear.
	fn.ConfigWrite32(cp+0x10, uint32(n))
	fn.ConfigWrite32(cp+0x08, 1|1<<3)
	// Mailbox interrupts on the other vector; PF reset done for the VFs.
	fn.Write32(0, IVAR_MISC, 1|IVAR_ALLOC_VAL)
	fn.Write32(0, EIMS, EICR_MAILBOX|EICR_LSC)
	fn.Write32(0, CTRL_EXT, fn.Read32(0, CTRL_EXT)|CTRL_EXT_PFRSTD)
	fn.Logf("ixgbe: SR-IOV enabled with %d VFs", n)
	return nil
}

func (d *Device) applySpoof(v int) {
	reg := PFVFSPOOF0 + 4*uint32(v/8)
	val := d.fn.Read32(0, reg)
	if d.vfs[v].spoofCheck {
		val |= 1 << (v % 8)
	} else {
		val &^= 1 << (v % 8)
	}
	d.fn.Write32(0, reg, val)
}

// SetVFMAC sets a VF's administrative MAC (ixgbe_ndo_set_vf_mac).
func (d *Device) SetVFMAC(v int, mac [6]byte) error {
	if v < 0 || v >= d.numVFs {
		return fmt.Errorf("ixgbe: VF %d does not exist (%d VFs)", v, d.numVFs)
	}
	if mac[0]&1 != 0 || mac == ([6]byte{}) {
		return fmt.Errorf("ixgbe: VF %d: %x is not a unicast address", v, mac)
	}
	d.vfs[v].mac, d.vfs[v].adminMAC = mac, true
	d.setRAR(v, mac)
	return nil
}

// setRAR puts a VF's MAC in receive address entry v+1 with its pool bit.
func (d *Device) setRAR(v int, mac [6]byte) {
	i := v + 1
	fn := d.fn
	fn.Write32(0, RAL(i)+4, 0)
	fn.Write32(0, RAL(i), binary.LittleEndian.Uint32(mac[0:4]))
	lo, hi := uint32(0), uint32(0)
	if v < 32 {
		lo = 1 << v
	} else {
		hi = 1 << (v - 32)
	}
	fn.Write32(0, MPSAR_LO0+8*uint32(i), lo)
	fn.Write32(0, MPSAR_HI0+8*uint32(i), hi)
	fn.Write32(0, RAL(i)+4, uint32(binary.LittleEndian.Uint16(mac[4:6]))|RAH_AV)
}

// SetVFSpoofCheck turns MAC anti-spoofing of VF v on or off.
func (d *Device) SetVFSpoofCheck(v int, on bool) error {
	if v < 0 || v >= d.numVFs {
		return fmt.Errorf("ixgbe: VF %d does not exist (%d VFs)", v, d.numVFs)
	}
	d.vfs[v].spoofCheck = on
	d.applySpoof(v)
	return nil
}

// RateFactor is ixgbe_set_vf_rate_limit's RTTBCNRC value for a VF limited
// to rate Mb/s on a link of link Mb/s: the fixed-point ratio link/rate
// with 14 fractional bits, and RS_ENA.
func RateFactor(linkMbps, rateMbps int) uint32 {
	if rateMbps == 0 {
		return 0
	}
	rf := uint32(linkMbps<<RTTBCNRC_RF_INT_SHIFT) / uint32(rateMbps)
	return rf&(RTTBCNRC_RF_INT_MASK|RTTBCNRC_RF_DEC_MASK) | RTTBCNRC_RS_ENA
}

// SetVFRateLimit caps VF v's transmit rate (10 < mbps <= 10000).
func (d *Device) SetVFRateLimit(v int, mbps int) error {
	if v < 0 || v >= d.numVFs {
		return fmt.Errorf("ixgbe: VF %d does not exist (%d VFs)", v, d.numVFs)
	}
	if mbps != 0 && (mbps <= 10 || mbps > 10000) {
		return fmt.Errorf("ixgbe: VF %d: rate %d Mb/s outside 11..10000", v, mbps)
	}
	d.vfs[v].rateMbps = mbps
	d.fn.Write32(0, RTTBCNRM, 0x4)
	for q := 0; q < 2; q++ {
		d.fn.Write32(0, RTTDQSEL, uint32(v*2+q))
		d.fn.Write32(0, RTTBCNRC, RateFactor(10000, mbps))
	}
	return nil
}
