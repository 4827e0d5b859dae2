// Package regress runs regressions: every testbench × seed, in parallel,
// optionally one deterministic shard of the work, with a JUnit XML file
// for CI, a JSON summary and merged functional coverage.
//
//	paths ──▶ Plan: testbenches (sorted) × seeds 1..N ──▶ jobs, in order
//	          Shard(i, n): job k belongs to shard k mod n + 1, so the n
//	          shards partition the jobs exactly, whatever machine runs them
//	jobs ──▶ Run: J workers, each job one scenario run ──▶ results, in
//	          job order (not finishing order), each with its reproduce command
//	results ──▶ JUnit XML: one testcase per testbench × seed
//	            (classname = testbench, name = seed)
//	        ──▶ Summary JSON: counts, failures, merged coverage
//
// The package runs nothing itself: the caller hands it the function that
// runs one job (cmd/nicforge wires the runner), so it has no opinion on
// how a scenario is simulated.
package regress
