package cosim

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/nicforge/nicforge/driver/bus"
	"github.com/nicforge/nicforge/model/pcie"
	"github.com/nicforge/nicforge/sim"
	"github.com/nicforge/nicforge/trace"
)

// function implements bus.Function for one PCIe function.
type function struct {
	h       *Host
	id      pcie.Func
	dom     *domain
	pending uint64
	waiter  *context
	vectors int
	msgs    uint64
	logs    []string
}

var _ bus.Function = (*function)(nil)

func (f *function) Name() string { return f.id.String() }

func (f *function) present() bool { return f.h.known[f.id] }

// nonPosted runs a read-like transaction: the request goes down, the
// device answers at its arrival time, the completion comes back up.
func (f *function) nonPosted(payloadDown, payloadUp int, op func(at sim.Time) sim.Time) {
	h := f.h
	c := h.cur
	if c == nil {
		panic(errStopped)
	}
	arrive := h.link.down.send(c.time, payloadDown)
	h.advance(arrive)
	done := op(arrive)
	back := h.link.up.send(done, payloadUp)
	h.advance(back)
}

func (f *function) ConfigRead32(off uint16) uint32 {
	var v uint32
	f.nonPosted(0, 4, func(at sim.Time) sim.Time {
		v = f.h.dev.ConfigRead(f.id, off, at)
		if f.h.tr != nil {
			f.h.tr.Record(&trace.Event{Time: at, Kind: trace.CfgRead, Func: uint16(f.id), Addr: uint64(off), Value: uint64(v)})
		}
		return at
	})
	return v
}

func (f *function) ConfigWrite32(off uint16, v uint32) {
	f.nonPosted(4, 0, func(at sim.Time) sim.Time {
		f.h.dev.ConfigWrite(f.id, off, v, at)
		if f.h.tr != nil {
			f.h.tr.Record(&trace.Event{Time: at, Kind: trace.CfgWrite, Func: uint16(f.id), Addr: uint64(off), Value: uint64(v)})
		}
		return at
	})
	f.h.hotplug()
}

// hotplug announces functions that appeared (VFs after VF Enable).
func (h *Host) hotplug() {
	for _, g := range h.dev.Functions() {
		if h.known[g] {
			continue
		}
		h.known[g] = true
		fn := h.function(g)
		for _, cb := range h.onAdd {
			cb(g, fn)
		}
	}
	for g := range h.known {
		present := false
		for _, x := range h.dev.Functions() {
			if x == g {
				present = true
			}
		}
		if !present {
			delete(h.known, g)
		}
	}
}

func (f *function) Read32(bar int, off uint32) uint32 {
	v := uint32(0xFFFFFFFF)
	f.nonPosted(0, 4, func(at sim.Time) sim.Time {
		if !f.present() {
			return at
		}
		var done sim.Time
		v, done = f.h.dev.MMIORead(f.id, bar, off, at)
		for _, fn := range f.h.onMMIORead {
			fn(f.id, bar, off, v, at)
		}
		if f.h.tr != nil {
			f.h.tr.Record(&trace.Event{Time: at, Kind: trace.MMIORead, Func: uint16(f.id), Bar: uint8(bar), Addr: uint64(off), Value: uint64(v)})
		}
		return done
	})
	return v
}

func (f *function) Write32(bar int, off uint32, v uint32) {
	h := f.h
	c := h.cur
	if c == nil || h.stopped {
		panic(errStopped)
	}
	arrive := h.link.down.send(c.time, 4)
	if f.present() {
		h.mmioQ = append(h.mmioQ, mmioWrite{at: arrive, f: f.id, bar: bar, off: off, v: v})
		if h.tr != nil {
			h.tr.Record(&trace.Event{Time: arrive, Kind: trace.MMIOWrite, Func: uint16(f.id), Bar: uint8(bar), Addr: uint64(off), Value: uint64(v)})
		}
	}
}

// WriteBlock is write-combined: the CPU's combining buffer goes out as
// one posted TLP per 64-byte line, and the device sees a line's words
// together when the TLP arrives.
func (f *function) WriteBlock(bar int, off uint32, p []byte) {
	h := f.h
	c := h.cur
	if c == nil || h.stopped {
		panic(errStopped)
	}
	const line = 64
	for start := 0; start < len(p); start += line {
		end := min(start+line, len(p))
		arrive := h.link.down.send(c.time, end-start)
		if !f.present() {
			continue
		}
		for i := start; i+4 <= end; i += 4 {
			a, v := off+uint32(i), binary.LittleEndian.Uint32(p[i:])
			h.mmioQ = append(h.mmioQ, mmioWrite{at: arrive, f: f.id, bar: bar, off: a, v: v})
			if h.tr != nil {
				h.tr.Record(&trace.Event{Time: arrive, Kind: trace.MMIOWrite, Func: uint16(f.id), Bar: uint8(bar), Addr: uint64(a), Value: uint64(v)})
			}
		}
	}
}

