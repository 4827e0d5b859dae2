package acl

import "encoding/binary"

// KeyBytes is the width of the ternary key.
const KeyBytes = 48

// Key is a TCAM key, or an entry's value or care-mask.
type Key [KeyBytes]byte

// Key byte positions and bits (see the package documentation).
const (
	keyFlags   = 0
	keyVF      = 1
	keyProto   = 2
	keySrcPort = 4
	keyDstPort = 6
	keyICMP    = 8
	keySrc     = 16
	keyDst     = 32

	FlagEgress = 1 << 0
	FlagNACL   = 1 << 1
	FlagIPv6   = 1 << 2
)

// Direction is a packet's direction relative to its VF.
type Direction uint8

const (
	Ingress Direction = iota // towards the VF
	Egress                   // from the VF
)

// Stage is the rule table a lookup consults.
type Stage uint8

const (
	StageSG   Stage = iota // security group
	StageNACL              // network ACL
)

// IP protocol numbers the block treats specially.
const (
	ProtoICMP   = 1
	ProtoTCP    = 6
	ProtoUDP    = 17
	ProtoICMPv6 = 58
)

// Flow is what the key builder extracts from a frame.
type Flow struct {
	Dir              Direction
	VF               uint8
	IPv6             bool
	Proto            uint8
	Src, Dst         [16]byte // IPv4 in bytes 0..3
	SrcPort, DstPort uint16   // TCP and UDP
	ICMPType         uint8    // ICMP and ICMPv6
	ICMPCode         uint8
}

// Key builds f's key for a stage.
func (f *Flow) Key(s Stage) Key {
	var k Key
	if f.Dir == Egress {
		k[keyFlags] |= FlagEgress
	}
	if s == StageNACL {
		k[keyFlags] |= FlagNACL
	}
	if f.IPv6 {
		k[keyFlags] |= FlagIPv6
	}
	k[keyVF], k[keyProto] = f.VF, f.Proto
	binary.BigEndian.PutUint16(k[keySrcPort:], f.SrcPort)
	binary.BigEndian.PutUint16(k[keyDstPort:], f.DstPort)
	k[keyICMP], k[keyICMP+1] = f.ICMPType, f.ICMPCode
	copy(k[keySrc:keySrc+16], f.Src[:])
	copy(k[keyDst:keyDst+16], f.Dst[:])
	if !f.IPv6 {
		clear(k[keySrc+4 : keySrc+16])
		clear(k[keyDst+4 : keyDst+16])
	}
	return k
}

// reservedMask has the key bits that are always zero.
var reservedMask = func() Key {
	var k Key
	k[keyFlags] = 0xF8
	k[3] = 0xFF
	for i := 10; i < 16; i++ {
		k[i] = 0xFF
	}
	return k
}()

// FlowOf extracts what the ACL sees from an Ethernet frame going dir for
// vf. ok is false for a frame that is not IPv4 or IPv6 (ARP and the like
// are not subject to the ACL). Ports come from the first fragment only
// (later fragments carry none: their ports read as zero), as a parser in
// hardware finds them.
func FlowOf(frame []byte, dir Direction, vf uint8) (f Flow, ok bool) {
	const eth = 14
	if len(frame) < eth {
		return f, false
	}
	f.Dir, f.VF = dir, vf
	var l4 []byte
	switch binary.BigEndian.Uint16(frame[12:]) {
	case 0x0800:
		ip := frame[eth:]
		if len(ip) < 20 {
			return f, false
		}
		ihl := int(ip[0]&0xF) * 4
		f.Proto = ip[9]
		copy(f.Src[:4], ip[12:16])
		copy(f.Dst[:4], ip[16:20])
		if ihl >= 20 && len(ip) >= ihl && binary.BigEndian.Uint16(ip[6:])&0x1FFF == 0 {
			l4 = ip[ihl:]
		}
	case 0x86DD:
		ip := frame[eth:]
		if len(ip) < 40 {
			return f, false
		}
		f.IPv6, f.Proto = true, ip[6]
		copy(f.Src[:], ip[8:24])
		copy(f.Dst[:], ip[24:40])
		l4 = ip[40:]
	default:
		return f, false
	}
	switch f.Proto {
	case ProtoTCP, ProtoUDP:
		if len(l4) >= 4 {
			f.SrcPort, f.DstPort = binary.BigEndian.Uint16(l4[0:]), binary.BigEndian.Uint16(l4[2:])
		}
	case ProtoICMP, ProtoICMPv6:
		if len(l4) >= 2 {
			f.ICMPType, f.ICMPCode = l4[0], l4[1]
		}
	}
	return f, true
}
