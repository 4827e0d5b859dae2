// Command nicforge runs, checks and measures co-simulations of the card.
//
//	nicforge run [SCENARIO] [--seed N] [--duration D] [--json] [--trace F] [--pcap F] [--exact-ticks] [--mutate BUG]
//	nicforge regress [PATHS...] [--seeds N] [--jobs J] [--shard i/n] [--junit F] [--json F] [--coverage F]
//	nicforge coverage merge FILES... [-o F]
//	nicforge bench [SCENARIO] [--function F] [--itr LIST | --rx-usecs LIST] [--stream S] [--pps LIST]
//	nicforge conform [--personality ixgbe|ena] [--function NAME]
//	nicforge trace FILE [--from D --to D | --window] [--func F] [--kind K] [--summary | --step | --vcd F --chrome F --pcapng F]
//	nicforge version
//
// Exit codes: 0 every expectation held, 1 an expectation failed, 2 bad
// input (scenario or flags), 3 an internal error.
package main

import "os"

func main() {
	os.Exit(execute(os.Args[1:], os.Stdout, os.Stderr))
}
