package cosim

import (
	"fmt"
	"os"
	"syscall"
)

// Memory is the host's physical memory: one flat address space backed by
// an mmap'd, unlinked file, never the Go heap, so a plugin process or C code
// can map the same bytes. Pages are allocated lazily by the kernel.
type Memory struct {
	file *os.File
	b    []byte
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
func (m *Memory) File() *os.File { return m.file }

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
