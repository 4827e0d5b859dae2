package ena

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/model/card"
	"github.com/nicforge/nicforge/model/ether"
	"github.com/nicforge/nicforge/model/pcie"
	"github.com/nicforge/nicforge/rtl"
	"github.com/nicforge/nicforge/rtl/cover"
	"github.com/nicforge/nicforge/sim"
)

// hostMem is host memory as the card sees it: one flat buffer.
type hostMem struct {
	b    []byte
	msix int
}

func (h *hostMem) Read(f pcie.Func, at sim.Time, addr uint64, p []byte) (sim.Time, error) {
	if addr+uint64(len(p)) > uint64(len(h.b)) {
		clear(p)
		return at, &pcie.Fault{Func: f, At: at, Addr: addr, Len: len(p)}
	}
	copy(p, h.b[addr:])
	return at + 100*sim.Nanosecond, nil
}

func (h *hostMem) Write(f pcie.Func, at sim.Time, addr uint64, p []byte) error {
	if addr+uint64(len(p)) > uint64(len(h.b)) {
		return &pcie.Fault{Func: f, At: at, Addr: addr, Len: len(p), Write: true}
	}
	copy(h.b[addr:], p)
	return nil
}

func (h *hostMem) MSIX(pcie.Func, sim.Time, int) { h.msix++ }

const (
	aqAt   = 0x1000
	acqAt  = 0x2000
	infoAt = 0x3000
)

// adminRig is a card with its admin queue set up in hostMem.
func adminRig() (*card.Card, *hostMem, *sim.Time) {
	c, _, h, now := adminRigDev()
	return c, h, now
}

func adminRigDev() (*card.Card, *Device, *hostMem, *sim.Time) {
	dev := New(Config{})
	c := card.New(dev, rtl.NewKernel(false), sim.CoreClock)
	h := &hostMem{b: make([]byte, 0x4000)}
	c.Attach(h)
	now := new(sim.Time)
	w := func(off, v uint32) {
		*now += sim.Microsecond
		c.MMIOWrite(pcie.PF, 0, off, v, *now)
	}
	// MSI-X on, vector 0 unmasked, as the OS sets it up.
	c.ConfigWrite(pcie.PF, card.CapMSIX, 1<<31, *now)
	c.MMIOWrite(pcie.PF, 4, 12, 0, *now)
	w(OffAQ_BASE_LO, aqAt)
	w(OffACQ_BASE_LO, acqAt)
	w(OffAQ_CAPS, AdminDepth|AdminEntrySize<<16)
	w(OffACQ_CAPS, AdminDepth|AdminEntrySize<<16)
	return c, dev, h, now
}

// run posts cmd as the next command and returns its completion.
func run(c *card.Card, h *hostMem, now *sim.Time, n int, cmd []byte) []byte {
	slot := n % AdminDepth
	e := h.b[aqAt+slot*AdminEntrySize : aqAt+(slot+1)*AdminEntrySize]
	copy(e, cmd)
	e[aqFlags] = e[aqFlags]&^1 | phaseOf(uint16(n), AdminDepth)
	*now += sim.Microsecond
	c.MMIOWrite(pcie.PF, 0, OffAQ_DB, uint32(n+1), *now)
	*now += sim.Millisecond
	c.Advance(*now)
	return h.b[acqAt+slot*AdminEntrySize : acqAt+(slot+1)*AdminEntrySize]
}

