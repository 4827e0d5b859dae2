package ixgbe

import (
	"encoding/binary"

	"github.com/nicforge/nicforge/model/ether"
	"github.com/nicforge/nicforge/model/pcie"
	"github.com/nicforge/nicforge/model/queue"
	"github.com/nicforge/nicforge/rtl"
	"github.com/nicforge/nicforge/sim"
	"github.com/nicforge/nicforge/trace"
)

type rxEntry struct {
	f     *ether.Frame
	after sim.Time // usable at edges after this time
}

// rxQueue is the receive side of one of the 128 queues.
type rxQueue struct {
	q         int
	fn        pcie.Func
	pool      int
	ring      queue.Ring
	on        bool
	bufSize   int
	dropEn    bool
	vlanStrip bool
	fifo      []rxEntry
	fhead     int
	Packets   uint64
	Bytes     uint64
	Drops     uint64
}

type rxEngine struct {
	d      *Device
	proc   *rtl.Proc
	queues [NumQueues]*rxQueue
	active []*rxQueue
	used   int // Rx packet buffer bytes held by waiting frames
	wb     [descSize]byte
}

func newRxEngine(d *Device) *rxEngine {
	e := &rxEngine{d: d}
	for i := range e.queues {
		e.queues[i] = &rxQueue{q: i}
	}
	e.proc = d.k.Add("rx", d.clk, e)
	return e
}

func (e *rxEngine) remap() {
	for _, rq := range e.queues {
		rq.fn, rq.pool = e.d.queueOwner(rq.q)
	}
}

func (e *rxEngine) stop(q int) {
	rq := e.queues[q]
	if !rq.on {
		return
	}
	rq.on = false
	for rq.fhead < len(rq.fifo) {
		e.used -= rq.fifo[rq.fhead].f.WireLen()
		rq.fifo[rq.fhead].f.Release()
		rq.fifo[rq.fhead] = rxEntry{}
		rq.fhead++
	}
	rq.fifo, rq.fhead = rq.fifo[:0], 0
	for i, a := range e.active {
		if a == rq {
			e.active = append(e.active[:i], e.active[i+1:]...)
			break
		}
	}
}

func (e *rxEngine) stopAll() {
	for q := range e.queues {
		e.stop(q)
	}
}

func (e *rxEngine) head(q int) uint32 { return e.queues[q].ring.Head }

func (e *rxEngine) control(q int, old, v uint32, at sim.Time) {
	d := e.d
	rq := e.queues[q]
	off := pfRxQueue(q)
	if v&rxdctlEnable == 0 {
		e.stop(q)
		return
	}
	rq.vlanStrip = v&rxdctlVME != 0
	if rq.on {
		return
	}
	rq.fn, rq.pool = d.queueOwner(q)
	base := uint64(d.pfGet(off+qBAL)) | uint64(d.pfGet(off+qBAH))<<32
	length := d.pfGet(off + qLEN)
	if length == 0 || length%128 != 0 || base%128 != 0 {
		d.card.Flag(rq.fn, at, "Rx queue %d enabled with RDBA %#x, RDLEN %d: base must be 128-byte aligned and RDLEN a non-zero multiple of 128; queue stays off", q, base, length)
		d.pfSet(off+qDCTL, v&^rxdctlEnable)
		return
	}
	srr := d.pfGet(off + qSRRCTL)
	rq.bufSize = int(srr&srrctlBSizePkt) << 10
	if rq.bufSize == 0 {
		rq.bufSize = 2048
	}
	rq.dropEn = srr&srrctlDropEn != 0
	count := length / descSize
	h := d.pfGet(off+qH) % count
	rq.ring.Init(rq.fn, base, count, descSize, d.t.RxDescCache, d.t.DescBurst, int(v&0x7F), h) // PTHRESH
	rq.ring.SetTail(d.pfGet(off+qT) % count)
	rq.on = true
	e.active = append(e.active, rq)
	e.proc.Wake(at + 1)
}

