// Package perf sweeps one scenario parameter against offered load and
// reports what each point achieved: throughput, interrupt rate and latency
// percentiles, as a table (text, CSV, JSON) and PNG plots (gonum/plot).
// It is how an architect compares moderation settings: the
// interrupt-rate-versus-throughput plot shows what each setting buys.
//
//	param values ──┐
//	               ├─▶ grid, param-major, fixed order ─▶ RunFunc(param, load)
//	offered loads ─┘                                        │ one scenario run
//	                                                        ▼
//	   Table: param │ load │ pps │ bits/s │ irq/s │ p50 │ p90 │ p99 │ pass
//	      ├─▶ irq_vs_throughput.png   one line per param value
//	      ├─▶ throughput_vs_load.png
//	      └─▶ latency_vs_load.png     p50 and p99 per param value
//
// The package runs nothing itself: the caller hands it the function that
// runs one point (cmd/nicforge wires the runner). Statistics over repeated
// points use gonum/stat.
package perf
