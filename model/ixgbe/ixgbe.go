package ixgbe

import (
	"github.com/nicforge/nicforge/model/card"
	"github.com/nicforge/nicforge/model/ether"
	"github.com/nicforge/nicforge/model/intr"
	"github.com/nicforge/nicforge/model/mac"
	"github.com/nicforge/nicforge/model/pcie"
	"github.com/nicforge/nicforge/rtl"
	"github.com/nicforge/nicforge/sim"
	"github.com/nicforge/nicforge/trace"
)

// VendorIntel is the 82599's PCI vendor id.
const VendorIntel = 0x8086

// Config selects the device's shape.
type Config struct {
	UplinkBPS uint64 // line rate, default 10 Gb/s
	Timing    Timing
	MAC       ether.MAC // the PF's permanent address (RAR[0] at reset)
	Mutation  Mutation  // a deliberate bug, for checker tests; none by default
}

// Device is the 82599 personality: the PF, its VFs, and the engines.
type Device struct {
	cfg    Config
	t      Timing
	card   *card.Card
	k      *rtl.Kernel
	clk    sim.Clock
	pf     *rtl.RegFile
	pfIdx  map[uint32]int
	vfs    []*vf
	numVFs int

	intr       *intr.Engine
	pfIntr     *intr.Block
	pfMisc     uint32 // EICR bits 31:16 (other causes)
	pfMiscEIMS uint32 // EIMS bits 31:16
	now        sim.Time
	filters    filterTable
	hot        hotRegs

	timers *rtl.Timers
	tx     *txEngine
	rx     *rxEngine
	MACTx  *mac.Tx
	MACRx  *mac.RxPort
	frames ether.Pool

	linkUp bool
	stats  Stats
	cov    *coverage
	mut    mutant
}

// Stats are the model's own counters, beyond the registers.
type Stats struct {
	SpoofDrops   uint64
	RxNoDescDrop uint64 // dropped for lack of Rx descriptors (DROP_EN)
	RxBufferDrop uint64 // dropped because the Rx packet buffer was full
	RxFiltered   uint64 // no pool accepted the frame
	TxBadDesc    uint64
	Loopback     uint64
}

// hotRegs are the register-file indices the per-packet path reads, found
// once at Bind (arrays: element 0; their elements are consecutive).
type hotRegs struct {
	vtctl, dtxswc, fctrl           int
	gptc, gotcl, gotch             int
	gprc, gorcl, gorch             int
	spoof, vfre, vfte, vmolr, ivar int
}

// New returns an 82599 personality. Build the card with card.New(d, ...).
func New(cfg Config) *Device {
	if cfg.UplinkBPS == 0 {
		cfg.UplinkBPS = 10_000_000_000
	}
	if cfg.Timing == (Timing{}) {
		cfg.Timing = DefaultTiming
	}
	if cfg.MAC == (ether.MAC{}) {
		cfg.MAC = ether.MAC{0x00, 0x1b, 0x21, 0x00, 0x00, 0x01}
	}
	return &Device{cfg: cfg, t: cfg.Timing}
}

// Identity implements card.Personality.
func (d *Device) Identity() card.Identity {
	return card.Identity{
		Vendor: VendorIntel, PFDevice: 0x10FB, VFDevice: 0x10ED, Revision: 1,
		TotalVFs: TotalVFs, VFOffset: 0x180, VFStride: 2,
		PFVectors: PFVectors, VFVectors: VFVectors,
		PFMSIXBar: 4, VFMSIXBar: 3,
	}
}

