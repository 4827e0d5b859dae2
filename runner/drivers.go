package runner

import (
	"fmt"
	"time"

	"github.com/nicforge/nicforge/driver/bus"
	pfdrv "github.com/nicforge/nicforge/driver/ixgbe"
	vfdrv "github.com/nicforge/nicforge/driver/ixgbevf"
	"github.com/nicforge/nicforge/model/ether"
	"github.com/nicforge/nicforge/model/ixgbe"
	"github.com/nicforge/nicforge/sim"
	"github.com/nicforge/nicforge/verify/scoreboard"
	"github.com/nicforge/nicforge/workload"
)

// runPF is the PF's driver context: bring-up, SR-IOV, VF provisioning,
// then the PF's own application loop, which also serves the VF mailboxes.
func (s *simulation) runPF(i int, fn bus.Function) {
	p := s.plan
	fp := p.Functions[i]
	d, err := pfdrv.Probe(fn, pfdrv.Config{TxRing: fp.TxRing, RxRing: fp.RxRing, ITR: fp.ITR, MTU: fp.MTU})
	if err != nil {
		s.fail(fmt.Errorf("%s: ixgbe probe: %w", fp.Name, err))
		return
	}
	if p.NumVFs > 0 {
		if err := d.EnableSRIOV(p.NumVFs); err != nil {
			s.fail(fmt.Errorf("%s: enable SR-IOV with %d VFs: %w", fp.Name, p.NumVFs, err))
			return
		}
		for _, f := range p.Functions {
			if f.VF < 0 {
				continue
			}
			if err := d.SetVFMAC(f.VF, f.MAC); err != nil {
				s.fail(fmt.Errorf("%s: set MAC of VF %d: %w", fp.Name, f.VF, err))
			}
			if err := d.SetVFSpoofCheck(f.VF, f.SpoofCheck); err != nil {
				s.fail(fmt.Errorf("%s: spoof check of VF %d: %w", fp.Name, f.VF, err))
			}
			if f.RateMbps > 0 {
				if err := d.SetVFRateLimit(f.VF, f.RateMbps); err != nil {
					s.fail(fmt.Errorf("%s: rate limit of VF %d: %w", fp.Name, f.VF, err))
				}
			}
		}
	}
	if err := d.Open(); err != nil {
		s.fail(fmt.Errorf("%s: ixgbe open: %w", fp.Name, err))
		return
	}
	port := &pfPort{d: d}
	app := workload.NewApp(port, fn, fp.Polling)
	s.setupApp(i, app, d.MAC())
	s.arrive(fn.Now())
	// Keep serving mailboxes while the VFs come up.
	for s.t0 == 0 && fn.Now() < p.BringUp {
		d.WaitInterrupt(100 * time.Microsecond)
	}
	app.Run(s.end)
}

// runVF is a VF's driver context.
func (s *simulation) runVF(i int, fn bus.Function) {
	fp := s.plan.Functions[i]
	cfg := vfdrv.Config{TxRing: fp.TxRing, RxRing: fp.RxRing, ITR: fp.ITR, MTU: fp.MTU, Queues: fp.Queues, Polling: fp.Polling}
	if modelMutation(s.plan.Mutation) == "" {
		cfg.Mutation = s.plan.Mutation
	}
	d, err := vfdrv.Probe(fn, cfg)
	if err != nil {
		s.fail(fmt.Errorf("%s: ixgbevf probe: %w", fp.Name, err))
		return
	}
	if err := d.Open(); err != nil {
		s.fail(fmt.Errorf("%s: ixgbevf open: %w", fp.Name, err))
		return
	}
	port := &vfPort{d: d}
	app := workload.NewApp(port, fn, fp.Polling)
	s.setupApp(i, app, d.MAC())
	s.arrive(fn.Now())
	if !s.waitStart(fn) {
		return
	}
	app.Run(s.end)
}

// setupApp gives a function's application its streams.
func (s *simulation) setupApp(i int, app *workload.App, mac [6]byte) {
	s.apps[i] = app
	if s.sb != nil {
		src := scoreboard.Endpoint(i)
		clk := app.Clock
		app.OnSend = func(data []byte) { s.sb.Sent(src, data, sim.FromDuration(clk.Now())) }
		app.OnRecv = func(data []byte) { s.sb.Received(src, data, sim.FromDuration(clk.Now())) }
	}
	r := s.rnd.Split("app." + s.plan.Functions[i].Name)
	app.Rand = r.IntN
	for _, st := range s.plan.Streams {
		if st.From != i {
			continue
		}
		ws := &workload.Stream{ID: st.ID, Sizes: st.Sizes, Weights: st.Weights, PPS: st.PPS, BPS: st.BPS, Line: st.Line, Count: st.Count, Start: st.Start}
		ws.Flow = s.flow(st, ether.MAC(mac))
		app.Streams = append(app.Streams, ws)
	}
}

