package intr

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/rtl"
	"github.com/nicforge/nicforge/sim"
)

type fire struct {
	v  int
	at sim.Time
}

func setup(exact bool) (*rtl.Kernel, *Block, *[]fire) {
	k := rtl.NewKernel(exact)
	e := NewEngine(k, sim.CoreClock)
	var got []fire
	b := e.NewBlock(3, func(v int, at sim.Time) { got = append(got, fire{v, at}) })
	return k, b, &got
}

func TestEITRInterval(t *testing.T) {
	for _, tc := range []struct {
		reg  uint32
		want sim.Time
	}{
		{0, 0},
		{8, 2048 * sim.Nanosecond},
		{40, 5 * 2048 * sim.Nanosecond},   // IXGBE_100K_ITR
		{200, 25 * 2048 * sim.Nanosecond}, // IXGBE_20K_ITR: 51.2 us
		{336 | EITRCntWDis, 42 * 2048 * sim.Nanosecond},
		{0xFFF, 511 * 2048 * sim.Nanosecond},
	} {
		require.Equal(t, tc.want, EITRInterval(tc.reg), "EITR %#x", tc.reg)
	}
}

func TestThrottleSpacesMessages(t *testing.T) {
	k, b, got := setup(false)
	b.AutoClr = 1
	b.Enable(1, 0)
	b.SetEITR(0, 200|EITRCntWDis, 0) // 51.2 us
	// A cause every microsecond for 200 us, re-armed after each message.
	for i := 1; i <= 200; i++ {
		at := sim.Time(i) * sim.Microsecond
		k.RunUntil(at, nil)
		b.Assert(1, at)
		b.Enable(1, at)
	}
	k.RunUntil(300*sim.Microsecond, nil)
	require.NotEmpty(t, *got)
	for i := 1; i < len(*got); i++ {
		gap := (*got)[i].at - (*got)[i-1].at
		require.GreaterOrEqual(t, gap, 51200*sim.Nanosecond, "messages %d and %d", i-1, i)
	}
	// Causes for 200 us at 51.2 us spacing: the first at once (1 us), then
	// 52.2, 103.4, 154.6 and 205.8 us.
	require.Len(t, *got, 5)
	require.Equal(t, 205804*sim.Nanosecond, (*got)[4].at)
}

func TestAutoMaskHoldsUntilReEnable(t *testing.T) {
	k, b, got := setup(false)
	b.AutoMask, b.AutoClr = 7, 7
	b.Enable(7, 0)
	b.Assert(2, 10*sim.Nanosecond)
	k.RunUntil(sim.Microsecond, nil)
	require.Equal(t, []fire{{1, 12 * sim.Nanosecond}}, *got)
	require.Zero(t, b.Mask&2, "auto-mask cleared EIMS bit")
	require.Zero(t, b.Cause&2, "auto-clear cleared EICR bit")
	b.Assert(2, 2*sim.Microsecond) // masked: no message
	k.RunUntil(3*sim.Microsecond, nil)
	require.Len(t, *got, 1)
	b.Enable(2, 4*sim.Microsecond) // re-arm with the cause pending
	k.RunUntil(5*sim.Microsecond, nil)
	require.Len(t, *got, 2)
	require.Equal(t, 4004*sim.Nanosecond, (*got)[1].at)
}

func TestCntWDisKeepsCountdown(t *testing.T) {
	for _, tc := range []struct {
		name    string
		reg     uint32
		wantSec sim.Time
	}{
		{"CNT_WDIS keeps the running interval", 200 | EITRCntWDis, 51200*sim.Nanosecond + 4*sim.Nanosecond},
		{"plain write restarts expired", 200, 10*sim.Microsecond + 4*sim.Nanosecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, b, got := setup(false)
			b.SetEITR(0, 200|EITRCntWDis, 0)
			b.Enable(1, 0)
			b.Assert(1, 0) // first message at 4 ns
			k.RunUntil(sim.Microsecond, nil)
			b.Clear(1)
			b.Assert(1, 2*sim.Microsecond) // held by the throttle
			k.RunUntil(10*sim.Microsecond, nil)
			b.SetEITR(0, tc.reg, 10*sim.Microsecond)
			k.RunUntil(100*sim.Microsecond, nil)
			require.Len(t, *got, 2)
			require.Equal(t, tc.wantSec, (*got)[1].at)
		})
	}
}

func TestExactTicksMatchSkipping(t *testing.T) {
	run := func(exact bool) []fire {
		k, b, got := setup(exact)
		b.AutoMask = 1
		b.Enable(3, 0)
		b.SetEITR(0, 40|EITRCntWDis, 0)
		b.SetEITR(1, 8|EITRCntWDis, 0)
		for i := 1; i <= 40; i++ {
			at := sim.Time(i) * 700 * sim.Nanosecond
			k.RunUntil(at, nil)
			b.Assert(uint64(1+i%2), at)
			b.Enable(1, at)
		}
		k.RunUntil(100*sim.Microsecond, nil)
		return *got
	}
	require.Equal(t, run(false), run(true))
}
