package ena

import "encoding/binary"

// The IO descriptors as bytes (ena_eth_io_defs.h; specs/ena.md §5). Each
// type holds the fields this driver uses; Put and the Decode functions are
// the only places that know the byte layout, and a test checks them
// against the layout tables of the specification and against the model's
// own codec.

// TxDesc is a Tx data descriptor (ena_eth_io_tx_desc, 16 bytes).
type TxDesc struct {
	Length    uint16 // buffer bytes
	ReqID     uint16 // 16 bits: [15:10] in len_ctrl, [9:0] in meta_ctrl
	Phase     uint32
	First     bool
	Last      bool
	CompReq   bool
	DF        bool   // the IPv4 header's don't-fragment bit
	Addr      uint64 // 48 bits
	HeaderLen uint8
	Offload   *TxOffload // the first data descriptor's offload fields, or nil
}

// Put writes t to b[0:16], len_ctrl last: it carries the phase the
// device checks.
func (t *TxDesc) Put(b []byte) {
	le := binary.LittleEndian
	meta := uint32(t.ReqID&0x3FF) << ENA_ETH_IO_TX_DESC_REQ_ID_LO_SFT
	if t.DF {
		meta |= ENA_ETH_IO_TX_DESC_DF_MASK
	}
	if o := t.Offload; o != nil {
		// l3_proto_idx [3:0], l4_proto_idx [12:8], l3_csum_en 13,
		// l4_csum_en 14, l4_csum_partial 17 (checksum, not TSO).
		meta |= uint32(o.L3Proto&0xF) | uint32(o.L4Proto&0x1F)<<8
		if o.L3Csum {
			meta |= 1 << 13
		}
		if o.L4Csum {
			meta |= 1<<14 | 1<<17
		}
	}
	le.PutUint32(b[4:], meta)
	le.PutUint32(b[8:], uint32(t.Addr))
	le.PutUint32(b[12:], uint32(t.Addr>>32)&0xFFFF|uint32(t.HeaderLen)<<ENA_ETH_IO_TX_DESC_HDR_LEN_SHIFT)
	lc := uint32(t.Length) | uint32(t.ReqID>>10)<<ENA_ETH_IO_TX_DESC_REQ_ID_HI_SFT | (t.Phase&1)<<ENA_ETH_IO_TX_DESC_PHASE_SHIFT
	if t.First {
		lc |= ENA_ETH_IO_TX_DESC_FIRST_MASK
	}
	if t.Last {
		lc |= ENA_ETH_IO_TX_DESC_LAST_MASK
	}
	if t.CompReq {
		lc |= ENA_ETH_IO_TX_DESC_COMP_REQ_MASK
	}
	le.PutUint32(b[0:], lc)
}

// MetaDesc is a Tx meta descriptor (ena_eth_io_tx_meta_desc, 16 bytes)
// as the driver writes it: extended, stored by the device for the queue,
// first of its packet.
type MetaDesc struct {
	Phase         uint32
	L3HdrLen      uint8
	L3HdrOff      uint8
	L4HdrLenWords uint8 // 6 bits
}

// Meta descriptor bits of len_ctrl (specs/ena.md §5.2).
const (
	metaExtValid = 1 << 14
	metaEthType  = 1 << 20
	metaStore    = 1 << 21
	metaDesc     = 1 << 23
)

// Put writes m to b[0:16], len_ctrl last.
func (m *MetaDesc) Put(b []byte) {
	le := binary.LittleEndian
	le.PutUint32(b[4:], 0)
	le.PutUint32(b[8:], uint32(m.L3HdrLen)|uint32(m.L3HdrOff)<<8|uint32(m.L4HdrLenWords&0x3F)<<16)
	le.PutUint32(b[12:], 0)
	le.PutUint32(b[0:], metaExtValid|metaEthType|metaStore|metaDesc|(m.Phase&1)<<ENA_ETH_IO_TX_DESC_PHASE_SHIFT|ENA_ETH_IO_TX_DESC_FIRST_MASK)
}

// RxDesc is an Rx descriptor (ena_eth_io_rx_desc, 16 bytes): one buffer,
// first, last and comp_req always set, as the Linux driver does.
type RxDesc struct {
	Length uint16 // 0 means 64 KiB
	ReqID  uint16
	Phase  uint32
	Addr   uint64 // 48 bits
}

