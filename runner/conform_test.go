package runner

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestModelConforms(t *testing.T) {
	reps, err := Conform(ConformOptions{Elements: 4})
	require.NoError(t, err)
	require.Len(t, reps, 3)
	for _, r := range reps {
		require.True(t, r.Passed(), "%s %s: %v", r.Function, r.Block, r.Failures)
		require.Greater(t, r.Checks, 50)
	}
}
