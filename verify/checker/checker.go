package checker

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/nicforge/nicforge/model/intr"
	"github.com/nicforge/nicforge/model/ixgbe"
	"github.com/nicforge/nicforge/model/pcie"
	"github.com/nicforge/nicforge/rtl"
	"github.com/nicforge/nicforge/sim"
)

// Violation is one broken protocol rule.
type Violation struct {
	Rule   string
	At     sim.Time
	Func   pcie.Func
	Txn    string // the transaction that broke it
	Detail string
}

func (v Violation) String() string {
	return fmt.Sprintf("%s at %v on %s: %s: %s", v.Rule, v.At, v.Func, v.Txn, v.Detail)
}

// Memory is read-only host memory.
type Memory interface {
	Bytes() []byte
}

// Checker watches one run.
type Checker struct {
	mem   Memory
	rings map[ringKey]*ring
	byFn  map[pcie.Func][]*ring // the same rings, for the DMA path
	mbox  map[pcie.Func]*lock
	vecs  map[[2]int]*vecState
	msgs  map[pcie.Func]uint64
	// OnViolation is called at the first violation (the run stops there).
	OnViolation func(Violation)
	first       *Violation
	count       uint64
	names       [2]*rtl.RegFile // PF and VF register files, for naming registers; built on first use
	layouts     map[bool]*layout
	generic     bool // no register rules: another personality's registers
	enaFns      map[pcie.Func]*enaFn
	enaLast     *enaFn // enaFns[enaLastFn]
	enaLastFn   pcie.Func
}

// NewGeneric returns a checker for a personality whose registers it does
// not know: it keeps the rules that need none (DMA inside the domain) and
// counts interrupts.
func NewGeneric(mem Memory) *Checker {
	c := New(mem)
	c.generic = true
	return c
}

// New returns a checker over host memory.
func New(mem Memory) *Checker {
	c := &Checker{mem: mem, rings: map[ringKey]*ring{}, byFn: map[pcie.Func][]*ring{}, mbox: map[pcie.Func]*lock{}, vecs: map[[2]int]*vecState{}, msgs: map[pcie.Func]uint64{}}
	c.layouts = ixgbeLayouts()
	return c
}

// First returns the first violation, or nil.
func (c *Checker) First() *Violation { return c.first }

// Count returns how many violations were seen (a run stops at the first,
// but transactions already in flight are still checked).
func (c *Checker) Count() uint64 { return c.count }

func (c *Checker) violate(rule string, at sim.Time, f pcie.Func, txn, format string, args ...any) {
	c.count++
	if c.first != nil {
		return
	}
	v := Violation{Rule: rule, At: at, Func: f, Txn: txn, Detail: fmt.Sprintf(format, args...)}
	c.first = &v
	if c.OnViolation != nil {
		c.OnViolation(v)
	}
}

func (c *Checker) reg(f pcie.Func, off uint32) string {
	// Built when a message first needs a name: compiling the 82599's
	// register maps up front cost a one-shot ENA run a tenth of its
	// instructions, for names it never prints.
	i, spec := 0, ixgbe.PFRegs
	if f.IsVF() {
		i, spec = 1, ixgbe.VFRegs
	}
	if c.names[i] == nil {
		c.names[i] = rtl.MustRegFile(spec)
	}
	return c.names[i].Describe(off)
}

// ringKey names one descriptor ring.
type ringKey struct {
	f  pcie.Func
	tx bool
	q  int
}

func (k ringKey) String() string {
	dir := "Rx"
	if k.tx {
		dir = "Tx"
	}
	return fmt.Sprintf("%s queue %d", dir, k.q)
}

const descSize = 16

// ring is what the checker knows of one ring.
type ring struct {
	key        ringKey
	baseLo     uint32
	baseHi     uint32
	length     uint32
	head, tail uint32 // as last written by the driver
	on         bool
	base       uint64 // latched at enable
	count      uint32
	owned      []bool     // the device's
	fetched    []bool     // Tx: fetched since handed over
	snap       [][16]byte // descriptor as handed over
}

func (c *Checker) ring(k ringKey) *ring {
	r := c.rings[k]
	if r == nil {
		r = &ring{key: k}
		c.rings[k] = r
		c.byFn[k.f] = append(c.byFn[k.f], r)
	}
	return r
}

// layout maps a function's BAR0 offsets to ring registers and mailbox
// registers, from its regmap.
type layout struct {
	regs    map[uint32]ringReg
	mailbox map[uint32]int // control register offset -> VF index (-1: the VF's own)
	mbmem   map[uint32]int // message memory offset -> VF index
}

type ringReg struct {
	tx    bool
	q     int
	field string // BAL BAH LEN H T CTL
}

