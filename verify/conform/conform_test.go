package conform

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/model/ixgbe"
	"github.com/nicforge/nicforge/rtl"
)

// regTarget is a plain register file: the generic semantics every model
// block is built on.
type regTarget struct{ f *rtl.RegFile }

func (r regTarget) Read32(off uint32) uint32 { v, _ := r.f.Read(off); return v }
func (r regTarget) Write32(off, v uint32)    { r.f.Write(off, v) }
func (r regTarget) Reset() error             { r.f.Reset(); return nil }

func clone(b *rtl.BlockSpec) *rtl.BlockSpec {
	c := *b
	c.Regs = append([]rtl.RegSpec(nil), b.Regs...)
	for i := range c.Regs {
		c.Regs[i].Fields = append([]rtl.FieldSpec(nil), b.Regs[i].Fields...)
	}
	return &c
}

func TestRegFilesConform(t *testing.T) {
	for _, spec := range []*rtl.BlockSpec{ixgbe.PFRegs, ixgbe.VFRegs} {
		r := Run(spec, "regfile", regTarget{rtl.MustRegFile(spec)}, Options{Elements: 4})
		require.True(t, r.Passed(), "%s: %v", spec.Name, r.Failures)
		require.Greater(t, r.Checks, 100)
	}
}

func TestMutationsAreCaught(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*rtl.BlockSpec)
		reg    string
		seq    string
	}{
		{"wrong reset value", func(b *rtl.BlockSpec) { r, _ := b.Reg("HLREG0"); r.Reset ^= 0x2 }, "HLREG0", "reset"},
		{"read-only bit takes writes", func(b *rtl.BlockSpec) {
			r, _ := b.Reg("RDRXCTL")
			for i := range r.Fields {
				if r.Fields[i].Name == "DMAIDONE" {
					r.Fields[i].Access = rtl.RW
				}
			}
		}, "RDRXCTL", "bitbash"},
		{"rw bit stuck", func(b *rtl.BlockSpec) {
			r, _ := b.Reg("VT_CTL")
			for i := range r.Fields {
				if r.Fields[i].Name == "REPLEN" {
					r.Fields[i].Access = rtl.RO
				}
			}
		}, "VT_CTL", "bitbash"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mut := clone(ixgbe.PFRegs)
			tc.mutate(mut)
			r := Run(ixgbe.PFRegs, "pf", regTarget{rtl.MustRegFile(mut)}, Options{Elements: 2})
			require.False(t, r.Passed())
			require.Equal(t, tc.reg, r.Failures[0].Register, "%v", r.Failures[0])
			require.Equal(t, tc.seq, r.Failures[0].Sequence)
			require.Contains(t, r.Failures[0].Error(), tc.reg)
		})
	}
}

// A W1C status bit that reads 1 after reset must clear when 1 is written.
func TestW1CThatDoesNotClear(t *testing.T) {
	spec := &rtl.BlockSpec{Name: "status", Size: 0x100, Regs: []rtl.RegSpec{
		{Name: "STS", Offset: 0x10, Access: rtl.RW, Reset: 0x3, Fields: []rtl.FieldSpec{{Name: "DONE", Hi: 0, Lo: 0, Access: rtl.W1C}, {Name: "ERR", Hi: 1, Lo: 1, Access: rtl.W1C}}},
	}}
	require.True(t, Run(spec, "x", regTarget{rtl.MustRegFile(spec)}, Options{}).Passed())
	mut := clone(spec)
	mut.Regs[0].Fields[1].Access = rtl.RO
	r := Run(spec, "x", regTarget{rtl.MustRegFile(mut)}, Options{})
	require.False(t, r.Passed())
	require.Contains(t, r.Failures[0].Detail, "W1C bits did not clear")
}
