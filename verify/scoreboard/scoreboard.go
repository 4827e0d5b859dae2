package scoreboard

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/nicforge/nicforge/model/ether"
	"github.com/nicforge/nicforge/report"
	"github.com/nicforge/nicforge/sim"
)

// Endpoint is where frames enter or leave the card: the wire or a function,
// by the runner's numbering.
type Endpoint int

// Predictor is the reference model: where a frame injected at src should
// come out, appended to dsts. An empty set with a reason is a predicted
// drop.
type Predictor interface {
	Route(dsts []Endpoint, src Endpoint, frame []byte) ([]Endpoint, string)
}

// TimedPredictor is a Predictor whose answer depends on when a frame is
// sent (connection tracking, timeouts): the scoreboard gives it the time.
type TimedPredictor interface {
	RouteAt(dsts []Endpoint, src Endpoint, frame []byte, at sim.Time) ([]Endpoint, string)
}

// ByteRange is a run of bytes in a frame.
type ByteRange struct{ Off, Len int }

// Kind is what went wrong with a frame.
type Kind int

// Mismatch kinds.
const (
	Missing Kind = iota
	Extra
	Reordered
	Corrupted
	Misrouted
)

func (k Kind) String() string {
	return [...]string{"missing", "extra", "reordered", "corrupted", "misrouted"}[k]
}

// Mismatch is one frame that did not arrive as predicted.
type Mismatch struct {
	Kind   Kind
	At     sim.Time // when it arrived (for missing: when it was sent)
	Where  string   // the destination it arrived at (for missing: where it was expected)
	Stream uint16
	Seq    uint64
	Detail string
}

func (m Mismatch) String() string {
	return fmt.Sprintf("%s frame at %v on %s: stream %d seq %d: %s", m.Kind, m.At, m.Where, m.Stream, m.Seq, m.Detail)
}

// keepMismatches bounds the mismatches kept in full.
const keepMismatches = 20

// entry is one expected frame.
type entry struct {
	seq  uint64
	at   sim.Time
	data []byte // the first keepBytes of the frame
	n    int    // the frame's length
	hash uint64 // of the whole frame
	void bool   // lost to a reset if it never arrives
}

// keepBytes is how much of each expected frame is kept for a diff; the
// rest is compared with its fill pattern (SentBuilt) or by hash. Headers are where corruption tells a story,
// and copying whole jumbo frames was most of the scoreboard's cost.
const keepBytes = 128

// frameSum is the check on the bytes past keepBytes of a frame that is
// not template-built: CRC-32C, which the
// CPU computes at tens of GB/s and which catches every burst error up to
// 32 bits (a random 32-bit hash would not).
func frameSum(p []byte) uint64 { return uint64(ether.CRC32C(p)) }

// patternHash marks an expected frame whose bytes past keepBytes are its
// fill pattern (SentBuilt): they are compared with the pattern itself. No
// CRC-32C is this large.
const patternHash = 1 << 32

// slot is an expected frame in a queue: its bytes live in the queue's
// buffer, so the queue holds no pointers (no GC write barriers, no
// per-frame allocations on the hot path).
type slot struct {
	seq       uint64
	at        sim.Time
	off, kept int // off < 0: taken out of order
	n         int
	hash      uint64
	void      bool
}

// expectQueue is the predicted frames of one stream at one destination, in
// send order.
type expectQueue struct {
	q    []slot
	head int
	buf  []byte
	late []entry // overtaken, still expected (few: a reorder window)
}

func (q *expectQueue) push(seq uint64, at sim.Time, frame []byte, hash uint64) {
	k := min(len(frame), keepBytes)
	q.q = append(q.q, slot{seq: seq, at: at, off: len(q.buf), kept: k, n: len(frame), hash: hash})
	q.buf = append(q.buf, frame[:k]...)
}

// entry returns slot i with its bytes; they stay valid until compact.
func (q *expectQueue) entry(i int) entry {
	x := q.q[i]
	return entry{seq: x.seq, at: x.at, data: q.buf[x.off : x.off+x.kept], n: x.n, hash: x.hash, void: x.void}
}