func TestAdminCommands(t *testing.T) {
	c, h, now := adminRig()
	le := binary.LittleEndian
	get := func(id byte) []byte { return []byte{0, 0, OpGetFeature, 0, 16: 0, 17: id} }
	set := func(id byte, payload ...byte) []byte {
		b := make([]byte, AdminEntrySize)
		b[aqOpcode], b[aqFeatID] = OpSetFeature, id
		copy(b[aqFeatPayload:], payload)
		return b
	}
	le.PutUint32(h.b[infoAt+hostInfoDriverVersion:], 0x67021102)
	for i, tc := range []struct {
		name   string
		cmd    []byte
		status byte
		check  func(c []byte)
	}{
		{"device attributes", get(FeatDeviceAttributes), StatusSuccess, func(c []byte) {
			require.Equal(t, uint32(9001), le.Uint32(c[acqPayload+32:]))
			require.NotZero(t, le.Uint32(c[acqPayload+8:])&(1<<FeatAENQConfig))
		}},
		{"max queues ext is version 1", get(FeatMaxQueuesExt), StatusSuccess, func(c []byte) { require.Equal(t, byte(1), c[acqPayload]) }},
		{"unsupported feature", get(FeatLLQ), StatusUnsupportedOpcode, nil},
		{"host info is read", set(FeatHostAttrConfig, 0x00, 0x30), StatusSuccess, nil},
		{"host info without address", set(FeatHostAttrConfig), StatusMalformedRequest, nil},
		{"MTU in range", set(FeatMTU, 0xDC, 0x05), StatusSuccess, nil},
		{"MTU too small", set(FeatMTU, 64), StatusIllegalParameter, nil},
		{"CREATE_CQ without a ring", []byte{2: OpCreateCQ}, StatusIllegalParameter, nil},
		{"CREATE_CQ", []byte{2: OpCreateCQ, ccqCaps1: 1 << 5, ccqCaps2: 2, ccqDepth: 32, ccqVector: 1, ccqBaseLo: 0x00, 0x38}, StatusSuccess, func(c []byte) {
			require.Equal(t, uint16(0), le.Uint16(c[acqPayload+ccqRespIdx:]))
			require.Equal(t, uint32(unmaskBase), le.Uint32(c[acqPayload+ccqRespUnmask:]))
		}},
		{"CREATE_SQ in device memory without SET LLQ", []byte{2: OpCreateSQ, csqIdentity: dirTx << 5, csqCaps2: 3, csqDepth: 32}, StatusIllegalParameter, nil},
		{"CREATE_SQ", []byte{2: OpCreateSQ, csqIdentity: dirTx << 5, csqCaps2: placeHost, csqCQIdx: 0, csqDepth: 32, csqBaseLo: 0x00, 0x3C}, StatusSuccess, func(c []byte) {
			require.Equal(t, uint32(doorbellBase), le.Uint32(c[acqPayload+csqRespDoorbl:]))
		}},
		{"DESTROY_CQ before its SQ", []byte{2: OpDestroyCQ, dqIdx: 0}, StatusResourceBusy, nil},
		{"unknown opcode", []byte{2: 77}, StatusBadOpcode, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := make([]byte, AdminEntrySize)
			copy(cmd, tc.cmd)
			le.PutUint16(cmd[aqCommandID:], uint16(i))
			comp := run(c, h, now, i, cmd)
			require.Equal(t, uint16(i), le.Uint16(comp[acqCommandID:]), "the command id is echoed")
			require.Equal(t, phaseOf(uint16(i), AdminDepth), comp[acqFlags]&1)
			require.Equal(t, tc.status, comp[acqStatus])
			if tc.check != nil {
				tc.check(comp)
			}
		})
	}
	require.Equal(t, 13, h.msix, "one management interrupt per completion")
}

// Any command bytes: the device answers with one completion (or flags the
// command) and never panics.
func FuzzAdminCommand(f *testing.F) {
	f.Add([]byte{0, 0, OpGetFeature, 0, 16: 0, 17: FeatDeviceAttributes})
	f.Add([]byte{0, 0, OpSetFeature, 0, 16: 0, 17: FeatHostAttrConfig, 20: 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF})
	f.Add([]byte{0, 0, OpSetFeature, 0, 16: 0, 17: FeatMTU, 20: 0xFF, 0xFF})
	f.Fuzz(func(t *testing.T, cmd []byte) {
		c, h, now := adminRig()
		b := make([]byte, AdminEntrySize)
		copy(b, cmd)
		comp := run(c, h, now, 0, b)
		require.Equal(t, byte(1), comp[acqFlags]&1, "a completion was written")
		require.LessOrEqual(t, comp[acqStatus], byte(StatusResourceBusy))
	})
}

