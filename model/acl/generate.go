package acl

// The register block is generated from the regmap; the output is committed.
//go:generate go run github.com/nicforge/nicforge/rtl/regmap/regmapgen -in acl.regmap.yaml -out acl_regs.go -pkg acl -var Regs -prefix Off
