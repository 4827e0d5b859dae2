package ixgbe

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/model/card"
	"github.com/nicforge/nicforge/model/ether"
	"github.com/nicforge/nicforge/model/pcie"
	"github.com/nicforge/nicforge/rtl"
	"github.com/nicforge/nicforge/sim"
)

// fakeHost is a minimal host side for model tests: flat memory, a fixed
// read latency, writes applied at once, MSI-X recorded. Each function may
// only touch its own window of memory (1 MiB per function) - a tiny IOMMU.
type fakeHost struct {
	mem    []byte
	msix   []msi
	faults int
}

type msi struct {
	f  pcie.Func
	v  int
	at sim.Time
}

const window = 1 << 20

func (h *fakeHost) ok(f pcie.Func, addr uint64, n int) bool {
	lo := uint64(f) * window
	return addr >= lo && addr+uint64(n) <= lo+window
}

func (h *fakeHost) Read(f pcie.Func, at sim.Time, addr uint64, p []byte) (sim.Time, error) {
	if !h.ok(f, addr, len(p)) {
		h.faults++
		return at + sim.Microsecond, &pcie.Fault{Func: f, At: at, Addr: addr, Len: len(p)}
	}
	copy(p, h.mem[addr:])
	return at + sim.Microsecond, nil
}

func (h *fakeHost) Write(f pcie.Func, at sim.Time, addr uint64, p []byte) error {
	if !h.ok(f, addr, len(p)) {
		h.faults++
		return &pcie.Fault{Func: f, At: at, Addr: addr, Len: len(p), Write: true}
	}
	copy(h.mem[addr:], p)
	return nil
}

func (h *fakeHost) MSIX(f pcie.Func, at sim.Time, v int) { h.msix = append(h.msix, msi{f, v, at}) }

type rig struct {
	t    *testing.T
	h    *fakeHost
	k    *rtl.Kernel
	c    *card.Card
	d    *Device
	now  sim.Time
	wire []*ether.Frame
}

func (r *rig) Receive(f *ether.Frame, at sim.Time) bool {
	g := &ether.Frame{Data: append([]byte(nil), f.Data...)}
	r.wire = append(r.wire, g)
	return false
}

func newRig(t *testing.T, exact bool) *rig {
	r := &rig{t: t, h: &fakeHost{mem: make([]byte, 8*window)}, k: rtl.NewKernel(exact)}
	r.d = New(Config{})
	r.c = card.New(r.d, r.k, sim.CoreClock)
	r.c.Attach(r.h)
	r.d.MACTx.Peer = r
	return r
}

func (r *rig) run(d sim.Time) {
	r.now += d
	for r.k.Next() <= r.now {
		r.c.Advance(r.now)
	}
	r.k.RunUntil(r.now, nil)
}

func (r *rig) w(f pcie.Func, off, v uint32) {
	r.run(10 * sim.Nanosecond)
	r.c.MMIOWrite(f, 0, off, v, r.now)
}

func (r *rig) rd(f pcie.Func, off uint32) uint32 {
	r.run(10 * sim.Nanosecond)
	v, _ := r.c.MMIORead(f, 0, off, r.now)
	return v
}

func (r *rig) cfgw(f pcie.Func, off uint16, v uint32) {
	r.run(10 * sim.Nanosecond)
	r.c.ConfigWrite(f, off, v, r.now)
}

// enableMSIX turns on MSI-X for f with every vector unmasked.
func (r *rig) enableMSIX(f pcie.Func, bar, n int) {
	r.cfgw(f, card.CapMSIX, uint32(0x8000)<<16)
	for v := 0; v < n; v++ {
		r.run(10 * sim.Nanosecond)
		r.c.MMIOWrite(f, bar, uint32(16*v+12), 0, r.now)
	}
}

// bringUpPF resets the PF, waits for link and enables Rx and Tx globally.
func (r *rig) bringUpPF() {
	r.w(pcie.PF, pfCTRL, ctrlRST)
	r.run(20 * sim.Microsecond)
	require.NotZero(r.t, r.rd(pcie.PF, pfLINKS)&linksUp, "link up after reset")
	r.w(pcie.PF, pfRXCTRL, rxctrlRXEN)
	r.w(pcie.PF, pfDMATXCTL, dmatxctlTE)
	r.w(pcie.PF, pfFCTRL, fctrlBAM)
}

// txRing sets up PF queue q's Tx ring at base with count descriptors.
func (r *rig) txRing(f pcie.Func, regBase uint32, base uint64, count uint32) {
	r.w(f, regBase+qBAL, uint32(base))
	r.w(f, regBase+qBAH, uint32(base>>32))
	r.w(f, regBase+qLEN, count*descSize)
	r.w(f, regBase+qH, 0)
	r.w(f, regBase+qT, 0)
	r.w(f, regBase+qDCTL, txdctlEnable|8<<txdctlWTHRESHSft)
}

