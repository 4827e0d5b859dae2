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
package reference
