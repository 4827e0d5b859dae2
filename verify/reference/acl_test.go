package reference

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/driver/cardctl"
	"github.com/nicforge/nicforge/model/acl"
	"github.com/nicforge/nicforge/sim"
)

var aclSeed = flag.Uint64("acl.seed", 1, "seed of the ACL cross-check")

// aclWorld is one random configuration: VFs, their security groups and
// the network ACLs of the subnets they are in.
type aclWorld struct {
	sg     [4]cardctl.SecurityGroup
	nacl   [2]cardctl.NetworkACL
	subnet [4]int
}

var (
	remote4 = []string{"192.0.2.1", "192.0.2.77", "198.51.100.7", "203.0.113.200", "10.0.1.5", "169.254.169.254"}
	remote6 = []string{"2001:db8:1::1", "2001:db8:1::77", "2001:db8:ff::9", "fd00:ec2::254"}
	cidr4   = []string{"0.0.0.0/0", "192.0.2.0/24", "192.0.2.64/26", "198.51.100.7/32", "203.0.113.0/24", "10.0.0.0/8", "169.254.0.0/16"}
	cidr6   = []string{"::/0", "2001:db8:1::/48", "2001:db8:1::77/128", "2001:db8::/32", "fd00:ec2::/32"}
)

func local(vf uint8, v6 bool) netip.Addr {
	if v6 {
		return netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 15: 10 + vf})
	}
	return netip.AddrFrom4([4]byte{10, 0, 0, 10 + vf})
}

func randomPorts(r *rand.Rand) string {
	switch r.IntN(5) {
	case 0:
		return ""
	case 1:
		return fmt.Sprint([]int{22, 80, 443, 53, 8080}[r.IntN(5)])
	case 2:
		return "1024-65535"
	}
	lo := r.IntN(2000)
	return fmt.Sprintf("%d-%d", lo, lo+r.IntN(3000))
}

func randomMatch(r *rand.Rand) (proto, ports, cidr string, icmpType *int) {
	v6 := r.IntN(3) == 0
	cidr = cidr4[r.IntN(len(cidr4))]
	if v6 {
		cidr = cidr6[r.IntN(len(cidr6))]
	}
	switch r.IntN(6) {
	case 0, 1:
		proto, ports = "tcp", randomPorts(r)
	case 2:
		proto, ports = "udp", randomPorts(r)
	case 3:
		proto = "icmp"
		if v6 {
			proto = "icmpv6"
		}
		if r.IntN(2) == 0 {
			t := []int{0, 8, 128, 129}[r.IntN(4)]
			icmpType = &t
		}
	case 4:
		proto = "all"
	default:
		proto = "47"
	}
	return proto, ports, cidr, icmpType
}

func randomWorld(r *rand.Rand) *aclWorld {
	w := &aclWorld{}
	for vf := range w.sg {
		w.sg[vf] = randomSG(r)
		w.subnet[vf] = r.IntN(2)
	}
	for s := range w.nacl {
		for _, list := range []*[]cardctl.NACLRule{&w.nacl[s].Inbound, &w.nacl[s].Outbound} {
			used := map[int]bool{}
			for i := r.IntN(9); i > 0; i-- {
				n := 1 + r.IntN(200)
				if used[n] {
					continue
				}
				used[n] = true
				proto, ports, cidr, it := randomMatch(r)
				act := "allow"
				if r.IntN(3) == 0 {
					act = "deny"
				}
				*list = append(*list, cardctl.NACLRule{Number: n, Action: act, Protocol: proto, Ports: ports, CIDR: cidr, ICMPType: it})
			}
			if r.IntN(5) > 0 { // usually a broad allow at the end, per family
				*list = append(*list, cardctl.NACLRule{Number: 32000, Action: "allow", Protocol: "all", CIDR: "0.0.0.0/0"})
			}
			if r.IntN(5) > 0 {
				*list = append(*list, cardctl.NACLRule{Number: 32001, Action: "allow", Protocol: "all", CIDR: "::/0"})
			}
		}
	}
	return w
}

func randomSG(r *rand.Rand) cardctl.SecurityGroup {
	var sg cardctl.SecurityGroup
	for _, list := range []*[]cardctl.SGRule{&sg.Inbound, &sg.Outbound} {
		for i := r.IntN(7); i > 0; i-- {
			proto, ports, cidr, it := randomMatch(r)
			*list = append(*list, cardctl.SGRule{Protocol: proto, Ports: ports, CIDR: cidr, ICMPType: it})
		}
		if r.IntN(2) == 0 { // "all traffic" rules are common, outbound above all
			*list = append(*list, cardctl.SGRule{Protocol: "all", CIDR: []string{"0.0.0.0/0", "::/0"}[r.IntN(2)]})
		}
	}
	return sg
}

