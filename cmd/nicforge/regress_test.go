package main

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/verify/regress"
)

type junitFile struct {
	Suites []struct {
		Cases []struct {
			Classname string `xml:"classname,attr"`
			Name      string `xml:"name,attr"`
			Failure   *struct {
				Text string `xml:",chardata"`
			} `xml:"failure"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func testcases(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var j junitFile
	require.NoError(t, xml.Unmarshal(b, &j))
	var out []string
	for _, s := range j.Suites {
		for _, c := range s.Cases {
			out = append(out, c.Classname+"/"+c.Name)
		}
	}
	sort.Strings(out)
	return out
}

// The acceptance of the regression runner: one testcase per testbench ×
// seed; two shards partition the work exactly; their merged coverage is
// the coverage of the unsharded run.
func TestRegressShardsPartitionAndCoverageMerges(t *testing.T) {
	dir := t.TempDir()
	benches, err := filepath.Glob("../../testbenches/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, benches)

	file := func(name string) string { return filepath.Join(dir, name) }
	code, out, stderr := run("regress", "../../testbenches", "--seeds", "2", "--jobs", "2",
		"--junit", file("all.xml"), "--json", file("all.json"))
	require.Equal(t, 0, code, "%s\n%s", out, stderr)
	all := testcases(t, file("all.xml"))
	require.Len(t, all, 2*len(benches), "one testcase per testbench × seed")
	for _, b := range benches {
		name := filepath.Base(b)
		name = name[:len(name)-len(".yaml")]
		require.Contains(t, all, name+"/1")
		require.Contains(t, all, name+"/2")
	}

	var shards [][]string
	for _, s := range []string{"1/2", "2/2"} {
		x := "shard" + s[:1]
		code, out, stderr := run("regress", "../../testbenches", "--seeds", "2", "--shard", s,
			"--junit", file(x+".xml"), "--json", file(x+".json"))
		require.Equal(t, 0, code, "%s\n%s", out, stderr)
		shards = append(shards, testcases(t, file(x+".xml")))
	}
	require.NotEmpty(t, shards[0])
	require.NotEmpty(t, shards[1])
	seen := map[string]bool{}
	for _, s := range shards {
		for _, c := range s {
			require.False(t, seen[c], "%s is in both shards", c)
			seen[c] = true
		}
	}
	union := append(append([]string{}, shards[0]...), shards[1]...)
	sort.Strings(union)
	require.Empty(t, cmp.Diff(all, union), "the shards together hold exactly the unsharded testcases")

	code, out, stderr = run("coverage", "merge", file("shard1.json"), file("shard2.json"), "-o", file("merged.json"))
	require.Equal(t, 0, code, stderr)
	require.Contains(t, out, "uncovered bins")
	merged, err := regress.LoadCoverage(file("merged.json"))
	require.NoError(t, err)
	whole, err := regress.LoadCoverage(file("all.json"))
	require.NoError(t, err)
	require.NotZero(t, whole.Hit())
	require.Empty(t, cmp.Diff(whole.Counts, merged.Counts), "merged shard coverage equals the unsharded run's")
}

func TestRegressFailureCarriesTheReproduceCommand(t *testing.T) {
	dir := t.TempDir()
	// A testbench whose expectation cannot hold: nothing spoofs.
	bad := filepath.Join(dir, "impossible.yaml")
	require.NoError(t, os.WriteFile(bad, []byte(`name: impossible
duration: 100us
card: {vfs: 1}
functions:
  - {name: pf, driver: ixgbe}
  - {name: vf0, driver: ixgbevf, mode: poll}
traffic:
  - {name: a, from: vf0, to: wire, frame_size: 64, rate: line}
expect:
  - {check: spoof_blocked, function: vf0, min: 1}
`), 0o644))
	junit := filepath.Join(dir, "j.xml")
	code, out, _ := run("regress", bad, "--seeds", "1", "--junit", junit)
	require.Equal(t, 1, code)
	require.Contains(t, out, "reproduce: go run ./cmd/nicforge run "+bad+" --seed 1")
	b, err := os.ReadFile(junit)
	require.NoError(t, err)
	var j junitFile
	require.NoError(t, xml.Unmarshal(b, &j))
	f := j.Suites[0].Cases[0].Failure
	require.NotNil(t, f)
	require.Contains(t, f.Text, "spoof_blocked:vf0")
	require.Contains(t, f.Text, "reproduce: go run ./cmd/nicforge run "+bad+" --seed 1")
}

func TestRegressBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"regress", "../../testbenches", "--shard", "3/2"}, `shard "3/2": want i/n`},
		{[]string{"regress", "../../testbenches", "--seeds", "0"}, "--seeds 0"},
		{[]string{"regress", "no/such/dir"}, "no such file"},
		{[]string{"regress", "../../testbenches", "--shards", "4"}, "JOB_COMPLETION_INDEX"},
		{[]string{"coverage", "merge", "no/such.json"}, "no such file"},
	} {
		code, _, stderr := run(tc.args...)
		require.Equal(t, 2, code, "%v: %s", tc.args, stderr)
		require.Contains(t, stderr, tc.want)
	}
}

func TestRegressIndexedJobShard(t *testing.T) {
	t.Setenv("JOB_COMPLETION_INDEX", "1")
	dir := t.TempDir()
	code, _, stderr := run("regress", "../../testbenches", "--seeds", "1", "--shards", "3", "--junit", filepath.Join(dir, "j.xml"))
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stderr, "(shard 2/3 of")
}
