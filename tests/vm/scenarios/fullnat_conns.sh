#!/bin/bash
# 500 concurrent connections through FullNAT; after they close and time
# out, the connection table and the local ports are empty again.
#
#  c1 --- rt --- lb1 (4 LIPs) --- rsr --- rs1, rs2, rs3 (nginx :8080)
#
# @timeout: 400
. /fnat/lib.sh

fullnat_web 1 3 wlc
lb lb1 config set timeout time_wait 3 timeout close 3 timeout fin_wait 5 \
	timeout last_ack 5 timeout close_wait 5

bg c1 hold tcp_hold -n 500 -t 60000 -w /tmp/release "$VIP" 80
wait_for 120 "500 connections" grep -q '^connected=' "$FNAT_LOG/hold.log"
cat "$FNAT_LOG/hold.log"
assert_match "$(head -1 "$FNAT_LOG/hold.log")" "^connected=500 failed=0" "500 connected at once"
assert_eq "$(conns lb1)" 500 "connections in the table"
inuse=$(lbctl -n lb1 -j laddr | jq '[.[].ports_in_use] | add')
assert_eq "$inuse" 500 "local ports in use"
lb lb1 show
active=$(lbctl -n lb1 -j show | jq '[.services[0].real_servers[].active] | add')
assert_eq "$active" 500 "all established"

touch /tmp/release
wait_for 120 "the replies" grep -q '^replies=' "$FNAT_LOG/hold.log"
cat "$FNAT_LOG/hold.log"
assert_match "$(tail -1 "$FNAT_LOG/hold.log")" "^replies=500 " "every connection got its reply"

log "closing and timing out"
wait_for 60 "an empty connection table" drained lb1
inuse=$(lbctl -n lb1 -j laddr | jq '[.[].ports_in_use] | add')
assert_eq "$inuse" 0 "local ports in use after timeout"
assert_eq "$(slab_objects fnat_conn)" 0 "connection objects left in the slab"
