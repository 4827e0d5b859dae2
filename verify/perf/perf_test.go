package perf

import (
	"bytes"
	"errors"
	"image/png"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/report"
)

// fake reports: interrupts capped at 1e6/param per second, latency growing
// with the parameter.
func fake(param, load float64) (*report.Report, error) {
	irq := min(load, 1e6/param)
	return &report.Report{Pass: true,
		Functions: []report.Function{{Name: "vf1", RxPPS: load, RxPackets: 100, RxBytes: 100 * 1518, InterruptsPerSec: irq}},
		Streams:   []report.Stream{{Name: "s", Latency: &report.Latency{P50NS: param * 100, P90NS: param * 150, P99NS: param * 200}}},
	}, nil
}

func TestRunMeasuresEveryPointInOrder(t *testing.T) {
	s := Sweep{Param: "itr", Values: []float64{10, 100}, Load: "pps", Loads: []float64{1e3, 1e5}, Function: "vf1", Stream: "s"}
	tbl, err := Run(s, fake)
	require.NoError(t, err)
	require.Len(t, tbl.Rows, 4)
	r := tbl.Rows[1]
	require.Equal(t, [2]float64{10, 1e5}, [2]float64{r.Param, r.Load})
	require.Equal(t, 1e5, r.ThroughputPPS)
	require.InDelta(t, 1e5*8*1518, r.ThroughputBPS, 1)
	require.Equal(t, 1e5, r.InterruptRate)
	require.Equal(t, 1.0, r.PktsPerIRQ)
	require.Equal(t, 2000.0, r.LatencyP99NS)
	require.Equal(t, 1e4, tbl.Rows[3].InterruptRate, "capped by the larger setting")

	mean, std := tbl.Summary(100, func(r Row) float64 { return r.InterruptRate })
	require.Equal(t, (1e3+1e4)/2, mean)
	require.Greater(t, std, 0.0)

	var txt, csvb, js bytes.Buffer
	require.NoError(t, tbl.WriteText(&txt))
	require.NoError(t, tbl.WriteCSV(&csvb))
	require.NoError(t, tbl.WriteJSON(&js))
	require.Equal(t, 5, strings.Count(txt.String(), "\n"))
	require.True(t, strings.HasPrefix(csvb.String(), "itr,pps,throughput_pps"))
	require.Contains(t, js.String(), `"interrupts_per_sec": 10000`)

	dir := t.TempDir()
	paths, err := WritePlots(tbl, dir)
	require.NoError(t, err)
	require.Len(t, paths, 3)
	for _, p := range paths {
		f, err := os.Open(p)
		require.NoError(t, err)
		_, err = png.Decode(f)
		f.Close()
		require.NoError(t, err, p)
	}
}

func TestRunErrors(t *testing.T) {
	_, err := Run(Sweep{Param: "itr", Load: "pps"}, fake)
	require.ErrorContains(t, err, "needs values and loads")
	_, err = Run(Sweep{Param: "itr", Values: []float64{1}, Load: "pps", Loads: []float64{1}, Function: "vf7"}, fake)
	require.ErrorContains(t, err, `itr = 1, pps = 1: the report has no function "vf7"`)
	_, err = Run(Sweep{Param: "itr", Values: []float64{1}, Load: "pps", Loads: []float64{1}, Function: "vf1"},
		func(float64, float64) (*report.Report, error) { return nil, errors.New("boom") })
	require.ErrorContains(t, err, "boom")
}
