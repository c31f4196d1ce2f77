#!/bin/bash
# Local port exhaustion: one LIP with a 16-port range and one real server
# take 16 connections; the 17th is refused (its SYN dropped, counted), and
# connections work again once the tuples are released. Then the local
# sockets' ports: lb1 connects from its LIP itself, as the agent's health
# checks do, with ip_local_port_range overlapping port_range, and the real
# server never sees a tuple used both by FullNAT and by lb1's sockets.
#
#  c1 --- rt --- lb1 (LIP 198.18.11.1, ports 2000-2015) --- rsr --- rs1
#
# @timeout: 300
. /fnat/lib.sh

topo_base 1 1
module_load fullnat
lb lb1 laddr add 198.18.11.1
lb lb1 config set port_range 2000-2015 timeout time_wait 2 timeout close 2 \
	timeout fin_wait 3 timeout last_ack 3 timeout close_wait 3
lb lb1 service add tcp "$VIP:80" scheduler rr
lb lb1 rs add tcp "$VIP:80" "$RS_NET.11:8080"
http_server rs1 rs1 0.0.0.0 8080

bg c1 hold16 tcp_hold -n 16 -t 20000 -w /tmp/release "$VIP" 80
wait_for 60 "16 connections" grep -q '^connected=' "$FNAT_LOG/hold16.log"
assert_match "$(head -1 "$FNAT_LOG/hold16.log")" "^connected=16 failed=0" "16 connections fit"

set +e
out=$(on_quiet c1 tcp_hold -n 1 -t 3000 "$VIP" 80)
set -e
echo "$out"
assert_match "$out" "connected=0 failed=1" "the 17th is refused"
assert_ge "$(counter lb1 no_port)" 1 "no_port counts the refusal"
lb lb1 laddr
assert_ge "$(lbctl -n lb1 -j laddr | jq '.[0].exhausted')" 1 "the LIP counts its exhaustion"
assert_eq "$(lbctl -n lb1 -j laddr | jq '.[0].ports_in_use')" 16 "16 ports in use"

touch /tmp/release
wait_for 60 "the 16 replies" grep -q '^replies=16 ' "$FNAT_LOG/hold16.log"
wait_for 60 "released tuples" drained lb1

log "after release, connections succeed again"
out=$(on_quiet c1 tcp_hold -n 16 -t 20000 "$VIP" 80)
echo "$out"
assert_match "$out" "connected=16 failed=0" "16 connections again"

log "the connection table's bound: conn_max 20 with 16 open, 4 more fit, then no more"
lb lb1 config set port_range 1024-65535 conn_max 20
wait_for 60 "released tuples" drained lb1
bg c1 hold20 tcp_hold -n 20 -t 20000 -w /tmp/release3 "$VIP" 80
wait_for 60 "20 connections" grep -q '^connected=' "$FNAT_LOG/hold20.log"
assert_match "$(head -1 "$FNAT_LOG/hold20.log")" "^connected=20 failed=0" "20 connections within conn_max"
set +e
out=$(on_quiet c1 tcp_hold -n 1 -t 3000 "$VIP" 80)
set -e
assert_match "$out" "connected=0 failed=1" "the 21st is refused"
assert_ge "$(counter lb1 conn_limit)" 1 "conn_limit counts the refusal"
touch /tmp/release3

wait_for 60 "the 20 replies" grep -q '^replies=20 ' "$FNAT_LOG/hold20.log"

log "local sockets' ports (ip_local_port_range) and FullNAT's never meet"
t0=$SECONDS
# lb1's own connects from the LIP get their ports from ip_local_port_range
# 2008-2023, which overlaps port_range 2000-2015 in 2008-2015: FullNAT
# keeps to 2000-2007. Judged on the real server's link: which request
# (/fnat/ from c1 through FullNAT, /local/ from lb1) each port carried.
LIP=$(lip_net 1).1 RS=$RS_NET.11
wait_for 60 "released tuples" drained lb1
on lb1 "$IP" addr add "$LIP/32" dev lo
on lb1 sysctl -qw net.ipv4.ip_local_port_range="2008 2023"
if out=$(lbctl -n lb1 config set port_range 2010-2020 2>&1); then
	fail "a port_range inside ip_local_port_range was taken"
