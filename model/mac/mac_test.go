package mac

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/model/ether"
	"github.com/nicforge/nicforge/rtl"
	"github.com/nicforge/nicforge/sim"
)

type recorder struct{ at []sim.Time }

func (r *recorder) Receive(f *ether.Frame, at sim.Time) bool {
	r.at = append(r.at, at)
	return false
}

func TestLineRate(t *testing.T) {
	require.InDelta(t, 14_880_952.38, LineRatePPS(10e9, 64), 0.01)
	require.InDelta(t, 812_743.8, LineRatePPS(10e9, 1518), 0.1)
	clk, err := ByteClock("mac", 10_000_000_000)
	require.NoError(t, err)
	require.Equal(t, sim.Time(800), clk.Period)
	_, err = ByteClock("odd", 3_000_000_000)
	require.Error(t, err)
}

// Back-to-back 64-byte frames leave exactly 67.2 ns apart.
func TestTxSerialisesAtLineRate(t *testing.T) {
	for _, exact := range []bool{false, true} {
		k := rtl.NewKernel(exact)
		clk, _ := ByteClock("mac", 10_000_000_000)
		tx := NewTx(k, "tx", clk, 1<<20)
		var starts []sim.Time
		tx.OnStart = func(f *ether.Frame, at sim.Time) { starts = append(starts, at) }
		rec := &recorder{}
		tx.Peer = rec
		var pool ether.Pool
		for i := 0; i < 100; i++ {
			require.True(t, tx.Enqueue(pool.Get(60), 0))
		}
		k.RunUntil(10*sim.Microsecond, nil)
		require.Len(t, starts, 100)
		for i := 1; i < len(starts); i++ {
			require.Equal(t, 67200*sim.Picosecond, starts[i]-starts[i-1], "exact=%v frame %d", exact, i)
		}
		// The last bit of a frame arrives 8+64 byte times after its start.
		require.Equal(t, starts[0]+72*800, rec.at[0])
		require.Equal(t, uint64(100), tx.Frames)
	}
}

func TestTxBufferFull(t *testing.T) {
	k := rtl.NewKernel(false)
	clk, _ := ByteClock("mac", 10_000_000_000)
	tx := NewTx(k, "tx", clk, 1000)
	var pool ether.Pool
	require.True(t, tx.Enqueue(pool.Get(600), 0))
	require.False(t, tx.Enqueue(pool.Get(600), 0), "604+604 bytes exceed a 1000-byte buffer")
	require.Equal(t, 1000-604, tx.Free())
}