// randomPackets makes the traffic: new packets from and to the VFs, and
// replies to earlier ones, at times that now and then jump past the
// timeouts. It does not depend on any decision, so a run replays.
func randomPackets(r *rand.Rand, n int) ([]acl.Flow, []sim.Time) {
	flows := make([]acl.Flow, 0, n)
	times := make([]sim.Time, 0, n)
	now := sim.Second
	for len(flows) < n {
		switch g := r.IntN(1000); {
		case g < 2:
			now += []sim.Time{31 * sim.Second, 121 * sim.Second, 181 * sim.Second, 601 * sim.Second}[r.IntN(4)]
		case g < 50:
			now += sim.Time(r.IntN(20)) * sim.Second
		default:
			now += sim.Time(1+r.IntN(1000)) * sim.Microsecond
		}
		var f acl.Flow
		if len(flows) > 0 && r.IntN(10) < 4 { // a reply to an earlier packet
			p := flows[len(flows)-1-r.IntN(min(len(flows), 500))]
			f = p
			f.Src, f.Dst, f.SrcPort, f.DstPort = p.Dst, p.Src, p.DstPort, p.SrcPort
			f.Dir = 1 - p.Dir
			if f.Proto == acl.ProtoICMP || f.Proto == acl.ProtoICMPv6 {
				f.ICMPType = map[uint8]uint8{8: 0, 128: 129}[p.ICMPType]
			}
		} else {
			f.VF, f.Dir, f.IPv6 = uint8(r.IntN(4)), acl.Direction(r.IntN(2)), r.IntN(3) == 0
			var rem netip.Addr
			if f.IPv6 {
				rem = netip.MustParseAddr(remote6[r.IntN(len(remote6))])
			} else {
				rem = netip.MustParseAddr(remote4[r.IntN(len(remote4))])
			}
			loc := local(f.VF, f.IPv6)
			src, dst := rem, loc
			if f.Dir == acl.Egress {
				src, dst = loc, rem
			}
			f.Src, f.Dst = src.As16(), dst.As16()
			f.Proto = []uint8{6, 6, 17, 17, 1, 47}[r.IntN(6)]
			if f.IPv6 && f.Proto == 1 {
				f.Proto = 58
			}
			switch f.Proto {
			case 6, 17:
				f.SrcPort = uint16(1024 + r.IntN(2000))
				f.DstPort = []uint16{22, 53, 80, 443, 8080, uint16(r.IntN(6000))}[r.IntN(6)]
			case 1, 58:
				f.ICMPType = []uint8{8, 128, 3}[r.IntN(3)]
			}
		}
		if !f.IPv6 {
			// IPv4 lives in bytes 0..3 of the 16.
			var s, d [16]byte
			copy(s[:4], netip.AddrFrom16(f.Src).Unmap().AsSlice())
			copy(d[:4], netip.AddrFrom16(f.Dst).Unmap().AsSlice())
			f.Src, f.Dst = s, d
		}
		flows = append(flows, f)
		times = append(times, now)
	}
	return flows, times
}

func addrOf(b [16]byte, v6 bool) netip.Addr {
	if v6 {
		return netip.AddrFrom16(b)
	}
	return netip.AddrFrom4([4]byte(b[:4]))
}

func packetOf(f *acl.Flow) ACLPacket {
	return ACLPacket{Egress: f.Dir == acl.Egress, VF: f.VF, Proto: f.Proto, Src: addrOf(f.Src, f.IPv6), Dst: addrOf(f.Dst, f.IPv6),
		SrcPort: f.SrcPort, DstPort: f.DstPort, ICMPType: f.ICMPType, ICMPCode: f.ICMPCode}
}

// install compiles a world into a table, or reports why it cannot.
func install(t testing.TB, tb *acl.Table, w *aclWorld, vfs ...int) {
	for _, vf := range vfs {
		tb.ClearVF(uint8(vf))
	}
	slot := 0
	for _, vf := range vfs {
		es, err := cardctl.Compile(uint8(vf), &w.sg[vf], &w.nacl[w.subnet[vf]])
		require.NoError(t, err)
		for _, e := range es {
			for ; ; slot++ {
				if _, used := tb.Read(slot); !used {
					break
				}
			}
			require.NoError(t, tb.Write(slot, acl.Entry{Value: e.Value, Mask: e.Mask, Priority: e.Priority, Allow: e.Allow, Tag: e.Tag, VF: e.VF}))
		}
	}
	tb.Swap()
}

