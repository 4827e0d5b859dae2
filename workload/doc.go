// Package workload is the host-side application that runs on a driver: it
// sends the scenario's streams through a NIC's batch API at their rates and
// counts what it receives, per stream, by the stamp each test frame
// carries. It runs inside a driver context, so its time is the driver's:
// it spends CPU time per loop and per packet, sleeps until the next frame
// is due, or waits for an interrupt.
//
//	┌──────────── workload.App (one per function) ────────────┐
//	│ streams ──▶ build frames ──▶ Port.Tx ──▶ driver TxBatch │
//	│ counters ◀── ParseStamp ◀── Port.Rx ◀── driver RxBatch  │
//	│ loop: Poll · Tx due frames · Rx · wait (irq) or spin    │
//	└─────────────────────────────────────────────────────────┘
//
// A busy-polling loop makes thousands of passes per simulated millisecond,
// most of them idle. A Port that is also a Quieter says when Poll and
// every Rx would find nothing; the loop then counts the pass as idle (same
// backoff, same time spent) without the calls, and reuses its last
// "nothing to send" until a stream's start or next frame comes due. The
// run is the same either way (runner's TestQuietSkipSameTrace compares
// traces byte for byte).
package workload
