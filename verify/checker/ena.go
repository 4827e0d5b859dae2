package checker

import (
	"encoding/binary"
	"fmt"
	"math/bits"

	"github.com/nicforge/nicforge/model/pcie"
	"github.com/nicforge/nicforge/sim"
)

// ENA rules. The checker learns each function's queues the way a bus
// analyser would: the admin queue from the AQ/ACQ base and caps register
// writes, the IO queues from the CREATE_CQ and CREATE_SQ commands the
// device fetches and the completions it writes for them. Then:
//
//	ena_phase       a completion (ACQ or IO CQ) written out of order or with
//	                the phase of another lap (a write may carry several)
//	ena_cmd_id      an admin completion for a command id the device never
//	                fetched, or completed twice
//	ena_tx_req_id   a Tx completion for a request id no fetched descriptor
//	                carried (host-mode SQs)
//	ena_doorbell    an SQ doorbell more than the queue's depth past the last
//	ena_moderation  an IO vector's message sooner after the first completion
//	                it had not signalled than the shorter of the Rx and Tx
//	                delays in force meanwhile (written to its unmask register,
//	                at the resolution GET_FEATURE INTERRUPT_MODERATION gave);
//	                a message covers the completions written before the
//	                card sent it, not those written while it crossed the link
//
// Offsets and layouts: ena_regs_defs.h, ena_admin_defs.h,
// ena_eth_io_defs.h (specs/ena.md).

const (
	enaAQBaseLo, enaAQBaseHi, enaAQCaps    = 0x10, 0x14, 0x18
	enaACQBaseLo, enaACQBaseHi, enaACQCaps = 0x20, 0x24, 0x28
	enaEntry                               = 64
	enaCreateSQ, enaCreateCQ               = 1, 3
	enaTxMetaDesc                          = 1 << 23
	enaTxCompReq                           = 1 << 28
	enaGetFeature, enaIntrModeration       = 8, 20
	enaUnmaskBase, enaIOWindowEnd          = 0x1800, 0x2000
	enaUnmaskDelayMask, enaUnmaskTxShift   = 0x7FFF, 15
	enaUnmaskNoUpdate                      = 1 << 31
)

// enaVector is what the moderation rule tracks of one IO vector: the
// delays in force and the first completion not yet signalled. A message
// may come as soon as the shortest delay in force since that completion
// has passed: an Rx completion after a Tx one may bring the message
// forward, and so may an unmask that shortens the delays.
type enaVector struct {
	rxDelay, txDelay sim.Time
	pending          bool
	first            sim.Time
	minDelay         sim.Time
	// recent are the times of the last completions, oldest first: a
	// message lands a link's latency after the card sent it, and the
	// completions written in between are not signalled by it.
	recent  [64]sim.Time
	nrec    int // valid entries, the newest at recent[(head+nrec-1)%64]
	head    int
	dropped sim.Time // the newest completion no longer remembered
}

// completed records a completion written at t.
func (st *enaVector) completed(t sim.Time) {
	if !st.pending {
		st.pending, st.first, st.minDelay = true, t, min(st.rxDelay, st.txDelay)
	}
	if st.nrec == len(st.recent) {
		st.dropped = st.recent[st.head]
		st.head = (st.head + 1) % len(st.recent)
		st.nrec--
	}
	st.recent[(st.head+st.nrec)%len(st.recent)] = t
	st.nrec++
}

// signalled ends the completions a message sent at t covers: those
// written by then. Any written after stay pending, from the first of
// them. Should more than 64 have come since, the first is not known and
// t stands for it: the rule then checks less, never wrongly.
func (st *enaVector) signalled(t sim.Time) {
	for st.nrec > 0 && st.recent[st.head] <= t {
		st.head = (st.head + 1) % len(st.recent)
		st.nrec--
	}
	st.pending = st.nrec > 0 || st.dropped > t
	switch {
	case st.dropped > t:
		st.first = t
	case st.pending:
		st.first = st.recent[st.head]
	}
	if st.pending {
		st.minDelay = min(st.rxDelay, st.txDelay)
	}
	st.dropped = 0
}

type enaQueue struct {
	base   uint64
	depth  uint16
	entry  int
	tail   uint16 // completions written (CQs)
	tx     bool
	vector int        // MSI-X vector (CQs)
	vec    *enaVector // its moderation state
	feeds  []*enaSQ   // the SQs that complete into this CQ
}

