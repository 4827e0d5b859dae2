package ena

import (
	"encoding/binary"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

// bitsSet is a descriptor with the bits hi:lo of 32-bit word w set: a
// row of the layout tables in specs/ena.md §5.
func bitsSet(size, w, hi, lo int) []byte {
	b := make([]byte, size)
	binary.LittleEndian.PutUint32(b[4*w:], uint32(1<<(hi-lo+1)-1)<<lo)
	return b
}

func TestDecodeTxDescLayout(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want TxDesc
	}{
		{"length [15:0]", bitsSet(16, 0, 15, 0), TxDesc{Length: 0xFFFF}},
		{"req_id[15:10] at [21:16]", bitsSet(16, 0, 21, 16), TxDesc{ReqID: 0xFC00}},
		{"req_id[9:0] at meta_ctrl [31:22]", bitsSet(16, 1, 31, 22), TxDesc{ReqID: 0x3FF}},
		{"meta_desc 23", bitsSet(16, 0, 23, 23), TxDesc{Meta: true}},
		{"bit 21 of a data descriptor is req_id bit 15", bitsSet(16, 0, 21, 21), TxDesc{ReqID: 1 << 15}},
		{"meta_desc 23 with meta_store 21", merge2(bitsSet(16, 0, 23, 23), bitsSet(16, 0, 21, 21)), TxDesc{Meta: true, MetaStore: true}},
		{"a meta descriptor's other words are not data fields", merge2(bitsSet(16, 0, 23, 23), bitsSet(16, 2, 31, 0)), TxDesc{Meta: true}},
		{"phase 24", bitsSet(16, 0, 24, 24), TxDesc{Phase: 1}},
		{"first 26", bitsSet(16, 0, 26, 26), TxDesc{First: true}},
		{"last 27", bitsSet(16, 0, 27, 27), TxDesc{Last: true}},
		{"comp_req 28", bitsSet(16, 0, 28, 28), TxDesc{CompReq: true}},
		{"DF meta_ctrl 4", bitsSet(16, 1, 4, 4), TxDesc{DF: true}},
		{"buff_addr_lo", bitsSet(16, 2, 31, 0), TxDesc{Addr: 0xFFFFFFFF}},
		{"addr_hi word 3 [15:0]", bitsSet(16, 3, 15, 0), TxDesc{Addr: 0xFFFF << 32}},
		{"reserved word 3 [23:16]", bitsSet(16, 3, 23, 16), TxDesc{}},
		{"header_length word 3 [31:24]", bitsSet(16, 3, 31, 24), TxDesc{HeaderLen: 0xFF}},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, DecodeTxDesc(tt.b), tt.name)
	}
}

func TestDecodeRxDescLayout(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want RxDesc
	}{
		{"length @0", bitsSet(16, 0, 15, 0), RxDesc{Length: 0xFFFF}},
		{"phase byte 3 bit 0", bitsSet(16, 0, 24, 24), RxDesc{Phase: 1}},
		{"first byte 3 bit 2", bitsSet(16, 0, 26, 26), RxDesc{First: true}},
		{"last byte 3 bit 3", bitsSet(16, 0, 27, 27), RxDesc{Last: true}},
		{"comp_req byte 3 bit 4", bitsSet(16, 0, 28, 28), RxDesc{CompReq: true}},
		{"req_id @4", bitsSet(16, 1, 15, 0), RxDesc{ReqID: 0xFFFF}},
		{"buff_addr_lo @8", bitsSet(16, 2, 31, 0), RxDesc{Addr: 0xFFFFFFFF}},
		{"buff_addr_hi @12", bitsSet(16, 3, 15, 0), RxDesc{Addr: 0xFFFF << 32}},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, DecodeRxDesc(tt.b), tt.name)
	}
}

