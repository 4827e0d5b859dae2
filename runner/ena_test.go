package runner

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/cosim"
	"github.com/nicforge/nicforge/driver/bus"
	"github.com/nicforge/nicforge/driver/cardctl"
	enadrv "github.com/nicforge/nicforge/driver/ena"
	"github.com/nicforge/nicforge/model/acl"
	"github.com/nicforge/nicforge/model/card"
	"github.com/nicforge/nicforge/model/ena"
	"github.com/nicforge/nicforge/model/ether"
	"github.com/nicforge/nicforge/model/mac"
	"github.com/nicforge/nicforge/model/pcie"
	"github.com/nicforge/nicforge/model/wire"
	"github.com/nicforge/nicforge/report"
	"github.com/nicforge/nicforge/rtl"
	"github.com/nicforge/nicforge/scenario"
	"github.com/nicforge/nicforge/sim"
	"github.com/nicforge/nicforge/verify/checker"
	"github.com/nicforge/nicforge/verify/conform"
)

// enaHost builds an ENA card on a host, with the protocol checkers on.
func enaHost(t *testing.T, cfg ena.Config) (*cosim.Host, *ena.Device, *card.Card) {
	t.Helper()
	dev := ena.New(cfg)
	c := card.New(dev, rtl.NewKernel(false), sim.CoreClock)
	// 100 Gb/s of Tx data needs more than Gen3 x8 carries downstream.
	h, err := cosim.NewHost(c, cosim.Config{Link: "gen4x16"})
	require.NoError(t, err)
	t.Cleanup(func() { h.Close() })
	// The ring checkers know the 82599's registers; for ENA only the DMA
	// domain rule applies so far.
	chk := checker.New(h.Memory())
	h.OnFault(chk.Fault)
	t.Cleanup(func() { require.Nil(t, chk.First(), "protocol") })
	return h, dev, c
}

// The driver probes the ENA PF in the Linux order: readless reads, a reset
// with its reason, the admin queue in polling mode, the features, the AENQ,
// interrupt mode; the link comes up through an AENQ event.
func TestENAProbe(t *testing.T) {
	for _, readlessOff := range []bool{false, true} {
		t.Run(map[bool]string{false: "readless", true: "direct reads"}[readlessOff], func(t *testing.T) {
			h, dev, c := enaHost(t, ena.Config{ReadlessOff: readlessOff})
			var d *enadrv.Device
			var probeTime time.Duration
			var mmioReads int
			h.OnMMIORead(func(pcie.Func, int, uint32, uint32, sim.Time) { mmioReads++ })
			h.Go("pf", h.Function(pcie.PF), func(fn bus.Function) {
				var err error
				d, err = enadrv.Probe(fn, enadrv.Config{NumCPUs: 4})
				require.NoError(t, err)
				probeTime = fn.Now()
				require.True(t, d.WaitLink(10*time.Millisecond), "the link comes up through the AENQ")
				require.NoError(t, d.SetMTU(9000))
				require.ErrorContains(t, d.SetMTU(64), "status 5")
				eni, err := d.ENIStats()
				require.NoError(t, err)
				require.Len(t, eni, 6, "customer metrics: the five allowance counters and the conntrack allowance")
				require.Contains(t, eni, "pps_allowance_exceeded")
				basic, err := d.BasicStats()
				require.NoError(t, err)
				require.Zero(t, basic[1], "nothing sent yet")
			})
			require.NoError(t, h.Run(sim.Second))
			require.NotNil(t, d)
			require.Empty(t, c.Errors())

			require.Equal(t, [6]byte(dev.MAC(pcie.PF)), d.Attr.MAC)
			require.Equal(t, uint32(9001), d.Attr.MaxMTU)
			require.Equal(t, 4, d.NumQueues, "bounded by the CPUs")
			require.Equal(t, uint32(0x1F), d.AENQEnabled)
			require.Equal(t, uint32(64), d.TxUsecs)
			require.Equal(t, uint32(20), d.RxUsecs)
			ver, spec := dev.HostInfo(pcie.PF)
			require.Equal(t, uint32(2|17<<8|'g'<<24), ver, "the host info page reached the device")
			require.Equal(t, uint16(0x0200), spec)
			require.Equal(t, 9000, dev.MTU(pcie.PF))
			reason, resets := dev.ResetReason(pcie.PF)
			require.Equal(t, 1, resets)
			require.Equal(t, uint32(0), reason, "NORMAL")
			if readlessOff {
				require.Positive(t, mmioReads)
			} else {
				require.Zero(t, mmioReads, "every register read went through MMIO_REG_READ")
			}
			// Reset: two phases of 1 ms seen through 5 ms polls; then ten
			// admin commands polled at 5 ms.
			require.Greater(t, probeTime, 40*time.Millisecond)
			require.Less(t, probeTime, 200*time.Millisecond)
		})
	}
}

// Garbage from a driver is flagged and the device keeps answering.
func TestENABadAdminInput(t *testing.T) {
	h, _, c := enaHost(t, ena.Config{})
	var after uint32
	h.Go("rogue", h.Function(pcie.PF), func(fn bus.Function) {
		aq, err := fn.AllocDMA(4096, 4096)
		require.NoError(t, err)
		fn.Write32(0, ena.OffAQ_BASE_LO, uint32(aq.IOVA))
		fn.Write32(0, ena.OffAQ_CAPS, 33|64<<16) // not a power of two
		fn.Write32(0, ena.OffAQ_DB, 1)
		fn.Write32(0, ena.OffAQ_CAPS, 32|64<<16)
		fn.Write32(0, ena.OffACQ_CAPS, 32|64<<16)
		fn.Write32(0, ena.OffAQ_DB, 2) // entries with phase 0: never written
		fn.Write32(0, ena.OffAQ_DB, 200)
		fn.Write32(0, 0x7F0, 1) // no register there
		fn.Delay(time.Millisecond)
		after = fn.Read32(0, ena.OffDEV_STS)
	})
	require.NoError(t, h.Run(sim.Second))
	var got []string
	for _, e := range c.Errors() {
		got = append(got, e.Detail)
	}
	require.Len(t, got, 4, "%q", got)
	require.Contains(t, got[0], "AQ_CAPS: depth 33 and entry size 64")
	require.Contains(t, got[1], "has phase 0, want 1")
	require.Contains(t, got[2], "AQ_DB 200 is 200 commands ahead")
	require.Contains(t, got[3], "unimplemented register offset 0x7f0")
	require.Equal(t, uint32(1), after, "still ready")
}

// Register conformance of the ENA block, derived from its regmap, on the
// PF and a VF of the ENA card.
func TestENAConforms(t *testing.T) {
	for _, f := range []pcie.Func{pcie.PF, pcie.VF(0)} {
		dev := ena.New(ena.Config{})
		c := card.New(dev, rtl.NewKernel(false), sim.CoreClock)
		c.Attach(nullHost{})
		tgt := &cardTarget{c: c, f: f, vfs: 2}
		enableVFs(c, 2, tgt.tick())
		r := conform.Run(ena.Regs, f.String(), tgt, conform.Options{})
		require.True(t, r.Passed(), "%s: %v", f, r.Failures)
		require.Greater(t, r.Checks, 40)
		for _, e := range c.Errors() {
			require.Contains(t, e.Detail, "unimplemented register offset", "only the access sequence's probes of holes are flagged")
		}
	}
}

