package sim

import (
	"fmt"
	"math"
	"time"
)

// Time is simulated time in picoseconds since the start of a run.
type Time uint64

// Units of simulated time.
const (
	Picosecond  Time = 1
	Nanosecond  Time = 1000
	Microsecond Time = 1000 * Nanosecond
	Millisecond Time = 1000 * Microsecond
	Second      Time = 1000 * Millisecond
)

// Never is the time of an event that will not happen.
const Never = Time(math.MaxUint64)

// FromDuration converts a wall-clock style duration into simulated time.
// Negative durations become zero.
func FromDuration(d time.Duration) Time {
	if d <= 0 {
		return 0
	}
	if uint64(d) > uint64(Never)/uint64(Nanosecond) {
		return Never // beyond 213 days of picoseconds: saturate, never wrap
	}
	return Time(d) * Nanosecond
}

// Duration converts t into a time.Duration, truncating to nanoseconds.
func (t Time) Duration() time.Duration { return time.Duration(t / Nanosecond) }

// Nanoseconds returns t in whole nanoseconds.
func (t Time) Nanoseconds() uint64 { return uint64(t / Nanosecond) }

// Seconds returns t in seconds as a float, for reports only.
func (t Time) Seconds() float64 { return float64(t) / float64(Second) }

func (t Time) String() string {
	if t == Never {
		return "never"
	}
	switch {
	case t%Second == 0 && t != 0:
		return fmt.Sprintf("%ds", t/Second)
	case t >= Millisecond:
		return fmt.Sprintf("%.6fms", float64(t)/float64(Millisecond))
	case t >= Microsecond:
		return fmt.Sprintf("%.6fus", float64(t)/float64(Microsecond))
	default:
		return fmt.Sprintf("%dps", uint64(t))
	}
}

// Add returns t+d, saturating at Never.
func (t Time) Add(d Time) Time {
	if t > Never-d {
		return Never
	}
	return t + d
}

// Min returns the smaller of a and b.
func Min(a, b Time) Time {
	if a < b {
		return a
	}
	return b
}

// Max returns the larger of a and b.
func Max(a, b Time) Time {
	if a > b {
		return a
	}
	return b
}
