package workload

import (
	"math"
	"time"

	"github.com/nicforge/nicforge/model/ether"
)

// Port is what the application needs from a driver. The runner adapts each
// driver's batch API to it.
type Port interface {
	// Tx queues up to n frames on queue q; fill writes frame i into buf
	// (a driver buffer of 1518 bytes or more) and returns its length. It
	// returns how many were queued.
	Tx(q, n int, fill func(i int, buf []byte) int) int
	// TxRoom returns how many frames Tx would take on queue q now.
	TxRoom(q int) int
	// Rx hands up to max received frames of queue q to fn and frees them.
	Rx(q, max int, fn func(data []byte)) int
	// Poll runs the driver's NAPI-style poll; it returns the work done.
	Poll(budget int) int
	// Wait blocks until an interrupt or timeout; it reports an interrupt.
	Wait(timeout time.Duration) bool
	// Queues returns the number of queue pairs.
	Queues() int
}

// Quieter is what a Port may add: Quiet reports that Poll and every Rx
// would do nothing now and change nothing, so a polling loop can count an
// idle pass without making them (a busy-polling loop makes thousands of
// idle passes per simulated millisecond; the simulation is the same
// either way).
type Quieter interface {
	Quiet() bool
}

// Clock is the driver context's time.
type Clock interface {
	Now() time.Duration
	Delay(d time.Duration)
	Spend(d time.Duration)
}

// Stream is one flow the application sends.
type Stream struct {
	ID      uint16
	Flow    ether.Flow
	Sizes   []int // wire sizes including FCS
	Weights []int
	PPS     float64 // 0 with Line set: as fast as the ring allows
	BPS     float64
	Line    bool
	Count   uint64
	Start   time.Duration
	Stop    time.Duration
	Sent    uint64
	SentB   uint64
	next    time.Duration
	rem     uint64
	tmpl    ether.Templates
	queue   int // the Tx queue it uses: streams spread over the queues
}

// Costs are the CPU costs the application accounts.
type Costs struct {
	Loop       time.Duration // one pass of the main loop
	PerPacket  time.Duration // building or consuming one frame
	MaxBackoff time.Duration // longest pause of an idle polling loop
}

// DefaultCosts are a few tens of nanoseconds, like a DPDK application; an
// idle polling loop backs off to at most 500 ns, well under the 67 µs a
// 1024-descriptor ring of minimum-size frames lasts at 10 Gb/s.
var DefaultCosts = Costs{Loop: 50 * time.Nanosecond, PerPacket: 5 * time.Nanosecond, MaxBackoff: 500 * time.Nanosecond}

// App is one function's application.
type App struct {
	Port    Port
	Clock   Clock
	Streams []*Stream
	Polling bool // busy-poll (DPDK style) instead of waiting for interrupts
	Costs   Costs
	Batch   int
	// Partial has a line-rate sender queue what the driver takes now
	// rather than wait until a whole batch fits: the kernel's qdisc does
	// this over a queue with byte queue limits, whose room stays small.
	Partial bool
	// EveryPass makes every polling pass's calls, even when the Port is a
	// Quieter that says they would do nothing: the same simulation, slower.
	EveryPass bool
	Rx        map[uint16]*ether.StreamCounter
	RxOther   uint64
	// Rand picks frame sizes for mixed streams.
	Rand func(n int) int
	// OnSend sees every frame the driver accepted, right after TxBatch,
	// as the application built it with its stream's ether.Templates (a
	// stamped frame carries the fill pattern past its stamp); OnRecv every
	// frame RxBatch returned. Scoreboards hang here.
	OnSend  func(data []byte)
	OnRecv  func(data []byte)
	capture [][]byte // this batch's frames, in the driver's buffers
	// Bound once: a method value or closure made per call would allocate
	// on every pass of the loop.
	countFn func([]byte)
	fillFn  func(int, []byte) int
	filling *Stream
	// blockedUntil: mightSend found nothing to send, and until this time
	// only a driver call can change that (line-rate streams wait for room;
	// the others for their next frame or start).
	blockedUntil time.Duration
}

// NewApp returns an application on a port.
func NewApp(p Port, c Clock, polling bool) *App {
	return &App{Port: p, Clock: c, Polling: polling, Costs: DefaultCosts, Batch: 32, Rx: map[uint16]*ether.StreamCounter{}}
}

func (s *Stream) due(now time.Duration) bool {
	if s.Count != 0 && s.Sent >= s.Count {
		return false
	}
	if now < s.Start || (s.Stop != 0 && now >= s.Stop) {
		return false
	}
	return s.Line || s.next <= now
}

func (s *Stream) size(a *App) int {
	if len(s.Sizes) == 1 || a.Rand == nil {
		return s.Sizes[0]
	}
	total := 0
	for _, w := range s.Weights {
		total += w
	}
	if total == 0 {
		return s.Sizes[a.Rand(len(s.Sizes))]
	}
	x := a.Rand(total)
	for i, w := range s.Weights {
		if x < w {
			return s.Sizes[i]
		}
		x -= w
	}
	return s.Sizes[len(s.Sizes)-1]
}

// advance moves the stream's schedule past one frame of size bytes, with
// exact integer arithmetic in picoseconds.
func (s *Stream) advance(size int) {
	if s.Line {
		return
	}
	var num, den uint64
	if s.PPS > 0 {
		num, den = 1e12, uint64(s.PPS)
	} else {
		num, den = uint64(size)*8*1e12, uint64(s.BPS)
	}
	s.rem += num
	ps := s.rem / den
	s.rem %= den
	s.next += time.Duration(ps / 1000)
	s.rem += (ps % 1000) * den
}

