package runner

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nicforge/nicforge/cosim"
	"github.com/nicforge/nicforge/driver/bus"
	"github.com/nicforge/nicforge/driver/cardctl"
	"github.com/nicforge/nicforge/model/card"
	"github.com/nicforge/nicforge/model/ena"
	"github.com/nicforge/nicforge/model/ether"
	"github.com/nicforge/nicforge/model/ixgbe"
	"github.com/nicforge/nicforge/model/mac"
	"github.com/nicforge/nicforge/model/pcie"
	"github.com/nicforge/nicforge/model/wire"
	"github.com/nicforge/nicforge/report"
	"github.com/nicforge/nicforge/rtl"
	"github.com/nicforge/nicforge/sim"
	"github.com/nicforge/nicforge/trace"
	"github.com/nicforge/nicforge/verify/checker"
	"github.com/nicforge/nicforge/verify/scoreboard"
	"github.com/nicforge/nicforge/workload"
)

// simulation is a built co-simulation.
type simulation struct {
	plan        *Plan
	rnd         *sim.Rand
	kernel      *rtl.Kernel
	dev         deviceModel
	macTx       *mac.Tx
	macRx       *mac.RxPort
	card        *card.Card
	host        *cosim.Host
	sink        *wire.Sink
	gen         *wire.Generator
	probe       *probe
	apps        []*workload.App // by function index
	ready       int
	t0          time.Duration // traffic start
	w0, w1      time.Duration // the measurement window
	end         time.Duration
	errs        []error
	chk         *checker.Checker
	traceW      *trace.Writer
	pcapW       *trace.PcapWriter
	wireStreams []*wire.Stream
	sb          *scoreboard.Scoreboard
	enaResets   map[int][]time.Duration // driver resets after probe, by function
	cardctl     *cardctl.Card           // the ENA card PF's control plane
}

func (s *simulation) fail(err error) {
	s.errs = append(s.errs, err)
}

// RunPlan builds and runs a resolved plan.
func RunPlan(p *Plan, opt Options) (*report.Report, error) {
	wallStart := time.Now()
	s := &simulation{plan: p, rnd: sim.NewRand(p.Seed), enaResets: map[int][]time.Duration{}}
	if err := s.build(opt); err != nil {
		return nil, err
	}
	defer s.close()
	limit := sim.FromDuration(p.BringUp + p.Warmup + p.Duration + p.Drain + time.Millisecond)
	if err := s.host.Run(limit); err != nil {
		return nil, err
	}
	if s.ready < len(p.Functions) && s.chk.First() == nil {
		return nil, fmt.Errorf("bring-up did not complete within %v: %d of %d drivers ready%s%s", p.BringUp, s.ready, len(p.Functions), errorLines(s.errs), s.lastLogs())
	}
	r := s.report()
	r.WallTimeNS = uint64(time.Since(wallStart))
	if err := s.finishFiles(); err != nil {
		return r, err
	}
	return r, nil
}

