#!/bin/bash
# Three directors announce one VIP over BGP through BIRD (lbctl's
# agent/bird.c, driven by the test tool bgp_announce: bird generated,
# started and supervised as the agent does, without its health checks);
# the router runs BIRD with ECMP multipath into its kernel table. Judged
# on the router, by "ip route", and by a client that keeps making short
# connections throughout:
#
#  - the router has three next hops for the VIP; every director gets
#    connections; no client connection fails;
#  - a director withdraws the VIP (its static protocol disabled through
#    bird's control socket, as on a health change): two next hops, and its
#    BGP session is not reset; announced again: three;
#  - a director's agent SIGKILLed: its bird dies with it, the router is
#    down to two next hops within the hold time (3 s), the director gets
#    no new connection, and the client's failures stop (their number,
#    connections the ECMP rehash moved mid-flight, is reported);
#  - a director gone silent (its BGP packets dropped: a dead host or
#    link, as the router sees it): dropped within the hold time.
#
#  c1 --- rt (BIRD AS 65000, kernel: merge paths on)
#          | br0 198.18.0.1
#         lb1 .11   lb2 .12   lb3 .13 (each: bird AS 65001, hold time 3)
#          |
#         rsr --- rs1..rs3
#
# @timeout: 900
. /fnat/lib.sh
. /fnat/lib-bgp.sh

HOLD=3

fullnat_web 3 3 rr
bgp_router 3 "$HOLD"
on_exit "cat $FNAT_LOG/rt-bird.log; birdc -s $BGP_RTCTL show protocols 2>/dev/null"

dir_conns() { lbctl -n "$1" -j show | jq '.services[0].stats.conns'; }
has_nexthops() { bgp_has_nexthops "$@"; }
# gone PID: exited (a zombie nobody reaped yet counts)
gone() { [[ ! -e /proc/$1 ]] || [[ $(awk '{ print $3 }' "/proc/$1/stat") == Z ]]; }

