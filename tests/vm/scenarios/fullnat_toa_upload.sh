#!/bin/bash
# TOA is for the handshake: an upload to a server that never answers with
# data (every client packet acknowledges the server's ISN + 1) carries the
# option in its first packets only, not in every packet; and a big upload
# through GRO on the director arrives intact. Judged by tcpdump on the
# real server's link and the upload's checksum there.
#
#  c1 --- rt --- lb1 (GRO on eth0, eth1) --- rsr --- rs1
#                VIP:9000 -> socat :9000 (sha256sum of what it receives)
#
# @timeout: 400
. /fnat/lib.sh

fullnat_web 1 1 rr
lb lb1 service add tcp "$VIP:9000" scheduler rr
lb lb1 rs add tcp "$VIP:9000" "$RS_NET.11:9000"
for dev in eth0 eth1; do
	on lb1 ethtool -K "$dev" gro on
done
bg rs1 cap-rs tcpdump -i eth0 -n -U -w /tmp/rs.pcap -s 128 tcp dst port 9000
wait_for 10 "tcpdump on rs1" grep -q listening "$FNAT_LOG/cap-rs.log"
bg rs1 sink socat -u TCP-LISTEN:9000,reuseaddr "SYSTEM:sha256sum > $FNAT_LOG/upload.sum"
wait_for 20 "socat on rs1:9000" listening rs1 9000

log "20 MB upload"
dd if=/dev/urandom of=/tmp/up bs=1M count=20 status=none
want=$(sha256sum < /tmp/up | cut -d' ' -f1)
on c1 timeout "$(scaled 200)" socat -u /tmp/up "TCP:$VIP:9000"
wait_for 60 "the upload's checksum" test -s "$FNAT_LOG/upload.sum"
assert_eq "$(cut -d' ' -f1 < "$FNAT_LOG/upload.sum")" "$want" "upload checksum"

pkill tcpdump
wait_for 10 "tcpdump to stop" sh -c '! pgrep tcpdump'
wire=$(tcpdump -r /tmp/rs.pcap -n -v 2>/dev/null | grep 'Flags \[')
total=$(grep -c . <<< "$wire")
# TOA shows as "exp-" (kind 254 with the client's port as its ExID)
toa=$(grep -c 'exp-' <<< "$wire" || true)
awk '/exp-/ && n++ < 3' <<< "$wire"
echo "packets toward the real server: $total, with TOA: $toa"
assert_ge "$total" 100 "packets of the upload captured"
assert_ge "$toa" 1 "the handshake carried TOA"
((toa <= 16)) || fail "TOA in $toa of $total packets: only the first flight may carry it"
echo "ok: TOA in $toa of $total packets (the first flight)"
lb lb1 show --stats
assert_eq "$(counter lb1 xmit_err)" 0 "no transmit errors"

log "a GRO packet of 4-byte segments: no TOA (it would underflow), data intact"
# netem on rt's port toward lb1 releases packets in 100 ms slots, so that
# lb1's GRO merges them (gso_size 4); veth GROs only what comes from a
# device without TSO.
on rt tc qdisc add dev lb1 root netem slot 100ms 100ms
on rt ethtool -K lb1 tso off
on c1 iptables -A OUTPUT -p tcp --tcp-flags RST RST -m mark ! --mark 0x70a -j DROP
bg rs1 peer4 peer_server -4 9001
wait_for 10 "peer_server :9001" listening rs1 9001
lb lb1 service add tcp "$VIP:82" scheduler rr
lb lb1 rs add tcp "$VIP:82" "$RS_NET.11:9001"
before=$(counter lb1 toa_gso)
echo "+ [c1] tcp_forge conn -a 0 -B 40:4 -T 20 $CLIENT_NET.2 $VIP 82"
out=$(on_quiet c1 tcp_forge conn -a 0 -B 40:4 -T 20 "$CLIENT_NET.2" "$VIP" 82) ||
	fail "no reply after a burst of 4-byte segments"
echo "$out"
assert_match "$out" "^accept=" "the real server answered"
assert_ge "$(counter lb1 toa_gso)" "$((before + 1))" "toa_gso counts the merged packet"
