package acl

import "github.com/nicforge/nicforge/sim"

// Reason says why the pipeline passed or dropped a packet.
type Reason uint8

const (
	Allowed       Reason = iota
	DeniedSG             // no security-group rule allows it, and it is not tracked
	DeniedNACL           // a network-ACL rule denies it, or none allows it
	ConntrackFull        // a new connection found the tracker (or its VF's allowance) full
)

func (r Reason) String() string {
	return [...]string{"allowed", "denied_sg", "denied_nacl", "conntrack_full"}[r]
}

// Verdict is the pipeline's decision on one packet.
type Verdict struct {
	Pass    bool
	Reason  Reason
	Tracked bool   // the SG stage passed it as part of a tracked connection
	SGTag   uint16 // the deciding entries' tags (valid when they matched)
	NACLTag uint16
}

// Counters are one VF's ACL counters.
type Counters struct {
	Allowed, DeniedSG, DeniedNACL, ConntrackExceeded uint64
}

// Denied is every packet the rules dropped.
func (c Counters) Denied() uint64 { return c.DeniedSG + c.DeniedNACL }

// Pipeline is the block's datapath: the TCAM and the tracker in the order
// the package documentation gives.
type Pipeline struct {
	TCAM     *Table
	Tracker  *Conntrack
	counters [256]Counters
	// Stateless is a deliberate bug for verification tests: the security
	// group forgets tracked connections, so replies need rules of their own.
	Stateless bool
}

// NewPipeline returns a pipeline over a table and a tracker.
func NewPipeline(t *Table, c *Conntrack) *Pipeline { return &Pipeline{TCAM: t, Tracker: c} }

// Counters returns vf's counters.
func (p *Pipeline) Counters(vf uint8) Counters { return p.counters[vf] }

// Latency is the pipeline's fixed delay in core cycles: two TCAM stages
// and the tracker's lookup.
const Latency = 2*LookupLatency + 2

// Decide passes or drops the packet f at time now and counts it.
func (p *Pipeline) Decide(f *Flow, now sim.Time) Verdict {
	v := p.decide(f, now)
	c := &p.counters[f.VF]
	switch v.Reason {
	case Allowed:
		c.Allowed++
	case DeniedSG:
		c.DeniedSG++
	case DeniedNACL:
		c.DeniedNACL++
	case ConntrackFull:
		c.ConntrackExceeded++
	}
	return v
}

func (p *Pipeline) decide(f *Flow, now sim.Time) Verdict {
	var v Verdict
	sg := func() bool {
		if !p.Stateless && p.Tracker.Lookup(f, now) {
			v.Tracked = true
			return true
		}
		k := f.Key(StageSG)
		e, ok := p.TCAM.Lookup(&k)
		if ok {
			v.SGTag = e.Tag
		}
		return ok && e.Allow
	}
	nacl := func() bool {
		k := f.Key(StageNACL)
		e, ok := p.TCAM.Lookup(&k)
		if ok {
			v.NACLTag = e.Tag
		}
		return ok && e.Allow
	}
	first, second := sg, nacl
	firstNo, secondNo := DeniedSG, DeniedNACL
	if f.Dir == Ingress {
		first, second, firstNo, secondNo = nacl, sg, DeniedNACL, DeniedSG
	}
	switch {
	case !first():
		v.Reason = firstNo
	case !second():
		v.Reason = secondNo
	case !p.Tracker.Touch(f, now):
		v.Reason = ConntrackFull
	default:
		v.Pass, v.Reason = true, Allowed
	}
	return v
}
