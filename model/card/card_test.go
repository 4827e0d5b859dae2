package card

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/model/pcie"
	"github.com/nicforge/nicforge/rtl"
	"github.com/nicforge/nicforge/sim"
)

// stub is a personality with a plain register file per function.
type stub struct {
	c      *Card
	regs   map[pcie.Func]map[uint32]uint32
	numVFs int
	flrs   []pcie.Func
}

func (s *stub) Identity() Identity {
	return Identity{Vendor: 0x8086, PFDevice: 0x10FB, VFDevice: 0x10ED, TotalVFs: 64, VFOffset: 0x180, VFStride: 2, PFVectors: 64, VFVectors: 3, PFMSIXBar: 4, VFMSIXBar: 3}
}
func (s *stub) Bind(c *Card) { s.c = c; s.regs = map[pcie.Func]map[uint32]uint32{} }
func (s *stub) RegRead(f pcie.Func, bar int, off uint32, at sim.Time) uint32 {
	return s.regs[f][off]
}
func (s *stub) RegWrite(f pcie.Func, bar int, off uint32, v uint32, at sim.Time) {
	if s.regs[f] == nil {
		s.regs[f] = map[uint32]uint32{}
	}
	s.regs[f][off] = v
}
func (s *stub) SetNumVFs(n int, at sim.Time) { s.numVFs = n }
func (s *stub) FLR(f pcie.Func, at sim.Time) { s.flrs = append(s.flrs, f) }

type msixRec struct{ got []int }

func (m *msixRec) Read(pcie.Func, sim.Time, uint64, []byte) (sim.Time, error) { return 0, nil }
func (m *msixRec) Write(pcie.Func, sim.Time, uint64, []byte) error            { return nil }
func (m *msixRec) MSIX(f pcie.Func, at sim.Time, v int)                       { m.got = append(m.got, int(f)*100+v) }

func newCard() (*Card, *stub, *msixRec) {
	s := &stub{}
	c := New(s, rtl.NewKernel(false), sim.CoreClock)
	m := &msixRec{}
	c.Attach(m)
	return c, s, m
}

func TestConfigHeaderAndSRIOV(t *testing.T) {
	c, s, _ := newCard()
	require.Equal(t, uint32(0x10FB8086), c.ConfigRead(pcie.PF, 0, 0))
	require.Equal(t, uint32(0x020000), c.ConfigRead(pcie.PF, 8, 0)>>8)
	require.Equal(t, []pcie.Func{pcie.PF}, c.Functions())
	require.Equal(t, uint32(0xFFFFFFFF), c.ConfigRead(pcie.VF(0), 0, 0), "absent VF reads all ones")
	cap := c.ConfigRead(pcie.PF, ExtSRIOV, 0)
	require.Equal(t, uint32(extIDSRIOV), cap&0xFFFF)
	require.Equal(t, uint32(64), c.ConfigRead(pcie.PF, ExtSRIOV+SRIOVTotalVF-2, 0)>>16)
	require.Equal(t, uint16(0x10ED), c.VFDeviceID())
	// TotalVFs is read-only.
	c.ConfigWrite(pcie.PF, ExtSRIOV+0x0C, 0x00080008, 0)
	require.Equal(t, uint32(64), c.ConfigRead(pcie.PF, ExtSRIOV+0x0C, 0)>>16)
	c.ConfigWrite(pcie.PF, ExtSRIOV+SRIOVNumVF, 2, 0)
	c.ConfigWrite(pcie.PF, ExtSRIOV+SRIOVCtrl, SRIOVCtrlVFE|SRIOVCtrlMSE, 0)
	require.Equal(t, 2, s.numVFs)
	require.Equal(t, []pcie.Func{pcie.PF, pcie.VF(0), pcie.VF(1)}, c.Functions())
	require.Equal(t, uint32(0xFFFFFFFF), c.ConfigRead(pcie.VF(0), 0, 0), "VF vendor/device read all ones")
	c.ConfigWrite(pcie.PF, ExtSRIOV+SRIOVCtrl, 0, 0)
	require.Equal(t, 0, s.numVFs)
}

func TestNumVFsBeyondTotalIsFlagged(t *testing.T) {
	c, s, _ := newCard()
	c.ConfigWrite(pcie.PF, ExtSRIOV+SRIOVNumVF, 65, 0)
	c.ConfigWrite(pcie.PF, ExtSRIOV+SRIOVCtrl, SRIOVCtrlVFE, 0)
	require.Zero(t, s.numVFs)
	require.Len(t, c.Errors(), 1)
	require.Contains(t, c.Errors()[0].Detail, "NumVFs 65 exceeds TotalVFs 64")
}

func TestMSIXMaskingAndPending(t *testing.T) {
	c, _, m := newCard()
	require.False(t, c.RaiseMSIX(pcie.PF, 1, 0), "MSI-X disabled: pending")
	c.ConfigWrite(pcie.PF, CapMSIX, msixCtlEnable<<16, 0)
	require.False(t, c.RaiseMSIX(pcie.PF, 1, 0), "vector masked at reset: pending")
	pba, _ := c.MMIORead(pcie.PF, 4, 0x2000, 0)
	require.Equal(t, uint32(2), pba)
	c.MMIOWrite(pcie.PF, 4, 16*1+12, 0, 0) // unmask vector 1: the pending message goes
	require.Equal(t, []int{1}, m.got)
	require.True(t, c.RaiseMSIX(pcie.PF, 1, 0))
	require.Equal(t, []int{1, 1}, m.got)
	require.False(t, c.RaiseMSIX(pcie.PF, 99, 0))
	require.NotEmpty(t, c.Errors(), "vector beyond the table is flagged")
}

func TestFLR(t *testing.T) {
	c, s, _ := newCard()
	c.ConfigWrite(pcie.PF, ExtSRIOV+SRIOVNumVF, 1, 0)
	c.ConfigWrite(pcie.PF, ExtSRIOV+SRIOVCtrl, SRIOVCtrlVFE, 0)
	c.ConfigWrite(pcie.VF(0), CapMSIX, msixCtlEnable<<16, 0)
	c.ConfigWrite(pcie.VF(0), CapPCIe+pcieDevCtl, devCtlIniFLR, 0)
	require.Equal(t, []pcie.Func{pcie.VF(0)}, s.flrs)
	require.Zero(t, c.ConfigRead(pcie.VF(0), CapMSIX, 0)>>16&msixCtlEnable, "FLR resets MSI-X enable")
}

func TestAbsentFunctionAccess(t *testing.T) {
	c, _, _ := newCard()
	v, _ := c.MMIORead(pcie.VF(3), 0, 0, 0)
	require.Equal(t, uint32(0xFFFFFFFF), v)
	c.MMIOWrite(pcie.VF(3), 0, 0, 1, 0)
	require.NotEmpty(t, c.Errors())
}
