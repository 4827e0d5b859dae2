package ena

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/nicforge/nicforge/driver/bus"
)

// Packet is a frame in a driver buffer.
type Packet struct {
	Data  []byte
	Queue int
	// Next chains the frame's further buffers (scatter-gather): each one
	// a packet from AllocPacket, sent as one more data descriptor.
	Next *Packet
	// Offload asks the device for checksum offload: the driver sends a
	// meta descriptor when it differs from the queue's stored one.
	Offload *TxOffload
	iova    uint64
	buf     []byte
}

// TxOffload is a packet's offload metadata (ena_eth_io_tx_meta_desc and
// the offload fields of the first data descriptor).
type TxOffload struct {
	L3Proto, L4Proto uint8 // ENA_ETH_IO_L3_PROTO_IPV4 (8)/IPV6 (11); L4 TCP (12)/UDP (13)
	L3Csum, L4Csum   bool
	L3HdrLen         uint8 // bytes
	L3HdrOff         uint8 // bytes from the frame's start
	L4HdrLenWords    uint8
}

// pool hands out packet buffers of one DMA region: ones given back
// first (the warmest), then fresh ones in address order. Fresh packets
// are made when first needed, so a large ring costs nothing up front.
type pool struct {
	free  []*Packet
	mem   bus.Buffer
	n     int // buffers in the region
	fresh int // buffers handed out at least once
	chunk []Packet
}

func newPool(fn bus.Function, n int) (*pool, error) {
	mem, err := fn.AllocDMA(n*bufSize, 4096)
	if err != nil {
		return nil, fmt.Errorf("ena: packet pool of %d buffers: %w", n, err)
	}
	return &pool{mem: mem, n: n}, nil
}

func (p *pool) get() *Packet {
	if k := len(p.free); k > 0 {
		pk := p.free[k-1]
		p.free = p.free[:k-1]
		pk.Data = pk.buf
		return pk
	}
	if p.fresh == p.n {
		return nil
	}
	if len(p.chunk) == 0 {
		p.chunk = make([]Packet, min(256, p.n-p.fresh))
	}
	pk := &p.chunk[0]
	p.chunk = p.chunk[1:]
	i := p.fresh
	p.fresh++
	b := p.mem.Bytes[i*bufSize : (i+1)*bufSize : (i+1)*bufSize]
	*pk = Packet{iova: p.mem.IOVA + uint64(i*bufSize), buf: b, Data: b}
	return pk
}

func (p *pool) put(k *Packet) { p.free = append(p.free, k) }

// ring is one IO submission queue with its completion queue.
type ring struct {
	q          int
	tx         bool
	depth      int
	sq, cq     bus.Buffer
	sqIdx      uint16
	cqIdx      uint16
	doorbell   uint32
	unmask     uint32
	tail       uint16 // free-running producer counter
	sqPhase    uint32
	cqHead     uint16
	headFlags  int // byte of the head completion that holds its phase bit
	cqPhase    uint32
	inflight   int             // descriptors the device holds
	pkts       []*Packet       // by req_id
	sentAt     []time.Duration // Tx: when each req_id went to the device
	freeIDs    []uint16        // Tx req_ids free
	descs      []int           // Tx: descriptors each req_id holds
	meta       *TxOffload      // Tx: the meta the device stores for this queue
	partial    []byte          // Rx: a multi-buffer frame being joined
	packets    uint64
	bytes      uint64
	lastDelays uint32 // the delays last written to the unmask register
	// Rx: adaptive moderation. interval is the ring's Rx delay (the
	// static one until DIM picks a profile); napiPackets counts what
	// RxBatch returned since the last DIM sample, events the samples
	// that had packets.
	dim         dim
	interval    uint32
	napiPackets uint64
	events      uint16
	llqOffset   uint32 // Tx in LLQ: the SQ's entries in BAR2
	// Rx: the free slots at which RxBatch refills, as ena_clean_rx_irq
	// does: min(depth/ENA_RX_REFILL_THRESH_DIVIDER, ENA_RX_REFILL_THRESH_PACKET).
	refillAt int
	// Tx with Config.BQL: the queue's byte limit. A new ring starts a new
	// one, as netdev_tx_reset_queue does when the buffers are freed.
	bql *dql
}

