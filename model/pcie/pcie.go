package pcie

import (
	"fmt"

	"github.com/nicforge/nicforge/sim"
)

// Func identifies a PCIe function of the card: 0 is the PF, 1+n is VF n.
type Func uint16

// PF is the physical function.
const PF Func = 0

// VF returns the function id of virtual function n.
func VF(n int) Func { return Func(1 + n) }

// IsVF reports whether f is a virtual function.
func (f Func) IsVF() bool { return f > 0 }

// VFIndex returns n for VF n.
func (f Func) VFIndex() int { return int(f) - 1 }

func (f Func) String() string {
	if f == PF {
		return "pf"
	}
	return fmt.Sprintf("vf%d", f.VFIndex())
}

// Upstream is the card's port towards the host: DMA and interrupts. Every
// call carries the card time at which the transaction leaves the card.
type Upstream interface {
	// Read fetches len(p) bytes of host memory at addr for function f. It
	// returns the time the last completion reaches the card. An address
	// outside f's IOMMU domain is a fault: err is non-nil and p is left
	// zeroed; the host records the fault.
	Read(f Func, at sim.Time, addr uint64, p []byte) (done sim.Time, err error)
	// Write posts len(p) bytes to host memory at addr for function f. The
	// host copies p before returning. A fault is reported as for Read.
	Write(f Func, at sim.Time, addr uint64, p []byte) error
	// MSIX posts an MSI-X message for vector v of function f.
	MSIX(f Func, at sim.Time, v int)
}

// Warmer is an Upstream that reads host memory faster when told ahead of
// time. Warm announces that the card will read [addr, addr+n) soon; it is
// a hint to the simulator's own memory, with no simulated effect: no
// time, no transaction, no IOMMU check, no trace. A card model calls it
// where real hardware would have the data in flight already, such as the
// buffers of the Tx descriptors it has fetched.
type Warmer interface {
	Warm(addr uint64, n int)
}

// Fault is a DMA the IOMMU refused.
type Fault struct {
	Func  Func
	At    sim.Time
	Addr  uint64
	Len   int
	Write bool
}

func (e *Fault) Error() string {
	op := "read"
	if e.Write {
		op = "write"
	}
	return fmt.Sprintf("DMA %s fault: %s %s of %d bytes at %#x outside its IOMMU domain (t=%s)", op, e.Func, op, e.Len, e.Addr, e.At)
}
