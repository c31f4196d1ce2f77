#!/bin/bash
# NAT: a packet from a real server's service address and port (RIP:rport)
# that matches no connection is dropped and counted (nat_stray), not routed
# on untranslated: the client would learn the real server's address. The
# late answer of an expired UDP connection and a TCP segment forged from
# RIP:8080 are the cases. The director's own connections to a real server
# (a health check's answer comes from RIP:rport to the director) are left
# to the stack, and a server no longer configured is not dropped. Judged
# by tcpdump on the client's link (no RIP there) and by the counter.
#
#  c1 198.51.100.2 --- rt --- lb1 (VIP 203.0.113.10 :53/udp :80/tcp, forward nat)
#                               |
#                              rsr --- rs1 198.19.0.11 (:8053/udp, :8080/tcp)
#  (the real servers' route to the client network: rsr, then lb1)
#
# @timeout: 300
. /fnat/lib.sh

CIP=$CLIENT_NET.2
RIP=$RS_NET.11
topo_base 1 1
module_load fullnat

lb lb1 service add udp "$VIP:53" forward nat scheduler rr
lb lb1 rs add udp "$VIP:53" "$RIP:8053"
lb lb1 service add tcp "$VIP:80" forward nat scheduler rr
lb lb1 rs add tcp "$VIP:80" "$RIP:8080"
http_server rs1 rs1 0.0.0.0 8080
# Short enough to wait out, long enough for the answer below to come
# while the connection lives: scaled, as the steps between the query and
# the answer take seconds on a slower kernel (the debug kernel's guest).
lb lb1 config set timeout udp unreplied "$(scaled 2)" timeout udp "$(scaled 2)"

bg c1 cap-c tcpdump -i eth0 -n -l -U "udp or tcp"
wait_for 10 "tcpdump on c1" grep -q listening "$FNAT_LOG/cap-c.log"

# udp_send NS SRC_PORT DST DST_PORT TEXT: one datagram
udp_send() {
	echo "$5" | on "$1" socat -u - "UDP4-SENDTO:$3:$4,sourceport=$2"
}
nconns() { [[ $(conns lb1) == "$1" ]]; }
seen_c() { grep -c "$1" "$FNAT_LOG/cap-c.log" || true; }

log "a UDP connection and its answer, from VIP:53"
udp_send c1 40001 "$VIP" 53 query
wait_for 10 "the connection" nconns 1
udp_send rs1 8053 "$CIP" 40001 answer
wait_for 10 "the answer on c1's link" grep -q "IP $VIP\.53 > $CIP\.40001" "$FNAT_LOG/cap-c.log"

log "the connection expires; the server's late datagram does not reach the client"
wait_for 15 "the UDP connection to expire" nconns 0
strays=$(counter lb1 nat_stray)
udp_send rs1 8053 "$CIP" 40001 late
# Sent in order: the late datagram is on c1's link before this marker,
# which is to no service and routed as any packet is.
udp_send rs1 8054 "$CIP" 40002 marker
wait_for 10 "the marker on c1's link" grep -q "IP $RIP\.8054 > $CIP\.40002" "$FNAT_LOG/cap-c.log"
assert_eq "$(seen_c "IP $RIP\.8053 >")" 0 "packets from RIP:8053 on the client's link"
assert_eq "$(seen_c "IP $VIP\.53 > $CIP\.40001")" 1 "packets from VIP:53 (the answer only)"
assert_eq "$(counter lb1 nat_stray)" "$((strays + 1))" "nat_stray"

log "a TCP segment from RIP:8080 of no connection is dropped too"
on rs1 tcp_forge send -f A -n 1 "$RIP" 8080 "$CIP" 40003
udp_send rs1 8054 "$CIP" 40004 marker
wait_for 10 "the marker on c1's link" grep -q "IP $RIP\.8054 > $CIP\.40004" "$FNAT_LOG/cap-c.log"
assert_eq "$(seen_c "IP $RIP\.8080 >")" 0 "packets from RIP:8080 on the client's link"
assert_eq "$(counter lb1 nat_stray)" "$((strays + 2))" "nat_stray"

log "a request through the VIP still works"
assert_eq "$(http_get c1 "http://$VIP/")" rs1 "served by rs1"

log "the director's own connection to the real server (a health check)"
assert_eq "$(on_quiet lb1 curl -sS --fail --max-time 10 "http://$RIP:8080/")" rs1 \
	"lb1 reaches RIP:8080 itself"
assert_eq "$(counter lb1 nat_stray)" "$((strays + 2))" "nat_stray"

log "a server taken out of the service is no longer a NAT server"
lb lb1 rs del udp "$VIP:53" "$RIP:8053"
udp_send rs1 8053 "$CIP" 40005 plain
wait_for 10 "RIP:8053's datagram on c1's link" grep -q "IP $RIP\.8053 > $CIP\.40005" "$FNAT_LOG/cap-c.log"
assert_eq "$(counter lb1 nat_stray)" "$((strays + 2))" "nat_stray"
kill "${_bg_pids[-1]}"