// ENA host-mode datapath end to end: the driver opens four queue pairs,
// sends stamped frames on each to the wire at 100 Gb/s, and receives 16
// flows from the wire, spread by RSS; every frame arrives once, in order
// per stream, through completions with req_ids and phase bits, with
// moderated, auto-masked interrupts; each flow stays on one queue.
func TestENADatapath(t *testing.T) {
	h, dev, c := enaHost(t, ena.Config{})
	k := c.Kernel()
	sink := wire.NewSink()
	dev.MACTx.Peer = sink
	byteClk, err := mac.ByteClock("wire", 100_000_000_000)
	require.NoError(t, err)
	gen := wire.NewGenerator(k, "wire.gen", byteClk, 100_000_000_000, dev.Frames())
	gen.Out = dev.MACRx
	const perQ, fromWire = 3000, 4000
	var rxSeen ether.StreamCounter
	var sent [4]uint64
	flowQueue := map[uint16]int{}
	flowLast := map[uint16]uint64{}
	var perQueue [4]int
	var rxDelay [4]uint32
	h.Go("pf", h.Function(pcie.PF), func(fn bus.Function) {
		d, err := enadrv.Probe(fn, enadrv.Config{NumCPUs: 4})
		require.NoError(t, err)
		require.True(t, d.WaitLink(10*time.Millisecond))
		require.NoError(t, d.Open(512, 512))
		require.Equal(t, 4, d.NumQueuePairs())
		ws := &wire.Stream{ID: 9, Sizes: []int{1518}, PktsPerS: 2_000_000, Count: fromWire, Flows: 16, Start: sim.FromDuration(fn.Now() + 10*time.Microsecond)}
		ws.Flow = ether.Flow{Src: ether.MAC{2, 0, 0x5e, 0, 0, 1}, Dst: dev.MAC(pcie.PF), SrcIP: [4]byte{192, 0, 2, 1}, DstIP: [4]byte{10, 0, 0, 1}, SrcPort: 40000, DstPort: 9}
		gen.Add(ws, sim.NewRand(1))
		var tmpl [4]ether.Templates
		flows := [4]ether.Flow{}
		for q := range flows {
			flows[q] = ether.Flow{Src: dev.MAC(pcie.PF), Dst: ether.MAC{2, 0, 0x5e, 0, 0, 1}, SrcPort: uint16(1000 + q), DstPort: 9}
		}
		rx := make([]*enadrv.Packet, 64)
		deadline := fn.Now() + 20*time.Millisecond
		for fn.Now() < deadline && (rxSeen.Received < fromWire || sent[0]+sent[1]+sent[2]+sent[3] < 4*perQ) {
			for q := 0; q < 4; q++ {
				var batch []*enadrv.Packet
				for i := 0; i < min(32, d.TxRoom(q)) && sent[q]+uint64(len(batch)) < perQ; i++ {
					p := d.AllocPacket()
					if p == nil {
						break
					}
					p.Data = p.Data[:1514]
					tmpl[q].Build(p.Data, &flows[q], uint16(q+1), sent[q]+uint64(len(batch)))
					batch = append(batch, p)
				}
				got := d.TxBatch(q, batch)
				for _, p := range batch[got:] {
					d.FreePacket(p)
				}
				sent[q] += uint64(got)
			}
			for q := 0; q < 4; q++ {
				n := d.RxBatch(q, rx)
				for _, p := range rx[:n] {
					id, seq, err := ether.ParseStamp(p.Data)
					require.NoError(t, err)
					require.Equal(t, uint16(9), id)
					port := binary.BigEndian.Uint16(p.Data[34:])
					if prev, ok := flowQueue[port]; ok {
						require.Equal(t, prev, q, "flow %d stays on its queue", port)
					}
					flowQueue[port] = q
					perQueue[q]++
					if last, ok := flowLast[port]; ok {
						require.Greater(t, seq, last, "flow %d in order", port)
					}
					flowLast[port] = seq
					rxSeen.Count(seq, len(p.Data)+4)
					d.ReleaseRx(p)
				}
			}
			if d.Poll() == 0 {
				d.WaitInterrupt(20 * time.Microsecond)
			}
		}
		for q := 0; q < 4; q++ {
			require.Equal(t, uint64(perQ), sent[q], "queue %d", q)
		}
		// Drain: every Tx completion back.
		busy := func() bool {
			for q := 0; q < 4; q++ {
				if d.TxRoom(q) < 511 {
					return true
				}
			}
			return false
		}
		for busy() && fn.Now() < deadline {
			if d.Poll() == 0 {
				d.WaitInterrupt(100 * time.Microsecond)
			}
		}
		require.False(t, busy(), "every Tx completion came back")
		// A completion means the data is in the card; the MAC may still
		// hold the last frames: wait for the wire to have them all.
		onWire := func() bool {
			for q := uint16(1); q <= 4; q++ {
				if st := sink.Streams[q]; st == nil || st.Received < perQ {
					return false
				}
			}
			return true
		}
		for !onWire() && fn.Now() < deadline {
			d.WaitInterrupt(10 * time.Microsecond)
		}
		for q := range rxDelay {
			rxDelay[q] = d.RxInterval(q)
		}
	})
	require.NoError(t, h.Run(sim.Second))
	require.Empty(t, c.Errors())
	txp, _, rxp, _, drops := dev.Traffic(pcie.PF)
	require.Equal(t, uint64(fromWire), rxSeen.Received)
	require.Len(t, flowQueue, 16)
	for q, n := range perQueue {
		require.Positive(t, n, "RSS sends flows to queue %d too", q)
	}
	for q := uint16(1); q <= 4; q++ {
		st := sink.Streams[q]
		require.NotNil(t, st, "stream %d reached the wire", q)
		require.Equal(t, uint64(perQ), st.Received)
		require.Zero(t, st.OutOfOrder+st.Duplicates)
	}
	require.Equal(t, uint64(4*perQ), txp)
	require.Equal(t, uint64(fromWire), rxp)
	require.Zero(t, drops)
	msgs, unmasks := dev.Interrupts(pcie.PF, 1)
	require.Positive(t, msgs)
	require.GreaterOrEqual(t, unmasks, msgs, "every message was followed by an unmask before the next")
	// Adaptive moderation moved each busy Rx ring off the static 20 µs
	// to a DIM profile, and the device applies what the driver wrote.
	for q, us := range rxDelay {
		require.Contains(t, []uint32{1, 8, 64, 128, 256}, us, "queue %d Rx delay", q)
		rx, tx := dev.Moderation(pcie.PF, 1+q)
		require.Equal(t, sim.Time(us)*sim.Microsecond, rx, "queue %d", q)
		require.Equal(t, 64*sim.Microsecond, tx, "Tx stays static")
	}
}

