package ena

import "time"

// Adaptive Rx interrupt moderation: Linux's net_dim in the mode the ENA
// driver uses (DIM_CQ_PERIOD_MODE_START_FROM_EQE), Rx only. Every NAPI
// completion that received packets is an event; every dimEvents events
// the rates since the last decision (bytes, packets, events per ms) are
// compared with the previous ones and the profile steps towards more
// moderation while throughput improves, turns when it stops improving,
// parks on a top, and parks "tired" after too many steps. The chosen
// profile's µs go straight into the unmask register's Rx delay, not
// divided by the device's delay resolution, as the Linux driver does.
// Sources: kernel/linux/ena/net_dim.c, dim.c, dim.h and ena_netdev.c
// (ena_adjust_adaptive_rx_intr_moderation, ena_dim_work).

// dimRxProfileUsec is the Rx profile table of START_FROM_EQE, in µs.
var dimRxProfileUsec = [...]uint32{1, 8, 64, 128, 256}

const (
	dimEvents      = 64 // DIM_NEVENTS: events between decisions
	dimProfiles    = len(dimRxProfileUsec)
	dimSignificant = 10 // per cent: IS_SIGNIFICANT_DIFF
)

// The measurement states and tuning states of net_dim.
const (
	dimStartMeasure = iota
	dimMeasureInProgress
)

const (
	dimParkingOnTop = iota
	dimParkingTired
	dimGoingRight
	dimGoingLeft
)

const (
	dimStatsWorse = iota
	dimStatsSame
	dimStatsBetter
)

const (
	dimStepped = iota
	dimTooTired
	dimOnEdge
)

// dimSample is one reading of a ring's counters.
type dimSample struct {
	at     time.Duration
	pkts   uint32
	bytes  uint32
	events uint16
}

// dimStats are rates per millisecond between two samples.
type dimStats struct{ ppms, bpms, epms int }

// dim is one Rx ring's adaptive moderation.
type dim struct {
	state                 int
	tune                  int
	profile               int
	stepsRight, stepsLeft int
	tired                 int
	prev                  dimStats
	start                 dimSample
}

// usec is the current profile's Rx delay.
func (m *dim) usec() uint32 { return dimRxProfileUsec[m.profile] }

// sample is net_dim: it takes a reading and reports whether the profile
// changed. The Linux driver applies a change from a work item that
// restarts the measurement; here the change applies at once and the next
// sample starts the measurement.
func (m *dim) sample(s dimSample) bool {
	if m.state == dimMeasureInProgress {
		if s.events-m.start.events < dimEvents {
			return false
		}
		if cur, ok := dimRates(m.start, s); ok && m.decide(cur) {
			// The next sample starts the next measurement.
			m.state = dimStartMeasure
			return true
		}
	}
	m.start = s
	m.state = dimMeasureInProgress
	return false
}

// dimRates is dim_calc_stats: rates rounded up; no rates over no time.
func dimRates(a, b dimSample) (dimStats, bool) {
	us := uint64((b.at - a.at) / time.Microsecond)
	if us == 0 || us > 1<<32-1 {
		return dimStats{}, false
	}
	up := func(n uint64) int { return int((n*1000 + us - 1) / us) }
	return dimStats{
		ppms: up(uint64(b.pkts - a.pkts)),
		bpms: up(uint64(b.bytes - a.bytes)),
		epms: up(dimEvents),
	}, true
}

func significant(cur, ref int) bool {
	d := cur - ref
	if d < 0 {
		d = -d
	}
	return 100*d/ref > dimSignificant
}

// compare is net_dim_stats_compare: bytes first, then packets, then
// (fewer is better) events.
func compareDim(cur, prev dimStats) int {
	better := func(b bool) int {
		if b {
			return dimStatsBetter
		}
		return dimStatsWorse
	}
	switch {
	case prev.bpms == 0:
		if cur.bpms != 0 {
			return dimStatsBetter
		}
		return dimStatsSame
	case significant(cur.bpms, prev.bpms):
		return better(cur.bpms > prev.bpms)
	case prev.ppms == 0:
		if cur.ppms != 0 {
			return dimStatsBetter
		}
		return dimStatsSame
	case significant(cur.ppms, prev.ppms):
		return better(cur.ppms > prev.ppms)
	case prev.epms == 0:
		return dimStatsSame
	case significant(cur.epms, prev.epms):
		return better(cur.epms < prev.epms)
	}
	return dimStatsSame
}

func (m *dim) step() int {
	if m.tired == 2*dimProfiles {
		return dimTooTired
	}
	switch m.tune {
	case dimGoingRight:
		if m.profile == dimProfiles-1 {
			return dimOnEdge
		}
		m.profile++
		m.stepsRight++
	case dimGoingLeft:
		if m.profile == 0 {
			return dimOnEdge
		}
		m.profile--
		m.stepsLeft++
	}
	m.tired++
	return dimStepped
}

func (m *dim) exitParking() {
	m.tune = dimGoingRight
	if m.profile > 0 {
		m.tune = dimGoingLeft
	}
	m.step()
}

func (m *dim) onTop() bool {
	switch m.tune {
	case dimParkingOnTop, dimParkingTired:
		return true
	case dimGoingRight:
		return m.stepsLeft > 1 && m.stepsRight == 1
	default:
		return m.stepsRight > 1 && m.stepsLeft == 1
	}
}

func (m *dim) turn() {
	switch m.tune {
	case dimGoingRight:
		m.tune, m.stepsLeft = dimGoingLeft, 0
	case dimGoingLeft:
		m.tune, m.stepsRight = dimGoingRight, 0
	}
}

func (m *dim) park(tired bool) {
	m.stepsRight, m.stepsLeft = 0, 0
	if tired {
		m.tune = dimParkingTired
		return
	}
	m.tune, m.tired = dimParkingOnTop, 0
}

// decide is net_dim_decision: it reports whether the profile moved.
func (m *dim) decide(cur dimStats) bool {
	prevTune, prevProfile := m.tune, m.profile
	switch m.tune {
	case dimParkingOnTop:
		if compareDim(cur, m.prev) != dimStatsSame {
			m.exitParking()
		}
	case dimParkingTired:
		m.tired--
		if m.tired == 0 {
			m.exitParking()
		}
	case dimGoingRight, dimGoingLeft:
		if compareDim(cur, m.prev) != dimStatsBetter {
			m.turn()
		}
		if m.onTop() {
			m.park(false)
			break
		}
		switch m.step() {
		case dimOnEdge:
			m.park(false)
		case dimTooTired:
			m.park(true)
		}
	}
	if prevTune != dimParkingOnTop || m.tune != dimParkingOnTop {
		m.prev = cur
	}
	return m.profile != prevProfile
}
