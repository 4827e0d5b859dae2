package scoreboard

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/model/ether"
	"github.com/nicforge/nicforge/sim"
)

// fixed routes every frame of a stream to the same destinations.
type fixed map[uint16][]Endpoint

func (f fixed) Route(out []Endpoint, src Endpoint, frame []byte) ([]Endpoint, string) {
	id, _, _ := ether.ParseStamp(frame)
	out = append(out, f[id]...)
	if len(out) == 0 {
		return out, "dropped"
	}
	return out, ""
}

func frame(stream uint16, seq uint64) []byte {
	b := make([]byte, 60)
	ether.BuildUDP(b, &ether.Flow{Dst: ether.MAC{2, 0, 0, 0, 0, 1}, Src: ether.MAC{2, 0, 0, 0, 0, 2}}, stream, seq)
	return b
}

const vf0, vf1 = Endpoint(0), Endpoint(1)

func TestScoreboard(t *testing.T) {
	routes := fixed{1: {vf0}, 2: {vf0, vf1}, 3: nil}
	type step struct {
		recv bool
		at   Endpoint
		id   uint16
		seq  uint64
		mut  func([]byte) []byte
	}
	send := func(id uint16, seqs ...uint64) []step {
		var s []step
		for _, q := range seqs {
			s = append(s, step{at: Wire, id: id, seq: q})
		}
		return s
	}
	recv := func(at Endpoint, id uint16, seqs ...uint64) []step {
		var s []step
		for _, q := range seqs {
			s = append(s, step{recv: true, at: at, id: id, seq: q})
		}
		return s
	}
	cat := func(parts ...[]step) []step {
		var s []step
		for _, p := range parts {
			s = append(s, p...)
		}
		return s
	}
	for _, tc := range []struct {
		name   string
		steps  []step
		counts map[Kind]uint64
		first  string
	}{
		{"in order", cat(send(1, 0, 1, 2), recv(vf0, 1, 0, 1, 2)), nil, ""},
		{"broadcast to two", cat(send(2, 0, 1), recv(vf1, 2, 0, 1), recv(vf0, 2, 0, 1)), nil, ""},
		{"predicted drop", cat(send(3, 0, 1)), nil, ""},
		{"missing", cat(send(1, 0, 1, 2), recv(vf0, 1, 0, 2)), map[Kind]uint64{Missing: 1}, "missing frame at 0ps on vf0: stream 1 seq 1: sent at 0ps, never delivered"},
		{"duplicate", cat(send(1, 0, 1), recv(vf0, 1, 0, 1, 1)), map[Kind]uint64{Extra: 1}, "extra frame at 0ps on vf0: stream 1 seq 1"},
		{"reordered", cat(send(1, 0, 1, 2), recv(vf0, 1, 0, 2, 1)), map[Kind]uint64{Reordered: 1}, "reordered frame at 0ps on vf0: stream 1 seq 1: arrived after a later frame"},
		{"misrouted", cat(send(1, 0, 1), recv(vf0, 1, 0), recv(vf1, 1, 1)), map[Kind]uint64{Misrouted: 1}, "misrouted frame at 0ps on vf1: stream 1 seq 1: expected on vf0"},
		{"dropped frame delivered", cat(send(3, 0), recv(vf0, 3, 0)), map[Kind]uint64{Extra: 1}, "extra frame at 0ps on vf0: stream 3 seq 0"},
		{"corrupted", cat(send(1, 0), []step{{recv: true, at: vf0, id: 1, seq: 0, mut: func(b []byte) []byte { b[30] ^= 0xff; return b }}}),
			map[Kind]uint64{Corrupted: 1}, "corrupted frame at 0ps on vf0: stream 1 seq 0: byte 30: 0xff, want 0x00"},
		{"truncated", cat(send(1, 0), []step{{recv: true, at: vf0, id: 1, seq: 0, mut: func(b []byte) []byte { return b[:58] }}}),
			map[Kind]uint64{Corrupted: 1}, "length 58, want 60"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb := New(routes, []string{"vf0", "vf1"})
			for _, s := range tc.steps {
				f := frame(s.id, s.seq)
				if s.mut != nil {
					f = s.mut(f)
				}
				if s.recv {
					sb.Received(s.at, f, 0)
				} else {
					sb.Sent(s.at, f, 0)
				}
			}
			sb.Finish()
			var want [Misrouted + 1]uint64
			for k, n := range tc.counts {
				want[k] = n
			}
			require.Equal(t, want, sb.Counts)
			require.Equal(t, tc.first == "", sb.Pass())
			if tc.first != "" {
				require.Contains(t, sb.Kept[0].String(), tc.first)
				require.Contains(t, sb.Summary(), "first: ")
			}
		})
	}
}

