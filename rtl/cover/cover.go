package cover

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// Group is a covergroup: coverpoints and crosses of one block.
type Group struct {
	Name    string
	Points  []*Point
	Crosses []*Cross
}

// NewGroup declares a covergroup.
func NewGroup(name string) *Group { return &Group{Name: name} }

// Point declares a coverpoint with named bins.
func (g *Group) Point(name string, bins ...string) *Point {
	p := &Point{Name: name, Bins: bins, Hits: make([]uint64, len(bins))}
	g.Points = append(g.Points, p)
	return p
}

// Cross declares the cross of two coverpoints: one bin per pair.
func (g *Group) Cross(name string, a, b *Point) *Cross {
	c := &Cross{Name: name, A: a, B: b, Hits: make([]uint64, len(a.Bins)*len(b.Bins))}
	g.Crosses = append(g.Crosses, c)
	return c
}

// Point is a coverpoint.
type Point struct {
	Name string
	Bins []string
	Hits []uint64
}

// Hit samples bin i; an index outside the bins is ignored (a block that
// samples a value it did not declare a bin for is not coverage's fault).
func (p *Point) Hit(i int) {
	if uint(i) < uint(len(p.Hits)) {
		p.Hits[i]++
	}
}

// Cross is a cross of two coverpoints.
type Cross struct {
	Name string
	A, B *Point
	Hits []uint64
}

// Hit samples the pair (a, b) of bin indices.
func (c *Cross) Hit(a, b int) {
	if uint(a) < uint(len(c.A.Bins)) && uint(b) < uint(len(c.B.Bins)) {
		c.Hits[a*len(c.B.Bins)+b]++
	}
}

// Buckets is a coverpoint's bins over integer ranges: bin i holds values
// from Edges[i] up to Edges[i+1]-1, the last bin everything from its edge.
type Buckets struct {
	Edges []int
	Names []string
}

// NewBuckets makes buckets with names like "64", "65-127", "1519+".
func NewBuckets(edges ...int) Buckets {
	b := Buckets{Edges: edges}
	for i, lo := range edges {
		switch {
		case i == len(edges)-1:
			b.Names = append(b.Names, fmt.Sprintf("%d+", lo))
		case edges[i+1]-1 == lo:
			b.Names = append(b.Names, fmt.Sprint(lo))
		default:
			b.Names = append(b.Names, fmt.Sprintf("%d-%d", lo, edges[i+1]-1))
		}
	}
	return b
}

// Of returns the bin of v, or -1 below the first edge.
func (b Buckets) Of(v int) int {
	i := sort.SearchInts(b.Edges, v+1) - 1
	return i
}

// DB is collected coverage: hit counts by "group/point/bin" and
// "group/cross/binA×binB". Zero counts are kept: they are the holes.
type DB struct {
	Counts map[string]uint64
}

// NewDB returns an empty database.
func NewDB() *DB { return &DB{Counts: map[string]uint64{}} }

// Collect adds the current hits of groups to the database.
func (d *DB) Collect(groups ...*Group) {
	for _, g := range groups {
		for _, p := range g.Points {
			for i, b := range p.Bins {
				d.Counts[g.Name+"/"+p.Name+"/"+b] += p.Hits[i]
			}
		}
		for _, c := range g.Crosses {
			for i, a := range c.A.Bins {
				for j, b := range c.B.Bins {
					d.Counts[g.Name+"/"+c.Name+"/"+a+"×"+b] += c.Hits[i*len(c.B.Bins)+j]
				}
			}
		}
	}
}

// Merge adds other's counts into d.
func (d *DB) Merge(other *DB) {
	if other == nil {
		return
	}
	for k, v := range other.Counts {
		d.Counts[k] += v
	}
}

// Bins returns how many bins the database knows.
func (d *DB) Bins() int { return len(d.Counts) }

// Hit returns how many bins were hit at least once.
func (d *DB) Hit() int {
	n := 0
	for _, v := range d.Counts {
		if v > 0 {
			n++
		}
	}
	return n
}

// Uncovered returns the bins never hit, sorted.
func (d *DB) Uncovered() []string {
	var out []string
	for k, v := range d.Counts {
		if v == 0 {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// Percent returns the share of bins hit, 0..100.
func (d *DB) Percent() float64 {
	if len(d.Counts) == 0 {
		return 0
	}
	return 100 * float64(d.Hit()) / float64(len(d.Counts))
}

type dbJSON struct {
	Bins   int               `json:"bins"`
	Hit    int               `json:"hit"`
	Counts map[string]uint64 `json:"counts"`
}

// MarshalJSON writes {"bins": N, "hit": H, "counts": {...}} with sorted keys.
func (d *DB) MarshalJSON() ([]byte, error) {
	return json.Marshal(dbJSON{Bins: d.Bins(), Hit: d.Hit(), Counts: d.Counts})
}

// UnmarshalJSON reads what MarshalJSON wrote and checks that its totals
// agree with its counts.
func (d *DB) UnmarshalJSON(b []byte) error {
	var j dbJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("coverage: %w", err)
	}
	if j.Counts == nil {
		j.Counts = map[string]uint64{}
	}
	for k := range j.Counts {
		if strings.Count(k, "/") < 2 {
			return fmt.Errorf("coverage: bin %q is not group/point/bin", k)
		}
	}
	d.Counts = j.Counts
	if d.Bins() != j.Bins || d.Hit() != j.Hit {
		return fmt.Errorf("coverage: file says %d bins, %d hit, but its counts hold %d bins, %d hit", j.Bins, j.Hit, d.Bins(), d.Hit())
	}
	return nil
}

// Save writes the database to path as JSON.
func (d *DB) Save(path string) error {
	b, err := json.MarshalIndent(d, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// Load reads a database saved by Save.
func Load(path string) (*DB, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	d := NewDB()
	if err := json.Unmarshal(b, d); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}

// WriteReport writes a summary by group and the list of holes.
func (d *DB) WriteReport(w io.Writer) error {
	type tally struct{ bins, hit int }
	groups := map[string]*tally{}
	var names []string
	for k, v := range d.Counts {
		g := k[:strings.IndexByte(k, '/')]
		t := groups[g]
		if t == nil {
			t = &tally{}
			groups[g] = t
			names = append(names, g)
		}
		t.bins++
		if v > 0 {
			t.hit++
		}
	}
	sort.Strings(names)
	fmt.Fprintf(w, "coverage %d of %d bins (%.1f%%)\n", d.Hit(), d.Bins(), d.Percent())
	for _, g := range names {
		t := groups[g]
		fmt.Fprintf(w, "  %-24s %4d of %4d bins\n", g, t.hit, t.bins)
	}
	holes := d.Uncovered()
	if len(holes) > 0 {
		fmt.Fprintf(w, "uncovered bins (%d):\n", len(holes))
	}
	for _, h := range holes {
		if _, err := fmt.Fprintf(w, "  %s\n", h); err != nil {
			return err
		}
	}
	return nil
}