// Run runs the application until end.
func (a *App) Run(end time.Duration) {
	for _, s := range a.Streams {
		s.next = s.Start
	}
	nq := a.Port.Queues()
	if nq < 1 {
		nq = 1
	}
	for i, s := range a.Streams {
		s.queue = i % nq
	}
	idle := 0
	// A polling loop's back-off and its next pass's loop cost are spent
	// together: nothing looks at the port between them, and one Spend
	// runs the card as far as two would.
	var backoff time.Duration
	a.countFn = a.count
	a.fillFn = a.fill
	quiet, _ := a.Port.(Quieter)
	if !a.Polling || a.EveryPass {
		quiet = nil
	}
	for {
		if a.Clock.Now()+backoff >= end {
			if backoff > 0 {
				a.Clock.Spend(backoff)
			}
			return
		}
		a.Clock.Spend(backoff + a.Costs.Loop)
		backoff = 0
		if quiet == nil || !quiet.Quiet() || a.mightSend(a.Clock.Now()) {
			a.blockedUntil = 0 // the calls below may make room
			work := a.Port.Poll(64)
			for q := 0; q < nq; q++ {
				work += a.Port.Rx(q, 256, a.countFn)
			}
			sent := a.send(a.Clock.Now())
			if sent > 0 || work > 0 {
				idle = 0
				continue
			}
		}
		if a.Polling {
			// A polling loop that found nothing to do spins again; after a
			// few empty passes it backs off (up to MaxBackoff), as
			// power-aware DPDK loops do, so empty spins stay cheap.
			idle++
			if idle > 4 {
				backoff = min(a.Costs.Loop<<min(idle-4, 10), a.Costs.MaxBackoff)
			}
			continue
		}
		wait := end - a.Clock.Now()
		for _, s := range a.Streams {
			if s.Count != 0 && s.Sent >= s.Count || s.Stop != 0 && s.next >= s.Stop {
				continue
			}
			at := s.next
			if at < s.Start {
				at = s.Start
			}
			if d := at - a.Clock.Now(); d < wait {
				wait = d
			}
		}
		if wait <= 0 {
			continue
		}
		a.Port.Wait(wait)
	}
}

// fill writes frame i of the current batch of the stream being sent.
func (a *App) fill(i int, buf []byte) int {
	s := a.filling
	size := s.size(a)
	l := size - ether.FCSLen
	s.tmpl.Build(buf[:l], &s.Flow, s.ID, s.Sent+uint64(i))
	if a.OnSend != nil {
		a.capture = append(a.capture, buf[:l])
	}
	s.advance(size)
	s.SentB += uint64(size)
	return l
}

func (a *App) count(data []byte) {
	a.Clock.Spend(a.Costs.PerPacket)
	if a.OnRecv != nil {
		a.OnRecv(data)
	}
	id, seq, err := ether.ParseStamp(data)
	if err != nil {
		a.RxOther++
		return
	}
	c := a.Rx[id]
	if c == nil {
		c = &ether.StreamCounter{}
		a.Rx[id] = c
	}
	c.Count(seq, len(data)+ether.FCSLen)
}

// mightSend reports whether send could queue a frame now: a stream due
// that is not a line-rate one waiting for room for its burst. Between
// driver calls the room does not change, so a "no" holds until a stream's
// start or next frame comes due.
func (a *App) mightSend(now time.Duration) bool {
	if now < a.blockedUntil {
		return false
	}
	until := time.Duration(math.MaxInt64)
	for _, s := range a.Streams {
		if !s.due(now) {
			switch {
			case s.Count != 0 && s.Sent >= s.Count, s.Stop != 0 && now >= s.Stop:
			case now < s.Start:
				until = min(until, s.Start)
			default:
				until = min(until, s.next) // a paced stream's next frame
			}
			continue
		}
		if !s.Line || a.lineBurst(s) > 0 {
			return true
		}
	}
	a.blockedUntil = until
	return false
}

// burst is how many frames of s send queues at once: a batch, or what is
// left of a counted stream.
func (a *App) burst(s *Stream) int {
	if s.Count != 0 && s.Count-s.Sent < uint64(a.Batch) {
		return int(s.Count - s.Sent)
	}
	return a.Batch
}

// lineBurst is how many frames line-rate stream s queues now. A line-rate
// sender works in bursts, as DPDK's tx_burst does: it waits until a whole
// burst fits rather than trickling; Partial sends what fits.
func (a *App) lineBurst(s *Stream) int {
	n := a.burst(s)
	room := a.Port.TxRoom(s.queue)
	if room == 0 || room < n && !a.Partial {
		return 0
	}
	return min(n, room)
}

// send queues the frames that are due now, a batch per stream.
func (a *App) send(now time.Duration) int {
	total := 0
	for _, s := range a.Streams {
		if !s.due(now) {
			continue
		}
		var n int
		if s.Line {
			if n = a.lineBurst(s); n == 0 {
				continue
			}
		} else {
			// Only the frames whose time has come.
			t := s.next
			for limit := a.burst(s); n < limit && t <= now; n++ {
				t += time.Duration(float64(time.Second) / s.rate(s.Sizes[0]))
			}
			n = max(n, 1)
		}
		a.filling = s
		got := a.Port.Tx(s.queue, n, a.fillFn)
		if a.OnSend != nil {
			// Only the frames the driver took: the rest are built again
			// with the same sequence numbers next time.
			for _, f := range a.capture[:min(got, len(a.capture))] {
				a.OnSend(f)
			}
			clear(a.capture)
			a.capture = a.capture[:0]
		}
		a.Clock.Spend(time.Duration(got) * a.Costs.PerPacket)
		s.Sent += uint64(got)
		total += got
	}
	return total
}

func (s *Stream) rate(size int) float64 {
	if s.PPS > 0 {
		return s.PPS
	}
	return s.BPS / float64(size*8)
}
