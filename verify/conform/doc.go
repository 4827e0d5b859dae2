// Package conform is register conformance in the style of UVM's register
// layer (uvm_reg_hw_reset_seq, uvm_reg_bit_bash_seq, uvm_reg_access_seq),
// derived from a regmap alone. It runs on one function's register BAR of
// any device that can be read, written and reset — a built-in model, a
// plugin, a plain rtl.RegFile or silicon — and reports every check that
// did not hold, naming the register, element, offset and bits.
//
//	BlockSpec (regmap) ──▶ sequences, in spec order ──▶ Target ──▶ Report
//	                                                    Read32(off)
//	 1 reset    Reset(); read every test:full/reset     Write32(off, v)
//	            register once, compare with its reset   Reset()
//	            value (write-only bits excluded)
//	 2 bitbash  test:full registers only, element by element:
//	            rc   a non-zero first read reads zero the second time
//	            rw   walking 1 and walking 0: every bit toggles both ways
//	            ro   hold their value when written with its complement
//	            wo   read zero after a write of ones
//	            w1s  hold on 0, set on 1
//	            w1c  hold on 0, clear on 1 (bits that read 1)
//	            sc, reserved   never written with 1; reserved read 0
//	            the original value is written back; Reset() follows a
//	            register whose state could not be restored that way
//	 3 access   a few offsets in holes between registers read zero, and
//	            writing ones there changes no register
//
// Registers marked test: none (live hardware state) are never touched;
// test: reset registers are only read. Reads and writes are issued in a
// fixed order, so a deterministic target gives the same report every run.
package conform
