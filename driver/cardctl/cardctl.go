// Package cardctl drives the card PF's provisioning block (BAR1 of the
// ENA card's PF, block card_pf): it gives each VF its MAC, IPv4 and IPv6
// addresses, MTU and allowances before the VF is enabled, enables the VFs through
// the SR-IOV capability, and reads each VF's ENI counters back. It uses
// only driver/bus.
//
//	Provision(vf, cfg): stage VF_MAC_LO..VF_LINKLOCAL_PPS, VF_IPV6[0..3],
//	                    VF_SEL = vf, CMD = COMMIT, poll STATUS until DONE
//	                    (BUSY before)
//	Stats(vf):          VF_SEL = vf, CMD = FETCH, poll, read STAT[0..9]
//	EnableVFs(n):       SR-IOV NumVFs = n, VF Enable | VF MSE
//	SetACL(vf, sg, nacl): compile (acl.go), Fit, CLEAR_VF, WRITE each entry
//	                    through the ACL block's staging registers, ENABLE,
//	                    SWAP: the new set replaces the old at one instant
//	ACLStats(vf):       FETCH the VF's allowed, denied, conntrack-exceeded
//	                    and tracked counts
package cardctl

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/nicforge/nicforge/driver/bus"
)

// Register offsets in BAR1 (card_pf.regmap.yaml); a test checks them
// against the regmap.
const (
	VF_SEL           = 0x00
	VF_MAC_LO        = 0x04
	VF_MAC_HI        = 0x08
	VF_IPV4          = 0x0c
	VF_MTU           = 0x10
	VF_BW_IN_LO      = 0x14
	VF_BW_IN_HI      = 0x18
	VF_BW_OUT_LO     = 0x1c
	VF_BW_OUT_HI     = 0x20
	VF_PPS           = 0x24
	VF_CONNTRACK     = 0x28
	VF_LINKLOCAL_PPS = 0x2c
	CMD              = 0x30
	STATUS           = 0x34
	STAT             = 0x40
	VF_IPV6          = 0x80 // 4 words

	CMD_COMMIT   = 1
	CMD_FETCH    = 2
	STATUS_BUSY  = 1 << 0
	STATUS_DONE  = 1 << 1
	STATUS_ERROR = 1 << 2

	bar = 1

	// SR-IOV capability (the card's config space).
	sriovCap    = 0x100
	sriovCtrl   = sriovCap + 0x08
	sriovNumVFs = sriovCap + 0x10
	sriovVFE    = 1 << 0
	sriovMSE    = 1 << 3

	// DefaultLinkLocalPPS is the link-local allowance a VF gets by default.
	DefaultLinkLocalPPS = 1024
	cmdTimeout          = 10 * time.Millisecond
	pollInterval        = time.Microsecond
)

// Config is one VF's provisioning.
type Config struct {
	MAC          [6]byte
	IPv4         [4]byte
	IPv6         [16]byte // all zero: none
	MTU          int
	BWIn, BWOut  uint64 // bit/s, 0 = unlimited
	PPS          uint64 // packets/s, 0 = unlimited
	Conntrack    uint64
	LinkLocalPPS uint64 // 0 = DefaultLinkLocalPPS
}

// Stats are a VF's ENI counters: packets its allowances shaped.
type Stats struct {
	BWInExceeded, BWOutExceeded, PPSExceeded, ConntrackExceeded, LinkLocalExceeded uint64
}

// Card is the card PF's control plane.
type Card struct {
	fn         bus.Function
	aclSlots   []int  // ACL table slot -> owning VF+1 (0: free)
	aclEnabled uint64 // VFs the ACL is enabled for
}

// Open returns the control plane of the PF fn.
func Open(fn bus.Function) *Card {
	fn.ConfigWrite32(0x04, fn.ConfigRead32(0x04)|0x6) // memory space, bus master
	return &Card{fn: fn}
}

