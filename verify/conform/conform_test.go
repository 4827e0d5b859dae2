package conform

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/model/ixgbe"
	"github.com/nicforge/nicforge/rtl"
)

// regTarget is a plain register file: the generic access-policy semantics
// every model block is built on.
type regTarget struct{ f *rtl.RegFile }

func newRegTarget(t *testing.T, spec *rtl.BlockSpec) regTarget {
	t.Helper()
	f, err := rtl.NewRegFile(spec)
	require.NoError(t, err)
	return regTarget{f}
}

func (r regTarget) Read32(off uint32) uint32 { v, _ := r.f.Read(off); return v }
func (r regTarget) Write32(off, v uint32)    { r.f.Write(off, v) }
func (r regTarget) Reset() error             { r.f.Reset(); return nil }

// clone deep-copies a block so a test can mutate it.
func clone(b *rtl.BlockSpec) *rtl.BlockSpec {
	c := *b
	c.Regs = append([]rtl.RegSpec(nil), b.Regs...)
	for i := range c.Regs {
		c.Regs[i].Fields = append([]rtl.FieldSpec(nil), b.Regs[i].Fields...)
	}
	return &c
}

func setField(t *testing.T, b *rtl.BlockSpec, reg, field string, a rtl.Access) {
	t.Helper()
	r, ok := b.Reg(reg)
	require.True(t, ok, "no register %s", reg)
	for i := range r.Fields {
		if r.Fields[i].Name == field {
			require.NotEqual(t, a, r.Fields[i].Access, "mutation must change %s.%s", reg, field)
			r.Fields[i].Access = a
			return
		}
	}
	t.Fatalf("register %s has no field %s", reg, field)
}

func TestIxgbeRegmapsConformOnRegFiles(t *testing.T) {
	for _, spec := range []*rtl.BlockSpec{ixgbe.PFRegs, ixgbe.VFRegs} {
		t.Run(spec.Name, func(t *testing.T) {
			rep := Run(spec, "regfile", newRegTarget(t, spec), Options{})
			require.True(t, rep.Passed(), "%v", rep.Failures)
			assert.Equal(t, spec.Name, rep.Block)
			assert.Equal(t, "regfile", rep.Function)
			tested := 0
			for i := range spec.Regs {
				if spec.Regs[i].Test != rtl.TestNone {
					tested++
				}
			}
			assert.Equal(t, tested, rep.Registers)
			assert.Greater(t, rep.Checks, 32*tested, "every register bit-bashed")
		})
	}
}

// Every mutation makes the target differ from the spec in one register;
// conformance must fail and name that register first.
func TestMutationsAreCaught(t *testing.T) {
	for _, tc := range []struct {
		name   string
		spec   *rtl.BlockSpec
		mutate func(t *testing.T, b *rtl.BlockSpec)
		reg    string
		seq    string
		detail string
	}{
		{"PF reset value", ixgbe.PFRegs, func(t *testing.T, b *rtl.BlockSpec) {
			r, _ := b.Reg("MAXFRS")
			r.Reset = 0x24000000
		}, "MAXFRS", SeqReset, "hardware reset value"},
		{"VF reset value", ixgbe.VFRegs, func(t *testing.T, b *rtl.BlockSpec) {
			r, _ := b.Reg("VFMAILBOX")
			r.Reset = 0
		}, "VFMAILBOX", SeqReset, "hardware reset value"},
		{"PF read-only bit takes writes", ixgbe.PFRegs, func(t *testing.T, b *rtl.BlockSpec) {
			setField(t, b, "RDRXCTL", "DMAIDONE", rtl.RW)
		}, "RDRXCTL", SeqBitBash, "read-only bits"},
		{"VF read-only field takes writes", ixgbe.VFRegs, func(t *testing.T, b *rtl.BlockSpec) {
			// VTEIMS is test: full; make its mask plain read-only instead of W1S.
			setField(t, b, "VTEIMS", "MASK", rtl.RO)
		}, "VTEIMS", SeqBitBash, "W1S bits"},
		{"PF read-write bit stuck", ixgbe.PFRegs, func(t *testing.T, b *rtl.BlockSpec) {
			setField(t, b, "VT_CTL", "REPLEN", rtl.RO)
		}, "VT_CTL", SeqBitBash, "walking 0: every read-write bit but 0 set"},
		{"PF write-only bits readable", ixgbe.PFRegs, func(t *testing.T, b *rtl.BlockSpec) {
			setField(t, b, "EITR", "CNT_WDIS", rtl.RW)
		}, "EITR", SeqBitBash, "write-only bits"},
		{"VF W1S bit behaves as W1C", ixgbe.VFRegs, func(t *testing.T, b *rtl.BlockSpec) {
			setField(t, b, "VTEIMS", "MASK", rtl.W1C)
		}, "VTEIMS", SeqBitBash, "W1S bits"},
		{"PF field narrower than the spec", ixgbe.PFRegs, func(t *testing.T, b *rtl.BlockSpec) {
			r, _ := b.Reg("GCR_EXT")
			r.Fields = r.Fields[1:] // VT_MODE becomes reserved: reads zero, ignores writes
		}, "GCR_EXT", SeqBitBash, "walking 1: only read-write bit 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mut := clone(tc.spec)
			tc.mutate(t, mut)
			require.NoError(t, mut.Validate())
			rep := Run(tc.spec, "mutant", newRegTarget(t, mut), Options{Elements: 2})
			require.False(t, rep.Passed(), "the mutation went unnoticed")
			f := rep.Failures[0]
			assert.Equal(t, tc.reg, f.Register, "%v", f)
			assert.Equal(t, tc.seq, f.Sequence, "%v", f)
			assert.Contains(t, f.Detail, tc.detail)
			assert.Contains(t, f.Error(), tc.reg)
			for _, g := range rep.Failures {
				assert.Equal(t, tc.reg, g.Register, "only the mutated register fails: %v", g)
			}
		})
	}
}

