package ena

import (
	"encoding/binary"
	"fmt"

	"github.com/nicforge/nicforge/model/acl"
	"github.com/nicforge/nicforge/model/ether"
	"github.com/nicforge/nicforge/model/pcie"
	"github.com/nicforge/nicforge/sim"
)

// IO queues. The driver creates each completion queue (CQ) and then its
// submission queue (SQ) with admin commands; the device hands back the
// SQ's doorbell and the CQ's interrupt-unmask register, both in the
// doorbell window of BAR0:
//
//	0x1000 + 4 × sq_idx   SQ doorbell: the driver's free-running tail
//	0x1800 + 4 × cq_idx   interrupt unmask (written through the Tx CQ of a pair)
//
// Tx: the engine walks the SQ from its head to the doorbell, packet by
// packet (a stored meta descriptor, then data descriptors up to "last"),
// checks every descriptor's phase, reads the buffers, hands the frame to
// the MAC and, once the data is in, writes one 8-byte completion carrying
// the packet's req_id into the CQ. Rx: a frame from the wire takes the
// queue's next posted descriptor(s), its bytes are written to their
// buffers and one 16-byte completion per buffer goes to the CQ, the last
// with "last" set. Each completion may raise the pair's vector, through
// the moderation below.

type cq struct {
	idx    int
	base   uint64
	depth  uint16
	entry  int // bytes
	vector int
	tail   uint16 // completions written, free-running
	writes uint64 // DMA writes of completions
	// Tx write-back coalescing: the completions waiting for their batch
	// (entries, and when each packet's data was in), the time the batch
	// goes (sim.Never: none scheduled), and the event that takes it.
	wb    []byte
	wbAt  []sim.Time
	wbDue sim.Time
	wbSeq uint64 // the flush event in force
	wbGen uint64 // the function's reset generation of what waits
}

// spare takes a spent event from free, or makes one: the device reuses
// its events, so none is allocated per packet.
func spare[T any](free *[]*T) *T {
	if k := len(*free); k > 0 {
		ev := (*free)[k-1]
		*free = (*free)[:k-1]
		return ev
	}
	return new(T)
}

// cqFlush writes back a CQ's waiting Tx completions (rtl.Event). A flush
// moved earlier leaves its old event in the timers: that one finds a newer
// sequence number on the CQ and does nothing.
type cqFlush struct {
	fn       *function
	c        *cq
	gen, seq uint64
}

func (ev *cqFlush) Fire(t sim.Time) {
	fn, c, gen, seq := ev.fn, ev.c, ev.gen, ev.seq
	ev.fn, ev.c = nil, nil
	fn.d.flushDone = append(fn.d.flushDone, ev)
	if fn.gen != gen || c.wbSeq != seq {
		return // a reset dropped the queue, or the flush moved
	}
	c.wbDue = sim.Never
	fn.flushTx(c, t)
}

type sq struct {
	idx        int
	tx         bool
	base       uint64
	depth      uint16
	cq         *cq
	head, tail uint16 // consumed by the device, doorbell
	meta       [descSize]byte
	hasMeta    bool
	llq        []byte                        // LLQ: the entries in device memory
	cache      [txBurstDescs * descSize]byte // Tx: fetched descriptors from head on; Rx: the one being read
	cached     int                           // descriptors in the cache, from cacheFrom on
	cacheFrom  int
	cacheReady sim.Time
	// The head packet's parse, kept while it waits for room in the MAC.
	parsed                            bool
	parsedAt                          uint16
	parsedN, parsedTotal, parsedReqID int
	packets                           uint64
	bytes                             uint64
}

// vector is one IO MSI-X vector's moderation: masked on delivery until the
// driver unmasks it; an event while unmasked fires after the pair's delay
// for that direction.
type vector struct {
	masked     bool
	pending    bool
	first      sim.Time // earliest event not yet signalled
	firstTx    bool     // and whether it was a Tx completion
	txDelay    sim.Time
	rxDelay    sim.Time
	due        sim.Time // a message is scheduled at due (0: none)
	dueGen     uint64
	messages   uint64
	unmaskings uint64
}

func (fn *function) ioInit() {
	n := 2 * fn.d.cfg.MaxQueues
	fn.cqs = make([]*cq, n)
	fn.sqs = make([]*sq, n)
	fn.vecs = make([]vector, 1+fn.d.cfg.MaxQueues)
	for i := range fn.vecs {
		fn.vecs[i].masked = true
	}
}

func le16(b []byte) uint16 { return binary.LittleEndian.Uint16(b) }
func le32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }

func addr48(lo uint32, hi uint16) uint64 { return uint64(lo) | uint64(hi)<<32 }

