package acl

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/sim"
)

const period = 4000 // 250 MHz

func newTestBlock() *Block {
	return NewBlock(NewPipeline(NewTable(64, 8), NewConntrack(16, DefaultTimeouts)), period)
}

// program writes e to index i through the staging registers and
// returns the STATUS the command ends with and when.
func program(b *Block, now *sim.Time, i int, e Entry) uint32 {
	w := func(off, v uint32) { *now += 10 * sim.Nanosecond; b.Write(off, v, *now) }
	w(OffVF_SEL, uint32(e.VF))
	w(OffENTRY, uint32(i))
	for k := 0; k < KeyBytes/4; k++ {
		w(OffKEY+uint32(4*k), binary.LittleEndian.Uint32(e.Value[4*k:]))
		w(OffMASK+uint32(4*k), binary.LittleEndian.Uint32(e.Mask[4*k:]))
	}
	act := uint32(e.Tag) << 16
	if e.Allow {
		act |= 1
	}
	w(OffACTION, act)
	w(OffPRIORITY, uint32(e.Priority))
	w(OffCMD, OpWrite)
	return waitDone(b, now)
}

func waitDone(b *Block, now *sim.Time) uint32 {
	for {
		st, _ := b.Read(OffSTATUS, *now)
		if st&StatusBusy == 0 {
			return st
		}
		*now += 10 * sim.Nanosecond
	}
}

func TestBlockProgramming(t *testing.T) {
	b := newTestBlock()
	now := sim.Time(0)
	allowAll := rule(StageSG, Egress, 1, 0, true, 0, -1, 0)
	st := program(b, &now, 3, allowAll)
	require.Equal(t, uint32(StatusDone), st)
	e, ok := b.Pipe.TCAM.Read(3)
	require.True(t, ok)
	require.Equal(t, allowAll, e, "the entry as staged, owned by VF_SEL")
	occ, _ := b.Read(OffOCCUPANCY, now)
	require.Equal(t, uint32(1), occ)
	free, _ := b.Read(OffFREE, now)
	require.Equal(t, uint32(63), free)
	capq, _ := b.Read(OffCAPACITY, now)
	require.Equal(t, uint32(64|8<<16), capq)

	// READ brings it back into the staging registers.
	b.Write(OffENTRY, 3, now)
	b.Write(OffKEY, 0, now)
	b.Write(OffCMD, OpRead, now)
	require.Equal(t, uint32(StatusDone), waitDone(b, &now))
	k0, _ := b.Read(OffKEY, now)
	require.Equal(t, binary.LittleEndian.Uint32(allowAll.Value[0:]), k0)

	// Not in force until SWAP, which lands exactly swapCycles after CMD.
	f := flow4(Egress, 1, ProtoTCP, 10, 20, 1000, 80)
	require.True(t, b.Decide(f, now).Pass, "the ACL is not enabled for VF 1 yet")
	b.Write(OffENABLE_LO, 1<<1, now)
	b.Write(OffCMD, OpSwap, now)
	at := now + swapCycles*period
	st, _ = b.Read(OffSTATUS, at-1)
	require.Equal(t, uint32(StatusBusy), st, "busy until the swap lands")
	require.True(t, b.Decide(f, at-1).Pass, "1 ps before the swap: not enabled, no rules")
	require.Equal(t, DeniedNACL, b.Decide(f, at).Reason, "at the swap: enabled, the SG entry allows, no NACL")
	now = at
	require.Equal(t, DeniedNACL, b.Decide(f, now).Reason)
	require.Equal(t, DeniedNACL, b.Decide(f, now).Reason)

	// FETCH: the VF's counters.
	b.Write(OffVF_SEL, 1, now)
	b.Write(OffCMD, OpFetch, now)
	waitDone(b, &now)
	var got [4]uint64
	for k := range got {
		lo, _ := b.Read(OffSTAT+uint32(8*k), now)
		hi, _ := b.Read(OffSTAT+uint32(8*k+4), now)
		got[k] = uint64(lo) | uint64(hi)<<32
	}
	require.Equal(t, [4]uint64{0, 3, 0, 0}, got, "allowed, denied, conntrack exceeded, tracked")
	b.Write(OffENABLE_LO, 0, now)
	require.False(t, b.Decide(f, now).Pass, "ENABLE is staged: in force only at the next SWAP")
}

func TestBlockErrors(t *testing.T) {
	code := func(st uint32) uint32 { return st >> codeShift & 0xF }
	b := newTestBlock()
	now := sim.Time(0)
	require.Equal(t, uint32(CodeIndex), code(program(b, &now, 64, Entry{VF: 1})))
	bad := Entry{VF: 1}
	bad.Mask[12] = 1
	require.Equal(t, uint32(CodeReserved), code(program(b, &now, 0, bad)))
	for i := 0; i < 8; i++ {
		require.Equal(t, uint32(StatusDone), program(b, &now, i, Entry{VF: 2}))
	}
	require.Equal(t, uint32(CodeQuota), code(program(b, &now, 8, Entry{VF: 2})), "VF 2's quota is 8")
	b.Write(OffENTRY, 30, now)
	b.Write(OffCMD, OpRead, now)
	require.Equal(t, uint32(CodeEmpty), code(waitDone(b, &now)))
	b.Write(OffCMD, 9, now)
	st, _ := b.Read(OffSTATUS, now)
	require.Equal(t, uint32(StatusDone|StatusError|CodeOp<<codeShift), st)
	// A command while one is in flight is refused, and the first goes on.
	b.Write(OffVF_SEL, 2, now)
	b.Write(OffCMD, OpClearVF, now)
	b.Write(OffCMD, OpSwap, now+period)
	st, _ = b.Read(OffSTATUS, now+period)
	require.Equal(t, uint32(StatusBusy|StatusError|CodeBusy<<codeShift), st, "still busy, and the refusal shows")
	now += sweepCycles * period
	st, _ = b.Read(OffSTATUS, now)
	require.Equal(t, uint32(StatusDone|StatusError|CodeBusy<<codeShift), st, "the CLEAR_VF finished; the refusal sticks")
	require.Zero(t, b.Pipe.TCAM.Occupancy(2))
	b.Write(OffCMD, OpFetch, now)
	require.Equal(t, uint32(StatusDone), waitDone(b, &now), "the next accepted command clears it")
}

