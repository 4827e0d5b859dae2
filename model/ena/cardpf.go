package ena

import (
	"encoding/binary"
	"github.com/nicforge/nicforge/model/acl"

	"github.com/nicforge/nicforge/model/ether"
	"github.com/nicforge/nicforge/model/pcie"
	"github.com/nicforge/nicforge/model/shaper"
	"github.com/nicforge/nicforge/sim"
)

// The card PF's provisioning block (card_pf.regmap.yaml) in BAR1 of the
// PF: each VF's MAC, IPv4 and IPv6 addresses, MTU and allowances, applied with an
// indirect COMMIT, and its ENI counters read back with FETCH. Allowances
// are enforced by model/shaper buckets on the VF's datapath; a packet a
// bucket refuses is dropped and counted in the matching ENI counter.

// Card PF bits.
const (
	cardCmdCommit  = 1
	cardCmdFetch   = 2
	cardStsBusy    = 1 << 0
	cardStsDone    = 1 << 1
	cardStsError   = 1 << 2
	cardCmdLatency = sim.Microsecond
	// Buckets absorb 100 µs of their rate at once, at least 16 packets'
	// worth: enough for a driver's doorbell batch, short against the
	// windows allowances are measured over.
	burstWindow = 100 * sim.Microsecond
	minBurstPkt = 16
)

// VFConfig is one VF's provisioning.
type VFConfig struct {
	MAC          ether.MAC
	IPv4         [4]byte
	IPv6         [16]byte
	MTU          int
	BWIn, BWOut  uint64 // bit/s, 0 = unlimited
	PPS          uint64 // packets/s in and out, 0 = unlimited
	Conntrack    uint64
	LinkLocalPPS uint64
}

// allowances are one VF's buckets.
type allowances struct {
	pps, bwIn, bwOut, linkLocal *shaper.Bucket
}

func bucket(rate uint64, unit uint64) *shaper.Bucket {
	if rate == 0 {
		return nil
	}
	burst := max(rate*uint64(burstWindow)/uint64(sim.Second), minBurstPkt*unit)
	return shaper.New(rate, burst)
}

func newAllowances(c VFConfig) allowances {
	const frameBits = 1518 * 8
	return allowances{pps: bucket(c.PPS, 1), bwIn: bucket(c.BWIn, frameBits), bwOut: bucket(c.BWOut, frameBits), linkLocal: bucket(c.LinkLocalPPS, 1)}
}

// VF returns VF i's provisioning.
func (d *Device) VF(i int) (VFConfig, bool) {
	c, ok := d.vfCfg[i]
	return c, ok
}

func (d *Device) cardReg(off uint32) uint32 {
	v, _ := d.cardPF.Read(off)
	return v
}

func (d *Device) cardWrite(off, v uint32, at sim.Time) {
	if !d.cardPF.Write(off, v) {
		d.card.Flag(pcie.PF, at, "card PF: write of %#x to unimplemented offset %#x", v, off)
		return
	}
	if off != OffCardCMD {
		return
	}
	if d.cardBusy {
		d.card.Flag(pcie.PF, at, "card PF: command %d while the previous one is busy; ignored", v)
		return
	}
	vf := int(d.cardReg(OffCardVF_SEL) & 0x3F)
	d.cardBusy, d.cardStatus = true, cardStsBusy
	d.timers.At(at+cardCmdLatency, func(now sim.Time) {
		d.cardBusy = false
		if vf >= int(d.cfg.TotalVFs) {
			d.cardStatus = cardStsDone | cardStsError
			return
		}
		switch v & 3 {
		case cardCmdCommit:
			d.commitVF(vf, now)
		case cardCmdFetch:
			d.fetchVF(vf)
		default:
			d.cardStatus = cardStsDone | cardStsError
			return
		}
		d.cardStatus = cardStsDone
	})
}

