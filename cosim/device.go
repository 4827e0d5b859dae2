package cosim

import (
	"github.com/nicforge/nicforge/model/pcie"
	"github.com/nicforge/nicforge/sim"
)

// Device is the seam between the host and a card model, in the style of
// SimBricks: conservative and timestamped. The host hands the device the
// transactions that reach it, each at its arrival time, and a time it may
// advance to; the device reaches host memory and raises interrupts through
// the pcie.Upstream it was attached to, and says when its next event is.
//
// Rules the host keeps: calls come in non-decreasing time; before an access
// at time t the host has advanced the device to t; the device never runs
// past the until it was given. An in-process model implements Device
// directly; an out-of-process one sits behind a proxy that implements it.
type Device interface {
	// Attach connects the device to the host. It is called once, first.
	Attach(up pcie.Upstream)
	// Functions returns the functions present now: the PF, and the VFs
	// once SR-IOV is enabled.
	Functions() []pcie.Func
	// Advance runs the device through every event at or before until. It may
	// stop early, right after the cycle in which it sent an MSI-X message, so
	// the host can wake a waiting driver before the device runs further. It
	// returns the time reached.
	Advance(until sim.Time) sim.Time
	// NextEvent returns the time of the device's next internal event, or
	// sim.Never.
	NextEvent() sim.Time
	// ConfigRead and ConfigWrite access a function's config space at time at.
	ConfigRead(f pcie.Func, off uint16, at sim.Time) uint32
	ConfigWrite(f pcie.Func, off uint16, v uint32, at sim.Time)
	// MMIORead is a read arriving at time at. It returns the value and the
	// time the completion leaves the device.
	MMIORead(f pcie.Func, bar int, off uint32, at sim.Time) (v uint32, done sim.Time)
	// MMIOWrite is a posted write arriving at time at.
	MMIOWrite(f pcie.Func, bar int, off uint32, v uint32, at sim.Time)
}
