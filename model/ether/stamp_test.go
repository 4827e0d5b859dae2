package ether

import (
	"encoding/binary"
	"hash/crc32"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStampedFrames(t *testing.T) {
	v4 := Flow{Src: MAC{2, 0, 0, 0, 0, 1}, Dst: MAC{2, 0, 0, 0, 0, 2}, SrcIP: [4]byte{10, 0, 0, 1}, DstIP: [4]byte{10, 0, 0, 2}, SrcPort: 1234, DstPort: 80}
	v6 := v4
	v6.IPv6 = true
	v6.SrcIP6 = [16]byte{0x20, 0x01, 0x0d, 0xb8, 15: 1}
	v6.DstIP6 = [16]byte{0xfd, 0x00, 0x0e, 0xc2, 15: 0xfe}
	tests := []struct {
		name      string
		fl        Flow
		proto     uint8
		etherType uint16
		stampAt   int
	}{
		{"IPv4 UDP", v4, ProtoUDP, 0x0800, 14 + 20 + 8},
		{"IPv4 TCP", withProto(v4, ProtoTCP), ProtoTCP, 0x0800, 14 + 20 + 20},
		{"IPv4 ICMP", withProto(v4, ProtoICMP), ProtoICMP, 0x0800, 14 + 20 + 8},
		{"IPv6 UDP", v6, ProtoUDP, 0x86DD, 14 + 40 + 8},
		{"IPv6 TCP", withProto(v6, ProtoTCP), ProtoTCP, 0x86DD, 14 + 40 + 20},
		{"IPv6 ICMP is ICMPv6", withProto(v6, ProtoICMP), ProtoICMPv6, 0x86DD, 14 + 40 + 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := make([]byte, 200)
			BuildFrame(p, &tt.fl, 7, 41)
			require.Equal(t, tt.etherType, binary.BigEndian.Uint16(p[12:]))
			require.Equal(t, tt.stampAt, tt.fl.StampOffset())
			proto := p[HeaderLen+9]
			if tt.fl.IPv6 {
				proto = p[HeaderLen+6]
				require.Equal(t, tt.fl.SrcIP6[:], p[HeaderLen+8:HeaderLen+24])
				require.Equal(t, tt.fl.DstIP6[:], p[HeaderLen+24:HeaderLen+40])
				require.Equal(t, uint16(200-HeaderLen-40), binary.BigEndian.Uint16(p[HeaderLen+4:]), "payload length")
			} else {
				require.Zero(t, ipChecksum(p[HeaderLen:HeaderLen+20]), "the IPv4 header checksums to zero")
			}
			require.Equal(t, tt.proto, proto)
			id, seq, err := ParseStamp(p)
			require.NoError(t, err)
			require.Equal(t, uint16(7), id)
			require.Equal(t, uint64(41), seq)
			// SetSeq changes the sequence and the fill, not the headers.
			q := append([]byte(nil), p...)
			SetSeq(q, 42)
			require.Equal(t, p[:tt.stampAt+4], q[:tt.stampAt+4])
			_, seq, err = ParseStamp(q)
			require.NoError(t, err)
			require.Equal(t, uint64(42), seq)
			r := make([]byte, 200)
			BuildFrame(r, &tt.fl, 7, 42)
			require.Equal(t, r, q, "SetSeq gives the frame BuildFrame would")
			// Too short for the stamp: headers only, no stamp found.
			short := make([]byte, tt.stampAt+stampLen-1)
			BuildFrame(short, &tt.fl, 7, 41)
			_, _, err = ParseStamp(short)
			require.ErrorIs(t, err, ErrNoStamp)
		})
	}
}

func withProto(fl Flow, p uint8) Flow { fl.Proto = p; return fl }