const (
	ctCapacity = 32
	vf2Limit   = 8
)

// replay runs flows through the hardware path and the oracle and returns
// the first packet on which they differ (-1: none) with both verdicts.
func replay(t testing.TB, w, w2 *aclWorld, flows []acl.Flow, times []sim.Time) (int, acl.Verdict, ACLDecision) {
	i, v, d, _ := replayCounting(t, w, w2, flows, times)
	return i, v, d
}

func replayCounting(t testing.TB, w, w2 *aclWorld, flows []acl.Flow, times []sim.Time) (int, acl.Verdict, ACLDecision, map[string]int) {
	seen := map[string]int{}
	tb := acl.NewTable(16384, 0)
	install(t, tb, w, 0, 1, 2, 3)
	tr := acl.NewConntrack(ctCapacity, acl.DefaultTimeouts)
	tr.SetAllowance(2, vf2Limit)
	hw := acl.NewPipeline(tb, tr)
	ref := NewACL(ctCapacity, DefaultACLTimeouts)
	ref.SetAllowance(2, vf2Limit)
	for vf := range w.sg {
		require.NoError(t, ref.SetRules(uint8(vf), &w.sg[vf], &w.nacl[w.subnet[vf]]))
	}
	for i := range flows {
		if i == len(flows)/2 && w2 != nil {
			// New rules for VF 1 under traffic: tracked flows stay.
			install(t, tb, w2, 1)
			require.NoError(t, ref.SetRules(1, &w2.sg[1], &w.nacl[w.subnet[1]]))
		}
		v := hw.Decide(&flows[i], times[i])
		d := ref.Decide(packetOf(&flows[i]), times[i])
		if v.Pass != d.Pass || v.Reason.String() != d.Reason {
			return i, v, d, seen
		}
		seen[d.Reason]++
		if v.Tracked {
			seen["tracked"]++
		}
	}
	return -1, acl.Verdict{}, ACLDecision{}, seen
}

// The hardware path (rules compiled by cardctl into the TCAM, the
// tracker, the pipeline) decides every packet as the oracle written from
// the rule lists does: random rule sets over IPv4 and IPv6 with ranges
// and overlapping numbers, random traffic with replies, timeouts, a full
// tracker and a rule change under traffic.
//
// Reproduce a failure: go test -run TestACLHardwareMatchesReference -acl.seed N ./verify/reference/
func TestACLHardwareMatchesReference(t *testing.T) {
	seed := *aclSeed
	total := map[string]int{}
	packets := 0
	for world := uint64(0); world < 4; world++ {
		r := rand.New(rand.NewPCG(seed, world))
		w := randomWorld(r)
		w2 := *w
		w2.sg[1] = randomSG(r)
		flows, times := randomPackets(r, 30000)
		packets += len(flows)
		i, v, d, seen := replayCounting(t, w, &w2, flows, times)
		for k, n := range seen {
			total[k] += n
		}
		if i >= 0 {
			t.Fatalf("seed %d, world %d: packet %d at %v %+v: hardware %v (%s), reference %v (%s)\nVF %d rules, shrunk to what still differs:\n%s\nreproduce: go test -run TestACLHardwareMatchesReference ./verify/reference/ -args -acl.seed=%d",
				seed, world, i, times[i], packetOf(&flows[i]), v.Pass, v.Reason, d.Pass, d.Reason, flows[i].VF, describe(shrink(t, w, flows[:i+1], times[:i+1], flows[i].VF), int(flows[i].VF)), seed)
		}
	}
	// The run must have exercised every outcome to prove anything.
	for _, k := range []string{"allowed", "denied_sg", "denied_nacl", "conntrack_full", "tracked"} {
		require.Greater(t, total[k], 100, "seed %d: outcome %s seen %d times (all: %v)", seed, k, total[k], total)
	}
	require.GreaterOrEqual(t, packets, 100000)
	t.Logf("seed %d: %d packets agree: %v", seed, packets, total)
}

