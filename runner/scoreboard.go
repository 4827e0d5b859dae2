package runner

import (
	"net/netip"
	"time"

	"github.com/nicforge/nicforge/scenario"

	"github.com/nicforge/nicforge/model/acl"
	"github.com/nicforge/nicforge/sim"
	"github.com/nicforge/nicforge/verify/reference"
	"github.com/nicforge/nicforge/verify/scoreboard"
)

// newScoreboard builds the run's scoreboard with the L2 switch reference
// model configured from the plan: each function's pool has the MAC the PF
// assigns it, anti-spoofing as the scenario sets it, and broadcast
// acceptance (the PF driver sets VMOLR.BAM for every pool). On an ENA
// card with security groups or network ACLs, the ACL oracle decides
// what of that the VFs send and receive.
func newScoreboard(p *Plan) *scoreboard.Scoreboard {
	sw := &reference.L2Switch{VEB: p.VEB}
	names := make([]string, len(p.Functions))
	for i, f := range p.Functions {
		names[i] = f.Name
		sw.Ports = append(sw.Ports, reference.Port{MAC: f.MAC, SpoofCheck: f.SpoofCheck, Broadcast: true})
	}
	var pred scoreboard.Predictor = sw
	if a := newACLPredictor(p, sw); a != nil {
		pred = a
	}
	sb := scoreboard.New(pred, names)
	for _, st := range p.Streams {
		sb.DeclareStream(st.ID, st.Name, scoreboard.Endpoint(st.From), scoreboard.Endpoint(st.To))
	}
	return sb
}

// aclPredictor is the switch's prediction filtered by the ACL oracle: a
// VF's frame out through its egress rules, a frame to a VF through its
// ingress rules, at the time it is sent.
type aclPredictor struct {
	sw  *reference.L2Switch
	ref *reference.ACL
	vf  []int // function index -> VF index whose ACL is on, -1 for none
	out []scoreboard.Endpoint
}

func newACLPredictor(p *Plan, sw *reference.L2Switch) *aclPredictor {
	a := &aclPredictor{sw: sw, ref: reference.NewACL(p.Conntrack, referenceTimeouts(p.ConntrackTimeouts))}
	on := false
	for _, f := range p.Functions {
		v := -1
		if f.VF >= 0 && (f.SecurityGroup != nil || f.NetworkACL != nil) {
			v, on = f.VF, true
			if err := a.ref.SetRules(uint8(f.VF), f.SecurityGroup, f.NetworkACL); err != nil {
				return nil // the run fails when the card PF refuses the same rules
			}
			if c := f.Allowances.Conntrack; c > 0 {
				a.ref.SetAllowance(uint8(f.VF), min(c, p.Conntrack))
			}
		}
		a.vf = append(a.vf, v)
	}
	if !on {
		return nil
	}
	return a
}

// aclConntrackCapacity is the ENA card's default tracker size (model/ena's
// default).
const aclConntrackCapacity = 65536

func (a *aclPredictor) Route(dsts []scoreboard.Endpoint, src scoreboard.Endpoint, frame []byte) ([]scoreboard.Endpoint, string) {
	return a.sw.Route(dsts, src, frame)
}

func (a *aclPredictor) RouteAt(dsts []scoreboard.Endpoint, src scoreboard.Endpoint, frame []byte, at sim.Time) ([]scoreboard.Endpoint, string) {
	dsts, why := a.sw.Route(dsts, src, frame)
	if len(dsts) == 0 {
		return dsts, why
	}
	if src >= 0 && int(src) < len(a.vf) && a.vf[src] >= 0 {
		if d, ok := a.decide(frame, acl.Egress, a.vf[src], at); ok && !d.Pass {
			return dsts[:0], "acl " + d.Reason
		}
	}
	a.out = a.out[:0]
	for _, d := range dsts {
		if d >= 0 && int(d) < len(a.vf) && a.vf[d] >= 0 {
			if v, ok := a.decide(frame, acl.Ingress, a.vf[d], at); ok && !v.Pass {
				why = "acl " + v.Reason
				continue
			}
		}
		a.out = append(a.out, d)
	}
	return append(dsts[:0], a.out...), why
}

// decide asks the oracle about an IP frame; ok is false for others.
func (a *aclPredictor) decide(frame []byte, dir acl.Direction, vf int, at sim.Time) (reference.ACLDecision, bool) {
	f, ok := acl.FlowOf(frame, dir, uint8(vf))
	if !ok {
		return reference.ACLDecision{}, false
	}
	addr := func(b [16]byte) netip.Addr {
		if f.IPv6 {
			return netip.AddrFrom16(b)
		}
		return netip.AddrFrom4([4]byte(b[:4]))
	}
	return a.ref.Decide(reference.ACLPacket{Egress: dir == acl.Egress, VF: uint8(vf), Proto: f.Proto, Src: addr(f.Src), Dst: addr(f.Dst),
		SrcPort: f.SrcPort, DstPort: f.DstPort, ICMPType: f.ICMPType, ICMPCode: f.ICMPCode}, at), true
}

// modelTimeouts and referenceTimeouts carry the scenario's tracker
// timeouts to the card and to the oracle; zero fields keep each one's
// defaults.
func modelTimeouts(t scenario.ConntrackTimeouts) acl.Timeouts {
	d := sim.FromDuration
	return acl.Timeouts{TCPNew: d(t.TCPNew), TCPReply: d(t.TCPReply), TCPEstablished: d(t.TCPEstablished),
		UDPNew: d(t.UDPNew), UDPStream: d(t.UDPStream), ICMP: d(t.ICMP), Other: d(t.Other)}
}

func referenceTimeouts(t scenario.ConntrackTimeouts) reference.ACLTimeouts {
	r, d := reference.DefaultACLTimeouts, sim.FromDuration
	for _, f := range []struct {
		v  time.Duration
		to *sim.Time
	}{{t.TCPNew, &r.TCPNew}, {t.TCPReply, &r.TCPReply}, {t.TCPEstablished, &r.TCPEstablished},
		{t.UDPNew, &r.UDPNew}, {t.UDPStream, &r.UDPStream}, {t.ICMP, &r.ICMP}, {t.Other, &r.Other}} {
		if f.v != 0 {
			*f.to = d(f.v)
		}
	}
	return r
}