// statusBlock is a small synthetic block with a W1C status register that
// reads 1 after reset, which the ixgbe maps do not have (EICR and MBVFICR
// reset to 0 and are live state).
func statusBlock() *rtl.BlockSpec {
	return &rtl.BlockSpec{Name: "status", Size: 0x100, Regs: []rtl.RegSpec{
		{Name: "CTL", Offset: 0x0, Access: rtl.RW, Reset: 0x5},
		{Name: "STS", Offset: 0x10, Access: rtl.RO, Reset: 0x3, Fields: []rtl.FieldSpec{
			{Name: "DONE", Hi: 0, Lo: 0, Access: rtl.W1C}, {Name: "ERR", Hi: 1, Lo: 1, Access: rtl.W1C},
			{Name: "BUSY", Hi: 4, Lo: 4, Access: rtl.RO}, {Name: "GO", Hi: 8, Lo: 8, Access: rtl.SC},
		}},
		{Name: "CNT", Offset: 0x20, Access: rtl.RC, Reset: 0x7},
		{Name: "MASK", Offset: 0x30, Access: rtl.W1S, Reset: 0x1, Count: 2, Stride: 0x8},
		{Name: "LIVE", Offset: 0x40, Access: rtl.RW, Test: rtl.TestNone},
	}}
}

func TestSyntheticBlock(t *testing.T) {
	spec := statusBlock()
	for _, tc := range []struct {
		name   string
		mutate func(t *testing.T, b *rtl.BlockSpec)
		reg    string
		detail string
	}{
		{"W1C bit that does not clear", func(t *testing.T, b *rtl.BlockSpec) { setField(t, b, "STS", "ERR", rtl.RO) }, "STS", "W1C bits 0x3 did not clear"},
		{"W1C bit that reads as RW", func(t *testing.T, b *rtl.BlockSpec) { setField(t, b, "STS", "DONE", rtl.RW) }, "STS", "W1C bits 0x3 did not clear"},
		{"clear-on-read that does not clear", func(t *testing.T, b *rtl.BlockSpec) { b.Regs[2].Access = rtl.RO }, "CNT", "clear-on-read bits 0x7"},
		{"W1S array element reset", func(t *testing.T, b *rtl.BlockSpec) { b.Regs[3].Reset = 0 }, "MASK", "hardware reset value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.True(t, Run(spec, "x", newRegTarget(t, spec), Options{}).Passed(), "the unmutated block conforms")
			mut := clone(spec)
			tc.mutate(t, mut)
			rep := Run(spec, "x", newRegTarget(t, mut), Options{})
			require.False(t, rep.Passed())
			assert.Equal(t, tc.reg, rep.Failures[0].Register, "%v", rep.Failures[0])
			assert.Contains(t, rep.Failures[0].Detail, tc.detail)
		})
	}
}