func (r *rig) rxRing(f pcie.Func, regBase uint32, base uint64, count uint32, bufs uint64) {
	for i := uint32(0); i < count; i++ {
		d := r.h.mem[base+uint64(i)*16:]
		binary.LittleEndian.PutUint64(d[0:], bufs+uint64(i)*2048)
		binary.LittleEndian.PutUint64(d[8:], 0)
	}
	r.w(f, regBase+qBAL, uint32(base))
	r.w(f, regBase+qBAH, uint32(base>>32))
	r.w(f, regBase+qLEN, count*descSize)
	r.w(f, regBase+qH, 0)
	r.w(f, regBase+qT, 0)
	r.w(f, regBase+qSRRCTL, 2|srrctlAdvOneBuf|srrctlDropEn)
	r.w(f, regBase+qDCTL, rxdctlEnable)
	r.w(f, regBase+qT, count-1)
}

// postTx writes n single-buffer packets of size bytes into a Tx ring.
func (r *rig) postTx(ring uint64, first, n int, buf uint64, size int, fill func(i int, p []byte)) {
	for i := 0; i < n; i++ {
		idx := first + i
		p := r.h.mem[buf+uint64(idx)*2048 : buf+uint64(idx)*2048+uint64(size)]
		fill(i, p)
		d := r.h.mem[ring+uint64(idx)*16:]
		binary.LittleEndian.PutUint64(d[0:], buf+uint64(idx)*2048)
		binary.LittleEndian.PutUint32(d[8:], uint32(size)|txdDTYPData|txdCmdDEXT|txdCmdIFCS|txdCmdEOP|txdCmdRS)
		binary.LittleEndian.PutUint32(d[12:], uint32(size)<<14)
	}
}

func TestPFResetAndLink(t *testing.T) {
	r := newRig(t, false)
	r.w(pcie.PF, pfCTRL, ctrlRST)
	require.Zero(t, r.rd(pcie.PF, pfCTRL)&ctrlRST, "CTRL.RST self-clears")
	require.NotZero(t, r.rd(pcie.PF, pfEEC)&eecARD, "EEC auto-read done")
	require.NotZero(t, r.rd(pcie.PF, pfRDRXCTL)&rdrxctlDMAIDONE, "RDRXCTL.DMAIDONE")
	require.Zero(t, r.rd(pcie.PF, pfLINKS)&linksUp, "link trains after reset")
	r.run(DefaultTiming.LinkUpDelay)
	require.Equal(t, uint32(linksUp|linksSpeed10G), r.rd(pcie.PF, pfLINKS))
	// The PF MAC is in RAR[0].
	require.NotZero(t, r.rd(pcie.PF, pfRAH(0))&rahAV)
}

func TestPFTxAtLineRate(t *testing.T) {
	for _, exact := range []bool{false, true} {
		r := newRig(t, exact)
		r.bringUpPF()
		const ring, bufs = 0x10000, 0x20000
		r.txRing(pcie.PF, pfTxQueue(0), ring, 256)
		require.NotZero(t, r.rd(pcie.PF, pfTxQueue(0)+qDCTL)&txdctlEnable, "TXDCTL.ENABLE reads back while the queue runs")
		fl := ether.Flow{Dst: ether.MAC{2, 0, 0, 0, 0, 9}, Src: ether.MAC{0, 0x1b, 0x21, 0, 0, 1}}
		r.postTx(ring, 0, 200, bufs, 60, func(i int, p []byte) { ether.BuildUDP(p, &fl, 1, uint64(i)) })
		r.w(pcie.PF, pfTxQueue(0)+qT, 200)
		var starts []sim.Time
		r.d.MACTx.OnStart = func(f *ether.Frame, at sim.Time) { starts = append(starts, at) }
		r.run(30 * sim.Microsecond)
		require.Len(t, r.wire, 200, "exact=%v", exact)
		for i, f := range r.wire {
			_, seq, err := ether.ParseStamp(f.Data)
			require.NoError(t, err)
			require.Equal(t, uint64(i), seq, "frames leave in ring order")
		}
		// After the first descriptors arrive, frames leave back to back.
		for i := 50; i < len(starts); i++ {
			require.Equal(t, 67200*sim.Picosecond, starts[i]-starts[i-1], "frame %d", i)
		}
		// Every descriptor was written back with DD.
		for i := 0; i < 200; i++ {
			require.Equal(t, uint32(txdStatDD), binary.LittleEndian.Uint32(r.h.mem[ring+uint64(i)*16+12:]), "descriptor %d", i)
		}
		require.Equal(t, uint32(200), r.rd(pcie.PF, pfTxQueue(0)+qH))
		require.Equal(t, uint32(200), r.rd(pcie.PF, pfGPTC))
		require.Equal(t, uint32(0), r.rd(pcie.PF, pfGPTC), "GPTC is clear-on-read")
	}
}