func TestAdminCoverage(t *testing.T) {
	c, dev, h, now := adminRigDev()
	cmd := make([]byte, AdminEntrySize)
	cmd[aqOpcode], cmd[aqFeatID] = OpGetFeature, FeatMTU
	run(c, h, now, 0, cmd)
	d := cover.NewDB()
	d.Collect(dev.Coverage()...)
	require.Equal(t, uint64(1), d.Counts["ena/admin_opcode/get_feature"])
	require.Equal(t, uint64(1), d.Counts["ena/feature_x_access/mtu×get"])
	require.Equal(t, uint64(1), d.Counts["ena/admin_status/unsupported"], "MTU can be set, not read")
	require.Zero(t, d.Counts["ena/feature_x_access/mtu×set"])
}

// Any Tx descriptors behind a doorbell: the device sends what is well
// formed, flags the rest, and never panics or hangs.
func FuzzTxDescriptors(f *testing.F) {
	good := make([]byte, descSize)
	binary.LittleEndian.PutUint32(good[0:], 60|txPhase|txFirst|txLast|txCompReq)
	binary.LittleEndian.PutUint32(good[8:], 0x3800)
	f.Add(good, uint16(1))
	f.Add(make([]byte, 4*descSize), uint16(4))
	f.Add(append(good, good...), uint16(100))
	f.Fuzz(func(t *testing.T, descs []byte, tail uint16) {
		c, dev, h, now := txQueueRig(t, nil)
		copy(h.b[txSQAt:txSQAt+32*descSize], descs)
		*now += sim.Microsecond
		c.MMIOWrite(pcie.PF, 0, doorbellBase, uint32(tail), *now)
		*now += 10 * sim.Millisecond
		c.Advance(*now)
		tx, _, _, _, _ := dev.Traffic(pcie.PF)
		require.LessOrEqual(t, tx, uint64(32))
	})
}

// Where txQueueRig puts its Tx queue pair: 32 entries each.
const (
	txCQAt = 0x3000
	txSQAt = 0x3400
)

// txQueueRig is an adminRigDev with a Tx completion queue at txCQAt and its
// submission queue at txSQAt, both 32 deep. With up non-nil, the card's
// DMA goes through it from the queue creation on.
func txQueueRig(t testing.TB, up func(*hostMem) pcie.Upstream) (*card.Card, *Device, *hostMem, *sim.Time) {
	c, dev, h, now := adminRigDev()
	if up != nil {
		c.Attach(up(h))
	}
	le := binary.LittleEndian
	cq := make([]byte, AdminEntrySize)
	cq[aqOpcode], cq[ccqCaps2] = OpCreateCQ, 2
	le.PutUint16(cq[ccqDepth:], 32)
	le.PutUint32(cq[ccqVector:], 1)
	le.PutUint32(cq[ccqBaseLo:], txCQAt)
	require.Equal(t, byte(StatusSuccess), run(c, h, now, 0, cq)[acqStatus])
	sq := make([]byte, AdminEntrySize)
	sq[aqOpcode], sq[csqIdentity], sq[csqCaps2] = OpCreateSQ, dirTx<<5, placeHost
	le.PutUint16(sq[csqDepth:], 32)
	le.PutUint32(sq[csqBaseLo:], txSQAt)
	require.Equal(t, byte(StatusSuccess), run(c, h, now, 1, sq)[acqStatus])
	return c, dev, h, now
}

