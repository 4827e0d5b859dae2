package cardctl

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
)

// Security groups and network ACLs as people write them, and their
// compilation to the card's ternary ACL entries.
//
// Inbound rules name the remote source (CIDR) and the local destination
// port; outbound rules name the remote destination (CIDR) and its port.
// Security groups allow only, and are stateful: replies to an allowed
// connection pass whatever the rules say (the card tracks connections).
// Network ACLs are numbered rules evaluated lowest first, allow or deny,
// stateless, with an implicit deny at the end.

// SGRule is one security-group rule: it allows.
type SGRule struct {
	Protocol string `yaml:"protocol"`  // tcp, udp, icmp, icmpv6, all, or an IP protocol number
	Ports    string `yaml:"ports"`     // "443", "1024-65535"; "" for every port (tcp and udp only)
	CIDR     string `yaml:"cidr"`      // the remote side: "0.0.0.0/0", "198.51.100.7/32", "::/0"
	ICMPType *int   `yaml:"icmp_type"` // icmp and icmpv6: nil for any type
	ICMPCode *int   `yaml:"icmp_code"` // nil for any code
}

// SecurityGroup is a VF's security group.
type SecurityGroup struct {
	Inbound  []SGRule `yaml:"inbound"`
	Outbound []SGRule `yaml:"outbound"`
}

// NACLRule is one numbered network-ACL rule.
type NACLRule struct {
	Number   int    `yaml:"number"` // 1..32766, evaluated lowest first
	Action   string `yaml:"action"` // allow or deny
	Protocol string `yaml:"protocol"`
	Ports    string `yaml:"ports"`
	CIDR     string `yaml:"cidr"`
	ICMPType *int   `yaml:"icmp_type"`
	ICMPCode *int   `yaml:"icmp_code"`
}

// NetworkACL is a subnet's network ACL.
type NetworkACL struct {
	Inbound  []NACLRule `yaml:"inbound"`
	Outbound []NACLRule `yaml:"outbound"`
}

// Rule is a rule in the form both the compiler and a reference evaluator
// use: everything parsed and checked.
type Rule struct {
	Proto    int // IP protocol; -1 for every protocol
	PortLo   uint16
	PortHi   uint16 // PortLo..PortHi inclusive; 0..65535 for every port
	Prefix   netip.Prefix
	ICMPType int // -1 for any
	ICMPCode int // -1 for any
	Allow    bool
	Number   int // network ACL: the rule number (0 in a security group)
	Index    int // its position in its list
}

// Matches reports whether a packet's fields match r: proto, the remote
// address, the port the rule names (the destination port) and the ICMP
// type and code.
func (r *Rule) Matches(proto uint8, remote netip.Addr, port uint16, icmpType, icmpCode uint8) bool {
	if r.Proto >= 0 && uint8(r.Proto) != proto {
		return false
	}
	if !r.Prefix.Contains(remote) {
		return false
	}
	if hasPorts(r.Proto) && (port < r.PortLo || port > r.PortHi) {
		return false
	}
	if isICMP(r.Proto) {
		if r.ICMPType >= 0 && uint8(r.ICMPType) != icmpType {
			return false
		}
		if r.ICMPCode >= 0 && uint8(r.ICMPCode) != icmpCode {
			return false
		}
	}
	return true
}

// IP protocol numbers the rules name.
const (
	protoICMP   = 1
	protoTCP    = 6
	protoUDP    = 17
	protoICMPv6 = 58
)

func hasPorts(p int) bool { return p == protoTCP || p == protoUDP }
func isICMP(p int) bool   { return p == protoICMP || p == protoICMPv6 }

// RuleError names the rule a parse refused and why.
type RuleError struct {
	List  string // "security group inbound", "network ACL outbound", ...
	Index int
	Rule  string
	Err   error
}

func (e *RuleError) Error() string {
	return fmt.Sprintf("cardctl: %s rule %d (%s): %v", e.List, e.Index, e.Rule, e.Err)
}

func (e *RuleError) Unwrap() error { return e.Err }