// shrink drops rules of vf while the difference at the last packet stays:
// a minimal reproducer's rule set.
func shrink(t testing.TB, w *aclWorld, flows []acl.Flow, times []sim.Time, vf uint8) *aclWorld {
	shrunk := *w
	shrunk.sg[vf] = cardctl.SecurityGroup{Inbound: append([]cardctl.SGRule{}, w.sg[vf].Inbound...), Outbound: append([]cardctl.SGRule{}, w.sg[vf].Outbound...)}
	n := &shrunk.nacl[shrunk.subnet[vf]]
	*n = cardctl.NetworkACL{Inbound: append([]cardctl.NACLRule{}, n.Inbound...), Outbound: append([]cardctl.NACLRule{}, n.Outbound...)}
	stillDiffers := func() bool { j, _, _ := replay(t, &shrunk, nil, flows, times); return j >= 0 }
	for _, l := range []*[]cardctl.SGRule{&shrunk.sg[vf].Inbound, &shrunk.sg[vf].Outbound} {
		for k := len(*l) - 1; k >= 0; k-- {
			keep := *l
			*l = append(append([]cardctl.SGRule{}, keep[:k]...), keep[k+1:]...)
			if !stillDiffers() {
				*l = keep
			}
		}
	}
	for _, l := range []*[]cardctl.NACLRule{&n.Inbound, &n.Outbound} {
		for k := len(*l) - 1; k >= 0; k-- {
			keep := *l
			*l = append(append([]cardctl.NACLRule{}, keep[:k]...), keep[k+1:]...)
			if !stillDiffers() {
				*l = keep
			}
		}
	}
	return &shrunk
}

func describe(w *aclWorld, vf int) string {
	var b strings.Builder
	for _, x := range w.sg[vf].Inbound {
		fmt.Fprintf(&b, "  sg in   %s %s %s\n", x.Protocol, x.Ports, x.CIDR)
	}
	for _, x := range w.sg[vf].Outbound {
		fmt.Fprintf(&b, "  sg out  %s %s %s\n", x.Protocol, x.Ports, x.CIDR)
	}
	n := &w.nacl[w.subnet[vf]]
	for _, x := range n.Inbound {
		fmt.Fprintf(&b, "  nacl in  #%d %s %s %s %s\n", x.Number, x.Action, x.Protocol, x.Ports, x.CIDR)
	}
	for _, x := range n.Outbound {
		fmt.Fprintf(&b, "  nacl out #%d %s %s %s %s\n", x.Number, x.Action, x.Protocol, x.Ports, x.CIDR)
	}
	return b.String()
}

// BenchmarkACLDecide: the oracle on a web server's rules (80 and 443 from
// anywhere, 22 from one /32, all outbound; a subnet ACL with a deny
// before a broad allow) and a mix of new, tracked and denied packets.
//
//	go test -run xxx -bench ACLDecide -cpu 1 ./verify/reference/
func BenchmarkACLDecide(b *testing.B) {
	sg := cardctl.SecurityGroup{
		Inbound: []cardctl.SGRule{
			{Protocol: "tcp", Ports: "80", CIDR: "0.0.0.0/0"},
			{Protocol: "tcp", Ports: "443", CIDR: "0.0.0.0/0"},
			{Protocol: "tcp", Ports: "22", CIDR: "198.51.100.7/32"},
		},
		Outbound: []cardctl.SGRule{{Protocol: "all", CIDR: "0.0.0.0/0"}},
	}
	nacl := cardctl.NetworkACL{
		Inbound:  []cardctl.NACLRule{{Number: 90, Action: "deny", Protocol: "tcp", Ports: "22", CIDR: "203.0.113.0/24"}, {Number: 100, Action: "allow", Protocol: "all", CIDR: "0.0.0.0/0"}},
		Outbound: []cardctl.NACLRule{{Number: 100, Action: "allow", Protocol: "all", CIDR: "0.0.0.0/0"}},
	}
	a := NewACL(65536, DefaultACLTimeouts)
	if err := a.SetRules(0, &sg, &nacl); err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 0))
	pkts := make([]ACLPacket, 4096)
	for i := range pkts {
		remote := netip.AddrFrom4([4]byte{192, 0, 2, byte(r.IntN(64))})
		p := ACLPacket{Proto: 6, Src: remote, Dst: local(0, false), SrcPort: uint16(1024 + r.IntN(4096)), DstPort: []uint16{80, 443, 22, 8080}[r.IntN(4)]}
		if r.IntN(2) == 0 {
			p.Egress, p.Src, p.Dst, p.SrcPort, p.DstPort = true, p.Dst, p.Src, p.DstPort, p.SrcPort
		}
		pkts[i] = p
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a.Decide(pkts[i&4095], sim.Time(i)*sim.Microsecond)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
}
