package ether

import (
	"encoding/binary"
	"errors"
)

// Test frames: Ethernet + IPv4 + UDP, with a stamp at the start of the UDP
// payload that names the stream and the frame's sequence number, so every
// receiver (a driver's application or a wire sink) can count per stream and
// notice loss, duplication and reordering.
//
//	14 Ethernet │ 20 IPv4 (proto 17) │ 8 UDP │ stamp: "NF" stream(2) seq(8) │ fill
const (
	stampOff   = HeaderLen + 20 + 8
	stampMagic = 0x4e46 // "NF"
	// StampedMin is the smallest frame (without FCS) that holds a stamp.
	StampedMin = stampOff + 12
)

// Flow is what a test frame carries in its headers.
type Flow struct {
	Dst, Src         MAC
	SrcIP, DstIP     [4]byte
	SrcPort, DstPort uint16
}

// BuildUDP fills p (len(p) is the frame length without FCS, at least
// StampedMin... shorter frames get a truncated stamp) with a stamped test
// frame.
func BuildUDP(p []byte, fl *Flow, stream uint16, seq uint64) {
	copy(p[0:6], fl.Dst[:])
	copy(p[6:12], fl.Src[:])
	binary.BigEndian.PutUint16(p[12:14], 0x0800)
	ip := p[HeaderLen:]
	ipLen := len(p) - HeaderLen
	ip[0] = 0x45
	ip[1] = 0
	binary.BigEndian.PutUint16(ip[2:4], uint16(ipLen))
	binary.BigEndian.PutUint16(ip[4:6], 0)
	ip[6], ip[7] = 0x40, 0 // DF
	ip[8] = 64
	ip[9] = 17
	ip[10], ip[11] = 0, 0
	copy(ip[12:16], fl.SrcIP[:])
	copy(ip[16:20], fl.DstIP[:])
	binary.BigEndian.PutUint16(ip[10:12], ipChecksum(ip[:20]))
	udp := ip[20:]
	binary.BigEndian.PutUint16(udp[0:2], fl.SrcPort)
	binary.BigEndian.PutUint16(udp[2:4], fl.DstPort)
	binary.BigEndian.PutUint16(udp[4:6], uint16(ipLen-20))
	binary.BigEndian.PutUint16(udp[6:8], 0) // no UDP checksum
	st := udp[8:]
	binary.BigEndian.PutUint16(st[0:2], stampMagic)
	binary.BigEndian.PutUint16(st[2:4], stream)
	binary.BigEndian.PutUint64(st[4:12], seq)
	fill(st, seq)
}

// SetSeq rewrites the sequence number of a stamped frame built by BuildUDP
// (and its fill pattern), leaving the headers as they are.
func SetSeq(p []byte, seq uint64) {
	if len(p) < StampedMin {
		return
	}
	st := p[stampOff:]
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

// ErrNoStamp says a frame is not a test frame.
var ErrNoStamp = errors.New("ether: frame carries no nicforge stamp")

// ParseStamp returns the stream and sequence number of a test frame.
func ParseStamp(p []byte) (stream uint16, seq uint64, err error) {
	if len(p) < StampedMin || binary.BigEndian.Uint16(p[12:14]) != 0x0800 || p[HeaderLen+9] != 17 {
		return 0, 0, ErrNoStamp
	}
	st := p[stampOff:]
	if binary.BigEndian.Uint16(st[0:2]) != stampMagic {
		return 0, 0, ErrNoStamp
	}
	return binary.BigEndian.Uint16(st[2:4]), binary.BigEndian.Uint64(st[4:12]), nil
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
// built in full and kept; later ones copy it and set their sequence number
// (the headers do not depend on it). The zero value is ready to use.
type Templates struct {
	byLen map[int][]byte
}

// Build writes frame seq of stream into p.
func (t *Templates) Build(p []byte, fl *Flow, stream uint16, seq uint64) {
	if t.byLen == nil {
		t.byLen = map[int][]byte{}
	}
	tm := t.byLen[len(p)]
	if tm == nil {
		tm = make([]byte, len(p))
		BuildUDP(tm, fl, stream, 0)
		t.byLen[len(p)] = tm
	}
	copy(p, tm)
	SetSeq(p, seq)
}
