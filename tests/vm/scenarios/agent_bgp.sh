#!/bin/bash
# Two directors, each running "lbctl agent" on one cluster file (a "bgp"
# per director, a tcp "health_check" on the service), announce the VIP
# through their BIRD to the router's BIRD, which puts every path into its
# kernel table (ECMP). Judged by outside observers only: the router's
# route table and bird, curl on the client, nginx's access logs (each
# line is the LIP, so the director, that carried a request):
#
#  1. both announce: two next hops; both directors carry requests;
#  2. lb2's path to every real server cut (at rsr, for lb2's LIPs only):
#     its checks fail, it withdraws, the router keeps lb1, requests go
#     on through lb1; the path back: lb2 announces again;
#  3. lb2 dies (its link to the router cut, its agent and bird
#     SIGKILLed): the router drops it within the hold time (measured),
#     requests go on; lb2's agent started again announces again;
#  4. "lbctl drain" on lb2 with slow downloads open, one of them
#     through lb2: its route goes, the downloads through lb1 complete
#     (sha256), the agent exits 0 at its drain_timeout. The one through
#     lb2 is reported, not judged: the withdrawal moves its client's
#     packets to lb1 (the ECMP rehash), which has no connection for them,
#     and it stalls (FullNAT has no session sync yet; issue 14).
#
#  c1 --- rt (BIRD AS 65000, hold time 3, merge paths)
#          | br0 198.18.0.1
#         lb1 .11   lb2 .12   (lbctl agent, its bird AS 65001)
#          |
#         rsr --- rs1, rs2 (nginx :8080)
#
# @timeout: 600
. /fnat/lib.sh
. /fnat/lib-bgp.sh

HOLD=3
dir=$FNAT_LOG/agent
mkdir -p "$dir"
topo_base 2 2
module_load fullnat
for r in 1 2; do
	http_server "rs$r" "rs$r" 0.0.0.0 8080
done
# downloaded slowly in 4.: more than the sockets' buffers hold, so a
# transfer lasts as long as the rate limit says
head -c 16777216 /dev/urandom > "$dir/big"
for r in 1 2; do
	cp "$dir/big" "$FNAT_LOG/nginx-rs$r/www/data/big"
done
big_sum=$(sha256sum < "$dir/big")
bgp_router 2 "$HOLD"
on_exit "cat $FNAT_LOG/rt-bird.log; birdc -s $BGP_RTCTL show protocols 2>/dev/null"

