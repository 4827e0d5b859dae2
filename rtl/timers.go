package rtl

import "github.com/nicforge/nicforge/sim"

// Timers runs delayed hardware actions (link training, reset completion,
// a keep-alive every second) on a clock, in time order and, at equal
// times, in the order they were scheduled. Each action runs at the first
// edge of the clock at or after its time.
type Timers struct {
	proc *Proc
	// heap is a binary min-heap on (at, seq) that holds no pointers, so
	// sifting moves plain words (no GC write barriers); the actions live
	// in slots, recycled through free.
	heap  []timer
	slots []action
	free  []int32
	seq   uint64
}

type timer struct {
	at   sim.Time
	seq  uint64
	slot int32
}

type action struct {
	fn func(sim.Time)
	ev Event
}

// Event is an action a component keeps and reuses (Timers.AtEvent), so
// scheduling it allocates nothing: per-packet work on a hot path.
type Event interface {
	Fire(now sim.Time)
}

func (a *timer) before(b *timer) bool {
	return a.at < b.at || (a.at == b.at && a.seq < b.seq)
}

// NewTimers adds a timer block to a kernel.
func NewTimers(k *Kernel, name string, clk sim.Clock) *Timers {
	t := &Timers{}
	t.proc = k.Add(name, clk, t)
	return t
}

// At schedules fn at time when.
func (t *Timers) At(when sim.Time, fn func(now sim.Time)) {
	t.push(when, action{fn: fn})
}

// AtEvent schedules ev at time when, in the same order as At.
func (t *Timers) AtEvent(when sim.Time, ev Event) {
	t.push(when, action{ev: ev})
}

func (t *Timers) push(when sim.Time, a action) {
	var slot int32
	if k := len(t.free); k > 0 {
		slot, t.free = t.free[k-1], t.free[:k-1]
		t.slots[slot] = a
	} else {
		slot = int32(len(t.slots))
		t.slots = append(t.slots, a)
	}
	t.seq++
	h := append(t.heap, timer{at: when, seq: t.seq, slot: slot})
	for i := len(h) - 1; i > 0; {
		up := (i - 1) / 2
		if !h[i].before(&h[up]) {
			break
		}
		h[i], h[up] = h[up], h[i]
		i = up
	}
	t.heap = h
	t.proc.Wake(when)
}

// Pending returns how many actions are scheduled.
func (t *Timers) Pending() int { return len(t.heap) }

// pop removes the earliest action and returns it.
func (t *Timers) pop() action {
	h := t.heap
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	for i := 0; ; {
		l := 2*i + 1
		if l >= len(h) {
			break
		}
		m := l
		if r := l + 1; r < len(h) && h[r].before(&h[l]) {
			m = r
		}
		if !h[m].before(&h[i]) {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	t.heap = h
	a := t.slots[top.slot]
	t.slots[top.slot] = action{} // drop the closure for the collector
	t.free = append(t.free, top.slot)
	return a
}

// Tick implements Component.
func (t *Timers) Tick(now sim.Time) sim.Time {
	for len(t.heap) > 0 && t.heap[0].at <= now {
		a := t.pop()
		if a.ev != nil {
			a.ev.Fire(now)
		} else {
			a.fn(now)
		}
	}
	if len(t.heap) == 0 {
		return sim.Never
	}
	return t.heap[0].at
}