// Keep-alive stops mid-traffic: the driver's watchdog (from the device's
// hint, 300 ms) resets the device with KEEP_ALIVE_TO at its next 1 s
// service, restores queues, RSS and moderation, and traffic resumes.
func TestENAKeepAliveRecovery(t *testing.T) {
	cfg := ena.Config{KeepAliveStop: 400 * sim.Millisecond, Hints: ena.Hints{DriverWatchdog: 300}}
	cfg.Timing = ena.DefaultTiming
	cfg.Timing.KeepAlive = 100 * sim.Millisecond
	h, dev, c := enaHost(t, cfg)
	sink := wire.NewSink()
	dev.MACTx.Peer = sink
	var d *enadrv.Device
	var sentAfter, sent uint64
	var resetAt time.Duration
	h.Go("pf", h.Function(pcie.PF), func(fn bus.Function) {
		var err error
		d, err = enadrv.Probe(fn, enadrv.Config{NumCPUs: 2})
		require.NoError(t, err)
		require.True(t, d.WaitLink(10*time.Millisecond))
		require.NoError(t, d.Open(256, 256))
		fl := ether.Flow{Src: dev.MAC(pcie.PF), Dst: ether.MAC{2, 0, 0x5e, 0, 0, 1}, SrcPort: 7, DstPort: 9}
		var tmpl ether.Templates
		next := fn.Now()
		for fn.Now() < 2500*time.Millisecond {
			if fn.Now() >= next && d.TxRoom(0) > 0 {
				if sendOne(d, &tmpl, &fl, 200, sent) {
					sent++
					if d.Resets > 0 {
						sentAfter++
					}
				}
				next += 100 * time.Microsecond
			}
			before := d.Resets
			d.Poll()
			require.NoError(t, d.Err())
			if d.Resets > before {
				resetAt = fn.Now()
			}
			// Sleep until the next frame is due, or a little when the ring
			// is full, so time moves on.
			d.WaitInterrupt(max(next-fn.Now(), 10*time.Microsecond))
		}
		// Drain.
		for i := 0; i < 100 && d.TxRoom(0) < 255; i++ {
			d.Poll()
			d.WaitInterrupt(time.Millisecond)
		}
	})
	require.NoError(t, h.Run(3*sim.Second))
	require.Empty(t, c.Errors())
	require.Equal(t, 1, d.Resets, "one reset")
	require.Equal(t, uint32(enadrv.ENA_REGS_RESET_KEEP_ALIVE_TO), d.LastReset)
	reason, resets := dev.ResetReason(pcie.PF)
	require.Equal(t, 2, resets, "the probe's and the watchdog's")
	require.Equal(t, uint32(enadrv.ENA_REGS_RESET_KEEP_ALIVE_TO), reason, "the device saw the reason")
	// Last keep-alive at 355 ms, watchdog 300 ms, service every second from
	// probe: the reset comes at the first service after 655 ms.
	require.Greater(t, resetAt, 655*time.Millisecond)
	require.Less(t, resetAt, 1700*time.Millisecond)
	require.Positive(t, d.KeepAlives())
	require.Greater(t, sentAfter, uint64(10000), "traffic resumed")
	st := sink.Streams[1]
	require.NotNil(t, st)
	// Frames the device held at the reset are lost, as on hardware; every
	// frame after it arrives.
	require.GreaterOrEqual(t, st.Received+256, sent)
	require.Greater(t, st.Received, sent-256)
}

// Tx completions stop coming: the driver's service finds more packets
// missing their completion for longer than the hinted timeout than the
// hinted threshold, resets with MISS_TX_CMPL, and sending works again.
func TestENAMissingTxCompletions(t *testing.T) {
	cfg := ena.Config{TxCompletionStop: 300 * sim.Millisecond, Hints: ena.Hints{MissingTxCompletion: 50, MissedTxThreshold: 16}}
	h, dev, c := enaHost(t, cfg)
	sink := wire.NewSink()
	dev.MACTx.Peer = sink
	var d *enadrv.Device
	var sentAfter uint64
	h.Go("pf", h.Function(pcie.PF), func(fn bus.Function) {
		var err error
		d, err = enadrv.Probe(fn, enadrv.Config{NumCPUs: 1})
		require.NoError(t, err)
		require.True(t, d.WaitLink(10*time.Millisecond))
		require.NoError(t, d.Open(256, 256))
		fl := ether.Flow{Src: dev.MAC(pcie.PF), Dst: ether.MAC{2, 0, 0x5e, 0, 0, 1}, SrcPort: 7, DstPort: 9}
		var tmpl ether.Templates
		var seq uint64
		for fn.Now() < 1500*time.Millisecond {
			if d.TxRoom(0) > 0 && sendOne(d, &tmpl, &fl, 128, seq) {
				seq++
				if d.Resets > 0 {
					sentAfter++
				}
			}
			d.Poll()
			require.NoError(t, d.Err())
			d.WaitInterrupt(200 * time.Microsecond)
		}
	})
	require.NoError(t, h.Run(2*sim.Second))
	require.Empty(t, c.Errors())
	require.Equal(t, 1, d.Resets)
	require.Equal(t, uint32(enadrv.ENA_REGS_RESET_MISS_TX_CMPL), d.LastReset)
	reason, _ := dev.ResetReason(pcie.PF)
	require.Equal(t, uint32(enadrv.ENA_REGS_RESET_MISS_TX_CMPL), reason)
	require.Greater(t, sentAfter, uint64(1000), "sending works again after the reset")
}

// The admin queue hangs: a statistics request times out after the
// device's admin timeout (CAPS: 1 s), the queue stops taking commands,
// the timer service resets the device with ADMIN_TO and restores it, and
// both traffic and admin commands work again.
func TestENAAdminTimeoutRecovery(t *testing.T) {
	h, dev, c := enaHost(t, ena.Config{AdminStop: 400 * sim.Millisecond})
	sink := wire.NewSink()
	dev.MACTx.Peer = sink
	var d *enadrv.Device
	var hung, refused, after error
	var hungFor time.Duration
	var sentAfter uint64
	h.Go("pf", h.Function(pcie.PF), func(fn bus.Function) {
		var err error
		d, err = enadrv.Probe(fn, enadrv.Config{NumCPUs: 1})
		require.NoError(t, err)
		require.True(t, d.WaitLink(10*time.Millisecond))
		require.NoError(t, d.Open(256, 256))
		fl := ether.Flow{Src: dev.MAC(pcie.PF), Dst: ether.MAC{2, 0, 0x5e, 0, 0, 1}, SrcPort: 7, DstPort: 9}
		var tmpl ether.Templates
		var seq uint64
		for fn.Now() < 3*time.Second {
			if hung == nil && fn.Now() > 500*time.Millisecond {
				start := fn.Now()
				_, hung = d.ENIStats()
				hungFor = fn.Now() - start
				_, refused = d.ENIStats()
			}
			if d.TxRoom(0) > 0 && sendOne(d, &tmpl, &fl, 128, seq) {
				seq++
				if d.Resets > 0 {
					sentAfter++
				}
			}
			d.Poll()
			require.NoError(t, d.Err())
			d.WaitInterrupt(200 * time.Microsecond)
		}
		_, after = d.ENIStats()
	})
	require.NoError(t, h.Run(4*sim.Second))
	require.Empty(t, c.Errors())
	require.ErrorContains(t, hung, "timed out after 1s")
	require.GreaterOrEqual(t, hungFor, time.Second)
	require.ErrorContains(t, refused, "admin queue is not running")
	require.Equal(t, 1, d.Resets)
	require.Equal(t, uint32(enadrv.ENA_REGS_RESET_ADMIN_TO), d.LastReset)
	reason, resets := dev.ResetReason(pcie.PF)
	require.Equal(t, 2, resets, "the probe's and the service's")
	require.Equal(t, uint32(enadrv.ENA_REGS_RESET_ADMIN_TO), reason)
	require.NoError(t, after, "admin commands work after the reset")
	require.Greater(t, sentAfter, uint64(1000), "traffic resumed")
}

