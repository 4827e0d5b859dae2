package workload

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/model/ether"
)

type fakeClock struct{ now time.Duration }

func (c *fakeClock) Now() time.Duration    { return c.now }
func (c *fakeClock) Delay(d time.Duration) { c.now += d }
func (c *fakeClock) Spend(d time.Duration) { c.now += d }

// fakePort receives a frame at each arrival time; it records when the
// application got each one and how often it was polled.
type fakePort struct {
	clock    *fakeClock
	arrivals []time.Duration
	got      []time.Duration
	sent     []time.Duration // when each frame was handed over
	polls    int
}

func (p *fakePort) Tx(q, n int, fill func(int, []byte) int) int {
	buf := make([]byte, 2048)
	for i := 0; i < n; i++ {
		fill(i, buf)
		p.sent = append(p.sent, p.clock.now)
	}
	return n
}
func (p *fakePort) TxRoom(q int) int                { return 64 }
func (p *fakePort) Poll(budget int) int             { p.polls++; return 0 }
func (p *fakePort) Wait(timeout time.Duration) bool { return false }
func (p *fakePort) Queues() int                     { return 1 }

func (p *fakePort) Rx(q, max int, fn func([]byte)) int {
	n := 0
	for len(p.arrivals) > 0 && p.arrivals[0] <= p.clock.now && n < max {
		p.arrivals = p.arrivals[1:]
		p.got = append(p.got, p.clock.now)
		fn([]byte{0})
		n++
	}
	return n
}

// quietPort adds Quiet: nothing has arrived yet.
type quietPort struct{ *fakePort }

func (p quietPort) Quiet() bool { return len(p.arrivals) == 0 || p.arrivals[0] > p.clock.now }

// A polling loop that skips the calls of passes its port calls quiet
// receives every frame at the same simulated time as one that makes them,
// and spends the same time: the skip changes nothing but the calls.
func TestQuietPassesChangeNothing(t *testing.T) {
	arrivals := []time.Duration{3 * time.Microsecond, 3 * time.Microsecond, 10 * time.Microsecond, 10500 * time.Nanosecond, 40 * time.Microsecond}
	run := func(quiet bool) (*fakePort, time.Duration) {
		c := &fakeClock{}
		p := &fakePort{clock: c, arrivals: append([]time.Duration(nil), arrivals...)}
		var port Port = p
		if quiet {
			port = quietPort{p}
		}
		a := NewApp(port, c, true)
		// A paced stream that starts late: its frames come due between
		// quiet passes, which must not delay them.
		a.Streams = []*Stream{{ID: 1, Sizes: []int{128}, PPS: 400_000, Start: 7 * time.Microsecond,
			Flow: ether.Flow{Src: ether.MAC{2, 0, 0, 0, 0, 1}, Dst: ether.MAC{2, 0, 0, 0, 0, 2}}}}
		a.Run(50 * time.Microsecond)
		return p, c.now
	}
	plain, plainEnd := run(false)
	skipping, skipEnd := run(true)
	require.Len(t, plain.got, len(arrivals))
	assert.Empty(t, cmp.Diff(plain.got, skipping.got), "frames received at the same times")
	require.NotEmpty(t, plain.sent)
	assert.Empty(t, cmp.Diff(plain.sent, skipping.sent), "frames sent at the same times")
	assert.Equal(t, plainEnd, skipEnd, "the same time spent")
	assert.Less(t, skipping.polls, plain.polls/2, "quiet passes make no calls")
}
