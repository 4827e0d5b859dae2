package shaper

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/sim"
)

func TestBucketHoldsItsRate(t *testing.T) {
	for _, tc := range []struct {
		name        string
		rate, burst uint64
		every       sim.Time // offered: one unit-cost packet every
		cost        uint64
	}{
		{"pps, offered 4x", 500_000, 32, 500 * sim.Nanosecond, 1},
		{"bits, offered 3x", 1_000_000_000, 64 * 512, 168 * sim.Nanosecond, 512},
		{"under the rate: all pass", 1_000_000, 8, 2 * sim.Microsecond, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := New(tc.rate, tc.burst)
			const window = 10 * sim.Millisecond
			var offered uint64
			for now := sim.Time(0); now < window; now += tc.every {
				b.Take(tc.cost, now)
				offered += tc.cost
			}
			want := min(offered, tc.rate*uint64(window)/uint64(sim.Second)+tc.burst)
			require.InDelta(t, float64(want), float64(b.Passed), float64(want)*0.01+float64(tc.cost), "passed")
			require.Equal(t, offered, b.Passed+b.Dropped, "every unit passed or dropped")
		})
	}
}

func TestUnlimitedAndDeterministic(t *testing.T) {
	var nilBucket *Bucket
	require.True(t, nilBucket.Take(1, 0))
	require.True(t, New(0, 0).Take(1e9, 0))
	run := func() uint64 {
		b := New(333_333, 7)
		for now := sim.Time(0); now < sim.Millisecond; now += 997 * sim.Nanosecond {
			b.Take(1, now)
		}
		return b.Passed
	}
	require.Equal(t, run(), run())
}
