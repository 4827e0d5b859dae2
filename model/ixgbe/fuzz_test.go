package ixgbe

import (
	"encoding/binary"
	"testing"

	"github.com/nicforge/nicforge/model/pcie"
	"github.com/nicforge/nicforge/sim"
)

// Any sequence of register writes, to any function, at any offset, leaves
// the model running: bad input is flagged, never a panic or a hang.
func FuzzRegisterWrites(f *testing.F) {
	seed := make([]byte, 0, 64)
	for _, w := range [][3]uint32{{0, pfCTRL, ctrlRST}, {0, 0x2028, txdctlEnable}, {1, vfCTRL, ctrlRST}, {1, 0x2028, txdctlEnable}, {1, 0x2018, 9}, {0, 0x4B00, 0xFF}} {
		seed = binary.LittleEndian.AppendUint32(seed, w[0])
		seed = binary.LittleEndian.AppendUint32(seed, w[1])
		seed = binary.LittleEndian.AppendUint32(seed, w[2])
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, data []byte) {
		r := newRig(t, false)
		r.cfgw(pcie.PF, 0x110, 2) // NumVFs
		r.cfgw(pcie.PF, 0x108, 9) // VF Enable | VF MSE
		for len(data) >= 12 && r.now < sim.Millisecond {
			fn := pcie.Func(binary.LittleEndian.Uint32(data) % 4)
			off := binary.LittleEndian.Uint32(data[4:]) % 0x14000 &^ 3
			v := binary.LittleEndian.Uint32(data[8:])
			data = data[12:]
			r.w(fn, off, v)
			r.rd(fn, off)
			r.run(sim.Microsecond)
		}
		r.run(100 * sim.Microsecond)
	})
}

// Garbage descriptors in a running Tx ring are dropped or sent, flagged
// when malformed, and the engine keeps going.
func FuzzTxDescriptors(f *testing.F) {
	good := make([]byte, 16)
	binary.LittleEndian.PutUint64(good, 0x20000)
	binary.LittleEndian.PutUint32(good[8:], 60|txdDTYPData|txdCmdDEXT|txdCmdEOP|txdCmdRS)
	f.Add(append(good, good...))
	f.Add(make([]byte, 64))
	f.Fuzz(func(t *testing.T, descs []byte) {
		r := newRig(t, false)
		r.bringUpPF()
		const ring = 0x10000
		copy(r.h.mem[ring:ring+64*16], descs)
		r.txRing(pcie.PF, pfTxQueue(0), ring, 64)
		n := uint32(len(descs)/16) % 64
		r.w(pcie.PF, pfTxQueue(0)+qT, n)
		r.run(50 * sim.Microsecond)
		// Whatever the descriptors said, the engine consumed what it was
		// given or is waiting for the rest of a packet, and still runs.
		if h := r.rd(pcie.PF, pfTxQueue(0)+qH); h > n {
			t.Fatalf("head %d passed the tail %d", h, n)
		}
	})
}
