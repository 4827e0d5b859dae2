package ixgbe

import (
	"encoding/binary"

	"github.com/nicforge/nicforge/sim"
)

// onPF installs a write hook on the PF register at off.
func (d *Device) onPFWrite(off uint32, h func(old, v uint32)) {
	i := d.pfReg(off)
	d.pf.OnWriteIndex(i, func(_ int, old, v uint32) { h(old, v) })
}

func (d *Device) onPFRead(off uint32, h func() uint32) {
	d.pf.OnReadIndex(d.pfReg(off), func(int) uint32 { return h() })
}

func (d *Device) installPFHooks() {
	d.onPFWrite(pfCTRL, func(_, v uint32) {
		if v&ctrlRST != 0 {
			d.resetPF(d.now)
		}
	})
	d.onPFWrite(pfCTRLEXT, func(old, v uint32) {
		if v&ctrlExtPFRSTD != 0 && old&ctrlExtPFRSTD == 0 {
			for _, f := range d.vfs[:d.numVFs] {
				f.mb = f.mb&^vfmbRSTI | vfmbRSTD
			}
		}
	})
	d.onPFRead(pfEICR, func() uint32 {
		v := d.pfEICR()
		clr := uint32(eicrQueues)
		if d.pfGet(pfGPIE)&gpieOCD == 0 {
			clr = ^uint32(0)
		}
		d.pfIntr.Clear(uint64(v & clr & eicrQueues))
		d.pfMisc &^= v & clr &^ eicrQueues
		d.updateOther(d.now)
		return v
	})
	d.onPFWrite(pfEICR, func(_, v uint32) {
		d.pfIntr.Clear(uint64(v & eicrQueues))
		d.pfMisc &^= v &^ eicrQueues
		d.updateOther(d.now)
	})
	d.onPFRead(pfEICS, func() uint32 { return d.pfEICR() })
	d.onPFWrite(pfEICS, func(_, v uint32) {
		d.pfIntr.Assert(uint64(v&eicrQueues), d.now)
		if m := v &^ eicrQueues; m != 0 {
			d.raiseMisc(m, d.now)
		}
	})
	d.onPFRead(pfEIMS, func() uint32 {
		m := uint32(d.pfIntr.Mask) & eicrQueues
		if ov, ok := d.pfOtherVector(); ok && ov < 16 {
			m &^= 1 << ov
		}
		return m | d.pfMiscEIMS
	})
	d.onPFWrite(pfEIMS, func(_, v uint32) {
		d.pfIntr.Enable(uint64(v&eicrQueues), d.now)
		d.pfMiscEIMS |= v &^ eicrQueues
		d.updateOther(d.now)
	})
	d.onPFWrite(pfEIMC, func(_, v uint32) {
		d.pfIntr.Disable(uint64(v & eicrQueues))
		d.pfMiscEIMS &^= v &^ eicrQueues
		d.updateOther(d.now)
	})
	d.onPFWrite(pfEIAC, func(_, v uint32) { d.pfIntr.AutoClr = uint64(v & eicrQueues) })
	d.onPFWrite(pfEIAM, func(_, v uint32) { d.pfIntr.AutoMask = uint64(v & eicrQueues) })
	for i := 0; i < PFVectors; i++ {
		i := i
		if !d.pfHas(pfEITR(i)) {
			continue
		}
		d.onPFWrite(pfEITR(i), func(_, v uint32) { d.pfIntr.SetEITR(i, v, d.now) })
	}
	d.onPFWrite(pfAUTOC, func(_, v uint32) {
		if v&autocRestartAN != 0 {
			d.pfSet(pfAUTOC, v&^autocRestartAN)
			d.setLink(false, d.now)
			d.timers.At(d.now+d.t.LinkUpDelay, func(t sim.Time) { d.setLink(true, t) })
		}
	})
	d.onPFRead(pfLINKS, func() uint32 {
		if d.linkUp {
			return linksUp | linksSpeed10G
		}
		return 0
	})
	for q := 0; q < NumQueues; q++ {
		q := q
		rx, tx := pfRxQueue(q), pfTxQueue(q)
		d.onPFWrite(rx+qDCTL, func(old, v uint32) { d.rx.control(q, old, v, d.now) })
		d.onPFWrite(rx+qT, func(_, v uint32) { d.rx.tail(q, v, d.now) })
		d.onPFRead(rx+qH, func() uint32 { return d.rx.head(q) })
		d.onPFWrite(tx+qDCTL, func(old, v uint32) { d.tx.control(q, old, v, d.now) })
		d.onPFWrite(tx+qT, func(_, v uint32) { d.tx.tail(q, v, d.now) })
		d.onPFRead(tx+qH, func() uint32 { return d.tx.head(q) })
	}
	for n := 0; n < 16; n++ {
		alias, main := pfSRRCTLAli+4*uint32(n), pfRxQueue(n)+qSRRCTL
		if !d.pfHas(alias) {
			break
		}
		d.onPFRead(alias, func() uint32 { return d.pfGet(main) })
		d.onPFWrite(alias, func(_, v uint32) { d.pf.Write(main, v) })
	}
	for v := 0; v < TotalVFs; v++ {
		v := v
		d.onPFWrite(pfMailbox(v), func(_, val uint32) { d.pfMailboxWrite(v, val, d.now) })
		d.onPFRead(pfMailbox(v), func() uint32 { return d.pfMailboxRead(v) })
		for w := 0; w < 16; w++ {
			w := w
			off := pfMBMEM + 0x40*uint32(v) + 4*uint32(w)
			if !d.pfHas(off) {
				continue
			}
			d.onPFRead(off, func() uint32 {
				if f := d.vfs[v]; f != nil {
					return f.mbmem[w]
				}
				return 0
			})
			d.onPFWrite(off, func(_, val uint32) { d.pfMBMemWrite(v, w, val, d.now) })
		}
	}
	if d.pfHas(0x00700) {
		for r := 0; r < 2; r++ {
			lre := uint32(0x00600)
			if r == 1 {
				lre = 0x001C0
			}
			if !d.pfHas(lre) {
				continue
			}
			d.onPFWrite(0x00700+4*uint32(r), func(_, v uint32) { d.pfSet(lre, d.pfGet(lre)&^v) })
		}
	}
	d.onPFWrite(pfRTTBCNRC, func(_, v uint32) { d.tx.setRate(int(d.pfGet(pfRTTDQSEL)&0x7F), v) })
	// Filter and pool registers feed the switch's lookup tables.
	dirty := func(uint32, uint32) { d.filters.dirty = true }
	d.onPFWrite(pfVTCTL, dirty)
	for i := 0; i < 128; i++ {
		for _, off := range []uint32{pfRAL(i), pfRAH(i), pfMPSARLo(i), pfMPSARHi(i)} {
			if d.pfHas(off) {
				d.onPFWrite(off, dirty)
			}
		}
	}
}