// sendOne sends one stamped frame of size bytes on queue 0 of stream 1.
func sendOne(d *enadrv.Device, tmpl *ether.Templates, fl *ether.Flow, size int, seq uint64) bool {
	p := d.AllocPacket()
	if p == nil {
		return false
	}
	p.Data = p.Data[:size]
	tmpl.Build(p.Data, fl, 1, seq)
	if d.TxBatch(0, []*enadrv.Packet{p}) == 1 {
		return true
	}
	d.FreePacket(p)
	return false
}

// The card PF's provisioning block conforms to its regmap (BAR1 of the PF).
func TestCardPFConforms(t *testing.T) {
	dev := ena.New(ena.Config{})
	c := card.New(dev, rtl.NewKernel(false), sim.CoreClock)
	c.Attach(nullHost{})
	r := conform.Run(ena.CardPFRegs, "pf", &cardTarget{c: c, f: pcie.PF, bar: 1}, conform.Options{})
	require.True(t, r.Passed(), "%v", r.Failures)
	require.Greater(t, r.Checks, 30)
}

// cardctl provisions a VF's identity and allowances, reads its ENI
// counters back, and a command for a VF the card does not have fails
// with a clear error.
func TestCardctlProvisioning(t *testing.T) {
	h, dev, c := enaHost(t, ena.Config{TotalVFs: 4})
	v6 := netip.MustParseAddr("2001:db8::51").As16()
	var stats cardctl.Stats
	var bad error
	h.Go("pf", h.Function(pcie.PF), func(fn bus.Function) {
		ctl := cardctl.Open(fn)
		require.NoError(t, ctl.Provision(1, cardctl.Config{MAC: [6]byte{2, 0, 0, 0, 0, 0x51}, IPv4: [4]byte{10, 1, 2, 3}, IPv6: v6, MTU: 9001, BWOut: 5e9, PPS: 1e6}))
		require.NoError(t, ctl.EnableVFs(2))
		var err error
		stats, err = ctl.Stats(1)
		require.NoError(t, err)
		bad = ctl.Provision(9, cardctl.Config{})
	})
	require.NoError(t, h.Run(sim.Second))
	require.Empty(t, c.Errors())
	got, ok := dev.VF(1)
	require.True(t, ok)
	require.Equal(t, ena.VFConfig{MAC: [6]byte{2, 0, 0, 0, 0, 0x51}, IPv4: [4]byte{10, 1, 2, 3}, IPv6: v6, MTU: 9001, BWOut: 5e9, PPS: 1e6, LinkLocalPPS: cardctl.DefaultLinkLocalPPS}, got)
	require.Equal(t, [6]byte(got.MAC), [6]byte(dev.MAC(pcie.VF(1))), "the VF reports the provisioned MAC")
	require.Equal(t, cardctl.Stats{}, stats)
	require.ErrorContains(t, bad, "command 1 for VF 9 refused")
}

func TestConformENACard(t *testing.T) {
	reps, err := Conform(ConformOptions{Personality: "ena", Elements: 4})
	require.NoError(t, err)
	var blocks []string
	for _, r := range reps {
		require.True(t, r.Passed(), "%s %s: %v", r.Function, r.Block, r.Failures)
		blocks = append(blocks, r.Function+"/"+r.Block)
	}
	require.Equal(t, []string{"pf/ena", "pf/card_pf", "pf/acl", "vf0/ena", "vf1/ena"}, blocks)
	_, err = Conform(ConformOptions{Personality: "e1000"})
	require.ErrorContains(t, err, `personality "e1000"`)
}

// ENA protocol checks, each proven by the fault it is meant to catch.
func TestENAMutationsAreCaught(t *testing.T) {
	sc, err := scenario.Load("../testbenches/ena_default.yaml")
	require.NoError(t, err)
	for _, tc := range []struct{ mutation, says string }{
		{"stale_phase", "ena_phase at"},
		{"bogus_req_id", "ena_tx_req_id at"},
		{"unknown_cmd_id", "ena_cmd_id at"},
		{"doorbell_beyond", "ena_doorbell at"},
	} {
		t.Run(tc.mutation, func(t *testing.T) {
			r, err := Run(sc, Options{Mutation: tc.mutation})
			require.NoError(t, err)
			require.False(t, r.Pass)
			for _, c := range r.Checks {
				if c.Name == "protocol" {
					require.False(t, c.Pass)
					require.Contains(t, c.Detail, tc.says)
					return
				}
			}
			t.Fatal("no protocol check in the report")
		})
	}
	// Moderation needs interrupts: an interrupt-mode VF under load, where
	// completions arrive while NAPI has the vector masked.
	sc, err = scenario.Load("../testbenches/ena_moderation.yaml")
	require.NoError(t, err)
	sc.Traffic[0].Rate = scenario.Rate{PacketsPerSec: 2e6}
	r, err := Run(sc, Options{Mutation: "early_irq"})
	require.NoError(t, err)
	require.False(t, r.Pass)
	require.Equal(t, "protocol", r.Checks[1].Name)
	require.Contains(t, r.Checks[1].Detail, "ena_moderation at")
}

// An ACL that forgets its connections drops the replies the oracle lets
// through: the scoreboard names the stream.
func TestACLMutationIsCaught(t *testing.T) {
	sc, err := scenario.Load("../testbenches/acl_default.yaml")
	require.NoError(t, err)
	r, err := Run(sc, Options{Mutation: "acl_stateless"})
	require.NoError(t, err)
	require.False(t, r.Pass)
	failed := map[string]string{}
	for _, c := range r.Checks {
		if !c.Pass {
			failed[c.Name] = c.Detail
		}
	}
	require.Contains(t, failed, "delivered:dns-reply", "the replies to the VF's DNS queries: %v", failed)
	require.Contains(t, failed["delivered:dns-reply"], "missing 20")
	require.Contains(t, failed, "acl:vf0", "the card's counters disagree with the prediction")
	require.NotContains(t, failed, "delivered:http-in", "rule-allowed traffic is not affected")
}