// Any LLQ entries behind a doorbell: sent when well formed, flagged when
// not, never a panic or a hang.
func FuzzLLQEntries(f *testing.F) {
	good := make([]byte, 128)
	binary.LittleEndian.PutUint32(good[0:], txPhase|txFirst|txLast|txCompReq)
	good[15] = 60 // all pushed
	f.Add(good, uint16(1))
	f.Add(make([]byte, 512), uint16(4))
	f.Fuzz(func(t *testing.T, entries []byte, tail uint16) {
		dev := New(Config{LLQ: true})
		c := card.New(dev, rtl.NewKernel(false), sim.CoreClock)
		h := &hostMem{b: make([]byte, 0x4000)}
		c.Attach(h)
		now := new(sim.Time)
		w := func(bar int, off, v uint32) {
			*now += sim.Microsecond
			c.MMIOWrite(pcie.PF, bar, off, v, *now)
		}
		w(0, OffAQ_BASE_LO, aqAt)
		w(0, OffACQ_BASE_LO, acqAt)
		w(0, OffAQ_CAPS, AdminDepth|AdminEntrySize<<16)
		w(0, OffACQ_CAPS, AdminDepth|AdminEntrySize<<16)
		le := binary.LittleEndian
		llq := make([]byte, AdminEntrySize)
		llq[aqOpcode], llq[aqFeatID] = OpSetFeature, FeatLLQ
		pl := llq[aqFeatPayload:]
		le.PutUint16(pl[llqSetHeaderLoc:], llqHeaderInline)
		le.PutUint16(pl[llqSetEntrySize:], llqEntry128)
		le.PutUint16(pl[llqSetDescsFirst:], 2)
		le.PutUint16(pl[llqSetStride:], llqStrideMulti)
		require.Equal(t, byte(StatusSuccess), run(c, h, now, 0, llq)[acqStatus])
		cq := make([]byte, AdminEntrySize)
		cq[aqOpcode], cq[ccqCaps2] = OpCreateCQ, 2
		le.PutUint16(cq[ccqDepth:], 32)
		le.PutUint32(cq[ccqVector:], 1)
		le.PutUint32(cq[ccqBaseLo:], 0x3000)
		require.Equal(t, byte(StatusSuccess), run(c, h, now, 1, cq)[acqStatus])
		sq := make([]byte, AdminEntrySize)
		sq[aqOpcode], sq[csqIdentity], sq[csqCaps2] = OpCreateSQ, dirTx<<5, placeDevice
		le.PutUint16(sq[csqDepth:], 32)
		require.Equal(t, byte(StatusSuccess), run(c, h, now, 2, sq)[acqStatus])
		for i := 0; i+4 <= len(entries) && i < 32*128; i += 4 {
			w(2, uint32(i), le.Uint32(entries[i:]))
		}
		w(0, doorbellBase, uint32(tail))
		*now += 10 * sim.Millisecond
		c.Advance(*now)
		tx, _, _, _, _ := dev.Traffic(pcie.PF)
		require.LessOrEqual(t, tx, uint64(32))
	})
}

func TestGetStats(t *testing.T) {
	c, dev, h, now := adminRigDev()
	dev.fns[0].eni = [5]uint64{11, 22, 33, 44, 55}
	dev.cfg.ConntrackCapacity = 66
	le := binary.LittleEndian
	cmd := func(typ byte, metrics uint64, buf uint32) []byte {
		b := make([]byte, AdminEntrySize)
		b[aqOpcode], b[statsType] = OpGetStats, typ
		le.PutUint64(b[statsMetrics:], metrics)
		if buf != 0 {
			le.PutUint32(b[featCtrlLen:], 512)
			le.PutUint32(b[featCtrlAddrLo:], buf)
		}
		return b
	}
	comp := run(c, h, now, 0, cmd(statsCustomer, 0xFF, 0))
	require.Equal(t, uint64(customerMetrics), le.Uint64(comp[acqPayload:]), "discovery reports the six metrics")
	run(c, h, now, 1, cmd(statsCustomer, 1<<1|1<<3|1<<5, infoAt))
	require.Equal(t, []uint64{22, 44, 66}, []uint64{le.Uint64(h.b[infoAt:]), le.Uint64(h.b[infoAt+8:]), le.Uint64(h.b[infoAt+16:])}, "one u64 per requested metric, in bit order")
	comp = run(c, h, now, 2, cmd(statsENI, 0, 0))
	require.Equal(t, uint64(33), le.Uint64(comp[acqPayload+16:]), "pps_allowance_exceeded")
	comp = run(c, h, now, 3, cmd(9, 0, 0))
	require.Equal(t, byte(StatusUnsupportedOpcode), comp[acqStatus])
}