func newLayout(spec *rtl.BlockSpec, vf bool) *layout {
	l := &layout{regs: map[uint32]ringReg{}, mailbox: map[uint32]int{}, mbmem: map[uint32]int{}}
	add := func(name string, tx bool, field string, first int) {
		r, ok := spec.Reg(name)
		if !ok {
			panic("checker: regmap " + spec.Name + " has no " + name)
		}
		for e := 0; e < r.Elems(); e++ {
			l.regs[r.ElemOffset(e)] = ringReg{tx: tx, q: first + e, field: field}
		}
	}
	fields := []string{"BAL", "BAH", "LEN", "H", "T"}
	if vf {
		for _, f := range fields {
			add("VFRD"+f, false, f, 0)
			add("VFTD"+f, true, f, 0)
		}
		add("VFRXDCTL", false, "CTL", 0)
		add("VFTXDCTL", true, "CTL", 0)
		r, _ := spec.Reg("VFMAILBOX")
		l.mailbox[r.Offset] = -1
		m, _ := spec.Reg("VFMBMEM")
		for e := 0; e < m.Elems(); e++ {
			l.mbmem[m.ElemOffset(e)] = -1
		}
		return l
	}
	for _, f := range fields {
		add("RD"+f, false, f, 0)
		add("RD"+f+"_Q64", false, f, 64)
		add("TD"+f, true, f, 0)
	}
	add("RXDCTL", false, "CTL", 0)
	add("RXDCTL_Q64", false, "CTL", 64)
	add("TXDCTL", true, "CTL", 0)
	r, _ := spec.Reg("PFMAILBOX")
	for e := 0; e < r.Elems(); e++ {
		l.mailbox[r.ElemOffset(e)] = e
	}
	m, _ := spec.Reg("PFMBMEM")
	for e := 0; e < m.Elems(); e++ {
		l.mbmem[m.ElemOffset(e)] = e / 16
	}
	return l
}

// ixgbeLayouts are the 82599 PF and VF layouts, built once: they only read
// the regmaps.
var ixgbeLayouts = sync.OnceValue(func() map[bool]*layout {
	return map[bool]*layout{false: newLayout(ixgbe.PFRegs, false), true: newLayout(ixgbe.VFRegs, true)}
})

// Bits the rules read; from the regmaps' field definitions.
const (
	dctlEnable = 1 << 25 // RXDCTL/TXDCTL.ENABLE
	mbREQ      = 1 << 0  // VFMAILBOX.REQ
	mbVFU      = 1 << 2  // VFMAILBOX.VFU
	pfmbSTS    = 1 << 0  // PFMAILBOX.STS
	pfmbPFU    = 1 << 3  // PFMAILBOX.PFU
	rxStatDD   = 1 << 0  // Rx write-back status DD
	txStatDD   = 1 << 0  // Tx write-back status DD
)

// MMIOWrite observes a posted write reaching the card.
func (c *Checker) MMIOWrite(f pcie.Func, bar int, off, v uint32, at sim.Time) {
	if c.enaFns != nil && bar == 0 {
		c.enaMMIOWrite(f, off, v, at)
		return
	}
	if bar != 0 || c.generic {
		return
	}
	l := c.layouts[f.IsVF()]
	c.eitrWrite(f, off, v)
	if rr, ok := l.regs[off]; ok {
		c.ringWrite(ringKey{f, rr.tx, rr.q}, rr.field, off, v, at)
		return
	}
	if vf, ok := l.mailbox[off]; ok {
		c.mailboxWrite(f, vf, off, v, at)
		return
	}
	if vf, ok := l.mbmem[off]; ok {
		k := c.lockOf(f, vf)
		if !k.held {
			c.violate("mailbox_lock", at, f, fmt.Sprintf("MMIO write %s = %#x", c.reg(f, off), v),
				"message memory written without holding the %s lock", k.name())
		}
	}
}

// MMIORead observes a read and the value it returned.
func (c *Checker) MMIORead(f pcie.Func, bar int, off, v uint32, at sim.Time) {
	if bar != 0 || c.generic {
		return
	}
	if vf, ok := c.layouts[f.IsVF()].mailbox[off]; ok {
		k := c.lockOf(f, vf)
		// The lock is the requester's once a read shows it granted.
		if k.asked && v&k.bit() != 0 {
			k.held = true
		}
	}
}

