package ena

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/nicforge/nicforge/driver/bus"
)

func (d *Device) adminInit() error {
	sts := d.read(ENA_REGS_DEV_STS_OFF)
	if sts == ENA_MMIO_READ_TIMEOUT || sts&ENA_REGS_DEV_STS_READY_MASK == 0 {
		return fmt.Errorf("ena: admin init: device not ready (DEV_STS %#x)", sts)
	}
	for _, q := range []struct {
		b    *bus.Buffer
		n    int
		what string
	}{{&d.aq, ENA_ADMIN_QUEUE_DEPTH, "admin queue"}, {&d.acq, ENA_ADMIN_QUEUE_DEPTH, "admin completion queue"}, {&d.aenq, ENA_ASYNC_QUEUE_DEPTH, "AENQ"}} {
		if q.b.Bytes == nil {
			var err error
			if *q.b, err = d.fn.AllocDMA(q.n*adminEntrySize, 4096); err != nil {
				return fmt.Errorf("ena: %s: %w", q.what, err)
			}
		}
		clear(q.b.Bytes) // after a reset: phase 0 everywhere again
	}
	d.aqTail, d.acqHead, d.cmdID = 0, 0, 0
	d.adminRunning = true
	clear(d.done)
	d.aqPhase, d.acqPhase, d.aenqPhase = 1, 1, 1
	d.aenqHead = ENA_ASYNC_QUEUE_DEPTH
	w := d.fn.Write32
	w(0, ENA_REGS_AQ_BASE_LO_OFF, uint32(d.aq.IOVA))
	w(0, ENA_REGS_AQ_BASE_HI_OFF, uint32(d.aq.IOVA>>32))
	w(0, ENA_REGS_ACQ_BASE_LO_OFF, uint32(d.acq.IOVA))
	w(0, ENA_REGS_ACQ_BASE_HI_OFF, uint32(d.acq.IOVA>>32))
	w(0, ENA_REGS_AQ_CAPS_OFF, ENA_ADMIN_QUEUE_DEPTH|adminEntrySize<<16)
	w(0, ENA_REGS_ACQ_CAPS_OFF, ENA_ADMIN_QUEUE_DEPTH|adminEntrySize<<16)
	w(0, ENA_REGS_AENQ_BASE_LO_OFF, uint32(d.aenq.IOVA))
	w(0, ENA_REGS_AENQ_BASE_HI_OFF, uint32(d.aenq.IOVA>>32))
	w(0, ENA_REGS_AENQ_CAPS_OFF, ENA_ASYNC_QUEUE_DEPTH|adminEntrySize<<16)
	return nil
}

// AdminError is a command the device completed with a non-zero status.
type AdminError struct {
	Opcode, Feature, Status byte
}

func (e *AdminError) Error() string {
	return fmt.Sprintf("ena: admin opcode %d (feature %d) failed with status %d", e.Opcode, e.Feature, e.Status)
}

// submit posts one 64-byte command and waits for its completion, by
// polling during probe and by the management interrupt afterwards. It
// returns the completion entry.
func (d *Device) submit(cmd []byte) ([]byte, error) {
	if !d.adminRunning {
		// ena_com refuses commands once the queue stopped running; the
		// timer service resets the device.
		return nil, fmt.Errorf("ena: admin opcode %d (feature %d): the admin queue is not running after a timeout", cmd[2], cmd[17])
	}
	id := d.cmdID
	d.cmdID = (d.cmdID + 1) % ENA_ADMIN_QUEUE_DEPTH
	binary.LittleEndian.PutUint16(cmd[0:], id)
	cmd[3] = cmd[3]&^1 | d.aqPhase
	slot := d.aqTail & (ENA_ADMIN_QUEUE_DEPTH - 1)
	copy(d.aq.Bytes[int(slot)*adminEntrySize:], cmd)
	d.aqTail++
	if d.aqTail&(ENA_ADMIN_QUEUE_DEPTH-1) == 0 {
		d.aqPhase ^= 1
	}
	d.fn.Write32(0, ENA_REGS_AQ_DB_OFF, uint32(d.aqTail))
	deadline := d.fn.Now() + d.adminTimeout
	for exp := uint32(0); ; exp++ {
		d.processACQ()
		if c, ok := d.done[id]; ok {
			delete(d.done, id)
			if st := c[2]; st != ENA_ADMIN_SUCCESS {
				return c, &AdminError{Opcode: cmd[2], Feature: cmd[17], Status: st}
			}
			return c, nil
		}
		if d.fn.Now() > deadline {
			d.adminRunning = false
			return nil, fmt.Errorf("ena: admin opcode %d (feature %d) timed out after %v", cmd[2], cmd[17], d.adminTimeout)
		}
		if d.polling {
			d.backoff(exp)
		} else if d.fn.WaitIRQ(1, deadline-d.fn.Now()+time.Microsecond) != 0 {
			d.processAENQ()
		}
	}
}

