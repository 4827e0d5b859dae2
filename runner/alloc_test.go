package runner

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/scenario"
)

// TestSteadyStateDoesNotAllocate holds the traffic phase to no heap
// allocation per packet: what a run allocates may depend on its bring-up
// and its control-plane events, not on the packets it moves. A run three
// times as long moves about twice the packets; what it allocates more, per
// packet more, must stay below one in fifty. (One allocation on the Rx path
// of ena_default shows as about 0.17: Rx is a sixth of its packets.)
func TestSteadyStateDoesNotAllocate(t *testing.T) {
	enaDefault, err := scenario.Load("../testbenches/ena_default.yaml")
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		sc   *scenario.Scenario
	}{
		{"ena_default", enaDefault},
		{"default", scenario.Default()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			short, shortPkts := minMallocs(t, tc.sc, 500*time.Microsecond)
			long, longPkts := minMallocs(t, tc.sc, 1500*time.Microsecond)
			require.Greater(t, longPkts, shortPkts+1000, "the longer window must move more packets")
			added := float64(int64(long)-int64(short)) / float64(longPkts-shortPkts)
			t.Logf("%d heap allocations in %d packets, %d in %d: %.4f per added packet", short, shortPkts, long, longPkts, added)
			require.Lessf(t, added, 0.02,
				"%d packets more cost %d heap allocations more (%d in %d packets, %d in %d): a per-packet path allocates",
				longPkts-shortPkts, int64(long)-int64(short), short, shortPkts, long, longPkts)
		})
	}
}

// minMallocs runs sc twice over window and returns the fewer heap
// allocations of the two (the first run also fills pools and caches) and
// the packets it moved.
func minMallocs(t *testing.T, sc *scenario.Scenario, window time.Duration) (mallocs, pkts uint64) {
	t.Helper()
	mallocs = ^uint64(0)
	for range 2 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		r, err := Run(sc, Options{Duration: window})
		runtime.ReadMemStats(&after)
		require.NoError(t, err)
		require.True(t, r.Pass, "run failed: %+v", r.Checks)
		mallocs = min(mallocs, after.Mallocs-before.Mallocs)
		pkts = 0
		for _, f := range r.Functions {
			pkts += f.TxPackets + f.RxPackets
		}
	}
	return mallocs, pkts
}
