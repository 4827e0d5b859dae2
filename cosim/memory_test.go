package cosim

import (
	"slices"
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

// clearMemory zeroes exactly its slice, whatever the slice's alignment and
// length, on both sides of the streaming path's 4 KiB threshold.
func TestClearMemoryZeroesExactlyItsBytes(t *testing.T) {
	const seed = 3
	r := sim.NewRand(seed)
	buf := make([]byte, 3*PageSize+256)
	for i := 0; i < 500; i++ {
		for j := range buf {
			buf[j] = 0xC3
		}
		from := r.IntN(128)
		n := []int{0, 1, 63, 64, 4095, 4096, 4097, 5000, 2 * PageSize}[r.IntN(9)] + r.IntN(64)
		n = min(n, len(buf)-from)
		clearMemory(buf[from : from+n])
		require.Zero(t, nonZero(buf[from:from+n]), "seed %d case %d: [%d, %d) cleared", seed, i, from, from+n)
		require.Equal(t, len(buf)-n, nonZero(buf), "seed %d case %d: only [%d, %d) cleared", seed, i, from, from+n)
	}
}

// writeHost builds a host of the size dirtyHost uses and has the PF
// allocate buffers of the given sizes, writing 0x5A over those with
// write set.
func writeHost(t *testing.T, sizes []int, write []bool) *Host {
	t.Helper()
	h, err := NewHost(newToy(), Config{Functions: 3, ArenaBytes: 1 << 20})
	require.NoError(t, err)
	h.Go("pf", h.Function(pcie.PF), func(fn bus.Function) {
		for i, size := range sizes {
			b, err := fn.AllocDMA(size, 64)
			require.NoError(t, err)
			if write[i] {
				for j := range b.Bytes {
					b.Bytes[j] = 0x5A
				}
			}
		}
	})
	require.NoError(t, h.Run(sim.Millisecond))
	return h
}

// Recycled memory remembers where it found pages; a later run that writes
// pages it never found before still gets them cleared.
func TestRecycledMemoryClearsNewPages(t *testing.T) {
	h := writeHost(t, []int{100}, []bool{true})
	mem := h.Memory()
	require.NoError(t, h.Close())

	h = writeHost(t, []int{100, 3 * PageSize, 2 * PageSize}, []bool{true, false, true})
	require.Same(t, mem, h.Memory())
	require.Equal(t, 100+2*PageSize, nonZero(mem.Bytes()))
	require.NoError(t, h.Close())

	h = writeHost(t, nil, nil)
	defer h.Close()
	require.Same(t, mem, h.Memory())
	require.Zero(t, nonZero(mem.Bytes()), "pages first written by the second run are cleared too")
}

func TestMemoryDataExtentsMerge(t *testing.T) {
	tests := []struct {
		name string
		have []span
		add  span
		want []span
	}{
		{"into empty", nil, span{8, 4}, []span{{8, 4}}},
		{"before", []span{{20, 4}}, span{8, 4}, []span{{8, 4}, {20, 4}}},
		{"after", []span{{8, 4}}, span{20, 4}, []span{{8, 4}, {20, 4}}},
		{"touching both", []span{{0, 8}, {12, 4}}, span{8, 4}, []span{{0, 16}}},
		{"overlapping", []span{{4, 8}}, span{0, 6}, []span{{0, 12}}},
		{"covering several", []span{{2, 2}, {6, 2}, {10, 2}, {20, 1}}, span{0, 12}, []span{{0, 12}, {20, 1}}},
		{"inside", []span{{0, 16}}, span{4, 4}, []span{{0, 16}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := &Memory{data: slices.Clone(tc.have)}
			m.addData(tc.add)
			require.Equal(t, tc.want, m.data)
		})
	}
}

// Warm is a hint, not a transaction: whatever the range (empty, negative,
// unaligned, past the end of memory), it faults nothing, changes no byte
// and leaves the PCIe link as it was.
func TestWarmIsNotATransaction(t *testing.T) {
	h := dirtyHost(t)
	defer h.Close()
	var _ pcie.Warmer = h
	mem := h.Memory().Bytes()
	before := slices.Clone(mem)
	size := uint64(len(mem))
	require.Equal(t, newLink(Gen3x8), h.link, "the test wants an idle link")
	for _, r := range []struct {
		addr uint64
		n    int
	}{
		{0, 0}, {0, -1}, {1, 1}, {63, 2}, {4097, 1500}, {size - 1, 1}, {size - 1, 4096},
		{size - 100, 100}, {size, 64}, {size + 1<<20, 64}, {^uint64(0) - 8, 64},
	} {
		h.Warm(r.addr, r.n)
	}
	require.Empty(t, h.Faults())
	require.True(t, slices.Equal(before, mem), "warming changed host memory")
	require.Equal(t, newLink(Gen3x8), h.link, "warming moved the PCIe link's state")
}
