package ena

import (
	"encoding/binary"

	"github.com/nicforge/nicforge/model/pcie"
	"github.com/nicforge/nicforge/sim"
)

// Statistics (GET_STATS, ena_admin_defs.h): basic counters, the ENI
// allowance counters, and customer metrics (discover the metrics with a
// request and no buffer, then fetch one u64 per metric into a control
// buffer, in ascending bit order).

// GET_STATS command fields and types.
const (
	statsType        = 16 // u8
	statsMetrics     = 24 // u64 requested_metrics
	statsBasic       = 0
	statsENI         = 2
	statsCustomer    = 4
	customerMetrics  = 0x3F // bw_in, bw_out, pps, conntrack, linklocal exceeded; conntrack available
	eniBWIn          = 0
	eniBWOut         = 1
	eniPPS           = 2
	eniConntrack     = 3
	eniLinklocal     = 4
	metricConntrAvai = 5
)

// ENI counts the packets f's allowances shaped, by allowance (bw_in,
// bw_out, pps, conntrack, linklocal).
func (d *Device) ENI(f pcie.Func) [5]uint64 {
	if fn := d.fn(f); fn != nil {
		return fn.eni
	}
	return [5]uint64{}
}

func put64(b []byte, v uint64) { binary.LittleEndian.PutUint64(b, v) }

func (fn *function) getStats(cmd, p []byte, at sim.Time) byte {
	switch cmd[statsType] {
	case statsBasic:
		for i, v := range []uint64{fn.txBytes, fn.txPackets, fn.rxBytes, fn.rxPackets, fn.rxDrops, 0, 0} {
			put64(p[8*i:], v)
		}
	case statsENI:
		for i, v := range fn.eni {
			put64(p[8*i:], v)
		}
	case statsCustomer:
		want := binary.LittleEndian.Uint64(cmd[statsMetrics:]) & customerMetrics
		addr, n, err := ctrlBufferAny(cmd)
		if err != nil {
			put64(p[0:], want) // discovery: the metrics this device reports
			return StatusSuccess
		}
		var vals []byte
		for bit := 0; bit < 6; bit++ {
			if want&(1<<bit) == 0 {
				continue
			}
			v := uint64(0)
			if bit < len(fn.eni) {
				v = fn.eni[bit]
			} else if bit == metricConntrAvai {
				v = fn.conntrackAvailable(at)
			}
			vals = binary.LittleEndian.AppendUint64(vals, v)
		}
		if n < len(vals) {
			return StatusMalformedRequest
		}
		_ = fn.d.card.Upstream().Write(fn.id, at, addr, vals)
	default:
		return StatusUnsupportedOpcode
	}
	return StatusSuccess
}

// ctrlBufferAny reads a control buffer whatever the flags say: GET_STATS
// with customer metrics sends one with flags 0.
func ctrlBufferAny(cmd []byte) (uint64, int, error) {
	addr := addr48(le32(cmd[featCtrlAddrLo:]), le16(cmd[featCtrlAddrHi:]))
	if addr == 0 {
		return 0, 0, errNoBuffer
	}
	return addr, int(le32(cmd[featCtrlLen:])), nil
}
