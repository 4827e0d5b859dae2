package trace

import (
	"fmt"
	"io"
	"net"
	"sort"
	"strconv"
	"strings"

	"github.com/nicforge/nicforge/sim"
)

// KindNames are the names the CLI and the text form use for event kinds.
var KindNames = map[Kind]string{
	MMIORead: "mmio_read", MMIOWrite: "mmio_write", CfgRead: "cfg_read", CfgWrite: "cfg_write",
	DMARead: "dma_read", DMAWrite: "dma_write", MSIX: "msix", DMAFault: "dma_fault",
	FrameTx: "frame_tx", FrameRx: "frame_rx", FrameDrop: "frame_drop", RegChange: "reg",
	DriverLog: "log", ModelError: "model_error", Check: "check", Meta: "meta",
}

// kindGroups name several kinds at once.
var kindGroups = map[string][]Kind{
	"mmio":  {MMIORead, MMIOWrite},
	"cfg":   {CfgRead, CfgWrite},
	"dma":   {DMARead, DMAWrite, DMAFault},
	"frame": {FrameTx, FrameRx, FrameDrop},
	"error": {ModelError, DMAFault},
}

func (k Kind) String() string {
	if n, ok := KindNames[k]; ok {
		return n
	}
	return fmt.Sprintf("kind%d", uint8(k))
}

// ParseKinds reads a comma-separated list of kind names or groups (mmio,
// cfg, dma, frame, error).
func ParseKinds(s string) (map[Kind]bool, error) {
	out := map[Kind]bool{}
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if g, ok := kindGroups[name]; ok {
			for _, k := range g {
				out[k] = true
			}
			continue
		}
		found := false
		for k, n := range KindNames {
			if n == name {
				out[k], found = true, true
			}
		}
		if !found {
			var names []string
			for _, n := range KindNames {
				names = append(names, n)
			}
			for g := range kindGroups {
				names = append(names, g)
			}
			sort.Strings(names)
			return nil, fmt.Errorf("unknown event kind %q (want %s)", name, strings.Join(names, ", "))
		}
	}
	return out, nil
}

// FuncName names a function as the scenario does: pf, vf0, vf1, ...
func FuncName(f uint16) string {
	if f == 0 {
		return "pf"
	}
	return "vf" + strconv.Itoa(int(f)-1)
}

// ParseFunc reads a function name (pf, vfN).
func ParseFunc(s string) (uint16, error) {
	if s == "pf" {
		return 0, nil
	}
	if n, err := strconv.Atoi(strings.TrimPrefix(s, "vf")); err == nil && strings.HasPrefix(s, "vf") && n >= 0 && n < 0xFFFF {
		return uint16(n + 1), nil
	}
	return 0, fmt.Errorf("function %q: want pf or vfN", s)
}

// Filter selects events: a time window [From, To) (To 0: no end), and
// when set, only the functions and kinds listed. Frames on the wire
// belong to no function: a function filter keeps them out.
type Filter struct {
	From, To sim.Time
	Funcs    map[uint16]bool
	Kinds    map[Kind]bool
}

// OfFunction reports whether events of kind k belong to a function (the
// others: frames on the wire, checks, run metadata).
func (k Kind) OfFunction() bool {
	switch k {
	case FrameTx, FrameRx, FrameDrop, Check, Meta:
		return false
	}
	return true
}

// Match reports whether ev passes the filter.
func (f *Filter) Match(ev *Event) bool {
	if ev.Time < f.From || (f.To != 0 && ev.Time >= f.To) {
		return false
	}
	if f.Kinds != nil && !f.Kinds[ev.Kind] {
		return false
	}
	if f.Funcs != nil && (!ev.Kind.OfFunction() || !f.Funcs[ev.Func]) {
		return false
	}
	return true
}

// disorder bounds how far before an already recorded event a later record
// can be: an MMIO write is logged with its arrival at the card, a link
// latency ahead; nothing is logged a millisecond late.
const disorder = sim.Millisecond