dirs=""
for d in 1 2 3; do
	dirs+="${dirs:+,}
    { \"name\": \"lb$d\", \"netns\": \"lb$d\", \"bgp\": $(bgp_json $d "$HOLD") }"
done
cat > "$FNAT_LOG/cluster.json" <<EOF2
{ "schema_version": 1,
  "directors": [ $dirs ],
  "services": [ { "protocol": "tcp", "vip": "$VIP", "port": 80 } ] }
EOF2
cat "$FNAT_LOG/cluster.json"
for d in 1 2 3; do
	bgp_announce $d "$FNAT_LOG/cluster.json"
done

t0=$SECONDS
wait_for 60 "three next hops for the VIP on the router" has_nexthops 3
log "BGP up and three next hops after $((SECONDS - t0)) s"
on rt "$IP" route show "$VIP/32"
assert_eq "$(stat -c %a /run/lbctl/lb1)" 700 "the agent's runtime directory is owner-only"
assert_eq "$(stat -c %a /run/lbctl/lb1/bird.conf)" 600 "bird.conf is owner-only"

# The client: one short connection after another, each one line
# "TIME ok|fail" (bash's clock: no fork per line).
bg c1 client bash -c "while :; do
	if curl -sS --fail --max-time 2 -o /dev/null http://$VIP/; then r=ok; else r=fail; fi
	echo \"\$EPOCHREALTIME \$r\"
done"
client_lines() { wc -l < "$FNAT_LOG/client.log"; }
client_fails() { grep -c ' fail$' "$FNAT_LOG/client.log" || true; }
# more_requests N: the client has made N connections (for wait_for)
more_requests() { (($(client_lines) >= $1)); }

wait_for 180 "100 client connections" more_requests 100
assert_eq "$(client_fails)" 0 "client failures with three directors"
for d in 1 2 3; do
	assert_ge "$(dir_conns "lb$d")" 5 "connections through lb$d"
done

# A withdrawal (a health change): a control-socket command, no session reset.
# The router's TCP connection with lb2's bird (its ports): a session reset
# makes a new one. (BIRD's "since" is no witness: it is recomputed from
# the clocks on each "show", and moves by a millisecond in a VM.)
session() { on_quiet rt ss -Htn state established dst "$DIR_NET.12" | awk '{ print $(NF - 1), $NF }'; }
s0=$(session)
assert_match "$s0" "^$DIR_NET.1(%[a-z0-9]+)?:[0-9]+ $DIR_NET.12:[0-9]+$" "the router's TCP connection with lb2"
assert_match "$(birdc -s "$BGP_RTCTL" show protocols lb2)" "Established" "the router's session with lb2"
run kill -USR1 "${BGP_PID[2]}"
wait_for 10 "two next hops after lb2 withdrew" has_nexthops 2
on rt "$IP" route show "$VIP/32"
assert_eq "$(on_quiet rt "$IP" route show "$VIP/32" | grep -c "via $DIR_NET.12 " || true)" 0 "lb2 is no next hop"
n=$(client_lines)
wait_for 90 "30 more client connections" more_requests $((n + 30))
c2=$(dir_conns lb2)
n=$(client_lines)
wait_for 90 "30 more client connections" more_requests $((n + 30))
assert_eq "$(dir_conns lb2)" "$c2" "no new connection through the withdrawn lb2"
run kill -USR2 "${BGP_PID[2]}"
wait_for 10 "three next hops after lb2 announced again" has_nexthops 3
assert_eq "$(session)" "$s0" "the router's session with lb2 was not reset (the same TCP connection)"
f_withdraw=$(client_fails)
log "client failures around lb2's withdrawal and return: $f_withdraw"

# lb3's agent dies: bird with it.
n=$(client_lines)
wait_for 90 "30 more client connections" more_requests $((n + 30))
f0=$(client_fails)
bird3=$(pgrep -P "${BGP_PID[3]}" -x bird)
assert_match "$bird3" '^[0-9]+$' "lb3's bird, a child of its agent"
t0=$EPOCHREALTIME
run kill -KILL "${BGP_PID[3]}"
wait_for 10 "two next hops after lb3's agent died" has_nexthops 2
t1=$EPOCHREALTIME
ms=$(( (${t1/./} - ${t0/./}) / 1000 ))
log "the router dropped lb3 ${ms} ms after its agent was killed (hold time ${HOLD} s)"
on rt "$IP" route show "$VIP/32"
((ms <= HOLD * 1000 * FNAT_SCALE)) || fail "lb3 was routed to for ${ms} ms, more than the hold time"
wait_for 5 "lb3's bird to die with its agent" gone "$bird3"
echo "ok: lb3's bird died with its agent"
# In-flight connections that the rehash moved (to another director, or
# off lb3) break: FullNAT has no session sync yet. Then they stop.
n=$(client_lines)
wait_for 90 "30 more client connections" more_requests $((n + 30))
f1=$(client_fails)
c3=$(dir_conns lb3)
n=$(client_lines)
wait_for 180 "100 more client connections" more_requests $((n + 100))
assert_eq "$(client_fails)" "$f1" "no client failure after the route change settled"
assert_eq "$(dir_conns lb3)" "$c3" "no new connection through lb3"
log "client: $(client_lines) connections, $(client_fails) failed: $f_withdraw around lb2's withdrawal, $((f1 - f0)) around lb3's agent killed"

# lb1 goes silent: only the hold timer can tell.
t0=$EPOCHREALTIME
on lb1 iptables -A OUTPUT -p tcp --dport 179 -j DROP
on lb1 iptables -A OUTPUT -p tcp --sport 179 -j DROP
wait_for 10 "one next hop after lb1 went silent" has_nexthops 1
t1=$EPOCHREALTIME
ms=$(( (${t1/./} - ${t0/./}) / 1000 ))
log "the router dropped the silent lb1 after ${ms} ms (hold time ${HOLD} s)"
# The hold timer runs from the last message, a keepalive (every third of
# it) before the cut; then BIRD's timers and the route's way into the
# kernel, slow in an emulated VM: 2 s of margin.
((ms <= (HOLD + 2) * 1000 * FNAT_SCALE)) || fail "lb1 was routed to for ${ms} ms after it went silent"
f2=$(client_fails)
n=$(client_lines)
wait_for 90 "30 more client connections" more_requests $((n + 30))
f3=$(client_fails)
n=$(client_lines)
wait_for 120 "60 more client connections" more_requests $((n + 60))
assert_eq "$(client_fails)" "$f3" "no client failure with lb2 alone"
log "client: $(client_lines) connections in all, $(client_fails) failed: $((f3 - f2)) around lb1's silence"
