package wire

import (
	"github.com/nicforge/nicforge/model/ether"
	"github.com/nicforge/nicforge/rtl"
	"github.com/nicforge/nicforge/sim"
)

// Stream is one flow of generated frames.
type Stream struct {
	ID        uint16
	Sizes     []int  // wire sizes (FCS included) to draw from
	Weights   []int  // same length as Sizes; nil = equal
	BitsPerS  uint64 // frame bits (FCS included) per second; 0 = line rate
	PktsPerS  uint64 // alternative to BitsPerS
	Count     uint64 // frames; 0 = unlimited
	Start     sim.Time
	Stop      sim.Time // no frame starts at or after Stop (0 = never)
	Flows     int
	Flow      ether.Flow
	Replay    [][]byte // frames to send instead of generated ones (pcap replay)
	Sent      uint64
	SentBytes uint64

	tmpl  ether.Templates
	flowT []ether.Templates // one per flow: the headers differ by port
	next  sim.Time
	rem   uint64
	total int
	rnd   *sim.Rand
}

// Generator sends the streams' frames into a Sink at line rate at most.
type Generator struct {
	proc     *rtl.Proc
	clk      sim.Clock
	pool     *ether.Pool
	streams  []*Stream
	lineFree sim.Time
	Out      interface {
		Receive(f *ether.Frame, at sim.Time) bool
	}
	bps uint64
}

// NewGenerator registers a generator on a line of bps bit/s with byte
// clock clk.
func NewGenerator(k *rtl.Kernel, name string, clk sim.Clock, bps uint64, pool *ether.Pool) *Generator {
	g := &Generator{clk: clk, pool: pool, bps: bps}
	g.proc = k.Add(name, clk, g)
	return g
}

// Add adds a stream; rnd draws its frame sizes.
func (g *Generator) Add(s *Stream, rnd *sim.Rand) {
	s.rnd = rnd
	s.next = g.clk.NextEdge(s.Start)
	for _, w := range s.Weights {
		s.total += w
	}
	if s.Flows < 1 {
		s.Flows = 1
	}
	g.streams = append(g.streams, s)
	g.proc.Wake(s.next)
}

func (s *Stream) done() bool {
	return (s.Count != 0 && s.Sent >= s.Count) || (s.Replay != nil && s.Sent >= uint64(len(s.Replay)))
}

func (s *Stream) size() int {
	if len(s.Sizes) == 1 {
		return s.Sizes[0]
	}
	if s.total == 0 {
		return s.Sizes[s.rnd.IntN(len(s.Sizes))]
	}
	x := s.rnd.IntN(s.total)
	for i, w := range s.Weights {
		if x < w {
			return s.Sizes[i]
		}
		x -= w
	}
	return s.Sizes[len(s.Sizes)-1]
}

// gap advances the stream's schedule past a frame of size bytes.
func (s *Stream) gap(size int, bps uint64) sim.Time {
	var num, den uint64
	switch {
	case s.PktsPerS != 0:
		num, den = uint64(sim.Second), s.PktsPerS
	case s.BitsPerS != 0:
		num, den = uint64(size)*8*uint64(sim.Second), s.BitsPerS
	default:
		return 0 // line rate: the line itself spaces the frames
	}
	s.rem += num
	d := s.rem / den
	s.rem %= den
	return sim.Time(d)
}

// Tick implements rtl.Component.
func (g *Generator) Tick(now sim.Time) sim.Time {
	next := sim.Never
	for _, s := range g.streams {
		if s.done() {
			continue
		}
		if s.Stop != 0 && s.next >= s.Stop {
			continue
		}
		t := sim.Max(s.next, g.lineFree)
		if t > now {
			if t < next {
				next = t
			}
			continue
		}
		var f *ether.Frame
		if s.Replay != nil {
			src := s.Replay[s.Sent]
			f = g.pool.Get(len(src))
			copy(f.Data, src)
		} else {
			size := s.size()
			f = g.pool.Get(size - ether.FCSLen)
			if s.Flows > 1 {
				if s.flowT == nil {
					s.flowT = make([]ether.Templates, s.Flows)
				}
				k := s.Sent % uint64(s.Flows)
				fl := s.Flow
				fl.SrcPort += uint16(k)
				s.flowT[k].Build(f.Data, &fl, s.ID, s.Sent)
			} else {
				s.tmpl.Build(f.Data, &s.Flow, s.ID, s.Sent)
			}
			f.Templated = true
		}
		wl := f.WireLen()
		s.Sent++
		s.SentBytes += uint64(wl)
		start := now
		end := start + sim.Time(f.LineBytes())*g.clk.Period
		g.lineFree = end
		s.next = sim.Max(s.next+s.gap(wl, g.bps), start)
		lastBit := end - sim.Time(ether.IFG)*g.clk.Period
		if g.Out == nil || !g.Out.Receive(f, lastBit) {
			f.Release()
		}
		// One frame per edge: the line is busy until end anyway.
		if end < next {
			next = end
		}
	}
	return next
}

// Sink counts what arrives from the card, per stream.
type Sink struct {
	last     *ether.StreamCounter
	lastID   uint16
	Frames   uint64
	Bytes    uint64
	Unknown  uint64 // frames without a stamp
	Streams  map[uint16]*ether.StreamCounter
	OnFrame  func(f *ether.Frame, at sim.Time)
	lastTime sim.Time
}

// NewSink returns an empty sink.
func NewSink() *Sink { return &Sink{Streams: map[uint16]*ether.StreamCounter{}} }

// Receive implements mac.Sink.
func (s *Sink) Receive(f *ether.Frame, at sim.Time) bool {
	s.Frames++
	s.Bytes += uint64(f.WireLen())
	s.lastTime = at
	if id, seq, err := ether.ParseStamp(f.Data); err == nil {
		c := s.last
		if c == nil || s.lastID != id {
			if c = s.Streams[id]; c == nil {
				c = &ether.StreamCounter{}
				s.Streams[id] = c
			}
			s.last, s.lastID = c, id
		}
		c.Count(seq, f.WireLen())
	} else {
		s.Unknown++
	}
	if s.OnFrame != nil {
		s.OnFrame(f, at)
	}
	return false
}
