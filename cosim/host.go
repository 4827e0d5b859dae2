package cosim

import (
	"errors"
	"fmt"
	"strings"

	"github.com/nicforge/nicforge/driver/bus"
	"github.com/nicforge/nicforge/model/pcie"
	"github.com/nicforge/nicforge/sim"
	"github.com/nicforge/nicforge/trace"
)

// Config sets up a host.
type Config struct {
	Link       string // PCIe preset: gen3x8 (default) or gen4x16
	ArenaBytes int    // IOMMU arena per function (default 16 MiB)
	Functions  int    // functions to give arenas to (default 65: PF + 64 VFs)
}

// Host is the simulated host: memory, IOMMU, the PCIe link, the driver
// contexts and the scheduler that owns time. It implements pcie.Upstream
// for the device.
type Host struct {
	mem        *Memory
	link       *Link
	dev        Device
	domains    []*domain
	funcs      map[pcie.Func]*function
	known      map[pcie.Func]bool
	ctxs       []*context
	cur        *context
	now        sim.Time // the scheduler's time: what every context has seen
	limit      sim.Time // end of the current Run
	mmioQ      []mmioWrite
	mmioH      int
	upQ        []landing
	upH        int
	upData     []byte
	faults     []pcie.Fault
	tr         trace.Sink
	stopped    bool
	onMSIX     []func(pcie.Func, int, sim.Time)
	onMMIO     []func(pcie.Func, int, uint32, uint32, sim.Time)
	onMMIORead []func(pcie.Func, int, uint32, uint32, sim.Time)
	onDMA      []func(f pcie.Func, write bool, addr uint64, data []byte, at sim.Time)
	onFault    []func(pcie.Fault)
	onAdd      []func(pcie.Func, bus.Function)
	errs       []error
}

type mmioWrite struct {
	at  sim.Time
	f   pcie.Func
	bar int
	off uint32
	v   uint32
}

// landing is a posted transaction from the card on its way to the host:
// a DMA write (data in upData) or an MSI-X message (vector >= 0).
type landing struct {
	at     sim.Time
	sent   sim.Time // when it left the card
	f      pcie.Func
	addr   uint64
	off, n int
	vector int
}

var errStopped = errors.New("cosim: run ended")

// NewHost builds a host around a device and attaches it.
func NewHost(dev Device, cfg Config) (*Host, error) {
	lc, err := LinkByName(cfg.Link)
	if err != nil {
		return nil, err
	}
	if cfg.ArenaBytes == 0 {
		cfg.ArenaBytes = 16 << 20
	}
	if cfg.Functions == 0 {
		cfg.Functions = 65
	}
	// Arena 0 starts one arena up, so address zero is never mapped.
	mem, err := acquireMemory((cfg.Functions + 1) * cfg.ArenaBytes)
	if err != nil {
		return nil, err
	}
	h := &Host{mem: mem, link: newLink(lc), dev: dev, funcs: map[pcie.Func]*function{}, known: map[pcie.Func]bool{}}
	for i := 0; i < cfg.Functions; i++ {
		base := uint64(i+1) * uint64(cfg.ArenaBytes)
		h.domains = append(h.domains, &domain{base: base, size: uint64(cfg.ArenaBytes), next: base, mapped: make([]uint64, cfg.ArenaBytes/PageSize/64+1)})
	}
	for _, f := range dev.Functions() {
		h.known[f] = true
	}
	dev.Attach(h)
	return h, nil
}

// Close releases host memory. Memory nobody else mapped is zeroed where
// the run wrote it (only allocated pages can have been written: the
// drivers' buffers and the device's DMA into them) and recycled.
func (h *Host) Close() error {
	var written []span
	for _, d := range h.domains {
		if d.next > d.base {
			written = append(written, span{d.base, d.next - d.base})
		}
	}
	return releaseMemory(h.mem, written)
}

// Memory returns host memory.
func (h *Host) Memory() *Memory { return h.mem }

// SetTrace records every transaction into t (nil: none).
func (h *Host) SetTrace(t trace.Sink) { h.tr = t }

// OnMSIX observes every MSI-X message when it lands; at is when the card
// sent it (the card side of the link, where moderation is defined).
func (h *Host) OnMSIX(fn func(f pcie.Func, v int, at sim.Time)) { h.onMSIX = append(h.onMSIX, fn) }

// OnMMIOWrite observes every posted MMIO write when it reaches the card.
func (h *Host) OnMMIOWrite(fn func(f pcie.Func, bar int, off, v uint32, at sim.Time)) {
	h.onMMIO = append(h.onMMIO, fn)
}

// OnMMIORead observes every MMIO read with the value the device returned,
// at the time the request reached the device.
func (h *Host) OnMMIORead(fn func(f pcie.Func, bar int, off, v uint32, at sim.Time)) {
	h.onMMIORead = append(h.onMMIORead, fn)
}

