package scenario

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nicforge/nicforge/sim"
)

// Constrained random. A scenario is a template when some of its values are
// drawn rather than fixed:
//
//	frame_size: !range [64, 1518]      an integer, lo and hi included
//	rate: !range [1Gbps, 5Gbps]        a number with a unit (same unit at both ends)
//	itr: !range [0x28, 0x320, 8]       hex in, hex out; an optional step
//	tx_ring: !range [256, 4096, 64]    256, 320, ... 4096
//	duration: !range [500us, 2ms]      a Go duration
//	rate: !choice [1Gbps, 100kpps, line]
//
// The draws come from the run's seed (the file's seed:, or --seed), in file
// order, so a seed names one concrete scenario: the same seed gives the
// same values, and the report lists them. Each draw stays on its line, so
// errors about a drawn value still point at it.
var randomTag = regexp.MustCompile(`!(range|choice)\s*\[([^\]]*)\]`)

// seedLine finds a top-level seed.
var seedLine = regexp.MustCompile(`(?m)^seed:\s*([0-9]+)\s*(#.*)?$`)

// Draw is one value drawn for a template.
type Draw struct {
	Line  int
	Expr  string // as written: !range [64, 1518]
	Value string // as drawn
}

func (d Draw) String() string { return fmt.Sprintf("line %d: %s = %s", d.Line, d.Expr, d.Value) }

// isTemplate reports whether data draws any value.
func isTemplate(data []byte) bool { return randomTag.Match(data) }

// fileSeed returns the seed a file sets, or 1.
func fileSeed(data []byte) uint64 {
	if m := seedLine.FindSubmatch(data); m != nil {
		if v, err := strconv.ParseUint(string(m[1]), 10, 64); err == nil {
			return v
		}
	}
	return 1
}

// resolve replaces every !range and !choice with a value drawn with seed.
func resolve(name string, data []byte, seed uint64) ([]byte, []Draw, error) {
	r := sim.NewRand(seed).Split("scenario")
	lines := strings.Split(string(data), "\n")
	var draws []Draw
	for i, l := range lines {
		var err error
		lines[i] = randomTag.ReplaceAllStringFunc(l, func(expr string) string {
			if err != nil {
				return expr
			}
			m := randomTag.FindStringSubmatch(expr)
			var items []string
			for _, it := range strings.Split(m[2], ",") {
				if it = strings.TrimSpace(it); it != "" {
					items = append(items, it)
				}
			}
			var v string
			if m[1] == "choice" {
				if len(items) == 0 {
					err = &Error{name, i + 1, expr + ": no choices"}
					return expr
				}
				v = items[r.IntN(len(items))] // as written, quotes and all
			} else {
				for k := range items {
					items[k] = strings.Trim(items[k], `"'`)
				}
				if len(items) != 2 && len(items) != 3 {
					err = &Error{name, i + 1, fmt.Sprintf("%s: want [lo, hi] or [lo, hi, step], got %d values", expr, len(items))}
					return expr
				}
				step := uint64(1)
				if len(items) == 3 {
					if step, err = strconv.ParseUint(items[2], 0, 32); err != nil || step == 0 {
						err = &Error{name, i + 1, fmt.Sprintf("%s: step %q is not a positive integer", expr, items[2])}
						return expr
					}
				}
				if v, err = drawRange(items[0], items[1], step, r); err != nil {
					err = &Error{name, i + 1, fmt.Sprintf("%s: %v", expr, err)}
					return expr
				}
			}
			draws = append(draws, Draw{Line: i + 1, Expr: expr, Value: v})
			return v
		})
		if err != nil {
			return nil, nil, err
		}
	}
	return []byte(strings.Join(lines, "\n")), draws, nil
}

// numberUnit splits "1.5Gbps" into 1.5, "Gbps"; hex integers keep hex.
var numberUnit = regexp.MustCompile(`^(0[xX][0-9a-fA-F]+|[0-9]+(?:\.[0-9]+)?)([a-zA-Zµ/%]*)$`)

func drawRange(lo, hi string, step uint64, r *sim.Rand) (string, error) {
	a, b := numberUnit.FindStringSubmatch(lo), numberUnit.FindStringSubmatch(hi)
	if a == nil || b == nil {
		return "", fmt.Errorf("%q and %q must be numbers, with the same unit if any", lo, hi)
	}
	unit := a[2]
	hex := strings.HasPrefix(strings.ToLower(a[1]), "0x")
	if a[2] != b[2] || strings.Contains(a[1]+b[1], ".") {
		if step != 1 {
			return "", fmt.Errorf("a step applies to integer ranges only")
		}
	}
	if a[2] != b[2] {
		// Durations may mix units: 500us to 2ms.
		return drawDuration(lo, hi, r)
	}
	if strings.Contains(a[1]+b[1], ".") {
		x, _ := strconv.ParseFloat(a[1], 64)
		y, _ := strconv.ParseFloat(b[1], 64)
		if y < x {
			return "", fmt.Errorf("hi %s is below lo %s", hi, lo)
		}
		v := x + (y-x)*float64(r.IntN(1_000_001))/1_000_000
		return strconv.FormatFloat(math.Round(v*1000)/1000, 'f', -1, 64) + unit, nil
	}
	x, err1 := strconv.ParseUint(a[1], 0, 63)
	y, err2 := strconv.ParseUint(b[1], 0, 63)
	if err1 != nil || err2 != nil {
		return "", fmt.Errorf("%q or %q is out of range", lo, hi)
	}
	if y < x {
		return "", fmt.Errorf("hi %s is below lo %s", hi, lo)
	}
	if y-x >= 1<<62 {
		return "", fmt.Errorf("range %s..%s is too wide", lo, hi)
	}
	v := x + step*r.Uint64N((y-x)/step+1)
	if hex {
		return fmt.Sprintf("%#x", v) + unit, nil
	}
	return strconv.FormatUint(v, 10) + unit, nil
}

func drawDuration(lo, hi string, r *sim.Rand) (string, error) {
	x, err1 := parseDuration(lo)
	y, err2 := parseDuration(hi)
	if err1 != nil || err2 != nil {
		return "", fmt.Errorf("%q and %q must be numbers with the same unit, or durations", lo, hi)
	}
	if y < x {
		return "", fmt.Errorf("hi %s is below lo %s", hi, lo)
	}
	// Whole nanoseconds.
	v := int64(x) + int64(r.Uint64N(uint64(y-x)+1))
	return strconv.FormatInt(v, 10) + "ns", nil
}

func parseDuration(s string) (time.Duration, error) {
	return time.ParseDuration(strings.ReplaceAll(s, "µ", "u"))
}