// Any register traffic at any times: no panic, the table's quota holds,
// reads of STATUS are BUSY only while a command is in flight.
func FuzzBlockRegisters(f *testing.F) {
	f.Add([]byte{0x70, 0, 0, 0, 1, 0x74, 0, 0, 0, 0})
	f.Add(make([]byte, 64))
	f.Fuzz(func(t *testing.T, ops []byte) {
		b := newTestBlock()
		now := sim.Time(0)
		for len(ops) >= 5 {
			off := uint32(ops[0]) &^ 3
			v := binary.LittleEndian.Uint32(ops[1:5])
			now += sim.Time(ops[0]&3) * 300 * sim.Nanosecond
			if ops[4]&0x80 != 0 {
				b.Read(off, now)
			} else {
				b.Write(off, v, now)
			}
			ops = ops[5:]
			for vf := uint8(0); vf < 64; vf++ {
				require.LessOrEqual(t, b.Pipe.TCAM.Occupancy(vf), b.Pipe.TCAM.Quota())
			}
			var fl Flow
			b.Decide(&fl, now)
		}
	})
}

// Replacing a VF's rule set under traffic: set A allows TCP 80, set B
// allows TCP 443. Between every register write of the replacement a
// packet to each port is decided: until the SWAP lands every packet sees
// exactly A, from then on exactly B; never both, never neither.
func TestBlockAtomicSwapUnderTraffic(t *testing.T) {
	b := newTestBlock()
	now := sim.Time(0)
	const vf = 1
	nacl := rule(StageNACL, Egress, vf, 100, true, 0, -1, 0)
	setA := []Entry{rule(StageSG, Egress, vf, 0, true, ProtoTCP, 80, 0), nacl}
	setB := []Entry{rule(StageSG, Egress, vf, 0, true, ProtoTCP, 443, 0), nacl}
	for i, e := range setA {
		require.Equal(t, uint32(StatusDone), program(b, &now, i, e))
	}
	b.Write(OffENABLE_LO, 1<<vf, now)
	b.Write(OffCMD, OpSwap, now)
	waitDone(b, &now)

	to80 := flow4(Egress, vf, ProtoTCP, 10, 20, 1000, 80)
	to443 := flow4(Egress, vf, ProtoTCP, 10, 21, 1001, 443)
	packets, swapped := 0, false
	check := func() {
		packets++
		p80, p443 := b.Decide(to80, now).Pass, b.Decide(to443, now).Pass
		if swapped {
			require.Equal(t, [2]bool{false, true}, [2]bool{p80, p443}, "packet pair %d at %v: set B in force", packets, now)
		} else {
			require.Equal(t, [2]bool{true, false}, [2]bool{p80, p443}, "packet pair %d at %v: set A in force", packets, now)
		}
	}
	// The replacement, as cardctl does it, a packet pair after every step.
	b.Write(OffVF_SEL, vf, now)
	b.Write(OffCMD, OpClearVF, now)
	for st, _ := b.Read(OffSTATUS, now); st&StatusBusy != 0; st, _ = b.Read(OffSTATUS, now) {
		check()
		now += 100 * sim.Nanosecond
	}
	for i, e := range setB {
		w := func(off, v uint32) { check(); now += 10 * sim.Nanosecond; b.Write(off, v, now) }
		w(OffVF_SEL, uint32(e.VF))
		w(OffENTRY, uint32(10+i))
		for k := 0; k < KeyBytes/4; k++ {
			w(OffKEY+uint32(4*k), binary.LittleEndian.Uint32(e.Value[4*k:]))
			w(OffMASK+uint32(4*k), binary.LittleEndian.Uint32(e.Mask[4*k:]))
		}
		w(OffACTION, 1)
		w(OffPRIORITY, uint32(e.Priority))
		w(OffCMD, OpWrite)
		waitDone(b, &now)
		// Tracked connections must not blur the test: forget them.
		b.Pipe.Tracker = NewConntrack(16, DefaultTimeouts)
	}
	b.Write(OffCMD, OpSwap, now)
	landsAt := now + swapCycles*period
	for ; now < landsAt+sim.Microsecond; now += 37 * sim.Nanosecond {
		swapped = now >= landsAt
		b.Pipe.Tracker = NewConntrack(16, DefaultTimeouts)
		check()
	}
	require.Greater(t, packets, 100)
}
