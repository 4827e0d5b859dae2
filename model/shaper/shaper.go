// Package shaper is the card's allowance engine: token buckets in
// simulated time, one per allowance of each VF (packets per second,
// bandwidth in, bandwidth out, link-local packets per second). A packet
// that finds its bucket empty is dropped, and the caller counts it in the
// matching ENI counter.
//
//	packet (cost c: 1 packet, or its bits) ──▶ Bucket.Take(c, now)
//	                                              │ GCRA: the bucket's theoretical
//	                                              │ arrival time moves c/rate on;
//	                                              ▼ ahead of now by more than burst?
//	                                        pass │ drop (counted)
//
// The buckets are exact integer arithmetic in picoseconds (GCRA, the
// virtual-scheduling form of a token bucket): the same packets at the same
// times always give the same verdicts. A rate of 0 means no limit.
package shaper

import "github.com/nicforge/nicforge/sim"

// Bucket is one allowance.
type Bucket struct {
	rate  uint64   // units per second; 0 = unlimited
	burst sim.Time // how far ahead of now the schedule may run
	tat   sim.Time // theoretical arrival time of the next unit
	rem   uint64   // sub-picosecond remainder of the schedule, in units·ps/rate
	// Passed and Dropped count the units that went through and were
	// refused.
	Passed, Dropped uint64
}

// New returns a bucket of rate units per second that absorbs a burst of
// burst units at once.
func New(rate, burst uint64) *Bucket {
	b := &Bucket{rate: rate}
	if rate > 0 {
		b.burst = sim.Time(burst * uint64(sim.Second) / rate)
	}
	return b
}

// Rate returns the bucket's rate (0: unlimited).
func (b *Bucket) Rate() uint64 { return b.rate }

// Take asks for cost units at time now and reports whether they pass. A
// cost larger than the bucket's burst never passes: size burst for the
// largest packet.
func (b *Bucket) Take(cost uint64, now sim.Time) bool {
	if b == nil || b.rate == 0 {
		return true
	}
	tat := sim.Max(b.tat, now)
	// cost units take cost/rate seconds: in picoseconds with a remainder.
	num := cost*uint64(sim.Second) + b.rem
	step, rem := num/b.rate, num%b.rate
	next := tat + sim.Time(step)
	// A full bucket passes exactly burst units at once: the schedule may
	// run up to burst ahead of now, this packet included.
	if next > now+b.burst {
		b.Dropped += cost
		return false
	}
	b.tat, b.rem = next, rem
	b.Passed += cost
	return true
}