// RegisterOffsets names the driver's offsets as the regmap does.
func RegisterOffsets() map[string]uint32 {
	return map[string]uint32{"VF_SEL": VF_SEL, "VF_MAC_LO": VF_MAC_LO, "VF_MAC_HI": VF_MAC_HI, "VF_IPV4": VF_IPV4,
		"VF_MTU": VF_MTU, "VF_BW_IN_LO": VF_BW_IN_LO, "VF_BW_IN_HI": VF_BW_IN_HI, "VF_BW_OUT_LO": VF_BW_OUT_LO,
		"VF_BW_OUT_HI": VF_BW_OUT_HI, "VF_PPS": VF_PPS, "VF_CONNTRACK": VF_CONNTRACK, "VF_LINKLOCAL_PPS": VF_LINKLOCAL_PPS,
		"CMD": CMD, "STATUS": STATUS, "STAT": STAT, "VF_IPV6": VF_IPV6}
}

// Provision stages cfg and commits it to VF vf.
func (c *Card) Provision(vf int, cfg Config) error {
	if cfg.PPS > 1<<32-1 || cfg.Conntrack > 1<<32-1 || cfg.LinkLocalPPS > 1<<32-1 {
		return fmt.Errorf("cardctl: VF %d: pps %d, conntrack %d, link-local pps %d: each must fit 32 bits", vf, cfg.PPS, cfg.Conntrack, cfg.LinkLocalPPS)
	}
	if cfg.LinkLocalPPS == 0 {
		cfg.LinkLocalPPS = DefaultLinkLocalPPS
	}
	w := func(off uint32, v uint32) { c.fn.Write32(bar, off, v) }
	w(VF_MAC_LO, binary.LittleEndian.Uint32(cfg.MAC[0:]))
	w(VF_MAC_HI, uint32(binary.LittleEndian.Uint16(cfg.MAC[4:])))
	w(VF_IPV4, binary.LittleEndian.Uint32(cfg.IPv4[:]))
	w(VF_MTU, uint32(cfg.MTU))
	w(VF_BW_IN_LO, uint32(cfg.BWIn))
	w(VF_BW_IN_HI, uint32(cfg.BWIn>>32))
	w(VF_BW_OUT_LO, uint32(cfg.BWOut))
	w(VF_BW_OUT_HI, uint32(cfg.BWOut>>32))
	w(VF_PPS, uint32(cfg.PPS))
	w(VF_CONNTRACK, uint32(cfg.Conntrack))
	w(VF_LINKLOCAL_PPS, uint32(cfg.LinkLocalPPS))
	for k := range 4 {
		w(VF_IPV6+uint32(4*k), binary.LittleEndian.Uint32(cfg.IPv6[4*k:]))
	}
	return c.command(vf, CMD_COMMIT)
}

// Stats fetches VF vf's ENI counters.
func (c *Card) Stats(vf int) (Stats, error) {
	if err := c.command(vf, CMD_FETCH); err != nil {
		return Stats{}, err
	}
	var v [5]uint64
	for i := range v {
		lo := c.fn.Read32(bar, STAT+uint32(8*i))
		hi := c.fn.Read32(bar, STAT+uint32(8*i+4))
		v[i] = uint64(lo) | uint64(hi)<<32
	}
	return Stats{v[0], v[1], v[2], v[3], v[4]}, nil
}

func (c *Card) command(vf int, op uint32) error {
	if vf < 0 || vf > 63 {
		return fmt.Errorf("cardctl: VF %d outside 0..63", vf)
	}
	c.fn.Write32(bar, VF_SEL, uint32(vf))
	c.fn.Write32(bar, CMD, op)
	deadline := c.fn.Now() + cmdTimeout
	for {
		st := c.fn.Read32(bar, STATUS)
		switch {
		case st&STATUS_ERROR != 0:
			return fmt.Errorf("cardctl: command %d for VF %d refused (STATUS %#x): the card has no such VF", op, vf, st)
		case st&STATUS_DONE != 0 && st&STATUS_BUSY == 0:
			return nil
		case c.fn.Now() > deadline:
			return fmt.Errorf("cardctl: command %d for VF %d not done after %v (STATUS %#x)", op, vf, cmdTimeout, st)
		}
		c.fn.Delay(pollInterval)
	}
}

// EnableVFs creates n VFs through the SR-IOV capability.
func (c *Card) EnableVFs(n int) error {
	if n < 0 || n > 64 {
		return errors.New("cardctl: VF count outside 0..64")
	}
	c.fn.ConfigWrite32(sriovNumVFs, uint32(n))
	c.fn.ConfigWrite32(sriovCtrl, sriovVFE|sriovMSE)
	return nil
}
