package regress

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nicforge/nicforge/report"
	"github.com/nicforge/nicforge/rtl/cover"
)

// Job is one run: a testbench with a seed.
type Job struct {
	Testbench string // the file name without .yaml
	Path      string
	Seed      uint64
}

// Reproduce is the command that runs the job again.
func (j Job) Reproduce() string {
	return fmt.Sprintf("go run ./cmd/nicforge run %s --seed %d", j.Path, j.Seed)
}

// Plan expands paths (scenario files, or directories of *.yaml) into jobs
// for seeds 1..seeds, sorted by testbench then seed.
func Plan(paths []string, seeds int) ([]Job, error) {
	if seeds < 1 {
		return nil, fmt.Errorf("--seeds %d: want at least 1", seeds)
	}
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		m, err := filepath.Glob(filepath.Join(p, "*.yaml"))
		if err != nil {
			return nil, err
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("%s holds no *.yaml testbench", p)
		}
		files = append(files, m...)
	}
	sort.Strings(files)
	var jobs []Job
	seen := map[string]string{}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
		if prev, dup := seen[name]; dup && prev != f {
			return nil, fmt.Errorf("testbenches %s and %s have the same name %q", prev, f, name)
		}
		seen[name] = f
		for s := 1; s <= seeds; s++ {
			jobs = append(jobs, Job{Testbench: name, Path: f, Seed: uint64(s)})
		}
	}
	return jobs, nil
}

// ParseShard reads "i/n" (1 <= i <= n).
func ParseShard(s string) (i, n int, err error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
		return 0, 0, fmt.Errorf("shard %q: want i/n with 1 <= i <= n", s)
	}
	return i, n, nil
}

// ShardFromEnv reads the shard of a Kubernetes Indexed Job: the 0-based
// JOB_COMPLETION_INDEX, with n shards. ok is false when the variable is
// not set.
func ShardFromEnv(n int) (i int, ok bool, err error) {
	v, set := os.LookupEnv("JOB_COMPLETION_INDEX")
	if !set {
		return 0, false, nil
	}
	x, err := strconv.Atoi(v)
	if err != nil || x < 0 || x >= n {
		return 0, true, fmt.Errorf("JOB_COMPLETION_INDEX=%q with %d shards: want 0..%d", v, n, n-1)
	}
	return x + 1, true, nil
}

// Shard returns the jobs of shard i of n: job k goes to shard k mod n + 1.
func Shard(jobs []Job, i, n int) []Job {
	var out []Job
	for k, j := range jobs {
		if k%n == i-1 {
			out = append(out, j)
		}
	}
	return out
}

// RunFunc runs one job. An error is a job that could not run (bad input,
// internal failure); failed checks are in the report.
type RunFunc func(Job) (*report.Report, error)

// Result is one finished job.
type Result struct {
	Job
	Pass     bool
	Error    string   // the job could not run
	Failures []string // failed checks: "name: detail"
	Report   *report.Report
	Wall     time.Duration
}

// Run runs jobs on workers goroutines and returns the results in job order.
// progress (may be nil) receives one line per finished job, or a progress
// bar when bar is set.
func Run(jobs []Job, workers int, run RunFunc, progress io.Writer, bar bool) []Result {
	if workers < 1 {
		workers = 1
	}
	results := make([]Result, len(jobs))
	next := make(chan int)
	var mu sync.Mutex
	done, failed := 0, 0
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				res := runOne(jobs[k], run)
				results[k] = res
				mu.Lock()
				done++
				if !res.Pass {
					failed++
				}
				if progress != nil {
					if bar {
						drawBar(progress, done, failed, len(jobs))
					} else {
						verdict := "PASS"
						if !res.Pass {
							verdict = "FAIL"
						}
						fmt.Fprintf(progress, "[%d/%d] %s %s seed %d (%.2fs)\n", done, len(jobs), verdict, res.Testbench, res.Seed, res.Wall.Seconds())
					}
				}
				mu.Unlock()
			}
		}()
	}
	for k := range jobs {
		next <- k
	}
	close(next)
	wg.Wait()
	if progress != nil && bar {
		fmt.Fprintln(progress)
	}
	return results
}

