package ether

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math/bits"
	"sync"
	"sync/atomic"
)

// Test frames: Ethernet, IPv4 or IPv6, UDP, TCP or ICMP, with a stamp at
// the start of the L4 payload that names the stream and the frame's
// sequence number, so every receiver (a driver's application or a wire
// sink) can count per stream and notice loss, duplication and reordering.
//
//	14 Ethernet │ 20 IPv4 or 40 IPv6 │ 8 UDP, 20 TCP or 8 ICMP │ stamp: "NF" stream(2) seq(8) │ fill
//
// The IPv4 header checksum is computed; L4 checksums are left zero (the
// card does not check them, and the fill changes with every frame).
const (
	stampMagic = 0x4e46 // "NF"
	stampLen   = 12
	// StampedMin is the smallest IPv4/UDP frame (without FCS) that holds
	// a stamp; other protocols need their longer headers on top.
	StampedMin = HeaderLen + 20 + 8 + stampLen
)

// IP protocol numbers of test frames.
const (
	ProtoICMP   = 1
	ProtoTCP    = 6
	ProtoUDP    = 17
	ProtoICMPv6 = 58
)

// Flow is what a test frame carries in its headers. Proto 0 is UDP;
// IPv6 selects SrcIP6/DstIP6 over SrcIP/DstIP; ICMP (and ICMPv6) frames
// carry ICMPType and ICMPCode instead of ports.
type Flow struct {
	Dst, Src           MAC
	SrcIP, DstIP       [4]byte
	SrcPort, DstPort   uint16
	Proto              uint8
	IPv6               bool
	SrcIP6, DstIP6     [16]byte
	ICMPType, ICMPCode uint8
}

// proto returns the IP protocol number fl's frames carry.
func (fl *Flow) proto() uint8 {
	switch {
	case fl.Proto == 0:
		return ProtoUDP
	case fl.Proto == ProtoICMP && fl.IPv6:
		return ProtoICMPv6
	}
	return fl.Proto
}

func l4Len(proto uint8) int {
	if proto == ProtoTCP {
		return 20
	}
	return 8
}

// StampOffset returns where the stamp of a frame with fl's headers
// starts.
func (fl *Flow) StampOffset() int {
	ip := 20
	if fl.IPv6 {
		ip = 40
	}
	return HeaderLen + ip + l4Len(fl.proto())
}

// BuildUDP fills p with a stamped test frame of fl; the name stays from
// when every test frame was UDP (see BuildFrame).
func BuildUDP(p []byte, fl *Flow, stream uint16, seq uint64) { BuildFrame(p, fl, stream, seq) }

// BuildFrame fills p (len(p) is the frame length without FCS) with a
// stamped test frame of fl. A frame too short for its stamp gets its
// headers and as much of the stamp as fits.
func BuildFrame(p []byte, fl *Flow, stream uint16, seq uint64) {
	off := fl.StampOffset()
	clear(p[:min(len(p), off)])
	copy(p[0:6], fl.Dst[:])
	copy(p[6:12], fl.Src[:])
	proto := fl.proto()
	ipHdr := 20
	var l4 []byte
	if fl.IPv6 {
		ipHdr = 40
		binary.BigEndian.PutUint16(p[12:14], 0x86DD)
		ip := p[HeaderLen:]
		ip[0] = 0x60
		binary.BigEndian.PutUint16(ip[4:6], uint16(max(len(p)-HeaderLen-40, 0)))
		ip[6], ip[7] = proto, 64
		copy(ip[8:24], fl.SrcIP6[:])
		copy(ip[24:40], fl.DstIP6[:])
		l4 = ip[40:]
	} else {
		binary.BigEndian.PutUint16(p[12:14], 0x0800)
		ip := p[HeaderLen:]
		ip[0] = 0x45
		binary.BigEndian.PutUint16(ip[2:4], uint16(len(p)-HeaderLen))
		ip[6], ip[7] = 0x40, 0 // DF
		ip[8], ip[9] = 64, proto
		copy(ip[12:16], fl.SrcIP[:])
		copy(ip[16:20], fl.DstIP[:])
		binary.BigEndian.PutUint16(ip[10:12], ipChecksum(ip[:20]))
		l4 = ip[20:]
	}
	switch proto {
	case ProtoUDP:
		binary.BigEndian.PutUint16(l4[0:2], fl.SrcPort)
		binary.BigEndian.PutUint16(l4[2:4], fl.DstPort)
		binary.BigEndian.PutUint16(l4[4:6], uint16(len(p)-HeaderLen-ipHdr))
	case ProtoTCP:
		binary.BigEndian.PutUint16(l4[0:2], fl.SrcPort)
		binary.BigEndian.PutUint16(l4[2:4], fl.DstPort)
		l4[12] = 5 << 4       // data offset: 20 bytes
		l4[13] = 0x18         // PSH, ACK
		l4[14], l4[15] = 1, 0 // window 256
	case ProtoICMP, ProtoICMPv6:
		l4[0], l4[1] = fl.ICMPType, fl.ICMPCode
	}
	if len(p) <= off {
		return
	}
	var st [stampLen]byte
	binary.BigEndian.PutUint16(st[0:2], stampMagic)
	binary.BigEndian.PutUint16(st[2:4], stream)
	binary.BigEndian.PutUint64(st[4:12], seq)
	copy(p[off:], st[:])
	if len(p) >= off+stampLen {
		fill(p[off:], seq)
	}
}