func (fn *function) createCQ(cmd, resp []byte, at sim.Time) byte {
	depth := le16(cmd[ccqDepth:])
	words := int(cmd[ccqCaps2] & 0x1F)
	vec := int(le32(cmd[ccqVector:]))
	base := addr48(le32(cmd[ccqBaseLo:]), le16(cmd[ccqBaseHi:]))
	if depth == 0 || depth&(depth-1) != 0 || (words != 2 && words != 4 && words != 8) || vec < 1 || vec >= len(fn.vecs) || base == 0 {
		fn.d.card.Flag(fn.id, at, "CREATE_CQ: depth %d, entry %d words, vector %d, base %#x: want a power-of-two depth, 2/4/8 words, vector 1..%d and a base", depth, words, vec, base, len(fn.vecs)-1)
		return StatusIllegalParameter
	}
	for i, q := range fn.cqs {
		if q == nil {
			fn.cqs[i] = &cq{idx: i, base: base, depth: depth, entry: words * 4, vector: vec}
			binary.LittleEndian.PutUint16(resp[ccqRespIdx:], uint16(i))
			binary.LittleEndian.PutUint16(resp[ccqRespDepth:], depth)
			binary.LittleEndian.PutUint32(resp[ccqRespUnmask:], uint32(unmaskBase+4*i))
			return StatusSuccess
		}
	}
	return StatusResourceAlloc
}

func (fn *function) createSQ(cmd, resp []byte, at sim.Time) byte {
	dir := cmd[csqIdentity] >> 5
	place := cmd[csqCaps2] & 0xF
	cqi := int(le16(cmd[csqCQIdx:]))
	depth := le16(cmd[csqDepth:])
	base := addr48(le32(cmd[csqBaseLo:]), le16(cmd[csqBaseHi:]))
	llq := place == placeDevice
	if place != placeHost && !llq {
		fn.d.card.Flag(fn.id, at, "CREATE_SQ: placement policy %d (want 1, host, or 3, device)", place)
		return StatusIllegalParameter
	}
	if llq && (dir != dirTx || !fn.llq.on || int(depth)*fn.llq.entry > llqWindow) {
		fn.d.card.Flag(fn.id, at, "CREATE_SQ in device memory: direction %d, LLQ configured %v, depth %d: LLQ is for Tx SQs after SET LLQ, up to %d entries", dir, fn.llq.on, depth, llqWindow/max(fn.llq.entry, 1))
		return StatusIllegalParameter
	}
	if (dir != dirTx && dir != dirRx) || cqi >= len(fn.cqs) || fn.cqs[cqi] == nil || depth == 0 || depth&(depth-1) != 0 || (base == 0 && !llq) {
		fn.d.card.Flag(fn.id, at, "CREATE_SQ: direction %d, cq %d, depth %d, base %#x: want Tx or Rx, a created CQ, a power-of-two depth and a base", dir, cqi, depth, base)
		return StatusIllegalParameter
	}
	c := fn.cqs[cqi]
	if c.depth != depth {
		fn.d.card.Flag(fn.id, at, "CREATE_SQ: depth %d differs from its CQ's %d", depth, c.depth)
		return StatusIllegalParameter
	}
	for i, q := range fn.sqs {
		if q == nil {
			fn.sqs[i] = &sq{idx: i, tx: dir == dirTx, base: base, depth: depth, cq: c}
			if llq {
				fn.sqs[i].llq = make([]byte, int(depth)*fn.llq.entry)
				binary.LittleEndian.PutUint32(resp[llqRespOffset:], uint32(i*llqWindow))
			}
			binary.LittleEndian.PutUint16(resp[csqRespIdx:], uint16(i))
			binary.LittleEndian.PutUint32(resp[csqRespDoorbl:], uint32(doorbellBase+4*i))
			return StatusSuccess
		}
	}
	return StatusResourceAlloc
}

func (fn *function) destroySQ(cmd []byte) byte {
	i := int(le16(cmd[dqIdx:]))
	if i >= len(fn.sqs) || fn.sqs[i] == nil {
		return StatusIllegalParameter
	}
	fn.sqs[i] = nil
	return StatusSuccess
}

func (fn *function) destroyCQ(cmd []byte) byte {
	i := int(le16(cmd[dqIdx:]))
	if i >= len(fn.cqs) || fn.cqs[i] == nil {
		return StatusIllegalParameter
	}
	for _, q := range fn.sqs {
		if q != nil && q.cq == fn.cqs[i] {
			return StatusResourceBusy // its SQ first
		}
	}
	fn.cqs[i] = nil
	return StatusSuccess
}

