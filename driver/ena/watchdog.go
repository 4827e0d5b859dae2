package ena

import (
	"fmt"
	"time"
)

// ENA_TIMER_PERIOD is the period of ena_timer_service.
const enaTimerPeriod = time.Second

// service is ena_timer_service, run from the poll loop once a second: the
// keep-alive watchdog, the admin queue's state after a command timed out,
// missing Tx completions, and any reset a datapath check asked for. It
// returns an error only when recovery itself failed.
func (d *Device) service() error {
	now := d.fn.Now()
	if now-d.lastService < enaTimerPeriod {
		return nil
	}
	d.lastService = now
	reason := d.needReset
	if reason == 0 && d.kaTimeout > 0 && d.AENQEnabled&(1<<ENA_ADMIN_KEEP_ALIVE) != 0 && now-d.lastKA > d.kaTimeout {
		d.fn.Logf("ena: keep-alive watchdog timeout: last keep-alive %v ago (limit %v)", now-d.lastKA, d.kaTimeout)
		reason = ENA_REGS_RESET_KEEP_ALIVE_TO
	}
	if reason == 0 && !d.adminRunning {
		// check_for_admin_com_state
		d.fn.Logf("ena: the admin queue is not running after a command timed out")
		reason = ENA_REGS_RESET_ADMIN_TO
	}
	if reason == 0 && d.missingTxCompletions() {
		reason = ENA_REGS_RESET_MISS_TX_CMPL
	}
	if reason == 0 {
		return nil
	}
	return d.recover(reason)
}

// recover is ena_destroy_device followed by ena_restore_device: reset the
// device with reason, initialise it again, check that it is the same
// device, and bring the interface back up with its queues, RSS and
// moderation as they were.
func (d *Device) recover(reason uint32) error {
	mac, mtu := d.Attr.MAC, d.Attr.MaxMTU
	wasUp := d.up
	d.up = false
	d.Resets++
	d.LastReset = reason
	d.needReset = 0
	d.napi = 0
	if err := d.deviceInit(reason); err != nil {
		return fmt.Errorf("ena: restore after reset (reason %d): %w", reason, err)
	}
	if d.Attr.MAC != mac || d.Attr.MaxMTU != mtu {
		return fmt.Errorf("ena: after reset the device reports MAC %x and max MTU %d, was %x and %d", d.Attr.MAC, d.Attr.MaxMTU, mac, mtu)
	}
	d.lastKA = d.fn.Now()
	if wasUp {
		if err := d.Open(d.txRing, d.rxRing); err != nil {
			return fmt.Errorf("ena: restore after reset: %w", err)
		}
	}
	d.fn.Logf("ena: device restored after reset (reason %d)", reason)
	return nil
}

// missingTxCompletions is check_for_missing_completions: a packet the
// device has held longer than the timeout is missing; more than the
// threshold missing on one ring calls for a reset.
func (d *Device) missingTxCompletions() bool {
	if d.missTxTimeout == 0 || !d.up {
		return false
	}
	now := d.fn.Now()
	for _, r := range d.tx {
		missing := 0
		for id, p := range r.pkts {
			if p != nil && now-r.sentAt[id] > d.missTxTimeout {
				missing++
			}
		}
		if missing > d.missTxThreshold {
			d.fn.Logf("ena: Tx queue %d: %d completions missing for over %v (limit %d)", r.q, missing, d.missTxTimeout, d.missTxThreshold)
			return true
		}
	}
	return false
}
