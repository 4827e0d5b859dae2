package rtl

import (
	"fmt"
	"runtime"
	"sort"
	"sync"
	"weak"
)

// Access is a register bit's access policy.
type Access uint8

// Access policies, as a regmap spells them.
const (
	RO  Access = iota + 1 // read-only: writes are ignored
	RW                    // read-write
	WO                    // write-only: reads return zero
	W1C                   // write 1 to clear
	W1S                   // write 1 to set
	RC                    // read-only, cleared by a read
	SC                    // self-clearing: a written 1 starts an action and hardware clears it
)

var accessNames = map[Access]string{RO: "ro", RW: "rw", WO: "wo", W1C: "w1c", W1S: "w1s", RC: "rc", SC: "sc"}

func (a Access) valid() bool { return a >= RO && a <= SC }

func (a Access) String() string {
	if s, ok := accessNames[a]; ok {
		return s
	}
	return fmt.Sprintf("Access(%d)", uint8(a))
}

// ParseAccess reads an access policy name.
func ParseAccess(s string) (Access, error) {
	for a, n := range accessNames {
		if n == s {
			return a, nil
		}
	}
	return 0, fmt.Errorf("unknown access policy %q (want ro, rw, wo, w1c, w1s, rc or sc)", s)
}

// TestPolicy says which conformance sequences may touch a register.
type TestPolicy uint8

// Test policies.
const (
	TestFull  TestPolicy = iota // reset value and bit-bash
	TestReset                   // reset value only: writing has side effects
	TestNone                    // neither: the value is live hardware state
)

// FieldSpec is a bit field of a register.
type FieldSpec struct {
	Name   string
	Lo, Hi uint8
	Access Access
}

// Mask returns the field's bit mask.
func (f FieldSpec) Mask() uint32 {
	w := f.Hi - f.Lo + 1
	if w >= 32 {
		return ^uint32(0)
	}
	return ((uint32(1) << w) - 1) << f.Lo
}

// RegSpec describes one register, or an array of them.
type RegSpec struct {
	Name   string
	Offset uint32
	Access Access // policy of bits not covered by a field (when Fields is empty, of all bits)
	Reset  uint32
	Fields []FieldSpec
	Count  int    // array elements; 0 or 1 for a single register
	Stride uint32 // bytes between elements
	Test   TestPolicy
	Doc    string
}

// Elems returns the number of instances of the register.
func (r *RegSpec) Elems() int {
	if r.Count < 1 {
		return 1
	}
	return r.Count
}

// ElemOffset returns the offset of element i.
func (r *RegSpec) ElemOffset(i int) uint32 { return r.Offset + uint32(i)*r.Stride }

// NameAt names the register at byte offset off: its name, with the index
// for an element of an array (VFTDH[3]); false for a hole.
func (b *BlockSpec) NameAt(off uint32) (string, bool) {
	for i := range b.Regs {
		r := &b.Regs[i]
		if r.Elems() == 1 {
			if off == r.Offset {
				return r.Name, true
			}
			continue
		}
		if off >= r.Offset && r.Stride > 0 && (off-r.Offset)%r.Stride == 0 && int((off-r.Offset)/r.Stride) < r.Elems() {
			return fmt.Sprintf("%s[%d]", r.Name, (off-r.Offset)/r.Stride), true
		}
	}
	return "", false
}

// Masks returns, for each policy, the bits of the register that have it.
// Bits not covered by a field, when fields exist, are reserved: they read
// zero and ignore writes, and are in none of the masks.
func (r *RegSpec) Masks() map[Access]uint32 {
	m := map[Access]uint32{}
	if len(r.Fields) == 0 {
		m[r.Access] = ^uint32(0)
		return m
	}
	for _, f := range r.Fields {
		m[f.Access] |= f.Mask()
	}
	return m
}

// FieldByName returns the named field.
func (r *RegSpec) FieldByName(name string) (FieldSpec, bool) {
	for _, f := range r.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return FieldSpec{}, false
}

// BlockSpec is a register block: what a regmap file describes.
type BlockSpec struct {
	Name string
	Size uint32 // bytes of address space the block decodes
	Regs []RegSpec
}

// Reg returns the named register's spec.
func (b *BlockSpec) Reg(name string) (*RegSpec, bool) {
	for i := range b.Regs {
		if b.Regs[i].Name == name {
			return &b.Regs[i], true
		}
	}
	return nil, false
}

// Limits a block spec must keep to: a register file decodes its whole
// address space through one table, so a spec cannot ask for gigabytes.
const (
	MaxBlockSize = 16 << 20 // bytes of address space
	MaxArray     = 1 << 16  // elements of one register array
)

