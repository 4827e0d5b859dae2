package ena

import (
	"encoding/binary"
	"fmt"

	"github.com/nicforge/nicforge/driver/bus"
)

// rss is the driver's RSS state (ena_com_rss): the key the device handed
// out, the field selection and the host indirection table (driver queue
// numbers; the device gets their Rx CQ indices).
type rss struct {
	on       bool
	key      []byte
	keyBuf   []byte // control buffers
	ctrl     []byte
	table    []int
	keyIOVA  uint64
	ctrlIOV  uint64
	tableBuf bus.Buffer
}

// withBuffer makes cmd carry a control buffer (flags: ctrl_data_indirect,
// as every such command of the Linux driver does).
func withBuffer(cmd []byte, iova uint64, n int) {
	cmd[3] |= ENA_ADMIN_AQ_COMMON_DESC_CTRL_DATA_INDIRECT
	binary.LittleEndian.PutUint32(cmd[4:], uint32(n))
	binary.LittleEndian.PutUint32(cmd[8:], uint32(iova))
	binary.LittleEndian.PutUint16(cmd[12:], uint16(iova>>32))
}

// rssInit is ena_rss_init_default at probe: the indirection table's size
// checked against the device's limits and filled round robin over the Rx
// queues, the device's Toeplitz key taken and set back, and the default
// hash fields selected. A device without RSS is not an error.
func (d *Device) rssInit() error {
	if !d.supports(ENA_ADMIN_RSS_INDIRECTION_TABLE_CONFIG) {
		return nil
	}
	p, err := d.getFeature(ENA_ADMIN_RSS_INDIRECTION_TABLE_CONFIG, 0)
	if err != nil {
		return err
	}
	le := binary.LittleEndian
	if lo, hi := le.Uint16(p[0:]), le.Uint16(p[2:]); lo > ENA_RX_RSS_TABLE_LOG_SIZE || hi < ENA_RX_RSS_TABLE_LOG_SIZE {
		return fmt.Errorf("ena: RSS table of 2^%d entries outside the device's 2^%d..2^%d", ENA_RX_RSS_TABLE_LOG_SIZE, lo, hi)
	}
	r := &d.rss
	if r.keyBuf == nil { // kept across resets
		kb, err := d.fn.AllocDMA(8+ENA_HASH_KEY_SIZE, 64)
		if err != nil {
			return err
		}
		cb, err := d.fn.AllocDMA(rssHashCtrlSize, 64)
		if err != nil {
			return err
		}
		r.keyBuf, r.keyIOVA, r.ctrl, r.ctrlIOV = kb.Bytes, kb.IOVA, cb.Bytes, cb.IOVA
	}
	r.table = make([]int, 1<<ENA_RX_RSS_TABLE_LOG_SIZE)
	for i := range r.table {
		r.table[i] = i % d.NumQueues
	}
	// The hash function: read the device's key, then select Toeplitz.
	c := featureCmd(ENA_ADMIN_GET_FEATURE, ENA_ADMIN_RSS_HASH_FUNCTION, 0)
	withBuffer(c, r.keyIOVA, len(r.keyBuf))
	if _, err := d.submit(c); err != nil {
		return err
	}
	r.key = append([]byte(nil), r.keyBuf[8:8+ENA_HASH_KEY_SIZE]...)
	if err := d.setHashFunction(); err != nil {
		return err
	}
	// The hash input: addresses, and ports for TCP and UDP.
	c = featureCmd(ENA_ADMIN_GET_FEATURE, ENA_ADMIN_RSS_HASH_INPUT, 0)
	withBuffer(c, r.ctrlIOV, rssHashCtrlSize)
	if _, err := d.submit(c); err != nil {
		return err
	}
	for i := 0; i < rssProtoCount; i++ {
		f := uint16(0)
		switch i {
		case ENA_ADMIN_RSS_TCP4, ENA_ADMIN_RSS_UDP4, ENA_ADMIN_RSS_TCP6, ENA_ADMIN_RSS_UDP6:
			f = ENA_ADMIN_RSS_L3_DA | ENA_ADMIN_RSS_L3_SA | ENA_ADMIN_RSS_L4_DP | ENA_ADMIN_RSS_L4_SP
		case ENA_ADMIN_RSS_IP4, ENA_ADMIN_RSS_IP6, ENA_ADMIN_RSS_IP4_FRAG:
			f = ENA_ADMIN_RSS_L3_DA | ENA_ADMIN_RSS_L3_SA
		case ENA_ADMIN_RSS_NOT_IP:
			f = ENA_ADMIN_RSS_L2_DA | ENA_ADMIN_RSS_L2_SA
		}
		le.PutUint16(r.ctrl[64+4*i:], f)
	}
	if err := d.setHashInput(); err != nil {
		return err
	}
	r.on = true
	return nil
}

func (d *Device) setHashFunction() error {
	r := &d.rss
	le := binary.LittleEndian
	le.PutUint32(r.keyBuf[0:], ENA_HASH_KEY_SIZE/4)
	copy(r.keyBuf[8:], r.key)
	c := featureCmd(ENA_ADMIN_SET_FEATURE, ENA_ADMIN_RSS_HASH_FUNCTION, 0)
	withBuffer(c, r.keyIOVA, len(r.keyBuf))
	le.PutUint32(c[24:], 1<<ENA_ADMIN_TOEPLITZ) // selected_func
	le.PutUint32(c[28:], 0xFFFFFFFF)            // init_val
	_, err := d.submit(c)
	return err
}

func (d *Device) setHashInput() error {
	c := featureCmd(ENA_ADMIN_SET_FEATURE, ENA_ADMIN_RSS_HASH_INPUT, 0)
	withBuffer(c, d.rss.ctrlIOV, rssHashCtrlSize)
	binary.LittleEndian.PutUint16(c[22:], ENA_ADMIN_RSS_L3_SORT|ENA_ADMIN_RSS_L4_SORT)
	_, err := d.submit(c)
	return err
}

// rssConfigure is ena_rss_configure at open: the indirection table (Rx CQ
// indices), then the hash function and the hash input again.
func (d *Device) rssConfigure() error {
	r := &d.rss
	if !r.on {
		return nil
	}
	if r.tableBuf.Bytes == nil {
		var err error
		if r.tableBuf, err = d.fn.AllocDMA(4*len(r.table), 64); err != nil {
			return err
		}
	}
	buf := r.tableBuf
	for i, q := range r.table {
		binary.LittleEndian.PutUint16(buf.Bytes[4*i:], d.rx[q].cqIdx)
	}
	c := featureCmd(ENA_ADMIN_SET_FEATURE, ENA_ADMIN_RSS_INDIRECTION_TABLE_CONFIG, 0)
	withBuffer(c, buf.IOVA, len(buf.Bytes))
	binary.LittleEndian.PutUint16(c[24:], ENA_RX_RSS_TABLE_LOG_SIZE)
	binary.LittleEndian.PutUint32(c[28:], 0xFFFFFFFF) // inline_index: none
	if _, err := d.submit(c); err != nil {
		return err
	}
	if err := d.setHashFunction(); err != nil {
		return err
	}
	return d.setHashInput()
}
