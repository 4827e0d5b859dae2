package cosim

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"sort"
	"sync"
	"syscall"
)

// Memory is the host's physical memory: one flat address space backed by
// an mmap'd, unlinked file, never the Go heap, so a plugin process or C code
// can map the same bytes. Pages are allocated lazily by the kernel.
type Memory struct {
	file   *os.File
	b      []byte
	shared bool // File was handed out: someone else may have written it
	// data is the extents of the file known to hold pages, sorted and
	// apart: a page, once allocated, stays (nothing punches holes), so
	// only the rest needs asking the file about.
	data []span
}

// NewMemory maps size bytes of host memory. The backing file lives in
// /dev/shm (tmpfs) when the machine has it: a file on a disk filesystem
// would make every first write to a page allocate a block.
func NewMemory(size int) (*Memory, error) {
	dir := ""
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		dir = "/dev/shm"
	}
	f, err := os.CreateTemp(dir, "nicforge-hostmem-*")
	if err != nil {
		return nil, fmt.Errorf("host memory: %w", err)
	}
	_ = os.Remove(f.Name())
	if err := f.Truncate(int64(size)); err != nil {
		f.Close()
		return nil, fmt.Errorf("host memory: size %d: %w", size, err)
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("host memory: mmap %d bytes: %w", size, err)
	}
	return &Memory{file: f, b: b}, nil
}

// Bytes returns the whole address space.
func (m *Memory) Bytes() []byte { return m.b }

// File returns the backing file, for a process that maps the same memory.
// Memory whose file was handed out is never recycled.
func (m *Memory) File() *os.File {
	m.shared = true
	return m.file
}

// Close unmaps the memory.
func (m *Memory) Close() error {
	if m.b == nil {
		return nil
	}
	err := syscall.Munmap(m.b)
	m.b = nil
	if cerr := m.file.Close(); err == nil {
		err = cerr
	}
	return err
}

// span is a byte range of host memory.
type span struct{ off, n uint64 }

// memoryPool keeps the memory of finished hosts for the next host of the
// same size in this process. The first write to a tmpfs page costs a page
// fault that allocates and zeroes it, several microseconds in a VM; a run
// touches about a thousand pages, so recycling them is most of the
// bring-up cost of a short run. Pooled memory is all zero: release clears
// the pages that were written before it gives them back.
var memoryPool struct {
	sync.Mutex
	free map[int][]*Memory
}

// memoryPoolKeep bounds the idle memories kept per size, which bounds the
// resident pages a long regression holds on to.
var memoryPoolKeep = runtime.GOMAXPROCS(0) + 1

// acquireMemory returns zeroed memory of size bytes, recycled if it can.
func acquireMemory(size int) (*Memory, error) {
	memoryPool.Lock()
	if l := memoryPool.free[size]; len(l) > 0 {
		m := l[len(l)-1]
		memoryPool.free[size] = l[:len(l)-1]
		memoryPool.Unlock()
		return m, nil
	}
	memoryPool.Unlock()
	return NewMemory(size)
}

// releaseMemory zeroes what was written in the spans and pools
// m, or unmaps it when it cannot be recycled.
func releaseMemory(m *Memory, written []span) error {
	if m.b == nil {
		return nil
	}
	if m.shared {
		return m.Close()
	}
	for _, s := range written {
		if err := m.zeroWritten(s); err != nil {
			return m.Close()
		}
	}
	memoryPool.Lock()
	defer memoryPool.Unlock()
	if memoryPool.free == nil {
		memoryPool.free = map[int][]*Memory{}
	}
	if len(memoryPool.free[len(m.b)]) >= memoryPoolKeep {
		return m.Close()
	}
	memoryPool.free[len(m.b)] = append(memoryPool.free[len(m.b)], m)
	return nil
}

// zeroWritten clears the parts of s that hold data. It asks the file
// where its data is (SEEK_DATA/SEEK_HOLE) rather than touching every page:
// clearing a hole would only allocate it, and unlike a residency check this
// also finds pages the kernel swapped or wrote back. The extents found are
// remembered: asking costs the kernel a walk over every page, and recycled
// memory is mostly pages found before.
func (m *Memory) zeroWritten(s span) error {
	const seekData, seekHole = 3, 4
	fd := int(m.file.Fd())
	end := min(s.off+s.n, uint64(len(m.b)))
	for at := s.off; at < end; {
		i := sort.Search(len(m.data), func(i int) bool { return m.data[i].off+m.data[i].n > at })
		if i < len(m.data) && m.data[i].off <= at {
			stop := min(m.data[i].off+m.data[i].n, end)
			clearMemory(m.b[at:stop])
			at = stop
			continue
		}
		gapEnd := end // ask the file about [at, gapEnd) only
		if i < len(m.data) {
			gapEnd = min(gapEnd, m.data[i].off)
		}
		d, err := syscall.Seek(fd, int64(at), seekData)
		if err == syscall.ENXIO || err == nil && uint64(d) >= gapEnd {
			at = gapEnd // a hole up to the next known extent
			continue
		}
		if err != nil {
			return fmt.Errorf("host memory: seek data at %#x: %w", at, err)
		}
		h, err := syscall.Seek(fd, d, seekHole)
		if err != nil {
			return fmt.Errorf("host memory: seek hole at %#x: %w", d, err)
		}
		stop := min(uint64(h), gapEnd)
		clearMemory(m.b[d:stop])
		m.addData(span{uint64(d), stop - uint64(d)})
		at = stop
	}
	return nil
}

// addData records that x holds pages, merging it with the extents it
// touches or overlaps.
func (m *Memory) addData(x span) {
	i := sort.Search(len(m.data), func(i int) bool { return m.data[i].off+m.data[i].n >= x.off })
	j := i
	lo, hi := x.off, x.off+x.n
	for ; j < len(m.data) && m.data[j].off <= hi; j++ {
		lo, hi = min(lo, m.data[j].off), max(hi, m.data[j].off+m.data[j].n)
	}
	m.data = slices.Replace(m.data, i, j, span{lo, hi - lo})
}