// cardctl replaces a VF's rules atomically, and a set beyond the VF's
// quota is refused, naming the rules, with the old set still in force.
func TestCardctlACL(t *testing.T) {
	h, dev, c := enaHost(t, ena.Config{TotalVFs: 2, ACLQuota: 16})
	web := cardctl.SecurityGroup{Inbound: []cardctl.SGRule{{Protocol: "tcp", Ports: "80", CIDR: "0.0.0.0/0"}}}
	huge := cardctl.SecurityGroup{Inbound: []cardctl.SGRule{{Protocol: "tcp", Ports: "1-65534", CIDR: "0.0.0.0/0"}}}
	tls := cardctl.SecurityGroup{Inbound: []cardctl.SGRule{{Protocol: "tcp", Ports: "443", CIDR: "0.0.0.0/0"}}}
	blk := dev.ACLBlock()
	// What the active bank holds at the driver's now, judged without
	// tracking (a fresh tracker for each probe). The driver context is
	// the only one running, and the card has advanced to its time.
	probe := func(fn bus.Function, port uint16) acl.Reason {
		f := &acl.Flow{Dir: acl.Ingress, VF: 1, Proto: acl.ProtoTCP, SrcPort: 40000, DstPort: port}
		f.Src[0], f.Dst[0] = 192, 10
		blk.Pipe.Tracker = acl.NewConntrack(16, acl.DefaultTimeouts)
		return blk.Decide(f, sim.FromDuration(fn.Now())).Reason
	}
	var first, refused, third int
	var refusal error
	var stats cardctl.ACLStats
	var seen [3][2]acl.Reason
	h.Go("pf", h.Function(pcie.PF), func(fn bus.Function) {
		ctl := cardctl.Open(fn)
		var err error
		first, err = ctl.SetACL(1, &web, cardctl.DefaultNetworkACL())
		require.NoError(t, err)
		seen[0] = [2]acl.Reason{probe(fn, 80), probe(fn, 443)}
		refused, refusal = ctl.SetACL(1, &huge, cardctl.DefaultNetworkACL())
		seen[1] = [2]acl.Reason{probe(fn, 80), probe(fn, 443)}
		third, err = ctl.SetACL(1, &tls, cardctl.DefaultNetworkACL())
		require.NoError(t, err)
		seen[2] = [2]acl.Reason{probe(fn, 80), probe(fn, 443)}
		stats, err = ctl.ACLStats(1)
		require.NoError(t, err)
	})
	require.NoError(t, h.Run(sim.Second))
	require.Empty(t, c.Errors())
	require.Equal(t, 5, first, "1 SG entry, 4 network-ACL entries (allow all, IPv4 and IPv6, in and out)")
	require.ErrorIs(t, refusal, cardctl.ErrDoesNotFit)
	require.ErrorContains(t, refusal, "VF 1: the rule set does not fit the ACL table: 34 entries needed, 16 available")
	require.ErrorContains(t, refusal, "security group inbound rule 0: 30 entries")
	require.Zero(t, refused)
	require.Equal(t, 5, third)
	require.Equal(t, [2]acl.Reason{acl.Allowed, acl.DeniedSG}, seen[0], "the first set: 80 in")
	require.Equal(t, seen[0], seen[1], "after the refusal the first set is still in force")
	require.Equal(t, [2]acl.Reason{acl.DeniedSG, acl.Allowed}, seen[2], "the third set: 443 in, 80 no more")
	require.Equal(t, cardctl.ACLStats{Allowed: 3, Denied: 3, Tracked: 1}, stats, "the probes, counted; the last allowed one tracked")
}

// capture keeps a copy of every frame the card sends.
type capture struct{ frames [][]byte }

func (c *capture) Receive(f *ether.Frame, _ sim.Time) bool {
	c.frames = append(c.frames, append([]byte(nil), f.Data...))
	return false
}

// checksum is the Internet checksum of b, starting from s.
func checksum(b []byte, s uint32) uint16 {
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s>>16 != 0 {
		s = s&0xFFFF + s>>16
	}
	return uint16(s)
}

// Frames in three buffers each (scatter-gather), with checksum offload
// through meta descriptors: the driver sends a meta descriptor only when
// the offload metadata changes, the device joins the buffers in order,
// fills the IPv4 header and TCP/UDP checksums, and every descriptor comes
// back with its packet's completion.
func TestENATxScatterGatherOffload(t *testing.T) {
	for _, llq := range []bool{false, true} {
		t.Run(map[bool]string{false: "host", true: "llq"}[llq], func(t *testing.T) { txScatterGatherOffload(t, llq) })
	}
}