// Stream accumulates one stream's results.
type Stream struct {
	ID       uint16
	Name     string
	From, To string
	report.Stream
	latency []float64 // ns
}

// Scoreboard checks one run.
type Scoreboard struct {
	names   []string // endpoint names, index = Endpoint + 1 (the wire is -1)
	predict Predictor
	Mask    []ByteRange
	expect  map[qkey]*expectQueue
	streams map[uint16]*Stream
	order   []uint16
	Counts  [Misrouted + 1]uint64
	Kept    []Mismatch
	route   []Endpoint
	// Frames of several streams and flows interleave (queues, RSS), so
	// the streams with small ids and the queues last used are found
	// without a map lookup: a table and a direct-mapped cache.
	smallSt   [256]*Stream
	recent    [16]recentQueue
	shaped    map[string]uint64 // drops the card's shaper counted, by endpoint name
	finished  bool
	Unstamped uint64 // frames without a test stamp, sent or received
	// unstamped counts the copies of each unstamped frame (by CRC-32C)
	// still to arrive somewhere: such frames (a pcap replay) are checked
	// for content only, and one nobody sent is an extra frame.
	unstamped map[uint32]int
}

// qkey is one ordered sequence of frames: a stream's flow (its TCP or UDP
// ports, as ether.ParseStampPorts reads them; 0 for other protocols) at
// one destination. Order holds within a flow (a multi-queue sender or RSS
// may interleave flows), so it is checked per flow.
type qkey struct {
	dst    Endpoint
	stream uint16
	flow   uint32
}

// recentQueue is a slot of the scoreboard's queue cache.
type recentQueue struct {
	k qkey
	q *expectQueue
}

// slot is where k sits in the queue cache.
func (k qkey) slot() int { return int(uint32(k.dst)*7+uint32(k.stream)*5+k.flow*3+k.flow>>16) & 15 }

// Wire is the endpoint of the uplink's far side.
const Wire Endpoint = -1

// New returns a scoreboard; names[i] names endpoint i, and the wire is
// "wire".
func New(p Predictor, names []string) *Scoreboard {
	return &Scoreboard{names: append([]string{"wire"}, names...), predict: p, expect: map[qkey]*expectQueue{}, streams: map[uint16]*Stream{}}
}

func (sb *Scoreboard) name(e Endpoint) string {
	if i := int(e) + 1; i >= 0 && i < len(sb.names) {
		return sb.names[i]
	}
	return fmt.Sprintf("endpoint %d", e)
}

// DeclareStream names a stream for the report.
func (sb *Scoreboard) DeclareStream(id uint16, name string, from, to Endpoint) {
	st := sb.stream(id)
	st.Name, st.From, st.To = name, sb.name(from), sb.name(to)
}

func (sb *Scoreboard) stream(id uint16) *Stream {
	if int(id) < len(sb.smallSt) && sb.smallSt[id] != nil {
		return sb.smallSt[id]
	}
	st := sb.streams[id]
	if st == nil {
		st = &Stream{ID: id, Name: fmt.Sprint(id)}
		sb.streams[id] = st
		sb.order = append(sb.order, id)
	}
	if int(id) < len(sb.smallSt) {
		sb.smallSt[id] = st
	}
	return st
}

// Sent records a frame injected at src at time at.
func (sb *Scoreboard) Sent(src Endpoint, frame []byte, at sim.Time) {
	sb.sent(src, frame, frameSum(frame), at)
}

// SentBuilt is Sent for a frame built by ether's templates (BuildFrame,
// Templates): past its stamp it holds the fill pattern of its sequence
// number, so on arrival its first keepBytes are compared with the copy
// kept and the rest with the pattern, byte for byte, instead of through a
// CRC-32C (exact, and about half the cost). The sender vouches for the
// pattern; a frame that does not carry it shows as corrupted. A frame
// whose pattern starts past the bytes kept is checked as Sent checks it.
func (sb *Scoreboard) SentBuilt(src Endpoint, frame []byte, at sim.Time) {
	if from := ether.FillFrom(frame); from < 0 || from > keepBytes {
		sb.Sent(src, frame, at)
		return
	}
	sb.sent(src, frame, patternHash, at)
}

