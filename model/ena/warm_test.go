package ena

import (
	"encoding/binary"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/nicforge/nicforge/model/pcie"
	"github.com/nicforge/nicforge/sim"
)

// access is a buffer read or a warm hint, as warmingMem logs it.
type access struct {
	op   string
	addr uint64
	n    int
}

// warmingMem is hostMem that also takes warm hints, and logs the hints and
// the reads in order.
type warmingMem struct {
	*hostMem
	log []access
}

func (w *warmingMem) Read(f pcie.Func, at sim.Time, addr uint64, p []byte) (sim.Time, error) {
	w.log = append(w.log, access{"read", addr, len(p)})
	return w.hostMem.Read(f, at, addr, p)
}

func (w *warmingMem) Warm(addr uint64, n int) { w.log = append(w.log, access{"warm", addr, n}) }

// The Tx engine announces each packet's buffer while warmAheadDescs
// packets are still ahead of it, and only buffers it then reads: the hint
// is exact, and early.
func TestTxWarmsBuffersAhead(t *testing.T) {
	const packets, bufAt, bufLen = 16, 0x3800, 60
	var w *warmingMem
	c, _, h, now := txQueueRig(t, func(h *hostMem) pcie.Upstream {
		w = &warmingMem{hostMem: h}
		return w
	})
	le := binary.LittleEndian
	for i := range packets {
		d := h.b[txSQAt+i*descSize:]
		le.PutUint32(d[0:], bufLen|txPhase|txFirst|txLast|txCompReq)
		le.PutUint32(d[8:], uint32(bufAt+i*bufLen))
	}
	w.log = nil
	*now += sim.Microsecond
	c.MMIOWrite(pcie.PF, 0, doorbellBase, packets, *now)
	*now += sim.Millisecond
	c.Advance(*now)

	var bufs []access // the buffer reads and hints, in order (not the descriptor reads)
	for _, a := range w.log {
		if a.addr >= bufAt {
			bufs = append(bufs, a)
		}
	}
	// Packet i is announced right after packet i-warmAheadDescs-1 is read.
	var want []access
	for i := range packets {
		want = append(want, access{"read", uint64(bufAt + i*bufLen), bufLen})
		if j := i + warmAheadDescs + 1; j < packets {
			want = append(want, access{"warm", uint64(bufAt + j*bufLen), bufLen})
		}
	}
	if diff := cmp.Diff(want, bufs, cmp.AllowUnexported(access{})); diff != "" {
		t.Fatalf("buffer reads and warm hints (-want +got):\n%s", diff)
	}
}
