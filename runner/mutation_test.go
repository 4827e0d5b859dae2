package runner

import (
	"testing"

	"github.com/stretchr/testify/require"

	vfdrv "github.com/nicforge/nicforge/driver/ixgbevf"
	"github.com/nicforge/nicforge/model/ixgbe"
	"github.com/nicforge/nicforge/report"
	"github.com/nicforge/nicforge/scenario"
)

// Every injected bug is caught by the checker or scoreboard meant to catch
// it, with a message that names it; the others stay quiet about it.
func TestMutationsAreCaught(t *testing.T) {
	cases := []struct {
		mutation string
		check    string // the check that must fail
		says     string // and what its detail must name
	}{
		{string(ixgbe.MutateStaleDD), "protocol", "dd_eop at"},
		{string(ixgbe.MutateUnownedWriteBack), "protocol", "desc_ownership at"},
		{string(ixgbe.MutateIgnoreModeration), "protocol", "irq_moderation at"},
		{string(ixgbe.MutateDropFrame), "scoreboard", "1 missing; first: missing frame"},
		{string(ixgbe.MutateDuplicateFrame), "scoreboard", "1 extra; first: extra frame"},
		{string(ixgbe.MutateCorruptFrame), "scoreboard", "1 corrupted; first: corrupted frame"},
		{string(ixgbe.MutateCorruptPayload), "scoreboard", "bytes past 128 differ from the fill pattern (the first 128 match)"},
		{string(ixgbe.MutateMisrouteFrame), "scoreboard", "1 misrouted; first: misrouted frame"},
		// The checker names the register a violating write went to.
		{vfdrv.MutateTailBeyondRing, "protocol", "MMIO write VFTDT[0] = 0x400: Tx queue 0: tail 1024 is beyond"},
		{vfdrv.MutateTailPastHead, "protocol", "tail_bounds at"},
		{vfdrv.MutateMailboxNoLock, "protocol", "MMIO write VFMBMEM[0] = 0x1: message memory written without holding"},
		{vfdrv.MutateEnableBeforeBase, "protocol", "enable_order at"},
	}
	require.Len(t, cases, len(ixgbe.Mutations)+len(vfdrv.Mutations), "every mutation has a case")
	for _, tc := range cases {
		t.Run(tc.mutation, func(t *testing.T) {
			r, err := Run(scenario.Default(), Options{Mutation: tc.mutation})
			require.NoError(t, err)
			require.False(t, r.Pass)
			got := map[string]report.Check{}
			for _, c := range r.Checks {
				got[c.Name] = c
			}
			c := got[tc.check]
			require.False(t, c.Pass, "%s must catch %s", tc.check, tc.mutation)
			require.Contains(t, c.Detail, tc.says)
			if tc.check == "scoreboard" {
				require.True(t, got["protocol"].Pass, "a datapath bug that breaks no protocol rule: %s", got["protocol"].Detail)
			}
		})
	}
}

func TestUnknownMutationIsBadInput(t *testing.T) {
	_, err := Run(scenario.Default(), Options{Mutation: "flip_everything"})
	require.ErrorContains(t, err, `unknown mutation "flip_everything"`)
}