// sent records an expectation whose check is hash: a CRC-32C, or
// patternHash.
func (sb *Scoreboard) sent(src Endpoint, frame []byte, hash uint64, at sim.Time) {
	id, seq, flow, err := ether.ParseStampPorts(frame)
	if err != nil {
		sb.Unstamped++
		if n := len(sb.routeOf(src, frame, at)); n > 0 {
			if sb.unstamped == nil {
				sb.unstamped = map[uint32]int{}
			}
			sb.unstamped[uint32(hash)] += n
		}
		return
	}
	st := sb.stream(id)
	st.Sent++
	dsts := sb.routeOf(src, frame, at)
	if len(dsts) == 0 {
		st.Dropped++
		return
	}
	for _, d := range dsts {
		st.Expected++
		sb.queue(qkey{d, id, flow}, true).push(seq, at, frame, hash)
	}
}

// routeOf asks the reference model where a frame sent at src goes.
func (sb *Scoreboard) routeOf(src Endpoint, frame []byte, at sim.Time) []Endpoint {
	var dsts []Endpoint
	if tp, ok := sb.predict.(TimedPredictor); ok {
		dsts, _ = tp.RouteAt(sb.route[:0], src, frame, at)
	} else {
		dsts, _ = sb.predict.Route(sb.route[:0], src, frame)
	}
	sb.route = dsts
	return dsts
}

// Received records a frame delivered at dst at time at.
func (sb *Scoreboard) Received(dst Endpoint, frame []byte, at sim.Time) {
	id, seq, flow, err := ether.ParseStampPorts(frame)
	if err != nil {
		sb.Unstamped++
		sum := ether.CRC32C(frame)
		if sb.unstamped[sum] > 0 {
			sb.unstamped[sum]--
			return
		}
		sb.mismatch(nil, Extra, at, dst, 0, 0, fmt.Sprintf("%d bytes without a test stamp that nobody sent (CRC-32C %08x)", len(frame), sum))
		return
	}
	st := sb.stream(id)
	q := sb.queue(qkey{dst, id, flow}, false)
	if q != nil {
		// In order: the head. Ahead of order: skip over the frames it
		// overtook, which stay expected as late.
		for i := q.head; i < len(q.q); i++ {
			if q.q[i].seq != seq || q.q[i].off < 0 {
				continue
			}
			for j := q.head; j < i; j++ {
				if q.q[j].off >= 0 {
					e := q.entry(j)
					e.data = bytes.Clone(e.data)
					q.late = append(q.late, e)
				}
			}
			sb.match(st, dst, q.entry(i), frame, at, false)
			q.head = i + 1
			q.compact()
			return
		}
		if e, ok := q.takeLate(seq); ok {
			sb.match(st, dst, e, frame, at, true)
			return
		}
	}
	// Not expected here: expected somewhere else?
	var others []qkey
	for k := range sb.expect {
		if k.stream == id && (k.dst != dst || k.flow != flow) {
			others = append(others, k)
		}
	}
	sort.Slice(others, func(i, j int) bool { return others[i].less(others[j]) })
	for _, k := range others {
		if e, ok := sb.expect[k].take(seq); ok {
			if k.dst == dst {
				// Its flow changed on the way: a corrupted frame.
				st.Corrupted++
				sb.mismatch(st, Corrupted, at, dst, id, seq, e.diff(frame, sb.Mask))
				return
			}
			st.Misrouted++
			sb.mismatch(st, Misrouted, at, dst, id, seq, fmt.Sprintf("expected on %s (sent at %v)", sb.name(k.dst), e.at))
			return
		}
	}
	st.Extra++
	sb.mismatch(st, Extra, at, dst, id, seq, fmt.Sprintf("%d bytes not expected anywhere (a duplicate, or a frame the reference model drops)", len(frame)))
}

// queue returns the expectations of k, made if create is set; the queue
// cache finds the recent ones.
func (sb *Scoreboard) queue(k qkey, create bool) *expectQueue {
	c := &sb.recent[k.slot()]
	if c.q != nil && c.k == k {
		return c.q
	}
	q := sb.expect[k]
	if q == nil {
		if !create {
			return nil
		}
		q = queuePool.Get().(*expectQueue)
		sb.expect[k] = q
	}
	c.k, c.q = k, q
	return q
}

