// Package mac is the Ethernet MAC at line rate: the transmit side
// serialises frames from the Tx packet buffer onto the line, and the
// receive side hands frames that arrived from the line to the card at the
// moment their last bit is in.
//
//	Tx packet buffer           line (Speed bit/s)
//	┌──┬──┬──┬──┐  ┌──────────────────────────────────────────────┐
//	│f3│f2│f1│f0│─▶│ pre+SFD 8 │ frame + FCS │ IFG 12 │ pre+SFD │ ...
//	└──┴──┴──┴──┘  └──────────────────────────────────────────────┘
//	Capacity bytes  each frame occupies (len + 4 + 20) × 8 bit times
//
//	line ──▶ RxPort: queue by arrival time ──▶ handler at the first edge
//	                                            after the last bit
//
// Timing: the MAC runs on a byte clock (one edge per byte time: 800 ps at
// 10 Gb/s, 80 ps at 100 Gb/s), so every frame starts and ends on an edge.
// A 64-byte frame at 10 Gb/s takes 84 byte times = 67.2 ns: 14,880,952
// frames per second.
package mac