// Open creates the IO queues (for each pair: CQ then SQ, all Tx before
// all Rx), sets the MTU, fills the Rx rings and unmasks every pair, as
// ena_up does.
func (d *Device) Open(txRing, rxRing int) error {
	if txRing == 0 {
		txRing = ENA_DEFAULT_RING_SIZE
	}
	if rxRing == 0 {
		rxRing = ENA_DEFAULT_RING_SIZE
	}
	txRing = min(txRing, int(d.MaxQueues.TxSQDepth), int(d.MaxQueues.TxCQDepth))
	rxRing = min(rxRing, int(d.MaxQueues.RxSQDepth), int(d.MaxQueues.RxCQDepth))
	// Rx buffers and the application's Tx buffers come from separate
	// pools, as pages and socket buffers do: a busy sender cannot starve
	// the receive rings.
	var err error
	if d.pool == nil { // the reset path keeps pools and rings
		if d.pool, err = newPool(d.fn, d.NumQueues*txRing); err != nil {
			return err
		}
		if d.rxPool, err = newPool(d.fn, d.NumQueues*rxRing); err != nil {
			return err
		}
		d.tx = make([]*ring, d.NumQueues)
		d.rx = make([]*ring, d.NumQueues)
	}
	d.txRing, d.rxRing = txRing, rxRing
	for i := range d.tx {
		if d.tx[i], err = d.createRing(i, true, txRing, d.tx[i]); err != nil {
			return err
		}
	}
	for i := range d.rx {
		if d.rx[i], err = d.createRing(i, false, rxRing, d.rx[i]); err != nil {
			return err
		}
	}
	if err := d.rssConfigure(); err != nil {
		return fmt.Errorf("ena: RSS: %w", err)
	}
	if d.supports(ENA_ADMIN_MTU) {
		if err := d.SetMTU(1500); err != nil {
			return err
		}
	}
	for _, r := range d.rx {
		d.refill(r)
	}
	if !d.cfg.Polling {
		for i := range d.tx {
			d.unmaskPair(i)
		}
	}
	d.up = true
	return nil
}

func (d *Device) createRing(q int, tx bool, depth int, old *ring) (*ring, error) {
	r := &ring{q: q, tx: tx, depth: depth, sqPhase: 1, cqPhase: 1, pkts: make([]*Packet, depth), sentAt: make([]time.Duration, depth), interval: d.RxUsecs,
		refillAt: min(depth/ENA_RX_REFILL_THRESH_DIVIDER, ENA_RX_REFILL_THRESH_PACKET), headFlags: 3}
	if old != nil {
		// The reset path: the same memory, zeroed, and the packets the
		// device held given back.
		r.sq, r.cq, r.lastDelays = old.sq, old.cq, 0
		r.packets, r.bytes = old.packets, old.bytes
		clear(r.sq.Bytes)
		clear(r.cq.Bytes)
		for _, p := range old.pkts {
			if p == nil {
				continue
			}
			if !tx {
				d.rxPool.put(p)
				continue
			}
			for b := p; b != nil; {
				next := b.Next
				b.Next, b.Offload = nil, nil
				d.pool.put(b)
				b = next
			}
		}
	}
	cdesc := rxCdescSize
	dir := ENA_ADMIN_SQ_DIRECTION_RX
	if tx {
		cdesc, dir = txCdescSize, ENA_ADMIN_SQ_DIRECTION_TX
		for id := depth - 1; id >= 0; id-- {
			r.freeIDs = append(r.freeIDs, uint16(id))
		}
		r.descs = make([]int, depth)
		if d.cfg.BQL {
			r.bql = newDQL(d.fn.Now())
		}
	}
	var err error
	if r.cq.Bytes == nil {
		if r.cq, err = d.fn.AllocDMA(depth*cdesc, 4096); err != nil {
			return nil, fmt.Errorf("ena: CQ of queue %d: %w", q, err)
		}
	}
	llq := tx && d.llq.on
	if r.sq.Bytes == nil && !llq {
		if r.sq, err = d.fn.AllocDMA(depth*ioDescSize, 4096); err != nil {
			return nil, fmt.Errorf("ena: SQ of queue %d: %w", q, err)
		}
	}
	le := binary.LittleEndian
	resp, err := d.submit(createCQCmd(cdesc/4, depth, 1+q, r.cq.IOVA)) // vector 0 is management
	if err != nil {
		return nil, fmt.Errorf("ena: CREATE_CQ of queue %d: %w", q, err)
	}
	r.cqIdx = le.Uint16(resp[8:])
	r.unmask = le.Uint32(resp[20:])
	sqBase := r.sq.IOVA
	if llq {
		sqBase = 0 // device memory: no host address
	}
	if resp, err = d.submit(createSQCmd(dir, llq, r.cqIdx, depth, sqBase)); err != nil {
		return nil, fmt.Errorf("ena: CREATE_SQ of queue %d: %w", q, err)
	}
	r.sqIdx = le.Uint16(resp[8:])
	r.doorbell = le.Uint32(resp[12:])
	r.llqOffset = le.Uint32(resp[16:])
	return r, nil
}