// spy records every access and wraps another target.
type spy struct {
	Target
	ops []string
}

func (s *spy) Read32(off uint32) uint32 {
	v := s.Target.Read32(off)
	s.ops = append(s.ops, fmt.Sprintf("R %#x = %#x", off, v))
	return v
}

func (s *spy) Write32(off, v uint32) {
	s.ops = append(s.ops, fmt.Sprintf("W %#x %#x", off, v))
	s.Target.Write32(off, v)
}

func (s *spy) Reset() error {
	s.ops = append(s.ops, "reset")
	return s.Target.Reset()
}

// The sequences obey their own rules: test:none registers are never
// touched, test:reset registers are only read, and no write sets an sc or
// reserved bit.
func TestSequencesRespectTestPolicies(t *testing.T) {
	for _, spec := range []*rtl.BlockSpec{ixgbe.PFRegs, ixgbe.VFRegs, statusBlock()} {
		t.Run(spec.Name, func(t *testing.T) {
			f := rtl.MustRegFile(spec)
			s := &spy{Target: regTarget{f}}
			rep := Run(spec, "spy", s, Options{Elements: 3})
			require.True(t, rep.Passed(), "%v", rep.Failures)
			require.NotEmpty(t, s.ops)
			require.Equal(t, "reset", s.ops[0], "a run starts from reset")
			for _, op := range s.ops {
				var kind string
				var off, v uint32
				if op == "reset" {
					continue
				}
				_, err := fmt.Sscanf(op, "%s %v", &kind, &off)
				require.NoError(t, err, op)
				if _, ok := f.Lookup(off); !ok {
					continue // a hole
				}
				reg := regOf(t, spec, off)
				require.NotEqual(t, rtl.TestNone, reg.Test, "%s touches %s (test: none)", op, f.Describe(off))
				if kind != "W" {
					continue
				}
				_, err = fmt.Sscanf(op, "W %v %v", &off, &v)
				require.NoError(t, err, op)
				require.Equal(t, rtl.TestFull, reg.Test, "%s writes %s (test: reset)", op, f.Describe(off))
				b := masksOf(reg)
				require.Zero(t, v&(b.sc|b.reserved), "%s sets sc or reserved bits of %s", op, f.Describe(off))
			}
		})
	}
}

func regOf(t *testing.T, b *rtl.BlockSpec, off uint32) *rtl.RegSpec {
	t.Helper()
	for i := range b.Regs {
		r := &b.Regs[i]
		if off >= r.Offset && (off-r.Offset)%max(r.Stride, 4) == 0 && (off-r.Offset)/max(r.Stride, 4) < uint32(r.Elems()) {
			return r
		}
	}
	t.Fatalf("no register at %#x", off)
	return nil
}

func TestRunIsDeterministic(t *testing.T) {
	run := func() ([]string, Report) {
		mut := clone(ixgbe.VFRegs)
		setField(t, mut, "VFSRRCTL", "DROP_EN", rtl.RO)
		s := &spy{Target: newRegTarget(t, mut)}
		return s.ops, Run(ixgbe.VFRegs, "vf0", s, Options{Elements: 3})
	}
	ops1, rep1 := run()
	ops2, rep2 := run()
	require.False(t, rep1.Passed())
	require.Empty(t, cmp.Diff(rep1, rep2))
	require.Empty(t, cmp.Diff(ops1, ops2))
}

// aliasTarget decodes a hole as a register, the way a decoder that drops
// address bits would.
type aliasTarget struct {
	regTarget
	hole, reg uint32
}

func (a aliasTarget) Read32(off uint32) uint32 {
	if off == a.hole {
		off = a.reg
	}
	return a.regTarget.Read32(off)
}

func (a aliasTarget) Write32(off, v uint32) {
	if off == a.hole {
		off = a.reg
	}
	a.regTarget.Write32(off, v)
}

// stuckTarget ORs bits into every read of one offset.
type stuckTarget struct {
	regTarget
	off, or uint32
}

