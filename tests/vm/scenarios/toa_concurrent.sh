#!/bin/bash
# toa.ko under concurrency, on both vCPUs: handshakes with TOA keep
# arriving (IPv4, IPv4 to a dual-stack listener, IPv6) while threads of the
# servers accept and call getpeername() in a loop. A probe the kernel
# skips loses a client's address silently, so the verdict is the
# application's own view: every accept() and every getpeername() of every
# connection must say the client. The module's counters must agree: each
# connection recorded exactly once (the dual-stack one too), no probe
# missed, no stale entry found.
#
# Every packet that may complete a handshake carries the TOA, as the
# director writes it (the third ACK and the request: toa_client.c), so a
# connection that shows the LIP here is toa.ko's failure. Which of the two
# the server processes first is not fixed: a client that moves to the
# other vCPU between its two sendto()s while the ACK still waits in the
# first one's backlog has its request processed first, or both at once
# (request sockets are lockless; only the child that takes the request is
# recorded). One of the clients sends its request before the ACK (-L).
# (When toa_client wrote the TOA into the ACK alone, one accept() in 3490
# once saw the LIP so; toa_basic checks both orders one by one.)
#
# Then again with one instance per kretprobe (maxactive=1), so that calls
# running at once on the two vCPUs are skipped: the misses are counted
# (missed_total), the application sees its client or the LIP, never
# another address, and an IPv4 child of the dual-stack listener whose v4
# probe was skipped is recorded by the v6 one (recorded_by_v6_probe).
#
#  lb   LIP 198.18.11.1, 2001:db8:11::1   4 toa_client loops in parallel:
#        | veth                           IPv4 -> :8080 (x2), IPv4 -> :8081,
#        |                                IPv6 -> :8081
#  rs   198.19.0.11, 2001:db8:19::11      toa.ko; peer_server -j 8 -g 50
#                                         on :8080 (IPv4) and :8081 ([::])
#
# The module is loaded before the traffic starts and unloaded after it
# stops (no kprobe is registered under load): multi-threaded TCG is fine.
#
# @timeout: 500
. /fnat/lib.sh
. /fnat/lib-toa.sh

SECONDS_LOAD=40
SECONDS_MISS=120
THREADS=8
LOOPS=50

topo_toa
toa_load trusted_sources="$TOA_TRUSTED"
bg rs srv4 peer_server -4 -j "$THREADS" -g "$LOOPS" 8080
bg rs srv6 peer_server -6 -j "$THREADS" -g "$LOOPS" 8081
wait_for 10 "peer_server :8080" listening rs 8080
wait_for 10 "peer_server :8081" listening rs 8081

log "$SECONDS_LOAD s of TOA handshakes from 4 clients at once"
pids=()
start() { # start SECONDS NAME ARGS...
	bg lb "$2" toa_client -q -n 1000000 -D "$1" -T 20 "${@:3}"
	pids+=("${_bg_pids[-1]}")
}
start "$SECONDS_LOAD" c4a -s 40000 -t "$TOA_V4" "$TOA_LIP" "$TOA_RS" 8080
start "$SECONDS_LOAD" c4b -s 45000 -L -t "$TOA_V4" "$TOA_LIP" "$TOA_RS" 8080
start "$SECONDS_LOAD" c46 -s 50000 -t "$TOA_V4" "$TOA_LIP" "$TOA_RS" 8081
start "$SECONDS_LOAD" c6 -s 40000 -6 -t "$TOA_V6" "$TOA_LIP6" "$TOA_RS6" 8081
for p in "${pids[@]}"; do
	wait "$p" || true	# judged below, from the summaries
done

# summary NAME: $okn = connections NAME completed; none may have failed
summary() {
	local s
	s=$(grep 'connections,' "$FNAT_LOG/$1.log") || fail "$1: no summary"
	echo "$1: $s"
	[[ $s =~ ([0-9]+)\ ok,\ ([0-9]+)\ failed ]] || fail "$1: bad summary"
	okn=${BASH_REMATCH[1]}
	assert_eq "${BASH_REMATCH[2]}" 0 "$1: connections failed"
}
summary c4a; n4=$okn
summary c4b; n4=$((n4 + okn))
summary c46; n46=$okn
summary c6; n6=$okn
total=$((n4 + n46 + n6))
echo "connections: $n4 IPv4, $n46 IPv4 to dual stack, $n6 IPv6; $total in all"
assert_ge "$total" 200 "connections made"

# lines LOG REGEX: lines of LOG matching REGEX
lines() { grep -cE "$2" "$FNAT_LOG/$1.log" || true; }

# before any verdict, so that a failure below shows the counters too
on_quiet rs cat /proc/net/toa_stats
on_quiet rs nstat -asz TcpExtListenOverflows TcpExtListenDrops TcpExtSyncookiesRecv || true

log "the application's view: every accept() and getpeername() said the client"
assert_eq "$(lines srv4 '^accept=')" "$n4" "accept()s on :8080"
assert_eq "$(lines srv4 "^accept=$TOA_CIP:$TOA_CPORT peer=$TOA_CIP:$TOA_CPORT ")" "$n4" \
	"accept()s on :8080 that saw the client"
