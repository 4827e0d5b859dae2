package rtl

import (
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/sim"
)

type countEvent struct {
	name int
	log  *[]int
}

func (e *countEvent) Fire(sim.Time) { *e.log = append(*e.log, e.name) }

// Thousands of actions, scheduled up front and from inside other actions,
// with many equal times and both kinds (closures and reused events), run
// in (time, schedule order) — the order a sorted list gives — each at the
// first edge at or after its time, while their slots are recycled.
func TestTimersOrderUnderChurn(t *testing.T) {
	const seed = 7
	r := sim.NewRand(seed)
	k := NewKernel(false)
	clk, err := sim.NewClock("c", 250_000_000) // 4 ns edges
	require.NoError(t, err)
	tm := NewTimers(k, "timers", clk)
	type want struct {
		at   sim.Time
		seq  int
		name int
	}
	var wants []want
	var got []int
	seq := 0
	var schedule func(at sim.Time, name int)
	schedule = func(at sim.Time, name int) {
		seq++
		wants = append(wants, want{at, seq, name})
		if name%3 == 0 {
			tm.AtEvent(at, &countEvent{name: name, log: &got})
			return
		}
		tm.At(at, func(now sim.Time) {
			if now != clk.NextEdge(at) {
				t.Errorf("action %d for %v ran at %v", name, at, now)
			}
			got = append(got, name)
			if name < 20000 && name%2 == 1 {
				// A follow-up, later than now, often at an equal time.
				schedule(now+sim.Time(r.IntN(5))*4*sim.Nanosecond+sim.Nanosecond, name+10000)
			}
		})
	}
	for i := 0; i < 5000; i++ {
		schedule(sim.Time(r.IntN(400))*sim.Nanosecond, i)
	}
	k.RunUntil(sim.Millisecond, nil)
	require.Zero(t, tm.Pending())
	sort.SliceStable(wants, func(i, j int) bool {
		if wants[i].at != wants[j].at {
			return wants[i].at < wants[j].at
		}
		return wants[i].seq < wants[j].seq
	})
	order := make([]int, len(wants))
	for i, w := range wants {
		order[i] = w.name
	}
	require.Equal(t, order, got, "seed %d: go test -run TestTimersOrderUnderChurn ./rtl/", seed)
	require.LessOrEqual(t, len(tm.slots), 5000+2500, "slots are reused, not grown per action")
}
