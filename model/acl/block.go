package acl

import (
	"encoding/binary"

	"github.com/nicforge/nicforge/rtl"
	"github.com/nicforge/nicforge/sim"
)

// Programming commands (CMD.OP) and error codes (STATUS.CODE).
const (
	OpWrite   = 1
	OpRead    = 2
	OpClear   = 3
	OpClearVF = 4
	OpSwap    = 5
	OpFetch   = 6

	StatusBusy  = 1 << 0
	StatusDone  = 1 << 1
	StatusError = 1 << 2
	codeShift   = 8

	CodeIndex    = 1
	CodeQuota    = 2
	CodeReserved = 3
	CodeOp       = 4
	CodeBusy     = 5
	CodeEmpty    = 6
)

// Command latencies in core cycles: an entry operation is a few cycles of
// the table's write port; clearing a VF walks the table; a swap waits for
// the lookups in the pipeline to drain.
const (
	entryCycles = 8
	sweepCycles = 256
	swapCycles  = 256
)

// Block is the ACL block: its programming registers in front of the
// pipeline. Commands latch the staging registers when written and take
// effect when their latency ends; SWAP changes what packets see at that
// exact time.
type Block struct {
	Pipe   *Pipeline
	regs   *rtl.RegFile
	period sim.Time
	status uint32
	// the command in flight, and whether a CMD was refused while it ran
	// (sticky until the next accepted CMD, so a driver cannot miss it)
	pending  bool
	refused  bool
	doneAt   sim.Time
	op       uint32
	vf       uint8
	index    int
	entry    Entry
	fetchVF  uint8
	counters [4]uint64
	enabled  uint64 // VFs the ACL decides for: the staged ENABLE at the last SWAP
	swapMask uint64 // ENABLE latched by the SWAP in flight
}

// NewBlock returns the block over a pipeline, clocked at period.
func NewBlock(p *Pipeline, period sim.Time) *Block {
	return &Block{Pipe: p, regs: rtl.MustRegFile(Regs), period: period}
}

// Settle completes the command in flight if its time has come; every
// access calls it, so an effect lands exactly at its completion time.
func (b *Block) Settle(now sim.Time) {
	if !b.pending || now < b.doneAt {
		return
	}
	b.pending = false
	code := 0
	t := b.Pipe.TCAM
	switch b.op {
	case OpWrite:
		code = b.write()
	case OpRead:
		e, ok := t.Read(b.index)
		if !ok {
			code = CodeEmpty
			break
		}
		b.stage(&e)
	case OpClear:
		t.Clear(b.index)
	case OpClearVF:
		t.ClearVF(b.vf)
	case OpSwap:
		t.Swap()
		b.enabled = b.swapMask
	case OpFetch:
		c := b.Pipe.Counters(b.vf)
		b.counters = [4]uint64{c.Allowed, c.Denied(), c.ConntrackExceeded, uint64(b.Pipe.Tracker.Tracked(b.vf, now))}
		b.fetchVF = b.vf
		i, _ := b.regs.Lookup(OffSTAT)
		for k, v := range b.counters {
			b.regs.Set(i+2*k, uint32(v))
			b.regs.Set(i+2*k+1, uint32(v>>32))
		}
	}
	if code == 0 && b.refused {
		code = CodeBusy
	}
	b.status = StatusDone
	if code != 0 {
		b.status |= StatusError | uint32(code)<<codeShift
	}
}

func (b *Block) write() int {
	t := b.Pipe.TCAM
	switch {
	case b.index >= t.Capacity():
		return CodeIndex
	}
	for i := range b.entry.Mask {
		if (b.entry.Mask[i]|b.entry.Value[i])&reservedMask[i] != 0 {
			return CodeReserved
		}
	}
	if err := t.Write(b.index, b.entry); err != nil {
		return CodeQuota // index and reserved bits were checked above
	}
	return 0
}

