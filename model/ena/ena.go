package ena

import (
	"fmt"

	"encoding/binary"
	"github.com/nicforge/nicforge/model/acl"

	"github.com/nicforge/nicforge/model/card"
	"github.com/nicforge/nicforge/model/ether"
	"github.com/nicforge/nicforge/model/mac"
	"github.com/nicforge/nicforge/model/pcie"
	"github.com/nicforge/nicforge/rtl"
	"github.com/nicforge/nicforge/sim"
)

// PCI identity (ena_pci_id_tbl.h).
const (
	VendorAmazon = 0x1D0F
	DevicePF     = 0x0EC2
	DeviceVF     = 0xEC20
)

// Timing is the device's timing parameters.
type Timing struct {
	ResetAssert     sim.Time // DEV_CTL.reset = 1 to DEV_STS.RESET_IN_PROGRESS
	ResetDeassert   sim.Time // DEV_CTL = 0 to READY again
	ReadlessLatency sim.Time // MMIO_REG_READ write to the response DMA
	AdminLatency    sim.Time // one admin command, fetch to completion
	KeepAlive       sim.Time // AENQ KEEP_ALIVE period
	TxStart         sim.Time // a Tx doorbell to the engine's first descriptor fetch
}

// DefaultTiming: a reset takes 1 ms each way (CAPS allows 500 ms), a
// readless read 1 µs, an admin command 10 µs, a keep-alive every second
// as the driver's README says.
var DefaultTiming = Timing{
	ResetAssert:     sim.Millisecond,
	ResetDeassert:   sim.Millisecond,
	ReadlessLatency: sim.Microsecond,
	AdminLatency:    10 * sim.Microsecond,
	KeepAlive:       sim.Second,
	TxStart:         8 * sim.Nanosecond,
}

// Config shapes the device.
type Config struct {
	TotalVFs  uint16
	MaxQueues int // queue pairs per function
	MaxMTU    int // bytes, without the L2 header
	LinkMbps  uint32
	TxBuffer  int // MAC transmit buffer, bytes (default 256 KiB)
	// TxRefill is the room in the MAC buffer at which a Tx engine that
	// waits for room resumes (default 32 KiB, at most TxBuffer): it
	// refills in bursts, as a DMA engine behind a FIFO watermark does,
	// with 224 KiB (18 µs at 100 Gb/s) still queued for the line.
	TxRefill int
	// TxCompletionBatch is how many Tx completions the device writes back
	// in one DMA write (default 8: one 64-byte line of 8-byte entries; 1
	// writes each on its own). A batch goes when it is full, at the end
	// of the ring, or TxCompletionFlush (default 1 µs) after the data of
	// its first packet was in, whichever comes first: write-back
	// coalescing as NICs do it, a TLP per cache line instead of a TLP per
	// packet.
	TxCompletionBatch int
	TxCompletionFlush sim.Time
	ReadlessOff       bool // PCI revision bit 0: the driver reads registers directly
	Timing            Timing
	KeepAliveOff      bool // the device never sends KEEP_ALIVE (a fault to inject)
	// KeepAliveStop is a fault: from this time on the device sends no
	// KEEP_ALIVE, until the driver resets it (0: never).
	KeepAliveStop sim.Time
	// TxCompletionStop is a fault: from this time on Tx packets still go
	// out but their completions are not written, until the driver resets
	// the function (0: never).
	TxCompletionStop sim.Time
	// AdminStop is a fault: from this time on the admin queue takes
	// commands but completes none, until the driver resets the function
	// (0: never).
	AdminStop sim.Time
	// Hints are the HW_HINTS the device hands out (zero fields: the
	// driver's defaults).
	Hints Hints
	// ConntrackCapacity is the card's connection-tracking table size
	// (default 65536); customer metrics report what is left of a VF's
	// share of it.
	ConntrackCapacity uint64
	// ConntrackTimeouts are the tracker's idle timeouts (zero fields:
	// acl.DefaultTimeouts).
	ConntrackTimeouts acl.Timeouts
	// ACLEntries is the ACL table's size and ACLQuota each VF's share of
	// it (defaults 16384 and 2048).
	ACLEntries, ACLQuota int
	// Mutation is a deliberate bug for checker tests: stale_phase (an IO
	// completion with the previous lap's phase), bogus_req_id (a Tx
	// completion for a request never posted), unknown_cmd_id (an admin
	// completion for a command never fetched), each striking once;
	// acl_stateless (the security group ignores tracked connections).
	Mutation string
	// LLQ: the device offers low-latency queues in BAR2.
	LLQ bool
	// MACs are the addresses functions report (the card PF provisions
	// them); a function without one gets 02:00:0e:0a followed by its
	// function number.
	MACs map[pcie.Func]ether.MAC
}

