// Package runner builds a co-simulation from a scenario and runs it: the
// card model with its wire peers, the host with its driver contexts, the
// applications on the drivers, the checks, and the report.
//
//	scenario ──▶ Plan ──▶ card (model/ixgbe) + wire generator/sink
//	                  ──▶ cosim.Host: PF context (ixgbe driver, SR-IOV,
//	                      mailbox server) + one context per VF (ixgbevf)
//	                  ──▶ workload apps on each driver
//	run: bring-up ─ barrier ─ warmup ─ [ measurement window ] ─ drain
//	                                    probe snapshots at both edges
//	──▶ report: counters, window rates, checks (expectations, protocol)
package runner

import (
	"fmt"
	"github.com/nicforge/nicforge/driver/cardctl"
	"path/filepath"
	"slices"
	"time"

	enadrv "github.com/nicforge/nicforge/driver/ena"
	vfdrv "github.com/nicforge/nicforge/driver/ixgbevf"
	"github.com/nicforge/nicforge/model/ena"
	"github.com/nicforge/nicforge/model/ixgbe"

	"github.com/nicforge/nicforge/model/ether"
	"github.com/nicforge/nicforge/report"
	"github.com/nicforge/nicforge/scenario"
	"github.com/nicforge/nicforge/trace"
)

// Options are the per-run settings the CLI passes.
type Options struct {
	Seed       uint64 // used when SeedSet
	SeedSet    bool
	Duration   time.Duration // overrides the scenario's window when > 0
	TracePath  string
	PcapPath   string
	ExactTicks bool
	// EveryPass has polling loops make every pass's driver calls, even
	// those the driver calls quiet: the run is the same either way (its
	// trace byte for byte), and this checks that.
	EveryPass bool
	// Mutation injects one deliberate bug into the model or the VF drivers
	// (ixgbe.Mutations, ixgbevf.Mutations), to show a checker catching it.
	Mutation string
}

// Run runs one scenario and returns its report. The error is for bad input
// or an internal failure; failed expectations are in the report.
func Run(sc *scenario.Scenario, opt Options) (*report.Report, error) {
	p, err := NewPlan(sc, opt)
	if err != nil {
		return nil, err
	}
	return RunPlan(p, opt)
}

