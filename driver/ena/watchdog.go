package ena

import (
	"fmt"
	"time"
)

// ENA_TIMER_PERIOD is the period of ena_timer_service.
const enaTimerPeriod = time.Second

// service is ena_timer_service, run from the poll loop once a second: the
// keep-alive watchdog, and any reset a datapath check asked for. It
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