// free is depth − 1 − descriptors in flight: the ring is never full.
func (r *ring) free() int { return r.depth - 1 - r.inflight }

func (r *ring) advance() {
	r.tail++
	if int(r.tail)&(r.depth-1) == 0 {
		r.sqPhase ^= 1
	}
}

// AllocPacket takes a buffer from the pool.
func (d *Device) AllocPacket() *Packet { return d.pool.get() }

// FreePacket returns a buffer to the pool.
func (d *Device) FreePacket(p *Packet) { d.pool.put(p) }

// NumQueuePairs returns the IO queue pairs opened.
func (d *Device) NumQueuePairs() int { return len(d.tx) }

// TxRoom returns how many single-buffer packets queue q takes now. With
// BQL it counts the frames of the largest size (the 1500-byte MTU plus
// the Ethernet header) the byte limit lets through, so a caller never
// builds a frame TxBatch refuses: every one while the limit is not yet
// exceeded, the one that exceeds it included.
func (d *Device) TxRoom(q int) int {
	r := d.tx[q]
	room := r.free()
	if r.bql != nil {
		avail := r.bql.avail()
		if avail < 0 {
			return 0
		}
		const largest = 1500 + 14
		room = min(room, avail/largest+1)
	}
	return room
}

// TxLimit returns queue q's byte queue limit and the bytes in flight
// against it; ok is false without BQL.
func (d *Device) TxLimit(q int) (limit, inFlight uint32, ok bool) {
	r := d.tx[q]
	if r.bql == nil {
		return 0, 0, false
	}
	return r.bql.current(), r.bql.inFlight(), true
}

// maxTxBuffers is the most data descriptors a packet may use: what the
// device said (max_per_packet_tx_descs), less one for a meta descriptor.
func (d *Device) maxTxBuffers() int {
	if n := int(d.MaxQueues.PerPacketTxDescs); n > 1 {
		return n - 1
	}
	return 1
}

