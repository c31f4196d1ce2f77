#!/bin/bash
# Local port exhaustion: one LIP with a 16-port range and one real server
# take 16 connections; the 17th is refused (its SYN dropped, counted), and
# connections work again once the tuples are released.
#
#  c1 --- rt --- lb1 (LIP 198.18.11.1, ports 2000-2015) --- rsr --- rs1
#
# @timeout: 300
. /fnat/lib.sh

topo_base 1 1
module_load fullnat
lb lb1 laddr add 198.18.11.1
lb lb1 config set port_range 2000-2015 timeout time_wait 2 timeout close 2 \
	timeout fin_wait 3 timeout last_ack 3 timeout close_wait 3
lb lb1 service add tcp "$VIP:80" scheduler rr
lb lb1 rs add tcp "$VIP:80" "$RS_NET.11:8080"
http_server rs1 rs1 0.0.0.0 8080

bg c1 hold16 tcp_hold -n 16 -t 20000 -w /tmp/release "$VIP" 80
wait_for 60 "16 connections" grep -q '^connected=' "$FNAT_LOG/hold16.log"
assert_match "$(head -1 "$FNAT_LOG/hold16.log")" "^connected=16 failed=0" "16 connections fit"

set +e
out=$(on_quiet c1 tcp_hold -n 1 -t 3000 "$VIP" 80)
set -e
echo "$out"
assert_match "$out" "connected=0 failed=1" "the 17th is refused"
assert_ge "$(counter lb1 no_port)" 1 "no_port counts the refusal"
lb lb1 laddr
assert_ge "$(lbctl -n lb1 -j laddr | jq '.[0].exhausted')" 1 "the LIP counts its exhaustion"
assert_eq "$(lbctl -n lb1 -j laddr | jq '.[0].ports_in_use')" 16 "16 ports in use"

touch /tmp/release
wait_for 60 "the 16 replies" grep -q '^replies=16 ' "$FNAT_LOG/hold16.log"
wait_for 60 "released tuples" drained lb1

log "after release, connections succeed again"
out=$(on_quiet c1 tcp_hold -n 16 -t 20000 "$VIP" 80)
echo "$out"
assert_match "$out" "connected=16 failed=0" "16 connections again"

log "the connection table's bound: conn_max 20 with 16 open, 4 more fit, then no more"
lb lb1 config set port_range 1024-65535 conn_max 20
wait_for 60 "released tuples" drained lb1
bg c1 hold20 tcp_hold -n 20 -t 20000 -w /tmp/release3 "$VIP" 80
wait_for 60 "20 connections" grep -q '^connected=' "$FNAT_LOG/hold20.log"
assert_match "$(head -1 "$FNAT_LOG/hold20.log")" "^connected=20 failed=0" "20 connections within conn_max"
set +e
out=$(on_quiet c1 tcp_hold -n 1 -t 3000 "$VIP" 80)
set -e
assert_match "$out" "connected=0 failed=1" "the 21st is refused"
assert_ge "$(counter lb1 conn_limit)" 1 "conn_limit counts the refusal"
touch /tmp/release3