// Hints are the device's HW_HINTS (ena_admin_ena_hw_hints), in ms where a
// time; 0 means the driver's default, 0xFFFF no timeout.
type Hints struct {
	MMIOReadTimeout, DriverWatchdog, MissingTxCompletion uint16
	MissedTxThreshold, AdminCompletion, NetdevWatchdog   uint16
}

// Device is the ENA personality: the PF (0x0EC2) and its VFs (0xEC20),
// each an ENA function with the registers of ena_regs_defs.h.
type Device struct {
	cfg       Config
	card      *card.Card
	k         *rtl.Kernel
	timers    *rtl.Timers
	fns       []*function // index = pcie.Func
	cov       *coverage
	mutSeen   int
	io        ioEngine
	txDone    []*txCompletionEvent // spent Tx completion events, for reuse
	flushDone []*cqFlush           // spent write-back flushes, for reuse
	rxDone    []*rxDelivery        // spent Rx deliveries, for reuse
	// The card PF's provisioning block and what it holds.
	cardPF     *rtl.RegFile
	cardBusy   bool
	cardStatus uint32
	vfCfg      map[int]VFConfig
	acl        *acl.Block // security groups, network ACLs, connection tracking (BAR1 of the PF at aclBase)
	frames     ether.Pool
	MACTx      *mac.Tx
	MACRx      *mac.RxPort
}

// New returns an ENA device.
func New(cfg Config) *Device {
	if cfg.TotalVFs == 0 {
		cfg.TotalVFs = 16
	}
	if cfg.MaxQueues == 0 {
		cfg.MaxQueues = 8
	}
	if cfg.MaxMTU == 0 {
		cfg.MaxMTU = 9001
	}
	if cfg.LinkMbps == 0 {
		cfg.LinkMbps = 100_000
	}
	if cfg.TxBuffer == 0 {
		cfg.TxBuffer = 256 << 10
	}
	if cfg.TxRefill == 0 {
		cfg.TxRefill = 32 << 10
	}
	cfg.TxRefill = min(cfg.TxRefill, cfg.TxBuffer)
	if cfg.TxCompletionBatch <= 0 {
		cfg.TxCompletionBatch = 64 / txCdescSize
	}
	if cfg.TxCompletionFlush <= 0 {
		cfg.TxCompletionFlush = sim.Microsecond
	}
	if cfg.Timing == (Timing{}) {
		cfg.Timing = DefaultTiming
	}
	if cfg.ConntrackCapacity == 0 {
		cfg.ConntrackCapacity = 65536
	}
	if cfg.ACLEntries == 0 {
		cfg.ACLEntries = 16384
	}
	if cfg.ACLQuota == 0 {
		cfg.ACLQuota = 2048
	}
	return &Device{cfg: cfg, cov: newCoverage()}
}

