package ena

import (
	"encoding/binary"
	"github.com/nicforge/nicforge/model/acl"

	"github.com/nicforge/nicforge/model/ether"
	"github.com/nicforge/nicforge/sim"
)

// Low-latency queues: Tx SQs in device memory (BAR2). The driver writes
// whole entries of 128 (or 256) bytes: the first descriptors of a packet,
// then its first bytes ("pushed header"), which no buffer descriptor
// covers; more descriptors follow in later entries. Tail, phase and the
// doorbell count entries. Each SQ has a 256 KiB window in BAR2 at
// llqWindow × sq_idx, handed out in the CREATE_SQ response.

// LLQ values (ena_admin_defs.h).
const (
	llqHeaderInline  = 1 // ENA_ADMIN_INLINE_HEADER
	llqEntry128      = 1 // ENA_ADMIN_LIST_ENTRY_SIZE_128B
	llqEntry256      = 4
	llqStrideSingle  = 1 // ENA_ADMIN_SINGLE_DESC_PER_ENTRY
	llqStrideMulti   = 2
	llqWindow        = 0x40000
	llqMaxDepth      = 1024
	placeDevice      = 3
	llqRespOffset    = 8 // CREATE_SQ response payload: llq_descriptors_offset
	llqHdrLenShift   = 24
	llqSetHeaderLoc  = 10 // SET LLQ payload offsets: the "enabled" halves
	llqSetEntrySize  = 14
	llqSetDescsFirst = 18
	llqSetStride     = 22
)

// llqConfig is what SET LLQ chose.
type llqConfig struct {
	on         bool
	entry      int // bytes
	descsFirst int // descriptors before the header in a packet's first entry
	multi      bool
}

func entryBytes(v uint16) int {
	switch v {
	case llqEntry128:
		return 128
	case llqEntry256:
		return 256
	}
	return 0
}

func (fn *function) getLLQ(p []byte) {
	le := binary.LittleEndian
	le.PutUint32(p[0:], uint32(fn.d.cfg.MaxQueues))
	le.PutUint32(p[4:], llqMaxDepth)
	le.PutUint16(p[8:], llqHeaderInline)
	le.PutUint16(p[10:], llqHeaderInline)
	le.PutUint16(p[12:], llqEntry128|llqEntry256)
	le.PutUint16(p[14:], llqEntry128)
	le.PutUint16(p[16:], 1|2|4|8) // descriptors before the header
	le.PutUint16(p[18:], 2)
	le.PutUint16(p[20:], llqStrideSingle|llqStrideMulti)
	le.PutUint16(p[22:], llqStrideMulti)
	p[24] = 1           // feature_version
	p[25] = llqEntry128 // entry_size_recommended
	le.PutUint16(p[26:], llqMaxDepth/2)
}

func (fn *function) setLLQ(pl []byte, at sim.Time) byte {
	le := binary.LittleEndian
	entry := entryBytes(le.Uint16(pl[llqSetEntrySize:]))
	descs := int(le.Uint16(pl[llqSetDescsFirst:]))
	stride := le.Uint16(pl[llqSetStride:])
	if le.Uint16(pl[llqSetHeaderLoc:]) != llqHeaderInline || entry == 0 || (stride != llqStrideSingle && stride != llqStrideMulti) ||
		(descs != 1 && descs != 2 && descs != 4 && descs != 8) || descs*descSize >= entry {
		fn.d.card.Flag(fn.id, at, "SET LLQ: header location %d, entry size %d, %d descriptors before the header, stride %d: not a supported combination",
			le.Uint16(pl[llqSetHeaderLoc:]), le.Uint16(pl[llqSetEntrySize:]), descs, stride)
		return StatusIllegalParameter
	}
	fn.llq = llqConfig{on: true, entry: entry, descsFirst: descs, multi: stride == llqStrideMulti}
	return StatusSuccess
}

// llqWrite stores a BAR2 write in the LLQ memory of the SQ whose window
// holds it.
func (fn *function) llqWrite(off, v uint32, at sim.Time) {
	i := int(off / llqWindow)
	if i >= len(fn.sqs) || fn.sqs[i] == nil || fn.sqs[i].llq == nil || int(off%llqWindow)+4 > len(fn.sqs[i].llq) {
		fn.d.card.Flag(fn.id, at, "BAR2 write of %#x at %#x: no LLQ there", v, off)
		return
	}
	binary.LittleEndian.PutUint32(fn.sqs[i].llq[off%llqWindow:], v)
}

