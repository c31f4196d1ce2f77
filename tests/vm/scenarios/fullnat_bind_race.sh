#!/bin/bash
# A connection expired while it is being created (defect 4 of issue 10):
# the test-only fnat_delay.ko busy-waits 50 ms on return from the
# function that gives a new connection its local address and port, after
# which the connection's real-server side is in the table (old code:
# fnat_laddr_bind(), outside any lock; now __fnat_laddr_bind(), under the
# connection's lock, so an expiry waits for it). Meanwhile real servers
# are deleted with expire_nodest on, each deletion walking the table
# (256 buckets: a walk is quick) while a creator is delayed half the
# time (50 ms, then 50 ms without: a softirq must not wait for seconds).
# The old code expired the half-made connection and then hashed its
# client side: a node of freed memory in the table. Our cache is poisoned
# (slub_debug in run.sh): the kernel itself finds it ("general protection
# fault" walking the bucket, or "BUG fnat_conn ... Poison overwritten").
#
#  c1 (syn_flood) --- rt --- lb1 --- rsr --- rs1, rs2
#
# @tcg: single
# @timeout: 240
. /fnat/lib.sh

modinfo fnat_delay > /dev/null 2>&1 || skip "fnat_delay.ko not built (make tools)"
run modprobe fullnat conn_tab_bits=8
fullnat_web 1 2 rr
assert_eq "$(cat /sys/kernel/slab/fnat_conn/poison)" 1 \
	"fnat_conn poisoned (slub_debug=FZP,fnat_conn on the command line)"
lb lb1 config set expire_nodest on timeout syn_recv 3 timeout time_wait 2 \
	timeout close 2 timeout fin_wait 3 timeout last_ack 3 timeout close_wait 3

bind=__fnat_laddr_bind
awk '$3 == "fnat_laddr_bind" { f = 1 } END { exit !f }' /proc/kallsyms && bind=fnat_laddr_bind
run modprobe fnat_delay func=$bind ret=1 delay_us=50000 gap_ms=50 max_hits=400
on_exit "rmmod fnat_delay 2> /dev/null"
P=/sys/module/fnat_delay/parameters

bg c1 flood1 syn_flood -w /tmp/stop1 "$VIP" 80
wait_for 60 "delayed connections" bash -c "(( \$(cat $P/delays) >= 3 ))"
for _ in $(seq 10); do
	lb lb1 rs del tcp "$VIP:80" "$RS_NET.12:8080"
	lb lb1 rs add tcp "$VIP:80" "$RS_NET.12:8080"
	lb lb1 rs del tcp "$VIP:80" "$RS_NET.11:8080"
	lb lb1 rs add tcp "$VIP:80" "$RS_NET.11:8080"
done
echo "fnat_delay: calls=$(cat $P/calls) delays=$(cat $P/delays) delayed_ms=$(cat $P/delayed_ms)"
touch /tmp/stop1
wait_for 60 "the flood" grep -q '^sent=' "$FNAT_LOG/flood1.log"
cat "$FNAT_LOG/flood1.log"
run rmmod fnat_delay
echo "no_dest: $(counter lb1 no_dest)"

log "everything returns to zero"
wait_for 60 "an empty table" drained lb1
assert_eq "$(lbctl -n lb1 -j show | jq '[.services[].real_servers[] | .active + .inactive] | add')" 0 \
	"active + inactive connections of the real servers"
slab_empty fnat_conn "connection objects"
wait_for 60 "lb1 serving" http_get c1 "http://$VIP/"