// Identity implements card.Personality.
func (d *Device) Identity() card.Identity {
	rev := uint8(0)
	if d.cfg.ReadlessOff {
		rev = 1 // ENA_MMIO_DISABLE_REG_READ
	}
	return card.Identity{
		Vendor: VendorAmazon, PFDevice: DevicePF, VFDevice: DeviceVF, Revision: rev,
		TotalVFs: d.cfg.TotalVFs, VFOffset: 1, VFStride: 1,
		PFVectors: 1 + d.cfg.MaxQueues, VFVectors: 1 + d.cfg.MaxQueues,
		PFMSIXBar: 4, VFMSIXBar: 4,
	}
}

// Bind implements card.Personality.
func (d *Device) Bind(c *card.Card) {
	d.card = c
	d.k = c.Kernel()
	d.timers = rtl.NewTimers(d.k, "ena.timers", c.Clock())
	d.fns = make([]*function, 1+int(d.cfg.TotalVFs))
	d.fns[0] = d.newFunction(pcie.PF)
	d.io = ioEngine{d: d}
	d.cardPF = rtl.MustRegFile(CardPFRegs)
	d.acl = acl.NewBlock(acl.NewPipeline(acl.NewTable(d.cfg.ACLEntries, d.cfg.ACLQuota), acl.NewConntrack(int(d.cfg.ConntrackCapacity), d.cfg.ConntrackTimeouts.Or(acl.DefaultTimeouts))), c.Clock().Period)
	d.acl.Pipe.Stateless = d.cfg.Mutation == "acl_stateless"
	d.vfCfg = map[int]VFConfig{}
	byteClk, err := mac.ByteClock("ena.mac", uint64(d.cfg.LinkMbps)*1_000_000)
	if err != nil {
		panic(err) // LinkMbps is positive: New sets a default
	}
	d.MACTx = mac.NewTx(d.k, "ena.mac.tx", byteClk, d.cfg.TxBuffer)
	d.MACTx.OnSpace = func(at sim.Time) {
		if d.io.macFull && d.MACTx.Free() >= d.cfg.TxRefill {
			d.io.wake(at)
		}
	}
	d.MACRx = mac.NewRxPort(d.k, "ena.mac.rx", c.Clock())
	d.MACRx.Handler = d.rxFrame
}

// Frames returns the device's frame pool, for wire peers feeding it.
func (d *Device) Frames() *ether.Pool { return &d.frames }

// Traffic returns what function f sent and received, and the frames it
// dropped for lack of Rx descriptors.
func (d *Device) Traffic(f pcie.Func) (txPkts, txBytes, rxPkts, rxBytes, rxDrops uint64) {
	if fn := d.fn(f); fn != nil {
		return fn.txPackets, fn.txBytes, fn.rxPackets, fn.rxBytes, fn.rxDrops
	}
	return
}

// QueueCounters are one queue pair's packets.
type QueueCounters struct {
	TxPackets, TxBytes uint64
	RxPackets, RxBytes uint64
	// TxCompletionWrites counts the DMA writes that carried the pair's Tx
	// completions: TxPackets of them without write-back coalescing.
	TxCompletionWrites uint64
}

// Queues returns f's counters per queue pair, the pair being the one whose
// MSI-X vector (1 + pair) its CQs use.
func (d *Device) Queues(f pcie.Func) []QueueCounters {
	fn := d.fn(f)
	if fn == nil {
		return nil
	}
	out := make([]QueueCounters, len(fn.vecs)-1)
	for _, q := range fn.sqs {
		if q == nil {
			continue
		}
		c := &out[q.cq.vector-1]
		if q.tx {
			c.TxPackets += q.packets
			c.TxBytes += q.bytes
			c.TxCompletionWrites += q.cq.writes
		} else {
			c.RxPackets += q.packets
			c.RxBytes += q.bytes
		}
	}
	for len(out) > 0 && out[len(out)-1] == (QueueCounters{}) {
		out = out[:len(out)-1]
	}
	return out
}

// Interrupts returns the MSI-X messages IO vector v of f sent and how often
// the driver unmasked it.
func (d *Device) Interrupts(f pcie.Func, v int) (messages, unmaskings uint64) {
	if fn := d.fn(f); fn != nil && v < len(fn.vecs) {
		return fn.vecs[v].messages, fn.vecs[v].unmaskings
	}
	return 0, 0
}

