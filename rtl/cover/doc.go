// Package cover is functional coverage as hardware declares it, in the
// style of SystemVerilog covergroups: a block owns a Group, declares its
// coverpoints (named bins) and crosses next to the logic they watch, and
// samples them with bin indices from its datapath, which costs one
// increment. A run collects every group into a DB, a flat map from
// "group/point/bin" to hit counts that can be saved, merged across seeds
// and shards (counts add) and reported with the bins never hit.
//
//	block ──Hit(i)──▶ Point ─┐          ┌─ group/point/bin → hits
//	      ──Hit(a,b)─▶ Cross ─┼─Collect─▶ DB ─ Merge(DB) ─ Uncovered()
//	                          │           └─ JSON: {"bins": N, "hit": H, "counts": {...}}
//	Group "ixgbe.tx" ─────────┘
//
// Bins are fixed when a group is declared, so a DB from a run that never
// hit a bin still lists it with a zero: merged coverage knows its whole
// space.
package cover
