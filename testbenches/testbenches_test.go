package testbenches

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/runner"
	"github.com/nicforge/nicforge/scenario"
)

func TestScenarios(t *testing.T) {
	files, err := filepath.Glob("*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		for _, seed := range []uint64{1, 2} {
			t.Run(f+"/seed"+string(rune('0'+seed)), func(t *testing.T) {
				sc, err := scenario.Load(f)
				require.NoError(t, err)
				r, err := runner.Run(sc, runner.Options{Seed: seed, SeedSet: true})
				require.NoError(t, err)
				for _, c := range r.Checks {
					require.True(t, c.Pass, "%s: %s\nreproduce: go run ./cmd/nicforge run testbenches/%s --seed %d", c.Name, c.Detail, f, seed)
				}
			})
		}
	}
}
