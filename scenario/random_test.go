package scenario

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

const template = `name: t
seed: 7
duration: !range [500us, 2ms]
card: {vfs: 1}
functions:
  - {name: pf, driver: ixgbe}
  - name: vf0
    driver: ixgbevf
    itr: !choice [0x28, 0x50, dynamic]
    tx_ring: !range [256, 1024, 64]
traffic:
  - {name: a, from: wire, to: vf0, frame_size: !range [64, 1518], rate: !range [1.5Gbps, 2.5Gbps]}
`

func TestTemplateDrawsFromTheSeed(t *testing.T) {
	s, err := Parse("t.yaml", []byte(template))
	require.NoError(t, err)
	require.Equal(t, uint64(7), s.Seed)
	require.Len(t, s.Draws, 5)
	for _, d := range s.Draws {
		require.NotContains(t, d.Value, "!")
	}
	require.Equal(t, 3, s.Draws[0].Line)
	require.GreaterOrEqual(t, s.Duration.Microseconds(), int64(500))
	require.LessOrEqual(t, s.Duration.Microseconds(), int64(2000))
	size := s.Traffic[0].Sizes[0].Size
	require.True(t, size >= 64 && size <= 1518, "frame size %d", size)
	bps := s.Traffic[0].Rate.BitsPerSec
	require.True(t, bps >= 1.5e9 && bps <= 2.5e9, "rate %v", bps)

	again, err := Parse("t.yaml", []byte(template))
	require.NoError(t, err)
	require.Empty(t, cmp.Diff(s.Draws, again.Draws), "same seed, same draws")

	other, err := s.Reseed(8)
	require.NoError(t, err)
	require.Equal(t, uint64(8), other.Seed)
	require.NotEqual(t, s.Draws, other.Draws, "another seed draws again")
	back, err := other.Reseed(7)
	require.NoError(t, err)
	require.Empty(t, cmp.Diff(s.Draws, back.Draws))
}

func TestTemplateSpreadsOverItsRange(t *testing.T) {
	seen := map[string]bool{}
	s, err := Parse("t.yaml", []byte(template))
	require.NoError(t, err)
	for seed := uint64(1); seed <= 60; seed++ {
		r, err := s.Reseed(seed)
		require.NoError(t, err)
		seen[r.Draws[1].Value] = true // the itr choice
	}
	require.Len(t, seen, 3, "every choice is drawn: %v", seen)
}

func TestTemplateErrors(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{"!range [1518, 64]", "t.yaml:5: !range [1518, 64]: hi 64 is below lo 1518"},
		{"!range [64]", "want [lo, hi] or [lo, hi, step], got 1 values"},
		{"!range [a, b]", `"a" and "b" must be numbers`},
		{"!choice []", "!choice []: no choices"},
		{"!range [1Gbps, 2kpps]", "must be numbers with the same unit, or durations"},
	} {
		doc := strings.Replace("name: t\nduration: 1ms\nfunctions:\n  - {name: pf, driver: ixgbe}\ntraffic: [{name: a, from: wire, to: pf, frame_size: X}]\n", "X", tc.expr, 1)
		_, err := Parse("t.yaml", []byte(doc))
		require.ErrorContains(t, err, tc.want, tc.expr)
	}
}
