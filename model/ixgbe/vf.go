package ixgbe

import (
	"github.com/nicforge/nicforge/model/intr"
	"github.com/nicforge/nicforge/model/pcie"
	"github.com/nicforge/nicforge/rtl"
	"github.com/nicforge/nicforge/sim"
)

// vf is one virtual function: its own registers (interrupts, mailbox,
// statistics) and a window onto its pool's queues in the PF's queue
// registers.
type vf struct {
	idx   int
	regs  *rtl.RegFile
	intr  *intr.Block
	mbmem [16]uint32
	mb    uint32 // VFMAILBOX state: VFU PFU PFSTS PFACK RSTI RSTD
	// Free-running statistics (not clear-on-read on the VF).
	gprc, gptc, gorc, gotc, mprc uint64
	resets                       uint64
}

func (d *Device) newVF(i int) *vf {
	f := &vf{idx: i, regs: rtl.MustRegFile(VFRegs)}
	fn := pcie.VF(i)
	f.intr = d.intr.NewBlock(VFVectors, func(v int, at sim.Time) { d.card.RaiseMSIX(fn, v, at) })
	if d.pfGet(pfCTRLEXT)&ctrlExtPFRSTD == 0 {
		f.mb = vfmbRSTI
	} else {
		f.mb = vfmbRSTD
	}
	return f
}

// VFResets returns how many times VF i was reset.
func (d *Device) VFResets(i int) uint64 {
	if i < d.numVFs && d.vfs[i] != nil {
		return d.vfs[i].resets
	}
	return 0
}

// vfQueueReg maps a VF queue-register offset to the PF register behind it.
func (d *Device) vfQueueReg(f *vf, off uint32) (uint32, bool) {
	var base uint32
	var rx bool
	switch {
	case off >= vfRxQ0 && off < vfRxQ0+VFQueueSlots*0x40:
		base, rx = vfRxQ0, true
	case off >= vfTxQ0 && off < vfTxQ0+VFQueueSlots*0x40:
		base = vfTxQ0
	default:
		return 0, false
	}
	n := int((off - base) / 0x40)
	r := (off - base) % 0x40
	switch r {
	case qBAL, qBAH, qLEN, qDCA, qH, qT, qDCTL:
	case qSRRCTL, qRSCCTL:
		if !rx {
			return 0, false
		}
	case qWBAL, qWBAH:
		if rx {
			return 0, false
		}
	default:
		return 0, false
	}
	if n >= 2 {
		return 0, false
	}
	q := f.idx*2 + n
	if rx {
		return pfRxQueue(q) + r, true
	}
	return pfTxQueue(q) + r, true
}

func (d *Device) vfRead(f *vf, off uint32, at sim.Time) uint32 {
	if pfOff, ok := d.vfQueueReg(f, off); ok {
		v, _ := d.pf.Read(pfOff)
		return v
	}
	switch off {
	case vfEICR:
		v := uint32(f.intr.Cause) & 7
		f.intr.Clear(uint64(v))
		return v
	case vfEIMS:
		return uint32(f.intr.Mask) & 7
	case vfEIAC:
		return uint32(f.intr.AutoClr)
	case vfEIAM:
		return uint32(f.intr.AutoMask)
	case vfMAILBOX:
		v := f.mb
		f.mb &^= vfmbPFSTS | vfmbPFACK | vfmbRSTD
		return v
	case vfLINKS:
		if d.linkUp {
			return linksUp | linksSpeed10G
		}
		return 0
	case vfGPRC:
		return uint32(f.gprc)
	case vfGPTC:
		return uint32(f.gptc)
	case vfGORCLSB:
		return uint32(f.gorc)
	case vfGORCMSB:
		return uint32(f.gorc>>32) & 0xF
	case vfGOTCLSB:
		return uint32(f.gotc)
	case vfGOTCMSB:
		return uint32(f.gotc>>32) & 0xF
	case vfMPRC:
		return uint32(f.mprc)
	}
	if off >= vfMBMEM && off < vfMBMEM+64 {
		return f.mbmem[(off-vfMBMEM)/4]
	}
	v, ok := f.regs.Read(off)
	if !ok {
		d.card.Flag(pcie.VF(f.idx), at, "read of unimplemented VF register offset %#x", off)
		if _, slot := d.vfSlot(off); slot {
			return 0
		}
	}
	return v
}