func (e *rxEngine) tail(q int, v uint32, at sim.Time) {
	rq := e.queues[q]
	if !rq.on {
		return
	}
	if !rq.ring.SetTail(v) {
		e.d.card.Flag(rq.fn, at, "Rx queue %d tail %d is beyond the ring of %d descriptors; write ignored", q, v, rq.ring.Count)
		return
	}
	e.proc.Wake(at + 1)
}

// fromWire takes a frame whose last bit arrived from the uplink.
func (e *rxEngine) fromWire(f *ether.Frame, now sim.Time) {
	d := e.d
	if !d.linkUp || !d.rxEnabled() {
		e.dropFrame(f, now, dropRxDisabled, "receiver disabled")
		return
	}
	pools := e.acceptPools(f, f.Dst(), true)
	if pools == 0 {
		d.stats.RxFiltered++
		e.dropFrame(f, now, dropFiltered, "no pool accepts the destination")
		return
	}
	d.pf.Set(d.hot.gprc, d.pf.Get(d.hot.gprc)+1)
	d.addOctets(d.hot.gorcl, d.hot.gorch, uint32(f.WireLen()))
	e.deliver(f, pools, false, now, true)
}

func (e *rxEngine) dropFrame(f *ether.Frame, now sim.Time, reason int, why string) {
	e.d.cov.rxDrop.Hit(reason)
	if tr := e.d.tr(); tr != nil {
		tr.Record(&trace.Event{Time: now, Kind: trace.FrameDrop, Len: uint32(f.WireLen()), Text: why})
	}
	f.Release()
}

// deliver queues f (or copies of it) for the pools' first queues. owned
// says the caller gives f away; otherwise copies are made.
func (e *rxEngine) deliver(f *ether.Frame, pools uint64, loopback bool, at sim.Time, owned bool) {
	d := e.d
	first := true
	for p := 0; pools != 0; p++ {
		if pools&(1<<uint(p)) == 0 {
			continue
		}
		pools &^= 1 << uint(p)
		g := f
		if !(owned && first && pools == 0) {
			g = d.frames.Get(len(f.Data))
			copy(g.Data, f.Data)
			g.SrcPool = f.SrcPool
		}
		first = false
		g.Loopback = loopback
		if d.numVFs > 1 && d.mut.strike(MutateMisrouteFrame) {
			p = (p + 1) % d.numVFs
		}
		rq := e.queues[d.poolQueue(p, 0)]
		if !rq.on {
			rq.Drops++
			e.dropFrame(g, at, dropQueueOff, "queue disabled")
			continue
		}
		if e.used+g.WireLen() > d.t.RxPacketBuffer {
			rq.Drops++
			d.stats.RxBufferDrop++
			d.addStat(pfMPC0, 1)
			e.dropFrame(g, at, dropBufferFull, "Rx packet buffer full")
			continue
		}
		e.used += g.WireLen()
		rq.fifo = append(rq.fifo, rxEntry{g, at})
		if d.mut.strike(MutateDuplicateFrame) {
			dup := d.frames.Get(len(g.Data))
			copy(dup.Data, g.Data)
			e.used += dup.WireLen()
			rq.fifo = append(rq.fifo, rxEntry{dup, at})
		}
		e.proc.Wake(at + 1)
	}
	if owned && f != nil && first {
		f.Release()
	}
}

