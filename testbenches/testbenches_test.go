package testbenches

import (
	"flag"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/runner"
	"github.com/nicforge/nicforge/scenario"
)

// seeds is how many seeds each testbench runs. CI keeps the default; a
// long regression asks for more: go test ./testbenches/ -args -seeds 200
// (or nicforge regress, which also runs in parallel and shards).
var seeds = flag.Int("seeds", 2, "seeds per testbench")

func TestScenarios(t *testing.T) {
	files, err := filepath.Glob("*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		sc, err := scenario.Load(f)
		require.NoError(t, err, f)
		for seed := uint64(1); seed <= uint64(*seeds); seed++ {
			t.Run(fmt.Sprintf("%s/seed%d", f, seed), func(t *testing.T) {
				r, err := runner.Run(sc, runner.Options{Seed: seed, SeedSet: true})
				require.NoError(t, err, "reproduce: go run ./cmd/nicforge run testbenches/%s --seed %d", f, seed)
				for _, c := range r.Checks {
					require.True(t, c.Pass, "%s: %s\nreproduce: go run ./cmd/nicforge run testbenches/%s --seed %d", c.Name, c.Detail, f, seed)
				}
			})
		}
	}
}
