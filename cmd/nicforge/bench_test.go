package main

import (
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// The acceptance of nicforge bench: PNG plots of the interrupt-rate versus
// throughput trade-off of the moderation setting it swept, and the data
// shows that trade-off.
func TestBenchPlotsTheModerationTradeOff(t *testing.T) {
	dir := t.TempDir()
	code, out, stderr := run("bench", "--function", "vf1", "--itr", "0x28,0x320", "--stream", "wire-to-vf1",
		"--pps", "50000,400000", "--duration", "1ms", "--out", dir)
	require.Equal(t, 0, code, "%s\n%s", out, stderr)
	for _, f := range []string{"irq_vs_throughput.png", "throughput_vs_load.png", "latency_vs_load.png"} {
		r, err := os.Open(filepath.Join(dir, f))
		require.NoError(t, err)
		img, err := png.Decode(r)
		r.Close()
		require.NoError(t, err, f)
		require.Greater(t, img.Bounds().Dx(), 400, f)
		require.Contains(t, out, "wrote "+filepath.Join(dir, f))
	}
	rows := benchRows(t, dir)
	require.Len(t, rows, 4)
	// Rows are param-major: [0x28 low, 0x28 high, 0x320 low, 0x320 high].
	small, large := rows[1], rows[3]
	require.Equal(t, 400000.0, small.Load)
	require.Less(t, large.InterruptsPerSec*4, small.InterruptsPerSec, "a 20x longer EITR interval cuts the interrupt rate")
	require.InDelta(t, small.ThroughputPPS, large.ThroughputPPS, 0.03*small.ThroughputPPS, "at the same throughput")
	require.Greater(t, large.LatencyP99NS, small.LatencyP99NS, "and pays in latency")
}

func TestBenchBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "--function", "vf9"}, `--function "vf9": the scenario has pf, vf0, vf1`},
		{[]string{"bench", "--stream", "nope"}, `--stream "nope": the scenario has`},
		{[]string{"bench", "--itr", "0x29"}, "--itr 0x29: want dynamic or an EITR value"},
		{[]string{"bench", "--pps", "lots"}, `--pps: "lots" is not a positive number`},
		{[]string{"bench", "--pps", "0"}, `--pps: "0" is not a positive number`},
		{[]string{"bench", "--itr", "0xZZ"}, `--itr: "0xZZ" is not a positive number`},
		{[]string{"bench", "no-such-scenario.yaml"}, "no-such-scenario.yaml"},
		{[]string{"bench", "--rx-usecs", "8"}, "--rx-usecs is ENA moderation; on an 82599 card sweep --itr"},
		{[]string{"bench", "--function", "vf0", "--stream", "wire-to-vf1"}, "--function vf0 is in mode: poll, so its queue vectors never fire"},
		{[]string{"bench", enaModeration, "--function", "vf0", "--stream", "wire-to-vf0", "--itr", "0x28"}, "--itr is the 82599's EITR; on an ENA card sweep --rx-usecs"},
		{[]string{"bench", enaModeration, "--function", "vf0", "--stream", "wire-to-vf0", "--rx-usecs", "dynamic,fast"}, `--rx-usecs: "fast": want dynamic or a delay in µs 0..32767`},
	} {
		code, _, stderr := run(append(tc.args, "--out", t.TempDir())...)
		require.Equal(t, 2, code, "%v: %s", tc.args, stderr)
		require.Contains(t, stderr, tc.want)
	}
}

const enaModeration = "../../testbenches/ena_moderation.yaml"

// On an ENA card the sweep is over the Rx interrupt delay (rx_usecs, as
// ethtool -C sets it; dynamic is net_dim): a longer delay takes fewer
// interrupts for the same throughput and pays in latency.
func TestBenchENARxUsecs(t *testing.T) {
	dir := t.TempDir()
	code, out, stderr := run("bench", enaModeration, "--function", "vf0", "--stream", "wire-to-vf0",
		"--rx-usecs", "dynamic,8,128", "--pps", "1000000", "--duration", "1ms", "--out", dir)
	require.Equal(t, 0, code, "%s\n%s", out, stderr)
	require.Contains(t, out, "vf0 rx_usecs")
	rows := benchRows(t, dir)
	require.Len(t, rows, 3)
	var labels []string
	for _, r := range rows {
		labels = append(labels, r.ParamLabel)
		require.True(t, r.Pass, "%s: every frame delivered", r.ParamLabel)
		require.InDelta(t, 1e6, r.ThroughputPPS, 0.02e6, "%s: the offered load goes through", r.ParamLabel)
	}
	require.Equal(t, []string{"dynamic", "8us", "128us"}, labels)
	short, long := rows[1], rows[2]
	require.Less(t, long.InterruptsPerSec*8, short.InterruptsPerSec, "16x the delay, far fewer interrupts")
	require.Greater(t, long.LatencyP99NS, 4*short.LatencyP99NS, "and longer waits")
}

// benchRow is a row of bench.json, as a user's script would read it.
type benchRow struct {
	ParamLabel       string  `json:"param_label"`
	Load             float64 `json:"load"`
	ThroughputPPS    float64 `json:"throughput_pps"`
	InterruptsPerSec float64 `json:"interrupts_per_sec"`
	LatencyP99NS     float64 `json:"latency_p99_ns"`
	Pass             bool    `json:"pass"`
}

func benchRows(t *testing.T, dir string) []benchRow {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "bench.json"))
	require.NoError(t, err)
	var tbl struct {
		Rows []benchRow `json:"rows"`
	}
	require.NoError(t, json.Unmarshal(b, &tbl))
	return tbl.Rows
}
