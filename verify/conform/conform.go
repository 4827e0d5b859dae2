package conform

import (
	"fmt"
	"sort"

	"github.com/nicforge/nicforge/rtl"
)

// Target is one function's register BAR.
type Target interface {
	Read32(off uint32) uint32
	Write32(off uint32, v uint32)
	// Reset is a function-level reset: every register back to its reset
	// value.
	Reset() error
}

// Options narrow a run.
type Options struct {
	// Elements is the most array elements tested per register; 0 tests
	// them all. The elements tested are spread over the array and include
	// the first and the last, where stride and count errors show.
	Elements int
	// Skip names registers no sequence touches.
	Skip []string
}

// Sequence names.
const (
	SeqReset   = "reset"
	SeqBitBash = "bitbash"
	SeqAccess  = "access"
)

// Failure is one check that did not hold.
type Failure struct {
	Block, Register string
	Elem            int
	Offset          uint32
	Sequence        string // SeqReset, SeqBitBash or SeqAccess
	Want, Got       uint32
	Detail          string
}

// Error says which check failed where, with the values in hex.
func (f Failure) Error() string {
	if f.Register == "" {
		return fmt.Sprintf("%s: %s: %s", f.Block, f.Sequence, f.Detail)
	}
	return fmt.Sprintf("%s %s[%d] at %#x: %s: want %#08x, got %#08x (%s)",
		f.Block, f.Register, f.Elem, f.Offset, f.Sequence, f.Want, f.Got, f.Detail)
}

// Report is the result of Run for one block on one function.
type Report struct {
	Block     string
	Function  string
	Registers int // registers examined (not skipped, not test: none)
	Checks    int // comparisons made
	// Failures lists the checks that did not hold, in the order they
	// were made; at most MaxFailures are kept (Checks counts them all).
	Failures []Failure
}

// MaxFailures bounds Report.Failures: a target that decodes nothing
// would otherwise list every bit of every register.
const MaxFailures = 1000

// Passed reports whether every check held.
func (r Report) Passed() bool { return len(r.Failures) == 0 }

// holeCount is how many hole offsets the access sequence writes.
const holeCount = 8

// Run runs the reset, bit-bash and access sequences of spec against t, in
// that order, and returns what they found. It never panics on a target
// that misbehaves; a Reset error ends the run with a failure saying so.
func Run(spec *rtl.BlockSpec, function string, t Target, opt Options) Report {
	x := &runner{
		spec: spec,
		t:    t,
		opt:  opt,
		skip: map[string]bool{},
		r:    Report{Block: spec.Name, Function: function},
	}
	for _, s := range opt.Skip {
		x.skip[s] = true
	}
	for i := range spec.Regs {
		if x.tested(&spec.Regs[i]) {
			x.r.Registers++
		}
	}
	if x.reset("before the reset sequence") && x.resetValues() && x.bitbashAll() {
		x.holes()
	}
	return x.r
}

type runner struct {
	spec *rtl.BlockSpec
	t    Target
	opt  Options
	skip map[string]bool
	r    Report
}

// tested reports whether any sequence reads reg.
func (x *runner) tested(reg *rtl.RegSpec) bool {
	return !x.skip[reg.Name] && reg.Test != rtl.TestNone
}

// elems returns the elements of reg to test, in increasing order.
func (x *runner) elems(reg *rtl.RegSpec) []int {
	n := reg.Elems()
	k := x.opt.Elements
	if k <= 0 || k >= n {
		k = n
	}
	out := make([]int, 0, k)
	if k == 1 {
		return append(out, 0)
	}
	for i := 0; i < k; i++ {
		out = append(out, i*(n-1)/(k-1))
	}
	return out
}

func (x *runner) fail(f Failure) {
	if len(x.r.Failures) < MaxFailures {
		x.r.Failures = append(x.r.Failures, f)
	}
}

// check compares want with got and records a failure when they differ.
func (x *runner) check(reg *rtl.RegSpec, e int, seq string, want, got uint32, detail string, args ...any) bool {
	x.r.Checks++
	if want == got {
		return true
	}
	if len(args) > 0 {
		detail = fmt.Sprintf(detail, args...)
	}
	x.fail(Failure{Block: x.spec.Name, Register: reg.Name, Elem: e, Offset: reg.ElemOffset(e), Sequence: seq, Want: want, Got: got, Detail: detail})
	return false
}

