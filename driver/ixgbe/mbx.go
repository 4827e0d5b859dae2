package ixgbe

import (
	"encoding/binary"
	"fmt"
)

// The PF side of the VF mailboxes (ixgbe_mbx.c, ixgbe_sriov.c).

func (d *Device) mbvficr(v int) uint32 { return MBVFICR0 + 4*uint32(v/16) }

// obtainLock takes the PF lock of VF v's buffer.
func (d *Device) obtainLock(v int) bool {
	off := PFMAILBOX0 + 4*uint32(v)
	d.fn.Write32(0, off, PFMAILBOX_PFU)
	return d.fn.Read32(0, off)&PFMAILBOX_PFU != 0
}

// readMsg copies VF v's message and acknowledges it (ACK drops the lock).
func (d *Device) readMsg(v int, msg []uint32) error {
	if !d.obtainLock(v) {
		return fmt.Errorf("ixgbe: VF %d mailbox: PF lock not granted", v)
	}
	for i := range msg {
		msg[i] = d.fn.Read32(0, PFMBMEM0+0x40*uint32(v)+4*uint32(i))
	}
	d.fn.Write32(0, PFMAILBOX0+4*uint32(v), PFMAILBOX_ACK)
	return nil
}

// writeMsg posts msg to VF v: lock, clear stale REQ/ACK, copy, STS.
func (d *Device) writeMsg(v int, msg []uint32) error {
	if !d.obtainLock(v) {
		return fmt.Errorf("ixgbe: VF %d mailbox: PF lock not granted", v)
	}
	bit := uint32(1) << (v % 16)
	d.fn.Write32(0, d.mbvficr(v), bit|bit<<16)
	for i, w := range msg {
		d.fn.Write32(0, PFMBMEM0+0x40*uint32(v)+4*uint32(i), w)
	}
	d.fn.Write32(0, PFMAILBOX0+4*uint32(v), PFMAILBOX_STS)
	return nil
}

// ServeMailbox is ixgbe_msg_task: every VF with a request gets it handled
// and answered; an ACK from a VF that is not clear to send gets a NACK.
func (d *Device) ServeMailbox() {
	for v := 0; v < d.numVFs; v++ {
		icr := d.fn.Read32(0, d.mbvficr(v))
		bit := uint32(1) << (v % 16)
		if icr&bit != 0 {
			d.fn.Write32(0, d.mbvficr(v), bit)
			msg := make([]uint32, 16)
			if err := d.readMsg(v, msg); err != nil {
				d.fn.Logf("%v", err)
				continue
			}
			d.MsgsServed++
			if reply := d.HandleMessage(v, msg); reply != nil {
				if err := d.writeMsg(v, reply); err != nil {
					d.fn.Logf("%v", err)
				}
			}
		}
		if icr&(bit<<16) != 0 {
			d.fn.Write32(0, d.mbvficr(v), bit<<16)
			if !d.vfs[v].cts {
				d.Nacks++
				_ = d.writeMsg(v, []uint32{VT_MSGTYPE_NACK})
			}
		}
	}
}

