// Package bus is the only seam a driver sees: one PCIe function's config
// space, its memory-mapped BARs, DMA-able host memory, MSI-X interrupts and
// the passing of time. The co-simulation host implements it against the card
// model; another backend (VFIO on a real machine) could implement it against
// silicon, and the drivers would not change.
//
//	driver (ixgbevf, ixgbe, ena, cardctl)
//	   │ Read32/Write32   AllocDMA   WaitIRQ   Delay/Spend
//	───┴──────────────── bus.Function ─────────────────────
//	   cosim.Host (simulated)   |   VFIO (real hardware)
//
// Time: a driver's time moves only through bus operations and Delay/Spend.
// Plain loads and stores to DMA memory (Buffer.Bytes) take no time: they
// happen at the driver's current time, and the device sees them from then on.
package bus

import "time"

// Buffer is a block of DMA-able host memory: IOVA is the address the device
// uses, Bytes the driver's view of the same memory.
type Buffer struct {
	IOVA  uint64
	Bytes []byte
}

// Function is one PCIe function bound to a driver.
type Function interface {
	// Name is the function's name in the scenario ("pf", "vf0", ...).
	Name() string

	// ConfigRead32 and ConfigWrite32 access the function's config space.
	ConfigRead32(off uint16) uint32
	ConfigWrite32(off uint16, v uint32)

	// Read32 is a non-posted MMIO read: the driver waits for the completion.
	// A read of an absent function returns all ones, as on PCIe.
	Read32(bar int, off uint32) uint32
	// Write32 is a posted MMIO write.
	Write32(bar int, off uint32, v uint32)
	// WriteBlock is a burst of posted writes (write-combined memory), for
	// device memory such as an LLQ. len(p) must be a multiple of 4.
	WriteBlock(bar int, off uint32, p []byte)

	// AllocDMA returns zeroed DMA memory of size bytes, aligned to align
	// (a power of two), mapped into this function's IOMMU domain.
	AllocDMA(size, align int) (Buffer, error)
	// FreeDMA unmaps and releases a buffer.
	FreeDMA(b Buffer)

	// EnableMSIX enables n MSI-X vectors (0 disables MSI-X).
	EnableMSIX(n int) error
	// WaitIRQ blocks until one of the vectors in mask has a pending
	// interrupt, or timeout passes. It returns the pending vectors of mask
	// and clears them; zero means the wait timed out.
	WaitIRQ(mask uint64, timeout time.Duration) uint64
	// PendingIRQ returns and clears the pending vectors of mask without
	// waiting.
	PendingIRQ(mask uint64) uint64

	// Now returns the driver's current time since the start of the run.
	Now() time.Duration
	// Delay sleeps for d (msleep, usleep_range): other work runs meanwhile.
	Delay(d time.Duration)
	// Spend accounts d of CPU work by the driver.
	Spend(d time.Duration)

	// Logf records a driver log line in the run's trace.
	Logf(format string, args ...any)
}
