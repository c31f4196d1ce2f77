#!/bin/bash
# TCP to a VIP or LIP of the director that matches no connection and no
# service (LIP:12345, VIP:22), and a ping or a UDP datagram to one, is
# dropped and counted (stray), not routed
# back out by the director's routes; a VIP that is also a local address
# of the director gets the host's RST for a closed port. Judged by
# tcpdump on lb1's outgoing links and by the client's result.
#
#  c1 --- rt ===== lb1 --- rsr --- rs1 :8080
#         routes the VIP and lb1's LIPs to lb1; lb1's default route is rt
#         (as a director's often is: stray packets would loop until TTL)
#
# @timeout: 200
. /fnat/lib.sh

fullnat_web 1 1 rr
LIP=$(lip_net 1).1
on lb1 "$IP" route add default via "$DIR_NET.1"
on rt "$IP" route add "$(lip_net 1).0/24" via "$DIR_NET.11"

filter="(tcp and (dst port 22 or dst port 12345)) or (icmp and dst host ($VIP or $LIP)) or (udp and dst port 5353)"
bg lb1 cap-out0 tcpdump -i eth0 -Q out -n -l "$filter"
bg lb1 cap-out1 tcpdump -i eth1 -Q out -n -l "$filter"
wait_for 10 "tcpdump on lb1 eth0" grep -q listening "$FNAT_LOG/cap-out0.log"
wait_for 10 "tcpdump on lb1 eth1" grep -q listening "$FNAT_LOG/cap-out1.log"

log "TCP to LIP:12345 and VIP:22 (no connection, no service; not local)"
before=$(counter lb1 stray)
on c1 tcp_forge send -f S -n 3 -P 1 "$CLIENT_NET.2" 41000 "$LIP" 12345
on c1 tcp_forge send -f A -n 3 -P 1 "$CLIENT_NET.2" 41001 "$LIP" 12345
on c1 tcp_forge send -f S -n 3 -P 1 "$CLIENT_NET.2" 41002 "$VIP" 22
log "a ping and a UDP datagram to the VIP and the LIP"
on c1 ping -c 1 -W 1 "$VIP" || true
on c1 ping -c 1 -W 1 "$LIP" || true
for a in "$VIP" "$LIP"; do
	on c1 bash -c "echo stray > /dev/udp/$a/5353"
done
# Sentinels that lb1 does route out of each link, sent after the strays:
# once a capture shows its sentinel, it has seen whatever came before.
on c1 tcp_forge send -f S -n 1 -P 1 "$CLIENT_NET.2" 41999 "$RS_NET.11" 22
on rs1 tcp_forge send -f S -n 1 -P 1 "$RS_NET.11" 41998 "$CLIENT_NET.2" 22
wait_for 20 "the sentinel on lb1 eth1" grep -q "$RS_NET.11.22:" "$FNAT_LOG/cap-out1.log"
wait_for 20 "the sentinel on lb1 eth0" grep -q "$CLIENT_NET.2.22:" "$FNAT_LOG/cap-out0.log"
head -n 12 "$FNAT_LOG/cap-out0.log" "$FNAT_LOG/cap-out1.log"
assert_eq "$(cat "$FNAT_LOG/cap-out0.log" "$FNAT_LOG/cap-out1.log" |
	grep -cE "> ($LIP\.12345|$VIP\.22|$LIP\.5353|$VIP\.5353|$LIP|$VIP): ")" 0 \
	"stray packets leaving lb1"
after=$(counter lb1 stray)
assert_ge "$((after - before))" 13 "stray counted"

log "the service itself still works"
assert_eq "$(http_get c1 "http://$VIP/")" rs1 "a request from c1"

log "a VIP that is a local address: the host answers a closed port"
on lb1 "$IP" addr add "$VIP/32" dev lo
before=$(counter lb1 stray)
rc=0
on_quiet c1 curl -sS --max-time 30 "http://$VIP:22/" || rc=$?
assert_eq "$rc" 7 "curl to the local VIP's port 22 (7: connection refused)"
on c1 ping -c 1 -W 10 "$VIP" || fail "no echo reply from the local VIP"
assert_eq "$(counter lb1 stray)" "$before" "stray, for a local VIP"
assert_eq "$(http_get c1 "http://$VIP/")" rs1 "a request from c1 to the service"