func (d *Device) commitVF(vf int, now sim.Time) {
	r := d.cardReg
	c := VFConfig{
		IPv4: [4]byte(binary.LittleEndian.AppendUint32(nil, r(OffCardVF_IPV4))), MTU: int(r(OffCardVF_MTU)),
		BWIn: uint64(r(OffCardVF_BW_IN_LO)) | uint64(r(OffCardVF_BW_IN_HI))<<32, BWOut: uint64(r(OffCardVF_BW_OUT_LO)) | uint64(r(OffCardVF_BW_OUT_HI))<<32,
		PPS: uint64(r(OffCardVF_PPS)), Conntrack: uint64(r(OffCardVF_CONNTRACK)), LinkLocalPPS: uint64(r(OffCardVF_LINKLOCAL_PPS)),
	}
	binary.LittleEndian.PutUint32(c.MAC[0:], r(OffCardVF_MAC_LO))
	binary.LittleEndian.PutUint16(c.MAC[4:], uint16(r(OffCardVF_MAC_HI)))
	v6, _ := d.cardPF.Lookup(OffCardVF_IPV6)
	for k := range 4 {
		binary.LittleEndian.PutUint32(c.IPv6[4*k:], d.cardPF.Get(v6+k))
	}
	d.vfCfg[vf] = c
	if fn := d.fn(pcie.VF(vf)); fn != nil {
		fn.allow = newAllowances(c)
	}
	d.acl.Pipe.Tracker.SetAllowance(uint8(vf), int(min(c.Conntrack, d.cfg.ConntrackCapacity)))
}

func (d *Device) fetchVF(vf int) {
	c := d.vfCfg[vf]
	set := func(off, v uint32) { d.cardPF.Write(off, v) }
	set(OffCardVF_MAC_LO, binary.LittleEndian.Uint32(c.MAC[0:]))
	set(OffCardVF_MAC_HI, uint32(binary.LittleEndian.Uint16(c.MAC[4:])))
	set(OffCardVF_IPV4, binary.LittleEndian.Uint32(c.IPv4[:]))
	set(OffCardVF_MTU, uint32(c.MTU))
	set(OffCardVF_BW_IN_LO, uint32(c.BWIn))
	set(OffCardVF_BW_IN_HI, uint32(c.BWIn>>32))
	set(OffCardVF_BW_OUT_LO, uint32(c.BWOut))
	set(OffCardVF_BW_OUT_HI, uint32(c.BWOut>>32))
	set(OffCardVF_PPS, uint32(c.PPS))
	set(OffCardVF_CONNTRACK, uint32(c.Conntrack))
	set(OffCardVF_LINKLOCAL_PPS, uint32(c.LinkLocalPPS))
	for k := range 4 {
		set(OffCardVF_IPV6+uint32(4*k), binary.LittleEndian.Uint32(c.IPv6[4*k:]))
	}
	var eni [5]uint64
	if fn := d.fn(pcie.VF(vf)); fn != nil {
		eni = fn.eni
	}
	i, _ := d.cardPF.Lookup(OffCardSTAT)
	for k, v := range eni {
		d.cardPF.Set(i+2*k, uint32(v))
		d.cardPF.Set(i+2*k+1, uint32(v>>32))
	}
}

// shapeTx decides a VF's outgoing packet of size bytes: false drops it,
// counted as pps or bw_out allowance exceeded.
func (fn *function) shapeTx(size int, now sim.Time) bool {
	a := &fn.allow
	if !a.pps.Take(1, now) {
		fn.eni[eniPPS]++
		return false
	}
	if !a.bwOut.Take(uint64(size)*8, now) {
		fn.eni[eniBWOut]++
		return false
	}
	return true
}

// shapeRx decides a VF's incoming packet.
func (fn *function) shapeRx(size int, now sim.Time) bool {
	a := &fn.allow
	if !a.pps.Take(1, now) {
		fn.eni[eniPPS]++
		return false
	}
	if !a.bwIn.Take(uint64(size)*8, now) {
		fn.eni[eniBWIn]++
		return false
	}
	return true
}