// Bind implements card.Personality.
func (d *Device) Bind(c *card.Card) {
	d.card = c
	d.k = c.Kernel()
	d.clk = c.Clock()
	d.pf = rtl.MustRegFile(PFRegs)
	d.cov = newCoverage()
	d.mut = mutant{m: d.cfg.Mutation}
	d.vfs = make([]*vf, TotalVFs)
	d.timers = rtl.NewTimers(d.k, "timers", d.clk)
	d.intr = intr.NewEngine(d.k, d.clk)
	d.intr.IgnoreThrottle = d.cfg.Mutation == MutateIgnoreModeration
	d.pfIntr = d.intr.NewBlock(PFVectors, func(v int, at sim.Time) { d.card.RaiseMSIX(pcie.PF, v, at) })
	byteClk, err := mac.ByteClock("mac", d.cfg.UplinkBPS)
	if err != nil {
		panic(err) // the runner validates the line rate first
	}
	d.tx = newTxEngine(d)
	d.rx = newRxEngine(d)
	d.MACTx = mac.NewTx(d.k, "mac.tx", byteClk, d.t.TxPacketBuffer)
	d.MACTx.OnSpace = func(at sim.Time) { d.tx.proc.Wake(at + 1) }
	d.MACTx.OnDepart = func(f *ether.Frame, at sim.Time) { d.tx.count(f) }
	d.MACRx = mac.NewRxPort(d.k, "mac.rx", d.clk)
	d.MACRx.Handler = d.rx.fromWire
	d.hot = hotRegs{
		vtctl: d.pfReg(pfVTCTL), dtxswc: d.pfReg(pfDTXSWC), fctrl: d.pfReg(pfFCTRL),
		gptc: d.pfReg(pfGPTC), gotcl: d.pfReg(pfGOTCL), gotch: d.pfReg(pfGOTCH),
		gprc: d.pfReg(pfGPRC), gorcl: d.pfReg(pfGORCL), gorch: d.pfReg(pfGORCH),
		spoof: d.pfReg(pfSPOOF(0)), vfre: d.pfReg(pfVFRE(0)), vfte: d.pfReg(pfVFTE(0)),
		vmolr: d.pfReg(pfVMOLR(0)), ivar: d.pfReg(pfIVAR(0)),
	}
	d.installPFHooks()
	d.resetPF(0)
}

// Frames returns the device's frame pool, for wire peers feeding it.
func (d *Device) Frames() *ether.Pool { return &d.frames }

// Stats returns the model's counters.
func (d *Device) Stats() Stats { return d.stats }

// LinkUp reports the uplink state.
func (d *Device) LinkUp() bool { return d.linkUp }

func (d *Device) tr() trace.Sink { return d.card.Trace() }

// pfReg returns the instance index of the PF register at off.
func (d *Device) pfReg(off uint32) int {
	i, ok := d.pf.Lookup(off)
	if !ok {
		panic("ixgbe: regmap ixgbe_pf has no register at " + d.pf.Describe(off))
	}
	return i
}

func (d *Device) pfGet(off uint32) uint32 { return d.pf.Get(d.pfReg(off)) }
func (d *Device) pfSet(off, v uint32)     { d.pf.Set(d.pfReg(off), v) }
func (d *Device) pfHas(off uint32) bool   { _, ok := d.pf.Lookup(off); return ok }

// RegRead implements card.Personality.
func (d *Device) RegRead(f pcie.Func, bar int, off uint32, at sim.Time) uint32 {
	d.now = at
	if bar != 0 {
		d.card.Flag(f, at, "read of BAR%d+%#x: the 82599 decodes registers in BAR0 only", bar, off)
		return 0
	}
	if f == pcie.PF {
		v, ok := d.pf.Read(off)
		if !ok {
			d.card.Flag(f, at, "read of unimplemented PF register offset %#x", off)
		}
		return v
	}
	return d.vfRead(d.vfs[f.VFIndex()], off, at)
}

// RegWrite implements card.Personality.
func (d *Device) RegWrite(f pcie.Func, bar int, off uint32, v uint32, at sim.Time) {
	d.now = at
	if bar != 0 {
		d.card.Flag(f, at, "write of %#x to BAR%d+%#x: the 82599 decodes registers in BAR0 only", v, bar, off)
		return
	}
	if f == pcie.PF {
		if !d.pf.Write(off, v) {
			d.card.Flag(f, at, "write of %#x to unimplemented PF register offset %#x", v, off)
		}
		return
	}
	d.vfWrite(d.vfs[f.VFIndex()], off, v, at)
}

// SetNumVFs implements card.Personality.
func (d *Device) SetNumVFs(n int, at sim.Time) {
	for i := n; i < d.numVFs; i++ {
		d.disablePool(i, at)
		d.vfs[i] = nil
	}
	for i := d.numVFs; i < n; i++ {
		d.vfs[i] = d.newVF(i)
	}
	d.numVFs = n
	d.tx.remap()
	d.rx.remap()
}

