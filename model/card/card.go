package card

import (
	"encoding/binary"
	"fmt"

	"github.com/nicforge/nicforge/model/pcie"
	"github.com/nicforge/nicforge/rtl"
	"github.com/nicforge/nicforge/sim"
	"github.com/nicforge/nicforge/trace"
)

// Personality is the device behind the card's BARs.
type Personality interface {
	// Identity returns the ids and MSI-X shape of the functions.
	Identity() Identity
	// Bind gives the personality its card, once, before anything else.
	Bind(c *Card)
	// RegRead and RegWrite serve a function's register BARs (every BAR but
	// the MSI-X one) at time at, which the kernel has reached.
	RegRead(f pcie.Func, bar int, off uint32, at sim.Time) uint32
	RegWrite(f pcie.Func, bar int, off uint32, v uint32, at sim.Time)
	// SetNumVFs is called when VF Enable turns on (n > 0) or off (n = 0).
	SetNumVFs(n int, at sim.Time)
	// FLR is a function-level reset of f.
	FLR(f pcie.Func, at sim.Time)
}

// Card is the PCIe endpoint. It implements cosim.Device.
type Card struct {
	id     Identity
	pers   Personality
	kernel *rtl.Kernel
	clk    sim.Clock
	up     pcie.Upstream
	tr     trace.Sink
	fns    []*function // index = pcie.Func
	numVFs int
	sent   bool // an MSI-X went out during this Advance
	stopFn func() bool
	errs   []ModelError

	// ReadLatency is the time from an MMIO read's arrival to its completion.
	ReadLatency sim.Time
}

// ModelError is bad input from a driver that the card flagged and survived,
// as hardware raises an error interrupt or sets a status bit.
type ModelError struct {
	At     sim.Time
	Func   pcie.Func
	Detail string
}

func (e ModelError) String() string { return fmt.Sprintf("%s %s: %s", e.At, e.Func, e.Detail) }

type function struct {
	id      pcie.Func
	cfg     *configSpace
	table   []msixEntry
	pending []bool
}

type msixEntry struct {
	addrLo, addrHi, data, ctrl uint32
}

// New builds a card around a personality on a kernel clocked by clk.
func New(p Personality, k *rtl.Kernel, clk sim.Clock) *Card {
	c := &Card{id: p.Identity(), pers: p, kernel: k, clk: clk, ReadLatency: clk.Cycles(8)}
	c.fns = make([]*function, 1+int(c.id.TotalVFs))
	c.fns[0] = newFunction(pcie.PF, c.id, false)
	// VFs get their config space when VF Enable creates them.
	p.Bind(c)
	return c
}

func newFunction(f pcie.Func, id Identity, vf bool) *function {
	n := id.PFVectors
	if vf {
		n = id.VFVectors
	}
	fn := &function{id: f, cfg: newConfig(id, vf), table: make([]msixEntry, n), pending: make([]bool, n)}
	for i := range fn.table {
		fn.table[i].ctrl = 1 // masked at reset
	}
	return fn
}

// Kernel returns the card's cycle kernel.
func (c *Card) Kernel() *rtl.Kernel { return c.kernel }

// Clock returns the core clock.
func (c *Card) Clock() sim.Clock { return c.clk }

// Upstream returns the port to the host.
func (c *Card) Upstream() pcie.Upstream { return c.up }

// SetTrace sets the trace sink (nil for none).
func (c *Card) SetTrace(t trace.Sink) { c.tr = t }

// Trace returns the trace sink, nil when tracing is off.
func (c *Card) Trace() trace.Sink { return c.tr }

// NumVFs returns the number of enabled VFs.
func (c *Card) NumVFs() int { return c.numVFs }

// Errors returns the bad input flagged so far.
func (c *Card) Errors() []ModelError { return c.errs }

// Flag records bad input from a driver. The card keeps running.
func (c *Card) Flag(f pcie.Func, at sim.Time, format string, args ...any) {
	e := ModelError{At: at, Func: f, Detail: fmt.Sprintf(format, args...)}
	if len(c.errs) < 10000 {
		c.errs = append(c.errs, e)
	}
	if c.tr != nil {
		c.tr.Record(&trace.Event{Time: at, Kind: trace.ModelError, Func: uint16(f), Text: e.Detail})
	}
}