// HandleMessage dispatches one VF request and returns the reply words
// (nil: no reply). It is exported for tests and fuzzing: any 16 words from
// a VF must get an answer or be ignored, never crash the PF.
func (d *Device) HandleMessage(v int, msg []uint32) []uint32 {
	if v < 0 || v >= d.numVFs || len(msg) == 0 {
		return nil
	}
	vf := &d.vfs[v]
	if msg[0]&(VT_MSGTYPE_ACK|VT_MSGTYPE_NACK) != 0 {
		return nil // a reply, not a request
	}
	code := msg[0] & 0xFFFF
	if code == VF_RESET {
		return d.vfReset(v)
	}
	if !vf.cts {
		d.Nacks++
		return []uint32{msg[0] | VT_MSGTYPE_NACK}
	}
	reply := make([]uint32, 16)
	copy(reply, msg)
	ok := true
	word := func(i int) uint32 {
		if i < len(msg) {
			return msg[i]
		}
		return 0
	}
	switch code {
	case VF_SET_MAC_ADDR:
		var mac [6]byte
		binary.LittleEndian.PutUint32(mac[0:4], word(1))
		binary.LittleEndian.PutUint16(mac[4:6], uint16(word(2)))
		switch {
		case mac[0]&1 != 0 || mac == ([6]byte{}):
			ok = false
		case vf.adminMAC && mac != vf.mac:
			ok = false // an untrusted VF may not change an administered MAC
		default:
			vf.mac = mac
			d.setRAR(v, mac)
		}
	case VF_SET_MULTICAST:
		n := int(msg[0]>>VT_MSGINFO_SHIFT) & 0xFF
		if n > 30 {
			n = 30
		}
		vf.mcHashes = vf.mcHashes[:0]
		for i := 0; i < n; i++ {
			h := uint16(word(1+i/2) >> (16 * uint(i%2)))
			vf.mcHashes = append(vf.mcHashes, h)
			reg := MTA0 + 4*uint32((h>>5)&0x7F)
			d.fn.Write32(0, reg, d.fn.Read32(0, reg)|1<<(h&0x1F))
		}
		vm := VMOLR0 + 4*uint32(v)
		d.fn.Write32(0, vm, d.fn.Read32(0, vm)|VMOLR_ROMPE)
	case VF_SET_VLAN, VF_SET_LPE:
		// VLAN filters and jumbo frames are accepted as configured.
	case VF_SET_MACVLAN:
		ok = msg[0]>>VT_MSGINFO_SHIFT&0xFF == 0 // clearing the list is all an untrusted VF may do
	case VF_API_NEGOTIATE:
		switch api := int(word(1)); api {
		case API10, API11, API12, API13, API14:
			vf.api = api
		default:
			ok = false
		}
	case VF_GET_QUEUES:
		if vf.api < API11 {
			ok = false
			break
		}
		reply[1], reply[2], reply[3], reply[4] = 2, 2, 0, 0
	case VF_UPDATE_XCAST_MODE:
		if vf.api < API12 {
			ok = false
			break
		}
		mode := word(1)
		if mode > 2 {
			mode = 1 // untrusted: at most MULTI
		}
		vm := VMOLR0 + 4*uint32(v)
		val := d.fn.Read32(0, vm) | VMOLR_BAM
		val &^= VMOLR_ROMPE | VMOLR_MPE
		if mode >= 1 {
			val |= VMOLR_ROMPE
		}
		if mode == 2 {
			val |= VMOLR_MPE
		}
		d.fn.Write32(0, vm, val)
		reply[1] = mode
	case VF_GET_LINK_STATE:
		reply[1] = 1
	default:
		ok = false
	}
	if ok {
		reply[0] = code | VT_MSGTYPE_ACK | VT_MSGTYPE_CTS
	} else {
		d.Nacks++
		reply[0] = code | VT_MSGTYPE_NACK | VT_MSGTYPE_CTS
	}
	return reply
}

// vfReset is ixgbe_vf_reset_msg: reset the VF's filters and policy,
// enable its pool, and answer with its MAC (no CTS in the reply).
func (d *Device) vfReset(v int) []uint32 {
	fn := d.fn
	vf := &d.vfs[v]
	fn.Write32(0, VMOLR0+4*uint32(v), VMOLR_AUPE|VMOLR_BAM)
	fn.Write32(0, VMVIR0+4*uint32(v), 0)
	vf.mcHashes = nil
	vf.api = API10
	if vf.adminMAC {
		d.setRAR(v, vf.mac)
	}
	for _, base := range []uint32{VFRE0, VFTE0} {
		reg := base + 4*uint32(v/32)
		fn.Write32(0, reg, fn.Read32(0, reg)|1<<(v%32))
	}
	vf.cts = true
	reg := VMECM0 + 4*uint32(v/32)
	fn.Write32(0, reg, fn.Read32(0, reg)|1<<(v%32))
	d.applySpoof(v)
	reply := make([]uint32, 4)
	reply[0] = VF_RESET | VT_MSGTYPE_NACK
	if vf.adminMAC || vf.mac != ([6]byte{}) {
		reply[0] = VF_RESET | VT_MSGTYPE_ACK
		reply[1] = binary.LittleEndian.Uint32(vf.mac[0:4])
		reply[2] = uint32(binary.LittleEndian.Uint16(vf.mac[4:6]))
	}
	reply[3] = 0 // mc_filter_type
	return reply
}
