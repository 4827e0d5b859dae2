// Command nicforge runs, checks and measures co-simulations of the card.
//
//	nicforge run [SCENARIO] [--seed N] [--duration D] [--json] [--trace F] [--pcap F] [--exact-ticks]
//	nicforge conform [--function NAME]
//	nicforge version
//
// Exit codes: 0 every expectation held, 1 an expectation failed, 2 bad
// input (scenario or flags), 3 an internal error.
package main

import "os"

func main() {
	os.Exit(execute(os.Args[1:], os.Stdout, os.Stderr))
}
