#!/bin/bash
# Connections created while others expire them: a SYN flood (spoofed
# sources, every SYN a new connection) and real requests run while real
# servers are deleted and added back with expire_nodest on (each deletion
# walks the table and expires what it finds, racing with connections
# being created) and the configuration changes in a loop. Then the flood
# stops: every count returns to zero (a connection expired while it was
# being created used to leave a node of freed memory in the table and
# its counts off by one), and the module is unloaded under a new flood.
#
#  c1 (syn_flood + curl) --- rt --- lb1 --- rsr --- rs1, rs2
#
# @tcg: single
# @timeout: 600
. /fnat/lib.sh

fullnat_web 1 2 rr
lb lb1 config set expire_nodest on timeout syn_recv 3 timeout time_wait 2 \
	timeout close 2 timeout fin_wait 3 timeout last_ack 3 timeout close_wait 3

bg c1 flood1 syn_flood -d 40 "$VIP" 80
bg c1 curls bash -c "end=\$((SECONDS + 40)); ok=0; bad=0
	while ((SECONDS < end)); do
		if curl -s --max-time 5 -o /dev/null http://$VIP/; then ok=\$((ok + 1)); else bad=\$((bad + 1)); fi
	done; echo ok=\$ok bad=\$bad"
echo "+ configuration loop &  (log: $FNAT_LOG/cfgloop.log)"
for i in $(seq 200); do
	lbctl -n lb1 config set conn_max $((100000 + i)) timeout established $((900 + i)) || echo fail
done > "$FNAT_LOG/cfgloop.log" 2>&1 && echo done >> "$FNAT_LOG/cfgloop.log" &
_bg_pids+=($!)
wait_for 30 "the flood's first connections" bash -c "(( \$(lbctl -n lb1 -j show | jq -r .connections) > 50 ))"
for i in $(seq 12); do
	lb lb1 rs del tcp "$VIP:80" "$RS_NET.12:8080"
	lb lb1 rs add tcp "$VIP:80" "$RS_NET.12:8080"
	lb lb1 rs del tcp "$VIP:80" "$RS_NET.11:8080"
	lb lb1 rs add tcp "$VIP:80" "$RS_NET.11:8080"
done
wait_for 120 "the flood" grep -q '^sent=' "$FNAT_LOG/flood1.log"
wait_for 120 "the requests" grep -q '^ok=' "$FNAT_LOG/curls.log"
wait_for 120 "the configuration loop" grep -q '^done' "$FNAT_LOG/cfgloop.log"
cat "$FNAT_LOG/flood1.log" "$FNAT_LOG/curls.log"
grep -q fail "$FNAT_LOG/cfgloop.log" && fail "a configuration change failed"
assert_ge "$(sed -n 's/^sent=\([0-9]*\).*/\1/p' "$FNAT_LOG/flood1.log")" 1000 "SYNs sent"
assert_ge "$(sed -n 's/^ok=\([0-9]*\).*/\1/p' "$FNAT_LOG/curls.log")" 1 "requests served"
echo "no_dest: $(counter lb1 no_dest)"

log "everything returns to zero"
wait_for 120 "an empty table" drained lb1
lbctl -n lb1 -j show | jq -M -c '.services[].real_servers[]'
assert_eq "$(lbctl -n lb1 -j show | jq '[.services[].real_servers[] | .active + .inactive] | add')" 0 \
	"active + inactive connections of the real servers"
slab_empty fnat_conn "connection objects"

log "unload under a flood"
bg c1 flood2 syn_flood -d 30 "$VIP" 80
wait_for 30 "the second flood's connections" bash -c "(( \$(lbctl -n lb1 -j show | jq -r .connections) > 50 ))"
run rmmod fullnat
grep -q '^fullnat ' /proc/modules && fail "fullnat still loaded"
grep -q fnat_conn /proc/slabinfo && fail "the connection cache outlived the module"
echo "ok: module gone, cache gone"