// ioWrite serves the doorbell window.
func (fn *function) ioWrite(off, v uint32, at sim.Time) {
	switch {
	case off >= doorbellBase && off < unmaskBase:
		i := int(off-doorbellBase) / 4
		if i >= len(fn.sqs) || fn.sqs[i] == nil {
			fn.d.card.Flag(fn.id, at, "doorbell %#x rung for SQ %d, which does not exist", off, i)
			return
		}
		q := fn.sqs[i]
		tail := uint16(v)
		if uint16(tail-q.head) > q.depth {
			fn.d.card.Flag(fn.id, at, "SQ %d doorbell %d is %d entries past the device's head %d in a ring of %d; ignored", i, tail, uint16(tail-q.head), q.head, q.depth)
			return
		}
		q.tail = tail
		if q.tx {
			fn.d.io.wake(at)
		}
	case off >= unmaskBase && off < ioWindowEnd:
		i := int(off-unmaskBase) / 4
		if i >= len(fn.cqs) || fn.cqs[i] == nil {
			fn.d.card.Flag(fn.id, at, "interrupt unmask %#x for CQ %d, which does not exist", off, i)
			return
		}
		fn.unmask(fn.cqs[i].vector, v, at)
	default:
		fn.d.card.Flag(fn.id, at, "write of %#x to unimplemented register offset %#x", v, off)
	}
}

// unmask handles an interrupt-unmask write: the delays (in units of the
// 1 µs resolution) unless "no moderation update", and the unmask bit.
func (fn *function) unmask(vi int, v uint32, at sim.Time) {
	vec := &fn.vecs[vi]
	if v&unmaskNoUpd == 0 {
		vec.rxDelay = sim.Time(v&unmaskRxMask) * sim.Microsecond
		vec.txDelay = sim.Time(v>>unmaskTxSft&unmaskRxMask) * sim.Microsecond
	}
	// The lost-interrupt kick (unmask 0, no_moderation_update 0) re-arms
	// as an unmask does.
	if v&unmaskBit != 0 || v&(unmaskBit|unmaskNoUpd) == 0 {
		vec.unmaskings++
		vec.masked = false
		if vec.pending {
			// Completions came while the vector was masked (NAPI was
			// busy): their delay runs from the first of them, so under
			// load the vector fires once per delay, not at every unmask.
			delay := vec.rxDelay
			if vec.firstTx {
				delay = vec.txDelay
			}
			if fn.d.strike("early_irq") {
				delay = 0 // the mutation: this unmask fires at once
			}
			fn.schedule(vi, vec.first, delay, at)
		}
	}
}

// event records a completion on vector vi at time at.
func (fn *function) event(vi int, tx bool, at sim.Time) {
	vec := &fn.vecs[vi]
	if !vec.pending {
		vec.pending, vec.first, vec.firstTx = true, at, tx
	}
	if vec.masked {
		return
	}
	delay := vec.rxDelay
	if tx {
		delay = vec.txDelay
	}
	fn.schedule(vi, at, delay, at)
}

func (fn *function) schedule(vi int, from, delay, now sim.Time) {
	vec := &fn.vecs[vi]
	due := sim.Max(from+delay, now)
	if vec.due != 0 && vec.due <= due {
		return
	}
	vec.due = due
	vec.dueGen++
	gen, fgen := vec.dueGen, fn.gen
	fn.d.timers.At(due, func(t sim.Time) {
		if fn.gen != fgen || vec.dueGen != gen || vec.masked || !vec.pending {
			return
		}
		vec.due, vec.pending, vec.masked = 0, false, true
		vec.messages++
		fn.d.card.RaiseMSIX(fn.id, vi, t)
	})
}

// writeCompletion writes one completion (phase set from the CQ's lap) and
// signals it.
func (fn *function) writeCompletion(c *cq, entry []byte, phaseAt int, tx bool, at sim.Time) {
	if stop := fn.d.cfg.TxCompletionStop; tx && stop != 0 && at >= stop && !fn.txCompRecovered {
		fn.txCompLost++
		return // the fault: the packet went out, its completion never comes
	}
	phase := phaseOf(c.tail, c.depth)
	if fn.d.strike("stale_phase") {
		phase ^= 1
	}
	if tx && fn.d.strike("bogus_req_id") {
		binary.LittleEndian.PutUint16(entry[0:], 0xFFF)
	}
	entry[phaseAt] = entry[phaseAt]&^1 | phase
	addr := c.base + uint64(c.tail&(c.depth-1))*uint64(c.entry)
	_ = fn.d.card.Upstream().Write(fn.id, at, addr, entry[:c.entry])
	c.tail++
	c.writes++
	fn.event(c.vector, tx, at)
}

