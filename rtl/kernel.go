package rtl

import (
	"fmt"

	"github.com/nicforge/nicforge/sim"
)

// Component is a clocked hardware block. The kernel calls Tick on an edge of
// the component's clock; Tick does that cycle's work and returns the time of
// the next edge at which it has work (sim.Never when it will only act again
// after a Wake).
//
// A component must derive what it does from its state and now alone: in
// exact mode the kernel ticks every component on every edge, and a tick that
// comes before the component's own next time must change nothing. That is
// what makes idle skipping exact, and the exact-ticks regression checks it.
type Component interface {
	Tick(now sim.Time) sim.Time
}

// Committer is state with a two-phase update: values written during a cycle
// become visible only after every component of that cycle has ticked.
type Committer interface {
	Commit()
}

// Proc is a component registered with a kernel.
type Proc struct {
	k    *Kernel
	id   int
	name string
	clk  sim.Clock
	c    Component
	next sim.Time
	pos  int // index in the kernel heap
	// Ticks counts the component's ticks (for profiling the model).
	Ticks uint64
}

// Name returns the name the component was added with.
func (p *Proc) Name() string { return p.name }

// Clock returns the component's clock domain.
func (p *Proc) Clock() sim.Clock { return p.clk }

// Wake asks for a tick at the first edge at or after t. A wake for a time
// the kernel has already processed (during a tick, the current edge; from
// outside, an edge RunUntil has passed) lands on the next edge: what a
// component or the host does at a time is seen one edge later.
func (p *Proc) Wake(t sim.Time) {
	k := p.k
	if (k.ticking || k.started) && t <= k.now {
		t = k.now + 1
	}
	e := p.clk.NextEdge(t)
	if e < p.next {
		p.next = e
		if !k.exact {
			k.fix(p.pos)
		}
	}
}

// Kernel is the event-driven cycle kernel. It keeps every component's next
// edge in a heap and jumps from one to the next; components due at the same
// time tick in the order they were added, then pending two-phase state
// commits.
type Kernel struct {
	now     sim.Time
	exact   bool
	ticking bool
	started bool // every edge at or before now has been processed
	procs   []*Proc
	heap    []*Proc
	dirty   []Committer
	ticks   uint64
}

// NewKernel returns an empty kernel at time zero. With exact set, every
// component ticks on every edge of its clock instead of only when due.
func NewKernel(exact bool) *Kernel { return &Kernel{exact: exact} }

// Exact reports whether idle skipping is off.
func (k *Kernel) Exact() bool { return k.exact }

// Now returns the time of the last processed edge.
func (k *Kernel) Now() sim.Time { return k.now }

// Ticks returns the number of component ticks run so far.
func (k *Kernel) Ticks() uint64 { return k.ticks }

// Add registers a component on a clock. Its first tick is at edge zero (or
// at the kernel's current time when added later).
func (k *Kernel) Add(name string, clk sim.Clock, c Component) *Proc {
	if clk.Period == 0 {
		panic(fmt.Sprintf("rtl: component %q added with a zero clock period", name))
	}
	p := &Proc{k: k, id: len(k.procs), name: name, clk: clk, c: c, next: clk.NextEdge(k.now)}
	k.procs = append(k.procs, p)
	p.pos = len(k.heap)
	k.heap = append(k.heap, p)
	k.up(p.pos)
	return p
}

// Procs returns the registered components in the order added.
func (k *Kernel) Procs() []*Proc { return k.procs }

// MarkDirty queues c to commit at the end of the current cycle.
func (k *Kernel) MarkDirty(c Committer) { k.dirty = append(k.dirty, c) }

// Next returns the time of the next edge at which some component has work.
func (k *Kernel) Next() sim.Time {
	if k.exact {
		t := sim.Never
		for _, p := range k.procs {
			if p.next < t {
				t = p.next
			}
		}
		return t
	}
	if len(k.heap) == 0 {
		return sim.Never
	}
	return k.heap[0].next
}

// RunUntil processes every edge at or before limit, in time order. After each
// edge it calls stop (when not nil); if stop returns true it returns early
// with the time of that edge. Otherwise it returns limit.
func (k *Kernel) RunUntil(limit sim.Time, stop func() bool) sim.Time {
	k.started = true
	if k.exact {
		return k.runExact(limit, stop)
	}
	for len(k.heap) > 0 {
		t := k.heap[0].next
		if t > limit {
			break
		}
		k.now = t
		k.ticking = true
		for len(k.heap) > 0 && k.heap[0].next == t {
			p := k.heap[0]
			n := p.c.Tick(t)
			k.ticks++
			p.Ticks++
			if k.exact || n <= t+1 {
				p.next = t + p.clk.Period // t is an edge of p's clock: the next one, without a division
			} else {
				p.next = p.clk.NextEdge(n)
			}
			k.down(0)
		}
		if k.endEdge(t, stop) {
			return t
		}
	}
	return k.reach(limit)
}

// endEdge closes the edge at t: two-phase state commits, then the caller's
// stop condition.
func (k *Kernel) endEdge(t sim.Time, stop func() bool) bool {
	k.ticking = false
	for i, c := range k.dirty {
		c.Commit()
		k.dirty[i] = nil
	}
	k.dirty = k.dirty[:0]
	return stop != nil && stop()
}

// reach records that every edge up to limit has been processed.
func (k *Kernel) reach(limit sim.Time) sim.Time {
	if limit > k.now && limit != sim.Never {
		k.now = limit
	}
	return limit
}

func (k *Kernel) less(i, j int) bool {
	a, b := k.heap[i], k.heap[j]
	return a.next < b.next || (a.next == b.next && a.id < b.id)
}

func (k *Kernel) swap(i, j int) {
	h := k.heap
	h[i], h[j] = h[j], h[i]
	h[i].pos = i
	h[j].pos = j
}

func (k *Kernel) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !k.less(i, parent) {
			return
		}
		k.swap(i, parent)
		i = parent
	}
}

func (k *Kernel) down(i int) {
	n := len(k.heap)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && k.less(r, l) {
			m = r
		}
		if !k.less(m, i) {
			return
		}
		k.swap(i, m)
		i = m
	}
}

func (k *Kernel) fix(i int) {
	k.up(i)
	k.down(k.heap[i].pos)
}

// runExact is RunUntil without idle skipping: every component ticks on every
// edge of its clock, in the order added. A linear scan replaces the heap:
// with every component due at every edge of its clock there is nothing to
// sort.
func (k *Kernel) runExact(limit sim.Time, stop func() bool) sim.Time {
	for {
		t := sim.Never
		for _, p := range k.procs {
			if p.next < t {
				t = p.next
			}
		}
		if t > limit || t == sim.Never {
			break
		}
		k.now = t
		k.ticking = true
		for _, p := range k.procs {
			if p.next == t {
				p.c.Tick(t)
				k.ticks++
				p.Ticks++
				p.next = p.clk.NextEdge(t + 1)
			}
		}
		if k.endEdge(t, stop) {
			return t
		}
	}
	return k.reach(limit)
}
