package acl

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// linear is the reference a TCAM answer must equal: the lowest priority
// number, then the lowest index, among the matching valid entries.
func linear(t *Table, k *Key) (Entry, bool) {
	best, found := -1, false
	for i, ok := range t.valid {
		if !ok || !t.shadow[i].Matches(k) {
			continue
		}
		if !found || t.shadow[i].Priority < t.shadow[best].Priority {
			best, found = i, true
		}
	}
	if !found {
		return Entry{}, false
	}
	return t.shadow[best], true
}

// randomEntry makes an entry the way compiled rules look: fixed flags,
// a VF, maybe a protocol, port prefixes, address prefixes.
func randomEntry(r *rand.Rand) Entry {
	var f Flow
	f.Dir, f.VF, f.IPv6 = Direction(r.IntN(2)), uint8(r.IntN(4)), r.IntN(3) == 0
	f.Proto = []uint8{ProtoTCP, ProtoUDP, ProtoICMP}[r.IntN(3)]
	f.SrcPort, f.DstPort = uint16(r.IntN(1<<16)), uint16(r.IntN(1<<16))
	for i := range f.Src {
		f.Src[i], f.Dst[i] = byte(r.IntN(4)), byte(r.IntN(4)) // small alphabet: matches happen
	}
	stage := Stage(r.IntN(2))
	e := Entry{Value: f.Key(stage), Priority: uint16(r.IntN(8)), Allow: r.IntN(2) == 0, Tag: uint16(r.IntN(1000)), VF: f.VF}
	e.Mask[keyFlags] = FlagEgress | FlagNACL | FlagIPv6
	e.Mask[keyVF] = 0xFF
	if r.IntN(3) > 0 {
		e.Mask[keyProto] = 0xFF
	}
	prefix := func(off, bytes, bits int) {
		for b := 0; b < bits; b++ {
			e.Mask[off+b/8] |= 0x80 >> (b % 8)
		}
	}
	prefix(keySrcPort, 2, r.IntN(17))
	prefix(keyDstPort, 2, r.IntN(17))
	width := 32
	if f.IPv6 {
		width = 128
	}
	prefix(keySrc, 16, r.IntN(width/4+1))
	prefix(keyDst, 16, r.IntN(width/4+1))
	for i := range e.Value {
		e.Value[i] &= e.Mask[i]
	}
	return e
}

func randomFlow(r *rand.Rand) Flow {
	var f Flow
	f.Dir, f.VF, f.IPv6 = Direction(r.IntN(2)), uint8(r.IntN(4)), r.IntN(3) == 0
	f.Proto = []uint8{ProtoTCP, ProtoUDP, ProtoICMP, 47}[r.IntN(4)]
	f.SrcPort, f.DstPort = uint16(r.IntN(1<<16)), uint16(r.IntN(1<<16))
	if r.IntN(2) == 0 {
		f.SrcPort &= 0x00FF // more hits on short prefixes
		f.DstPort &= 0x00FF
	}
	for i := range f.Src {
		f.Src[i], f.Dst[i] = byte(r.IntN(4)), byte(r.IntN(4))
	}
	return f
}

// keyNear is a key e matches: its value, random where it does not care
// (reserved bits stay zero).
func keyNear(e *Entry, r *rand.Rand) Key {
	var k Key
	for i := range k {
		k[i] = (e.Value[i] & e.Mask[i]) | (byte(r.IntN(256)) &^ e.Mask[i] &^ reservedMask[i])
	}
	return k
}

