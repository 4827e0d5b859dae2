package acl

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/sim"
)

func flow4(dir Direction, vf uint8, proto uint8, src, dst byte, sport, dport uint16) *Flow {
	f := &Flow{Dir: dir, VF: vf, Proto: proto, SrcPort: sport, DstPort: dport}
	f.Src[0], f.Src[3] = 10, src
	f.Dst[0], f.Dst[3] = 10, dst
	return f
}

func reverse(f *Flow) *Flow {
	r := *f
	r.Src, r.Dst, r.SrcPort, r.DstPort = f.Dst, f.Src, f.DstPort, f.SrcPort
	r.Dir = 1 - f.Dir
	return &r
}

// The states and the timeout each one sets, per protocol: gone at the
// exact picosecond the timeout ends, present one before.
func TestConntrackTimeouts(t *testing.T) {
	tests := []struct {
		name     string
		proto    uint8
		steps    []bool // true: a packet from the originator, false: a reply
		state    State
		lifetime sim.Time
	}{
		{"TCP new", ProtoTCP, []bool{true}, StateNew, 120 * sim.Second},
		{"TCP reply", ProtoTCP, []bool{true, false}, StateReply, 120 * sim.Second},
		{"TCP established", ProtoTCP, []bool{true, false, true}, StateEstablished, 432000 * sim.Second},
		{"UDP one way", ProtoUDP, []bool{true, true}, StateNew, 30 * sim.Second},
		{"UDP both ways", ProtoUDP, []bool{true, false}, StateReply, 180 * sim.Second},
		{"ICMP", ProtoICMP, []bool{true, false, true}, StateEstablished, 30 * sim.Second},
		{"other (GRE)", 47, []bool{true, false}, StateReply, 600 * sim.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewConntrack(16, DefaultTimeouts)
			f := flow4(Egress, 1, tt.proto, 5, 9, 40000, 443)
			now := sim.Time(1000)
			for _, orig := range tt.steps {
				now += sim.Millisecond
				p := f
				if !orig {
					p = reverse(f)
				}
				require.True(t, c.Touch(p, now))
			}
			st, exp, ok := c.State(f, now)
			require.True(t, ok)
			require.Equal(t, tt.state, st)
			require.Equal(t, now+tt.lifetime, exp)
			require.True(t, c.Lookup(reverse(f), exp-1), "present 1 ps before the timeout")
			require.False(t, c.Lookup(f, exp), "gone at the timeout")
			require.Zero(t, c.Tracked(1, exp))
		})
	}
}

// A full table refuses new connections and keeps serving tracked ones;
// an expired connection's slot is free from its expiry on; a VF's
// allowance binds before the card's capacity.
func TestConntrackFull(t *testing.T) {
	c := NewConntrack(4, DefaultTimeouts)
	now := sim.Second
	var fs []*Flow
	for i := 0; i < 4; i++ {
		f := flow4(Egress, 0, ProtoUDP, 5, byte(10+i), 1000, 53)
		require.True(t, c.Touch(f, now))
		fs = append(fs, f)
	}
	extra := flow4(Egress, 0, ProtoUDP, 5, 99, 1000, 53)
	require.False(t, c.Touch(extra, now), "no free slot")
	require.True(t, c.Touch(reverse(fs[2]), now+sim.Second), "a tracked connection still passes")
	// fs[0], fs[1], fs[3] expire 30 s after now; fs[2] is a stream (180 s).
	require.False(t, c.Touch(extra, now+30*sim.Second-1))
	require.True(t, c.Touch(extra, now+30*sim.Second), "expired slots are free at their expiry")
	require.Equal(t, 2, c.Tracked(0, now+30*sim.Second))

	a := NewConntrack(8, DefaultTimeouts)
	a.SetAllowance(3, 2)
	require.True(t, a.Touch(flow4(Egress, 3, ProtoTCP, 1, 2, 1, 80), now))
	require.True(t, a.Touch(flow4(Egress, 3, ProtoTCP, 1, 2, 2, 80), now))
	require.False(t, a.Touch(flow4(Egress, 3, ProtoTCP, 1, 2, 3, 80), now), "VF 3 at its allowance")
	require.True(t, a.Touch(flow4(Egress, 4, ProtoTCP, 1, 2, 3, 80), now), "another VF is not")
}

// Both directions find one connection; zones keep VFs apart; ICMP has
// no ports in its key.
func TestConntrackKeys(t *testing.T) {
	c := NewConntrack(8, DefaultTimeouts)
	f := flow4(Ingress, 2, ProtoTCP, 7, 3, 51000, 22)
	require.True(t, c.Touch(f, 0))
	require.True(t, c.Lookup(reverse(f), 1))
	g := *f
	g.VF = 5
	require.False(t, c.Lookup(&g, 1), "another VF's zone")
	ping := flow4(Egress, 2, ProtoICMP, 3, 7, 0, 0)
	ping.ICMPType = 8
	require.True(t, c.Touch(ping, 0))
	pong := reverse(ping)
	pong.ICMPType = 0
	require.True(t, c.Lookup(pong, 1))
}

// BenchmarkConntrack touches connections of a 64k table: lookups of
// tracked flows, new ones, expiries.
//
//	go test -run xxx -bench Conntrack -cpu 1 ./model/acl/
func BenchmarkConntrack(b *testing.B) {
	c := NewConntrack(65536, DefaultTimeouts)
	flows := make([]*Flow, 50000)
	for i := range flows {
		flows[i] = flow4(Egress, uint8(i%8), ProtoUDP, byte(i), byte(i>>8), uint16(i), 53)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.Touch(flows[i%len(flows)], sim.Time(i)*sim.Microsecond)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "packets/s")
}
