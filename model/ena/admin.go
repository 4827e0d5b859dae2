package ena

import (
	"encoding/binary"
	"math/bits"

	"github.com/nicforge/nicforge/sim"
)

// The admin queue: the driver writes 64-byte commands into the AQ ring and
// its free-running tail into AQ_DB; the device fetches them one at a time,
// checks each entry's phase bit, runs it and writes a 64-byte completion
// with the echoed command id into the ACQ ring, with the ACQ's phase, then
// raises the management vector. There is no ACQ doorbell: the ACQ is as
// deep as the AQ and every command gets exactly one completion.

func (fn *function) queueShape(caps uint32, what string, at sim.Time) (depth uint16, ok bool) {
	depth, size := uint16(caps), caps>>16
	if depth == 0 || depth&(depth-1) != 0 || size != AdminEntrySize {
		fn.d.card.Flag(fn.id, at, "%s: depth %d and entry size %d: want a power of two and %d bytes", what, depth, size, AdminEntrySize)
		return 0, false
	}
	return depth, true
}

// phaseOf is the phase bit of lap n of a ring of depth entries: 1 on the
// first lap (memory starts zeroed), flipping at each wrap.
func phaseOf(counter, depth uint16) byte {
	if depth&(depth-1) == 0 && depth != 0 {
		return byte(1 ^ counter>>bits.TrailingZeros16(depth)&1) // queues are powers of two: no division per entry
	}
	return byte(1 ^ (counter/depth)&1)
}

func (fn *function) kickAdmin(at sim.Time) {
	if fn.busy || fn.aqHead == fn.aqTail {
		return
	}
	depth, ok := fn.queueShape(fn.reg(OffAQ_CAPS), "AQ_CAPS", at)
	if !ok {
		return
	}
	if int16(fn.aqTail-fn.aqHead) < 0 || fn.aqTail-fn.aqHead > depth {
		fn.d.card.Flag(fn.id, at, "AQ_DB %d is %d commands ahead of the device's head %d in a queue of %d", fn.aqTail, int16(fn.aqTail-fn.aqHead), fn.aqHead, depth)
		fn.aqTail = fn.aqHead
		return
	}
	slot := fn.aqHead & (depth - 1)
	addr := fn.addr(OffAQ_BASE_LO, OffAQ_BASE_HI) + uint64(slot)*AdminEntrySize
	var cmd [AdminEntrySize]byte
	done, err := fn.d.card.Upstream().Read(fn.id, at, addr, cmd[:])
	if err != nil {
		fn.d.card.Flag(fn.id, at, "admin command fetch at %#x failed: %v", addr, err)
		return
	}
	if want := phaseOf(fn.aqHead, depth); cmd[aqFlags]&1 != want {
		fn.d.card.Flag(fn.id, at, "admin command in slot %d has phase %d, want %d: the doorbell ran ahead of the entries", slot, cmd[aqFlags]&1, want)
		fn.aqTail = fn.aqHead
		return
	}
	fn.busy = true
	gen := fn.gen
	fn.d.timers.At(done+fn.d.cfg.Timing.AdminLatency, func(now sim.Time) {
		if fn.gen != gen {
			return
		}
		fn.aqHead++
		status, resp := fn.execute(cmd[:], now)
		fn.d.cov.command(cmd[:], status)
		if fn.aqHead&(depth-1) == 0 {
			fn.d.cov.wrap.Hit(0)
		}
		fn.complete(cmd[:], status, resp, now)
		fn.busy = false
		fn.kickAdmin(now)
	})
}

