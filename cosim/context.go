package cosim

import (
	"fmt"
	"iter"
	"runtime/debug"

	"github.com/nicforge/nicforge/driver/bus"
	"github.com/nicforge/nicforge/sim"
)

// context is a driver context: one simulated CPU thread running driver
// code as a coroutine. The scheduler resumes the context with the smallest
// time (ties: the lower id); the context runs until a bus operation or a
// Delay would take it past another context, then yields.
type context struct {
	id       int
	name     string
	time     sim.Time
	done     bool
	next     func() (struct{}, bool)
	stop     func()
	yield    func(struct{}) bool
	waitMask uint64
	spent    sim.Time
	fn       *function
}

// Go starts body in a new driver context bound to fn. A context started
// from inside another starts at that context's time and runs after it.
func (h *Host) Go(name string, fn bus.Function, body func(bus.Function)) {
	c := &context{id: len(h.ctxs), name: name, time: h.now}
	if h.cur != nil {
		c.time = h.cur.time
	}
	if f, ok := fn.(*function); ok {
		c.fn = f
	}
	seq := func(yield func(struct{}) bool) {
		c.yield = yield
		defer func() {
			if r := recover(); r != nil && r != errStopped {
				h.errs = append(h.errs, fmt.Errorf("driver context %s panicked: %v\n%s", name, r, debug.Stack()))
			}
			c.done = true
		}()
		if !yield(struct{}{}) { // park until the scheduler first runs us
			return
		}
		body(fn)
	}
	c.next, c.stop = iter.Pull(seq)
	c.next() // run up to the park point
	h.ctxs = append(h.ctxs, c)
}

// Run runs the contexts and the device until every context is done, or
// until limit.
func (h *Host) Run(limit sim.Time) error {
	h.limit = limit
	defer func() {
		h.stopped = true
		for _, c := range h.ctxs {
			if !c.done {
				c.stop()
			}
		}
	}()
	for {
		if h.allDone() && len(h.ctxs) > 0 {
			// The run ends with its last driver context; the device is
			// left where that context last synchronised it, in idle-skipping
			// and exact-ticks runs alike.
			break
		}
		c := h.pick()
		t := sim.Never
		if c != nil {
			t = c.time
		}
		if t > h.limit { // the end, or a Stop
			if !h.syncTo(h.limit, nil) {
				continue
			}
			break
		}
		if !h.syncTo(t, c) {
			continue // a landing woke an earlier context
		}
		if c == nil {
			break
		}
		h.cur = c
		if _, ok := c.next(); !ok {
			c.done = true
		}
		h.cur = nil
	}
	if len(h.errs) > 0 {
		return h.errs[0]
	}
	return nil
}

func (h *Host) allDone() bool {
	for _, c := range h.ctxs {
		if !c.done {
			return false
		}
	}
	return true
}

// pick returns the context to run next.
func (h *Host) pick() *context {
	var best *context
	for _, c := range h.ctxs {
		if c.done || c.time == sim.Never {
			continue
		}
		if best == nil || before(c, best) {
			best = c
		}
	}
	return best
}

// advance moves the running context to time t, first letting every context
// and device event before it happen.
func (h *Host) advance(t sim.Time) {
	c := h.cur
	if c == nil || h.stopped {
		panic(errStopped)
	}
	if t < c.time {
		t = c.time
	}
	c.time = t
	for {
		if t > h.limit {
			h.park(c) // past the end of the run: the scheduler stops us
			return
		}
		if o := h.pick(); o != c && o != nil && before(o, c) {
			h.park(c)
			return
		}
		if h.syncTo(t, c) {
			return
		}
	}
}

// park yields to the scheduler; it returns when the scheduler resumes c,
// with everything before c's time done.
func (h *Host) park(c *context) {
	h.cur = nil
	if !c.yield(struct{}{}) {
		panic(errStopped)
	}
	h.cur = c
	if h.stopped {
		panic(errStopped)
	}
}

// wait blocks the running context until one of mask's vectors is pending
// or until deadline.
func (h *Host) wait(fn *function, mask uint64, deadline sim.Time) {
	c := h.cur
	if c == nil || h.stopped {
		panic(errStopped)
	}
	if fn.pending&mask != 0 {
		return
	}
	fn.waiter = c
	c.waitMask = mask
	c.time = deadline
	h.park(c)
	fn.waiter = nil
	c.waitMask = 0
}
