package ixgbe

import "fmt"

// Mutation is a deliberate bug injected into the model, to prove that the
// checkers and scoreboards catch what they are meant to catch (mutation
// testing, and fault injection for a team validating its own checkers:
// `nicforge run --mutate NAME`). Each strikes once, at the mutationAt-th
// event it applies to, so a run shows one clean failure.
type Mutation string

// The model's mutations.
const (
	MutateNone             Mutation = ""
	MutateStaleDD          Mutation = "stale_dd"          // an Rx write-back without DD
	MutateDropFrame        Mutation = "drop_frame"        // a received frame vanishes
	MutateDuplicateFrame   Mutation = "duplicate_frame"   // a received frame is delivered twice
	MutateCorruptFrame     Mutation = "corrupt_frame"     // a received frame has a byte flipped
	MutateCorruptPayload   Mutation = "corrupt_payload"   // a received frame's last byte flipped (past the headers)
	MutateMisrouteFrame    Mutation = "misroute_frame"    // a received frame goes to the next pool
	MutateIgnoreModeration Mutation = "ignore_moderation" // interrupts ignore their EITR throttle
	MutateUnownedWriteBack Mutation = "unowned_writeback" // Tx writes back a descriptor it was not given
)

// Mutations lists the model's mutations.
var Mutations = []Mutation{MutateStaleDD, MutateDropFrame, MutateDuplicateFrame, MutateCorruptFrame, MutateCorruptPayload, MutateMisrouteFrame, MutateIgnoreModeration, MutateUnownedWriteBack}

// ParseMutation checks a mutation name.
func ParseMutation(s string) (Mutation, error) {
	for _, m := range Mutations {
		if string(m) == s {
			return m, nil
		}
	}
	return MutateNone, fmt.Errorf("unknown model mutation %q (want one of %v)", s, Mutations)
}

// mutationAt is the event a mutation strikes: late enough that bring-up is
// over and traffic flows.
const mutationAt = 20

// mutant counts the events a mutation applies to.
type mutant struct {
	m    Mutation
	seen int
}

// strike reports whether mutation m strikes at this event.
func (u *mutant) strike(m Mutation) bool {
	if u.m != m {
		return false
	}
	u.seen++
	return u.seen == mutationAt
}
