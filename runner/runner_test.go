package runner

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/scenario"
)

func TestDefaultScenario(t *testing.T) {
	r, err := Run(scenario.Default(), Options{})
	require.NoError(t, err)
	r.WriteText(os.Stdout)
	for _, c := range r.Checks {
		require.True(t, c.Pass, "%s: %s", c.Name, c.Detail)
	}
}
