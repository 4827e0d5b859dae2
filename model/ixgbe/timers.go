package ixgbe

import (
	"sort"

	"github.com/nicforge/nicforge/rtl"
	"github.com/nicforge/nicforge/sim"
)

// timers runs delayed hardware actions (link training, reset completion)
// on the core clock, in time order and, at equal times, in the order they
// were scheduled.
type timers struct {
	proc *rtl.Proc
	list []timer
	seq  uint64
}

type timer struct {
	at  sim.Time
	seq uint64
	fn  func(sim.Time)
}

func newTimers(k *rtl.Kernel, clk sim.Clock) *timers {
	t := &timers{}
	t.proc = k.Add("timers", clk, t)
	return t
}

func (t *timers) at(when sim.Time, fn func(sim.Time)) {
	t.seq++
	t.list = append(t.list, timer{when, t.seq, fn})
	sort.Slice(t.list, func(i, j int) bool {
		a, b := t.list[i], t.list[j]
		return a.at < b.at || a.at == b.at && a.seq < b.seq
	})
	t.proc.Wake(when)
}

// Tick implements rtl.Component.
func (t *timers) Tick(now sim.Time) sim.Time {
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
