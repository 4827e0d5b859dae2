package ena

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/model/ether"
	"github.com/nicforge/nicforge/model/pcie"
	"github.com/nicforge/nicforge/sim"
)

// The verification vectors of the Toeplitz hash (Microsoft's RSS
// specification), with the default key.
func TestToeplitzVectors(t *testing.T) {
	for _, tc := range []struct {
		src, dst         [4]byte
		sport, dport     uint16
		ipOnly, withPort uint32
	}{
		{[4]byte{66, 9, 149, 187}, [4]byte{161, 142, 100, 80}, 2794, 1766, 0x323e8fc2, 0x51ccc178},
		{[4]byte{199, 92, 111, 2}, [4]byte{65, 69, 140, 83}, 14230, 4739, 0xd718262a, 0xc626b0ea},
		{[4]byte{24, 19, 198, 95}, [4]byte{12, 22, 207, 184}, 12898, 38024, 0xd2d0a5de, 0x5c2b394a},
	} {
		in := append(append([]byte{}, tc.src[:]...), tc.dst[:]...)
		require.Equal(t, tc.ipOnly, Toeplitz(defaultHashKey[:], in))
		in = append(in, byte(tc.sport>>8), byte(tc.sport), byte(tc.dport>>8), byte(tc.dport))
		require.Equal(t, tc.withPort, Toeplitz(defaultHashKey[:], in))
	}
}

// The IPv6 verification vectors of the same specification.
func TestToeplitzVectorsIPv6(t *testing.T) {
	for _, tc := range []struct {
		src, dst         string
		sport, dport     uint16
		ipOnly, withPort uint32
	}{
		{"3ffe:2501:200:1fff::7", "3ffe:2501:200:3::1", 2794, 1766, 0x2cc18cd5, 0x40207d3d},
		{"3ffe:501:8::260:97ff:fe40:efab", "ff02::1", 14230, 4739, 0x0f0c461c, 0xdde51bbf},
		{"3ffe:1900:4545:3:200:f8ff:fe21:67cf", "fe80::200:f8ff:fe21:67cf", 44251, 38024, 0x4b61e985, 0x02d1feef},
	} {
		src, dst := netip.MustParseAddr(tc.src).As16(), netip.MustParseAddr(tc.dst).As16()
		in := append(append([]byte{}, src[:]...), dst[:]...)
		require.Equal(t, tc.ipOnly, Toeplitz(defaultHashKey[:], in), "%s -> %s", tc.src, tc.dst)
		in = append(in, byte(tc.sport>>8), byte(tc.sport), byte(tc.dport>>8), byte(tc.dport))
		require.Equal(t, tc.withPort, Toeplitz(defaultHashKey[:], in), "%s -> %s with ports", tc.src, tc.dst)
	}
}

// The frame parser feeds the hash the tuple the specification names: for
// IPv6 TCP the 16-byte addresses and the ports, for a fragmented IPv4
// datagram the addresses only.
func TestRSSHashFromFrames(t *testing.T) {
	var r rss
	r.reset()
	r.function = 1 << funcToeplitz
	v6 := make([]byte, ether.HeaderLen+44)
	v6[12], v6[13] = 0x86, 0xDD
	ip := v6[ether.HeaderLen:]
	ip[0], ip[6] = 0x60, 6
	src, dst := netip.MustParseAddr("3ffe:2501:200:1fff::7").As16(), netip.MustParseAddr("3ffe:2501:200:3::1").As16()
	copy(ip[8:], src[:])
	copy(ip[24:], dst[:])
	ip[40], ip[41], ip[42], ip[43] = 2794>>8, 2794&0xFF, 1766>>8, 1766&0xFF
	h, ok := r.hash(&ether.Frame{Data: v6})
	require.True(t, ok)
	require.Equal(t, uint32(0x40207d3d), h)

	v4 := make([]byte, ether.HeaderLen+24)
	v4[12], v4[13] = 0x08, 0x00
	ip = v4[ether.HeaderLen:]
	ip[0], ip[9] = 0x45, 6
	copy(ip[12:], []byte{66, 9, 149, 187})
	copy(ip[16:], []byte{161, 142, 100, 80})
	ip[20], ip[21], ip[22], ip[23] = 2794>>8, 2794&0xFF, 1766>>8, 1766&0xFF
	h, _ = r.hash(&ether.Frame{Data: v4})
	require.Equal(t, uint32(0x51ccc178), h, "unfragmented TCP: addresses and ports")
	ip[6] = 0x20 // more fragments
	h, _ = r.hash(&ether.Frame{Data: v4})
	require.Equal(t, uint32(0x323e8fc2), h, "a fragment: addresses only")
}