// OnDMA observes every DMA the device makes inside its function's domain,
// when the device issues it: for a read, data is what it read; for a
// write, what it will write (host memory still holds the old bytes).
func (h *Host) OnDMA(fn func(f pcie.Func, write bool, addr uint64, data []byte, at sim.Time)) {
	h.onDMA = append(h.onDMA, fn)
}

// OnFault observes every DMA fault.
func (h *Host) OnFault(fn func(pcie.Fault)) { h.onFault = append(h.onFault, fn) }

// Stop ends the run at the scheduler's current time: every context parks
// at its next bus operation and Run returns. Checkers call it at the first
// violation.
func (h *Host) Stop() {
	if h.limit > h.now {
		h.limit = h.now
	}
}

// OnFunctionAdded is called when a function appears (VFs on SR-IOV
// enable), from inside the context whose config write made it appear.
func (h *Host) OnFunctionAdded(fn func(f pcie.Func, fn bus.Function)) { h.onAdd = append(h.onAdd, fn) }

// Faults returns the DMA faults so far.
func (h *Host) Faults() []pcie.Fault { return h.faults }

// Now returns the scheduler's time.
func (h *Host) Now() sim.Time { return h.now }

// LinkStats returns bytes and TLPs carried downstream and upstream.
func (h *Host) LinkStats() (downBytes, upBytes, downTLPs, upTLPs uint64) {
	return h.link.down.bytes, h.link.up.bytes, h.link.down.tlps, h.link.up.tlps
}

// Function returns the bus.Function of f.
func (h *Host) Function(f pcie.Func) bus.Function { return h.function(f) }

func (h *Host) function(f pcie.Func) *function {
	fn := h.funcs[f]
	if fn == nil {
		fn = &function{h: h, id: f}
		if int(f) < len(h.domains) {
			fn.dom = h.domains[f]
		}
		h.funcs[f] = fn
	}
	return fn
}

func (h *Host) domainOf(f pcie.Func) *domain {
	if int(f) < len(h.domains) {
		return h.domains[f]
	}
	return nil
}

// Errors returns the driver contexts that failed (panicked).
func (h *Host) Errors() []error { return h.errs }

// LastLogs returns the last log lines of every function, for errors.
func (h *Host) LastLogs() string {
	var b strings.Builder
	for f := pcie.Func(0); int(f) < len(h.domains); f++ {
		fn := h.funcs[f]
		if fn == nil || len(fn.logs) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\nlast log lines of %s:", f)
		for _, l := range fn.logs {
			b.WriteString("\n  " + l)
		}
	}
	return b.String()
}

// Read implements pcie.Upstream.
func (h *Host) Read(f pcie.Func, at sim.Time, addr uint64, p []byte) (sim.Time, error) {
	done := h.link.read(at, len(p))
	d := h.domainOf(f)
	if d == nil || !d.allowed(addr, len(p)) {
		clear(p)
		return done, h.fault(f, at, addr, len(p), false)
	}
	copy(p, h.mem.b[addr:])
	for _, fn := range h.onDMA {
		fn(f, false, addr, p, at)
	}
	if h.tr != nil {
		h.tr.Record(&trace.Event{Time: at, Kind: trace.DMARead, Func: uint16(f), Addr: addr, Len: uint32(len(p))})
	}
	return done, nil
}

// Warm implements pcie.Warmer: it prefetches the host memory a DMA read
// will soon copy, so that the copy does not wait for it. Addresses outside
// the memory are ignored: a hint is not a transaction.
func (h *Host) Warm(addr uint64, n int) {
	if n <= 0 || addr >= uint64(len(h.mem.b)) {
		return
	}
	prefetch(h.mem.b[addr:min(addr+uint64(n), uint64(len(h.mem.b)))])
}

// Write implements pcie.Upstream.
func (h *Host) Write(f pcie.Func, at sim.Time, addr uint64, p []byte) error {
	land := h.link.up.write(at, len(p))
	d := h.domainOf(f)
	if d == nil || !d.allowed(addr, len(p)) {
		return h.fault(f, at, addr, len(p), true)
	}
	for _, fn := range h.onDMA {
		fn(f, true, addr, p, at)
	}
	off := len(h.upData)
	h.upData = append(h.upData, p...)
	h.upQ = append(h.upQ, landing{at: land, f: f, addr: addr, off: off, n: len(p), vector: -1})
	if h.tr != nil {
		n := len(p)
		if n > 64 {
			n = 64
		}
		h.tr.Record(&trace.Event{Time: at, Kind: trace.DMAWrite, Func: uint16(f), Addr: addr, Len: uint32(len(p)), Data: p[:n]})
	}
	return nil
}

