package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/nicforge/nicforge/report"
	"github.com/nicforge/nicforge/runner"
	"github.com/nicforge/nicforge/scenario"
	"github.com/nicforge/nicforge/verify/regress"
)

func regressCmd(stdout, stderr io.Writer) *cobra.Command {
	var (
		seeds     int
		jobs      int
		shard     string
		shards    int
		junitPath string
		jsonPath  string
		covPath   string
	)
	c := &cobra.Command{
		Use:   "regress [PATHS...]",
		Short: "Run every testbench × seed in parallel, optionally one shard, with JUnit XML and a JSON summary",
		Long: `Run every testbench (scenario file, or directory of them; default testbenches/)
for seeds 1..N on J workers. --shard i/n runs a deterministic slice: the n
shards together run every job exactly once. On a Kubernetes Indexed Job,
give --shards n and each pod takes JOB_COMPLETION_INDEX as its shard.`,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = []string{"testbenches"}
			}
			all, err := regress.Plan(args, seeds)
			if err != nil {
				return &exitError{exitBadInput, err}
			}
			i, n := 1, 1
			switch {
			case shard != "":
				if i, n, err = regress.ParseShard(shard); err != nil {
					return &exitError{exitBadInput, err}
				}
			case shards > 0:
				idx, ok, err := regress.ShardFromEnv(shards)
				if err != nil {
					return &exitError{exitBadInput, err}
				}
				if !ok {
					return &exitError{exitBadInput, errors.New("--shards needs JOB_COMPLETION_INDEX (a Kubernetes Indexed Job sets it); use --shard i/n otherwise")}
				}
				i, n = idx, shards
			}
			todo := regress.Shard(all, i, n)
			// Bad scenarios are bad input before anything runs.
			loaded := map[string]*scenario.Scenario{}
			for _, j := range todo {
				if loaded[j.Path] == nil {
					sc, err := scenario.Load(j.Path)
					if err != nil {
						return &exitError{exitBadInput, err}
					}
					loaded[j.Path] = sc
				}
			}
			run := func(j regress.Job) (*report.Report, error) {
				return runner.Run(loaded[j.Path], runner.Options{Seed: j.Seed, SeedSet: true})
			}
			fmt.Fprintf(stderr, "regress: %d jobs (shard %d/%d of %d) on %d workers\n", len(todo), i, n, len(all), jobs)
			results := regress.Run(todo, jobs, run, stderr, isTerminal(stderr))
			sum := regress.Summarize(results)
			if n > 1 {
				sum.Shard = fmt.Sprintf("%d/%d", i, n)
			}
			if err := writeFile(junitPath, func(w io.Writer) error { return regress.WriteJUnit(w, results) }); err != nil {
				return &exitError{exitInternal, err}
			}
			if err := writeFile(jsonPath, sum.WriteJSON); err != nil {
				return &exitError{exitInternal, err}
			}
			if covPath != "" {
				if err := sum.Coverage.Save(covPath); err != nil {
					return &exitError{exitInternal, err}
				}
			}
			for _, r := range results {
				if r.Pass {
					continue
				}
				why := r.Error
				if why == "" {
					why = r.Failures[0]
				}
				fmt.Fprintf(stdout, "FAIL %s seed %d: %s\n     reproduce: %s\n", r.Testbench, r.Seed, why, r.Reproduce())
			}
			fmt.Fprintf(stdout, "%d jobs: %d passed, %d failed, %d errors; coverage %d of %d bins (%.1f%%)\n",
				sum.Total, sum.Passed, sum.Failed, sum.Errors, sum.Coverage.Hit(), sum.Coverage.Bins(), sum.Coverage.Percent())
			if sum.Passed != sum.Total {
				return &exitError{exitFail, errors.New("regression failed")}
			}
			return nil
		},
	}
	f := c.Flags()
	f.IntVar(&seeds, "seeds", 2, "seeds per testbench (1..N)")
	f.IntVar(&jobs, "jobs", runtime.GOMAXPROCS(0), "parallel workers")
	f.StringVar(&shard, "shard", "", "run shard i of n (i/n)")
	f.IntVar(&shards, "shards", 0, "shard count; the shard index comes from JOB_COMPLETION_INDEX (Kubernetes Indexed Job)")
	f.StringVar(&junitPath, "junit", "", "write JUnit XML here")
	f.StringVar(&jsonPath, "json", "", "write the JSON summary (with merged coverage) here")
	f.StringVar(&covPath, "coverage", "", "write the merged coverage database here")
	return c
}

func coverageCmd(stdout io.Writer) *cobra.Command {
	c := &cobra.Command{Use: "coverage", Short: "Merge and report functional coverage"}
	var out string
	merge := &cobra.Command{
		Use:   "merge FILES...",
		Short: "Merge coverage from regress summaries (--json) or coverage files (--coverage), and list the holes",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			db, err := regress.LoadCoverage(args[0])
			if err != nil {
				return &exitError{exitBadInput, err}
			}
			for _, p := range args[1:] {
				more, err := regress.LoadCoverage(p)
				if err != nil {
					return &exitError{exitBadInput, err}
				}
				db.Merge(more)
			}
			if out != "" {
				if err := db.Save(out); err != nil {
					return &exitError{exitInternal, err}
				}
			}
			if err := db.WriteReport(stdout); err != nil {
				return &exitError{exitInternal, err}
			}
			return nil
		},
	}
	merge.Flags().StringVarP(&out, "output", "o", "", "write the merged coverage here")
	c.AddCommand(merge)
	return c
}

// writeFile writes path with fn, or does nothing for an empty path.
func writeFile(path string, fn func(io.Writer) error) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
