package ixgbevf

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestResetReply(t *testing.T) {
	msg := make([]uint32, 4)
	msg[0] = VF_RESET | VT_MSGTYPE_SUCCESS
	mac := [6]byte{2, 0, 0, 0, 0, 0x10}
	EncodeMAC(msg, mac)
	msg[3] = 1
	r, err := DecodeResetReply(msg)
	require.NoError(t, err)
	require.Equal(t, ResetReply{HasMAC: true, MAC: mac, MCFilterType: 1}, r)
	msg[0] = VF_RESET | VT_MSGTYPE_FAILURE
	r, err = DecodeResetReply(msg)
	require.NoError(t, err)
	require.False(t, r.HasMAC)
	msg[0] = VF_RESET | VT_MSGTYPE_SUCCESS | VT_MSGTYPE_CTS
	_, err = DecodeResetReply(msg)
	require.ErrorContains(t, err, "word 0", "the VF_RESET reply carries no CTS")
}

func TestQueuesReplyValidation(t *testing.T) {
	ack := uint32(VF_GET_QUEUES | VT_MSGTYPE_SUCCESS | VT_MSGTYPE_CTS)
	for _, tc := range []struct {
		in   []uint32
		want QueuesReply
	}{
		{[]uint32{ack, 2, 2, 0, 0}, QueuesReply{2, 2, 0, 0}},
		{[]uint32{ack, 0, 9, 0, 0}, QueuesReply{8, 8, 0, 0}}, // 0 and > 8 become 8
		{[]uint32{ack, 2, 2, 4, 0}, QueuesReply{2, 2, 1, 0}}, // more TCs than Rx queues: 1
		{[]uint32{ack, 2, 2, 0, 5}, QueuesReply{2, 2, 0, 0}}, // default queue beyond Tx: 0
	} {
		got, err := DecodeQueuesReply(tc.in)
		require.NoError(t, err)
		require.Equal(t, tc.want, got)
	}
	_, err := DecodeQueuesReply([]uint32{VF_GET_QUEUES | VT_MSGTYPE_FAILURE, 0, 0, 0, 0})
	require.Error(t, err)
}

func TestTxDescriptorLayout(t *testing.T) {
	d := make([]byte, 16)
	EncodeTxData(d, 0x123456789A, 60)
	require.Equal(t, uint64(0x123456789A), binary.LittleEndian.Uint64(d))
	cmd := binary.LittleEndian.Uint32(d[8:])
	require.Equal(t, uint32(60), cmd&0xFFFF, "DTALEN")
	require.Equal(t, uint32(0x00300000), cmd&0x00F00000, "DTYP data")
	require.Equal(t, uint32(0x2B000000), cmd&0xFF000000, "DEXT|RS|IFCS|EOP")
	ol := binary.LittleEndian.Uint32(d[12:])
	require.Equal(t, uint32(0x80), ol&0x80, "CC always set")
	require.Equal(t, uint32(60), ol>>14, "PAYLEN")
}

func TestAdaptiveITR(t *testing.T) {
	for _, tc := range []struct {
		class int
		bytes uint64
		itr   uint32
		want  int
	}{
		{lowestLatency, 10 * 50, 200, lowestLatency}, // 10 B/us
		{lowestLatency, 11 * 50, 200, lowLatency},
		{lowLatency, 21 * 50, 200, bulkLatency},
		{lowLatency, 10 * 50, 200, lowestLatency},
		{bulkLatency, 20 * 84, 336, lowLatency},
		{bulkLatency, 21 * 84, 336, bulkLatency},
		{lowLatency, 1 << 20, 0, lowLatency}, // no elapsed time: unchanged
	} {
		require.Equal(t, tc.want, UpdateITR(tc.class, tc.bytes, tc.itr), "%+v", tc)
	}
	// Smoothing towards the target: (10·target·old) / (9·target + old).
	require.Equal(t, uint32(10*336*200/(9*336+200)), SmoothITR(200, 336))
	require.Equal(t, uint32(40), SmoothITR(40, 40))
}

func TestCounterWrap(t *testing.T) {
	require.Equal(t, uint64(10), Wrap32(0xFFFFFFFA, 4))
	require.Equal(t, uint64(5), Wrap36(1<<36-2, 3))
	require.Equal(t, uint64(100), Wrap36(50, 150))
}

func FuzzMailboxReplies(f *testing.F) {
	f.Add(make([]byte, 64))
	f.Fuzz(func(t *testing.T, b []byte) {
		w := make([]uint32, len(b)/4)
		for i := range w {
			w[i] = binary.LittleEndian.Uint32(b[4*i:])
		}
		if r, err := DecodeResetReply(w); err == nil && !r.HasMAC && w[0] != VF_RESET|VT_MSGTYPE_FAILURE {
			t.Fatalf("accepted %#x", w[0])
		}
		if q, err := DecodeQueuesReply(w); err == nil && (q.Tx < 1 || q.Tx > 8 || q.Rx < 1 || q.Rx > 8 || q.DefaultQueue >= q.Tx) {
			t.Fatalf("invalid queues accepted: %+v", q)
		}
	})
}

func FuzzRxWriteback(f *testing.F) {
	f.Add(make([]byte, 16))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < 16 {
			return
		}
		wb := DecodeRxWriteback(b)
		if wb.Length != binary.LittleEndian.Uint16(b[12:]) {
			t.Fatal("length field")
		}
	})
}
