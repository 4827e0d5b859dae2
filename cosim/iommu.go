package cosim

import (
	"fmt"

	"github.com/nicforge/nicforge/model/pcie"
)

// PageSize is the IOMMU page size.
const PageSize = 4096

// domain is one function's IOMMU domain: a window of the physical space
// (its arena), the pages of it that are mapped, and a bump allocator.
// IOVA equals the physical address (identity mapping), which keeps traces
// readable; what the domain adds is the check.
type domain struct {
	base, size uint64
	next       uint64
	mapped     []uint64 // one bit per page of the arena
}

func (d *domain) pages(addr uint64, n int) (first, last uint64, ok bool) {
	if n <= 0 || addr < d.base || addr+uint64(n) > d.base+d.size || addr+uint64(n) < addr {
		return 0, 0, false
	}
	return (addr - d.base) / PageSize, (addr + uint64(n) - 1 - d.base) / PageSize, true
}

// allowed reports whether every byte of [addr, addr+n) is mapped.
func (d *domain) allowed(addr uint64, n int) bool {
	if n > 0 && addr >= d.base && addr+uint64(n) <= d.base+d.size {
		// The common case, one page: a single bit test.
		p := (addr - d.base) / PageSize
		if p == (addr+uint64(n)-1-d.base)/PageSize {
			return d.mapped[p/64]&(1<<(p%64)) != 0
		}
	}
	first, last, ok := d.pages(addr, n)
	if !ok {
		return false
	}
	for p := first; p <= last; p++ {
		if d.mapped[p/64]&(1<<(p%64)) == 0 {
			return false
		}
	}
	return true
}

func (d *domain) setMapped(addr uint64, n int, on bool) {
	first, last, ok := d.pages(addr, n)
	if !ok {
		return
	}
	for p := first; p <= last; p++ {
		if on {
			d.mapped[p/64] |= 1 << (p % 64)
		} else {
			d.mapped[p/64] &^= 1 << (p % 64)
		}
	}
}

func (d *domain) alloc(f pcie.Func, size, align int) (uint64, error) {
	if size <= 0 {
		return 0, fmt.Errorf("DMA allocation of %d bytes for %s", size, f)
	}
	if align < PageSize {
		align = PageSize // mappings are per page: never share a page between buffers
	}
	if align&(align-1) != 0 {
		return 0, fmt.Errorf("DMA alignment %d for %s is not a power of two", align, f)
	}
	a := (d.next + uint64(align) - 1) &^ (uint64(align) - 1)
	end := a + uint64(size)
	end = (end + PageSize - 1) &^ (PageSize - 1)
	if end > d.base+d.size {
		return 0, fmt.Errorf("DMA allocation of %d bytes for %s: its %d MiB IOMMU arena is full", size, f, d.size>>20)
	}
	d.next = end
	d.setMapped(a, size, true)
	return a, nil
}
