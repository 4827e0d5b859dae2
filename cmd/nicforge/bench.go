package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nicforge/nicforge/report"
	"github.com/nicforge/nicforge/runner"
	"github.com/nicforge/nicforge/scenario"
	"github.com/nicforge/nicforge/verify/perf"
)

func benchCmd(stdout io.Writer) *cobra.Command {
	var (
		function, stream string
		itrs, loads      string
		rxUsecs          string
		duration         time.Duration
		out              string
		seed             uint64
	)
	c := &cobra.Command{
		Use:   "bench [SCENARIO]",
		Short: "Sweep a function's interrupt moderation (EITR, or ENA rx-usecs) against a stream's offered load: table and PNG plots",
		Long: `Run the scenario (the built-in default without an argument) once per
moderation setting × offered load and report, for the function, throughput,
interrupt rate, packets per interrupt and the stream's latency percentiles,
as a table (printed, and bench.csv, bench.json) and PNG plots in --out:
irq_vs_throughput.png (the trade-off each setting makes),
throughput_vs_load.png, latency_vs_load.png.

The setting swept is the 82599's EITR (--itr) on an 82599 card, and the
ENA Rx interrupt delay (--rx-usecs: dynamic for adaptive moderation, or µs)
on an ENA card.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			load := func() (*scenario.Scenario, error) {
				if len(args) == 0 {
					return scenario.Default(), nil
				}
				return scenario.Load(args[0])
			}
			base, err := load()
			if err != nil {
				return &exitError{exitBadInput, err}
			}
			fi, si := -1, -1
			var fnNames, stNames []string
			for i, f := range base.Functions {
				fnNames = append(fnNames, f.Name)
				if f.Name == function {
					fi = i
				}
			}
			for i, t := range base.Traffic {
				stNames = append(stNames, t.Name)
				if t.Name == stream {
					si = i
				}
			}
			if fi < 0 {
				return &exitError{exitBadInput, fmt.Errorf("--function %q: the scenario has %s", function, strings.Join(fnNames, ", "))}
			}
			if si < 0 {
				return &exitError{exitBadInput, fmt.Errorf("--stream %q: the scenario has %s", stream, strings.Join(stNames, ", "))}
			}
			if base.Functions[fi].Polling {
				return &exitError{exitBadInput, fmt.Errorf("--function %s is in mode: poll, so its queue vectors never fire: a moderation sweep needs mode: interrupt", function)}
			}
			ena := base.Card.Personality == "ena"
			switch {
			case ena && c.Flags().Changed("itr"):
				return &exitError{exitBadInput, fmt.Errorf("--itr is the 82599's EITR; on an ENA card sweep --rx-usecs")}
			case !ena && c.Flags().Changed("rx-usecs"):
				return &exitError{exitBadInput, fmt.Errorf("--rx-usecs is ENA moderation; on an 82599 card sweep --itr")}
			}
			var values []float64
			if ena {
				values, err = parseUsecs(rxUsecs)
			} else {
				values, err = parseList("--itr", itrs, true)
			}
			if err != nil {
				return &exitError{exitBadInput, err}
			}
			for _, v := range values {
				if !ena && v != 0 && (v < 8 || v > 4088 || int(v)%8 != 0) {
					return &exitError{exitBadInput, fmt.Errorf("--itr %#x: want dynamic or an EITR value 8..4088 in steps of 8", int(v))}
				}
			}
			pps, err := parseList("--pps", loads, false)
			if err != nil {
				return &exitError{exitBadInput, err}
			}
			if duration < 0 {
				return &exitError{exitBadInput, fmt.Errorf("--duration %v must be positive", duration)}
			}
			sweep := perf.Sweep{
				Param: function + " itr", Values: values, Load: stream + " pps", Loads: pps,
				Function: function, Stream: stream,
				Format: func(v float64) string {
					if v == 0 {
						return "dynamic"
					}
					return fmt.Sprintf("%#x", int(v))
				},
			}
			if ena {
				sweep.Param = function + " rx_usecs"
				sweep.Format = func(v float64) string {
					if v < 0 {
						return "dynamic"
					}
					return fmt.Sprintf("%dus", int(v))
				}
			}
			run := func(itr, pps float64) (*report.Report, error) {
				sc, err := load() // a fresh copy per point: points share nothing
				if err != nil {
					return nil, err
				}
				if ena {
					sc.Functions[fi].RxUsecs = int(itr)
				} else {
					sc.Functions[fi].ITR = int(itr)
				}
				sc.Traffic[si].Rate = scenario.Rate{PacketsPerSec: pps}
				return runner.Run(sc, runner.Options{Duration: duration, Seed: seed, SeedSet: c.Flags().Changed("seed")})
			}
			t, err := perf.Run(sweep, run)
			if err != nil {
				return &exitError{exitInternal, err}
			}
			if err := t.WriteText(stdout); err != nil {
				return &exitError{exitInternal, err}
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return &exitError{exitInternal, err}
			}
			files := []string{filepath.Join(out, "bench.csv"), filepath.Join(out, "bench.json")}
			if err := writeFile(files[0], t.WriteCSV); err != nil {
				return &exitError{exitInternal, err}
			}
			if err := writeFile(files[1], t.WriteJSON); err != nil {
				return &exitError{exitInternal, err}
			}
			plots, err := perf.WritePlots(t, out)
			if err != nil {
				return &exitError{exitInternal, err}
			}
			fmt.Fprintln(stdout)
			for _, f := range append(files, plots...) {
				fmt.Fprintln(stdout, "wrote", f)
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&function, "function", "vf1", "the function whose moderation is swept and measured")
	f.StringVar(&itrs, "itr", "dynamic,0x28,0xC8,0x320", "EITR values to sweep (decimal, 0x hex, or dynamic)")
	f.StringVar(&rxUsecs, "rx-usecs", "dynamic,8,20,64", "ENA: Rx interrupt delays to sweep (dynamic for adaptive moderation, or µs 0..32767)")
	f.StringVar(&stream, "stream", "wire-to-vf1", "the stream whose offered load is swept (and whose latency is measured)")
	f.StringVar(&loads, "pps", "20000,100000,400000,800000", "offered loads, packets per second")
	f.DurationVar(&duration, "duration", 2*time.Millisecond, "measurement window per point")
	f.StringVar(&out, "out", "bench", "directory for the table files and the plots")
	f.Uint64Var(&seed, "seed", 1, "random seed (overrides the scenario's)")
	return c
}

// parseList reads comma-separated numbers (decimal or 0x hex; "dynamic" is
// 0 where allowed).
// parseUsecs reads --rx-usecs: dynamic (-1) or delays in µs.
func parseUsecs(s string) ([]float64, error) {
	var out []float64
	for _, it := range strings.Split(s, ",") {
		it = strings.TrimSpace(it)
		if it == "dynamic" {
			out = append(out, -1)
			continue
		}
		v, err := strconv.Atoi(it)
		if err != nil || v < 0 || v > 0x7FFF {
			return nil, fmt.Errorf("--rx-usecs: %q: want dynamic or a delay in µs 0..32767", it)
		}
		out = append(out, float64(v))
	}
	return out, nil
}

func parseList(flag, s string, dynamic bool) ([]float64, error) {
	var out []float64
	for _, it := range strings.Split(s, ",") {
		it = strings.TrimSpace(it)
		if dynamic && it == "dynamic" {
			out = append(out, 0)
			continue
		}
		if v, err := strconv.ParseInt(it, 0, 64); err == nil && (v > 0 || v == 0 && dynamic) {
			out = append(out, float64(v))
			continue
		}
		v, err := strconv.ParseFloat(it, 64)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("%s: %q is not a positive number", flag, it)
		}
		out = append(out, v)
	}
	return out, nil
}
