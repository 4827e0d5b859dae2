package bql

import (
	"math"
	"time"
)

// MaxLimit is DQL_MAX_LIMIT: half the counter range less the largest
// object, so that the wrapping comparisons stay meaningful.
const MaxLimit = math.MaxUint32/2 - maxObject

const maxObject = math.MaxUint32 / 16 // DQL_MAX_OBJECT

// HoldTime is how long the slack must persist before the limit drops:
// HZ jiffies.
const HoldTime = time.Second

// Limit is one transmit queue's dynamic limit (struct dql). The zero value
// is not ready: use New.
type Limit struct {
	numQueued    uint32 // total ever queued
	adjLimit     uint32 // limit + numCompleted
	lastObjCount uint32 // bytes of the last Queued

	limit          uint32
	numCompleted   uint32
	prevOverLimit  uint32
	prevNumQueued  uint32
	prevLastObjCnt uint32
	lowestSlack    uint32
	slackStart     time.Duration
	MinLimit       uint32
	MaxLimit       uint32
	HoldTime       time.Duration
}

// New returns a limit with the kernel's defaults (no minimum, MaxLimit,
// HoldTime), reset at now.
func New(now time.Duration) *Limit {
	l := &Limit{MaxLimit: MaxLimit, HoldTime: HoldTime}
	l.Reset(now)
	return l
}

// Reset forgets everything queued and completed and drops the limit to
// zero (dql_reset, netdev_tx_reset_queue): a driver does it when it frees
// the ring's buffers.
func (l *Limit) Reset(now time.Duration) {
	l.limit, l.numQueued, l.numCompleted, l.lastObjCount = 0, 0, 0, 0
	l.prevNumQueued, l.prevLastObjCnt, l.prevOverLimit = 0, 0, 0
	l.adjLimit = 0
	l.lowestSlack = math.MaxUint32
	l.slackStart = now
}

// Queued records a packet of n bytes handed to the device (dql_queued).
// It reports whether the queue is now stopped: the stack hands the driver
// no more until completions make room.
func (l *Limit) Queued(n uint32) (stopped bool) {
	l.lastObjCount = n
	l.numQueued += n
	return l.Avail() < 0
}

// Avail returns how many more bytes the queue takes (dql_avail); negative
// means it is over its limit and stopped.
func (l *Limit) Avail() int { return int(int32(l.adjLimit - l.numQueued)) }

// InFlight returns the bytes queued and not yet completed.
func (l *Limit) InFlight() uint32 { return l.numQueued - l.numCompleted }

// Current returns the limit in bytes.
func (l *Limit) Current() uint32 { return l.limit }

// posDiff is max(a − b, 0) with the counters' wrapping: POSDIFF.
func posDiff(a, b uint32) uint32 {
	if int32(a-b) > 0 {
		return a - b
	}
	return 0
}

// Completed records n bytes the device finished with, at time now, and
// recomputes the limit (dql_completed). It reports whether the queue may
// take packets again. A count above what is in flight is clamped to it:
// the kernel would BUG, a driver model must not crash the run.
func (l *Limit) Completed(n uint32, now time.Duration) (running bool) {
	if n == 0 {
		// netdev_tx_completed_queue returns early: no recomputation.
		return l.Avail() >= 0
	}
	n = min(n, l.numQueued-l.numCompleted)
	completed := l.numCompleted + n
	limit := l.limit
	overLimit := posDiff(l.numQueued-l.numCompleted, limit)
	inProgress := l.numQueued - completed
	prevInProgress := l.prevNumQueued - l.numCompleted
	allPrevCompleted := posDiff(completed, l.prevNumQueued)

	switch {
	case (overLimit != 0 && inProgress == 0) || (l.prevOverLimit != 0 && allPrevCompleted != 0):
		// Starved: grow by what was both queued and completed in the
		// last interval, plus the previous overshoot.
		limit += posDiff(completed, l.prevNumQueued) + l.prevOverLimit
		l.slackStart = now
		l.lowestSlack = math.MaxUint32
	case inProgress != 0 && prevInProgress != 0 && allPrevCompleted == 0:
		// Busy the whole interval: the limit may shrink by the slack,
		// the smallest seen over the hold time.
		slack := posDiff(limit+l.prevOverLimit, 2*(completed-l.numCompleted))
		var slackLastObjs uint32
		if l.prevOverLimit != 0 {
			slackLastObjs = posDiff(l.prevLastObjCnt, l.prevOverLimit)
		}
		slack = max(slack, slackLastObjs)
		if slack < l.lowestSlack {
			l.lowestSlack = slack
		}
		if now > l.slackStart+l.HoldTime {
			limit = posDiff(limit, l.lowestSlack)
			l.slackStart = now
			l.lowestSlack = math.MaxUint32
		}
	}
	limit = min(max(limit, l.MinLimit), l.MaxLimit)
	if limit != l.limit {
		l.limit = limit
		overLimit = 0
	}
	l.adjLimit = limit + completed
	l.prevOverLimit = overLimit
	l.prevLastObjCnt = l.lastObjCount
	l.numCompleted = completed
	l.prevNumQueued = l.numQueued
	return l.Avail() >= 0
}