// The bit-vector lookup answers exactly what a linear scan of the same
// entries answers, on random tables and keys.
//
// Reproduce: go test -run TestTCAMMatchesLinearScan ./model/acl/
func TestTCAMMatchesLinearScan(t *testing.T) {
	hits := 0
	for _, seed := range []uint64{1, 2, 3, 4, 5} {
		r := rand.New(rand.NewPCG(seed, 0))
		n := []int{1, 63, 64, 65, 700}[seed-1]
		tb := NewTable(1024, 0)
		var written []Entry
		for i := 0; i < n; i++ {
			e := randomEntry(r)
			require.NoError(t, tb.Write(r.IntN(1024), e))
			written = append(written, e)
		}
		if seed == 3 {
			// Entries that wildcard the VF byte go to the general group.
			for i := 0; i < 20; i++ {
				e := randomEntry(r)
				e.Mask[keyVF] = 0
				e.Value[keyVF] = 0
				require.NoError(t, tb.Write(r.IntN(1024), e))
			}
		}
		tb.Swap()
		for j := 0; j < 20000; j++ {
			f := randomFlow(r)
			k := f.Key(Stage(r.IntN(2)))
			if j%2 == 0 {
				k = keyNear(&written[r.IntN(len(written))], r) // a hit, maybe not the winner
			}
			want, wok := linear(tb, &k)
			got, gok := tb.Lookup(&k)
			if wok != gok || want != got {
				t.Fatalf("seed %d, lookup %d: TCAM gives %v %+v, the linear scan %v %+v for key %x\nreproduce: go test -run TestTCAMMatchesLinearScan ./model/acl/", seed, j, gok, got, wok, want, k)
			}
			if gok {
				hits++
			}
		}
	}
	require.Greater(t, hits, 40000, "the test must exercise matches (half the keys are made to hit)")
}

func TestTCAMPriorityAndTies(t *testing.T) {
	tb := NewTable(8, 0)
	any := Entry{Allow: true, Tag: 1} // all-wildcard
	require.NoError(t, tb.Write(5, Entry{Priority: 10, Tag: 5}))
	require.NoError(t, tb.Write(3, Entry{Priority: 10, Tag: 3}))
	require.NoError(t, tb.Write(7, Entry{Priority: 20, Tag: 7}))
	var k Key
	tb.Swap()
	e, ok := tb.Lookup(&k)
	require.True(t, ok)
	require.Equal(t, uint16(3), e.Tag, "equal priorities: the lower index wins")
	any.Priority = 9
	require.NoError(t, tb.Write(6, any))
	e, _ = tb.Lookup(&k)
	require.Equal(t, uint16(3), e.Tag, "a write is invisible until the swap")
	tb.Swap()
	e, _ = tb.Lookup(&k)
	require.Equal(t, uint16(1), e.Tag, "the lower priority number wins")
	tb.Clear(6)
	tb.Clear(3)
	tb.Clear(5)
	tb.Clear(7)
	tb.Swap()
	_, ok = tb.Lookup(&k)
	require.False(t, ok)
}

func TestTCAMRefusals(t *testing.T) {
	tb := NewTable(4, 2)
	require.ErrorContains(t, tb.Write(4, Entry{}), "entry index 4 outside the table of 4")
	require.ErrorContains(t, tb.Write(-1, Entry{}), "entry index -1")
	bad := Entry{}
	bad.Mask[3] = 1
	require.ErrorContains(t, tb.Write(0, bad), "reserved key bits in byte 3")
	require.NoError(t, tb.Write(0, Entry{VF: 1}))
	require.NoError(t, tb.Write(1, Entry{VF: 1}))
	require.ErrorContains(t, tb.Write(2, Entry{VF: 1}), "VF 1 holds 2 entries, its quota")
	require.NoError(t, tb.Write(1, Entry{VF: 1, Tag: 9}), "rewriting its own entry is within quota")
	require.NoError(t, tb.Write(2, Entry{VF: 2}))
	require.Equal(t, 2, tb.Occupancy(1))
	require.Equal(t, 1, tb.Free())
	tb.ClearVF(1)
	require.Zero(t, tb.Occupancy(1))
	require.Equal(t, 3, tb.Free())
}

