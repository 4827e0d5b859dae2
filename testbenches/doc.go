// Package testbenches holds the scenario files that run in CI and the Go
// test that runs each of them: `go test ./testbenches/...` runs every
// *.yaml here as a subtest and fails on any failed expectation, printing
// the command that reproduces it.
//
//	ixgbe_default.yaml  the built-in default (line-rate Tx, wire→VF, VF→VF)
//	ixgbe_spoof.yaml    anti-spoofing blocks and counts a VF's forged frames
//	ixgbe_veb.yaml      VF↔VF switching inside the card, mixed sizes
//	ixgbe_pf.yaml       the PF's own queues beside a VF
//	ixgbe_replay.yaml   pcap replay from fixtures/ into a VF
package testbenches
