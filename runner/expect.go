package runner

import (
	"fmt"
	"strings"
	"time"

	"github.com/nicforge/nicforge/model/ether"
	"github.com/nicforge/nicforge/model/mac"
	"github.com/nicforge/nicforge/report"
	"github.com/nicforge/nicforge/verify/scoreboard"
)

// evaluate turns the plan's expectations into checks, plus the checks every
// run makes: no driver failed and the model flagged no bad input.
func (s *simulation) evaluate(r *report.Report) []report.Check {
	var out []report.Check
	add := func(name string, ok bool, format string, args ...any) {
		out = append(out, report.Check{Name: name, Pass: ok, Detail: fmt.Sprintf(format, args...)})
	}
	if len(s.errs) > 0 {
		add("drivers", false, "%v%s", s.errs, s.lastLogs())
	} else {
		add("drivers", true, "%d drivers probed and opened", len(s.plan.Functions))
	}
	if v := s.chk.First(); v != nil {
		add("protocol", false, "%s (%d violations; the run stopped at the first)", v, s.chk.Count())
	} else {
		add("protocol", true, "no protocol violation (descriptor ownership, doorbells, enable order, mailbox lock, DMA domain, moderation)")
	}
	add("scoreboard", s.sb.Pass(), "%s", s.sb.Summary())
	if errs := s.card.Errors(); len(errs) > 0 {
		add("model_errors", false, "%d bad inputs flagged, first: %s", len(errs), errs[0])
	} else {
		add("model_errors", true, "no bad input flagged by the card")
	}
	if v := s.chk.First(); v != nil {
		add("expectations", false, "not evaluated: the run stopped at %v, at the protocol violation", v.At)
		return out
	}
	for _, e := range s.plan.Expect {
		switch e.Check {
		case "line_rate":
			port := r.Ports[0]
			pps, name := port.TxPPS, "tx"
			if e.Direction == "rx" {
				pps, name = port.RxPPS, "rx"
			}
			line := port.LineRatePPS
			if e.Direction == "rx" {
				line = mac64(s, false)
			}
			frac := pps / line
			add("line_rate:"+e.Port+":"+name, frac >= e.Min, "%.0f frames/s of %.0f line rate = %.4f (want >= %.4f)", pps, line, frac, e.Min)
		case "delivered":
			// From the scoreboard: every frame where the reference model
			// says, once, intact, in order within its flow.
			st := s.plan.Streams[e.Stream]
			var got report.Stream
			for _, x := range r.Streams {
				if x.Name == st.Name {
					got = x
				}
			}
			bad := got.Missing + got.Extra + got.Reordered + got.Corrupted + got.Misrouted
			ok := got.Sent > 0 && got.Received == got.Expected && bad == 0
			add("delivered:"+st.Name, ok, "sent %d, received %d of %d expected (missing %d, extra %d, reordered %d, corrupted %d, misrouted %d)",
				got.Sent, got.Received, got.Expected, got.Missing, got.Extra, got.Reordered, got.Corrupted, got.Misrouted)
		case "latency":
			// The scoreboard's one-way latency of the stream, from the
			// sender handing a frame over to the receiver getting it.
			st := s.plan.Streams[e.Stream]
			var lat *report.Latency
			for _, x := range r.Streams {
				if x.Name == st.Name {
					lat = x.Latency
				}
			}
			if lat == nil || lat.Samples == 0 {
				add("latency:"+st.Name, false, "no frame of the stream arrived: no latency to check")
				break
			}
			ok := true
			var parts []string
			for _, c := range []struct {
				name string
				got  float64
				max  time.Duration
			}{{"p50", lat.P50NS, e.P50}, {"p90", lat.P90NS, e.P90}, {"p99", lat.P99NS, e.P99}} {
				if c.max == 0 {
					continue
				}
				got := time.Duration(c.got)
				ok = ok && got <= c.max
				parts = append(parts, fmt.Sprintf("%s %v (want <= %v)", c.name, got, c.max))
			}
			add("latency:"+st.Name, ok, "%s over %d frames", strings.Join(parts, ", "), lat.Samples)
		case "denied":
			// Every frame of the stream dropped as the reference predicted.
			st := s.plan.Streams[e.Stream]
			var got report.Stream
			for _, x := range r.Streams {
				if x.Name == st.Name {
					got = x
				}
			}
			ok := got.Sent > 0 && got.Dropped == got.Sent && got.Expected == 0 && got.Received == 0
			add("denied:"+st.Name, ok, "sent %d, predicted dropped %d, received %d (want every frame dropped, none received)", got.Sent, got.Dropped, got.Received)
		case "acl":
			// The card's ACL counters for the VF against the scoreboard:
			// every frame through the VF decided once, the dropped ones
			// exactly those the reference model predicted.
			f := r.Functions[e.Function]
			var sent, dropped uint64
			for _, x := range r.Streams {
				if x.From == f.Name || x.To == f.Name {
					sent += x.Sent
					dropped += x.Dropped
				}
			}
			var c report.ACL
			if f.ACL != nil {
				c = *f.ACL
			}
			var exceeded uint64
			if f.Allowances != nil {
				exceeded = f.Allowances.ConntrackExceeded
			}
			ok := f.ACL != nil && c.Allowed+c.Denied+exceeded == sent && c.Denied+exceeded == dropped
			add("acl:"+f.Name, ok, "card: allowed %d, denied %d, conntrack exceeded %d, tracked %d; scoreboard: %d frames sent through %s, %d predicted dropped",
				c.Allowed, c.Denied, exceeded, c.TrackedFlows, sent, f.Name, dropped)
		case "conntrack_full":
			// The tracker filled up: new connections were refused and
			// counted, and at the end it holds exactly its limit.
			f := r.Functions[e.Function]
			fp := s.plan.Functions[e.Function]
			limit := s.plan.Conntrack
			if c := fp.Allowances.Conntrack; c > 0 {
				limit = min(limit, c)
			}
			var exceeded uint64
			tracked := -1
			if f.Allowances != nil {
				exceeded = f.Allowances.ConntrackExceeded
			}
			if f.ACL != nil {
				tracked = f.ACL.TrackedFlows
			}
			add("conntrack_full:"+f.Name, exceeded > 0 && tracked == limit, "conntrack_allowance_exceeded %d, %d connections tracked of %d (want refusals and a full tracker)", exceeded, tracked, limit)
		case "no_drops":
			var drops uint64
			for _, f := range r.Functions {
				drops += f.Drops
			}
			st := s.dev.drops()
			drops += st.bufferFull + st.noDescriptor + st.filtered
			add("no_drops", drops == 0, "%d frames dropped (Rx buffer %d, no descriptor %d, filtered %d)", drops, st.bufferFull, st.noDescriptor, st.filtered)
		case "irq_moderation":
			ok, detail := s.chk.Moderation(s.fnID(e.Function))
			add("irq_moderation:"+s.plan.Functions[e.Function].Name, ok, "%s", detail)
		case "no_dma_faults":
			f := s.host.Faults()
			if len(f) > 0 {
				add("no_dma_faults", false, "%d DMA faults, first: %v", len(f), f[0].Error())
			} else {
				add("no_dma_faults", true, "no DMA outside an IOMMU domain")
			}
		case "rss_spread":
			f := r.Functions[e.Function]
			var total uint64
			for _, q := range f.Queues {
				total += q.RxPackets
			}
			ok := len(f.Queues) > 1 && total > 0
			var parts []string
			for _, q := range f.Queues {
				share := float64(q.RxPackets) * float64(len(f.Queues)) / float64(max(total, 1))
				ok = ok && share >= e.Min && share <= 2-e.Min
				parts = append(parts, fmt.Sprintf("q%d %d (%.2f)", q.Index, q.RxPackets, share))
			}
			add("rss_spread:"+f.Name, ok, "Rx per queue, share of the mean: %s (want each within %.0f%%)", strings.Join(parts, ", "), (1-e.Min)*100)
		case "recovered":
			f := r.Functions[e.Function]
			resets := s.enaResets[e.Function]
			m, isENA := s.dev.(enaModel)
			var reason uint32
			if isENA {
				reason, _ = m.ResetReason(s.fnID(e.Function))
			}
			ok := isENA && len(resets) > 0 && resets[len(resets)-1] < s.w0 && f.TxPPS+f.RxPPS > 0
			want := ""
			if e.Reason != "" {
				ok = ok && reason == enaResetReasons[e.Reason]
				want = fmt.Sprintf(" (want %s, %d)", e.Reason, enaResetReasons[e.Reason])
			}
			add("recovered:"+f.Name, ok, "driver resets at %v (the device's last reason %d%s), window from %v: %.0f Tx and %.0f Rx packets/s after it",
				resets, reason, want, s.w0, f.TxPPS, f.RxPPS)
		case "allowance":
			f := r.Functions[e.Function]
			fp := s.plan.Functions[e.Function]
			var limit, rate float64
			var counter string
			var eni [5]uint64
			if m, ok := s.dev.(enaModel); ok {
				eni = m.ENI(s.fnID(e.Function))
			}
			var exceeded uint64
			switch e.Direction {
			case "pps":
				limit, rate, counter, exceeded = fp.Allowances.PPS, f.TxPPS+f.RxPPS, "pps_allowance_exceeded", eni[2]
			case "bw_out":
				limit, counter, exceeded = fp.Allowances.BWOut, "bw_out_allowance_exceeded", eni[1]
				if f.TxPackets > 0 {
					rate = f.TxPPS * 8 * float64(f.TxBytes) / float64(f.TxPackets)
				}
			case "bw_in":
				limit, counter, exceeded = fp.Allowances.BWIn, "bw_in_allowance_exceeded", eni[0]
				if f.RxPackets > 0 {
					rate = f.RxPPS * 8 * float64(f.RxBytes) / float64(f.RxPackets)
				}
			}
			var shaped uint64
			for _, st := range r.Streams {
				if st.From == f.Name || st.To == f.Name {
					shaped += st.Shaped
				}
			}
			unexplained := s.sb.Unexplained(scoreboard.Endpoint(e.Function))
			ok := limit > 0 && rate >= e.Min*limit && rate <= (2-e.Min)*limit && exceeded > 0 && unexplained == 0
			add("allowance:"+f.Name+":"+e.Direction, ok, "%.0f/s over the window against an allowance of %.0f (ratio %.4f, want within %.1f%%); %s %d; frames the scoreboard saw shaped %d, shaper drops with no missing frame %d",
				rate, limit, rate/max(limit, 1), (1-e.Min)*100, counter, exceeded, shaped, unexplained)
		case "llq_used":
			f := r.Functions[e.Function]
			var pushed, tx uint64
			if m, ok := s.dev.(enaModel); ok {
				pushed = m.LLQPushed(s.fnID(e.Function))
				tx, _, _, _, _ = m.Traffic(s.fnID(e.Function))
			}
			add("llq_used:"+f.Name, pushed > 0 && tx > 0, "%d packets sent, %d header bytes pushed through LLQ entries", tx, pushed)
		case "spoof_blocked":
			n := s.dev.spoofDrops()
			add("spoof_blocked:"+s.plan.Functions[e.Function].Name, float64(n) >= e.Min, "%d frames with a spoofed source blocked (want >= %.0f)", n, e.Min)
		default:
			add(e.Check, false, "unknown expectation %q", e.Check)
		}
	}
	return out
}

func mac64(s *simulation, tx bool) float64 {
	return mac.LineRatePPS(float64(s.plan.UplinkBPS), s.dominantSize(tx))
}

func (s *simulation) received(st StreamPlan) *ether.StreamCounter {
	if st.To == Wire {
		return s.sink.Streams[st.ID]
	}
	if a := s.apps[st.To]; a != nil {
		return a.Rx[st.ID]
	}
	return nil
}
