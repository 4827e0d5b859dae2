package runner

import (
	"fmt"

	"github.com/nicforge/nicforge/model/ether"
	"github.com/nicforge/nicforge/model/mac"
	"github.com/nicforge/nicforge/report"
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
			st := s.plan.Streams[e.Stream]
			sent := s.streamSent(st)
			var got ether.StreamCounter
			if c := s.received(st); c != nil {
				got = *c
			}
			ok := sent > 0 && got.Received == sent && got.Duplicates == 0 && got.OutOfOrder == 0
			add("delivered:"+st.Name, ok, "sent %d, received %d (out of order %d, duplicates %d)", sent, got.Received, got.OutOfOrder, got.Duplicates)
		case "no_drops":
			var drops uint64
			for _, f := range r.Functions {
				drops += f.Drops
			}
			st := s.dev.Stats()
			drops += st.RxBufferDrop + st.RxNoDescDrop + st.RxFiltered
			add("no_drops", drops == 0, "%d frames dropped (Rx buffer %d, no descriptor %d, filtered %d)", drops, st.RxBufferDrop, st.RxNoDescDrop, st.RxFiltered)
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
		case "spoof_blocked":
			n := s.dev.SpoofDrops()
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
