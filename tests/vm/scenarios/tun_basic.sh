#!/bin/bash
# TUN (IP-in-IP): the director sends the client's packets unchanged inside
# IPIP to real servers behind another router; they answer the client
# directly, from the VIP. Judged by the servers' nginx (bodies, access
# logs, an upload's checksum) and by tcpdump outside the director (IPIP on
# the wire) and on it (no reply crosses it), and on the client (the
# tunnel's MTU it is told). The same over IPv6 at the end: ip6ip6 to
# the real servers' ip6tnl0, topo_v6's addresses; and a UDP echo
# (udp_echo) of 8000 bytes, sent in fragments of 1500 (lb1's Packet Too
# Big, 1460, then whole), and one of 65500 bytes, dropped (its outer
# packet would pass IPv6's payload length).
#
#  c1 198.51.100.2 --- rt --- lb1 (VIP 203.0.113.10:80, forward tun)
#                      |       | IPIP 198.18.2.11 -> 198.19.0.1x
#                      |      rsr --- rs1 198.19.0.11  VIP on tunl0,
#                      |       |  --- rs2 198.19.0.12  nginx on VIP:80
#                      |       |  --- rs3 198.19.0.13
#                      +-------+ 198.18.3.0/24: rsr routes the clients
#                                this way, not through lb1
#
# @timeout: 400
. /fnat/lib.sh

module_load ipip
module_load ip6_tunnel
topo_v6 3
link rsr rt0 198.18.3.1/24 rt rsr 198.18.3.2/24
on rsr "$IP" route replace "$CLIENT_NET.0/24" via 198.18.3.2
on rsr "$IP" addr add 2001:db8:3::1/64 dev rt0 nodad
on rt "$IP" addr add 2001:db8:3::2/64 dev rsr nodad
on rsr "$IP" -6 route add "$CLIENT6::/64" via 2001:db8:3::2

log "real servers: the VIP on tunl0, rp_filter relaxed, nginx on VIP:80"
for i in 1 2 3; do
	on "rs$i" "$IP" link set tunl0 up
	on "rs$i" "$IP" addr add "$VIP/32" dev tunl0
	on "rs$i" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.tunl0.rp_filter=0
	http_server "rs$i" "rs$i" "$VIP" 80
done

module_load fullnat
log "a TUN real server keeps the service's port"
lb lb1 service add tcp "$VIP:80" forward tun scheduler rr
set +e
out=$(lbctl -n lb1 rs add tcp "$VIP:80" "$RS_NET.11:8080" 2>&1); rc=$?
set -e
echo "$out"
assert_eq "$rc" 1 "a port-mapped TUN real server: refused"
assert_match "$out" "dr and tun do not map ports" "the kernel's reason"
for i in 1 2 3; do
	lb lb1 rs add tcp "$VIP:80" "$RS_NET.1$i:80"
done
lb lb1 show

# GSO in software on lb1's way out (veth would carry a GSO packet whole):
# the wire then shows every segment's outer ID
on lb1 ethtool -K eth1 tx-ipxip4-segmentation off
bg rsr cap-ipip tcpdump -i lb1 -n -U -w /tmp/ipip.pcap -s 128 ip proto 4
bg lb1 cap-lb tcpdump -i any -n -U -w /tmp/lb.pcap -s 96 tcp port 80
bg c1 cap-c1 tcpdump -i eth0 -n -U -w /tmp/c1.pcap icmp
for c in ipip lb c1; do
	wait_for 10 "tcpdump ($c)" grep -q listening "$FNAT_LOG/cap-$c.log"
done

log "30 requests, round robin: 10 per real server"
out=$(requests c1 "http://$VIP/" 30)
for i in 1 2 3; do
	assert_eq "$(grep -cx "rs$i" <<< "$out")" 10 "rs$i's share"
done
log "the real servers' own logs: 10 requests each, from the client's own address"
for i in 1 2 3; do
	assert_eq "$(grep -c . "$FNAT_LOG/rs$i.access")" 10 "requests in rs$i's access log"