// Validate checks that the block is consistent: a name for every register
// and no name twice, known access and test policies, registers aligned,
// inside the block, not overlapping, fields inside 32 bits and not
// overlapping, reset values inside the defined bits.
func (b *BlockSpec) Validate() error {
	type span struct {
		off  uint32
		name string
	}
	if b.Size > MaxBlockSize {
		return fmt.Errorf("block %s: size %#x is over the %#x a block may decode", b.Name, b.Size, MaxBlockSize)
	}
	size := uint64(b.Size)
	if size == 0 {
		size = MaxBlockSize
	}
	var all []span
	names := map[string]bool{}
	for i := range b.Regs {
		r := &b.Regs[i]
		if r.Name == "" {
			return fmt.Errorf("block %s: register %d at %#x has no name", b.Name, i, r.Offset)
		}
		if names[r.Name] {
			return fmt.Errorf("block %s: register name %s used twice", b.Name, r.Name)
		}
		names[r.Name] = true
		if r.Offset%4 != 0 {
			return fmt.Errorf("block %s: register %s: offset %#x is not 4-byte aligned", b.Name, r.Name, r.Offset)
		}
		if r.Count > MaxArray {
			return fmt.Errorf("block %s: register %s: count %d is over the %d elements an array may have", b.Name, r.Name, r.Count, MaxArray)
		}
		if r.Elems() > 1 && (r.Stride < 4 || r.Stride%4 != 0) {
			return fmt.Errorf("block %s: register %s: array stride %#x must be a multiple of 4", b.Name, r.Name, r.Stride)
		}
		// In 64 bits: an array running past 4 GiB must not wrap to a
		// small offset.
		if last := uint64(r.Offset) + uint64(r.Elems()-1)*uint64(r.Stride); last+4 > size {
			return fmt.Errorf("block %s: register %s[%d] at %#x lies outside the block (size %#x)", b.Name, r.Name, r.Elems()-1, last, size)
		}
		if len(r.Fields) == 0 && !r.Access.valid() {
			return fmt.Errorf("block %s: register %s: %s is not an access policy", b.Name, r.Name, r.Access)
		}
		if r.Test > TestNone {
			return fmt.Errorf("block %s: register %s: test policy %d is not full, reset or none", b.Name, r.Name, r.Test)
		}
		var used uint32
		fields := map[string]bool{}
		for _, f := range r.Fields {
			if f.Hi < f.Lo || f.Hi > 31 {
				return fmt.Errorf("block %s: register %s: field %s bits %d:%d out of range", b.Name, r.Name, f.Name, f.Hi, f.Lo)
			}
			if !f.Access.valid() {
				return fmt.Errorf("block %s: register %s: field %s: %s is not an access policy", b.Name, r.Name, f.Name, f.Access)
			}
			if f.Name == "" || fields[f.Name] {
				return fmt.Errorf("block %s: register %s: field name %q empty or used twice", b.Name, r.Name, f.Name)
			}
			fields[f.Name] = true
			if used&f.Mask() != 0 {
				return fmt.Errorf("block %s: register %s: field %s overlaps another field", b.Name, r.Name, f.Name)
			}
			used |= f.Mask()
		}
		if len(r.Fields) > 0 && r.Reset&^used != 0 {
			return fmt.Errorf("block %s: register %s: reset value %#x sets reserved bits %#x", b.Name, r.Name, r.Reset, r.Reset&^used)
		}
		for e := 0; e < r.Elems(); e++ {
			all = append(all, span{r.ElemOffset(e), r.Name})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].off < all[j].off })
	for i := 1; i < len(all); i++ {
		if all[i].off == all[i-1].off {
			return fmt.Errorf("block %s: registers %s and %s both at offset %#x", b.Name, all[i-1].name, all[i].name, all[i].off)
		}
	}
	return nil
}

// regInst is one register instance with its precomputed masks.
type regInst struct {
	spec                              *RegSpec
	elem                              int
	rw, wo, w1c, w1s, rc, sc, defined uint32
}

// WriteHook runs after a write has been applied by the generic policy. old
// is the value before, written what the bus carried, and the hook may change
// the stored value through the RegFile.
type WriteHook func(elem int, old, written uint32)

// ReadHook computes a register's value for a read from live hardware state.
// The value it returns is what the bus sees; read-to-clear bits are then
// cleared from the stored value.
type ReadHook func(elem int) uint32

// RegFile is a live register block: values plus the generic access-policy
// semantics of its BlockSpec, with hooks where the hardware behind a
// register does more than store bits.
type RegFile struct {
	*layout
	spec *BlockSpec
	vals []uint32
	onW  []WriteHook
	onR  []ReadHook
}

// layout is what a BlockSpec compiles to; register files of the same spec
// share it (a card has up to 64 VFs of one block).
type layout struct {
	insts  []regInst
	byWord []int32 // offset/4 -> instance, -1 for holes
	first  map[string]int
}

// layouts caches compiled specs. The key is weak and a cleanup drops the
// entry with its spec, so specs made on the fly (a fuzzer, a plugin's
// description) do not pile up.
var layouts sync.Map // weak.Pointer[BlockSpec] -> *layout