// queuePool recycles queues between runs: a line-rate stream keeps
// thousands of frames in flight, and growing a queue to that from nothing
// in every run cost a tenth of a short run.
var queuePool = sync.Pool{New: func() any { return &expectQueue{} }}

// Close gives the scoreboard's queues back for the next run; the
// scoreboard answers nothing afterwards but Streams, Counts and Kept.
func (sb *Scoreboard) Close() {
	for k, q := range sb.expect {
		q.q, q.head, q.buf, q.late = q.q[:0], 0, q.buf[:0], nil
		queuePool.Put(q)
		delete(sb.expect, k)
	}
	sb.recent = [len(sb.recent)]recentQueue{}
	for _, st := range sb.streams {
		if st.latency != nil {
			latencyPool.Put(st.latency[:0])
			st.latency = nil
		}
	}
}

// latencyPool recycles latency sample slices between runs, for the same
// reason as queuePool.
var latencyPool = sync.Pool{New: func() any { return make([]float64, 0, 4096) }}

func (q *expectQueue) compact() {
	if q.head == len(q.q) {
		q.q, q.head, q.buf = q.q[:0], 0, q.buf[:0]
		return
	}
	if q.head < 256 || q.head <= len(q.q)/2 {
		return
	}
	// Slide the slots and their bytes down; the bytes of slots from head
	// on are one run from the first slot still holding any.
	n := copy(q.q, q.q[q.head:])
	q.q, q.head = q.q[:n], 0
	shift := -1
	for _, x := range q.q {
		if x.off >= 0 {
			shift = x.off
			break
		}
	}
	if shift < 0 {
		q.buf = q.buf[:0]
		return
	}
	q.buf = q.buf[:copy(q.buf, q.buf[shift:])]
	for i := range q.q {
		if q.q[i].off >= 0 {
			q.q[i].off -= shift
		}
	}
}

func (q *expectQueue) takeLate(seq uint64) (entry, bool) {
	for i, e := range q.late {
		if e.seq == seq {
			q.late = append(q.late[:i], q.late[i+1:]...)
			return e, true
		}
	}
	return entry{}, false
}

// take removes the expectation of seq, wherever it is.
func (q *expectQueue) take(seq uint64) (entry, bool) {
	if e, ok := q.takeLate(seq); ok {
		return e, true
	}
	for i := q.head; i < len(q.q); i++ {
		if q.q[i].seq == seq && q.q[i].off >= 0 {
			e := q.entry(i)
			e.data = bytes.Clone(e.data)
			q.q[i].off = -1
			return e, true
		}
	}
	return entry{}, false
}

func (sb *Scoreboard) match(st *Stream, dst Endpoint, e entry, frame []byte, at sim.Time, late bool) {
	if diff := e.diff(frame, sb.Mask); diff != "" {
		st.Corrupted++
		sb.mismatch(st, Corrupted, at, dst, st.ID, e.seq, diff)
		return
	}
	st.Received++
	if late {
		st.Reordered++
		sb.mismatch(st, Reordered, at, dst, st.ID, e.seq, fmt.Sprintf("arrived after a later frame of its stream (sent at %v)", e.at))
	}
	if at >= e.at {
		if st.latency == nil {
			st.latency = latencyPool.Get().([]float64)[:0]
		}
		st.latency = append(st.latency, float64(at-e.at)/float64(sim.Nanosecond))
	}
}

func (sb *Scoreboard) mismatch(st *Stream, k Kind, at sim.Time, where Endpoint, id uint16, seq uint64, detail string) {
	sb.Counts[k]++
	if len(sb.Kept) < keepMismatches {
		sb.Kept = append(sb.Kept, Mismatch{Kind: k, At: at, Where: sb.name(where), Stream: id, Seq: seq, Detail: detail})
	}
}