// llqPacket sends the packet at q's head entry. It reports false when the
// MAC cannot take it yet or its entries are not whole.
func (fn *function) llqPacket(q *sq, now sim.Time) bool {
	d := fn.d
	cfg := fn.llq
	entryAt := func(k uint16) []byte {
		o := int((q.head+k)&(q.depth-1)) * cfg.entry
		return q.llq[o : o+cfg.entry]
	}
	perEntry := cfg.entry / descSize
	if !cfg.multi {
		perEntry = 1
	}
	// The packet's descriptors: the first descsFirst slots of its first
	// entry, then whole later entries.
	var descs [][]byte
	entries := uint16(1)
	first := entryAt(0)
	last := false
	for k := 0; k < cfg.descsFirst && !last; k++ {
		desc := first[k*descSize : (k+1)*descSize]
		if le32(desc)>>24&1 != uint32(phaseOf(q.head, q.depth)) {
			return false
		}
		descs = append(descs, desc)
		last = le32(desc)&txLast != 0
	}
	for !last {
		if uint16(q.tail-q.head) <= entries || len(descs) > maxPktDescs {
			if len(descs) > maxPktDescs {
				d.card.Flag(fn.id, now, "LLQ SQ %d: no last descriptor within %d; packet dropped", q.idx, maxPktDescs)
				q.head += entries
				return true
			}
			return false
		}
		e := entryAt(entries)
		for k := 0; k < perEntry && !last; k++ {
			desc := e[k*descSize : (k+1)*descSize]
			if le32(desc)>>24&1 != uint32(phaseOf(q.head+entries, q.depth)) {
				return false
			}
			descs = append(descs, desc)
			last = le32(desc)&txLast != 0
		}
		entries++
	}
	reqID, push, total := -1, 0, 0
	for _, desc := range descs {
		data, id, l := q.txDesc(desc)
		if !data {
			continue
		}
		if reqID < 0 {
			reqID, push = id, int(desc[15])
		}
		total += l
	}
	hdrRoom := cfg.entry - cfg.descsFirst*descSize
	if reqID < 0 || push > hdrRoom || push+total == 0 || push+total > 9216+ether.HeaderLen {
		d.card.Flag(fn.id, now, "LLQ SQ %d: packet with %d pushed bytes (room %d) and %d in buffers; dropped", q.idx, push, hdrRoom, total)
		q.head += entries
		return true
	}
	size := max(push+total, ether.MinFrame-ether.FCSLen)
	if size+ether.FCSLen > d.MACTx.Free() {
		d.io.macFull = true
		return false
	}
	if !fn.shapeTx(size+ether.FCSLen, now) {
		q.head += entries
		fn.completeTx(q, reqID, now)
		return true
	}
	f := d.frames.Get(size)
	clear(f.Data[push+total:])
	copy(f.Data, first[cfg.descsFirst*descSize:cfg.descsFirst*descSize+push])
	pos, ready := push, now
	up := d.card.Upstream()
	for _, desc := range descs {
		lc := le32(desc)
		l := int(lc & txLenMask)
		if lc&txMetaDesc != 0 || l == 0 {
			continue
		}
		done, err := up.Read(fn.id, now, addr48(le32(desc[8:]), le16(desc[12:])), f.Data[pos:pos+l])
		if err != nil {
			f.Release()
			q.head += entries
			return true
		}
		ready = sim.Max(ready, done)
		pos += l
	}
	q.head += entries
	for _, desc := range descs {
		if le32(desc)&txMetaDesc == 0 {
			fn.txOffload(q, desc, f.Data, now) // the first data descriptor has the offload fields
			break
		}
	}
	ready += fn.aclDelay(now)
	if !fn.linkLocalOK(f.Data, true, now) || !fn.aclOK(f.Data, acl.Egress, now) {
		f.Release()
		fn.completeTx(q, reqID, ready)
		return true
	}
	fn.txPackets++
	fn.txBytes += uint64(f.WireLen())
	q.packets++
	q.bytes += uint64(f.WireLen())
	fn.llqPushed += uint64(push)
	d.MACTx.Enqueue(f, ready)
	fn.completeTx(q, reqID, ready)
	return true
}
