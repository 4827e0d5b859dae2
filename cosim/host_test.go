package cosim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/driver/bus"
	"github.com/nicforge/nicforge/model/pcie"
	"github.com/nicforge/nicforge/sim"
)

// toyDevice is a card with one register per function and a "DMA engine":
// a write to register 4 makes it copy 64 bytes from the address in
// register 8 to the address in register 12, 1 µs later, and raise MSI-X 0.
type toyDevice struct {
	up   pcie.Upstream
	regs map[uint32]uint32
	due  sim.Time
	now  sim.Time
	vfs  bool
}

func newToy() *toyDevice { return &toyDevice{regs: map[uint32]uint32{}, due: sim.Never} }

func (d *toyDevice) Attach(up pcie.Upstream) { d.up = up }
func (d *toyDevice) Functions() []pcie.Func {
	if d.vfs {
		return []pcie.Func{pcie.PF, pcie.VF(0)}
	}
	return []pcie.Func{pcie.PF}
}
func (d *toyDevice) NextEvent() sim.Time { return d.due }
func (d *toyDevice) Advance(until sim.Time) sim.Time {
	if d.due <= until {
		at := d.due
		d.due = sim.Never
		buf := make([]byte, 64)
		done, err := d.up.Read(pcie.PF, at, uint64(d.regs[8]), buf)
		if err == nil {
			_ = d.up.Write(pcie.PF, done, uint64(d.regs[12]), buf)
		}
		d.up.MSIX(pcie.PF, done, 0)
		return at
	}
	return until
}
func (d *toyDevice) ConfigRead(f pcie.Func, off uint16, at sim.Time) uint32 { return 0 }
func (d *toyDevice) ConfigWrite(f pcie.Func, off uint16, v uint32, at sim.Time) {
	if off == 0x100 {
		d.vfs = true
	}
}
func (d *toyDevice) MMIORead(f pcie.Func, bar int, off uint32, at sim.Time) (uint32, sim.Time) {
	return d.regs[off], at + 32*sim.Nanosecond
}
func (d *toyDevice) MMIOWrite(f pcie.Func, bar int, off uint32, v uint32, at sim.Time) {
	d.regs[off] = v
	if off == 4 {
		d.due = at + sim.Microsecond
	}
}

func newHost(t *testing.T, d Device) *Host {
	h, err := NewHost(d, Config{Functions: 4, ArenaBytes: 1 << 20})
	require.NoError(t, err)
	t.Cleanup(func() { h.Close() })
	return h
}

func TestMMIOReadLatency(t *testing.T) {
	h := newHost(t, newToy())
	var before, after time.Duration
	h.Go("pf", h.Function(pcie.PF), func(fn bus.Function) {
		before = fn.Now()
		fn.Read32(0, 0)
		after = fn.Now()
	})
	require.NoError(t, h.Run(sim.Second))
	// Down: 24-byte request; device 32 ns; up: 28-byte completion.
	want := Gen3x8.ser(24) + Gen3x8.Latency + 32*sim.Nanosecond + Gen3x8.ser(28) + Gen3x8.Latency
	require.Equal(t, want.Duration(), after-before)
}

func TestDMAAndInterrupt(t *testing.T) {
	h := newHost(t, newToy())
	var got []byte
	var woke time.Duration
	var sent sim.Time
	h.Go("pf", h.Function(pcie.PF), func(fn bus.Function) {
		src, err := fn.AllocDMA(64, 64)
		require.NoError(t, err)
		dst, err := fn.AllocDMA(64, 64)
		require.NoError(t, err)
		for i := range src.Bytes {
			src.Bytes[i] = byte(i)
		}
		fn.Write32(0, 8, uint32(src.IOVA))
		fn.Write32(0, 12, uint32(dst.IOVA))
		fn.Write32(0, 4, 1)
		require.Zero(t, dst.Bytes[5], "nothing lands before the device acts")
		require.Equal(t, uint64(1), fn.WaitIRQ(1, time.Second))
		woke = fn.Now()
		got = append(got, dst.Bytes...)
	})
	h.OnMSIX(func(f pcie.Func, v int, at sim.Time) { sent = at })
	require.NoError(t, h.Run(sim.Second))
	require.Equal(t, byte(5), got[5], "the DMA write landed before the interrupt")
	// The MSI-X leaves right behind the 64-byte DMA write on the up lane and
	// lands a latency later; the waiting context wakes exactly then.
	want := (sent + Gen3x8.ser(64+24) + Gen3x8.ser(4+24) + Gen3x8.Latency).Duration()
	require.Equal(t, want, woke, "the waiting context wakes when the MSI-X lands")
	require.Empty(t, h.Faults())
}