fi
echo "$out"
assert_match "$out" "inside net.ipv4.ip_local_port_range" "a port_range inside ip_local_port_range is refused, saying why"
assert_match "$(lbctl -n lb1 config)" "port_range 1024-65535" "the refused set changed nothing"
lb lb1 config set port_range 2000-2015 conn_max 1000
assert_match "$(lbctl -n lb1 config)" "# FullNAT's ports: 2000-2007 \\(port_range less ip_local_port_range 2008-2023\\)" "lbctl config says which ports FullNAT uses"
bg rsr cap tcpdump -i brrs -n -U -w /tmp/rs.pcap tcp port 8080
wait_for 20 "tcpdump on brrs" grep -q "listening on" "$FNAT_LOG/cap.log"
# 16 requests for 8 ports, in two waves of 8 at once, the second once the
# first's tuples are free again: no SYN waits for a port.
wave() { # wave NAME FIRST: 8 requests at once from c1, through FullNAT
	bg c1 "$1" bash -c "for i in \$(seq $2 $(($2 + 7))); do
		(curl -sS --fail --max-time 30 -o /dev/null http://$VIP/fnat/\$i && echo ok || echo fail) &
	done; wait; echo done"
	wait_for 60 "the requests of $1" grep -q done "$FNAT_LOG/$1.log"
}
bg lb1 local bash -c "n=0; until grep -q done $FNAT_LOG/fnat2.log 2>/dev/null && ((n >= 16)); do
	curl -sS --fail --max-time 30 -o /dev/null --interface $LIP http://$RS:8080/local/\$n && echo ok || echo fail
	n=\$((n + 1))
done; echo done"
wave fnat1 1
wait_for 60 "released tuples" drained lb1
wave fnat2 9
cat "$FNAT_LOG/fnat1.log" "$FNAT_LOG/fnat2.log" > "$FNAT_LOG/fnat.log"
wait_for 60 "lb1's own requests" grep -q done "$FNAT_LOG/local.log"
nf=$(grep -c '^ok' "$FNAT_LOG/fnat.log")
nl=$(grep -c '^ok' "$FNAT_LOG/local.log")
log "requests: through FullNAT $nf ok, $(grep -c '^fail' "$FNAT_LOG/fnat.log") failed; from lb1 $nl ok, $(grep -c '^fail' "$FNAT_LOG/local.log") failed"
assert_eq "$nf" 16 "every request through FullNAT succeeded"
assert_eq "$(grep -c '^fail' "$FNAT_LOG/local.log")" 0 "requests of lb1's own that failed"
captured() {
	(($(tcpdump -r /tmp/rs.pcap -nn -A 2>/dev/null |
		grep -oE 'GET /(fnat|local)/[0-9]+ ' | sort -u | wc -l) >= nf + nl))
}
wait_for 20 "the capture of every request" captured

# Per LIP port: the requests it carried, "f" through FullNAT, "l" lb1's;
# last, the number of distinct requests seen. (tcpdump names a request
# twice, in its summary and in the payload, and a retransmission again.)
tcpdump -r /tmp/rs.pcap -nn -A 2>/dev/null | awk -v lip="$LIP" -v rs="$RS" '
	$2 == "IP" && index($3, lip ".") == 1 && $5 == rs ".8080:" {
		port = substr($3, length(lip) + 2)
	}
	match($0, /GET \/(fnat|local)\/[0-9]+ /) {
		req = substr($0, RSTART + 5, RLENGTH - 6)
		if (!(req in seen)) {
			seen[req] = 1
			reqs++
			if (req ~ /^fnat/) f[port]++; else l[port]++
		}
	}
	END {
		for (p in f) printf "%s f %d%s\n", p, f[p], p in l ? " l " l[p] : ""
		for (p in l) if (!(p in f)) printf "%s l %d\n", p, l[p]
		print "requests", reqs + 0
	}' | sort -n > /tmp/ports
cat /tmp/ports
both=$(awk 'NF > 3' /tmp/ports | wc -l)
fports=$(awk '$2 == "f"' /tmp/ports | wc -l)
foutside=$(awk '$2 == "f" && ($1 < 2000 || $1 > 2007)' /tmp/ports | wc -l)
assert_eq "$(awk '$1 == "requests" { print $2 }' /tmp/ports)" "$((nf + nl))" "every request seen on the real server's link"
assert_eq "$both" 0 "LIP ports used both through FullNAT and by lb1's sockets"
assert_eq "$foutside" 0 "FullNAT ports outside 2000-2007"
assert_ge "$fports" 8 "FullNAT used all of its 8 ports"
log "local sockets' ports: $((SECONDS - t0)) s"
