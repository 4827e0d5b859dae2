package wire

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/model/ether"
	"github.com/nicforge/nicforge/model/mac"
	"github.com/nicforge/nicforge/rtl"
	"github.com/nicforge/nicforge/sim"
)

type arrivals struct {
	sink *Sink
	at   []sim.Time
}

func (a *arrivals) Receive(f *ether.Frame, at sim.Time) bool {
	a.at = append(a.at, at)
	return a.sink.Receive(f, at)
}

func run(t *testing.T, s *Stream, until sim.Time) *arrivals {
	t.Helper()
	k := rtl.NewKernel(false)
	clk, err := mac.ByteClock("wire", 10_000_000_000)
	require.NoError(t, err)
	var pool ether.Pool
	g := NewGenerator(k, "gen", clk, 10_000_000_000, &pool)
	a := &arrivals{sink: NewSink()}
	g.Out = a
	g.Add(s, sim.NewRand(1))
	k.RunUntil(until, nil)
	return a
}

func TestGeneratorRates(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    Stream
		want int
	}{
		{"line rate 64B for 1 us", Stream{Sizes: []int{64}}, 15},                      // 67.2 ns each
		{"5 Gb/s of 1518B for 100 us", Stream{Sizes: []int{1518}, BitsPerS: 5e9}, 42}, // 2.4288 us each
		{"100 kpps for 100 us", Stream{Sizes: []int{256}, PktsPerS: 100_000}, 11},     // 0, 10, ..., 100 us
		{"count limit", Stream{Sizes: []int{64}, Count: 3}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			until := 100 * sim.Microsecond
			if tc.s.BitsPerS == 0 && tc.s.PktsPerS == 0 && tc.s.Count == 0 {
				until = sim.Microsecond
			}
			s := tc.s
			a := run(t, &s, until)
			require.Equal(t, uint64(tc.want), s.Sent)
			require.Equal(t, uint64(tc.want), a.sink.Streams[0].Received)
			require.Zero(t, a.sink.Streams[0].OutOfOrder)
		})
	}
}

func TestGeneratorSpacingExact(t *testing.T) {
	s := &Stream{Sizes: []int{1518}, BitsPerS: 5e9}
	a := run(t, s, 50*sim.Microsecond)
	for i := 1; i < len(a.at); i++ {
		gap := a.at[i] - a.at[i-1]
		// 1518 * 8 / 5e9 = 2.4288 us, on 800 ps edges.
		require.InDelta(t, 2428800, float64(gap), 800, "gap %d", i)
	}
}

func TestSizeMixIsSeeded(t *testing.T) {
	sizes := func(seed uint64) []int {
		k := rtl.NewKernel(false)
		clk, _ := mac.ByteClock("wire", 10_000_000_000)
		var pool ether.Pool
		g := NewGenerator(k, "gen", clk, 10_000_000_000, &pool)
		var got []int
		g.Out = recv(func(f *ether.Frame) { got = append(got, f.WireLen()) })
		g.Add(&Stream{Sizes: []int{64, 512, 1518}, Weights: []int{5, 3, 2}, Count: 50}, sim.NewRand(seed))
		k.RunUntil(sim.Millisecond, nil)
		return got
	}
	require.Equal(t, sizes(7), sizes(7))
	require.NotEqual(t, sizes(7), sizes(8))
	require.Len(t, sizes(7), 50)
}

type recv func(f *ether.Frame)

func (r recv) Receive(f *ether.Frame, at sim.Time) bool { r(f); return false }
