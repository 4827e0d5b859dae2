// Package conform is register conformance in the style of UVM's register
// layer, derived from a regmap alone: hardware reset values, a bit-bash of
// every register whose writes only store bits (every read-write bit toggles
// both ways; read-only bits hold; write-only bits read zero; W1S bits set
// and W1C bits clear only on a 1; reserved bits read zero), and accesses to
// holes between registers. It runs on any function of any device that can
// be read, written and reset: the built-in models, a plugin, or silicon.
//
//	regmap ──▶ sequences ──▶ Target (Read32/Write32/Reset) ──▶ Report
//	           reset: read every register, compare with its reset value
//	           bitbash: walking 1 / walking 0 over RW bits, policy checks
//	           access: holes read 0 and writing them changes nothing
package conform

import (
	"fmt"

	"github.com/nicforge/nicforge/rtl"
)

// Target is one function's register BAR.
type Target interface {
	Read32(off uint32) uint32
	Write32(off uint32, v uint32)
	// Reset returns every register to its reset value (function-level
	// reset).
	Reset() error
}

// Options narrow a run.
type Options struct {
	Elements int      // array elements tested per register; 0 = all
	Skip     []string // register names
}

// Failure is one check that did not hold.
type Failure struct {
	Block, Register string
	Elem            int
	Offset          uint32
	Sequence        string // reset, bitbash, access
	Want, Got       uint32
	Detail          string
}

func (f Failure) Error() string {
	return fmt.Sprintf("%s %s[%d] at %#x: %s: want %#08x, got %#08x (%s)", f.Block, f.Register, f.Elem, f.Offset, f.Sequence, f.Want, f.Got, f.Detail)
}

// Report is the result for one block on one function.
type Report struct {
	Block     string
	Function  string
	Registers int
	Checks    int
	Failures  []Failure
}

// Passed reports whether every check held.
func (r Report) Passed() bool { return len(r.Failures) == 0 }

type runner struct {
	spec *rtl.BlockSpec
	t    Target
	r    *Report
}

func (x *runner) check(reg *rtl.RegSpec, e int, seq string, want, got uint32, detail string) bool {
	x.r.Checks++
	if want == got {
		return true
	}
	if len(x.r.Failures) < 200 {
		x.r.Failures = append(x.r.Failures, Failure{Block: x.spec.Name, Register: reg.Name, Elem: e, Offset: reg.ElemOffset(e), Sequence: seq, Want: want, Got: got, Detail: detail})
	}
	return false
}

// Run runs every sequence of spec against t.
func Run(spec *rtl.BlockSpec, function string, t Target, opt Options) Report {
	r := Report{Block: spec.Name, Function: function}
	x := &runner{spec: spec, t: t, r: &r}
	skip := map[string]bool{}
	for _, s := range opt.Skip {
		skip[s] = true
	}
	if err := t.Reset(); err != nil {
		r.Failures = append(r.Failures, Failure{Block: spec.Name, Sequence: "reset", Detail: "reset failed: " + err.Error()})
		return r
	}
	elems := func(reg *rtl.RegSpec) int {
		n := reg.Elems()
		if opt.Elements > 0 && n > opt.Elements {
			n = opt.Elements
		}
		return n
	}
	// Reset values.
	for i := range spec.Regs {
		reg := &spec.Regs[i]
		if skip[reg.Name] || reg.Test == rtl.TestNone {
			continue
		}
		r.Registers++
		m := reg.Masks()
		readable := definedBits(reg) &^ m[rtl.WO]
		for e := 0; e < elems(reg); e++ {
			got := t.Read32(reg.ElemOffset(e)) & readable
			x.check(reg, e, "reset", reg.Reset&readable, got, "hardware reset value")
		}
	}
	// Bit-bash.
	for i := range spec.Regs {
		reg := &spec.Regs[i]
		if skip[reg.Name] || reg.Test != rtl.TestFull {
			continue
		}
		for e := 0; e < elems(reg); e++ {
			x.bitbash(reg, e)
		}
		if err := t.Reset(); err != nil {
			r.Failures = append(r.Failures, Failure{Block: spec.Name, Register: reg.Name, Sequence: "bitbash", Detail: "reset failed: " + err.Error()})
			return r
		}
	}
	x.holes()
	return r
}

func definedBits(reg *rtl.RegSpec) uint32 {
	var d uint32
	for _, v := range reg.Masks() {
		d |= v
	}
	return d
}

func (x *runner) bitbash(reg *rtl.RegSpec, e int) {
	t := x.t
	off := reg.ElemOffset(e)
	m := reg.Masks()
	rw, ro, wo, w1c, w1s, rc := m[rtl.RW], m[rtl.RO], m[rtl.WO], m[rtl.W1C], m[rtl.W1S], m[rtl.RC]
	reserved := ^definedBits(reg)
	start := t.Read32(off)
	// Read-write bits: walking one and walking zero.
	for b := 0; b < 32; b++ {
		bit := uint32(1) << b
		if rw&bit == 0 {
			continue
		}
		t.Write32(off, bit)
		x.check(reg, e, "bitbash", bit, t.Read32(off)&(rw|reserved), fmt.Sprintf("walking 1: RW bit %d alone", b))
		t.Write32(off, rw&^bit)
		x.check(reg, e, "bitbash", rw&^bit, t.Read32(off)&(rw|reserved), fmt.Sprintf("walking 0: RW bit %d clear", b))
	}
	// Read-only bits keep their value whatever is written.
	if ro|rc != 0 {
		before := t.Read32(off) & (ro | rc)
		t.Write32(off, ^before&(ro|rc)|start&rw)
		x.check(reg, e, "bitbash", before, t.Read32(off)&(ro|rc), "read-only bits took a write")
	}
	if wo != 0 {
		t.Write32(off, wo|start&rw)
		x.check(reg, e, "bitbash", 0, t.Read32(off)&wo, "write-only bits must read zero")
	}
	if w1s != 0 {
		before := t.Read32(off) & w1s
		t.Write32(off, start&rw)
		x.check(reg, e, "bitbash", before, t.Read32(off)&w1s, "W1S bits changed on a 0 write")
		t.Write32(off, w1s|start&rw)
		x.check(reg, e, "bitbash", w1s, t.Read32(off)&w1s, "W1S bits did not set on a 1 write")
	}
	if w1c != 0 {
		before := t.Read32(off) & w1c
		t.Write32(off, start&rw)
		x.check(reg, e, "bitbash", before, t.Read32(off)&w1c, "W1C bits changed on a 0 write")
		t.Write32(off, w1c|start&rw)
		x.check(reg, e, "bitbash", 0, t.Read32(off)&w1c, "W1C bits did not clear on a 1 write")
	}
	x.check(reg, e, "bitbash", 0, t.Read32(off)&reserved, "reserved bits must read zero")
	t.Write32(off, start&rw)
}

// holes checks a few offsets between registers: they read zero and
// writing them changes no register.
func (x *runner) holes() {
	used := map[uint32]bool{}
	for i := range x.spec.Regs {
		reg := &x.spec.Regs[i]
		for e := 0; e < reg.Elems(); e++ {
			used[reg.ElemOffset(e)] = true
		}
	}
	checked := 0
	hole := &rtl.RegSpec{Name: "(hole)"}
	for off := uint32(0); off+4 <= x.spec.Size && checked < 8; off += 0x404 {
		off &^= 3
		if used[off] {
			continue
		}
		x.t.Write32(off, 0xFFFFFFFF)
		hole.Offset = off
		x.check(hole, 0, "access", 0, x.t.Read32(off), "a hole must read zero")
		checked++
	}
}
