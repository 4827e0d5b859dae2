package ena

import (
	"encoding/binary"

	"github.com/nicforge/nicforge/sim"
)

// The asynchronous event notification queue: the device posts 64-byte
// events (with a phase bit) into slots the driver has made available with
// AENQ_HEAD_DB, and raises the management vector. The first doorbell makes
// the queue live: the link-up event follows, then a keep-alive every
// Timing.KeepAlive.

func (fn *function) aenqDoorbell(head uint16, at sim.Time) {
	fn.aenqHead = head
	if fn.aenqLive {
		return
	}
	fn.aenqLive = true
	if !fn.linkPosted {
		fn.linkPosted = true
		var data [8]byte
		data[0] = 1 // link up
		fn.postEvent(AENQLinkChange, 0, data[:], at)
	}
	gen := fn.gen
	var tick func(sim.Time)
	tick = func(now sim.Time) {
		if fn.gen != gen || fn.d.cfg.KeepAliveOff {
			return
		}
		if stop := fn.d.cfg.KeepAliveStop; stop != 0 && now >= stop && !fn.kaRecovered {
			fn.d.timers.At(now+fn.d.cfg.Timing.KeepAlive, tick) // silent, still alive inside
			return
		}
		var data [24]byte // rx_drops, tx_drops, rx_overruns (lo, hi each), cumulative
		binary.LittleEndian.PutUint64(data[0:], fn.rxDrops)
		fn.postEvent(AENQKeepAlive, 0, data[:], now)
		fn.d.timers.At(now+fn.d.cfg.Timing.KeepAlive, tick)
	}
	fn.d.timers.At(at+fn.d.cfg.Timing.KeepAlive, tick)
}

// postEvent writes an event if its group is enabled and the driver left
// room; an event with no room is dropped and counted.
func (fn *function) postEvent(group, syndrome uint16, data []byte, at sim.Time) {
	if fn.aenqEnabled&(1<<group) == 0 {
		return
	}
	depth, ok := fn.queueShape(fn.reg(OffAENQ_CAPS), "AENQ_CAPS", at)
	if !ok {
		return
	}
	// The driver's head runs depth ahead of what it has consumed.
	if int16(fn.aenqHead-fn.aenqTail) <= 0 {
		fn.aenqDropped++
		fn.d.cov.event.Hit(5)
		return
	}
	var e [AdminEntrySize]byte
	le := binary.LittleEndian
	le.PutUint16(e[aenqGroup:], group)
	le.PutUint16(e[aenqSyndrome:], syndrome)
	e[aenqFlags] = phaseOf(fn.aenqTail, depth)
	us := uint64(at / sim.Microsecond)
	le.PutUint32(e[aenqTimeLo:], uint32(us))
	le.PutUint32(e[aenqTimeHi:], uint32(us>>32))
	copy(e[aenqData:], data)
	addr := fn.addr(OffAENQ_BASE_LO, OffAENQ_BASE_HI) + uint64(fn.aenqTail&(depth-1))*AdminEntrySize
	_ = fn.d.card.Upstream().Write(fn.id, at, addr, e[:])
	fn.aenqTail++
	fn.d.cov.event.Hit(int(group))
	if fn.aenqTail&(depth-1) == 0 {
		fn.d.cov.wrap.Hit(2)
	}
	fn.management(at)
}
