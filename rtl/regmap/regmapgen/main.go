// Command regmapgen turns a regmap YAML file into a Go register block.
//
//	//go:generate go run github.com/nicforge/nicforge/rtl/regmap/regmapgen -in ixgbe_vf.regmap.yaml -out ixgbe_vf_regs.go -pkg ixgbe -var VFRegs -prefix VF
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/nicforge/nicforge/rtl/regmap"
)

func main() {
	in := flag.String("in", "", "regmap YAML file")
	out := flag.String("out", "", "Go file to write")
	pkg := flag.String("pkg", "", "package name")
	varName := flag.String("var", "Regs", "name of the *rtl.BlockSpec variable")
	prefix := flag.String("prefix", "Off", "prefix of the offset constants")
	flag.Parse()
	if *in == "" || *out == "" || *pkg == "" {
		fmt.Fprintln(os.Stderr, "regmapgen: -in, -out and -pkg are required")
		os.Exit(2)
	}
	data, err := os.ReadFile(*in)
	if err != nil {
		fmt.Fprintln(os.Stderr, "regmapgen:", err)
		os.Exit(1)
	}
	spec, err := regmap.Parse(filepath.Base(*in), data)
	if err != nil {
		fmt.Fprintln(os.Stderr, "regmapgen:", err)
		os.Exit(1)
	}
	src, err := regmap.Generate(spec, filepath.Base(*in), *pkg, *varName, *prefix)
	if err != nil {
		fmt.Fprintln(os.Stderr, "regmapgen:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "regmapgen:", err)
		os.Exit(1)
	}
}