// processACQ consumes completions while their phase matches.
func (d *Device) processACQ() {
	for {
		slot := int(d.acqHead & (ENA_ADMIN_QUEUE_DEPTH - 1))
		e := d.acq.Bytes[slot*adminEntrySize : (slot+1)*adminEntrySize]
		if e[3]&1 != d.acqPhase {
			return
		}
		id := binary.LittleEndian.Uint16(e[0:]) & 0xFFF
		d.done[id] = append([]byte(nil), e...)
		d.acqHead++
		if d.acqHead&(ENA_ADMIN_QUEUE_DEPTH-1) == 0 {
			d.acqPhase ^= 1
		}
	}
}

// processAENQ is ena_com_aenq_intr_handler: handle events while their phase
// matches, then give the slots back.
func (d *Device) processAENQ() {
	n := 0
	for {
		slot := int(d.aenqHead & (ENA_ASYNC_QUEUE_DEPTH - 1))
		e := d.aenq.Bytes[slot*adminEntrySize : (slot+1)*adminEntrySize]
		if e[4]&1 != d.aenqPhase {
			break
		}
		d.event(binary.LittleEndian.Uint16(e[0:]), binary.LittleEndian.Uint16(e[2:]), e[16:])
		d.aenqHead++
		if d.aenqHead&(ENA_ASYNC_QUEUE_DEPTH-1) == 0 {
			d.aenqPhase ^= 1
		}
		n++
	}
	if n > 0 {
		d.fn.Write32(0, ENA_REGS_AENQ_HEAD_DB_OFF, uint32(d.aenqHead))
	}
}

func (d *Device) event(group, syndrome uint16, data []byte) {
	d.events++
	switch group {
	case ENA_ADMIN_LINK_CHANGE:
		d.linkUp = data[0]&1 != 0
		d.fn.Logf("ena: link %s", map[bool]string{true: "up", false: "down"}[d.linkUp])
	case ENA_ADMIN_KEEP_ALIVE:
		d.keepAlives++
		d.lastKA = d.fn.Now()
	default:
		d.fn.Logf("ena: AENQ event group %d syndrome %d", group, syndrome)
	}
}

func featureCmd(opcode, feature, version byte) []byte {
	c := make([]byte, adminEntrySize)
	c[2] = opcode
	c[17] = feature
	c[18] = version
	return c
}

func (d *Device) getFeature(feature, version byte) ([]byte, error) {
	c, err := d.submit(featureCmd(ENA_ADMIN_GET_FEATURE, feature, version))
	if err != nil {
		return nil, err
	}
	return c[8:], nil
}

func (d *Device) setHostAttr() error {
	if d.hostInfo.Bytes == nil {
		var err error
		if d.hostInfo, err = d.fn.AllocDMA(4096, 4096); err != nil {
			return err
		}
		h := d.hostInfo.Bytes
		le := binary.LittleEndian
		le.PutUint32(h[0:], ENA_ADMIN_OS_LINUX)
		copy(h[4:], "nicforge")
		copy(h[136:], "go")
		le.PutUint32(h[hostInfoDriverVersionOff:], driverVersion)
		le.PutUint16(h[hostInfoSpecVersionOff:], ENA_SPEC_VERSION)
		le.PutUint16(h[hostInfoNumCPUsOff:], uint16(d.cfg.NumCPUs))
		le.PutUint32(h[hostInfoDriverSupportedOff:], 1<<2) // interrupt moderation
	}
	c := featureCmd(ENA_ADMIN_SET_FEATURE, ENA_ADMIN_HOST_ATTR_CONFIG, 0)
	binary.LittleEndian.PutUint32(c[20:], uint32(d.hostInfo.IOVA))
	binary.LittleEndian.PutUint16(c[24:], uint16(d.hostInfo.IOVA>>32))
	_, err := d.submit(c)
	return err
}

