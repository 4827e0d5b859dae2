package perf

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/nicforge/nicforge/report"
)

// Sweep is a grid of points: every value of one parameter against every
// offered load.
type Sweep struct {
	Param    string    // the parameter's name, for labels ("vf1 itr")
	Values   []float64 // its values
	Format   func(float64) string
	Load     string    // the load's name ("wire-to-vf1 pps")
	Loads    []float64 // offered loads
	Function string    // the function whose throughput and interrupts count
	Stream   string    // the stream whose latency counts ("" for none)
}

// RunFunc runs one point.
type RunFunc func(param, load float64) (*report.Report, error)

// Row is one point's result.
type Row struct {
	Param         float64 `json:"param"`
	ParamLabel    string  `json:"param_label"`
	Load          float64 `json:"load"`
	ThroughputPPS float64 `json:"throughput_pps"`
	ThroughputBPS float64 `json:"throughput_bps"`
	InterruptRate float64 `json:"interrupts_per_sec"`
	PktsPerIRQ    float64 `json:"packets_per_interrupt"`
	LatencyP50NS  float64 `json:"latency_p50_ns"`
	LatencyP90NS  float64 `json:"latency_p90_ns"`
	LatencyP99NS  float64 `json:"latency_p99_ns"`
	Pass          bool    `json:"pass"`
}

// Table is a sweep's result, rows in grid order.
type Table struct {
	Sweep Sweep `json:"-"`
	Rows  []Row `json:"rows"`
}

func (s Sweep) label(v float64) string {
	if s.Format != nil {
		return s.Format(v)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// Run runs every point, parameter-major, and returns the table.
func Run(s Sweep, run RunFunc) (*Table, error) {
	if len(s.Values) == 0 || len(s.Loads) == 0 {
		return nil, fmt.Errorf("perf: sweep of %q over %q needs values and loads (got %d and %d)", s.Param, s.Load, len(s.Values), len(s.Loads))
	}
	t := &Table{Sweep: s}
	for _, v := range s.Values {
		for _, l := range s.Loads {
			r, err := run(v, l)
			if err != nil {
				return nil, fmt.Errorf("perf: %s = %s, %s = %g: %w", s.Param, s.label(v), s.Load, l, err)
			}
			row, err := s.measure(r)
			if err != nil {
				return nil, fmt.Errorf("perf: %s = %s, %s = %g: %w", s.Param, s.label(v), s.Load, l, err)
			}
			row.Param, row.ParamLabel, row.Load = v, s.label(v), l
			t.Rows = append(t.Rows, row)
		}
	}
	return t, nil
}

func (s Sweep) measure(r *report.Report) (Row, error) {
	row := Row{Pass: r.Pass}
	found := false
	for _, f := range r.Functions {
		if f.Name != s.Function {
			continue
		}
		found = true
		row.ThroughputPPS = f.RxPPS + f.TxPPS
		row.InterruptRate = f.InterruptsPerSec
		if f.RxPackets+f.TxPackets > 0 {
			row.ThroughputBPS = row.ThroughputPPS * 8 * float64(f.RxBytes+f.TxBytes) / float64(f.RxPackets+f.TxPackets)
		}
	}
	if !found {
		return row, fmt.Errorf("the report has no function %q", s.Function)
	}
	if row.InterruptRate > 0 {
		row.PktsPerIRQ = row.ThroughputPPS / row.InterruptRate
	}
	for _, st := range r.Streams {
		if st.Name == s.Stream && st.Latency != nil {
			row.LatencyP50NS, row.LatencyP90NS, row.LatencyP99NS = st.Latency.P50NS, st.Latency.P90NS, st.Latency.P99NS
		}
	}
	return row, nil
}

// WriteText writes the table with aligned columns.
func (t *Table) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%s\t%s\tpkts/s\tGbit/s\tirq/s\tpkts/irq\tp50 us\tp90 us\tp99 us\tpass\t\n", t.Sweep.Param, t.Sweep.Load)
	for _, r := range t.Rows {
		fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%.3f\t%.0f\t%.1f\t%.2f\t%.2f\t%.2f\t%v\t\n", r.ParamLabel, r.Load, r.ThroughputPPS, r.ThroughputBPS/1e9,
			r.InterruptRate, r.PktsPerIRQ, r.LatencyP50NS/1e3, r.LatencyP90NS/1e3, r.LatencyP99NS/1e3, r.Pass)
	}
	return tw.Flush()
}