// Any bytes, as a pcap replay may bring: a stamp or ErrNoStamp, never a
// panic; SetSeq on them never panics either.
func FuzzParseStamp(f *testing.F) {
	p := make([]byte, 128)
	BuildFrame(p, &Flow{Proto: ProtoTCP}, 1, 2)
	f.Add(p)
	q := make([]byte, 128)
	BuildFrame(q, &Flow{IPv6: true}, 1, 2)
	f.Add(q)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		id, seq, err := ParseStamp(b)
		if err != nil {
			require.ErrorIs(t, err, ErrNoStamp)
		}
		id2, seq2, ports, err2 := ParseStampPorts(b)
		require.Equal(t, err, err2)
		require.Equal(t, id, id2)
		require.Equal(t, seq, seq2)
		if err == nil {
			require.Equal(t, portsOf(b), ports)
		}
		SetSeq(b, 9)
	})
}

// portsOf reads the TCP or UDP ports of an IPv4 or IPv6 frame the long
// way, for ParseStampPorts to agree with.
func portsOf(f []byte) uint32 {
	var proto byte
	var l4 int
	switch binary.BigEndian.Uint16(f[12:]) {
	case 0x0800:
		proto, l4 = f[HeaderLen+9], HeaderLen+int(f[HeaderLen]&0xF)*4
	case 0x86DD:
		proto, l4 = f[HeaderLen+6], HeaderLen+40
	default:
		return 0
	}
	if proto != ProtoTCP && proto != ProtoUDP {
		return 0
	}
	return binary.BigEndian.Uint32(f[l4:])
}

func TestParseStampPorts(t *testing.T) {
	v4 := Flow{Src: MAC{2, 0, 0, 0, 0, 1}, Dst: MAC{2, 0, 0, 0, 0, 2}, SrcIP: [4]byte{10, 0, 0, 1}, DstIP: [4]byte{10, 0, 0, 2}, SrcPort: 1234, DstPort: 80}
	v6 := v4
	v6.IPv6 = true
	for _, tc := range []struct {
		fl    Flow
		ports uint32
	}{
		{v4, 1234<<16 | 80}, {withProto(v4, ProtoTCP), 1234<<16 | 80}, {withProto(v4, ProtoICMP), 0},
		{v6, 1234<<16 | 80}, {withProto(v6, ProtoTCP), 1234<<16 | 80},
	} {
		p := make([]byte, 256)
		BuildFrame(p, &tc.fl, 7, 99)
		id, seq, ports, err := ParseStampPorts(p)
		require.NoError(t, err)
		require.Equal(t, uint16(7), id)
		require.Equal(t, uint64(99), seq)
		require.Equal(t, tc.ports, ports, "%+v", tc.fl)
	}
}

// Templates.Build writes the same bytes as BuildFrame, whatever the order
// of lengths and sequence numbers it is asked for.
func TestTemplatesMatchBuildFrame(t *testing.T) {
	v4 := Flow{Src: MAC{2, 0, 0, 0, 0, 1}, Dst: MAC{2, 0, 0, 0, 0, 2}, SrcIP: [4]byte{10, 0, 0, 1}, DstIP: [4]byte{10, 0, 0, 2}, SrcPort: 1234, DstPort: 80}
	v6 := v4
	v6.IPv6 = true
	v6.SrcIP6 = [16]byte{0x20, 0x01, 0x0d, 0xb8, 15: 1}
	for _, fl := range []Flow{v4, withProto(v4, ProtoTCP), withProto(v4, ProtoICMP), v6, withProto(v6, ProtoTCP)} {
		var tm Templates
		// Around the stamp's end (a frame too short for it is built whole),
		// minimum, standard and jumbo frames, revisiting lengths.
		off := fl.StampOffset()
		for _, n := range []int{60, 1514, off + 11, off + 12, off, 60, 9000, 1514, 97} {
			if n < off {
				continue // no room for the headers: scenarios refuse such sizes
			}
			for _, seq := range []uint64{0, 1, 255, 256, 0x0102030405060708, 7} {
				want := make([]byte, n)
				BuildFrame(want, &fl, 3, seq)
				got := make([]byte, n)
				for i := range got {
					got[i] = 0xEE // stale bytes of a reused buffer
				}
				tm.Build(got, &fl, 3, seq)
				require.Equal(t, want, got, "flow %+v, %d bytes, seq %d", fl, n, seq)
				clear(got)
				sum := tm.BuildSum(got, &fl, 3, seq)
				require.Equal(t, want, got, "flow %+v, %d bytes, seq %d", fl, n, seq)
				require.Equal(t, crc32.Checksum(want, crc32.MakeTable(crc32.Castagnoli)), sum, "CRC-32C of flow %+v, %d bytes, seq %d", fl, n, seq)
			}
		}
	}
}

