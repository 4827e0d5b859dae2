package runner

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/cosim"
	"github.com/nicforge/nicforge/driver/bus"
	pfdrv "github.com/nicforge/nicforge/driver/ixgbe"
	vfdrv "github.com/nicforge/nicforge/driver/ixgbevf"
	"github.com/nicforge/nicforge/model/card"
	"github.com/nicforge/nicforge/model/ixgbe"
	"github.com/nicforge/nicforge/model/pcie"
	"github.com/nicforge/nicforge/rtl"
	"github.com/nicforge/nicforge/sim"
)

// A VF driver that points its Tx ring at another function's memory gets a
// recorded DMA fault, and not one byte of that memory is read or written.
func TestVFRingOutsideItsDomain(t *testing.T) {
	dev := ixgbe.New(ixgbe.Config{})
	c := card.New(dev, rtl.NewKernel(false), sim.CoreClock)
	h, err := cosim.NewHost(c, cosim.Config{})
	require.NoError(t, err)
	defer h.Close()
	var victim bus.Buffer
	var victimCopy []byte
	var probed bool
	h.OnFunctionAdded(func(f pcie.Func, fn bus.Function) {
		if f != pcie.VF(1) {
			return
		}
		h.Go("rogue", fn, func(fn bus.Function) {
			d, err := vfdrv.Probe(fn, vfdrv.Config{})
			require.NoError(t, err)
			require.NoError(t, d.Open())
			probed = true
			// Point Tx queue 0 at the PF's buffer and post 16 descriptors.
			fn.Write32(0, vfdrv.VFTXDCTL0, vfdrv.TXDCTL_SWFLSH)
			fn.Write32(0, vfdrv.VFTDBAL0, uint32(victim.IOVA))
			fn.Write32(0, vfdrv.VFTDBAH0, uint32(victim.IOVA>>32))
			fn.Write32(0, vfdrv.VFTDLEN0, 4096)
			fn.Write32(0, vfdrv.VFTDH0, 0)
			fn.Write32(0, vfdrv.VFTDT0, 0)
			fn.Write32(0, vfdrv.VFTXDCTL0, vfdrv.TXDCTL_ENABLE)
			fn.Write32(0, vfdrv.VFTDT0, 16)
			// And its Rx ring too.
			fn.Write32(0, vfdrv.VFRXDCTL0, 0)
			fn.Write32(0, vfdrv.VFRDBAL0, uint32(victim.IOVA))
			fn.Write32(0, vfdrv.VFRDBAH0, uint32(victim.IOVA>>32))
			fn.Write32(0, vfdrv.VFRDLEN0, 4096)
			fn.Write32(0, vfdrv.VFRXDCTL0, vfdrv.RXDCTL_ENABLE)
			fn.Write32(0, vfdrv.VFRDT0, 100)
			fn.Delay(100 * time.Microsecond)
		})
	})
	h.Go("pf", h.Function(pcie.PF), func(fn bus.Function) {
		d, err := pfdrv.Probe(fn, pfdrv.Config{})
		require.NoError(t, err)
		victim, err = fn.AllocDMA(4096, 4096)
		require.NoError(t, err)
		for i := range victim.Bytes {
			victim.Bytes[i] = byte(i * 7)
		}
		victimCopy = bytes.Clone(victim.Bytes)
		require.NoError(t, d.EnableSRIOV(2))
		require.NoError(t, d.SetVFMAC(1, [6]byte{2, 0, 0, 0, 0, 0x11}))
		for fn.Now() < 200*time.Millisecond {
			d.WaitInterrupt(time.Millisecond)
		}
	})
	require.NoError(t, h.Run(sim.FromDuration(300*time.Millisecond)))
	require.True(t, probed, "the rogue VF came up cleanly first")
	faults := h.Faults()
	require.NotEmpty(t, faults, "DMA outside the VF's domain must fault")
	for _, f := range faults {
		require.Equal(t, pcie.VF(1), f.Func)
		require.True(t, f.Addr >= victim.IOVA && f.Addr < victim.IOVA+4096, "fault at %#x", f.Addr)
	}
	require.Equal(t, victimCopy, victim.Bytes, "the PF's memory is untouched")
}