type enaSQ struct {
	base     uint64
	depth    uint16
	cq       int
	tx       bool
	doorbell uint32
	lastDB   uint16
	posted   *reqIDs // Tx: req_id -> fetched and not completed
	idx      int     // its queue index
}

// reqIDs counts request ids: those below the ring's depth, which a driver
// uses, in a slice (a map was most of the checker's cost), others in a map.
type reqIDs struct {
	low  []int32
	high map[int]int
}

func (r *reqIDs) count(id int) int {
	if id < len(r.low) {
		return int(r.low[id])
	}
	return r.high[id]
}

func (r *reqIDs) add(id, d int) {
	if id < len(r.low) {
		r.low[id] += int32(d)
		return
	}
	if r.high == nil {
		r.high = map[int]int{}
	}
	r.high[id] += d
}

// enaFn is what the checker knows of one ENA function.
type enaFn struct {
	aqLo, aqHi, acqLo, acqHi uint32
	aqDepth, acqDepth        uint16
	acqTail                  uint16
	outstanding              map[uint16][]byte // fetched commands by id
	cqs                      []*enaQueue       // by queue index; nil where none was created
	sqs                      []*enaSQ
	// ringsLo..ringsHi bounds every IO queue: most DMA is packet data,
	// outside all of them, and needs no search.
	ringsLo, ringsHi uint64
	// lastCQ and lastSQ are where the last completion and descriptor
	// fetch went: a burst of DMA is one queue's, so they are tried first.
	lastCQ, lastSQ int
	delayRes       sim.Time // the interrupt delay unit (1 µs until the device says)
	vectors        map[int]*enaVector
}

func (e *enaFn) vector(v int) *enaVector {
	if e.vectors == nil {
		e.vectors = map[int]*enaVector{}
	}
	st := e.vectors[v]
	if st == nil {
		st = &enaVector{}
		e.vectors[v] = st
	}
	return st
}

// bound widens the IO queues' bounds by the ring at base of size bytes.
func (e *enaFn) bound(base uint64, size int) {
	if base == 0 {
		return
	}
	if e.ringsHi == 0 || base < e.ringsLo {
		e.ringsLo = base
	}
	e.ringsHi = max(e.ringsHi, base+uint64(size))
}

func (c *Checker) enaOf(f pcie.Func) *enaFn {
	if c.enaLast != nil && c.enaLastFn == f {
		return c.enaLast // a burst of DMA is one function's
	}
	e := c.enaFns[f]
	if e == nil {
		e = &enaFn{outstanding: map[uint16][]byte{}}
		c.enaFns[f] = e
	}
	c.enaLast, c.enaLastFn = e, f
	return e
}

// NewENA returns a checker for an ENA card: the generic rules plus the
// ENA ones.
func NewENA(mem Memory) *Checker {
	c := NewGeneric(mem)
	c.enaFns = map[pcie.Func]*enaFn{}
	return c
}

func (c *Checker) enaMMIOWrite(f pcie.Func, off, v uint32, at sim.Time) {
	e := c.enaOf(f)
	switch off {
	case enaAQBaseLo:
		e.aqLo = v
	case enaAQBaseHi:
		e.aqHi = v
	case enaACQBaseLo:
		e.acqLo = v
	case enaACQBaseHi:
		e.acqHi = v
	case enaAQCaps:
		e.aqDepth = uint16(v)
	case enaACQCaps:
		e.acqDepth, e.acqTail = uint16(v), 0
		clear(e.outstanding)
	}
	if off >= enaUnmaskBase && off < enaIOWindowEnd {
		if i := int(off-enaUnmaskBase) / 4; i < len(e.cqs) && e.cqs[i] != nil && v&enaUnmaskNoUpdate == 0 {
			res := e.delayRes
			if res == 0 {
				res = sim.Microsecond
			}
			st := e.cqs[i].vec
			st.rxDelay = sim.Time(v&enaUnmaskDelayMask) * res
			st.txDelay = sim.Time(v>>enaUnmaskTxShift&enaUnmaskDelayMask) * res
			if st.pending {
				st.minDelay = min(st.minDelay, st.rxDelay, st.txDelay)
			}
		}
		return
	}
	for i, q := range e.sqs {
		if q == nil || q.doorbell != off {
			continue
		}
		if d := uint16(v) - q.lastDB; d > q.depth {
			c.violate("ena_doorbell", at, f, fmt.Sprintf("MMIO write of %d to the doorbell of SQ %d", uint16(v), i),
				"tail moves %d entries past the last doorbell %d in a queue of %d", d, q.lastDB, q.depth)
		}
		q.lastDB = uint16(v)
	}
}