done
peers=$(cut -d: -f1 "$FNAT_LOG"/rs*.access | sort -u)
assert_eq "$peers" "$CLIENT_NET.2" "the peer every real server logged"

log "a 5 MB upload with DF: the client learns the tunnel's MTU, 1480"
on c1 "$IP" route get "$VIP"
dd if=/dev/urandom of=/tmp/up bs=1M count=5 status=none
want=$(sha256sum < /tmp/up | cut -d' ' -f1)
on c1 curl -sS --fail --max-time "$(scaled 120)" -T /tmp/up "http://$VIP/up/big"
got=$(cat "$FNAT_LOG"/nginx-rs*/www/up/big | sha256sum | cut -d' ' -f1)
ls -l "$FNAT_LOG"/nginx-rs*/www/up/
assert_eq "$got" "$want" "the upload's checksum on the real server"
route=$(on c1 "$IP" route get "$VIP")
echo "$route"
assert_match "$route" "mtu 1480" "the client's route to the VIP"
assert_ge "$(counter lb1 frag_needed)" 1 "frag_needed counted"

log "without DF (the client's ip_no_pmtu_disc): fragmented after encapsulation"
on c1 sysctl -qw net.ipv4.ip_no_pmtu_disc=1
on c1 "$IP" route flush cache
route=$(on_quiet c1 "$IP" route get "$VIP")
[[ $route != *mtu* ]] || fail "the learnt MTU outlived the flush: $route"
told=$(counter lb1 frag_needed)
on c1 curl -sS --fail --max-time "$(scaled 120)" -T /tmp/up "http://$VIP/up/nodf"
got=$(cat "$FNAT_LOG"/nginx-rs*/www/up/nodf | sha256sum | cut -d' ' -f1)
assert_eq "$got" "$want" "the second upload's checksum on the real server"
assert_eq "$(counter lb1 frag_needed)" "$told" "frag_needed, without DF"

pkill tcpdump
wait_for 10 "tcpdump to stop" sh -c '! pgrep tcpdump'

log "on the wire to the servers: IPIP from lb1 carrying client -> VIP:80"
ipip=$(tcpdump -r /tmp/ipip.pcap -n 2>/dev/null)
head -n 3 <<< "$ipip"
inner=$(grep -cE "IP $UP_NET\.11 > $RS_NET\.1[123]: IP $CLIENT_NET\.2\.[0-9]+ > $VIP\.80: " <<< "$ipip" || true)
assert_ge "$inner" 150 "IPIP packets carrying the client's to VIP:80"
# an outer packet's first fragment holds a truncated inner packet, the
# next ones no inner header
frags=$(grep -cE "IP $UP_NET\.11 > $RS_NET\.1[123]: ip-proto-4" <<< "$ipip" || true)
assert_ge "$frags" 100 "IPIP fragments (the upload without DF)"
others=$(grep -vE "IP $UP_NET\.11 > $RS_NET\.1[123]: (IP (truncated-ip - [0-9]+ bytes missing! )?$CLIENT_NET\.2\.[0-9]+ > $VIP\.80: |ip-proto-4)" <<< "$ipip" || true)
head -n 3 <<< "$others"
assert_eq "$(grep -c . <<< "$others" || true)" 0 "other IPIP packets"

