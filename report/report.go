// Package report is the result of a run: what each function and port
// carried, at what rate over the measurement window, and which checks held.
// Its JSON form (--json) is the contract later tooling reads.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/nicforge/nicforge/rtl/cover"
)

// Report is one run.
type Report struct {
	Scenario   string     `json:"scenario"`
	Seed       uint64     `json:"seed"`
	Draws      []string   `json:"draws,omitempty"` // values a template scenario drew for this seed
	Pass       bool       `json:"pass"`
	SimTimeNS  uint64     `json:"sim_time_ns"`
	WallTimeNS uint64     `json:"wall_time_ns"`
	Functions  []Function `json:"functions"`
	Ports      []Port     `json:"ports"`
	Streams    []Stream   `json:"streams"`
	Checks     []Check    `json:"checks"`
	// Coverage is the run's functional coverage: every declared bin with
	// its hit count.
	Coverage *cover.DB `json:"coverage,omitempty"`
}

// Stream is one traffic stream as the scoreboard saw it: frames the
// scenario injected, what the reference model predicted for them, and what
// arrived where.
type Stream struct {
	Name      string   `json:"name"`
	From      string   `json:"from"` // function name or "wire"
	To        string   `json:"to"`
	Sent      uint64   `json:"sent"`
	Expected  uint64   `json:"expected"` // predicted to arrive somewhere
	Received  uint64   `json:"received"` // matched an expected frame
	Dropped   uint64   `json:"dropped"`  // predicted drops (filters, anti-spoofing, resets, shaping)
	Shaped    uint64   `json:"shaped"`   // of them, dropped by the card's allowance shaper
	Missing   uint64   `json:"missing"`
	Extra     uint64   `json:"extra"`
	Reordered uint64   `json:"reordered"`
	Corrupted uint64   `json:"corrupted"`
	Misrouted uint64   `json:"misrouted"`
	Latency   *Latency `json:"latency,omitempty"`
}

// Latency is the distribution of one stream's one-way latency, from the
// moment the sender handed the frame over (driver TxBatch, or the first
// bit on the wire) to the moment the receiver got it (driver RxBatch
// returning it, or the last bit on the wire), in nanoseconds.
type Latency struct {
	Samples uint64  `json:"samples"`
	MeanNS  float64 `json:"mean_ns"`
	P50NS   float64 `json:"p50_ns"`
	P90NS   float64 `json:"p90_ns"`
	P99NS   float64 `json:"p99_ns"`
	MaxNS   float64 `json:"max_ns"`
}

// Function is one PCIe function's traffic.
type Function struct {
	Name       string  `json:"name"`
	TxPackets  uint64  `json:"tx_packets"`
	RxPackets  uint64  `json:"rx_packets"`
	TxBytes    uint64  `json:"tx_bytes"`
	RxBytes    uint64  `json:"rx_bytes"`
	TxPPS      float64 `json:"tx_pps"`
	RxPPS      float64 `json:"rx_pps"`
	Interrupts uint64  `json:"interrupts"`
	// InterruptsPerSec is the MSI-X message rate over the window.
	InterruptsPerSec float64 `json:"interrupts_per_sec"`
	Drops            uint64  `json:"drops"`
	Resets           uint64  `json:"resets"`
	Queues           []Queue `json:"queues"`
	// Allowances are an ENA function's ENI counters: packets its
	// allowances shaped.
	Allowances *Allowances `json:"allowances,omitempty"`
	// ACL is an ENA VF's security-group and network-ACL counters, when
	// the card enforces them for it.
	ACL *ACL `json:"acl,omitempty"`
}

// ACL are the ACL block's counters of one VF.
type ACL struct {
	Allowed      uint64 `json:"allowed"`
	Denied       uint64 `json:"denied"`
	TrackedFlows int    `json:"tracked_flows"` // connections tracked at the end of the run
}

// Allowances are the ENI allowance counters of an ENA function.
type Allowances struct {
	BWInExceeded      uint64 `json:"bw_in_allowance_exceeded"`
	BWOutExceeded     uint64 `json:"bw_out_allowance_exceeded"`
	PPSExceeded       uint64 `json:"pps_allowance_exceeded"`
	ConntrackExceeded uint64 `json:"conntrack_allowance_exceeded"`
	LinkLocalExceeded uint64 `json:"linklocal_allowance_exceeded"`
}

// Queue is one queue of a function.
type Queue struct {
	Index     int    `json:"index"`
	TxPackets uint64 `json:"tx_packets"`
	RxPackets uint64 `json:"rx_packets"`
}

// Port is a network port of the card.
type Port struct {
	Name        string  `json:"name"`
	TxFrames    uint64  `json:"tx_frames"`
	RxFrames    uint64  `json:"rx_frames"`
	TxPPS       float64 `json:"tx_pps"`
	RxPPS       float64 `json:"rx_pps"`
	LineRatePPS float64 `json:"line_rate_pps"`
}

// Check is one expectation and whether it held.
type Check struct {
	Name   string `json:"name"`
	Pass   bool   `json:"pass"`
	Detail string `json:"detail"`
}

// LineRatePPS is the frame rate of back-to-back frames of size bytes (FCS
// included) on a line of gbps: each also costs 20 bytes of preamble, SFD
// and inter-frame gap.
func LineRatePPS(gbps float64, size int) float64 {
	return gbps * 1e9 / float64((size+20)*8)
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes a readable summary.
func (r *Report) WriteText(w io.Writer) error {
	verdict := "PASS"
	if !r.Pass {
		verdict = "FAIL"
	}
	fmt.Fprintf(w, "scenario %s  seed %d  %s  simulated %.3f ms in %.3f s wall\n", r.Scenario, r.Seed, verdict, float64(r.SimTimeNS)/1e6, float64(r.WallTimeNS)/1e9)
	for _, d := range r.Draws {
		fmt.Fprintf(w, "  drawn: %s\n", d)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "function\ttx pkts\trx pkts\ttx pps\trx pps\tirqs\tdrops\tresets\t")
	for _, f := range r.Functions {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%.0f\t%d\t%d\t%d\t\n", f.Name, f.TxPackets, f.RxPackets, f.TxPPS, f.RxPPS, f.Interrupts, f.Drops, f.Resets)
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "port\ttx frames\trx frames\ttx pps\trx pps\tline rate pps\t")
	for _, p := range r.Ports {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%.0f\t%.0f\t\n", p.Name, p.TxFrames, p.RxFrames, p.TxPPS, p.RxPPS, p.LineRatePPS)
	}
	if len(r.Streams) > 0 {
		fmt.Fprintln(tw)
		fmt.Fprintln(tw, "stream\tfrom\tto\tsent\treceived\tpredicted drops\tmismatched\tlatency p50\tp99\t")
		for _, s := range r.Streams {
			bad := s.Missing + s.Extra + s.Reordered + s.Corrupted + s.Misrouted
			p50, p99 := "-", "-"
			if s.Latency != nil {
				p50 = fmt.Sprintf("%.0f ns", s.Latency.P50NS)
				p99 = fmt.Sprintf("%.0f ns", s.Latency.P99NS)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\t\n", s.Name, s.From, s.To, s.Sent, s.Received, s.Dropped, bad, p50, p99)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for _, c := range r.Checks {
		s := "PASS"
		if !c.Pass {
			s = "FAIL"
		}
		if _, err := fmt.Fprintf(w, "%s  %-28s %s\n", s, c.Name, c.Detail); err != nil {
			return err
		}
	}
	return nil
}