// Moderation returns the Rx and Tx interrupt delays vector v of
// function f applies, as the driver last wrote them.
func (d *Device) Moderation(f pcie.Func, v int) (rx, tx sim.Time) {
	if fn := d.fn(f); fn != nil && v < len(fn.vecs) {
		return fn.vecs[v].rxDelay, fn.vecs[v].txDelay
	}
	return 0, 0
}

// MAC returns the address function f reports in its device attributes.
func (d *Device) MAC(f pcie.Func) ether.MAC {
	if c, ok := d.vfCfg[f.VFIndex()]; ok && f.IsVF() && c.MAC != (ether.MAC{}) {
		return c.MAC // provisioned by the card PF
	}
	if m, ok := d.cfg.MACs[f]; ok {
		return m
	}
	m := ether.MAC{0x02, 0x00, 0x0e, 0x0a, 0x00, 0x00}
	binary.BigEndian.PutUint16(m[4:], uint16(f))
	return m
}

func (d *Device) fn(f pcie.Func) *function {
	if int(f) < len(d.fns) {
		return d.fns[f]
	}
	return nil
}

// RegRead implements card.Personality.
func (d *Device) RegRead(f pcie.Func, bar int, off uint32, at sim.Time) uint32 {
	if f == pcie.PF && bar == 1 && off >= aclBase && off < aclBase+acl.Regs.Size {
		v, ok := d.acl.Read(off-aclBase, at)
		if !ok {
			d.card.Flag(f, at, "ACL block: read of unimplemented offset %#x", off-aclBase)
		}
		return v
	}
	if f == pcie.PF && bar == 1 {
		if off == OffCardSTATUS {
			return d.cardStatus
		}
		v, ok := d.cardPF.Read(off)
		if !ok {
			d.card.Flag(f, at, "card PF: read of unimplemented offset %#x", off)
		}
		return v
	}
	fn := d.fn(f)
	if fn == nil || bar != 0 {
		d.card.Flag(f, at, "read of BAR%d+%#x: ENA decodes registers in BAR0", bar, off)
		return 0
	}
	v, ok := fn.read(off)
	if !ok {
		d.card.Flag(f, at, "read of unimplemented register offset %#x", off)
	}
	return v
}

// RegWrite implements card.Personality.
func (d *Device) RegWrite(f pcie.Func, bar int, off uint32, v uint32, at sim.Time) {
	fn := d.fn(f)
	if fn != nil && f == pcie.PF && bar == 1 && off >= aclBase && off < aclBase+acl.Regs.Size {
		if !d.acl.Write(off-aclBase, v, at) {
			d.card.Flag(f, at, "ACL block: write of %#x to unimplemented offset %#x", v, off-aclBase)
		}
		return
	}
	if fn != nil && f == pcie.PF && bar == 1 {
		d.cardWrite(off, v, at)
		return
	}
	if fn != nil && bar == 2 && d.cfg.LLQ {
		fn.llqWrite(off, v, at)
		return
	}
	if fn == nil || bar != 0 {
		d.card.Flag(f, at, "write of %#x to BAR%d+%#x: ENA decodes registers in BAR0 (and LLQ entries in BAR2)", v, bar, off)
		return
	}
	if off >= doorbellBase {
		fn.ioWrite(off, v, at)
		return
	}
	fn.write(off, v, at)
}

// SetNumVFs implements card.Personality.
func (d *Device) SetNumVFs(n int, at sim.Time) {
	for i := 0; i < int(d.cfg.TotalVFs); i++ {
		f := pcie.VF(i)
		switch {
		case i < n && d.fns[f] == nil:
			d.fns[f] = d.newFunction(f)
		case i >= n && d.fns[f] != nil:
			d.fns[f].reset(at)
			d.fns[f] = nil
		}
	}
}

