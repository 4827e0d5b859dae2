package sim

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestFromDuration(t *testing.T) {
	for d, want := range map[time.Duration]Time{
		-time.Second:                 0,
		0:                            0,
		1:                            Nanosecond,
		60 * time.Millisecond:        60 * Millisecond,
		213 * 24 * time.Hour:         Time(213*24*3600) * Second,
		214 * 24 * time.Hour:         Never, // past 2^64 ps: saturates
		time.Duration(math.MaxInt64): Never,
	} {
		require.Equal(t, want, FromDuration(d), "%v", d)
	}
	require.Equal(t, 60*time.Millisecond, (60 * Millisecond).Duration())
}
