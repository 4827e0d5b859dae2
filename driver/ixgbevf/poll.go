package ixgbevf

import "time"

func timeDur(n int) time.Duration { return time.Duration(n) }

// Latency classes of adaptive ITR (ixgbevf_update_itr).
const (
	lowestLatency = 0
	lowLatency    = 1
	bulkLatency   = 2
)

// UpdateITR is one step of ixgbevf_update_itr: the new latency class from
// the bytes moved since the last interrupt and the current ITR register
// value ("microseconds shifted by 2").
func UpdateITR(class int, bytes uint64, itrReg uint32) int {
	elapsed := uint64(itrReg >> 2) // µs
	if elapsed == 0 || bytes == 0 {
		return class
	}
	perUs := bytes / elapsed
	switch class {
	case lowestLatency:
		if perUs > 10 {
			return lowLatency
		}
	case lowLatency:
		if perUs > 20 {
			return bulkLatency
		} else if perUs <= 10 {
			return lowestLatency
		}
	case bulkLatency:
		if perUs <= 20 {
			return lowLatency
		}
	}
	return class
}

// SmoothITR is ixgbevf_set_itr's exponential step towards target.
func SmoothITR(old, target uint32) uint32 {
	if old == target || old == 0 {
		return target
	}
	return (10 * target * old) / (9*target + old)
}

// itrState is the adaptive ITR bookkeeping of one queue vector.
type itrState struct {
	rxClass, txClass int
	rxBytes, txBytes uint64
}

// Poll is the NAPI poll of every queue vector: clean Tx, receive, and when
// a vector's work is under budget complete NAPI, adapt its ITR and re-arm
// it through VTEIMS.
func (d *Device) Poll(budget int) int {
	if !d.up {
		return 0
	}
	total := 0
	for v := 0; v < d.nq; v++ {
		if !d.cfg.Polling && d.napi&(1<<v) == 0 {
			continue
		}
		txr, rxr := d.tx[v], d.rx[v]
		txBefore, rxBefore := txr.bytes, rxr.bytes
		tx := d.cleanTx(txr)
		rx := d.cleanRx(rxr, budget)
		d.itrStates()[v].txBytes += txr.bytes - txBefore
		d.itrStates()[v].rxBytes += rxr.bytes - rxBefore
		total += tx + rx
		if d.cfg.Polling {
			continue
		}
		if rx < budget {
			d.napi &^= 1 << v
			if d.cfg.ITR == 0 {
				d.setITR(v)
			}
			d.fn.Write32(0, VTEIMS, 1<<v)
		}
	}
	return total
}

func (d *Device) itrStates() []itrState {
	if d.itrs == nil {
		d.itrs = make([]itrState, d.nq)
	}
	return d.itrs
}

// setITR is ixgbevf_set_itr for vector v.
func (d *Device) setITR(v int) {
	st := &d.itrStates()[v]
	st.rxClass = UpdateITR(st.rxClass, st.rxBytes, d.itr[v])
	st.txClass = UpdateITR(st.txClass, st.txBytes, d.itr[v])
	st.rxBytes, st.txBytes = 0, 0
	class := st.rxClass
	if st.txClass > class {
		class = st.txClass
	}
	target := uint32(ITR100K)
	switch class {
	case lowLatency:
		target = ITR20K
	case bulkLatency:
		target = ITR12K
	}
	if target != d.itr[v] {
		d.itr[v] = SmoothITR(d.itr[v], target)
		d.fn.Write32(0, VTEITR0+uint32(4*v), d.itr[v]|EITR_CNT_WDIS)
	}
}

// ITR returns vector v's current VTEITR value.
func (d *Device) ITR(v int) uint32 { return d.itr[v] }

// WaitInterrupt waits for any of the device's vectors. Queue vectors are
// marked for the next Poll (the hardware auto-masked them); the other
// vector is handled here: mailbox messages from the PF, link state.
func (d *Device) WaitInterrupt(timeout time.Duration) bool {
	if d.napi != 0 && !d.cfg.Polling {
		return true // NAPI still has work: poll again at once
	}
	if next := d.lastSvc + 2*time.Second - d.fn.Now(); next < timeout {
		timeout = next
	}
	all := uint64(d.queueMask() | d.otherMask())
	got := uint64(0)
	if timeout > 0 {
		got = d.fn.WaitIRQ(all, timeout)
	}
	if got&uint64(d.queueMask()) != 0 {
		d.napi |= got & uint64(d.queueMask())
	}
	if got&uint64(d.otherMask()) != 0 {
		d.handleOther()
	}
	if d.fn.Now()-d.lastSvc >= 2*time.Second {
		d.serviceTask()
	}
	return got != 0
}