// MSIX implements pcie.Upstream.
func (h *Host) MSIX(f pcie.Func, at sim.Time, v int) {
	land := h.link.up.write(at, 4)
	h.upQ = append(h.upQ, landing{at: land, sent: at, f: f, vector: v})
}

func (h *Host) fault(f pcie.Func, at sim.Time, addr uint64, n int, write bool) error {
	e := pcie.Fault{Func: f, At: at, Addr: addr, Len: n, Write: write}
	if len(h.faults) < 10000 {
		h.faults = append(h.faults, e)
	}
	for _, fn := range h.onFault {
		fn(e)
	}
	if h.tr != nil {
		w := uint64(0)
		if write {
			w = 1
		}
		h.tr.Record(&trace.Event{Time: at, Kind: trace.DMAFault, Func: uint16(f), Addr: addr, Len: uint32(n), Value: w})
	}
	return &e
}

// syncTo brings the device and the host's inbound queues to time t:
// device events first, then landings from the card, then MMIO writes
// arriving at the card, each in time order. It stops early, returning
// false, when a landing woke a context that must act before t.
func (h *Host) syncTo(t sim.Time, who *context) bool {
	for {
		tm, tu := sim.Never, sim.Never
		if h.mmioH < len(h.mmioQ) {
			tm = h.mmioQ[h.mmioH].at
		}
		if h.upH < len(h.upQ) {
			tu = h.upQ[h.upH].at
		}
		td := h.dev.NextEvent()
		next := sim.Min(sim.Min(tm, tu), td)
		if next > t {
			break
		}
		switch {
		case td == next:
			h.dev.Advance(sim.Min(t, sim.Min(tm, tu)))
		case tu == next:
			// A woken context acts at the landing time: stop there, even
			// when it is the very context we are syncing for (it waited
			// with a deadline, and t was that deadline).
			if woke := h.land(); woke != nil && (woke == who || before(woke, who)) {
				h.now = sim.Max(h.now, next)
				return false
			}
		default:
			w := h.mmioQ[h.mmioH]
			h.mmioQ[h.mmioH] = mmioWrite{}
			h.mmioH++
			if h.mmioH == len(h.mmioQ) {
				h.mmioQ, h.mmioH = h.mmioQ[:0], 0
			} else if h.mmioH >= 1024 && h.mmioH > len(h.mmioQ)/2 {
				h.mmioQ, h.mmioH = h.mmioQ[:copy(h.mmioQ, h.mmioQ[h.mmioH:])], 0
			}
			h.dev.MMIOWrite(w.f, w.bar, w.off, w.v, w.at)
			for _, fn := range h.onMMIO {
				fn(w.f, w.bar, w.off, w.v, w.at)
			}
		}
	}
	if t > h.now && t != sim.Never {
		h.now = t
	}
	return true
}

// land applies the oldest landing; it returns a context it woke.
func (h *Host) land() *context {
	l := h.upQ[h.upH]
	h.upH++
	if h.upH == len(h.upQ) {
		h.upQ, h.upH = h.upQ[:0], 0
		defer func() { h.upData = h.upData[:0] }()
	} else if h.upH >= 1024 && h.upH > len(h.upQ)/2 {
		defer h.compactUp()
	}
	if l.vector < 0 {
		copy(h.mem.b[l.addr:], h.upData[l.off:l.off+l.n])
		return nil
	}
	if h.tr != nil {
		h.tr.Record(&trace.Event{Time: l.at, Kind: trace.MSIX, Func: uint16(l.f), Value: uint64(l.vector)})
	}
	for _, fn := range h.onMSIX {
		fn(l.f, l.vector, l.sent)
	}
	fn := h.function(l.f)
	fn.pending |= 1 << uint(l.vector)
	fn.msgs++
	c := fn.waiter
	if c != nil && c.waitMask&fn.pending != 0 && l.at < c.time {
		c.time = l.at
		return c
	}
	return nil
}

// compactUp slides the landing queue and its data down once half of it
// has landed: under continuous traffic the queue never empties.
func (h *Host) compactUp() {
	rest := h.upQ[h.upH:]
	base := len(h.upData)
	for _, e := range rest {
		if e.vector < 0 && e.off < base {
			base = e.off
		}
	}
	n := copy(h.upQ, rest)
	h.upQ, h.upH = h.upQ[:n], 0
	for i := range h.upQ {
		if h.upQ[i].vector < 0 {
			h.upQ[i].off -= base
		}
	}
	h.upData = h.upData[:copy(h.upData, h.upData[base:])]
}

// before orders contexts: by time, then id.
func before(a, b *context) bool {
	if b == nil {
		return true
	}
	return a.time < b.time || a.time == b.time && a.id < b.id
}
