package ixgbe

import (
	"encoding/binary"

	"github.com/nicforge/nicforge/model/ether"
)

// filterTable caches the receive-address table (RAL/RAH with the MPSAR
// pool bitmaps) as a map, rebuilt after any write to those registers: the
// hardware matches all 128 entries in parallel, the model in one lookup.
type filterTable struct {
	dirty bool
	m     map[ether.MAC]uint64
	// The last two answers: a stream of frames asks about the same few
	// addresses over and over.
	memo     [2]ether.MAC
	memoPool [2]uint64
	memoOK   [2]bool
	memoNext int
}

func (t *filterTable) lookup(d *Device, mac ether.MAC) uint64 {
	if t.dirty || t.m == nil {
		t.rebuild(d)
	}
	for i := range t.memo {
		if t.memoOK[i] && t.memo[i] == mac {
			return t.memoPool[i]
		}
	}
	p := t.m[mac]
	i := t.memoNext
	t.memo[i], t.memoPool[i], t.memoOK[i] = mac, p, true
	t.memoNext ^= 1
	return p
}

func (t *filterTable) rebuild(d *Device) {
	t.dirty = false
	t.memoOK = [2]bool{}
	if t.m == nil {
		t.m = map[ether.MAC]uint64{}
	}
	clear(t.m)
	vt := d.pfGet(pfVTCTL)&vtctlVTEna != 0
	for i := 0; i < 128; i++ {
		if !d.pfHas(pfRAH(i)) {
			continue
		}
		rah := d.pfGet(pfRAH(i))
		if rah&rahAV == 0 {
			continue
		}
		var m ether.MAC
		binary.LittleEndian.PutUint32(m[0:4], d.pfGet(pfRAL(i)))
		binary.LittleEndian.PutUint16(m[4:6], uint16(rah))
		pools := uint64(1)
		if vt && d.pfHas(pfMPSARLo(i)) {
			pools = uint64(d.pfGet(pfMPSARLo(i))) | uint64(d.pfGet(pfMPSARHi(i)))<<32
		}
		t.m[m] |= pools
	}
}
