package runner

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/scenario"
	"github.com/nicforge/nicforge/trace"
)

func runWith(t *testing.T, opt Options) []byte {
	t.Helper()
	dir := t.TempDir()
	opt.TracePath = filepath.Join(dir, "run.nft")
	r, err := Run(scenario.Default(), opt)
	require.NoError(t, err)
	require.True(t, r.Pass, "%+v", r.Checks)
	b, err := os.ReadFile(opt.TracePath)
	require.NoError(t, err)
	return b
}

// Same scenario and seed: byte-identical traces.
func TestSameSeedSameTrace(t *testing.T) {
	opt := Options{Duration: 100 * time.Microsecond, Seed: 7, SeedSet: true}
	a, b := runWith(t, opt), runWith(t, opt)
	require.Greater(t, len(a), 10000)
	require.True(t, bytes.Equal(a, b), "traces of two runs with seed 7 differ (reproduce: go run ./cmd/nicforge run --seed 7 --duration 100us --trace a.nft)")
	// The trace is readable and ordered.
	rd, err := trace.Open(bytes.NewReader(a), int64(len(a)))
	require.NoError(t, err)
	n := 0
	for {
		_, err := rd.Next()
		if err != nil {
			require.ErrorContains(t, err, "EOF")
			break
		}
		n++
	}
	require.Greater(t, n, 1000)
}

// Idle skipping never changes results: --exact-ticks gives the same trace.
func TestExactTicksSameTrace(t *testing.T) {
	if testing.Short() {
		t.Skip("exact ticks simulate every edge of 70 ms: skipped with -short")
	}
	opt := Options{Duration: 20 * time.Microsecond}
	skip := runWith(t, opt)
	opt.ExactTicks = true
	exact := runWith(t, opt)
	require.True(t, bytes.Equal(skip, exact), "the exact-ticks trace differs from the skipping one")
}

// Skipping the polling passes a driver calls quiet never changes a run:
// with every pass's calls made, the trace is byte-identical, for the
// default scenario (ixgbevf polling) and the ENA polling testbenches.
func TestQuietSkipSameTrace(t *testing.T) {
	for _, file := range []string{"", "../testbenches/ena_default.yaml", "../testbenches/ena_bql.yaml", "../testbenches/ena_llq.yaml"} {
		name := file
		if name == "" {
			name = "default"
		}
		t.Run(filepath.Base(name), func(t *testing.T) {
			sc := scenario.Default()
			if file != "" {
				var err error
				sc, err = scenario.Load(file)
				require.NoError(t, err)
			}
			trace := func(every bool) []byte {
				path := filepath.Join(t.TempDir(), "run.nft")
				r, err := Run(sc, Options{TracePath: path, EveryPass: every})
				require.NoError(t, err)
				require.True(t, r.Pass, "%+v", r.Checks)
				b, err := os.ReadFile(path)
				require.NoError(t, err)
				return b
			}
			skip, every := trace(false), trace(true)
			require.Greater(t, len(skip), 10000)
			require.True(t, bytes.Equal(skip, every), "skipping quiet passes changed the trace of %s", name)
		})
	}
}

// tshark reads the pcap and counts the frames the report counts.
func TestPcapReadableByTshark(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark is not installed (.ci/run installs it with apt-get): cannot cross-check the pcap")
	}
	dir := t.TempDir()
	pcap := filepath.Join(dir, "uplink.pcap")
	r, err := Run(scenario.Default(), Options{Duration: 100 * time.Microsecond, PcapPath: pcap})
	require.NoError(t, err)
	out, err := exec.Command(tshark, "-r", pcap, "-T", "fields", "-e", "frame.number").Output()
	require.NoError(t, err, "tshark could not read %s", pcap)
	frames := len(strings.Fields(string(out)))
	up := r.Ports[0]
	require.Equal(t, int(up.TxFrames+up.RxFrames), frames, fmt.Sprintf("report: tx %d + rx %d", up.TxFrames, up.RxFrames))
}

// The ENA card with its ACL, same seed: byte-identical traces, with idle
// skipping and with every edge simulated.
func TestENAACLDeterministic(t *testing.T) {
	sc, err := scenario.Load("../testbenches/acl_default.yaml")
	require.NoError(t, err)
	run := func(opt Options) []byte {
		dir := t.TempDir()
		opt.TracePath = filepath.Join(dir, "run.nft")
		r, err := Run(sc, opt)
		require.NoError(t, err)
		require.True(t, r.Pass, "%+v", r.Checks)
		b, err := os.ReadFile(opt.TracePath)
		require.NoError(t, err)
		return b
	}
	opt := Options{Duration: 50 * time.Microsecond, Seed: 3, SeedSet: true}
	a, b := run(opt), run(opt)
	require.Greater(t, len(a), 10000)
	require.True(t, bytes.Equal(a, b), "traces differ (reproduce: go run ./cmd/nicforge run testbenches/acl_default.yaml --seed 3 --duration 50us --trace a.nft)")
	if testing.Short() {
		t.Skip("exact ticks simulate every edge of the ENA bring-up: skipped with -short")
	}
	opt.ExactTicks = true
	require.True(t, bytes.Equal(a, run(opt)), "the exact-ticks trace differs from the skipping one (reproduce with --exact-ticks)")
}
