#!/bin/bash
# toa.ko loads and unloads 20 times while TOA connections keep arriving
# (about 100 a second asked, IPv4 and IPv6; the emulated guest makes what
# it can) and two connections stay open throughout. No kernel warning; no
# connection ever sees an address other than its client's or the LIP;
# once the module is gone, getpeername() of the held connections returns
# the real peer; every table entry is freed when its connection ends (the
# slab's object count, less the module's reserve of entries), and the slab
# cache goes with the module.
#
#  lb   LIP 198.18.11.1, 2001:db8:11::1   toa_client loops (IPv4 -> :8080,
#        | veth                           IPv6 -> :8081), two held
#        |                                connections (-> :8084, :8085)
#  rs   198.19.0.11, 2001:db8:19::11      toa.ko in and out; peer_server
#                                         :8080 :8081, holding :8084 :8085
#
# Loading and unloading registers and removes kprobes, i.e. patches kernel
# text, while other code runs the probed functions: QEMU's multi-threaded
# TCG does not emulate that reliably (shared/DESIGN.md), so this scenario
# runs in a single-threaded guest.
#
# Last, the module's reserve of table entries (table.c): a size out of
# range refuses the load, with a message; with none (reserve=0) a
# PREEMPT_RT kernel shows the LIP and counts reserve_empty, any other
# allocates as it goes.
#
# @timeout: 600
# @tcg: single
# @expect-kmsg: toa: reserve=65537: at most 65536 entries per CPU
. /fnat/lib.sh
. /fnat/lib-toa.sh

CYCLES=20

# more_lines_than N REGEX FILE: FILE has more than N lines matching REGEX
more_lines_than() {
	(($(grep -c "$2" "$3") > $1))
}

# held NAME: the "held peer=..." lines peer_server NAME prints on SIGUSR1
held() {
	local n
	n=$(grep -c '^held end' "$FNAT_LOG/$1.log" || true)
	on_quiet rs kill -USR1 "$(cat "$FNAT_LOG/$1.pid")"
	wait_for 10 "$1 to list its connections" more_lines_than "$n" '^held end' "$FNAT_LOG/$1.log"
	awk '/^held end/ { n++ } n == '"$n"' && /^held peer=/' "$FNAT_LOG/$1.log"
}

# bad_peers LOG ALLOWED_RE: accept=/peer= values in LOG not matching ALLOWED_RE
bad_peers() {
	grep -o '\(accept\|peer\)=[^ ]*' "$1" | grep -Ev "=($2)\$" || true
}

topo_toa
toa_peer_server peer4 -4 8080
toa_peer_server peer6 -6 8081
for p in "heldsrv4 -4 8084" "heldsrv6 -6 8085"; do
	set -- $p
	echo "+ [rs] peer_server $2 -k $3 &  (log: $FNAT_LOG/$1.log)"
	"$IP" netns exec rs sh -c "echo \$\$ > $FNAT_LOG/$1.pid; exec peer_server $2 -k $3" \
		> "$FNAT_LOG/$1.log" 2>&1 &
	_bg_pids+=($!)
	wait_for 10 "peer_server :$3" listening rs "$3"
done

log "connections held open across the unload get the TOA address"
run modprobe toa trusted_sources="$TOA_TRUSTED"
toa_trust rs "$TOA_TRUSTED"	# rs's own list (the parameter is the initial namespace's)
on_exit "grep -q '^toa ' /proc/modules && rmmod toa"
# held for 500 s (the scenario takes under 300 on a stock kernel), times the guest's slowness
# (FNAT_SCALE: on the debug kernel the scenario took 1700 s)
bg lb held4 toa_client -s 30001 -k "$(scaled 500)" -t "$TOA_V4" "$TOA_LIP" "$TOA_RS" 8084
bg lb held6 toa_client -s 30002 -k "$(scaled 500)" -6 -t "$TOA_V6" "$TOA_LIP6" "$TOA_RS6" 8085
wait_for 20 "held connections" grep -q accept= "$FNAT_LOG/held4.log" "$FNAT_LOG/held6.log"
assert_eq "$(held heldsrv4)" "held peer=$TOA_CIP:$TOA_CPORT" "held IPv4 connection, module loaded"
assert_eq "$(held heldsrv6)" "held peer=[$TOA_CIP6]:$TOA_CPORT6" "held IPv6 connection, module loaded"

log "load: TOA connections from the LIP, one after the other, IPv4 and IPv6"
# each given 5 s, times the guest's slowness (on the debug kernel one of
# 7547 took longer while the module was loaded under it)
bg lb load4 toa_client -n 1000000 -R 50 -T "$(scaled 5)" -s 40000 -t "$TOA_V4" "$TOA_LIP" "$TOA_RS" 8080
load_pids=${_bg_pids[-1]}
bg lb load6 toa_client -n 1000000 -R 50 -T "$(scaled 5)" -s 40000 -6 -t "$TOA_V6" "$TOA_LIP6" "$TOA_RS6" 8081
load_pids+=" ${_bg_pids[-1]}"
wait_for 30 "the load to start" grep -q "accept=$TOA_CIP:" "$FNAT_LOG/load4.log"

