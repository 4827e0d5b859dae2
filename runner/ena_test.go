package runner

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/cosim"
	"github.com/nicforge/nicforge/driver/bus"
	enadrv "github.com/nicforge/nicforge/driver/ena"
	"github.com/nicforge/nicforge/model/card"
	"github.com/nicforge/nicforge/model/ena"
	"github.com/nicforge/nicforge/model/pcie"
	"github.com/nicforge/nicforge/rtl"
	"github.com/nicforge/nicforge/sim"
	"github.com/nicforge/nicforge/verify/checker"
	"github.com/nicforge/nicforge/verify/conform"
)

// enaHost builds an ENA card on a host, with the protocol checkers on.
func enaHost(t *testing.T, cfg ena.Config) (*cosim.Host, *ena.Device, *card.Card) {
	t.Helper()
	dev := ena.New(cfg)
	c := card.New(dev, rtl.NewKernel(false), sim.CoreClock)
	h, err := cosim.NewHost(c, cosim.Config{})
	require.NoError(t, err)
	t.Cleanup(func() { h.Close() })
	chk := checker.New(h.Memory())
	h.OnMMIOWrite(chk.MMIOWrite)
	h.OnFault(chk.Fault)
	t.Cleanup(func() { require.Nil(t, chk.First(), "protocol") })
	return h, dev, c
}

// The driver probes the ENA PF in the Linux order: readless reads, a reset
// with its reason, the admin queue in polling mode, the features, the AENQ,
// interrupt mode; the link comes up through an AENQ event.
func TestENAProbe(t *testing.T) {
	for _, readlessOff := range []bool{false, true} {
		t.Run(map[bool]string{false: "readless", true: "direct reads"}[readlessOff], func(t *testing.T) {
			h, dev, c := enaHost(t, ena.Config{ReadlessOff: readlessOff})
			var d *enadrv.Device
			var probeTime time.Duration
			var mmioReads int
			h.OnMMIORead(func(pcie.Func, int, uint32, uint32, sim.Time) { mmioReads++ })
			h.Go("pf", h.Function(pcie.PF), func(fn bus.Function) {
				var err error
				d, err = enadrv.Probe(fn, enadrv.Config{NumCPUs: 4})
				require.NoError(t, err)
				probeTime = fn.Now()
				require.True(t, d.WaitLink(10*time.Millisecond), "the link comes up through the AENQ")
				require.NoError(t, d.SetMTU(9000))
				require.ErrorContains(t, d.SetMTU(64), "status 5")
			})
			require.NoError(t, h.Run(sim.Second))
			require.NotNil(t, d)
			require.Empty(t, c.Errors())

			require.Equal(t, [6]byte(dev.MAC(pcie.PF)), d.Attr.MAC)
			require.Equal(t, uint32(9001), d.Attr.MaxMTU)
			require.Equal(t, 4, d.NumQueues, "bounded by the CPUs")
			require.Equal(t, uint32(0x1F), d.AENQEnabled)
			require.Equal(t, uint32(64), d.TxUsecs)
			require.Equal(t, uint32(20), d.RxUsecs)
			ver, spec := dev.HostInfo(pcie.PF)
			require.Equal(t, uint32(2|17<<8|'g'<<24), ver, "the host info page reached the device")
			require.Equal(t, uint16(0x0200), spec)
			require.Equal(t, 9000, dev.MTU(pcie.PF))
			reason, resets := dev.ResetReason(pcie.PF)
			require.Equal(t, 1, resets)
			require.Equal(t, uint32(0), reason, "NORMAL")
			if readlessOff {
				require.Positive(t, mmioReads)
			} else {
				require.Zero(t, mmioReads, "every register read went through MMIO_REG_READ")
			}
			// Reset: two phases of 1 ms seen through 5 ms polls; then ten
			// admin commands polled at 5 ms.
			require.Greater(t, probeTime, 40*time.Millisecond)
			require.Less(t, probeTime, 200*time.Millisecond)
		})
	}
}

// Garbage from a driver is flagged and the device keeps answering.
func TestENABadAdminInput(t *testing.T) {
	h, _, c := enaHost(t, ena.Config{})
	var after uint32
	h.Go("rogue", h.Function(pcie.PF), func(fn bus.Function) {
		aq, err := fn.AllocDMA(4096, 4096)
		require.NoError(t, err)
		fn.Write32(0, ena.OffAQ_BASE_LO, uint32(aq.IOVA))
		fn.Write32(0, ena.OffAQ_CAPS, 33|64<<16) // not a power of two
		fn.Write32(0, ena.OffAQ_DB, 1)
		fn.Write32(0, ena.OffAQ_CAPS, 32|64<<16)
		fn.Write32(0, ena.OffACQ_CAPS, 32|64<<16)
		fn.Write32(0, ena.OffAQ_DB, 2) // entries with phase 0: never written
		fn.Write32(0, ena.OffAQ_DB, 200)
		fn.Write32(0, 0x7F0, 1) // no register there
		fn.Delay(time.Millisecond)
		after = fn.Read32(0, ena.OffDEV_STS)
	})
	require.NoError(t, h.Run(sim.Second))
	var got []string
	for _, e := range c.Errors() {
		got = append(got, e.Detail)
	}
	require.Len(t, got, 4, "%q", got)
	require.Contains(t, got[0], "AQ_CAPS: depth 33 and entry size 64")
	require.Contains(t, got[1], "has phase 0, want 1")
	require.Contains(t, got[2], "AQ_DB 200 is 200 commands ahead")
	require.Contains(t, got[3], "unimplemented register offset 0x7f0")
	require.Equal(t, uint32(1), after, "still ready")
}

// Register conformance of the ENA block, derived from its regmap, on the
// PF and a VF of the ENA card.
func TestENAConforms(t *testing.T) {
	for _, f := range []pcie.Func{pcie.PF, pcie.VF(0)} {
		dev := ena.New(ena.Config{})
		c := card.New(dev, rtl.NewKernel(false), sim.CoreClock)
		c.Attach(nullHost{})
		tgt := &cardTarget{c: c, f: f, vfs: 2}
		enableVFs(c, 2, tgt.tick())
		r := conform.Run(ena.Regs, f.String(), tgt, conform.Options{})
		require.True(t, r.Passed(), "%s: %v", f, r.Failures)
		require.Greater(t, r.Checks, 40)
		for _, e := range c.Errors() {
			require.Contains(t, e.Detail, "unimplemented register offset", "only the access sequence's probes of holes are flagged")
		}
	}
}
