package regress

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/report"
	"github.com/nicforge/nicforge/rtl/cover"
)

func benches(t *testing.T, names ...string) string {
	dir := t.TempDir()
	for _, n := range names {
		require.NoError(t, os.WriteFile(filepath.Join(dir, n+".yaml"), []byte("name: "+n+"\n"), 0o644))
	}
	return dir
}

func TestPlanOrdersAndShardsPartition(t *testing.T) {
	dir := benches(t, "b", "a", "c")
	jobs, err := Plan([]string{dir}, 3)
	require.NoError(t, err)
	require.Len(t, jobs, 9)
	require.Equal(t, "a", jobs[0].Testbench)
	require.Equal(t, uint64(3), jobs[2].Seed)
	require.Equal(t, "c", jobs[8].Testbench)
	for n := 1; n <= 10; n++ {
		count := map[Job]int{}
		for i := 1; i <= n; i++ {
			for _, j := range Shard(jobs, i, n) {
				count[j]++
			}
		}
		require.Len(t, count, len(jobs), "%d shards cover every job", n)
		for j, c := range count {
			require.Equal(t, 1, c, "%d shards: %v runs %d times", n, j, c)
		}
	}
}

func TestParseShard(t *testing.T) {
	for _, tc := range []struct {
		in   string
		i, n int
		err  bool
	}{{"1/1", 1, 1, false}, {"2/3", 2, 3, false}, {"0/3", 0, 0, true}, {"4/3", 0, 0, true}, {"1/0", 0, 0, true}, {"x/2", 0, 0, true}, {"12", 0, 0, true}} {
		i, n, err := ParseShard(tc.in)
		if tc.err {
			require.Error(t, err, tc.in)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, [2]int{tc.i, tc.n}, [2]int{i, n})
	}
}

func TestShardFromEnv(t *testing.T) {
	t.Setenv("JOB_COMPLETION_INDEX", "0")
	i, ok, err := ShardFromEnv(4)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, 1, i, "index 0 is shard 1")
	t.Setenv("JOB_COMPLETION_INDEX", "4")
	_, _, err = ShardFromEnv(4)
	require.ErrorContains(t, err, "want 0..3")
}

func TestRunKeepsJobOrderAndSurvivesPanics(t *testing.T) {
	jobs, err := Plan([]string{benches(t, "a", "b")}, 4)
	require.NoError(t, err)
	run := func(j Job) (*report.Report, error) {
		switch {
		case j.Testbench == "b" && j.Seed == 2:
			panic("model bug")
		case j.Testbench == "b" && j.Seed == 3:
			return nil, errors.New("bad scenario")
		}
		db := cover.NewDB()
		db.Counts["g/p/seed"+string(rune('0'+j.Seed))] = 1
		return &report.Report{Pass: j.Seed != 4, Checks: []report.Check{{Name: "x", Pass: j.Seed != 4, Detail: "d"}}, Coverage: db}, nil
	}
	var progress bytes.Buffer
	res := Run(jobs, 3, run, &progress, false)
	require.Len(t, res, 8)
	for k := range res {
		require.Equal(t, jobs[k], res[k].Job, "results in job order")
	}
	require.Contains(t, res[5].Error, "panic: model bug")
	require.Equal(t, "bad scenario", res[6].Error)
	require.Equal(t, []string{"x: d"}, res[3].Failures)
	require.Equal(t, 8, strings.Count(progress.String(), "\n"))

	s := Summarize(res)
	require.Equal(t, [4]int{8, 4, 2, 2}, [4]int{s.Total, s.Passed, s.Failed, s.Errors})
	require.Equal(t, 4, s.Coverage.Bins())
	require.Contains(t, s.Jobs[3].Reproduce, "--seed 4")

	var x bytes.Buffer
	require.NoError(t, WriteJUnit(&x, res))
	require.Contains(t, x.String(), `<testsuites tests="8" failures="2" errors="2">`)
	require.Contains(t, x.String(), `<testcase classname="b" name="2"`)
	require.Contains(t, x.String(), "reproduce: go run ./cmd/nicforge run")
}

func TestLoadCoverageBadFiles(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"truncated.json": `{"coverage": {"bins": 1`,
		"wrong.json":     `{"coverage": {"bins": 2, "hit": 0, "counts": {"a/b/c": 0}}}`,
	} {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
		_, err := LoadCoverage(p)
		require.ErrorContains(t, err, name)
	}
}