func txScatterGatherOffload(t *testing.T, llq bool) {
	h, dev, c := enaHost(t, ena.Config{LLQ: llq})
	cp := &capture{}
	dev.MACTx.Peer = cp
	const frames = 300
	var want [][]byte
	var room int
	h.Go("pf", h.Function(pcie.PF), func(fn bus.Function) {
		d, err := enadrv.Probe(fn, enadrv.Config{NumCPUs: 1})
		require.NoError(t, err)
		require.True(t, d.WaitLink(10*time.Millisecond))
		require.NoError(t, d.Open(256, 256))
		require.NotZero(t, d.TxOffloads&(1<<1), "the device offers IPv4 L4 partial checksums")
		require.Equal(t, llq, d.LLQ())
		room = d.TxRoom(0)
		for i := 0; i < frames; i++ {
			// An IPv4 frame, TCP or UDP in pairs (the second of a pair
			// reuses the meta descriptor the device stored): headers with
			// zero IP checksum and the pseudo-header sum in the L4
			// checksum field, as a stack hands over CHECKSUM_PARTIAL.
			proto, l4proto, l4len, csumAt := byte(6), uint8(enadrv.ENA_ETH_IO_L4_PROTO_TCP), 20, 16
			if i/2%2 == 1 {
				proto, l4proto, l4len, csumAt = 17, enadrv.ENA_ETH_IO_L4_PROTO_UDP, 8, 6
			}
			size := 200 + (7*i)%1300
			frame := make([]byte, size)
			frame[12], frame[13] = 0x08, 0x00
			ip := frame[14:]
			ip[0], ip[8], ip[9] = 0x45, 64, proto
			binary.BigEndian.PutUint16(ip[2:], uint16(size-14))
			copy(ip[12:], []byte{10, 0, 0, 1, 192, 0, 2, byte(i)})
			l4 := ip[20:]
			binary.BigEndian.PutUint16(l4[0:], uint16(1000+i))
			binary.BigEndian.PutUint16(l4[2:], 80)
			if proto == 17 {
				binary.BigEndian.PutUint16(l4[4:], uint16(size-34))
			} else {
				l4[12] = 5 << 4
			}
			for k := 34 + l4len; k < size; k++ {
				frame[k] = byte(k * (i + 3))
			}
			pseudo := checksum(ip[12:20], uint32(proto)+uint32(size-34))
			binary.BigEndian.PutUint16(l4[csumAt:], pseudo)
			// The expected frame: both checksums done.
			exp := append([]byte(nil), frame...)
			binary.BigEndian.PutUint16(exp[24:], ^checksum(exp[14:34], 0))
			binary.BigEndian.PutUint16(exp[34+csumAt:], 0)
			sum := ^checksum(exp[34:], uint32(proto)+uint32(size-34)+uint32(checksum(exp[26:34], 0)))
			if sum == 0 && proto == 17 {
				sum = 0xFFFF
			}
			binary.BigEndian.PutUint16(exp[34+csumAt:], sum)
			want = append(want, exp)
			// Three buffers: the headers, a middle, the rest.
			cuts := []int{0, 34 + l4len, 34 + l4len + 50, size}
			var head, prev *enadrv.Packet
			for s := 0; s < 3; s++ {
				p := d.AllocPacket()
				for tries := 0; p == nil && tries < 100; tries++ {
					d.Poll() // every buffer is in flight: wait for completions
					d.WaitInterrupt(50 * time.Microsecond)
					p = d.AllocPacket()
				}
				require.NotNil(t, p)
				p.Data = append(p.Data[:0], frame[cuts[s]:cuts[s+1]]...)
				if head == nil {
					head = p
				} else {
					prev.Next = p
				}
				prev = p
			}
			head.Offload = &enadrv.TxOffload{L3Proto: enadrv.ENA_ETH_IO_L3_PROTO_IPV4, L4Proto: l4proto, L3Csum: true, L4Csum: true,
				L3HdrLen: 20, L3HdrOff: 14, L4HdrLenWords: uint8(l4len / 4)}
			for d.TxBatch(0, []*enadrv.Packet{head}) == 0 {
				d.Poll()
				d.WaitInterrupt(50 * time.Microsecond)
			}
		}
		for i := 0; i < 200 && d.TxRoom(0) < room; i++ {
			d.Poll()
			d.WaitInterrupt(50 * time.Microsecond)
		}
		room -= d.TxRoom(0)
	})
	require.NoError(t, h.Run(sim.Second))
	require.Empty(t, c.Errors(), "the card flagged nothing")
	require.Zero(t, room, "every descriptor (meta and data) came back with its completion")
	require.Len(t, cp.frames, frames)
	for i, got := range cp.frames {
		require.True(t, bytes.Equal(want[i], got[:len(want[i])]), "frame %d differs", i)
		require.Equal(t, uint16(0xFFFF), checksum(got[14:34], 0), "frame %d: IPv4 header checksum", i)
	}
}

// Polling mode (a DPDK-style application): the IO vectors are never
// unmasked, so the device raises no IO interrupt, and Poll alone cleans
// every Tx queue: each completion comes back without one.
func TestENAPollingMode(t *testing.T) {
	h, dev, _ := enaHost(t, ena.Config{})
	sink := wire.NewSink()
	dev.MACTx.Peer = sink
	const perQ = 600
	h.Go("pf", h.Function(pcie.PF), func(fn bus.Function) {
		d, err := enadrv.Probe(fn, enadrv.Config{NumCPUs: 2, Polling: true})
		require.NoError(t, err)
		require.True(t, d.WaitLink(10*time.Millisecond))
		require.NoError(t, d.Open(256, 256))
		var tmpl [2]ether.Templates
		var sent [2]uint64
		deadline := fn.Now() + 10*time.Millisecond
		for (sent[0] < perQ || sent[1] < perQ || d.TxRoom(0) < 255 || d.TxRoom(1) < 255) && fn.Now() < deadline {
			for q := 0; q < 2; q++ {
				var batch []*enadrv.Packet
				for i := 0; i < min(32, d.TxRoom(q)) && sent[q]+uint64(len(batch)) < perQ; i++ {
					p := d.AllocPacket()
					p.Data = p.Data[:1514]
					fl := ether.Flow{Src: dev.MAC(pcie.PF), Dst: ether.MAC{2, 0, 0x5e, 0, 0, 1}, SrcPort: uint16(1000 + q), DstPort: 9}
					tmpl[q].Build(p.Data, &fl, uint16(q+1), sent[q]+uint64(len(batch)))
					batch = append(batch, p)
				}
				sent[q] += uint64(d.TxBatch(q, batch))
			}
			d.Poll()
			fn.Spend(200 * time.Nanosecond)
		}
		require.Equal(t, [2]uint64{perQ, perQ}, sent)
		require.Equal(t, 255, d.TxRoom(0), "every Tx completion of queue 0 cleaned by Poll")
		require.Equal(t, 255, d.TxRoom(1), "every Tx completion of queue 1 cleaned by Poll")
		// A completion means the data is in the card: let the MAC drain.
		for (sink.Streams[1] == nil || sink.Streams[2] == nil || sink.Streams[1].Received+sink.Streams[2].Received < 2*perQ) && fn.Now() < deadline {
			fn.Spend(time.Microsecond)
		}
	})
	require.NoError(t, h.Run(sim.Second))
	for v := 1; v <= 2; v++ {
		msgs, unmasks := dev.Interrupts(pcie.PF, v)
		require.Zero(t, msgs, "IO vector %d raised no message", v)
		require.Zero(t, unmasks, "IO vector %d was never unmasked", v)
	}
	for q := uint16(1); q <= 2; q++ {
		require.Equal(t, uint64(perQ), sink.Streams[q].Received, "stream %d on the wire", q)
	}
}

// ENA interrupt moderation under load: with a static Rx delay the vector
// fires about once per delay however busy the queue (completions written
// while NAPI had the vector masked count their delay from the first of
// them), so the message rate falls as the delay grows and packets per
// interrupt rise with the load. rx_usecs and tx_usecs come from the
// scenario, as ethtool -C sets them.
func TestENAStaticModerationUnderLoad(t *testing.T) {
	sc, err := scenario.Load("../testbenches/ena_moderation.yaml")
	require.NoError(t, err)
	rate := func(usecs int, pps float64) float64 {
		s := *sc
		s.Functions = slices.Clone(sc.Functions)
		s.Traffic = slices.Clone(sc.Traffic)
		s.Functions[1].RxUsecs = usecs
		s.Traffic[0].Rate = scenario.Rate{PacketsPerSec: pps}
		r, err := Run(&s, Options{Duration: time.Millisecond})
		require.NoError(t, err)
		for _, c := range r.Checks {
			require.True(t, c.Pass, "rx_usecs %d at %g pps: %s: %s", usecs, pps, c.Name, c.Detail)
		}
		return r.Functions[1].InterruptsPerSec
	}
	const pairs = 2
	for _, usecs := range []int{16, 64, 256} {
		ceiling := pairs * 1e6 / float64(usecs) * 1.1 // one per delay per pair, some slack for the window's edges
		got := rate(usecs, 2e6)
		require.LessOrEqual(t, got, ceiling, "rx_usecs %d at 2 Mpps: %.0f interrupts/s", usecs, got)
		require.Greater(t, got, ceiling/4, "rx_usecs %d at 2 Mpps: the vectors still fire (%.0f/s)", usecs, got)
	}
	require.Greater(t, rate(0, 400e3), 10*rate(64, 400e3), "no delay: an interrupt per completion")
}

