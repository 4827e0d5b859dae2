package reference

import (
	"github.com/nicforge/nicforge/model/ether"
	"github.com/nicforge/nicforge/verify/scoreboard"
)

// Port is one function as the switch sees it.
type Port struct {
	MAC        ether.MAC
	SpoofCheck bool // drop frames whose source MAC is not MAC
	Broadcast  bool // accepts broadcast frames
}

// L2Switch is the reference model of the 82599 Layer 2 switch with
// virtualisation on: one pool per function, exact-MAC filters, local
// switching when VEB is on (VEPA sends everything to the wire).
type L2Switch struct {
	Ports []Port // by endpoint
	VEB   bool
}

// Route implements scoreboard.Predictor.
func (s *L2Switch) Route(out []scoreboard.Endpoint, src scoreboard.Endpoint, frame []byte) ([]scoreboard.Endpoint, string) {
	if len(frame) < ether.HeaderLen {
		return out, "runt frame"
	}
	var dst, from ether.MAC
	copy(dst[:], frame[0:6])
	copy(from[:], frame[6:12])
	group := dst[0]&1 != 0
	if src == scoreboard.Wire {
		out = s.local(out, dst, group, -1)
		if len(out) == 0 {
			return out, "no pool accepts the destination MAC"
		}
		return out, ""
	}
	if int(src) >= len(s.Ports) {
		return out, "unknown source"
	}
	p := s.Ports[src]
	if p.SpoofCheck && from != p.MAC {
		return out, "anti-spoofing: the source MAC is not the pool's"
	}
	if s.VEB {
		out = s.local(out, dst, group, src)
		if !group && len(out) > 0 {
			return out, ""
		}
	}
	return append(out, scoreboard.Wire), ""
}

// local returns the pools other than self that accept dst.
func (s *L2Switch) local(out []scoreboard.Endpoint, dst ether.MAC, group bool, self scoreboard.Endpoint) []scoreboard.Endpoint {
	for i, p := range s.Ports {
		e := scoreboard.Endpoint(i)
		if e == self {
			continue
		}
		if group && dst == ether.Broadcast && p.Broadcast || !group && p.MAC == dst {
			out = append(out, e)
		}
	}
	return out
}