// BenchmarkTCAMLookup: 1,000 entries in force; half the keys random
// (mostly misses), half made to match a random entry.
//
//	go test -run xxx -bench TCAMLookup -cpu 1 ./model/acl/
func BenchmarkTCAMLookup(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 0))
	tb := NewTable(4096, 0)
	var written []Entry
	for i := 0; i < 1000; i++ {
		e := randomEntry(r)
		if err := tb.Write(i, e); err != nil {
			b.Fatal(err)
		}
		written = append(written, e)
	}
	tb.Swap()
	keys := make([]Key, 4096)
	for i := range keys {
		f := randomFlow(r)
		keys[i] = f.Key(Stage(i & 1))
		if i%2 == 0 {
			keys[i] = keyNear(&written[r.IntN(len(written))], r)
		}
	}
	b.ResetTimer()
	hits := 0
	for i := 0; i < b.N; i++ {
		if _, ok := tb.Lookup(&keys[i&4095]); ok {
			hits++
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
	b.ReportMetric(float64(hits)/float64(b.N), "hit-ratio")
}

// Any sequence of writes, clears and swaps, with any bytes for entries:
// refused writes leave the table as it was, lookups equal a linear scan
// of what was swapped in, and nothing panics.
func FuzzTCAMProgramming(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	f.Add(make([]byte, 300))
	f.Fuzz(func(t *testing.T, ops []byte) {
		tb := NewTable(16, 6)
		var swapped []Entry // shadow contents at the last swap
		valid := func() []Entry {
			var out []Entry
			for i, ok := range tb.valid {
				if ok {
					out = append(out, tb.shadow[i])
				}
			}
			return out
		}
		for len(ops) >= 4 {
			op, idx, a, b := ops[0]%4, int(int8(ops[1])), ops[2], ops[3]
			ops = ops[4:]
			switch op {
			case 0:
				var e Entry
				for i := 0; i < len(ops) && i < 8; i++ {
					e.Value[(int(a)+i)%KeyBytes] = ops[i]
					e.Mask[(int(b)+i)%KeyBytes] = ops[i] ^ a
				}
				e.VF, e.Priority, e.Allow = a%3, uint16(b%4), b&1 == 1
				before := valid()
				if err := tb.Write(idx, e); err != nil {
					require.Equal(t, before, valid(), "a refused write changes nothing")
				}
			case 1:
				tb.Clear(idx)
			case 2:
				tb.Swap()
				swapped = valid()
			case 3:
				var k Key
				for i := range k {
					k[i] = a ^ byte(i)*b
				}
				got, ok := tb.Lookup(&k)
				ref := &Table{capacity: len(swapped), shadow: swapped, valid: make([]bool, len(swapped))}
				for i := range ref.valid {
					ref.valid[i] = true
				}
				want, wok := linear(ref, &k)
				require.Equal(t, wok, ok)
				require.Equal(t, want, got)
			}
			occ := 0
			for vf := 0; vf < 3; vf++ {
				require.LessOrEqual(t, tb.Occupancy(uint8(vf)), tb.Quota())
				occ += tb.Occupancy(uint8(vf))
			}
			require.Equal(t, len(valid()), occ)
		}
	})
}

func TestFlowOf(t *testing.T) {
	v4 := make([]byte, 14+20+8)
	v4[12], v4[13], v4[14], v4[14+9] = 0x08, 0x00, 0x45, ProtoTCP
	copy(v4[14+12:], []byte{10, 0, 0, 1, 192, 0, 2, 9})
	binary.BigEndian.PutUint16(v4[34:], 40000)
	binary.BigEndian.PutUint16(v4[36:], 443)
	f, ok := FlowOf(v4, Ingress, 3)
	require.True(t, ok)
	want := Flow{Dir: Ingress, VF: 3, Proto: ProtoTCP, SrcPort: 40000, DstPort: 443}
	copy(want.Src[:], []byte{10, 0, 0, 1})
	copy(want.Dst[:], []byte{192, 0, 2, 9})
	require.Equal(t, want, f)
	frag := append([]byte(nil), v4...)
	frag[14+7] = 1 // fragment offset 8: no ports
	f, _ = FlowOf(frag, Ingress, 3)
	require.Zero(t, f.SrcPort)
	v6 := make([]byte, 14+40+8)
	v6[12], v6[13], v6[14], v6[14+6] = 0x86, 0xDD, 0x60, ProtoICMPv6
	v6[14+40], v6[14+41] = 128, 0
	f, ok = FlowOf(v6, Egress, 1)
	require.True(t, ok)
	require.Equal(t, Flow{Dir: Egress, VF: 1, IPv6: true, Proto: ProtoICMPv6, ICMPType: 128}, f)
	_, ok = FlowOf(make([]byte, 60), Egress, 1)
	require.False(t, ok, "not IP")
	_, ok = FlowOf(v4[:30], Egress, 1)
	require.False(t, ok, "a truncated IPv4 header")
}
