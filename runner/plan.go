package runner

import (
	"github.com/nicforge/nicforge/driver/cardctl"
	"net/netip"
	"time"

	"github.com/nicforge/nicforge/model/ether"
	"github.com/nicforge/nicforge/scenario"
)

// Plan is a scenario resolved into what the runner builds: every default
// filled in, every name resolved to an index.
type Plan struct {
	Name        string
	Personality string // ixgbe or ena
	Seed        uint64
	Duration    time.Duration // the measurement window
	Warmup      time.Duration
	Drain       time.Duration // after the window, for frames in flight
	BringUp     time.Duration // deadline for every driver to be up
	UplinkBPS   uint64
	CoreHz      uint64
	PCIe        string // gen3x8 | gen4x16
	VEB         bool
	NumVFs      int
	Functions   []FuncPlan
	Streams     []StreamPlan
	Expect      []Expect
	ExactTicks  bool
	EveryPass   bool   // polling loops skip no quiet pass (Options.EveryPass)
	Mutation    string // a model or VF-driver mutation, "" for none
	// ENA: keep-alive period and watchdog hint (0: defaults), and faults.
	KeepAlive    time.Duration
	WatchdogHint time.Duration
	LLQ          bool
	Conntrack    int // ENA: the tracker's size
	// ENA: the tracker's timeouts (zero fields: the card's defaults).
	ConntrackTimeouts scenario.ConntrackTimeouts
	Faults            []scenario.Fault
	Draws             []string // what a template scenario drew for this seed
}

// FuncPlan is one function with its driver.
type FuncPlan struct {
	Name   string
	VF     int // -1 for the PF
	TxRing int
	RxRing int
	ITR    int // 0 dynamic, else an EITR register value
	// ENA interrupt delays in µs; RxUsecs -1: adaptive (DIM).
	RxUsecs, TxUsecs int
	MTU              int
	Queues           int
	MAC              ether.MAC
	SpoofCheck       bool
	RateMbps         int
	Polling          bool
	BQL              bool                // ENA: byte queue limits on Tx
	StatsEvery       time.Duration       // ENA: statistics read this often (0: never)
	Allowances       scenario.Allowances // ENA VFs
	// ENA VFs: the security group and network ACL the card PF programs
	// (both nil: the ACL is off for the VF; one nil: its default).
	SecurityGroup *cardctl.SecurityGroup
	NetworkACL    *cardctl.NetworkACL
}

// Endpoint of a stream: a function index or the wire.
const Wire = -1

// StreamPlan is one traffic stream.
type StreamPlan struct {
	Name    string
	ID      uint16
	From    int // function index or Wire
	To      int
	Sizes   []int
	Weights []int
	Line    bool
	BPS     float64
	PPS     float64
	Count   uint64
	Start   time.Duration // from traffic start
	Flows   int
	SrcMAC  *ether.MAC
	Replay  [][]byte
	// Headers (scenario.Traffic): protocol, addresses (invalid: the
	// defaults), ports (nil: the defaults), ICMP type and code.
	Proto              uint8
	SrcIP, DstIP       netip.Addr
	SrcPort, DstPort   *uint16
	ICMPType, ICMPCode uint8
}

// Expect is one expectation.
type Expect struct {
	Check     string // line_rate, delivered, no_drops, irq_moderation, no_dma_faults, spoof_blocked
	Port      string
	Direction string
	Min       float64
	Stream    int
	Function  int
	// latency: the most the p50, p90 and p99 may be (0: not checked)
	P50, P90, P99 time.Duration
	Reason        string // recovered: the last reset's reason ("": any)
}