func TestMaskIgnoresRewrittenBytes(t *testing.T) {
	sb := New(fixed{1: {vf0}}, []string{"vf0"})
	sb.Mask = []ByteRange{{Off: 22, Len: 1}} // IPv4 TTL
	sb.Sent(Wire, frame(1, 0), 0)
	f := frame(1, 0)
	f[22]--
	sb.Received(vf0, f, 0)
	sb.Finish()
	require.True(t, sb.Pass(), sb.Summary())
}

func TestLatencyAndStreams(t *testing.T) {
	sb := New(fixed{1: {vf0}}, []string{"vf0"})
	sb.DeclareStream(1, "wire-to-vf0", Wire, vf0)
	for i := uint64(0); i < 100; i++ {
		sb.Sent(Wire, frame(1, i), sim.Time(i)*sim.Microsecond)
		sb.Received(vf0, frame(1, i), sim.Time(i)*sim.Microsecond+sim.Time(i+1)*sim.Nanosecond)
	}
	sb.Finish()
	st := sb.Streams()
	require.Len(t, st, 1)
	require.Equal(t, "wire-to-vf0", st[0].Name)
	require.Equal(t, "wire", st[0].From)
	require.Equal(t, uint64(100), st[0].Received)
	require.Equal(t, uint64(100), st[0].Latency.Samples)
	require.InDelta(t, 50.5, st[0].Latency.MeanNS, 1e-9)
	require.Equal(t, 51.0, st[0].Latency.P50NS)
	require.Equal(t, 99.0, st[0].Latency.P99NS)
	require.Equal(t, 100.0, st[0].Latency.MaxNS)
}

func FuzzScoreboard(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 0x80, 0x81, 0x83, 0x82})
	f.Fuzz(func(t *testing.T, ops []byte) {
		// Bit 7: receive (else send); bit 6: at vf1; low bits: seq. Any
		// sequence of sends and receives ends with every sent frame
		// accounted for exactly once.
		sb := New(fixed{1: {vf0}}, []string{"vf0", "vf1"})
		var sent uint64
		for _, op := range ops {
			at := vf0
			if op&0x40 != 0 {
				at = vf1
			}
			if op&0x80 != 0 {
				sb.Received(at, frame(1, uint64(op&0x3f)), 0)
			} else {
				sb.Sent(Wire, frame(1, uint64(op&0x3f)), 0)
				sent++
			}
		}
		sb.Finish()
		st := sb.Streams()
		if sent == 0 {
			return
		}
		s := st[0]
		require.Equal(t, sent, s.Expected)
		require.Equal(t, s.Expected, s.Received+s.Corrupted+s.Misrouted+s.Missing, "every expectation is met once: %+v", s)
	})
}

