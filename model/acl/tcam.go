package acl

import (
	"fmt"
	"math/bits"
	"sort"
)

// LookupLatency is the TCAM's pipeline depth in core cycles: a key
// presented at cycle n has its result at cycle n+LookupLatency, and a new
// key enters every cycle whatever the number of entries.
const LookupLatency = 4

// Entry is one ternary entry.
type Entry struct {
	Value, Mask Key // a key matches when key&Mask == Value&Mask
	Priority    uint16
	Allow       bool
	Tag         uint16 // the source rule, for counters and traces
	VF          uint8  // whose quota the entry counts against
}

// Matches reports whether k matches e.
func (e *Entry) Matches(k *Key) bool {
	for i := range k {
		if (k[i]^e.Value[i])&e.Mask[i] != 0 {
			return false
		}
	}
	return true
}

// Table is the TCAM: a shadow bank that programming writes, and the
// active bank lookups use, replaced whole by Swap.
type Table struct {
	capacity, quota int
	shadow          []Entry // grown up to the highest slot written
	valid           []bool
	perVF           [256]int
	active          *bank
}

// NewTable returns a table of capacity entries, each VF limited to quota
// of them (0: no quota beyond the capacity).
func NewTable(capacity, quota int) *Table {
	if quota <= 0 || quota > capacity {
		quota = capacity
	}
	return &Table{capacity: capacity, quota: quota, active: &bank{}}
}

// Capacity returns the number of entries the table holds.
func (t *Table) Capacity() int { return t.capacity }

// Quota returns the entries one VF may hold.
func (t *Table) Quota() int { return t.quota }

// Write puts e in shadow slot i. It refuses an index out of range, bits
// set where the key is always zero, and an entry beyond its VF's quota;
// the shadow is unchanged then.
func (t *Table) Write(i int, e Entry) error {
	if i < 0 || i >= t.capacity {
		return fmt.Errorf("acl: entry index %d outside the table of %d", i, t.capacity)
	}
	for b := range e.Mask {
		if (e.Mask[b]|e.Value[b])&reservedMask[b] != 0 {
			return fmt.Errorf("acl: entry %d sets reserved key bits in byte %d (value %#02x, mask %#02x)", i, b, e.Value[b], e.Mask[b])
		}
	}
	n := t.perVF[e.VF]
	if i < len(t.valid) && t.valid[i] && t.shadow[i].VF == e.VF {
		n-- // rewriting one of its own entries
	}
	if n >= t.quota {
		return fmt.Errorf("acl: VF %d holds %d entries, its quota: entry %d refused", e.VF, t.perVF[e.VF], i)
	}
	t.Clear(i)
	if i >= len(t.shadow) {
		t.shadow = append(t.shadow, make([]Entry, i+1-len(t.shadow))...)
		t.valid = append(t.valid, make([]bool, i+1-len(t.valid))...)
	}
	t.shadow[i], t.valid[i] = e, true
	t.perVF[e.VF]++
	return nil
}

// Read returns shadow slot i.
func (t *Table) Read(i int) (Entry, bool) {
	if i < 0 || i >= len(t.valid) || !t.valid[i] {
		return Entry{}, false
	}
	return t.shadow[i], true
}

// Clear empties shadow slot i.
func (t *Table) Clear(i int) {
	if i >= 0 && i < len(t.valid) && t.valid[i] {
		t.perVF[t.shadow[i].VF]--
		t.valid[i] = false
	}
}

// ClearVF empties every shadow slot of vf.
func (t *Table) ClearVF(vf uint8) {
	for i := range t.shadow {
		if t.valid[i] && t.shadow[i].VF == vf {
			t.Clear(i)
		}
	}
}

// Occupancy returns the shadow entries vf holds.
func (t *Table) Occupancy(vf uint8) int { return t.perVF[vf] }

// Free returns the shadow slots nobody holds.
func (t *Table) Free() int {
	n := t.capacity
	for _, c := range t.perVF {
		n -= c
	}
	return n
}

// Swap makes the shadow bank active, at once.
func (t *Table) Swap() {
	var es []Entry
	var idx []int
	for i, ok := range t.valid {
		if ok {
			es = append(es, t.shadow[i])
			idx = append(idx, i)
		}
	}
	t.active = newBank(es, idx)
}

// Lookup returns the winning active entry for k.
func (t *Table) Lookup(k *Key) (Entry, bool) { return t.active.lookup(k) }

// Active returns the number of entries lookups see.
func (t *Table) Active() int { return len(t.active.entries) }

