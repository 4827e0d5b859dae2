package scenario

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDefaultParses(t *testing.T) {
	s := Default()
	require.Equal(t, "default", s.Name)
	require.Equal(t, 2, s.Card.VFs)
	require.Len(t, s.Functions, 3)
	require.Equal(t, time.Millisecond, s.Duration)
	require.True(t, s.Functions[1].Polling)
	require.Equal(t, Rate{BitsPerSec: 5e9}, s.Traffic[1].Rate)
	require.Equal(t, Rate{PacketsPerSec: 100e3}, s.Traffic[2].Rate)
}

func TestTestbenchesParse(t *testing.T) {
	files, err := filepath.Glob("../testbenches/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		_, err := Load(f)
		require.NoError(t, err, f)
	}
}

func TestErrorsNameTheLine(t *testing.T) {
	base := "name: x\ncard: {vfs: 1}\nfunctions:\n  - name: pf\n  - name: vf0\n"
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"unknown top key", "name: x\ncolour: red\n", `bad.yaml:2: .*colour`},
		{"wrong type", "name: x\nseed: lots\n", `bad.yaml:2: .*lots`},
		{"unknown function key", base + "    mtu: 1500\n    speed: 9\n", `bad.yaml:7: unknown key "speed"`},
		{"bad rate", base + "traffic:\n  - {name: t, from: vf0, to: wire, rate: fast}\n", `bad.yaml:7: traffic\[0\].rate: "fast" is not a rate`},
		{"unknown endpoint", base + "traffic:\n  - {name: t, from: vf9, to: wire}\n", `bad.yaml:7: .*endpoint "vf9"`},
		{"vf beyond the card", "name: x\ncard: {vfs: 1}\nfunctions:\n  - name: pf\n  - name: vf3\n", `bad.yaml:5: function vf3: the card has 1 VFs`},
		{"bad duration", "name: x\nduration: soon\nfunctions:\n  - name: pf\n", `bad.yaml:2: duration: "soon" is not a duration`},
		{"unknown check", base + "expect:\n  - {check: vibes}\n", `bad.yaml:7: expect\[0\]: unknown check "vibes"`},
		{"ring size", base + "    rx_ring: 100\n", `bad.yaml:5: function vf0: rx_ring 100`},
		{"bad mac", base + "    mac: \"zz:00:00:00:00:01\"\n", `bad.yaml:5: function vf0: mac`},
		{"broken yaml", "name: [x\n", `bad.yaml:\d+: `},
		{"empty", "", `bad.yaml:1: empty scenario`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(tc.yaml))
			require.Error(t, err)
			require.Regexp(t, regexp.MustCompile(tc.want), err.Error())
		})
	}
}

