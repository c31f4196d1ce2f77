#!/bin/bash
# The schedulers by their definitions, judged by what the real servers
# answer (each nginx names itself): lc sends new connections to the least
# loaded server, sh keeps a client on one server, dh sends a destination
# to one server, mh (Maglev) splits flows by weight, two directors with
# the same configuration pick the same server for every flow, and taking
# one of N servers out moves about 1/N of the flows. sed and nq spread a
# burst of SYNs by weight (a connection in the handshake is active, as in
# IPVS), judged by tcpdump on the servers' link; once every connection has
# expired, every real server's active and inactive counts are back to 0.
#
#  c1 198.51.100.2, .20-.219 (200 client addresses, one flow each)
#   |
#  rt --- lb1 (LIPs 198.18.11.1-4)   the VIP routed to one director at a
#     --- lb2 (LIPs 198.18.12.1-4)   time: lb1, or lb2 for the comparison
#          |
#         rsr --- rs1 .. rs5 198.19.0.11-15:8080 (nginx)
#
# @timeout: 1200
. /fnat/lib.sh

NRS=5
topo_base 2 $NRS
module_load fullnat
for d in 1 2; do
	net=$(lip_net $d)
	lb "lb$d" laddr add "$net.1-$net.4"
done
for ((r = 1; r <= NRS; r++)); do
	http_server "rs$r" "rs$r" 0.0.0.0 8080
done
CLIENTS=()
for ((i = 20; i < 220; i++)); do
	CLIENTS+=("$CLIENT_NET.$i")
done
log "200 client addresses on c1"
for a in "${CLIENTS[@]}"; do
	on_quiet c1 "$IP" addr add "$a/24" dev eth0
done

# Short closing timeouts, so that the table empties soon after the last
# part: the counts must then be 0 whatever the connections went through.
lb lb1 config set timeout tcp syn_recv 5 timeout tcp time_wait 5 \
	timeout tcp close 5 timeout tcp last_ack 5

via() { # via N: the VIP's route goes to director N only
	on rt "$IP" route replace "$VIP/32" via "$DIR_NET.$((10 + $1))"
}

rs_addr() { echo "$RS_NET.$((10 + $1)):8080"; }

# flows COUNT [REQUESTS]: one connection per request, REQUESTS (default 1)
# from each of the first COUNT client addresses, four clients at a time;
# prints "ADDR BODY" lines sorted by address (the same order every time).
flows() {
	local n=$1 k=${2:-1} get
	get='set -o pipefail; curl -sS --fail --max-time 20 --interface "$0" '
	get+="'http://$VIP/?[1-$k]'"' | sed "s/^/$0 /"'
	printf '%s\n' "${CLIENTS[@]:0:n}" |
		on_quiet c1 xargs -P 4 -n 1 bash -c "$get" | sort -s -k1,1
}

via 1

log "lc: held connections; new ones go to the server with the fewest"
lb lb1 service add tcp "$VIP:80" scheduler lc
for ((r = 1; r <= 3; r++)); do
	lb lb1 rs add tcp "$VIP:80" "$(rs_addr $r)"
done
rm -f /tmp/release-lc
on_exit "touch /tmp/release-lc"
# 5 connections over 3 servers, one at a time, each established before
# the next: each to the least loaded, 1, 1, 1, then 2, 2, 1
active_sum() { # active_sum N: N active connections at lb1
	lbctl -n lb1 -j show |
		jq -e "[.services[0].real_servers[].active] | add == $1"
}
for ((i = 1; i <= 5; i++)); do
	bg c1 "hold$i" tcp_hold -n 1 -t 60000 -w /tmp/release-lc "$VIP" 80
	wait_for 60 "held connection $i" grep -q '^connected=1 ' "$FNAT_LOG/hold$i.log"
	wait_for 60 "$i established at the director" active_sum $i