// ioEngine moves packets of every function's Tx SQs to the MAC.
type ioEngine struct {
	d       *Device
	busy    bool
	next    int // the SQ that goes first next time: round robin
	all     []*sq
	owner   []*function
	macFull bool
}

func (e *ioEngine) wake(at sim.Time) {
	if e.busy {
		return
	}
	e.busy = true
	e.d.timers.AtEvent(at+e.d.cfg.Timing.TxStart, e)
}

// Fire runs the engine (rtl.Event: no closure per wake-up).
func (e *ioEngine) Fire(now sim.Time) { e.run(now) }

// run starts the next packet of each Tx SQ with work, round robin, and
// comes back while there is more.
func (e *ioEngine) run(now sim.Time) {
	e.busy = false
	e.macFull = false
	more := false
	all, owner := e.all[:0], e.owner[:0]
	for _, fn := range e.d.fns {
		if fn == nil {
			continue
		}
		for _, q := range fn.sqs {
			if q != nil && q.tx {
				all = append(all, q)
				owner = append(owner, fn)
			}
		}
	}
	// Round robin: every SQ gets a turn, from the one after the last that
	// sent, so the room a full MAC frees goes to each queue in turn (a
	// turn moves what the queue has fetched, up to 64 descriptors).
	served := -1
	if e.next >= len(all) && len(all) > 0 {
		e.next %= len(all) // queues went since the last run
	}
	for k := range all {
		i := e.next + k // wraps once: no division per queue
		if i >= len(all) {
			i -= len(all)
		}
		q := all[i]
		if q.head == q.tail {
			continue
		}
		send := owner[i].txBurst
		if q.llq != nil {
			send = func(q *sq, now sim.Time) bool {
				ok := false
				for q.head != q.tail && owner[i].llqPacket(q, now) {
					ok = true
				}
				return ok
			}
		}
		if !send(q, now) {
			continue // the MAC is full (OnSpace wakes us) or the packet is not whole
		}
		served = i
		more = more || q.head != q.tail
	}
	if served >= 0 {
		if e.next = served + 1; e.next == len(all) {
			e.next = 0
		}
	}
	e.all, e.owner = all, owner
	// A packet waiting for room in the MAC is woken by OnSpace; coming
	// back sooner would find it still waiting.
	if more && !e.macFull {
		e.wake(now)
	}
}

// txBurst sends the whole packets in q's descriptor cache, fetching more
// descriptors first (one DMA, two when the ring wraps) when the cache runs
// low: one round trip serves many packets, as a descriptor prefetcher
// does, and a packet waiting for room in the MAC costs no refetch. It
// reports whether it made progress.
func (fn *function) txBurst(q *sq, now sim.Time) bool {
	up := fn.d.card.Upstream()
	avail := int(uint16(q.tail - q.head))
	if q.cached < avail && q.cached <= txBurstDescs/2 {
		// Move what is left to the front once per refill, not per packet.
		copy(q.cache[:], q.cache[q.cacheFrom*descSize:(q.cacheFrom+q.cached)*descSize])
		q.cacheFrom = 0
		n := min(avail, txBurstDescs) - q.cached
		for got := 0; got < n; {
			at := q.head + uint16(q.cached)
			slot := int(at & (q.depth - 1))
			k := min(n-got, int(q.depth)-slot)
			done, err := up.Read(fn.id, now, q.base+uint64(slot)*descSize, q.cache[q.cached*descSize:(q.cached+k)*descSize])
			if err != nil {
				q.head += uint16(q.cached + k) // a fault: those descriptors are lost
				q.cached, q.cacheFrom = 0, 0
				return true
			}
			q.cacheReady = sim.Max(q.cacheReady, done)
			q.cached += k
			got += k
		}
	}
	warm, _ := up.(pcie.Warmer)
	progress := false
	for q.cached > 0 {
		used, ok := fn.txPacket(q, q.cache[q.cacheFrom*descSize:(q.cacheFrom+q.cached)*descSize], sim.Max(q.cacheReady, now), now)
		if !ok {
			break
		}
		q.cacheFrom += used
		q.cached -= used
		progress = true
		if warm != nil {
			q.warmAhead(warm)
		}
	}
	return progress
}

// warmAheadDescs is how far ahead of the head, in cached descriptors, the
// Tx engine announces the buffer it will read: far enough for the host's
// memory to arrive before the packet's turn, near enough to stay in cache.
const warmAheadDescs = 4