func within(addr uint64, n int, base uint64, size int) bool {
	return base != 0 && addr >= base && addr+uint64(n) <= base+uint64(size)
}

func (c *Checker) enaDMA(f pcie.Func, write bool, addr uint64, data []byte, at sim.Time) {
	e := c.enaOf(f)
	aq := uint64(e.aqLo) | uint64(e.aqHi)<<32
	acq := uint64(e.acqLo) | uint64(e.acqHi)<<32
	le := binary.LittleEndian
	switch {
	case !write && len(data) == enaEntry && within(addr, enaEntry, aq, int(e.aqDepth)*enaEntry):
		e.outstanding[le.Uint16(data)&0xFFF] = append([]byte(nil), data...)
		return
	case write && len(data) == enaEntry && within(addr, enaEntry, acq, int(e.acqDepth)*enaEntry) && e.acqDepth > 0:
		txn := func() string { return fmt.Sprintf("DMA write of an admin completion at %#x", addr) }
		slot := uint16((addr - acq) / enaEntry)
		if want := enaPhase(e.acqTail, e.acqDepth); slot != e.acqTail&(e.acqDepth-1) || data[3]&1 != want {
			c.violate("ena_phase", at, f, txn(), "ACQ slot %d with phase %d; the next completion goes to slot %d with phase %d", slot, data[3]&1, e.acqTail&(e.acqDepth-1), want)
		}
		e.acqTail++
		id := le.Uint16(data) & 0xFFF
		cmd, ok := e.outstanding[id]
		if !ok {
			c.violate("ena_cmd_id", at, f, txn(), "completion for command id %d, which is not outstanding", id)
			return
		}
		delete(e.outstanding, id)
		if data[2] == 0 {
			e.created(cmd, data)
		}
		return
	}
	if addr >= e.ringsHi || addr+uint64(len(data)) <= e.ringsLo {
		return // packet data
	}
	if write {
		if i := e.cqAt(addr, len(data)); i >= 0 {
			c.enaCompletion(f, e, i, addr, data, at)
		}
		return
	}
	if s := e.sqAt(addr, len(data)); s != nil && s.tx {
		for k := 0; k+16 <= len(data); k += 16 {
			// comp_req marks a packet's first data descriptor, which
			// carries its req_id (never a meta descriptor).
			lc := le.Uint32(data[k:])
			if lc&enaTxMetaDesc != 0 || lc&enaTxCompReq == 0 {
				continue
			}
			id := int(lc>>16&0x3F)<<10 | int(le.Uint32(data[k+4:])>>22)
			s.posted.add(id, 1)
		}
	}
}

// cqAt returns the index of the CQ that holds n bytes at addr, or -1.
func (e *enaFn) cqAt(addr uint64, n int) int {
	if i := e.lastCQ; i < len(e.cqs) && e.cqs[i] != nil && within(addr, n, e.cqs[i].base, int(e.cqs[i].depth)*e.cqs[i].entry) {
		return i
	}
	for i, q := range e.cqs {
		if q != nil && within(addr, n, q.base, int(q.depth)*q.entry) {
			e.lastCQ = i
			return i
		}
	}
	return -1
}

// sqAt returns the SQ in host memory that holds n bytes at addr, or nil.
func (e *enaFn) sqAt(addr uint64, n int) *enaSQ {
	if i := e.lastSQ; i < len(e.sqs) && e.sqs[i] != nil && e.sqs[i].base != 0 && within(addr, n, e.sqs[i].base, int(e.sqs[i].depth)*16) {
		return e.sqs[i]
	}
	for i, s := range e.sqs {
		if s != nil && s.base != 0 && within(addr, n, s.base, int(s.depth)*16) {
			e.lastSQ = i
			return s
		}
	}
	return nil
}

