package drivermap

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/driver/cardctl"
	enadrv "github.com/nicforge/nicforge/driver/ena"
	pfdrv "github.com/nicforge/nicforge/driver/ixgbe"
	vfdrv "github.com/nicforge/nicforge/driver/ixgbevf"
	"github.com/nicforge/nicforge/model/acl"
	"github.com/nicforge/nicforge/model/ena"
	"github.com/nicforge/nicforge/model/ixgbe"
	"github.com/nicforge/nicforge/rtl"
)

func TestVFDriverMatchesRegmap(t *testing.T) {
	m := map[string]Entry{}
	for k, v := range vfdrv.RegisterOffsets() {
		m[k] = Entry(v)
	}
	require.Greater(t, len(m), 30)
	require.Empty(t, Compare(ixgbe.VFRegs, m))
}

func TestPFDriverMatchesRegmap(t *testing.T) {
	m := map[string]Entry{}
	for k, v := range pfdrv.RegisterOffsets() {
		m[k] = Entry(v)
	}
	require.Greater(t, len(m), 40)
	require.Empty(t, Compare(ixgbe.PFRegs, m))
}

func TestENADriverMatchesRegmap(t *testing.T) {
	m := map[string]Entry{}
	for k, v := range enadrv.RegisterOffsets() {
		m[k] = Entry(v)
	}
	require.Greater(t, len(m), 15)
	require.Empty(t, Compare(ena.Regs, m))
}

func TestCardctlMatchesRegmap(t *testing.T) {
	m := map[string]Entry{}
	for k, v := range cardctl.RegisterOffsets() {
		m[k] = Entry{Offset: v}
	}
	m["STAT"] = Entry{Offset: cardctl.STAT, Stride: 4, Count: 10}
	require.Empty(t, Compare(ena.CardPFRegs, m))
}

func TestCompareCatchesDisagreement(t *testing.T) {
	block := &rtl.BlockSpec{Name: "b", Size: 0x1000, Regs: []rtl.RegSpec{
		{Name: "A", Offset: 0x10, Access: rtl.RW},
		{Name: "Q", Offset: 0x100, Access: rtl.RW, Count: 4, Stride: 0x40},
	}}
	got := Compare(block, map[string]Entry{
		"A": {Offset: 0x14},
		"Q": {Offset: 0x100, Stride: 0x20, Count: 4},
		"Z": {Offset: 0x800},
	})
	require.Equal(t, []Mismatch{
		{"A", "driver offset 0x14, regmap 0x10"},
		{"Q", "driver stride 0x20, regmap 0x40"},
		{"Z", "not in regmap b"},
	}, got)
}

func TestCardctlACLMatchesRegmap(t *testing.T) {
	m := map[string]Entry{}
	for k, v := range cardctl.ACLRegisterOffsets() {
		m[k] = Entry{Offset: v}
	}
	m["KEY"] = Entry{Offset: cardctl.ACL_KEY, Stride: 4, Count: 12}
	m["MASK"] = Entry{Offset: cardctl.ACL_MASK, Stride: 4, Count: 12}
	m["STAT"] = Entry{Offset: cardctl.ACL_STAT, Stride: 4, Count: 8}
	require.Empty(t, Compare(acl.Regs, m))
	require.Equal(t, int(acl.KeyBytes), cardctl.KeyBytes)
}
