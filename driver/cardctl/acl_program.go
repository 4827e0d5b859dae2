package cardctl

import (
	"encoding/binary"
	"fmt"
)

// The ACL block's registers (model/acl's acl.regmap.yaml) at aclBase in
// BAR1; a test checks them against the regmap.
const (
	ACLBase          = 0x1000
	ACL_VF_SEL       = 0x00
	ACL_ENTRY        = 0x04
	ACL_KEY          = 0x08 // 12 words
	ACL_MASK         = 0x38 // 12 words
	ACL_ACTION       = 0x68
	ACL_PRIORITY     = 0x6c
	ACL_CMD          = 0x70
	ACL_STATUS       = 0x74
	ACL_CAPACITY     = 0x78
	ACL_FREE         = 0x7c
	ACL_OCCUPANCY    = 0x80
	ACL_STAT         = 0x88 // 8 words
	ACL_ENABLE_LO    = 0xa8
	ACL_ENABLE_HI    = 0xac
	aclOpWrite       = 1
	aclOpClearVF     = 4
	aclOpSwap        = 5
	aclOpFetch       = 6
	aclStatusBusy    = 1 << 0
	aclStatusDone    = 1 << 1
	aclStatusError   = 1 << 2
	aclStatusCodeSft = 8
)

// ACLRegisterOffsets names the ACL block's offsets as its regmap does.
func ACLRegisterOffsets() map[string]uint32 {
	return map[string]uint32{"VF_SEL": ACL_VF_SEL, "ENTRY": ACL_ENTRY, "KEY": ACL_KEY, "MASK": ACL_MASK, "ACTION": ACL_ACTION,
		"PRIORITY": ACL_PRIORITY, "CMD": ACL_CMD, "STATUS": ACL_STATUS, "CAPACITY": ACL_CAPACITY, "FREE": ACL_FREE,
		"OCCUPANCY": ACL_OCCUPANCY, "STAT": ACL_STAT, "ENABLE_LO": ACL_ENABLE_LO, "ENABLE_HI": ACL_ENABLE_HI}
}

var aclCodes = map[uint32]string{1: "entry index out of range", 2: "VF quota full", 3: "reserved key bits set", 4: "unknown command", 5: "a command while busy", 6: "read of an empty entry"}

func (c *Card) aclW(off, v uint32) { c.fn.Write32(bar, ACLBase+off, v) }
func (c *Card) aclR(off uint32) uint32 {
	return c.fn.Read32(bar, ACLBase+off)
}

func (c *Card) aclCommand(op uint32, what string) error {
	c.aclW(ACL_CMD, op)
	deadline := c.fn.Now() + cmdTimeout
	for {
		st := c.aclR(ACL_STATUS)
		switch {
		case st&aclStatusBusy != 0:
		case st&aclStatusError != 0:
			code := st >> aclStatusCodeSft & 0xF
			return fmt.Errorf("cardctl: ACL %s refused (STATUS %#x): %s", what, st, aclCodes[code])
		case st&aclStatusDone != 0:
			return nil
		}
		if c.fn.Now() > deadline {
			return fmt.Errorf("cardctl: ACL %s not done after %v (STATUS %#x)", what, cmdTimeout, st)
		}
		c.fn.Delay(pollInterval)
	}
}

// SetACL replaces VF vf's security group and network ACL: it compiles
// them, checks that they fit (a set that does not is refused, naming
// the rules, and the old set stays in force), writes them into the
// shadow bank and swaps it in, so packets see the old set or the new one,
// never a mix. Connections already tracked stay.
func (c *Card) SetACL(vf int, sg *SecurityGroup, nacl *NetworkACL) (entries int, err error) {
	if vf < 0 || vf > 63 {
		return 0, fmt.Errorf("cardctl: VF %d outside 0..63", vf)
	}
	es, err := Compile(uint8(vf), sg, nacl)
	if err != nil {
		return 0, err
	}
	capq := c.aclR(ACL_CAPACITY)
	capacity, quota := int(capq&0xFFFF), int(capq>>16)
	if c.aclSlots == nil {
		c.aclSlots = make([]int, capacity) // slot -> VF+1, 0 free: this driver is the table's only writer
	}
	c.aclW(ACL_VF_SEL, uint32(vf))
	held := int(c.aclR(ACL_OCCUPANCY))
	if err := Fit(uint8(vf), es, quota, int(c.aclR(ACL_FREE))+held); err != nil {
		return 0, err
	}
	if err := c.aclCommand(aclOpClearVF, fmt.Sprintf("CLEAR_VF for VF %d", vf)); err != nil {
		return 0, err
	}
	for i, owner := range c.aclSlots {
		if owner == vf+1 {
			c.aclSlots[i] = 0
		}
	}
	next := 0
	for i := range es {
		for next < capacity && c.aclSlots[next] != 0 {
			next++
		}
		if next == capacity {
			return i, fmt.Errorf("cardctl: VF %d: the ACL table has no free slot for entry %d of %d", vf, i, len(es))
		}
		e := &es[i]
		for w := 0; w < KeyBytes/4; w++ {
			c.aclW(ACL_KEY+uint32(4*w), binary.LittleEndian.Uint32(e.Value[4*w:]))
			c.aclW(ACL_MASK+uint32(4*w), binary.LittleEndian.Uint32(e.Mask[4*w:]))
		}
		act := uint32(e.Tag) << 16
		if e.Allow {
			act |= 1
		}
		c.aclW(ACL_ACTION, act)
		c.aclW(ACL_PRIORITY, uint32(e.Priority))
		c.aclW(ACL_ENTRY, uint32(next))
		if err := c.aclCommand(aclOpWrite, fmt.Sprintf("WRITE of entry %d for VF %d", next, vf)); err != nil {
			return i, err
		}
		c.aclSlots[next] = vf + 1
	}
	c.aclEnabled |= 1 << vf
	c.aclW(ACL_ENABLE_LO, uint32(c.aclEnabled))
	c.aclW(ACL_ENABLE_HI, uint32(c.aclEnabled>>32))
	return len(es), c.aclCommand(aclOpSwap, fmt.Sprintf("SWAP for VF %d", vf))
}

// ACLStats are a VF's ACL counters.
type ACLStats struct {
	Allowed, Denied, ConntrackExceeded, Tracked uint64
}

// ACLStats fetches VF vf's ACL counters.
func (c *Card) ACLStats(vf int) (ACLStats, error) {
	c.aclW(ACL_VF_SEL, uint32(vf))
	if err := c.aclCommand(aclOpFetch, fmt.Sprintf("FETCH for VF %d", vf)); err != nil {
		return ACLStats{}, err
	}
	var v [4]uint64
	for i := range v {
		v[i] = uint64(c.aclR(ACL_STAT+uint32(8*i))) | uint64(c.aclR(ACL_STAT+uint32(8*i+4)))<<32
	}
	return ACLStats{v[0], v[1], v[2], v[3]}, nil
}
