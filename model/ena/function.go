package ena

import (
	"encoding/binary"

	"github.com/nicforge/nicforge/model/pcie"
	"github.com/nicforge/nicforge/rtl"
	"github.com/nicforge/nicforge/sim"
)

// function is one ENA function: its registers, its admin queue and its
// asynchronous event queue.
type function struct {
	d    *Device
	id   pcie.Func
	regs *rtl.RegFile
	sts  uint32 // DEV_STS
	// gen counts resets: an action scheduled before a reset finds a newer
	// generation and does nothing, as a reset aborts what was in flight.
	gen        uint64
	resets     int
	lastReason uint32

	// Admin queue: commands consumed (head) and the doorbell (tail),
	// completions posted (acqTail); free-running 16-bit counters.
	aqHead, aqTail, acqTail uint16
	busy                    bool

	// AENQ: the driver's head doorbell and the events posted.
	aenqHead, aenqTail uint16
	aenqLive           bool
	aenqEnabled        uint32
	aenqDropped        uint64
	linkPosted         bool

	mtu           int
	driverVersion uint32
	specVersion   uint16

	cqs                []*cq
	sqs                []*sq
	vecs               []vector // index = MSI-X vector; 0 is management
	txPackets, txBytes uint64
	rxPackets, rxBytes uint64
	rxDrops            uint64
	rss                rss
	kaRecovered        bool // a reset after KeepAliveStop cleared the fault
	txCompRecovered    bool // a reset after TxCompletionStop cleared the fault
	adminRecovered     bool // a reset after AdminStop cleared the fault
	txCompLost         uint64
	llq                llqConfig
	llqPushed          uint64    // header bytes that came through LLQ entries
	eni                [5]uint64 // packets shaped, by allowance
	allow              allowances
}

func (d *Device) newFunction(f pcie.Func) *function {
	fn := &function{d: d, id: f, regs: rtl.MustRegFile(Regs), sts: devStsReady}
	if c, ok := d.vfCfg[f.VFIndex()]; ok && f.IsVF() {
		fn.allow = newAllowances(c)
	}
	fn.ioInit()
	fn.rss.reset()
	return fn
}

func (fn *function) reg(off uint32) uint32 {
	i, _ := fn.regs.Lookup(off)
	return fn.regs.Get(i)
}

func (fn *function) addr(lo, hi uint32) uint64 {
	return uint64(fn.reg(lo)) | uint64(fn.reg(hi))<<32
}

// read returns a register as the device would answer it, live state
// included.
func (fn *function) read(off uint32) (uint32, bool) {
	switch off {
	case OffDEV_STS:
		return fn.sts, true
	case OffACQ_TAIL:
		return uint32(fn.acqTail), true
	case OffAENQ_TAIL:
		return uint32(fn.aenqTail), true
	}
	return fn.regs.Read(off)
}

func (fn *function) write(off, v uint32, at sim.Time) {
	if !fn.regs.Write(off, v) {
		fn.d.card.Flag(fn.id, at, "write of %#x to unimplemented register offset %#x", v, off)
		return
	}
	switch off {
	case OffDEV_CTL:
		fn.devCtl(v, at)
	case OffMMIO_REG_READ:
		fn.readless(v, at)
	case OffAQ_DB:
		fn.aqTail = uint16(v)
		if stop := fn.d.cfg.AdminStop; stop != 0 && at >= stop && !fn.adminRecovered {
			return // the admin engine is hung: the command stays unanswered
		}
		fn.kickAdmin(at)
	case OffAENQ_HEAD_DB:
		fn.aenqDoorbell(uint16(v), at)
	}
}

// devCtl handles DEV_CTL: a reset drops everything in flight at once (the
// registers, the queues, the readless response address) and raises
// RESET_IN_PROGRESS a little later; writing 0 ends it.
func (fn *function) devCtl(v uint32, at sim.Time) {
	t := fn.d.cfg.Timing
	if v&devCtlReset != 0 {
		fn.lastReason = v >> devCtlReasonShift & 0xF
		fn.lastReason |= (v >> devCtlReasonExtSft & 0xF) << 4
		fn.resets++
		fn.d.cov.resetReason(fn.lastReason)
		if stop := fn.d.cfg.KeepAliveStop; stop != 0 && at >= stop {
			fn.kaRecovered = true
		}
		if stop := fn.d.cfg.TxCompletionStop; stop != 0 && at >= stop {
			fn.txCompRecovered = true
		}
		if stop := fn.d.cfg.AdminStop; stop != 0 && at >= stop {
			fn.adminRecovered = true
		}
		fn.reset(at)
		fn.sts = 0
		gen := fn.gen
		fn.d.timers.At(at+t.ResetAssert, func(sim.Time) {
			if fn.gen == gen {
				fn.sts |= devStsResetInProg
			}
		})
		return
	}
	if fn.sts&devStsReady == 0 {
		gen := fn.gen
		fn.d.timers.At(at+t.ResetDeassert, func(sim.Time) {
			if fn.gen == gen && fn.sts&devStsResetInProg != 0 {
				fn.sts = devStsReady | devStsResetDone
			}
		})
	}
}

// reset returns the function to its power-on state, dropping what was in
// flight.
func (fn *function) reset(at sim.Time) {
	fn.gen++
	fn.regs.Reset()
	fn.aqHead, fn.aqTail, fn.acqTail, fn.busy = 0, 0, 0, false
	fn.aenqHead, fn.aenqTail, fn.aenqLive, fn.aenqEnabled, fn.linkPosted = 0, 0, false, 0, false
	fn.mtu = 0
	fn.llq = llqConfig{}
	fn.ioInit()
	fn.rss.reset()
}

// readless answers an MMIO_REG_READ request with one DMA of {req_id,
// reg_off, value} to the response buffer, so the value is in host memory
// no later than the id the driver polls for.
func (fn *function) readless(v uint32, at sim.Time) {
	gen := fn.gen
	fn.d.timers.At(at+fn.d.cfg.Timing.ReadlessLatency, func(now sim.Time) {
		if fn.gen != gen {
			return
		}
		addr := fn.addr(OffMMIO_RESP_LO, OffMMIO_RESP_HI)
		if addr == 0 {
			fn.d.card.Flag(fn.id, now, "readless read of %#x with no response buffer (MMIO_RESP is 0)", v>>16)
			return
		}
		off := v >> 16
		val, ok := fn.read(off)
		if !ok {
			val = 0xFFFFFFFF
		}
		var b [8]byte
		binary.LittleEndian.PutUint16(b[0:], uint16(v))
		binary.LittleEndian.PutUint16(b[2:], uint16(off))
		binary.LittleEndian.PutUint32(b[4:], val)
		_ = fn.d.card.Upstream().Write(fn.id, now, addr, b[:])
	})
}

// management raises the admin/AENQ vector unless INTR_MASK masks it.
func (fn *function) management(at sim.Time) {
	if fn.reg(OffINTR_MASK)&1 == 0 {
		fn.d.card.RaiseMSIX(fn.id, 0, at)
	}
}