// bank is an immutable rule set prepared for lookups. Entries are sorted
// by (priority, slot), so the winner is the match with the lowest sorted
// index. Entries that care about all of key bytes 0 and 1 (direction,
// stage, family, VF: every compiled rule) are split by those two bytes
// into small groups; the rest form one general group. A lookup searches
// its key's group and the general one and takes the better answer: the
// same answer as one big TCAM, found in a few dozen word operations.
type bank struct {
	entries []Entry
	general *group
	parts   []*group // by key bytes 0 and 1; nil: no entries
}

// group is a bit-vector decomposition of some entries: for every key byte
// that one of them cares about and every byte value, a bitset of the
// entries (in sorted order) that accept it. A lookup ANDs one bitset per
// byte, 64 entries at a time, best first, and stops at the first word
// with a survivor.
type group struct {
	index []int // sorted index of each member
	words int
	pos   []int    // key bytes that matter
	tbl   []uint64 // [len(pos)][256][words]
	all   []uint64
}

func newGroup(all []Entry, members []int) *group {
	if len(members) == 0 {
		return nil
	}
	g := &group{index: members, words: (len(members) + 63) / 64}
	// The bytes that matter, most selective first (fewest entries accept a
	// random value), so a key that matches nothing is out soonest.
	accept := map[int]int{}
	for p := 0; p < KeyBytes; p++ {
		for _, j := range members {
			if m := all[j].Mask[p]; m != 0 {
				if _, ok := accept[p]; !ok {
					g.pos = append(g.pos, p)
				}
				accept[p] += 256 >> bits.OnesCount8(m)
			}
		}
		if _, ok := accept[p]; ok {
			for _, j := range members {
				if all[j].Mask[p] == 0 {
					accept[p] += 256
				}
			}
		}
	}
	sort.SliceStable(g.pos, func(a, b int) bool { return accept[g.pos[a]] < accept[g.pos[b]] })
	g.all = make([]uint64, g.words)
	for l := range members {
		g.all[l/64] |= 1 << (l % 64)
	}
	g.tbl = make([]uint64, len(g.pos)*256*g.words)
	for pi, p := range g.pos {
		for l, j := range members {
			m, v := all[j].Mask[p], all[j].Value[p]
			for x := 0; x < 256; x++ {
				if (byte(x)^v)&m == 0 {
					g.tbl[(pi*256+x)*g.words+l/64] |= 1 << (l % 64)
				}
			}
		}
	}
	return g
}

// first returns the sorted index of g's best match for k, or -1.
func (g *group) first(k *Key) int {
	if g == nil {
		return -1
	}
	if g.words == 1 {
		acc := g.all[0]
		for pi, p := range g.pos {
			if acc &= g.tbl[pi<<8|int(k[p])]; acc == 0 {
				return -1
			}
		}
		return g.index[bits.TrailingZeros64(acc)]
	}
	for w := 0; w < g.words; w++ {
		acc := g.all[w]
		for pi, p := range g.pos {
			if acc &= g.tbl[(pi<<8|int(k[p]))*g.words+w]; acc == 0 {
				break
			}
		}
		if acc != 0 {
			return g.index[w*64+bits.TrailingZeros64(acc)]
		}
	}
	return -1
}

func newBank(es []Entry, idx []int) *bank {
	order := make([]int, len(es))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		ea, eb := es[order[a]], es[order[b]]
		if ea.Priority != eb.Priority {
			return ea.Priority < eb.Priority
		}
		return idx[order[a]] < idx[order[b]]
	})
	b := &bank{entries: make([]Entry, len(es))}
	for j, o := range order {
		b.entries[j] = es[o]
	}
	var general []int
	parts := map[int][]int{}
	for j := range b.entries {
		e := &b.entries[j]
		if e.Mask[0] == 0xFF && e.Mask[1] == 0xFF {
			k := int(e.Value[0])<<8 | int(e.Value[1])
			parts[k] = append(parts[k], j)
		} else {
			general = append(general, j)
		}
	}
	b.general = newGroup(b.entries, general)
	if len(parts) > 0 {
		b.parts = make([]*group, 1<<16)
		for k, members := range parts {
			b.parts[k] = newGroup(b.entries, members)
		}
	}
	return b
}

func (b *bank) lookup(k *Key) (Entry, bool) {
	best := b.general.first(k)
	if b.parts != nil {
		if j := b.parts[int(k[0])<<8|int(k[1])].first(k); j >= 0 && (best < 0 || j < best) {
			best = j
		}
	}
	if best < 0 {
		return Entry{}, false
	}
	return b.entries[best], true
}