// Attach implements cosim.Device.
func (c *Card) Attach(up pcie.Upstream) { c.up = up }

// Functions implements cosim.Device: the PF and the enabled VFs.
func (c *Card) Functions() []pcie.Func {
	out := make([]pcie.Func, 0, 1+c.numVFs)
	out = append(out, pcie.PF)
	for i := 0; i < c.numVFs; i++ {
		out = append(out, pcie.VF(i))
	}
	return out
}

func (c *Card) present(f pcie.Func) bool { return f == pcie.PF || (f.IsVF() && f.VFIndex() < c.numVFs) }

// Advance implements cosim.Device.
func (c *Card) Advance(until sim.Time) sim.Time {
	c.sent = false
	if c.stopFn == nil {
		c.stopFn = c.stop // bound once: a method value per call allocates
	}
	return c.kernel.RunUntil(until, c.stopFn)
}

func (c *Card) stop() bool { return c.sent }

// NextEvent implements cosim.Device.
func (c *Card) NextEvent() sim.Time { return c.kernel.Next() }

// ConfigRead implements cosim.Device.
func (c *Card) ConfigRead(f pcie.Func, off uint16, at sim.Time) uint32 {
	if !c.present(f) || int(off)+4 > ConfigSize || off%4 != 0 {
		return 0xFFFFFFFF
	}
	return c.fns[f].cfg.r32(int(off))
}

// ConfigWrite implements cosim.Device.
func (c *Card) ConfigWrite(f pcie.Func, off uint16, v uint32, at sim.Time) {
	if !c.present(f) || int(off)+4 > ConfigSize || off%4 != 0 {
		c.Flag(f, at, "config write of %#x to offset %#x of an absent function or unaligned offset", v, off)
		return
	}
	fn := c.fns[f]
	fn.cfg.write32(int(off), v)
	switch {
	case int(off) == CapPCIe+pcieDevCtl:
		if fn.cfg.r16(CapPCIe+pcieDevCtl)&devCtlIniFLR != 0 {
			fn.cfg.set16(CapPCIe+pcieDevCtl, fn.cfg.r16(CapPCIe+pcieDevCtl)&^devCtlIniFLR)
			c.flr(fn, at)
		}
	case f == pcie.PF && (int(off) == ExtSRIOV+SRIOVCtrl || int(off) == ExtSRIOV+SRIOVNumVF-2 || int(off) == ExtSRIOV+SRIOVNumVF):
		c.sriovChanged(at)
	case int(off) == CapMSIX:
		c.flushPending(fn, at)
	}
}

func (c *Card) sriovChanged(at sim.Time) {
	pf := c.fns[0].cfg
	want := 0
	if pf.r16(ExtSRIOV+SRIOVCtrl)&SRIOVCtrlVFE != 0 {
		want = int(pf.r16(ExtSRIOV + SRIOVNumVF))
		if want > int(c.id.TotalVFs) {
			c.Flag(pcie.PF, at, "SR-IOV NumVFs %d exceeds TotalVFs %d: VF Enable ignored", want, c.id.TotalVFs)
			want = 0
		}
	}
	if want == c.numVFs {
		return
	}
	for i := 0; i < int(c.id.TotalVFs); i++ {
		c.fns[1+i] = nil
		if i < want {
			c.fns[1+i] = newFunction(pcie.VF(i), c.id, true)
		}
	}
	c.numVFs = want
	c.pers.SetNumVFs(want, at)
}

func (c *Card) flr(fn *function, at sim.Time) {
	fresh := newFunction(fn.id, c.id, fn.id.IsVF())
	if fn.id == pcie.PF {
		// The PF keeps its SR-IOV settings only until the FLR: VFs go away.
		c.numVFs = 0
		c.pers.SetNumVFs(0, at)
	}
	*fn = *fresh
	c.pers.FLR(fn.id, at)
}

