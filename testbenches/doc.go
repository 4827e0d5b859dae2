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
//	ixgbe_random.yaml   constrained random sizes, rates, rings and moderation per seed
//
//	ena_default.yaml        one ENA VF, 4 queue pairs, 100 Gb/s line rate, RSS over 16 flows
//	ena_llq.yaml            the same through LLQ (BAR2 entries with the pushed header)
//	ena_allowance.yaml      pps and bw_out allowances held within 1% on two VFs
//	ena_recovery.yaml       keep-alive lost mid-traffic: watchdog reset, traffic resumes
//	ena_admin_timeout.yaml  the admin queue hangs under statistics reads: ADMIN_TO reset
//	ena_moderation.yaml     an interrupt-mode VF with a static Rx delay
//	ena_ipv6.yaml           IPv6 TCP, UDP and ICMPv6 through a VF
//	ena_bql.yaml            ena_default under byte queue limits, with Tx latency bounds
//
//	acl_default.yaml, acl_line_rate.yaml, acl_timeouts.yaml, acl_conntrack_full.yaml:
//	security groups, network ACLs and connection tracking on the ENA card
package testbenches