// With BQL a line-rate sender keeps no more bytes in a Tx queue than the
// dynamic limit (plus the packet that crossed it), the limit settles far
// below the ring, and every frame still reaches the wire.
func TestENABQLBoundsTheQueue(t *testing.T) {
	h, dev, _ := enaHost(t, ena.Config{})
	sink := wire.NewSink()
	dev.MACTx.Peer = sink
	const perQ, ring, frame = 3000, 1024, 1514
	var maxOver int
	var limit uint32
	h.Go("pf", h.Function(pcie.PF), func(fn bus.Function) {
		d, err := enadrv.Probe(fn, enadrv.Config{NumCPUs: 1, Polling: true, BQL: true})
		require.NoError(t, err)
		require.True(t, d.WaitLink(10*time.Millisecond))
		require.NoError(t, d.Open(ring, 256))
		var tmpl ether.Templates
		var sent uint64
		deadline := fn.Now() + 10*time.Millisecond
		for sent < perQ && fn.Now() < deadline {
			d.Poll()
			var batch []*enadrv.Packet
			for i := 0; i < min(32, d.TxRoom(0)) && sent+uint64(len(batch)) < perQ; i++ {
				p := d.AllocPacket()
				p.Data = p.Data[:frame]
				fl := ether.Flow{Src: dev.MAC(pcie.PF), Dst: ether.MAC{2, 0, 0x5e, 0, 0, 1}, SrcPort: 1000, DstPort: 9}
				tmpl.Build(p.Data, &fl, 1, sent+uint64(len(batch)))
				batch = append(batch, p)
			}
			n := d.TxBatch(0, batch)
			require.Equal(t, len(batch), n, "TxRoom never offers more than TxBatch takes")
			sent += uint64(n)
			l, inFlight, ok := d.TxLimit(0)
			require.True(t, ok)
			maxOver = max(maxOver, int(inFlight)-int(l))
			limit = l
			fn.Spend(2 * time.Microsecond) // NAPI-like: completions come in batches
		}
		require.Equal(t, uint64(perQ), sent)
		for (sink.Streams[1] == nil || sink.Streams[1].Received < perQ) && fn.Now() < deadline {
			fn.Spend(time.Microsecond)
		}
	})
	require.NoError(t, h.Run(sim.Second))
	require.NotNil(t, sink.Streams[1])
	assert.Equal(t, uint64(perQ), sink.Streams[1].Received, "every frame on the wire")
	assert.LessOrEqual(t, maxOver, frame, "in flight never beyond the limit by more than the packet that crossed it")
	assert.Greater(t, limit, uint32(0), "starvation grew the limit")
	assert.Less(t, limit, uint32(ring*frame/4), "the limit settles far below the ring's %d bytes", ring*frame)
}

// ena_bql.yaml: with BQL the line rate holds and every Tx stream's p99
// latency stays under its bound; the same run without BQL keeps the line
// rate but fails the latency checks, each queue holding a full ring.
func TestENABQLScenario(t *testing.T) {
	run := func(bql bool) map[string]report.Check {
		sc, err := scenario.Load("../testbenches/ena_bql.yaml")
		require.NoError(t, err)
		for i := range sc.Functions {
			if sc.Functions[i].Name == "vf0" {
				sc.Functions[i].BQL = bql
			}
		}
		r, err := Run(sc, Options{})
		require.NoError(t, err)
		checks := map[string]report.Check{}
		for _, c := range r.Checks {
			checks[c.Name] = c
		}
		return checks
	}
	on, off := run(true), run(false)
	for _, q := range []string{"tx-q0", "tx-q1", "tx-q2", "tx-q3"} {
		assert.True(t, on["latency:"+q].Pass, "BQL: %s", on["latency:"+q].Detail)
		assert.False(t, off["latency:"+q].Pass, "no BQL: %s", off["latency:"+q].Detail)
	}
	assert.True(t, on["line_rate:uplink:tx"].Pass, on["line_rate:uplink:tx"].Detail)
	assert.True(t, off["line_rate:uplink:tx"].Pass, off["line_rate:uplink:tx"].Detail)
}

// The device writes Tx completions back a cache line at a time under load
// (8 entries a DMA write), and a lone packet's completion at most
// TxCompletionFlush late; with TxCompletionBatch 1 every completion is a
// write of its own. The checker verifies each entry's slot and phase.
func TestENATxCompletionWriteBack(t *testing.T) {
	const burst, frame = 2000, 1514
	type result struct {
		packets, writes uint64
		lone            time.Duration // one packet alone: TxBatch to its completion
	}
	run := func(batch int) result {
		h, dev, _ := enaHost(t, ena.Config{TxCompletionBatch: batch})
		dev.MACTx.Peer = wire.NewSink()
		var lone time.Duration
		h.Go("pf", h.Function(pcie.PF), func(fn bus.Function) {
			d, err := enadrv.Probe(fn, enadrv.Config{NumCPUs: 1, Polling: true})
			require.NoError(t, err)
			require.True(t, d.WaitLink(10*time.Millisecond))
			require.NoError(t, d.Open(1024, 256))
			var tmpl ether.Templates
			fl := ether.Flow{Src: dev.MAC(pcie.PF), Dst: ether.MAC{2, 0, 0x5e, 0, 0, 1}, SrcPort: 1000, DstPort: 9}
			send := func(seq uint64, n int) int {
				var batch []*enadrv.Packet
				for i := 0; i < n; i++ {
					p := d.AllocPacket()
					p.Data = p.Data[:frame]
					tmpl.Build(p.Data, &fl, 1, seq+uint64(i))
					batch = append(batch, p)
				}
				return d.TxBatch(0, batch)
			}
			deadline := fn.Now() + 10*time.Millisecond
			sent := 0
			for (sent < burst || d.TxRoom(0) < 1023) && fn.Now() < deadline {
				if sent < burst && d.TxRoom(0) >= 32 {
					sent += send(uint64(sent), min(32, burst-sent))
				}
				d.Poll()
				fn.Spend(100 * time.Nanosecond)
			}
			require.Equal(t, burst, sent)
			// The line idle, one packet on its own.
			fn.Spend(50 * time.Microsecond)
			t0 := fn.Now()
			require.Equal(t, 1, send(burst, 1))
			for d.TxRoom(0) < 1023 && fn.Now() < deadline {
				d.Poll()
				fn.Spend(10 * time.Nanosecond)
			}
			lone = fn.Now() - t0
		})
		require.NoError(t, h.Run(sim.Second))
		q := dev.Queues(pcie.PF)
		require.NotEmpty(t, q)
		return result{q[0].TxPackets, q[0].TxCompletionWrites, lone}
	}
	one, coalesced := run(1), run(0)
	assert.Equal(t, uint64(burst+1), one.packets)
	assert.Equal(t, one.packets, one.writes, "batch 1: a write per completion")
	assert.Equal(t, uint64(burst+1), coalesced.packets)
	assert.LessOrEqual(t, coalesced.writes, coalesced.packets/6, "under load nearly every write carries a full line of 8")
	assert.GreaterOrEqual(t, coalesced.writes, coalesced.packets/8, "never more than 8 in a write")
	late := coalesced.lone - one.lone
	assert.InDelta(t, float64(time.Microsecond), float64(late), float64(50*time.Nanosecond),
		"a lone completion waits TxCompletionFlush (1 µs) for company: %v alone vs %v", coalesced.lone, one.lone)
}

