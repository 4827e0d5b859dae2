package ixgbevf

// Mutations are deliberate driver bugs, injected to prove that the
// protocol checkers catch them (Config.Mutation). Each strikes once.
const (
	MutateTailBeyondRing   = "tail_beyond_ring"   // a Tx tail write of the ring size
	MutateTailPastHead     = "tail_past_head"     // a Tx tail that re-posts descriptors the device owns
	MutateMailboxNoLock    = "mailbox_no_lock"    // a message posted without taking VFU
	MutateEnableBeforeBase = "enable_before_base" // Rx queue 0 enabled before its ring is programmed
)

// Mutations lists the driver's mutations.
var Mutations = []string{MutateTailBeyondRing, MutateTailPastHead, MutateMailboxNoLock, MutateEnableBeforeBase}

// mutationAt is the TxBatch call a Tx mutation strikes: traffic is flowing.
const mutationAt = 20

func (d *Device) strike(m string) bool {
	if d.cfg.Mutation != m {
		return false
	}
	d.mutSeen++
	return d.mutSeen == mutationAt
}
