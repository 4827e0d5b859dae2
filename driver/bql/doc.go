// Package bql is Linux's byte queue limits: the dynamic queue limit (DQL)
// a driver's transmit queue keeps so that no more bytes wait in the ring
// than the device needs to stay busy between two completion passes.
//
//	      stack (qdisc)                driver                 device
//	───────────────────────┐     ┌─────────────────┐     ┌───────────┐
//	dequeue while Avail ≥ 0│────▶│ Tx ring  Queued │────▶│ DMA, MAC  │
//	(bulk: while bytes left)│     │        (bytes)  │     └─────┬─────┘
//	───────────────────────┘     │ clean   Completed◀──────────┘
//	                             └─────────────────┘   completions
//
// The transmit path calls Queued with each packet's length
// (netdev_tx_sent_queue); the queue is stopped while Avail is negative.
// The completion pass calls Completed with the bytes it retired
// (netdev_tx_completed_queue), which moves the limit:
//
//   - Starved: the queue was over its limit and has since emptied, or was
//     over it the pass before and everything queued then has completed.
//     The limit grows by the bytes both queued and completed in the last
//     interval, plus the previous overshoot.
//   - Busy through the whole interval: the slack (limit plus previous
//     overshoot, less twice the bytes completed, or the part of the last
//     enqueue above the overshoot) is tracked, and after HoldTime without
//     starvation the limit drops by the lowest slack seen.
//
// The limit is clamped to [MinLimit, MaxLimit]; it starts at zero, so a
// fresh queue takes one packet, starves once and grows from there.
// Counters are uint32 and wrap, as the kernel's do.
//
// Facts from Linux: lib/dynamic_queue_limits.c (dql_completed, dql_reset,
// dql_init), include/linux/dynamic_queue_limits.h (dql_queued, dql_avail,
// DQL_MAX_LIMIT), include/linux/netdevice.h (netdev_tx_sent_queue,
// netdev_tx_completed_queue) and net/core/dev.c (netdev_init_one_queue:
// a hold time of HZ jiffies, one second). The kernel counts the hold time
// in jiffies; here it is simulated time.
//
// The ENA driver of amzn/amzn-drivers accounts BQL when its module
// parameter enable_bql is set (default 0); the in-tree Linux ENA driver
// always does.
package bql