func (f *function) AllocDMA(size, align int) (bus.Buffer, error) {
	if f.dom == nil {
		return bus.Buffer{}, fmt.Errorf("%s has no IOMMU domain", f.id)
	}
	a, err := f.dom.alloc(f.id, size, align)
	if err != nil {
		return bus.Buffer{}, err
	}
	// The allocator never hands out an address twice and the backing file
	// starts zeroed, so the memory is zero already.
	b := f.h.mem.b[a : a+uint64(size) : a+uint64(size)]
	return bus.Buffer{IOVA: a, Bytes: b}, nil
}

func (f *function) FreeDMA(b bus.Buffer) {
	if f.dom != nil {
		f.dom.setMapped(b.IOVA, len(b.Bytes), false)
	}
}

// msixCap finds the MSI-X capability by walking the capability list.
func (f *function) msixCap() (uint16, bool) {
	p := uint16(f.ConfigRead32(0x34) & 0xFC)
	for i := 0; p != 0 && i < 48; i++ {
		hdr := f.ConfigRead32(p)
		if hdr&0xFF == 0x11 {
			return p, true
		}
		p = uint16(hdr>>8) & 0xFC
	}
	return 0, false
}

func (f *function) EnableMSIX(n int) error {
	if n < 0 || n > 64 {
		return fmt.Errorf("%s: %d MSI-X vectors requested (0..64)", f.id, n)
	}
	cp, ok := f.msixCap()
	if !ok {
		return fmt.Errorf("%s has no MSI-X capability", f.id)
	}
	ctl := f.ConfigRead32(cp)
	size := int((ctl>>16)&0x7FF) + 1
	if n > size {
		return fmt.Errorf("%s: %d MSI-X vectors requested, the table has %d", f.id, n, size)
	}
	tbl := f.ConfigRead32(cp + 4)
	bir, base := int(tbl&7), tbl&^7
	if n == 0 {
		f.ConfigWrite32(cp, ctl&^(1<<31))
		f.vectors = 0
		return nil
	}
	// Program every entry as the OS does: address, data, unmasked.
	for v := 0; v < n; v++ {
		e := base + uint32(16*v)
		f.Write32(bir, e, 0xFEE00000|uint32(f.id)<<12)
		f.Write32(bir, e+4, 0)
		f.Write32(bir, e+8, uint32(v))
		f.Write32(bir, e+12, 0)
	}
	f.ConfigWrite32(cp, ctl&^(1<<30)|1<<31)
	f.vectors = n
	return nil
}

func (f *function) WaitIRQ(mask uint64, timeout time.Duration) uint64 {
	h := f.h
	c := h.cur
	if c == nil {
		panic(errStopped)
	}
	deadline := sim.Never
	if timeout > 0 {
		deadline = c.time + sim.FromDuration(timeout)
	}
	h.wait(f, mask, deadline)
	// Woken by a landing (time = landing) or the deadline: bring the
	// device up to now before the driver looks at anything.
	h.advance(c.time)
	got := f.pending & mask
	f.pending &^= got
	return got
}

func (f *function) PendingIRQ(mask uint64) uint64 {
	got := f.pending & mask
	f.pending &^= got
	return got
}

func (f *function) Now() time.Duration {
	if c := f.h.cur; c != nil {
		return c.time.Duration()
	}
	return f.h.now.Duration()
}

func (f *function) Delay(d time.Duration) {
	c := f.h.cur
	if c == nil {
		panic(errStopped)
	}
	f.h.advance(c.time + sim.FromDuration(d))
}

func (f *function) Spend(d time.Duration) {
	c := f.h.cur
	if c == nil {
		panic(errStopped)
	}
	c.spent += sim.FromDuration(d)
	f.h.advance(c.time + sim.FromDuration(d))
}

func (f *function) Logf(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	if c := f.h.cur; c != nil {
		line = c.time.String() + " " + line
	}
	if len(f.logs) >= 100 {
		f.logs = f.logs[1:]
	}
	f.logs = append(f.logs, line)
	if f.h.tr != nil {
		f.h.tr.Record(&trace.Event{Time: f.h.now, Kind: trace.DriverLog, Func: uint16(f.id), Text: line})
	}
}
