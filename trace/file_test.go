package trace

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/sim"
)

func randomEvents(seed uint64, n int) []*Event {
	r := sim.NewRand(seed)
	var out []*Event
	t := sim.Time(0)
	for i := 0; i < n; i++ {
		t += sim.Time(r.IntN(5000))
		ev := &Event{Time: t, Kind: Kind(1 + r.IntN(15))}
		if r.IntN(2) == 0 {
			ev.Func = uint16(r.IntN(65))
		}
		if r.IntN(3) == 0 {
			ev.Addr = r.Uint64()
		}
		if r.IntN(3) == 0 {
			ev.Value = uint64(r.Uint32())
		}
		if r.IntN(4) == 0 {
			ev.Data = make([]byte, r.IntN(64)+1)
			for j := range ev.Data {
				ev.Data[j] = byte(r.IntN(256))
			}
			ev.Len = uint32(len(ev.Data) + r.IntN(100))
		}
		if r.IntN(10) == 0 {
			ev.Text = "driver says hello"
		}
		out = append(out, ev)
	}
	return out
}

func write(evs []*Event) []byte {
	var b bytes.Buffer
	w := NewWriter(&b)
	for _, e := range evs {
		w.Record(e)
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func readAll(t *testing.T, b []byte) ([]*Event, error) {
	r, err := Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, err
	}
	var out []*Event
	for {
		e, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, e)
	}
}

func TestRoundTrip(t *testing.T) {
	evs := randomEvents(1, 20000)
	b := write(evs)
	got, err := readAll(t, b)
	require.NoError(t, err)
	require.Empty(t, cmp.Diff(evs, got))
	require.Equal(t, b, write(evs), "same events, byte-identical file")
	r, err := Open(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	require.Greater(t, r.Chunks(), 1)
	// Random access by time lands on a chunk at or before the time.
	mid := evs[len(evs)/2].Time
	r.SeekTime(mid)
	e, err := r.Next()
	require.NoError(t, err)
	require.LessOrEqual(t, e.Time, mid)
}

func TestCorruptionIsAnError(t *testing.T) {
	b := write(randomEvents(2, 5000))
	for _, tc := range []struct {
		name string
		mut  func([]byte) []byte
		want string
	}{
		{"bad magic", func(b []byte) []byte { b[0] = 'X'; return b }, "bad magic"},
		{"future version", func(b []byte) []byte { b[8] = 9; return b }, "version 9"},
		{"flipped payload byte", func(b []byte) []byte { b[headerLen+chunkHdr+100] ^= 0xFF; return b }, "CRC mismatch"},
		{"truncated, no index", func(b []byte) []byte { return b[:len(b)/2] }, "runs past the end"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readAll(t, tc.mut(bytes.Clone(b)))
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.want)
			require.Contains(t, err.Error(), "at byte")
		})
	}
}

// A run that died in the middle of writing a chunk: the whole chunks
// before it read back, then the damage is reported.
func TestTruncatedRunKeepsItsWholeChunks(t *testing.T) {
	evs := randomEvents(5, 10000)
	b := writeUnindexed(evs)
	cut := b[:len(b)-100]
	got, err := readAll(t, cut)
	require.ErrorContains(t, err, "runs past the end of the file")
	require.NotEmpty(t, got)
	require.Less(t, len(got), len(evs))
	require.Empty(t, cmp.Diff(evs[:len(got)], got))
}

// writeUnindexed is a trace whose run died after writing its chunks,
// before the index.
func writeUnindexed(evs []*Event) []byte {
	var b bytes.Buffer
	w := NewWriter(&b)
	for _, e := range evs {
		w.Record(e)
	}
	w.flush()
	return b.Bytes()
}

func TestCrashedRunWithoutIndex(t *testing.T) {
	evs := randomEvents(3, 10000)
	got, err := readAll(t, writeUnindexed(evs))
	require.NoError(t, err)
	require.Empty(t, cmp.Diff(evs, got))
}

func FuzzReader(f *testing.F) {
	f.Add(write(randomEvents(4, 50)))
	f.Add([]byte("NFTRACE\x00\x01\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Open(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		for i := 0; i < 100000; i++ {
			if _, err := r.Next(); err != nil {
				break
			}
		}
		// Whatever decodes, every reader of events takes: the text form,
		// the waveforms, the timeline and the capture.
		evs, _ := Collect(r, Filter{}, 2000)
		for _, e := range evs {
			_ = e.Line(func(uint16, uint8, uint64) string { return "R" })
		}
		var out bytes.Buffer
		require.NoError(t, WriteVCD(&out, evs))
		require.NoError(t, WriteChrome(&out, evs))
		require.NoError(t, WritePcapng(&out, evs))
	})
}