// pfEICR is the PF's EICR value: queue-vector causes and other causes.
func (d *Device) pfEICR() uint32 {
	q := uint32(d.pfIntr.Cause) & eicrQueues
	if ov, ok := d.pfOtherVector(); ok && ov < 16 {
		q &^= 1 << ov
	}
	return q | d.pfMisc
}

// resetPF is the global reset (CTRL.RST, PF FLR, power-on): every register
// to its reset value, every queue stopped, the link down until it trains.
func (d *Device) resetPF(at sim.Time) {
	d.pf.Reset()
	d.tx.stopAll()
	d.rx.stopAll()
	d.pfIntr.Reset()
	d.pfMisc, d.pfMiscEIMS = 0, 0
	for _, f := range d.vfs[:d.numVFs] {
		d.resetVF(f, at)
		f.mb |= vfmbRSTI
	}
	m := d.cfg.MAC
	d.pfSet(pfRAL(0), binary.LittleEndian.Uint32(m[0:4]))
	d.pfSet(pfRAH(0), uint32(binary.LittleEndian.Uint16(m[4:6]))|rahAV)
	d.pfSet(pfEEC, d.pfGet(pfEEC)|eecARD)
	d.pfSet(pfRDRXCTL, d.pfGet(pfRDRXCTL)|rdrxctlDMAIDONE)
	d.filters.dirty = true
	d.setLink(false, at)
	d.timers.At(at+d.t.LinkUpDelay, func(t sim.Time) { d.setLink(true, t) })
}

func (d *Device) setLink(up bool, at sim.Time) {
	if d.linkUp == up {
		return
	}
	d.linkUp = up
	d.raiseMisc(eicrLSC, at)
}

// rxEnabled reports RXCTRL.RXEN.
func (d *Device) rxEnabled() bool { return d.pfGet(pfRXCTRL)&rxctrlRXEN != 0 }

// poolEnabled reports a pool's VFRE (rx) or VFTE (tx) bit; with
// virtualisation off every queue belongs to the PF and is enabled.
func (d *Device) poolEnabled(p int, rx bool) bool {
	if d.pf.Get(d.hot.vtctl)&vtctlVTEna == 0 {
		return true
	}
	i := d.hot.vfte
	if rx {
		i = d.hot.vfre
	}
	return d.pf.Get(i+p/32)&(1<<(p%32)) != 0
}

// addStat adds to a 32-bit clear-on-read statistics register.
func (d *Device) addStat(off uint32, n uint32) {
	i := d.pfReg(off)
	d.pf.Set(i, d.pf.Get(i)+n)
}

// addOctets adds to a split low/high clear-on-read octet counter, given
// the two registers' indices.
func (d *Device) addOctets(li, hiI int, n uint32) {
	l := d.pf.Get(li)
	s := l + n
	d.pf.Set(li, s)
	if s < l {
		d.pf.Set(hiI, d.pf.Get(hiI)+1)
	}
}