func compile(spec *BlockSpec) (*layout, error) {
	key := weak.Make(spec)
	if l, ok := layouts.Load(key); ok {
		return l.(*layout), nil
	}
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	size := spec.Size
	for i := range spec.Regs {
		r := &spec.Regs[i]
		if end := r.ElemOffset(r.Elems()-1) + 4; end > size {
			size = end
		}
	}
	l := &layout{byWord: make([]int32, size/4), first: map[string]int{}}
	for i := range l.byWord {
		l.byWord[i] = -1
	}
	for i := range spec.Regs {
		r := &spec.Regs[i]
		m := r.Masks()
		l.first[r.Name] = len(l.insts)
		for e := 0; e < r.Elems(); e++ {
			in := regInst{spec: r, elem: e, rw: m[RW], wo: m[WO], w1c: m[W1C], w1s: m[W1S], rc: m[RC], sc: m[SC]}
			for _, v := range m {
				in.defined |= v
			}
			l.byWord[r.ElemOffset(e)/4] = int32(len(l.insts))
			l.insts = append(l.insts, in)
		}
	}
	if prev, loaded := layouts.LoadOrStore(key, l); loaded {
		return prev.(*layout), nil
	}
	runtime.AddCleanup(spec, func(k weak.Pointer[BlockSpec]) { layouts.Delete(k) }, key)
	return l, nil
}

// NewRegFile builds the register file of a block at its reset values. The
// spec must not change afterwards: its compiled layout is shared.
func NewRegFile(spec *BlockSpec) (*RegFile, error) {
	l, err := compile(spec)
	if err != nil {
		return nil, err
	}
	f := &RegFile{layout: l, spec: spec, vals: make([]uint32, len(l.insts)), onW: make([]WriteHook, len(l.insts)), onR: make([]ReadHook, len(l.insts))}
	f.Reset()
	return f, nil
}

// MustRegFile is NewRegFile for generated specs that are validated by tests.
func MustRegFile(spec *BlockSpec) *RegFile {
	f, err := NewRegFile(spec)
	if err != nil {
		panic(err)
	}
	return f
}

// Spec returns the block description.
func (f *RegFile) Spec() *BlockSpec { return f.spec }

// Reset loads every register's reset value.
func (f *RegFile) Reset() {
	for i := range f.insts {
		f.vals[i] = f.insts[i].spec.Reset
	}
}

// Index returns the instance index of element 0 of the named register.
// Model code resolves names once at construction and then indexes.
func (f *RegFile) Index(name string) int {
	i, ok := f.first[name]
	if !ok {
		panic(fmt.Sprintf("rtl: block %s has no register %s", f.spec.Name, name))
	}
	return i
}

// Get returns the stored value of instance i.
func (f *RegFile) Get(i int) uint32 { return f.vals[i] }

// Set stores v into instance i as hardware does: no access policy applies.
func (f *RegFile) Set(i int, v uint32) { f.vals[i] = v }

// OnWrite installs a hook on every element of the named register.
func (f *RegFile) OnWrite(name string, h WriteHook) {
	first := f.Index(name)
	for e := 0; e < f.insts[first].spec.Elems(); e++ {
		f.onW[first+e] = h
	}
}

// OnRead installs a read hook on every element of the named register.
func (f *RegFile) OnRead(name string, h ReadHook) {
	first := f.Index(name)
	for e := 0; e < f.insts[first].spec.Elems(); e++ {
		f.onR[first+e] = h
	}
}

// Lookup returns the instance at a byte offset.
func (f *RegFile) Lookup(off uint32) (int, bool) {
	if off%4 != 0 || int(off/4) >= len(f.byWord) {
		return 0, false
	}
	i := f.byWord[off/4]
	return int(i), i >= 0
}

// Describe names the register at an offset, for error messages.
func (f *RegFile) Describe(off uint32) string {
	i, ok := f.Lookup(off)
	if !ok {
		return fmt.Sprintf("%s+%#x (no register)", f.spec.Name, off)
	}
	in := f.insts[i]
	if in.spec.Elems() > 1 {
		return fmt.Sprintf("%s[%d]", in.spec.Name, in.elem)
	}
	return in.spec.Name
}

// Read performs a bus read at a byte offset. ok is false for an offset with
// no register; such reads return zero, as unimplemented space does.
func (f *RegFile) Read(off uint32) (v uint32, ok bool) {
	i, ok := f.Lookup(off)
	if !ok {
		return 0, false
	}
	in := &f.insts[i]
	if h := f.onR[i]; h != nil {
		v = h(in.elem)
	} else {
		v = f.vals[i]
	}
	v &= in.defined &^ in.wo
	if in.rc != 0 {
		f.vals[i] &^= in.rc
	}
	return v, true
}

// Write performs a bus write at a byte offset. ok is false for an offset
// with no register; such writes are dropped.
func (f *RegFile) Write(off, v uint32) bool {
	i, ok := f.Lookup(off)
	if !ok {
		return false
	}
	in := &f.insts[i]
	old := f.vals[i]
	n := old&^(in.rw|in.wo|in.sc) | v&(in.rw|in.wo|in.sc)
	n &^= v & in.w1c
	n |= v & in.w1s
	f.vals[i] = n
	if h := f.onW[i]; h != nil {
		h(in.elem, old, v)
	}
	return true
}

// OnWriteIndex installs a write hook on one register instance.
func (f *RegFile) OnWriteIndex(i int, h WriteHook) { f.onW[i] = h }

// OnReadIndex installs a read hook on one register instance.
func (f *RegFile) OnReadIndex(i int, h ReadHook) { f.onR[i] = h }
