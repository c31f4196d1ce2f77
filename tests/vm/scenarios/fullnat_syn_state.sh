#!/bin/bash
# SYNs nobody completes hold the director's tuples for seconds, not for
# the SYN_RECV timeout: a connection stays in NONE (2 s) until the real
# server answers. Spoofed SYNs while the real server does not answer take
# every (LIP, lport) toward it (a range of 16 ports, 4 LIPs); a client
# that comes right after them gets through (curl's result), where the
# tuples used to stay taken for 30 s. And invalid flag combinations
# (SYN+FIN, no flag) create nothing: they used to hold a connection in
# FIN_WAIT for 120 s.
#
#  c1 198.51.100.2 (and spoofed .100-.199) --- rt --- lb1 --- rsr --- rs1 :8080
#                               (rs1 drops SYNs during the flood)
#
# @timeout: 300
. /fnat/lib.sh

fullnat_web 1 1 rr
lb lb1 config set port_range 1024-1039

log "spoofed SYNs while the real server does not answer"
on rs1 iptables -I INPUT -p tcp --syn --dport 8080 -j DROP
on c1 tcp_forge send -f S -n 100 -N 100 -P 1 "$CLIENT_NET.100" 40000 "$VIP" 80
wait_for 20 "every tuple taken" sh -c "[ \$(lbctl -n lb1 -j laddr | jq '[.[].ports_in_use] | add') -ge 64 ]"
assert_ge "$(counter lb1 no_port)" 1 "SYNs refused: no port left"
head -3 <<< "$(lbctl -n lb1 conn)"
ipt_flush rs1 INPUT	# the DROP above is its only rule

log "a client right after them"
start=$SECONDS
body=$(on_quiet c1 curl -sS --max-time 10 "http://$VIP/") || fail "curl did not get through"
assert_eq "$body" rs1 "the client's request ($((SECONDS - start)) s)"

log "invalid flag combinations create nothing"
at_most_one() { (($(conns lb1) <= 1)); }	# the client's, in TIME_WAIT
wait_for 20 "the unanswered connections to expire" at_most_one
before=$(counter lb1 bad_flags)
on c1 tcp_forge send -f SF -n 10 -N 10 -P 1 "$CLIENT_NET.100" 40000 "$VIP" 80
on c1 tcp_forge send -f none -n 10 -N 10 -P 1 "$CLIENT_NET.100" 40000 "$VIP" 80
on c1 tcp_forge send -f SR -n 10 -N 10 -P 1 "$CLIENT_NET.100" 40000 "$VIP" 80
wait_for 10 "bad_flags to count them" sh -c "[ \$(lbctl -n lb1 stats | awk '\$1 == \"bad_flags\" { print \$2 }') -ge $((before + 30)) ]"
assert_eq "$(lbctl -n lb1 -j conn | jq '[.[] | select(.client.port == 40000)] | length')" 0 \
	"connections created by them"

log "timeout none: an operator whose servers answer SYNs slowly keeps them longer"
lb lb1 config set timeout none 40
assert_eq "$(lbctl -n lb1 -j config | jq .timeout.tcp.none)" 40 "timeout none in config show"
on rs1 iptables -I INPUT -p tcp --syn --dport 8080 -j DROP
on c1 tcp_forge send -f S -n 1 -N 1 -P 1 "$CLIENT_NET.150" 41000 "$VIP" 80
unanswered() { lbctl -n lb1 -j conn | jq -c '[.[] | select(.client.port == 41000)]'; }
wait_for 10 "the unanswered SYN's connection" sh -c "[ \"\$(lbctl -n lb1 -j conn | jq '[.[] | select(.client.port == 41000)] | length')\" = 1 ]"
assert_match "$(unanswered)" '"state":"none","expires":(3[0-9]|40),' "its state and deadline"
# Its own deadline says when 5 s have passed; the default (2 s) would have
# expired it and the collector freed it by then.
wait_for 30 "5 s of its deadline to pass" sh -c "lbctl -n lb1 -j conn | jq -e '[.[] | select(.client.port == 41000 and .expires <= 35)] | length == 1' > /dev/null"
assert_match "$(unanswered)" '"state":"none","expires":(2[0-9]|3[0-5]),' "still there 5 s later"
ipt_flush rs1 INPUT	# the DROP above is its only rule
lb lb1 config set timeout none 2