// stage loads an entry into the staging registers (READ).
func (b *Block) stage(e *Entry) {
	k, _ := b.regs.Lookup(OffKEY)
	m, _ := b.regs.Lookup(OffMASK)
	for w := 0; w < KeyBytes/4; w++ {
		b.regs.Set(k+w, binary.LittleEndian.Uint32(e.Value[4*w:]))
		b.regs.Set(m+w, binary.LittleEndian.Uint32(e.Mask[4*w:]))
	}
	act := uint32(e.Tag) << 16
	if e.Allow {
		act |= 1
	}
	b.regs.Write(OffACTION, act)
	b.regs.Write(OffPRIORITY, uint32(e.Priority))
	b.regs.Write(OffVF_SEL, uint32(e.VF))
}

// Read serves a register read at time now.
func (b *Block) Read(off uint32, now sim.Time) (uint32, bool) {
	b.Settle(now)
	t := b.Pipe.TCAM
	switch off {
	case OffSTATUS:
		if b.pending {
			if b.refused {
				return StatusBusy | StatusError | CodeBusy<<codeShift, true
			}
			return StatusBusy, true
		}
		return b.status, true
	case OffCAPACITY:
		return uint32(t.Capacity())&0xFFFF | uint32(t.Quota())<<16, true
	case OffFREE:
		return uint32(t.Free()), true
	case OffOCCUPANCY:
		v, _ := b.regs.Read(OffVF_SEL)
		return uint32(t.Occupancy(uint8(v & 0x3F))), true
	}
	return b.regs.Read(off)
}

// Write serves a register write at time now. It returns false for an
// offset with no register.
func (b *Block) Write(off, v uint32, now sim.Time) bool {
	b.Settle(now)
	if !b.regs.Write(off, v) {
		return false
	}
	if off != OffCMD {
		return true
	}
	if b.pending {
		// The command in flight goes on; this one is refused, visibly.
		b.refused = true
		return true
	}
	b.refused = false
	r := func(o uint32) uint32 { x, _ := b.regs.Read(o); return x }
	b.op, b.vf, b.index = v&0xF, uint8(r(OffVF_SEL)&0x3F), int(r(OffENTRY)&0xFFFF)
	cycles := sim.Time(entryCycles)
	switch b.op {
	case OpWrite:
		var e Entry
		k, _ := b.regs.Lookup(OffKEY)
		m, _ := b.regs.Lookup(OffMASK)
		for w := 0; w < KeyBytes/4; w++ {
			binary.LittleEndian.PutUint32(e.Value[4*w:], b.regs.Get(k+w))
			binary.LittleEndian.PutUint32(e.Mask[4*w:], b.regs.Get(m+w))
		}
		act := r(OffACTION)
		e.Allow, e.Tag, e.Priority, e.VF = act&1 != 0, uint16(act>>16), uint16(r(OffPRIORITY)), b.vf
		b.entry = e
	case OpRead, OpClear, OpFetch:
	case OpClearVF:
		cycles = sweepCycles
	case OpSwap:
		cycles = swapCycles
		b.swapMask = uint64(r(OffENABLE_LO)) | uint64(r(OffENABLE_HI))<<32
	default:
		b.status = StatusDone | StatusError | CodeOp<<codeShift
		return true
	}
	b.pending, b.doneAt = true, now+cycles*b.period
	return true
}

// Enabled reports whether the ACL decides for vf (at now).
func (b *Block) Enabled(vf uint8, now sim.Time) bool {
	b.Settle(now)
	return vf < 64 && b.enabled&(1<<vf) != 0
}

// Decide is the datapath's entry: the pipeline's verdict at now, after
// any command whose time has come. A VF the ACL is not enabled for
// passes, uncounted.
func (b *Block) Decide(f *Flow, now sim.Time) Verdict {
	if !b.Enabled(f.VF, now) {
		return Verdict{Pass: true, Reason: Allowed}
	}
	return b.Pipe.Decide(f, now)
}
