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

// txQueue is the transmit side of one of the 128 queues.
type txQueue struct {
	q       int
	fn      pcie.Func
	pool    int
	ring    queue.Ring
	on      bool
	wthresh int
	wbFrom  uint32 // first descriptor not yet written back
	wbCount int    // descriptors processed since wbFrom
	wbRS    bool   // a descriptor with RS is among them
	busy    int    // packets of this queue in flight
	rate    uint32 // RTTBCNRC: rate factor with 14 fractional bits, 0 = off
	nextTx  sim.Time
	// Packets whose data reads are out: when each is in the packet buffer
	// and how many descriptors it used. Their descriptors are written back
	// (DD) once the data is in, in WTHRESH batches.
	pend    []txRec
	phead   int
	posted  uint64 // descriptors of every packet started
	done    uint64 // descriptors of every packet retired
	Packets uint64
	Bytes   uint64
}

type txRec struct {
	ready sim.Time
	n     int
	acc   uint64 // descriptors of this and every earlier packet of the queue
}

type txEngine struct {
	d      *Device
	proc   *rtl.Proc
	queues [NumQueues]*txQueue
	active []*txQueue
	rr     int
	wb     [descSize * 64]byte
}

func newTxEngine(d *Device) *txEngine {
	e := &txEngine{d: d}
	for i := range e.queues {
		e.queues[i] = &txQueue{q: i}
	}
	e.proc = d.k.Add("tx", d.clk, e)
	return e
}

func (e *txEngine) remap() {
	for _, tq := range e.queues {
		tq.fn, tq.pool = e.d.queueOwner(tq.q)
	}
}

func (e *txEngine) stop(q int) {
	tq := e.queues[q]
	if !tq.on {
		return
	}
	tq.on = false
	tq.pend, tq.phead, tq.busy, tq.wbCount = tq.pend[:0], 0, 0, 0
	tq.posted, tq.done = 0, 0
	for i, a := range e.active {
		if a == tq {
			e.active = append(e.active[:i], e.active[i+1:]...)
			break
		}
	}
}

func (e *txEngine) stopAll() {
	for q := range e.queues {
		e.stop(q)
		e.queues[q].rate = 0
	}
}

func (e *txEngine) head(q int) uint32 { return e.queues[q].ring.Head }

func (e *txEngine) setRate(q int, v uint32) {
	if v&rttbcnrcRSEna == 0 {
		e.queues[q].rate = 0
		return
	}
	e.queues[q].rate = v & rttbcnrcRFMask
}

// control handles a TXDCTL write: ENABLE starts the queue when its ring is
// sane, and reads back set only while the queue runs.
func (e *txEngine) control(q int, old, v uint32, at sim.Time) {
	d := e.d
	tq := e.queues[q]
	off := pfTxQueue(q)
	if v&txdctlEnable == 0 {
		e.stop(q)
		return
	}
	if tq.on {
		return
	}
	tq.fn, tq.pool = d.queueOwner(q)
	base := uint64(d.pfGet(off+qBAL)) | uint64(d.pfGet(off+qBAH))<<32
	length := d.pfGet(off + qLEN)
	if length == 0 || length%128 != 0 || base%128 != 0 {
		d.card.Flag(tq.fn, at, "Tx queue %d enabled with TDBA %#x, TDLEN %d: base must be 128-byte aligned and TDLEN a non-zero multiple of 128; queue stays off", q, base, length)
		d.pfSet(off+qDCTL, v&^txdctlEnable)
		return
	}
	count := length / descSize
	h := d.pfGet(off+qH) % count
	tq.ring.Init(tq.fn, base, count, descSize, d.t.TxDescCache, d.t.DescBurst, int(v&0x7F), h) // PTHRESH
	tq.ring.SetTail(d.pfGet(off+qT) % count)
	tq.wthresh = int(v>>txdctlWTHRESHSft) & 0x7F
	tq.wbFrom, tq.wbCount, tq.wbRS, tq.busy = h, 0, false, 0
	tq.pend, tq.phead = tq.pend[:0], 0
	tq.posted, tq.done = 0, 0
	tq.on = true
	e.active = append(e.active, tq)
	e.proc.Wake(at + 1)
}

func (e *txEngine) tail(q int, v uint32, at sim.Time) {
	tq := e.queues[q]
	if !tq.on {
		return
	}
	if !tq.ring.SetTail(v) {
		fn, _ := e.d.queueOwner(q)
		e.d.card.Flag(fn, at, "Tx queue %d tail %d is beyond the ring of %d descriptors; write ignored", q, v, tq.ring.Count)
		return
	}
	e.proc.Wake(at + 1)
}

