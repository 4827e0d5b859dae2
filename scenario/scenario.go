package scenario

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/nicforge/nicforge/driver/cardctl"
)

// Scenario is a decoded, validated scenario.
type Scenario struct {
	Name        string
	Description string
	Seed        uint64
	Duration    time.Duration
	Warmup      time.Duration
	Card        Card
	Functions   []Function
	Traffic     []Traffic
	Faults      []Fault
	Expect      []Expect
	File        string // where it came from, for messages
	Dir         string // its directory: relative paths (pcaps) start there
	// A template (values drawn with !range or !choice) keeps its text, to
	// draw again for another seed, and what it drew for this one.
	Template []byte
	Draws    []Draw
	// ENA: security groups and network ACLs by name; functions name theirs.
	SecurityGroups map[string]*cardctl.SecurityGroup
	NetworkACLs    map[string]*cardctl.NetworkACL
}

// Reseed returns the scenario for another seed: a template draws its values
// again; a fixed scenario only changes its seed.
func (s *Scenario) Reseed(seed uint64) (*Scenario, error) {
	if s.Template == nil {
		c := *s
		c.Seed = seed
		return &c, nil
	}
	c, err := parse(s.File, s.Template, seed, true)
	if err != nil {
		return nil, err
	}
	c.Dir = s.Dir
	return c, nil
}

// Card is the card's shape.
type Card struct {
	Personality string
	VFs         int
	UplinkGbps  float64
	PCIe        string
	Switch      string
	CoreMHz     int
	// ENA only: the keep-alive period and the watchdog the device hints
	// to its drivers (0: the defaults, 1 s and the driver's 6 s).
	KeepAlive    time.Duration
	WatchdogHint time.Duration
	LLQ          bool // ENA: the device offers low-latency queues
	// ENA: the connection-tracking table's size (0: the card's 65536),
	// and its idle timeouts (zero fields: the card's defaults).
	ConntrackEntries  int
	ConntrackTimeouts ConntrackTimeouts
}

// ConntrackTimeouts are the tracker's idle timeouts by protocol and state.
type ConntrackTimeouts struct {
	TCPNew, TCPReply, TCPEstablished time.Duration
	UDPNew, UDPStream                time.Duration
	ICMP, Other                      time.Duration
}

// Fault is an injected fault.
type Fault struct {
	Kind string        // keep_alive_stop, tx_completion_stop, admin_stop
	At   time.Duration // from traffic start
	Line int
}

// ENA moderation limits: the driver's initial Tx delay, and the 15-bit
// delay fields of the unmask register at the model's 1 µs resolution.
const (
	enaInitialTxUsecs = 64
	enaMaxUsecs       = 0x7FFF
)

// FaultKinds are the faults a scenario can inject.
var FaultKinds = []string{"keep_alive_stop", "tx_completion_stop", "admin_stop"}

// ResetReasons are the ENA reset reasons a recovered check may name
// (ena_regs_reset_reason_types in ena_regs_defs.h, lower case, without the
// ENA_REGS_RESET_ prefix): the ones the driver here resets the device for.
var ResetReasons = []string{"keep_alive_to", "admin_to", "miss_tx_cmpl"}

// Function is a PCIe function with its driver.
type Function struct {
	Name   string
	Driver string
	RxRing int
	TxRing int
	ITR    int // 0 = dynamic, else an EITR register value
	// ENA: the interrupt delays "ethtool -C" would set, in µs. RxUsecs
	// -1 is adaptive moderation (Linux net_dim, the driver's default).
	RxUsecs, TxUsecs int
	MTU              int
	Queues           int
	MAC              [6]byte
	HasMAC           bool
	SpoofCheck       bool
	RateMbps         int
	Polling          bool
	// ENA: byte queue limits on the Tx queues (the driver's enable_bql).
	BQL bool
	// ENA: how often the host reads the device's statistics (basic and
	// ENI, GET_STATS admin commands) between polls, as a monitoring agent
	// running "ethtool -S" does (0: never).
	StatsEvery time.Duration
	Line       int
	// ENA VFs: the allowances the card PF provisions (0: unlimited).
	Allowances Allowances
	// ENA VFs: the security group and the network ACL of the VF's subnet
	// ("": the ACL is off for the VF).
	SecurityGroup, NetworkACL string
}

// Allowances are a VF's limits on an ENA card.
type Allowances struct {
	BWIn, BWOut  float64 // bit/s
	PPS          float64 // packets/s, in and out together
	Conntrack    int
	LinkLocalPPS float64
}

// Rate is a traffic rate.
type Rate struct {
	Line          bool
	BitsPerSec    float64
	PacketsPerSec float64
}

// SizeWeight is one entry of a frame-size mix.
type SizeWeight struct{ Size, Weight int }

// Traffic is one stream.
type Traffic struct {
	Name   string
	From   string
	To     string
	Sizes  []SizeWeight
	Rate   Rate
	Count  uint64
	Flows  int
	SrcMAC *[6]byte
	Start  time.Duration
	Pcap   string
	// Headers: the IP protocol (0: UDP), addresses (invalid: the
	// runner's defaults; IPv6 addresses make IPv6 frames), ports (nil:
	// defaults) and the ICMP type and code.
	Proto              uint8
	SrcIP, DstIP       netip.Addr
	SrcPort, DstPort   *uint16
	ICMPType, ICMPCode uint8
	Line               int
}

// Expect is one expectation.
type Expect struct {
	Check     string
	Port      string
	Direction string
	Traffic   string
	Function  string
	Min       float64
	// latency: the most each percentile of the stream's one-way latency
	// may be (0: not checked).
	P50, P90, P99 time.Duration
	// recovered: the reason the device's last reset must carry, one of
	// ResetReasons ("": any).
	Reason string
	Line   int
}

