package runner

import (
	"testing"
	"time"

	"github.com/nicforge/nicforge/scenario"
)

func TestZProfile(t *testing.T) {
	p, _ := NewPlan(scenario.Default(), Options{Duration: 40 * time.Millisecond})
	RunPlan(p, Options{})
}
