package ena

import "encoding/binary"

// The IO descriptors as the device reads and writes them
// (ena_eth_io_defs.h; specs/ena.md §5). These decoders and encoders are
// the only model code that knows the byte layouts; a test checks them
// against the specification's tables and against driver/ena's codec.

// TxDesc is a Tx descriptor as fetched: a data descriptor or, with Meta,
// a meta descriptor (whose other fields are not decoded here).
type TxDesc struct {
	Meta      bool
	MetaStore bool // meta descriptor: cache it for the queue
	Length    uint16
	ReqID     uint16
	Phase     uint8
	First     bool
	Last      bool
	CompReq   bool
	DF        bool
	Addr      uint64
	HeaderLen uint8
}

// DecodeTxDesc reads a 16-byte Tx descriptor.
func DecodeTxDesc(b []byte) TxDesc {
	le := binary.LittleEndian
	lc, mc := le.Uint32(b[0:]), le.Uint32(b[4:])
	t := TxDesc{Phase: uint8(lc >> 24 & 1), First: lc&txFirst != 0, Last: lc&txLast != 0, CompReq: lc&txCompReq != 0}
	if lc&txMetaDesc != 0 {
		// Bit 21 is meta_store here, where a data descriptor has req_id
		// bit 15.
		t.Meta, t.MetaStore = true, lc&txMetaStore != 0
		return t
	}
	hi := le.Uint32(b[12:])
	t.Length = uint16(lc & txLenMask)
	t.ReqID = uint16(lc>>txReqIDHiSft&0x3F)<<10 | uint16(mc>>txReqIDLoSft)
	t.DF = mc&(1<<4) != 0
	t.Addr, t.HeaderLen = addr48(le.Uint32(b[8:]), uint16(hi)), uint8(hi>>24)
	return t
}

// RxDesc is an Rx descriptor as fetched.
type RxDesc struct {
	Length  uint16 // 0 means 64 KiB
	ReqID   uint16
	Phase   uint8
	First   bool
	Last    bool
	CompReq bool
	Addr    uint64
}

// DecodeRxDesc reads a 16-byte Rx descriptor.
func DecodeRxDesc(b []byte) RxDesc {
	le := binary.LittleEndian
	return RxDesc{
		Length: le.Uint16(b[0:]), ReqID: le.Uint16(b[4:]),
		Phase: b[3] & rxDescPhase, First: b[3]&rxDescFirst != 0, Last: b[3]&rxDescLast != 0, CompReq: b[3]&rxDescCompReq != 0,
		Addr: addr48(le.Uint32(b[8:]), le.Uint16(b[12:])),
	}
}

// TxCompletion is a Tx completion (8 bytes). The phase is written by
// writeCompletion, last.
type TxCompletion struct {
	ReqID  uint16
	SQHead uint16
}

// Put writes c to b[0:8] with phase 0.
func (c *TxCompletion) Put(b []byte) {
	le := binary.LittleEndian
	le.PutUint16(b[0:], c.ReqID)
	b[2], b[3] = 0, 0
	le.PutUint16(b[4:], 0)
	le.PutUint16(b[6:], c.SQHead)
}

// RxCompletion is an Rx completion (16 bytes). The phase is written by
// writeCompletion, last.
type RxCompletion struct {
	L3Proto uint8 // status [4:0]
	L4Proto uint8 // status [12:8]
	First   bool
	Last    bool
	Buffer  bool
	Length  uint16
	ReqID   uint16
	Hash    uint32
}

// Put writes c to b[0:16] with phase 0.
func (c *RxCompletion) Put(b []byte) {
	le := binary.LittleEndian
	st := uint32(c.L3Proto&0x1F) | uint32(c.L4Proto&0x1F)<<8
	if c.First {
		st |= rxCdescFirst
	}
	if c.Last {
		st |= rxCdescLast
	}
	if c.Buffer {
		st |= rxCdescBuffer
	}
	le.PutUint32(b[0:], st)
	le.PutUint16(b[4:], c.Length)
	le.PutUint16(b[6:], c.ReqID)
	le.PutUint32(b[8:], c.Hash)
	le.PutUint32(b[12:], 0)
}