// Checks that expectations may name.
var Checks = []string{"line_rate", "delivered", "latency", "no_drops", "irq_moderation", "no_dma_faults", "spoof_blocked", "rss_spread", "recovered", "llq_used", "allowance", "denied", "acl", "conntrack_full"}

//go:embed default.yaml
var defaultYAML []byte

// DefaultYAML returns the built-in default scenario's text.
func DefaultYAML() []byte { return bytes.Clone(defaultYAML) }

// Default returns the built-in default scenario.
func Default() *Scenario {
	s, err := Parse("default.yaml", defaultYAML)
	if err != nil {
		panic("scenario: the built-in default does not parse: " + err.Error())
	}
	return s
}

// Load reads and parses a scenario file.
func Load(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := Parse(filepath.Base(path), data)
	if err != nil {
		return nil, err
	}
	s.Dir = filepath.Dir(path)
	return s, nil
}

// The YAML documents, decoded strictly. Fields that need a line number for
// their errors keep their node.
type fileDoc struct {
	Name        string      `yaml:"name"`
	Description string      `yaml:"description"`
	Seed        *uint64     `yaml:"seed"`
	Duration    yaml.Node   `yaml:"duration"`
	Warmup      yaml.Node   `yaml:"warmup"`
	Card        cardDoc     `yaml:"card"`
	Functions   []yaml.Node `yaml:"functions"`
	Traffic     []yaml.Node `yaml:"traffic"`
	Faults      []yaml.Node `yaml:"faults"`
	Expect      []yaml.Node `yaml:"expect"`
	SGs         yaml.Node   `yaml:"security_groups"`
	NACLs       yaml.Node   `yaml:"network_acls"`
}

type cardDoc struct {
	Personality string    `yaml:"personality"`
	VFs         *int      `yaml:"vfs"`
	UplinkGbps  float64   `yaml:"uplink_gbps"`
	PCIe        string    `yaml:"pcie"`
	Switch      string    `yaml:"switch"`
	CoreMHz     int       `yaml:"core_mhz"`
	KeepAlive   yaml.Node `yaml:"keep_alive"`
	LLQ         *bool     `yaml:"llq"`
	Watchdog    yaml.Node `yaml:"watchdog_hint"`
	Conntrack   int       `yaml:"conntrack_entries"`
	Timeouts    yaml.Node `yaml:"conntrack_timeouts"`
}

type faultDoc struct {
	Kind string `yaml:"kind"`
	At   string `yaml:"at"`
}

type funcDoc struct {
	Name          string    `yaml:"name"`
	Driver        string    `yaml:"driver"`
	RxRing        int       `yaml:"rx_ring"`
	TxRing        int       `yaml:"tx_ring"`
	ITR           yaml.Node `yaml:"itr"`
	RxUsecs       yaml.Node `yaml:"rx_usecs"`
	TxUsecs       *int      `yaml:"tx_usecs"`
	MTU           int       `yaml:"mtu"`
	Queues        int       `yaml:"queues"`
	MAC           string    `yaml:"mac"`
	SpoofCheck    *bool     `yaml:"spoof_check"`
	RateLimitMbps int       `yaml:"rate_limit_mbps"`
	Mode          string    `yaml:"mode"`
	BQL           *bool     `yaml:"bql"`
	StatsEvery    yaml.Node `yaml:"stats_every"`
	SecurityGroup string    `yaml:"security_group"`
	NetworkACL    string    `yaml:"network_acl"`
	Allowances    *struct {
		BWIn         string `yaml:"bw_in"`
		BWOut        string `yaml:"bw_out"`
		PPS          string `yaml:"pps"`
		Conntrack    int    `yaml:"conntrack"`
		LinkLocalPPS string `yaml:"linklocal_pps"`
	} `yaml:"allowances"`
}

type trafficDoc struct {
	Name      string       `yaml:"name"`
	From      string       `yaml:"from"`
	To        string       `yaml:"to"`
	FrameSize int          `yaml:"frame_size"`
	SizeMix   []SizeWeight `yaml:"size_mix"`
	Rate      string       `yaml:"rate"`
	Count     uint64       `yaml:"count"`
	Flows     int          `yaml:"flows"`
	SrcMAC    string       `yaml:"src_mac"`
	Start     string       `yaml:"start"`
	Pcap      string       `yaml:"pcap"`
	Proto     string       `yaml:"proto"`
	SrcIP     string       `yaml:"src_ip"`
	DstIP     string       `yaml:"dst_ip"`
	SrcPort   *int         `yaml:"src_port"`
	DstPort   *int         `yaml:"dst_port"`
	ICMPType  *int         `yaml:"icmp_type"`
	ICMPCode  *int         `yaml:"icmp_code"`
}

type expectDoc struct {
	Check     string    `yaml:"check"`
	Port      string    `yaml:"port"`
	Direction string    `yaml:"direction"`
	Traffic   string    `yaml:"traffic"`
	Function  string    `yaml:"function"`
	Min       float64   `yaml:"min"`
	P50       yaml.Node `yaml:"p50"`
	P90       yaml.Node `yaml:"p90"`
	P99       yaml.Node `yaml:"p99"`
	Reason    string    `yaml:"reason"`
}

// Error is a scenario error with its place.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

var yamlLine = regexp.MustCompile(`line (\d+): (.*)`)

// yamlErr turns a yaml.v3 error into file:line errors.
func yamlErr(file string, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		m := yamlLine.FindStringSubmatch(te.Errors[0])
		if m != nil {
			n, _ := strconv.Atoi(m[1])
			return &Error{file, n, m[2]}
		}
		return &Error{file, 0, te.Errors[0]}
	}
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: ")
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return &Error{file, n, m[2]}
	}
	return &Error{file, 0, msg}
}

