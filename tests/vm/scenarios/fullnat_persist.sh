#!/bin/bash
# Persistence (client affinity), judged by the real servers' nginx access
# logs (a line per connection): a client's connections within the timeout
# all reach one server; once its template has expired the scheduler picks
# again (rr: the next server); with netmask 24 two clients of one /24
# share a server and a client of another /24 is scheduled on its own;
# removing the server drops its templates, and so does quiescing it with
# expire_quiescent on (off, the default, the client stays, as IPVS's);
# templates are bounded by conn_max and none is left after rmmod. Each
# template "lbctl -j conn" lists (one per client, or per /24) names the
# server the access logs saw, and none is listed once it has expired.
#
#  c1 198.51.100.2, .3 (one /24), 198.51.101.2 (another /24)
#   |
#  rt --- lb1 (LIPs 198.18.11.1-4)
#          |
#         rsr --- rs1 .. rs3 198.19.0.11-13:8080 (nginx)
#
# @timeout: 900
. /fnat/lib.sh

NRS=3
topo_base 1 $NRS
module_load fullnat
lb lb1 laddr add "$(lip_net 1).1-$(lip_net 1).4"
for ((r = 1; r <= NRS; r++)); do
	http_server "rs$r" "rs$r" 0.0.0.0 8080
done
A=$CLIENT_NET.2
B=$CLIENT_NET.3
C=198.51.101.2
on c1 "$IP" addr add "$B/24" dev eth0
on c1 "$IP" addr add "$C/24" dev eth0
on rt "$IP" route add 198.51.101.0/24 via "$A"
on lb1 "$IP" route add 198.51.101.0/24 via "$DIR_NET.1"

rs_addr() { echo "$RS_NET.$((10 + $1)):8080"; }
# Closed connections go within a second or two (a new timeout applies
# from a connection's next packet: set before any), for drained below.
lb lb1 config set timeout tcp fin_wait 1 timeout tcp close_wait 1 \
	timeout tcp last_ack 1 timeout tcp time_wait 1 timeout tcp close 1

# hits: the connections each server has logged so far, "N1 N2 N3"
hits() {
	local r out=()
	for ((r = 1; r <= NRS; r++)); do
		out+=("$(cat "$FNAT_LOG/rs$r.access" 2> /dev/null | wc -l)")
	done
	echo "${out[*]}"
}

sum_hits() { hits | tr ' ' '\n' | awk '{ s += $1 } END { print s + 0 }'; }
sum_is() { [[ $(sum_hits) == "$1" ]]; }
# from ADDR COUNT: COUNT connections (one request each) from client
# address ADDR, one after the other; prints the servers that logged them
# as "rsN:COUNT" words, judged by the access logs' growth.
from() {
	local before after r n sum out=()
	before=($(hits))
	sum=$(sum_hits)
	on_quiet c1 curl -sS --fail --max-time 120 --interface "$1" \
		"http://$VIP/?[1-$2]" > /dev/null || fail "requests from $1 failed"
	wait_for 20 "$2 more access log lines" sum_is $((sum + $2))
	after=($(hits))
	for ((r = 1; r <= NRS; r++)); do
		n=$((after[r - 1] - before[r - 1]))
		((n)) && out+=("rs$r:$n")
	done
	echo "${out[*]}"
}

templates() {
	lbctl -n lb1 -j show | jq -r '.services[0].persistence.templates'
}
templates_are() { [[ $(templates) == "$1" ]]; }
# listed: the templates "lbctl -j conn" lists, sorted, a line each:
# "CLIENT/NETMASK VIP:PORT REAL:PORT CONNECTIONS"
listed() {
	lbctl -n lb1 -j conn | jq -r '.[] | select(.state == "template") |
		"\(.client.address)/\(.client.netmask) \(.virtual.address):\(.virtual.port) \(.real.address):\(.real.port) \(.connections)"' |
		sort
}
# rs_of rsN: its address:port
rs_of() { rs_addr "${1#rs}"; }

log "a service with persistence 300: settings shown"
lb lb1 service add tcp "$VIP:80" scheduler rr persistence 300
for ((r = 1; r <= NRS; r++)); do
	lb lb1 rs add tcp "$VIP:80" "$(rs_addr $r)"
