package ena

import (
	"encoding/binary"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

// field builds a descriptor with only one field set to all ones: the
// bits hi:lo of 32-bit word w, as the tables of specs/ena.md §5 give them.
func field(size, w, hi, lo int) []byte {
	b := make([]byte, size)
	mask := uint32(1<<(hi-lo+1)-1) << lo
	binary.LittleEndian.PutUint32(b[4*w:], mask)
	return b
}

func merge(parts ...[]byte) []byte {
	out := make([]byte, len(parts[0]))
	for _, p := range parts {
		for i := range p {
			out[i] |= p[i]
		}
	}
	return out
}

// Each Tx descriptor field lands exactly on the bits of ena_eth_io_tx_desc
// (specs/ena.md §5.1), and nowhere else.
func TestTxDescLayout(t *testing.T) {
	tests := []struct {
		name string
		desc TxDesc
		want []byte
	}{
		{"length [15:0] of len_ctrl", TxDesc{Length: 0xFFFF}, field(16, 0, 15, 0)},
		{"req_id[15:10] in len_ctrl [21:16], [9:0] in meta_ctrl [31:22]", TxDesc{ReqID: 0xFFFF}, merge(field(16, 0, 21, 16), field(16, 1, 31, 22))},
		{"phase: len_ctrl bit 24", TxDesc{Phase: 1}, field(16, 0, 24, 24)},
		{"first: bit 26", TxDesc{First: true}, field(16, 0, 26, 26)},
		{"last: bit 27", TxDesc{Last: true}, field(16, 0, 27, 27)},
		{"comp_req: bit 28", TxDesc{CompReq: true}, field(16, 0, 28, 28)},
		{"DF: meta_ctrl bit 4", TxDesc{DF: true}, field(16, 1, 4, 4)},
		{"buff_addr_lo: word 2", TxDesc{Addr: 0xFFFFFFFF}, field(16, 2, 31, 0)},
		{"addr_hi: word 3 [15:0]", TxDesc{Addr: 0xFFFF << 32}, field(16, 3, 15, 0)},
		{"header_length: word 3 [31:24]", TxDesc{HeaderLen: 0xFF}, field(16, 3, 31, 24)},
	}
	for _, tt := range tests {
		got := make([]byte, 16)
		tt.desc.Put(got)
		require.Empty(t, cmp.Diff(tt.want, got), tt.name)
	}
}

// The Rx descriptor (specs/ena.md §5.4): first, last and comp_req always,
// "MBO" bit 5 never, MBZ bytes zero.
func TestRxDescLayout(t *testing.T) {
	always := field(16, 0, 28, 26) // ctrl byte 3 bits 2..4
	tests := []struct {
		name string
		desc RxDesc
		want []byte
	}{
		{"nothing but first|last|comp_req", RxDesc{}, always},
		{"length: bytes 0-1", RxDesc{Length: 0xFFFF}, merge(always, field(16, 0, 15, 0))},
		{"phase: byte 3 bit 0", RxDesc{Phase: 1}, merge(always, field(16, 0, 24, 24))},
		{"req_id: bytes 4-5", RxDesc{ReqID: 0xFFFF}, merge(always, field(16, 1, 15, 0))},
		{"buff_addr_lo: bytes 8-11", RxDesc{Addr: 0xFFFFFFFF}, merge(always, field(16, 2, 31, 0))},
		{"buff_addr_hi: bytes 12-13", RxDesc{Addr: 0xFFFF << 32}, merge(always, field(16, 3, 15, 0))},
	}
	for _, tt := range tests {
		got := make([]byte, 16)
		for i := range got {
			got[i] = 0xA5 // stale ring memory: every byte is written
		}
		tt.desc.Put(got)
		require.Empty(t, cmp.Diff(tt.want, got), tt.name)
	}
}

// Completions decode from the bits of ena_eth_io_tx_cdesc and
// ena_eth_io_rx_cdesc_base (specs/ena.md §5.3, §5.5).
func TestCompletionLayout(t *testing.T) {
	require.Equal(t, TxCompletion{ReqID: 0xFFFF}, DecodeTxCompletion(field(8, 0, 15, 0)))
	require.Equal(t, TxCompletion{Phase: 1}, DecodeTxCompletion(field(8, 0, 24, 24)))
	require.Equal(t, TxCompletion{}, DecodeTxCompletion(merge(field(8, 0, 23, 16), field(8, 1, 31, 0))), "status, sub_qid and sq_head_idx are ignored")
	tests := []struct {
		name string
		b    []byte
		want RxCompletion
	}{
		{"l3_proto_idx [4:0]", field(16, 0, 4, 0), RxCompletion{L3Proto: 0x1F}},
		{"l4_proto_idx [12:8]", field(16, 0, 12, 8), RxCompletion{L4Proto: 0x1F}},
		{"l3_csum_err 13", field(16, 0, 13, 13), RxCompletion{L3CsumErr: true}},
		{"l4_csum_err 14", field(16, 0, 14, 14), RxCompletion{L4CsumErr: true}},
		{"phase 24", field(16, 0, 24, 24), RxCompletion{Phase: 1}},
		{"first 26", field(16, 0, 26, 26), RxCompletion{First: true}},
		{"last 27", field(16, 0, 27, 27), RxCompletion{Last: true}},
		{"buffer 30", field(16, 0, 30, 30), RxCompletion{Buffer: true}},
		{"length @4", field(16, 1, 15, 0), RxCompletion{Length: 0xFFFF}},
		{"req_id @6", field(16, 1, 31, 16), RxCompletion{ReqID: 0xFFFF}},
		{"hash @8", field(16, 2, 31, 0), RxCompletion{Hash: 0xFFFFFFFF}},
		{"sub_qid and offset are not used", field(16, 3, 23, 0), RxCompletion{}},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, DecodeRxCompletion(tt.b), tt.name)
	}
}

