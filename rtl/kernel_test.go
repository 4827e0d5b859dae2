package rtl

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/sim"
)

// counter acts every period cycles and records when.
type counter struct {
	period sim.Time
	next   sim.Time
	log    *[]string
	name   string
	lazy   bool // claims to be idle longer than it is: a skipping bug
}

func (c *counter) Tick(now sim.Time) sim.Time {
	if now < c.next {
		if c.lazy {
			// Acts on an intermediate edge it never asked for.
			*c.log = append(*c.log, c.name+" early "+now.String())
		}
		return c.next
	}
	*c.log = append(*c.log, c.name+" "+now.String())
	c.next = now + c.period
	if c.lazy {
		return c.next + c.period
	}
	return c.next
}

func TestKernelOrderAndSkipping(t *testing.T) {
	run := func(exact, lazy bool) []string {
		var log []string
		k := NewKernel(exact)
		k.Add("a", sim.CoreClock, &counter{period: 12000, log: &log, name: "a"})
		k.Add("b", sim.CoreClock, &counter{period: 8000, log: &log, name: "b", lazy: lazy})
		k.RunUntil(40000, nil)
		return log
	}
	skip := run(false, false)
	require.Equal(t, []string{"a 0ps", "b 0ps", "b 8000ps", "a 12000ps", "b 16000ps", "a 24000ps", "b 24000ps", "b 32000ps", "a 36000ps", "b 40000ps"}, skip, "same-time components tick in the order added")
	require.Equal(t, skip, run(true, false), "exact ticks give the same results")
	require.NotEqual(t, run(false, true), run(true, true), "a component that lies about its next edge is caught by exact mode")
}

func TestWakeLandsOnNextEdge(t *testing.T) {
	var log []string
	k := NewKernel(false)
	c := &counter{period: sim.Never / 2, log: &log, name: "c"}
	p := k.Add("c", sim.CoreClock, c)
	k.RunUntil(10000, nil)
	require.Equal(t, []string{"c 0ps"}, log)
	c.next = 0
	p.Wake(10000) // edge 10000 was processed: the wake lands on 12000
	k.RunUntil(20000, nil)
	require.Equal(t, []string{"c 0ps", "c 12000ps"}, log)
}

func TestStopEarly(t *testing.T) {
	var log []string
	k := NewKernel(false)
	k.Add("a", sim.CoreClock, &counter{period: 4000, log: &log, name: "a"})
	got := k.RunUntil(100000, func() bool { return len(log) == 3 })
	require.Equal(t, sim.Time(8000), got)
}

func TestFIFOTwoPhase(t *testing.T) {
	k := NewKernel(false)
	var log []string
	k.Add("clock", sim.CoreClock, &counter{period: 4000, log: &log, name: "c"})
	f := NewFIFO[int](k, 2)
	require.True(t, f.Push(1))
	require.Equal(t, 0, f.Len(), "a push is visible after the cycle commits")
	k.RunUntil(0, nil)
	require.Equal(t, 1, f.Len())
	require.True(t, f.Push(2))
	require.False(t, f.Push(3), "full")
	v, ok := f.Pop()
	require.True(t, ok)
	require.Equal(t, 1, v)
}

func TestRegFilePolicies(t *testing.T) {
	spec := &BlockSpec{Name: "t", Size: 0x40, Regs: []RegSpec{
		{Name: "RW", Offset: 0, Access: RW, Reset: 5},
		{Name: "MIX", Offset: 4, Reset: 0x30, Fields: []FieldSpec{
			{Name: "R", Hi: 3, Lo: 0, Access: RW}, {Name: "C", Hi: 5, Lo: 4, Access: W1C},
			{Name: "S", Hi: 7, Lo: 6, Access: W1S}, {Name: "O", Hi: 9, Lo: 8, Access: RO},
			{Name: "W", Hi: 11, Lo: 10, Access: WO}, {Name: "RC", Hi: 13, Lo: 12, Access: RC},
		}},
	}}
	f := MustRegFile(spec)
	v, ok := f.Read(0)
	require.True(t, ok)
	require.Equal(t, uint32(5), v)
	f.Write(4, 0xFFFFFFFF)
	v, _ = f.Read(4)
	require.Equal(t, uint32(0x0F|0xC0), v, "RW set, W1C cleared, W1S set, RO held, WO reads 0, reserved 0")
	f.Set(f.Index("MIX"), 0x3000)
	v, _ = f.Read(4)
	require.Equal(t, uint32(0x3000), v&0x3000)
	v, _ = f.Read(4)
	require.Zero(t, v&0x3000, "RC bits clear on read")
	_, ok = f.Read(0x20)
	require.False(t, ok, "hole")
	require.Equal(t, "t+0x20 (no register)", f.Describe(0x20))
	hits := 0
	f.OnWrite("RW", func(_ int, old, w uint32) { hits++; require.Equal(t, uint32(5), old) })
	f.Write(0, 9)
	require.Equal(t, 1, hits)
}
