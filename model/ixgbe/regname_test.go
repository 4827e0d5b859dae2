package ixgbe

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/model/pcie"
)

func TestRegName(t *testing.T) {
	vf1 := uint32(pcie.VF(1))
	// {function, BAR, offset} → the name a trace shows.
	for at, want := range map[[3]uint32]string{
		{0, 0, 0x888}:   "EIMC",
		{vf1, 0, 0x2fc}: "VFMAILBOX",
		{vf1, 0, 0x204}: "VFMBMEM[1]",
		{vf1, 3, 0x10}:  "MSIX[1].ADDR_LO",
		{0, 4, 0x2000}:  "MSIX_PBA[0]",
		{0, 3, 0x10}:    "", // the PF's table is in BAR4
		{vf1, 2, 0}:     "",
	} {
		require.Equal(t, want, RegName(pcie.Func(at[0]), int(at[1]), at[2]), "%v", at)
	}
}