func TestParseRate(t *testing.T) {
	for in, want := range map[string]Rate{
		"line": {Line: true}, "10Gbps": {BitsPerSec: 10e9}, "100kpps": {PacketsPerSec: 1e5},
		"1.5Mpps": {PacketsPerSec: 1.5e6}, "800Mbps": {BitsPerSec: 800e6},
	} {
		got, err := ParseRate(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, bad := range []string{"fast", "10", "-5pps", "0pps", "5Tbps"} {
		_, err := ParseRate(bad)
		require.Error(t, err, bad)
	}
}

var lineRE = regexp.MustCompile(`^[^:]+\.yaml:\d+: `)

func FuzzParse(f *testing.F) {
	f.Add(DefaultYAML())
	if b, err := os.ReadFile("../testbenches/ixgbe_spoof.yaml"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("name: x\nfunctions: [{name: pf}]\ntraffic: [{from: pf, to: wire, rate: 1kpps}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("f.yaml", data)
		if err != nil {
			if !lineRE.MatchString(err.Error()) && !regexp.MustCompile(`^f\.yaml: `).MatchString(err.Error()) {
				t.Fatalf("error without file name: %v", err)
			}
			return
		}
		require.NotEmpty(t, s.Name)
		require.NotEmpty(t, s.Functions)
	})
}

func TestFaultsAndENASettings(t *testing.T) {
	base := "name: t\nduration: 1ms\ncard: {personality: %s, vfs: 1, keep_alive: 100ms, watchdog_hint: 300ms}\nfunctions:\n  - {name: pf}\nfaults:\n  - {kind: %s, at: %s}\n"
	s, err := Parse("t.yaml", []byte(fmt.Sprintf(base, "ena", "keep_alive_stop", "300ms")))
	require.NoError(t, err)
	require.Equal(t, 100*time.Millisecond, s.Card.KeepAlive)
	require.Equal(t, 300*time.Millisecond, s.Card.WatchdogHint)
	require.Equal(t, []Fault{{Kind: "keep_alive_stop", At: 300 * time.Millisecond, Line: 7}}, s.Faults)
	for _, tc := range []struct{ personality, kind, at, want string }{
		{"ixgbe", "keep_alive_stop", "300ms", "t.yaml:3: card: keep_alive and watchdog_hint are ENA settings"},
		{"ena", "melt", "300ms", `t.yaml:7: faults[0]: unknown kind "melt" (want one of keep_alive_stop, tx_completion_stop, admin_stop)`},
		{"ena", "keep_alive_stop", "soon", `t.yaml:7: faults[0]: at "soon": want a positive duration`},
	} {
		_, err := Parse("t.yaml", []byte(fmt.Sprintf(base, tc.personality, tc.kind, tc.at)))
		require.ErrorContains(t, err, tc.want)
	}
}

// stats_every (ENA statistics reads) and a recovered check's reset reason.
func TestStatsAndResetReason(t *testing.T) {
	base := "name: t\ncard: {personality: %s, vfs: 1}\nfunctions:\n  - {name: pf}\n  - {name: vf0, %s}\nexpect:\n  - {check: %s, function: vf0%s}\n"
	s, err := Parse("t.yaml", []byte(fmt.Sprintf(base, "ena", "stats_every: 100ms", "recovered", ", reason: admin_to")))
	require.NoError(t, err)
	require.Equal(t, 100*time.Millisecond, s.Functions[1].StatsEvery)
	require.Equal(t, "admin_to", s.Expect[0].Reason)
	s, err = Parse("t.yaml", []byte(fmt.Sprintf(base, "ena", "queues: 1", "recovered", "")))
	require.NoError(t, err)
	require.Zero(t, s.Functions[1].StatsEvery, "no reads unless asked")
	require.Empty(t, s.Expect[0].Reason, "any reason")
	for _, tc := range []struct{ personality, fn, check, reason, want string }{
		{"ixgbe", "stats_every: 100ms", "recovered", "", "t.yaml:5: function vf0: stats_every reads ENA statistics through the admin queue; the 82599 drivers here do not take it"},
		{"ena", "stats_every: 10us", "recovered", "", "t.yaml:5: function vf0: stats_every 10µs: want 100us or more"},
		{"ena", "stats_every: often", "recovered", "", `t.yaml:5: function vf0: stats_every: "often" is not a duration`},
		{"ena", "queues: 1", "recovered", ", reason: tired", `t.yaml:7: expect[0]: reason "tired": a recovered check takes one of keep_alive_to, admin_to, miss_tx_cmpl`},
		{"ena", "queues: 1", "llq_used", ", reason: admin_to", `t.yaml:7: expect[0]: reason "admin_to": a recovered check takes one of`},
	} {
		_, err := Parse("t.yaml", []byte(fmt.Sprintf(base, tc.personality, tc.fn, tc.check, tc.reason)))
		require.ErrorContains(t, err, tc.want, tc.fn+tc.reason)
	}
}

// Interrupt moderation is the personality's own: EITR for the 82599,
// rx_usecs/tx_usecs (ethtool -C) for ENA.
func TestModerationSettings(t *testing.T) {
	base := "name: t\ncard: {personality: %s, vfs: 1}\nfunctions:\n  - {name: pf}\n  - {name: vf0, %s}\n"
	s, err := Parse("t.yaml", []byte(fmt.Sprintf(base, "ena", "rx_usecs: 64, tx_usecs: 0")))
	require.NoError(t, err)
	require.Equal(t, 64, s.Functions[1].RxUsecs)
	require.Equal(t, 0, s.Functions[1].TxUsecs)
	s, err = Parse("t.yaml", []byte(fmt.Sprintf(base, "ena", "rx_usecs: dynamic")))
	require.NoError(t, err)
	require.Equal(t, -1, s.Functions[1].RxUsecs, "dynamic: adaptive moderation")
	require.Equal(t, 64, s.Functions[1].TxUsecs, "the driver's initial Tx delay")
	require.False(t, s.Functions[1].BQL, "enable_bql defaults to 0")
	s, err = Parse("t.yaml", []byte(fmt.Sprintf(base, "ena", "bql: true")))
	require.NoError(t, err)
	require.True(t, s.Functions[1].BQL)
	for _, tc := range []struct{ personality, fn, want string }{
		{"ena", "itr: 0x28", "t.yaml:5: function vf0: itr is the 82599's EITR; an ENA function takes rx_usecs (dynamic or µs) and tx_usecs"},
		{"ena", "rx_usecs: 40000", `t.yaml:5: function vf0: rx_usecs "40000": want dynamic (adaptive, the default) or a delay in µs 0..32767`},
		{"ena", "rx_usecs: soon", `rx_usecs "soon": want dynamic`},
		{"ena", "tx_usecs: -1", "function vf0: tx_usecs -1: want a delay in µs 0..32767"},
		{"ixgbe", "rx_usecs: 8", "t.yaml:5: function vf0: rx_usecs and tx_usecs are ENA moderation; an 82599 function takes itr"},
		{"ixgbe", "tx_usecs: 8", "rx_usecs and tx_usecs are ENA moderation"},
		{"ixgbe", "bql: true", "t.yaml:5: function vf0: bql is the ENA driver's enable_bql; the 82599 drivers here do not take it"},
		{"ena", "bql: sometimes", "t.yaml:5"},
	} {
		_, err := Parse("t.yaml", []byte(fmt.Sprintf(base, tc.personality, tc.fn)))
		require.ErrorContains(t, err, tc.want, tc.fn)
	}
}

func TestLatencyCheck(t *testing.T) {
	base := "name: t\nfunctions:\n  - {name: pf}\ntraffic:\n  - {name: s, from: pf, to: wire, rate: 1kpps}\nexpect:\n  - %s\n"
	s, err := Parse("t.yaml", []byte(fmt.Sprintf(base, "{check: latency, traffic: s, p50: 20us, p99: 1ms}")))
	require.NoError(t, err)
	require.Equal(t, Expect{Check: "latency", Traffic: "s", P50: 20 * time.Microsecond, P99: time.Millisecond, Line: 7}, s.Expect[0])
	for _, tc := range []struct{ doc, want string }{
		{"{check: latency, traffic: s}", "t.yaml:7: expect[0]: latency wants at least one of p50, p90, p99"},
		{"{check: latency, traffic: nope, p99: 1ms}", `t.yaml:7: expect[0]: traffic "nope" is not a stream of this scenario`},
		{"{check: latency, traffic: s, p90: soon}", `t.yaml:7: expect[0]: p90: "soon" is not a duration`},
		{"{check: latency, traffic: s, p99: -5us}", `expect[0]: p99: "-5us" is not a duration`},
		{"{check: delivered, traffic: s, p99: 1ms}", "t.yaml:7: expect[0]: p50, p90 and p99 bound the latency check, not delivered"},
	} {
		_, err := Parse("t.yaml", []byte(fmt.Sprintf(base, tc.doc)))
		require.ErrorContains(t, err, tc.want, tc.doc)
	}
}

func TestTrafficHeaders(t *testing.T) {
	base := "name: t\nfunctions:\n  - {name: pf}\ntraffic:\n  - {from: wire, to: pf, rate: 1kpps, %s}\n"
	s, err := Parse("t.yaml", []byte(fmt.Sprintf(base, `proto: tcp, src_ip: "2001:db8::1", dst_ip: "2001:db8::a", src_port: 40000, dst_port: 443, frame_size: 90`)))
	require.NoError(t, err)
	tr := s.Traffic[0]
	require.Equal(t, uint8(6), tr.Proto)
	require.Equal(t, netip.MustParseAddr("2001:db8::1"), tr.SrcIP)
	require.Equal(t, netip.MustParseAddr("2001:db8::a"), tr.DstIP)
	require.Equal(t, uint16(40000), *tr.SrcPort)
	require.Equal(t, uint16(443), *tr.DstPort)
	s, err = Parse("t.yaml", []byte(fmt.Sprintf(base, `proto: icmp, icmp_type: 8, icmp_code: 0`)))
	require.NoError(t, err)
	require.Equal(t, uint8(1), s.Traffic[0].Proto)
	require.Equal(t, uint8(8), s.Traffic[0].ICMPType)
	require.Nil(t, s.Traffic[0].SrcPort)
	s, err = Parse("t.yaml", []byte(fmt.Sprintf(base, `frame_size: 128`)))
	require.NoError(t, err)
	require.Equal(t, uint8(17), s.Traffic[0].Proto, "UDP by default")
	require.False(t, s.Traffic[0].SrcIP.IsValid(), "the runner's addresses by default")

	for _, tc := range []struct{ doc, want string }{
		{`proto: sctp`, `t.yaml:5: traffic[0] traffic0: proto "sctp" (want udp, tcp or icmp)`},
		{`src_ip: "10.0.0.300", dst_ip: "10.0.0.1"`, `src_ip "10.0.0.300" is not an IPv4 or IPv6 address`},
		{`src_ip: "10.0.0.1", dst_ip: "2001:db8::1"`, `give src_ip and dst_ip together, both IPv4 or both IPv6`},
		{`src_ip: "10.0.0.1"`, `give src_ip and dst_ip together`},
		{`dst_port: 70000`, `dst_port 70000 outside 0..65535`},
		{`proto: icmp, dst_port: 80`, `dst_port on an ICMP stream`},
		{`icmp_type: 8`, `icmp_type needs proto: icmp`},
		{`proto: icmp, icmp_code: 300`, `icmp_code 300 outside 0..255`},
		// The smallest frames of each kind hold headers, stamp and FCS.
		{`proto: tcp, src_ip: "2001:db8::1", dst_ip: "2001:db8::a"`, `frame size 64 cannot hold its headers and the 12-byte test stamp (IPv6 TCP: at least 90 bytes with the FCS)`},
		{`proto: udp, src_ip: "2001:db8::1", dst_ip: "2001:db8::a", size_mix: [{size: 78, weight: 1}, {size: 77, weight: 1}]`, `frame size 77 cannot hold its headers and the 12-byte test stamp (IPv6 UDP: at least 78 bytes`},
		{`proto: tcp, frame_size: 65`, `frame size 65 cannot hold its headers and the 12-byte test stamp (IPv4 TCP: at least 70 bytes`},
	} {
		_, err := Parse("t.yaml", []byte(fmt.Sprintf(base, tc.doc)))
		require.ErrorContains(t, err, tc.want, tc.doc)
	}
}

func TestACLSettings(t *testing.T) {
	base := "name: t\ncard: {personality: %s, vfs: 1%s}\nsecurity_groups:\n  web:\n    inbound:\n      - {protocol: tcp, ports: \"80\", cidr: %s}\nfunctions:\n  - {name: pf}\n  - {name: vf0, security_group: %s}\n"
	s, err := Parse("t.yaml", []byte(fmt.Sprintf(base, "ena", ", conntrack_entries: 64, conntrack_timeouts: {udp_new: 2ms}", "0.0.0.0/0", "web")))
	require.NoError(t, err)
	require.Equal(t, 64, s.Card.ConntrackEntries)
	require.Equal(t, 2*time.Millisecond, s.Card.ConntrackTimeouts.UDPNew)
	require.Zero(t, s.Card.ConntrackTimeouts.TCPEstablished, "unset: the card's default")
	require.Equal(t, "web", s.Functions[1].SecurityGroup)
	require.Equal(t, "80", s.SecurityGroups["web"].Inbound[0].Ports)
	for _, tc := range []struct{ personality, card, cidr, sg, want string }{
		{"ena", "", "10.0.0.0/33", "web", `t.yaml:6: security_groups.web: cardctl: security group inbound rule 0 (tcp 80 10.0.0.0/33): cidr "10.0.0.0/33" is not an IPv4 or IPv6 prefix`},
		{"ena", "", "0.0.0.0/0", "db", `function vf0: security_group "db" is not in security_groups`},
		{"ena", ", conntrack_timeouts: {udp: 1s}", "0.0.0.0/0", "web", `unknown key "udp"`},
		{"ena", ", conntrack_timeouts: {icmp: soon}", "0.0.0.0/0", "web", `card.conntrack_timeouts.icmp: "soon" is not a duration`},
		{"ena", ", conntrack_entries: -1", "0.0.0.0/0", "web", `card.conntrack_entries -1`},
	} {
		_, err := Parse("t.yaml", []byte(fmt.Sprintf(base, tc.personality, tc.card, tc.cidr, tc.sg)))
		require.ErrorContains(t, err, tc.want, tc.card+tc.cidr+tc.sg)
	}
}
