#!/bin/bash
# TOA on the wire: the third-handshake ACK that reaches the real server
# carries option 254/8 with the client's address and port, and the SYN-ACK
# that reaches the client announces an MSS lowered by 8.
#
#  c1 198.51.100.2 --- rt --- lb1 --- rsr --- rs1 198.19.0.11:8080
#  (capture on c1's eth0 and on rs1's eth0; no toa.ko on rs1)
#
# @timeout: 240
. /fnat/lib.sh

fullnat_web 1 1 rr
bg rs1 cap-rs tcpdump -i eth0 -n -U --immediate-mode -w /tmp/rs.pcap tcp port 8080
bg c1 cap-c tcpdump -i eth0 -n -U --immediate-mode -w /tmp/c.pcap tcp port 80
wait_for 10 "tcpdump on rs1" grep -q listening "$FNAT_LOG/cap-rs.log"
wait_for 10 "tcpdump on c1" grep -q listening "$FNAT_LOG/cap-c.log"

body=$(on_quiet c1 curl -sS --max-time 10 --local-port 40123 "http://$VIP/")
assert_eq "$body" rs1 "request through the director"
# tcpdump hands packets to its file a buffer at a time: stopping it at once
# can lose the last ones. Wait until the captures show the end of the
# connection both sides (after every packet asserted below: the handshake).
captured() { # captured FILE FILTER: a packet matching FILTER in FILE
	tcpdump -r "$1" -n "$2" 2>/dev/null | grep -q .
}
wait_for 10 "the real server's FIN in rs1's capture" \
	captured /tmp/rs.pcap 'tcp[tcpflags] & tcp-fin != 0 and src port 8080'
wait_for 10 "the client's FIN in c1's capture" \
	captured /tmp/c.pcap 'tcp[tcpflags] & tcp-fin != 0 and dst port 80'
wait_for 10 "the director's FIN in c1's capture" \
	captured /tmp/c.pcap 'tcp[tcpflags] & tcp-fin != 0 and src port 80'
pkill tcpdump
wait_for 10 "tcpdump to end" sh -c '! pgrep -x tcpdump'

log "what the real server received"
rs=$(tcpdump -r /tmp/rs.pcap -n -v 2>/dev/null)
head -20 <<< "$rs"
peer=$(tail -1 "$FNAT_LOG/rs1.access")
assert_match "$peer" "^198\.18\.11\.[1-4]:[0-9]+$" "without toa.ko the real server sees a LIP"

# The third ACK: first packet from the client side with only the ACK flag.
ack=$(tcpdump -r /tmp/rs.pcap -n -x 'tcp[tcpflags] == tcp-ack and dst port 8080' 2>/dev/null |
	awk '/^[0-9]/ { if (n++) exit } !/^[0-9]/ { for (i = 2; i <= NF; i++) printf "%s", $i }')
echo "third ACK, hex: $ack"
# 254 (0xfe), 8, port 40123 (0x9cbb), 198.51.100.2 (c6 33 64 02)
assert_match "$ack" "fe089cbbc6336402" "TOA 254/8 with the client's port and address"

log "what the client received"
synack=$(tcpdump -r /tmp/c.pcap -n -v 'tcp[tcpflags] & (tcp-syn|tcp-ack) == (tcp-syn|tcp-ack)' 2>/dev/null)
echo "$synack"
rsmss=$(tcpdump -r /tmp/rs.pcap -n -v 'tcp[tcpflags] & (tcp-syn|tcp-ack) == (tcp-syn|tcp-ack)' 2>/dev/null |
	grep -o 'mss [0-9]*' | head -1 | cut -d' ' -f2)
cmss=$(grep -o 'mss [0-9]*' <<< "$synack" | head -1 | cut -d' ' -f2)
assert_eq "$cmss" "$((rsmss - 8))" "the client's SYN-ACK MSS is the real server's less 8"
if tcpdump -r /tmp/c.pcap -n -x 2>/dev/null | tr -d ' \n' | grep -q fe08; then
	fail "TOA leaked to the client side"
fi
echo "ok: no TOA on the client side"

log "TOA switched off for the service: plain FullNAT"
lb lb1 service set tcp "$VIP:80" toa off
before=$(counter lb1 toa_inserted)
http_get c1 "http://$VIP/" >/dev/null
assert_eq "$(counter lb1 toa_inserted)" "$before" "no TOA with toa off"

log "no room for the option: the third ACK already has 40 bytes of options"
lb lb1 service set tcp "$VIP:80" toa on
on c1 iptables -A OUTPUT -p tcp --tcp-flags RST RST -m mark ! --mark 0x70a -j DROP
before=$(counter lb1 toa_no_room)
# a timestamp and an unknown 30-byte option: not a byte to spare
on c1 tcp_forge conn -q -a 1 -A "080a00000001000000001e1e$(printf '00%.0s' {1..28})" \
	"$CLIENT_NET.2" "$VIP" 80
assert_ge "$(counter lb1 toa_no_room)" "$((before + 1))" "toa_no_room counts the skipped option"

log "40 bytes of options, 30 of them NOPs: the option takes their place"
before=$(counter lb1 toa_inserted)
nr=$(counter lb1 toa_no_room)
on c1 toa_client -q -m full -a 1 "$CLIENT_NET.2" "$VIP" 80
assert_ge "$(counter lb1 toa_inserted)" "$((before + 1))" "TOA written over NOPs"
assert_eq "$(counter lb1 toa_no_room)" "$nr" "no toa_no_room"