// getDeviceAttributes is ena_com_get_dev_attr_feat and ena_netdev.c's
// queue limits: device attributes, then max queues, AENQ config and
// stateless offloads (mandatory), hints (optional).
func (d *Device) getDeviceAttributes() error {
	le := binary.LittleEndian
	p, err := d.getFeature(ENA_ADMIN_DEVICE_ATTRIBUTES, 0)
	if err != nil {
		return err
	}
	a := &d.Attr
	a.ImplID, a.DeviceVersion = le.Uint32(p[0:]), le.Uint32(p[4:])
	a.SupportedFeatures, a.Capabilities = le.Uint32(p[8:]), le.Uint32(p[12:])
	a.PhysAddrWidth, a.VirtWidth = le.Uint32(p[16:]), le.Uint32(p[20:])
	copy(a.MAC[:], p[24:30])
	a.MaxMTU = le.Uint32(p[32:])
	switch {
	case d.supports(ENA_ADMIN_MAX_QUEUES_EXT):
		p, err := d.getFeature(ENA_ADMIN_MAX_QUEUES_EXT, 1)
		if err != nil {
			return err
		}
		if p[0] != 1 {
			return fmt.Errorf("ena: max queues ext version %d, want 1", p[0])
		}
		q := &d.MaxQueues
		for i, f := range []*uint32{&q.TxSQ, &q.TxCQ, &q.RxSQ, &q.RxCQ, &q.TxSQDepth, &q.TxCQDepth, &q.RxSQDepth, &q.RxCQDepth, &q.TxHeader} {
			*f = le.Uint32(p[4+4*i:])
		}
		q.PerPacketTxDescs, q.PerPacketRxDes = le.Uint16(p[40:]), le.Uint16(p[42:])
	case d.supports(ENA_ADMIN_MAX_QUEUES_NUM):
		p, err := d.getFeature(ENA_ADMIN_MAX_QUEUES_NUM, 0)
		if err != nil {
			return err
		}
		q := &d.MaxQueues
		q.TxSQ, q.TxSQDepth, q.TxCQ, q.TxCQDepth = le.Uint32(p[0:]), le.Uint32(p[4:]), le.Uint32(p[8:]), le.Uint32(p[12:])
		q.RxSQ, q.RxCQ, q.RxSQDepth, q.RxCQDepth = q.TxSQ, q.TxCQ, q.TxSQDepth, q.TxCQDepth
	default:
		return fmt.Errorf("ena: device supports neither MAX_QUEUES_EXT nor MAX_QUEUES_NUM (features %#x)", a.SupportedFeatures)
	}
	for _, f := range []byte{ENA_ADMIN_AENQ_CONFIG, ENA_ADMIN_STATELESS_OFFLOAD_CONFIG} {
		if !d.supports(int(f)) {
			return fmt.Errorf("ena: device lacks mandatory feature %d (features %#x)", f, a.SupportedFeatures)
		}
		p, err := d.getFeature(f, 0)
		if err != nil {
			return err
		}
		if f == ENA_ADMIN_STATELESS_OFFLOAD_CONFIG {
			d.TxOffloads = binary.LittleEndian.Uint32(p[0:]) // ena_admin_feature_offload_desc.tx
		}
	}
	d.kaTimeout = ENA_DEVICE_KALIVE_TIMEOUT * time.Second
	d.missTxTimeout = ENA_TX_TIMEOUT
	d.missTxThreshold = MAX_NUM_OF_TIMEOUTED_PACKETS
	if d.supports(ENA_ADMIN_HW_HINTS) {
		if p, err := d.getFeature(ENA_ADMIN_HW_HINTS, 0); err != nil {
			d.fn.Logf("ena: hints: %v", err)
		} else {
			d.applyHints(p)
		}
	}
	return nil
}

