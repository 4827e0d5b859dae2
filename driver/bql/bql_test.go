package bql

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A fresh queue takes one packet and stops: the limit is zero.
func TestFreshQueueTakesOnePacket(t *testing.T) {
	l := New(0)
	require.Equal(t, 0, l.Avail())
	assert.True(t, l.Queued(1514), "over the zero limit after one packet")
	assert.Equal(t, -1514, l.Avail())
	assert.Equal(t, uint32(1514), l.InFlight())
}

// Starvation grows the limit by what was queued and completed in the
// interval, so the queue takes more next time.
func TestStarvationGrowsTheLimit(t *testing.T) {
	l := New(0)
	l.Queued(1000)
	// Over the limit, then everything completes: starved. The limit grows
	// by the bytes completed past prev_num_queued (0): 1000.
	assert.True(t, l.Completed(1000, time.Microsecond))
	assert.Equal(t, uint32(1000), l.Current())
	assert.Equal(t, 1000, l.Avail())
	// Two packets now fit before the queue stops.
	assert.False(t, l.Queued(600))
	assert.True(t, l.Queued(600))
	assert.True(t, l.Completed(1200, 2*time.Microsecond))
	assert.Equal(t, uint32(2200), l.Current(), "grown by 1200 more")
}

// A queue that stays busy with slack loses the lowest slack it showed, but
// only after the hold time.
func TestSlackShrinksTheLimitAfterHoldTime(t *testing.T) {
	l := New(0)
	// Grow to 10000 through starvation.
	l.Queued(10000)
	l.Completed(10000, 0)
	require.Equal(t, uint32(10000), l.Current())
	// Busy intervals: 4000 queued ahead, 1000 completed each pass; the
	// slack is limit − 2×completed = 8000, and stays below the hold time.
	l.Queued(4000)
	now := time.Duration(0)
	for i := 0; i < 3; i++ {
		l.Queued(1000)
		now += time.Millisecond
		l.Completed(1000, now)
	}
	assert.Equal(t, uint32(10000), l.Current(), "inside the hold time the limit stays")
	l.Queued(1000)
	l.Completed(1000, HoldTime+2*time.Millisecond)
	assert.Equal(t, uint32(2000), l.Current(), "dropped by the lowest slack, 8000")
}

func TestLimitBounds(t *testing.T) {
	l := New(0)
	l.MaxLimit = 3000
	l.Queued(5000)
	l.Completed(5000, 0)
	assert.Equal(t, uint32(3000), l.Current(), "clamped to MaxLimit")

	l = New(0)
	l.MinLimit = 4000
	l.Queued(100)
	l.Completed(100, 0)
	assert.Equal(t, uint32(4000), l.Current(), "raised to MinLimit")
}

// A driver that completes more than it queued gets its count clamped, not
// a crash, and the queue keeps working.
func TestCompletedMoreThanInFlight(t *testing.T) {
	l := New(0)
	l.Queued(500)
	assert.True(t, l.Completed(9000, 0))
	assert.Zero(t, l.InFlight())
	assert.GreaterOrEqual(t, l.Avail(), 0)
}

func TestZeroCompletionChangesNothing(t *testing.T) {
	l := New(0)
	l.Queued(500)
	assert.False(t, l.Completed(0, time.Second), "still stopped")
	assert.Equal(t, uint32(0), l.Current())
}

// The counters wrap as the kernel's u32 do: a queue past 4 GiB of traffic
// keeps its limit and its stop decisions.
func TestCountersWrap(t *testing.T) {
	l := New(0)
	l.numQueued, l.numCompleted, l.prevNumQueued = 0xFFFF_F000, 0xFFFF_F000, 0xFFFF_F000
	l.adjLimit = 0xFFFF_F000
	l.Queued(6000) // 0xFFFF_F000 + 6000 wraps past zero
	require.Less(t, l.numQueued, uint32(6000))
	assert.Equal(t, -6000, l.Avail())
	assert.True(t, l.Completed(6000, 0))
	assert.Equal(t, uint32(6000), l.Current())
	assert.Equal(t, 6000, l.Avail())
}

func TestReset(t *testing.T) {
	l := New(0)
	l.Queued(4000)
	l.Completed(4000, 0)
	l.Queued(1000)
	l.Reset(time.Second)
	assert.Zero(t, l.Current())
	assert.Zero(t, l.InFlight())
	assert.Equal(t, 0, l.Avail())
}