// Any Rx descriptors behind a doorbell, then frames for the function: the
// device fills well-formed buffers, flags and drops on the rest, writes
// one completion per buffer used, and never panics or hangs.
func FuzzRxDescriptors(f *testing.F) {
	good := make([]byte, descSize)
	binary.LittleEndian.PutUint16(good[0:], 2048)
	good[3] = rxDescPhase | rxDescFirst | rxDescLast | rxDescCompReq
	binary.LittleEndian.PutUint32(good[8:], 0x3800)
	f.Add(good, uint16(1), uint8(1))
	f.Add(append(good, good...), uint16(2), uint8(3))
	f.Add(make([]byte, 4*descSize), uint16(4), uint8(2))
	f.Fuzz(func(t *testing.T, descs []byte, tail uint16, frames uint8) {
		c, dev, h, now := adminRigDev()
		le := binary.LittleEndian
		cq := make([]byte, AdminEntrySize)
		cq[aqOpcode], cq[ccqCaps2] = OpCreateCQ, rxCdescSize/4
		le.PutUint16(cq[ccqDepth:], 32)
		le.PutUint32(cq[ccqVector:], 1)
		le.PutUint32(cq[ccqBaseLo:], 0x3000)
		require.Equal(t, byte(StatusSuccess), run(c, h, now, 0, cq)[acqStatus])
		sq := make([]byte, AdminEntrySize)
		sq[aqOpcode], sq[csqIdentity], sq[csqCaps2] = OpCreateSQ, dirRx<<5, placeHost
		le.PutUint16(sq[csqDepth:], 32)
		le.PutUint32(sq[csqBaseLo:], 0x3400)
		require.Equal(t, byte(StatusSuccess), run(c, h, now, 1, sq)[acqStatus])
		copy(h.b[0x3400:0x3600], descs)
		*now += sim.Microsecond
		c.MMIOWrite(pcie.PF, 0, doorbellBase, uint32(tail), *now)
		pool := new(ether.Pool)
		for i := 0; i < int(frames%8); i++ {
			fr := pool.Get(1514)
			mac := dev.MAC(pcie.PF)
			copy(fr.Data[0:6], mac[:])
			fr.Data[12], fr.Data[13] = 0x08, 0x00
			*now += sim.Microsecond
			dev.rxFrame(fr, *now)
		}
		*now += 10 * sim.Millisecond
		c.Advance(*now)
		_, rx, _, _, _ := dev.Traffic(pcie.PF)
		require.LessOrEqual(t, rx, uint64(frames%8))
		// Every completion written carries phase 1 (the first pass over
		// the ring) and a req_id the descriptors posted.
		for k := 0; k < 32; k++ {
			cd := h.b[0x3000+k*rxCdescSize : 0x3000+(k+1)*rxCdescSize]
			if le.Uint32(cd)&rxCdescPhase == 0 {
				continue
			}
			require.Less(t, le.Uint16(cd[6:]), uint16(32), "completion %d", k)
		}
	})
}

func TestRxDescriptorChecks(t *testing.T) {
	ok := make([]byte, descSize)
	ok[3] = rxDescPhase | rxDescFirst | rxDescLast | rxDescCompReq | 1<<5 // "MBO" left to the driver
	tests := []struct {
		name string
		edit func(d []byte)
		want string
	}{
		{"well formed", func([]byte) {}, ""},
		{"no comp_req", func(d []byte) { d[3] &^= rxDescCompReq }, "lacks first, last or comp_req"},
		{"no first", func(d []byte) { d[3] &^= rxDescFirst }, "lacks first, last or comp_req"},
		{"ctrl MBZ bit 1", func(d []byte) { d[3] |= 1 << 1 }, "must-be-zero"},
		{"ctrl MBZ bit 7", func(d []byte) { d[3] |= 1 << 7 }, "must-be-zero"},
		{"byte 2", func(d []byte) { d[2] = 1 }, "must-be-zero"},
		{"bytes 14-15", func(d []byte) { d[15] = 1 }, "must-be-zero"},
		{"req_id at depth", func(d []byte) { binary.LittleEndian.PutUint16(d[4:], 32) }, "req_id 32 outside a ring of 32"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := append([]byte(nil), ok...)
			tt.edit(d)
			got := rxDescMalformed(d, 32)
			if tt.want == "" {
				require.Empty(t, got)
				return
			}
			require.Contains(t, got, tt.want)
		})
	}
}
