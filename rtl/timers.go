package rtl

import (
	"sort"

	"github.com/nicforge/nicforge/sim"
)

// Timers runs delayed hardware actions (link training, reset completion,
// a keep-alive every second) on a clock, in time order and, at equal
// times, in the order they were scheduled. Each action runs at the first
// edge of the clock at or after its time.
type Timers struct {
	proc *Proc
	list []timer
	seq  uint64
}

type timer struct {
	at  sim.Time
	seq uint64
	fn  func(sim.Time)
}

// NewTimers adds a timer block to a kernel.
func NewTimers(k *Kernel, name string, clk sim.Clock) *Timers {
	t := &Timers{}
	t.proc = k.Add(name, clk, t)
	return t
}

// At schedules fn at time when.
func (t *Timers) At(when sim.Time, fn func(now sim.Time)) {
	t.seq++
	e := timer{when, t.seq, fn}
	// Insert in order: later times, and equal times scheduled later, after.
	i := sort.Search(len(t.list), func(i int) bool { return t.list[i].at > when })
	t.list = append(t.list, timer{})
	copy(t.list[i+1:], t.list[i:])
	t.list[i] = e
	t.proc.Wake(when)
}

// Pending returns how many actions are scheduled.
func (t *Timers) Pending() int { return len(t.list) }

// Tick implements Component.
func (t *Timers) Tick(now sim.Time) sim.Time {
	for len(t.list) > 0 && t.list[0].at <= now {
		e := t.list[0]
		t.list = t.list[1:]
		e.fn(now)
	}
	if len(t.list) == 0 {
		return sim.Never
	}
	return t.list[0].at
}
