package ena

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A fresh queue takes one packet and stops: the limit is zero.
func TestDQLFreshQueueTakesOnePacket(t *testing.T) {
	l := newDQL(0)
	require.Equal(t, 0, l.avail())
	assert.True(t, l.queued(1514), "over the zero limit after one packet")
	assert.Equal(t, -1514, l.avail())
	assert.Equal(t, uint32(1514), l.inFlight())
}

// Starvation grows the limit by what was queued and completed in the
// interval, so the queue takes more next time.
func TestDQLStarvationGrowsTheLimit(t *testing.T) {
	l := newDQL(0)
	l.queued(1000)
	// Over the limit, then everything completes: starved. The limit grows
	// by the bytes completed past prev_num_queued (0): 1000.
	assert.True(t, l.completed(1000, time.Microsecond))
	assert.Equal(t, uint32(1000), l.current())
	assert.Equal(t, 1000, l.avail())
	// Two packets now fit before the queue stops.
	assert.False(t, l.queued(600))
	assert.True(t, l.queued(600))
	assert.True(t, l.completed(1200, 2*time.Microsecond))
	assert.Equal(t, uint32(2200), l.current(), "grown by 1200 more")
}

// A queue that stays busy with slack loses the lowest slack it showed, but
// only after the hold time.
func TestDQLSlackShrinksTheLimitAfterHoldTime(t *testing.T) {
	l := newDQL(0)
	// Grow to 10000 through starvation.
	l.queued(10000)
	l.completed(10000, 0)
	require.Equal(t, uint32(10000), l.current())
	// Busy intervals: 4000 queued ahead, 1000 completed each pass; the
	// slack is limit − 2×completed = 8000, and stays below the hold time.
	l.queued(4000)
	now := time.Duration(0)
	for i := 0; i < 3; i++ {
		l.queued(1000)
		now += time.Millisecond
		l.completed(1000, now)
	}
	assert.Equal(t, uint32(10000), l.current(), "inside the hold time the limit stays")
	l.queued(1000)
	l.completed(1000, dqlHoldTime+2*time.Millisecond)
	assert.Equal(t, uint32(2000), l.current(), "dropped by the lowest slack, 8000")
}

func TestDQLLimitBounds(t *testing.T) {
	l := newDQL(0)
	l.maxLimit = 3000
	l.queued(5000)
	l.completed(5000, 0)
	assert.Equal(t, uint32(3000), l.current(), "clamped to MaxLimit")

	l = newDQL(0)
	l.minLimit = 4000
	l.queued(100)
	l.completed(100, 0)
	assert.Equal(t, uint32(4000), l.current(), "raised to MinLimit")
}

// A driver that completes more than it queued gets its count clamped, not
// a crash, and the queue keeps working.
func TestDQLCompletedMoreThanInFlight(t *testing.T) {
	l := newDQL(0)
	l.queued(500)
	assert.True(t, l.completed(9000, 0))
	assert.Zero(t, l.inFlight())
	assert.GreaterOrEqual(t, l.avail(), 0)
}

func TestDQLZeroCompletionChangesNothing(t *testing.T) {
	l := newDQL(0)
	l.queued(500)
	assert.False(t, l.completed(0, time.Second), "still stopped")
	assert.Equal(t, uint32(0), l.current())
}

// The counters wrap as the kernel's u32 do: a queue past 4 GiB of traffic
// keeps its limit and its stop decisions.
func TestDQLCountersWrap(t *testing.T) {
	l := newDQL(0)
	l.numQueued, l.numCompleted, l.prevNumQueued = 0xFFFF_F000, 0xFFFF_F000, 0xFFFF_F000
	l.adjLimit = 0xFFFF_F000
	l.queued(6000) // 0xFFFF_F000 + 6000 wraps past zero
	require.Less(t, l.numQueued, uint32(6000))
	assert.Equal(t, -6000, l.avail())
	assert.True(t, l.completed(6000, 0))
	assert.Equal(t, uint32(6000), l.current())
	assert.Equal(t, 6000, l.avail())
}

func TestDQLReset(t *testing.T) {
	l := newDQL(0)
	l.queued(4000)
	l.completed(4000, 0)
	l.queued(1000)
	l.reset(time.Second)
	assert.Zero(t, l.current())
	assert.Zero(t, l.inFlight())
	assert.Equal(t, 0, l.avail())
}