// reset resets the target; on an error it records a failure and reports
// false, which ends the run: nothing after it would mean anything.
func (x *runner) reset(why string) bool {
	if err := x.t.Reset(); err != nil {
		x.fail(Failure{Block: x.spec.Name, Sequence: SeqReset, Detail: fmt.Sprintf("target Reset failed %s: %v", why, err)})
		return false
	}
	return true
}

// bits is a register's masks by policy. Bits no field covers, when fields
// exist, are reserved.
type bits struct {
	rw, ro, wo, w1c, w1s, rc, sc, reserved uint32
}

func masksOf(reg *rtl.RegSpec) bits {
	m := reg.Masks()
	b := bits{rw: m[rtl.RW], ro: m[rtl.RO], wo: m[rtl.WO], w1c: m[rtl.W1C], w1s: m[rtl.W1S], rc: m[rtl.RC], sc: m[rtl.SC]}
	b.reserved = ^(b.rw | b.ro | b.wo | b.w1c | b.w1s | b.rc | b.sc)
	return b
}

// resetValues is the hardware-reset sequence: every test:full and
// test:reset register read once (a clear-on-read register must give its
// reset value on that first read) and compared over its readable bits,
// reserved bits included (they read zero).
func (x *runner) resetValues() bool {
	for i := range x.spec.Regs {
		reg := &x.spec.Regs[i]
		if !x.tested(reg) {
			continue
		}
		b := masksOf(reg)
		readable := ^b.wo
		detail := "hardware reset value"
		if b.wo != 0 {
			detail = fmt.Sprintf("hardware reset value; write-only bits %#x not compared", b.wo)
		}
		for _, e := range x.elems(reg) {
			got := x.t.Read32(reg.ElemOffset(e))
			x.check(reg, e, SeqReset, reg.Reset&readable, got&readable, detail)
		}
	}
	return true
}

// bitbashAll runs the bit-bash on every test:full register, resetting the
// target after a register whose state it could not write back.
func (x *runner) bitbashAll() bool {
	for i := range x.spec.Regs {
		reg := &x.spec.Regs[i]
		if x.skip[reg.Name] || reg.Test != rtl.TestFull {
			continue
		}
		dirty := false
		for _, e := range x.elems(reg) {
			if x.bitbash(reg, e) {
				dirty = true
			}
		}
		if dirty && !x.reset("after the bit-bash of "+reg.Name) {
			return false
		}
	}
	return true
}

// bitbash checks one register instance and reports whether its state
// still differs from what it was (so the caller must reset the target).
func (x *runner) bitbash(reg *rtl.RegSpec, e int) bool {
	t := x.t
	off := reg.ElemOffset(e)
	b := masksOf(reg)
	seq := SeqBitBash
	read := func() uint32 { return t.Read32(off) }

	start := read()
	if b.rc != 0 && start&b.rc != 0 {
		// The first read consumed the clear-on-read bits.
		x.check(reg, e, seq, 0, read()&b.rc, "clear-on-read bits %#x read non-zero on the second read", start&b.rc)
	}
	keep := start & b.rw // what every other write carries in the rw bits

	// Read-write bits: walking one, then walking zero, over the rw bits
	// only; reserved bits are watched (they must stay zero) but never
	// written with one, nor are sc, wo, w1s or w1c bits.
	watch := b.rw | b.reserved
	for bit := 0; bit < 32; bit++ {
		m := uint32(1) << bit
		if b.rw&m == 0 {
			continue
		}
		t.Write32(off, m)
		x.check(reg, e, seq, m, read()&watch, "walking 1: only read-write bit %d set", bit)
		t.Write32(off, b.rw&^m)
		x.check(reg, e, seq, b.rw&^m, read()&watch, "walking 0: every read-write bit but %d set", bit)
	}

	// Read-only bits hold whatever is written: write their complement.
	if ro := b.ro | b.rc; ro != 0 {
		before := read() & ro
		t.Write32(off, ^before&ro|keep)
		x.check(reg, e, seq, before, read()&ro, "read-only bits %#x took a write of %#x", ro, ^before&ro)
	}

	// Write-only bits read zero, even right after ones were written.
	if b.wo != 0 {
		t.Write32(off, b.wo|keep)
		x.check(reg, e, seq, 0, read()&b.wo, "write-only bits %#x must read zero", b.wo)
	}

	// W1S: a 0 holds, a 1 sets, and a 0 then keeps the bits set.
	if b.w1s != 0 {
		before := read() & b.w1s
		t.Write32(off, keep)
		x.check(reg, e, seq, before, read()&b.w1s, "W1S bits %#x changed on a write of 0", b.w1s)
		t.Write32(off, b.w1s|keep)
		x.check(reg, e, seq, b.w1s, read()&b.w1s, "W1S bits %#x did not set on a write of 1", b.w1s)
		t.Write32(off, keep)
		x.check(reg, e, seq, b.w1s, read()&b.w1s, "W1S bits %#x did not hold on a write of 0", b.w1s)
	}

	// W1C: a 0 keeps set bits set; a 1 clears the bits that read 1 and
	// does not set the bits that read 0.
	if b.w1c != 0 {
		before := read() & b.w1c
		t.Write32(off, keep)
		x.check(reg, e, seq, before, read()&b.w1c, "W1C bits %#x changed on a write of 0", b.w1c)
		t.Write32(off, b.w1c|keep)
		x.check(reg, e, seq, 0, read()&b.w1c, "W1C bits %#x did not clear on a write of 1 (read %#x before)", b.w1c, before)
	}

	end := read()
	x.check(reg, e, seq, 0, end&b.reserved, "reserved bits %#x must read zero", b.reserved)

	// Write the original read-write bits back; whatever else changed
	// (W1S set, W1C cleared, RC consumed) needs a reset.
	t.Write32(off, keep)
	return read() != start&^b.rc
}