func parseRule(proto, ports, cidr string, icmpType, icmpCode *int) (Rule, error) {
	r := Rule{PortHi: 65535, ICMPType: -1, ICMPCode: -1}
	switch p := strings.ToLower(strings.TrimSpace(proto)); p {
	case "all", "-1":
		r.Proto = -1
	case "tcp":
		r.Proto = protoTCP
	case "udp":
		r.Proto = protoUDP
	case "icmp":
		r.Proto = protoICMP
	case "icmpv6":
		r.Proto = protoICMPv6
	default:
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 255 {
			return r, fmt.Errorf("protocol %q: want tcp, udp, icmp, icmpv6, all or a number 0..255", proto)
		}
		r.Proto = n
	}
	pfx, err := netip.ParsePrefix(strings.TrimSpace(cidr))
	if err != nil {
		return r, fmt.Errorf("cidr %q is not an IPv4 or IPv6 prefix", cidr)
	}
	if pfx.Addr().Zone() != "" || pfx.Addr().Is4In6() {
		return r, fmt.Errorf("cidr %q: want a plain IPv4 or IPv6 prefix (no zone, no IPv4-mapped form)", cidr)
	}
	r.Prefix = pfx.Masked()
	switch {
	case r.Proto == protoICMP && r.Prefix.Addr().Is6():
		return r, fmt.Errorf("protocol icmp with the IPv6 cidr %s: IPv6 uses icmpv6", cidr)
	case r.Proto == protoICMPv6 && r.Prefix.Addr().Is4():
		return r, fmt.Errorf("protocol icmpv6 with the IPv4 cidr %s: IPv4 uses icmp", cidr)
	}
	if ports = strings.TrimSpace(ports); ports != "" {
		if !hasPorts(r.Proto) {
			return r, fmt.Errorf("ports %q on protocol %q, which has no ports (tcp and udp do)", ports, proto)
		}
		lo, hi, ok := strings.Cut(ports, "-")
		if !ok {
			hi = lo
		}
		l, err1 := strconv.Atoi(strings.TrimSpace(lo))
		h, err2 := strconv.Atoi(strings.TrimSpace(hi))
		if err1 != nil || err2 != nil || l < 0 || h > 65535 || l > h {
			return r, fmt.Errorf("ports %q: want a port or a range lo-hi within 0..65535, lo <= hi", ports)
		}
		r.PortLo, r.PortHi = uint16(l), uint16(h)
	}
	for _, f := range []struct {
		name string
		v    *int
		to   *int
	}{{"icmp_type", icmpType, &r.ICMPType}, {"icmp_code", icmpCode, &r.ICMPCode}} {
		if f.v == nil {
			continue
		}
		if !isICMP(r.Proto) {
			return r, fmt.Errorf("%s on protocol %q (icmp or icmpv6 only)", f.name, proto)
		}
		if *f.v < 0 || *f.v > 255 {
			return r, fmt.Errorf("%s %d outside 0..255", f.name, *f.v)
		}
		*f.to = *f.v
	}
	return r, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Rules parses a security group's lists.
func (sg *SecurityGroup) Rules() (in, out []Rule, err error) {
	for _, l := range []struct {
		name  string
		rules []SGRule
		to    *[]Rule
	}{{"security group inbound", sg.Inbound, &in}, {"security group outbound", sg.Outbound, &out}} {
		for i, x := range l.rules {
			r, err := parseRule(x.Protocol, x.Ports, x.CIDR, x.ICMPType, x.ICMPCode)
			if err != nil {
				return nil, nil, &RuleError{List: l.name, Index: i, Rule: fmt.Sprintf("%s %s %s", x.Protocol, x.Ports, x.CIDR), Err: err}
			}
			r.Allow, r.Index = true, i
			*l.to = append(*l.to, r)
		}
	}
	return in, out, nil
}

// Rules parses a network ACL's lists, each sorted by rule number.
func (n *NetworkACL) Rules() (in, out []Rule, err error) {
	for _, l := range []struct {
		name  string
		rules []NACLRule
		to    *[]Rule
	}{{"network ACL inbound", n.Inbound, &in}, {"network ACL outbound", n.Outbound, &out}} {
		seen := map[int]int{}
		for i, x := range l.rules {
			desc := fmt.Sprintf("#%d %s %s %s %s", x.Number, x.Action, x.Protocol, x.Ports, x.CIDR)
			fail := func(err error) error { return &RuleError{List: l.name, Index: i, Rule: desc, Err: err} }
			if x.Number < 1 || x.Number > 32766 {
				return nil, nil, fail(fmt.Errorf("rule number %d outside 1..32766", x.Number))
			}
			if j, dup := seen[x.Number]; dup {
				return nil, nil, fail(fmt.Errorf("rule number %d is also rule %d's", x.Number, j))
			}
			seen[x.Number] = i
			r, err := parseRule(x.Protocol, x.Ports, x.CIDR, x.ICMPType, x.ICMPCode)
			if err != nil {
				return nil, nil, fail(err)
			}
			switch strings.ToLower(x.Action) {
			case "allow":
				r.Allow = true
			case "deny":
			default:
				return nil, nil, fail(fmt.Errorf("action %q: want allow or deny", x.Action))
			}
			r.Number, r.Index = x.Number, i
			*l.to = append(*l.to, r)
		}
		sort.Slice(*l.to, func(a, b int) bool { return (*l.to)[a].Number < (*l.to)[b].Number })
	}
	return in, out, nil
}

// The ACL key layout of the card (model/acl, whose test checks that both
// sides agree): 48 bytes, value and care-mask.
const (
	KeyBytes   = 48
	keyFlags   = 0
	keyVF      = 1
	keyProto   = 2
	keyDstPort = 6
	keyICMP    = 8
	keySrc     = 16
	keyDst     = 32
	flagEgress = 1 << 0
	flagNACL   = 1 << 1
	flagIPv6   = 1 << 2
)

// Entry is one ternary ACL entry as the card's table holds it.
type Entry struct {
	Value, Mask [KeyBytes]byte
	Priority    uint16
	Allow       bool
	Tag         uint16 // Tag(stage, direction, index): which rule it came from
	VF          uint8
}

// Tag packs a rule's origin: bit 15 the stage (1 network ACL), bit 14 the
// direction (1 outbound), bits 13:0 the rule's index in its list.
func Tag(nacl, outbound bool, index int) uint16 {
	return uint16(boolInt(nacl))<<15 | uint16(boolInt(outbound))<<14 | uint16(index&0x3FFF)
}

// PortPrefixes covers lo..hi with the fewest prefixes: (value, mask)
// pairs over 16 bits. A full range is one all-wildcard pair.
func PortPrefixes(lo, hi uint16) [][2]uint16 {
	var out [][2]uint16
	for l := uint32(lo); l <= uint32(hi); {
		size := uint32(1)
		for size < 1<<16 && l&(size*2-1) == 0 && l+size*2-1 <= uint32(hi) {
			size *= 2
		}
		out = append(out, [2]uint16{uint16(l), uint16(^(size - 1))})
		l += size
	}
	return out
}

// compile turns one parsed rule into entries for a stage, direction and
// VF.
func compile(r *Rule, vf uint8, nacl, outbound bool) []Entry {
	var base Entry
	base.VF, base.Allow, base.Tag = vf, r.Allow, Tag(nacl, outbound, r.Index)
	if nacl {
		base.Priority = uint16(r.Number)
	}
	base.Mask[keyFlags], base.Mask[keyVF] = flagEgress|flagNACL|flagIPv6, 0xFF
	base.Value[keyVF] = vf
	if outbound {
		base.Value[keyFlags] |= flagEgress
	}
	if nacl {
		base.Value[keyFlags] |= flagNACL
	}
	addr := keySrc // inbound: the remote side is the source
	if outbound {
		addr = keyDst
	}
	a := r.Prefix.Addr().AsSlice()
	if r.Prefix.Addr().Is6() {
		base.Value[keyFlags] |= flagIPv6
	}
	for b := 0; b < r.Prefix.Bits(); b++ {
		base.Mask[addr+b/8] |= 0x80 >> (b % 8)
	}
	for i := range a {
		base.Value[addr+i] = a[i] & base.Mask[addr+i]
	}
	if r.Proto >= 0 {
		base.Value[keyProto], base.Mask[keyProto] = uint8(r.Proto), 0xFF
	}
	if isICMP(r.Proto) {
		if r.ICMPType >= 0 {
			base.Value[keyICMP], base.Mask[keyICMP] = uint8(r.ICMPType), 0xFF
		}
		if r.ICMPCode >= 0 {
			base.Value[keyICMP+1], base.Mask[keyICMP+1] = uint8(r.ICMPCode), 0xFF
		}
	}
	if !hasPorts(r.Proto) {
		return []Entry{base}
	}
	var out []Entry
	for _, p := range PortPrefixes(r.PortLo, r.PortHi) {
		e := base
		binary.BigEndian.PutUint16(e.Value[keyDstPort:], p[0]&p[1])
		binary.BigEndian.PutUint16(e.Mask[keyDstPort:], p[1])
		out = append(out, e)
	}
	return out
}

// Compile returns the entries of VF vf's security group and its subnet's
// network ACL, security-group entries first.
func Compile(vf uint8, sg *SecurityGroup, nacl *NetworkACL) ([]Entry, error) {
	var out []Entry
	if sg != nil {
		in, outb, err := sg.Rules()
		if err != nil {
			return nil, fmt.Errorf("VF %d: %w", vf, err)
		}
		for i := range in {
			out = append(out, compile(&in[i], vf, false, false)...)
		}
		for i := range outb {
			out = append(out, compile(&outb[i], vf, false, true)...)
		}
	}
	if nacl != nil {
		in, outb, err := nacl.Rules()
		if err != nil {
			return nil, fmt.Errorf("VF %d: %w", vf, err)
		}
		for i := range in {
			out = append(out, compile(&in[i], vf, true, false)...)
		}
		for i := range outb {
			out = append(out, compile(&outb[i], vf, true, true)...)
		}
	}
	return out, nil
}

// ErrDoesNotFit is the error Fit wraps.
var ErrDoesNotFit = errors.New("the rule set does not fit the ACL table")

// Fit checks that entries (VF vf's compiled set) fit the VF's quota and
// the free slots (the table's free slots plus the entries the VF holds
// now, which the new set replaces). The error names the VF, the entries
// needed and available, and the rules that expand most.
func Fit(vf uint8, entries []Entry, quota, available int) error {
	limit := min(quota, available)
	if len(entries) <= limit {
		return nil
	}
	count := map[uint16]int{}
	for _, e := range entries {
		count[e.Tag]++
	}
	tags := make([]uint16, 0, len(count))
	for t := range count {
		tags = append(tags, t)
	}
	sort.Slice(tags, func(a, b int) bool {
		if count[tags[a]] != count[tags[b]] {
			return count[tags[a]] > count[tags[b]]
		}
		return tags[a] < tags[b]
	})
	var worst []string
	for _, t := range tags[:min(3, len(tags))] {
		worst = append(worst, fmt.Sprintf("%s rule %d: %d entries", tagName(t), t&0x3FFF, count[t]))
	}
	return fmt.Errorf("cardctl: VF %d: %w: %d entries needed, %d available (quota %d, free %d); largest: %s",
		vf, ErrDoesNotFit, len(entries), limit, quota, available, strings.Join(worst, ", "))
}

func tagName(t uint16) string {
	s := "security group"
	if t&(1<<15) != 0 {
		s = "network ACL"
	}
	if t&(1<<14) != 0 {
		return s + " outbound"
	}
	return s + " inbound"
}

// DefaultSecurityGroup is what a VF gets when only its network ACL is
// given: everything outbound, nothing inbound but replies.
func DefaultSecurityGroup() *SecurityGroup {
	return &SecurityGroup{Outbound: []SGRule{{Protocol: "all", CIDR: "0.0.0.0/0"}, {Protocol: "all", CIDR: "::/0"}}}
}

// DefaultNetworkACL is what a VF's subnet gets when only its security
// group is given: everything in and out, as a default network ACL.
func DefaultNetworkACL() *NetworkACL {
	all := []NACLRule{{Number: 100, Action: "allow", Protocol: "all", CIDR: "0.0.0.0/0"}, {Number: 101, Action: "allow", Protocol: "all", CIDR: "::/0"}}
	return &NetworkACL{Inbound: all, Outbound: append([]NACLRule(nil), all...)}
}
