#!/bin/bash
# A packet still in the hook while the module goes (defect 5 of issue 10).
# The core waits a grace period before a pernet .exit (after .pre_exit),
# so only a packet that reaches the hook after that is at risk; on a
# namespace's deletion this kernel also unregisters its devices first, so
# the case is rmmod under traffic, whose .exit runs with the devices up.
# The test-only fnat_delay.ko waits 300 ms on entry to
# nf_unregister_net_hooks() (called for the namespace that has our hook)
# while the flood goes on, and from then on holds a new connection (up to
# 1 s) on entry to the function that gives it a local address, after the
# hook found the service and the real server, until the exit flushes the
# local addresses; it then lets the packet go on for 200 ms before the
# flush. The old code unregistered the hook in .exit without waiting for
# hook calls and flushed the connections before the local addresses: the
# held packet inserted a connection after the flush (WARN_ON_ONCE(nr_conns)
# in the old fnat_net_exit; a connection object left when the cache is
# destroyed). Now the hook goes in .pre_exit, before the grace period,
# which waits for the held packet; the flush comes after it: no warning,
# no object left.
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
	arm_func=nf_unregister_net_hooks arm_delay_us=300000 \
	wake_func=__fnat_laddr_flush wake_delay_us=200000
on_exit "rmmod fnat_delay 2> /dev/null"
P=/sys/module/fnat_delay/parameters

bg c1 flood1 syn_flood -w /tmp/stop1 "$VIP" 80
wait_for 60 "connections on lb1" bash -c "(( \$(lbctl -n lb1 -j show | jq -r .connections) > 50 ))"
run rmmod fullnat
echo "fnat_delay: armed=$(cat $P/armed) woken=$(cat $P/woken) delays=$(cat $P/delays) delayed_ms=$(cat $P/delayed_ms) (packets held in the hook after the exit began)"
touch /tmp/stop1
wait_for 60 "the flood" grep -q '^sent=' "$FNAT_LOG/flood1.log"
cat "$FNAT_LOG/flood1.log"
run rmmod fnat_delay
grep -q '^fullnat ' /proc/modules && fail "fullnat still loaded"
grep -q fnat_conn /proc/slabinfo && fail "the connection cache outlived the module"
echo "ok: module gone, cache gone"