func (fn *function) complete(cmd []byte, status byte, resp []byte, at sim.Time) {
	depth, ok := fn.queueShape(fn.reg(OffACQ_CAPS), "ACQ_CAPS", at)
	if !ok {
		return
	}
	var c [AdminEntrySize]byte
	copy(c[acqPayload:], resp)
	binary.LittleEndian.PutUint16(c[acqCommandID:], binary.LittleEndian.Uint16(cmd[aqCommandID:])&0xFFF)
	if fn.d.strike("unknown_cmd_id") {
		binary.LittleEndian.PutUint16(c[acqCommandID:], 0xABC)
	}
	c[acqStatus] = status
	c[acqFlags] = phaseOf(fn.acqTail, depth)
	binary.LittleEndian.PutUint16(c[acqSQHead:], fn.aqHead)
	addr := fn.addr(OffACQ_BASE_LO, OffACQ_BASE_HI) + uint64(fn.acqTail&(depth-1))*AdminEntrySize
	_ = fn.d.card.Upstream().Write(fn.id, at, addr, c[:])
	fn.acqTail++
	if fn.acqTail&(depth-1) == 0 {
		fn.d.cov.wrap.Hit(1)
	}
	fn.management(at)
}

// supportedFeatures is the device attributes' supported_features bitmap.
func (d *Device) supportedFeatures() uint32 {
	var m uint32
	for _, f := range []int{FeatDeviceAttributes, FeatHWHints, FeatMaxQueuesExt, FeatStatelessOffload,
		FeatMTU, FeatInterruptModerate, FeatAENQConfig, FeatLinkConfig, FeatHostAttrConfig,
		FeatRSSHashFunction, FeatRSSHashInput, FeatRSSIndirection} {
		m |= 1 << f
	}
	if d.cfg.LLQ {
		m |= 1 << FeatLLQ
	}
	return m
}

const supportedAENQGroups = 1<<AENQLinkChange | 1<<AENQFatalError | 1<<AENQWarning | 1<<AENQNotification | 1<<AENQKeepAlive

// execute runs one admin command and returns its status and the
// completion's payload (56 bytes at most).
func (fn *function) execute(cmd []byte, at sim.Time) (byte, []byte) {
	resp := make([]byte, AdminEntrySize-acqPayload)
	switch cmd[aqOpcode] {
	case OpGetFeature:
		return fn.getFeature(cmd, resp), resp
	case OpSetFeature:
		return fn.setFeature(cmd, at), resp
	case OpCreateCQ:
		return fn.createCQ(cmd, resp, at), resp
	case OpCreateSQ:
		return fn.createSQ(cmd, resp, at), resp
	case OpDestroySQ:
		return fn.destroySQ(cmd), resp
	case OpDestroyCQ:
		return fn.destroyCQ(cmd), resp
	case OpGetStats:
		return fn.getStats(cmd, resp, at), resp
	}
	fn.d.card.Flag(fn.id, at, "admin command with unknown opcode %d", cmd[aqOpcode])
	return StatusBadOpcode, resp
}

