package ena

import (
	"encoding/binary"
	"fmt"
)

// Statistics (ena_com.c ena_com_get_eni_stats / ena_com_get_customer_metrics,
// ena_ethtool.c).
const (
	ENA_ADMIN_GET_STATS              = 11
	ENA_ADMIN_GET_STATS_TYPE_BASIC   = 0
	ENA_ADMIN_GET_STATS_TYPE_ENI     = 2
	ENA_ADMIN_GET_STATS_TYPE_CUSTOM  = 4
	ENA_ADMIN_ENI_STATS              = 0 // capability bits
	ENA_ADMIN_CUSTOMER_METRICS       = 2
	ENA_ADMIN_CUSTOMER_METRICS_MIN   = 0x1F // assumed without discovery
	ENA_ADMIN_CUSTOMER_METRICS_ALL   = 0x3F
	ENA_CUSTOMER_METRICS_BUFFER_SIZE = 512
)

// MetricNames are the ethtool names of the customer metrics, by bit.
var MetricNames = []string{"bw_in_allowance_exceeded", "bw_out_allowance_exceeded", "pps_allowance_exceeded",
	"conntrack_allowance_exceeded", "linklocal_allowance_exceeded", "conntrack_allowance_available"}

func statsCmd(typ byte) []byte {
	c := make([]byte, adminEntrySize)
	c[2] = ENA_ADMIN_GET_STATS
	c[16] = typ
	return c
}

// discoverMetrics is step 10.7 of the probe: with the customer-metrics
// capability, ask which metrics the device reports; otherwise assume the
// five allowance counters.
func (d *Device) discoverMetrics() error {
	d.metrics = ENA_ADMIN_CUSTOMER_METRICS_MIN
	if d.Attr.Capabilities&(1<<ENA_ADMIN_CUSTOMER_METRICS) == 0 {
		return nil
	}
	c := statsCmd(ENA_ADMIN_GET_STATS_TYPE_CUSTOM)
	binary.LittleEndian.PutUint64(c[24:], ENA_ADMIN_CUSTOMER_METRICS_ALL)
	resp, err := d.submit(c)
	if err != nil {
		return err
	}
	d.metrics = binary.LittleEndian.Uint64(resp[8:])
	return nil
}

// ENIStats returns the allowance counters by ethtool name: from customer
// metrics (one u64 per reported metric, in bit order, into a buffer) when
// the device has them, else from the ENI statistics.
func (d *Device) ENIStats() (map[string]uint64, error) {
	le := binary.LittleEndian
	out := map[string]uint64{}
	switch {
	case d.Attr.Capabilities&(1<<ENA_ADMIN_CUSTOMER_METRICS) != 0:
		if d.metricsBuf.Bytes == nil {
			var err error
			if d.metricsBuf, err = d.fn.AllocDMA(ENA_CUSTOMER_METRICS_BUFFER_SIZE, 64); err != nil {
				return nil, err
			}
		}
		c := statsCmd(ENA_ADMIN_GET_STATS_TYPE_CUSTOM)
		le.PutUint32(c[4:], ENA_CUSTOMER_METRICS_BUFFER_SIZE)
		le.PutUint32(c[8:], uint32(d.metricsBuf.IOVA))
		le.PutUint16(c[12:], uint16(d.metricsBuf.IOVA>>32))
		le.PutUint64(c[24:], d.metrics)
		if _, err := d.submit(c); err != nil {
			return nil, err
		}
		k := 0
		for bit, name := range MetricNames {
			if d.metrics&(1<<bit) != 0 {
				out[name] = le.Uint64(d.metricsBuf.Bytes[8*k:])
				k++
			}
		}
	case d.Attr.Capabilities&(1<<ENA_ADMIN_ENI_STATS) != 0:
		resp, err := d.submit(statsCmd(ENA_ADMIN_GET_STATS_TYPE_ENI))
		if err != nil {
			return nil, err
		}
		for i, name := range MetricNames[:5] {
			out[name] = le.Uint64(resp[8+8*i:])
		}
	default:
		return nil, fmt.Errorf("ena: the device reports neither ENI statistics nor customer metrics")
	}
	return out, nil
}

// BasicStats returns the device's own counters: tx bytes, tx packets, rx
// bytes, rx packets, rx drops, tx drops, rx overruns.
func (d *Device) BasicStats() ([7]uint64, error) {
	var s [7]uint64
	resp, err := d.submit(statsCmd(ENA_ADMIN_GET_STATS_TYPE_BASIC))
	if err != nil {
		return s, err
	}
	for i := range s {
		s[i] = binary.LittleEndian.Uint64(resp[8+8*i:])
	}
	return s, nil
}