// acceptPools returns the pools that accept a frame with destination dst:
// the L2 filters (RAR + MPSAR, VMOLR broadcast/multicast policy, MTA) and
// the pools' receive enables.
func (e *rxEngine) acceptPools(f *ether.Frame, dst ether.MAC, fromWire bool) uint64 {
	d := e.d
	if d.pf.Get(d.hot.vtctl)&vtctlVTEna == 0 {
		fc := d.pf.Get(d.hot.fctrl)
		switch {
		case dst == ether.Broadcast:
			if fc&fctrlBAM != 0 {
				return 1
			}
		case dst.IsMulticast():
			if fc&fctrlMPE != 0 || d.mtaHit(dst) {
				return 1
			}
		default:
			if fc&fctrlUPE != 0 || d.filters.lookup(d, dst) != 0 {
				return 1
			}
		}
		return 0
	}
	npools := d.numVFs + 1
	var pools uint64
	switch {
	case dst == ether.Broadcast:
		for p := 0; p < npools; p++ {
			if d.pf.Get(d.hot.vmolr+p)&vmolrBAM != 0 {
				pools |= 1 << uint(p)
			}
		}
	case dst.IsMulticast():
		hit := d.mtaHit(dst)
		for p := 0; p < npools; p++ {
			m := d.pf.Get(d.hot.vmolr + p)
			if m&vmolrMPE != 0 || hit && m&vmolrROMPE != 0 {
				pools |= 1 << uint(p)
			}
		}
	default:
		pools = d.filters.lookup(d, dst)
		// The default pool catches unmatched unicast from the wire only;
		// the VEB sends unmatched unicast from a pool to the wire.
		if pools == 0 && fromWire {
			vt := d.pf.Get(d.hot.vtctl)
			if vt&vtctlDisDefPL == 0 {
				pools = 1 << ((vt & vtctlDefPLMask) >> vtctlDefPLShift)
			}
		}
	}
	tagged := f.EtherType() == 0x8100
	var out uint64
	for p := 0; pools != 0 && p < 64; p++ {
		if pools&(1<<uint(p)) == 0 {
			continue
		}
		pools &^= 1 << uint(p)
		if p >= npools || !d.poolEnabled(p, true) {
			continue
		}
		if !tagged && d.pf.Get(d.hot.vmolr+p)&vmolrAUPE == 0 {
			continue
		}
		out |= 1 << uint(p)
	}
	return out
}

// mtaHit checks the multicast table with the default filter type (MO = 0:
// address bits 47:36).
func (d *Device) mtaHit(m ether.MAC) bool {
	h := (uint32(m[4]) >> 4) | uint32(m[5])<<4
	h &= 0xFFF
	off := uint32(0x05200) + 4*(h>>5)
	if !d.pfHas(off) {
		return false
	}
	return d.pfGet(off)&(1<<(h&0x1F)) != 0
}

// Tick implements rtl.Component.
func (e *rxEngine) Tick(now sim.Time) sim.Time {
	d := e.d
	next := sim.Never
	for _, rq := range e.active {
		rq.ring.Fetch(d.card.Upstream(), now)
		if rq.fhead == len(rq.fifo) {
			continue
		}
		ent := rq.fifo[rq.fhead]
		if ent.after >= now {
			if ent.after+1 < next {
				next = ent.after + 1
			}
			continue
		}
		w := e.receive(rq, ent.f, now)
		if w == 0 {
			rq.fifo[rq.fhead] = rxEntry{}
			rq.fhead++
			if rq.fhead == len(rq.fifo) {
				rq.fifo, rq.fhead = rq.fifo[:0], 0
			} else {
				next = now + 1
			}
			continue
		}
		if w < next {
			next = w
		}
	}
	for _, rq := range e.active {
		if r := rq.ring.NextReady(); r > now && r < next {
			next = r
		}
		if rq.ring.WantsFetch() {
			next = sim.Min(next, now+1)
		}
	}
	return next
}

