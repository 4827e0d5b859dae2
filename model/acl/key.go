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