func decodeStrict(file string, n *yaml.Node, v any) error {
	if n.Kind != yaml.MappingNode {
		return &Error{file, n.Line, "want a mapping"}
	}
	known := map[string]bool{}
	t := reflect.TypeOf(v).Elem()
	for i := 0; i < t.NumField(); i++ {
		known[strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]] = true
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if !known[k.Value] {
			keys := make([]string, 0, len(known))
			for i := 0; i < t.NumField(); i++ {
				keys = append(keys, strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0])
			}
			return &Error{file, k.Line, fmt.Sprintf("unknown key %q (want one of %s)", k.Value, strings.Join(keys, ", "))}
		}
	}
	if err := n.Decode(v); err != nil {
		return yamlErr(file, err)
	}
	return nil
}

// Parse decodes and validates a scenario. name is used in errors.
func Parse(name string, data []byte) (*Scenario, error) {
	return parse(name, data, 0, false)
}

func parse(name string, template []byte, seed uint64, seedSet bool) (*Scenario, error) {
	data := template
	var draws []Draw
	if isTemplate(template) {
		if !seedSet {
			seed = fileSeed(template)
		}
		var err error
		if data, draws, err = resolve(name, template, seed); err != nil {
			return nil, err
		}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var doc fileDoc
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{name, 1, "empty scenario"}
		}
		return nil, yamlErr(name, err)
	}
	p := &parser{file: name}
	s := p.scenario(&doc)
	if p.err != nil {
		return nil, p.err
	}
	s.File = name
	if draws != nil {
		s.Template, s.Draws = bytes.Clone(template), draws
		if seedSet {
			s.Seed = seed
		}
	}
	return s, nil
}

type parser struct {
	file string
	err  error
}

func (p *parser) fail(line int, format string, args ...any) {
	if p.err == nil {
		p.err = &Error{p.file, line, fmt.Sprintf(format, args...)}
	}
}