// warmAhead tells the host which buffer the packet warmAheadDescs
// descriptors on will read (a simulator hint, see pcie.Warmer). The
// descriptor may not be written yet: a stale address is a wasted hint,
// nothing more.
func (q *sq) warmAhead(w pcie.Warmer) {
	if q.cached <= warmAheadDescs {
		return
	}
	i := (q.cacheFrom + warmAheadDescs) * descSize
	desc := q.cache[i : i+descSize]
	if lc := le32(desc); lc&txMetaDesc == 0 {
		w.Warm(addr48(le32(desc[8:]), le16(desc[12:])), int(lc&txLenMask))
	}
}

// txPacket sends the packet whose descriptors start descs (at q's head,
// usable from time at). It returns the descriptors it used, or false when
// the packet is not whole yet or the MAC cannot take it.
func (fn *function) txPacket(q *sq, descs []byte, at, now sim.Time) (int, bool) {
	d := fn.d
	up := d.card.Upstream()
	n, total, reqID := 0, 0, -1
	if q.parsed && q.parsedAt == q.head {
		// The head packet was parsed before and waited for the MAC: its
		// descriptors have not changed (they are the device's now).
		n, total, reqID = q.parsedN, q.parsedTotal, q.parsedReqID
	}
	for last := n > 0; !last; {
		if (n+1)*descSize > len(descs) {
			if n > maxPktDescs {
				break
			}
			return 0, false // the rest of the packet is not posted or fetched yet
		}
		desc := descs[n*descSize : (n+1)*descSize]
		lc := le32(desc)
		if want := uint32(phaseOf(q.head+uint16(n), q.depth)); lc>>24&1 != want {
			return 0, false // not written yet: the doorbell ran ahead
		}
		n++
		data, id, l := q.txDesc(desc)
		if !data {
			continue
		}
		if reqID < 0 {
			reqID = id
		}
		total += l
		last = lc&txLast != 0
		if n > maxPktDescs {
			break
		}
	}
	if n > maxPktDescs || total == 0 || total > 9216+ether.HeaderLen {
		d.card.Flag(fn.id, now, "Tx SQ %d: packet of %d descriptors and %d bytes (limits %d and %d); dropped", q.idx, n, total, maxPktDescs, 9216+ether.HeaderLen)
		q.head += uint16(n)
		return n, true
	}
	size := max(total, ether.MinFrame-ether.FCSLen)
	if size+ether.FCSLen > d.MACTx.Free() {
		q.parsed, q.parsedAt, q.parsedN, q.parsedTotal, q.parsedReqID = true, q.head, n, total, reqID
		d.io.macFull = true
		return 0, false
	}
	q.parsed = false
	if !fn.shapeTx(size+ether.FCSLen, now) {
		q.head += uint16(n)
		fn.completeTx(q, reqID, now)
		return n, true
	}
	f := d.frames.Get(size)
	clear(f.Data[total:])
	pos, ready := 0, at
	for k := 0; k < n; k++ {
		desc := descs[k*descSize : (k+1)*descSize]
		lc := le32(desc)
		if lc&txMetaDesc != 0 {
			continue
		}
		l := int(lc & txLenMask)
		done, err := up.Read(fn.id, at, addr48(le32(desc[8:]), le16(desc[12:])), f.Data[pos:pos+l])
		if err != nil {
			f.Release()
			q.head += uint16(n)
			return n, true
		}
		ready = sim.Max(ready, done)
		pos += l
	}
	q.head += uint16(n)
	for k := 0; k < n; k++ {
		if desc := descs[k*descSize : (k+1)*descSize]; le32(desc)&txMetaDesc == 0 {
			fn.txOffload(q, desc, f.Data, now) // the first data descriptor has the offload fields
			break
		}
	}
	ready += fn.aclDelay(now) // the ACL decides at the end of its pipeline
	if !fn.linkLocalOK(f.Data, true, now) || !fn.aclOK(f.Data, acl.Egress, now) {
		f.Release()
		fn.completeTx(q, reqID, ready)
		return n, true
	}
	fn.txPackets++
	fn.txBytes += uint64(f.WireLen())
	q.packets++
	q.bytes += uint64(f.WireLen())
	d.MACTx.Enqueue(f, ready)
	fn.completeTx(q, reqID, ready)
	return n, true
}

