package cosim

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/driver/bus"
	"github.com/nicforge/nicforge/model/pcie"
	"github.com/nicforge/nicforge/sim"
)

// tickingToy is the toy card with a free-running 100 ns timer, so it
// always has a next event. It records every access that arrives at a time
// before an event it already processed: a host that let it run ahead.
type tickingToy struct {
	*toyDevice
	tick      sim.Time
	ticks     int
	last      sim.Time // time of the last event processed
	violation []string
}

const toyTick = 100 * sim.Nanosecond

func (d *tickingToy) NextEvent() sim.Time { return sim.Min(d.toyDevice.NextEvent(), d.tick) }

func (d *tickingToy) Advance(until sim.Time) sim.Time {
	for {
		due := d.toyDevice.NextEvent()
		switch {
		case due <= until && due <= d.tick:
			d.last = due
			return d.toyDevice.Advance(due) // stops right after its MSI-X
		case d.tick <= until:
			d.last = d.tick
			d.ticks++
			d.tick += toyTick
		default:
			return until
		}
	}
}

func (d *tickingToy) check(what string, at sim.Time) {
	if at < d.last {
		d.violation = append(d.violation, fmt.Sprintf("%s at %v after the device processed an event at %v", what, at, d.last))
	}
}

func (d *tickingToy) MMIORead(f pcie.Func, bar int, off uint32, at sim.Time) (uint32, sim.Time) {
	d.check("MMIO read", at)
	return d.toyDevice.MMIORead(f, bar, off, at)
}

func (d *tickingToy) MMIOWrite(f pcie.Func, bar int, off uint32, v uint32, at sim.Time) {
	d.check("MMIO write", at)
	d.toyDevice.MMIOWrite(f, bar, off, v, at)
}

// A context waiting for an interrupt with a far deadline is woken by the
// MSI-X; the device must not have run on towards the deadline meanwhile.
func TestWakeByInterruptBeforeDeadlineKeepsDeviceInStep(t *testing.T) {
	d := &tickingToy{toyDevice: newToy(), tick: toyTick}
	h, err := NewHost(d, Config{Functions: 4, ArenaBytes: 1 << 20})
	require.NoError(t, err)
	defer h.Close()
	var woke time.Duration
	var got uint64
	h.Go("pf", h.Function(pcie.PF), func(fn bus.Function) {
		src, err := fn.AllocDMA(64, 64)
		require.NoError(t, err)
		dst, err := fn.AllocDMA(64, 64)
		require.NoError(t, err)
		fn.Write32(0, 8, uint32(src.IOVA))
		fn.Write32(0, 12, uint32(dst.IOVA))
		fn.Write32(0, 4, 1)
		got = fn.WaitIRQ(1, time.Millisecond)
		woke = fn.Now()
		fn.Read32(0, 8) // an access right at the wake-up time
	})
	require.NoError(t, h.Run(sim.Second))
	require.Equal(t, uint64(1), got, "woken by the interrupt, not the deadline")
	require.Less(t, woke, 10*time.Microsecond)
	require.Empty(t, d.violation)
	require.Less(t, d.ticks, 200, "the device did not run on towards the 1 ms deadline")
}
