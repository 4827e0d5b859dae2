package ena

import (
	"encoding/binary"
	"errors"
	"math/bits"

	"github.com/nicforge/nicforge/model/ether"
	"github.com/nicforge/nicforge/sim"
)

// Receive-side scaling: a Toeplitz hash with a 40-byte key over the fields
// the driver selects per protocol (addresses, ports), and an indirection
// table of 2^size entries that maps the hash's low bits to an Rx CQ.
// Everything is configured through admin features with control buffers
// (ena_admin_defs.h): RSS_HASH_FUNCTION (the key), RSS_HASH_INPUT (the
// fields), RSS_INDIRECTION_TABLE_CONFIG (the table).

// RSS constants (ena_admin_defs.h, ena_com.h).
const (
	hashKeySize     = 40 // ENA_HASH_KEY_SIZE
	hashKeyWords    = 10
	hashCtrlSize    = 256 // ena_admin_feature_rss_hash_control
	funcToeplitz    = 1   // enum ena_admin_hash_functions
	indTableMinLog  = 0
	indTableMaxLog  = 8
	protoTCP4       = 0 // enum ena_admin_flow_hash_proto
	protoUDP4       = 1
	protoTCP6       = 2
	protoUDP6       = 3
	protoIP4        = 4
	protoIP6        = 5
	protoNotIP      = 7
	protoCount      = 16
	fieldL3DA       = 1 << 2 // enum ena_admin_flow_hash_fields
	fieldL3SA       = 1 << 3
	fieldL4DP       = 1 << 4
	fieldL4SP       = 1 << 5
	sortL3          = 1 << 1
	sortL4          = 1 << 2
	ctrlDataIndir   = 1 << 2 // AQ flags: control buffer
	featCtrlLen     = 4
	featCtrlAddrLo  = 8
	featCtrlAddrHi  = 12
	hashFuncSelOff  = 4 // in the feature payload
	indTableSizeOff = 4
)

// defaultHashKey is the key the device starts with: the Toeplitz
// verification key of the RSS specification.
var defaultHashKey = [hashKeySize]byte{
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
	0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
	0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
}

// Toeplitz hashes data with key (at least len(data)+4 bytes).
func Toeplitz(key, data []byte) uint32 {
	var h uint32
	v := binary.BigEndian.Uint32(key)
	for i, b := range data {
		for bit := 7; bit >= 0; bit-- {
			if b&(1<<bit) != 0 {
				h ^= v
			}
			v <<= 1
			if i+4 < len(key) && key[i+4]&(1<<bit) != 0 {
				v |= 1
			}
		}
	}
	return h
}

// rss is one function's RSS state.
type rss struct {
	key      [hashKeySize]byte
	function uint32 // selected_func bitmask; 0 = none
	fields   [protoCount]uint16
	table    []uint16       // Rx CQ indices; nil = not configured
	byByte   *toeplitzTable // the key's hash by input byte; nil until needed
}

// toeplitzTable is the Toeplitz hash of one key taken a byte at a time:
// the hash is linear in its input, so it is the XOR of the contributions
// of each byte at its position, looked up rather than computed bit by bit.
type toeplitzTable [36][256]uint32

func newToeplitzTable(key []byte) *toeplitzTable {
	var t toeplitzTable
	var k [len(t) + 8]byte // the key, zero past its end (40 bytes reach input byte 36)
	copy(k[:], key)
	var win [len(t) * 8]uint32 // input bit j XORs in the key's 32 bits from bit j
	for j := range win {
		win[j] = uint32(binary.BigEndian.Uint64(k[j/8:]) << (j % 8) >> 32)
	}
	for i := range t {
		for v := 1; v < 256; v++ {
			low := bits.TrailingZeros(uint(v)) // bit 7-low of the byte, in input order
			t[i][v] = t[i][v&(v-1)] ^ win[8*i+7-low]
		}
	}
	return &t
}

func (t *toeplitzTable) hash(data []byte) uint32 {
	var h uint32
	for i, b := range data {
		h ^= t[i][b]
	}
	return h
}