// Put writes r to b[0:16], the ctrl byte (with the phase) last.
func (r *RxDesc) Put(b []byte) {
	le := binary.LittleEndian
	le.PutUint16(b[0:], r.Length)
	b[2] = 0
	le.PutUint16(b[4:], r.ReqID)
	le.PutUint16(b[6:], 0)
	le.PutUint32(b[8:], uint32(r.Addr))
	le.PutUint32(b[12:], uint32(r.Addr>>32)&0xFFFF)
	b[3] = byte(r.Phase&1) | ENA_ETH_IO_RX_DESC_FIRST_MASK | ENA_ETH_IO_RX_DESC_LAST_MASK | ENA_ETH_IO_RX_DESC_COMP_REQ_MASK
}

// TxCompletion is a Tx completion (ena_eth_io_tx_cdesc, 8 bytes).
type TxCompletion struct {
	ReqID uint16
	Phase uint32
}

// DecodeTxCompletion reads a Tx completion.
func DecodeTxCompletion(b []byte) TxCompletion {
	return TxCompletion{ReqID: binary.LittleEndian.Uint16(b[0:]), Phase: uint32(b[3] & 1)}
}

// RxCompletion is an Rx completion (ena_eth_io_rx_cdesc_base, 16 bytes).
type RxCompletion struct {
	L3Proto   uint8 // status [4:0]
	L4Proto   uint8 // status [12:8]
	L3CsumErr bool
	L4CsumErr bool
	Phase     uint32
	First     bool
	Last      bool
	Buffer    bool
	Length    uint16
	ReqID     uint16
	Hash      uint32
}

// DecodeRxCompletion reads an Rx completion.
func DecodeRxCompletion(b []byte) RxCompletion {
	le := binary.LittleEndian
	st := le.Uint32(b[0:])
	return RxCompletion{
		L3Proto: uint8(st & 0x1F), L4Proto: uint8(st >> 8 & 0x1F),
		L3CsumErr: st&(1<<13) != 0, L4CsumErr: st&(1<<14) != 0,
		Phase: st & ENA_ETH_IO_RX_CDESC_PHASE_MASK >> 24,
		First: st&ENA_ETH_IO_RX_CDESC_FIRST_MASK != 0, Last: st&ENA_ETH_IO_RX_CDESC_LAST_MASK != 0,
		Buffer: st&(1<<30) != 0,
		Length: le.Uint16(b[4:]), ReqID: le.Uint16(b[6:]), Hash: le.Uint32(b[8:]),
	}
}

// dontFragment reports an IPv4 frame's DF bit, which the driver copies
// into every Tx descriptor.
func dontFragment(frame []byte) bool {
	return len(frame) > 20 && frame[12] == 0x08 && frame[13] == 0x00 && frame[20]&0x40 != 0
}

// createCQCmd is ena_admin_aq_create_cq_cmd: interrupt mode, the
// completion size in words, depth, MSI-X vector and the CQ's address.
func createCQCmd(entryWords, depth, vector int, base uint64) []byte {
	le := binary.LittleEndian
	c := make([]byte, adminEntrySize)
	c[2] = ENA_ADMIN_CREATE_CQ
	c[4] = ENA_ADMIN_CQ_INTERRUPT_MODE
	c[5] = byte(entryWords) & 0x1F
	le.PutUint16(c[6:], uint16(depth))
	le.PutUint32(c[8:], uint32(vector))
	le.PutUint32(c[12:], uint32(base))
	le.PutUint16(c[16:], uint16(base>>32))
	return c
}

// createSQCmd is ena_admin_aq_create_sq_cmd: direction, placement (host
// memory, or device memory for LLQ), physically contiguous, the CQ the
// device returned, depth and, in host memory, the SQ's address.
func createSQCmd(dir int, llq bool, cq uint16, depth int, base uint64) []byte {
	le := binary.LittleEndian
	s := make([]byte, adminEntrySize)
	s[2] = ENA_ADMIN_CREATE_SQ
	s[4] = byte(dir << ENA_ADMIN_SQ_IDENTITY_DIR_SHIFT)
	s[6] = ENA_ADMIN_PLACEMENT_POLICY_HOST
	if llq {
		s[6] = ENA_ADMIN_PLACEMENT_POLICY_DEV
	}
	s[7] = ENA_ADMIN_SQ_PHYSICALLY_CONTIG
	le.PutUint16(s[8:], cq)
	le.PutUint16(s[10:], uint16(depth))
	le.PutUint32(s[12:], uint32(base))
	le.PutUint16(s[16:], uint16(base>>32))
	return s
}
