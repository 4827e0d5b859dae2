package cosim

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/driver/bus"
	"github.com/nicforge/nicforge/model/pcie"
	"github.com/nicforge/nicforge/sim"
)

// dirtyHost builds a host of a size no other test uses, has the PF write
// 0xA5 over two buffers (one of several pages) and returns it.
func dirtyHost(t *testing.T) *Host {
	t.Helper()
	h, err := NewHost(newToy(), Config{Functions: 3, ArenaBytes: 1 << 20})
	require.NoError(t, err)
	h.Go("pf", h.Function(pcie.PF), func(fn bus.Function) {
		for _, size := range []int{100, 5 * PageSize} {
			b, err := fn.AllocDMA(size, 64)
			require.NoError(t, err)
			for i := range b.Bytes {
				b.Bytes[i] = 0xA5
			}
		}
	})
	require.NoError(t, h.Run(sim.Millisecond))
	return h
}

func nonZero(b []byte) int {
	n := 0
	for _, v := range b {
		if v != 0 {
			n++
		}
	}
	return n
}

func TestRecycledMemoryIsZero(t *testing.T) {
	h := dirtyHost(t)
	mem := h.Memory()
	require.Equal(t, 100+5*PageSize, nonZero(mem.Bytes()))
	require.NoError(t, h.Close())

	h2, err := NewHost(newToy(), Config{Functions: 3, ArenaBytes: 1 << 20})
	require.NoError(t, err)
	defer h2.Close()
	require.Same(t, mem, h2.Memory(), "a host of the same size reuses the memory")
	require.Zero(t, nonZero(h2.Memory().Bytes()), "recycled memory reads zero everywhere")
}

func TestSharedMemoryIsNotRecycled(t *testing.T) {
	h := dirtyHost(t)
	mem := h.Memory()
	require.NotNil(t, mem.File())
	require.NoError(t, h.Close())
	require.Nil(t, mem.Bytes(), "memory another process may have mapped is unmapped")

	h2, err := NewHost(newToy(), Config{Functions: 3, ArenaBytes: 1 << 20})
	require.NoError(t, err)
	defer h2.Close()
	require.NotSame(t, mem, h2.Memory())
	require.Zero(t, nonZero(h2.Memory().Bytes()))
}