// completeTx writes a Tx packet's completion at time at (when its data is
// in, or at once for a packet the shaper dropped), or, with write-back
// coalescing, queues it for its batch.
func (fn *function) completeTx(q *sq, reqID int, at sim.Time) {
	d := fn.d
	if batch := d.cfg.TxCompletionBatch; batch > 1 {
		c := q.cq
		tc := TxCompletion{ReqID: uint16(reqID), SQHead: q.head}
		var e [txCdescSize]byte
		tc.Put(e[:])
		if len(c.wbAt) == 0 || c.wbGen != fn.gen {
			// A new batch; what waited from before a reset is dropped.
			c.wb, c.wbAt, c.wbDue, c.wbGen = c.wb[:0], c.wbAt[:0], sim.Never, fn.gen
		}
		c.wb = append(c.wb, e[:]...)
		c.wbAt = append(c.wbAt, at)
		// The flush time changes only with a batch's first completion and
		// with the one that fills it (after a flush, flushTx reschedules).
		if n := len(c.wbAt); n == 1 || n == min(batch, int(c.depth)-int(c.tail&(c.depth-1))) {
			fn.scheduleFlush(c)
		}
		return
	}
	ev := spare(&d.txDone)
	tc := TxCompletion{ReqID: uint16(reqID), SQHead: q.head}
	tc.Put(ev.cd[:])
	ev.fn, ev.c, ev.gen = fn, q.cq, fn.gen
	d.timers.AtEvent(at, ev)
}

// scheduleFlush sets when c's waiting completions go: once a batch's
// worth of them is in (or the ring's end is reached), else
// TxCompletionFlush after the first one was.
func (fn *function) scheduleFlush(c *cq) {
	if len(c.wbAt) == 0 {
		return
	}
	batch := fn.d.cfg.TxCompletionBatch
	toEnd := int(c.depth) - int(c.tail&(c.depth-1)) // slots before the ring wraps
	due := c.wbAt[0] + fn.d.cfg.TxCompletionFlush
	if k := min(batch, toEnd); len(c.wbAt) >= k {
		due = c.wbAt[0]
		for _, t := range c.wbAt[:k] {
			due = sim.Max(due, t)
		}
	}
	if c.wbDue != sim.Never && c.wbDue <= due {
		return
	}
	c.wbDue = due
	c.wbSeq++
	ev := spare(&fn.d.flushDone)
	*ev = cqFlush{fn: fn, c: c, gen: fn.gen, seq: c.wbSeq}
	fn.d.timers.AtEvent(due, ev)
}

// flushTx writes back, at t, the waiting completions of c whose data is
// in, in order, at most a batch and up to the ring's end, in one DMA
// write, and signals them once.
func (fn *function) flushTx(c *cq, t sim.Time) {
	d := fn.d
	n := 0
	limit := min(d.cfg.TxCompletionBatch, int(c.depth)-int(c.tail&(c.depth-1)))
	for n < len(c.wbAt) && n < limit && c.wbAt[n] <= t {
		n++
	}
	if n > 0 {
		written := 0
		for i := 0; i < n; i++ {
			e := c.wb[i*txCdescSize : (i+1)*txCdescSize]
			if stop := d.cfg.TxCompletionStop; stop != 0 && t >= stop && !fn.txCompRecovered {
				fn.txCompLost++ // the fault: the packet went out, its completion never comes
				continue
			}
			phase := phaseOf(c.tail+uint16(written), c.depth)
			if d.strike("stale_phase") {
				phase ^= 1
			}
			if d.strike("bogus_req_id") {
				binary.LittleEndian.PutUint16(e[0:], 0xFFF)
			}
			e[3] = e[3]&^1 | phase
			if i != written {
				copy(c.wb[written*txCdescSize:], e)
			}
			written++
		}
		if written > 0 {
			addr := c.base + uint64(c.tail&(c.depth-1))*uint64(c.entry)
			_ = d.card.Upstream().Write(fn.id, t, addr, c.wb[:written*txCdescSize])
			c.tail += uint16(written)
			c.writes++
			fn.event(c.vector, true, t)
		}
		c.wb = append(c.wb[:0], c.wb[n*txCdescSize:]...)
		c.wbAt = append(c.wbAt[:0], c.wbAt[n:]...)
	}
	fn.scheduleFlush(c)
}

// txCompletionEvent is a Tx completion waiting for its time; the device
// keeps the spent ones for the next packets.
type txCompletionEvent struct {
	fn  *function
	c   *cq
	gen uint64
	cd  [txCdescSize]byte
}

func (ev *txCompletionEvent) Fire(t sim.Time) {
	fn := ev.fn
	if fn.gen == ev.gen { // a reset drops completions in flight
		fn.writeCompletion(ev.c, ev.cd[:], 3, true, t)
	}
	ev.fn, ev.c = nil, nil
	fn.d.txDone = append(fn.d.txDone, ev)
}

