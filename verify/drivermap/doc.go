// Package drivermap checks that the drivers and the model agree on the
// register map. Drivers carry their own register constants, written from
// the Linux headers; the model's register blocks are generated from the
// regmaps. Each register a driver names must exist in the regmap at the
// same offset, with the same array stride, and with at least as many
// elements.
package drivermap

import "github.com/nicforge/nicforge/rtl"

// Entry is a register as a driver knows it.
type Entry struct {
	Offset, Stride uint32
	Count          int
}

// Mismatch is one disagreement.
type Mismatch struct {
	Register string
	Detail   string
}

// Compare checks a driver's registers against a block. Registers whose
// Linux macro covers several ranges of the regmap are matched by offset
// (element 0 and, for arrays, the stride).
func Compare(block *rtl.BlockSpec, driver map[string]Entry) []Mismatch {
	var out []Mismatch
	byOff := map[uint32]*rtl.RegSpec{}
	for i := range block.Regs {
		byOff[block.Regs[i].Offset] = &block.Regs[i]
	}
	for _, name := range sortedNames(driver) {
		e := driver[name]
		r, ok := block.Reg(name)
		if !ok {
			if r, ok = byOff[e.Offset]; !ok {
				out = append(out, Mismatch{name, "not in regmap " + block.Name})
				continue
			}
		}
		if r.Offset != e.Offset {
			out = append(out, Mismatch{name, sprintf("driver offset %#x, regmap %#x", e.Offset, r.Offset)})
			continue
		}
		if e.Count > 1 {
			if r.Stride != e.Stride {
				out = append(out, Mismatch{name, sprintf("driver stride %#x, regmap %#x", e.Stride, r.Stride)})
			}
			if r.Elems() < e.Count && !covered(block, e) {
				out = append(out, Mismatch{name, sprintf("driver uses %d elements, regmap has %d", e.Count, r.Elems())})
			}
		}
	}
	return out
}

// covered reports whether every element the driver uses is some register
// of the block (an array split over several regmap entries).
func covered(block *rtl.BlockSpec, e Entry) bool {
	at := map[uint32]bool{}
	for i := range block.Regs {
		r := &block.Regs[i]
		for k := 0; k < r.Elems(); k++ {
			at[r.ElemOffset(k)] = true
		}
	}
	for k := 0; k < e.Count; k++ {
		if !at[e.Offset+uint32(k)*e.Stride] {
			return false
		}
	}
	return true
}
