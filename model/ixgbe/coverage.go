package ixgbe

import (
	"github.com/nicforge/nicforge/rtl/cover"
)

// Functional coverage of the 82599 personality, sampled from the datapath.
// Bin indices are the constants below; Device.Coverage returns the groups.
type coverage struct {
	g *cover.Group

	txDesc      *cover.Point // descriptor kinds fetched for transmit
	txDescs     *cover.Point // descriptors per packet
	txSize      *cover.Point // frame sizes transmitted
	txSwitch    *cover.Point // where the switch sent a VF's frame
	rxBufs      *cover.Point // Rx buffers per frame
	rxSize      *cover.Point // frame sizes received
	rxType      *cover.Point // packet type written back
	rxDrop      *cover.Point // why a received frame was dropped
	ringWrap    *cover.Point // a ring's head wrapped
	cause       *cover.Point // interrupt causes raised
	causeByFn   *cover.Cross // cause × function kind
	fnKind      *cover.Point
	mbxVF       *cover.Point // VF to PF messages
	mbxPF       *cover.Point // PF to VF replies
	sizeXswitch *cover.Cross
}

const (
	descAdvData = iota
	descAdvContext
	descLegacy
)

const (
	switchWire = iota
	switchLoopback
	switchBoth
	switchSpoofDrop
)

const (
	rxTypeIPv4UDP = iota
	rxTypeIPv4TCP
	rxTypeIPv4Other
	rxTypeIPv6
	rxTypeOther
)

const (
	dropNoDesc = iota
	dropBufferFull
	dropFiltered
	dropQueueOff
	dropRxDisabled
)

const (
	wrapTx = iota
	wrapRx
)

const (
	causeRxQueue = iota
	causeTxQueue
	causeMailbox
	causeLSC
)

// frameSizes are the RFC 2819 frame-size buckets (FCS included).
var frameSizes = cover.NewBuckets(64, 65, 128, 256, 512, 1024, 1519)

// mailboxCodes are the message codes of ixgbe_mbx.h the PF serves, in bin
// order; anything else lands in "other".
var mailboxCodes = []uint32{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x10}

func newCoverage() *coverage {
	g := cover.NewGroup("ixgbe")
	c := &coverage{g: g}
	c.txDesc = g.Point("tx_desc_kind", "adv_data", "adv_context", "legacy")
	c.txDescs = g.Point("tx_descs_per_packet", "1", "2", "3-7", "8+")
	c.txSize = g.Point("tx_frame_size", frameSizes.Names...)
	c.txSwitch = g.Point("tx_switch", "wire", "loopback", "wire_and_loopback", "spoof_drop")
	c.sizeXswitch = g.Cross("tx_size_x_switch", c.txSize, c.txSwitch)
	c.rxBufs = g.Point("rx_buffers_per_frame", "1", "2", "3+")
	c.rxSize = g.Point("rx_frame_size", frameSizes.Names...)
	c.rxType = g.Point("rx_packet_type", "ipv4_udp", "ipv4_tcp", "ipv4_other", "ipv6", "other")
	c.rxDrop = g.Point("rx_drop", "no_descriptor", "buffer_full", "filtered", "queue_disabled", "rx_disabled")
	c.ringWrap = g.Point("ring_wrap", "tx", "rx")
	c.cause = g.Point("interrupt_cause", "rx_queue", "tx_queue", "mailbox", "link")
	c.fnKind = g.Point("function", "pf", "vf")
	c.causeByFn = g.Cross("cause_x_function", c.cause, c.fnKind)
	c.mbxVF = g.Point("mailbox_vf_message", "reset", "set_mac_addr", "set_multicast", "set_vlan", "set_lpe",
		"set_macvlan", "api_negotiate", "get_queues", "get_reta", "get_rss_key", "update_xcast_mode", "get_link_state", "other")
	c.mbxPF = g.Point("mailbox_pf_reply", "ack", "nack", "control_ping", "other")
	return c
}

func (c *coverage) mailboxVF(w0 uint32) {
	code := w0 & 0xFFFF
	for i, m := range mailboxCodes {
		if m == code {
			c.mbxVF.Hit(i)
			return
		}
	}
	c.mbxVF.Hit(len(mailboxCodes))
}

func (c *coverage) mailboxPF(w0 uint32) {
	const ack, nack, ping = 0x80000000, 0x40000000, 0x0100
	switch {
	case w0&ack != 0:
		c.mbxPF.Hit(0)
	case w0&nack != 0:
		c.mbxPF.Hit(1)
	case w0&0xFFFF == ping:
		c.mbxPF.Hit(2)
	default:
		c.mbxPF.Hit(3)
	}
}

func (c *coverage) descsPerPacket(n int) {
	switch {
	case n <= 2:
		c.txDescs.Hit(n - 1)
	case n < 8:
		c.txDescs.Hit(2)
	default:
		c.txDescs.Hit(3)
	}
}

// Coverage returns the personality's covergroups and those of its
// interrupt engine.
func (d *Device) Coverage() []*cover.Group {
	if d.cov == nil {
		return nil
	}
	return []*cover.Group{d.cov.g, d.intr.Coverage()}
}
