package ena

import "encoding/binary"

// LLQ negotiation and the push-mode Tx path (ena_com.c
// ena_com_config_llq_info, ena_eth_com.c ena_com_prepare_tx with LLQ).
const (
	ENA_ADMIN_INLINE_HEADER          = 1
	ENA_ADMIN_LIST_ENTRY_SIZE_128B   = 1
	ENA_ADMIN_SINGLE_DESC_PER_ENTRY  = 1
	ENA_ADMIN_MULTIPLE_DESCS_PER_ENT = 2
	ENA_ADMIN_PLACEMENT_POLICY_DEV   = 3
	ENA_MEM_BAR                      = 2
	llqEntrySize                     = 128
	llqDescsBeforeHeader             = 2
	llqAccelFlags                    = 0x3
)

// llq is the negotiated LLQ layout.
type llq struct {
	on         bool
	multi      bool
	maxHeader  int // entry size minus the descriptors before the header
	descsEntry int
	bounce     [llqEntrySize]byte
}

// configLLQ is step 12 of the probe: with LLQ offered, take inline
// headers, 128-byte entries, two descriptors before the header and
// several descriptors per entry where supported; otherwise host mode.
func (d *Device) configLLQ() {
	d.llq = llq{}
	if !d.supports(ENA_ADMIN_LLQ) {
		return
	}
	p, err := d.getFeature(ENA_ADMIN_LLQ, 1)
	if err != nil {
		d.fn.Logf("ena: LLQ: %v; host mode", err)
		return
	}
	le := binary.LittleEndian
	hdr, entry, before, stride := le.Uint16(p[8:]), le.Uint16(p[12:]), le.Uint16(p[16:]), le.Uint16(p[20:])
	if hdr&ENA_ADMIN_INLINE_HEADER == 0 || entry&ENA_ADMIN_LIST_ENTRY_SIZE_128B == 0 || before&llqDescsBeforeHeader == 0 {
		d.fn.Logf("ena: LLQ layout not offered (header %#x, entry %#x, descriptors before header %#x); host mode", hdr, entry, before)
		return
	}
	s := uint16(ENA_ADMIN_SINGLE_DESC_PER_ENTRY)
	if stride&ENA_ADMIN_MULTIPLE_DESCS_PER_ENT != 0 {
		s = ENA_ADMIN_MULTIPLE_DESCS_PER_ENT
	}
	c := featureCmd(ENA_ADMIN_SET_FEATURE, ENA_ADMIN_LLQ, 1)
	pl := c[20:]
	le.PutUint16(pl[10:], ENA_ADMIN_INLINE_HEADER)
	le.PutUint16(pl[14:], ENA_ADMIN_LIST_ENTRY_SIZE_128B)
	le.PutUint16(pl[18:], llqDescsBeforeHeader)
	le.PutUint16(pl[22:], s)
	le.PutUint16(pl[28:], llqAccelFlags)
	if _, err := d.submit(c); err != nil {
		d.fn.Logf("ena: SET LLQ: %v; host mode", err)
		return
	}
	d.llq = llq{on: true, multi: s == ENA_ADMIN_MULTIPLE_DESCS_PER_ENT, maxHeader: llqEntrySize - llqDescsBeforeHeader*ioDescSize, descsEntry: llqEntrySize / ioDescSize}
}

// LLQ reports whether Tx uses low-latency queues.
func (d *Device) LLQ() bool { return d.llq.on }

// llqEntries returns how many LLQ entries a packet of descs descriptors
// takes: the first entry holds llqDescsBeforeHeader of them and the
// pushed header, each later entry descsEntry more (one without
// multiple-descriptors-per-entry).
func (d *Device) llqEntries(descs int) int {
	per := 1
	if d.llq.multi {
		per = d.llq.descsEntry
	}
	if descs <= llqDescsBeforeHeader {
		return 1
	}
	return 1 + (descs-llqDescsBeforeHeader+per-1)/per
}

// txLLQ writes a packet into LLQ entries from the ring's tail: the meta
// descriptor when there is one, then the data descriptors (the first
// buffer's bytes after the pushed header, then each further buffer), the
// first llqDescsBeforeHeader of them before the pushed header in the first
// entry and the rest in later entries; each descriptor carries the phase of
// the entry it is in. It returns the entries used.
func (d *Device) txLLQ(r *ring, p *Packet, id uint16, meta bool) int {
	l := len(p.Data)
	push := min(l, d.llq.maxHeader)
	rest := l - push
	addr := uint64(0)
	if rest > 0 {
		addr = p.iova + uint64(push)
	}
	type item struct {
		meta bool
		td   TxDesc
	}
	var buf [20]item // a meta descriptor and up to 19 buffers
	items := buf[:0]
	if meta {
		items = append(items, item{meta: true})
	}
	items = append(items, item{td: TxDesc{Length: uint16(rest), ReqID: id, First: !meta, CompReq: true,
		Addr: addr, HeaderLen: uint8(push), DF: dontFragment(p.Data), Offload: p.Offload}})
	for b := p.Next; b != nil; b = b.Next {
		items = append(items, item{td: TxDesc{Length: uint16(len(b.Data)), ReqID: id, Addr: b.iova}})
	}
	items[len(items)-1].td.Last = true
	per := 1
	if d.llq.multi {
		per = d.llq.descsEntry
	}
	e := d.llq.bounce[:]
	entries, k := 0, 0
	for k < len(items) {
		clear(e)
		n := per
		if entries == 0 {
			n = llqDescsBeforeHeader
			copy(e[llqDescsBeforeHeader*ioDescSize:], p.Data[:push])
		}
		for j := 0; j < n && k < len(items); j, k = j+1, k+1 {
			slot := e[j*ioDescSize : (j+1)*ioDescSize]
			if it := items[k]; it.meta {
				m := MetaDesc{Phase: r.sqPhase, L3HdrLen: p.Offload.L3HdrLen, L3HdrOff: p.Offload.L3HdrOff, L4HdrLenWords: p.Offload.L4HdrLenWords}
				m.Put(slot)
			} else {
				it.td.Phase = r.sqPhase
				it.td.Put(slot)
			}
		}
		at := uint32(int(r.tail) & (r.depth - 1))
		d.fn.WriteBlock(ENA_MEM_BAR, r.llqOffset+at*llqEntrySize, e)
		r.advance()
		entries++
	}
	if meta {
		cp := *p.Offload
		r.meta = &cp
	}
	return entries
}
