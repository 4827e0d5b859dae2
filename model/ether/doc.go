// Package ether is the frame as the card's engines pass it around: the bytes
// of an Ethernet frame (without FCS; the MAC accounts for it), where it came
// from, and the few header fields the switch, filters and RSS look at.
//
//	┌──────────┬──────────┬───────┬─────────── payload ───────────┬─────┐
//	│ dst MAC  │ src MAC  │ type  │ IPv4/IPv6 │ UDP/TCP │ data      │ FCS │
//	│ 6        │ 6        │ 2     │ 20/40     │ 8/20    │           │ 4   │
//	└──────────┴──────────┴───────┴───────────┴─────────┴───────────┴─────┘
//	 Frame.Data holds everything but the FCS; WireLen = len(Data) + 4.
//	 On the line every frame also costs 8 bytes of preamble+SFD and a
//	 12-byte inter-frame gap: LineBytes = WireLen + 20.
package ether
