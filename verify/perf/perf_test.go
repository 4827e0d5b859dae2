package perf

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
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
		img, err := png.Decode(f)
		f.Close()
		require.NoError(t, err, p)
		require.Positive(t, img.Bounds().Dx(), p)
		require.Positive(t, img.Bounds().Dy(), p)
	}
}

// Rows come parameter-major, loads in the order given (not sorted), so a
// sweep's table and plots are the same on every run.
func TestRunOrderIsParamMajorAsGiven(t *testing.T) {
	var calls [][2]float64
	record := func(param, load float64) (*report.Report, error) {
		calls = append(calls, [2]float64{param, load})
		return fake(param, load)
	}
	s := Sweep{Param: "itr", Values: []float64{800, 40}, Load: "pps", Loads: []float64{4e5, 5e4}, Function: "vf1"}
	tbl, err := Run(s, record)
	require.NoError(t, err)
	want := [][2]float64{{800, 4e5}, {800, 5e4}, {40, 4e5}, {40, 5e4}}
	require.Equal(t, want, calls)
	for i, r := range tbl.Rows {
		require.Equal(t, want[i], [2]float64{r.Param, r.Load}, "row %d", i)
		require.Zero(t, r.LatencyP99NS, "row %d: no stream named, no latency", i)
	}
}

func TestTableFiles(t *testing.T) {
	s := Sweep{Param: "itr", Values: []float64{0, 40}, Load: "pps", Loads: []float64{1e3}, Function: "vf1", Stream: "s",
		Format: func(v float64) string {
			if v == 0 {
				return "dynamic"
			}
			return fmt.Sprintf("%#x", int(v))
		}}
	tbl, err := Run(s, func(param, load float64) (*report.Report, error) {
		return &report.Report{Pass: param != 0,
			Functions: []report.Function{{Name: "vf1", RxPPS: load, TxPPS: 500, RxPackets: 10, RxBytes: 640, InterruptsPerSec: 250}},
			Streams:   []report.Stream{{Name: "s", Latency: &report.Latency{P50NS: 1500, P90NS: 2000, P99NS: 2500}}},
		}, nil
	})
	require.NoError(t, err)

	var csvb bytes.Buffer
	require.NoError(t, tbl.WriteCSV(&csvb))
	require.Equal(t, "itr,pps,throughput_pps,throughput_bps,interrupts_per_sec,packets_per_interrupt,latency_p50_ns,latency_p90_ns,latency_p99_ns,pass\n"+
		"dynamic,1000,1500,768000,250,6,1500,2000,2500,false\n"+
		"0x28,1000,1500,768000,250,6,1500,2000,2500,true\n", csvb.String())

	var js bytes.Buffer
	require.NoError(t, tbl.WriteJSON(&js))
	var decoded struct {
		Param, Load string
		Rows        []Row
	}
	require.NoError(t, json.Unmarshal(js.Bytes(), &decoded))
	require.Equal(t, "itr", decoded.Param)
	require.Equal(t, "pps", decoded.Load)
	require.Equal(t, tbl.Rows, decoded.Rows)

	var txt bytes.Buffer
	require.NoError(t, tbl.WriteText(&txt))
	lines := strings.Split(strings.TrimSuffix(txt.String(), "\n"), "\n")
	require.Len(t, lines, 3)
	require.Equal(t, len(lines[0]), len(lines[1]), "aligned columns:\n%s", txt.String())
	require.Contains(t, lines[2], "0x28")
	require.Contains(t, lines[2], "2.50", "p99 in µs")
}

// Plots are byte-identical run to run, and the latency plot is written
// even when no point measured latency.
func TestWritePlotsDeterministicWithoutLatency(t *testing.T) {
	s := Sweep{Param: "itr", Values: []float64{40, 800}, Load: "pps", Loads: []float64{1e3, 1e5}, Function: "vf1"}
	tbl, err := Run(s, fake)
	require.NoError(t, err)
	a, b := t.TempDir(), t.TempDir()
	pa, err := WritePlots(tbl, a)
	require.NoError(t, err)
	pb, err := WritePlots(tbl, b)
	require.NoError(t, err)
	require.Len(t, pb, len(pa))
	for i := range pa {
		x, err := os.ReadFile(pa[i])
		require.NoError(t, err)
		y, err := os.ReadFile(pb[i])
		require.NoError(t, err)
		require.Equal(t, filepath.Base(pa[i]), filepath.Base(pb[i]))
		require.True(t, bytes.Equal(x, y), "%s differs between two writes", filepath.Base(pa[i]))
		_, err = png.Decode(bytes.NewReader(x))
		require.NoError(t, err, pa[i])
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
