package ena

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/model/acl"
	"github.com/nicforge/nicforge/model/pcie"
)

// Trace readers name ENA addresses as the driver's headers do.
func TestRegName(t *testing.T) {
	tests := []struct {
		f    pcie.Func
		bar  int
		off  uint32
		want string
	}{
		{pcie.VF(0), 0, OffDEV_CTL, "DEV_CTL"},
		{pcie.VF(0), 0, OffMMIO_REG_READ, "MMIO_REG_READ"},
		{pcie.VF(0), 0, doorbellBase + 4, "SQ_DOORBELL[1]"},
		{pcie.VF(0), 0, unmaskBase + 8, "INTR_UNMASK[cq 2]"},
		{pcie.VF(3), 2, llqWindow + 0x10, "LLQ[sq 1]+0x10"},
		{pcie.VF(0), 4, 0x1c, "MSIX[1].CTRL"},
		{pcie.PF, 1, aclBase + acl.Regs.Regs[0].Offset, "ACL_" + acl.Regs.Regs[0].Name},
		{pcie.PF, 1, CardPFRegs.Regs[0].Offset, CardPFRegs.Regs[0].Name},
		{pcie.VF(0), 1, 0, ""}, // a VF has no BAR1
		{pcie.VF(0), 0, 0x0FFC, ""},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, RegName(tt.f, tt.bar, tt.off), "%s BAR%d+%#x", tt.f, tt.bar, tt.off)
	}
}