func TestIsLinkLocal(t *testing.T) {
	v4 := func(src, dst string) []byte {
		b := make([]byte, ether.HeaderLen+20)
		b[12], b[13], b[ether.HeaderLen] = 0x08, 0x00, 0x45
		s, d := netip.MustParseAddr(src).As4(), netip.MustParseAddr(dst).As4()
		copy(b[ether.HeaderLen+12:], s[:])
		copy(b[ether.HeaderLen+16:], d[:])
		return b
	}
	v6 := func(src, dst string) []byte {
		b := make([]byte, ether.HeaderLen+40)
		b[12], b[13], b[ether.HeaderLen] = 0x86, 0xDD, 0x60
		s, d := netip.MustParseAddr(src).As16(), netip.MustParseAddr(dst).As16()
		copy(b[ether.HeaderLen+8:], s[:])
		copy(b[ether.HeaderLen+24:], d[:])
		return b
	}
	for _, tc := range []struct {
		name  string
		frame []byte
		tx    bool
		want  bool
	}{
		{"Tx to the metadata service", v4("10.0.0.10", "169.254.169.254"), true, true},
		{"Tx from a link-local source is not to one", v4("169.254.1.1", "10.0.0.1"), true, false},
		{"Rx from the metadata service", v4("169.254.169.254", "10.0.0.10"), false, true},
		{"Rx from elsewhere", v4("10.0.0.1", "169.254.169.254"), false, false},
		{"169.255 is not link-local", v4("10.0.0.10", "169.255.0.1"), true, false},
		{"Tx to fd00:ec2::254", v6("2001:db8::a", "fd00:ec2::254"), true, true},
		{"Rx from fd00:ec2::23", v6("fd00:ec2::23", "2001:db8::a"), false, true},
		{"fd00:ec3:: is outside /32", v6("2001:db8::a", "fd00:ec3::1"), true, false},
		{"truncated IPv4", v4("10.0.0.10", "169.254.169.254")[:ether.HeaderLen+19], true, false},
		{"truncated IPv6", v6("2001:db8::a", "fd00:ec2::254")[:ether.HeaderLen+39], true, false},
		{"ARP", []byte{12: 0x08, 13: 0x06, 33: 0}, true, false},
	} {
		require.Equal(t, tc.want, IsLinkLocal(tc.frame, tc.tx), tc.name)
	}
}

// Link-local traffic beyond the VF's allowance is dropped and counted;
// other traffic does not spend the allowance.
func TestLinkLocalAllowance(t *testing.T) {
	_, dev, _, now := adminRigDev()
	fn := dev.fn(pcie.PF)
	fn.allow = newAllowances(VFConfig{LinkLocalPPS: 1000})
	frame := func(src string) *ether.Frame {
		f := new(ether.Pool).Get(ether.HeaderLen + 20)
		mac := dev.MAC(pcie.PF)
		copy(f.Data, mac[:])
		f.Data[12], f.Data[13], f.Data[ether.HeaderLen] = 0x08, 0x00, 0x45
		a := netip.MustParseAddr(src).As4()
		copy(f.Data[ether.HeaderLen+12:], a[:])
		return f
	}
	for range 100 {
		*now += sim.Microsecond
		dev.rxFrame(frame("10.0.0.1"), *now)
	}
	require.Zero(t, fn.eni[eniLinklocal], "ordinary traffic is not link-local")
	for range 100 {
		*now += sim.Microsecond
		dev.rxFrame(frame("169.254.169.254"), *now)
	}
	// 1000/s absorbs 16 packets at once (the minimum burst) and earns
	// one more per millisecond: none in these 100 µs.
	require.Equal(t, uint64(100-minBurstPkt), fn.eni[eniLinklocal])
}

// The byte-table Toeplitz the datapath uses equals the bit-serial one for
// random keys and inputs of every tuple length.
func TestToeplitzTableMatchesBitSerial(t *testing.T) {
	const seed = 11
	r := sim.NewRand(seed)
	for trial := 0; trial < 50; trial++ {
		key := make([]byte, hashKeySize)
		for i := range key {
			key[i] = byte(r.IntN(256))
		}
		tab := newToeplitzTable(key)
		for _, n := range []int{0, 1, 4, 8, 12, 32, 36} {
			in := make([]byte, n)
			for i := range in {
				in[i] = byte(r.IntN(256))
			}
			require.Equal(t, Toeplitz(key, in), tab.hash(in), "seed %d trial %d, %d bytes: go test -run TestToeplitzTableMatchesBitSerial ./model/ena/", seed, trial, n)
		}
	}
}
