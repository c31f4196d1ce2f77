#!/bin/bash
# A director's namespace deleted under traffic, then the module unloaded
# under traffic: a packet in the hook while the namespace (or module)
# goes must not leave a connection behind (no warning, no object left),
# and namespaces that never used fullnat must not pay for it on exit
# (the time to create and delete 200 of them is printed, module loaded
# and not).
#
#  c1 (syn_flood + curl) --- rt ==ECMP== lb1, lb2 --- rsr --- rs1
#
# @tcg: single
# @timeout: 600
. /fnat/lib.sh

# netns_cycle N: create N namespaces, delete them, wait until the kernel
# has freed them all (counted by a kprobe on the per-namespace release of
# its ucount in cleanup_net()); prints the seconds taken.
TRACE=/sys/kernel/tracing
[[ -e $TRACE/kprobe_events ]] || TRACE=/sys/kernel/debug/tracing
netns_cycle() {
	local n=$1 i start end
	echo > "$TRACE/trace"
	start=$(date +%s.%N)
	for ((i = 0; i < n; i++)); do "$IP" netns add "idle$i"; done
	for ((i = 0; i < n; i++)); do "$IP" netns delete "idle$i"; done
	end=$((SECONDS + 300))
	while (($(grep -c fnat_nsfree "$TRACE/trace") < n)); do
		((SECONDS < end)) || fail "namespaces not freed after 300 s"
		sleep 0.1
	done
	awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f\n", b - a }'
}

fullnat_web 2 1 rr
for d in lb1 lb2; do
	lb "$d" config set timeout syn_recv 3 timeout time_wait 2 timeout close 2 \
		timeout fin_wait 3 timeout last_ack 3 timeout close_wait 3
done

log "namespace deletion under traffic"
bg c1 flood1 syn_flood -w /tmp/stop1 "$VIP" 80
wait_for 60 "connections on lb2" bash -c "(( \$(lbctl -n lb2 -j show | jq -r .connections) > 50 ))"
run "$IP" netns delete lb2
on rt "$IP" route replace "$VIP/32" via "$DIR_NET.11"
wait_for 60 "the flood through lb1" bash -c "(( \$(lbctl -n lb1 -j show | jq -r .connections) > 50 ))"
touch /tmp/stop1
wait_for 60 "the flood" grep -q '^sent=' "$FNAT_LOG/flood1.log"
cat "$FNAT_LOG/flood1.log"
wait_for 120 "an empty table on lb1" drained lb1
# lb1's table is empty: every object left would be lb2's.
slab_empty fnat_conn "connection objects after lb2 went"
# The real server's SYN queue may still be full of the flood's: poll.
wait_for 120 "lb1 serving" http_get c1 "http://$VIP/"
assert_eq "$(http_get c1 "http://$VIP/")" rs1 "lb1 still serves"

log "unload under traffic"
bg c1 flood2 syn_flood -w /tmp/stop2 "$VIP" 80
wait_for 60 "connections on lb1" bash -c "(( \$(lbctl -n lb1 -j show | jq -r .connections) > 50 ))"
run rmmod fullnat
touch /tmp/stop2
grep -q '^fullnat ' /proc/modules && fail "fullnat still loaded"
grep -q fnat_conn /proc/slabinfo && fail "the connection cache outlived the module"
echo "ok: module gone, cache gone"

log "200 unused namespaces: create and delete"
# dec_ucount(ucounts, UCOUNT_NET_NAMESPACES): once per namespace freed.
echo 'p:fnat_nsfree dec_ucount type=%si:u32' >> "$TRACE/kprobe_events" ||
	skip "no kprobe events"
on_exit "echo 0 > $TRACE/events/kprobes/fnat_nsfree/enable; echo -:fnat_nsfree >> $TRACE/kprobe_events"
echo 'type == 4' > "$TRACE/events/kprobes/fnat_nsfree/filter"
echo 1 > "$TRACE/events/kprobes/fnat_nsfree/enable"
without=$(netns_cycle 200)
run modprobe fullnat
with=$(netns_cycle 200)
run rmmod fullnat
again=$(netns_cycle 200)
echo "netns_cycle 200: ${without}s without fullnat.ko, ${with}s with it, ${again}s without again"
