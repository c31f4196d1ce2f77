#!/bin/bash
# A SYN flood from spoofed sources must not lock real clients out.
# 1. The table is full (conn_max 4000) of the flood's half-open
#    connections (unanswered: syn_flood's SYNs carry a wrong checksum,
#    which the director does not check and the server drops unless
#    -C): a real client's connection takes the place of the
#    oldest of them (early drop) and stays until its handshake is done,
#    which takes a round trip of the client's (100 ms here). The module
#    of 0de1172 refused it until curl gave up; the one of a626f2a dropped
#    the idlest of a few of the latest 64 connections, the client's own
#    among them, so a flood of a few thousand SYNs/s took it within tens
#    of milliseconds: the server's SYN-ACK had reached the client, whose
#    ACK and request then found no connection, and curl timed out.
# 2. A LIP whose ports are all taken is not probed thousands of times per
#    SYN: a flood against a full pool costs a few probes per SYN.
# 3. The LIP's ports are the other limit: a flood whose SYNs the real
#    server answers (valid checksums: syn_flood -C) holds a port per SYN
#    for the SYN_RECV timeout (30 s), so 2000 ports are all taken at a
#    few dozen SYNs/s, with the table far
#    from conn_max. A real client's connection takes the port of an idle
#    half-open one toward the same server. The module of b81ecc8 refused
#    it (no_port) for as long as the flood lasted.
# 4. A blind sender resets the connections its spoofed SYNs opened (the
#    sequence number is its own choice): reset (CLOSE) connections give
#    their places too. The module of b81ecc8 kept them for the CLOSE
#    timeout, out of early drop's reach, and refused real clients
#    (conn_limit).
#
#  c1 (syn_flood from 198.51.100.0/24 + curl) --- rt --- lb1 --- rsr --- rs1
#
# @timeout: 900
. /fnat/lib.sh

fullnat_web 1 1 rr
# A client's connection lasts as long as the flood takes to open conn_max
# others: 4000, a second at the rate seen here (3700/s), for a handshake
# of 100 ms. At 2000 one curl of ten got no answer while three guests
# ran side by side (its SYN answered, not retransmitted: most likely its
# ACK and request came after its connection had given its place).
# A slower guest (FNAT_SCALE) gets as much smaller a table: the debug
# kernel's director took 200-350 SYNs/s, whose unanswered connections
# (NONE, 2 s) held about 2000 places at a time, so a table of 4000 was
# full only now and then, and its clients met no early drop.
conn_max=$((4000 / FNAT_SCALE))
lb lb1 config set conn_max "$conn_max"

# syn_retrans: SYNs c1's TCP stack sent again for want of an answer
syn_retrans() {
	on_quiet c1 awk '$1 == "TcpExt:" && !n { n = split($0, k); next }
		$1 == "TcpExt:" { split($0, v); for (i = 1; i <= n; i++)
			if (k[i] == "TCPSynRetrans") print v[i] }' /proc/net/netstat
}

log "a table full of half-open connections"
f0=$SECONDS
# 4000 SYNs/s asked, more than the guest sends (1500 at least, below):
# as much fewer on a slower guest (FNAT_SCALE: the debug kernel's sent
# 342/s at full speed), so that the flood takes as much of its CPU.
bg c1 flood1 syn_flood -r "$((4000 / FNAT_SCALE))" -w /tmp/stop1 "$VIP" 80
table_full() { (($(conns lb1) >= conn_max)); }
wait_for 60 "a full table" table_full
wait_for 60 "early drops" bash -c "(( \$(lbctl -n lb1 stats | awk '\$1 == \"early_drop\" { print \$2 }') > 0 ))"
# The client 100 ms away (the director's answers wait 100 ms on rt's
# port toward c1), as real clients are: its connection stays half-open
# for that long, from the server's SYN-ACK to its own ACK.
on rt tc qdisc add dev c1 root netem delay 100ms limit 100000
d0=$(counter lb1 early_drop) r0=$(syn_retrans)
t0=$SECONDS
ok=0
for i in $(seq 10); do
	if out=$(on_quiet c1 curl -sS --fail --max-time "$(scaled 10)" "http://$VIP/" 2>&1); then
		ok=$((ok + 1))
	else
		echo "curl $i: $out"
	fi
done
t1=$SECONDS
d1=$(counter lb1 early_drop) r1=$(syn_retrans)
on rt tc qdisc del dev c1 root
touch /tmp/stop1
wait_for 60 "the flood" grep -q '^sent=' "$FNAT_LOG/flood1.log"
f1=$SECONDS
cat "$FNAT_LOG/flood1.log"
sent=$(sed -n 's/^sent=\([0-9]*\) .*/\1/p' "$FNAT_LOG/flood1.log")
echo "the flood's rate: $((sent / (f1 - f0 + 1))) SYNs/s"
lbctl -n lb1 stats | grep -E '^(conn_limit|early_drop) '
echo "legitimate requests under the flood: $ok of 10, SYNs retransmitted: $((r1 - r0))," \
	"early drops meanwhile: $((d1 - d0)) in $((t1 - t0)) s"
