package cardctl

import (
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// Every port in lo..hi is covered by exactly one prefix, no port outside
// is, and the count is the minimum (each prefix as large as alignment
// allows), for every small range and random large ones.
func TestPortPrefixes(t *testing.T) {
	check := func(lo, hi uint16) {
		ps := PortPrefixes(lo, hi)
		for _, probe := range []int{int(lo) - 1, int(lo), int(lo) + 1, (int(lo) + int(hi)) / 2, int(hi) - 1, int(hi), int(hi) + 1} {
			if probe < 0 || probe > 65535 {
				continue
			}
			n := 0
			for _, p := range ps {
				if uint16(probe)&p[1] == p[0] {
					n++
				}
			}
			in := probe >= int(lo) && probe <= int(hi)
			require.Equal(t, map[bool]int{true: 1, false: 0}[in], n, "range %d-%d, port %d", lo, hi, probe)
		}
		// Merging two neighbours would make a larger aligned block only
		// if the greedy step missed it.
		for i := 1; i < len(ps); i++ {
			a, b := ps[i-1], ps[i]
			sizeA, sizeB := uint32(^a[1])+1, uint32(^b[1])+1
			merged := sizeA == sizeB && uint32(a[0])%(2*sizeA) == 0
			require.False(t, merged, "range %d-%d: prefixes %v and %v should be one", lo, hi, a, b)
		}
	}
	for lo := 0; lo < 70; lo++ {
		for hi := lo; hi < 70; hi++ {
			check(uint16(lo), uint16(hi))
		}
	}
	require.Len(t, PortPrefixes(1024, 65535), 6)
	require.Equal(t, [][2]uint16{{0, 0}}, PortPrefixes(0, 65535))
	require.Equal(t, [][2]uint16{{443, 0xFFFF}}, PortPrefixes(443, 443))
	seed := uint64(7)
	r := rand.New(rand.NewPCG(seed, 0))
	for i := 0; i < 2000; i++ {
		a, b := uint16(r.IntN(65536)), uint16(r.IntN(65536))
		check(min(a, b), max(a, b))
		require.LessOrEqual(t, len(PortPrefixes(min(a, b), max(a, b))), 30, "seed %d", seed)
	}
}

func TestRuleErrors(t *testing.T) {
	one, big := 1, 300
	tests := []struct {
		sg   SecurityGroup
		nacl NetworkACL
		want string
	}{
		{sg: SecurityGroup{Inbound: []SGRule{{Protocol: "tcp", Ports: "80", CIDR: "10.0.0.0/33"}}}, want: `security group inbound rule 0 (tcp 80 10.0.0.0/33): cidr "10.0.0.0/33" is not an IPv4 or IPv6 prefix`},
		{sg: SecurityGroup{Outbound: []SGRule{{Protocol: "sctp", CIDR: "0.0.0.0/0"}}}, want: `security group outbound rule 0`},
		{sg: SecurityGroup{Inbound: []SGRule{{Protocol: "tcp", Ports: "90-80", CIDR: "0.0.0.0/0"}}}, want: `ports "90-80": want a port or a range lo-hi`},
		{sg: SecurityGroup{Inbound: []SGRule{{Protocol: "icmp", Ports: "80", CIDR: "0.0.0.0/0"}}}, want: `ports "80" on protocol "icmp", which has no ports`},
		{sg: SecurityGroup{Inbound: []SGRule{{Protocol: "all", Ports: "80", CIDR: "0.0.0.0/0"}}}, want: `which has no ports`},
		{sg: SecurityGroup{Inbound: []SGRule{{Protocol: "icmp", CIDR: "::/0"}}}, want: `IPv6 uses icmpv6`},
		{sg: SecurityGroup{Inbound: []SGRule{{Protocol: "tcp", CIDR: "0.0.0.0/0", ICMPType: &one}}}, want: `icmp_type on protocol "tcp"`},
		{sg: SecurityGroup{Inbound: []SGRule{{Protocol: "icmp", CIDR: "0.0.0.0/0", ICMPCode: &big}}}, want: `icmp_code 300 outside 0..255`},
		{sg: SecurityGroup{Inbound: []SGRule{{Protocol: "tcp", CIDR: "::ffff:10.0.0.1/128"}}}, want: `no IPv4-mapped form`},
		{nacl: NetworkACL{Inbound: []NACLRule{{Number: 0, Action: "allow", Protocol: "all", CIDR: "0.0.0.0/0"}}}, want: `network ACL inbound rule 0 (#0 allow all  0.0.0.0/0): rule number 0 outside 1..32766`},
		{nacl: NetworkACL{Inbound: []NACLRule{{Number: 100, Action: "allow", Protocol: "all", CIDR: "0.0.0.0/0"}, {Number: 100, Action: "deny", Protocol: "all", CIDR: "0.0.0.0/0"}}}, want: `rule number 100 is also rule 0's`},
		{nacl: NetworkACL{Outbound: []NACLRule{{Number: 5, Action: "permit", Protocol: "all", CIDR: "0.0.0.0/0"}}}, want: `action "permit": want allow or deny`},
	}
	for _, tt := range tests {
		_, err := Compile(3, &tt.sg, &tt.nacl)
		require.ErrorContains(t, err, "VF 3: cardctl: "+"")
		require.ErrorContains(t, err, tt.want)
	}
}

// testKey builds a packet's key in the card's layout (model/acl.Flow.Key
// is the card's own; a test in verify checks the two against each other).
func testKey(egress, nacl bool, vf, proto uint8, src, dst netip.Addr, sport, dport uint16, it, ic uint8) (k [KeyBytes]byte) {
	if egress {
		k[keyFlags] |= flagEgress
	}
	if nacl {
		k[keyFlags] |= flagNACL
	}
	if src.Is6() {
		k[keyFlags] |= flagIPv6
	}
	k[keyVF], k[keyProto] = vf, proto
	binary.BigEndian.PutUint16(k[4:], sport)
	binary.BigEndian.PutUint16(k[keyDstPort:], dport)
	k[keyICMP], k[keyICMP+1] = it, ic
	copy(k[keySrc:], src.AsSlice())
	copy(k[keyDst:], dst.AsSlice())
	return k
}

func (e *Entry) matches(k *[KeyBytes]byte) bool {
	for i := range k {
		if (k[i]^e.Value[i])&e.Mask[i] != 0 {
			return false
		}
	}
	return true
}

// A compiled rule's entries match exactly the packets the rule matches.
func TestCompiledEntriesMatchTheirRule(t *testing.T) {
	seed := uint64(11)
	r := rand.New(rand.NewPCG(seed, 0))
	addrs4 := []string{"10.0.0.1", "10.0.0.200", "10.0.1.7", "192.0.2.9", "0.0.0.1"}
	addrs6 := []string{"2001:db8::1", "2001:db8:1::5", "fd00:ec2::254", "::1"}
	cidrs := []string{"0.0.0.0/0", "10.0.0.0/8", "10.0.0.0/24", "10.0.0.200/32", "::/0", "2001:db8::/32", "2001:db8::1/128", "fd00:ec2::/32"}
	protos := []string{"tcp", "udp", "icmp", "icmpv6", "all", "47"}
	for i := 0; i < 300; i++ {
		x := SGRule{Protocol: protos[r.IntN(len(protos))], CIDR: cidrs[r.IntN(len(cidrs))]}
		if x.Protocol == "tcp" || x.Protocol == "udp" {
			lo := r.IntN(65536)
			x.Ports = []string{"", "443", "1024-65535", "0-1023", ""}[r.IntN(5)]
			if r.IntN(3) == 0 {
				x.Ports = ""
				if hi := lo + r.IntN(3000); hi < 65536 {
					x.Ports = strconv.Itoa(lo) + "-" + strconv.Itoa(hi)
				}
			}
		}
		if x.Protocol == "icmp" || x.Protocol == "icmpv6" {
			if r.IntN(2) == 0 {
				v := r.IntN(3)
				x.ICMPType = &v
			}
		}
		outbound := r.IntN(2) == 0
		sg := SecurityGroup{}
		if outbound {
			sg.Outbound = []SGRule{x}
		} else {
			sg.Inbound = []SGRule{x}
		}
		entries, err := Compile(2, &sg, nil)
		if err != nil {
			continue // an invalid combination (icmp with an IPv6 cidr...)
		}
		in, out, _ := sg.Rules()
		rule := append(in, out...)[0]
		for j := 0; j < 200; j++ {
			v6 := r.IntN(2) == 0
			pick := func() netip.Addr {
				if v6 {
					return netip.MustParseAddr(addrs6[r.IntN(len(addrs6))])
				}
				return netip.MustParseAddr(addrs4[r.IntN(len(addrs4))])
			}
			local, remote := pick(), pick()
			proto := []uint8{6, 17, 1, 58, 47}[r.IntN(5)]
			port := []uint16{443, 80, 1023, 1024, 65535, uint16(r.IntN(65536))}[r.IntN(6)]
			it, ic := uint8(r.IntN(3)), uint8(r.IntN(2))
			if proto != 1 && proto != 58 {
				it, ic = 0, 0
			}
			if proto != 6 && proto != 17 {
				port = 0
			}
			src, dst := remote, local
			if outbound {
				src, dst = local, remote
			}
			k := testKey(outbound, false, 2, proto, src, dst, 40000, port, it, ic)
			hit := false
			for e := range entries {
				hit = hit || entries[e].matches(&k)
			}
			want := rule.Matches(proto, remote, port, it, ic)
			require.Equal(t, want, hit, "seed %d: rule %+v, packet proto %d remote %s port %d icmp %d/%d", seed, x, proto, remote, port, it, ic)
		}
	}
}

func TestFitNamesTheRules(t *testing.T) {
	sg := SecurityGroup{Inbound: []SGRule{
		{Protocol: "tcp", Ports: "1-65534", CIDR: "0.0.0.0/0"},
		{Protocol: "udp", Ports: "53", CIDR: "0.0.0.0/0"},
	}}
	entries, err := Compile(4, &sg, nil)
	require.NoError(t, err)
	require.Len(t, entries, 31)
	require.NoError(t, Fit(4, entries, 64, 1000))
	err = Fit(4, entries, 16, 1000)
	require.ErrorIs(t, err, ErrDoesNotFit)
	require.ErrorContains(t, err, "VF 4: the rule set does not fit the ACL table: 31 entries needed, 16 available (quota 16, free 1000); largest: security group inbound rule 0: 30 entries, security group inbound rule 1: 1 entries")
}

// Any rule text: a clear error or entries that match exactly what the
// parsed rule matches; never a panic.
func FuzzRuleCompiler(f *testing.F) {
	f.Add("tcp", "1024-65535", "10.0.0.0/8", 100, "allow", 0, 200, uint16(2000))
	f.Add("icmpv6", "", "2001:db8::/32", 7, "deny", 128, 0, uint16(0))
	f.Add("all", "", "0.0.0.0/0", 32766, "allow", -1, 300, uint16(80))
	f.Fuzz(func(t *testing.T, proto, ports, cidr string, number int, action string, icmp int, probe int, port uint16) {
		var it *int
		if icmp >= 0 {
			it = &icmp
		}
		nacl := NetworkACL{Outbound: []NACLRule{{Number: number, Action: action, Protocol: proto, Ports: ports, CIDR: cidr, ICMPType: it}}}
		entries, err := Compile(1, nil, &nacl)
		if err != nil {
			require.Contains(t, err.Error(), "VF 1: cardctl: network ACL outbound rule 0")
			return
		}
		_, out, err := nacl.Rules()
		require.NoError(t, err)
		r := out[0]
		remote := r.Prefix.Addr()
		if probe&1 == 1 {
			b := remote.AsSlice()
			b[len(b)-1] ^= byte(probe >> 1)
			remote, _ = netip.AddrFromSlice(b)
		}
		local := netip.IPv4Unspecified()
		if remote.Is6() {
			local = netip.IPv6Unspecified()
		}
		for _, pr := range []uint8{6, 17, 1, 58, uint8(probe)} {
			pt, ic := port, uint8(probe>>8)
			if pr != 6 && pr != 17 {
				pt = 0
			}
			if pr != 1 && pr != 58 {
				ic = 0
			}
			k := testKey(true, true, 1, pr, local, remote, 1, pt, ic, 0)
			hit := false
			for i := range entries {
				hit = hit || entries[i].matches(&k)
			}
			require.Equal(t, r.Matches(pr, remote, pt, ic, 0), hit, "rule %+v, proto %d, remote %s, port %d", r, pr, remote, pt)
		}
	})
}