func runOne(j Job, run RunFunc) (res Result) {
	res.Job = j
	start := time.Now()
	defer func() {
		res.Wall = time.Since(start)
		if p := recover(); p != nil {
			res.Pass, res.Error = false, fmt.Sprintf("panic: %v", p)
		}
	}()
	r, err := run(j)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	res.Report = r
	res.Pass = r.Pass
	for _, c := range r.Checks {
		if !c.Pass {
			res.Failures = append(res.Failures, c.Name+": "+c.Detail)
		}
	}
	return res
}

func drawBar(w io.Writer, done, failed, total int) {
	const width = 40
	fill := width * done / total
	fmt.Fprintf(w, "\r[%s%s] %d/%d, %d failed", strings.Repeat("#", fill), strings.Repeat(".", width-fill), done, total, failed)
}

// JUnit XML, as CI systems read it.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Error     *junitFailure `xml:"error,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes one testsuite per testbench with one testcase per seed
// (classname = testbench, name = seed); a failure carries the failed checks
// and the command that reproduces it.
func WriteJUnit(w io.Writer, results []Result) error {
	var out junitSuites
	idx := map[string]int{}
	for _, r := range results {
		k, ok := idx[r.Testbench]
		if !ok {
			k = len(out.Suites)
			idx[r.Testbench] = k
			out.Suites = append(out.Suites, junitSuite{Name: r.Testbench})
		}
		s := &out.Suites[k]
		c := junitCase{Classname: r.Testbench, Name: strconv.FormatUint(r.Seed, 10), Time: fmt.Sprintf("%.3f", r.Wall.Seconds())}
		switch {
		case r.Error != "":
			c.Error = &junitFailure{Message: r.Error, Text: r.Error + "\nreproduce: " + r.Reproduce()}
			s.Errors++
			out.Errors++
		case !r.Pass:
			c.Failure = &junitFailure{Message: r.Failures[0], Text: strings.Join(r.Failures, "\n") + "\nreproduce: " + r.Reproduce()}
			s.Failures++
			out.Failures++
		}
		s.Tests++
		out.Tests++
		s.Cases = append(s.Cases, c)
	}
	for i := range out.Suites {
		var t float64
		for _, c := range out.Suites[i].Cases {
			x, _ := strconv.ParseFloat(c.Time, 64)
			t += x
		}
		out.Suites[i].Time = fmt.Sprintf("%.3f", t)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// Summary is the JSON summary of a regression.
type Summary struct {
	Shard    string       `json:"shard,omitempty"` // "i/n" when sharded
	Total    int          `json:"total"`
	Passed   int          `json:"passed"`
	Failed   int          `json:"failed"`
	Errors   int          `json:"errors"`
	Jobs     []JobSummary `json:"jobs"`
	Coverage *cover.DB    `json:"coverage"`
}

// JobSummary is one job in the summary.
type JobSummary struct {
	Testbench string   `json:"testbench"`
	Seed      uint64   `json:"seed"`
	Pass      bool     `json:"pass"`
	Error     string   `json:"error,omitempty"`
	Failures  []string `json:"failures,omitempty"`
	Reproduce string   `json:"reproduce,omitempty"`
	WallS     float64  `json:"wall_s"`
}

// Summarize counts the results and merges their coverage.
func Summarize(results []Result) *Summary {
	s := &Summary{Total: len(results), Coverage: cover.NewDB()}
	for _, r := range results {
		js := JobSummary{Testbench: r.Testbench, Seed: r.Seed, Pass: r.Pass, Error: r.Error, Failures: r.Failures, WallS: r.Wall.Seconds()}
		switch {
		case r.Error != "":
			s.Errors++
		case r.Pass:
			s.Passed++
		default:
			s.Failed++
		}
		if !r.Pass {
			js.Reproduce = r.Reproduce()
		}
		if r.Report != nil {
			s.Coverage.Merge(r.Report.Coverage)
		}
		s.Jobs = append(s.Jobs, js)
	}
	return s
}

// WriteJSON writes the summary.
func (s *Summary) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}

// LoadCoverage reads coverage from a file written by Summary.WriteJSON or
// cover.DB.Save.
func LoadCoverage(path string) (*cover.DB, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	raw := json.RawMessage(b)
	if c, ok := probe["coverage"]; ok {
		raw = c
	}
	db := cover.NewDB()
	if err := json.Unmarshal(raw, db); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return db, nil
}