// NewPlan resolves a scenario.
func NewPlan(sc *scenario.Scenario, opt Options) (*Plan, error) {
	if opt.SeedSet && sc.Template != nil {
		var err error
		if sc, err = sc.Reseed(opt.Seed); err != nil {
			return nil, err
		}
	}
	p := &Plan{
		Name: sc.Name, Personality: sc.Card.Personality, Seed: sc.Seed, Duration: sc.Duration, Warmup: sc.Warmup,
		Drain: 300 * time.Microsecond, BringUp: 2 * time.Second,
		UplinkBPS: uint64(sc.Card.UplinkGbps * 1e9), CoreHz: uint64(sc.Card.CoreMHz) * 1_000_000,
		PCIe: sc.Card.PCIe, VEB: sc.Card.Switch == "veb", NumVFs: sc.Card.VFs, ExactTicks: opt.ExactTicks, EveryPass: opt.EveryPass,
	}
	p.KeepAlive, p.WatchdogHint, p.Faults, p.LLQ = sc.Card.KeepAlive, sc.Card.WatchdogHint, sc.Faults, sc.Card.LLQ
	p.Conntrack, p.ConntrackTimeouts = sc.Card.ConntrackEntries, sc.Card.ConntrackTimeouts
	if p.Conntrack == 0 {
		p.Conntrack = aclConntrackCapacity
	}
	for _, d := range sc.Draws {
		p.Draws = append(p.Draws, d.String())
	}
	if opt.SeedSet {
		p.Seed = opt.Seed
	}
	if err := CheckMutation(opt.Mutation); err != nil {
		return nil, err
	}
	p.Mutation = opt.Mutation
	if opt.Duration > 0 {
		p.Duration = opt.Duration
	}
	idx := map[string]int{}
	for i, f := range sc.Functions {
		fp := FuncPlan{Name: f.Name, VF: -1, TxRing: f.TxRing, RxRing: f.RxRing, ITR: f.ITR, RxUsecs: f.RxUsecs, TxUsecs: f.TxUsecs, MTU: f.MTU, Queues: f.Queues, SpoofCheck: f.SpoofCheck, RateMbps: f.RateMbps, Polling: f.Polling, BQL: f.BQL, StatsEvery: f.StatsEvery, Allowances: f.Allowances}
		if f.SecurityGroup != "" || f.NetworkACL != "" {
			fp.SecurityGroup, fp.NetworkACL = cardctl.DefaultSecurityGroup(), cardctl.DefaultNetworkACL()
			if f.SecurityGroup != "" {
				fp.SecurityGroup = sc.SecurityGroups[f.SecurityGroup]
			}
			if f.NetworkACL != "" {
				fp.NetworkACL = sc.NetworkACLs[f.NetworkACL]
			}
		}
		if f.Name != "pf" {
			fmt.Sscanf(f.Name, "vf%d", &fp.VF)
			fp.MAC = ether.MAC{0x02, 0x00, 0x00, 0x00, 0x01, byte(fp.VF)}
			if f.HasMAC {
				fp.MAC = f.MAC
			}
		} else {
			fp.MAC = ether.MAC{0x00, 0x1b, 0x21, 0x00, 0x00, 0x01}
		}
		idx[f.Name] = i
		p.Functions = append(p.Functions, fp)
	}
	end := func(name string) int {
		if name == "wire" {
			return Wire
		}
		return idx[name]
	}
	streams := map[string]int{}
	for i, t := range sc.Traffic {
		st := StreamPlan{Name: t.Name, ID: uint16(i + 1), From: end(t.From), To: end(t.To), Line: t.Rate.Line, BPS: t.Rate.BitsPerSec, PPS: t.Rate.PacketsPerSec, Count: t.Count, Start: t.Start, Flows: t.Flows}
		for _, sw := range t.Sizes {
			st.Sizes = append(st.Sizes, sw.Size)
			st.Weights = append(st.Weights, sw.Weight)
		}
		if t.SrcMAC != nil {
			m := ether.MAC(*t.SrcMAC)
			st.SrcMAC = &m
		}
		st.Proto, st.SrcIP, st.DstIP, st.SrcPort, st.DstPort, st.ICMPType, st.ICMPCode = t.Proto, t.SrcIP, t.DstIP, t.SrcPort, t.DstPort, t.ICMPType, t.ICMPCode
		if t.Pcap != "" {
			path := t.Pcap
			if !filepath.IsAbs(path) && sc.Dir != "" {
				path = filepath.Join(sc.Dir, path)
			}
			frames, err := trace.ReadPcap(path)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: traffic %s: %w", sc.File, t.Line, t.Name, err)
			}
			if len(frames) == 0 {
				return nil, fmt.Errorf("%s:%d: traffic %s: %s holds no frames", sc.File, t.Line, t.Name, path)
			}
			st.Replay = frames
			// Replayed test frames keep the stream id they were stamped with.
			if id, _, err := ether.ParseStamp(frames[0]); err == nil {
				st.ID = id
			}
		}
		streams[t.Name] = i
		p.Streams = append(p.Streams, st)
	}
	// The drain lets every frame in flight at the window's end arrive:
	// at least 300 µs, and enough to empty every Tx ring at line rate.
	var ringBytes uint64
	for _, f := range p.Functions {
		ringBytes += uint64(max(f.Queues, 1)*f.TxRing) * 1518
	}
	if d := time.Duration(float64(ringBytes*8) / float64(p.UplinkBPS) * 1.5 * float64(time.Second)); d > p.Drain {
		p.Drain = d
	}
	for _, e := range sc.Expect {
		x := Expect{Check: e.Check, Port: e.Port, Direction: e.Direction, Min: e.Min, Stream: -1, Function: -1, P50: e.P50, P90: e.P90, P99: e.P99, Reason: e.Reason}
		if e.Traffic != "" {
			x.Stream = streams[e.Traffic]
		}
		if e.Function != "" {
			x.Function = idx[e.Function]
		}
		p.Expect = append(p.Expect, x)
	}
	return p, nil
}

// CheckMutation accepts "" and the names of the model's and the VF
// driver's mutations.
func CheckMutation(m string) error {
	if _, err := ixgbe.ParseMutation(m); m == "" || err == nil || slices.Contains(vfdrv.Mutations, m) ||
		slices.Contains(ena.Mutations, m) || slices.Contains(enadrv.Mutations, m) {
		return nil
	}
	return fmt.Errorf("unknown mutation %q: the 82599 model has %v, the VF driver %v; the ENA model %v, its driver %v", m, ixgbe.Mutations, vfdrv.Mutations, ena.Mutations, enadrv.Mutations)
}
