package trace

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"

	"github.com/nicforge/nicforge/sim"
)

// WriteVCD writes events (in time order, as Collect returns them) as a
// Value Change Dump for GTKWave or Surfer, at 1 ps resolution. Each
// function is a scope; events become signals a waveform viewer can show:
//
//	mmio_wr_addr, mmio_wr_data   the last MMIO write (bar offset, value)
//	mmio_rd_addr, mmio_rd_data   the last MMIO read and what it returned
//	dma_rd_bytes, dma_wr_bytes   bytes the card read and wrote, cumulative
//	msix_vN                      messages on vector N, counting
//	model_errors, dma_faults     bad input the card flagged, counting
//	uplink.tx_frames, rx_frames  frames on the wire, counting
//	uplink.tx_len, rx_len        the last frame's length
//
// Counters change at every event, so each one shows as an edge.
func WriteVCD(w io.Writer, events []*Event) error {
	type sig struct {
		scope, name string
		width       int
		id          string
		val         uint64
	}
	sigs := map[[2]string]*sig{}
	var order []*sig
	get := func(scope, name string, width int) *sig {
		k := [2]string{scope, name}
		s := sigs[k]
		if s == nil {
			s = &sig{scope: scope, name: name, width: width}
			sigs[k] = s
			order = append(order, s)
		}
		return s
	}
	// changes lists, per event, the signals it sets.
	type change struct {
		s *sig
		v uint64
	}
	type step struct {
		at      sim.Time
		changes []change
	}
	var steps []step
	for _, ev := range events {
		fn := FuncName(ev.Func)
		var ch []change
		set := func(name string, width int, v uint64) { ch = append(ch, change{get(fn, name, width), v}) }
		add := func(scope, name string, d uint64) {
			s := get(scope, name, 64)
			s.val += d
			ch = append(ch, change{s, s.val})
		}
		switch ev.Kind {
		case MMIOWrite:
			set("mmio_wr_addr", 32, ev.Addr)
			set("mmio_wr_data", 32, ev.Value)
		case MMIORead:
			set("mmio_rd_addr", 32, ev.Addr)
			set("mmio_rd_data", 32, ev.Value)
		case DMARead:
			add(fn, "dma_rd_bytes", uint64(ev.Len))
		case DMAWrite:
			add(fn, "dma_wr_bytes", uint64(ev.Len))
		case MSIX:
			add(fn, "msix_v"+strconv.FormatUint(ev.Value, 10), 1)
		case ModelError:
			add(fn, "model_errors", 1)
		case DMAFault:
			add(fn, "dma_faults", 1)
		case FrameTx:
			add("uplink", "tx_frames", 1)
			ch = append(ch, change{get("uplink", "tx_len", 16), uint64(ev.Len)})
		case FrameRx:
			add("uplink", "rx_frames", 1)
			ch = append(ch, change{get("uplink", "rx_len", 16), uint64(ev.Len)})
		case FrameDrop:
			add("uplink", "drops", 1)
		default:
			continue // logs, config cycles, checks: text, not waves
		}
		steps = append(steps, step{ev.Time, ch})
	}
	// Identifiers in declaration order, scopes and names sorted.
	sort.SliceStable(order, func(i, j int) bool {
		if order[i].scope != order[j].scope {
			return scopeLess(order[i].scope, order[j].scope)
		}
		return order[i].name < order[j].name
	})
	for i, s := range order {
		s.id = vcdID(i)
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "$date nicforge trace $end\n$version nicforge $end\n$timescale 1ps $end\n$scope module card $end\n")
	scope := ""
	for _, s := range order {
		if s.scope != scope {
			if scope != "" {
				fmt.Fprintf(bw, "$upscope $end\n")
			}
			scope = s.scope
			fmt.Fprintf(bw, "$scope module %s $end\n", scope)
		}
		fmt.Fprintf(bw, "$var wire %d %s %s $end\n", s.width, s.id, s.name)
	}
	if scope != "" {
		fmt.Fprintf(bw, "$upscope $end\n")
	}
	fmt.Fprintf(bw, "$upscope $end\n$enddefinitions $end\n")
	// Everything starts at zero, or at what events at time 0 set; then the
	// changes, one timestamp per time.
	init := map[*sig]uint64{}
	for len(steps) > 0 && steps[0].at == 0 {
		for _, c := range steps[0].changes {
			init[c.s] = c.v
		}
		steps = steps[1:]
	}
	fmt.Fprintf(bw, "#0\n$dumpvars\n")
	for _, s := range order {
		fmt.Fprintf(bw, "b%s %s\n", strconv.FormatUint(init[s]&mask(s.width), 2), s.id)
	}
	fmt.Fprintf(bw, "$end\n")
	last := sim.Time(0)
	for _, st := range steps {
		if st.at != last {
			if st.at < last {
				return fmt.Errorf("trace: VCD needs events in time order (%v after %v)", st.at, last)
			}
			fmt.Fprintf(bw, "#%d\n", uint64(st.at))
			last = st.at
		}
		for _, c := range st.changes {
			fmt.Fprintf(bw, "b%s %s\n", strconv.FormatUint(c.v&mask(c.s.width), 2), c.s.id)
		}
	}
	return bw.Flush()
}

func mask(width int) uint64 {
	if width >= 64 {
		return ^uint64(0)
	}
	return 1<<width - 1
}

// scopeLess orders pf, vf0, vf1, ..., vf10, then uplink.
func scopeLess(a, b string) bool {
	rank := func(s string) (int, int) {
		switch {
		case s == "pf":
			return 0, 0
		case s == "uplink":
			return 2, 0
		}
		n, _ := strconv.Atoi(s[2:])
		return 1, n
	}
	ra, na := rank(a)
	rb, nb := rank(b)
	return ra < rb || ra == rb && na < nb
}

// vcdID is the i-th short identifier from the printable range VCD allows.
func vcdID(i int) string {
	const first, n = '!', '~' - '!' + 1
	id := []byte{byte(first + i%n)}
	for i /= n; i > 0; i /= n {
		i--
		id = append(id, byte(first+i%n))
	}
	return string(id)
}
