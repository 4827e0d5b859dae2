package runner

import (
	"fmt"
	"testing"
	"time"

	"github.com/nicforge/nicforge/scenario"
)

// BenchmarkDefaultScenario runs the default scenario end to end (bring-up,
// 1 ms of traffic, drain) and reports simulated packets per wall-clock
// second and the slowdown against real time.
//
//	go test -run xxx -bench DefaultScenario ./runner/
func BenchmarkDefaultScenario(b *testing.B) {
	benchScenario(b, 0)
}

// BenchmarkDefaultSteady is the same with a 10 ms window, so the traffic
// phase dominates the fixed bring-up cost.
func BenchmarkDefaultSteady(b *testing.B) {
	benchScenario(b, 10*time.Millisecond)
}

// BenchmarkENADefault runs testbenches/ena_default.yaml: an ENA VF with 4
// queue pairs at 100 Gb/s line rate with RSS over 16 flows.
//
//	go test -run xxx -bench ENADefault ./runner/
func BenchmarkENADefault(b *testing.B) {
	sc, err := scenario.Load("../testbenches/ena_default.yaml")
	if err != nil {
		b.Fatal(err)
	}
	benchRun(b, sc, 0)
}

// BenchmarkENARingDepth is ena_default with shallower Tx and Rx rings (the
// testbench keeps ENA's default of 1,024): a line-rate sender keeps its
// rings full, so the depth sets how much host memory is in flight between
// the application's fill and the card's DMA, which is what the simulation
// speed is most sensitive to after its instruction count.
//
//	go test -run xxx -bench ENARingDepth -cpu 1 ./runner/
func BenchmarkENARingDepth(b *testing.B) {
	for _, depth := range []int{256, 1024} {
		b.Run(fmt.Sprintf("ring=%d", depth), func(b *testing.B) {
			sc, err := scenario.Load("../testbenches/ena_default.yaml")
			if err != nil {
				b.Fatal(err)
			}
			for i := range sc.Functions {
				sc.Functions[i].TxRing, sc.Functions[i].RxRing = depth, depth
			}
			benchRun(b, sc, 0)
		})
	}
}

func benchScenario(b *testing.B, window time.Duration) {
	benchRun(b, scenario.Default(), window)
}

func benchRun(b *testing.B, sc *scenario.Scenario, window time.Duration) {
	var pkts uint64
	var simNS, wallNS float64
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		r, err := Run(sc, Options{Duration: window})
		if err != nil {
			b.Fatal(err)
		}
		wallNS += float64(time.Since(start))
		simNS += float64(r.SimTimeNS)
		for _, f := range r.Functions {
			pkts += f.TxPackets + f.RxPackets
		}
		if !r.Pass {
			b.Fatalf("run failed: %+v", r.Checks)
		}
	}
	b.ReportMetric(float64(pkts)/(wallNS/1e9), "sim-pkts/s")
	b.ReportMetric(wallNS/simNS, "slowdown")
}
