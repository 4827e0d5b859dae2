package queue

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/model/pcie"
	"github.com/nicforge/nicforge/sim"
)

type reads struct {
	addrs []uint64
	lens  []int
}

func (r *reads) Read(f pcie.Func, at sim.Time, addr uint64, p []byte) (sim.Time, error) {
	r.addrs = append(r.addrs, addr)
	r.lens = append(r.lens, len(p))
	for i := range p {
		p[i] = byte(addr>>4) + byte(i/16)
	}
	return at + 500*sim.Nanosecond, nil
}
func (r *reads) Write(pcie.Func, sim.Time, uint64, []byte) error { return nil }
func (r *reads) MSIX(pcie.Func, sim.Time, int)                   {}

func TestFetchNeverPassesTailOrWrap(t *testing.T) {
	var r Ring
	up := &reads{}
	r.Init(pcie.VF(0), 0x1000, 16, 16, 8, 8, 0, 12)
	require.False(t, r.Fetch(up, 0), "tail == head: nothing to fetch")
	require.True(t, r.SetTail(3)) // 12,13,14,15,0,1,2 are the device's
	require.True(t, r.Fetch(up, 0))
	require.Equal(t, []uint64{0x1000 + 12*16}, up.addrs)
	require.Equal(t, []int{4 * 16}, up.lens, "the first burst stops at the wrap")
	require.True(t, r.Fetch(up, 0))
	require.Equal(t, uint64(0x1000), up.addrs[1])
	require.Equal(t, 3*16, up.lens[1], "the second burst stops at the tail")
	require.False(t, r.Fetch(up, 0), "nothing left")
	require.False(t, r.SetTail(16), "a tail beyond the ring is refused")
}

func TestDescriptorsUsableOnlyWhenReady(t *testing.T) {
	var r Ring
	up := &reads{}
	r.Init(pcie.PF, 0, 64, 16, 40, 8, 1, 0)
	r.SetTail(10)
	r.Fetch(up, 100)
	_, _, ok := r.Peek(0, 100)
	require.False(t, ok, "the completion is not back yet")
	require.Equal(t, 100+500*sim.Nanosecond, r.NextReady())
	d, idx, ok := r.Peek(7, r.NextReady())
	require.True(t, ok)
	require.Equal(t, uint32(7), idx)
	require.Len(t, d, 16)
	r.Consume(8)
	require.Equal(t, uint32(8), r.Head)
	require.Equal(t, 0, r.Cached())
}

func TestCacheLimit(t *testing.T) {
	var r Ring
	up := &reads{}
	r.Init(pcie.PF, 0, 256, 16, 10, 8, 0, 0)
	r.SetTail(200)
	for r.Fetch(up, 0) {
	}
	require.Equal(t, 10, r.Cached(), "never more than the cache holds")
	require.Equal(t, uint32(190), r.Unfetched())
}

// PTHRESH: a fetch starts only while fewer than PThresh descriptors are
// cached, so the cache refills in bursts.
func TestPrefetchThreshold(t *testing.T) {
	var r Ring
	up := &reads{}
	r.Init(pcie.PF, 0, 1024, 16, 40, 32, 32, 0)
	r.SetTail(1000)
	require.True(t, r.Fetch(up, 0))
	require.Equal(t, 32, r.Cached(), "one burst")
	require.False(t, r.Fetch(up, 0), "32 cached is not below PTHRESH 32")
	r.Consume(1)
	require.True(t, r.WantsFetch())
	require.True(t, r.Fetch(up, 0))
	require.Equal(t, 40, r.Cached(), "the next burst fills the cache")
	require.Equal(t, []int{32 * 16, 9 * 16}, up.lens)
}
