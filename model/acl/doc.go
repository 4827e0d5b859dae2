// Package acl is the card's access-control block: a TCAM-style ternary
// match table holding every VF's security-group and network-ACL entries,
// and a connection-tracking table that makes security groups stateful.
// Both sit in the VF datapath between the host queues and the switch.
//
//	            ┌────────────┐   ┌──────────────────────────┐   ┌──────────────┐
//	frame ─────▶│ key build  │──▶│ TCAM lookup, pipelined:  │──▶│ conntrack    │──▶ pass / drop
//	(dir, VF)   │ 48-byte    │   │ LookupLatency cycles,    │   │ hashed, from │    (counted)
//	            │ ternary key│   │ one lookup per cycle     │   │ a free list  │
//	            └────────────┘   └──────────────────────────┘   └──────────────┘
//	order: egress  SG → NACL; ingress NACL → SG; a tracked connection passes
//	the SG stage whatever its rules; only packets passing both stages are
//	tracked; a full tracker drops new connections (conntrack exceeded).
//
// The key (48 bytes, value and care-mask per entry):
//
//	byte 0      bit 0 direction (1 egress), bit 1 stage (1 network ACL), bit 2 IPv6
//	byte 1      VF index          byte 2   IP protocol
//	bytes 4-7   source and destination port, big-endian
//	bytes 8-9   ICMP type and code
//	bytes 16-31 source address    bytes 32-47 destination address
//	            (IPv4 in the first 4 bytes of each, the rest zero)
//
// An entry wins by the lowest priority number, then the lowest index.
// Security-group entries allow (no match denies); network-ACL entries are
// numbered rules that allow or deny (no match denies).
//
// Registers (acl.regmap.yaml; BAR1 of the ENA card's PF at 0x1000):
// VF_SEL, ENTRY, KEY[12], MASK[12], ACTION (allow, tag), PRIORITY, CMD
// (WRITE, READ, CLEAR, CLEAR_VF, SWAP, FETCH), STATUS (BUSY, DONE, ERROR,
// CODE), CAPACITY, FREE, OCCUPANCY (the expansion cost of a VF's rules),
// STAT[8] (fetched counters) and ENABLE_LO/HI (the VFs the ACL decides
// for, staged and applied by SWAP). Commands latch the staging registers
// when written and land entryCycles (8), sweepCycles or swapCycles (256)
// core cycles later.
//
// Timing parameters: LookupLatency core cycles per TCAM stage (fixed: the
// entry count never changes throughput); connection-tracking timeouts in
// simulated time (Timeouts, DefaultTimeouts). The table contents change
// only by an atomic swap of a fully written shadow bank (Table.Swap), so
// no packet sees a half-written rule set.
package acl