// Long runs compact their queues: thousands of frames with some reordered,
// some lost, some taken out of order by another destination, and every
// frame still accounted for once, with its bytes compared.
func TestLongRunCompacts(t *testing.T) {
	const n = 5000
	sb := New(fixed{1: {vf0}}, []string{"vf0", "vf1"})
	for i := uint64(0); i < n; i++ {
		sb.Sent(Wire, frame(1, i), sim.Time(i))
	}
	var want [Misrouted + 1]uint64
	for i := uint64(0); i < n; i++ {
		switch {
		case i%97 == 5: // lost
			want[Missing]++
		case i%101 == 7 && i+1 < n: // swapped with the next one
			sb.Received(vf0, frame(1, i+1), sim.Time(n+i))
			sb.Received(vf0, frame(1, i), sim.Time(n+i))
			want[Reordered]++
			i++
		case i%89 == 3: // delivered to the wrong function
			sb.Received(vf1, frame(1, i), sim.Time(n+i))
			want[Misrouted]++
		default:
			f := frame(1, i)
			if i%293 == 11 {
				f[58] ^= 1 // past the stamp
				want[Corrupted]++
			}
			sb.Received(vf0, f, sim.Time(n+i))
		}
	}
	sb.Finish()
	require.Equal(t, want, sb.Counts)
	st := sb.Streams()[0]
	require.Equal(t, uint64(n), st.Received+st.Corrupted+st.Misrouted+st.Missing)
}

func TestSelectKthMatchesSort(t *testing.T) {
	r := sim.NewRand(3)
	for trial := 0; trial < 200; trial++ {
		n := 1 + r.IntN(300)
		x := make([]float64, n)
		for i := range x {
			x[i] = float64(r.IntN(50)) // many ties
		}
		sorted := append([]float64(nil), x...)
		slices.Sort(sorted)
		k := r.IntN(n)
		selectKth(x, k)
		require.Equal(t, sorted[k], x[k], "seed 3 trial %d: n %d k %d", trial, n, k)
		for i := 0; i < k; i++ {
			require.LessOrEqual(t, x[i], x[k])
		}
		for i := k + 1; i < n; i++ {
			require.GreaterOrEqual(t, x[i], x[k])
		}
	}
}

// Frames in flight when a function is reset may be lost: those never
// delivered are predicted drops, those delivered still count, and frames
// sent after the reset are held to the usual rules.
func TestResetVoidsFramesInFlight(t *testing.T) {
	sb := New(fixed{1: {vf0}}, []string{"vf0"})
	sb.DeclareStream(1, "s", Wire, vf0)
	for i := uint64(0); i < 4; i++ {
		sb.Sent(Wire, frame(1, i), sim.Time(i))
	}
	sb.Reset(vf0, 10)
	sb.Sent(Wire, frame(1, 4), 20)
	sb.Sent(Wire, frame(1, 5), 21)
	sb.Received(vf0, frame(1, 1), 30) // survived the reset
	sb.Received(vf0, frame(1, 4), 31)
	sb.Finish()
	st := sb.Streams()[0]
	require.Equal(t, uint64(2), st.Received)
	require.Equal(t, uint64(3), st.Dropped, "seq 0, 2 and 3 lost in the reset")
	require.Equal(t, uint64(1), st.Missing, "seq 5 was sent after it")
	require.Equal(t, uint64(1), sb.Counts[Missing])
	require.Zero(t, sb.Counts[Reordered], "frames lost in a reset are not reordering")
}

func TestCorruptionPastTheKeptBytes(t *testing.T) {
	sb := New(fixed{1: {vf0}}, []string{"vf0"})
	big := func() []byte {
		b := make([]byte, 1514)
		ether.BuildUDP(b, &ether.Flow{Dst: ether.MAC{2, 0, 0, 0, 0, 1}}, 1, 0)
		return b
	}
	sb.Sent(Wire, big(), 0)
	f := big()
	f[1000] ^= 1
	sb.Received(vf0, f, 0)
	sb.Finish()
	require.Equal(t, uint64(1), sb.Counts[Corrupted])
	require.Contains(t, sb.Kept[0].Detail, "bytes past 128 differ (the first 128 match)")
}