// WriteCSV writes the table as CSV with a header row.
func (t *Table) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{t.Sweep.Param, t.Sweep.Load, "throughput_pps", "throughput_bps", "interrupts_per_sec", "packets_per_interrupt", "latency_p50_ns", "latency_p90_ns", "latency_p99_ns", "pass"})
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	for _, r := range t.Rows {
		_ = cw.Write([]string{r.ParamLabel, f(r.Load), f(r.ThroughputPPS), f(r.ThroughputBPS), f(r.InterruptRate), f(r.PktsPerIRQ),
			f(r.LatencyP50NS), f(r.LatencyP90NS), f(r.LatencyP99NS), strconv.FormatBool(r.Pass)})
	}
	cw.Flush()
	return cw.Error()
}

// WriteJSON writes the table as JSON.
func (t *Table) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Param string `json:"param"`
		Load  string `json:"load"`
		Rows  []Row  `json:"rows"`
	}{t.Sweep.Param, t.Sweep.Load, t.Rows})
}

// Summary is the mean and standard deviation (gonum/stat) of a column over
// the rows of one parameter value.
func (t *Table) Summary(param float64, column func(Row) float64) (mean, std float64) {
	var x []float64
	for _, r := range t.Rows {
		if r.Param == param {
			x = append(x, column(r))
		}
	}
	if len(x) == 0 {
		return 0, 0
	}
	return stat.MeanStdDev(x, nil)
}

// series returns, per parameter value, its rows' (x, y) points in load
// order.
func (t *Table) series(x, y func(Row) float64) ([]string, []plotter.XYs) {
	var names []string
	var out []plotter.XYs
	for _, v := range t.Sweep.Values {
		var xy plotter.XYs
		for _, r := range t.Rows {
			if r.Param == v {
				xy = append(xy, plotter.XY{X: x(r), Y: y(r)})
			}
		}
		names = append(names, t.Sweep.Param+" "+t.Sweep.label(v))
		out = append(out, xy)
	}
	return names, out
}

// WritePlots writes the PNG plots into dir and returns their paths.
func WritePlots(t *Table, dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	type chart struct {
		file, title, xl, yl string
		x, y                []func(Row) float64
		suffix              []string
	}
	pps := func(r Row) float64 { return r.ThroughputPPS }
	charts := []chart{
		{"irq_vs_throughput.png", "Interrupt rate vs throughput, by " + t.Sweep.Param, "throughput (packets/s)", "interrupts/s",
			[]func(Row) float64{pps}, []func(Row) float64{func(r Row) float64 { return r.InterruptRate }}, []string{""}},
		{"throughput_vs_load.png", "Throughput vs offered load, by " + t.Sweep.Param, "offered load (" + t.Sweep.Load + ")", "throughput (packets/s)",
			[]func(Row) float64{func(r Row) float64 { return r.Load }}, []func(Row) float64{pps}, []string{""}},
		{"latency_vs_load.png", "Latency vs offered load, by " + t.Sweep.Param, "offered load (" + t.Sweep.Load + ")", "latency (µs)",
			[]func(Row) float64{func(r Row) float64 { return r.Load }, func(r Row) float64 { return r.Load }},
			[]func(Row) float64{func(r Row) float64 { return r.LatencyP50NS / 1e3 }, func(r Row) float64 { return r.LatencyP99NS / 1e3 }},
			[]string{" p50", " p99"}},
	}
	measured := false
	for _, r := range t.Rows {
		measured = measured || r.LatencyP99NS > 0
	}
	var paths []string
	for _, c := range charts {
		p := plot.New()
		p.Title.Text = c.title
		if c.file == "latency_vs_load.png" && !measured {
			p.Title.Text += " (no latency measured)"
		}
		p.X.Label.Text, p.Y.Label.Text = c.xl, c.yl
		p.Legend.Top = true
		for k := range c.x {
			names, series := t.series(c.x[k], c.y[k])
			for i, xy := range series {
				l, pts, err := plotter.NewLinePoints(xy)
				if err != nil {
					return nil, fmt.Errorf("perf: %s: %w", c.file, err)
				}
				col := plotutil.Color(i)
				l.Color, pts.Color = col, col
				if k > 0 {
					l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
				}
				pts.Shape = plotutil.Shape(i)
				p.Add(l, pts)
				p.Legend.Add(names[i]+c.suffix[k], l, pts)
			}
		}
		p.Add(plotter.NewGrid())
		// Room above the highest line for the legend.
		p.Y.Min = 0
		p.Y.Max *= 1.3
		path := filepath.Join(dir, c.file)
		if err := p.Save(8*vg.Inch, 5*vg.Inch, path); err != nil {
			return nil, fmt.Errorf("perf: %s: %w", path, err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}
