#!/bin/bash
# Changes under traffic: weights change, a real server is deleted and added
# back, and finally the module is unloaded while requests flow. No kernel
# warning; connection objects return to zero before the unload.
# Module unload under traffic live-patches kernel text (static keys of the
# netfilter hooks): single-threaded TCG (see tests/vm/run.sh).
#
#  c1 (request loop) --- rt --- lb1 --- rsr --- rs1, rs2, rs3
#
# @tcg: single
# @timeout: 500
. /fnat/lib.sh

fullnat_web 1 3 wrr
lb lb1 config set timeout time_wait 2 timeout close 2 timeout fin_wait 3 \
	timeout last_ack 3 timeout close_wait 3

traffic() { # traffic NAME SECONDS: a background request loop
	bg c1 "$1" bash -c "end=\$((SECONDS + $2)); ok=0; bad=0
		while ((SECONDS < end)); do
			if curl -s --max-time 5 -o /dev/null http://$VIP/; then ok=\$((ok + 1)); else bad=\$((bad + 1)); fi
		done; echo ok=\$ok bad=\$bad"
}

# svc_conns: connections the director has scheduled for the service
svc_conns() { lbctl -n lb1 -j show | jq '.services[0].stats.conns'; }
conns_over() { (( $(svc_conns) > $1 )); }
# more_requests N: wait until N more requests reached the director, so
# that each change below happens under traffic, however slow the guest
# (single-threaded TCG serves about one a second, the debug kernel's one
# in five: the loops, FNAT_SCALE times as long there, must outlast the
# waits)
more_requests() {
	wait_for 30 "$1 more requests" conns_over "$(( $(svc_conns) + $1 - 1 ))"
}

traffic load1 "$(scaled 25)"
more_requests 2
lb lb1 rs set tcp "$VIP:80" "$RS_NET.11:8080" weight 5
more_requests 1
lb lb1 rs del tcp "$VIP:80" "$RS_NET.12:8080"
more_requests 1
lb lb1 rs add tcp "$VIP:80" "$RS_NET.12:8080" weight 2
more_requests 1
lb lb1 config set expire_nodest on
lb lb1 rs del tcp "$VIP:80" "$RS_NET.13:8080"
wait_for 60 "the request loop" grep -q '^ok=' "$FNAT_LOG/load1.log"
cat "$FNAT_LOG/load1.log"
ok=$(sed -n 's/^ok=\([0-9]*\).*/\1/p' "$FNAT_LOG/load1.log")
assert_ge "$ok" 20 "requests served during the changes"

log "after traffic: everything drains to zero"
wait_for 60 "an empty table" drained lb1
slab_empty fnat_conn "connection objects"

log "unload while requests flow"
traffic load2 "$(scaled 15)"
more_requests 2
run rmmod fullnat
grep -q '^fullnat ' /proc/modules && fail "fullnat still loaded"
wait_for 60 "the second request loop" grep -q '^ok=' "$FNAT_LOG/load2.log"
cat "$FNAT_LOG/load2.log"
grep -q fnat_conn /proc/slabinfo && fail "the connection cache outlived the module"
echo "ok: module gone, cache gone"
