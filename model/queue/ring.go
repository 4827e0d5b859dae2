package queue

import (
	"fmt"

	"github.com/nicforge/nicforge/model/pcie"
	"github.com/nicforge/nicforge/sim"
)

// Ring is one descriptor ring as the device sees it.
type Ring struct {
	Func     pcie.Func
	Base     uint64
	Count    uint32 // descriptors
	DescSize int
	CacheCap int
	Burst    int
	// PThresh is the prefetch threshold (TXDCTL/RXDCTL.PTHRESH): a fetch
	// starts only while fewer than PThresh descriptors are cached, so the
	// cache refills in bursts rather than a descriptor at a time.
	PThresh int

	Head  uint32 // next descriptor to process (the device's head pointer)
	Tail  uint32 // the driver's tail
	fetch uint32 // next descriptor to fetch

	cache   []byte
	scratch []byte
	ready   []sim.Time
	idx     []uint32
	first   int // cache slot of the oldest entry
	n       int // cached entries, in flight included

	// Faults counts fetches the IOMMU refused.
	Faults uint64
}

// Init sets the ring's geometry and empties it; Head, Tail and the fetch
// pointer restart at head. A pthresh of 0 or above the cache means "fetch
// whenever there is room".
func (r *Ring) Init(f pcie.Func, base uint64, count uint32, descSize, cacheCap, burst, pthresh int, head uint32) {
	r.Func, r.Base, r.Count, r.DescSize = f, base, count, descSize
	if pthresh <= 0 || pthresh > cacheCap {
		pthresh = cacheCap
	}
	r.CacheCap, r.Burst, r.PThresh = cacheCap, burst, pthresh
	if len(r.ready) != cacheCap || len(r.cache) != cacheCap*descSize {
		r.cache = make([]byte, cacheCap*descSize)
		r.ready = make([]sim.Time, cacheCap)
		r.idx = make([]uint32, cacheCap)
	}
	r.Head, r.Tail, r.fetch = head, head, head
	r.first, r.n = 0, 0
}

// Valid reports whether the geometry can be used.
func (r *Ring) Valid() error {
	if r.Count == 0 {
		return fmt.Errorf("ring of %s at %#x has zero descriptors", r.Func, r.Base)
	}
	if r.Base%16 != 0 {
		return fmt.Errorf("ring of %s base %#x is not 16-byte aligned", r.Func, r.Base)
	}
	return nil
}

// SetTail records a tail write. It reports false (and ignores the write) for
// a tail beyond the ring.
func (r *Ring) SetTail(t uint32) bool {
	if t >= r.Count {
		return false
	}
	r.Tail = t
	return true
}

func (r *Ring) dist(from, to uint32) uint32 {
	if to >= from {
		return to - from
	}
	return r.Count - from + to
}

// Unfetched returns the descriptors the driver has given but the device has
// not yet fetched.
func (r *Ring) Unfetched() uint32 { return r.dist(r.fetch, r.Tail) }

// Cached returns the descriptors in the cache, in flight included.
func (r *Ring) Cached() int { return r.n }

// Drained reports that nothing is cached and nothing is left to fetch.
func (r *Ring) Drained() bool { return r.n == 0 && r.fetch == r.Tail }

// WantsFetch reports whether Fetch would issue a read now: descriptors are
// posted and fewer than PThresh are cached.
func (r *Ring) WantsFetch() bool { return r.n < r.PThresh && r.fetch != r.Tail }

// Fetch issues at most one descriptor read at time now through up when
// WantsFetch: as many descriptors as are posted, fit in the cache and in
// one burst, without crossing the ring's wrap. It returns true when a read
// was issued.
func (r *Ring) Fetch(up pcie.Upstream, now sim.Time) bool {
	if !r.WantsFetch() {
		return false
	}
	n := int(r.Unfetched())
	if room := r.CacheCap - r.n; n > room {
		n = room
	}
	if n > r.Burst {
		n = r.Burst
	}
	if wrap := int(r.Count - r.fetch); n > wrap {
		n = wrap
	}
	// One read for the burst; the on-chip cache is circular, so the
	// descriptors land in it in up to two pieces.
	if cap(r.scratch) < n*r.DescSize {
		r.scratch = make([]byte, r.CacheCap*r.DescSize)
	}
	buf := r.scratch[:n*r.DescSize]
	done, err := up.Read(r.Func, now, r.Base+uint64(r.fetch)*uint64(r.DescSize), buf)
	if err != nil {
		r.Faults++
		clear(buf)
	}
	slot := (r.first + r.n) % r.CacheCap
	for i := 0; i < n; i++ {
		s := (slot + i) % r.CacheCap
		copy(r.cache[s*r.DescSize:(s+1)*r.DescSize], buf[i*r.DescSize:])
		r.ready[s] = done
		r.idx[s] = r.fetch
		r.fetch = (r.fetch + 1) % r.Count
	}
	r.n += n
	return true
}

// NextReady returns when the oldest cached descriptor is usable, or
// sim.Never when the cache is empty.
func (r *Ring) NextReady() sim.Time {
	if r.n == 0 {
		return sim.Never
	}
	return r.ready[r.first]
}

// Peek returns the k-th cached descriptor (0 = oldest) if it is usable at
// now: its bytes (valid until the next Fetch) and its ring index.
func (r *Ring) Peek(k int, now sim.Time) (desc []byte, index uint32, ok bool) {
	if k >= r.n {
		return nil, 0, false
	}
	s := (r.first + k) % r.CacheCap
	if r.ready[s] > now {
		return nil, 0, false
	}
	return r.cache[s*r.DescSize : (s+1)*r.DescSize], r.idx[s], true
}

// Consume drops the k oldest cached descriptors and advances Head past them.
func (r *Ring) Consume(k int) {
	if k > r.n {
		k = r.n
	}
	r.first = (r.first + k) % r.CacheCap
	r.n -= k
	r.Head = (r.Head + uint32(k)) % r.Count
}

// DescAddr returns the host address of descriptor i.
func (r *Ring) DescAddr(i uint32) uint64 { return r.Base + uint64(i)*uint64(r.DescSize) }

// ReadyAt returns when the k-th cached descriptor is usable (sim.Never when
// there is no such entry).
func (r *Ring) ReadyAt(k int) sim.Time {
	if k >= r.n {
		return sim.Never
	}
	return r.ready[(r.first+k)%r.CacheCap]
}
