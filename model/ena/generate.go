package ena

// The register block is generated from the regmap; the output is committed.
//go:generate go run github.com/nicforge/nicforge/rtl/regmap/regmapgen -in ena.regmap.yaml -out ena_regs.go -pkg ena -var Regs -prefix Off
//go:generate go run github.com/nicforge/nicforge/rtl/regmap/regmapgen -in card_pf.regmap.yaml -out card_pf_regs.go -pkg ena -var CardPFRegs -prefix OffCard
