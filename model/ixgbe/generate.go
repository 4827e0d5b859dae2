package ixgbe

// The register blocks are generated from the regmaps; the output is committed.
//go:generate go run github.com/nicforge/nicforge/rtl/regmap/regmapgen -in ixgbe_vf.regmap.yaml -out ixgbe_vf_regs.go -pkg ixgbe -var VFRegs -prefix OffVF
//go:generate go run github.com/nicforge/nicforge/rtl/regmap/regmapgen -in ixgbe_pf.regmap.yaml -out ixgbe_pf_regs.go -pkg ixgbe -var PFRegs -prefix OffPF