func (p *parser) scenario(doc *fileDoc) *Scenario {
	s := &Scenario{Name: doc.Name, Description: doc.Description, Seed: 1}
	if s.Name == "" {
		p.fail(1, "name: missing")
	}
	if doc.Seed != nil {
		s.Seed = *doc.Seed
	}
	s.Duration = p.duration(&doc.Duration, "duration", time.Millisecond)
	s.Warmup = p.duration(&doc.Warmup, "warmup", 20*time.Microsecond)
	if s.Duration <= 0 && p.err == nil {
		p.fail(doc.Duration.Line, "duration: must be positive")
	}
	c := doc.Card
	s.Card = Card{Personality: c.Personality, UplinkGbps: c.UplinkGbps, PCIe: c.PCIe, Switch: c.Switch, CoreMHz: c.CoreMHz}
	if s.Card.Personality == "" {
		s.Card.Personality = "ixgbe"
	}
	if s.Card.Personality != "ixgbe" && s.Card.Personality != "ena" {
		p.fail(1, "card.personality: %q (want ixgbe or ena)", s.Card.Personality)
	}
	if c.LLQ != nil {
		if s.Card.Personality != "ena" {
			p.fail(1, "card.llq: low-latency queues are an ENA feature (card.personality ena)")
		}
		s.Card.LLQ = *c.LLQ
	}
	if c.KeepAlive.Kind != 0 || c.Watchdog.Kind != 0 {
		if s.Card.Personality != "ena" {
			line := c.KeepAlive.Line
			if line == 0 {
				line = c.Watchdog.Line
			}
			p.fail(line, "card: keep_alive and watchdog_hint are ENA settings (card.personality ena)")
		}
		s.Card.KeepAlive = p.duration(&c.KeepAlive, "card.keep_alive", 0)
		s.Card.WatchdogHint = p.duration(&c.Watchdog, "card.watchdog_hint", 0)
		if s.Card.WatchdogHint > 65534*time.Millisecond {
			p.fail(c.Watchdog.Line, "card.watchdog_hint %v: the hint holds up to 65534 ms", s.Card.WatchdogHint)
		}
	}
	if c.Conntrack != 0 {
		if s.Card.Personality != "ena" || c.Conntrack < 1 || c.Conntrack > 1<<20 {
			p.fail(1, "card.conntrack_entries %d: an ENA card's tracker holds 1 .. 1048576 connections", c.Conntrack)
		}
		s.Card.ConntrackEntries = c.Conntrack
	}
	if c.Timeouts.Kind != 0 {
		var d struct {
			TCPNew         yaml.Node `yaml:"tcp_new"`
			TCPReply       yaml.Node `yaml:"tcp_reply"`
			TCPEstablished yaml.Node `yaml:"tcp_established"`
			UDPNew         yaml.Node `yaml:"udp_new"`
			UDPStream      yaml.Node `yaml:"udp_stream"`
			ICMP           yaml.Node `yaml:"icmp"`
			Other          yaml.Node `yaml:"other"`
		}
		if err := decodeStrict(p.file, &c.Timeouts, &d); err != nil {
			if p.err == nil {
				p.err = err
			}
		}
		if s.Card.Personality != "ena" {
			p.fail(c.Timeouts.Line, "card.conntrack_timeouts: connection tracking is an ENA card's")
		}
		t := &s.Card.ConntrackTimeouts
		for _, f := range []struct {
			n   *yaml.Node
			key string
			to  *time.Duration
		}{{&d.TCPNew, "tcp_new", &t.TCPNew}, {&d.TCPReply, "tcp_reply", &t.TCPReply}, {&d.TCPEstablished, "tcp_established", &t.TCPEstablished},
			{&d.UDPNew, "udp_new", &t.UDPNew}, {&d.UDPStream, "udp_stream", &t.UDPStream}, {&d.ICMP, "icmp", &t.ICMP}, {&d.Other, "other", &t.Other}} {
			*f.to = p.duration(f.n, "card.conntrack_timeouts."+f.key, 0)
			if *f.to < 0 || *f.to > 1000000*time.Second {
				p.fail(f.n.Line, "card.conntrack_timeouts.%s %v outside 0 .. 1000000s", f.key, *f.to)
			}
		}
	}
	if c.VFs != nil {
		s.Card.VFs = *c.VFs
	}
	if s.Card.VFs < 0 || s.Card.VFs > 63 {
		p.fail(1, "card.vfs: %d outside 0..63", s.Card.VFs)
	}
	if s.Card.UplinkGbps == 0 {
		s.Card.UplinkGbps = 10
	}
	if s.Card.UplinkGbps != 10 && s.Card.UplinkGbps != 25 && s.Card.UplinkGbps != 40 && s.Card.UplinkGbps != 100 {
		p.fail(1, "card.uplink_gbps: %v (want 10, 25, 40 or 100)", s.Card.UplinkGbps)
	}
	if s.Card.PCIe == "" {
		s.Card.PCIe = "gen3x8"
	}
	if s.Card.PCIe != "gen3x8" && s.Card.PCIe != "gen4x16" {
		p.fail(1, "card.pcie: %q (want gen3x8 or gen4x16)", s.Card.PCIe)
	}
	if s.Card.Switch == "" {
		s.Card.Switch = "veb"
	}
	if s.Card.Switch != "veb" && s.Card.Switch != "vepa" {
		p.fail(1, "card.switch: %q (want veb or vepa)", s.Card.Switch)
	}
	if s.Card.CoreMHz == 0 {
		s.Card.CoreMHz = 250
	}
	if s.Card.CoreMHz < 1 || s.Card.CoreMHz > 2000 {
		p.fail(1, "card.core_mhz: %d outside 1..2000", s.Card.CoreMHz)
	}
	p.rules(s, doc)
	names := map[string]bool{}
	for i := range doc.Functions {
		f := p.function(&doc.Functions[i], s.Card.VFs, s.Card.Personality)
		if f.SecurityGroup != "" || f.NetworkACL != "" {
			if s.Card.Personality != "ena" || f.Name == "pf" {
				p.fail(f.Line, "function %s: security groups and network ACLs apply to ENA VFs", f.Name)
			}
			if _, ok := s.SecurityGroups[f.SecurityGroup]; f.SecurityGroup != "" && !ok {
				p.fail(f.Line, "function %s: security_group %q is not in security_groups", f.Name, f.SecurityGroup)
			}
			if _, ok := s.NetworkACLs[f.NetworkACL]; f.NetworkACL != "" && !ok {
				p.fail(f.Line, "function %s: network_acl %q is not in network_acls", f.Name, f.NetworkACL)
			}
		}
		if names[f.Name] {
			p.fail(f.Line, "functions[%d]: name %q used twice", i, f.Name)
		}
		names[f.Name] = true
		s.Functions = append(s.Functions, f)
	}
	if len(s.Functions) == 0 {
		p.fail(1, "functions: at least the pf is needed")
	}
	streams := map[string]bool{}
	for i := range doc.Traffic {
		t := p.traffic(&doc.Traffic[i], i, names)
		if streams[t.Name] {
			p.fail(t.Line, "traffic[%d]: name %q used twice", i, t.Name)
		}
		streams[t.Name] = true
		s.Traffic = append(s.Traffic, t)
	}
	for i := range doc.Faults {
		n := &doc.Faults[i]
		var fd faultDoc
		if err := decodeStrict(p.file, n, &fd); err != nil {
			if p.err == nil {
				p.err = err
			}
			break
		}
		f := Fault{Kind: fd.Kind, Line: n.Line}
		switch fd.Kind {
		case "keep_alive_stop", "tx_completion_stop", "admin_stop":
			if s.Card.Personality != "ena" {
				p.fail(n.Line, "faults[%d]: %s needs card.personality ena", i, fd.Kind)
			}
		default:
			p.fail(n.Line, "faults[%d]: unknown kind %q (want one of %s)", i, fd.Kind, strings.Join(FaultKinds, ", "))
		}
		at, err := parseDuration(fd.At)
		if err != nil || at <= 0 {
			p.fail(n.Line, "faults[%d]: at %q: want a positive duration from traffic start, like 300ms", i, fd.At)
		}
		f.At = at
		s.Faults = append(s.Faults, f)
	}
	for i := range doc.Expect {
		s.Expect = append(s.Expect, p.expect(&doc.Expect[i], i, names, streams))
	}
	return s
}

func (p *parser) duration(n *yaml.Node, key string, def time.Duration) time.Duration {
	if n.Kind == 0 {
		return def
	}
	if n.Kind != yaml.ScalarNode {
		p.fail(n.Line, "%s: want a duration like 1ms", key)
		return def
	}
	d, err := time.ParseDuration(strings.ReplaceAll(n.Value, "µ", "u"))
	if err != nil || d < 0 {
		p.fail(n.Line, "%s: %q is not a duration (want e.g. 500us, 1ms, 2s)", key, n.Value)
		return def
	}
	return d
}

var macRE = regexp.MustCompile(`^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$`)

func parseMAC(s string) ([6]byte, bool) {
	var m [6]byte
	if !macRE.MatchString(s) {
		return m, false
	}
	for i := 0; i < 6; i++ {
		v, _ := strconv.ParseUint(s[3*i:3*i+2], 16, 8)
		m[i] = byte(v)
	}
	return m, true
}