func TestPFRxWritesBack(t *testing.T) {
	r := newRig(t, false)
	r.bringUpPF()
	const ring, bufs = 0x10000, 0x40000
	r.rxRing(pcie.PF, pfRxQueue(0), ring, 64, bufs)
	pfMAC := ether.MAC{0, 0x1b, 0x21, 0, 0, 1}
	fl := ether.Flow{Dst: pfMAC, Src: ether.MAC{2, 0, 0, 0, 0, 9}}
	for i := 0; i < 10; i++ {
		f := r.d.Frames().Get(1514)
		ether.BuildUDP(f.Data, &fl, 3, uint64(i))
		r.d.MACRx.Receive(f, r.now+sim.Time(i)*1230*sim.Nanosecond)
	}
	r.run(50 * sim.Microsecond)
	for i := 0; i < 10; i++ {
		d := r.h.mem[ring+uint64(i)*16:]
		st := binary.LittleEndian.Uint32(d[8:])
		require.Equal(t, uint32(rxdStatDD|rxdStatEOP), st, "descriptor %d status", i)
		require.Equal(t, uint16(1514), binary.LittleEndian.Uint16(d[12:]))
		require.Equal(t, uint16(pktTypeIPv4|pktTypeUDP), binary.LittleEndian.Uint16(d[0:]))
		_, seq, err := ether.ParseStamp(r.h.mem[bufs+uint64(i)*2048:])
		require.NoError(t, err)
		require.Equal(t, uint64(i), seq)
	}
	require.Equal(t, uint32(10), r.rd(pcie.PF, pfRxQueue(0)+qH))
	require.Equal(t, uint32(10), r.rd(pcie.PF, pfGPRC))
}

func TestRingOutsideDomainFaults(t *testing.T) {
	r := newRig(t, false)
	r.bringUpPF()
	// The PF's window is [0, 1 MiB): a ring at 3 MiB belongs to nobody.
	r.txRing(pcie.PF, pfTxQueue(0), 3*window, 64)
	r.w(pcie.PF, pfTxQueue(0)+qT, 10)
	r.run(10 * sim.Microsecond)
	require.NotZero(t, r.h.faults, "descriptor fetch outside the domain faults")
	require.Empty(t, r.wire, "nothing is sent from a faulted fetch")
}

// RTTBCNRC paces a queue: rate factor 4.0 (14 fractional bits) gives a
// quarter of the line rate.
func TestRateLimitPacesQueue(t *testing.T) {
	r := newRig(t, false)
	r.bringUpPF()
	const ring, bufs = 0x10000, 0x20000
	r.txRing(pcie.PF, pfTxQueue(0), ring, 512)
	r.w(pcie.PF, pfRTTDQSEL, 0)
	r.w(pcie.PF, pfRTTBCNRC, 4<<14|rttbcnrcRSEna)
	fl := ether.Flow{Dst: ether.MAC{2, 0, 0, 0, 0, 9}, Src: ether.MAC{0, 0x1b, 0x21, 0, 0, 1}}
	r.postTx(ring, 0, 400, bufs, 60, func(i int, p []byte) { ether.BuildUDP(p, &fl, 1, uint64(i)) })
	var starts []sim.Time
	r.d.MACTx.OnStart = func(f *ether.Frame, at sim.Time) { starts = append(starts, at) }
	r.w(pcie.PF, pfTxQueue(0)+qT, 400)
	r.run(100 * sim.Microsecond)
	require.Greater(t, len(starts), 100)
	for i := 10; i < len(starts); i++ {
		require.GreaterOrEqual(t, starts[i]-starts[i-1], 4*67200*sim.Picosecond, "frame %d", i)
	}
}

// With no Rx descriptors and DROP_EN clear, frames wait in the Rx packet
// buffer; once it is full the MAC drops and counts them (MPC).
func TestRxBufferOverflowCounts(t *testing.T) {
	r := newRig(t, false)
	r.bringUpPF()
	const ring = 0x10000
	r.w(pcie.PF, pfRxQueue(0)+qBAL, ring)
	r.w(pcie.PF, pfRxQueue(0)+qLEN, 64*descSize)
	r.w(pcie.PF, pfRxQueue(0)+qSRRCTL, 2|srrctlAdvOneBuf) // no DROP_EN
	r.w(pcie.PF, pfRxQueue(0)+qDCTL, rxdctlEnable)        // tail 0: no buffers
	pfMAC := ether.MAC{0, 0x1b, 0x21, 0, 0, 1}
	fl := ether.Flow{Dst: pfMAC, Src: ether.MAC{2, 0, 0, 0, 0, 9}}
	const n = 400 // 400 x 1518 bytes > 512 KiB
	for i := 0; i < n; i++ {
		f := r.d.Frames().Get(1514)
		ether.BuildUDP(f.Data, &fl, 3, uint64(i))
		r.d.MACRx.Receive(f, r.now+sim.Time(i)*1230*sim.Nanosecond)
	}
	r.run(600 * sim.Microsecond)
	held := (512 << 10) / 1518
	require.Equal(t, uint32(n-held), r.rd(pcie.PF, pfMPC0), "missed packets")
	require.Equal(t, uint64(n-held), r.d.Stats().RxBufferDrop)
}