// holes is the access sequence: offsets between registers read zero, and
// writing ones there changes none of the registers the other sequences
// read.
func (x *runner) holes() {
	offs := x.holeOffsets()
	if len(offs) == 0 {
		return
	}
	type inst struct {
		reg *rtl.RegSpec
		e   int
		v   uint32
	}
	var watch []inst
	for i := range x.spec.Regs {
		reg := &x.spec.Regs[i]
		// Clear-on-read registers change when read; live ones on their own.
		if !x.tested(reg) || masksOf(reg).rc != 0 {
			continue
		}
		for _, e := range x.elems(reg) {
			watch = append(watch, inst{reg: reg, e: e})
		}
	}
	for i := range watch {
		watch[i].v = x.t.Read32(watch[i].reg.ElemOffset(watch[i].e))
	}
	hole := &rtl.RegSpec{Name: "(hole)"}
	for _, off := range offs {
		hole.Offset = off
		x.t.Write32(off, ^uint32(0))
		x.check(hole, 0, SeqAccess, 0, x.t.Read32(off), "an offset with no register must read zero after a write of ones")
		for i := range watch {
			w := &watch[i]
			got := x.t.Read32(w.reg.ElemOffset(w.e))
			if x.check(w.reg, w.e, SeqAccess, w.v, got, "changed by a write of ones to the hole at %#x", off) {
				continue
			}
			w.v = got // report each change once
		}
	}
}

// holeOffsets picks up to holeCount word offsets inside the block that no
// register decodes: the first word of each gap between registers, spread
// evenly over the gaps, in increasing order.
func (x *runner) holeOffsets() []uint32 {
	var used []uint32
	end := x.spec.Size
	for i := range x.spec.Regs {
		reg := &x.spec.Regs[i]
		for e := 0; e < reg.Elems(); e++ {
			used = append(used, reg.ElemOffset(e))
		}
	}
	sort.Slice(used, func(i, j int) bool { return used[i] < used[j] })
	if n := len(used); end == 0 && n > 0 {
		end = used[n-1] + 4
	}
	var gaps []uint32
	next := uint32(0) // first word not known to be used
	for _, u := range used {
		if u > next {
			gaps = append(gaps, next)
		}
		if u+4 > next {
			next = u + 4
		}
	}
	if next+4 <= end {
		gaps = append(gaps, next)
	}
	if len(gaps) <= holeCount {
		return gaps
	}
	out := make([]uint32, 0, holeCount)
	for i := 0; i < holeCount; i++ {
		out = append(out, gaps[i*(len(gaps)-1)/(holeCount-1)])
	}
	return out
}
