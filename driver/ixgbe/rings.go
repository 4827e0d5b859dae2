package ixgbe

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/nicforge/nicforge/driver/bus"
)

// Packet is a packet buffer in DMA memory.
type Packet struct {
	Data []byte
	iova uint64
	buf  []byte
}

type ring struct {
	count    int
	mem      bus.Buffer
	pkts     []*Packet
	ntu, ntc int
	out      []*Packet
	packets  uint64
	bytes    uint64
}

// Open sets up the PF's own queue pair in its pool, maps it to vector 0
// and enables receive (ixgbe_configure_rx/tx for the PF's rings).
func (d *Device) Open() error {
	fn := d.fn
	n := d.cfg.TxRing + d.cfg.RxRing + 256
	if d.cfg.PoolSize > 0 {
		n = d.cfg.PoolSize
	}
	mem, err := fn.AllocDMA(n*bufSize, 4096)
	if err != nil {
		return fmt.Errorf("ixgbe: packet pool: %w", err)
	}
	pkts := make([]Packet, n) // one allocation for the whole pool
	d.pool = make([]*Packet, 0, n)
	for i := 0; i < n; i++ {
		b := mem.Bytes[i*bufSize : (i+1)*bufSize : (i+1)*bufSize]
		pkts[i] = Packet{iova: mem.IOVA + uint64(i*bufSize), buf: b}
		d.pool = append(d.pool, &pkts[i])
	}
	d.q = d.numVFs * 2
	if d.tx, err = newRing(fn, d.cfg.TxRing); err != nil {
		return err
	}
	if d.rx, err = newRing(fn, d.cfg.RxRing); err != nil {
		return err
	}
	tq := TDBAL0 + queueStride*uint32(d.q)
	fn.Write32(0, tq+qBAL, uint32(d.tx.mem.IOVA))
	fn.Write32(0, tq+qBAH, uint32(d.tx.mem.IOVA>>32))
	fn.Write32(0, tq+qLEN, uint32(d.tx.count*16))
	fn.Write32(0, tq+qH, 0)
	fn.Write32(0, tq+qT, 0)
	fn.Write32(0, tq+qDCTL, TXDCTL_ENABLE|8<<16|1<<8|32)
	if err := poll(fn, tq+qDCTL, TXDCTL_ENABLE, 10, time.Millisecond); err != nil {
		return fmt.Errorf("ixgbe: Tx queue %d: %w", d.q, err)
	}
	rq := RDBAL0 + queueStride*uint32(d.q)
	fn.Write32(0, rq+qBAL, uint32(d.rx.mem.IOVA))
	fn.Write32(0, rq+qBAH, uint32(d.rx.mem.IOVA>>32))
	fn.Write32(0, rq+qLEN, uint32(d.rx.count*16))
	fn.Write32(0, rq+qH, 0)
	fn.Write32(0, rq+qT, 0)
	fn.Write32(0, rq+qSRRCTL, SRRCTL_DROP_EN|SRRCTL_DESCTYPE_ADV_ONEBUF|bufSize>>10)
	fn.Write32(0, rq+qDCTL, RXDCTL_ENABLE)
	if err := poll(fn, rq+qDCTL, RXDCTL_ENABLE, 10, time.Millisecond); err != nil {
		return fmt.Errorf("ixgbe: Rx queue %d: %w", d.q, err)
	}
	d.refill(d.rx.count - 1)
	fn.Write32(0, rq+qT, uint32(d.rx.ntu))
	fn.Write32(0, RXCTRL, RXCTRL_RXEN)
	// Queue pair on vector 0, other causes on vector 1.
	iv := IVAR0 + 4*uint32(d.q/2)
	shift := uint(16 * (d.q & 1))
	val := fn.Read32(0, iv) &^ (0xFFFF << shift)
	val |= (0 | IVAR_ALLOC_VAL | (0|IVAR_ALLOC_VAL)<<8) << shift
	fn.Write32(0, iv, val)
	fn.Write32(0, IVAR_MISC, 1|IVAR_ALLOC_VAL)
	fn.Write32(0, EITR0, uint32(d.cfg.ITR)|EITR_CNT_WDIS)
	fn.Write32(0, EIAC, 1)
	fn.Write32(0, EIAM, 1)
	fn.Write32(0, EIMS, 1|EICR_MAILBOX|EICR_LSC)
	d.up = true
	return nil
}

func newRing(fn bus.Function, count int) (*ring, error) {
	mem, err := fn.AllocDMA(count*16, 4096)
	if err != nil {
		return nil, fmt.Errorf("ixgbe: ring of %d descriptors: %w", count, err)
	}
	return &ring{count: count, mem: mem, pkts: make([]*Packet, count)}, nil
}

// AllocPacket returns a free buffer, or nil.
func (d *Device) AllocPacket() *Packet {
	n := len(d.pool)
	if n == 0 {
		return nil
	}
	p := d.pool[n-1]
	d.pool = d.pool[:n-1]
	p.Data = p.buf[:0]
	return p
}