// receive writes one frame into rq's buffers. It returns 0 when the frame
// was consumed (written or dropped), else when to retry.
func (e *rxEngine) receive(rq *rxQueue, f *ether.Frame, now sim.Time) sim.Time {
	d := e.d
	need := (len(f.Data) + rq.bufSize - 1) / rq.bufSize
	for k := 0; k < need; k++ {
		if _, _, ok := rq.ring.Peek(k, now); !ok {
			if k < rq.ring.Cached() {
				return rq.ring.ReadyAt(k)
			}
			if rq.ring.Unfetched() > 0 {
				return now + 1 // a fetch is on its way next cycle
			}
			if rq.dropEn {
				rq.Drops++
				d.stats.RxNoDescDrop++
				e.used -= f.WireLen()
				e.dropFrame(f, now, dropNoDesc, "no Rx descriptor (DROP_EN)")
				return 0
			}
			return sim.Never // stall until the driver posts buffers
		}
	}
	up := d.card.Upstream()
	if d.mut.strike(MutateDropFrame) {
		e.used -= f.WireLen()
		f.Release()
		return 0
	}
	if d.mut.strike(MutateCorruptFrame) && len(f.Data) > 40 {
		f.Data[40] ^= 0x5a // the UDP checksum: the frame still parses
	}
	if len(f.Data) > 200 && d.mut.strike(MutateCorruptPayload) {
		f.Data[len(f.Data)-1] ^= 0x5a // deep in the payload, past any header
	}
	staleDD := d.mut.strike(MutateStaleDD)
	pktType := uint16(0)
	typeBin := rxTypeOther
	if f.EtherType() == 0x0800 {
		pktType, typeBin = pktTypeIPv4, rxTypeIPv4Other
		if len(f.Data) > ether.HeaderLen+9 && f.Data[ether.HeaderLen+9] == 17 {
			pktType, typeBin = pktType|pktTypeUDP, rxTypeIPv4UDP
		} else if len(f.Data) > ether.HeaderLen+9 && f.Data[ether.HeaderLen+9] == 6 {
			pktType, typeBin = pktType|pktTypeTCP, rxTypeIPv4TCP
		}
	} else if f.EtherType() == 0x86DD {
		pktType, typeBin = pktTypeIPv6, rxTypeIPv6
	}
	d.cov.rxType.Hit(typeBin)
	d.cov.rxSize.Hit(frameSizes.Of(f.WireLen()))
	d.cov.rxBufs.Hit(min(need, 3) - 1)
	pos := 0
	for k := 0; k < need; k++ {
		desc, idx, _ := rq.ring.Peek(k, now)
		addr := binary.LittleEndian.Uint64(desc[0:])
		l := len(f.Data) - pos
		if l > rq.bufSize {
			l = rq.bufSize
		}
		_ = up.Write(rq.fn, now, addr, f.Data[pos:pos+l])
		pos += l
		status := uint32(rxdStatDD)
		if staleDD {
			status = 0
		}
		if k == need-1 {
			status |= rxdStatEOP
		}
		if f.Loopback {
			status |= rxdStatLB
		}
		wb := e.wb[:]
		binary.LittleEndian.PutUint16(wb[0:], pktType)
		binary.LittleEndian.PutUint16(wb[2:], 0)
		binary.LittleEndian.PutUint32(wb[4:], f.Hash)
		binary.LittleEndian.PutUint32(wb[8:], status)
		binary.LittleEndian.PutUint16(wb[12:], uint16(l))
		binary.LittleEndian.PutUint16(wb[14:], 0)
		_ = up.Write(rq.fn, now, rq.ring.DescAddr(idx), wb)
	}
	before := rq.ring.Head
	rq.ring.Consume(need)
	if rq.ring.Head < before {
		d.cov.ringWrap.Hit(wrapRx)
	}
	e.used -= f.WireLen()
	rq.Packets++
	rq.Bytes += uint64(f.WireLen())
	if rq.pool < d.numVFs && rq.fn.IsVF() {
		v := d.vfs[rq.pool]
		v.gprc++
		v.gorc += uint64(f.WireLen())
		if f.Dst().IsMulticast() {
			v.mprc++
		}
	}
	d.queueCause(rq.q, false, now)
	f.Release()
	return 0
}
