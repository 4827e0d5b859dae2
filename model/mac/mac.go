package mac

import (
	"fmt"

	"github.com/nicforge/nicforge/model/ether"
	"github.com/nicforge/nicforge/rtl"
	"github.com/nicforge/nicforge/sim"
)

// Sink is the far end of a line: it gets each frame with the time its last
// bit arrives. It must not keep f after returning unless it owns it: the
// MAC releases frames a Sink does not claim by returning true.
type Sink interface {
	Receive(f *ether.Frame, at sim.Time) (kept bool)
}

// ByteClock returns the clock with one edge per byte time at speed bit/s.
func ByteClock(name string, bitsPerSec uint64) (sim.Clock, error) {
	if bitsPerSec == 0 || uint64(sim.Second)*8%bitsPerSec != 0 {
		return sim.Clock{}, fmt.Errorf("mac %s: line rate %d bit/s does not give a whole-picosecond byte time", name, bitsPerSec)
	}
	return sim.Clock{Name: name, Period: sim.Time(uint64(sim.Second) * 8 / bitsPerSec)}, nil
}

// LineRatePPS is the frame rate of back-to-back frames of size bytes (FCS
// included) at bitsPerSec.
func LineRatePPS(bitsPerSec float64, size int) float64 {
	return bitsPerSec / float64((size+ether.LineOverhead)*8)
}

type txEntry struct {
	f     *ether.Frame
	after sim.Time // visible at edges after this time
}

// Tx is the transmit side.
type Tx struct {
	proc     *rtl.Proc
	clk      sim.Clock
	q        []txEntry
	head, n  int
	bytes    int
	Capacity int // Tx packet buffer bytes
	busy     sim.Time
	Peer     Sink
	// OnStart observes every frame when its first bit goes out (for
	// traces and captures).
	OnStart func(f *ether.Frame, start sim.Time)
	// OnDepart is the owning device's own hook at the same moment (its
	// transmit statistics).
	OnDepart func(f *ether.Frame, start sim.Time)
	// OnSpace is called when a frame leaves the buffer, so a stalled
	// producer can retry.
	OnSpace func(at sim.Time)
	Frames  uint64
	Bytes   uint64
}

// NewTx registers a transmit MAC with a kernel.
func NewTx(k *rtl.Kernel, name string, clk sim.Clock, capacity int) *Tx {
	t := &Tx{clk: clk, Capacity: capacity, q: make([]txEntry, 1024)} // a power of two: indices wrap by mask
	t.proc = k.Add(name, clk, t)
	return t
}

// Free returns the free bytes in the packet buffer.
func (t *Tx) Free() int { return t.Capacity - t.bytes }

// Enqueue puts a frame into the packet buffer at time at. It returns false
// when the buffer cannot hold it; the caller keeps the frame.
func (t *Tx) Enqueue(f *ether.Frame, at sim.Time) bool {
	sz := f.WireLen()
	if t.bytes+sz > t.Capacity {
		return false
	}
	if t.n == len(t.q) {
		nq := make([]txEntry, 2*len(t.q))
		for i := 0; i < t.n; i++ {
			nq[i] = t.q[(t.head+i)&(len(t.q)-1)]
		}
		t.q, t.head = nq, 0
	}
	t.q[(t.head+t.n)&(len(t.q)-1)] = txEntry{f, at}
	t.n++
	t.bytes += sz
	// A busy MAC comes back by itself when the line frees; only an idle
	// one needs waking.
	if t.n == 1 {
		t.proc.Wake(sim.Max(at+1, t.busy))
	}
	return true
}

// Tick implements rtl.Component.
func (t *Tx) Tick(now sim.Time) sim.Time {
	if now < t.busy {
		return t.busy
	}
	if t.n == 0 {
		return sim.Never
	}
	e := t.q[t.head]
	if e.after >= now {
		return now + 1
	}
	t.q[t.head] = txEntry{}
	t.head = (t.head + 1) & (len(t.q) - 1)
	t.n--
	f := e.f
	t.bytes -= f.WireLen()
	end := now + sim.Time(f.LineBytes())*t.clk.Period
	t.busy = end
	t.Frames++
	t.Bytes += uint64(f.WireLen())
	if t.OnDepart != nil {
		t.OnDepart(f, now)
	}
	if t.OnStart != nil {
		t.OnStart(f, now)
	}
	if t.OnSpace != nil {
		t.OnSpace(now)
	}
	// The last bit of the frame (before the IFG) is in at end - IFG bytes.
	lastBit := end - sim.Time(ether.IFG)*t.clk.Period
	if t.Peer == nil || !t.Peer.Receive(f, lastBit) {
		f.Release()
	}
	return end
}

type rxEntry struct {
	f  *ether.Frame
	at sim.Time
}

// RxPort queues frames from the line until their arrival time and then
// hands them to Handler at the next edge of its clock.
type RxPort struct {
	proc    *rtl.Proc
	q       []rxEntry
	head, n int
	Handler func(f *ether.Frame, now sim.Time)
	Frames  uint64
}

// NewRxPort registers a receive port with a kernel.
func NewRxPort(k *rtl.Kernel, name string, clk sim.Clock) *RxPort {
	r := &RxPort{q: make([]rxEntry, 256)} // a power of two, as Tx's
	r.proc = k.Add(name, clk, r)
	return r
}

// Receive implements Sink. Frames must arrive in time order.
func (r *RxPort) Receive(f *ether.Frame, at sim.Time) bool {
	if r.n == len(r.q) {
		nq := make([]rxEntry, 2*len(r.q))
		for i := 0; i < r.n; i++ {
			nq[i] = r.q[(r.head+i)&(len(r.q)-1)]
		}
		r.q, r.head = nq, 0
	}
	r.q[(r.head+r.n)&(len(r.q)-1)] = rxEntry{f, at}
	r.n++
	r.proc.Wake(at + 1)
	return true
}

// Tick implements rtl.Component.
func (r *RxPort) Tick(now sim.Time) sim.Time {
	for r.n > 0 {
		e := r.q[r.head]
		if e.at >= now {
			return e.at + 1
		}
		r.q[r.head] = rxEntry{}
		r.head = (r.head + 1) & (len(r.q) - 1)
		r.n--
		r.Frames++
		r.Handler(e.f, now)
	}
	return sim.Never
}

// Period returns the byte time.
func (t *Tx) Period() sim.Time { return t.clk.Period }
