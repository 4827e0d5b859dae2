package ixgbe

import (
	"github.com/nicforge/nicforge/model/pcie"
	"github.com/nicforge/nicforge/sim"
)

// The VF<->PF mailbox: 16 shared words per VF, a VF-side control register
// (VFMAILBOX) and a PF-side one (PFMAILBOX(v)), with lock arbitration (VFU
// is granted only while PFU is clear and the other way round) and
// doorbells that raise the peer's interrupt: REQ/ACK from the VF set
// MBVFICR bits and the PF's MAILBOX cause; STS/ACK from the PF set the VF's
// PFSTS/PFACK (read-to-clear) and its "other" vector.

func (d *Device) vfMailboxWrite(f *vf, v uint32, at sim.Time) {
	if v&vfmbVFU != 0 {
		if f.mb&vfmbPFU == 0 {
			f.mb |= vfmbVFU
		}
	} else {
		f.mb &^= vfmbVFU
	}
	word, bit := pfMBVFICR(f.idx/16), uint32(1)<<(f.idx%16)
	if v&vfmbREQ != 0 {
		d.cov.mailboxVF(f.mbmem[0])
		d.pfSet(word, d.pfGet(word)|bit)
		d.raiseMisc(eicrMailbox, at)
	}
	if v&vfmbACK != 0 {
		d.pfSet(word, d.pfGet(word)|bit<<16)
		d.raiseMisc(eicrMailbox, at)
	}
}

func (d *Device) pfMailboxRead(v int) uint32 {
	f := d.vfs[v]
	if f == nil {
		return 0
	}
	var r uint32
	if f.mb&vfmbVFU != 0 {
		r |= pfmbVFU
	}
	if f.mb&vfmbPFU != 0 {
		r |= pfmbPFU
	}
	return r
}

func (d *Device) pfMailboxWrite(v int, val uint32, at sim.Time) {
	f := d.vfs[v]
	if f == nil {
		d.card.Flag(pcie.PF, at, "PFMAILBOX(%d) write %#x: VF %d is not enabled", v, val, v)
		return
	}
	if val&pfmbRVFU != 0 {
		f.mb &^= vfmbVFU
		word := pfMBVFICR(v / 16)
		bit := uint32(1) << (v % 16)
		d.pfSet(word, d.pfGet(word)&^(bit|bit<<16))
	}
	if val&pfmbPFU != 0 {
		if f.mb&vfmbVFU == 0 {
			f.mb |= vfmbPFU
		}
	} else {
		f.mb &^= vfmbPFU
	}
	raise := false
	if val&pfmbSTS != 0 {
		d.cov.mailboxPF(f.mbmem[0])
		f.mb |= vfmbPFSTS
		raise = true
	}
	if val&pfmbACK != 0 {
		f.mb |= vfmbPFACK
		raise = true
	}
	if raise {
		if mv, ok := f.miscVector(); ok {
			f.intr.Assert(1<<mv, at)
		}
	}
}

func (d *Device) pfMBMemWrite(v, w int, val uint32, at sim.Time) {
	f := d.vfs[v]
	if f == nil {
		return
	}
	if f.mb&vfmbPFU == 0 {
		d.card.Flag(pcie.PF, at, "PF wrote VF %d mailbox word %d (%#x) without holding the PFU lock", v, w, val)
		return
	}
	f.mbmem[w] = val
}