// FLR implements card.Personality.
func (d *Device) FLR(f pcie.Func, at sim.Time) {
	if fn := d.fn(f); fn != nil {
		fn.reset(at)
		fn.sts = devStsReady
	}
}

// ResetReason returns the reason of f's last reset through DEV_CTL, and
// how many there were.
func (d *Device) ResetReason(f pcie.Func) (reason uint32, resets int) {
	if fn := d.fn(f); fn != nil {
		return fn.lastReason, fn.resets
	}
	return 0, 0
}

// Function state the harness can look at.

// HostInfo returns the driver version f's driver reported in its host
// info page (0 before it sent one).
func (d *Device) HostInfo(f pcie.Func) (driverVersion uint32, specVersion uint16) {
	if fn := d.fn(f); fn != nil {
		return fn.driverVersion, fn.specVersion
	}
	return 0, 0
}

// MTU returns the MTU f's driver set.
func (d *Device) MTU(f pcie.Func) int {
	if fn := d.fn(f); fn != nil {
		return fn.mtu
	}
	return 0
}

// Functions returns the functions that exist: the PF and the enabled VFs.
func (d *Device) Functions() []pcie.Func {
	var out []pcie.Func
	for i, fn := range d.fns {
		if fn != nil {
			out = append(out, pcie.Func(i))
		}
	}
	return out
}

// StopKeepAlive injects the keep-alive fault from time at on: no
// KEEP_ALIVE events until the driver resets the function.
func (d *Device) StopKeepAlive(at sim.Time) { d.cfg.KeepAliveStop = at }

// LLQPushed returns the header bytes f's packets brought in LLQ entries.
func (d *Device) LLQPushed(f pcie.Func) uint64 {
	if fn := d.fn(f); fn != nil {
		return fn.llqPushed
	}
	return 0
}

// StopAdmin injects the hung-admin-queue fault from time at on.
func (d *Device) StopAdmin(at sim.Time) { d.cfg.AdminStop = at }

// StopTxCompletions injects the lost-Tx-completions fault from time at on.
func (d *Device) StopTxCompletions(at sim.Time) { d.cfg.TxCompletionStop = at }

// strike reports whether mutation m strikes now: once, at its 20th
// chance, when traffic or probe is well under way.
func (d *Device) strike(m string) bool {
	if d.cfg.Mutation != m {
		return false
	}
	d.mutSeen++
	return d.mutSeen == 20
}

// Mutations lists the model's mutations (Config.Mutation).
var Mutations = []string{"stale_phase", "bogus_req_id", "unknown_cmd_id", "acl_stateless", "early_irq"}

// RegName names what sits at offset off of BAR bar of function f, for
// traces: a BAR0 register (ena block), an SQ doorbell or interrupt unmask
// register of the IO window, an LLQ entry window in BAR2, in the PF's BAR1
// a card PF or ACL register, in BAR4 the MSI-X table. "" for a hole.
func RegName(f pcie.Func, bar int, off uint32) string {
	switch {
	case bar == 4: // the MSI-X BAR of the PF and the VFs (Identity)
		return card.MSIXRegName(off)
	case bar == 0 && off >= unmaskBase && off < ioWindowEnd:
		return fmt.Sprintf("INTR_UNMASK[cq %d]", (off-unmaskBase)/4)
	case bar == 0 && off >= doorbellBase && off < unmaskBase:
		return fmt.Sprintf("SQ_DOORBELL[%d]", (off-doorbellBase)/4)
	case bar == 0:
		n, _ := Regs.NameAt(off)
		return n
	case bar == 2:
		return fmt.Sprintf("LLQ[sq %d]+%#x", off/llqWindow, off%llqWindow)
	case bar == 1 && f == pcie.PF && off >= aclBase:
		if n, ok := acl.Regs.NameAt(off - aclBase); ok {
			return "ACL_" + n
		}
	case bar == 1 && f == pcie.PF:
		n, _ := CardPFRegs.NameAt(off)
		return n
	}
	return ""
}
