// Package rtl holds the building blocks the card's model is made of: the
// event-driven cycle kernel, two-phase state, and register files whose
// semantics come from regmaps.
//
//	components (Tick(now) → next edge)         kernel
//	┌──────┐ ┌──────┐ ┌──────┐      ┌──────────────────────────────┐
//	│ tx   │ │ rx   │ │ mac  │ ...  │ heap of (next edge, id)      │
//	└──┬───┘ └──┬───┘ └──┬───┘      │ pop every component due at t │
//	   └────────┴────────┴─────────▶│ tick them in id order        │
//	                                │ commit two-phase state       │
//	                                │ jump to the next due edge    │
//	                                └──────────────────────────────┘
//
// Exact idle skipping: a component says when it next has work and the
// kernel jumps there. NewKernel(true) turns skipping off — every component
// ticks on every edge of its clock — and a correct component gives the same
// results either way; the --exact-ticks regression compares the traces.
//
// Two-phase semantics: what a component does at edge t is seen by others
// from the next edge on (Proc.Wake lands on the next edge; FIFO pushes
// become visible after the edge commits), so the order in which components
// tick inside an edge cannot change results.
//
// Register files (RegFile) implement the access policies of a BlockSpec —
// ro, rw, wo, w1c, w1s, rc, sc, reserved bits — generically, with read and
// write hooks where the hardware behind a register does more than store
// bits. BlockSpecs are generated from regmap YAML (package regmap).
package rtl
