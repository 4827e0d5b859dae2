package rtl

import (
	"fmt"
	"runtime"
	"testing"
	"weak"

	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/sim"
)

func TestValidateRejectsBadSpecs(t *testing.T) {
	reg := func(mod func(*RegSpec)) *BlockSpec {
		r := RegSpec{Name: "A", Offset: 0x10, Access: RW}
		mod(&r)
		return &BlockSpec{Name: "blk", Size: 0x100, Regs: []RegSpec{{Name: "Z", Offset: 0, Access: RO}, r}}
	}
	for _, tc := range []struct {
		name string
		spec *BlockSpec
		want string
	}{
		{"unaligned", reg(func(r *RegSpec) { r.Offset = 0x11 }), "offset 0x11 is not 4-byte aligned"},
		{"outside", reg(func(r *RegSpec) { r.Offset = 0x100 }), "A[0] at 0x100 lies outside the block (size 0x100)"},
		{"array past the end", reg(func(r *RegSpec) { r.Count, r.Stride = 64, 4 }), "A[63] at 0x10c lies outside"},
		{"array wrapping 32 bits", &BlockSpec{Name: "blk", Regs: []RegSpec{{Name: "A", Offset: 0xfffffff0, Access: RW, Count: 8, Stride: 0x10000000}}}, "lies outside the block"},
		{"huge offset, no size", &BlockSpec{Name: "blk", Regs: []RegSpec{{Name: "A", Offset: 0xfffffffc, Access: RW}}}, "A[0] at 0xfffffffc lies outside the block (size 0x1000000)"},
		{"huge size", &BlockSpec{Name: "blk", Size: 0x80000000}, "size 0x80000000 is over the 0x1000000"},
		{"huge count", reg(func(r *RegSpec) { r.Count, r.Stride = 1<<20, 4 }), "count 1048576 is over the 65536"},
		{"bad stride", reg(func(r *RegSpec) { r.Count, r.Stride = 2, 6 }), "stride 0x6 must be a multiple of 4"},
		{"no name", reg(func(r *RegSpec) { r.Name = "" }), "register 1 at 0x10 has no name"},
		{"duplicate name", reg(func(r *RegSpec) { r.Name = "Z" }), "register name Z used twice"},
		{"overlap", reg(func(r *RegSpec) { r.Offset = 0 }), "registers Z and A both at offset 0x0"},
		{"bad access", reg(func(r *RegSpec) { r.Access = 0 }), "Access(0) is not an access policy"},
		{"bad field access", reg(func(r *RegSpec) { r.Fields = []FieldSpec{{Name: "F", Hi: 1, Access: 99}} }), "field F: Access(99) is not an access policy"},
		{"bad test policy", reg(func(r *RegSpec) { r.Test = 7 }), "test policy 7 is not full, reset or none"},
		{"field out of range", reg(func(r *RegSpec) { r.Fields = []FieldSpec{{Name: "F", Lo: 30, Hi: 32, Access: RW}} }), "field F bits 32:30 out of range"},
		{"field twice", reg(func(r *RegSpec) {
			r.Fields = []FieldSpec{{Name: "F", Access: RW}, {Name: "F", Lo: 1, Hi: 1, Access: RW}}
		}), `field name "F" empty or used twice`},
		{"overlapping fields", reg(func(r *RegSpec) {
			r.Fields = []FieldSpec{{Name: "F", Hi: 3, Access: RW}, {Name: "G", Lo: 2, Hi: 4, Access: RW}}
		}), "field G overlaps another field"},
		{"reset in reserved bits", reg(func(r *RegSpec) { r.Reset, r.Fields = 0x3, []FieldSpec{{Name: "F", Access: RW}} }), "reset value 0x3 sets reserved bits 0x2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorContains(t, tc.spec.Validate(), tc.want)
			f, err := NewRegFile(tc.spec)
			require.Nil(t, f)
			require.ErrorContains(t, err, tc.want, "NewRegFile refuses what Validate refuses, without allocating or panicking")
		})
	}
}

func TestLayoutCacheDropsDeadSpecs(t *testing.T) {
	key := func() weak.Pointer[BlockSpec] {
		spec := &BlockSpec{Name: "short-lived", Size: 0x10, Regs: []RegSpec{{Name: "A", Access: RW}}}
		f, err := NewRegFile(spec)
		require.NoError(t, err)
		g, err := NewRegFile(spec)
		require.NoError(t, err)
		require.Same(t, f.layout, g.layout, "files of one spec share its layout")
		return weak.Make(spec)
	}()
	cached := func() bool { _, ok := layouts.Load(key); return ok }
	require.True(t, cached())
	// Cleanups run on their own goroutine after a collection: give them a
	// bounded number of collections, not a wall-clock wait.
	for i := 0; i < 100 && cached(); i++ {
		runtime.GC()
		runtime.Gosched()
	}
	require.Nil(t, key.Value(), "the spec was collected")
	require.False(t, cached(), "its cached layout went with it")
}

func TestTimersRunInTimeThenScheduleOrder(t *testing.T) {
	k := NewKernel(false)
	clk, err := sim.NewClock("c", 250_000_000)
	require.NoError(t, err)
	tm := NewTimers(k, "timers", clk)
	var got []string
	add := func(at sim.Time, name string) {
		tm.At(at, func(now sim.Time) { got = append(got, fmt.Sprintf("%s@%v", name, now)) })
	}
	add(100*sim.Nanosecond, "c")
	add(10*sim.Nanosecond, "a")
	add(100*sim.Nanosecond, "d")
	add(10*sim.Nanosecond, "b")
	add(9*sim.Nanosecond, "early") // runs at the next 4 ns edge: 12 ns
	require.Equal(t, 5, tm.Pending())
	k.RunUntil(sim.Microsecond, nil)
	require.Equal(t, []string{"early@12000ps", "a@12000ps", "b@12000ps", "c@100000ps", "d@100000ps"}, got)
	require.Zero(t, tm.Pending())
}

func TestNameAt(t *testing.T) {
	b := &BlockSpec{Name: "t", Size: 0x100, Regs: []RegSpec{
		{Name: "CTRL", Offset: 0x0},
		{Name: "RING", Offset: 0x40, Count: 4, Stride: 0x10},
	}}
	for off, want := range map[uint32]string{0x0: "CTRL", 0x40: "RING[0]", 0x70: "RING[3]"} {
		got, ok := b.NameAt(off)
		require.True(t, ok, "%#x", off)
		require.Equal(t, want, got)
	}
	for _, hole := range []uint32{0x4, 0x44, 0x80, 0xFFFFFFFF} {
		_, ok := b.NameAt(hole)
		require.False(t, ok, "%#x", hole)
	}
}
