#!/bin/bash
# A SYN flood from spoofed sources must not lock real clients out.
# 1. The table is full (conn_max 100) of the flood's half-open
#    connections: a real client's connection takes the place of one of
#    them (early drop) and curl succeeds; the old module refused it until
#    curl gave up.
# 2. A LIP whose ports are all taken is not probed thousands of times per
#    SYN: a flood against a full pool costs a few probes per SYN.
#
#  c1 (syn_flood from 198.51.100.0/24 + curl) --- rt --- lb1 --- rsr --- rs1
#
# @timeout: 500
. /fnat/lib.sh

fullnat_web 1 1 rr
lb lb1 config set conn_max 100

log "a table full of half-open connections"
bg c1 flood1 syn_flood -r 500 -w /tmp/stop1 "$VIP" 80
wait_for 60 "a full table" bash -c "(( \$(lbctl -n lb1 -j show | jq -r .connections) >= 100 ))"
wait_for 60 "the flood refused or dropped" bash -c \
	"(( \$(lbctl -n lb1 stats | awk '\$1 == \"conn_limit\" || \$1 == \"early_drop\" { s += \$2 } END { print s + 0 }') > 0 ))"
ok=0
for i in $(seq 10); do
	if out=$(on_quiet c1 curl -sS --fail --max-time 10 "http://$VIP/" 2>&1); then
		ok=$((ok + 1))
	else
		echo "curl $i: $out"
	fi
done
touch /tmp/stop1
wait_for 60 "the flood" grep -q '^sent=' "$FNAT_LOG/flood1.log"
cat "$FNAT_LOG/flood1.log"
lbctl -n lb1 stats | grep -E '^(conn_limit|early_drop) '
echo "legitimate requests under the flood: $ok of 10"
assert_ge "$ok" 9 "requests served under the flood"
assert_ge "$(counter lb1 early_drop)" 1 "early_drop"

log "a full LIP is probed a few times per SYN, not thousands"
wait_for 120 "the flood's connections to go" drained lb1
lb lb1 laddr del "$(lip_net 1).2"
lb lb1 laddr del "$(lip_net 1).3"
lb lb1 laddr del "$(lip_net 1).4"
# 200 ports: a new connection holds its tuple only until its NONE or
# SYN_RECV timeout, so a small range is what a flood can fill here
lb lb1 config set conn_max 1000000 port_range 20000-20199
bg c1 flood2 syn_flood -r 1000 -w /tmp/stop2 "$VIP" 80
laddr() { lbctl -n lb1 -j laddr | jq ".[0].$1"; }
wait_for 120 "an exhausted LIP" bash -c "(( \$(lbctl -n lb1 -j laddr | jq '.[0].exhausted') >= 20 ))"
c0=$(laddr conflicts) e0=$(laddr exhausted)
wait_for 120 "more refusals" bash -c "(( \$(lbctl -n lb1 -j laddr | jq '.[0].exhausted') >= $e0 + 300 ))"
c1=$(laddr conflicts) e1=$(laddr exhausted)
touch /tmp/stop2
wait_for 60 "the flood" grep -q '^sent=' "$FNAT_LOG/flood2.log"
lbctl -n lb1 laddr
per=$(((c1 - c0) / (e1 - e0)))
echo "ports probed per refused SYN: $per ($((c1 - c0)) conflicts, $((e1 - e0)) refusals)"
((per <= 64)) || fail "a full LIP was probed $per times per SYN (expected a few)"
echo "ok: $per probes per refused SYN"