func TestCompletionPutLayout(t *testing.T) {
	or := func(bs ...[]byte) []byte {
		out := make([]byte, len(bs[0]))
		for _, b := range bs {
			for i := range b {
				out[i] |= b[i]
			}
		}
		return out
	}
	put := func(c RxCompletion) []byte {
		b := make([]byte, 16)
		for i := range b {
			b[i] = 0x5A // every byte is written
		}
		c.Put(b)
		return b
	}
	tests := []struct {
		name string
		c    RxCompletion
		want []byte
	}{
		{"l3_proto_idx [4:0]", RxCompletion{L3Proto: 0x1F}, bitsSet(16, 0, 4, 0)},
		{"l4_proto_idx [12:8]", RxCompletion{L4Proto: 0x1F}, bitsSet(16, 0, 12, 8)},
		{"first 26, last 27, buffer 30", RxCompletion{First: true, Last: true, Buffer: true}, or(bitsSet(16, 0, 27, 26), bitsSet(16, 0, 30, 30))},
		{"length @4, req_id @6", RxCompletion{Length: 0xFFFF, ReqID: 0xFFFF}, bitsSet(16, 1, 31, 0)},
		{"hash @8", RxCompletion{Hash: 0xFFFFFFFF}, bitsSet(16, 2, 31, 0)},
	}
	for _, tt := range tests {
		require.Empty(t, cmp.Diff(tt.want, put(tt.c)), tt.name)
	}
	b := make([]byte, 8)
	(&TxCompletion{ReqID: 0xFFFF, SQHead: 0xFFFF}).Put(b)
	require.Empty(t, cmp.Diff(or(bitsSet(8, 0, 15, 0), bitsSet(8, 1, 31, 16)), b), "req_id @0, sq_head_idx @6, phase 0")
}

func merge2(a, b []byte) []byte {
	out := append([]byte(nil), a...)
	for i := range b {
		out[i] |= b[i]
	}
	return out
}

// The offsets the admin engine reads and writes are those of
// specs/ena.md §3 (entry-relative; response fields sit in the 56-byte
// payload that starts at 8).
func TestAdminLayoutOffsets(t *testing.T) {
	for _, tc := range []struct {
		name      string
		got, spec int
	}{
		{"AQ command_id", aqCommandID, 0}, {"AQ opcode", aqOpcode, 2}, {"AQ flags (phase, ctrl_data)", aqFlags, 3},
		{"AQ control buffer length", aqCtrlLen, 4}, {"AQ control buffer address lo", aqCtrlAddrLo, 8}, {"AQ control buffer address hi", aqCtrlAddrHi, 12},
		{"ACQ command_id", acqCommandID, 0}, {"ACQ status", acqStatus, 2}, {"ACQ flags (phase)", acqFlags, 3}, {"ACQ sq_head_indx", acqSQHead, 6}, {"ACQ payload", acqPayload, 8},
		{"CREATE_CQ cq_caps_1", ccqCaps1, 4}, {"CREATE_CQ cq_caps_2", ccqCaps2, 5}, {"CREATE_CQ cq_depth", ccqDepth, 6},
		{"CREATE_CQ msix_vector", ccqVector, 8}, {"CREATE_CQ cq_ba lo", ccqBaseLo, 12}, {"CREATE_CQ cq_ba hi", ccqBaseHi, 16},
		{"CREATE_CQ resp cq_idx", acqPayload + ccqRespIdx, 8}, {"CREATE_CQ resp cq_actual_depth", acqPayload + ccqRespDepth, 10},
		{"CREATE_CQ resp interrupt unmask offset", acqPayload + ccqRespUnmask, 20},
		{"CREATE_SQ sq_identity", csqIdentity, 4}, {"CREATE_SQ sq_caps_2", csqCaps2, 6}, {"CREATE_SQ cq_idx", csqCQIdx, 8},
		{"CREATE_SQ sq_depth", csqDepth, 10}, {"CREATE_SQ sq_ba lo", csqBaseLo, 12}, {"CREATE_SQ sq_ba hi", csqBaseHi, 16},
		{"CREATE_SQ resp sq_idx", acqPayload + csqRespIdx, 8}, {"CREATE_SQ resp sq_doorbell_offset", acqPayload + csqRespDoorbl, 12},
		{"CREATE_SQ resp llq_descriptors_offset", acqPayload + llqRespOffset, 16},
	} {
		require.Equal(t, tc.spec, tc.got, tc.name)
	}
	require.Equal(t, 1, placeHost)
	require.Equal(t, 3, placeDevice)
	require.Equal(t, 1, dirTx)
	require.Equal(t, 2, dirRx)
}