func (s stuckTarget) Read32(off uint32) uint32 {
	v := s.regTarget.Read32(off)
	if off == s.off {
		v |= s.or
	}
	return v
}

func TestTargetFaults(t *testing.T) {
	spec := statusBlock()
	x := &runner{spec: spec}
	holes := x.holeOffsets()
	require.NotEmpty(t, holes)
	for _, tc := range []struct {
		name   string
		target Target
		want   Failure
	}{
		{"hole aliases a register", aliasTarget{newRegTarget(t, spec), holes[0], 0x0}, Failure{
			Block: "status", Register: "(hole)", Offset: holes[0], Sequence: SeqAccess, Want: 0, Got: 0xFFFFFFFF,
			Detail: "an offset with no register must read zero after a write of ones"}},
		{"reserved bit reads one", stuckTarget{newRegTarget(t, spec), 0x10, 1 << 20}, Failure{
			Block: "status", Register: "STS", Offset: 0x10, Sequence: SeqReset, Want: 0x3, Got: 0x100003,
			Detail: "hardware reset value"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := Run(spec, "x", tc.target, Options{})
			require.False(t, rep.Passed())
			require.Empty(t, cmp.Diff(tc.want, rep.Failures[0]))
		})
	}
	// A write to a hole that lands in a register is also reported against
	// the register it changed.
	rep := Run(spec, "x", aliasTarget{newRegTarget(t, spec), holes[0], 0x0}, Options{})
	var names []string
	for _, f := range rep.Failures {
		names = append(names, f.Register)
	}
	require.Contains(t, names, "CTL")
}

type failingReset struct{ regTarget }

func (failingReset) Reset() error { return errors.New("FLR timed out") }

func TestResetErrorEndsTheRun(t *testing.T) {
	spec := statusBlock()
	rep := Run(spec, "x", failingReset{newRegTarget(t, spec)}, Options{})
	require.Len(t, rep.Failures, 1)
	require.Zero(t, rep.Checks)
	require.Equal(t, "status: reset: target Reset failed before the reset sequence: FLR timed out", rep.Failures[0].Error())
}

func TestOptions(t *testing.T) {
	spec := statusBlock()
	mut := clone(spec)
	mut.Regs[0].Reset = 0 // CTL
	rep := Run(spec, "x", newRegTarget(t, mut), Options{Skip: []string{"CTL"}})
	require.True(t, rep.Passed(), "a skipped register is not checked: %v", rep.Failures)
	require.Equal(t, 3, rep.Registers, "STS, CNT, MASK (LIVE is test: none, CTL skipped)")

	x := &runner{opt: Options{Elements: 4}}
	r := &rtl.RegSpec{Count: 64, Stride: 0x40}
	require.Equal(t, []int{0, 21, 42, 63}, x.elems(r), "spread, with the first and last element")
	x.opt.Elements = 1
	require.Equal(t, []int{0}, x.elems(r))
	x.opt.Elements = 0
	require.Len(t, x.elems(r), 64)
	x.opt.Elements = 100
	require.Len(t, x.elems(r), 64)
}

func TestFailureError(t *testing.T) {
	f := Failure{Block: "ixgbe_pf", Register: "SRRCTL", Elem: 3, Offset: 0x10d4, Sequence: SeqBitBash, Want: 0x2, Got: 0, Detail: "walking 1: only read-write bit 1 set"}
	require.Equal(t, "ixgbe_pf SRRCTL[3] at 0x10d4: bitbash: want 0x00000002, got 0x00000000 (walking 1: only read-write bit 1 set)", f.Error())
}

func TestFailuresAreBounded(t *testing.T) {
	// A target that decodes nothing fails almost every check.
	rep := Run(ixgbe.PFRegs, "dead", deadTarget{}, Options{})
	require.Len(t, rep.Failures, MaxFailures)
	require.Greater(t, rep.Checks, MaxFailures)
	require.True(t, strings.HasPrefix(rep.Failures[0].Error(), "ixgbe_pf CTRL[0] at 0x0: reset: want 0x00000000, got 0xffffffff"), rep.Failures[0].Error())
}

type deadTarget struct{}

func (deadTarget) Read32(uint32) uint32   { return 0xFFFFFFFF }
func (deadTarget) Write32(uint32, uint32) {}
func (deadTarget) Reset() error           { return nil }