// MMIORead implements cosim.Device.
func (c *Card) MMIORead(f pcie.Func, bar int, off uint32, at sim.Time) (uint32, sim.Time) {
	done := at + c.ReadLatency
	if !c.present(f) {
		return 0xFFFFFFFF, done
	}
	fn := c.fns[f]
	if bar == c.msixBar(f) {
		return fn.msixRead(off), done
	}
	return c.pers.RegRead(f, bar, off, at), done
}

// MMIOWrite implements cosim.Device.
func (c *Card) MMIOWrite(f pcie.Func, bar int, off uint32, v uint32, at sim.Time) {
	if !c.present(f) {
		c.Flag(f, at, "MMIO write of %#x to BAR%d+%#x of an absent function", v, bar, off)
		return
	}
	fn := c.fns[f]
	if bar == c.msixBar(f) {
		fn.msixWrite(off, v)
		c.flushPending(fn, at)
		return
	}
	c.pers.RegWrite(f, bar, off, v, at)
}

func (c *Card) msixBar(f pcie.Func) int {
	if f.IsVF() {
		return c.id.VFMSIXBar
	}
	return c.id.PFMSIXBar
}

func (fn *function) msixRead(off uint32) uint32 {
	if off >= 0x2000 {
		var bits uint32
		base := int(off-0x2000) * 8
		for i := 0; i < 32 && base+i < len(fn.pending); i++ {
			if fn.pending[base+i] {
				bits |= 1 << i
			}
		}
		return bits
	}
	i := int(off / 16)
	if i >= len(fn.table) {
		return 0
	}
	e := &fn.table[i]
	switch off % 16 {
	case 0:
		return e.addrLo
	case 4:
		return e.addrHi
	case 8:
		return e.data
	default:
		return e.ctrl
	}
}

func (fn *function) msixWrite(off, v uint32) {
	i := int(off / 16)
	if off >= 0x2000 || i >= len(fn.table) {
		return
	}
	e := &fn.table[i]
	switch off % 16 {
	case 0:
		e.addrLo = v &^ 3
	case 4:
		e.addrHi = v
	case 8:
		e.data = v
	default:
		e.ctrl = v & 1
	}
}

func (fn *function) msixEnabled() bool {
	ctl := fn.cfg.r16(CapMSIX + 2)
	return ctl&msixCtlEnable != 0 && ctl&msixCtlMask == 0
}

// RaiseMSIX sends MSI-X vector v of function f at time at, or marks it
// pending when the vector or the function is masked. It reports whether a
// message was sent.
func (c *Card) RaiseMSIX(f pcie.Func, v int, at sim.Time) bool {
	if !c.present(f) {
		return false
	}
	fn := c.fns[f]
	if v < 0 || v >= len(fn.table) {
		c.Flag(f, at, "interrupt raised on vector %d, beyond the %d MSI-X vectors", v, len(fn.table))
		return false
	}
	if !fn.msixEnabled() || fn.table[v].ctrl&1 != 0 {
		fn.pending[v] = true
		return false
	}
	c.send(f, v, at)
	return true
}

func (c *Card) send(f pcie.Func, v int, at sim.Time) {
	c.up.MSIX(f, at, v)
	c.sent = true
}

func (c *Card) flushPending(fn *function, at sim.Time) {
	if !fn.msixEnabled() {
		return
	}
	for v, p := range fn.pending {
		if p && fn.table[v].ctrl&1 == 0 {
			fn.pending[v] = false
			c.send(fn.id, v, at)
		}
	}
}

// VFDeviceID returns the VF device id the SR-IOV capability advertises.
func (c *Card) VFDeviceID() uint16 {
	return binary.LittleEndian.Uint16(c.fns[0].cfg.data[ExtSRIOV+SRIOVVFDevice:])
}

// MSIXRegName names an offset of a function's MSI-X BAR, for traces: a
// table entry's word (16 bytes an entry) or a PBA word (from 0x2000).
func MSIXRegName(off uint32) string {
	if off >= 0x2000 {
		return fmt.Sprintf("MSIX_PBA[%d]", (off-0x2000)/4)
	}
	return fmt.Sprintf("MSIX[%d].%s", off/16, [...]string{"ADDR_LO", "ADDR_HI", "DATA", "CTRL"}[off%16/4])
}