done
lb lb1 show
json=$(lbctl -n lb1 -j show)
counts=$(jq -r '[.services[0].real_servers[].active] | sort | map(tostring) | join(",")' <<< "$json")
assert_eq "$counts" "1,2,2" "held connections per server"
least=$(jq -r '.services[0].real_servers | min_by(.active) | .address' <<< "$json")
least=${least%%:*}
least=rs$(( ${least#"$RS_NET".} - 10 ))
out=$(requests c1 "http://$VIP/" 30)
assert_eq "$(sort -u <<< "$out" | tr '\n' ' ')" "$least " \
	"30 short connections all went to the least loaded ($least)"
touch /tmp/release-lc
for ((i = 1; i <= 5; i++)); do
	wait_for 60 "held connection $i's reply" grep -q '^replies=1 ' "$FNAT_LOG/hold$i.log"
done
lb lb1 service del tcp "$VIP:80"

log "sh: a client always gets the same server"
lb lb1 service add tcp "$VIP:80" scheduler sh
for ((r = 1; r <= NRS; r++)); do
	lb lb1 rs add tcp "$VIP:80" "$(rs_addr $r)"
done
out=$(flows 40 3)
assert_eq "$(wc -l <<< "$out")" 120 "answers to 3 requests from each of 40 clients"
assert_eq "$(sort -u <<< "$out" | awk '{ print $1 }' | uniq -d | wc -l)" 0 \
	"clients that saw more than one server"
used=$(awk '{ print $2 }' <<< "$out" | sort -u | wc -l)
echo "sh: 40 clients over $used servers"
assert_ge "$used" 3 "servers the 40 clients spread over"

log "sh with scheduler_port: one client's connections spread"
if lbctl -n lb1 service set tcp "$VIP:80" scheduler_table 4000; then
	fail "a table size that is not one of the primes was taken"
fi
lb lb1 service set tcp "$VIP:80" scheduler_port on scheduler_table 4093
json=$(lbctl -n lb1 -j show)
assert_eq "$(jq -c '.services[0] | [.scheduler, .scheduler_port, .scheduler_table]' <<< "$json")" \
	'["sh",true,4093]' "the service's scheduler and options"
out=$(requests c1 "http://$VIP/" 40)
used=$(sort -u <<< "$out" | wc -l)
echo "sh, port hashed: 40 connections of one client over $used servers"
assert_ge "$used" 3 "servers one client's 40 connections reached"
lb lb1 service del tcp "$VIP:80"

log "dh: one destination, one server"
lb lb1 service add tcp "$VIP:80" scheduler dh
for ((r = 1; r <= NRS; r++)); do
	lb lb1 rs add tcp "$VIP:80" "$(rs_addr $r)"
done
out=$(flows 20)
assert_eq "$(wc -l <<< "$out")" 20 "answers to 20 clients"
assert_eq "$(awk '{ print $2 }' <<< "$out" | sort -u | wc -l)" 1 \
	"servers that 20 clients of the one VIP reached"
lb lb1 service del tcp "$VIP:80"

log "mh: weights 1 2 3 4 10, added in opposite orders on lb1 and lb2"
WEIGHTS=(0 1 2 3 4 10)
for d in 1 2; do
	lb "lb$d" service add tcp "$VIP:80" scheduler mh
done
for ((r = 1; r <= NRS; r++)); do
	lb lb1 rs add tcp "$VIP:80" "$(rs_addr $r)" weight "${WEIGHTS[r]}"
	lb lb2 rs add tcp "$VIP:80" "$(rs_addr $((NRS + 1 - r)))" \
		weight "${WEIGHTS[NRS + 1 - r]}"
done
map1=$(flows 200)
assert_eq "$(wc -l <<< "$map1")" 200 "flows through lb1"
# weighted WHAT TOTAL COUNT...: each server's COUNT of TOTAL within 3
# standard deviations (+2) of the binomial around its weight's share.
weighted() {
	local what=$1 total=$2 r n
	shift 2
	for ((r = 1; r <= NRS; r++)); do
		n=$1
		shift
		echo "$what: rs$r weight ${WEIGHTS[r]}: $n of $total (expected $((total * WEIGHTS[r] / 20)))"
		awk -v n="$n" -v w="${WEIGHTS[r]}" -v t="$total" 'BEGIN {
			p = w / 20; e = t * p; tol = 3 * sqrt(t * p * (1 - p)) + 2
			exit !(n >= e - tol && n <= e + tol) }' ||
			fail "$what: rs$r got $n of $total with weight ${WEIGHTS[r]}"
	done
}
counts=()
for ((r = 1; r <= NRS; r++)); do
	counts+=("$(grep -c " rs$r\$" <<< "$map1" || true)")
done
weighted "mh flows" 200 "${counts[@]}"

via 2
map2=$(flows 200)
assert_eq "$(diff <(echo "$map1") <(echo "$map2") | grep -c '^>' || true)" 0 \
	"flows that lb2 sent elsewhere than lb1"
via 1

log "mh: 5 servers of weight 1; one goes: about 1/5 of the flows move"
for ((r = 1; r <= NRS; r++)); do
	lb lb1 rs set tcp "$VIP:80" "$(rs_addr $r)" weight 1
done
before=$(flows 200)
lb lb1 rs del tcp "$VIP:80" "$(rs_addr 3)"
after=$(flows 200)
assert_eq "$(wc -l <<< "$before") $(wc -l <<< "$after")" "200 200" \
	"flows before and after"
assert_eq "$(grep -c ' rs3$' <<< "$after" || true)" 0 "flows on the removed rs3"
own=$(grep -c ' rs3$' <<< "$before" || true)
moved=$(paste -d' ' <(echo "$before") <(echo "$after") |
	awk '$2 != $4' | wc -l)
others=$((moved - own))
echo "mh: removing 1 of $NRS servers moved $moved of 200 flows" \
	"($(awk -v m="$moved" 'BEGIN { printf "%.3f", m / 200 }'), 1/N = 0.200):" \
	"the $own of rs3 and $others others"
assert_ge "$own" 20 "flows rs3 had (about 40 expected)"
[[ $others -le 6 ]] || fail "$others flows of the remaining servers moved"
echo "ok: at most 6 of the other servers' flows moved ($others)"

log "mh: a table needs a slot per server with a weight"
lb lb1 service add tcp "$VIP:81" scheduler mh scheduler_table 251
for ((i = 0; i < 251; i++)); do
	lbctl -n lb1 rs add tcp "$VIP:81" "198.19.$((1 + i / 200)).$((1 + i % 200)):8080" ||
		fail "real server $((i + 1)) of 251 refused"
done
if out=$(lbctl -n lb1 rs add tcp "$VIP:81" 198.19.9.1:8080 2>&1); then
	fail "a 252nd real server with a weight was taken by a table of 251"
fi
echo "refused: $out"
grep -q "scheduler_table" <<< "$out" || fail "the refusal does not say why: $out"
assert_eq "$(lbctl -n lb1 -j show | jq '[.services[] | select(.port == 81) | .real_servers[]] | length')" \
	251 "real servers after the refusal"
lb lb1 rs set tcp "$VIP:81" 198.19.1.1:8080 weight 0
lb lb1 rs add tcp "$VIP:81" 198.19.9.1:8080
echo "ok: with one quiesced, a 252nd server is taken"

# A burst of SYNs from spoofed sources (.227-.254, which nobody answers
# for: the handshakes stay open) through sed, then nq, over servers of
# weights 1 2 3 4 10: each connection is active from its SYN on, so the
# burst spreads by weight; were only ESTABLISHED ones counted, every SYN
# would go to one server (sed: the heaviest; nq: the first). Judged by the
# SYNs each server's link carries.
syn_burst() { # syn_burst SCHEDULER PORT
	local sched=$1 port=$2 sent r counts=()
	log "$sched: a burst of SYNs spreads by weight"
	lb lb1 service add tcp "$VIP:$port" scheduler "$sched"
	for ((r = 1; r <= NRS; r++)); do
		lb lb1 rs add tcp "$VIP:$port" "$(rs_addr $r)" weight "${WEIGHTS[r]}"
	done
	bg rsr "cap-$sched" tcpdump -i brrs -n -l -t \
		"tcp dst port 8080 and tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn"
	wait_for 10 "tcpdump on rsr" grep -q listening "$FNAT_LOG/cap-$sched.log"
	# 200 SYNs at 1000/s, as much slower as the guest (FNAT_SCALE): a
	# count, not a time (on the debug kernel, and on 6.12 beside four
	# other guests, 64 went out in 0.2 s)
	on c1 syn_flood -s 198.51.100.224/27 -r "$((1000 / FNAT_SCALE))" \
		-n 200 "$VIP" "$port" > "$FNAT_LOG/flood-$sched.log"
	sent=$(sed -n 's/^sent=\([0-9]*\) .*/\1/p' "$FNAT_LOG/flood-$sched.log")
	assert_ge "$sent" 100 "SYNs sent"
	syns() { grep -c ' > .*Flags \[S\]' "$FNAT_LOG/cap-$sched.log"; }
	wait_for 30 "$sent SYNs on the servers' link" eval '[[ $(syns) -ge $sent ]]'
	for ((r = 1; r <= NRS; r++)); do
		counts+=("$(grep -cF " > $RS_NET.$((10 + r)).8080: " "$FNAT_LOG/cap-$sched.log" || true)")
	done
	weighted "$sched SYNs" "$sent" "${counts[@]}"
}
WEIGHTS=(0 1 2 3 4 10)
syn_burst sed 82
syn_burst nq 83

log "every connection expired: every real server's counts are 0"
wait_for 120 "an empty table" eval '[[ $(conns lb1) == 0 ]]'
json=$(lbctl -n lb1 -j show)
assert_eq "$(jq '[.services[].real_servers[] | .active, .inactive] | map(select(. != 0)) | length' <<< "$json")" \
	0 "real servers' active and inactive counts not 0 once the table is empty"
echo "ok: $(jq '[.services[].real_servers[]] | length' <<< "$json") real servers, all at 0 active, 0 inactive"
