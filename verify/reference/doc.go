// Package reference holds untimed reference models: what the card should do
// with a frame, decided from the configuration alone, without cycles,
// queues or descriptors. Scoreboards use them as their oracle, so they are
// written from the datasheet's rules, not from the model's code.
//
//	L2Switch (82599 VMDq pools, VEB/VEPA, anti-spoofing):
//
//	  from a function ──▶ anti-spoof: source MAC must be the pool's ──▶ drop
//	                  ──▶ VEB: destination MAC of another local pool ──▶ that pool only
//	                  ──▶ broadcast/multicast: the wire + every other pool that takes it
//	                  ──▶ otherwise the wire
//	  from the wire   ──▶ unicast: the pool with that MAC, else dropped (no filter)
//	                  ──▶ broadcast: every pool that takes broadcast
//
//	ACL (security groups, network ACLs, connection tracking), from the
//	rule lists of driver/cardctl:
//
//	  egress:  tracked, or a security-group rule allows ──▶ first network-ACL
//	           rule by number allows ──▶ track (full: drop, conntrack_full)
//	  ingress: first network-ACL rule by number allows ──▶ tracked, or a
//	           security-group rule allows ──▶ track
//	  a connection lives until now >= its expiry: last packet + the timeout
//	  of its protocol and state (new, reply, established)
package reference
