package cosim

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/sim"
)

// readBySends is Link.read as a request and its completions, each sent
// through lane.send: the reference the written-out hot path must equal.
func readBySends(l *Link, at sim.Time, n int) sim.Time {
	done := at
	for off := 0; off < n || off == 0; off += l.Cfg.MaxReadReq {
		chunk := min(n-off, l.Cfg.MaxReadReq)
		arr := l.up.send(at, 0)
		for c := 0; c < chunk || c == 0; c += l.Cfg.MaxPayload {
			done = max(done, l.down.send(arr, min(chunk-c, l.Cfg.MaxPayload)))
			if chunk == 0 {
				break
			}
		}
		if n == 0 {
			break
		}
	}
	return done
}

// laneState is what a lane's history decides (its memoised costs aside).
func laneState(l *lane) [3]uint64 { return [3]uint64{uint64(l.busy), l.bytes, l.tlps} }

// Reads of every size class at random times leave both links in the same
// state and end at the same time, with writes interleaved on the way up.
func TestLinkReadMatchesTLPByTLP(t *testing.T) {
	const seed = 5
	for _, cfg := range []LinkConfig{Gen3x8, Gen4x16} {
		r := sim.NewRand(seed)
		fast, ref := newLink(cfg), newLink(cfg)
		at := sim.Time(0)
		for i := 0; i < 20000; i++ {
			at += sim.Time(r.IntN(2000)) * sim.Picosecond
			n := []int{0, 1, 8, 64, 255, 256, 257, 511, 512, 513, 1514, 2048, 9000}[r.IntN(13)]
			require.Equal(t, readBySends(ref, at, n), fast.read(at, n), "%s seed %d step %d: read of %d bytes at %v", cfg.Name, seed, i, n, at)
			require.Equal(t, laneState(&ref.up), laneState(&fast.up), "%s seed %d step %d: upstream lane", cfg.Name, seed, i)
			require.Equal(t, laneState(&ref.down), laneState(&fast.down), "%s seed %d step %d: downstream lane", cfg.Name, seed, i)
			if r.IntN(4) == 0 {
				w := r.IntN(600)
				require.Equal(t, ref.up.write(at, w), fast.up.write(at, w))
			}
		}
	}
}
