package trace

import "github.com/nicforge/nicforge/sim"

// Kind is the type of a trace event.
type Kind uint8

// Event kinds. The numbers are part of the file format: never renumber.
const (
	MMIORead   Kind = 1  // driver read of a BAR: Func, Bar, Addr, Value
	MMIOWrite  Kind = 2  // driver write to a BAR: Func, Bar, Addr, Value
	CfgRead    Kind = 3  // config read: Func, Addr, Value
	CfgWrite   Kind = 4  // config write: Func, Addr, Value
	DMARead    Kind = 5  // card read of host memory: Func, Addr, Len
	DMAWrite   Kind = 6  // card write to host memory: Func, Addr, Len, Data (first bytes)
	MSIX       Kind = 7  // interrupt message: Func, Value = vector
	DMAFault   Kind = 8  // IOMMU refused a DMA: Func, Addr, Len, Value = 1 for writes
	FrameTx    Kind = 9  // frame leaves the card on a port: Port, Len, Data
	FrameRx    Kind = 10 // frame enters the card on a port: Port, Len, Data
	FrameDrop  Kind = 11 // the card dropped a frame: Port, Len, Text = reason
	RegChange  Kind = 12 // a chosen register or internal signal changed: Func, Addr, Value, Text = name
	DriverLog  Kind = 13 // a driver log line: Func, Text
	ModelError Kind = 14 // the model flagged bad input from a driver: Func, Addr, Value, Text
	Check      Kind = 15 // a protocol check result: Text, Value = 1 pass / 0 fail
	Meta       Kind = 16 // about the run: Text = "key=value" (scenario, seed, personality at time 0; window=start/end at its edges)
)

// Event is one record of the trace. Which fields are meaningful depends on
// Kind; the others are zero and cost nothing in the file.
type Event struct {
	Time  sim.Time
	Kind  Kind
	Func  uint16
	Bar   uint8
	Port  uint8
	Addr  uint64
	Value uint64
	Len   uint32
	Data  []byte // payload bytes recorded (may be a prefix of Len)
	Text  string
}

// Sink receives trace events. A nil Sink records nothing; producers check
// for nil before building an event so tracing costs nothing when off.
type Sink interface {
	Record(ev *Event)
}