// Collect reads the events that pass f, sorted by time (stable: events of
// one time keep their recorded order). Producers record some events at a
// time before ones already recorded (a DMA write is logged when the card
// issues it, its interrupt when it lands), so the file is only nearly in
// time order. limit bounds the events kept (0: no bound). Reading stops
// once the file is past the window's end.
func Collect(r *Reader, f Filter, limit int) ([]*Event, error) {
	// Events of the chunk before the window's can belong in it.
	r.SeekTime(f.From)
	if r.ci > 0 {
		r.ci--
	}
	var out []*Event
	for {
		ev, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return out, err
		}
		if f.Match(ev) {
			out = append(out, ev)
		}
		if f.To != 0 && r.chunks[r.ci].first > f.To+disorder {
			break // this chunk starts past the window, and so do the rest
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time < out[j].Time })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// FormatTime prints a time as microseconds with picosecond digits, so
// columns line up and nothing is rounded.
func FormatTime(t sim.Time) string {
	us := uint64(t) / uint64(sim.Microsecond)
	return fmt.Sprintf("%d.%06dus", us, uint64(t)%uint64(sim.Microsecond))
}

// RegNamer names the register at offset off of function fn's BAR bar
// ("" when it knows none), for the text form of MMIO events.
type RegNamer func(fn uint16, bar uint8, off uint64) string

// String is the event as one line of text: time, function, kind, details.
func (ev *Event) String() string { return ev.Line(nil) }

// Line is String with MMIO registers named by names (nil: offsets only).
func (ev *Event) Line(names RegNamer) string {
	who := "-"
	if ev.Kind.OfFunction() {
		who = FuncName(ev.Func)
	}
	return fmt.Sprintf("%16s  %-4s  %-11s %s", FormatTime(ev.Time), who, ev.Kind, ev.detail(names))
}

func (ev *Event) detail(names RegNamer) string {
	reg := ""
	if names != nil && (ev.Kind == MMIORead || ev.Kind == MMIOWrite) {
		if n := names(ev.Func, ev.Bar, ev.Addr); n != "" {
			reg = " " + n
		}
	}
	switch ev.Kind {
	case MMIORead:
		return fmt.Sprintf("bar%d+0x%04x%s -> 0x%08x", ev.Bar, ev.Addr, reg, ev.Value)
	case MMIOWrite:
		return fmt.Sprintf("bar%d+0x%04x%s <- 0x%08x", ev.Bar, ev.Addr, reg, ev.Value)
	case CfgRead:
		return fmt.Sprintf("cfg 0x%03x -> 0x%08x", ev.Addr, ev.Value)
	case CfgWrite:
		return fmt.Sprintf("cfg 0x%03x <- 0x%08x", ev.Addr, ev.Value)
	case DMARead:
		return fmt.Sprintf("%#x, %d bytes", ev.Addr, ev.Len)
	case DMAWrite:
		return fmt.Sprintf("%#x, %d bytes: % x", ev.Addr, ev.Len, ev.Data[:min(len(ev.Data), 16)])
	case DMAFault:
		dir := "read"
		if ev.Value != 0 {
			dir = "write"
		}
		return fmt.Sprintf("%s of %d bytes at %#x outside the function's domain", dir, ev.Len, ev.Addr)
	case MSIX:
		return fmt.Sprintf("vector %d", ev.Value)
	case FrameTx, FrameRx:
		return fmt.Sprintf("port %d, %d bytes%s", ev.Port, ev.Len, frameHeader(ev.Data))
	case FrameDrop:
		return fmt.Sprintf("port %d, %d bytes: %s", ev.Port, ev.Len, ev.Text)
	case RegChange:
		return fmt.Sprintf("%s (%#x) = %#x", ev.Text, ev.Addr, ev.Value)
	case Check:
		return map[bool]string{true: "PASS ", false: "FAIL "}[ev.Value == 1] + ev.Text
	}
	return ev.Text // DriverLog, ModelError
}

// frameHeader names an Ethernet frame's addresses and type.
func frameHeader(d []byte) string {
	if len(d) < 14 {
		return ""
	}
	return fmt.Sprintf(": %s > %s, type 0x%04x", net.HardwareAddr(d[6:12]), net.HardwareAddr(d[0:6]), uint16(d[12])<<8|uint16(d[13]))
}
