package runner

import (
	"fmt"
	"github.com/nicforge/nicforge/driver/cardctl"
	"github.com/nicforge/nicforge/model/acl"

	"github.com/nicforge/nicforge/model/card"
	"github.com/nicforge/nicforge/model/ena"
	"github.com/nicforge/nicforge/model/ixgbe"
	"github.com/nicforge/nicforge/model/pcie"
	"github.com/nicforge/nicforge/rtl"
	"github.com/nicforge/nicforge/sim"
	"github.com/nicforge/nicforge/verify/conform"
)

// cardTarget is one function's BAR0 of a card, for conformance: accesses
// go through the card's MMIO path, a reset is a function-level reset
// through config space.
type cardTarget struct {
	c    *card.Card
	f    pcie.Func
	now  sim.Time
	vfs  int
	bar  int
	base uint32 // where the block starts in the BAR
}

func (t *cardTarget) tick() sim.Time {
	t.now += 100 * sim.Nanosecond
	t.c.Advance(t.now)
	return t.now
}

func (t *cardTarget) Read32(off uint32) uint32 {
	v, _ := t.c.MMIORead(t.f, t.bar, t.base+off, t.tick())
	return v
}

func (t *cardTarget) Write32(off, v uint32) { t.c.MMIOWrite(t.f, t.bar, t.base+off, v, t.tick()) }

func (t *cardTarget) Reset() error {
	t.c.ConfigWrite(t.f, card.CapPCIe+8, 1<<15, t.tick())
	if t.f == pcie.PF && t.vfs > 0 {
		enableVFs(t.c, t.vfs, t.tick())
	}
	// Let timed reset work (link training, VF reset completion) finish.
	for i := 0; i < 200; i++ {
		t.tick()
	}
	return nil
}

func enableVFs(c *card.Card, n int, at sim.Time) {
	c.ConfigWrite(pcie.PF, card.ExtSRIOV+card.SRIOVNumVF, uint32(n), at)
	c.ConfigWrite(pcie.PF, card.ExtSRIOV+card.SRIOVCtrl, card.SRIOVCtrlVFE|card.SRIOVCtrlMSE, at)
}

// ConformOptions select what conformance covers.
type ConformOptions struct {
	VFs      int    // VFs on the card (default 2, as the default scenario)
	Function string // only this function ("" = all)
	Elements int    // array elements per register (0 = all)
	// Personality is ixgbe (default) or ena: the ENA card's functions
	// (block ena in BAR0) and its PF's card_pf block (BAR1).
	Personality string
	Mutate      func(pf, vf *rtl.BlockSpec)
}

// Conform runs register conformance on every function of the default
// ixgbe card: the PF against the ixgbe_pf regmap, each VF against ixgbe_vf.
func Conform(opt ConformOptions) ([]conform.Report, error) {
	if opt.VFs == 0 {
		opt.VFs = 2
	}
	if opt.Personality == "ena" {
		return conformENA(opt)
	}
	if opt.Personality != "" && opt.Personality != "ixgbe" {
		return nil, fmt.Errorf("personality %q (want ixgbe or ena)", opt.Personality)
	}
	var out []conform.Report
	fns := []pcie.Func{}
	for i := 0; i < opt.VFs; i++ {
		fns = append(fns, pcie.VF(i))
	}
	fns = append(fns, pcie.PF) // last: a PF reset removes the VFs
	for _, f := range fns {
		if opt.Function != "" && opt.Function != f.String() {
			continue
		}
		dev := ixgbe.New(ixgbe.Config{})
		c := card.New(dev, rtl.NewKernel(false), sim.CoreClock)
		c.Attach(nullHost{})
		t := &cardTarget{c: c, f: f, vfs: opt.VFs}
		enableVFs(c, opt.VFs, t.tick())
		spec := ixgbe.PFRegs
		if f.IsVF() {
			spec = ixgbe.VFRegs
		}
		out = append(out, conform.Run(spec, f.String(), t, conform.Options{Elements: opt.Elements}))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no function %q on a card with %d VFs", opt.Function, opt.VFs)
	}
	return out, nil
}

// nullHost answers DMA with zeros and drops interrupts: conformance needs
// no host memory.
type nullHost struct{}

func (nullHost) Read(f pcie.Func, at sim.Time, addr uint64, p []byte) (sim.Time, error) {
	clear(p)
	return at, nil
}
func (nullHost) Write(pcie.Func, sim.Time, uint64, []byte) error { return nil }
func (nullHost) MSIX(pcie.Func, sim.Time, int)                   {}

// conformENA runs conformance on an ENA card: BAR0 of the PF and every VF,
// and the PF's provisioning and ACL blocks in BAR1.
func conformENA(opt ConformOptions) ([]conform.Report, error) {
	type target struct {
		f    pcie.Func
		bar  int
		spec *rtl.BlockSpec
		base uint32
	}
	ts := []target{{pcie.PF, 0, ena.Regs, 0}, {pcie.PF, 1, ena.CardPFRegs, 0}, {pcie.PF, 1, acl.Regs, cardctl.ACLBase}}
	for i := 0; i < opt.VFs; i++ {
		ts = append(ts, target{pcie.VF(i), 0, ena.Regs, 0})
	}
	var out []conform.Report
	for _, t := range ts {
		if opt.Function != "" && opt.Function != t.f.String() {
			continue
		}
		c := card.New(ena.New(ena.Config{}), rtl.NewKernel(false), sim.CoreClock)
		c.Attach(nullHost{})
		tgt := &cardTarget{c: c, f: t.f, vfs: opt.VFs, bar: t.bar, base: t.base}
		enableVFs(c, opt.VFs, tgt.tick())
		out = append(out, conform.Run(t.spec, t.f.String(), tgt, conform.Options{Elements: opt.Elements}))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no function %q on an ENA card with %d VFs", opt.Function, opt.VFs)
	}
	return out, nil
}
