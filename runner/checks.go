package runner

import (
	"fmt"
	"sort"
	"strings"

	"github.com/nicforge/nicforge/model/intr"
	"github.com/nicforge/nicforge/model/mac"
	"github.com/nicforge/nicforge/model/pcie"
	"github.com/nicforge/nicforge/report"
	"github.com/nicforge/nicforge/rtl/cover"
	"github.com/nicforge/nicforge/sim"
)

// irqChecker watches the driver's EITR writes and the MSI-X messages on the
// host side of the link and checks that no vector fires faster than its
// moderation setting allows.
type irqChecker struct {
	s          *simulation
	vec        map[[2]int]*vecState
	count      map[pcie.Func]uint64
	violations []string
}

type vecState struct {
	interval  sim.Time
	last      sim.Time
	fired     bool
	restarted bool // an EITR write without CNT_WDIS since the last message
	minGap    sim.Time
	msgs      uint64
}

func newIRQChecker(s *simulation) *irqChecker {
	return &irqChecker{s: s, vec: map[[2]int]*vecState{}, count: map[pcie.Func]uint64{}}
}

func (c *irqChecker) state(f pcie.Func, v int) *vecState {
	k := [2]int{int(f), v}
	st := c.vec[k]
	if st == nil {
		st = &vecState{minGap: sim.Never}
		c.vec[k] = st
	}
	return st
}

// eitrVector decodes an EITR register offset of f's BAR0.
func eitrVector(f pcie.Func, off uint32) (int, bool) {
	if f.IsVF() {
		if off >= 0x820 && off < 0x820+4*3 {
			return int(off-0x820) / 4, true
		}
		return 0, false
	}
	switch {
	case off >= 0x820 && off < 0x820+4*24:
		return int(off-0x820) / 4, true
	case off >= 0x12300 && off < 0x12300+4*40:
		return 24 + int(off-0x12300)/4, true
	}
	return 0, false
}

func (c *irqChecker) mmioWrite(f pcie.Func, bar int, off, v uint32, at sim.Time) {
	if bar != 0 {
		return
	}
	vec, ok := eitrVector(f, off)
	if !ok {
		return
	}
	st := c.state(f, vec)
	st.interval = intr.EITRInterval(v)
	if v&intr.EITRCntWDis == 0 {
		st.restarted = true
	}
}

func (c *irqChecker) msix(f pcie.Func, v int, at sim.Time) {
	c.count[f]++
	st := c.state(f, v)
	st.msgs++
	if st.fired && !st.restarted {
		gap := at - st.last
		if gap < st.minGap {
			st.minGap = gap
		}
		if gap < st.interval && len(c.violations) < 20 {
			c.violations = append(c.violations, fmt.Sprintf("%s vector %d fired %s after its previous message at %s; EITR allows one every %s", f, v, gap, st.last, st.interval))
		}
	}
	st.fired, st.last, st.restarted = true, at, false
}

func (c *irqChecker) check(f pcie.Func) (bool, string) {
	var bad []string
	for _, v := range c.violations {
		if strings.HasPrefix(v, f.String()+" ") {
			bad = append(bad, v)
		}
	}
	if len(bad) > 0 {
		return false, strings.Join(bad, "; ")
	}
	var parts []string
	keys := make([][2]int, 0)
	for k := range c.vec {
		if k[0] == int(f) {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][1] < keys[j][1] })
	for _, k := range keys {
		st := c.vec[k]
		if st.msgs == 0 {
			continue
		}
		gap := "-"
		if st.minGap != sim.Never {
			gap = st.minGap.String()
		}
		parts = append(parts, fmt.Sprintf("vector %d: %d messages, closest %s, EITR interval now %s", k[1], st.msgs, gap, st.interval))
	}
	if len(parts) == 0 {
		return false, f.String() + " raised no interrupt: nothing to check"
	}
	return true, strings.Join(parts, "; ")
}

func (s *simulation) fnID(i int) pcie.Func {
	if v := s.plan.Functions[i].VF; v >= 0 {
		return pcie.VF(v)
	}
	return pcie.PF
}

// report builds the run's report and evaluates the expectations.
func (s *simulation) report() *report.Report {
	p := s.plan
	r := &report.Report{Scenario: p.Name, Seed: p.Seed, SimTimeNS: uint64(s.kernel.Now() / sim.Nanosecond)}
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
		rf := report.Function{Name: fp.Name, Interrupts: s.irq.count[fn]}
		for qi, q := range s.dev.FunctionQueues(fn) {
			c := s.dev.Queue(q)
			rf.TxPackets += c.TxPackets
			rf.TxBytes += c.TxBytes
			rf.RxPackets += c.RxPackets
			rf.RxBytes += c.RxBytes
			rf.Drops += c.RxDrops
			rf.Queues = append(rf.Queues, report.Queue{Index: qi, TxPackets: c.TxPackets, RxPackets: c.RxPackets})
		}
		if haveWin {
			rf.TxPPS = rate(a.fnTx[i], b.fnTx[i])
			rf.RxPPS = rate(a.fnRx[i], b.fnRx[i])
		}
		if fn.IsVF() {
			rf.Resets = s.dev.VFResets(fn.VFIndex())
		}
		r.Functions = append(r.Functions, rf)
	}
	up := report.Port{Name: "uplink", TxFrames: s.dev.MACTx.Frames, RxFrames: s.dev.MACRx.Frames}
	up.TxPPS = rate(a.uplinkTx, b.uplinkTx)
	up.RxPPS = rate(a.uplinkRx, b.uplinkRx)
	up.LineRatePPS = mac.LineRatePPS(float64(p.UplinkBPS), s.dominantSize(true))
	r.Ports = append(r.Ports, up)
	s.sb.Finish()
	r.Streams = s.sb.Streams()
	r.Coverage = cover.NewDB()
	r.Coverage.Collect(s.dev.Coverage()...)
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