// linkLocalOK decides a VF's packet to or from a link-local address
// (169.254.0.0/16, fd00:ec2::/32: the instance metadata, DNS and time
// services): those are limited to the VF's link-local allowance, counted
// as linklocal allowance exceeded.
func (fn *function) linkLocalOK(data []byte, tx bool, now sim.Time) bool {
	if fn.allow.linkLocal == nil || !IsLinkLocal(data, tx) {
		return true
	}
	if !fn.allow.linkLocal.Take(1, now) {
		fn.eni[eniLinklocal]++
		return false
	}
	return true
}

// IsLinkLocal says whether an Ethernet frame's IP peer is a link-local
// service address: the destination of a frame the VF sends (tx), the
// source of one it receives.
func IsLinkLocal(frame []byte, tx bool) bool {
	if len(frame) < ether.HeaderLen+20 {
		return false
	}
	ip := frame[ether.HeaderLen:]
	switch binary.BigEndian.Uint16(frame[12:]) {
	case 0x0800:
		a := ip[12:16]
		if tx {
			a = ip[16:20]
		}
		return a[0] == 169 && a[1] == 254
	case 0x86DD:
		if len(ip) < 40 {
			return false
		}
		a := ip[8:24]
		if tx {
			a = ip[24:40]
		}
		return a[0] == 0xfd && a[1] == 0x00 && a[2] == 0x0e && a[3] == 0xc2
	}
	return false
}

// aclBase is where the ACL block (model/acl, block acl) sits in the PF's
// BAR1, after the provisioning block.
const aclBase = 0x1000

// aclOK runs a VF's frame through the ACL block (the PF's own traffic is
// the card's, not a tenant's): a denied packet is dropped and counted by
// the block; one a full tracker refuses also counts as conntrack
// allowance exceeded.
func (fn *function) aclOK(data []byte, dir acl.Direction, now sim.Time) bool {
	if !fn.id.IsVF() {
		return true
	}
	vf := uint8(fn.id.VFIndex())
	if !fn.d.acl.Enabled(vf, now) {
		return true
	}
	f, ok := acl.FlowOf(data, dir, vf)
	if !ok {
		return true
	}
	v := fn.d.acl.Decide(&f, now)
	if v.Reason == acl.ConntrackFull {
		fn.eni[eniConntrack]++
	}
	return v.Pass
}

// aclDelay is the ACL pipeline's latency for fn's packets: zero when the
// ACL is off for it (the block is bypassed).
func (fn *function) aclDelay(now sim.Time) sim.Time {
	if !fn.id.IsVF() || !fn.d.acl.Enabled(uint8(fn.id.VFIndex()), now) {
		return 0
	}
	return acl.Latency * fn.d.card.Clock().Period
}

// conntrackAvailable is the connections fn may still open: its share of
// the tracker less what it tracks now.
func (fn *function) conntrackAvailable(now sim.Time) uint64 {
	limit := fn.d.cfg.ConntrackCapacity
	if !fn.id.IsVF() {
		return limit
	}
	vf := fn.id.VFIndex()
	if c, ok := fn.d.vfCfg[vf]; ok && c.Conntrack > 0 {
		limit = min(limit, c.Conntrack)
	}
	return limit - min(limit, uint64(fn.d.acl.Pipe.Tracker.Tracked(uint8(vf), now)))
}

// ACLBlock returns the card's ACL block, for tests and tools that look at
// its tables directly.
func (d *Device) ACLBlock() *acl.Block { return d.acl }

// ACL returns VF vf's ACL counters and the connections it tracks at now.
func (d *Device) ACL(vf int, now sim.Time) (acl.Counters, int) {
	return d.acl.Pipe.Counters(uint8(vf)), d.acl.Pipe.Tracker.Tracked(uint8(vf), now)
}
