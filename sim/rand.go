package sim

import "math/rand/v2"

// Rand is the run's one source of randomness. Every component that needs
// random numbers derives a stream from it with Split, by name, so adding a
// component never changes the numbers another one draws.
type Rand struct {
	seed uint64
	*rand.Rand
}

// NewRand returns the source for a run with the given seed.
func NewRand(seed uint64) *Rand {
	return &Rand{seed: seed, Rand: rand.New(rand.NewPCG(seed, 0x6e6963666f726765))}
}

// Seed returns the seed the source was made with.
func (r *Rand) Seed() uint64 { return r.seed }

// Split returns an independent stream for the named component.
func (r *Rand) Split(name string) *Rand {
	h := uint64(14695981039346656037)
	for i := 0; i < len(name); i++ {
		h ^= uint64(name[i])
		h *= 1099511628211
	}
	return &Rand{seed: r.seed, Rand: rand.New(rand.NewPCG(r.seed, h))}
}
