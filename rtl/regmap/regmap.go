// Package regmap reads register maps: one YAML file per register block
// giving each register's name, offset, width, access policy, reset value,
// fields and array shape. The card's register blocks are generated from
// these files (see regmapgen), and verify derives conformance sequences from
// the same data.
//
// File format:
//
//	block: ixgbe_vf            # block name
//	size: 0x4000               # bytes of address space decoded
//	registers:
//	  - name: VFRDBAL          # Linux macro name, no prefix
//	    offset: 0x1000         # of element 0
//	    width: 32              # only 32 is supported
//	    access: rw             # ro rw wo w1c w1s rc sc; applies to bits outside fields
//	    reset: 0
//	    count: 8               # optional: array elements
//	    stride: 0x40           # optional: bytes between elements
//	    test: full             # optional: full (default), reset, none
//	    doc: "Rx ring base, low 32 bits"
//	    fields:                # optional; bits outside all fields are reserved (read 0)
//	      - {name: ENABLE, bits: "25", access: rw}
//	      - {name: BSIZEPKT, bits: "6:0", access: rw}
//
// Decoding is strict: unknown keys, wrong types and inconsistent values are
// errors that name the file and line.
package regmap

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/nicforge/nicforge/rtl"
)

type fileDoc struct {
	Block     string      `yaml:"block"`
	Size      yaml.Node   `yaml:"size"`
	Registers []yaml.Node `yaml:"registers"`
}

type regDoc struct {
	Name   string      `yaml:"name"`
	Offset yaml.Node   `yaml:"offset"`
	Width  int         `yaml:"width"`
	Access string      `yaml:"access"`
	Reset  yaml.Node   `yaml:"reset"`
	Count  int         `yaml:"count"`
	Stride yaml.Node   `yaml:"stride"`
	Test   string      `yaml:"test"`
	Doc    string      `yaml:"doc"`
	Fields []yaml.Node `yaml:"fields"`
}

type fieldDoc struct {
	Name   string `yaml:"name"`
	Bits   string `yaml:"bits"`
	Access string `yaml:"access"`
	Doc    string `yaml:"doc"`
}

// Parse decodes a regmap file. name is used in error messages.
func Parse(name string, data []byte) (*rtl.BlockSpec, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var doc fileDoc
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty regmap", name)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	errAt := func(line int, format string, args ...any) error {
		return fmt.Errorf("%s:%d: %s", name, line, fmt.Sprintf(format, args...))
	}
	if doc.Block == "" {
		return nil, errAt(1, "missing key: block")
	}
	b := &rtl.BlockSpec{Name: doc.Block}
	if doc.Size.Kind != 0 {
		v, err := number(&doc.Size)
		if err != nil {
			return nil, errAt(doc.Size.Line, "size: %v", err)
		}
		b.Size = v
	}
	if len(doc.Registers) == 0 {
		return nil, errAt(1, "block %s has no registers", doc.Block)
	}
	for i := range doc.Registers {
		n := &doc.Registers[i]
		var rd regDoc
		if err := n.Decode(&rd); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if err := knownKeys(n, "name", "offset", "width", "access", "reset", "count", "stride", "test", "doc", "fields"); err != nil {
			return nil, fmt.Errorf("%s:%w", name, err)
		}
		r, err := register(&rd, n.Line)
		if err != nil {
			return nil, fmt.Errorf("%s:%w", name, err)
		}
		b.Regs = append(b.Regs, r)
	}
	if err := b.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return b, nil
}

func knownKeys(n *yaml.Node, keys ...string) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("%d: expected a mapping", n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		ok := false
		for _, want := range keys {
			if k.Value == want {
				ok = true
			}
		}
		if !ok {
			return fmt.Errorf("%d: unknown key %q (want one of %s)", k.Line, k.Value, strings.Join(keys, ", "))
		}
	}
	return nil
}