dirs=""
for d in 1 2; do
	# A check goes from a LIP, which must be a local address.
	on "lb$d" "$IP" addr add "$(lip_net $d).1/32" dev lo
	dirs+="${dirs:+,}
    { \"name\": \"lb$d\", \"netns\": \"lb$d\", \"drain_timeout\": 5,
      \"local_addresses\": [\"$(lip_net $d).1-$(lip_net $d).4\"],
      \"bgp\": $(bgp_json $d "$HOLD") }"
done
cat > "$dir/cluster.json" <<EOF2
{ "schema_version": 1,
  "directors": [ $dirs ],
  "services": [
    { "protocol": "tcp", "vip": "$VIP", "port": 80, "scheduler": "rr",
      "health_check": { "type": "tcp", "interval": 1, "timeout": 1,
                        "rise": 1, "fall": 2 },
      "real_servers": [ { "address": "$RS_NET.11", "port": 8080 },
                        { "address": "$RS_NET.12", "port": 8080 } ] } ] }
EOF2
cat "$dir/cluster.json"
run lbctl check "$dir/cluster.json"

declare -A AGENT
# agent D: lbD's agent started (from the host: it enters its namespace)
agent() {
	echo "+ lbctl agent $dir/cluster.json --director lb$1 &  (log: $dir/agent-lb$1.log)"
	lbctl agent "$dir/cluster.json" --director "lb$1" >> "$dir/agent-lb$1.log" 2>&1 &
	AGENT[$1]=$!
}
agent 1
agent 2
on_exit "kill -KILL ${AGENT[1]} \${AGENT[2]} 2>/dev/null; cat $dir/agent-lb1.log $dir/agent-lb2.log"

nexthops() { on_quiet rt "$IP" -4 route show "$VIP/32"; }
# has_only D: lbD is the router's one next hop for the VIP
has_only() { [[ $(nexthops) =~ ^$VIP\ via\ $DIR_NET.$((10 + $1))\  ]]; }
# since_ms T0: milliseconds since $EPOCHREALTIME was T0
since_ms() { local t=$EPOCHREALTIME; echo $(( (${t/./} - ${1/./}) / 1000 )); }
access() { cat "$FNAT_LOG/rs1.access" "$FNAT_LOG/rs2.access"; }
# carried D: requests in the access logs from lbD's LIPs
carried() { access | grep -c "^$(lip_net "$1")\." || true; }
# requests_ok N: N requests from the client, each answered
requests_ok() {
	local out
	out=$(requests c1 "http://$VIP/" "$1") || fail "a client request failed: $out"
	assert_eq "$(grep -c '^rs[12]$' <<< "$out")" "$1" "answers to $1 requests"
}

t0=$EPOCHREALTIME
wait_for 60 "two next hops for the VIP on the router" bgp_has_nexthops 2
log "1. both directors announce: two next hops $(since_ms "$t0") ms after the agents started"
nexthops
birdc -s "$BGP_RTCTL" show route "$VIP/32" all
assert_eq "$(birdc -s "$BGP_RTCTL" show route "$VIP/32" | grep -c 'via 198.18.0.1[12] ')" 2 "the router's bird has a route from each director"
requests_ok 20
assert_ge "$(carried 1)" 1 "requests lb1 carried"
assert_ge "$(carried 2)" 1 "requests lb2 carried"

log "2. lb2's path to the real servers cut: its checks fail, it withdraws"
t0=$EPOCHREALTIME
on rsr iptables -A FORWARD -s "$(lip_net 2).0/24" -j DROP
wait_for 20 "lb2's route withdrawn" has_only 1
log "lb2 withdrew $(since_ms "$t0") ms after its path was cut (fall 2 x interval 1 s)"
nexthops
c2=$(carried 2)
requests_ok 20
assert_eq "$(carried 2)" "$c2" "requests lb2 carried while withdrawn"
on rsr iptables -D FORWARD -s "$(lip_net 2).0/24" -j DROP
t0=$EPOCHREALTIME
wait_for 20 "lb2 announcing again" bgp_has_nexthops 2
log "lb2 announced again $(since_ms "$t0") ms after its path came back (rise 1)"

log "3. lb2 dies: its link to the router cut, its agent and bird SIGKILLed"
bird2=$(pgrep -P "${AGENT[2]}" -x bird)
assert_match "$bird2" '^[0-9]+$' "lb2's bird, a child of its agent"
t0=$EPOCHREALTIME
# The link first: a dead box sends no FIN for the router to see.
on rt "$IP" link set lb2 down
run kill -KILL "$bird2" "${AGENT[2]}"
wait_for 20 "the router to drop lb2" has_only 1
ms=$(since_ms "$t0")
log "the router dropped the dead lb2 after $ms ms (hold time $HOLD s)"
nexthops
wait "${AGENT[2]}" 2>/dev/null || true
# The hold timer runs from lb2's last keepalive (every third of it), then
# BIRD's timers and the kernel route's update, slow under TCG: 2 s margin.
((ms <= (HOLD + 2) * 1000 * FNAT_SCALE)) || fail "lb2 was routed to for $ms ms after it died"
requests_ok 20
on rt "$IP" link set lb2 up
agent 2
t0=$EPOCHREALTIME
wait_for 60 "lb2 announcing again after its agent started again" bgp_has_nexthops 2
log "lb2's new agent announced $(since_ms "$t0") ms after it started"

log "4. lbctl drain on lb2 with downloads open, one of them through lb2"
# Each download on a connection of its own, from a port of its own: the
# router's hash puts it on a director; as many as it takes for one to be
# on lb2 (found by its client port in lb2's table).
on_lb2() {
	[[ $(lbctl -n lb2 -j conn | jq "[.[] | select(.client.port == $1)] | length") != 0 ]]
}
via2=0
for ((i = 1; i <= 10; i++)); do
	bg c1 "dl$i" curl -sS --fail --max-time "$(scaled 40)" --limit-rate 2m \
		--local-port $((42000 + i)) -o "$dir/dl$i" "http://$VIP/data/big"
	dl[i]=${_bg_pids[-1]}
	wait_for 20 "download $i under way" test -s "$dir/dl$i"
	if on_lb2 $((42000 + i)); then
		via2=$i
		break
	fi
done
((via2)) || fail "none of $i downloads went through lb2"
n=$i
log "$n downloads open, download $via2 through lb2"
echo "+ lbctl drain --director lb2 &  (log: $dir/drain.log)"
lbctl drain --director lb2 > "$dir/drain.log" 2>&1 &
drain=$!
t0=$EPOCHREALTIME
wait_for 20 "lb2's route gone" has_only 1
log "lb2's route gone $(since_ms "$t0") ms after the drain began"
wait_for 30 "lb2's agent to exit" sh -c "! kill -0 ${AGENT[2]}"
rc=0
wait "${AGENT[2]}" || rc=$?
ms=$(since_ms "$t0")
log "lb2's agent exited $ms ms after the drain began (drain_timeout 5 s)"
grep "drain\|open" "$dir/agent-lb2.log"
assert_eq "$rc" 0 "lb2's agent's exit status"
wait "$drain" || fail "lbctl drain failed: $(cat "$dir/drain.log")"
((ms <= 10000 * FNAT_SCALE)) || fail "the drain took $ms ms, its timeout is 5 s"
for ((i = 1; i <= n; i++)); do
	((i == via2)) && continue
	wait "${dl[i]}" || fail "download $i (through lb1) failed: $(cat "$FNAT_LOG/dl$i.log")"
	assert_eq "$(sha256sum < "$dir/dl$i")" "$big_sum" "download $i's sha256 (through lb1)"
done
# The one lb2 carried: its client's packets go to lb1 since the
# withdrawal, which has no connection for them. Reported, not judged.
kill "${dl[via2]}" 2>/dev/null || true
wait "${dl[via2]}" 2>/dev/null || true
log "download $via2 (through lb2): $(stat -c %s "$dir/dl$via2") of 16777216 bytes when the drain ended: $(cat "$FNAT_LOG/dl$via2.log")"
requests_ok 10
nexthops