// configureAENQ enables the groups the driver handles that the device
// supports.
func (d *Device) configureAENQ() error {
	p, err := d.getFeature(ENA_ADMIN_AENQ_CONFIG, 0)
	if err != nil {
		return err
	}
	d.AENQSupported = binary.LittleEndian.Uint32(p[0:])
	d.AENQEnabled = d.AENQSupported & enaAENQGroups
	c := featureCmd(ENA_ADMIN_SET_FEATURE, ENA_ADMIN_AENQ_CONFIG, 0)
	binary.LittleEndian.PutUint32(c[24:], d.AENQEnabled)
	_, err = d.submit(c)
	return err
}

// initModeration sets the initial static moderation (Tx 64 µs, Rx 20 µs)
// and rescales it to the device's delay resolution.
func (d *Device) initModeration() error {
	d.IntrDelayRes, d.TxUsecs, d.RxUsecs = 1, ENA_INTR_INITIAL_TX_USECS, ENA_INTR_INITIAL_RX_USECS
	d.AdaptiveRx = false
	if !d.supports(ENA_ADMIN_INTERRUPT_MODERATION) {
		if d.cfg.TxUsecs != nil || d.cfg.RxUsecs != nil {
			return fmt.Errorf("ena: tx/rx usecs set, but the device does not offer interrupt moderation (feature %d)", ENA_ADMIN_INTERRUPT_MODERATION)
		}
		return nil
	}
	p, err := d.getFeature(ENA_ADMIN_INTERRUPT_MODERATION, 0)
	if err != nil {
		return err
	}
	res := binary.LittleEndian.Uint16(p[0:])
	if res == 0 {
		res = 1
	}
	d.TxUsecs = d.TxUsecs * uint32(d.IntrDelayRes) / uint32(res)
	d.RxUsecs = d.RxUsecs * uint32(d.IntrDelayRes) / uint32(res)
	d.IntrDelayRes = res
	// The feature's presence is what enables adaptive moderation.
	d.AdaptiveRx = !d.cfg.StaticRxModeration && d.cfg.RxUsecs == nil
	// ethtool -C: interval = usecs / resolution.
	if u := d.cfg.TxUsecs; u != nil {
		d.TxUsecs = *u / uint32(res)
	}
	if u := d.cfg.RxUsecs; u != nil {
		d.RxUsecs = *u / uint32(res)
	}
	return nil
}

// SetMTU is ena_com_set_dev_mtu.
func (d *Device) SetMTU(mtu int) error {
	if !d.supports(ENA_ADMIN_MTU) {
		return fmt.Errorf("ena: device does not support MTU changes")
	}
	c := featureCmd(ENA_ADMIN_SET_FEATURE, ENA_ADMIN_MTU, 0)
	binary.LittleEndian.PutUint32(c[20:], uint32(mtu))
	_, err := d.submit(c)
	return err
}

// applyHints is ena_update_hints: a non-zero hint replaces the driver's
// default; 0xFFFF means no timeout.
func (d *Device) applyHints(p []byte) {
	le := binary.LittleEndian
	if v := le.Uint16(p[0:]); v != 0 {
		d.readTimeout = time.Duration(v) * time.Millisecond
	}
	switch v := le.Uint16(p[2:]); v {
	case 0:
	case 0xFFFF:
		d.kaTimeout = 0 // the watchdog is off
	default:
		d.kaTimeout = time.Duration(v) * time.Millisecond
	}
	if v := le.Uint16(p[8:]); v != 0 && v != 0xFFFF {
		d.adminTimeout = time.Duration(v) * time.Millisecond
	}
	switch v := le.Uint16(p[4:]); v {
	case 0:
	case 0xFFFF:
		d.missTxTimeout = 0 // no missing-completion check
	default:
		d.missTxTimeout = time.Duration(v) * time.Millisecond
	}
	if v := le.Uint16(p[6:]); v != 0 {
		d.missTxThreshold = int(v)
	}
}
