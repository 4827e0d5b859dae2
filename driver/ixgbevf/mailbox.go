package ixgbevf

import (
	"errors"
	"fmt"
	"time"

	"github.com/nicforge/nicforge/driver/bus"
)

// ErrMailboxTimeout is a mailbox poll that ran out of tries.
var ErrMailboxTimeout = errors.New("ixgbevf: mailbox timeout")

// mailbox is the VF side of the VF<->PF mailbox with the legacy operations
// of ixgbevf mbx.c. The read-to-clear bits of VFMAILBOX are kept in a
// sticky software copy so a read made while taking the lock does not lose
// a PFSTS or PFACK.
type mailbox struct {
	fn      bus.Function
	sticky  uint32
	timeout int           // tries; 0 disables posted operations
	delay   time.Duration // between tries
	stats   struct{ msgsTx, msgsRx, acks, reqs, rsts uint64 }
	noLock  bool // mutation: post without the lock
}

func (m *mailbox) readV2P() uint32 {
	v := m.fn.Read32(0, VFMAILBOX)
	v |= m.sticky
	m.sticky |= v & VFMAILBOX_R2C_BITS
	return v
}

// checkBit reports whether any bit of mask is set, consuming it from the
// sticky copy.
func (m *mailbox) checkBit(mask uint32) bool {
	v := m.readV2P()
	m.sticky &^= mask
	return v&mask != 0
}

func (m *mailbox) checkForMsg() bool { return m.checkBit(VFMAILBOX_PFSTS) }
func (m *mailbox) checkForAck() bool { return m.checkBit(VFMAILBOX_PFACK) }
func (m *mailbox) checkForRst() bool { return m.checkBit(VFMAILBOX_RSTD | VFMAILBOX_RSTI) }

func (m *mailbox) obtainLock() error {
	m.fn.Write32(0, VFMAILBOX, VFMAILBOX_VFU)
	if m.readV2P()&VFMAILBOX_VFU == 0 {
		return fmt.Errorf("ixgbevf: mailbox lock not granted (VFMAILBOX.VFU stayed clear)")
	}
	return nil
}

func (m *mailbox) pollForMsg() error {
	if m.timeout == 0 {
		return ErrMailboxTimeout
	}
	for n := m.timeout; n > 0; n-- {
		if m.checkForMsg() {
			return nil
		}
		m.fn.Delay(m.delay)
	}
	m.timeout = 0 // the legacy driver stops using the mailbox until reset
	return ErrMailboxTimeout
}

func (m *mailbox) pollForAck() error {
	if m.timeout == 0 {
		return ErrMailboxTimeout
	}
	for n := m.timeout; n > 0; n-- {
		if m.checkForAck() {
			return nil
		}
		m.fn.Delay(m.delay)
	}
	m.timeout = 0
	return ErrMailboxTimeout
}

// write posts msg: lock, clear stale PFSTS/PFACK, copy, REQ (which also
// drops the lock).
func (m *mailbox) write(msg []uint32) error {
	if !m.noLock {
		if err := m.obtainLock(); err != nil {
			return err
		}
	}
	m.checkForMsg()
	m.checkForAck()
	for i, w := range msg {
		m.fn.Write32(0, VFMBMEM+uint32(4*i), w)
	}
	m.stats.msgsTx++
	m.fn.Write32(0, VFMAILBOX, VFMAILBOX_REQ)
	return nil
}

// read copies the PF's message and acknowledges it.
func (m *mailbox) read(msg []uint32) error {
	if err := m.obtainLock(); err != nil {
		return err
	}
	for i := range msg {
		msg[i] = m.fn.Read32(0, VFMBMEM+uint32(4*i))
	}
	m.fn.Write32(0, VFMAILBOX, VFMAILBOX_ACK)
	m.stats.msgsRx++
	return nil
}

func (m *mailbox) writePosted(msg []uint32) error {
	if m.timeout == 0 {
		return ErrMailboxTimeout
	}
	if err := m.write(msg); err != nil {
		return err
	}
	return m.pollForAck()
}

func (m *mailbox) readPosted(msg []uint32) error {
	if err := m.pollForMsg(); err != nil {
		return err
	}
	return m.read(msg)
}

// request sends msg and reads the reply into the same buffer.
func (m *mailbox) request(msg []uint32, replyWords int) error {
	code := msg[0]
	if err := m.writePosted(msg); err != nil {
		return fmt.Errorf("send %#x: %w", code, err)
	}
	for i := range msg {
		msg[i] = 0
	}
	if err := m.readPosted(msg[:replyWords]); err != nil {
		return fmt.Errorf("reply to %#x: %w", code, err)
	}
	return nil
}

// Reply decoding, kept pure for tests and fuzzing.

// ResetReply is the PF's answer to VF_RESET.
type ResetReply struct {
	HasMAC       bool
	MAC          [6]byte
	MCFilterType uint32
}

// DecodeResetReply checks and decodes the 4-word VF_RESET reply.
func DecodeResetReply(w []uint32) (ResetReply, error) {
	var r ResetReply
	if len(w) < 4 {
		return r, fmt.Errorf("ixgbevf: VF_RESET reply of %d words, want 4", len(w))
	}
	switch w[0] {
	case VF_RESET | VT_MSGTYPE_SUCCESS:
		r.HasMAC = true
	case VF_RESET | VT_MSGTYPE_FAILURE:
	default:
		return r, fmt.Errorf("ixgbevf: VF_RESET reply word 0 is %#x, want %#x or %#x", w[0], VF_RESET|VT_MSGTYPE_SUCCESS, VF_RESET|VT_MSGTYPE_FAILURE)
	}
	for i := 0; i < 6; i++ {
		r.MAC[i] = byte(w[1+i/4] >> (8 * (i % 4)))
	}
	r.MCFilterType = w[3]
	return r, nil
}

// EncodeMAC packs a MAC into words 1..2 of a message (bytes 4..9).
func EncodeMAC(msg []uint32, mac [6]byte) {
	msg[1] = uint32(mac[0]) | uint32(mac[1])<<8 | uint32(mac[2])<<16 | uint32(mac[3])<<24
	msg[2] = uint32(mac[4]) | uint32(mac[5])<<8
}

// QueuesReply is the PF's answer to GET_QUEUES, after the VF's checks.
type QueuesReply struct {
	Tx, Rx, TCs, DefaultQueue int
}

// DecodeQueuesReply applies ixgbevf_get_queues' validation: 0 or more than
// 8 queues become 8, more TCs than Rx queues become 1, a default queue
// beyond the Tx queues becomes 0.
func DecodeQueuesReply(w []uint32) (QueuesReply, error) {
	if len(w) < 5 {
		return QueuesReply{}, fmt.Errorf("ixgbevf: GET_QUEUES reply of %d words, want 5", len(w))
	}
	if w[0]&^VT_MSGTYPE_CTS != VF_GET_QUEUES|VT_MSGTYPE_SUCCESS {
		return QueuesReply{}, fmt.Errorf("ixgbevf: GET_QUEUES refused: word 0 %#x", w[0])
	}
	fix := func(n uint32) int {
		if n == 0 || n > 8 {
			return 8
		}
		return int(n)
	}
	r := QueuesReply{Tx: fix(w[1]), Rx: fix(w[2]), TCs: int(w[3]), DefaultQueue: int(w[4])}
	if r.TCs > r.Rx {
		r.TCs = 1
	}
	if r.DefaultQueue >= r.Tx {
		r.DefaultQueue = 0
	}
	return r, nil
}
