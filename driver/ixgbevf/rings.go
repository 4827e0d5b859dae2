package ixgbevf

import (
	"encoding/binary"
	"fmt"

	"github.com/nicforge/nicforge/driver/bus"
)

// Packet is a packet buffer in DMA memory.
type Packet struct {
	Data     []byte // the frame, a view of DMA memory
	Queue    int
	Loopback bool
	iova     uint64
	buf      []byte
}

// mempool is a fixed set of 2 KiB packet buffers in one DMA block.
type mempool struct {
	mem  bus.Buffer
	free []*Packet
}

func newMempool(fn bus.Function, n int) (*mempool, error) {
	mem, err := fn.AllocDMA(n*bufSize, 4096)
	if err != nil {
		return nil, fmt.Errorf("ixgbevf: packet pool of %d buffers: %w", n, err)
	}
	p := &mempool{mem: mem, free: make([]*Packet, 0, n)}
	pkts := make([]Packet, n) // one allocation for the whole pool
	for i := n - 1; i >= 0; i-- {
		b := mem.Bytes[i*bufSize : (i+1)*bufSize : (i+1)*bufSize]
		pkts[i] = Packet{iova: mem.IOVA + uint64(i*bufSize), buf: b, Data: b[:0]}
		p.free = append(p.free, &pkts[i])
	}
	return p, nil
}

func (p *mempool) get() *Packet {
	n := len(p.free)
	if n == 0 {
		return nil
	}
	pk := p.free[n-1]
	p.free = p.free[:n-1]
	pk.Data = pk.buf[:0]
	pk.Loopback = false
	return pk
}

func (p *mempool) put(pk *Packet) { p.free = append(p.free, pk) }

// AllocPacket returns an empty packet buffer (nil when the pool is empty).
func (d *Device) AllocPacket() *Packet { return d.pool.get() }

// FreePacket returns a buffer to the pool.
func (d *Device) FreePacket(p *Packet) { d.pool.put(p) }

type txRing struct {
	q              int
	count          int
	mem            bus.Buffer
	pkts           []*Packet
	ntu, ntc       int // next to use, next to clean
	packets, bytes uint64
	lastClean      uint64 // packets cleaned at the last hang check
	hangChecks     int
}

func newTxRing(fn bus.Function, q, count int) (*txRing, error) {
	mem, err := fn.AllocDMA(count*16, 4096)
	if err != nil {
		return nil, fmt.Errorf("ixgbevf: Tx ring %d: %w", q, err)
	}
	return &txRing{q: q, count: count, mem: mem, pkts: make([]*Packet, count)}, nil
}

func (r *txRing) unused() int {
	if r.ntc > r.ntu {
		return r.ntc - r.ntu - 1
	}
	return r.count - r.ntu + r.ntc - 1
}

// EncodeTxData writes an advanced data descriptor for a one-buffer packet:
// DTYP_DATA | IFCS | DEXT, EOP | RS on the (only, so last) descriptor,
// CC and PAYLEN in olinfo.
func EncodeTxData(desc []byte, addr uint64, length int) {
	binary.LittleEndian.PutUint64(desc[0:], addr)
	binary.LittleEndian.PutUint32(desc[8:], uint32(length)|TXD_DTYP_DATA|TXD_DCMD_IFCS|TXD_DCMD_DEXT|TXD_DCMD_EOP|TXD_DCMD_RS)
	binary.LittleEndian.PutUint32(desc[12:], TXD_CC|uint32(length)<<TXD_PAYLEN_SHIFT)
}

// TxRoom returns how many single-buffer packets TxBatch can take on queue
// q now (the ring keeps 3 descriptors in reserve, as ixgbevf does).
func (d *Device) TxRoom(q int) int {
	if n := d.tx[q].unused() - 3; n > 0 {
		return n
	}
	return 0
}

// TxBatch queues packets on queue q; it takes the ones it queued.
func (d *Device) TxBatch(q int, pkts []*Packet) int {
	r := d.tx[q]
	n := 0
	start := r.ntu
	for _, p := range pkts {
		if r.unused() < 1+3 {
			break
		}
		l := len(p.Data)
		if l < 17 {
			p.Data = p.buf[:17] // minimum for olinfo PAYLEN
			l = 17
		}
		EncodeTxData(r.mem.Bytes[r.ntu*16:], p.iova, l)
		r.pkts[r.ntu] = p
		r.ntu = (r.ntu + 1) % r.count
		n++
	}
	if n > 0 {
		d.fn.Spend(txCost * timeDur(n))
		tail := uint32(r.ntu)
		switch {
		case d.strike(MutateTailBeyondRing):
			tail = uint32(r.count)
		case d.strike(MutateTailPastHead):
			// One short of a full lap from the old tail: every descriptor
			// the device still holds is handed over again.
			tail = uint32((start + r.count - 1) % r.count)
		}
		d.fn.Write32(0, VFTDT0+uint32(queueStride*q), tail)
	}
	return n
}

// cleanTx frees packets whose EOP descriptor is done, at most count/2.
func (d *Device) cleanTx(r *txRing) int {
	done := 0
	for done < r.count/2 && r.ntc != r.ntu {
		st := binary.LittleEndian.Uint32(r.mem.Bytes[r.ntc*16+12:])
		if st&TXD_STAT_DD == 0 {
			break
		}
		p := r.pkts[r.ntc]
		r.pkts[r.ntc] = nil
		r.packets++
		r.bytes += uint64(len(p.Data))
		d.pool.put(p)
		r.ntc = (r.ntc + 1) % r.count
		done++
	}
	return done
}

