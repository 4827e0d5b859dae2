package runner

import (
	"fmt"
	"slices"
	"time"

	"github.com/nicforge/nicforge/driver/bus"
	"github.com/nicforge/nicforge/driver/cardctl"
	enadrv "github.com/nicforge/nicforge/driver/ena"
	"github.com/nicforge/nicforge/sim"
	"github.com/nicforge/nicforge/verify/scoreboard"
	"github.com/nicforge/nicforge/workload"
)

// runENA is an ENA function's driver context. On the PF it first enables
// the scenario's VFs through the SR-IOV capability, as the card PF does
// before any tenant sees its VF (driver/cardctl will do this with the
// provisioning of MAC, addresses and allowances).
func (s *simulation) runENA(i int, fn bus.Function, pf bool) {
	fp := s.plan.Functions[i]
	if pf && s.plan.NumVFs > 0 {
		ctl := cardctl.Open(fn)
		for _, vf := range s.plan.Functions {
			if vf.VF < 0 {
				continue
			}
			a := vf.Allowances
			cfg := cardctl.Config{MAC: vf.MAC, IPv4: [4]byte{10, 0, 0, byte(vf.VF + 10)}, IPv6: vfIPv6(vf.VF), MTU: vf.MTU,
				BWIn: uint64(a.BWIn), BWOut: uint64(a.BWOut), PPS: uint64(a.PPS), Conntrack: uint64(a.Conntrack), LinkLocalPPS: uint64(a.LinkLocalPPS)}
			if err := ctl.Provision(vf.VF, cfg); err != nil {
				s.fail(fmt.Errorf("%s: provisioning %s: %w", fp.Name, vf.Name, err))
				return
			}
		}
		for _, vf := range s.plan.Functions {
			if vf.VF < 0 || (vf.SecurityGroup == nil && vf.NetworkACL == nil) {
				continue
			}
			if _, err := ctl.SetACL(vf.VF, vf.SecurityGroup, vf.NetworkACL); err != nil {
				s.fail(fmt.Errorf("%s: ACL of %s: %w", fp.Name, vf.Name, err))
				return
			}
		}
		if err := ctl.EnableVFs(s.plan.NumVFs); err != nil {
			s.fail(fmt.Errorf("%s: %w", fp.Name, err))
			return
		}
		s.cardctl = ctl
	}
	cpus := fp.Queues // the queue pairs the scenario asks for, through the CPU count
	if cpus == 0 {
		cpus = 1
	}
	drvCfg := enadrv.Config{NumCPUs: cpus, Polling: fp.Polling, BQL: fp.BQL}
	if fp.TxUsecs >= 0 {
		u := uint32(fp.TxUsecs)
		drvCfg.TxUsecs = &u
	}
	if fp.RxUsecs >= 0 {
		u := uint32(fp.RxUsecs)
		drvCfg.RxUsecs = &u
	}
	if slices.Contains(enadrv.Mutations, s.plan.Mutation) {
		drvCfg.Mutation = s.plan.Mutation
	}
	d, err := enadrv.Probe(fn, drvCfg)
	if err != nil {
		s.fail(fmt.Errorf("%s: ena probe: %w", fp.Name, err))
		return
	}
	if !d.WaitLink(100 * time.Millisecond) {
		s.fail(fmt.Errorf("%s: ena: no LINK_CHANGE event within 100 ms of probe", fp.Name))
		return
	}
	if err := d.Open(fp.TxRing, fp.RxRing); err != nil {
		s.fail(fmt.Errorf("%s: ena open: %w", fp.Name, err))
		return
	}
	port := newENAPort(d)
	port.clock, port.statsEvery = fn, fp.StatsEvery
	port.onReset = func() {
		s.sb.Reset(scoreboard.Endpoint(i), sim.FromDuration(fn.Now()))
		s.enaResets[i] = append(s.enaResets[i], fn.Now())
	}
	app := workload.NewApp(port, fn, fp.Polling)
	app.Partial = fp.BQL
	s.setupApp(i, app, d.Attr.MAC)
	s.arrive(fn.Now())
	if !s.waitStart(fn) {
		return
	}
	app.Run(s.end)
}

// enaPort adapts the ENA driver to workload.Port.
type enaPort struct {
	d *enadrv.Device
	batchPort[enadrv.Packet]
	onReset func() // the driver reset the device (watchdog)

	// Statistics reads (scenario stats_every): a monitoring agent's
	// "ethtool -S" between the loop's polls, on the loop's own CPU.
	clock                 interface{ Now() time.Duration }
	statsEvery, nextStats time.Duration
}

func newENAPort(d *enadrv.Device) *enaPort {
	return &enaPort{d: d, batchPort: batchPort[enadrv.Packet]{drv: d, data: func(p *enadrv.Packet) *[]byte { return &p.Data }, release: d.ReleaseRx}}
}

func (p *enaPort) Queues() int      { return p.d.NumQueuePairs() }
func (p *enaPort) TxRoom(q int) int { return p.d.TxRoom(q) }
func (p *enaPort) Quiet() bool      { return !p.statsDue() && p.d.Quiet() }

// Wait waits for an interrupt, no longer than until the next statistics
// read.
func (p *enaPort) Wait(timeout time.Duration) bool {
	if p.statsEvery > 0 {
		p.statsDue() // sets the first read's time
		timeout = min(timeout, max(p.nextStats-p.clock.Now(), 0))
	}
	return p.d.WaitInterrupt(timeout)
}

func (p *enaPort) Poll(budget int) int {
	before := p.d.Resets
	p.readStats()
	n := p.d.Poll()
	if p.d.Resets != before && p.onReset != nil {
		p.onReset()
	}
	return n
}

// statsDue reports whether a statistics read is due; the first is one
// interval after the loop's first look.
func (p *enaPort) statsDue() bool {
	if p.statsEvery == 0 {
		return false
	}
	if p.nextStats == 0 {
		p.nextStats = p.clock.Now() + p.statsEvery
	}
	return p.clock.Now() >= p.nextStats
}

// readStats reads the basic and the ENI statistics when due: two admin
// commands, each waited for up to the device's admin timeout. A read that
// fails (a command timed out, or the admin queue stopped after one) is
// the driver's to handle, as it is for ethtool: its timer service resets
// the device, and the next read finds the queue running again.
func (p *enaPort) readStats() {
	if !p.statsDue() {
		return
	}
	if _, err := p.d.BasicStats(); err == nil {
		_, _ = p.d.ENIStats()
	}
	p.nextStats = p.clock.Now() + p.statsEvery
}

// vfIPv6 is the IPv6 address the runner provisions for VF vf: 2001:db8::a
// plus the VF index, beside 10.0.0.10 plus the index for IPv4.
func vfIPv6(vf int) [16]byte {
	a := [16]byte{0x20, 0x01, 0x0d, 0xb8}
	a[15] = byte(vf + 10)
	return a
}

// enaResetReasons are the codes of scenario.ResetReasons, from the driver's
// ena_regs_defs.h constants.
var enaResetReasons = map[string]uint32{
	"keep_alive_to": enadrv.ENA_REGS_RESET_KEEP_ALIVE_TO,
	"admin_to":      enadrv.ENA_REGS_RESET_ADMIN_TO,
	"miss_tx_cmpl":  enadrv.ENA_REGS_RESET_MISS_TX_CMPL,
}