// Frames without a stamp (a pcap replay) are checked by content: each copy
// the reference model predicts may arrive once; a copy too many, or an
// unstamped frame nobody sent, is an extra frame.
func TestUnstampedFrames(t *testing.T) {
	replay := make([]byte, 60) // an ARP-sized frame, no stamp
	copy(replay, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 9, 0x08, 0x06})
	garbage := make([]byte, 60)
	tests := []struct {
		name    string
		routes  fixed
		recv    [][]byte
		extra   uint64
		summary string
	}{
		{"replayed to two functions, each gets it", fixed{0: {vf0, vf1}}, [][]byte{replay, replay}, 0, ""},
		{"a third copy", fixed{0: {vf0, vf1}}, [][]byte{replay, replay, replay}, 1, "without a test stamp that nobody sent"},
		{"zeros nobody sent", fixed{0: {vf0}}, [][]byte{replay, garbage}, 1, "60 bytes without a test stamp that nobody sent (CRC-32C"},
		{"dropped by the reference model", fixed{}, [][]byte{replay}, 1, "nobody sent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb := New(tt.routes, []string{"vf0", "vf1"})
			sb.Sent(Wire, replay, 0)
			for i, f := range tt.recv {
				sb.Received(Endpoint(i%2), f, sim.Time(i+1)*sim.Microsecond)
			}
			sb.Finish()
			require.Equal(t, tt.extra, sb.Counts[Extra])
			require.Equal(t, tt.extra == 0, sb.Pass())
			if tt.summary != "" {
				require.Contains(t, sb.Summary(), tt.summary)
			}
		})
	}
}

// A frame sent with SentBuilt is checked byte for byte: its first 128
// bytes against the copy kept, the rest against its fill pattern, masked
// header fields or not. A sender that vouches for a pattern its frame does
// not carry gets the frame reported as corrupted.
func TestBuiltFramesAreCheckedAgainstThePattern(t *testing.T) {
	built := func(n int, seq uint64) []byte {
		b := make([]byte, n)
		ether.BuildUDP(b, &ether.Flow{Dst: ether.MAC{2, 0, 0, 0, 0, 1}}, 1, seq)
		return b
	}
	flip := func(b []byte, at int) []byte { b[at] ^= 0x10; return b }
	for _, tc := range []struct {
		name     string
		mask     []ByteRange
		sent     []byte
		received []byte
		want     string // "": received as predicted; else the corruption's detail
	}{
		{"intact", nil, built(1514, 5), built(1514, 5), ""},
		{"intact, shorter than the bytes kept", nil, built(60, 5), built(60, 5), ""},
		{"intact, the pattern's rows at every offset", nil, built(9014, 300), built(9014, 300), ""},
		{"payload flipped past the kept bytes", nil, built(1514, 5), flip(built(1514, 5), 1000), "bytes past 128 differ from the fill pattern (the first 128 match)"},
		{"last byte flipped", nil, built(1514, 5), flip(built(1514, 5), 1513), "bytes past 128 differ from the fill pattern"},
		{"payload flipped inside the kept bytes", nil, built(1514, 5), flip(built(1514, 5), 100), "byte 100"},
		{"masked header rewritten, payload intact", []ByteRange{{Off: 22, Len: 1}}, built(1514, 5), flip(built(1514, 5), 22), ""},
		{"masked header rewritten, payload flipped", []ByteRange{{Off: 22, Len: 1}}, built(1514, 5), flip(flip(built(1514, 5), 22), 700), "bytes past 128 differ from the fill pattern"},
		{"truncated", nil, built(1514, 5), built(1514, 5)[:1000], "length 1000, want 1514"},
		{"the sender vouched for a pattern it did not send", nil, flip(built(1514, 5), 900), flip(built(1514, 5), 900), "bytes past 128 differ from the fill pattern"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb := New(fixed{1: {vf0}}, []string{"vf0"})
			sb.Mask = tc.mask
			sb.SentBuilt(Wire, tc.sent, 0)
			sb.Received(vf0, tc.received, 0)
			sb.Finish()
			if tc.want == "" {
				require.True(t, sb.Pass(), sb.Summary())
				return
			}
			require.Equal(t, uint64(1), sb.Counts[Corrupted], sb.Summary())
			require.Contains(t, sb.Kept[0].Detail, tc.want)
		})
	}
}
