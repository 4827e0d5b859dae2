package runner

import (
	"github.com/nicforge/nicforge/verify/reference"
	"github.com/nicforge/nicforge/verify/scoreboard"
)

// newScoreboard builds the run's scoreboard with the L2 switch reference
// model configured from the plan: each function's pool has the MAC the PF
// assigns it, anti-spoofing as the scenario sets it, and broadcast
// acceptance (the PF driver sets VMOLR.BAM for every pool).
func newScoreboard(p *Plan) *scoreboard.Scoreboard {
	sw := &reference.L2Switch{VEB: p.VEB}
	names := make([]string, len(p.Functions))
	for i, f := range p.Functions {
		names[i] = f.Name
		sw.Ports = append(sw.Ports, reference.Port{MAC: f.MAC, SpoofCheck: f.SpoofCheck, Broadcast: true})
	}
	sb := scoreboard.New(sw, names)
	for _, st := range p.Streams {
		sb.DeclareStream(st.ID, st.Name, scoreboard.Endpoint(st.From), scoreboard.Endpoint(st.To))
	}
	return sb
}
