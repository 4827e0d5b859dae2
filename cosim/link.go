package cosim

import (
	"fmt"

	"github.com/nicforge/nicforge/sim"
)

// LinkConfig is the PCIe link between host and card.
type LinkConfig struct {
	Name       string
	GTPerSec   uint64 // transfers per second per lane
	Lanes      uint64
	Latency    sim.Time // one way, from the end of a TLP at one side to the other side
	TLPHeader  int      // bytes of framing, header and CRC per TLP
	MaxPayload int      // bytes per write or completion TLP
	MaxReadReq int      // bytes per read request
}

// Link presets.
var (
	Gen3x8  = LinkConfig{Name: "gen3x8", GTPerSec: 8_000_000_000, Lanes: 8, Latency: 400 * sim.Nanosecond, TLPHeader: 24, MaxPayload: 256, MaxReadReq: 512}
	Gen4x16 = LinkConfig{Name: "gen4x16", GTPerSec: 16_000_000_000, Lanes: 16, Latency: 400 * sim.Nanosecond, TLPHeader: 24, MaxPayload: 256, MaxReadReq: 512}
)

// LinkByName returns a preset.
func LinkByName(name string) (LinkConfig, error) {
	switch name {
	case "", "gen3x8":
		return Gen3x8, nil
	case "gen4x16":
		return Gen4x16, nil
	}
	return LinkConfig{}, fmt.Errorf("unknown PCIe link %q (want gen3x8 or gen4x16)", name)
}

// lane is one direction of the link: a serialiser.
type lane struct {
	cfg   *LinkConfig
	busy  sim.Time
	bytes uint64
	tlps  uint64
	// The serialisation times of a header-only and a full TLP, the most
	// common ones, kept to spare a 64-bit division per TLP; and of the
	// last other size, which repeats (a frame size, a completion batch).
	serHdr, serFull sim.Time
	lastN           int
	lastSer         sim.Time
}

// ser is the time n bytes take on the wire: 128b/130b encoding.
func (c *LinkConfig) ser(n int) sim.Time {
	num := uint64(n) * 8 * 130 * uint64(sim.Second)
	den := c.GTPerSec * c.Lanes * 128
	return sim.Time((num + den - 1) / den)
}

// send puts a TLP with payload bytes on the lane at time at and returns
// its arrival time at the other side.
func (l *lane) send(at sim.Time, payload int) sim.Time {
	start := sim.Max(at, l.busy)
	n := payload + l.cfg.TLPHeader
	var d sim.Time
	switch payload {
	case 0:
		d = l.serHdr
	case l.cfg.MaxPayload:
		d = l.serFull
	default:
		if n != l.lastN {
			l.lastN, l.lastSer = n, l.cfg.ser(n)
		}
		d = l.lastSer
	}
	end := start + d
	l.busy = end
	l.bytes += uint64(n)
	l.tlps++
	return end + l.cfg.Latency
}

// Link is both directions.
type Link struct {
	Cfg  LinkConfig
	down lane // host to card
	up   lane // card to host
	// The completions answering a whole read request, and the last
	// request of another size: their costs repeat from packet to packet.
	fullReq, lastReq reqCost
}

// reqCost is how a read request of n bytes is answered: tlps completions
// taking d on the downstream lane.
type reqCost struct {
	n    int
	d    sim.Time
	tlps int
}

func newLink(c LinkConfig) *Link {
	l := &Link{Cfg: c}
	for _, ln := range []*lane{&l.down, &l.up} {
		ln.cfg = &l.Cfg
		ln.serHdr, ln.serFull = c.ser(c.TLPHeader), c.ser(c.TLPHeader+c.MaxPayload)
		ln.lastN = -1
	}
	l.fullReq = l.answer(c.MaxReadReq)
	l.lastReq = reqCost{n: -1}
	return l
}

// answer works out the completions of a read request of n bytes: as many
// full ones as fit, then the rest (one empty one for n = 0).
func (l *Link) answer(n int) reqCost {
	c := &l.Cfg
	full, part := n/c.MaxPayload, n%c.MaxPayload
	r := reqCost{n: n, tlps: full, d: sim.Time(full) * l.down.serFull}
	switch {
	case part > 0:
		r.d += c.ser(part + c.TLPHeader)
		r.tlps++
	case n == 0:
		r.d += l.down.serHdr
		r.tlps++
	}
	return r
}

// read times a card DMA read of n bytes issued at at: a request upstream
// per MaxReadReq bytes, each answered downstream by completions of up to
// MaxPayload bytes (one, empty, for n = 0). It returns when the last
// completion is in. This is the DMA hot path, lane.send written out: a
// request's completions queue behind each other, so once the first is on
// the lane the rest follow back to back and only their sum matters.
func (l *Link) read(at sim.Time, n int) sim.Time {
	c := &l.Cfg
	up, down := &l.up, &l.down
	hdr := uint64(c.TLPHeader)
	done := at
	for off := 0; ; off += c.MaxReadReq {
		chunk := min(n-off, c.MaxReadReq)
		up.busy = max(at, up.busy) + up.serHdr
		up.bytes += hdr
		up.tlps++
		arr := up.busy + c.Latency
		r := &l.fullReq
		if chunk != r.n {
			if r = &l.lastReq; chunk != r.n {
				*r = l.answer(chunk)
			}
		}
		down.busy = max(arr, down.busy) + r.d
		down.bytes += uint64(r.tlps)*hdr + uint64(chunk)
		down.tlps += uint64(r.tlps)
		done = max(done, down.busy+c.Latency)
		if off+chunk >= n {
			return done
		}
	}
}

// write times a posted write of n bytes in the given direction; it
// returns when the last byte lands.
func (l *lane) write(at sim.Time, n int) sim.Time {
	land := at
	for off := 0; off < n || off == 0; off += l.cfg.MaxPayload {
		p := n - off
		if p > l.cfg.MaxPayload {
			p = l.cfg.MaxPayload
		}
		land = l.send(at, p)
		if n == 0 {
			break
		}
	}
	return land
}
