package ixgbe

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/driver/bus"
)

// regs is a bus.Function with plain registers: enough for the PF's
// message handlers, which only read-modify-write filter registers.
type regs struct{ m map[uint32]uint32 }

func (r *regs) Name() string                             { return "pf" }
func (r *regs) ConfigRead32(off uint16) uint32           { return 0 }
func (r *regs) ConfigWrite32(off uint16, v uint32)       {}
func (r *regs) Read32(bar int, off uint32) uint32        { return r.m[off] }
func (r *regs) Write32(bar int, off uint32, v uint32)    { r.m[off] = v }
func (r *regs) WriteBlock(bar int, off uint32, p []byte) {}
func (r *regs) AllocDMA(size, align int) (bus.Buffer, error) {
	return bus.Buffer{Bytes: make([]byte, size)}, nil
}
func (r *regs) FreeDMA(bus.Buffer)                   {}
func (r *regs) EnableMSIX(int) error                 { return nil }
func (r *regs) WaitIRQ(uint64, time.Duration) uint64 { return 0 }
func (r *regs) PendingIRQ(uint64) uint64             { return 0 }
func (r *regs) Now() time.Duration                   { return 0 }
func (r *regs) Delay(time.Duration)                  {}
func (r *regs) Spend(time.Duration)                  {}
func (r *regs) Logf(string, ...any)                  {}

func newPF() (*Device, *regs) {
	r := &regs{m: map[uint32]uint32{}}
	d := &Device{fn: r, numVFs: 2, vfs: make([]vfInfo, 2)}
	for i := range d.vfs {
		d.vfs[i] = vfInfo{spoofCheck: true}
	}
	return d, r
}

func TestVFResetReply(t *testing.T) {
	d, r := newPF()
	require.NoError(t, d.SetVFMAC(1, [6]byte{2, 0, 0, 0, 0, 0x11}))
	reply := d.HandleMessage(1, []uint32{VF_RESET})
	require.Equal(t, []uint32{VF_RESET | VT_MSGTYPE_ACK, 0x00000002, 0x1100, 0}, reply, "MAC in bytes 4..9, no CTS")
	require.NotZero(t, r.m[VFRE0]&2, "the VF's pool receives")
	require.NotZero(t, r.m[VFTE0]&2, "and transmits")
	require.Equal(t, uint32(VMOLR_AUPE|VMOLR_BAM), r.m[VMOLR0+4])
	require.NotZero(t, r.m[PFVFSPOOF0]&2, "spoof check on by default")
	// Without an administered MAC the reply is a NACK.
	reply = d.HandleMessage(0, []uint32{VF_RESET})
	require.Equal(t, uint32(VF_RESET|VT_MSGTYPE_NACK), reply[0])
}

func TestMessagesNeedClearToSend(t *testing.T) {
	d, _ := newPF()
	require.Equal(t, []uint32{VF_API_NEGOTIATE | VT_MSGTYPE_NACK}, d.HandleMessage(0, []uint32{VF_API_NEGOTIATE, API13}))
	d.HandleMessage(0, []uint32{VF_RESET})
	for _, tc := range []struct {
		name string
		msg  []uint32
		want uint32
	}{
		{"API 1.3 accepted", []uint32{VF_API_NEGOTIATE, API13, 0}, VF_API_NEGOTIATE | VT_MSGTYPE_ACK | VT_MSGTYPE_CTS},
		{"API 1.5 refused", []uint32{VF_API_NEGOTIATE, 6, 0}, VF_API_NEGOTIATE | VT_MSGTYPE_NACK | VT_MSGTYPE_CTS},
		{"unknown message", []uint32{0x77}, 0x77 | VT_MSGTYPE_NACK | VT_MSGTYPE_CTS},
		{"link state", []uint32{VF_GET_LINK_STATE, 0}, VF_GET_LINK_STATE | VT_MSGTYPE_ACK | VT_MSGTYPE_CTS},
		{"multicast MAC refused", []uint32{VF_SET_MAC_ADDR, 0x01, 0}, VF_SET_MAC_ADDR | VT_MSGTYPE_NACK | VT_MSGTYPE_CTS},
	} {
		got := d.HandleMessage(0, tc.msg)
		require.Equal(t, tc.want, got[0], tc.name)
	}
	q := d.HandleMessage(0, []uint32{VF_GET_QUEUES, 0, 0, 0, 0})
	require.Equal(t, []uint32{VF_GET_QUEUES | VT_MSGTYPE_ACK | VT_MSGTYPE_CTS, 2, 2, 0, 0}, q[:5])
	require.Nil(t, d.HandleMessage(0, []uint32{VF_RESET | VT_MSGTYPE_ACK}), "replies are not requests")
}

func TestRateFactor(t *testing.T) {
	for _, tc := range []struct{ rate, want int }{
		{10000, 1 << 14}, // factor 1.0
		{5000, 2 << 14},  // 2.0
		{3000, (10000 << 14) / 3000},
		{100, 100 << 14},
	} {
		require.Equal(t, uint32(tc.want)|RTTBCNRC_RS_ENA, RateFactor(10000, tc.rate), "rate %d", tc.rate)
	}
	require.Zero(t, RateFactor(10000, 0))
}

func FuzzHandleMessage(f *testing.F) {
	f.Add(make([]byte, 64), uint8(0))
	f.Fuzz(func(t *testing.T, b []byte, vf uint8) {
		d, _ := newPF()
		d.HandleMessage(0, []uint32{VF_RESET})
		w := make([]uint32, len(b)/4)
		for i := range w {
			w[i] = binary.LittleEndian.Uint32(b[4*i:])
		}
		reply := d.HandleMessage(int(vf%3), w)
		if reply != nil && len(reply) == 0 {
			t.Fatal("empty reply")
		}
	})
}
