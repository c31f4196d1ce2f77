#!/bin/bash
# SYNs from sources no client can have (0/8, 127/8, multicast, 240/4,
# broadcast, the director's own LIP or VIP) create no connection and reach no
# real server; malformed TCP to the VIP is dropped and counted. Judged by
# tcpdump on the real server's link. The SYNs are put on lb1's link as
# frames (rt's routing would refuse such sources).
#
#  c1 --- rt =[frames from rt's port toward lb1]=> lb1 --- rsr --- rs1 :8080
#
# @timeout: 200
. /fnat/lib.sh

fullnat_web 1 1 rr
mac=$(on_quiet lb1 cat /sys/class/net/eth0/address)
bg rs1 cap-rs tcpdump -i eth0 -n -l 'tcp[tcpflags] & tcp-syn != 0 and dst port 8080'
wait_for 10 "tcpdump on rs1" grep -q listening "$FNAT_LOG/cap-rs.log"

log "SYNs from impossible sources"
martian_above() { (($(counter lb1 martian) > $1)); }
for src in 0.1.2.3 127.0.0.1 224.0.0.1 240.0.0.1 255.255.255.255 198.18.11.1; do
	before=$(counter lb1 martian)
	on rt tcp_forge send -i lb1 -m "$mac" -f S -n 3 -P 1 "$src" 40000 "$VIP" 80
	wait_for 10 "martian to count SYNs from $src" martian_above "$before"
done
log "SYNs from the VIP itself (judged by the real server's link below)"
before_vip=$(counter lb1 martian)
on rt tcp_forge send -i lb1 -m "$mac" -f S -n 3 -P 1 "$VIP" 40000 "$VIP" 80
log "a legitimate client, after them"
assert_eq "$(http_get c1 "http://$VIP/")" rs1 "a request from c1"
# Its SYN came after the others: once the capture shows it, it shows them.
peer=$(tail -n 1 "$FNAT_LOG/rs1.access" | tr : .)
echo "client seen by rs1 as $peer"
wait_for 10 "the client's SYN in the capture" grep -qF "$peer > " "$FNAT_LOG/cap-rs.log"
pkill tcpdump
wait_for 10 "tcpdump to stop" sh -c '! pgrep tcpdump'
cat "$FNAT_LOG/cap-rs.log"
assert_eq "$(grep -c 'Flags \[S\]' "$FNAT_LOG/cap-rs.log")" 1 "SYNs on the real server's link (the client's only)"
assert_eq "$(lbctl -n lb1 -j conn | jq '[.[] | select(.client.port == 40000)] | length')" 0 \
	"connections from impossible sources"
assert_ge "$(($(counter lb1 martian) - before_vip))" 3 "martian, SYNs from the VIP"

log "malformed TCP to the VIP: dropped, counted"
before=$(counter lb1 malformed)
# header lengths of 60 bytes in a 20-byte segment, and of 8 bytes
on c1 tcp_forge send -f S -n 3 -P 1 -H 15 "$CLIENT_NET.2" 40001 "$VIP" 80
on c1 tcp_forge send -f S -n 3 -P 1 -H 2 "$CLIENT_NET.2" 40002 "$VIP" 80
wait_for 10 "malformed to count them" sh -c "[ \$(lbctl -n lb1 stats | awk '\$1 == \"malformed\" { print \$2 }') -ge $((before + 6)) ]"
