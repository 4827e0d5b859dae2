package ixgbe

import "github.com/nicforge/nicforge/model/pcie"

// QueueCounters are one queue's packet counters as the engines see them.
type QueueCounters struct {
	TxPackets, TxBytes uint64
	RxPackets, RxBytes uint64
	RxDrops            uint64
}

// Queue returns PF queue q's counters.
func (d *Device) Queue(q int) QueueCounters {
	t, r := d.tx.queues[q], d.rx.queues[q]
	return QueueCounters{TxPackets: t.Packets, TxBytes: t.Bytes, RxPackets: r.Packets, RxBytes: r.Bytes, RxDrops: r.Drops}
}

// FunctionQueues returns the PF queue indices that belong to f, in the
// function's own queue order.
func (d *Device) FunctionQueues(f pcie.Func) []int {
	if f.IsVF() {
		return []int{f.VFIndex() * 2, f.VFIndex()*2 + 1}
	}
	if d.numVFs == 0 {
		return []int{0, 1}
	}
	return []int{d.numVFs * 2, d.numVFs*2 + 1}
}

// SpoofDrops returns the frames anti-spoofing dropped from pool p.
func (d *Device) SpoofDrops() uint64 { return d.stats.SpoofDrops }