// rxFrame delivers a frame from the wire to every function it is for (its
// MAC, or broadcast), on the queue RSS picks.
func (d *Device) rxFrame(f *ether.Frame, now sim.Time) {
	defer f.Release()
	dst := f.Dst()
	for _, fn := range d.fns {
		if fn == nil || (dst != d.MAC(fn.id) && dst != ether.Broadcast) {
			continue
		}
		// Allowances are the ENI's, decided before any host queue.
		if !fn.shapeRx(f.WireLen(), now) || !fn.linkLocalOK(f.Data, false, now) || !fn.aclOK(f.Data, acl.Ingress, now) {
			continue
		}
		q, hash := fn.rxQueue(f)
		if q == nil {
			fn.rxDrops++
			continue
		}
		fn.rxInto(q, f, hash, now+fn.aclDelay(now))
	}
}

func (fn *function) rxInto(q *sq, f *ether.Frame, hash uint32, now sim.Time) {
	d := fn.d
	up := d.card.Upstream()
	// Buffers as the descriptors say, until the frame fits.
	var bufs [maxPktDescs]rxBuf
	nb, room := 0, 0
	at := now
	for room < len(f.Data) {
		if q.head+uint16(nb) == q.tail || nb == maxPktDescs {
			fn.rxDrops++ // no descriptor: dropped, counted for the keep-alive
			return
		}
		// Read into the queue: a local array would escape through the
		// Upstream interface, an allocation per packet.
		desc := q.cache[:descSize]
		slot := (q.head + uint16(nb)) & (q.depth - 1)
		done, err := up.Read(fn.id, at, q.base+uint64(slot)*descSize, desc)
		if err != nil {
			fn.rxDrops++
			return
		}
		at = done
		if want := phaseOf(q.head+uint16(nb), q.depth); desc[3]&rxDescPhase != want {
			fn.rxDrops++ // posted but not written: the doorbell ran ahead
			return
		}
		if bad := rxDescMalformed(desc, q.depth); bad != "" {
			d.card.Flag(fn.id, at, "Rx SQ %d slot %d: %s; packet dropped", q.idx, slot, bad)
			fn.rxDrops++
			return
		}
		rd := DecodeRxDesc(desc)
		l := int(rd.Length)
		if l == 0 {
			l = 64 << 10
		}
		bufs[nb] = rxBuf{rd.Addr, l, rd.ReqID}
		room += l
		nb++
	}
	q.head += uint16(nb)
	fn.rxPackets++
	fn.rxBytes += uint64(f.WireLen())
	q.packets++
	q.bytes += uint64(f.WireLen())
	ev := spare(&d.rxDone)
	ev.bufs = bufs
	// The frame's bytes go with the delivery: the MAC's frame is released
	// when this returns.
	ev.data = append(ev.data[:0], f.Data...)
	data := ev.data
	var l3, l4 uint8
	l4Of := func(proto byte) uint8 {
		switch proto {
		case 6:
			return l4TCP
		case 17:
			return l4UDP
		}
		return 0
	}
	switch f.EtherType() {
	case 0x0800:
		l3 = l3IPv4
		if len(data) > ether.HeaderLen+9 {
			l4 = l4Of(data[ether.HeaderLen+9])
		}
	case 0x86DD:
		l3 = l3IPv6
		if len(data) > ether.HeaderLen+6 {
			l4 = l4Of(data[ether.HeaderLen+6])
		}
	}
	ev.fn, ev.c, ev.gen, ev.nb, ev.l3, ev.l4, ev.hash = fn, q.cq, fn.gen, nb, l3, l4, hash
	d.timers.AtEvent(at, ev)
}

type rxBuf struct {
	addr  uint64
	n     int
	reqID uint16
}

// rxDelivery is a received frame on its way into host buffers: at its time
// the bytes are written and one completion per buffer follows. The device
// keeps spent ones for the next frames (no allocation per packet).
type rxDelivery struct {
	fn     *function
	c      *cq
	gen    uint64
	bufs   [maxPktDescs]rxBuf
	nb     int
	data   []byte
	l3, l4 uint8
	hash   uint32
	cd     [rxCdescSize]byte // the completion being written (kept here: it would escape)
}

func (ev *rxDelivery) Fire(t sim.Time) {
	fn := ev.fn
	if fn.gen == ev.gen { // a reset dropped the queue
		up := fn.d.card.Upstream()
		pos := 0
		for k := 0; k < ev.nb; k++ {
			b := ev.bufs[k]
			l := min(b.n, len(ev.data)-pos)
			_ = up.Write(fn.id, t, b.addr, ev.data[pos:pos+l])
			pos += l
			rc := RxCompletion{L3Proto: ev.l3, L4Proto: ev.l4, First: k == 0, Last: k == ev.nb-1, Buffer: true,
				Length: uint16(l), ReqID: b.reqID, Hash: ev.hash}
			rc.Put(ev.cd[:])
			fn.writeCompletion(ev.c, ev.cd[:], 3, false, t)
		}
	}
	ev.fn, ev.c = nil, nil
	fn.d.rxDone = append(fn.d.rxDone, ev)
}

