package runner

import (
	"testing"

	"github.com/nicforge/nicforge/scenario"
)

func BenchmarkZIdle(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sc, err := scenario.Load("/tmp/idle.yaml")
		if err != nil {
			b.Fatal(err)
		}
		Run(sc, Options{})
	}
}