done
assert_eq "$(lbctl -n lb1 -j show | jq -c '.services[0].persistence')" \
	'{"timeout":300,"netmask":32,"templates":0}' "persistence as shown"
for bad in "persistence 604801" "netmask 33" "netmask 0"; do
	if lbctl -n lb1 service set tcp "$VIP:80" $bad; then
		fail "service set $bad was taken"
	fi
done
assert_eq "$(lbctl -n lb1 -j show | jq -c '.services[0].persistence')" \
	'{"timeout":300,"netmask":32,"templates":0}' "persistence after the refusals"

log "50 connections from one client within the timeout: one server"
got=$(from "$A" 50)
echo "client $A: $got"
assert_match "$got" '^rs[1-3]:50$' "servers of 50 connections from $A"
first=${got%%:*}
assert_eq "$(templates)" 1 "templates held"
assert_eq "$(listed)" "$A/32 $VIP:80 $(rs_of "$first") 50" \
	"the template lbctl conn lists for $A"
lbctl -n lb1 conn | grep -E "^TCP +[0-9]+:[0-9]+ +TEMPLATE +$A:0 +$VIP:80 +- +$(rs_of "$first")\$" ||
	fail "lbctl conn has no TEMPLATE row for $A"
lb lb1 show
lbctl -n lb1 show | grep -q "persistence 300 templates 1" ||
	fail "lbctl show does not give the persistence and its template"

log "the same without persistence: rr spreads them (the test can fail)"
lb lb1 service set tcp "$VIP:80" persistence 0
assert_eq "$(templates)" 0 "templates once persistence is off"
got=$(from "$A" 30)
echo "client $A without persistence: $got"
assert_eq "$got" "rs1:10 rs2:10 rs3:10" "rr without persistence"

log "a short timeout: once the template expired, rr picks the next server"
lb lb1 service set tcp "$VIP:80" persistence 2
seen=()
for round in 1 2 3; do
	got=$(from "$A" 5)
	echo "round $round: $got"
	assert_match "$got" '^rs[1-3]:5$' "servers of round $round's 5 connections"
	seen+=("${got%%:*}")
	# listed (or, at worst, just expired: 2 s) ...
	l=$(listed)
	[[ -z $l || $l == "$A/32 $VIP:80 $(rs_of "${got%%:*}") 5" ]] ||
		fail "round $round: lbctl conn lists: $l"
	# gone from the table: the next connection is scheduled anew
	wait_for 30 "the template to expire" templates_are 0
	assert_eq "$(listed)" "" "templates lbctl conn lists after expiry"
done
echo "servers of the three rounds: ${seen[*]}"
assert_eq "$(printf '%s\n' "${seen[@]}" | sort -u | wc -l)" 3 \
	"distinct servers of three rounds after expiry"

log "netmask 24: two clients of one /24 share a server, another /24 goes on"
lb lb1 service set tcp "$VIP:80" persistence 300 netmask 24
assert_eq "$(lbctl -n lb1 -j show | jq -c '.services[0].persistence')" \
	'{"timeout":300,"netmask":24,"templates":0}' "persistence with netmask 24"
got_a=$(from "$A" 10)
got_b=$(from "$B" 10)
got_c=$(from "$C" 10)
echo "client $A: $got_a, $B: $got_b, $C: $got_c"
assert_match "$got_a" '^rs[1-3]:10$' "servers of $A"
assert_eq "$got_b" "$got_a" "servers of $B (same /24 as $A)"
assert_match "$got_c" '^rs[1-3]:10$' "servers of $C"
[[ ${got_c%%:*} != "${got_a%%:*}" ]] ||
	fail "$C (another /24) was sent to ${got_a%%:*} too: rr would pick the next"
assert_eq "$(templates)" 2 "templates: one per /24"
assert_eq "$(listed)" "$(printf '%s\n' \
	"${A%.*}.0/24 $VIP:80 $(rs_of "${got_a%%:*}") 20" \
	"${C%.*}.0/24 $VIP:80 $(rs_of "${got_c%%:*}") 10" | sort)" \
	"the templates lbctl conn lists: one per /24"