// txDesc reads one Tx descriptor: a meta descriptor is stored when it says
// so (data false); a data descriptor gives the req_id it carries and its
// length.
func (q *sq) txDesc(desc []byte) (data bool, reqID, length int) {
	if lc := le32(desc); lc&txMetaDesc != 0 {
		if lc&txMetaStore != 0 {
			copy(q.meta[:], desc)
			q.hasMeta = true
		}
		return false, 0, 0
	}
	t := DecodeTxDesc(desc)
	return true, int(t.ReqID), int(t.Length)
}

// rxDescMalformed says what is wrong with an Rx descriptor the driver
// posted, or "" when it is well formed: one buffer per descriptor with
// first, last and comp_req set, zero MBZ fields, a req_id inside the ring.
func rxDescMalformed(desc []byte, depth uint16) string {
	const want = rxDescFirst | rxDescLast | rxDescCompReq
	switch ctrl := desc[3]; {
	case ctrl&want != want:
		return fmt.Sprintf("ctrl %#02x lacks first, last or comp_req (want all of %#02x)", ctrl, want)
	case ctrl&rxDescCtrlMBZ != 0 || desc[2] != 0 || le16(desc[6:]) != 0 || le16(desc[14:]) != 0:
		return fmt.Sprintf("must-be-zero bits set (ctrl %#02x, byte 2 %#02x, bytes 6-7 %#04x, bytes 14-15 %#04x)", ctrl, desc[2], le16(desc[6:]), le16(desc[14:]))
	case le16(desc[4:]) >= depth:
		return fmt.Sprintf("req_id %d outside a ring of %d", le16(desc[4:]), depth)
	}
	return ""
}

// Tx offloads the device offers (ena_admin_feature_offload_desc.tx) and
// the first data descriptor's meta_ctrl bits that ask for them.
const (
	txOffloadL3IPv4     = 1 << 0
	txOffloadL4IPv4Part = 1 << 1
	txOffloadL4IPv6Part = 1 << 3
	txL3CsumEn          = 1 << 13
	txL4CsumEn          = 1 << 14
	txL4CsumPartial     = 1 << 17
)

// txOffload does the checksums a packet's first data descriptor asks
// for, at the header offsets of the meta descriptor stored for the
// queue: the IPv4 header checksum, and the TCP or UDP checksum completed
// from the pseudo-header sum the driver left in the checksum field.
func (fn *function) txOffload(q *sq, desc, frame []byte, now sim.Time) {
	mc := le32(desc[4:])
	if mc&(txL3CsumEn|txL4CsumEn) == 0 {
		return
	}
	l3Off, l3Len := int(q.meta[9]), int(q.meta[8])
	l3, l4 := mc&0xF, mc>>8&0x1F
	switch {
	case !q.hasMeta:
		fn.d.card.Flag(fn.id, now, "Tx SQ %d: checksum offload asked with no meta descriptor stored; sent as is", q.idx)
		return
	case l3Off+l3Len > len(frame) || l3Len < 20:
		fn.d.card.Flag(fn.id, now, "Tx SQ %d: meta descriptor places the L3 header at %d+%d in a %d-byte frame; sent as is", q.idx, l3Off, l3Len, len(frame))
		return
	}
	if mc&txL3CsumEn != 0 && l3 == l3IPv4 {
		h := frame[l3Off : l3Off+l3Len]
		h[10], h[11] = 0, 0
		binary.BigEndian.PutUint16(h[10:], ^onesSum(h, 0))
	}
	if mc&txL4CsumEn == 0 {
		return
	}
	field, ok := 0, true // the checksum's offset in the L4 header
	switch l4 {
	case l4TCP:
		field = 16
	case l4UDP:
		field = 6
	default:
		ok = false
	}
	seg := frame[l3Off+l3Len:]
	if !ok || mc&txL4CsumPartial == 0 || len(seg) < field+2 {
		fn.d.card.Flag(fn.id, now, "Tx SQ %d: L4 checksum offload for protocol index %d (partial %v) in a %d-byte segment: not offered; sent as is", q.idx, l4, mc&txL4CsumPartial != 0, len(seg))
		return
	}
	sum := ^onesSum(seg, 0)
	if sum == 0 && l4 == l4UDP {
		sum = 0xFFFF // UDP sends a zero checksum as all ones
	}
	binary.BigEndian.PutUint16(seg[field:], sum)
}

// onesSum is the Internet checksum's ones-complement sum of b, from s.
func onesSum(b []byte, s uint32) uint16 {
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s>>16 != 0 {
		s = s&0xFFFF + s>>16
	}
	return uint16(s)
}