func (s *simulation) build(opt Options) error {
	p := s.plan
	s.kernel = rtl.NewKernel(p.ExactTicks)
	clk, err := sim.NewClock("core", p.CoreHz)
	if err != nil {
		return err
	}
	switch p.Personality {
	case "ena":
		macs := map[pcie.Func]ether.MAC{}
		for i := range p.Functions {
			macs[s.fnID(i)] = p.Functions[i].MAC
		}
		cfg := ena.Config{LinkMbps: uint32(p.UplinkBPS / 1_000_000), TotalVFs: uint16(max(p.NumVFs, 1)), MACs: macs, Timing: ena.DefaultTiming, LLQ: p.LLQ, ConntrackCapacity: uint64(p.Conntrack), ConntrackTimeouts: modelTimeouts(p.ConntrackTimeouts)}
		if slices.Contains(ena.Mutations, p.Mutation) {
			cfg.Mutation = p.Mutation
		}
		if p.KeepAlive > 0 {
			cfg.Timing.KeepAlive = sim.FromDuration(p.KeepAlive)
		}
		cfg.Hints.DriverWatchdog = uint16(p.WatchdogHint / time.Millisecond)
		s.dev = enaModel{ena.New(cfg)}
	default:
		s.dev = ixgbeModel{ixgbe.New(ixgbe.Config{UplinkBPS: p.UplinkBPS, Mutation: ixgbe.Mutation(modelMutation(p.Mutation))})}
	}
	s.card = card.New(s.dev, s.kernel, clk)
	var frames *ether.Pool
	s.macTx, s.macRx, frames = s.dev.uplink()
	byteClk, err := mac.ByteClock("wire", p.UplinkBPS)
	if err != nil {
		return err
	}
	s.sink = wire.NewSink()
	s.sb = newScoreboard(p)
	s.sink.OnFrame = func(f *ether.Frame, at sim.Time) { s.sb.Received(scoreboard.Wire, f.Data, at) }
	s.macTx.Peer = s.sink
	s.gen = wire.NewGenerator(s.kernel, "wire.gen", byteClk, p.UplinkBPS, frames)
	s.probe = newProbe(s)
	s.probe.proc = s.kernel.Add("probe", clk, s.probe)
	host, err := cosim.NewHost(s.card, cosim.Config{Link: p.PCIe})
	if err != nil {
		return err
	}
	s.host = host
	if p.Personality == "ena" {
		s.chk = checker.NewENA(host.Memory())
	} else {
		s.chk = checker.New(host.Memory())
	}
	s.chk.OnViolation = func(checker.Violation) { host.Stop() }
	host.OnMSIX(s.chk.MSIX)
	host.OnMMIOWrite(s.chk.MMIOWrite)
	host.OnMMIORead(s.chk.MMIORead)
	host.OnDMA(s.chk.DMA)
	host.OnFault(s.chk.Fault)
	if opt.TracePath != "" {
		f, err := os.Create(opt.TracePath)
		if err != nil {
			return fmt.Errorf("trace: %w", err)
		}
		s.traceW = trace.NewWriter(f)
		// What the run was, so a reader needs nothing else: the scenario
		// and seed reproduce it, the personality names its registers.
		for _, kv := range []string{"scenario=" + p.Name, "seed=" + strconv.FormatUint(p.Seed, 10), "personality=" + p.Personality} {
			s.traceW.Record(&trace.Event{Kind: trace.Meta, Text: kv})
		}
		s.card.SetTrace(s.traceW)
		host.SetTrace(s.traceW)
	}
	if opt.PcapPath != "" {
		w, err := trace.CreatePcap(opt.PcapPath)
		if err != nil {
			return fmt.Errorf("pcap: %w", err)
		}
		s.pcapW = w
	}
	s.macTx.OnStart = s.onWireTx
	s.gen.Out = rxTap{s: s, next: s.macRx}
	s.apps = make([]*workload.App, len(p.Functions))
	for _, st := range p.Streams {
		if st.From != Wire {
			continue
		}
		ws := &wire.Stream{ID: st.ID, Sizes: st.Sizes, Weights: st.Weights, BitsPerS: uint64(st.BPS), PktsPerS: uint64(st.PPS), Count: st.Count, Flows: st.Flows, Start: sim.FromDuration(st.Start), Replay: st.Replay}
		ws.Flow = s.flow(st, wirePeerMAC)
		s.wireStreams = append(s.wireStreams, ws)
	}
	pfIdx := -1
	for i, f := range p.Functions {
		if f.VF < 0 {
			pfIdx = i
		}
	}
	if pfIdx < 0 {
		return fmt.Errorf("scenario %s has no PF function: the PF driver provisions the VFs", p.Name)
	}
	host.OnFunctionAdded(func(f pcie.Func, fn bus.Function) {
		for i, fp := range p.Functions {
			if fp.VF >= 0 && pcie.VF(fp.VF) == f {
				i := i
				if p.Personality == "ena" {
					host.Go(fp.Name, fn, func(fn bus.Function) { s.runENA(i, fn, false) })
				} else {
					host.Go(fp.Name, fn, func(fn bus.Function) { s.runVF(i, fn) })
				}
			}
		}
	})
	if p.Personality == "ena" {
		host.Go(p.Functions[pfIdx].Name, host.Function(pcie.PF), func(fn bus.Function) { s.runENA(pfIdx, fn, true) })
	} else {
		host.Go(p.Functions[pfIdx].Name, host.Function(pcie.PF), func(fn bus.Function) { s.runPF(pfIdx, fn) })
	}
	return nil
}

