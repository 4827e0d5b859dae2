// Package queue is the device side of a descriptor ring: base, size, the
// device's head, the driver's tail, and an on-chip descriptor cache filled
// by prefetch DMA reads.
//
//	host memory ring (Count descriptors of DescSize bytes)
//	┌───┬───┬───┬───┬───┬───┬───┬───┐
//	│   │ H │ c │ c │ f │ f │ T │   │   H = Head (next to process)
//	└───┴───┴───┴───┴───┴───┴───┴───┘   c = in the cache, f = fetch in flight
//	        │                           T = Tail (driver owns T..H-1)
//	        ▼ DMA read, up to Burst descriptors, never across the wrap
//	┌────────────────────────────┐
//	│ descriptor cache (CacheCap) │──▶ engine: Peek / Consume in ring order
//	└────────────────────────────┘
//
// Ownership: descriptors Head..Tail-1 belong to the device; a fetch never
// reads past Tail, so the device never reads a descriptor it was not given.
// A descriptor becomes usable when the completion of the read that fetched
// it is back at the card (its ready time), not before.
//
// Timing parameters: CacheCap (descriptors held on chip, 40 on the 82599 Tx
// side), Burst (descriptors per fetch), and the fetch threshold: a fetch is
// issued when at least Threshold descriptors are both available and fit in
// the cache, or when the ring would otherwise go idle.
package queue
