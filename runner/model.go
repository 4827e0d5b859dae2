package runner

import (
	"github.com/nicforge/nicforge/model/card"
	"github.com/nicforge/nicforge/model/ena"
	"github.com/nicforge/nicforge/model/ether"
	"github.com/nicforge/nicforge/model/ixgbe"
	"github.com/nicforge/nicforge/model/mac"
	"github.com/nicforge/nicforge/model/pcie"
	"github.com/nicforge/nicforge/report"
	"github.com/nicforge/nicforge/rtl/cover"
)

// deviceModel is what the runner needs of a card personality, beyond the
// card.Personality the card hosts: its uplink MAC, the counters the report
// reads, and its coverage.
type deviceModel interface {
	card.Personality
	uplink() (*mac.Tx, *mac.RxPort, *ether.Pool)
	traffic(f pcie.Func) funcTraffic
	resets(f pcie.Func) uint64
	drops() dropCounts
	spoofDrops() uint64
	coverage() []*cover.Group
}

// funcTraffic is one function's counters.
type funcTraffic struct {
	txPkts, txBytes, rxPkts, rxBytes, drops uint64
	queues                                  []report.Queue
}

// dropCounts are the card's frames dropped on receive, by reason.
type dropCounts struct {
	bufferFull, noDescriptor, filtered uint64
}

// ixgbeModel adapts the 82599 personality.
type ixgbeModel struct{ *ixgbe.Device }

func (m ixgbeModel) uplink() (*mac.Tx, *mac.RxPort, *ether.Pool) {
	return m.MACTx, m.MACRx, m.Frames()
}

func (m ixgbeModel) traffic(f pcie.Func) funcTraffic {
	var t funcTraffic
	for qi, q := range m.FunctionQueues(f) {
		c := m.Queue(q)
		t.txPkts += c.TxPackets
		t.txBytes += c.TxBytes
		t.rxPkts += c.RxPackets
		t.rxBytes += c.RxBytes
		t.drops += c.RxDrops
		t.queues = append(t.queues, report.Queue{Index: qi, TxPackets: c.TxPackets, RxPackets: c.RxPackets})
	}
	return t
}

func (m ixgbeModel) resets(f pcie.Func) uint64 {
	if f.IsVF() {
		return m.VFResets(f.VFIndex())
	}
	return 0
}

func (m ixgbeModel) drops() dropCounts {
	st := m.Stats()
	return dropCounts{bufferFull: st.RxBufferDrop, noDescriptor: st.RxNoDescDrop, filtered: st.RxFiltered}
}

func (m ixgbeModel) spoofDrops() uint64       { return m.SpoofDrops() }
func (m ixgbeModel) coverage() []*cover.Group { return m.Coverage() }

// enaModel adapts the ENA personality.
type enaModel struct{ *ena.Device }

func (m enaModel) uplink() (*mac.Tx, *mac.RxPort, *ether.Pool) {
	return m.MACTx, m.MACRx, m.Frames()
}

func (m enaModel) traffic(f pcie.Func) funcTraffic {
	var t funcTraffic
	var rxDrops uint64
	t.txPkts, t.txBytes, t.rxPkts, t.rxBytes, rxDrops = m.Traffic(f)
	t.drops = rxDrops
	for qi, c := range m.Queues(f) {
		t.queues = append(t.queues, report.Queue{Index: qi, TxPackets: c.TxPackets, RxPackets: c.RxPackets})
	}
	return t
}

func (m enaModel) resets(f pcie.Func) uint64 {
	_, n := m.ResetReason(f)
	return uint64(n)
}

func (m enaModel) drops() dropCounts {
	var d dropCounts
	for _, f := range m.Functions() {
		_, _, _, _, n := m.Traffic(f)
		d.noDescriptor += n
	}
	return d
}

func (m enaModel) spoofDrops() uint64       { return 0 }
func (m enaModel) coverage() []*cover.Group { return m.Coverage() }