// FreePacket returns a buffer.
func (d *Device) FreePacket(p *Packet) { d.pool = append(d.pool, p) }

func (d *Device) refill(n int) int {
	r := d.rx
	i := 0
	for ; i < n; i++ {
		p := d.AllocPacket()
		if p == nil {
			break
		}
		desc := r.mem.Bytes[r.ntu*16:]
		binary.LittleEndian.PutUint64(desc[0:], p.iova)
		binary.LittleEndian.PutUint64(desc[8:], 0)
		r.pkts[r.ntu] = p
		r.ntu = (r.ntu + 1) % r.count
	}
	return i
}

// TxRoom returns how many packets TxBatch can take now.
func (d *Device) TxRoom(q int) int {
	r := d.tx
	free := r.ntc - r.ntu - 1
	if free < 0 {
		free += r.count
	}
	if free -= 3; free > 0 {
		return free
	}
	return 0
}

// TxBatch queues packets on the PF's queue.
func (d *Device) TxBatch(q int, pkts []*Packet) int {
	r := d.tx
	n := 0
	for _, p := range pkts {
		free := r.ntc - r.ntu - 1
		if free < 0 {
			free += r.count
		}
		if free < 4 {
			break
		}
		l := uint32(len(p.Data))
		desc := r.mem.Bytes[r.ntu*16:]
		binary.LittleEndian.PutUint64(desc[0:], p.iova)
		binary.LittleEndian.PutUint32(desc[8:], l|TXD_DTYP_DATA|TXD_DCMD_IFCS|TXD_DCMD_DEXT|TXD_DCMD_EOP|TXD_DCMD_RS)
		binary.LittleEndian.PutUint32(desc[12:], TXD_CC|l<<14)
		r.pkts[r.ntu] = p
		r.ntu = (r.ntu + 1) % r.count
		n++
	}
	if n > 0 {
		d.fn.Write32(0, TDBAL0+queueStride*uint32(d.q)+qT, uint32(r.ntu))
	}
	return n
}

// RxBatch hands received packets to the caller.
func (d *Device) RxBatch(q int, out []*Packet) int {
	r := d.rx
	n := copy(out, r.out)
	r.out = r.out[:copy(r.out, r.out[n:])]
	return n
}

// Poll cleans Tx, receives, and re-arms vector 0 when done.
func (d *Device) Poll(budget int) int {
	if !d.up || !d.napi {
		return 0
	}
	work := 0
	t := d.tx
	for t.ntc != t.ntu {
		if binary.LittleEndian.Uint32(t.mem.Bytes[t.ntc*16+12:])&TXD_STAT_DD == 0 {
			break
		}
		p := t.pkts[t.ntc]
		t.pkts[t.ntc] = nil
		t.packets++
		t.bytes += uint64(len(p.Data))
		d.FreePacket(p)
		t.ntc = (t.ntc + 1) % t.count
		work++
	}
	r := d.rx
	got := 0
	for got < budget && r.ntc != r.ntu {
		desc := r.mem.Bytes[r.ntc*16:]
		st := binary.LittleEndian.Uint32(desc[8:])
		l := binary.LittleEndian.Uint16(desc[12:])
		if st&RXD_STAT_DD == 0 || l == 0 {
			break
		}
		p := r.pkts[r.ntc]
		r.pkts[r.ntc] = nil
		r.ntc = (r.ntc + 1) % r.count
		p.Data = p.buf[:l]
		r.packets++
		r.bytes += uint64(l)
		r.out = append(r.out, p)
		got++
	}
	if got > 0 {
		d.refill(got)
		d.fn.Write32(0, RDBAL0+queueStride*uint32(d.q)+qT, uint32(r.ntu))
	}
	work += got
	if got < budget {
		d.napi = false
		d.fn.Write32(0, EIMS, 1)
	}
	return work
}

// WaitInterrupt waits for the PF's vectors: the queue vector marks NAPI;
// the other vector serves the VF mailboxes and link changes.
func (d *Device) WaitInterrupt(timeout time.Duration) bool {
	if d.napi {
		return true
	}
	got := d.fn.WaitIRQ(3, timeout)
	if got&1 != 0 {
		d.napi = true
	}
	if got&2 != 0 {
		eicr := d.fn.Read32(0, EICS)
		if eicr&EICR_MAILBOX != 0 {
			d.fn.Write32(0, EICR, EICR_MAILBOX)
			d.ServeMailbox()
		}
		if eicr&EICR_LSC != 0 {
			d.fn.Write32(0, EICR, EICR_LSC)
		}
	}
	return got != 0
}

// Stats are the PF's own counters.
type Stats struct{ TxPackets, RxPackets, TxBytes, RxBytes uint64 }

// Stats returns the PF's counters.
func (d *Device) Stats() Stats {
	if d.tx == nil {
		return Stats{}
	}
	return Stats{TxPackets: d.tx.packets, RxPackets: d.rx.packets, TxBytes: d.tx.bytes, RxBytes: d.rx.bytes}
}