assert_eq "$ok" 10 "requests served under the flood"
# slower, it would not take the client's connection in time on the old
# module either (64 connections in less than its 100 ms). On a slower
# guest (FNAT_SCALE > 1, the debug kernel) the bound is as much lower and
# this part no longer tells that module from ours: it runs the early
# drop under the kernel's checks, and the clients must still get in;
# the verdict on the old module is the stock kernel's.
assert_ge "$((sent / (f1 - f0 + 1)))" "$((1500 / FNAT_SCALE))" "the flood's rate, SYNs/s"
# the flood kept the table full while the clients connected
assert_ge "$((d1 - d0))" 100 "early drops while the clients connected"
# a connection dropped before the server answered costs a retransmitted SYN
((r1 - r0 <= 1)) || fail "the client retransmitted $((r1 - r0)) SYNs under the flood (expected at most 1)"

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

# clients N WHAT: N requests from c1 through VIP:80, 100 ms away (the
# director's answers wait on rt's port toward c1), one connection each;
# how many were served, by curl's word, in $served
clients() {
	local i out
	served=0
	on rt tc qdisc add dev c1 root netem delay 100ms limit 100000
	for i in $(seq "$1"); do
		if out=$(on_quiet c1 curl -sS --fail --max-time "$(scaled 10)" "http://$VIP/" 2>&1); then
			served=$((served + 1))
		else
			echo "$2: curl $i: $out"
		fi
	done
	on rt tc qdisc del dev c1 root
}

log "a LIP whose ports a flood holds: real clients still get one"
wait_for 120 "the flood's connections to go" drained lb1
# A SYN holds its port for the SYN_RECV timeout, which each SYN-ACK the
# server retransmits starts over (61 s after the SYN with Linux's five,
# the last at 31 s, and 30 s). 120 s here: the ports that the oldest of the flood's
# connections free as they expire would let the old module's clients in
# now and then. 2000 ports are taken within seconds. A client's
# connection takes the port of the idlest of those its SYN found holding
# the ports it tried, and is safe from the flood's while its handshake
# (100 ms) is under way: only one idle for a second is taken.
lb lb1 config set port_range 20000-21999 timeout syn_recv 120
bg c1 flood3 syn_flood -C -r "$((500 / FNAT_SCALE))" -w /tmp/stop3 "$VIP" 80
lip_full() { (($(ports_in_use lb1) >= 2000)); }
wait_for 120 "the LIP's 2000 ports taken" lip_full
n0=$(counter lb1 no_port) d0=$(counter lb1 early_drop)
past_full() { (($(counter lb1 no_port) + $(counter lb1 early_drop) >= n0 + d0 + 100)); }
wait_for 60 "SYNs past a full LIP" past_full
r0=$(syn_retrans)
clients 10 "a full LIP"
n1=$(counter lb1 no_port) d1=$(counter lb1 early_drop) r1=$(syn_retrans)
touch /tmp/stop3
wait_for 60 "the flood" grep -q '^sent=' "$FNAT_LOG/flood3.log"
cat "$FNAT_LOG/flood3.log"
lbctl -n lb1 laddr
echo "legitimate requests while the flood held the LIP: $served of 10;" \
	"refused (no_port): $((n1 - n0)), ports given up (early_drop): $((d1 - d0))," \
	"SYNs the client retransmitted: $((r1 - r0))"
assert_eq "$served" 10 "requests served while a flood held the LIP's ports"

log "a table full of connections their spoofed senders reset"
# rs1's SYN-ACKs would keep the flood's connections a minute more
lbctl -n lb1 conn flush
wait_for 60 "the flood's connections to go" drained lb1
# The places, not the ports, are the limit now; a reset connection is
# kept 10 minutes here, so that only early drop can free its place. Not
# part 3's ports: rs1 still holds many of those in SYN_RECV (a minute),
# and would answer a SYN on one with an ACK, not a SYN-ACK.
lb lb1 config set conn_max 2000 port_range 1024-19999 timeout close 600
# 2100 SYNs: the last ones take the places of the first ones (early drop)
on c1 syn_flood -C -S 7 -n 2100 -r "$((1000 / FNAT_SCALE))" "$VIP" 80
# all_in STATE: the table holds 2000 connections, all in STATE (prints
# how many are in each state)
all_in() {
	local states
	states=$(lbctl -n lb1 -j conn | jq -r '[.[].state] | group_by(.) | map("\(.[0]) \(length)") | .[]')
	echo "$states"
	[[ $states == "$1 2000" ]]
}
wait_for 60 "rs1's answers to all" all_in syn_recv
on c1 syn_flood -C -S 7 -n 2100 -x -r "$((1000 / FNAT_SCALE))" "$VIP" 80
wait_for 60 "all of them reset" all_in close
d0=$(counter lb1 early_drop) l0=$(counter lb1 conn_limit)
clients 5 "a table of reset connections"
d1=$(counter lb1 early_drop) l1=$(counter lb1 conn_limit)
echo "legitimate requests with a table full of reset connections: $served of 5;" \
	"refused (conn_limit): $((l1 - l0)), places given up (early_drop): $((d1 - d0))"
assert_eq "$served" 5 "requests served with a table full of reset connections"
