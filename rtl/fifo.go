package rtl

// FIFO is a bounded first-in first-out queue with two-phase semantics: an
// entry pushed during a cycle can be popped from the next cycle on, the way a
// registered FIFO behaves in hardware. Space freed by a pop is usable at once.
type FIFO[T any] struct {
	k       *Kernel
	buf     []T
	head    int
	n       int // entries, including those pushed this cycle
	visible int // entries that may be popped
	queued  bool
}

// NewFIFO returns an empty FIFO of the given depth committing through k.
func NewFIFO[T any](k *Kernel, depth int) *FIFO[T] {
	if depth <= 0 {
		depth = 1
	}
	return &FIFO[T]{k: k, buf: make([]T, depth)}
}

// Cap returns the FIFO depth.
func (f *FIFO[T]) Cap() int { return len(f.buf) }

// Len returns the number of entries that can be popped now.
func (f *FIFO[T]) Len() int { return f.visible }

// Full reports whether a push would fail.
func (f *FIFO[T]) Full() bool { return f.n == len(f.buf) }

// Free returns the number of free slots.
func (f *FIFO[T]) Free() int { return len(f.buf) - f.n }

// Push appends v. It returns false when the FIFO is full.
func (f *FIFO[T]) Push(v T) bool {
	if f.n == len(f.buf) {
		return false
	}
	f.buf[(f.head+f.n)%len(f.buf)] = v
	f.n++
	if !f.queued {
		f.queued = true
		f.k.MarkDirty(f)
	}
	return true
}

// Peek returns the oldest visible entry.
func (f *FIFO[T]) Peek() (T, bool) {
	var zero T
	if f.visible == 0 {
		return zero, false
	}
	return f.buf[f.head], true
}

// Pop removes and returns the oldest visible entry.
func (f *FIFO[T]) Pop() (T, bool) {
	var zero T
	if f.visible == 0 {
		return zero, false
	}
	v := f.buf[f.head]
	f.buf[f.head] = zero
	f.head = (f.head + 1) % len(f.buf)
	f.n--
	f.visible--
	return v, true
}

// Commit makes this cycle's pushes visible.
func (f *FIFO[T]) Commit() {
	f.visible = f.n
	f.queued = false
}

// Reset empties the FIFO.
func (f *FIFO[T]) Reset() {
	var zero T
	for i := range f.buf {
		f.buf[i] = zero
	}
	f.head, f.n, f.visible = 0, 0, 0
}