// Quiet says a pass would do nothing only when it would: whenever it is
// true, Poll cleans nothing and no Rx queue has a frame or a refill due.
func TestENAQuietIsExact(t *testing.T) {
	h, dev, c := enaHost(t, ena.Config{})
	dev.MACTx.Peer = wire.NewSink()
	byteClk, err := mac.ByteClock("wire", 100_000_000_000)
	require.NoError(t, err)
	gen := wire.NewGenerator(c.Kernel(), "wire.gen", byteClk, 100_000_000_000, dev.Frames())
	gen.Out = dev.MACRx
	var quiet, busy int
	h.Go("pf", h.Function(pcie.PF), func(fn bus.Function) {
		d, err := enadrv.Probe(fn, enadrv.Config{NumCPUs: 2, Polling: true})
		require.NoError(t, err)
		require.True(t, d.WaitLink(10*time.Millisecond))
		require.NoError(t, d.Open(256, 256))
		ws := &wire.Stream{ID: 9, Sizes: []int{1518}, PktsPerS: 500_000, Count: 300, Flows: 8, Start: sim.FromDuration(fn.Now() + 5*time.Microsecond)}
		ws.Flow = ether.Flow{Src: ether.MAC{2, 0, 0x5e, 0, 0, 1}, Dst: dev.MAC(pcie.PF), SrcIP: [4]byte{192, 0, 2, 1}, DstIP: [4]byte{10, 0, 0, 1}, SrcPort: 40000, DstPort: 9}
		gen.Add(ws, sim.NewRand(1))
		var tmpl ether.Templates
		fl := ether.Flow{Src: dev.MAC(pcie.PF), Dst: ether.MAC{2, 0, 0x5e, 0, 0, 1}, SrcPort: 1000, DstPort: 9}
		rx := make([]*enadrv.Packet, 64)
		sent := 0
		deadline := fn.Now() + 2*time.Millisecond
		for fn.Now() < deadline {
			if sent < 2000 && d.TxRoom(0) >= 32 {
				var batch []*enadrv.Packet
				for i := 0; i < 32; i++ {
					p := d.AllocPacket()
					p.Data = p.Data[:1514]
					tmpl.Build(p.Data, &fl, 1, uint64(sent+i))
					batch = append(batch, p)
				}
				sent += d.TxBatch(0, batch)
			}
			q := d.Quiet()
			work := d.Poll()
			for k := 0; k < d.NumQueuePairs(); k++ {
				n := d.RxBatch(k, rx)
				work += n
				for _, p := range rx[:n] {
					d.ReleaseRx(p)
				}
			}
			if q {
				quiet++
				require.Zero(t, work, "a quiet pass found work at %v", fn.Now())
			} else {
				busy++
			}
			fn.Spend(150 * time.Nanosecond)
		}
	})
	require.NoError(t, h.Run(sim.Second))
	assert.Greater(t, quiet, 1000, "quiet passes")
	assert.Greater(t, busy, 300, "passes with work")
}

// The Tx engine serves its queues round robin from the one after the last
// that sent: four line-rate queues share the link evenly (before, the
// turn order advanced per engine run and one queue got twice the others).
func TestENATxQueuesShareTheLink(t *testing.T) {
	sc, err := scenario.Load("../testbenches/ena_default.yaml")
	require.NoError(t, err)
	r, err := Run(sc, Options{})
	require.NoError(t, err)
	var counts []float64
	for _, s := range r.Streams {
		if strings.HasPrefix(s.Name, "tx-q") {
			counts = append(counts, float64(s.Received))
		}
	}
	require.Len(t, counts, 4)
	mean := (counts[0] + counts[1] + counts[2] + counts[3]) / 4
	for i, c := range counts {
		assert.InDelta(t, mean, c, 0.05*mean, "queue %d: %v frames against a mean of %.0f", i, c, mean)
	}
}

// stats_every reads the statistics through the admin queue (two GET_STATS
// per read), and the recovered check holds the reset to its reason:
// ena_admin_timeout passes with admin_to, fails when it asks for another
// reason, and fails without its fault, when nothing resets.
func TestENAStatsReadsAndResetReason(t *testing.T) {
	load := func() *scenario.Scenario {
		sc, err := scenario.Load("../testbenches/ena_admin_timeout.yaml")
		require.NoError(t, err)
		return sc
	}
	recovered := func(sc *scenario.Scenario) (report.Check, *report.Report) {
		r, err := Run(sc, Options{})
		require.NoError(t, err)
		for _, c := range r.Checks {
			if c.Name == "recovered:vf0" {
				return c, r
			}
		}
		t.Fatalf("no recovered check in %+v", r.Checks)
		return report.Check{}, nil
	}

	for _, name := range scenario.ResetReasons {
		require.Contains(t, enaResetReasons, name, "every reason a scenario may name has its code")
	}
	c, r := recovered(load())
	require.True(t, c.Pass, c.Detail)
	require.Contains(t, c.Detail, "the device's last reason 2 (want admin_to, 2)")
	require.EqualValues(t, 2, r.Functions[1].Resets, "the probe's reset and the driver's")

	sc := load()
	sc.Expect[0].Reason = "keep_alive_to"
	c, _ = recovered(sc)
	require.False(t, c.Pass, "a reset for ADMIN_TO is not one for KEEP_ALIVE_TO")
	require.Contains(t, c.Detail, "(want keep_alive_to, 1)")

	sc = load()
	sc.Faults = nil
	c, r = recovered(sc)
	require.False(t, c.Pass, "nothing resets the device without the fault: %s", c.Detail)
	// 2.2 s of traffic, a read every 100 ms from the first poll on: 22 or
	// 23 reads of two GET_STATS each.
	reads := r.Coverage.Counts["ena/admin_opcode/get_stats"]
	require.GreaterOrEqual(t, reads, uint64(2*21), "GET_STATS commands")
	require.LessOrEqual(t, reads, uint64(2*23), "GET_STATS commands")
	require.Zero(t, r.Functions[1].Drops, "reads that answer do not stall the loop long enough to lose frames")
	require.EqualValues(t, 1, r.Functions[1].Resets, "the probe's reset only")
}
