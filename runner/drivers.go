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
	port := newPFPort(d)
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
	port := newVFPort(d)
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
	app.EveryPass = s.plan.EveryPass
	if s.sb != nil {
		src := scoreboard.Endpoint(i)
		clk := app.Clock
		app.OnSend = func(data []byte) { s.sb.SentBuilt(src, data, sim.FromDuration(clk.Now())) }
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
	fl.Proto, fl.ICMPType, fl.ICMPCode = st.Proto, st.ICMPType, st.ICMPCode
	switch {
	case st.SrcIP.Is4():
		fl.SrcIP, fl.DstIP = st.SrcIP.As4(), st.DstIP.As4()
	case st.SrcIP.Is6():
		fl.IPv6, fl.SrcIP6, fl.DstIP6 = true, st.SrcIP.As16(), st.DstIP.As16()
	}
	if st.SrcPort != nil {
		fl.SrcPort = *st.SrcPort
	}
	if st.DstPort != nil {
		fl.DstPort = *st.DstPort
	}
	return fl
}

// wirePeerMAC is the station on the far side of the uplink.
var wirePeerMAC = ether.MAC{0x02, 0x00, 0x5e, 0x00, 0x00, 0x01}

// batchDriver is the batch API the drivers share, over their own packet
// type P.
type batchDriver[P any] interface {
	TxRoom(q int) int
	AllocPacket() *P
	FreePacket(*P)
	TxBatch(q int, pkts []*P) int
	RxBatch(q int, out []*P) int
}

// batchPort is workload.Port's Tx and Rx over a batchDriver: data reaches
// a packet's bytes, release gives a received packet back.
type batchPort[P any] struct {
	drv     batchDriver[P]
	data    func(*P) *[]byte
	release func(*P)
	pkts    []*P
}

func (p *batchPort[P]) Tx(q, n int, fill func(int, []byte) int) int {
	n = min(n, p.drv.TxRoom(q))
	p.pkts = p.pkts[:0]
	for i := 0; i < n; i++ {
		pk := p.drv.AllocPacket()
		if pk == nil {
			break
		}
		d := p.data(pk)
		*d = (*d)[:fill(i, (*d)[:cap(*d)])]
		p.pkts = append(p.pkts, pk)
	}
	sent := p.drv.TxBatch(q, p.pkts)
	for _, pk := range p.pkts[sent:] {
		p.drv.FreePacket(pk)
	}
	return sent
}

func (p *batchPort[P]) Rx(q, max int, fn func([]byte)) int {
	if cap(p.pkts) < max {
		p.pkts = make([]*P, max)
	}
	buf := p.pkts[:max]
	n := p.drv.RxBatch(q, buf)
	if n == 0 {
		return 0
	}
	for _, pk := range buf[:n] {
		fn(*p.data(pk))
		p.release(pk)
	}
	return n
}

// vfPort adapts the ixgbevf driver to workload.Port.
type vfPort struct {
	d *vfdrv.Device
	batchPort[vfdrv.Packet]
}

func newVFPort(d *vfdrv.Device) *vfPort {
	return &vfPort{d: d, batchPort: batchPort[vfdrv.Packet]{drv: d, data: func(p *vfdrv.Packet) *[]byte { return &p.Data }, release: d.FreePacket}}
}

func (p *vfPort) Queues() int                     { return p.d.NumQueues() }
func (p *vfPort) TxRoom(q int) int                { return p.d.TxRoom(q) }
func (p *vfPort) Quiet() bool                     { return p.d.Quiet() }
func (p *vfPort) Poll(budget int) int             { return p.d.Poll(budget) }
func (p *vfPort) Wait(timeout time.Duration) bool { return p.d.WaitInterrupt(timeout) }

// pfPort adapts the ixgbe PF driver to workload.Port.
type pfPort struct {
	d *pfdrv.Device
	batchPort[pfdrv.Packet]
}

func newPFPort(d *pfdrv.Device) *pfPort {
	return &pfPort{d: d, batchPort: batchPort[pfdrv.Packet]{drv: d, data: func(p *pfdrv.Packet) *[]byte { return &p.Data }, release: d.FreePacket}}
}

func (p *pfPort) Queues() int                     { return 1 }
func (p *pfPort) TxRoom(q int) int                { return p.d.TxRoom(q) }
func (p *pfPort) Poll(budget int) int             { return p.d.Poll(budget) }
func (p *pfPort) Wait(timeout time.Duration) bool { return p.d.WaitInterrupt(timeout) }

// modelMutation returns m if it is a model mutation, else "".
func modelMutation(m string) string {
	if _, err := ixgbe.ParseMutation(m); err == nil {
		return m
	}
	return ""
}
