package drivermap

import (
	"fmt"
	"sort"
)

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func sortedNames(m map[string]Entry) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
