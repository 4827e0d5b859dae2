package runner

import (
	"github.com/nicforge/nicforge/model/mac"
	"github.com/nicforge/nicforge/model/pcie"
	"github.com/nicforge/nicforge/report"
	"github.com/nicforge/nicforge/rtl/cover"
	"github.com/nicforge/nicforge/sim"
	"github.com/nicforge/nicforge/verify/scoreboard"
)

func (s *simulation) fnID(i int) pcie.Func {
	if v := s.plan.Functions[i].VF; v >= 0 {
		return pcie.VF(v)
	}
	return pcie.PF
}

// report builds the run's report and evaluates the expectations.
func (s *simulation) report() *report.Report {
	p := s.plan
	r := &report.Report{Scenario: p.Name, Seed: p.Seed, Draws: p.Draws, SimTimeNS: uint64(s.kernel.Now() / sim.Nanosecond)}
	win := (s.w1 - s.w0).Seconds()
	a, b := s.probe.snaps[0], s.probe.snaps[1]
	haveWin := s.probe.taken == 2 && win > 0
	rate := func(x, y uint64) float64 {
		if !haveWin {
			return 0
		}
		return float64(y-x) / win
	}
	for i, fp := range p.Functions {
		fn := s.fnID(i)
		rf := report.Function{Name: fp.Name, Interrupts: s.chk.Interrupts(fn)}
		t := s.dev.traffic(fn)
		rf.TxPackets, rf.TxBytes, rf.RxPackets, rf.RxBytes, rf.Drops = t.txPkts, t.txBytes, t.rxPkts, t.rxBytes, t.drops
		rf.Queues = t.queues
		if haveWin {
			rf.TxPPS = rate(a.fnTx[i], b.fnTx[i])
			rf.RxPPS = rate(a.fnRx[i], b.fnRx[i])
			rf.InterruptsPerSec = rate(a.fnIRQ[i], b.fnIRQ[i])
		}
		rf.Resets = s.dev.resets(fn)
		if m, ok := s.dev.(enaModel); ok {
			e := m.ENI(fn)
			rf.Allowances = &report.Allowances{BWInExceeded: e[0], BWOutExceeded: e[1], PPSExceeded: e[2], ConntrackExceeded: e[3], LinkLocalExceeded: e[4]}
			if fp.VF >= 0 && (fp.SecurityGroup != nil || fp.NetworkACL != nil) {
				c, tracked := m.ACL(fp.VF, s.kernel.Now())
				rf.ACL = &report.ACL{Allowed: c.Allowed, Denied: c.Denied(), TrackedFlows: tracked}
			}
		}
		r.Functions = append(r.Functions, rf)
	}
	up := report.Port{Name: "uplink", TxFrames: s.macTx.Frames, RxFrames: s.macRx.Frames}
	up.TxPPS = rate(a.uplinkTx, b.uplinkTx)
	up.RxPPS = rate(a.uplinkRx, b.uplinkRx)
	up.LineRatePPS = mac.LineRatePPS(float64(p.UplinkBPS), s.dominantSize(true))
	r.Ports = append(r.Ports, up)
	if m, ok := s.dev.(enaModel); ok {
		for i := range p.Functions {
			var n uint64
			for _, c := range m.ENI(s.fnID(i)) {
				n += c
			}
			if n > 0 {
				s.sb.Shaped(scoreboard.Endpoint(i), n)
			}
		}
	}
	if s.chk.First() == nil {
		// A run a violation stopped has frames in flight, not missing.
		s.sb.Finish()
	}
	r.Streams = s.sb.Streams()
	r.Coverage = cover.NewDB()
	r.Coverage.Collect(s.dev.coverage()...)
	r.Checks = s.evaluate(r)
	r.Pass = true
	for _, c := range r.Checks {
		r.Pass = r.Pass && c.Pass
	}
	return r
}

// dominantSize is the frame size of the stream with the most frames
// crossing the uplink in one direction (tx: card to wire).
func (s *simulation) dominantSize(tx bool) int {
	best, size := uint64(0), 64
	for _, st := range s.plan.Streams {
		if tx && st.To != Wire || !tx && st.From != Wire {
			continue
		}
		sent := s.streamSent(st)
		if sent >= best {
			best, size = sent, st.Sizes[0]
		}
	}
	return size
}

func (s *simulation) streamSent(st StreamPlan) uint64 {
	if st.From == Wire {
		for _, ws := range s.wireStreams {
			if ws.ID == st.ID {
				return ws.Sent
			}
		}
		return 0
	}
	if a := s.apps[st.From]; a != nil {
		for _, x := range a.Streams {
			if x.ID == st.ID {
				return x.Sent
			}
		}
	}
	return 0
}