// Tick implements rtl.Component.
func (e *txEngine) Tick(now sim.Time) sim.Time {
	d := e.d
	next := sim.Never
	// One pass over the queues with work: write back the descriptors of
	// packets whose data is in the packet buffer, a WTHRESH batch at a time
	// (or whatever is left when the queue goes idle), and prefetch
	// descriptors (a fetch may leave more to fetch - a burst limit, the
	// wrap - then come back next cycle).
	up := d.card.Upstream()
	for _, tq := range e.active {
		r := &tq.ring
		if tq.idle() {
			continue
		}
		if n := e.complete(tq, now); n < next {
			next = n
		}
		if r.Fetch(up, now) && r.WantsFetch() {
			next = sim.Min(next, now+1) // more to fetch: a burst limit or the wrap
		}
	}
	// Start at most one packet per cycle, round robin over the queues.
	started := false
	for i := 0; i < len(e.active) && !started; i++ {
		tq := e.active[(e.rr+i)%len(e.active)]
		ok, wait := e.start(tq, now)
		if ok {
			started = true
			e.rr = (e.rr + i + 1) % len(e.active)
			break
		}
		if wait == bufferFull {
			// The arbiter holds its grant until the packet buffer has
			// room for this queue's packet: small packets of other queues
			// may not starve it.
			e.rr = (e.rr + i) % len(e.active)
			break
		}
		if wait < next {
			next = wait
		}
	}
	if started && ether.MinFrame <= d.MACTx.Free() {
		return now + 1
	}
	for _, tq := range e.active {
		if tq.idle() {
			continue
		}
		if r := tq.ring.NextReady(); r < next && r > now {
			next = r
		}
		// The cache fell below the prefetch threshold this cycle: fetch
		// next cycle.
		if tq.ring.WantsFetch() {
			next = sim.Min(next, now+1)
		}
	}
	return next
}

// bufferFull is start's answer when the packet waits for packet-buffer
// space; the MAC wakes the engine when a frame leaves.
const bufferFull = sim.Never - 1

// start tries to begin one packet of tq at now. When it cannot, it returns
// the time worth retrying at (sim.Never: wait for an outside event).
func (e *txEngine) start(tq *txQueue, now sim.Time) (bool, sim.Time) {
	d := e.d
	if tq.ring.Cached() == 0 {
		return false, sim.Never
	}
	if !d.poolEnabled(tq.pool, false) {
		return false, sim.Never
	}
	if tq.rate != 0 && tq.nextTx > now {
		return false, tq.nextTx
	}
	// Find the packet's descriptors: context descriptors, then data
	// descriptors up to EOP, all fetched and ready.
	n, total := 0, 0
	eop := false
	for !eop {
		desc, _, ok := tq.ring.Peek(n, now)
		if !ok {
			if n < tq.ring.Cached() {
				return false, tq.ring.ReadyAt(n)
			}
			if n >= maxTxDescPerPacket || n >= int(tq.ring.Count)-1 {
				break
			}
			return false, sim.Never // the rest of the packet is not posted yet
		}
		ctl := binary.LittleEndian.Uint32(desc[8:])
		n++
		switch {
		case ctl&txdCmdDEXT == 0:
			d.cov.txDesc.Hit(descLegacy)
		case ctl&txdDTYPMask == txdDTYPCtxt:
			d.cov.txDesc.Hit(descAdvContext)
			continue
		default:
			d.cov.txDesc.Hit(descAdvData)
		}
		total += int(ctl & 0xFFFF)
		eop = ctl&txdCmdEOP != 0
		if n > maxTxDescPerPacket {
			break
		}
	}
	if !eop {
		// No EOP within the limit: the hardware flags a malformed packet
		// and drops its descriptors.
		d.card.Flag(tq.fn, now, "Tx queue %d: no EOP within %d descriptors; dropped", tq.q, n)
		d.stats.TxBadDesc++
		e.drop(tq, n, now)
		return true, 0
	}
	if total > MaxFrame || total == 0 {
		d.card.Flag(tq.fn, now, "Tx queue %d: packet of %d bytes (limit %d, zero not allowed); dropped", tq.q, total, MaxFrame)
		d.stats.TxBadDesc++
		e.drop(tq, n, now)
		return true, 0
	}
	padded := total
	if padded < ether.MinFrame-ether.FCSLen {
		padded = ether.MinFrame - ether.FCSLen
	}
	if padded+ether.FCSLen > d.MACTx.Free() {
		return false, bufferFull
	}
	f := d.frames.Get(padded)
	for i := total; i < padded; i++ {
		f.Data[i] = 0
	}
	ready := now
	pos := 0
	bad := false
	for k := 0; k < n; k++ {
		desc, _, _ := tq.ring.Peek(k, now)
		ctl := binary.LittleEndian.Uint32(desc[8:])
		if ctl&txdCmdDEXT != 0 && ctl&txdDTYPMask == txdDTYPCtxt {
			continue
		}
		addr := binary.LittleEndian.Uint64(desc[0:])
		l := int(ctl & 0xFFFF)
		done, err := d.card.Upstream().Read(tq.fn, now, addr, f.Data[pos:pos+l])
		if err != nil {
			bad = true
		}
		if done > ready {
			ready = done
		}
		pos += l
	}
	before := tq.ring.Head
	tq.ring.Consume(n)
	if tq.ring.Head < before {
		d.cov.ringWrap.Hit(wrapTx)
	}
	d.cov.descsPerPacket(n)
	f.SrcPool = tq.pool
	f.SrcQueue = tq.q
	tq.busy++
	tq.posted += uint64(n)
	tq.pend = append(tq.pend, txRec{ready: ready, n: n, acc: tq.posted})
	if bad {
		d.stats.TxBadDesc++
		f.Release()
	} else {
		// The switch decides now, from the descriptor's data; the frame
		// reaches the wire or the receiving pool only once its data is in
		// (ready). Room in the packet buffer was checked above.
		d.txSwitch(f, tq.pool, now, ready)
	}
	if tq.rate != 0 {
		lineTime := sim.Time(f.LineBytes()) * d.MACTx.Period()
		tq.nextTx = now + sim.Time((uint64(lineTime)*uint64(tq.rate))>>14)
	}
	return true, 0
}

