// Package scenario reads scenario files: the card, the drivers on its
// functions, the traffic, and the expectations a run must meet. Decoding
// is strict: an unknown key, a wrong type or an inconsistent value is an
// error naming the file and line.
//
//	name: default
//	seed: 1                 # the CLI's --seed overrides it
//	duration: 1ms           # measurement window (rates are measured over it)
//	warmup: 20us            # traffic runs this long before the window opens
//	card: {personality: ixgbe, vfs: 2, uplink_gbps: 10, pcie: gen3x8, switch: veb, core_mhz: 250}
//	                        # ENA: conntrack_entries: 65536,
//	                        #      conntrack_timeouts: {tcp_new, tcp_reply, tcp_established, udp_new,
//	                        #      udp_stream, icmp, other} (durations; unset keep the defaults)
//	security_groups:        # ENA: allow-only, stateful; inbound cidr = source, ports = destination
//	  web:
//	    inbound:  [{protocol: tcp, ports: "443", cidr: 0.0.0.0/0}]   # tcp, udp, icmp, icmpv6, all, a number
//	    outbound: [{protocol: all, cidr: 0.0.0.0/0}]                  # icmp rules: icmp_type, icmp_code
//	network_acls:           # ENA: numbered, allow or deny, stateless, default deny
//	  public:
//	    inbound:  [{number: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}]
//	    outbound: [{number: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}]
//	functions:
//	  - {name: pf, driver: ixgbe}
//	  - {name: vf0, driver: ixgbevf, mac: "02:00:00:00:00:10", mode: poll,
//	     rx_ring: 512, tx_ring: 1024, itr: dynamic, spoof_check: true, rate_limit_mbps: 0}
//	  - {name: vf0, rx_usecs: 64, tx_usecs: 64, bql: true}       # ENA moderation, as ethtool -C:
//	                                                            # rx_usecs dynamic (net_dim, the
//	                                                            # default) or µs; tx_usecs µs (64);
//	                                                            # bql: byte queue limits on Tx (the
//	                                                            # driver's enable_bql, default off)
//	  - {name: vf0, stats_every: 100ms}   # ENA: read basic and ENI statistics (GET_STATS) between
//	                                      # polls, as a monitoring agent's ethtool -S does
//	  - {name: vf1, security_group: web, network_acl: public,   # ENA: the ACL for this VF (one
//	     allowances: {pps: 1Mpps, bw_in: 5Gbps, bw_out: 5Gbps, conntrack: 1000, linklocal_pps: 1024}}
//	                                                            # missing: allow-all NACL, or an SG
//	                                                            # allowing all outbound)
//	traffic:
//	  - {name: s, from: vf0, to: wire, frame_size: 64, rate: line, count: 0, flows: 1,
//	     src_mac: "", start: 0us}          # or size_mix: [{size: 64, weight: 7}, ...]
//	  - {name: t, from: wire, to: vf0, proto: tcp, src_ip: "2001:db8::1", dst_ip: "2001:db8::a",
//	     src_port: 40000, dst_port: 443, flows: 16}   # proto udp (default), tcp or icmp
//	                                                  # (icmp_type, icmp_code); IPv6 addresses give
//	                                                  # IPv6 frames; flows count up the source port
//	expect:
//	  - {check: line_rate, port: uplink, direction: tx, min: 0.99}
//	  - {check: delivered, traffic: s}
//	  - {check: latency, traffic: s, p99: 100us}   # one-way latency: p50, p90, p99 at most
//	  - {check: no_drops}
//	  - {check: irq_moderation, function: vf1}
//	  - {check: no_dma_faults}
//	  - {check: spoof_blocked, function: vf0, min: 1}
//	  - {check: rss_spread, function: vf0, min: 0.75}  # every Rx queue within 25% of the mean
//	  - {check: recovered, function: vf0}  # ENA: a watchdog reset before the window, traffic in it;
//	                                       # reason: keep_alive_to, admin_to or miss_tx_cmpl (the last reset's)
//	  - {check: llq_used, function: vf0}   # ENA (card.llq: true): Tx went through LLQ entries
//	  - {check: allowance, function: vf0, direction: pps, min: 0.99}  # pps, bw_out, bw_in
//	  - {check: denied, traffic: s}        # every frame dropped, as the reference predicted
//	  - {check: acl, function: vf0}        # the card's ACL counters agree with the scoreboard
//	  - {check: conntrack_full, function: vf0}  # refusals counted, the tracker full at the end
//	faults:
//	  - {kind: keep_alive_stop, at: 300ms}     # ENA: from traffic start; card: {keep_alive: 100ms, watchdog_hint: 300ms}
//	  - {kind: tx_completion_stop, at: 300ms}  # ENA: Tx completions lost until the driver resets
//	  - {kind: admin_stop, at: 300ms}          # ENA: admin commands unanswered until the driver resets
//
// Rates: line, N[k|M|G]bps (frame bits including FCS), N[k|M]pps. Frame
// sizes include the 4-byte FCS (64..1518), and at least the stream's
// headers and its 12-byte stamp. itr (82599): dynamic, a rate like 20k, or
// an EITR register value (8..4088 in steps of 8); rx_usecs and tx_usecs
// (ENA): 0..32767 µs, rx_usecs also dynamic.
package scenario