// CREATE_CQ and CREATE_SQ carry each field at the offset of
// ena_admin_aq_create_cq_cmd / _sq_cmd (specs/ena.md §3.6).
func TestAdminCreateLayout(t *testing.T) {
	le := binary.LittleEndian
	cq := createCQCmd(4, 1024, 3, 0xABCD_1234_5678)
	require.Equal(t, byte(ENA_ADMIN_CREATE_CQ), cq[2], "opcode @2")
	require.Equal(t, byte(1<<5), cq[4], "cq_caps_1: interrupt_mode_enabled bit 5")
	require.Equal(t, byte(4), cq[5], "cq_caps_2 [4:0]: entry size in words")
	require.Equal(t, uint16(1024), le.Uint16(cq[6:]), "cq_depth @6")
	require.Equal(t, uint32(3), le.Uint32(cq[8:]), "msix_vector @8")
	require.Equal(t, uint32(0x1234_5678), le.Uint32(cq[12:]), "cq_ba lo @12")
	require.Equal(t, uint16(0xABCD), le.Uint16(cq[16:]), "cq_ba hi @16")
	require.Equal(t, make([]byte, adminEntrySize-18), cq[18:], "the rest zero")

	sq := createSQCmd(ENA_ADMIN_SQ_DIRECTION_RX, false, 7, 512, 0x0001_0000_2000)
	require.Equal(t, byte(ENA_ADMIN_CREATE_SQ), sq[2])
	require.Equal(t, byte(2<<5), sq[4], "sq_identity [7:5] direction 2 = Rx")
	require.Equal(t, byte(1), sq[6], "sq_caps_2 [3:0] placement 1 = host, completion policy 0")
	require.Equal(t, byte(1), sq[7], "sq_caps_3 bit 0: physically contiguous")
	require.Equal(t, uint16(7), le.Uint16(sq[8:]), "cq_idx @8")
	require.Equal(t, uint16(512), le.Uint16(sq[10:]), "sq_depth @10")
	require.Equal(t, uint32(0x2000), le.Uint32(sq[12:]), "sq_ba lo @12")
	require.Equal(t, uint16(1), le.Uint16(sq[16:]), "sq_ba hi @16")
	llq := createSQCmd(ENA_ADMIN_SQ_DIRECTION_TX, true, 0, 256, 0)
	require.Equal(t, byte(1<<5), llq[4], "direction 1 = Tx")
	require.Equal(t, byte(3), llq[6], "placement 3 = device memory (LLQ)")
	require.Zero(t, le.Uint32(llq[12:]), "no host address for LLQ")
}

// GET/SET_FEATURE: the opcode (§3.4) at 2, and the feature header
// (ena_admin_get_set_feature_common_desc) after the 4-byte common
// descriptor and the 12-byte control buffer: feature_id at 17,
// feature_version at 18.
func TestAdminFeatureLayout(t *testing.T) {
	c := featureCmd(ENA_ADMIN_GET_FEATURE, ENA_ADMIN_MAX_QUEUES_EXT, 1)
	require.Equal(t, byte(8), c[2], "GET_FEATURE is opcode 8")
	require.Equal(t, byte(7), c[17], "MAX_QUEUES_EXT is feature 7")
	require.Equal(t, byte(1), c[18], "feature_version")
	c = featureCmd(ENA_ADMIN_SET_FEATURE, ENA_ADMIN_MTU, 0)
	require.Equal(t, byte(9), c[2], "SET_FEATURE is opcode 9")
	for _, op := range []struct{ got, spec int }{{ENA_ADMIN_CREATE_SQ, 1}, {ENA_ADMIN_CREATE_CQ, 3}, {ENA_ADMIN_GET_STATS, 11}} {
		require.Equal(t, op.spec, op.got)
	}
}

// The meta descriptor (specs/ena.md §5.2) and the offload fields of the
// first data descriptor (§5.1).
func TestTxMetaAndOffloadLayout(t *testing.T) {
	got := make([]byte, 16)
	(&MetaDesc{Phase: 1, L3HdrLen: 0xFF, L3HdrOff: 0xFF, L4HdrLenWords: 0xFF}).Put(got)
	want := merge(field(16, 0, 14, 14), field(16, 0, 20, 20), field(16, 0, 21, 21), field(16, 0, 23, 23), field(16, 0, 24, 24), field(16, 0, 26, 26),
		field(16, 2, 7, 0), field(16, 2, 15, 8), field(16, 2, 21, 16))
	require.Empty(t, cmp.Diff(want, got), "ext_valid 14, eth_meta_type 20, meta_store 21, meta_desc 23, phase 24, first 26; l3_hdr_len, l3_hdr_off, l4_hdr_len_in_words")
	td := TxDesc{Offload: &TxOffload{L3Proto: 0xF, L4Proto: 0x1F, L3Csum: true, L4Csum: true}}
	td.Put(got)
	want = merge(field(16, 1, 3, 0), field(16, 1, 12, 8), field(16, 1, 13, 13), field(16, 1, 14, 14), field(16, 1, 17, 17))
	require.Empty(t, cmp.Diff(want, got), "l3_proto_idx [3:0], l4_proto_idx [12:8], l3_csum_en 13, l4_csum_en 14, l4_csum_partial 17")
}