// handleOther is ixgbevf_msix_other: a PF message (ping), then re-enable.
func (d *Device) handleOther() {
	if d.mbx.checkForMsg() {
		msg := make([]uint32, 1)
		if d.mbx.read(msg) == nil && msg[0]&0xFFFF == PF_CONTROL_MSG {
			if msg[0]&VT_MSGTYPE_CTS == 0 {
				d.fn.Logf("ixgbevf: PF asked for a reset (ping without CTS)")
			}
			d.checkLink()
		}
	}
	d.fn.Write32(0, VTEIMS, d.otherMask())
}

// serviceTask is the 2-second watchdog: link, statistics, Tx hang check.
func (d *Device) serviceTask() {
	d.lastSvc = d.fn.Now()
	d.checkLink()
	d.updateStats()
	var kick uint32
	for i, r := range d.tx {
		if r.ntc != r.ntu && r.packets == r.lastClean {
			r.hangChecks++
			if r.hangChecks >= 2 {
				d.stats.TxHangs++
				d.fn.Logf("ixgbevf: Tx queue %d hang detected", i)
			}
		} else {
			r.hangChecks = 0
		}
		r.lastClean = r.packets
		kick |= 1 << i
	}
	if kick != 0 && !d.cfg.Polling {
		d.fn.Write32(0, VTEICS, kick)
	}
}

// checkLink reads VFLINKS (ixgbevf_check_mac_link_vf).
func (d *Device) checkLink() {
	l := d.fn.Read32(0, VFLINKS)
	d.linkUp = l&LINKS_UP != 0
	d.linkSpeed = l & LINKS_SPEED_MASK
}

// LinkUp reports the last link state read.
func (d *Device) LinkUp() bool { return d.linkUp }

func (d *Device) readHW() hwCounters {
	fn := d.fn
	return hwCounters{
		gprc: fn.Read32(0, VFGPRC), gptc: fn.Read32(0, VFGPTC), mprc: fn.Read32(0, VFMPRC),
		gorc: uint64(fn.Read32(0, VFGORC_LSB)) | uint64(fn.Read32(0, VFGORC_MSB))<<32,
		gotc: uint64(fn.Read32(0, VFGOTC_LSB)) | uint64(fn.Read32(0, VFGOTC_MSB))<<32,
	}
}

// Wrap32 and Wrap36 extend free-running counters (UPDATE_VF_COUNTER_32BIT
// and _36BIT): the delta since last, modulo the counter width.
func Wrap32(last, cur uint32) uint64 { return uint64(cur - last) }

// Wrap36 is Wrap32 for the 36-bit octet counters.
func Wrap36(last, cur uint64) uint64 { return (cur - last) & (1<<36 - 1) }

func (d *Device) updateStats() {
	cur := d.readHW()
	d.stats.HWRxPackets += Wrap32(d.lastHW.gprc, cur.gprc)
	d.stats.HWTxPackets += Wrap32(d.lastHW.gptc, cur.gptc)
	d.stats.HWMulticast += Wrap32(d.lastHW.mprc, cur.mprc)
	d.stats.HWRxBytes += Wrap36(d.lastHW.gorc, cur.gorc)
	d.stats.HWTxBytes += Wrap36(d.lastHW.gotc, cur.gotc)
	d.lastHW = cur
}

// Stats returns the driver's counters, refreshing the hardware ones.
func (d *Device) Stats() Stats {
	if d.up {
		d.updateStats()
	}
	s := d.stats
	s.Queues = nil
	for i := range d.tx {
		s.TxPackets += d.tx[i].packets
		s.TxBytes += d.tx[i].bytes
		s.RxPackets += d.rx[i].packets
		s.RxBytes += d.rx[i].bytes
		s.Queues = append(s.Queues, QueueStats{TxPackets: d.tx[i].packets, RxPackets: d.rx[i].packets})
	}
	s.Resets = uint64(d.resets)
	return s
}