// enaCompletion checks the completions one DMA write puts in CQ i (a
// device may write several back together): each in the next slot with
// the phase of its lap, and for Tx a request id the driver posted.
func (c *Checker) enaCompletion(f pcie.Func, e *enaFn, i int, addr uint64, data []byte, at sim.Time) {
	le := binary.LittleEndian
	q := e.cqs[i]
	if q.entry <= 0 || len(data)%q.entry != 0 {
		c.violate("ena_phase", at, f, fmt.Sprintf("DMA write of %d bytes to CQ %d at %#x", len(data), i, addr), "not whole %d-byte completions", q.entry)
		return
	}
	for k := 0; k < len(data); k += q.entry {
		cd := data[k : k+q.entry]
		a := addr + uint64(k)
		var slot uint16
		if q.entry&(q.entry-1) == 0 {
			slot = uint16((a - q.base) >> bits.TrailingZeros(uint(q.entry)))
		} else {
			slot = uint16((a - q.base) / uint64(q.entry))
		}
		if want := enaPhase(q.tail, q.depth); slot != q.tail&(q.depth-1) || cd[3]&1 != want {
			c.violate("ena_phase", at, f, fmt.Sprintf("DMA write of a completion to CQ %d at %#x", i, a),
				"slot %d with phase %d; the next completion goes to slot %d with phase %d", slot, cd[3]&1, q.tail&(q.depth-1), want)
		}
		q.tail++
		if !q.tx {
			continue
		}
		id := int(le.Uint16(cd))
		for _, s := range q.feeds {
			if !s.tx || s.posted == nil || e.sqs[s.idx] != s {
				continue // not Tx in host memory, or since replaced
			}
			if s.posted.count(id) == 0 {
				c.violate("ena_tx_req_id", at, f, fmt.Sprintf("DMA write of a Tx completion to CQ %d", i), "request id %d was never posted (or completed already)", id)
				return
			}
			s.posted.add(id, -1)
		}
	}
	q.vec.completed(at)
}

// created learns the queue a successful CREATE_CQ or CREATE_SQ made.
func (e *enaFn) created(cmd, comp []byte) {
	le := binary.LittleEndian
	switch cmd[2] {
	case enaCreateCQ:
		idx := int(le.Uint16(comp[8:]))
		e.cqs = grow(e.cqs, idx)
		q := &enaQueue{base: uint64(le.Uint32(cmd[12:])) | uint64(le.Uint16(cmd[16:]))<<32, depth: le.Uint16(cmd[6:]), entry: int(cmd[5]&0x1F) * 4, tx: cmd[5]&0x1F == 2, vector: int(le.Uint32(cmd[8:]))}
		q.vec = e.vector(q.vector)
		e.cqs[idx] = q
		e.bound(q.base, int(q.depth)*q.entry)
	case enaGetFeature:
		if cmd[17] == enaIntrModeration {
			if res := le.Uint16(comp[8:]); res != 0 {
				e.delayRes = sim.Time(res) * sim.Microsecond
			}
		}
	case enaCreateSQ:
		idx := int(le.Uint16(comp[8:]))
		s := &enaSQ{base: uint64(le.Uint32(cmd[12:])) | uint64(le.Uint16(cmd[16:]))<<32, depth: le.Uint16(cmd[10:]), cq: int(le.Uint16(cmd[8:])),
			tx: cmd[4]>>5 == 1, doorbell: le.Uint32(comp[12:]), idx: idx}
		if s.tx && cmd[6]&0xF == 1 {
			s.posted = &reqIDs{low: make([]int32, s.depth)}
		}
		e.sqs = grow(e.sqs, idx)
		e.sqs[idx] = s
		e.bound(s.base, int(s.depth)*16)
		if s.cq < len(e.cqs) && e.cqs[s.cq] != nil {
			e.cqs[s.cq].feeds = append(e.cqs[s.cq].feeds, s)
		}
	}
}

func enaPhase(counter, depth uint16) byte {
	if depth == 0 {
		return 1
	}
	if depth&(depth-1) == 0 {
		return byte(1 ^ counter>>bits.TrailingZeros16(depth)&1) // no division per completion
	}
	return byte(1 ^ (counter/depth)&1)
}

// grow extends s so that s[idx] exists.
func grow[T any](s []*T, idx int) []*T {
	if idx >= len(s) {
		s = append(s, make([]*T, idx+1-len(s))...)
	}
	return s
}

// enaMSIX checks an IO vector's message against its moderation and starts
// its next interval.
func (c *Checker) enaMSIX(f pcie.Func, v int, at sim.Time) {
	if v == 0 {
		return // admin and AENQ: not moderated
	}
	e := c.enaOf(f)
	st := e.vector(v)
	if st.pending {
		if due := st.first + st.minDelay; at < due {
			c.violate("ena_moderation", at, f, fmt.Sprintf("MSI-X vector %d", v),
				"fired %v after its first unsignalled completion (at %v); the shortest delay in force since is %v", at-st.first, st.first, st.minDelay)
		}
	}
	st.signalled(at)
}