// Finish turns every expectation left into a missing frame. Call it once,
// after the drain.
func (sb *Scoreboard) Finish() {
	if sb.finished {
		return
	}
	sb.finished = true
	keys := make([]qkey, 0, len(sb.expect))
	for k := range sb.expect {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].less(keys[j]) })
	for _, k := range keys {
		q := sb.expect[k]
		var left []entry
		for i := q.head; i < len(q.q); i++ {
			if q.q[i].off >= 0 {
				left = append(left, q.entry(i))
			}
		}
		left = append(left, q.late...)
		sort.Slice(left, func(i, j int) bool { return left[i].seq < left[j].seq })
		st := sb.stream(k.stream)
		for _, e := range left {
			if e.void {
				st.Dropped++ // in flight when its function was reset
				st.Expected--
				continue
			}
			if sb.shaped[st.From] > 0 || sb.shaped[st.To] > 0 {
				// A frame of a function whose allowance the card enforces:
				// one of the drops its shaper counted.
				for _, end := range []string{st.From, st.To} {
					if sb.shaped[end] > 0 {
						sb.shaped[end]--
						break
					}
				}
				st.Dropped++
				st.Shaped++
				st.Expected--
				continue
			}
			st.Missing++
			sb.mismatch(st, Missing, e.at, k.dst, k.stream, e.seq, fmt.Sprintf("sent at %v, never delivered", e.at))
		}
	}
}

// Pass reports whether every frame arrived as predicted.
func (sb *Scoreboard) Pass() bool {
	for _, n := range sb.Counts {
		if n != 0 {
			return false
		}
	}
	return true
}

// Summary is one line: the totals and the first mismatch.
func (sb *Scoreboard) Summary() string {
	var sent, exp, got, dropped uint64
	for _, st := range sb.streams {
		sent += st.Sent
		exp += st.Expected
		got += st.Received
		dropped += st.Dropped
	}
	s := fmt.Sprintf("%d frames sent, %d expected, %d received as predicted, %d predicted drops", sent, exp, got, dropped)
	if sb.Pass() {
		return s
	}
	var parts []string
	for k, n := range sb.Counts {
		if n != 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, Kind(k)))
		}
	}
	return s + "; " + strings.Join(parts, ", ") + "; first: " + sb.Kept[0].String()
}

// Streams returns each stream's results, in the order streams appeared,
// with latency percentiles.
func (sb *Scoreboard) Streams() []report.Stream {
	out := make([]report.Stream, 0, len(sb.order))
	ids := append([]uint16(nil), sb.order...)
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		st := sb.streams[id]
		r := st.Stream
		r.Name, r.From, r.To = st.Name, st.From, st.To
		r.Latency = latency(st.latency)
		out = append(out, r)
	}
	return out
}

func latency(ns []float64) *report.Latency {
	if len(ns) == 0 {
		return nil
	}
	x := append([]float64(nil), ns...)
	sum, hi := 0.0, x[0]
	for _, v := range x {
		sum += v
		hi = max(hi, v)
	}
	// Nearest-rank percentiles by selection, each on the part above the
	// last: linear time, where a sort of every sample was a tenth of a run.
	rank := func(p float64) int { return int(p*float64(len(x)-1) + 0.5) }
	r50, r90, r99 := rank(0.5), rank(0.9), rank(0.99)
	selectKth(x, r50)
	selectKth(x[r50:], r90-r50)
	selectKth(x[r90:], r99-r90)
	return &report.Latency{Samples: uint64(len(x)), MeanNS: sum / float64(len(x)), P50NS: x[r50], P90NS: x[r90], P99NS: x[r99], MaxNS: hi}
}

