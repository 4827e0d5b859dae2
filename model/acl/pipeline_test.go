package acl

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/sim"
)

// rule is a hand-made entry: stage and direction for a VF, an optional
// protocol and destination port, an optional source /32, allow or deny.
func rule(st Stage, dir Direction, vf uint8, prio uint16, allow bool, proto uint8, dport int, src byte) Entry {
	e := Entry{Priority: prio, Allow: allow, VF: vf, Tag: prio}
	e.Mask[keyFlags], e.Mask[keyVF] = FlagEgress|FlagNACL|FlagIPv6, 0xFF
	if dir == Egress {
		e.Value[keyFlags] |= FlagEgress
	}
	if st == StageNACL {
		e.Value[keyFlags] |= FlagNACL
	}
	e.Value[keyVF] = vf
	if proto != 0 {
		e.Value[keyProto], e.Mask[keyProto] = proto, 0xFF
	}
	if dport >= 0 {
		binary.BigEndian.PutUint16(e.Value[keyDstPort:], uint16(dport))
		e.Mask[keyDstPort], e.Mask[keyDstPort+1] = 0xFF, 0xFF
	}
	if src != 0 {
		e.Value[keySrc], e.Value[keySrc+3] = 10, src
		copy(e.Mask[keySrc:keySrc+4], []byte{0xFF, 0xFF, 0xFF, 0xFF})
	}
	return e
}

func pipelineWith(t *testing.T, capacity int, es ...Entry) *Pipeline {
	tb := NewTable(64, 0)
	for i, e := range es {
		require.NoError(t, tb.Write(i, e))
	}
	tb.Swap()
	return NewPipeline(tb, NewConntrack(capacity, DefaultTimeouts))
}

func TestPipelineSemantics(t *testing.T) {
	const vf = 1
	web := []Entry{
		rule(StageSG, Ingress, vf, 0, true, ProtoTCP, 443, 0),     // 443 from anywhere
		rule(StageSG, Egress, vf, 0, true, 0, -1, 0),              // all outbound
		rule(StageNACL, Ingress, vf, 90, false, ProtoTCP, -1, 66), // deny 10.0.0.66 first
		rule(StageNACL, Ingress, vf, 100, true, 0, -1, 0),         // then allow all
		rule(StageNACL, Egress, vf, 100, true, 0, -1, 0),
	}
	t.Run("inbound allowed by SG and NACL", func(t *testing.T) {
		p := pipelineWith(t, 16, web...)
		v := p.Decide(flow4(Ingress, vf, ProtoTCP, 5, 9, 40000, 443), 0)
		require.Equal(t, Verdict{Pass: true, Reason: Allowed, NACLTag: 100}, v)
	})
	t.Run("NACL deny numbered before a broader allow", func(t *testing.T) {
		p := pipelineWith(t, 16, web...)
		v := p.Decide(flow4(Ingress, vf, ProtoTCP, 66, 9, 40000, 443), 0)
		require.Equal(t, DeniedNACL, v.Reason)
		require.Equal(t, uint16(90), v.NACLTag)
		require.Equal(t, Counters{DeniedNACL: 1}, p.Counters(vf))
	})
	t.Run("no SG rule: denied", func(t *testing.T) {
		p := pipelineWith(t, 16, web...)
		require.Equal(t, DeniedSG, p.Decide(flow4(Ingress, vf, ProtoTCP, 5, 9, 40000, 22), 0).Reason)
	})
	t.Run("reply to an outbound flow passes without an inbound rule", func(t *testing.T) {
		p := pipelineWith(t, 16, web...)
		out := flow4(Egress, vf, ProtoUDP, 9, 53, 33000, 53)
		require.True(t, p.Decide(out, 0).Pass)
		v := p.Decide(reverse(out), sim.Millisecond)
		require.True(t, v.Pass)
		require.True(t, v.Tracked)
		st, _, _ := p.Tracker.State(out, sim.Millisecond)
		require.Equal(t, StateReply, st)
	})
	t.Run("replies still need the stateless NACL", func(t *testing.T) {
		p := pipelineWith(t, 16, web...)
		out := flow4(Egress, vf, ProtoTCP, 9, 66, 33000, 80)
		require.True(t, p.Decide(out, 0).Pass)
		require.Equal(t, DeniedNACL, p.Decide(reverse(out), 1).Reason)
	})
	t.Run("a rule change keeps tracked flows", func(t *testing.T) {
		p := pipelineWith(t, 16, web...)
		in := flow4(Ingress, vf, ProtoTCP, 5, 9, 40000, 443)
		require.True(t, p.Decide(in, 0).Pass)
		p.TCAM.Clear(0) // remove the 443 rule
		p.TCAM.Swap()
		require.True(t, p.Decide(in, 1).Pass, "tracked: passes")
		other := flow4(Ingress, vf, ProtoTCP, 6, 9, 40001, 443)
		require.Equal(t, DeniedSG, p.Decide(other, 2).Reason, "a new flow meets the new rules")
	})
	t.Run("full tracker drops new flows and counts them", func(t *testing.T) {
		p := pipelineWith(t, 1, web...)
		a := flow4(Egress, vf, ProtoTCP, 9, 20, 1000, 80)
		b := flow4(Egress, vf, ProtoTCP, 9, 21, 1000, 80)
		require.True(t, p.Decide(a, 0).Pass)
		require.Equal(t, ConntrackFull, p.Decide(b, 1).Reason)
		require.True(t, p.Decide(reverse(a), 2).Pass, "the tracked flow keeps working")
		require.Equal(t, Counters{Allowed: 2, ConntrackExceeded: 1}, p.Counters(vf))
	})
	t.Run("default deny: an empty NACL", func(t *testing.T) {
		p := pipelineWith(t, 16, web[:2]...)
		require.Equal(t, DeniedNACL, p.Decide(flow4(Egress, vf, ProtoTCP, 9, 20, 1000, 80), 0).Reason)
	})
}

// BenchmarkPipeline: a web-server rule set, a mix of tracked and new
// flows.
//
//	go test -run xxx -bench Pipeline -cpu 1 ./model/acl/
func BenchmarkPipeline(b *testing.B) {
	tb := NewTable(64, 0)
	for i, e := range []Entry{
		rule(StageSG, Ingress, 1, 0, true, ProtoTCP, 443, 0),
		rule(StageSG, Egress, 1, 0, true, 0, -1, 0),
		rule(StageNACL, Ingress, 1, 100, true, 0, -1, 0),
		rule(StageNACL, Egress, 1, 100, true, 0, -1, 0),
	} {
		if err := tb.Write(i, e); err != nil {
			b.Fatal(err)
		}
	}
	tb.Swap()
	p := NewPipeline(tb, NewConntrack(65536, DefaultTimeouts))
	flows := make([]*Flow, 4096)
	for i := range flows {
		flows[i] = flow4(Ingress, 1, ProtoTCP, byte(i), byte(i>>8), uint16(1024+i), 443)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.Decide(flows[i&4095], sim.Time(i)*sim.Microsecond)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
}