func (p *parser) function(n *yaml.Node, vfs int, personality string) Function {
	var d funcDoc
	if err := decodeStrict(p.file, n, &d); err != nil {
		if p.err == nil {
			p.err = err
		}
		return Function{Line: n.Line}
	}
	f := Function{Name: d.Name, Driver: d.Driver, RxRing: d.RxRing, TxRing: d.TxRing, MTU: d.MTU, Queues: d.Queues, RateMbps: d.RateLimitMbps, SpoofCheck: true, Line: n.Line, SecurityGroup: d.SecurityGroup, NetworkACL: d.NetworkACL}
	switch {
	case personality == "ena" && (f.Name == "pf" || strings.HasPrefix(f.Name, "vf")):
		if idx, err := strconv.Atoi(strings.TrimPrefix(f.Name, "vf")); f.Name != "pf" && (err != nil || idx < 0 || idx >= vfs) {
			p.fail(n.Line, "function %q: VF names are vf0 .. vf%d (card.vfs %d)", f.Name, vfs-1, vfs)
		}
		if f.Driver == "" {
			f.Driver = "ena"
		}
		if f.Driver != "ena" {
			p.fail(n.Line, "function %s: driver %q (an ENA function takes ena)", f.Name, f.Driver)
		}
	case f.Name == "pf":
		if f.Driver == "" {
			f.Driver = "ixgbe"
		}
		if f.Driver != "ixgbe" {
			p.fail(n.Line, "function pf: driver %q (the 82599 PF takes ixgbe)", f.Driver)
		}
	case strings.HasPrefix(f.Name, "vf"):
		idx, err := strconv.Atoi(f.Name[2:])
		if err != nil || idx < 0 {
			p.fail(n.Line, "function %q: VF names are vf0, vf1, ...", f.Name)
		} else if idx >= vfs {
			p.fail(n.Line, "function %s: the card has %d VFs (card.vfs)", f.Name, vfs)
		}
		if f.Driver == "" {
			f.Driver = "ixgbevf"
		}
		if f.Driver != "ixgbevf" {
			p.fail(n.Line, "function %s: driver %q (an 82599 VF takes ixgbevf)", f.Name, f.Driver)
		}
	default:
		p.fail(n.Line, "function name %q: want pf or vfN", f.Name)
	}
	for _, r := range []struct {
		key string
		v   *int
		def int
	}{{"rx_ring", &f.RxRing, 512}, {"tx_ring", &f.TxRing, 1024}} {
		if *r.v == 0 {
			*r.v = r.def
		}
		if *r.v%8 != 0 || *r.v < 64 || *r.v > 4096 {
			p.fail(n.Line, "function %s: %s %d: want a multiple of 8 in 64..4096", f.Name, r.key, *r.v)
		}
	}
	if f.MTU == 0 {
		f.MTU = 1500
	}
	if f.MTU < 68 || f.MTU > 9710 {
		p.fail(n.Line, "function %s: mtu %d outside 68..9710", f.Name, f.MTU)
	}
	f.RxUsecs, f.TxUsecs = -1, enaInitialTxUsecs
	if personality == "ena" {
		if d.ITR.Kind != 0 {
			p.fail(d.ITR.Line, "function %s: itr is the 82599's EITR; an ENA function takes rx_usecs (dynamic or µs) and tx_usecs", f.Name)
		}
		if d.RxUsecs.Kind != 0 && d.RxUsecs.Value != "dynamic" {
			x, err := strconv.Atoi(d.RxUsecs.Value)
			if err != nil || x < 0 || x > enaMaxUsecs {
				p.fail(d.RxUsecs.Line, "function %s: rx_usecs %q: want dynamic (adaptive, the default) or a delay in µs 0..%d", f.Name, d.RxUsecs.Value, enaMaxUsecs)
			}
			f.RxUsecs = x
		}
		if d.TxUsecs != nil {
			if *d.TxUsecs < 0 || *d.TxUsecs > enaMaxUsecs {
				p.fail(n.Line, "function %s: tx_usecs %d: want a delay in µs 0..%d", f.Name, *d.TxUsecs, enaMaxUsecs)
			}
			f.TxUsecs = *d.TxUsecs
		}
		if d.BQL != nil {
			f.BQL = *d.BQL
		}
		f.StatsEvery = p.duration(&d.StatsEvery, "function "+f.Name+": stats_every", 0)
		if f.StatsEvery > 0 && f.StatsEvery < 100*time.Microsecond {
			p.fail(d.StatsEvery.Line, "function %s: stats_every %v: want 100us or more (each read is two admin round trips), or 0 for never", f.Name, f.StatsEvery)
		}
	} else if d.BQL != nil {
		p.fail(n.Line, "function %s: bql is the ENA driver's enable_bql; the 82599 drivers here do not take it", f.Name)
	} else if d.StatsEvery.Kind != 0 {
		p.fail(d.StatsEvery.Line, "function %s: stats_every reads ENA statistics through the admin queue; the 82599 drivers here do not take it", f.Name)
	} else if d.RxUsecs.Kind != 0 || d.TxUsecs != nil {
		line := n.Line
		if d.RxUsecs.Kind != 0 {
			line = d.RxUsecs.Line
		}
		p.fail(line, "function %s: rx_usecs and tx_usecs are ENA moderation; an 82599 function takes itr", f.Name)
	}
	if d.ITR.Kind != 0 && d.ITR.Value != "dynamic" && personality != "ena" {
		v := d.ITR.Value
		if strings.HasSuffix(v, "k") {
			k, err := strconv.ParseFloat(strings.TrimSuffix(v, "k"), 64)
			if err != nil || k <= 0 {
				p.fail(d.ITR.Line, "itr: %q is not a rate like 20k", v)
			} else {
				f.ITR = int(1e9/(k*1000*256)) &^ 7 // EITR_INTS_PER_SEC_TO_REG, 2.048 µs steps
			}
		} else if x, err := strconv.ParseInt(v, 0, 32); err != nil || x < 8 || x > 4088 || x%8 != 0 {
			p.fail(d.ITR.Line, "function %s: itr %q: want dynamic, a rate like 20k, or an EITR value 8..4088 (decimal or 0x hex) in steps of 8", f.Name, v)
		} else {
			f.ITR = int(x)
		}
	}
	if d.MAC != "" {
		m, ok := parseMAC(d.MAC)
		if !ok || m[0]&1 != 0 {
			p.fail(n.Line, "function %s: mac %q is not a unicast MAC like 02:00:00:00:00:10", f.Name, d.MAC)
		}
		f.MAC, f.HasMAC = m, true
	}
	if d.SpoofCheck != nil {
		f.SpoofCheck = *d.SpoofCheck
	}
	switch d.Mode {
	case "", "interrupt":
	case "poll":
		f.Polling = true
	default:
		p.fail(n.Line, "function %s: mode %q (want interrupt or poll)", f.Name, d.Mode)
	}
	if a := d.Allowances; a != nil {
		if personality != "ena" || !strings.HasPrefix(f.Name, "vf") {
			p.fail(n.Line, "function %s: allowances are for the VFs of an ENA card", f.Name)
		}
		rate := func(key, s string, bits bool) float64 {
			if s == "" {
				return 0
			}
			r, err := ParseRate(s)
			switch {
			case err != nil:
				p.fail(n.Line, "function %s: allowances.%s: %v", f.Name, key, err)
			case bits && r.BitsPerSec == 0, !bits && r.PacketsPerSec == 0:
				p.fail(n.Line, "function %s: allowances.%s %q: want %s", f.Name, key, s, map[bool]string{true: "bits per second, like 1Gbps", false: "packets per second, like 500kpps"}[bits])
			}
			return r.BitsPerSec + r.PacketsPerSec
		}
		f.Allowances = Allowances{BWIn: rate("bw_in", a.BWIn, true), BWOut: rate("bw_out", a.BWOut, true),
			PPS: rate("pps", a.PPS, false), Conntrack: a.Conntrack, LinkLocalPPS: rate("linklocal_pps", a.LinkLocalPPS, false)}
		if a.Conntrack < 0 {
			p.fail(n.Line, "function %s: allowances.conntrack %d is negative", f.Name, a.Conntrack)
		}
	}
	if f.RateMbps != 0 && (f.RateMbps <= 10 || f.RateMbps > 10000) {
		p.fail(n.Line, "function %s: rate_limit_mbps %d outside 11..10000", f.Name, f.RateMbps)
	}
	return f
}