log "outer IDs: each packet with DF its own, GSO segments too"
# "SERVER: ID" (IDs count per destination): the outer header's ID on its
# first line, its addresses at the start of the next
ids=$(tcpdump -r /tmp/ipip.pcap -nv 'ip[6] & 0x40 != 0' 2>/dev/null | awk '
	/^[0-9]/ { id = ""; if (match($0, /, id [0-9]+,/))
			id = substr($0, RSTART + 5, RLENGTH - 6); next }
	id != "" && $2 == ">" { print $3, id; id = "" }')
head -n 2 <<< "$ids"
assert_ge "$(grep -c . <<< "$ids")" 3000 "outer headers with DF read"
dups=$(sort <<< "$ids" | uniq -d)
head -n 3 <<< "$dups"
assert_eq "$(grep -c . <<< "$dups" || true)" 0 "outer IDs used twice"

log "on the director: the clients' packets, and no reply"
lbw=$(tcpdump -r /tmp/lb.pcap -n 2>/dev/null)
assert_ge "$(grep -c "> $VIP\.80: " <<< "$lbw" || true)" 150 "client packets to VIP:80 seen on lb1"
assert_eq "$(grep -c "IP $VIP\.80 > " <<< "$lbw" || true)" 0 "packets from VIP:80 seen on lb1"
# GRO (or the client's TSO) hands the hook packets bigger than the MTU
big=$(tcpdump -r /tmp/lb.pcap -n 'greater 1600' 2>/dev/null | grep -c . || true)
assert_ge "$big" 1 "GSO packets of the upload on lb1"

log "the client was told by lb1"
icmp=$(tcpdump -r /tmp/c1.pcap -n 2>/dev/null)
echo "$icmp"
assert_match "$icmp" "$VIP unreachable - need to frag \(mtu 1480\)" "frag-needed on the client's wire"

log "a download through a 1280-byte client path: rt's frag-needed to the VIP reaches the real server"
for i in 1 2 3; do
	mkdir -p "$FNAT_LOG/nginx-rs$i/www/data"
	cp /tmp/up "$FNAT_LOG/nginx-rs$i/www/data/blob"
done
on rt "$IP" route change "$CLIENT_NET.0/24" dev c1 mtu 1280
xlated=$(counter lb1 icmp_xlated)
got=$(on_quiet c1 curl -sS --fail --max-time "$(scaled 60)" "http://$VIP/data/blob" |
	sha256sum | cut -d' ' -f1)
assert_eq "$got" "$want" "the download's checksum on the client"
assert_ge "$(counter lb1 icmp_xlated)" "$((xlated + 1))" "errors relayed by lb1"
learnt=0
for i in 1 2 3; do
	route=$(on_quiet "rs$i" "$IP" route get "$CLIENT_NET.2")
	echo "rs$i: $route"
	[[ $route != *"mtu 1280"* ]] || learnt=$((learnt + 1))
done
assert_eq "$learnt" 1 "real servers that learnt the client's path MTU"
on rt "$IP" route change "$CLIENT_NET.0/24" dev c1

log "a 1400-byte path from rsr to the servers: rsr's frag-needed about the tunnel's packets"
# lb1 has no tunnel device up (nor needs one): its stack would drop the
# error, and the upload stall
on c1 sysctl -qw net.ipv4.ip_no_pmtu_disc=0
on c1 "$IP" route flush cache
on rsr "$IP" route change "$RS_NET.0/24" dev brrs mtu 1400
xlated=$(counter lb1 icmp_xlated)
on c1 curl -sS --fail --max-time "$(scaled 60)" -T /tmp/up "http://$VIP/up/small"
got=$(cat "$FNAT_LOG"/nginx-rs*/www/up/small | sha256sum | cut -d' ' -f1)
assert_eq "$got" "$want" "the upload's checksum on the real server"
route=$(on c1 "$IP" route get "$VIP")
echo "$route"
assert_match "$route" "mtu 1380" "the client's route to the VIP: 1400 less the tunnel"
assert_ge "$(counter lb1 icmp_xlated)" "$((xlated + 1))" "errors about the tunnel believed by lb1"
on rsr "$IP" route change "$RS_NET.0/24" dev brrs

log "made-up errors about the tunnel's packets leave lb1's path MTU toward the server alone"
# Three errors that would each lower it below what the last one, a sound
# one, says (1300): lb1's route shows the lowest it believed. Held
# without payload, the connection keeps the SYN_RECV timeout: make that
# outlast the slowest run of the step.
lb lb1 config set timeout tcp syn_recv 300
on lb1 "$IP" route flush cache
bg c1 cap-syn2 tcpdump -i eth0 -n -l -S 'tcp[tcpflags] == tcp-syn and dst port 80'
wait_for 10 "tcpdump (syn2)" grep -q listening "$FNAT_LOG/cap-syn2.log"
rm -f /tmp/go2
bg c1 hold2 timeout "$(scaled 120)" tcp_hold -n 1 -w /tmp/go2 "$VIP" 80
wait_for 20 "the held connection's SYN" grep -q 'Flags \[S\]' "$FNAT_LOG/cap-syn2.log"
line=$(grep -m 1 'Flags \[S\]' "$FNAT_LOG/cap-syn2.log")
echo "$line"
cport2=$(sed -E 's/.* IP [0-9.]+\.([0-9]+) > .*/\1/' <<< "$line")
isn=$(sed -E 's/.* seq ([0-9]+),.*/\1/' <<< "$line")
rip_of() {
	rip=$(lbctl -n lb1 -j conn |
	      jq -er ".[] | select(.client.port == $cport2 and .state == \"established\") | .real.address")
}
wait_for 20 "the held connection on lb1" rip_of
# tforge NS SRC DST MTU SEQ: "fragmentation needed" about lb1's IPIP packet
# to the server, carrying the held connection's segment SEQ
tforge() {
	on "$1" env ICMP_FORGE_TUNNEL="$UP_NET.11,$rip" icmp_forge "$2" "$3" "$4" \
		"$CLIENT_NET.2" "$cport2" "$VIP" 80 "$5"
}
seq=$(((isn + 1) & 0xffffffff))
dropped=$(counter lb1 icmp_dropped)
log "out of the client's window; below 552; sent to the VIP, not to the tunnel's source"
tforge rsr "$UP_NET.1" "$UP_NET.11" 1200 $(((isn + 0x40000000) & 0xffffffff))
tforge rsr "$UP_NET.1" "$UP_NET.11" 500 "$seq"
tforge c1 "$CLIENT_NET.2" "$VIP" 1100 "$seq"
log "then the sound one"
tforge rsr "$UP_NET.1" "$UP_NET.11" 1300 "$seq"
pmtu() { on_quiet lb1 "$IP" route get "$rip" | grep -q ' mtu '; }
wait_for 10 "a path MTU on lb1's route to $rip" pmtu
route=$(on lb1 "$IP" route get "$rip")
echo "$route"
assert_match "$route" " mtu 1300" "lb1's route to the real server: the sound error's MTU"
assert_ge "$(($(counter lb1 icmp_dropped) - dropped))" 3 "icmp_dropped (the three)"
touch /tmp/go2
wait_for 20 "the held connection's end" grep -q '^replies=' "$FNAT_LOG/hold2.log"
lb lb1 config set timeout tcp syn_recv 30
on lb1 "$IP" route flush cache

log "the outer source: the route's preferred one (ip route ... src), not the device's first"
on lb1 "$IP" addr add "$UP_NET.21/24" dev eth1
on lb1 "$IP" route change "$RS_NET.0/24" via "$UP_NET.1" src "$UP_NET.21"
bg rsr cap-src tcpdump -i lb1 -n -l ip proto 4
wait_for 10 "tcpdump (src)" grep -q listening "$FNAT_LOG/cap-src.log"
out=$(requests c1 "http://$VIP/" 3)
assert_eq "$(grep -c '^rs[123]$' <<< "$out")" 3 "answers"
from_src() { [[ $(grep -c "IP $UP_NET\.21 > " "$FNAT_LOG/cap-src.log") -ge 9 ]]; }
wait_for 10 "the requests' IPIP packets from $UP_NET.21" from_src
assert_eq "$(grep -c "IP $UP_NET\.11 > " "$FNAT_LOG/cap-src.log" || true)" 0 \
	"IPIP packets from the device's first address"
on lb1 "$IP" route change "$RS_NET.0/24" via "$UP_NET.1"
on lb1 "$IP" addr del "$UP_NET.21/24" dev eth1

log "one-sided state: ESTABLISHED while held, FIN_WAIT after the client's FIN, expired (no reply side to unhash)"
lb lb1 config set timeout tcp fin_wait 4
state() { lbctl -n lb1 -j conn | jq -r "[.[] | select(.client.port == $1)][0].state"; }
rm -f /tmp/go
bg c1 hold timeout "$(scaled 120)" tcp_hold -n 1 -w /tmp/go "$VIP" 80
held() {
	cport=$(on_quiet c1 ss -Htn state established "dst $VIP:80" |
		awk '{ n = split($3, a, ":"); print a[n] }')
	[[ -n $cport ]]
}
wait_for 20 "the held connection on c1" held
established() { [[ $(state "$cport") == established ]]; }
wait_for 20 "the held connection ESTABLISHED on lb1" established
lbctl -n lb1 -j conn | jq -Mc "[.[] | select(.client.port == $cport)]"
touch /tmp/go
wait_for 60 "tcp_hold's reply" grep -q '^replies=' "$FNAT_LOG/hold.log"
assert_match "$(tail -1 "$FNAT_LOG/hold.log")" "^replies=1 " "the held connection got its reply"
fin_wait() { [[ $(state "$cport") == fin_wait ]]; }
wait_for 20 "FIN_WAIT after the client's FIN" fin_wait
gone() { [[ $(state "$cport") == null ]]; }
wait_for 30 "the connection to expire (fin_wait timeout 4 s)" gone
echo "ok: expired"

log "TUN over IPv6: ip6ip6 to the real servers' ip6tnl0, the VIP on lo"
t6=$SECONDS
for i in 1 2 3; do
	# ip6tnl0 (any local, any remote) decapsulates what comes to us
	on "rs$i" "$IP" link set ip6tnl0 up
	on "rs$i" "$IP" addr add "$VIP6/128" dev lo nodad
	vip6_server "rs$i" "rs${i}v6"
done
lb lb1 service add tcp "[$VIP6]:80" forward tun scheduler rr
for i in 1 2 3; do
	lb lb1 rs add tcp "[$VIP6]:80" "[$RS6::1$i]:80"
done
bg rsr cap-ip6ip6 tcpdump -i lb1 -n -U -w /tmp/ip6ip6.pcap -s 200 ip6 proto 41
bg c1 cap-c6 tcpdump -i eth0 -n -l icmp6 and 'ip6[40] == 2'
for c in ip6ip6 c6; do
	wait_for 10 "tcpdump ($c)" grep -q listening "$FNAT_LOG/cap-$c.log"
done

log "30 requests with curl -6, round robin: 10 per real server, from the IPv6 client"
rr_shares6 30 3

log "a 5 MB upload: the client learns the tunnel's MTU, 1500 - 40"
on c1 curl -6 -g -sS --fail --max-time "$(scaled 120)" -T /tmp/up "http://[$VIP6]/up/big6"
got=$(cat "$FNAT_LOG"/nginx-rs[123]v6/www/up/big6 | sha256sum | cut -d' ' -f1)
assert_eq "$got" "$want" "the upload's checksum on the real server"
assert_match "$(on c1 "$IP" -6 route get "$VIP6")" "mtu 1460" "the client's route to the VIP"
wait_for 10 "lb1's Packet Too Big on c1's wire" grep -q 'packet too big, mtu 1460' "$FNAT_LOG/cap-c6.log"

log "a download through a 1280-byte client link: rt's Packet Too Big to the VIP reaches the real server"
ptb_relayed6 /tmp/up

log "a 1400-byte path from rsr to the servers: rsr's Packet Too Big about the tunnel's packets"
# locked: IPv6 forwarding follows the device's MTU, a route's only if
# locked; and a route of its own, ahead of the prefix's (metric 256):
# "replace" would add a second one behind it, at the default metric,
# that nothing uses (the upload went through whole, nobody told)
on rsr "$IP" -6 route add "$RS6::/64" dev brrs metric 1 mtu lock 1400
assert_match "$(on_quiet rsr "$IP" -6 route get "$RS6::11")" "mtu lock 1400" "rsr's route to the servers"
# The server that learnt the client's 1280 above would announce an MSS for
# it (IPv6's advmss follows the path MTU): no packet would need telling
for i in 1 2 3; do
	on "rs$i" "$IP" -6 route flush cache
done
xlated=$(counter lb1 icmp_xlated)
on c1 curl -6 -g -sS --fail --max-time "$(scaled 60)" -T /tmp/up "http://[$VIP6]/up/small6"
got=$(cat "$FNAT_LOG"/nginx-rs[123]v6/www/up/small6 | sha256sum | cut -d' ' -f1)
assert_eq "$got" "$want" "the upload's checksum on the real server"
# What lb1 learnt: the path MTU toward the server that took the upload
for i in 1 2 3; do
	echo "lb1 to rs$i: $(on_quiet lb1 "$IP" -6 route get "$RS6::1$i")"
done
assert_match "$(on c1 "$IP" -6 route get "$VIP6")" "mtu 1360" \
	"the client's route to the VIP: 1400 less the tunnel"
assert_ge "$(counter lb1 icmp_xlated)" "$((xlated + 1))" "errors about the tunnel believed by lb1"
on rsr "$IP" -6 route del "$RS6::/64" dev brrs metric 1

pkill -x tcpdump
wait_for 10 "tcpdump to stop" sh -c '! pgrep -x tcpdump'
log "on the wire to the servers: ip6ip6 from lb1 carrying client -> [VIP6]:80, GSO kept"
w=$(tcpdump -r /tmp/ip6ip6.pcap -n 2>/dev/null)
head -n 3 <<< "$w"
inner=$(grep -cE "IP6 $UP6::11 > $RS6::1[123]: IP6 $CLIENT6::2\.[0-9]+ > $VIP6\.80: " <<< "$w" || true)
assert_ge "$inner" 150 "ip6ip6 packets carrying the client's to [VIP6]:80"
# and rt's Packet Too Big about a reply, relayed
others=$(grep -vE "IP6 $UP6::11 > $RS6::1[123]: (IP6 $CLIENT6::2\.[0-9]+ > $VIP6\.80: |IP6 [0-9a-f:]+ > $VIP6: ICMP6, packet too big|frag )" <<< "$w" || true)
head -n 3 <<< "$others"
assert_eq "$(grep -c . <<< "$others" || true)" 0 "other packets from lb1 to the servers"
# veth takes the tunnel's GSO packets whole: bigger than the MTU on the wire
assert_ge "$(tcpdump -r /tmp/ip6ip6.pcap -n 'greater 1600' 2>/dev/null | grep -c . || true)" 1 \
	"ip6ip6 GSO packets from lb1"
echo "IPv6 part: $((SECONDS - t6)) s"

log "TUN6, UDP echo: 8000 bytes in fragments of 1500 from the client: lb1's Packet Too Big with the tunnel's MTU (1460), then whole"
echo_service rs1 tun6 tun "[$VIP6]" "[$RS6::11]:7" "$VIP6" 7
capture c1 e6-c1 -i eth0 "icmp6 and ip6[40] == 2"
cap_pids=("$cap")
capture rsr e6-w -i lb1 -s 120 "ip6 and src $UP6::11"
cap_pids+=("$cap")
head -c 8000 /dev/urandom > "$FNAT_LOG/d8000"
# IPv6 65548: over the 65535 bytes of the outer header's payload length
head -c 65500 /dev/urandom > "$FNAT_LOG/d65500"
# forget the tunnel's MTU learnt above (c1), and rsr's 1400 (lb1)
on c1 "$IP" -6 route flush cache
on lb1 "$IP" -6 route flush cache
told=$(counter lb1 frag_needed)
echo_whole "TUN6, 8000 bytes" "$FNAT_LOG/d8000" "$VIP6" 7 40200 -t 2 -w 5
assert_match "$(cat "$FNAT_LOG/echo-40200.err")" "try 1: error: Message too long \(path MTU 1460\)" \
	"the client's socket, told by lb1"
assert_eq "$(echo_got tun6 "got 8000 from [$CLIENT6::2]:40200")" 1 \
	"the datagram in rs1's log (once: the first try stopped at lb1)"
assert_eq "$(counter lb1 frag_needed)" "$((told + 1))" "frag_needed"

log "TUN6: an error from a link-local address about rs1's answer reaches rs1 from the tunnel's source"
# rt's fe80::1 on lb1's link: valid there only (ip6_forward() would not
# pass it on). A port unreachable about the echo's answer, VIP6:7 -> the
# client's 40200; lb1 relays it inside ip6ip6 (e6-w captures that).
on rt "$IP" addr add fe80::1/64 dev br0 nodad
xlated=$(counter lb1 icmp_xlated)
on rt icmp_forge fe80::1%br0 "$VIP6" 0 "$VIP6" 7 "$CLIENT6::2" 40200 $((100 << 16)) udp
relayed() {
	tcpdump -r "$FNAT_LOG/e6-w.pcap" -n 2>/dev/null |
		grep -E "> $RS6::11: IP6 [0-9a-f:]+ > $VIP6: ICMP6, destination unreachable"
}
wait_for 10 "the relayed error in rsr's capture" relayed
relayed
assert_eq "$(relayed | sed -E 's/.*: IP6 ([0-9a-f:]+) > .*/\1/' | sort -u)" "$UP6::11" \
	"the relayed error's source (the tunnel's, not rt's fe80::1)"
assert_eq "$(counter lb1 icmp_xlated)" "$((xlated + 1))" "icmp_xlated"

lb lb1 show --stats
assert_eq "$(counter lb1 xmit_err)" 0 "no transmit errors"
assert_eq "$(counter lb1 no_route)" 0 "no routing failures"

log "TUN6: 65500 bytes, whose outer packet would pass IPv6's payload limit: dropped, not sent"
on c1 udp_echo client -n -p 40201 "$VIP6" 7 < "$FNAT_LOG/d65500"
# dropped (counted), or sent: the tail of its fragments on the wire
fate() {
	[[ $(counter lb1 xmit_err) != 0 ]] ||
		tcpdump -r "$FNAT_LOG/e6-w.pcap" -n 2>/dev/null | grep -qE 'frag \([1-9][0-9]{4}'
}
wait_for 10 "the 65500-byte datagram dropped or sent" fate
kill "${cap_pids[@]}"
wait "${cap_pids[@]}" || true	# each has written its last packet
errs=$(icmp6_errors "$FNAT_LOG/e6-c1.pcap")
echo "$errs"
# lb1's address toward the client ($DIR6::11), as tcpdump writes it
assert_eq "$errs" "2001:db8::11 > $CLIENT6::2 2/0 1460 $CLIENT6::2.40200 > $VIP6.7" \
	"lb1's Packet Too Big on c1's link, about the client's datagram"
w=$(tcpdump -r "$FNAT_LOG/e6-w.pcap" -n 2>/dev/null)
assert_ge "$(grep -c "IP6 $UP6::11 > $RS6::11: frag" <<< "$w")" 6 \
	"ip6ip6 fragments to rs1 (the 8000-byte datagram)"
assert_eq "$(grep -cE 'frag \([1-9][0-9]{4}' <<< "$w" || true)" 0 \
	"ip6ip6 fragments past offset 10000 (the 65500-byte datagram's)"
assert_eq "$(counter lb1 xmit_err)" 1 "xmit_err: the datagram dropped"
assert_eq "$(echo_got tun6 "got 65500 from [$CLIENT6::2]:40201")" 0 "the datagram in rs1's log"

log "lb1's namespace deleted with fullnat.ko loaded and IPv6 routes cached, then the module unloaded: the kernel logs nothing"
# The harness unloads the module before it deletes the namespaces: here
# the namespace's exit frees the real servers' cached IPv6 routes, which
# live on its own dst_ops (netns.c). A use after free there is silent on
# a kernel without KASAN; run.sh checks the log for any warning besides.
"$IP" netns del lb1
lb1_gone() { ! on_quiet rsr "$IP" link show lb1; }
wait_for 30 "lb1's namespace torn down (its veth's peer on rsr gone)" lb1_gone
run rmmod fullnat
oops=$(dmesg | grep -E 'BUG|WARNING|Oops|general protection|refcount_t' || true)
echo "$oops"
assert_eq "$(grep -c . <<< "$oops" || true)" 0 "kernel warnings after the namespace and the module went"