type rxRing struct {
	q              int
	count          int
	mem            bus.Buffer
	pkts           []*Packet
	ntu, ntc       int
	pending        int // refilled since the last tail write
	out            []*Packet
	packets, bytes uint64
}

func newRxRing(fn bus.Function, q, count int) (*rxRing, error) {
	mem, err := fn.AllocDMA(count*16, 4096)
	if err != nil {
		return nil, fmt.Errorf("ixgbevf: Rx ring %d: %w", q, err)
	}
	return &rxRing{q: q, count: count, mem: mem, pkts: make([]*Packet, count)}, nil
}

// refill posts up to n buffers (ixgbevf_alloc_rx_buffers); the tail moves
// every IXGBEVF_RX_BUFFER_WRITE (16) buffers and at the end.
func (r *rxRing) refill(pool *mempool, n int) int {
	posted := 0
	for ; posted < n; posted++ {
		p := pool.get()
		if p == nil {
			break
		}
		desc := r.mem.Bytes[r.ntu*16:]
		binary.LittleEndian.PutUint64(desc[0:], p.iova)
		binary.LittleEndian.PutUint64(desc[8:], 0) // header address; clears the write-back length
		r.pkts[r.ntu] = p
		r.ntu = (r.ntu + 1) % r.count
	}
	return posted
}

// RxWriteback is the decoded write-back of an advanced Rx descriptor.
type RxWriteback struct {
	PktInfo uint16
	Hash    uint32
	Status  uint32
	Length  uint16
	VLAN    uint16
}

// DecodeRxWriteback reads the write-back format.
func DecodeRxWriteback(desc []byte) RxWriteback {
	return RxWriteback{
		PktInfo: binary.LittleEndian.Uint16(desc[0:]),
		Hash:    binary.LittleEndian.Uint32(desc[4:]),
		Status:  binary.LittleEndian.Uint32(desc[8:]),
		Length:  binary.LittleEndian.Uint16(desc[12:]),
		VLAN:    binary.LittleEndian.Uint16(desc[14:]),
	}
}

// cleanRx receives up to budget frames (ixgbevf_clean_rx_irq).
func (d *Device) cleanRx(r *rxRing, budget int) int {
	n := 0
	cleaned := 0
	for n < budget && r.ntc != r.ntu {
		wb := DecodeRxWriteback(r.mem.Bytes[r.ntc*16:])
		if wb.Length == 0 || wb.Status&RXD_STAT_DD == 0 {
			break
		}
		p := r.pkts[r.ntc]
		r.pkts[r.ntc] = nil
		r.ntc = (r.ntc + 1) % r.count
		cleaned++
		p.Data = p.buf[:wb.Length]
		p.Queue = r.q
		p.Loopback = wb.Status&RXD_STAT_LB != 0
		if wb.Status&RXD_STAT_EOP == 0 {
			// Frames larger than one buffer are not configured
			// (2 KiB buffers, MTU 1500): drop the chain's pieces.
			d.pool.put(p)
			continue
		}
		// Drop our own broadcast/multicast coming back from the switch.
		if p.Data[0]&1 != 0 && len(p.Data) >= 12 && [6]byte(p.Data[6:12]) == d.mac {
			d.pool.put(p)
			continue
		}
		r.packets++
		r.bytes += uint64(len(p.Data))
		r.out = append(r.out, p)
		n++
	}
	if cleaned > 0 {
		d.fn.Spend(rxCost * timeDur(cleaned))
		r.pending += r.refill(d.pool, cleaned)
		if r.pending >= 16 || n < budget {
			d.fn.Write32(0, VFRDT0+uint32(queueStride*r.q), uint32(r.ntu))
			r.pending = 0
		}
	}
	return n
}

// Quiet reports whether, in polling mode, a Poll would clean and receive
// nothing and an RxBatch of every queue return nothing: no Tx descriptor
// done at any next-to-clean, no Rx write-back there, no frame waiting to
// be handed out. A polling loop counts such a pass as idle without making
// the calls.
func (d *Device) Quiet() bool {
	if !d.up || !d.cfg.Polling {
		return false
	}
	for _, r := range d.tx {
		if r.ntc != r.ntu && binary.LittleEndian.Uint32(r.mem.Bytes[r.ntc*16+12:])&TXD_STAT_DD != 0 {
			return false
		}
	}
	for _, r := range d.rx {
		if len(r.out) > 0 {
			return false
		}
		if r.ntc != r.ntu {
			wb := r.mem.Bytes[r.ntc*16:]
			if binary.LittleEndian.Uint16(wb[12:]) != 0 && binary.LittleEndian.Uint32(wb[8:])&RXD_STAT_DD != 0 {
				return false
			}
		}
	}
	return true
}

// RxBatch hands received packets of queue q to the caller, who frees them.
func (d *Device) RxBatch(q int, out []*Packet) int {
	r := d.rx[q]
	n := copy(out, r.out)
	r.out = r.out[:copy(r.out, r.out[n:])]
	return n
}
