package cover

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

func TestBuckets(t *testing.T) {
	b := NewBuckets(64, 65, 128, 1519)
	require.Equal(t, []string{"64", "65-127", "128-1518", "1519+"}, b.Names)
	for _, tc := range []struct{ v, want int }{{60, -1}, {64, 0}, {65, 1}, {127, 1}, {128, 2}, {1518, 2}, {1519, 3}, {9000, 3}} {
		require.Equal(t, tc.want, b.Of(tc.v), "value %d", tc.v)
	}
}

func sample() *Group {
	g := NewGroup("blk")
	kind := g.Point("kind", "data", "context")
	dir := g.Point("dir", "rx", "tx")
	x := g.Cross("kind_x_dir", kind, dir)
	kind.Hit(0)
	kind.Hit(0)
	kind.Hit(7) // undeclared: ignored
	dir.Hit(1)
	x.Hit(0, 1)
	x.Hit(2, 0) // undeclared: ignored
	return g
}

func TestCollectMergeAndHoles(t *testing.T) {
	d := NewDB()
	d.Collect(sample())
	want := map[string]uint64{
		"blk/kind/data": 2, "blk/kind/context": 0, "blk/dir/rx": 0, "blk/dir/tx": 1,
		"blk/kind_x_dir/data×rx": 0, "blk/kind_x_dir/data×tx": 1,
		"blk/kind_x_dir/context×rx": 0, "blk/kind_x_dir/context×tx": 0,
	}
	require.Empty(t, cmp.Diff(want, d.Counts))
	require.Equal(t, 8, d.Bins())
	require.Equal(t, 3, d.Hit())
	require.Equal(t, []string{"blk/dir/rx", "blk/kind/context", "blk/kind_x_dir/context×rx", "blk/kind_x_dir/context×tx", "blk/kind_x_dir/data×rx"}, d.Uncovered())

	e := NewDB()
	e.Collect(sample())
	e.Merge(d)
	require.Equal(t, uint64(4), e.Counts["blk/kind/data"])
	require.Equal(t, 3, e.Hit(), "merging the same runs hits no new bins")

	var sb strings.Builder
	require.NoError(t, e.WriteReport(&sb))
	require.Contains(t, sb.String(), "coverage 3 of 8 bins (37.5%)")
	require.Contains(t, sb.String(), "  blk/kind/context\n")
}

func TestSaveLoad(t *testing.T) {
	d := NewDB()
	d.Collect(sample())
	path := filepath.Join(t.TempDir(), "cov.json")
	require.NoError(t, d.Save(path))
	got, err := Load(path)
	require.NoError(t, err)
	require.Empty(t, cmp.Diff(d.Counts, got.Counts))
}

func TestLoadRejectsBadFiles(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"bins": 2, "hit": 1, "counts": {"a/b/c": 1}}`, "file says 2 bins, 1 hit, but its counts hold 1 bins, 1 hit"},
		{`{"bins": 1, "hit": 0, "counts": {"abc": 0}}`, `bin "abc" is not group/point/bin`},
		{`{"bins": "x"}`, "coverage: json"},
		{`[`, "unexpected end of JSON input"},
	} {
		d := NewDB()
		require.ErrorContains(t, json.Unmarshal([]byte(tc.in), d), tc.want, tc.in)
	}
}

func FuzzDecode(f *testing.F) {
	d := NewDB()
	d.Collect(sample())
	b, _ := json.Marshal(d)
	f.Add(b)
	f.Add([]byte(`{"bins":0,"hit":0}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		d := NewDB()
		if err := json.Unmarshal(in, d); err != nil {
			return
		}
		// What decodes re-encodes to the same database.
		out, err := json.Marshal(d)
		require.NoError(t, err)
		e := NewDB()
		require.NoError(t, json.Unmarshal(out, e))
		require.Equal(t, d.Bins(), e.Bins())
		require.Equal(t, d.Hit(), e.Hit())
	})
}
