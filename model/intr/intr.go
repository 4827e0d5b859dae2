package intr

import (
	"math/bits"

	"github.com/nicforge/nicforge/rtl"
	"github.com/nicforge/nicforge/rtl/cover"
	"github.com/nicforge/nicforge/sim"
)

// IntervalUnit is one unit of the 82599 EITR interval field (bits 11:3).
const IntervalUnit = 2048 * sim.Nanosecond

// EITR bits.
const (
	EITRIntervalMask = 0x00000FF8
	EITRCntWDis      = 1 << 31
)

// EITRInterval converts an EITR register value into its throttle interval.
func EITRInterval(v uint32) sim.Time {
	return sim.Time((v&EITRIntervalMask)>>3) * IntervalUnit
}

// Sender delivers MSI-X vector v of the block's function.
type Sender func(v int, at sim.Time)

// Block is one function's interrupt state.
type Block struct {
	e        *Engine
	Cause    uint64 // EICR, one bit per vector
	Mask     uint64 // EIMS
	AutoClr  uint64 // EIAC
	AutoMask uint64 // EIAM
	want     uint64
	interval []sim.Time
	last     []sim.Time
	fired    []bool
	since    []sim.Time // when each want was raised: it acts only at a later edge
	send     Sender
	queued   bool
	// Messages counts MSI-X messages per vector.
	Messages []uint64
}

// Engine evaluates every block on the core clock.
type Engine struct {
	proc   *rtl.Proc
	blocks []*Block
	busy   []*Block
	now    func() sim.Time
	cov    engineCoverage
	// IgnoreThrottle is a mutation for checker tests: every vector fires as
	// soon as its cause rises, whatever its EITR says.
	IgnoreThrottle bool
}

// engineCoverage is what moderation did: whether each message went out as
// soon as its cause rose (the throttle had expired) or waited for the
// throttle timer, crossed with the interval in force.
type engineCoverage struct {
	g        *cover.Group
	trigger  *cover.Point
	interval *cover.Point
	cross    *cover.Cross
}

const (
	triggerImmediate = iota // cause rose with the throttle expired (or off)
	triggerTimer            // cause held until the throttle interval ran out
)

// intervalBins bucket the throttle interval in microseconds: off, the
// 82599's low-latency settings, its bulk settings, and beyond.
var intervalBins = cover.NewBuckets(0, 1, 20, 100)

// Coverage returns the engine's covergroup.
func (e *Engine) Coverage() *cover.Group { return e.cov.g }

// NewEngine registers the interrupt engine with a kernel.
func NewEngine(k *rtl.Kernel, clk sim.Clock) *Engine {
	e := &Engine{now: k.Now}
	g := cover.NewGroup("intr")
	e.cov = engineCoverage{g: g,
		trigger:  g.Point("moderation_trigger", "immediate", "timer"),
		interval: g.Point("throttle_interval_us", intervalBins.Names...)}
	e.cov.cross = g.Cross("trigger_x_interval", e.cov.trigger, e.cov.interval)
	e.proc = k.Add("intr", clk, e)
	return e
}

// NewBlock adds a function with n vectors.
func (e *Engine) NewBlock(n int, send Sender) *Block {
	b := &Block{e: e, interval: make([]sim.Time, n), last: make([]sim.Time, n), fired: make([]bool, n), since: make([]sim.Time, n), send: send, Messages: make([]uint64, n)}
	e.blocks = append(e.blocks, b)
	return b
}

// Vectors returns the number of vectors.
func (b *Block) Vectors() int { return len(b.interval) }

func (b *Block) valid() uint64 {
	if len(b.interval) >= 64 {
		return ^uint64(0)
	}
	return uint64(1)<<len(b.interval) - 1
}

func (b *Block) kick(at sim.Time) {
	if !b.queued {
		b.queued = true
		b.e.busy = append(b.e.busy, b)
	}
	b.e.proc.Wake(at)
}

// Assert sets cause bits (vector bits) at time at.
func (b *Block) Assert(bits uint64, at sim.Time) {
	bits &= b.valid()
	rising := bits &^ b.Cause
	b.Cause |= bits
	if w := rising & b.Mask; w != 0 {
		b.raise(w, at)
	}
}

func (b *Block) raise(w uint64, at sim.Time) {
	b.want |= w
	for w != 0 {
		v := bits.TrailingZeros64(w)
		w &^= 1 << v
		b.since[v] = at
	}
	b.kick(at)
}

// Clear clears cause bits (a W1C write or a read-to-clear).
func (b *Block) Clear(bits uint64) {
	b.Cause &^= bits
	b.want &^= bits
}

// Enable sets mask bits (EIMS write) at time at; a pending cause fires.
func (b *Block) Enable(bits uint64, at sim.Time) {
	bits &= b.valid()
	rising := bits &^ b.Mask
	b.Mask |= bits
	if w := rising & b.Cause; w != 0 {
		b.raise(w, at)
	}
}

// Disable clears mask bits (EIMC write).
func (b *Block) Disable(bits uint64) {
	b.Mask &^= bits
	b.want &^= bits
}

// SetEITR programs vector v's throttle from an EITR register value.
func (b *Block) SetEITR(v int, reg uint32, at sim.Time) {
	if v < 0 || v >= len(b.interval) {
		return
	}
	b.interval[v] = EITRInterval(reg)
	if reg&EITRCntWDis == 0 {
		b.fired[v] = false // countdown restarts expired
		if b.want&(1<<v) != 0 {
			b.kick(at)
		}
	}
}

// Interval returns vector v's throttle interval.
func (b *Block) Interval(v int) sim.Time { return b.interval[v] }

// Reset returns the block to its reset state.
func (b *Block) Reset() {
	b.Cause, b.Mask, b.AutoClr, b.AutoMask, b.want = 0, 0, 0, 0, 0
	for i := range b.interval {
		b.interval[i], b.last[i], b.fired[i] = 0, 0, false
	}
}

// Tick implements rtl.Component.
func (e *Engine) Tick(now sim.Time) sim.Time {
	next := sim.Never
	keep := e.busy[:0]
	for _, b := range e.busy {
		n := b.eval(now)
		if n < next {
			next = n
		}
		if b.want != 0 {
			keep = append(keep, b)
		} else {
			b.queued = false
		}
	}
	for i := len(keep); i < len(e.busy); i++ {
		e.busy[i] = nil
	}
	e.busy = keep
	return next
}

func (b *Block) eval(now sim.Time) sim.Time {
	next := sim.Never
	w := b.want
	for w != 0 {
		v := bits.TrailingZeros64(w)
		w &^= 1 << v
		bit := uint64(1) << v
		if b.since[v] >= now {
			// Raised during this cycle (or by a host write at this edge):
			// seen from the next edge on.
			if now+1 < next {
				next = now + 1
			}
			continue
		}
		if b.fired[v] && !b.e.IgnoreThrottle {
			if due := b.last[v] + b.interval[v]; due > now {
				if due < next {
					next = due
				}
				continue
			}
		}
		trigger := triggerImmediate
		if b.fired[v] && b.last[v]+b.interval[v] > b.since[v] {
			trigger = triggerTimer
		}
		iv := intervalBins.Of(int(b.interval[v] / sim.Microsecond))
		c := &b.e.cov
		c.trigger.Hit(trigger)
		c.interval.Hit(iv)
		c.cross.Hit(trigger, iv)
		b.want &^= bit
		b.fired[v] = true
		b.last[v] = now
		b.Messages[v]++
		b.Cause &^= bit & b.AutoClr
		b.Mask &^= bit & b.AutoMask
		b.send(v, now)
	}
	return next
}
