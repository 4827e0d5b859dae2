package acl

import (
	"container/heap"
	"encoding/binary"

	"github.com/nicforge/nicforge/sim"
)

// State is a tracked connection's state.
type State uint8

const (
	StateNew         State = iota // only the originator has sent
	StateReply                    // the responder answered
	StateEstablished              // the originator sent again after the reply
)

func (s State) String() string {
	return [...]string{"new", "reply", "established"}[s]
}

// Timeouts are the idle timeouts per protocol and state.
type Timeouts struct {
	TCPNew, TCPReply, TCPEstablished sim.Time
	UDPNew, UDPStream                sim.Time // UDPStream: reply and established
	ICMP                             sim.Time
	Other                            sim.Time
}

// DefaultTimeouts are the card's defaults.
var DefaultTimeouts = Timeouts{
	TCPNew: 120 * sim.Second, TCPReply: 120 * sim.Second, TCPEstablished: 432000 * sim.Second,
	UDPNew: 30 * sim.Second, UDPStream: 180 * sim.Second,
	ICMP:  30 * sim.Second,
	Other: 600 * sim.Second,
}

// Or returns t with its zero fields taken from d.
func (t Timeouts) Or(d Timeouts) Timeouts {
	for _, f := range []struct{ v, def *sim.Time }{{&t.TCPNew, &d.TCPNew}, {&t.TCPReply, &d.TCPReply}, {&t.TCPEstablished, &d.TCPEstablished},
		{&t.UDPNew, &d.UDPNew}, {&t.UDPStream, &d.UDPStream}, {&t.ICMP, &d.ICMP}, {&t.Other, &d.Other}} {
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	return t
}

// For returns the timeout of a connection of proto in state s.
func (t *Timeouts) For(proto uint8, s State) sim.Time {
	switch proto {
	case ProtoTCP:
		return [...]sim.Time{t.TCPNew, t.TCPReply, t.TCPEstablished}[s]
	case ProtoUDP:
		if s == StateNew {
			return t.UDPNew
		}
		return t.UDPStream
	case ProtoICMP, ProtoICMPv6:
		return t.ICMP
	}
	return t.Other
}

// connKey identifies a connection: zone (the VF), protocol and the two
// endpoints in a canonical order, so both directions find it.
type connKey struct {
	zone, proto uint8
	a, b        [18]byte // address then port, a <= b
}

func endpoint(addr [16]byte, port uint16) (e [18]byte) {
	copy(e[:], addr[:])
	binary.BigEndian.PutUint16(e[16:], port)
	return e
}

func less(x, y *[18]byte) bool {
	for i := range x {
		if x[i] != y[i] {
			return x[i] < y[i]
		}
	}
	return false
}

// connOf returns f's connection key and whether f's source is endpoint a.
func connOf(f *Flow) (connKey, bool) {
	sp, dp := f.SrcPort, f.DstPort
	if f.Proto != ProtoTCP && f.Proto != ProtoUDP {
		sp, dp = 0, 0
	}
	s, d := endpoint(f.Src, sp), endpoint(f.Dst, dp)
	k := connKey{zone: f.VF, proto: f.Proto}
	if less(&d, &s) {
		k.a, k.b = d, s
		return k, false
	}
	k.a, k.b = s, d
	return k, true
}

type conn struct {
	key     connKey
	origA   bool // the originator is endpoint a
	state   State
	expiry  sim.Time
	next    int32 // bucket chain; -1 ends it
	inUse   bool
	version uint32 // bumps when the slot takes a new connection: older aging records are stale
}

// Conntrack is the connection-tracking table: capacity slots in hashed
// buckets, chained from a free list, so it is full exactly when no slot
// is free. Expired connections are gone for any packet at or after their
// expiry and their slots are reclaimed before a new connection is
// refused.
type Conntrack struct {
	Timeouts Timeouts
	capacity int
	slots    []conn  // grown up to capacity as connections come
	buckets  []int32 // allocated at the first connection
	free     []int32
	perVF    [256]int
	limit    [256]int // per-VF allowance, 0 = none
	aging    agingHeap
	seed     uint64
}

// NewConntrack returns a table of capacity connections. Its memory is
// taken when connections come, not up front: a run that never tracks
// pays nothing for a 64k table.
func NewConntrack(capacity int, t Timeouts) *Conntrack {
	return &Conntrack{Timeouts: t, capacity: capacity, seed: 0x9E3779B97F4A7C15}
}

// alloc returns a free slot, or false when there is none.
func (c *Conntrack) alloc() (int32, bool) {
	if k := len(c.free); k > 0 {
		i := c.free[k-1]
		c.free = c.free[:k-1]
		return i, true
	}
	if len(c.slots) < c.capacity {
		c.slots = append(c.slots, conn{})
		return int32(len(c.slots) - 1), true
	}
	return 0, false
}

func (c *Conntrack) used() int { return len(c.slots) - len(c.free) }

// SetAllowance limits vf to n tracked connections (0: the capacity).
func (c *Conntrack) SetAllowance(vf uint8, n int) { c.limit[vf] = n }

// Tracked returns vf's live connections at time now.
func (c *Conntrack) Tracked(vf uint8, now sim.Time) int {
	c.reclaim(now)
	return c.perVF[vf]
}

// Capacity returns the table's size.
func (c *Conntrack) Capacity() int { return c.capacity }

func (c *Conntrack) bucket(k *connKey) int {
	if c.buckets == nil {
		nb := 1
		for nb < c.capacity {
			nb <<= 1
		}
		c.buckets = make([]int32, nb)
		for i := range c.buckets {
			c.buckets[i] = -1
		}
	}
	h := c.seed ^ uint64(k.zone)<<8 ^ uint64(k.proto)
	for _, e := range [2]*[18]byte{&k.a, &k.b} {
		for i := 0; i < 16; i += 8 {
			h = (h ^ binary.LittleEndian.Uint64(e[i:])) * 0x100000001B3
			h ^= h >> 29
		}
		h = (h ^ uint64(binary.LittleEndian.Uint16(e[16:]))) * 0x100000001B3
	}
	return int(h & uint64(len(c.buckets)-1))
}

// find returns the live connection of k, unlinking expired ones it meets.
func (c *Conntrack) find(k *connKey, now sim.Time) int32 {
	if c.buckets == nil {
		return -1 // nothing was ever tracked
	}
	b := c.bucket(k)
	prev := int32(-1)
	for i := c.buckets[b]; i >= 0; {
		s := &c.slots[i]
		next := s.next
		if s.expiry <= now {
			c.unlink(b, prev, i)
		} else {
			if s.key == *k {
				return i
			}
			prev = i
		}
		i = next
	}
	return -1
}

func (c *Conntrack) unlink(b int, prev, i int32) {
	s := &c.slots[i]
	if prev < 0 {
		c.buckets[b] = s.next
	} else {
		c.slots[prev].next = s.next
	}
	s.inUse = false
	c.perVF[s.key.zone]--
	c.free = append(c.free, i)
}

// reclaim frees every connection expired at now. The aging heap holds
// one record per connection with the expiry it had when last scheduled;
// a record whose connection was refreshed since goes back in at the new
// expiry.
func (c *Conntrack) reclaim(now sim.Time) {
	for len(c.aging) > 0 && c.aging[0].expiry <= now {
		r := heap.Pop(&c.aging).(agingRecord)
		s := &c.slots[r.slot]
		switch {
		case !s.inUse || s.version != r.version:
			// gone already, or the slot holds another connection
		case s.expiry > now:
			heap.Push(&c.aging, agingRecord{expiry: s.expiry, slot: r.slot, version: s.version})
		default:
			c.find(&s.key, now) // unlinks it (and any other expired on its chain)
		}
	}
}

// Lookup reports whether f belongs to a live connection.
func (c *Conntrack) Lookup(f *Flow, now sim.Time) bool {
	k, _ := connOf(f)
	return c.find(&k, now) >= 0
}

// Touch records a packet that passed the ACL: it refreshes f's
// connection (moving its state on) or creates it. It returns false when
// a new connection finds the table, or its VF's allowance, full.
func (c *Conntrack) Touch(f *Flow, now sim.Time) bool {
	k, fromA := connOf(f)
	i := c.find(&k, now)
	if i < 0 {
		if !c.room(f.VF, now) {
			return false
		}
		i, _ = c.alloc() // room said there is one
		b := c.bucket(&k)
		c.slots[i] = conn{key: k, origA: fromA, state: StateNew, next: c.buckets[b], inUse: true, version: c.slots[i].version + 1}
		c.buckets[b] = i
		c.perVF[f.VF]++
		s := &c.slots[i]
		s.expiry = now + c.Timeouts.For(k.proto, s.state)
		heap.Push(&c.aging, agingRecord{expiry: s.expiry, slot: i, version: s.version})
		return true
	}
	s := &c.slots[i]
	orig := s.origA == fromA
	switch {
	case !orig && s.state == StateNew:
		s.state = StateReply
	case orig && s.state == StateReply:
		s.state = StateEstablished
	}
	s.expiry = now + c.Timeouts.For(k.proto, s.state)
	return true
}

// State returns f's connection state, if it is tracked.
func (c *Conntrack) State(f *Flow, now sim.Time) (State, sim.Time, bool) {
	k, _ := connOf(f)
	i := c.find(&k, now)
	if i < 0 {
		return 0, 0, false
	}
	return c.slots[i].state, c.slots[i].expiry, true
}

func (c *Conntrack) room(vf uint8, now sim.Time) bool {
	full := func() bool {
		return c.used() >= c.capacity || (c.limit[vf] > 0 && c.perVF[vf] >= c.limit[vf])
	}
	if full() {
		c.reclaim(now)
	}
	return !full()
}

type agingRecord struct {
	expiry  sim.Time
	slot    int32
	version uint32
}

// agingHeap orders refresh records by expiry (then slot, for a total
// order): the hardware's aging scan in the order it would find them.
type agingHeap []agingRecord

func (h agingHeap) Len() int { return len(h) }
func (h agingHeap) Less(i, j int) bool {
	if h[i].expiry != h[j].expiry {
		return h[i].expiry < h[j].expiry
	}
	return h[i].slot < h[j].slot
}
func (h agingHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *agingHeap) Push(x any)   { *h = append(*h, x.(agingRecord)) }
func (h *agingHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