log "$CYCLES unload/load cycles under that load"
run rmmod toa
# Each state lasts until the load has had a connection in it: one that
# saw its client (module in), one that saw the LIP (module out).
for ((i = 1; i <= CYCLES; i++)); do
	n=$(grep -c "accept=$TOA_CIP:" "$FNAT_LOG/load4.log" || true)
	modprobe toa trusted_sources="$TOA_TRUSTED"
	toa_trust rs "$TOA_TRUSTED" > /dev/null
	wait_for 20 "a TOA connection in cycle $i" \
		more_lines_than "$n" "accept=$TOA_CIP:" "$FNAT_LOG/load4.log"
	on_quiet rs cat /proc/net/toa_stats > /dev/null
	n=$(grep -c "accept=$TOA_LIP:" "$FNAT_LOG/load4.log" || true)
	rmmod toa
	wait_for 20 "a connection without toa.ko in cycle $i" \
		more_lines_than "$n" "accept=$TOA_LIP:" "$FNAT_LOG/load4.log"
done
echo "ok: $CYCLES cycles"
grep -q '^toa ' /proc/modules && fail "toa still loaded"

log "after the unload, the held connections show their real peer again"
assert_eq "$(held heldsrv4)" "held peer=$TOA_LIP:30001" "held IPv4 connection, module unloaded"
assert_eq "$(held heldsrv6)" "held peer=[$TOA_LIP6]:30002" "held IPv6 connection, module unloaded"
log "and so do new connections"
toa_expect4 "IPv4 after the cycles" "$TOA_LIP:SPORT" -t "$TOA_V4"

log "loaded once more: entries come and go with the connections"
run modprobe toa trusted_sources="$TOA_TRUSTED"
toa_trust rs "$TOA_TRUSTED"
n=$(grep -c "accept=$TOA_CIP:" "$FNAT_LOG/load4.log")
wait_for 60 "TOA connections with the module back" \
	more_lines_than $((n + 20)) "accept=$TOA_CIP:" "$FNAT_LOG/load4.log"
assert_ge "$(grep -c '^toa_sock ' /proc/slabinfo)" 1 "toa_sock slab cache exists (not merged)"
run kill -TERM $load_pids
wait $load_pids || true	# toa_client stops at once on SIGTERM
for l in load4 load6; do
	summary=$(grep 'connections,' "$FNAT_LOG/$l.log")
	echo "$l: $summary"
	[[ $summary =~ ([0-9]+)\ ok,\ ([0-9]+)\ failed ]] || fail "$l: no summary"
	assert_ge "${BASH_REMATCH[1]}" 100 "$l: connections served"
	assert_eq "${BASH_REMATCH[2]}" 0 "$l: connections failed"
done
assert_ge "$(grep -c "accept=$TOA_LIP:" "$FNAT_LOG/load4.log")" 1 "IPv4 connections made while unloaded"
assert_eq "$(bad_peers "$FNAT_LOG/load4.log" "$TOA_CIP:$TOA_CPORT|$TOA_LIP:[0-9]+")" "" \
	"IPv4 peers other than the client or the LIP"
assert_eq "$(bad_peers "$FNAT_LOG/load6.log" "\[$TOA_CIP6\]:$TOA_CPORT6|\[$TOA_LIP6\]:[0-9]+")" "" \
	"IPv6 peers other than the client or the LIP"

if ! (wait_for 60 "toa_sock objects beyond the reserve to go" toa_entries_left); then
	on_quiet rs ss -tan
	fail "toa_sock entries left after every connection ended"
fi
toa_entries_left || true
assert_eq "$(awk '$1 == "entries" { print $2 }' /proc/net/toa_stats)" 0 \
	"entries in the table (toa_stats)"
assert_eq "$(toa_stat rs entries)" "" "the table's size shown in a namespace other than the host's"
on_quiet rs cat /proc/net/toa_stats
run rmmod toa
grep -q '^toa_sock ' /proc/slabinfo && fail "toa_sock cache still exists after rmmod"
echo "ok: toa_sock cache gone"
assert_eq "$(held heldsrv4)" "held peer=$TOA_LIP:30001" "held IPv4 connection at the end"

log "the reserve of table entries: out of range, then none"
if out=$(modprobe toa reserve=65537 2>&1); then
	fail "modprobe toa reserve=65537 succeeded"
fi
echo "modprobe toa reserve=65537: $out"
grep -q '^toa ' /proc/modules && fail "toa.ko loaded with reserve=65537"
run modprobe toa trusted_sources="$TOA_TRUSTED" reserve=0
toa_trust rs "$TOA_TRUSTED"
assert_eq "$(awk '$1 == "entries_reserved" { print $2 }' /proc/net/toa_stats)" 0 \
	"entries in reserve with reserve=0"
if [[ $(uname -v) == *PREEMPT_RT* ]]; then
	toa_expect4 "IPv4 with no reserve (PREEMPT_RT)" "$TOA_LIP:SPORT" -t "$TOA_V4"
	assert_eq "$(toa_stat rs reserve_empty)" 1 "connections with no entry at hand (reserve_empty)"
else
	toa_expect4 "IPv4 with no reserve" "$TOA_CIP:$TOA_CPORT" -t "$TOA_V4"
	assert_eq "$(toa_stat rs reserve_empty)" 0 "connections with no entry at hand (reserve_empty)"
fi
run rmmod toa