// arrive is the bring-up barrier: when the last driver is up, traffic
// starts 10 µs later, on a whole microsecond.
func (s *simulation) arrive(now time.Duration) {
	s.ready++
	if s.ready < len(s.plan.Functions) {
		return
	}
	t0 := (now + 10*time.Microsecond).Truncate(time.Microsecond) + time.Microsecond
	s.t0 = t0
	s.w0 = t0 + s.plan.Warmup
	s.w1 = s.w0 + s.plan.Duration
	s.end = s.w1 + s.plan.Drain
	s.probe.schedule(sim.FromDuration(s.w0), sim.FromDuration(s.w1))
	for _, f := range s.plan.Faults {
		m, ok := s.dev.(enaModel)
		switch {
		case ok && f.Kind == "keep_alive_stop":
			m.StopKeepAlive(sim.FromDuration(t0 + f.At))
		case ok && f.Kind == "tx_completion_stop":
			m.StopTxCompletions(sim.FromDuration(t0 + f.At))
		case ok && f.Kind == "admin_stop":
			m.StopAdmin(sim.FromDuration(t0 + f.At))
		}
	}
	for _, ws := range s.wireStreams {
		ws.Start = sim.FromDuration(t0) + ws.Start
		ws.Stop = sim.FromDuration(s.w1)
		s.gen.Add(ws, s.rnd.Split("wire"+fmt.Sprint(ws.ID)))
	}
	for _, a := range s.apps {
		if a == nil {
			continue
		}
		for _, st := range a.Streams {
			st.Start += t0
			st.Stop = s.w1
		}
	}
}

// waitStart parks a driver context until traffic starts.
func (s *simulation) waitStart(fn bus.Function) bool {
	for s.t0 == 0 {
		if fn.Now() > s.plan.BringUp {
			return false
		}
		fn.Delay(10 * time.Microsecond)
	}
	return true
}

func (s *simulation) lastLogs() string {
	return s.host.LastLogs()
}

func (s *simulation) close() {
	s.host.Close()
	s.sb.Close()
}

func (s *simulation) finishFiles() error {
	var first error
	if s.traceW != nil {
		if err := s.traceW.Close(); err != nil {
			first = err
		}
	}
	if s.pcapW != nil {
		if err := s.pcapW.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (s *simulation) onWireTx(f *ether.Frame, at sim.Time) {
	if s.pcapW != nil {
		_ = s.pcapW.WriteFrame(at, f.Data)
	}
	if tr := s.card.Trace(); tr != nil {
		n := len(f.Data)
		if n > 64 {
			n = 64
		}
		tr.Record(&trace.Event{Time: at, Kind: trace.FrameTx, Len: uint32(f.WireLen()), Data: f.Data[:n]})
	}
}

type rxTap struct {
	s    *simulation
	next interface {
		Receive(f *ether.Frame, at sim.Time) bool
	}
}

func (t rxTap) Receive(f *ether.Frame, at sim.Time) bool {
	byteTime := sim.Time(uint64(sim.Second) * 8 / t.s.plan.UplinkBPS)
	start := at - sim.Time(len(f.Data)+ether.FCSLen+ether.PreambleSFD)*byteTime
	if f.Templated {
		t.s.sb.SentBuilt(scoreboard.Wire, f.Data, start)
	} else {
		t.s.sb.Sent(scoreboard.Wire, f.Data, start)
	}
	if t.s.pcapW != nil {
		_ = t.s.pcapW.WriteFrame(start, f.Data)
	}
	if tr := t.s.card.Trace(); tr != nil {
		n := len(f.Data)
		if n > 64 {
			n = 64
		}
		tr.Record(&trace.Event{Time: start, Kind: trace.FrameRx, Len: uint32(f.WireLen()), Data: f.Data[:n]})
	}
	return t.next.Receive(f, at)
}

// errorLines lists driver errors, one per line.
func errorLines(errs []error) string {
	var b strings.Builder
	for _, e := range errs {
		b.WriteString("\n" + e.Error())
	}
	return b.String()
}
