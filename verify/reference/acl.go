package reference

import (
	"bytes"
	"fmt"
	"net/netip"

	"github.com/nicforge/nicforge/driver/cardctl"
	"github.com/nicforge/nicforge/sim"
)

// ACL is the untimed oracle of the card's access control, written from
// the rule lists (never from compiled entries): per-VF security groups
// (allow-only, stateful), per-subnet network ACLs (numbered, stateless,
// default deny), egress security group then network ACL, ingress network
// ACL then security group, and connection tracking with per-protocol
// timeouts and a capacity.
type ACL struct {
	Timeouts  ACLTimeouts
	capacity  int
	vfs       [256]*aclVF
	conns     map[aclConnKey]*aclConn
	perVF     [256]int
	allowance [256]int
}

// ACLTimeouts are the idle timeouts by protocol and state.
type ACLTimeouts struct {
	TCPNew, TCPReply, TCPEstablished sim.Time
	UDPNew, UDPStream                sim.Time
	ICMP, Other                      sim.Time
}

// DefaultACLTimeouts are the card's documented defaults: TCP established
// 432,000 s (120 s before), UDP 30 s (180 s once both directions were
// seen), ICMP 30 s, other protocols 600 s.
var DefaultACLTimeouts = ACLTimeouts{
	TCPNew: 120 * sim.Second, TCPReply: 120 * sim.Second, TCPEstablished: 432000 * sim.Second,
	UDPNew: 30 * sim.Second, UDPStream: 180 * sim.Second, ICMP: 30 * sim.Second, Other: 600 * sim.Second,
}

// ACLPacket is what the ACL sees of a packet.
type ACLPacket struct {
	Egress             bool // from the VF
	VF                 uint8
	Proto              uint8
	Src, Dst           netip.Addr
	SrcPort, DstPort   uint16
	ICMPType, ICMPCode uint8
}

// ACLDecision is the oracle's verdict.
type ACLDecision struct {
	Pass   bool
	Reason string // allowed, denied_sg, denied_nacl, conntrack_full
}

type aclVF struct {
	sgIn, sgOut, naclIn, naclOut []cardctl.Rule
}

// aclConnKey is a connection: its VF, protocol and the two endpoints,
// a before b in address-then-port order.
type aclConnKey struct {
	vf, proto    uint8
	aPort, bPort uint16
	a, b         [16]byte
}

type aclConn struct {
	origIsA bool
	state   int // 0 new, 1 reply, 2 established
	expiry  sim.Time
}

// NewACL returns an oracle with a tracker of capacity connections.
func NewACL(capacity int, t ACLTimeouts) *ACL {
	return &ACL{Timeouts: t, capacity: capacity, conns: map[aclConnKey]*aclConn{}}
}

// SetRules gives VF vf its security group and its subnet's network ACL.
// Tracked connections stay.
func (a *ACL) SetRules(vf uint8, sg *cardctl.SecurityGroup, nacl *cardctl.NetworkACL) error {
	r := &aclVF{}
	var err error
	if sg != nil {
		if r.sgIn, r.sgOut, err = sg.Rules(); err != nil {
			return fmt.Errorf("reference: VF %d: %w", vf, err)
		}
	}
	if nacl != nil {
		if r.naclIn, r.naclOut, err = nacl.Rules(); err != nil {
			return fmt.Errorf("reference: VF %d: %w", vf, err)
		}
	}
	a.vfs[vf] = r
	return nil
}

// SetAllowance limits vf to n tracked connections (0: the capacity).
func (a *ACL) SetAllowance(vf uint8, n int) { a.allowance[vf] = n }

// Tracked returns vf's live connections at now.
func (a *ACL) Tracked(vf uint8, now sim.Time) int {
	a.expire(now)
	return a.perVF[vf]
}

func (a *ACL) timeout(proto uint8, state int) sim.Time {
	t := &a.Timeouts
	switch proto {
	case 6:
		return [...]sim.Time{t.TCPNew, t.TCPReply, t.TCPEstablished}[state]
	case 17:
		if state == 0 {
			return t.UDPNew
		}
		return t.UDPStream
	case 1, 58:
		return t.ICMP
	}
	return t.Other
}

func connKeyOf(p *ACLPacket) (aclConnKey, bool) {
	sp, dp := p.SrcPort, p.DstPort
	if p.Proto != 6 && p.Proto != 17 {
		sp, dp = 0, 0
	}
	s, d := p.Src.As16(), p.Dst.As16()
	k := aclConnKey{vf: p.VF, proto: p.Proto}
	c := bytes.Compare(s[:], d[:])
	if fromA := c < 0 || (c == 0 && sp <= dp); fromA {
		k.a, k.aPort, k.b, k.bPort = s, sp, d, dp
		return k, true
	}
	k.a, k.aPort, k.b, k.bPort = d, dp, s, sp
	return k, false
}

// expire forgets every connection expired at now.
func (a *ACL) expire(now sim.Time) {
	for k, c := range a.conns {
		if c.expiry <= now {
			delete(a.conns, k)
			a.perVF[k.vf]--
		}
	}
}

// firstMatch returns the first rule of rules matching p (rules in order).
func firstMatch(rules []cardctl.Rule, p *ACLPacket) *cardctl.Rule {
	remote := p.Src
	if p.Egress {
		remote = p.Dst
	}
	for i := range rules {
		if rules[i].Matches(p.Proto, remote, p.DstPort, p.ICMPType, p.ICMPCode) {
			return &rules[i]
		}
	}
	return nil
}

// Decide passes or drops p at time now, updating the tracker.
func (a *ACL) Decide(p ACLPacket, now sim.Time) ACLDecision {
	r := a.vfs[p.VF]
	if r == nil {
		r = &aclVF{}
	}
	key, fromA := connKeyOf(&p)
	c := a.conns[key] // one lookup serves the SG stage and the update
	if c != nil && c.expiry <= now {
		delete(a.conns, key) // expired: gone
		a.perVF[key.vf]--
		c = nil
	}
	sgOK := func() bool {
		if c != nil {
			return true
		}
		rules := r.sgIn
		if p.Egress {
			rules = r.sgOut
		}
		return firstMatch(rules, &p) != nil
	}
	naclOK := func() bool {
		rules := r.naclIn
		if p.Egress {
			rules = r.naclOut
		}
		m := firstMatch(rules, &p)
		return m != nil && m.Allow
	}
	if p.Egress {
		if !sgOK() {
			return ACLDecision{Reason: "denied_sg"}
		}
		if !naclOK() {
			return ACLDecision{Reason: "denied_nacl"}
		}
	} else {
		if !naclOK() {
			return ACLDecision{Reason: "denied_nacl"}
		}
		if !sgOK() {
			return ACLDecision{Reason: "denied_sg"}
		}
	}
	if c == nil {
		full := func() bool {
			lim := a.allowance[p.VF]
			return len(a.conns) >= a.capacity || (lim > 0 && a.perVF[p.VF] >= lim)
		}
		if full() {
			a.expire(now)
			if full() {
				return ACLDecision{Reason: "conntrack_full"}
			}
		}
		c = &aclConn{origIsA: fromA}
		a.conns[key] = c
		a.perVF[p.VF]++
	} else {
		orig := c.origIsA == fromA
		switch {
		case !orig && c.state == 0:
			c.state = 1
		case orig && c.state == 1:
			c.state = 2
		}
	}
	c.expiry = now + a.timeout(p.Proto, c.state)
	return ACLDecision{Pass: true, Reason: "allowed"}
}
