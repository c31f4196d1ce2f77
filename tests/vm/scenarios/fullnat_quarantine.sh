#!/bin/bash
# A tuple (LIP, lport, RIP, rport) handed out again as soon as its
# quarantine (the director's TIME_WAIT timeout) ends must not meet the real
# server's TIME_WAIT on it. The server's TIME_WAIT lasts TCP_TIMEWAIT_LEN
# (60 s) plus the lateness of its timer in the timer wheel (up to ~2 s at
# HZ=250, ~4 s at HZ=1000, ~5 s at HZ=100); a SYN arriving meanwhile is
# accepted only if its sequence number (or timestamp) is after the old
# connection's, otherwise the server answers with a bare ACK, the client
# resets and retransmits its SYN.
#
# One LIP with 16 ports and two real servers: 32 tuples, taken a few at a
# time (the port range is widened a port at a time, so that their
# quarantines end at different points of the servers' timer wheels), by
# clients that connect steadily for a bit more than one quarantine. The
# servers close first, so they hold each tuple in TIME_WAIT. The client
# sends no timestamps, so the server judges a SYN on a TIME_WAIT tuple by
# its sequence number alone, unrelated to the old connection's: a coin
# flip per reused tuple (with timestamps the SYN's timestamp also counts,
# and such a SYN was refused less often, not never).
# Judged by tcpdump on the servers' link: a server answers every SYN with
# a SYN-ACK. Whether a reused tuple meets TIME_WAIT depends on where the
# server's timer and the director's garbage collector happen to be, and a
# SYN meeting it is accepted half of the time: with 32 tuples a
# quarantine of 60 s is caught nearly always (8 refused SYNs in one run).
# While no tuple is free the director drops SYNs (no_port), which costs
# the client retransmissions too: the client's nstat is shown, not judged.
#
#  c1 198.51.100.2 --- rt --- lb1 (fullnat.ko, LIP 198.18.11.1, --- rsr --- rs1, rs2
#  bench_cli -m crr -P 16          ports 20000-20015)          |    bench_srv -m rr :8080
#  (no TCP timestamps)                                  tcpdump on brrs
#
# @timeout: 240
. /fnat/lib.sh

LO=20000 HI=20015

topo_base 1 2
module_load fullnat
on c1 sysctl -qw net.ipv4.tcp_timestamps=0
lb lb1 laddr add "$(lip_net 1).1"
lb lb1 config set port_range "$LO-$LO"
lb lb1 service add tcp "$VIP:80" scheduler rr
for r in 1 2; do
	lb lb1 rs add tcp "$VIP:80" "$RS_NET.$((10 + r)):8080"
	bg "rs$r" "srv-rs$r" bench_srv -m rr 8080
	wait_for 20 "bench_srv on rs$r" listening "rs$r" 8080
done
bg rsr cap tcpdump -i brrs -n -U -w /tmp/rs.pcap tcp port 8080
wait_for 20 "tcpdump on brrs" grep -q "listening on" "$FNAT_LOG/cap.log"

tw=$(lbctl -n lb1 -j show | jq .config.timeout.tcp.time_wait)
log "the director's TIME_WAIT timeout (quarantine): $tw s"
synretrans() {
	on_quiet c1 nstat -asz TcpExtTCPSynRetrans |
		awk '$1 == "TcpExtTCPSynRetrans" { s = $2 } END { print s + 0 }'
}
retrans0=$(synretrans)
noport0=$(counter lb1 no_port)

# Every tuple is reused about $tw s after it was first taken; the last ones
# are taken some 10 s in. 16 processes, each giving up a connect after
# 2 s, keep SYNs coming several times a second, so a tuple is taken again
# within a fraction of a second of its release. On a slowed guest the
# widening itself takes longer (on the debug kernel 14 of the 32 tuples
# were reused within tw + 20 s), so the margin is scaled.
bg c1 cli bench_cli -m crr -P 16 -t "$((tw + $(scaled 20)))" "$VIP" 80
for ((p = LO + 1; p <= HI; p++)); do
	# Pacing, not waiting: spread the tuples' quarantines over several
	# seconds (several slots of the servers' timer wheels).
	sleep 0.3
	lbctl -n lb1 config set port_range "$LO-$p"
done
all_taken() { (( $(ports_in_use lb1) >= 2 * (HI - LO + 1) )); }
wait_for 20 "every tuple taken" all_taken
log "all $((2 * (HI - LO + 1))) tuples taken; clients keep connecting for $tw s more"
wait_for "$((tw + 60))" "the client's end" grep -q conns= "$FNAT_LOG/cli.log"
cat "$FNAT_LOG/cli.log"
lb lb1 stats | grep -vw 0 || true
echo "client SYN retransmissions: $(( $(synretrans) - retrans0 )), SYNs the director dropped for want of a tuple (no_port): $(( $(counter lb1 no_port) - noport0 ))"

# SYNs to the server, those on a tuple that had closed before (reused),
# and the server's first answer to each: SYN-ACK or anything else.
# A tuple is "LIP.lport RIP.rport".
verdict=$(tcpdump -r /tmp/rs.pcap -n 2>/dev/null | awk '
	{
		src = $3; dst = $5; sub(/:$/, "", dst); fl = $7; sub(/,$/, "", fl)
		t = src ~ /\.8080$/ ? dst " " src : src " " dst
	}
	dst ~ /\.8080$/ && fl == "[S]" {
		syn++
		if (t in closed) { reused++; delete closed[t] }
		pending[t] = $0
		next
	}
	src ~ /\.8080$/ && (t in pending) {
		if (fl == "[S.]") { synack++ }
		else {
			other++
			print "SYN:", pending[t] > "/dev/stderr"
			print "not a SYN-ACK:", $0 > "/dev/stderr"
		}
		delete pending[t]
	}
	fl ~ /F|R/ { closed[t] = 1 }
	END { print syn + 0, reused + 0, synack + 0, other + 0 }')
read -r syn reused synack other <<< "$verdict"
echo "SYNs to the servers: $syn, on a reused tuple: $reused, answered with a SYN-ACK: $synack, with something else: $other"
assert_ge "$reused" 16 "SYNs on a tuple reused after its quarantine"
assert_eq "$other" 0 "SYNs a real server answered with something other than a SYN-ACK"