// stampAt returns where a test frame's stamp starts, or -1 when p is no
// test frame with a whole stamp.
func stampAt(p []byte) int {
	if len(p) < StampedMin {
		return -1
	}
	var proto byte
	var off int
	switch binary.BigEndian.Uint16(p[12:14]) {
	case 0x0800:
		proto, off = p[HeaderLen+9], HeaderLen+int(p[HeaderLen]&0xF)*4
	case 0x86DD:
		if len(p) < HeaderLen+40 {
			return -1
		}
		proto, off = p[HeaderLen+6], HeaderLen+40
	default:
		return -1
	}
	switch proto {
	case ProtoUDP, ProtoICMP, ProtoICMPv6:
		off += 8
	case ProtoTCP:
		off += 20
	default:
		return -1
	}
	if len(p) < off+stampLen || binary.BigEndian.Uint16(p[off:]) != stampMagic {
		return -1
	}
	return off
}

// SetSeq rewrites the sequence number of a stamped frame built by BuildUDP
// (and its fill pattern), leaving the headers as they are.
func SetSeq(p []byte, seq uint64) {
	off := stampAt(p)
	if off < 0 {
		return
	}
	st := p[off:]
	binary.BigEndian.PutUint64(st[4:12], seq)
	fill(st, seq)
}

// fillRows[s][j] is s ^ j: the fill pattern, a row per low byte of the
// sequence number, so a frame's fill is a few copies, not a byte loop.
var fillRows = func() (r [256][256]byte) {
	for s := range r {
		for j := range r[s] {
			r[s][j] = byte(s) ^ byte(j)
		}
	}
	return r
}()

// fill writes byte(seq) ^ byte(i) into st[i] for i from 12 on.
func fill(st []byte, seq uint64) {
	row := &fillRows[byte(seq)]
	for i := 12; i < len(st); {
		i += copy(st[i:], row[i&0xFF:])
	}
}

