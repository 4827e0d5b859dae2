package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// runTrace records the default scenario's trace once per test.
func runTrace(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "run.trace")
	code, out, stderr := run("run", "--duration", "20us", "--trace", path)
	require.Equal(t, 0, code, "%s\n%s", out, stderr)
	return path
}

func TestTraceListsAndFilters(t *testing.T) {
	path := runTrace(t)
	code, out, stderr := run("trace", path, "--summary")
	require.Equal(t, 0, code, stderr)
	require.Regexp(t, `^\d+ events from \d+\.\d{6}us to \d+\.\d{6}us\n`, out)
	require.Regexp(t, `\n  vf1   msix +\d+\n`, out)
	require.Regexp(t, `\n  -     frame_tx +\d+\n`, out)

	code, out, stderr = run("trace", path, "--func", "vf1", "--kind", "msix,mmio_write", "--from", "60ms")
	require.Equal(t, 0, code, stderr)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Greater(t, len(lines), 3)
	var msix int
	for _, l := range lines {
		f := strings.Fields(l)
		require.Equal(t, "vf1", f[1], l)
		require.Contains(t, []string{"msix", "mmio_write"}, f[2], l)
		require.GreaterOrEqual(t, f[0], "60000.000000us", l) // same width: text order is time order
		if f[2] == "msix" {
			msix++
		}
	}
	require.Positive(t, msix)

	code, out, _ = run("trace", path, "--window", "--summary")
	require.Equal(t, 0, code)
	m := regexp.MustCompile(`^\d+ events from (\d+)\.(\d{6})us to (\d+)\.(\d{6})us\n`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	from, _ := strconv.Atoi(m[1])
	to, _ := strconv.Atoi(m[3])
	require.Equal(t, 20, to-from, "the run's 20 µs window: %s", out)
	require.Regexp(t, `\n  -     meta +2\n`, out, "its two marks")

	code, out, _ = run("trace", path, "--kind", "frame", "--limit", "2")
	require.Equal(t, 0, code)
	require.Len(t, strings.Split(strings.TrimSpace(out), "\n"), 2)
	require.Contains(t, out, "frame_")
}

// The trace says what run it is, and MMIO lines name their registers
// from the personality it records (or the one --regs chooses).
func TestTraceNamesRegisters(t *testing.T) {
	path := runTrace(t)
	code, out, stderr := run("trace", path, "--kind", "meta")
	require.Equal(t, 0, code, stderr)
	require.Equal(t, []string{"scenario=default", "seed=1", "personality=ixgbe", "window=start", "window=end"}, lastFields(out))
	code, out, _ = run("trace", path, "--func", "vf1", "--kind", "mmio_write", "--limit", "400")
	require.Equal(t, 0, code)
	require.Contains(t, out, "bar0+0x02fc VFMAILBOX <- ")
	require.Contains(t, out, "MSIX[0].ADDR_LO <- ", "the VF's MSI-X table in BAR3")
	code, out, _ = run("trace", path, "--func", "vf1", "--kind", "mmio_write", "--limit", "400", "--regs", "none")
	require.Equal(t, 0, code)
	require.NotContains(t, out, "VFMAILBOX")
	require.Contains(t, out, "bar0+0x02fc <- ")

	ena := filepath.Join(t.TempDir(), "ena.trace")
	code, _, stderr = run("run", "../../testbenches/ena_moderation.yaml", "--duration", "10us", "--trace", ena)
	require.Equal(t, 0, code, stderr)
	code, out, _ = run("trace", ena, "--func", "vf0", "--kind", "mmio_write")
	require.Equal(t, 0, code)
	for _, reg := range []string{"MMIO_REG_READ <- ", "DEV_CTL <- ", "AQ_DB <- ", "SQ_DOORBELL[", "INTR_UNMASK[cq "} {
		require.Contains(t, out, reg)
	}
	code, _, stderr = run("trace", ena, "--regs", "e1000")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, `--regs "e1000": want auto, ena, ixgbe or none`)
}

// lastFields is the last field of each line.
func lastFields(out string) []string {
	var f []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		w := strings.Fields(l)
		f = append(f, w[len(w)-1])
	}
	return f
}

func TestTraceStep(t *testing.T) {
	path := runTrace(t)
	old := stdin
	defer func() { stdin = old }()
	stdin = strings.NewReader("n 3\np 2\n/msix\nbogus\ng 0ms\nq\nn\n")
	code, out, stderr := run("trace", path, "--func", "vf1", "--step")
	require.Equal(t, 0, code, stderr)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Regexp(t, `^\d+ events; n \[K\] next`, lines[0])
	require.True(t, strings.HasPrefix(lines[1], "#0 "), lines[1])
	require.True(t, strings.HasPrefix(lines[3], "#2 "), lines[3])
	require.True(t, strings.HasPrefix(lines[4], "#0 "), "p 2 goes back over #0 and #1: %s", lines[4])
	require.True(t, strings.HasPrefix(lines[5], "#1 "), lines[5])
	require.Contains(t, lines[6], " msix ", "/msix finds the next interrupt")
	require.Equal(t, `? unknown command "bogus" (n [K], p [K], g TIME, /TEXT, q)`, lines[7])
	require.True(t, strings.HasPrefix(lines[8], "#0 "), "g 0ms: the first event")
	require.Len(t, lines, 9, "q ends the session before the last n")
}