func (r *rss) reset() {
	*r = rss{key: defaultHashKey}
	for _, p := range []int{protoTCP4, protoUDP4, protoTCP6, protoUDP6} {
		r.fields[p] = fieldL3DA | fieldL3SA | fieldL4DP | fieldL4SP
	}
	r.fields[protoIP4] = fieldL3DA | fieldL3SA
	r.fields[protoIP6] = fieldL3DA | fieldL3SA
}

// hash computes a frame's RSS hash and protocol index; ok is false when
// RSS is off.
func (r *rss) hash(f *ether.Frame) (uint32, bool) {
	if r.function&(1<<funcToeplitz) == 0 {
		return 0, false
	}
	d := f.Data
	var src, dst, ports []byte // the tuple, as the frame carries it
	proto := -1
	switch f.EtherType() {
	case 0x0800:
		if len(d) < ether.HeaderLen+20 {
			return 0, false
		}
		ip := d[ether.HeaderLen:]
		ihl := int(ip[0]&0xF) * 4
		src, dst, proto = ip[12:16], ip[16:20], protoIP4
		if (ip[9] == 6 || ip[9] == 17) && ihl >= 20 && len(ip) >= ihl+4 && ip[6]&0x3F == 0 && ip[7] == 0 {
			// Unfragmented, so the ports are there.
			proto, ports = protoTCP4, ip[ihl:ihl+4]
			if ip[9] == 17 {
				proto = protoUDP4
			}
		}
	case 0x86DD:
		if len(d) < ether.HeaderLen+40 {
			return 0, false
		}
		ip := d[ether.HeaderLen:]
		src, dst, proto = ip[8:24], ip[24:40], protoIP6
		// The next header straight after the fixed header only: a frame
		// with extension headers hashes on its addresses.
		switch {
		case ip[6] == 6 && len(ip) >= 44:
			proto, ports = protoTCP6, ip[40:44]
		case ip[6] == 17 && len(ip) >= 44:
			proto, ports = protoUDP6, ip[40:44]
		}
	default:
		return 0, false
	}
	sel := r.fields[proto]
	var in [36]byte
	n := 0
	if sel&fieldL3SA != 0 {
		n += copy(in[n:], src)
	}
	if sel&fieldL3DA != 0 {
		n += copy(in[n:], dst)
	}
	if ports != nil {
		if sel&fieldL4SP != 0 {
			n += copy(in[n:], ports[0:2])
		}
		if sel&fieldL4DP != 0 {
			n += copy(in[n:], ports[2:4])
		}
	}
	if r.byByte == nil {
		r.byByte = newToeplitzTable(r.key[:])
	}
	return r.byByte.hash(in[:n]), true
}

// rxQueue picks the Rx SQ for a frame: by the indirection table when RSS
// is configured, else the first Rx SQ.
func (fn *function) rxQueue(f *ether.Frame) (*sq, uint32) {
	if h, ok := fn.rss.hash(f); ok && fn.rss.table != nil {
		cqi := int(fn.rss.table[int(h)&(len(fn.rss.table)-1)])
		for _, s := range fn.sqs {
			if s != nil && !s.tx && s.cq.idx == cqi {
				return s, h
			}
		}
	}
	for _, s := range fn.sqs {
		if s != nil && !s.tx {
			return s, 0
		}
	}
	return nil, 0
}

var errNoBuffer = errors.New("no control buffer")

// ctrlBuffer returns the command's control buffer (address, length).
func ctrlBuffer(cmd []byte) (uint64, int, error) {
	if cmd[aqFlags]&ctrlDataIndir == 0 {
		return 0, 0, errNoBuffer
	}
	return addr48(le32(cmd[featCtrlAddrLo:]), le16(cmd[featCtrlAddrHi:])), int(le32(cmd[featCtrlLen:])), nil
}

