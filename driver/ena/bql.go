package ena

// Byte queue limits (Config.BQL): Linux's dynamic queue limit (DQL), which
// a transmit queue keeps so that no more bytes wait in the ring than the
// device needs to stay busy between two completion passes.
//
//	  stack                       driver                    device
//	┌──────────────────┐   ┌──────────────────────┐    ┌────────────┐
//	│ hands a packet   │──▶│ TxBatch ─▶ queued(n) │───▶│ DMA ─▶ MAC │
//	│ while avail ≥ 0  │   │                      │    └─────┬──────┘
//	└──────────────────┘   │ cleanTx ─▶ completed │◀─────────┘
//	                       └──────────────────────┘  completions
//
// The transmit path records each packet's length (netdev_tx_sent_queue);
// the queue is stopped while avail is negative, so it holds at most its
// limit plus the packet that crossed it. The completion pass records the
// bytes it retired (netdev_tx_completed_queue), which moves the limit:
//
//   - Starved: the queue was over its limit and has since emptied, or was
//     over it the pass before and everything queued then has completed.
//     The limit grows by the bytes both queued and completed in the last
//     interval, plus the previous overshoot.
//   - Busy through the whole interval: the slack (limit plus previous
//     overshoot, less twice the bytes completed, or the part of the last
//     enqueue above the overshoot) is tracked, and after the hold time
//     without starvation the limit drops by the lowest slack seen.
//
// The limit is clamped to [limit_min, limit_max]; it starts at zero, so a
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
// always does. The limit lives beside the driver, as net_dim does in
// dim.go: drivers import only driver/bus.

import (
	"math"
	"time"
)

// dqlMaxLimit is DQL_MAX_LIMIT: half the counter range less the largest
// object, so that the wrapping comparisons stay meaningful.
const dqlMaxLimit = math.MaxUint32/2 - dqlMaxObject

const dqlMaxObject = math.MaxUint32 / 16 // DQL_MAX_OBJECT

// dqlHoldTime is how long the slack must persist before the limit drops:
// HZ jiffies.
const dqlHoldTime = time.Second

// dql is one transmit queue's dynamic limit (struct dql). The zero value
// is not ready: use newDQL.
type dql struct {
	numQueued    uint32 // total ever queued
	adjLimit     uint32 // limit + numCompleted
	lastObjCount uint32 // bytes of the last queued

	limit          uint32
	numCompleted   uint32
	prevOverLimit  uint32
	prevNumQueued  uint32
	prevLastObjCnt uint32
	lowestSlack    uint32
	slackStart     time.Duration
	minLimit       uint32 // limit_min
	maxLimit       uint32 // limit_max
	holdTime       time.Duration
}

// newDQL returns a limit with the kernel's defaults (no minimum,
// DQL_MAX_LIMIT, one second of hold time), reset at now.
func newDQL(now time.Duration) *dql {
	l := &dql{maxLimit: dqlMaxLimit, holdTime: dqlHoldTime}
	l.reset(now)
	return l
}

// reset forgets everything queued and completed and drops the limit to
// zero (dql_reset, netdev_tx_reset_queue): a driver does it when it frees
// the ring's buffers.
func (l *dql) reset(now time.Duration) {
	l.limit, l.numQueued, l.numCompleted, l.lastObjCount = 0, 0, 0, 0
	l.prevNumQueued, l.prevLastObjCnt, l.prevOverLimit = 0, 0, 0
	l.adjLimit = 0
	l.lowestSlack = math.MaxUint32
	l.slackStart = now
}

// queued records a packet of n bytes handed to the device (dql_queued).
// It reports whether the queue is now stopped: the stack hands the driver
// no more until completions make room.
func (l *dql) queued(n uint32) (stopped bool) {
	l.lastObjCount = n
	l.numQueued += n
	return l.avail() < 0
}

// avail returns how many more bytes the queue takes (dql_avail); negative
// means it is over its limit and stopped.
func (l *dql) avail() int { return int(int32(l.adjLimit - l.numQueued)) }

// inFlight returns the bytes queued and not yet completed.
func (l *dql) inFlight() uint32 { return l.numQueued - l.numCompleted }

// current returns the limit in bytes.
func (l *dql) current() uint32 { return l.limit }

// dqlPosDiff is max(a − b, 0) with the counters' wrapping: POSDIFF.
func dqlPosDiff(a, b uint32) uint32 {
	if int32(a-b) > 0 {
		return a - b
	}
	return 0
}

// completed records n bytes the device finished with, at time now, and
// recomputes the limit (dql_completed). It reports whether the queue may
// take packets again. A count above what is in flight is clamped to it:
// the kernel would BUG, a driver model must not crash the run.
func (l *dql) completed(n uint32, now time.Duration) (running bool) {
	if n == 0 {
		// netdev_tx_completed_queue returns early: no recomputation.
		return l.avail() >= 0
	}
	n = min(n, l.numQueued-l.numCompleted)
	completed := l.numCompleted + n
	limit := l.limit
	overLimit := dqlPosDiff(l.numQueued-l.numCompleted, limit)
	inProgress := l.numQueued - completed
	prevInProgress := l.prevNumQueued - l.numCompleted
	allPrevCompleted := dqlPosDiff(completed, l.prevNumQueued)

	switch {
	case (overLimit != 0 && inProgress == 0) || (l.prevOverLimit != 0 && allPrevCompleted != 0):
		// Starved: grow by what was both queued and completed in the
		// last interval, plus the previous overshoot.
		limit += dqlPosDiff(completed, l.prevNumQueued) + l.prevOverLimit
		l.slackStart = now
		l.lowestSlack = math.MaxUint32
	case inProgress != 0 && prevInProgress != 0 && allPrevCompleted == 0:
		// Busy the whole interval: the limit may shrink by the slack,
		// the smallest seen over the hold time.
		slack := dqlPosDiff(limit+l.prevOverLimit, 2*(completed-l.numCompleted))
		var slackLastObjs uint32
		if l.prevOverLimit != 0 {
			slackLastObjs = dqlPosDiff(l.prevLastObjCnt, l.prevOverLimit)
		}
		slack = max(slack, slackLastObjs)
		if slack < l.lowestSlack {
			l.lowestSlack = slack
		}
		if now > l.slackStart+l.holdTime {
			limit = dqlPosDiff(limit, l.lowestSlack)
			l.slackStart = now
			l.lowestSlack = math.MaxUint32
		}
	}
	limit = min(max(limit, l.minLimit), l.maxLimit)
	if limit != l.limit {
		l.limit = limit
		overLimit = 0
	}
	l.adjLimit = limit + completed
	l.prevOverLimit = overLimit
	l.prevLastObjCnt = l.lastObjCount
	l.numCompleted = completed
	l.prevNumQueued = l.numQueued
	return l.avail() >= 0
}
