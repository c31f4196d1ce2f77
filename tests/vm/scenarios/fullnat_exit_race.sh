#!/bin/bash
# A packet still in the hook while its namespace goes (defect 5 of issue
# 10). The test-only fnat_delay.ko holds every new connection (one at a
# time, up to 1 s) on entry to the function that gives it a local address
# (after the hook found the service and the real server), until the
# namespace's exit flushes the local addresses; it then lets the packet go
# on for 200 ms before the flush. The old code unregistered the hook in
# .exit and flushed the connections before the local addresses without
# waiting for hook calls, so the held packet inserted a connection after
# the flush: WARN_ON_ONCE(nr_conns) in the old fnat_net_exit, and a
# connection left in the table with its namespace freed. Now the hook goes
# in .pre_exit and the core's grace period waits for the held packet
# before anything is flushed: no warning, no object left.
#
#  c1 (syn_flood) --- rt --- lb1 --- rsr --- rs1
#
# @tcg: single
# @timeout: 240
. /fnat/lib.sh

modinfo fnat_delay > /dev/null 2>&1 || skip "fnat_delay.ko not built (make tools)"
run modprobe fullnat conn_tab_bits=8
fullnat_web 1 1 rr

bind=__fnat_laddr_bind
awk '$3 == "fnat_laddr_bind" { f = 1 } END { exit !f }' /proc/kallsyms && bind=fnat_laddr_bind
run modprobe fnat_delay func=$bind delay_us=1000000 gap_ms=20 max_hits=200 \
	wake_func=__fnat_laddr_flush wake_delay_us=200000
on_exit "rmmod fnat_delay 2> /dev/null"
P=/sys/module/fnat_delay/parameters

bg c1 flood1 syn_flood -w /tmp/stop1 "$VIP" 80
wait_for 60 "held packets" bash -c "(( \$(cat $P/delays) >= 3 ))"
run "$IP" netns delete lb1
wait_for 60 "the namespace's exit" grep -q Y "$P/woken"
echo "fnat_delay: calls=$(cat $P/calls) delays=$(cat $P/delays)"
touch /tmp/stop1
wait_for 60 "the flood" grep -q '^sent=' "$FNAT_LOG/flood1.log"
cat "$FNAT_LOG/flood1.log"
run rmmod fnat_delay
# lb1 was the only director: every object left is a connection that
# outlived its namespace.
no_conn_objects() { [[ $(slab_objects fnat_conn) == 0 ]]; }
wait_for 30 "no connection objects" no_conn_objects
run rmmod fullnat
grep -q fnat_conn /proc/slabinfo && fail "the connection cache outlived the module"
echo "ok: no connection left, module gone"