func (fn *function) getRSS(cmd, p []byte, at sim.Time) byte {
	up := fn.d.card.Upstream()
	le := binary.LittleEndian
	switch cmd[aqFeatID] {
	case FeatRSSHashFunction:
		le.PutUint32(p[0:], 1<<funcToeplitz)
		le.PutUint32(p[4:], fn.rss.function)
		if addr, n, err := ctrlBuffer(cmd); err == nil {
			if n < 8+hashKeySize {
				return StatusMalformedRequest
			}
			var b [8 + hashKeySize]byte
			le.PutUint32(b[0:], hashKeyWords)
			copy(b[8:], fn.rss.key[:])
			_ = up.Write(fn.id, at, addr, b[:])
		}
	case FeatRSSHashInput:
		le.PutUint16(p[0:], sortL3|sortL4)
		le.PutUint16(p[2:], sortL3|sortL4)
		if addr, n, err := ctrlBuffer(cmd); err == nil {
			if n < hashCtrlSize {
				return StatusMalformedRequest
			}
			var b [hashCtrlSize]byte
			for i := 0; i < protoCount; i++ {
				le.PutUint16(b[4*i:], fieldL3DA|fieldL3SA|fieldL4DP|fieldL4SP)
				le.PutUint16(b[64+4*i:], fn.rss.fields[i])
			}
			_ = up.Write(fn.id, at, addr, b[:])
		}
	case FeatRSSIndirection:
		le.PutUint16(p[0:], indTableMinLog)
		le.PutUint16(p[2:], indTableMaxLog)
		size := 0
		for 1<<size < len(fn.rss.table) {
			size++
		}
		le.PutUint16(p[4:], uint16(size))
		le.PutUint32(p[8:], 0xFFFFFFFF)
	}
	return StatusSuccess
}

func (fn *function) setRSS(cmd []byte, at sim.Time) byte {
	up := fn.d.card.Upstream()
	pl := cmd[aqFeatPayload:]
	switch cmd[aqFeatID] {
	case FeatRSSHashFunction:
		sel := le32(pl[hashFuncSelOff:])
		if sel&^(1<<funcToeplitz) != 0 {
			return StatusIllegalParameter // only Toeplitz is modelled
		}
		if addr, n, err := ctrlBuffer(cmd); err == nil {
			var b [8 + hashKeySize]byte
			if n < len(b) {
				return StatusMalformedRequest
			}
			if _, err := up.Read(fn.id, at, addr, b[:]); err != nil {
				return StatusMalformedRequest
			}
			if le32(b[0:]) != hashKeyWords {
				fn.d.card.Flag(fn.id, at, "RSS hash key of %d words, want %d", le32(b[0:]), hashKeyWords)
				return StatusIllegalParameter
			}
			copy(fn.rss.key[:], b[8:])
			fn.rss.byByte = nil
		}
		fn.rss.function = sel
	case FeatRSSHashInput:
		addr, n, err := ctrlBuffer(cmd)
		if err != nil || n < hashCtrlSize {
			return StatusMalformedRequest
		}
		var b [hashCtrlSize]byte
		if _, err := up.Read(fn.id, at, addr, b[:]); err != nil {
			return StatusMalformedRequest
		}
		for i := 0; i < protoCount; i++ {
			fn.rss.fields[i] = le16(b[64+4*i:])
		}
	case FeatRSSIndirection:
		size := int(le16(pl[indTableSizeOff:]))
		if size < indTableMinLog || size > indTableMaxLog {
			return StatusIllegalParameter
		}
		addr, n, err := ctrlBuffer(cmd)
		if err != nil || n < 4<<size {
			return StatusMalformedRequest
		}
		b := make([]byte, 4<<size)
		if _, err := up.Read(fn.id, at, addr, b); err != nil {
			return StatusMalformedRequest
		}
		t := make([]uint16, 1<<size)
		for i := range t {
			t[i] = le16(b[4*i:])
			if int(t[i]) >= len(fn.cqs) || fn.cqs[t[i]] == nil {
				fn.d.card.Flag(fn.id, at, "RSS indirection entry %d names CQ %d, which does not exist", i, t[i])
				return StatusIllegalParameter
			}
		}
		fn.rss.table = t
	}
	return StatusSuccess
}
