package checker

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/sim"
)

// A message covers the completions written before the card sent it; one
// written while the message was on the link stays pending, its delay
// running from its own time.
func TestENAVectorCoversOnlyEarlierCompletions(t *testing.T) {
	us := sim.Microsecond
	for _, tc := range []struct {
		name        string
		completions []sim.Time
		sent        sim.Time
		pending     bool
		first       sim.Time
	}{
		{"all before", []sim.Time{1 * us, 2 * us}, 3 * us, false, 0},
		{"one on the link", []sim.Time{1 * us, 4 * us}, 3 * us, true, 4 * us},
		{"at the same time", []sim.Time{3 * us}, 3 * us, false, 0},
		{"none", nil, 3 * us, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &enaVector{rxDelay: 20 * us, txDelay: 64 * us}
			for _, c := range tc.completions {
				st.completed(c)
			}
			st.signalled(tc.sent)
			assert.Equal(t, tc.pending, st.pending)
			if tc.pending {
				assert.Equal(t, tc.first, st.first)
				assert.Equal(t, 20*us, st.minDelay)
			}
		})
	}
}

// More completions than the vector remembers keep the newest. When the
// first unsignalled one was forgotten, the message's own time stands for
// it: earlier than the truth, so the rule can only check less.
func TestENAVectorRemembersTheNewest(t *testing.T) {
	ns := sim.Nanosecond
	fill := func() *enaVector {
		st := &enaVector{rxDelay: sim.Microsecond}
		for i := 1; i <= 100; i++ {
			st.completed(sim.Time(i) * ns) // 1..36 forgotten, 37..100 kept
		}
		require.Equal(t, 64, st.nrec)
		return st
	}
	st := fill()
	st.signalled(50 * ns)
	assert.True(t, st.pending)
	assert.Equal(t, 51*ns, st.first, "the first after the message is remembered")
	st.signalled(100 * ns)
	assert.False(t, st.pending)
	assert.Zero(t, st.nrec)

	st = fill()
	st.signalled(20 * ns)
	assert.True(t, st.pending)
	assert.Equal(t, 20*ns, st.first, "21 was forgotten: the message's time stands for it")
}

// The phase a completion must carry flips each time the counter wraps the
// ring: 1 on the first pass, for every depth (a power of two or not).
func TestENAPhaseFlipsPerWrap(t *testing.T) {
	for _, depth := range []uint16{1, 2, 8, 64, 1024, 32768, 3, 100} {
		for _, counter := range []uint16{0, depth - 1, depth, 2*depth - 1, 2 * depth, 65535} {
			want := byte(1)
			if (uint32(counter)/uint32(depth))%2 == 1 {
				want = 0
			}
			require.Equal(t, want, enaPhase(counter, depth), "counter %d depth %d", counter, depth)
		}
	}
	require.Equal(t, byte(1), enaPhase(5, 0), "a queue of depth 0 (a malformed create) has phase 1")
}
