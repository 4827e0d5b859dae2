package main

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/nicforge/nicforge/runner"
	"github.com/nicforge/nicforge/scenario"
)

// Exit codes.
const (
	exitPass     = 0
	exitFail     = 1
	exitBadInput = 2
	exitInternal = 3
)

// version is the CLI's version.
const version = "0.1.0"

// exitError carries an exit code out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

func execute(args []string, stdout, stderr io.Writer) int {
	root := &cobra.Command{
		Use:           "nicforge",
		Short:         "Describe, simulate and verify a Nitro-style network offload card",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetIn(stdin)
	root.SetArgs(args)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitError{exitBadInput, fmt.Errorf("%w\n%s", err, c.UsageString())}
	})
	root.AddCommand(runCmd(stdout), conformCmd(stdout), regressCmd(stdout, stderr), coverageCmd(stdout), benchCmd(stdout), traceCmd(stdout), &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Run:   func(c *cobra.Command, _ []string) { fmt.Fprintln(stdout, "nicforge", version) },
	})
	err := root.Execute()
	if err == nil {
		return exitPass
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.code != exitFail {
			fmt.Fprintln(stderr, "nicforge:", ee.err)
		}
		return ee.code
	}
	// Cobra's own errors (unknown command, bad arguments) are bad input.
	fmt.Fprintln(stderr, "nicforge:", err)
	return exitBadInput
}

func runCmd(stdout io.Writer) *cobra.Command {
	var (
		seed       uint64
		duration   time.Duration
		asJSON     bool
		tracePath  string
		pcapPath   string
		exactTicks bool
		mutation   string
	)
	c := &cobra.Command{
		Use:   "run [SCENARIO]",
		Short: "Run a scenario (the built-in default without an argument)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			var sc *scenario.Scenario
			if len(args) == 0 {
				sc = scenario.Default()
			} else {
				var err error
				if sc, err = scenario.Load(args[0]); err != nil {
					return &exitError{exitBadInput, err}
				}
			}
			opt := runner.Options{Duration: duration, TracePath: tracePath, PcapPath: pcapPath, ExactTicks: exactTicks, Mutation: mutation}
			if c.Flags().Changed("seed") {
				opt.Seed, opt.SeedSet = seed, true
			}
			if duration < 0 {
				return &exitError{exitBadInput, fmt.Errorf("--duration %v must be positive", duration)}
			}
			if err := runner.CheckMutation(mutation); err != nil {
				return &exitError{exitBadInput, err}
			}
			r, err := runner.Run(sc, opt)
			if err != nil {
				return &exitError{exitInternal, err}
			}
			if asJSON {
				err = r.WriteJSON(stdout)
			} else {
				err = r.WriteText(stdout)
			}
			if err != nil {
				return &exitError{exitInternal, err}
			}
			if !r.Pass {
				return &exitError{exitFail, errors.New("an expectation failed")}
			}
			return nil
		},
	}
	f := c.Flags()
	f.Uint64Var(&seed, "seed", 1, "random seed (overrides the scenario's)")
	f.DurationVar(&duration, "duration", 0, "measurement window (overrides the scenario's)")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	f.StringVar(&tracePath, "trace", "", "record the event trace to this file")
	f.StringVar(&pcapPath, "pcap", "", "write every frame crossing the uplink to this pcap")
	f.BoolVar(&exactTicks, "exact-ticks", false, "tick every component on every edge (no idle skipping)")
	f.StringVar(&mutation, "mutate", "", "inject a deliberate bug into the model or the VF drivers, to see a checker catch it (stale_dd, drop_frame, tail_beyond_ring, ...)")
	return c
}

func conformCmd(stdout io.Writer) *cobra.Command {
	var function, personality string
	var elements int
	c := &cobra.Command{
		Use:   "conform",
		Short: "Register conformance (reset values, bit-bash, access policies) on every function of the card",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			reps, err := runner.Conform(runner.ConformOptions{Function: function, Elements: elements, Personality: personality})
			if err != nil {
				return &exitError{exitBadInput, err}
			}
			pass := true
			for _, r := range reps {
				verdict := "PASS"
				if !r.Passed() {
					verdict, pass = "FAIL", false
				}
				fmt.Fprintf(stdout, "%s  %-4s %-9s %4d registers %6d checks\n", verdict, r.Function, r.Block, r.Registers, r.Checks)
				for _, f := range r.Failures {
					fmt.Fprintln(stdout, "      ", f.Error())
				}
			}
			if !pass {
				return &exitError{exitFail, errors.New("conformance failed")}
			}
			return nil
		},
	}
	c.Flags().StringVar(&function, "function", "", "only this function (pf, vf0, ...)")
	c.Flags().IntVar(&elements, "elements", 0, "array elements tested per register (0 = all)")
	c.Flags().StringVar(&personality, "personality", "ixgbe", "the card: ixgbe (PF and VFs) or ena (PF, its card_pf block, VFs)")
	return c
}
