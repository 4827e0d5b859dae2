package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nicforge/nicforge/model/ena"
	"github.com/nicforge/nicforge/model/ixgbe"
	"github.com/nicforge/nicforge/model/pcie"
	"github.com/nicforge/nicforge/sim"
	"github.com/nicforge/nicforge/trace"
)

// stdin is what the trace stepper reads its commands from (tests replace it).
var stdin io.Reader = os.Stdin

func traceCmd(stdout io.Writer) *cobra.Command {
	var (
		from, to      time.Duration
		funcs, kinds  string
		limit         int
		summary, step bool
		window        bool
		vcdPath       string
		chromePath    string
		pcapngPath    string
		regs          string
	)
	c := &cobra.Command{
		Use:   "trace FILE",
		Short: "Read a run's trace (nicforge run --trace): list, filter, step through, or convert to VCD and Perfetto JSON",
		Long: `Read a trace file written by nicforge run --trace. Without an output flag
it lists the events, one per line, in time order:

      TIME (µs)       FUNC  KIND        DETAIL
  60318.926921us      vf0   mmio_write  bar0+0x1800 <- 0x40000014

--from/--to select a window of simulated time (times as the listing shows
them, e.g. 60.3ms), --window the run's measurement window, --func and --kind select functions (pf, vf0, ...) and
kinds (mmio_read, mmio_write, cfg_read, cfg_write, dma_read, dma_write,
dma_fault, msix, frame_tx, frame_rx, frame_drop, reg, log, model_error,
check, or the groups mmio, cfg, dma, frame, error).

MMIO accesses name their register (--regs: auto takes the card's
personality from the trace's metadata; ena, ixgbe or none choose).

--summary counts the events by function and kind. --step steps through the
selected events, reading commands: n [K] next, p [K] back, g TIME go to a
time, /TEXT find forward, q quit. --vcd writes a Value Change Dump for
GTKWave or Surfer, --chrome a trace-event JSON for Perfetto, --pcapng the
frames on the wire (their first 64 bytes) for Wireshark.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return &exitError{exitBadInput, err}
			}
			defer f.Close()
			st, err := f.Stat()
			if err != nil {
				return &exitError{exitBadInput, err}
			}
			r, err := trace.Open(f, st.Size())
			if err != nil {
				return &exitError{exitBadInput, fmt.Errorf("%s: %w", args[0], err)}
			}
			if from < 0 || to < 0 || (to != 0 && to <= from) {
				return &exitError{exitBadInput, fmt.Errorf("--from %v --to %v: want 0 <= from < to", from, to)}
			}
			filt := trace.Filter{From: sim.FromDuration(from), To: sim.FromDuration(to)}
			if window {
				if filt.From, filt.To, err = measurementWindow(r); err != nil {
					return &exitError{exitBadInput, fmt.Errorf("--window: %s: %w", args[0], err)}
				}
			}
			if funcs != "" {
				filt.Funcs = map[uint16]bool{}
				for _, name := range strings.Split(funcs, ",") {
					fn, err := trace.ParseFunc(strings.TrimSpace(name))
					if err != nil {
						return &exitError{exitBadInput, fmt.Errorf("--func: %w", err)}
					}
					filt.Funcs[fn] = true
				}
			}
			if kinds != "" {
				if filt.Kinds, err = trace.ParseKinds(kinds); err != nil {
					return &exitError{exitBadInput, fmt.Errorf("--kind: %w", err)}
				}
			}
			if limit < 0 {
				return &exitError{exitBadInput, fmt.Errorf("--limit %d is negative", limit)}
			}
			names, err := regNamer(regs, r)
			if err != nil {
				return &exitError{exitBadInput, err}
			}
			// Conversions and counts take every selected event; a listing
			// stops at --limit.
			keep := limit
			convert := vcdPath != "" || chromePath != "" || pcapngPath != ""
			if summary || convert {
				keep = 0
			}
			events, err := trace.Collect(r, filt, keep)
			if err != nil {
				// A damaged file (a run that crashed mid-write): list what
				// precedes the damage, then say where it is. Conversions
				// write nothing from a partial read.
				err = &exitError{exitBadInput, fmt.Errorf("%s: %w (the events before it are listed)", args[0], err)}
				if convert || step {
					return err
				}
			}
			switch {
			case convert:
				for _, out := range []struct {
					path  string
					write func(io.Writer, []*trace.Event) error
				}{{vcdPath, trace.WriteVCD}, {chromePath, trace.WriteChrome}, {pcapngPath, trace.WritePcapng}} {
					if out.path == "" {
						continue
					}
					if err := writeFile(out.path, func(w io.Writer) error { return out.write(w, events) }); err != nil {
						return &exitError{exitInternal, err}
					}
					fmt.Fprintf(stdout, "wrote %s (%d events)\n", out.path, len(events))
				}
			case summary:
				writeSummary(stdout, events)
			case step:
				return stepThrough(stdout, c.InOrStdin(), events, names)
			default:
				for _, ev := range events {
					fmt.Fprintln(stdout, ev.Line(names))
				}
			}
			return err
		},
	}
	fl := c.Flags()
	fl.DurationVar(&from, "from", 0, "first simulated time to show")
	fl.DurationVar(&to, "to", 0, "show events before this simulated time (0: to the end)")
	fl.BoolVar(&window, "window", false, "show the run's measurement window (from the trace's window=start/end marks)")
	fl.StringVar(&funcs, "func", "", "functions to show, comma-separated (pf, vf0, ...); frames on the wire belong to none")
	fl.StringVar(&kinds, "kind", "", "event kinds or groups to show, comma-separated")
	fl.IntVar(&limit, "limit", 0, "list at most this many events (0: all)")
	fl.BoolVar(&summary, "summary", false, "count the selected events by function and kind")
	fl.BoolVar(&step, "step", false, "step through the selected events with commands read from stdin")
	fl.StringVar(&vcdPath, "vcd", "", "write the selected events as a VCD (GTKWave, Surfer)")
	fl.StringVar(&chromePath, "chrome", "", "write the selected events as Chrome trace-event JSON (Perfetto)")
	fl.StringVar(&pcapngPath, "pcapng", "", "write the selected frames on the wire as pcapng (Wireshark)")
	fl.StringVar(&regs, "regs", "auto", "name MMIO registers: auto, ena, ixgbe or none")
	c.MarkFlagsMutuallyExclusive("window", "from")
	c.MarkFlagsMutuallyExclusive("window", "to")
	// One thing at a time: a listing, a summary, stepping, or conversions
	// (which may be combined).
	for _, out := range []string{"vcd", "chrome", "pcapng"} {
		c.MarkFlagsMutuallyExclusive("summary", "step", out)
		c.MarkFlagsMutuallyExclusive("limit", out)
	}
	return c
}

func writeSummary(w io.Writer, events []*trace.Event) {
	if len(events) == 0 {
		fmt.Fprintln(w, "no events selected")
		return
	}
	type key struct {
		who  string
		kind trace.Kind
	}
	counts := map[key]int{}
	for _, ev := range events {
		who := "-"
		if ev.Kind.OfFunction() {
			who = trace.FuncName(ev.Func)
		}
		counts[key{who, ev.Kind}]++
	}
	keys := make([]key, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].who != keys[j].who {
			return keys[i].who < keys[j].who
		}
		return keys[i].kind < keys[j].kind
	})
	fmt.Fprintf(w, "%d events from %s to %s\n", len(events), trace.FormatTime(events[0].Time), trace.FormatTime(events[len(events)-1].Time))
	for _, k := range keys {
		fmt.Fprintf(w, "  %-4s  %-11s %8d\n", k.who, k.kind, counts[k])
	}
}

// stepCommand is one stepper command: n, p (with a count), g (a time),
// / (a text), q.
type stepCommand struct {
	op    byte
	count int
	at    sim.Time
	text  string
}

// parseStepCommand reads one line of the stepper's input. An empty line
// is "n 1".
func parseStepCommand(line string) (stepCommand, error) {
	line = strings.TrimSpace(line)
	if line == "" {
		return stepCommand{op: 'n', count: 1}, nil
	}
	if strings.HasPrefix(line, "/") {
		if len(line) == 1 {
			return stepCommand{}, errors.New("/ needs a text to find")
		}
		return stepCommand{op: '/', text: line[1:]}, nil
	}
	op, arg, _ := strings.Cut(line, " ")
	arg = strings.TrimSpace(arg)
	switch op {
	case "n", "next", "p", "prev":
		k := 1
		if arg != "" {
			var err error
			if k, err = strconv.Atoi(arg); err != nil || k < 1 {
				return stepCommand{}, fmt.Errorf("%s %q: want a positive count", op, arg)
			}
		}
		return stepCommand{op: op[0], count: k}, nil
	case "g", "go":
		d, err := time.ParseDuration(strings.ReplaceAll(arg, "µ", "u"))
		if err != nil || d < 0 {
			return stepCommand{}, fmt.Errorf("g %q: want a time like 60.3ms", arg)
		}
		return stepCommand{op: 'g', at: sim.FromDuration(d)}, nil
	case "q", "quit":
		return stepCommand{op: 'q'}, nil
	}
	return stepCommand{}, fmt.Errorf("unknown command %q (n [K], p [K], g TIME, /TEXT, q)", line)
}

// stepThrough runs the stepper: a cursor over events, moved by commands.
// Each command prints the events it moves over, with their index.
func stepThrough(w io.Writer, in io.Reader, events []*trace.Event, names trace.RegNamer) error {
	fmt.Fprintf(w, "%d events; n [K] next, p [K] back, g TIME, /TEXT, q\n", len(events))
	show := func(i int) { fmt.Fprintf(w, "#%-6d %s\n", i, events[i].Line(names)) }
	cur := -1 // before the first event
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		cmd, err := parseStepCommand(sc.Text())
		if err != nil {
			fmt.Fprintln(w, "?", err)
			continue
		}
		switch cmd.op {
		case 'q':
			return nil
		case 'n':
			if cur+1 >= len(events) {
				fmt.Fprintln(w, "end of the selection")
				continue
			}
			for k := 0; k < cmd.count && cur+1 < len(events); k++ {
				cur++
				show(cur)
			}
		case 'p':
			if cur <= 0 {
				fmt.Fprintln(w, "start of the selection")
				continue
			}
			stop := max(cur-cmd.count, 0)
			for i := stop; i < cur; i++ {
				show(i)
			}
			cur = stop
		case 'g':
			i := sort.Search(len(events), func(i int) bool { return events[i].Time >= cmd.at })
			if i == len(events) {
				fmt.Fprintf(w, "no event at or after %s\n", trace.FormatTime(cmd.at))
				continue
			}
			cur = i
			show(cur)
		case '/':
			found := false
			for i := cur + 1; i < len(events); i++ {
				if strings.Contains(events[i].Line(names), cmd.text) {
					cur, found = i, true
					show(cur)
					break
				}
			}
			if !found {
				fmt.Fprintf(w, "%q not found after #%d\n", cmd.text, cur)
			}
		}
	}
	return sc.Err()
}

// regNamer picks the register names for MMIO events: a personality's, or
// with auto the one the trace's metadata names.
func regNamer(choice string, r *trace.Reader) (trace.RegNamer, error) {
	byPersonality := map[string]func(pcie.Func, int, uint32) string{"ena": ena.RegName, "ixgbe": ixgbe.RegName}
	if choice == "auto" {
		choice = "none"
		r.SeekTime(0)
	scan:
		for i := 0; i < 100000; i++ {
			ev, err := r.Next()
			if err != nil {
				break // a damaged file is Collect's to report
			}
			if ev.Kind == trace.Meta && strings.HasPrefix(ev.Text, "personality=") {
				if p := strings.TrimPrefix(ev.Text, "personality="); byPersonality[p] != nil {
					choice = p
				}
				break scan
			}
			if ev.Time > 0 {
				break // the run's description comes first
			}
		}
	}
	if choice == "none" {
		return nil, nil
	}
	name, ok := byPersonality[choice]
	if !ok {
		return nil, fmt.Errorf("--regs %q: want auto, ena, ixgbe or none", choice)
	}
	return func(fn uint16, bar uint8, off uint64) string {
		if off > 0xFFFFFFFF {
			return ""
		}
		return name(pcie.Func(fn), int(bar), uint32(off))
	}, nil
}

// measurementWindow finds the window=start and window=end marks a run
// records at the edges of its measurement window.
func measurementWindow(r *trace.Reader) (from, to sim.Time, err error) {
	found := 0
	r.SeekTime(0)
	for {
		ev, err := r.Next()
		if err != nil {
			break
		}
		if ev.Kind != trace.Meta {
			continue
		}
		switch ev.Text {
		case "window=start":
			from, found = ev.Time, found|1
		case "window=end":
			to, found = ev.Time, found|2
		}
		if found == 3 {
			return from, to + 1, nil // the end edge's own events included
		}
	}
	return 0, 0, errors.New("no window=start and window=end marks (a trace from before they were recorded, or a run that ended early)")
}
