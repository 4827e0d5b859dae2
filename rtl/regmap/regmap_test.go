package regmap

import (
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/nicforge/nicforge/rtl"
)

const good = `block: demo
size: 0x100
registers:
  - name: CTRL
    offset: 0x0
    access: rw
    reset: 0x1
    fields:
      - {name: EN, bits: "0", access: rw}
      - {name: RST, bits: "26", access: sc}
  - name: Q
    offset: 0x40
    count: 4
    stride: 0x10
    test: reset
`

func TestParseAndGenerate(t *testing.T) {
	b, err := Parse("demo.regmap.yaml", []byte(good))
	require.NoError(t, err)
	want := &rtl.BlockSpec{Name: "demo", Size: 0x100, Regs: []rtl.RegSpec{
		{Name: "CTRL", Offset: 0, Access: rtl.RW, Reset: 1, Fields: []rtl.FieldSpec{{Name: "EN", Hi: 0, Lo: 0, Access: rtl.RW}, {Name: "RST", Hi: 26, Lo: 26, Access: rtl.SC}}},
		{Name: "Q", Offset: 0x40, Access: rtl.RW, Count: 4, Stride: 0x10, Test: rtl.TestReset},
	}}
	require.Empty(t, cmp.Diff(want, b))
	src, err := Generate(b, "demo.regmap.yaml", "demo", "Regs", "Off")
	require.NoError(t, err)
	_, err = parser.ParseFile(token.NewFileSet(), "x.go", src, 0)
	require.NoError(t, err)
	require.Contains(t, string(src), "OffQStride = 0x10")
}

func TestErrorsNameFileAndLine(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown key", "block: b\nregisters:\n  - name: A\n    offset: 0\n    colour: red\n", `b.yaml:5: unknown key "colour"`},
		{"bad bits", "block: b\nregisters:\n  - name: A\n    offset: 0\n    fields:\n      - {name: F, bits: \"40:2\"}\n", `b.yaml:6: register A: field F: bits "40:2"`},
		{"overlap", "block: b\nregisters:\n  - name: A\n    offset: 0\n    fields:\n      - {name: F, bits: \"3:0\"}\n      - {name: G, bits: \"2\"}\n", `field G overlaps`},
		{"reserved reset", "block: b\nregisters:\n  - name: A\n    offset: 0\n    reset: 0x10\n    fields:\n      - {name: F, bits: \"3:0\"}\n", `reset value 0x10 sets reserved bits`},
		{"same offset", "block: b\nregisters:\n  - {name: A, offset: 4}\n  - {name: B, offset: 4}\n", `registers A and B both at offset 0x4`},
		{"bad access", "block: b\nregisters:\n  - {name: A, offset: 0, access: rwx}\n", `b.yaml:3: register A: unknown access policy "rwx"`},
		{"wrong type", "block: b\nregisters:\n  - {name: A, offset: [1]}\n", `b.yaml:3: register A: offset: want a number`},
		{"no block", "registers: []\n", `b.yaml:1: missing key: block`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("b.yaml", []byte(tc.yaml))
			require.Error(t, err)
			require.Regexp(t, regexp.MustCompile(regexp.QuoteMeta(tc.want)), err.Error())
		})
	}
}

// The committed generated files match the regmaps they come from.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	for _, g := range []struct{ yaml, goFile, v, prefix string }{
		{"../../model/ixgbe/ixgbe_pf.regmap.yaml", "../../model/ixgbe/ixgbe_pf_regs.go", "PFRegs", "OffPF"},
		{"../../model/ixgbe/ixgbe_vf.regmap.yaml", "../../model/ixgbe/ixgbe_vf_regs.go", "VFRegs", "OffVF"},
	} {
		data, err := os.ReadFile(g.yaml)
		require.NoError(t, err)
		b, err := Parse(g.yaml[len("../../model/ixgbe/"):], data)
		require.NoError(t, err)
		src, err := Generate(b, g.yaml[len("../../model/ixgbe/"):], "ixgbe", g.v, g.prefix)
		require.NoError(t, err)
		have, err := os.ReadFile(g.goFile)
		require.NoError(t, err)
		require.Equal(t, string(src), string(have), "run go generate ./model/ixgbe/")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(good))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Parse("f.yaml", data)
		if err != nil {
			return
		}
		if _, err := rtl.NewRegFile(b); err != nil {
			t.Fatalf("Parse accepted a block NewRegFile refuses: %v", err)
		}
	})
}