func (fn *function) getFeature(cmd, p []byte) byte {
	d := fn.d
	id := cmd[aqFeatID]
	if id != FeatDeviceAttributes && d.supportedFeatures()&(1<<id) == 0 {
		return StatusUnsupportedOpcode
	}
	le := binary.LittleEndian
	switch id {
	case FeatDeviceAttributes:
		le.PutUint32(p[0:], 0) // impl_id
		le.PutUint32(p[4:], 1) // device_version
		le.PutUint32(p[8:], d.supportedFeatures())
		le.PutUint32(p[12:], 1<<CapExtendedResetReasons|1<<CapENIStats|1<<CapCustomerMetrics)
		le.PutUint32(p[16:], 48) // phys_addr_width
		le.PutUint32(p[20:], 48) // virt_addr_width
		m := d.MAC(fn.id)
		copy(p[24:30], m[:])
		le.PutUint16(p[30:], 0) // flow_steering_max_entries
		le.PutUint32(p[32:], uint32(d.cfg.MaxMTU))
	case FeatMaxQueuesExt:
		p[0] = 1 // version: the driver requires 1
		q := uint32(d.cfg.MaxQueues)
		for i, v := range []uint32{q, q, q, q, 1024, 1024, 16384, 16384, 256} {
			le.PutUint32(p[4+4*i:], v)
		}
		le.PutUint16(p[40:], 19) // max_per_packet_tx_descs, meta included
		le.PutUint16(p[42:], 19)
	case FeatAENQConfig:
		le.PutUint32(p[0:], supportedAENQGroups)
		le.PutUint32(p[4:], fn.aenqEnabled)
	case FeatStatelessOffload:
		// Tx: the IPv4 header checksum and the L4 checksum from a
		// pseudo-header start (partial), IPv4 and IPv6 (io.go, txOffload);
		// Rx: the hash.
		le.PutUint32(p[0:], txOffloadL3IPv4|txOffloadL4IPv4Part|txOffloadL4IPv6Part)
		le.PutUint32(p[4:], 1<<3)
		le.PutUint32(p[8:], 1<<3)
	case FeatHWHints:
		h := d.cfg.Hints
		for i, v := range []uint16{h.MMIOReadTimeout, h.DriverWatchdog, h.MissingTxCompletion, h.MissedTxThreshold, h.AdminCompletion, h.NetdevWatchdog} {
			le.PutUint16(p[2*i:], v)
		}
		le.PutUint16(p[12:], 19) // max_tx_sgl_size
		le.PutUint16(p[14:], 19) // max_rx_sgl_size
	case FeatInterruptModerate:
		le.PutUint16(p[0:], 1) // intr_delay_resolution: 1 µs
	case FeatRSSHashFunction, FeatRSSHashInput, FeatRSSIndirection:
		return fn.getRSS(cmd, p, d.k.Now())
	case FeatLLQ:
		fn.getLLQ(p)
	case FeatLinkConfig:
		le.PutUint32(p[0:], d.cfg.LinkMbps)
		le.PutUint32(p[4:], d.cfg.LinkMbps)
		le.PutUint32(p[8:], 1<<1) // full duplex
	default:
		return StatusUnsupportedOpcode
	}
	return StatusSuccess
}

func (fn *function) setFeature(cmd []byte, at sim.Time) byte {
	d := fn.d
	id := cmd[aqFeatID]
	if id != FeatHostAttrConfig && d.supportedFeatures()&(1<<id) == 0 {
		return StatusUnsupportedOpcode
	}
	le := binary.LittleEndian
	p := cmd[aqFeatPayload:]
	switch id {
	case FeatHostAttrConfig:
		ba := uint64(le.Uint32(p[0:])) | uint64(le.Uint16(p[4:]))<<32
		if ba == 0 {
			return StatusMalformedRequest
		}
		var info [hostInfoSize]byte
		if _, err := d.card.Upstream().Read(fn.id, at, ba, info[:]); err != nil {
			d.card.Flag(fn.id, at, "host info at %#x unreadable: %v", ba, err)
			return StatusMalformedRequest
		}
		fn.driverVersion = le.Uint32(info[hostInfoDriverVersion:])
		fn.specVersion = le.Uint16(info[hostInfoSpecVersion:])
	case FeatAENQConfig:
		want := le.Uint32(p[4:])
		if want&^supportedAENQGroups != 0 {
			d.card.Flag(fn.id, at, "AENQ groups %#x enabled, device supports %#x", want, uint32(supportedAENQGroups))
		}
		fn.aenqEnabled = want & supportedAENQGroups
	case FeatRSSHashFunction, FeatRSSHashInput, FeatRSSIndirection:
		return fn.setRSS(cmd, at)
	case FeatLLQ:
		return fn.setLLQ(p, at)
	case FeatMTU:
		mtu := int(le.Uint32(p[0:]))
		if mtu < 128 || mtu > d.cfg.MaxMTU {
			return StatusIllegalParameter
		}
		fn.mtu = mtu
	default:
		return StatusUnsupportedOpcode
	}
	return StatusSuccess
}