assert_eq "$(lines srv6 '^accept=')" "$((n46 + n6))" "accept()s on :8081"
assert_eq "$(lines srv6 "^accept=\[::ffff:$TOA_CIP\]:$TOA_CPORT peer=\[::ffff:$TOA_CIP\]:$TOA_CPORT ")" \
	"$n46" "accept()s on :8081 that saw the IPv4 client"
assert_eq "$(lines srv6 "^accept=\[$TOA_CIP6\]:$TOA_CPORT6 peer=\[$TOA_CIP6\]:$TOA_CPORT6 ")" \
	"$n6" "accept()s on :8081 that saw the IPv6 client"
grep -h mismatch "$FNAT_LOG/srv4.log" "$FNAT_LOG/srv6.log" | head -5 || true
assert_eq "$(($(lines srv4 mismatch) + $(lines srv6 mismatch)))" 0 \
	"getpeername() calls ($LOOPS per connection) that did not say the client"

log "the module's counters agree"
assert_eq "$(toa_stat rs conns_with_toa)" "$total" "conns_with_toa: each connection once"
assert_eq "$(toa_stat rs recorded_by_v6_probe)" 0 "recorded_by_v6_probe"
assert_eq "$(toa_stat rs stale_removed)" 0 "stale_removed"
assert_eq "$(toa_stat rs missed_total)" 0 "probe calls the kernel skipped"

log "one instance per kretprobe: skipped calls are counted, and show the LIP"
run rmmod toa	# no traffic now
toa_load trusted_sources="$TOA_TRUSTED" maxactive=1
for f in srv4 srv6; do
	eval "${f}_lines=$(wc -l < "$FNAT_LOG/$f.log")"
done
pids=()
start "$SECONDS_MISS" m4a -s 10000 -t "$TOA_V4" "$TOA_LIP" "$TOA_RS" 8080
start "$SECONDS_MISS" m4b -s 15000 -t "$TOA_V4" "$TOA_LIP" "$TOA_RS" 8080
start "$SECONDS_MISS" m46a -s 20000 -t "$TOA_V4" "$TOA_LIP" "$TOA_RS" 8081
start "$SECONDS_MISS" m46b -s 25000 -t "$TOA_V4" "$TOA_LIP" "$TOA_RS" 8081
# the dual-stack fallback: an IPv4 child whose v4 probe was skipped (its
# one instance busy on the other vCPU) is recorded by the v6 probe
v6_fallback() { (($(toa_stat rs recorded_by_v6_probe) >= 1)); }
wait_for $((SECONDS_MISS - 10)) "an IPv4 child recorded by the v6 probe" v6_fallback
run kill -TERM "${pids[@]}"
for p in "${pids[@]}"; do
	wait "$p" || true
done
for c in m4a m4b m46a m46b; do
	summary "$c"
done
on_quiet rs cat /proc/net/toa_stats
# what the application saw in this phase, other than the client or the LIP
seen() { # seen SRV SKIP: "COUNT accept=|peer=ADDR" in SRV's log after line SKIP
	tail -n +$(($2 + 1)) "$FNAT_LOG/$1.log" | grep -o '\(accept\|peer\)=[^ ]*' | sort | uniq -c
}
seen srv4 "$srv4_lines" | grep -v "=$TOA_LIP:" || true
seen srv6 "$srv6_lines" | grep -v "=\[::ffff:$TOA_LIP\]:" || true
# (getpeername() fails with ENOTCONN on the connections SIGTERM reset)
assert_eq "$(seen srv4 "$srv4_lines" |
	grep -Ev "=($TOA_CIP:$TOA_CPORT|$TOA_LIP:[0-9]+|error:Transport)\$" || true)" "" \
	"addresses seen on :8080 other than the client or the LIP"
assert_eq "$(seen srv6 "$srv6_lines" |
	grep -Ev "=(\[::ffff:($TOA_CIP\]:$TOA_CPORT|$TOA_LIP\]:[0-9]+)|error:Transport)\$" || true)" "" \
	"addresses seen on :8081 other than the client or the LIP"
# (awk, not grep: a phase where one listener saw no LIP is no failure)
count_lip() { # count_lip SRV SKIP PREFIX: answers in SRV's log starting with PREFIX
	{ seen "$1" "$2" || true; } | awk -v p="$3" 'index($2, p) { n += $1 } END { print n + 0 }'
}
lip_seen=$(($(count_lip srv4 "$srv4_lines" "peer=$TOA_LIP:") +
	$(count_lip srv4 "$srv4_lines" "accept=$TOA_LIP:") +
	$(count_lip srv6 "$srv6_lines" "peer=[::ffff:$TOA_LIP]:") +
	$(count_lip srv6 "$srv6_lines" "accept=[::ffff:$TOA_LIP]:")))
echo "answers with the LIP: $lip_seen; IPv4 children the v6 probe recorded: $(toa_stat rs recorded_by_v6_probe)"
assert_ge "$(toa_stat rs missed_total)" 1 "probe calls the kernel skipped, counted"