// TxBatch queues packets on queue q and rings the doorbell once. A packet
// takes one data descriptor per buffer (Next) and, when its offload
// metadata differs from what the device stores for the queue, a meta
// descriptor first. It stops at the first packet that does not fit the
// ring, has more buffers than the device takes per packet, or asks for
// an offload the device does not offer (TxOffloads). For the L4 checksum
// the packet carries the pseudo-header checksum in its checksum field,
// as Linux's CHECKSUM_PARTIAL does; the device completes it.
//
// With BQL a packet goes only while the queue is within its byte limit,
// as the stack hands a queue packets until the one that exceeds the limit
// stops it (__QUEUE_STATE_STACK_XOFF).
func (d *Device) TxBatch(q int, pkts []*Packet) int {
	r := d.tx[q]
	maxHdr := min(int(d.MaxQueues.TxHeader), 255)
	maxBufs := d.maxTxBuffers()
	now := d.fn.Now() // the batch goes at once: Spend comes after it
	n := 0
	for _, p := range pkts {
		if r.bql != nil && r.bql.avail() < 0 {
			break
		}
		bufs, owned, length := 0, true, 0
		for b := p; b != nil; b = b.Next {
			bufs++
			length += len(b.Data)
			// The device reads the packet's DMA buffer: Data must be a
			// prefix of it, not a copy the Go runtime moved elsewhere.
			owned = owned && len(b.Data) <= len(b.buf) && (len(b.Data) == 0 || &b.Data[0] == &b.buf[0])
		}
		if !owned {
			d.fn.Logf("ena: Tx queue %d: a packet's Data is not its DMA buffer (longer than %d bytes, or reallocated); not sent", q, bufSize)
			break
		}
		if p.Offload != nil && !d.offers(p.Offload) {
			break // the caller checksums in software what the device does not
		}
		meta := p.Offload != nil && (r.meta == nil || *r.meta != *p.Offload)
		need := bufs + boolInt(meta) // ring slots: descriptors, or LLQ entries
		if d.llq.on {
			need = d.llqEntries(bufs + boolInt(meta))
		}
		if bufs > maxBufs || r.free() < need || len(r.freeIDs) == 0 {
			break
		}
		id := r.freeIDs[len(r.freeIDs)-1]
		r.freeIDs = r.freeIDs[:len(r.freeIDs)-1]
		r.pkts[id] = p
		r.sentAt[id] = now
		r.descs[id] = need
		if r.bql != nil {
			r.bql.queued(uint32(length)) // netdev_tx_sent_queue(txq, skb->len)
		}
		if d.llq.on {
			d.txLLQ(r, p, id, meta)
			r.inflight += need
			n++
			continue
		}
		if meta {
			d.putMeta(r, p.Offload)
		}
		for b, k := p, 0; b != nil; b, k = b.Next, k+1 {
			l := len(b.Data)
			td := TxDesc{Length: uint16(l), ReqID: id, Phase: r.sqPhase, First: k == 0 && !meta, Last: b.Next == nil, CompReq: k == 0,
				Addr: b.iova}
			if k == 0 {
				td.HeaderLen, td.DF = uint8(min(l, maxHdr)), dontFragment(b.Data)
				td.Offload = p.Offload
			}
			slot := int(r.tail) & (r.depth - 1)
			td.Put(r.sq.Bytes[slot*ioDescSize : (slot+1)*ioDescSize])
			r.advance()
		}
		r.inflight += need
		n++
	}
	if n > 0 {
		d.fn.Spend(txCost * timeDur(n))
		tail := r.tail
		if d.cfg.Mutation == "doorbell_beyond" {
			if d.mutSeen++; d.mutSeen == 20 {
				tail += uint16(r.depth) + 1
			}
		}
		d.fn.Write32(0, r.doorbell, uint32(tail))
	}
	return n
}

// offers reports whether the device does the checksums o asks for.
func (d *Device) offers(o *TxOffload) bool {
	const l3v4, l4v4part, l4v6part = 1 << 0, 1 << 1, 1 << 3
	if o.L3Csum && (o.L3Proto != ENA_ETH_IO_L3_PROTO_IPV4 || d.TxOffloads&l3v4 == 0) {
		return false
	}
	if o.L4Csum {
		switch o.L3Proto {
		case ENA_ETH_IO_L3_PROTO_IPV4:
			return d.TxOffloads&l4v4part != 0
		case ENA_ETH_IO_L3_PROTO_IPV6:
			return d.TxOffloads&l4v6part != 0
		}
		return false
	}
	return true
}

