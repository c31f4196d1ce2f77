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
slab_empty fnat_conn "connection objects left in the slab"

log "a client port reused while its last connection is closing"
# nginx closes first, so the client's port is free again at once while
# the director still holds the closed connection (TIME_WAIT, 3 s): the
# new SYN takes its client side, the old one stays by its real-server
# side only, and must still be listed and expire.
for i in 1 2; do
	on_quiet c1 curl -sS --fail --max-time 10 --local-port 40000 "http://$VIP/" > /dev/null
done
assert_ge "$(counter lb1 conn_reused)" 1 "SYNs that reused a closing connection's client side"
assert_eq "$(conns lb1)" 2 "connections listed: the new one and the detached one"
wait_for 60 "the detached connection to expire" drained lb1
slab_empty fnat_conn "connection objects left after the reuse"