func (c *Checker) ringWrite(k ringKey, field string, off, v uint32, at sim.Time) {
	r := c.ring(k)
	txn := func() string { return fmt.Sprintf("MMIO write %s = %#x", c.reg(k.f, off), v) }
	switch field {
	case "BAL":
		r.baseLo = v
	case "BAH":
		r.baseHi = v
	case "LEN":
		r.length = v
	case "H":
		r.head = v
	case "T":
		if !r.on {
			if v != 0 {
				c.violate("enable_order", at, k.f, txn(), "%s: tail written while the queue is disabled", k)
			}
			r.tail = v
			return
		}
		c.tailWrite(r, v, at, txn)
	case "CTL":
		switch on := v&dctlEnable != 0; {
		case on && !r.on:
			base := uint64(r.baseLo) | uint64(r.baseHi)<<32
			if base == 0 || r.length == 0 {
				c.violate("enable_order", at, k.f, txn(), "%s enabled with base %#x and length %d: program the ring first", k, base, r.length)
				return
			}
			r.on, r.base, r.count = true, base, r.length/descSize
			r.owned = make([]bool, r.count)
			r.fetched = make([]bool, r.count)
			r.snap = make([][16]byte, r.count)
			if r.tail >= r.count || r.head >= r.count {
				c.violate("tail_bounds", at, k.f, txn(), "%s enabled with head %d, tail %d in a ring of %d", k, r.head, r.tail, r.count)
				return
			}
			old := r.tail
			r.tail = r.head
			if old != r.head {
				c.tailWrite(r, old, at, txn)
			}
		case !on && r.on:
			r.on = false
		}
	}
}

// tailWrite hands the descriptors from the old tail up to v to the device.
func (c *Checker) tailWrite(r *ring, v uint32, at sim.Time, txn func() string) {
	k := r.key
	if v >= r.count {
		c.violate("tail_bounds", at, k.f, txn(), "%s: tail %d is beyond the ring of %d descriptors", k, v, r.count)
		return
	}
	mem := c.mem.Bytes()
	for i := r.tail; i != v; i = (i + 1) % r.count {
		if r.owned[i] {
			c.violate("tail_bounds", at, k.f, txn(), "%s: tail %d hands over descriptor %d, which the device still owns (tail moved past the head)", k, v, i)
			return
		}
		r.owned[i], r.fetched[i] = true, false
		a := r.base + uint64(i)*descSize
		if a+descSize <= uint64(len(mem)) {
			copy(r.snap[i][:], mem[a:a+descSize])
		}
	}
	r.tail = v
}

// DMA observes a device DMA inside the function's domain.
func (c *Checker) DMA(f pcie.Func, write bool, addr uint64, data []byte, at sim.Time) {
	if c.enaFns != nil {
		c.enaDMA(f, write, addr, data, at)
		return
	}
	for _, r := range c.byFn[f] {
		if !r.on || addr+uint64(len(data)) <= r.base || addr >= r.base+uint64(r.count)*descSize {
			continue
		}
		c.ringDMA(r, write, addr, data, at)
		return
	}
}

func (c *Checker) ringDMA(r *ring, write bool, addr uint64, data []byte, at sim.Time) {
	k := r.key
	txnOf := func() string {
		op := "read"
		if write {
			op = "write"
		}
		return fmt.Sprintf("DMA %s of %d bytes at %#x", op, len(data), addr)
	}
	if (addr-r.base)%descSize != 0 || len(data)%descSize != 0 {
		c.violate("desc_ownership", at, k.f, txnOf(), "%s: access not aligned to whole descriptors", k)
		return
	}
	first := uint32((addr - r.base) / descSize)
	mem := c.mem.Bytes()
	for j := 0; j < len(data)/descSize; j++ {
		i := first + uint32(j)
		d := data[j*descSize : (j+1)*descSize]
		if !r.owned[i] {
			verb := "fetched"
			if write {
				verb = "wrote back"
			}
			c.violate("desc_ownership", at, k.f, txnOf(), "%s: device %s descriptor %d, which the driver has not handed over (tail %d)", k, verb, i, r.tail)
			return
		}
		// The driver must leave a descriptor alone once it is the
		// device's: memory still matches what the tail write handed over.
		a := r.base + uint64(i)*descSize
		now := mem[a : a+descSize]
		if !bytes.Equal(now, r.snap[i][:]) {
			c.violate("desc_ownership", at, k.f, txnOf(), "%s: descriptor %d changed after the driver handed it over: %x, was %x", k, i, now, r.snap[i][:])
			return
		}
		if !write {
			r.fetched[i] = true
			continue
		}
		status := binary.LittleEndian.Uint32(d[12:])
		if !k.tx {
			status = binary.LittleEndian.Uint32(d[8:])
		}
		if status&rxStatDD == 0 {
			c.violate("dd_eop", at, k.f, txnOf(), "%s: descriptor %d written back without DD (status %#x)", k, i, status)
			return
		}
		if k.tx && !r.fetched[i] {
			c.violate("dd_eop", at, k.f, txnOf(), "%s: descriptor %d written back done before the device fetched it", k, i)
			return
		}
		r.owned[i] = false
	}
}

// lock is one mailbox buffer lock as one side sees it.
type lock struct {
	pf    bool
	asked bool // the last control write asked for the lock
	held  bool // and a read showed it granted
}