// idle reports a queue with nothing to fetch, send or write back.
func (tq *txQueue) idle() bool {
	return tq.phead == len(tq.pend) && tq.wbCount == 0 && tq.ring.Drained()
}

// complete retires tq's packets whose data is in by now and writes back
// their descriptors a WTHRESH batch at a time, or all of them when the
// queue has nothing more to do. It returns when it next has work.
func (e *txEngine) complete(tq *txQueue, now sim.Time) sim.Time {
	for tq.phead < len(tq.pend) && tq.pend[tq.phead].ready <= now {
		r := &tq.pend[tq.phead]
		tq.wbCount += r.n
		tq.done = r.acc
		tq.wbRS = true
		tq.busy--
		tq.phead++
	}
	if tq.phead == len(tq.pend) {
		tq.pend, tq.phead = tq.pend[:0], 0
	} else if tq.phead >= 64 && tq.phead > len(tq.pend)/2 {
		tq.pend, tq.phead = tq.pend[:copy(tq.pend, tq.pend[tq.phead:])], 0
	}
	drained := tq.ring.Drained()
	if tq.wbCount > 0 && (tq.wbCount >= tq.wthresh || tq.busy == 0 && drained) {
		e.writeBack(tq, now)
	}
	if tq.phead == len(tq.pend) {
		return sim.Never
	}
	// Next: when the batch fills - the first packet whose descriptors take
	// the count to WTHRESH; every packet has at least one, so it is among
	// the next WTHRESH - wbCount - or when the last packet is in if the
	// queue has nothing after it.
	target := tq.done + uint64(tq.wthresh-tq.wbCount)
	lo, hi := tq.phead, len(tq.pend)
	if lim := lo + tq.wthresh - tq.wbCount; lim < hi {
		hi = lim
	}
	for lo < hi {
		mid := (lo + hi) / 2
		if tq.pend[mid].acc >= target {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	if lo < len(tq.pend) && tq.pend[lo].acc >= target {
		return tq.pend[lo].ready
	}
	if drained {
		return tq.pend[len(tq.pend)-1].ready
	}
	return sim.Never
}

// count adds a transmitted frame to its queue's counters.
func (e *txEngine) count(f *ether.Frame) {
	if f.SrcQueue >= 0 && f.SrcQueue < NumQueues {
		tq := e.queues[f.SrcQueue]
		tq.Packets++
		tq.Bytes += uint64(f.WireLen())
	}
}

// drop consumes n descriptors of a malformed packet and writes them back
// done, so the driver can reclaim them.
func (e *txEngine) drop(tq *txQueue, n int, now sim.Time) {
	tq.ring.Consume(n)
	tq.wbCount += n
	tq.wbRS = true
	e.writeBack(tq, now)
}

// writeBack marks the processed descriptors done (DD) in host memory, in
// one burst per contiguous range, and raises the queue's Tx cause.
func (e *txEngine) writeBack(tq *txQueue, now sim.Time) {
	d := e.d
	up := d.card.Upstream()
	for tq.wbCount > 0 {
		n := tq.wbCount
		if wrap := int(tq.ring.Count - tq.wbFrom); n > wrap {
			n = wrap
		}
		if n > 64 {
			n = 64
		}
		buf := e.wb[:n*descSize]
		for i := 0; i < n; i++ {
			w := buf[i*descSize : (i+1)*descSize]
			binary.LittleEndian.PutUint64(w[0:], 0)
			binary.LittleEndian.PutUint32(w[8:], 0)
			binary.LittleEndian.PutUint32(w[12:], txdStatDD)
		}
		_ = up.Write(tq.fn, now, tq.ring.DescAddr(tq.wbFrom), buf)
		tq.wbFrom = (tq.wbFrom + uint32(n)) % tq.ring.Count
		tq.wbCount -= n
	}
	if d.mut.strike(MutateUnownedWriteBack) {
		// The descriptor at the tail is the first the driver has not
		// given the device.
		w := e.wb[:descSize]
		clear(w)
		binary.LittleEndian.PutUint32(w[12:], txdStatDD)
		_ = up.Write(tq.fn, now, tq.ring.DescAddr(tq.ring.Tail), w)
	}
	if tq.wbRS {
		tq.wbRS = false
		d.queueCause(tq.q, true, now)
	}
}

// txSwitch hands a transmitted frame to the VEB at now: anti-spoofing,
// loopback to local pools, the uplink; what it forwards moves on at ready,
// when the frame's data is in the packet buffer. It returns false when the
// uplink's packet buffer is full.
func (d *Device) txSwitch(f *ether.Frame, pool int, now, ready sim.Time) bool {
	size := frameSizes.Of(f.WireLen())
	d.cov.txSize.Hit(size)
	vt := d.pf.Get(d.hot.vtctl)&vtctlVTEna != 0
	if vt && pool < d.numVFs && d.spoofCheck(pool) {
		src := f.Src()
		if d.filters.lookup(d, src)&(1<<uint(pool)) == 0 {
			d.stats.SpoofDrops++
			d.cov.txSwitch.Hit(switchSpoofDrop)
			d.cov.sizeXswitch.Hit(size, switchSpoofDrop)
			d.addStat(pfSSVPC, 1)
			if tr := d.tr(); tr != nil {
				tr.Record(&trace.Event{Time: now, Kind: trace.FrameDrop, Port: 0, Len: uint32(f.WireLen()), Text: "anti-spoof: " + pcie.VF(pool).String() + " sent source MAC " + src.String()})
			}
			f.Release()
			return true
		}
	}
	dst := f.Dst()
	local := uint64(0)
	if vt && d.pf.Get(d.hot.dtxswc)&dtxswcVTLBEN != 0 {
		local = d.rx.acceptPools(f, dst, false) &^ (1 << uint(pool))
	}
	toWire := local == 0 || dst.IsMulticast()
	outcome := switchWire
	switch {
	case local != 0 && toWire:
		outcome = switchBoth
	case local != 0:
		outcome = switchLoopback
	}
	d.cov.txSwitch.Hit(outcome)
	d.cov.sizeXswitch.Hit(size, outcome)
	if toWire {
		if !d.MACTx.Enqueue(f, ready) {
			return false
		}
		d.pf.Set(d.hot.gptc, d.pf.Get(d.hot.gptc)+1)
		d.addOctets(d.hot.gotcl, d.hot.gotch, uint32(f.WireLen()))
	}
	if pool < d.numVFs {
		v := d.vfs[pool]
		v.gptc++
		v.gotc += uint64(f.WireLen())
	}
	if !toWire {
		d.tx.count(f) // a frame for the wire counts when it leaves the MAC
	}
	if local != 0 {
		d.stats.Loopback++
		d.rx.deliver(f, local, true, ready+d.t.SwitchLatency, !toWire)
	}
	return true
}

func (d *Device) spoofCheck(pool int) bool {
	return d.pf.Get(d.hot.spoof+pool/8)&(1<<(pool%8)) != 0
}

// queueCause raises the interrupt cause of PF queue q (Rx or Tx) on the
// vector its owner mapped it to.
func (d *Device) queueCause(q int, tx bool, at sim.Time) {
	fn, pool := d.queueOwner(q)
	cause, kind := causeRxQueue, 0
	if tx {
		cause = causeTxQueue
	}
	if fn.IsVF() {
		kind = 1
	}
	d.cov.cause.Hit(cause)
	d.cov.causeByFn.Hit(cause, kind)
	d.cov.fnKind.Hit(kind)
	if fn.IsVF() {
		v := d.vfs[pool]
		if vec, ok := v.vector(q-pool*2, tx); ok {
			v.intr.Assert(1<<vec, at)
		}
		return
	}
	reg := d.pf.Get(d.hot.ivar + q/2)
	shift := 16 * uint(q&1)
	if tx {
		shift += 8
	}
	b := (reg >> shift) & 0xFF
	if b&ivarValid != 0 {
		d.pfIntr.Assert(1<<(b&0x3F), at)
	}
}
