// Package wire holds the peers on the far side of the card's uplink: a
// traffic generator, a sink that counts what arrives, and pcap replay.
//
//	┌───────────┐  frames at rate R, sizes from a mix  ┌──────────┐
//	│ Generator │ ────────────────────────────────────▶│ card MAC │
//	│ (stamped) │   never faster than the line allows   │ RxPort   │
//	└───────────┘                                       └──────────┘
//	┌───────────┐        every frame the card sends     ┌──────────┐
//	│ Sink      │ ◀──────────────────────────────────── │ card MAC │
//	│ per-stream│                                       │ Tx       │
//	└───────────┘                                       └──────────┘
//
// Timing: the generator runs on the line's byte clock. Frame k of a stream
// at rate R starts at Start + k·(8·len/R) (exact integer arithmetic with a
// carried remainder), or when the line is free if that is later; its last
// bit arrives (len+8)·byte time after its start.
package wire