// putMeta writes a meta descriptor that the device stores for the queue
// (ena_com_create_meta: extended, meta_store, first).
func (d *Device) putMeta(r *ring, o *TxOffload) {
	slot := int(r.tail) & (r.depth - 1)
	m := MetaDesc{Phase: r.sqPhase, L3HdrLen: o.L3HdrLen, L3HdrOff: o.L3HdrOff, L4HdrLenWords: o.L4HdrLenWords}
	m.Put(r.sq.Bytes[slot*ioDescSize : (slot+1)*ioDescSize])
	r.advance()
	cp := *o
	r.meta = &cp
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// cleanTx handles Tx completions: one per packet, by req_id, possibly out
// of order.
func (d *Device) cleanTx(r *ring) int {
	done, bytes := 0, 0
	for {
		slot := int(r.cqHead) & (r.depth - 1)
		cd := r.cq.Bytes[slot*txCdescSize : (slot+1)*txCdescSize]
		if uint32(cd[3]&1) != r.cqPhase { // the phase first: an empty CQ costs one load
			break
		}
		id := DecodeTxCompletion(cd).ReqID
		if int(id) >= r.depth || r.pkts[id] == nil {
			d.fn.Logf("ena: Tx queue %d: completion with invalid req_id %d", r.q, id)
			d.needReset = ENA_REGS_RESET_INV_TX_REQ_ID
			break
		}
		p := r.pkts[id]
		r.pkts[id] = nil
		r.freeIDs = append(r.freeIDs, id)
		r.inflight -= max(r.descs[id], 1)
		r.packets++
		for b := p; b != nil; {
			next := b.Next
			r.bytes += uint64(len(b.Data))
			bytes += len(b.Data)
			b.Next, b.Offload = nil, nil
			d.pool.put(b)
			b = next
		}
		r.cqHead++
		if int(r.cqHead)&(r.depth-1) == 0 {
			r.cqPhase ^= 1
		}
		r.headFlags = (int(r.cqHead)&(r.depth-1))*txCdescSize + 3
		done++
	}
	if r.bql != nil && bytes > 0 {
		r.bql.completed(uint32(bytes), d.fn.Now()) // netdev_tx_completed_queue
	}
	return done
}

// refill posts Rx buffers up to depth − 1 and rings the doorbell.
func (d *Device) refill(r *ring) {
	n := 0
	for r.free() > 0 {
		p := d.rxPool.get()
		if p == nil {
			break
		}
		slot := int(r.tail) & (r.depth - 1)
		r.pkts[slot] = p
		rd := RxDesc{Length: bufSize, ReqID: uint16(slot), Phase: r.sqPhase, Addr: p.iova}
		rd.Put(r.sq.Bytes[slot*ioDescSize : (slot+1)*ioDescSize])
		r.advance()
		r.inflight++
		n++
	}
	if n > 0 {
		d.fn.Write32(0, r.doorbell, uint32(r.tail))
	}
}

// RxBatch returns up to len(out) received frames of queue q; the caller
// gives them back with FreePacket. A frame spanning several buffers is
// joined into the first one's place on the Go heap.
func (d *Device) RxBatch(q int, out []*Packet) int {
	r := d.rx[q]
	// An empty queue with no refill due, the common case of a polling
	// loop, costs one load: the head completion's phase.
	head := (int(r.cqHead) & (r.depth - 1)) * rxCdescSize
	if uint32(r.cq.Bytes[head+3])&(ENA_ETH_IO_RX_CDESC_PHASE_MASK>>24) != r.cqPhase && r.free() < r.refillAt {
		return 0
	}
	n := 0
	for n < len(out) {
		slot := int(r.cqHead) & (r.depth - 1)
		cd := r.cq.Bytes[slot*rxCdescSize : (slot+1)*rxCdescSize]
		// The phase first, as ena_com does: an empty queue costs one load.
		if uint32(cd[3])&(ENA_ETH_IO_RX_CDESC_PHASE_MASK>>24) != r.cqPhase {
			break
		}
		c := DecodeRxCompletion(cd)
		id, l := c.ReqID, int(c.Length)
		r.cqHead++
		if int(r.cqHead)&(r.depth-1) == 0 {
			r.cqPhase ^= 1
		}
		r.headFlags = (int(r.cqHead)&(r.depth-1))*rxCdescSize + 3
		if int(id) >= r.depth || r.pkts[id] == nil || l > bufSize {
			d.fn.Logf("ena: Rx queue %d: completion with invalid req_id %d or length %d", r.q, id, l)
			d.needReset = ENA_REGS_RESET_INV_RX_REQ_ID
			break
		}
		p := r.pkts[id]
		r.pkts[id] = nil
		r.inflight--
		first, last := c.First, c.Last
		if first && last && r.partial == nil {
			p.Data, p.Queue = p.buf[:l], q
			out[n] = p
			n++
			r.packets++
			r.napiPackets++
			r.bytes += uint64(l)
			continue
		}
		r.partial = append(r.partial, p.buf[:l]...)
		d.rxPool.put(p)
		if last {
			j := &Packet{Data: r.partial, Queue: q}
			r.partial = nil
			out[n] = j
			n++
			r.packets++
			r.napiPackets++
			r.bytes += uint64(len(j.Data))
		}
	}
	if r.free() >= r.refillAt {
		d.refill(r)
	}
	return n
}

// ReleaseRx gives a received packet back: pool buffers return to the
// pool, joined frames to the garbage collector.
func (d *Device) ReleaseRx(p *Packet) {
	if p.buf != nil {
		d.rxPool.put(p)
	}
}

// unmaskPair writes the pair's unmask register through its Tx CQ: the
// delays (in device units) and the unmask bit; "no moderation update"
// when they did not change.
func (d *Device) unmaskPair(q int) {
	r := d.tx[q]
	delays := d.rx[q].interval&0x7FFF | (d.TxUsecs&0x7FFF)<<ENA_ETH_IO_INTR_REG_TX_SHIFT
	v := delays | ENA_ETH_IO_INTR_REG_UNMASK
	if delays == r.lastDelays && r.lastDelays != 0 {
		v |= ENA_ETH_IO_INTR_REG_NO_MOD_UPD
	}
	r.lastDelays = delays
	d.fn.Write32(0, r.unmask, v)
}

// Poll is the NAPI poll of every pair whose vector fired: clean Tx, then
// unmask (the caller receives with RxBatch). It returns the Tx work done.
func (d *Device) Poll() int {
	if !d.up {
		return 0
	}
	if err := d.service(); err != nil {
		d.fn.Logf("%v", err)
		d.failed = err
		return 0
	}
	if !d.up {
		return 0
	}
	mask := uint64(1)<<(1+len(d.tx)) - 1 // vector 0 and the IO vectors
	fired := d.fn.PendingIRQ(mask) | d.seen | d.napi
	d.napi, d.seen = 0, 0
	if fired&1 != 0 {
		d.management()
	}
	total := 0
	if d.cfg.Polling {
		for _, r := range d.tx {
			total += d.cleanTx(r)
		}
		return total
	}
	for q := range d.tx {
		if fired&(1<<(1+q)) == 0 {
			continue
		}
		total += d.cleanTx(d.tx[q])
		if d.AdaptiveRx {
			d.adjustRx(d.rx[q])
		}
		d.unmaskPair(q)
	}
	return total
}

// Quiet reports whether a Poll and an RxBatch of every queue would find
// nothing to do now and change nothing: the device up, no vector pending,
// the watchdog's service not due, no completion at any CQ's head and no
// Rx refill due. A polling loop counts such a pass as idle without making
// the calls. Vectors it finds pending stay pending for the next Poll or
// WaitInterrupt.
func (d *Device) Quiet() bool {
	if !d.up || d.napi != 0 || d.seen != 0 {
		return false
	}
	if d.seen = d.fn.PendingIRQ(uint64(1)<<(1+len(d.tx)) - 1); d.seen != 0 {
		return false
	}
	if d.fn.Now()-d.lastService >= enaTimerPeriod {
		return false
	}
	// The phase bit is bit 0 of a completion's fourth byte, Tx and Rx.
	if d.cfg.Polling {
		for _, r := range d.tx {
			if uint32(r.cq.Bytes[r.headFlags]&1) == r.cqPhase {
				return false
			}
		}
	}
	for _, r := range d.rx {
		if uint32(r.cq.Bytes[r.headFlags]&1) == r.cqPhase || r.free() >= r.refillAt {
			return false
		}
	}
	return true
}

// WaitInterrupt blocks until any vector fires or timeout passes; the
// vectors that fired are polled by the next Poll.
func (d *Device) WaitInterrupt(timeout time.Duration) bool {
	mask := uint64(1)<<(1+len(d.tx)) - 1
	got := d.seen // pending already: no wait
	d.seen = 0
	if got == 0 {
		got = d.fn.WaitIRQ(mask, timeout)
	}
	if got&1 != 0 {
		d.management()
	}
	d.napi |= got &^ 1
	return got != 0
}

// adjustRx is ena_adjust_adaptive_rx_intr_moderation: a NAPI completion
// that saw Rx packets is a DIM event; a profile DIM picks becomes the
// ring's Rx delay in µs, as Linux writes it.
func (d *Device) adjustRx(r *ring) {
	if r.napiPackets == 0 {
		return
	}
	r.events++
	if r.dim.sample(dimSample{at: d.fn.Now(), pkts: uint32(r.packets), bytes: uint32(r.bytes), events: r.events}) {
		r.interval = r.dim.usec()
	}
	r.napiPackets = 0
}

// RxInterval returns queue q's current Rx interrupt delay, in the units
// the unmask register carries.
func (d *Device) RxInterval(q int) uint32 { return d.rx[q].interval }