func TestIOMMUIsolation(t *testing.T) {
	d := newToy()
	h := newHost(t, d)
	var other bus.Buffer
	h.Go("pf", h.Function(pcie.PF), func(fn bus.Function) {
		// Point the engine at memory of another function.
		vf := h.Function(pcie.VF(0))
		var err error
		other, err = vf.AllocDMA(64, 64)
		require.NoError(t, err)
		for i := range other.Bytes {
			other.Bytes[i] = 0xAA
		}
		dst, _ := fn.AllocDMA(64, 64)
		fn.Write32(0, 8, uint32(other.IOVA))
		fn.Write32(0, 12, uint32(dst.IOVA))
		fn.Write32(0, 4, 1)
		fn.WaitIRQ(1, time.Second)
		require.Zero(t, dst.Bytes[0], "nothing of the other function's memory was read")
	})
	require.NoError(t, h.Run(sim.Second))
	require.Len(t, h.Faults(), 1)
	require.Equal(t, other.IOVA, h.Faults()[0].Addr)
	require.Equal(t, pcie.PF, h.Faults()[0].Func)
}

func TestContextsRunInTimeOrder(t *testing.T) {
	run := func() []string {
		h := newHost(t, newToy())
		var log []string
		for _, name := range []string{"a", "b", "c"} {
			name := name
			h.Go(name, h.Function(pcie.PF), func(fn bus.Function) {
				for i := 0; i < 5; i++ {
					fn.Delay(time.Duration(len(name)+i) * time.Microsecond)
					log = append(log, name+fn.Now().String())
				}
			})
		}
		require.NoError(t, h.Run(sim.Second))
		return log
	}
	a := run()
	require.Equal(t, a, run())
	require.Equal(t, "a1µs", a[0])
	require.Equal(t, "b1µs", a[1], "same time: lower id first")
}

func TestRunEndsBusyContexts(t *testing.T) {
	h := newHost(t, newToy())
	loops := 0
	h.Go("spin", h.Function(pcie.PF), func(fn bus.Function) {
		for {
			fn.Spend(time.Microsecond)
			loops++
		}
	})
	require.NoError(t, h.Run(100*sim.Microsecond))
	require.Equal(t, 100, loops)
}

func TestHotplug(t *testing.T) {
	h := newHost(t, newToy())
	var added []pcie.Func
	h.OnFunctionAdded(func(f pcie.Func, fn bus.Function) {
		added = append(added, f)
		h.Go("vf", fn, func(fn bus.Function) { fn.Delay(time.Microsecond) })
	})
	h.Go("pf", h.Function(pcie.PF), func(fn bus.Function) { fn.ConfigWrite32(0x100, 1) })
	require.NoError(t, h.Run(sim.Second))
	require.Equal(t, []pcie.Func{pcie.VF(0)}, added)
}

func TestDriverPanicIsAnError(t *testing.T) {
	h := newHost(t, newToy())
	h.Go("bad", h.Function(pcie.PF), func(fn bus.Function) { panic("driver bug") })
	err := h.Run(sim.Second)
	require.Error(t, err)
	require.Contains(t, err.Error(), "driver bug")
}

func BenchmarkContextSwitch(b *testing.B) {
	h, _ := NewHost(newToy(), Config{Functions: 2, ArenaBytes: 1 << 20})
	defer h.Close()
	for i := 0; i < 2; i++ {
		h.Go("c", h.Function(pcie.PF), func(fn bus.Function) {
			for {
				fn.Delay(time.Nanosecond)
			}
		})
	}
	b.ResetTimer()
	_ = h.Run(sim.Time(b.N) * sim.Nanosecond / 2)
}