func register(rd *regDoc, line int) (rtl.RegSpec, error) {
	r := rtl.RegSpec{Name: rd.Name, Count: rd.Count, Doc: rd.Doc}
	if rd.Name == "" {
		return r, fmt.Errorf("%d: register without a name", line)
	}
	fail := func(l int, format string, args ...any) error {
		return fmt.Errorf("%d: register %s: %s", l, rd.Name, fmt.Sprintf(format, args...))
	}
	if rd.Offset.Kind == 0 {
		return r, fail(line, "missing offset")
	}
	off, err := number(&rd.Offset)
	if err != nil {
		return r, fail(rd.Offset.Line, "offset: %v", err)
	}
	r.Offset = off
	if rd.Width != 0 && rd.Width != 32 {
		return r, fail(line, "width %d not supported (only 32)", rd.Width)
	}
	acc := rd.Access
	if acc == "" {
		acc = "rw"
	}
	if r.Access, err = rtl.ParseAccess(acc); err != nil {
		return r, fail(line, "%v", err)
	}
	if rd.Reset.Kind != 0 {
		if r.Reset, err = number(&rd.Reset); err != nil {
			return r, fail(rd.Reset.Line, "reset: %v", err)
		}
	}
	if rd.Count < 0 || rd.Count > 4096 {
		return r, fail(line, "count %d out of range (0..4096)", rd.Count)
	}
	if rd.Stride.Kind != 0 {
		if r.Stride, err = number(&rd.Stride); err != nil {
			return r, fail(rd.Stride.Line, "stride: %v", err)
		}
	} else if rd.Count > 1 {
		r.Stride = 4
	}
	switch rd.Test {
	case "", "full":
		r.Test = rtl.TestFull
	case "reset":
		r.Test = rtl.TestReset
	case "none":
		r.Test = rtl.TestNone
	default:
		return r, fail(line, "test %q (want full, reset or none)", rd.Test)
	}
	for i := range rd.Fields {
		fn := &rd.Fields[i]
		if err := knownKeys(fn, "name", "bits", "access", "doc"); err != nil {
			return r, err
		}
		var fd fieldDoc
		if err := fn.Decode(&fd); err != nil {
			return r, err
		}
		hi, lo, err := bits(fd.Bits)
		if err != nil {
			return r, fail(fn.Line, "field %s: %v", fd.Name, err)
		}
		fa := r.Access
		if fd.Access != "" {
			if fa, err = rtl.ParseAccess(fd.Access); err != nil {
				return r, fail(fn.Line, "field %s: %v", fd.Name, err)
			}
		}
		if fd.Name == "" {
			return r, fail(fn.Line, "field without a name")
		}
		r.Fields = append(r.Fields, rtl.FieldSpec{Name: fd.Name, Hi: hi, Lo: lo, Access: fa})
	}
	return r, nil
}

func number(n *yaml.Node) (uint32, error) {
	if n.Kind != yaml.ScalarNode {
		return 0, fmt.Errorf("want a number, got a %s", kindName(n.Kind))
	}
	v, err := strconv.ParseUint(strings.ReplaceAll(n.Value, "_", ""), 0, 32)
	if err != nil {
		return 0, fmt.Errorf("%q is not a 32-bit unsigned number", n.Value)
	}
	return uint32(v), nil
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "sequence"
	default:
		return "non-scalar"
	}
}

func bits(s string) (hi, lo uint8, err error) {
	parts := strings.Split(s, ":")
	if len(parts) > 2 || s == "" {
		return 0, 0, fmt.Errorf("bits %q: want N or HI:LO", s)
	}
	h, err := strconv.ParseUint(strings.TrimSpace(parts[0]), 10, 8)
	if err != nil {
		return 0, 0, fmt.Errorf("bits %q: want N or HI:LO", s)
	}
	l := h
	if len(parts) == 2 {
		if l, err = strconv.ParseUint(strings.TrimSpace(parts[1]), 10, 8); err != nil {
			return 0, 0, fmt.Errorf("bits %q: want N or HI:LO", s)
		}
	}
	if h > 31 || l > h {
		return 0, 0, fmt.Errorf("bits %q: out of range for a 32-bit register", s)
	}
	return uint8(h), uint8(l), nil
}