log "removing the server drops its template: the client goes to a live one"
x=${got_a%%:*}
x=${x#rs}
lb lb1 rs del tcp "$VIP:80" "$(rs_addr "$x")"
assert_eq "$(templates)" 1 "templates after the server's removal"
got=$(from "$A" 5)
echo "client $A after rs$x went: $got"
assert_match "$got" '^rs[1-3]:5$' "servers of 5 connections"
[[ $got != rs$x:* ]] || fail "a connection went to the removed rs$x"
lb lb1 rs add tcp "$VIP:80" "$(rs_addr "$x")"

log "quiescing: off by default the client stays, expire_quiescent on moves it"
y=${got%%:*}
y=${y#rs}
assert_eq "$(lbctl -n lb1 -j config | jq .expire_quiescent)" false \
	"expire_quiescent by default"
lb lb1 rs set tcp "$VIP:80" "$(rs_addr "$y")" weight 0
got=$(from "$A" 5)
echo "client $A with rs$y quiesced: $got"
assert_eq "$got" "rs$y:5" "servers of a quiesced server's client (expire_quiescent off)"
lb lb1 rs set tcp "$VIP:80" "$(rs_addr "$y")" weight 1
n=$(templates)
lb lb1 config set expire_quiescent on
lb lb1 rs set tcp "$VIP:80" "$(rs_addr "$y")" weight 0
# $A's; $C's too if rr had sent it to rs$y
[[ $(templates) -lt $n ]] || fail "quiescing rs$y with expire_quiescent kept its templates ($n)"
got=$(from "$A" 5)
echo "client $A after rs$y was quiesced: $got"
assert_match "$got" '^rs[1-3]:5$' "servers of 5 connections"
[[ $got != rs$y:* ]] || fail "a connection went to the quiesced rs$y"
lb lb1 config set expire_quiescent off
lb lb1 rs set tcp "$VIP:80" "$(rs_addr "$y")" weight 1

log "templates are bounded by conn_max: a spray of sources cannot grow them"
# Connections count against conn_max too: each closes and goes (the 1 s
# timeouts set at the start) before the next client comes; templates stay.
lb lb1 service set tcp "$VIP:80" netmask 32
wait_for 60 "every connection to expire" drained lb1
lb lb1 config set conn_max 8
full0=$(counter lb1 persist_full)
for ((i = 30; i < 42; i++)); do
	on_quiet c1 "$IP" addr add "$CLIENT_NET.$i/24" dev eth0
	on_quiet c1 curl -sS --fail --max-time 20 --interface "$CLIENT_NET.$i" \
		"http://$VIP/" > /dev/null || fail "a request from $CLIENT_NET.$i failed"
	wait_for 30 "the connection of $CLIENT_NET.$i to expire" drained lb1
done
assert_eq "$(templates)" 8 "templates of 12 clients with conn_max 8"
full=$(counter lb1 persist_full)
assert_eq "$((full - full0))" 4 "PERSIST_FULL for the clients past the bound"
lb lb1 config set conn_max 1048576

log "a dump of many messages: a thousand templates, each listed once"
# ~110 bytes a template: the dump spans several messages, resumed in the
# table (fullnat/persist.c) while the collector may run beside it.
# 4000 SYNs: at 2000 a second, or over FNAT_SCALE times as long (a
# slowed guest sends a few hundred a second)
on c1 syn_flood -s 198.51.96.0/22 -r $((2000 / FNAT_SCALE)) -d "$(scaled 2)" "$VIP" 80
n=$(templates)
assert_ge "$n" 500 "templates of SYNs from 1020 spoofed sources"
all=$(listed)
assert_eq "$(templates)" "$n" "templates after the dump as before (none came or went)"
assert_eq "$(grep -c . <<< "$all")" "$n" "templates lbctl conn lists"
assert_eq "$(awk '{ print $1 }' <<< "$all" | sort -u | grep -c .)" "$n" \
	"distinct clients among them"

log "no template left: service deleted, module unloaded"
lb lb1 service del tcp "$VIP:80"
wait_for 30 "every connection to expire" drained lb1
slab_empty fnat_tmpl "template objects"
run rmmod fullnat
if dmesg | grep -E "fnat_tmpl|fullnat.*(leak|still has objects)"; then
	fail "the kernel complained about templates at rmmod"
fi
echo "ok: no template left"
