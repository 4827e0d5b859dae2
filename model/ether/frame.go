package ether

import (
	"encoding/binary"
	"fmt"
)

// Overheads on the line.
const (
	FCSLen      = 4
	PreambleSFD = 8
	IFG         = 12
	// LineOverhead is what a frame costs on the line besides its bytes.
	LineOverhead = PreambleSFD + IFG
	MinFrame     = 64 // with FCS
	HeaderLen    = 14
)

// MAC is an Ethernet address.
type MAC [6]byte

// Broadcast is ff:ff:ff:ff:ff:ff.
var Broadcast = MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

func (m MAC) String() string {
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5])
}

// IsMulticast reports the group bit (broadcast included).
func (m MAC) IsMulticast() bool { return m[0]&1 != 0 }

// Frame is a frame inside the card.
type Frame struct {
	Data []byte // without FCS
	// Origin: the pool (VF index, or the PF pool) it came from, or -1 for
	// the uplink.
	SrcPool int
	// SrcQueue is the PF queue index it was transmitted from (-1: none).
	SrcQueue int
	// Loopback marks a frame the VEB switched between pools.
	Loopback bool
	// Hash is the RSS hash computed on receive.
	Hash uint32
	// Templated marks Data built by Templates: past its stamp it carries
	// the fill pattern, which a scoreboard compares byte for byte.
	Templated bool
	pool      *Pool
}

// WireLen is the frame's length on the wire, FCS included.
func (f *Frame) WireLen() int { return len(f.Data) + FCSLen }

// LineBytes is the bytes of line time the frame takes.
func (f *Frame) LineBytes() int { return len(f.Data) + FCSLen + LineOverhead }

// Dst returns the destination MAC (zero when the frame is too short).
func (f *Frame) Dst() (m MAC) {
	if len(f.Data) >= 6 {
		copy(m[:], f.Data[0:6])
	}
	return m
}

// Src returns the source MAC (zero when the frame is too short).
func (f *Frame) Src() (m MAC) {
	if len(f.Data) >= 12 {
		copy(m[:], f.Data[6:12])
	}
	return m
}

// EtherType returns the outer EtherType, or 0 for a runt.
func (f *Frame) EtherType() uint16 {
	if len(f.Data) < HeaderLen {
		return 0
	}
	return binary.BigEndian.Uint16(f.Data[12:14])
}

// Release returns the frame to its pool.
func (f *Frame) Release() {
	if f.pool != nil {
		f.pool.put(f)
	}
}

// Pool recycles frames so the data path does not allocate per packet.
type Pool struct {
	free []*Frame
}

// Get returns a frame holding a copy of data.
func (p *Pool) Get(n int) *Frame {
	var f *Frame
	if k := len(p.free); k > 0 {
		f = p.free[k-1]
		p.free = p.free[:k-1]
	} else {
		f = &Frame{pool: p}
	}
	if cap(f.Data) < n {
		// Round up to 256 bytes: small frames stay small (a MAC buffer
		// full of 64-byte frames holds thousands of them), and a reused
		// frame grows only when it must.
		f.Data = make([]byte, n, (n+255)&^255)
	}
	f.Data = f.Data[:n]
	f.SrcPool, f.SrcQueue, f.Loopback, f.Hash, f.Templated = -1, -1, false, 0, false
	return f
}

func (p *Pool) put(f *Frame) {
	if len(p.free) < 65536 {
		p.free = append(p.free, f)
	}
}