// FLR implements card.Personality.
func (d *Device) FLR(f pcie.Func, at sim.Time) {
	if f == pcie.PF {
		d.resetPF(at)
		return
	}
	v := d.vfs[f.VFIndex()]
	if v == nil {
		return
	}
	d.resetVF(v, at)
	// VFLRE tells the PF a VF went through FLR (ixgbe_check_for_rst_pf).
	r := f.VFIndex() / 32
	off := uint32(0x00600)
	if r == 1 {
		off = 0x001C0
	}
	if d.pfHas(off) {
		d.pfSet(off, d.pfGet(off)|1<<(f.VFIndex()%32))
	}
	d.raiseMisc(eicrMailbox, at)
}

// pool of PF queue q: the VF owning it, or the PF (numVFs) when SR-IOV is
// off or q is beyond the VF pools. Queues per pool are 2 (64-pool mode).
func (d *Device) queueOwner(q int) (pcie.Func, int) {
	if d.numVFs == 0 || d.pfGet(pfVTCTL)&vtctlVTEna == 0 && d.numVFs == 0 {
		return pcie.PF, 0
	}
	if p := q / 2; p < d.numVFs {
		return pcie.VF(p), p
	}
	return pcie.PF, d.numVFs
}

// poolQueue returns the PF queue index of queue n of pool p.
func (d *Device) poolQueue(p, n int) int {
	if d.numVFs == 0 {
		return n
	}
	return p*2 + n
}

func (d *Device) raiseMisc(bits uint32, at sim.Time) {
	if bits&eicrMailbox != 0 {
		d.cov.causeByFn.Hit(causeMailbox, 0)
		d.cov.fnKind.Hit(0)
		d.cov.cause.Hit(causeMailbox)
	}
	if bits&eicrLSC != 0 {
		d.cov.causeByFn.Hit(causeLSC, 0)
		d.cov.fnKind.Hit(0)
		d.cov.cause.Hit(causeLSC)
	}
	d.pfMisc |= bits
	d.updateOther(at)
}

// updateOther drives the PF's "other" vector from the other causes: its
// cause bit follows EICR[31:16] & EIMS[31:16], so a cause that rises while
// enabled fires it and clearing every enabled cause lowers it.
func (d *Device) updateOther(at sim.Time) {
	ov, ok := d.pfOtherVector()
	if !ok {
		return
	}
	if d.pfMisc&d.pfMiscEIMS != 0 {
		d.pfIntr.Enable(1<<ov, at)
		d.pfIntr.Assert(1<<ov, at)
	} else {
		d.pfIntr.Clear(1 << ov)
	}
}

func (d *Device) pfMiscMask() uint32 { return d.pfMiscEIMS }

func (d *Device) pfOtherVector() (int, bool) {
	m := d.pfGet(pfIVARMISC)
	// IVAR_MISC byte 0 is the "other causes" vector (byte 1 TCP timer).
	if m&ivarValid == 0 {
		return 0, false
	}
	return int(m & 0x3F), true
}

// disablePool stops a pool's queues (VF reset, VF disable).
func (d *Device) disablePool(p int, at sim.Time) {
	for n := 0; n < 2; n++ {
		q := p*2 + n
		d.rx.stop(q)
		d.tx.stop(q)
		d.pfSet(pfRxQueue(q)+qDCTL, d.pfGet(pfRxQueue(q)+qDCTL)&^rxdctlEnable)
		d.pfSet(pfTxQueue(q)+qDCTL, d.pfGet(pfTxQueue(q)+qDCTL)&^txdctlEnable)
	}
}

// RegName names the BAR0 register at offset off of function f (the PF's
// block or the VF's) or its MSI-X table (BAR4 of the PF, BAR3 of a VF), for
// traces; "" for a hole or another BAR.
func RegName(f pcie.Func, bar int, off uint32) string {
	if bar == 4 && !f.IsVF() || bar == 3 && f.IsVF() {
		return card.MSIXRegName(off)
	}
	if bar != 0 {
		return ""
	}
	b := PFRegs
	if f.IsVF() {
		b = VFRegs
	}
	n, _ := b.NameAt(off)
	return n
}
