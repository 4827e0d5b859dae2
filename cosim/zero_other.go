//go:build !amd64

package cosim

// clearMemory zeroes b.
func clearMemory(b []byte) { clear(b) }
