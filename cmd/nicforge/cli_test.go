package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func run(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := execute(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestBadInputExitsTwo(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("name: x\nfunctions:\n  - name: pf\n    colour: red\n"), 0o644))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", bad}, "bad.yaml:4: unknown key \"colour\""},
		{[]string{"run", filepath.Join(dir, "missing.yaml")}, "missing.yaml"},
		{[]string{"run", "--sed", "1"}, "unknown flag: --sed"},
		{[]string{"run", "--seed", "many"}, "invalid argument"},
		{[]string{"frobnicate"}, "unknown command"},
	} {
		code, _, stderr := run(tc.args...)
		require.Equal(t, 2, code, "%v: %s", tc.args, stderr)
		require.Contains(t, stderr, tc.want)
	}
}

func TestRunJSONContract(t *testing.T) {
	code, out, stderr := run("run", "--json", "--duration", "50us")
	require.Equal(t, 0, code, stderr)
	var r map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	for _, k := range []string{"scenario", "seed", "pass", "sim_time_ns", "wall_time_ns", "functions", "ports", "checks"} {
		require.Contains(t, r, k)
	}
	fn := r["functions"].([]any)[1].(map[string]any)
	for _, k := range []string{"name", "tx_packets", "rx_packets", "tx_bytes", "rx_bytes", "tx_pps", "rx_pps", "interrupts", "drops", "resets", "queues"} {
		require.Contains(t, fn, k)
	}
	port := r["ports"].([]any)[0].(map[string]any)
	require.Equal(t, "uplink", port["name"])
	require.InDelta(t, 14880952.38, port["line_rate_pps"], 0.01)
}

func TestFailedExpectationExitsOne(t *testing.T) {
	dir := t.TempDir()
	sc := filepath.Join(dir, "strict.yaml")
	// 64-byte frames at 100 kpps can never reach 99% of line rate.
	require.NoError(t, os.WriteFile(sc, []byte(`name: strict
duration: 100us
card: {vfs: 1}
functions:
  - {name: pf}
  - {name: vf0, mac: "02:00:00:00:00:10"}
traffic:
  - {name: slow, from: vf0, to: wire, rate: 100kpps}
expect:
  - {check: line_rate, port: uplink, direction: tx, min: 0.99}
`), 0o644))
	code, out, _ := run("run", sc)
	require.Equal(t, 1, code)
	require.Contains(t, out, "FAIL  line_rate:uplink:tx")
}

func TestConform(t *testing.T) {
	code, out, _ := run("conform", "--elements", "2")
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "PASS  pf")
	require.Contains(t, out, "PASS  vf1")
}
