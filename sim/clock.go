package sim

import "fmt"

// Clock is a clock domain: a name and a period. Edges fall at whole
// multiples of the period, starting at time zero.
type Clock struct {
	Name   string
	Period Time
}

// CoreClock is the card's default core clock: 250 MHz.
var CoreClock = Clock{Name: "core", Period: 4000}

// NewClock returns a clock of the given frequency in hertz. The period is
// rounded to the nearest picosecond.
func NewClock(name string, hz uint64) (Clock, error) {
	if hz == 0 || hz > 1_000_000_000_000 {
		return Clock{}, fmt.Errorf("clock %q: frequency %d Hz out of range (1 Hz .. 1 THz)", name, hz)
	}
	return Clock{Name: name, Period: Time((uint64(Second) + hz/2) / hz)}, nil
}

// Cycle returns the index of the last edge at or before t.
func (c Clock) Cycle(t Time) uint64 { return uint64(t / c.Period) }

// Edge returns the time of edge n.
func (c Clock) Edge(n uint64) Time { return Time(n) * c.Period }

// NextEdge returns the first edge at or after t.
func (c Clock) NextEdge(t Time) Time {
	if t == Never {
		return Never
	}
	r := t % c.Period
	if r == 0 {
		return t
	}
	return t.Add(c.Period - r)
}

// Cycles returns the duration of n cycles.
func (c Clock) Cycles(n uint64) Time { return Time(n) * c.Period }
