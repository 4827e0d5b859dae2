// Package sim is nicforge's time base: simulated time as an integer count of
// picoseconds, clock domains with exact edges, and the single seeded random
// source of a run.
//
//	time (ps) ─────────────────────────────────────────────────────────▶
//	core clock 250 MHz  ┃    ┃    ┃    ┃    ┃    ┃   period 4000 ps
//	MAC clock  156.25   ┃      ┃      ┃      ┃     period 6400 ps
//
// Every externally visible event of the model happens on an edge of one of
// its clocks. Time never goes backwards and never uses floating point, so a
// run is reproducible bit for bit on any machine.
package sim