// selectKth reorders x so that x[k] is the value a sort would put there,
// with nothing larger before it and nothing smaller after it (Hoare's
// quickselect, median-of-three pivots: deterministic).
func selectKth(x []float64, k int) {
	lo, hi := 0, len(x)-1
	for lo < hi {
		mid := lo + (hi-lo)/2
		if x[mid] < x[lo] {
			x[mid], x[lo] = x[lo], x[mid]
		}
		if x[hi] < x[lo] {
			x[hi], x[lo] = x[lo], x[hi]
		}
		if x[hi] < x[mid] {
			x[hi], x[mid] = x[mid], x[hi]
		}
		pivot := x[mid]
		i, j := lo, hi
		for i <= j {
			for x[i] < pivot {
				i++
			}
			for x[j] > pivot {
				j--
			}
			if i <= j {
				x[i], x[j] = x[j], x[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return
		}
	}
}

// Diff returns "" when got equals want outside the masked ranges, else a
// description of the first differences: lengths, and up to 8 differing
// bytes with their offsets.
func Diff(want, got []byte, mask []ByteRange) string {
	if bytes.Equal(want, got) {
		return ""
	}
	masked := func(i int) bool {
		for _, m := range mask {
			if i >= m.Off && i < m.Off+m.Len {
				return true
			}
		}
		return false
	}
	var b strings.Builder
	if len(want) != len(got) {
		fmt.Fprintf(&b, "length %d, want %d", len(got), len(want))
	}
	n, shown := min(len(want), len(got)), 0
	for i := 0; i < n; i++ {
		if want[i] == got[i] || masked(i) {
			continue
		}
		if shown == 8 {
			b.WriteString(" …")
			break
		}
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "byte %d: %#02x, want %#02x", i, got[i], want[i])
		shown++
	}
	return b.String()
}

func (k qkey) less(o qkey) bool {
	if k.stream != o.stream {
		return k.stream < o.stream
	}
	if k.dst != o.dst {
		return k.dst < o.dst
	}
	return k.flow < o.flow
}

// Reset tells the scoreboard that endpoint e's device function was reset
// at time at: frames in flight to or from it may be lost. Those that still
// arrive count as received; those that never do count as predicted drops,
// not missing.
func (sb *Scoreboard) Reset(e Endpoint, at sim.Time) {
	name := sb.name(e)
	for k, q := range sb.expect {
		st := sb.streams[k.stream]
		if k.dst != e && (st == nil || st.From != name) {
			continue
		}
		for i := q.head; i < len(q.q); i++ {
			if q.q[i].at <= at {
				q.q[i].void = true
			}
		}
		for i := range q.late {
			if q.late[i].at <= at {
				q.late[i].void = true
			}
		}
	}
}

// diff compares a delivered frame with what was expected: the kept bytes
// byte by byte (masks applied), the rest with its fill pattern or by hash.
func (e entry) diff(got []byte, mask []ByteRange) string {
	if len(got) == e.n {
		if e.hash == patternHash {
			if bytes.Equal(e.data, got[:len(e.data)]) && (e.n == len(e.data) || ether.FillIntact(got, len(e.data))) {
				return ""
			}
		} else if frameSum(got) == e.hash {
			return ""
		}
	}
	k := min(len(got), len(e.data))
	var d string
	if len(got) != e.n {
		d = fmt.Sprintf("length %d, want %d", len(got), e.n)
	}
	if head := Diff(e.data, got[:k], mask); head != "" {
		if d != "" {
			d += "; "
		}
		return d + head
	}
	if len(mask) > 0 && len(got) == e.n && e.n <= keepBytes {
		return "" // the differences are all in masked fields
	}
	if d != "" {
		return d
	}
	if e.hash == patternHash {
		// Past the kept bytes, the pattern is the truth, masked or not.
		if ether.FillIntact(got, len(e.data)) {
			return ""
		}
		return fmt.Sprintf("bytes past %d differ from the fill pattern (the first %d match)", len(e.data), len(e.data))
	}
	if len(mask) > 0 {
		// Masked fields changed the hash; beyond the kept bytes nothing
		// can be said either way: trust the header comparison.
		return ""
	}
	return fmt.Sprintf("bytes past %d differ (the first %d match)", len(e.data), len(e.data))
}

// Shaped tells the scoreboard that the card's shaper dropped n frames to or
// from endpoint e (allowances are timing, which an untimed reference model
// cannot predict frame by frame). At Finish, up to n frames of e's streams
// that never arrived count as shaped drops instead of missing: a shaper
// that drops more than it counts still shows missing frames, and one that
// counts more than it drops leaves Unexplained above zero.
func (sb *Scoreboard) Shaped(e Endpoint, n uint64) {
	if sb.shaped == nil {
		sb.shaped = map[string]uint64{}
	}
	sb.shaped[sb.name(e)] += n
}

// Unexplained returns the shaper drops Shaped announced for which no frame
// went missing.
func (sb *Scoreboard) Unexplained(e Endpoint) uint64 { return sb.shaped[sb.name(e)] }