var rateRE = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)\s*([kKMG]?)(bps|pps)$`)

// ParseRate reads line, N[k|M|G]bps or N[k|M]pps.
func ParseRate(s string) (Rate, error) {
	if s == "" || s == "line" {
		return Rate{Line: true}, nil
	}
	m := rateRE.FindStringSubmatch(s)
	if m == nil {
		return Rate{}, fmt.Errorf("%q is not a rate (want line, N[kMG]bps or N[kM]pps)", s)
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	switch m[2] {
	case "k", "K":
		v *= 1e3
	case "M":
		v *= 1e6
	case "G":
		v *= 1e9
	}
	if v <= 0 {
		return Rate{}, fmt.Errorf("rate %q must be positive", s)
	}
	if m[3] == "bps" {
		return Rate{BitsPerSec: v}, nil
	}
	return Rate{PacketsPerSec: v}, nil
}

func (p *parser) traffic(n *yaml.Node, i int, fns map[string]bool) Traffic {
	var d trafficDoc
	if err := decodeStrict(p.file, n, &d); err != nil {
		if p.err == nil {
			p.err = err
		}
		return Traffic{Line: n.Line}
	}
	t := Traffic{Name: d.Name, From: d.From, To: d.To, Count: d.Count, Flows: d.Flows, Pcap: d.Pcap, Line: n.Line}
	if t.Name == "" {
		t.Name = fmt.Sprintf("traffic%d", i)
	}
	for _, end := range []string{t.From, t.To} {
		if end != "wire" && !fns[end] {
			p.fail(n.Line, "traffic[%d] %s: endpoint %q is neither wire nor a function", i, t.Name, end)
		}
	}
	if t.From == t.To {
		p.fail(n.Line, "traffic[%d] %s: from and to are both %q", i, t.Name, t.From)
	}
	switch {
	case d.FrameSize != 0 && len(d.SizeMix) > 0:
		p.fail(n.Line, "traffic[%d] %s: give frame_size or size_mix, not both", i, t.Name)
	case len(d.SizeMix) > 0:
		t.Sizes = d.SizeMix
	default:
		if d.FrameSize == 0 {
			d.FrameSize = 64
		}
		t.Sizes = []SizeWeight{{d.FrameSize, 1}}
	}
	for _, sw := range t.Sizes {
		if sw.Size < 64 || sw.Size > 1518 {
			p.fail(n.Line, "traffic[%d] %s: frame size %d outside 64..1518", i, t.Name, sw.Size)
		}
		if sw.Weight < 0 {
			p.fail(n.Line, "traffic[%d] %s: negative weight", i, t.Name)
		}
	}
	r, err := ParseRate(d.Rate)
	if err != nil {
		p.fail(n.Line, "traffic[%d].rate: %v", i, err)
	}
	t.Rate = r
	if t.Flows == 0 {
		t.Flows = 1
	}
	if d.SrcMAC != "" {
		m, ok := parseMAC(d.SrcMAC)
		if !ok {
			p.fail(n.Line, "traffic[%d] %s: src_mac %q is not a MAC", i, t.Name, d.SrcMAC)
		}
		t.SrcMAC = &m
	}
	if d.Start != "" {
		st, err := time.ParseDuration(strings.ReplaceAll(d.Start, "µ", "u"))
		if err != nil || st < 0 {
			p.fail(n.Line, "traffic[%d] %s: start %q is not a duration", i, t.Name, d.Start)
		}
		t.Start = st
	}
	if t.Pcap != "" && t.From != "wire" {
		p.fail(n.Line, "traffic[%d] %s: pcap replay needs from: wire", i, t.Name)
	}
	p.headers(n.Line, i, &t, &d)
	if least := t.leastFrame(); t.Pcap == "" {
		for _, sw := range t.Sizes {
			if sw.Size >= 64 && sw.Size < least {
				p.fail(n.Line, "traffic[%d] %s: frame size %d cannot hold its headers and the 12-byte test stamp (%s: at least %d bytes with the FCS)", i, t.Name, sw.Size, t.headerKind(), least)
			}
		}
	}
	return t
}

// leastFrame is the smallest frame (FCS included) that holds a test frame
// of t: Ethernet, IP and L4 headers, the stamp and the FCS.
func (t *Traffic) leastFrame() int {
	ip, l4 := 20, 8
	if t.SrcIP.Is6() {
		ip = 40
	}
	if t.Proto == 6 {
		l4 = 20
	}
	return 14 + ip + l4 + 12 + 4
}

func (t *Traffic) headerKind() string {
	fam := "IPv4"
	if t.SrcIP.Is6() {
		fam = "IPv6"
	}
	return fam + " " + map[uint8]string{1: "ICMP", 6: "TCP", 17: "UDP"}[t.Proto]
}

// headers reads a stream's protocol, addresses, ports and ICMP fields.
func (p *parser) headers(line, i int, t *Traffic, d *trafficDoc) {
	switch d.Proto {
	case "", "udp":
		t.Proto = 17
	case "tcp":
		t.Proto = 6
	case "icmp":
		t.Proto = 1
	default:
		p.fail(line, "traffic[%d] %s: proto %q (want udp, tcp or icmp)", i, t.Name, d.Proto)
	}
	for _, a := range []struct {
		key, v string
		to     *netip.Addr
	}{{"src_ip", d.SrcIP, &t.SrcIP}, {"dst_ip", d.DstIP, &t.DstIP}} {
		if a.v == "" {
			continue
		}
		ip, err := netip.ParseAddr(a.v)
		if err != nil || ip.Zone() != "" {
			p.fail(line, "traffic[%d] %s: %s %q is not an IPv4 or IPv6 address", i, t.Name, a.key, a.v)
			continue
		}
		*a.to = ip.Unmap()
	}
	if t.SrcIP.IsValid() != t.DstIP.IsValid() || (t.SrcIP.IsValid() && t.SrcIP.Is4() != t.DstIP.Is4()) {
		p.fail(line, "traffic[%d] %s: give src_ip and dst_ip together, both IPv4 or both IPv6 (got %q and %q)", i, t.Name, d.SrcIP, d.DstIP)
	}
	for _, pt := range []struct {
		key string
		v   *int
		to  **uint16
	}{{"src_port", d.SrcPort, &t.SrcPort}, {"dst_port", d.DstPort, &t.DstPort}} {
		if pt.v == nil {
			continue
		}
		if t.Proto == 1 {
			p.fail(line, "traffic[%d] %s: %s on an ICMP stream (ICMP has icmp_type and icmp_code)", i, t.Name, pt.key)
		}
		if *pt.v < 0 || *pt.v > 65535 {
			p.fail(line, "traffic[%d] %s: %s %d outside 0..65535", i, t.Name, pt.key, *pt.v)
			continue
		}
		v := uint16(*pt.v)
		*pt.to = &v
	}
	for _, f := range []struct {
		key string
		v   *int
		to  *uint8
	}{{"icmp_type", d.ICMPType, &t.ICMPType}, {"icmp_code", d.ICMPCode, &t.ICMPCode}} {
		if f.v == nil {
			continue
		}
		if t.Proto != 1 {
			p.fail(line, "traffic[%d] %s: %s needs proto: icmp", i, t.Name, f.key)
		}
		if *f.v < 0 || *f.v > 255 {
			p.fail(line, "traffic[%d] %s: %s %d outside 0..255", i, t.Name, f.key, *f.v)
			continue
		}
		*f.to = uint8(*f.v)
	}
	if t.Pcap != "" && (d.Proto != "" || d.SrcIP != "" || d.SrcPort != nil || d.DstPort != nil || d.ICMPType != nil) {
		p.fail(line, "traffic[%d] %s: a pcap replay carries its own headers (drop proto, addresses, ports)", i, t.Name)
	}
}

func (p *parser) expect(n *yaml.Node, i int, fns, streams map[string]bool) Expect {
	var d expectDoc
	if err := decodeStrict(p.file, n, &d); err != nil {
		if p.err == nil {
			p.err = err
		}
		return Expect{Line: n.Line}
	}
	e := Expect{Check: d.Check, Port: d.Port, Direction: d.Direction, Traffic: d.Traffic, Function: d.Function, Min: d.Min, Reason: d.Reason, Line: n.Line}
	if e.Reason != "" && (e.Check != "recovered" || !slices.Contains(ResetReasons, e.Reason)) {
		p.fail(n.Line, "expect[%d]: reason %q: a recovered check takes one of %s", i, e.Reason, strings.Join(ResetReasons, ", "))
	}
	if e.Check != "latency" && (d.P50.Kind != 0 || d.P90.Kind != 0 || d.P99.Kind != 0) {
		p.fail(n.Line, "expect[%d]: p50, p90 and p99 bound the latency check, not %s", i, e.Check)
	}
	switch e.Check {
	case "line_rate":
		if e.Port == "" {
			e.Port = "uplink"
		}
		if e.Port != "uplink" {
			p.fail(n.Line, "expect[%d]: port %q (the card has uplink)", i, e.Port)
		}
		if e.Direction == "" {
			e.Direction = "tx"
		}
		if e.Direction != "tx" && e.Direction != "rx" {
			p.fail(n.Line, "expect[%d]: direction %q (want tx or rx)", i, e.Direction)
		}
		if e.Min <= 0 || e.Min > 1 {
			p.fail(n.Line, "expect[%d]: line_rate min %v outside (0, 1]", i, e.Min)
		}
	case "delivered", "denied":
		if !streams[e.Traffic] {
			p.fail(n.Line, "expect[%d]: traffic %q is not a stream of this scenario", i, e.Traffic)
		}
	case "latency":
		if !streams[e.Traffic] {
			p.fail(n.Line, "expect[%d]: traffic %q is not a stream of this scenario", i, e.Traffic)
		}
		e.P50 = p.duration(&d.P50, fmt.Sprintf("expect[%d]: p50", i), 0)
		e.P90 = p.duration(&d.P90, fmt.Sprintf("expect[%d]: p90", i), 0)
		e.P99 = p.duration(&d.P99, fmt.Sprintf("expect[%d]: p99", i), 0)
		if e.P50 == 0 && e.P90 == 0 && e.P99 == 0 {
			p.fail(n.Line, "expect[%d]: latency wants at least one of p50, p90, p99: the most that percentile may be, like 20us", i)
		}
	case "allowance":
		if !fns[e.Function] {
			p.fail(n.Line, "expect[%d]: function %q is not in this scenario", i, e.Function)
		}
		if e.Direction != "pps" && e.Direction != "bw_out" && e.Direction != "bw_in" {
			p.fail(n.Line, "expect[%d]: allowance direction %q (want pps, bw_out or bw_in)", i, e.Direction)
		}
		if e.Min <= 0 || e.Min > 1 {
			p.fail(n.Line, "expect[%d]: allowance min %v outside (0, 1]: the share of the allowance the rate must reach", i, e.Min)
		}
	case "irq_moderation", "spoof_blocked", "rss_spread", "recovered", "llq_used", "acl", "conntrack_full":
		if !fns[e.Function] {
			p.fail(n.Line, "expect[%d]: function %q is not in this scenario", i, e.Function)
		}
		if e.Check == "rss_spread" && (e.Min <= 0 || e.Min > 1) {
			p.fail(n.Line, "expect[%d]: rss_spread min %v outside (0, 1]: each queue's share of the mean", i, e.Min)
		}
	case "no_drops", "no_dma_faults":
	default:
		p.fail(n.Line, "expect[%d]: unknown check %q (want one of %s)", i, e.Check, strings.Join(Checks, ", "))
	}
	return e
}

// rules reads security_groups and network_acls: name -> {inbound, outbound},
// each rule checked as cardctl parses it, errors at the rule's line.
func (p *parser) rules(s *Scenario, doc *fileDoc) {
	type lists struct {
		Inbound  []yaml.Node `yaml:"inbound"`
		Outbound []yaml.Node `yaml:"outbound"`
	}
	each := func(n *yaml.Node, key string, fn func(name string, l *lists, line int)) {
		if n.Kind == 0 {
			return
		}
		if n.Kind != yaml.MappingNode {
			p.fail(n.Line, "%s: want a mapping of names to rule sets", key)
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			var l lists
			if err := decodeStrict(p.file, n.Content[i+1], &l); err != nil {
				if p.err == nil {
					p.err = err
				}
				continue
			}
			fn(n.Content[i].Value, &l, n.Content[i].Line)
		}
	}
	s.SecurityGroups = map[string]*cardctl.SecurityGroup{}
	each(&doc.SGs, "security_groups", func(name string, l *lists, line int) {
		sg := &cardctl.SecurityGroup{}
		for _, dir := range []struct {
			nodes []yaml.Node
			to    *[]cardctl.SGRule
		}{{l.Inbound, &sg.Inbound}, {l.Outbound, &sg.Outbound}} {
			for i := range dir.nodes {
				var r cardctl.SGRule
				if err := decodeStrict(p.file, &dir.nodes[i], &r); err != nil {
					if p.err == nil {
						p.err = err
					}
					return
				}
				*dir.to = append(*dir.to, r)
			}
		}
		if _, _, err := sg.Rules(); err != nil {
			p.fail(ruleLine(err, l.Inbound, l.Outbound, line), "security_groups.%s: %v", name, err)
		}
		s.SecurityGroups[name] = sg
	})
	s.NetworkACLs = map[string]*cardctl.NetworkACL{}
	each(&doc.NACLs, "network_acls", func(name string, l *lists, line int) {
		nacl := &cardctl.NetworkACL{}
		for _, dir := range []struct {
			nodes []yaml.Node
			to    *[]cardctl.NACLRule
		}{{l.Inbound, &nacl.Inbound}, {l.Outbound, &nacl.Outbound}} {
			for i := range dir.nodes {
				var r cardctl.NACLRule
				if err := decodeStrict(p.file, &dir.nodes[i], &r); err != nil {
					if p.err == nil {
						p.err = err
					}
					return
				}
				*dir.to = append(*dir.to, r)
			}
		}
		if _, _, err := nacl.Rules(); err != nil {
			p.fail(ruleLine(err, l.Inbound, l.Outbound, line), "network_acls.%s: %v", name, err)
		}
		s.NetworkACLs[name] = nacl
	})
}

// ruleLine is the line of the rule a cardctl error names, or fallback.
func ruleLine(err error, in, out []yaml.Node, fallback int) int {
	var re *cardctl.RuleError
	if !errors.As(err, &re) {
		return fallback
	}
	nodes := in
	if strings.HasSuffix(re.List, "outbound") {
		nodes = out
	}
	if re.Index >= 0 && re.Index < len(nodes) {
		return nodes[re.Index].Line
	}
	return fallback
}