func ipChecksum(h []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(h); i += 2 {
		s += uint32(binary.BigEndian.Uint16(h[i:]))
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

// FillFrom returns where the fill pattern of p, a stamped test frame,
// begins (the byte after its stamp), or -1 for a frame without a stamp.
func FillFrom(p []byte) int {
	off := stampAt(p)
	if off < 0 {
		return -1
	}
	return off + stampLen
}

// FillIntact reports whether p[from:] is the fill pattern of the stamped
// frame p: byte(seq) ^ byte(i) at i bytes from the stamp's start, as
// BuildFrame writes it. from must be FillFrom(p) or later; a frame without
// a stamp, or an earlier from, is reported false.
func FillIntact(p []byte, from int) bool {
	off := stampAt(p)
	if off < 0 || from < off+stampLen {
		return false
	}
	row := &fillRows[p[off+stampLen-1]] // the sequence number's low byte
	for i := from - off; off+i < len(p); {
		j := i & 0xFF
		n := min(len(p)-off-i, len(row)-j)
		if !bytes.Equal(p[off+i:off+i+n], row[j:j+n]) {
			return false
		}
		i += n
	}
	return true
}

// ErrNoStamp says a frame is not a test frame.
var ErrNoStamp = errors.New("ether: frame carries no nicforge stamp")

// ParseStamp returns the stream and sequence number of a test frame.
func ParseStamp(p []byte) (stream uint16, seq uint64, err error) {
	off := stampAt(p)
	if off < 0 {
		return 0, 0, ErrNoStamp
	}
	st := p[off:]
	return binary.BigEndian.Uint16(st[2:4]), binary.BigEndian.Uint64(st[4:12]), nil
}

// ParseStampPorts is ParseStamp that also returns the frame's TCP or UDP
// ports (source port in the high half; 0 for ICMP): one walk over the
// headers where a scoreboard keying frames by flow would make two.
func ParseStampPorts(p []byte) (stream uint16, seq uint64, ports uint32, err error) {
	off := stampAt(p)
	if off < 0 {
		return 0, 0, 0, ErrNoStamp
	}
	proto := p[HeaderLen+9]
	if p[12] == 0x86 {
		proto = p[HeaderLen+6]
	}
	switch proto {
	case ProtoUDP:
		ports = binary.BigEndian.Uint32(p[off-8:])
	case ProtoTCP:
		ports = binary.BigEndian.Uint32(p[off-20:])
	}
	st := p[off:]
	return binary.BigEndian.Uint16(st[2:4]), binary.BigEndian.Uint64(st[4:12]), ports, nil
}

// StreamCounter counts stamped frames of one stream as they arrive and
// notices what a scoreboard cares about: gaps, duplicates, reordering.
type StreamCounter struct {
	Received   uint64
	Bytes      uint64
	Next       uint64 // next expected sequence number
	OutOfOrder uint64
	Duplicates uint64
	Corrupt    uint64
}

// Count records one frame with sequence number seq.
func (c *StreamCounter) Count(seq uint64, wireLen int) {
	c.Received++
	c.Bytes += uint64(wireLen)
	switch {
	case seq == c.Next:
		c.Next++
	case seq > c.Next:
		c.OutOfOrder++ // a gap: something before it is missing or late
		c.Next = seq + 1
	default:
		c.Duplicates++
	}
}

// Templates builds stamped frames fast: the first frame of each length is
// built in full and its headers kept; later ones copy the headers and write
// their own stamp and fill (the headers do not depend on the sequence
// number), so each byte of a frame is written once. The zero value is
// ready to use.
type Templates struct {
	byLen map[int]*template
	last  *template // the previous Build's: streams send runs of one length
}

type template struct {
	n    int
	zero []byte // the whole frame of sequence number 0
	head []byte // the frame up to its stamp's sequence number (in zero)
	off  int    // where the stamp starts, or -1: too short for a whole one
	sums *templateSums
}

// templateSums turn a frame's sequence number into its CRC-32C without a
// pass over its bytes. Frame s is the frame of sequence number 0 XOR the
// big-endian s in the stamp XOR the byte byte(s) over the whole fill
// (fill byte i of frame s is byte(s)^byte(i)). Over messages of one
// length a CRC is affine, crc(x) = lin(x) ^ crc(zeros), so
// crc(frame s) = crc(frame 0) ^ lin(fill part) ^ lin(stamp part), and both
// parts are linear in the bits of s: 72 CRCs give the parts of single
// bits, and XORs of those the tables by byte value.
type templateSums struct {
	zero uint32 // CRC of the frame of sequence number 0
	*sumTables
}

// sumTables depend only on a frame's length and stamp offset, so every
// template of that shape shares them, across runs in one process.
type sumTables struct {
	fill  [256]uint32    // lin of the fill difference for byte(s)
	stamp [8][256]uint32 // lin of the stamp difference for byte i of s (i = 0: lowest)
}

// sumTablesByShape keeps up to maxSumShapes shapes (9 KiB each): a run of
// mixed sizes makes more, which are built per template instead.
var (
	sumTablesByShape sync.Map // [2]int{length, stamp offset} → *sumTables
	sumShapes        atomic.Int32
)

const maxSumShapes = 512

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// CRC32C is the CRC-32C (Castagnoli) of p, as BuildSum reports it.
func CRC32C(p []byte) uint32 { return crc32.Checksum(p, castagnoli) }

func newTemplateSums(frame0 []byte, off int) *templateSums {
	shape := [2]int{len(frame0), off}
	t, ok := sumTablesByShape.Load(shape)
	switch {
	case ok:
	case sumShapes.Load() < maxSumShapes:
		var loaded bool
		if t, loaded = sumTablesByShape.LoadOrStore(shape, newSumTables(len(frame0), off)); !loaded {
			sumShapes.Add(1)
		}
	default:
		t = newSumTables(len(frame0), off)
	}
	return &templateSums{zero: CRC32C(frame0), sumTables: t.(*sumTables)}
}

func newSumTables(n, off int) *sumTables {
	s := &sumTables{}
	d := make([]byte, n)
	zeros := CRC32C(d) // the affine constant: crc(x) = lin(x) ^ zeros
	var fillBit [8]uint32
	var stampBit [64]uint32
	for b := range stampBit {
		binary.BigEndian.PutUint64(d[off+4:], 1<<b)
		stampBit[b] = CRC32C(d) ^ zeros
	}
	clear(d)
	for b := range fillBit {
		for i := off + stampLen; i < n; i++ {
			d[i] = 1 << b
		}
		fillBit[b] = CRC32C(d) ^ zeros
	}
	// A value's entry is the entry without its lowest set bit XOR that bit's.
	for v := 1; v < 256; v++ {
		low := bits.TrailingZeros(uint(v))
		s.fill[v] = s.fill[v&(v-1)] ^ fillBit[low]
		for i := range s.stamp {
			s.stamp[i][v] = s.stamp[i][v&(v-1)] ^ stampBit[8*i+low]
		}
	}
	return s
}

func (s *templateSums) sum(seq uint64) uint32 {
	return s.zero ^ s.fill[byte(seq)] ^
		s.stamp[0][byte(seq)] ^ s.stamp[1][byte(seq>>8)] ^ s.stamp[2][byte(seq>>16)] ^ s.stamp[3][byte(seq>>24)] ^
		s.stamp[4][byte(seq>>32)] ^ s.stamp[5][byte(seq>>40)] ^ s.stamp[6][byte(seq>>48)] ^ s.stamp[7][byte(seq>>56)]
}

// Build writes frame seq of stream into p.
func (t *Templates) Build(p []byte, fl *Flow, stream uint16, seq uint64) {
	t.build(p, fl, stream, seq)
}

// BuildSum is Build that also returns the frame's CRC32C, taken from
// tables made with the template (see templateSums), not from the bytes.
func (t *Templates) BuildSum(p []byte, fl *Flow, stream uint16, seq uint64) uint32 {
	tm := t.build(p, fl, stream, seq)
	if tm.off < 0 {
		return CRC32C(p)
	}
	if tm.sums == nil {
		tm.sums = newTemplateSums(tm.zero, tm.off)
	}
	return tm.sums.sum(seq)
}

func (t *Templates) build(p []byte, fl *Flow, stream uint16, seq uint64) *template {
	tm := t.last
	if tm == nil || tm.n != len(p) {
		if t.byLen == nil {
			t.byLen = map[int]*template{}
		}
		tm = t.byLen[len(p)]
		if tm == nil {
			full := make([]byte, len(p))
			BuildFrame(full, fl, stream, 0)
			tm = &template{n: len(p), zero: full, head: full, off: stampAt(full)}
			if tm.off >= 0 {
				tm.head = full[:tm.off+4] // magic and stream; seq follows
			}
			t.byLen[len(p)] = tm
		}
		t.last = tm
	}
	if tm.off < 0 {
		// Part of the sequence number is in the frame: build it whole.
		BuildFrame(p, fl, stream, seq)
		return tm
	}
	copy(p, tm.head)
	st := p[tm.off:]
	binary.BigEndian.PutUint64(st[4:12], seq)
	fill(st, seq)
	return tm
}