// flow builds a stream's headers: source is the sender (or the scenario's
// spoofed MAC), destination the receiver's MAC or the wire peer's.
func (s *simulation) flow(st StreamPlan, src ether.MAC) ether.Flow {
	fl := ether.Flow{Src: src, Dst: wirePeerMAC, SrcIP: [4]byte{10, 0, 0, byte(st.From + 2)}, DstIP: [4]byte{10, 0, 0, byte(st.To + 2)}, SrcPort: 10000 + st.ID*100, DstPort: 9}
	if st.To != Wire {
		fl.Dst = s.plan.Functions[st.To].MAC
	}
	if st.SrcMAC != nil {
		fl.Src = *st.SrcMAC
	}
	return fl
}

// wirePeerMAC is the station on the far side of the uplink.
var wirePeerMAC = ether.MAC{0x02, 0x00, 0x5e, 0x00, 0x00, 0x01}

// vfPort adapts the ixgbevf driver to workload.Port.
type vfPort struct {
	d    *vfdrv.Device
	pkts []*vfdrv.Packet
}

func (p *vfPort) Queues() int                     { return p.d.NumQueues() }
func (p *vfPort) TxRoom(q int) int                { return p.d.TxRoom(q) }
func (p *vfPort) Poll(budget int) int             { return p.d.Poll(budget) }
func (p *vfPort) Wait(timeout time.Duration) bool { return p.d.WaitInterrupt(timeout) }
func (p *vfPort) Tx(q, n int, fill func(int, []byte) int) int {
	if room := p.d.TxRoom(q); n > room {
		n = room
	}
	p.pkts = p.pkts[:0]
	for i := 0; i < n; i++ {
		pk := p.d.AllocPacket()
		if pk == nil {
			break
		}
		l := fill(i, pk.Data[:cap(pk.Data)])
		pk.Data = pk.Data[:l]
		p.pkts = append(p.pkts, pk)
	}
	sent := p.d.TxBatch(q, p.pkts)
	for _, pk := range p.pkts[sent:] {
		p.d.FreePacket(pk)
	}
	return sent
}
func (p *vfPort) Rx(q, max int, fn func([]byte)) int {
	if cap(p.pkts) < max {
		p.pkts = make([]*vfdrv.Packet, max)
	}
	buf := p.pkts[:max]
	n := p.d.RxBatch(q, buf)
	for _, pk := range buf[:n] {
		fn(pk.Data)
		p.d.FreePacket(pk)
	}
	return n
}

// pfPort adapts the ixgbe PF driver to workload.Port.
type pfPort struct {
	d    *pfdrv.Device
	pkts []*pfdrv.Packet
}

func (p *pfPort) Queues() int                     { return 1 }
func (p *pfPort) TxRoom(q int) int                { return p.d.TxRoom(q) }
func (p *pfPort) Poll(budget int) int             { return p.d.Poll(budget) }
func (p *pfPort) Wait(timeout time.Duration) bool { return p.d.WaitInterrupt(timeout) }
func (p *pfPort) Tx(q, n int, fill func(int, []byte) int) int {
	if room := p.d.TxRoom(q); n > room {
		n = room
	}
	p.pkts = p.pkts[:0]
	for i := 0; i < n; i++ {
		pk := p.d.AllocPacket()
		if pk == nil {
			break
		}
		l := fill(i, pk.Data[:cap(pk.Data)])
		pk.Data = pk.Data[:l]
		p.pkts = append(p.pkts, pk)
	}
	sent := p.d.TxBatch(q, p.pkts)
	for _, pk := range p.pkts[sent:] {
		p.d.FreePacket(pk)
	}
	return sent
}
func (p *pfPort) Rx(q, max int, fn func([]byte)) int {
	if cap(p.pkts) < max {
		p.pkts = make([]*pfdrv.Packet, max)
	}
	buf := p.pkts[:max]
	n := p.d.RxBatch(q, buf)
	for _, pk := range buf[:n] {
		fn(pk.Data)
		p.d.FreePacket(pk)
	}
	return n
}

// modelMutation returns m if it is a model mutation, else "".
func modelMutation(m string) string {
	if _, err := ixgbe.ParseMutation(m); err == nil {
		return m
	}
	return ""
}
