package ena

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDimCompare(t *testing.T) {
	tests := []struct {
		name      string
		cur, prev dimStats
		want      int
	}{
		{"first bytes are better", dimStats{bpms: 1}, dimStats{}, dimStatsBetter},
		{"nothing then nothing", dimStats{}, dimStats{}, dimStatsSame},
		{"10% more bytes is not significant", dimStats{bpms: 110, ppms: 1}, dimStats{bpms: 100, ppms: 1}, dimStatsSame},
		{"11% more bytes is better", dimStats{bpms: 111}, dimStats{bpms: 100}, dimStatsBetter},
		{"11% fewer bytes is worse", dimStats{bpms: 89}, dimStats{bpms: 100}, dimStatsWorse},
		{"same bytes, more packets", dimStats{bpms: 100, ppms: 20}, dimStats{bpms: 100, ppms: 10}, dimStatsBetter},
		{"same bytes and packets, fewer events", dimStats{bpms: 100, ppms: 10, epms: 50}, dimStats{bpms: 100, ppms: 10, epms: 100}, dimStatsBetter},
		{"same bytes and packets, more events", dimStats{bpms: 100, ppms: 10, epms: 150}, dimStats{bpms: 100, ppms: 10, epms: 100}, dimStatsWorse},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, compareDim(tt.cur, tt.prev), tt.name)
	}
}

func TestDimRates(t *testing.T) {
	a := dimSample{at: time.Millisecond, pkts: 1<<32 - 10, bytes: 100, events: 65530}
	b := dimSample{at: 4 * time.Millisecond, pkts: 20, bytes: 1100, events: 58}
	got, ok := dimRates(a, b)
	require.True(t, ok)
	// 30 packets (wrapped) and 1000 bytes over 3 ms, rounded up; 64
	// events per decision.
	require.Equal(t, dimStats{ppms: 10, bpms: 334, epms: 22}, got)
	_, ok = dimRates(a, a)
	require.False(t, ok, "no rates over no time")
}

// Throughput that grows with every step walks the profile right to the
// edge, where DIM parks; the same rates keep it parked, and any
// significant change sends it off again, leftwards from the edge.
func TestDimWalk(t *testing.T) {
	var m dim
	var profiles []int
	bpms := 1000
	for range 5 {
		bpms = bpms * 2
		m.decide(dimStats{bpms: bpms, ppms: bpms / 100, epms: 10})
		profiles = append(profiles, m.profile)
	}
	require.Equal(t, []int{1, 2, 3, 4, 4}, profiles)
	require.Equal(t, dimParkingOnTop, m.tune, "parked at the right edge")
	require.False(t, m.decide(dimStats{bpms: bpms, ppms: bpms / 100, epms: 10}))
	require.Equal(t, dimParkingOnTop, m.tune)
	require.True(t, m.decide(dimStats{bpms: bpms * 2, ppms: bpms / 50, epms: 10}))
	require.Equal(t, 3, m.profile, "leaving the top at profile 4 goes left")
	require.Equal(t, dimGoingLeft, m.tune)
}

// Stepping that stops helping turns around; one step back after two
// forward that helps again is a top, and DIM parks there.
func TestDimTurnsAndParks(t *testing.T) {
	m := dim{tune: dimGoingRight, prev: dimStats{bpms: 1000, ppms: 10, epms: 10}}
	steps := []struct {
		bpms    int
		profile int
		tune    int
	}{
		{2000, 1, dimGoingRight},
		{4000, 2, dimGoingRight},
		{2000, 1, dimGoingLeft}, // worse: turn, step back
		{3000, 1, dimParkingOnTop},
	}
	for i, st := range steps {
		m.decide(dimStats{bpms: st.bpms, ppms: st.bpms / 100, epms: 10})
		require.Equal(t, st.profile, m.profile, "decision %d", i)
		require.Equal(t, st.tune, m.tune, "decision %d", i)
	}
	// Worse every time: back and forth, never a top, until tired.
	m = dim{tune: dimGoingRight, profile: 2, prev: dimStats{bpms: 1 << 20, ppms: 10, epms: 10}}
	bpms := 1 << 20
	for range 2 * dimProfiles {
		bpms /= 2
		m.decide(dimStats{bpms: bpms, ppms: 10, epms: 10})
		require.Contains(t, []int{1, 2}, m.profile)
	}
	bpms /= 2
	m.decide(dimStats{bpms: bpms, ppms: 10, epms: 10})
	require.Equal(t, dimParkingTired, m.tune)
}

// Ten steps without parking make DIM tired; it then sits out as many
// decisions as it is tired before moving again.
func TestDimTired(t *testing.T) {
	m := dim{tune: dimGoingRight, profile: 1, tired: 2 * dimProfiles}
	m.decide(dimStats{bpms: 1000, ppms: 10, epms: 10})
	require.Equal(t, dimParkingTired, m.tune)
	for i := 0; i < 2*dimProfiles-1; i++ {
		require.False(t, m.decide(dimStats{}), "decision %d while tired", i)
		require.Equal(t, dimParkingTired, m.tune)
	}
	require.True(t, m.decide(dimStats{}), "rested: exits parking with a step")
	require.NotEqual(t, dimParkingTired, m.tune)
}

// A decision needs 64 events since the measurement started; after a
// change the next sample restarts the measurement.
func TestDimSampling(t *testing.T) {
	var m dim
	at := time.Duration(0)
	s := func(events uint16, bytes uint32) bool {
		at += 100 * time.Microsecond
		return m.sample(dimSample{at: at, pkts: bytes / 100, bytes: bytes, events: events})
	}
	require.False(t, s(1, 0), "the first sample starts a measurement")
	require.Equal(t, dimMeasureInProgress, m.state)
	require.False(t, s(64, 1000), "63 events: no decision")
	require.True(t, s(65, 2000), "64 events: traffic appeared, profile 0 -> 1")
	require.Equal(t, 1, m.profile)
	require.Equal(t, uint32(8), m.usec())
	require.Equal(t, dimStartMeasure, m.state)
	require.False(t, s(66, 3000))
	require.Equal(t, uint16(66), m.start.events, "the sample after a change starts the next measurement")
}