func (k *lock) bit() uint32 {
	if k.pf {
		return pfmbPFU
	}
	return mbVFU
}

func (k *lock) name() string {
	if k.pf {
		return "PFU"
	}
	return "VFU"
}

func (c *Checker) lockOf(f pcie.Func, vf int) *lock {
	key := f
	if !f.IsVF() {
		key = pcie.VF(vf) | 1<<15 // the PF's side of VF vf's mailbox
	}
	k := c.mbox[key]
	if k == nil {
		k = &lock{pf: !f.IsVF()}
		c.mbox[key] = k
	}
	return k
}

func (c *Checker) mailboxWrite(f pcie.Func, vf int, off, v uint32, at sim.Time) {
	k := c.lockOf(f, vf)
	post := uint32(mbREQ)
	if k.pf {
		post = pfmbSTS
	}
	if v&post != 0 && !k.held {
		c.violate("mailbox_lock", at, f, fmt.Sprintf("MMIO write %s = %#x", c.reg(f, off), v), "message posted without holding the %s lock", k.name())
	}
	// Any write without the lock bit releases it.
	k.asked = v&k.bit() != 0
	if !k.asked {
		k.held = false
	}
}

// Fault observes a DMA fault.
func (c *Checker) Fault(e pcie.Fault) {
	op := "read"
	if e.Write {
		op = "write"
	}
	c.violate("dma_domain", e.At, e.Func, fmt.Sprintf("DMA %s of %d bytes at %#x", op, e.Len, e.Addr), "outside the function's IOMMU domain")
}

// vecState is one vector's moderation as the checker sees it.
type vecState struct {
	interval  sim.Time
	last      sim.Time
	fired     bool
	restarted bool // an EITR write without CNT_WDIS since the last message
	minGap    sim.Time
	msgs      uint64
}

func (c *Checker) vec(f pcie.Func, v int) *vecState {
	k := [2]int{int(f), v}
	st := c.vecs[k]
	if st == nil {
		st = &vecState{minGap: sim.Never}
		c.vecs[k] = st
	}
	return st
}

// eitrVector decodes an EITR register offset of f's BAR0.
func eitrVector(f pcie.Func, off uint32) (int, bool) {
	if f.IsVF() {
		if off >= 0x820 && off < 0x820+4*3 {
			return int(off-0x820) / 4, true
		}
		return 0, false
	}
	switch {
	case off >= 0x820 && off < 0x820+4*24:
		return int(off-0x820) / 4, true
	case off >= 0x12300 && off < 0x12300+4*40:
		return 24 + int(off-0x12300)/4, true
	}
	return 0, false
}

func (c *Checker) eitrWrite(f pcie.Func, off, v uint32) {
	vec, ok := eitrVector(f, off)
	if !ok {
		return
	}
	st := c.vec(f, vec)
	st.interval = intr.EITRInterval(v)
	if v&intr.EITRCntWDis == 0 {
		st.restarted = true
	}
}

// MSIX observes a message as it leaves the card (where moderation is
// defined).
func (c *Checker) MSIX(f pcie.Func, v int, at sim.Time) {
	if c.enaFns != nil {
		c.enaMSIX(f, v, at)
	}
	c.msgs[f]++
	st := c.vec(f, v)
	st.msgs++
	if st.fired && !st.restarted {
		gap := at - st.last
		if gap < st.minGap {
			st.minGap = gap
		}
		if gap < st.interval {
			c.violate("irq_moderation", at, f, fmt.Sprintf("MSI-X vector %d", v),
				"fired %v after its previous message at %v; EITR allows one every %v", gap, st.last, st.interval)
		}
	}
	st.fired, st.last, st.restarted = true, at, false
}

// Interrupts returns the MSI-X messages f sent.
func (c *Checker) Interrupts(f pcie.Func) uint64 { return c.msgs[f] }

// Moderation summarises f's vectors: messages, closest spacing and the
// interval in force. ok is false when f raised no interrupt.
func (c *Checker) Moderation(f pcie.Func) (ok bool, detail string) {
	var keys [][2]int
	for k, st := range c.vecs {
		if k[0] == int(f) && st.msgs > 0 {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][1] < keys[j][1] })
	var parts []string
	for _, k := range keys {
		st := c.vecs[k]
		gap := "-"
		if st.minGap != sim.Never {
			gap = st.minGap.String()
		}
		parts = append(parts, fmt.Sprintf("vector %d: %d messages, closest %s, EITR interval now %s", k[1], st.msgs, gap, st.interval))
	}
	if len(parts) == 0 {
		return false, f.String() + " raised no interrupt: nothing to check"
	}
	if c.first != nil && c.first.Rule == "irq_moderation" && c.first.Func == f {
		return false, c.first.String()
	}
	return true, strings.Join(parts, "; ")
}