func TestTraceConverts(t *testing.T) {
	path := runTrace(t)
	dir := t.TempDir()
	vcd, js, ng := filepath.Join(dir, "run.vcd"), filepath.Join(dir, "run.json"), filepath.Join(dir, "run.pcapng")
	code, out, stderr := run("trace", path, "--vcd", vcd, "--chrome", js, "--pcapng", ng, "--from", "60ms")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, out, "wrote "+vcd)
	require.Contains(t, out, "wrote "+js)
	require.Contains(t, out, "wrote "+ng)
	b, err := os.ReadFile(vcd)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(b), "$date"))
	require.Contains(t, string(b), "$scope module vf1 $end")
	b, err = os.ReadFile(js)
	require.NoError(t, err)
	require.Contains(t, string(b), `"traceEvents"`)
}

func TestTraceBadInput(t *testing.T) {
	path := runTrace(t)
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.trace")
	require.NoError(t, os.WriteFile(garbage, []byte("NFTRACE\x00\x01\x00CHNKgarbage"), 0o644))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	flipped := filepath.Join(dir, "flipped.trace")
	b[len(b)/3] ^= 0xFF // a bit flip inside a chunk
	require.NoError(t, os.WriteFile(flipped, b, 0o644))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"trace", filepath.Join(dir, "missing.trace")}, "missing.trace"},
		{[]string{"trace", garbage}, "trace: corrupt file at byte 10: truncated chunk header"},
		{[]string{"trace", flipped}, "trace: corrupt file at byte"},
		{[]string{"trace", flipped, "--vcd", filepath.Join(dir, "x.vcd")}, "trace: corrupt file at byte"},
		{[]string{"trace", path, "--kind", "irq"}, `--kind: unknown event kind "irq"`},
		{[]string{"trace", path, "--func", "vf"}, `--func: function "vf": want pf or vfN`},
		{[]string{"trace", path, "--from", "2ms", "--to", "1ms"}, "want 0 <= from < to"},
		{[]string{"trace", path, "--limit", "-1"}, "--limit -1 is negative"},
		{[]string{"trace", path, "--window", "--from", "1ms"}, "none of the others can be"},
		{[]string{"trace"}, "accepts 1 arg"},
		{[]string{"trace", path, "--summary", "--step"}, "none of the others can be"},
		{[]string{"trace", path, "--step", "--vcd", "x.vcd"}, "none of the others can be"},
	} {
		code, _, stderr := run(tc.args...)
		require.Equal(t, 2, code, "%v: %s", tc.args, stderr)
		require.Contains(t, stderr, tc.want, tc.args)
	}
}

// A trace damaged in the middle still lists what comes before the damage.
func TestTraceListsUpToTheDamage(t *testing.T) {
	path := runTrace(t)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	cut := filepath.Join(t.TempDir(), "cut.trace")
	require.NoError(t, os.WriteFile(cut, b[:len(b)*2/3], 0o644)) // a run that died mid-write
	code, whole, _ := run("trace", path)
	require.Equal(t, 0, code)
	code, out, stderr := run("trace", cut)
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "trace: corrupt file at byte")
	require.Contains(t, stderr, "the events before it are listed")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	all := strings.Split(strings.TrimSpace(whole), "\n")
	require.Greater(t, len(lines), len(all)/3, "the chunks before the cut")
	require.Less(t, len(lines), len(all))
	have := map[string]bool{}
	for _, l := range all {
		have[l] = true
	}
	for _, l := range lines {
		require.True(t, have[l], "listed from the damaged file, not in the whole one: %s", l)
	}
}

func FuzzStepCommand(f *testing.F) {
	for _, s := range []string{"", "n", "n 3", "p 2", "g 60.3ms", "/msix", "q", "n -1", "g soon", "/", "next 99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		cmd, err := parseStepCommand(line)
		if err != nil {
			return
		}
		switch cmd.op {
		case 'n', 'p':
			require.Positive(t, cmd.count)
		case 'g':
			require.GreaterOrEqual(t, int64(cmd.at), int64(0))
		case '/':
			require.NotEmpty(t, cmd.text)
		case 'q':
		default:
			t.Fatalf("%q parsed to op %q", line, cmd.op)
		}
	})
}