// FillIntact accepts exactly the frames BuildFrame makes: every flow and
// length, from any point at or past FillFrom; a flipped byte anywhere in
// the checked range, a wrong sequence number, or a start inside the stamp
// is refused.
func TestFillIntact(t *testing.T) {
	v4 := Flow{Src: MAC{2, 0, 0, 0, 0, 1}, Dst: MAC{2, 0, 0, 0, 0, 2}, SrcIP: [4]byte{10, 0, 0, 1}, DstIP: [4]byte{10, 0, 0, 2}, SrcPort: 1234, DstPort: 80}
	v6 := v4
	v6.IPv6 = true
	for _, fl := range []Flow{v4, withProto(v4, ProtoTCP), withProto(v4, ProtoICMP), v6, withProto(v6, ProtoTCP)} {
		off := fl.StampOffset()
		for _, n := range []int{off + 12, off + 13, 60, 128, 300, 1514, 9000} {
			if n < off+12 {
				continue
			}
			for _, seq := range []uint64{0, 1, 255, 256, 0x0102030405060708} {
				p := make([]byte, n)
				BuildFrame(p, &fl, 3, seq)
				from := FillFrom(p)
				require.Equal(t, off+12, from, "the pattern starts after the 12-byte stamp")
				for _, start := range []int{from, from + 1, 128, n - 1, n} {
					if start < from || start > n {
						continue
					}
					require.True(t, FillIntact(p, start), "flow %+v, %d bytes, seq %d, from %d", fl, n, seq, start)
				}
				require.False(t, FillIntact(p, from-1), "a start inside the stamp is not a pattern check")
				for _, at := range []int{from, (from + n) / 2, n - 1} {
					if at < from || at >= n {
						continue
					}
					p[at] ^= 0x01
					require.False(t, FillIntact(p, from), "byte %d of %d flipped, seq %d", at, n, seq)
					p[at] ^= 0x01
				}
				q := make([]byte, n)
				BuildFrame(q, &fl, 3, seq+1)
				copy(q[:from], p[:from]) // seq's stamp over seq+1's pattern
				require.Equal(t, n == from, FillIntact(q, from), "another sequence number's pattern, %d bytes", n)
			}
		}
	}
	require.Equal(t, -1, FillFrom(make([]byte, 60)), "no stamp")
	require.False(t, FillIntact(make([]byte, 60), 50))
}

// Any bytes and any start: FillIntact never panics, and agrees with the
// pattern's definition checked byte by byte.
func FuzzFillIntact(f *testing.F) {
	p := make([]byte, 300)
	BuildFrame(p, &Flow{Dst: MAC{2, 0, 0, 0, 0, 1}}, 1, 77)
	f.Add(p, 54)
	f.Add(p, 128)
	f.Add([]byte{}, 0)
	f.Fuzz(func(t *testing.T, p []byte, from int) {
		got := FillIntact(p, from)
		off := stampAt(p)
		want := off >= 0 && from >= off+stampLen
		if want {
			seq := p[off+stampLen-1]
			for j := from; j < len(p); j++ {
				if p[j] != seq^byte(j-off) {
					want = false
					break
				}
			}
		}
		require.Equal(t, want, got, "from %d of %d bytes, stamp at %d", from, len(p), off)
	})
}
