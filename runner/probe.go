package runner

import (
	"github.com/nicforge/nicforge/model/pcie"
	"github.com/nicforge/nicforge/rtl"
	"github.com/nicforge/nicforge/sim"
	"github.com/nicforge/nicforge/trace"
)

// snapshot is every counter the report rates come from, taken at an exact
// edge inside the model so the window is the same in every run.
type snapshot struct {
	uplinkTx, uplinkRx uint64
	fnTx, fnRx         []uint64
	fnIRQ              []uint64 // MSI-X messages landed
}

// probe is a kernel component that snapshots the counters at the window's
// start and end.
type probe struct {
	s      *simulation
	proc   *rtl.Proc
	at     [2]sim.Time
	taken  int
	snaps  [2]snapshot
	active bool
}

func newProbe(s *simulation) *probe { return &probe{s: s} }

func (p *probe) schedule(w0, w1 sim.Time) {
	p.at = [2]sim.Time{w0, w1}
	p.active = true
	p.proc.Wake(w0)
}

// Tick implements rtl.Component.
func (p *probe) Tick(now sim.Time) sim.Time {
	if !p.active || p.taken == 2 {
		return sim.Never
	}
	if now < p.at[p.taken] {
		return p.at[p.taken]
	}
	p.snaps[p.taken] = p.s.take()
	if p.s.traceW != nil {
		// So a trace reader can find the window: nicforge trace --kind meta.
		p.s.traceW.Record(&trace.Event{Time: now, Kind: trace.Meta, Text: [...]string{"window=start", "window=end"}[p.taken]})
	}
	p.taken++
	if p.taken == 2 {
		return sim.Never
	}
	return p.at[p.taken]
}

func (s *simulation) take() snapshot {
	sn := snapshot{uplinkTx: s.macTx.Frames, uplinkRx: s.macRx.Frames}
	for _, f := range s.plan.Functions {
		fn := pcie.PF
		if f.VF >= 0 {
			fn = pcie.VF(f.VF)
		}
		t := s.dev.traffic(fn)
		sn.fnTx = append(sn.fnTx, t.txPkts)
		sn.fnRx = append(sn.fnRx, t.rxPkts)
		sn.fnIRQ = append(sn.fnIRQ, s.chk.Interrupts(fn))
	}
	return sn
}