// vfSlot reports whether off is a queue slot the VF BAR decodes but this
// pool does not have (queues 2..7 in 64-pool mode).
func (d *Device) vfSlot(off uint32) (int, bool) {
	if off >= vfRxQ0 && off < vfTxQ0+VFQueueSlots*0x40 {
		return int((off & 0xFFF) / 0x40), true
	}
	return 0, false
}

func (d *Device) vfWrite(f *vf, off, v uint32, at sim.Time) {
	fn := pcie.VF(f.idx)
	if pfOff, ok := d.vfQueueReg(f, off); ok {
		d.pf.Write(pfOff, v)
		return
	}
	switch off {
	case vfCTRL:
		if v&ctrlRST != 0 {
			d.resetVF(f, at)
		}
		return
	case vfEICR:
		f.intr.Clear(uint64(v & 7))
		return
	case vfEICS:
		f.intr.Assert(uint64(v&7), at)
		return
	case vfEIMS:
		f.intr.Enable(uint64(v&7), at)
		return
	case vfEIMC:
		f.intr.Disable(uint64(v & 7))
		return
	case vfEIAC:
		f.intr.AutoClr = uint64(v & 7)
		return
	case vfEIAM:
		f.intr.AutoMask = uint64(v & 7)
		return
	case vfMAILBOX:
		d.vfMailboxWrite(f, v, at)
		return
	}
	if off >= vfEITR0 && off < vfEITR0+4*VFVectors {
		f.regs.Write(off, v)
		f.intr.SetEITR(int(off-vfEITR0)/4, v, at)
		return
	}
	if off >= vfMBMEM && off < vfMBMEM+64 {
		if f.mb&vfmbVFU == 0 {
			d.card.Flag(fn, at, "VF wrote mailbox word %d (%#x) without holding the VFU lock", (off-vfMBMEM)/4, v)
			return
		}
		f.mbmem[(off-vfMBMEM)/4] = v
		return
	}
	if !f.regs.Write(off, v) {
		d.card.Flag(fn, at, "write of %#x to unimplemented VF register offset %#x", v, off)
	}
}

// vfVector returns the vector a VF queue cause maps to through VTIVAR:
// byte 16·(q&1) + 8·dir of VTIVAR(q/2), valid bit 7.
func (f *vf) vector(n int, tx bool) (int, bool) {
	reg := vfIVAR0 + 4*uint32(n/2)
	v, _ := f.regs.Read(reg)
	shift := 16 * uint(n&1)
	if tx {
		shift += 8
	}
	b := (v >> shift) & 0xFF
	if b&ivarValid == 0 {
		return 0, false
	}
	return int(b & 3), true
}

func (f *vf) miscVector() (int, bool) {
	v, _ := f.regs.Read(vfIVARMISC)
	if v&ivarValid == 0 {
		return 0, false
	}
	return int(v & 3), true
}

// resetVF is a VF software reset or FLR: its queues stop, its pool's
// receive and transmit enables clear, its interrupt state resets.
func (d *Device) resetVF(f *vf, at sim.Time) {
	f.resets++
	d.disablePool(f.idx, at)
	for _, off := range []uint32{pfVFRE(f.idx / 32), pfVFTE(f.idx / 32)} {
		d.pfSet(off, d.pfGet(off)&^(1<<(f.idx%32)))
	}
	f.intr.Reset()
	regsMB := f.mb & (vfmbPFU | vfmbRSTD)
	f.regs.Reset()
	// RSTI holds for the reset time and then gives way to RSTD, but only
	// once the PF has said it is up (CTRL_EXT.PFRSTD); until then the VF
	// keeps reading "reset in progress".
	f.mb = regsMB | vfmbRSTI
	d.timers.At(at+d.t.VFResetTime, func(sim.Time) {
		if d.pfGet(pfCTRLEXT)&ctrlExtPFRSTD != 0 {
			f.mb = f.mb&^vfmbRSTI | vfmbRSTD
		}
	})
}
