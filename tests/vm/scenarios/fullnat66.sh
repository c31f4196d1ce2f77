#!/bin/bash
# FullNAT66: an IPv6 VIP, IPv6 real servers and an IPv6 LIP pool. curl -6
# gets each server's body through the VIP; the real servers' side sees
# only LIP -> RIP; with toa.ko, nginx logs the IPv6 client on an IPv6-only
# and on a dual-stack listener (TOA 254/20 in the third ACK, the client's
# SYN-ACK MSS lowered by 20); a service mixing families is refused; dig -6
# gets each dnsmasq's answer (UDP), and a 3.6 kB one whole (fragments);
# the director decrements the hop limit, and answers hop limit 1 with its
# own Time Exceeded; 5 MB go each way across a 1280-byte link on either
# side (Packet Too Big: the routers' translated to the other side's
# addresses, the director's own for its own next hop, on the wire); an
# error from a link-local address is relayed from the director's (FullNAT:
# the LIP, NAT66: the VIP); a NAT server's error about no connection is
# dropped (IPv4 and IPv6), not routed on to show the client its address.
# FullNAT64 (the same IPv6 VIP, IPv4 real servers and LIPs), set up by
# lbctl apply of the director's export with it added: nginx logs an IPv4
# LIP on an IPv4-only listener (toa.ko counts the IPv6 TOA unmappable)
# and the IPv6 client on a dual-stack one; the servers' link carries only
# IPv4 LIP <-> RIP, the third ACK TOA 254/20; 5 MB each way across a
# 1280-byte link on either side (errors translated between the families);
# dig -6 to an IPv4 dnsmasq, a 3.6 kB answer across a 1280-byte link on
# the client's side (IPv6 fragments of 1280 at most); a Packet Too Big of
# 600 quoting payload length 65535 told the server as MTU 1260, quoting
# total length 65535; one connection's flood of errors leaves another's
# translated (rate limits); errors from 127.0.0.1 and 0/8 not translated;
# mixed families refused (lbctl, apply, the last IPv4 LIP). Routes change
# under a FullNAT66 download: both move to new links (tcpdump must see the
# connection on each; before, a route from one LIP only takes one of
# them, for that LIP only), the links are deleted under the cached routes,
# the old routes come back, and the download completes intact; lb1's
# namespace then goes with its routes still cached.
#
# The base topology with IPv6 beside IPv4 (lib.sh's topo_v6):
#
#  c1 2001:db8:100::2                          VIP6 2001:db8:113::10
#  rt 2001:db8:100::1 / br 2001:db8::1
#  lb1 2001:db8::11 / 2001:db8:2::11            LIPs 2001:db8:11::1-4
#  rsr 2001:db8:2::1 / 2001:db8:19::1           (2001:db8:11::/64 via lb1)
#  rs1 2001:db8:19::11   rs2 2001:db8:19::12    nginx [::]:8080 (IPv6 only)
#                                               rs1 [::]:8081 ipv6only=off
#
# @timeout: 600
. /fnat/lib.sh
. /fnat/lib-toa.sh

topo_v6 2

http_server rs1 rs1 "[::]" 8080 ipv6only=on
http_server rs2 rs2 "[::]" 8080 ipv6only=on
http_server rs1 rs1d "[::]" 8081 ipv6only=off

module_load fullnat
out=$(lbctl -n lb1 version)
echo "$out"
assert_match "$out" "families.*ipv6" "GET_INFO lists IPv6"
assert_match "$out" "translate: fullnat64" "GET_INFO says FullNAT64"
lb lb1 laddr add "$LIP6::1-$LIP6::4"
lb lb1 service add tcp "[$VIP6]:80" scheduler rr
lb lb1 rs add tcp "[$VIP6]:80" "[$RS6::11]:8080"
lb lb1 rs add tcp "[$VIP6]:80" "[$RS6::12]:8080"
lb lb1 service add tcp "[$VIP6]:81" scheduler rr
lb lb1 rs add tcp "[$VIP6]:81" "[$RS6::11]:8081"
lb lb1 show

log "an IPv4 real server in an IPv6 service needs an IPv4 LIP (FullNAT64)"
if out=$(lbctl -n lb1 rs add tcp "[$VIP6]:80" "$RS_NET.11:8080" 2>&1); then
	fail "an IPv4 real server joined an IPv6 service with no IPv4 LIP"
fi
echo "$out"
assert_match "$out" "needs an IPv4 local address" "the refusal says why"

bg rs1 cap-rs1 tcpdump -i eth0 -n -U --immediate-mode -w /tmp/rs1.pcap ip6 and tcp
bg rs2 cap-rs2 tcpdump -i eth0 -n -U --immediate-mode -w /tmp/rs2.pcap ip6 and tcp
bg c1 cap-c tcpdump -i eth0 -n -U --immediate-mode -w /tmp/c.pcap ip6 and tcp port 80
wait_for 10 "tcpdump on rs1" grep -q listening "$FNAT_LOG/cap-rs1.log"
wait_for 10 "tcpdump on rs2" grep -q listening "$FNAT_LOG/cap-rs2.log"
wait_for 10 "tcpdump on c1" grep -q listening "$FNAT_LOG/cap-c.log"

log "curl -6 through the VIP: each real server answers"
bodies=$(for i in 1 2 3 4; do
	on_quiet c1 curl -6 -g -sS --fail --max-time 10 "http://[$VIP6]/"
done | sort | uniq -c | awk '{ print $2 "=" $1 }' | tr '\n' ' ')
assert_eq "$bodies" "rs1=2 rs2=2 " "bodies of four requests, rr"
assert_match "$(tail -1 "$FNAT_LOG/rs1.access")" "^$LIP6::[1-4]:[0-9]+$" \
	"without toa.ko nginx sees a LIP"

log "with toa.ko trusting the LIPs: nginx logs the IPv6 client"
toa_load trusted_sources="$LIP6::/64,$(lip_net 1).0/24"
on_quiet c1 curl -6 -g -sS --fail --max-time 10 --local-port 40123 "http://[$VIP6]/" >/dev/null
# nginx writes its log line after the response has left: wait for one.
wait_for 10 "nginx's log line of port 40123" \
	sh -c "tail -q -n1 '$FNAT_LOG/rs1.access' '$FNAT_LOG/rs2.access' | grep -q ':40123$'"
last=$(tail -q -n1 "$FNAT_LOG/rs1.access" "$FNAT_LOG/rs2.access" | grep -c "^$CLIENT6::2:40123$" || true)
assert_eq "$last" 1 "nginx (IPv6-only listener) logged $CLIENT6::2:40123"
on_quiet c1 curl -6 -g -sS --fail --max-time 10 --local-port 40124 "http://[$VIP6]:81/" >/dev/null
wait_for 10 "nginx's log line of port 40124" sh -c "tail -n1 '$FNAT_LOG/rs1d.access' | grep -q ':40124$'"
assert_eq "$(tail -1 "$FNAT_LOG/rs1d.access")" "$CLIENT6::2:40124" \
	"nginx (dual-stack listener) logged the client"
assert_ge "$(counter lb1 toa_inserted)" 2 "toa_inserted"

# toa_acks SUFFIX FILTER: the packets FILTER selects in the real servers'
# captures (/tmp/rsN$SUFFIX.pcap), as one hex string.
toa_acks() {
	for r in 1 2; do
		tcpdump -r "/tmp/rs$r$1.pcap" -n -x "$2" 2>/dev/null
	done | awk '!/^[0-9]/ { for (i = 2; i <= NF; i++) printf "%s", $i }'
}
# Every pure ACK toward port 8080. tcp[] is IPv4's in pcap filters: the
# flags are byte 13 of the TCP header right after the IPv6 one.
ACKS6='ip6[53] == 0x10 and dst port 8080'
# 254 (0xfe), 20 (0x14), port 40123 (0x9cbb), 2001:db8:100::2
TOA_WANT=fe149cbb20010db8010000000000000000000002
# tcpdump hands packets to its file a buffer at a time: stopping it at once
# can lose the last ones. Wait until the captures show the third ACK of
# port 40123 and the dual-stack connection's FIN (the last packets asserted).
wait_for 10 "the third ACK of port 40123 in the real servers' captures" \
	sh -c "$(declare -f toa_acks); toa_acks '' '$ACKS6' | grep -q $TOA_WANT"
wait_for 10 "the FIN toward port 8081 in rs1's capture" sh -c \
	"tcpdump -r /tmp/rs1.pcap -n 'ip6[53] & 1 != 0 and dst port 8081' 2>/dev/null | grep -q ."
pkill tcpdump
wait_for 10 "tcpdump to end" sh -c '! pgrep -x tcpdump'

log "what the real servers received: LIP -> RIP only"
rs=$(tcpdump -r /tmp/rs1.pcap -n 2>/dev/null; tcpdump -r /tmp/rs2.pcap -n 2>/dev/null)
head -5 <<< "$rs"
n=$(grep -c "IP6 $LIP6::[1-4]\.[0-9]* > $RS6::1[12]\.808[01]:" <<< "$rs" || true)
assert_ge "$n" 10 "packets LIP -> RIP"
if grep "$CLIENT6::2" <<< "$rs"; then
	fail "the client's address reached the real servers' side"
fi
echo "ok: the client's address never on the real servers' side"
if grep "IP6" <<< "$rs" | grep -v "IP6 $LIP6::[1-4]\.[0-9]* > $RS6::1[12]\.808[01]:" |
	grep -v "IP6 $RS6::1[12]\.808[01] > $LIP6::[1-4]\.[0-9]*:"; then
	fail "other packets on the real servers' side"
fi
echo "ok: nothing but LIP <-> RIP"

log "the third ACK carries TOA 254/20 with the client's port and address"
assert_match "$(toa_acks "" "$ACKS6")" "$TOA_WANT" "TOA 254/20 on the wire"

log "the client's SYN-ACK MSS is the real server's less 20"
rsmss=$(tcpdump -r /tmp/rs1.pcap -n -v 'ip6 and tcp and src port 8080' 2>/dev/null |
	grep -o 'mss [0-9]*' | head -1 | cut -d' ' -f2)
cmss=$(tcpdump -r /tmp/c.pcap -n -v 'ip6 and tcp and src port 80' 2>/dev/null |
	grep -o 'mss [0-9]*' | head -1 | cut -d' ' -f2)
assert_eq "$cmss" "$((rsmss - 20))" "client MSS = real server's ($rsmss) - 20"

log "hop limit: lb1 decrements it both ways (61 at each end: 64 less rt, lb1, rsr)"
tcpdump -r /tmp/c.pcap -n -v 2>/dev/null > "$FNAT_LOG/hops-c.txt"
got=$(hops6 "$FNAT_LOG/hops-c.txt" from "$VIP6.80" "$CLIENT6::2" | sort | uniq -c)
echo "$got"
assert_eq "$(awk '{ print $2, $3 }' <<< "$got")" "61 0" "c1's packets: all from VIP6:80, hop limit 61"
assert_ge "$(awk '{ print $1 }' <<< "$got")" 9 "packets from VIP6:80 (3 connections)"
for r in 1 2; do
	tcpdump -r "/tmp/rs$r.pcap" -n -v 'tcp port 8080' 2>/dev/null > "$FNAT_LOG/hops-rs$r.txt"
	got=$(hops6 "$FNAT_LOG/hops-rs$r.txt" to "$RS6::1$r.8080" "$LIP6::[1-4]" | sort | uniq -c)
	echo "$got"
	assert_eq "$(awk '{ print $2, $3 }' <<< "$got")" "61 0" \
		"rs$r's packets toward RIP6:8080: all from a LIP, hop limit 61"
	assert_ge "$(awk '{ print $1 }' <<< "$got")" 4 "packets toward rs$r (1 connection or more)"
done

# lb1's and rt's addresses on their link ($DIR6::11, $DIR6::1) as tcpdump
# prints them
LB1_6=2001:db8::11
RT_6=2001:db8::1
# ICMP and ICMPv6 errors and echo requests on the client's link, from here on
bg c1 cap-icmp tcpdump -i eth0 -n -U -w /tmp/c-icmp.pcap "icmp or (icmp6 and ip6[40] < 129)"
wait_for 10 "tcpdump on c1 (icmp)" grep -q listening "$FNAT_LOG/cap-icmp.log"
# c1_icmp: the capture so far, as text
c1_icmp() { tcpdump -r /tmp/c-icmp.pcap -n 2>/dev/null; }

log "a packet that reaches lb1 with hop limit 1: lb1's Time Exceeded, nothing forwarded"
for r in 1 2; do
	bg "rs$r" "cap-syn$r" tcpdump -i eth0 -n -l -U "ip6 and tcp dst port 8080"
	wait_for 10 "tcpdump on rs$r" grep -q listening "$FNAT_LOG/cap-syn$r.log"
done
on c1 "$IP" -6 route add "$VIP6/128" via "$CLIENT6::1" hoplimit 2
ttl=$(counter lb1 ttl)
before=$(cat "$FNAT_LOG"/rs[12].access | wc -l)
rc=0
on_quiet c1 curl -6 -g -sS --max-time 3 "http://[$VIP6]/" || rc=$?
[[ $rc != 0 ]] || fail "curl succeeded with hop limit 2"
wait_for 10 "the Time Exceeded on c1's wire" sh -c "$(declare -f c1_icmp); c1_icmp | grep -q 'time exceeded'"
c1_icmp | grep "time exceeded"
assert_match "$(c1_icmp | grep "time exceeded" | cut -d' ' -f2- | sort -u)" \
	"^IP6 ($LB1_6|$VIP6) > $CLIENT6::2: ICMP6, time exceeded in-transit for $VIP6, length [0-9]+$" \
	"Time Exceeded to the client, from lb1"
assert_ge "$(counter lb1 ttl)" "$((ttl + 1))" "ttl counted"
assert_eq "$(cat "$FNAT_LOG"/rs[12].access | wc -l)" "$before" "requests the servers logged"
assert_eq "$(cat "$FNAT_LOG"/cap-syn[12].log | grep -c " IP6 " || true)" 0 \
	"packets toward the servers' port 8080 on their links"
on c1 "$IP" -6 route del "$VIP6/128"
kill "${_bg_pids[-1]}" "${_bg_pids[-2]}"

log "lbctl shows IPv6 as [addr]:port"
out=$(lbctl -n lb1 show)
echo "$out"
assert_match "$out" "\[$VIP6\]:80" "the service"
assert_match "$out" "\[$RS6::11\]:8080" "a real server"

log "UDP over IPv6: dig -6 through the VIP, dnsmasq on the real servers"
lb lb1 service add udp "[$VIP6]:53" scheduler rr
for r in 1 2; do
	lb lb1 rs add udp "[$VIP6]:53" "[$RS6::1$r]:53"
done
# big.test: 14 TXT strings of 250 bytes, an answer of about 3.6 kB (not cut
# to dnsmasq's default 1232)
txt=$(printf 'x%.0s' {1..250})
big=(--edns-packet-max=4096)
for i in {1..14}; do
	big+=(--txt-record="big.test,$txt")
done
for r in 1 2; do
	dns_server "rs$r" "rs$r" "$RS6::1$r" 53 "2001:db8:53::$r" "${big[@]}"
done
out=$(for i in 1 2 3 4; do
	on_quiet c1 dig -6 +tries=1 +timeout=5 +short @"$VIP6" a.test AAAA
done | sort | uniq -c | awk '{ print $2 "=" $1 }' | tr '\n' ' ')
assert_eq "$out" "2001:db8:53::1=2 2001:db8:53::2=2 " "answers of four queries, rr"
for r in 1 2; do
	froms=$(grep -o 'query\[AAAA\] a.test from [0-9a-f:]*' "$FNAT_LOG/dns-rs$r.log" |
		awk '{ print $4 }' | sort -u)
	[[ -n $froms ]] || fail "no AAAA query in rs$r's log"
	for f in $froms; do
		assert_match "$f" "^$LIP6::[1-4]$" "rs$r saw $f, one of lb1's LIPs"
	done
done

log "a 3.6 kB answer over IPv6 arrives whole: fragmented on both sides of the director"
bg c1 cap-frag tcpdump -i eth0 -n -l -U "ip6 and src $VIP6 and ip6[6] == 44"
wait_for 10 "tcpdump on c1 (fragments)" grep -q listening "$FNAT_LOG/cap-frag.log"
frag_creates() { on_quiet "$1" nstat -az Ip6FragCreates | awk '$1 == "Ip6FragCreates" { print $2 }'; }
sent=$(($(frag_creates rs1) + $(frag_creates rs2)))
out=$(dig_ -6 +bufsize=4096 +ignore @"$VIP6" big.test TXT)
assert_eq "$(grep -c '^big\.test\..*TXT' <<< "$out")" 14 "TXT records in dig's answer"
assert_match "$(grep 'MSG SIZE' <<< "$out")" "rcvd: 3[0-9]{3}" "the answer's size"
frags() { grep -c " frag (" "$FNAT_LOG/cap-frag.log" || true; }
three() { (($(frags) >= 3)); }
wait_for 10 "tcpdump to write the fragments" three
head -3 "$FNAT_LOG/cap-frag.log"
assert_ge "$(frags)" 3 "fragments from the VIP on the client's link"
assert_ge "$(($(frag_creates rs1) + $(frag_creates rs2) - sent))" 3 \
	"fragments the answering server sent"
kill "${_bg_pids[-1]}"

log "path MTU: 5 MB each way across a 1280-byte link (Packet Too Big)"
# The ICMPv6 errors on each real server's link, to read their quotes
# (icmp6_errors), from here on
for r in 1 2; do
	bg "rs$r" "cap-err$r" tcpdump -i eth0 -n -U -w "/tmp/err$r.pcap" "icmp6 and ip6[40] < 128"
	wait_for 10 "tcpdump on rs$r (icmp6)" grep -q listening "$FNAT_LOG/cap-err$r.log"
done
rs_errors() { icmp6_errors /tmp/err1.pcap; icmp6_errors /tmp/err2.pcap; }
file=$FNAT_LOG/big
head -c 5M /dev/urandom > "$file"
sum=$(sha256sum < "$file")
for r in 1 2; do
	cp "$file" "$FNAT_LOG/nginx-rs$r/www/data/big"
done
# Download first: the client would otherwise announce the MSS of the
# path MTU the upload taught it, and never send or get a big packet.
# Download: the client's last hop takes 1280; its router tells the VIP,
# the director tells the real server.
on rt "$IP" link set c1 mtu 1280
before=$(counter lb1 icmp_xlated)
got=$(on_quiet c1 curl -6 -g -sS --fail --max-time 120 --local-port 40200 \
	"http://[$VIP6]/data/big" | sha256sum)
assert_eq "$got" "$sum" "the 5 MB download arrived whole"
assert_ge "$(counter lb1 icmp_xlated)" "$((before + 1))" "Packet Too Big translated to the real server"
on rt "$IP" link set c1 mtu 1500
# The connection (in TIME_WAIT for 70 s): the real server's side of it
down=$(lbctl -n lb1 -j conn | jq -r '.[] | select(.client.port == 40200) |
	"\(.real.address).\(.real.port) > \(.local.address).\(.local.port)"')
echo "the download: $down"
assert_match "$down" "^$RS6::1[12]\.8080 > $LIP6::[1-4]\.[0-9]+$" "the download's connection"
rip=${down%%.*}
ptbs() { rs_errors | grep " 2/0 "; }
wait_for 10 "tcpdump on the real servers to write the Packet Too Big" sh -c \
	"$(declare -f icmp6_errors rs_errors ptbs); ptbs | grep -q ."
ptbs | sort | uniq -c
# From rt (its address toward lb1), to the real server, about the
# server's own packet to the LIP; the MTU as rt told it.
assert_match "$(ptbs | sort -u)" "^($RT_6|$CLIENT6::1) > $rip 2/0 1280 $down$" \
	"Packet Too Big on the real servers' links: outer, MTU and quote"
# Upload: lb1's next hop toward the servers takes 1400 (a route of its
# own, ahead of the prefix's), so lb1 answers the client's bigger packets
# itself; then the server side's last hop takes 1280: its router tells
# the LIP, the director tells the client (about the client's own packet).
# The servers learnt 1280 toward a LIP above, and would announce an MSS to
# fit it: forget it, or no upload segment is too big.
for r in 1 2; do
	on "rs$r" "$IP" -6 route flush cache
done
on lb1 "$IP" -6 route add "$RS6::/64" via "$UP6::1" metric 1 mtu 1400
on rsr "$IP" link set brrs mtu 1280
before=$(counter lb1 icmp_xlated)
told=$(counter lb1 frag_needed)
on_quiet c1 curl -6 -g -sS --fail --max-time 120 --local-port 40201 -T "$file" \
	"http://[$VIP6]/up/big6" >/dev/null
up=$(ls "$FNAT_LOG"/nginx-rs[12]/www/up/big6)
got=$(sha256sum < "$up")
assert_eq "$got" "$sum" "the 5 MB upload arrived whole"
assert_ge "$(counter lb1 frag_needed)" "$((told + 1))" "lb1's own Packet Too Big counted"
assert_ge "$(counter lb1 icmp_xlated)" "$((before + 1))" "Packet Too Big translated to the client"
c1_ptbs() { icmp6_errors /tmp/c-icmp.pcap | grep " 2/0 "; }
wait_for 10 "both Packet Too Bigs on c1's wire" sh -c \
	"$(declare -f icmp6_errors c1_ptbs); c1_ptbs | grep -q ' 1280 '"
c1_ptbs | sort | uniq -c
# lb1's own, from its address toward c1 (or the VIP), told 1400 less TOA's
# 20 (a TOA service); rsr's, from rsr (kept: a router on the way), with
# the path's 1280; both about the client's own packet to the VIP.
assert_match "$(c1_ptbs | grep " 1380 " | sort -u)" \
	"^($LB1_6|$VIP6) > $CLIENT6::2 2/0 1380 $CLIENT6::2\.40201 > $VIP6\.80$" \
	"lb1's own Packet Too Big on the client's link (1380)"
assert_match "$(c1_ptbs | grep -v " 1380 " | sort -u)" \
	"^$UP6::1 > $CLIENT6::2 2/0 1280 $CLIENT6::2\.40201 > $VIP6\.80$" \
	"rsr's Packet Too Big on the client's link, translated (1280)"
on lb1 "$IP" -6 route del "$RS6::/64" via "$UP6::1" metric 1
on rsr "$IP" link set brrs mtu 1500

log "a NAT server's error about a connection lb1 does not have: dropped, not routed on"
# NAT66 beside FullNAT66: dnsmasq on rs1 a NAT server too, at VIP6:5353
# (rsr sends the clients' network to lb1, as NAT needs), and at VIP:53.
on rsr "$IP" -6 route add "$CLIENT6::/64" via "$UP6::11"
lb lb1 service add udp "[$VIP6]:5353" forward nat scheduler rr
lb lb1 rs add udp "[$VIP6]:5353" "[$RS6::11]:53"
lb lb1 service add udp "$VIP:53" forward nat scheduler rr
lb lb1 rs add udp "$VIP:53" "$RS_NET.11:53"
# rs1's port unreachable about a datagram from CIP:40999, which no
# connection has: routed on, the client would learn rs1's address. Then
# a ping from rs1 to c1 the same way, routed on as ever, so that whatever
# the client's link was to see has been seen.
strays=$(counter lb1 nat_stray)
on rs1 icmp_forge "$RS_NET.11" "$CLIENT_NET.2" 0 "$CLIENT_NET.2" 40999 "$RS_NET.11" 53 $((100 << 16)) udp
on rs1 icmp_forge "$RS6::11" "$CLIENT6::2" 0 "$CLIENT6::2" 40999 "$RS6::11" 53 $((100 << 16)) udp
on rs1 ping -c 1 -W 1 "$CLIENT_NET.2" >/dev/null || true
on rs1 ping -6 -c 1 -W 1 "$CLIENT6::2" >/dev/null || true
pinged() { c1_icmp | grep -q "IP $RS_NET.11 > $CLIENT_NET.2: ICMP echo request" &&
	c1_icmp | grep -q "IP6 $RS6::11 > $CLIENT6::2: ICMP6, echo request"; }
wait_for 10 "rs1's echo requests on c1's link" pinged
c1_icmp | grep -E "$RS_NET\.11|$RS6::11" || true
assert_eq "$(c1_icmp | grep -E " (IP $RS_NET\.11|IP6 $RS6::11) > " | grep -vc "echo request" || true)" 0 \
	"rs1's errors on the client's link"
assert_eq "$(counter lb1 nat_stray)" "$((strays + 2))" "nat_stray"

log "an error from a link-local address is relayed from lb1's (FullNAT66: the LIP, NAT66: the VIP)"
# rt's fe80::1 on lb1's link: the error is valid on that link only, and
# rs1's, rs2's are others. A port unreachable about a reply of a UDP
# connection (the server has answered): its quote is VIP6:vport -> CIP6.
on rt "$IP" addr add fe80::1/64 dev br0 nodad
# What leaves lb1 toward the servers (rsr, a router, would drop a
# link-local source: ip6_forward())
bg rsr cap-up tcpdump -i lb1 -n -l -U "icmp6 and ip6[40] == 1"
wait_for 10 "tcpdump on rsr" grep -q listening "$FNAT_LOG/cap-up.log"
assert_match "$(dig_ -6 +short -b "$CLIENT6::2#40053" @"$VIP6" a.test AAAA)" \
	"^2001:db8:53::[12]$" "dig -6 through FullNAT66 from port 40053"
assert_eq "$(dig_ -6 +short -p 5353 -b "$CLIENT6::2#40054" @"$VIP6" a.test AAAA)" \
	2001:db8:53::1 "dig -6 through NAT66 from port 40054"
fnat=$(lbctl -n lb1 -j conn | jq -r '.[] | select(.client.port == 40053) |
	"\(.local.address) > \(.real.address) 1/4 0 \(.real.address).53 > \(.local.address).\(.local.port)"')
echo "FullNAT66's: $fnat"
assert_match "$fnat" "^$LIP6::[1-4] > $RS6::1[12] " "FullNAT66's connection"
xlated=$(counter lb1 icmp_xlated)
on rt icmp_forge fe80::1%br0 "$VIP6" 0 "$VIP6" 53 "$CLIENT6::2" 40053 $((100 << 16)) udp
on rt icmp_forge fe80::1%br0 "$VIP6" 0 "$VIP6" 5353 "$CLIENT6::2" 40054 $((100 << 16)) udp
# (rs1's own error to the client above is on its link too)
unreach() { rs_errors | grep -E "^[^ ]+ > $RS6::1[12] 1/4 "; }
two() { (($(unreach | wc -l) >= 2)); }
wait_for 10 "both port unreachables on the real servers' links" two
unreach
assert_eq "$(unreach | grep -v "> $CLIENT6::2\.40054$")" "$fnat" \
	"FullNAT66's on the wire: from the LIP to the server, about its answer"
assert_eq "$(unreach | grep "> $CLIENT6::2\.40054$")" \
	"$VIP6 > $RS6::11 1/4 0 $RS6::11.53 > $CLIENT6::2.40054" \
	"NAT66's on the wire: from the VIP to rs1, about its answer"
assert_ge "$(counter lb1 icmp_xlated)" "$((xlated + 2))" "icmp_xlated"
cat "$FNAT_LOG/cap-up.log"

# mtu_down URL WHAT: c1 downloads the 5 MB $file from URL across its
# last hop (rt's link to it) at 1280 bytes: rt's Packet Too Big goes to
# the VIP, and lb1 passes it on to the real server (WHAT says how).
mtu_down() {
	on rt "$IP" link set c1 mtu 1280
	before=$(counter lb1 icmp_xlated)
	got=$(on_quiet c1 curl -6 -g -sS --fail --max-time 120 "$1" | sha256sum)
	assert_eq "$got" "$sum" "the 5 MB download arrived whole"
	assert_ge "$(counter lb1 icmp_xlated)" "$((before + 1))" "$2"
	on rt "$IP" link set c1 mtu 1500
}
# mtu_up URL FILES WHAT: c1 uploads it to URL across the servers' link
# (rsr's brrs) at 1280 bytes, left so: rsr's error goes to the LIP, lb1
# tells the client. FILES: a glob, where nginx stores it.
mtu_up() {
	on rsr "$IP" link set brrs mtu 1280
	before=$(counter lb1 icmp_xlated)
	on_quiet c1 curl -6 -g -sS --fail --max-time 120 -T "$file" "$1" >/dev/null
	got=$(sha256sum < "$(ls $2)")
	assert_eq "$got" "$sum" "the 5 MB upload arrived whole"
	assert_ge "$(counter lb1 icmp_xlated)" "$((before + 1))" "$3"
}

log "FullNAT64: an IPv6 VIP, IPv4 real servers and LIPs, by lbctl apply"
on rsr "$IP" link set brrs mtu 1500
http_server rs1 rs1v4 "$RS_NET.11" 8082
http_server rs2 rs2d "[::]" 8082 ipv6only=off
cp "$file" "$FNAT_LOG/nginx-rs2d/www/data/big"
# The client learnt a path MTU toward the VIP above: forget it, or it
# would announce that MSS and never send or get a big packet.
on c1 "$IP" -6 route flush cache
LIP4=$(lip_net 1)
lbctl -n lb1 export > "$FNAT_LOG/lb1.json"
# f64 [RS_FORWARD]: the export with the IPv4 LIPs and the FullNAT64
# services added; RS_FORWARD, if given, on the dual-stack one's server
f64() {
	jq --arg vip "$VIP6" --arg lips "$LIP4.1-$LIP4.4" --arg rs "$RS_NET" \
		--arg fwd "${1:-}" '
	def svc($n; $p; $port; $rs; $rport): { name: $n, protocol: $p,
		vip: $vip, port: $port, forward: "fullnat", scheduler: "rr",
		real_servers: [ { address: ($rs), port: $rport } ] };
	.directors[0].local_addresses += [ $lips ] |
	.services += [ svc("v4only"; "tcp"; 82; $rs + ".11"; 8082),
		       svc("dual"; "tcp"; 83; $rs + ".12"; 8082),
		       svc("dns64"; "udp"; 54; $rs + ".11"; 5354) ] |
	if $fwd != "" then .services[-2].real_servers[0].forward = $fwd
	else . end' "$FNAT_LOG/lb1.json"
}
f64 nat > "$FNAT_LOG/f64-nat.json"
f64 > "$FNAT_LOG/f64.json"
cat "$FNAT_LOG/f64.json"

log "a FullNAT64 server forwarded by NAT: the file refused, nothing changed"
rc=0
out=$(lbctl apply "$FNAT_LOG/f64-nat.json" 2>&1) || rc=$?
echo "$out"
assert_eq "$rc" 2 "lbctl apply's exit status (the file is wrong)"
assert_match "$out" "real_servers\[0\]\.address: forward nat takes real servers of the service's family" \
	"the file's error, where it is"
assert_eq "$(lbctl -n lb1 export)" "$(cat "$FNAT_LOG/lb1.json")" "lb1 as before the apply"

lbctl apply "$FNAT_LOG/f64.json"
out=$(lbctl apply "$FNAT_LOG/f64.json")
echo "$out"
assert_match "$out" "lb1: no changes" "applied again: nothing to change"
lb lb1 show
assert_match "$(lbctl -n lb1 show)" "$RS_NET.12:8082" "show lists the IPv4 server"

log "FullNAT64 refusals (netlink, through lbctl)"
refused() {
	local want=$1
	shift
	echo "+ lbctl -n lb1 $*"
	if out=$(lbctl -n lb1 "$@" 2>&1); then
		fail "lbctl -n lb1 $* was accepted"
	fi
	echo "$out"
	assert_match "$out" "$want" "refused: $want"
}
refused "only forwarding mode fullnat translates" \
	rs add tcp "[$VIP6]:82" "$RS_NET.12:82" forward dr
refused "only forwarding mode fullnat translates" \
	rs set tcp "[$VIP6]:82" "$RS_NET.11:8082" forward nat
lb lb1 service add tcp "$VIP:84" scheduler rr
refused "an IPv4 service takes IPv4 real servers only" \
	rs add tcp "$VIP:84" "[$RS6::11]:8080"
lb lb1 service del tcp "$VIP:84"
for a in 1 2 3; do
	lb lb1 laddr del "$LIP4.$a"
done
refused "the last local address of its family serves FullNAT64" \
	laddr del "$LIP4.4"
lb lb1 laddr add "$LIP4.1-$LIP4.3"
out=$(lbctl apply "$FNAT_LOG/f64.json")
echo "$out"
assert_match "$out" "lb1: no changes" "the refusals changed nothing"

bg rs1 cap64-rs1 tcpdump -i eth0 -n -U --immediate-mode -w /tmp/rs1-64.pcap tcp port 8082
bg rs2 cap64-rs2 tcpdump -i eth0 -n -U --immediate-mode -w /tmp/rs2-64.pcap tcp port 8082
wait_for 10 "tcpdump on rs1" grep -q listening "$FNAT_LOG/cap64-rs1.log"
wait_for 10 "tcpdump on rs2" grep -q listening "$FNAT_LOG/cap64-rs2.log"

log "curl -6 to the IPv6 VIP, IPv4 servers: who nginx saw"
unmappable=$(toa_stat rs1 ignored_unmappable)
assert_eq "$(on_quiet c1 curl -6 -g -sS --fail --max-time 10 --local-port 40203 "http://[$VIP6]:82/")" \
	rs1v4 "the body of the IPv4-only server"
assert_eq "$(on_quiet c1 curl -6 -g -sS --fail --max-time 10 --local-port 40202 "http://[$VIP6]:83/")" \
	rs2d "the body of the dual-stack server"
wait_for 10 "rs1v4's log line" sh -c "test -s '$FNAT_LOG/rs1v4.access'"
wait_for 10 "rs2d's log line" sh -c "test -s '$FNAT_LOG/rs2d.access'"
assert_match "$(tail -1 "$FNAT_LOG/rs1v4.access")" "^$LIP4\.[1-4]:[0-9]+$" \
	"the IPv4-only listener logged a LIP (an IPv6 client has no IPv4 address)"
assert_eq "$(toa_stat rs1 ignored_unmappable)" "$((unmappable + 1))" \
	"toa.ko on rs1 counted the IPv6 TOA unmappable"
assert_eq "$(tail -1 "$FNAT_LOG/rs2d.access")" "$CLIENT6::2:40202" \
	"the dual-stack listener logged the IPv6 client (toa.ko)"
out=$(lbctl -n lb1 conn)
echo "$out"
assert_match "$out" "\[$CLIENT6::2\]:40202 .*$LIP4\.[1-4]:[0-9]+ .*$RS_NET\.12:8082" \
	"lbctl conn: the client's IPv6 side, the server's IPv4 one"
echo "+ lbctl -n lb1 conn del tcp [$VIP6]:83 rs $RS_NET.12:8082"
assert_eq "$(lbctl -n lb1 conn del tcp "[$VIP6]:83" rs "$RS_NET.12:8082")" \
	"1 deleted" "conn del of the IPv4 real server of an IPv6 service"

# Pure ACKs toward 8082 (IPv4); 254/20, port 40202 (0x9d0a), 2001:db8:100::2
ACKS4='tcp[13] == 0x10 and dst port 8082'
TOA64=fe149d0a20010db8010000000000000000000002
wait_for 10 "the third ACK of port 40202 (TOA 254/20) in the captures" \
	sh -c "$(declare -f toa_acks); toa_acks -64 '$ACKS4' | grep -q $TOA64"
pkill tcpdump
wait_for 10 "tcpdump to end" sh -c '! pgrep -x tcpdump'
rs=$(tcpdump -r /tmp/rs1-64.pcap -n 2>/dev/null; tcpdump -r /tmp/rs2-64.pcap -n 2>/dev/null)
head -3 <<< "$rs"
n=$(grep -c "^[0-9:.]* IP $LIP4\.[1-4]\.[0-9]* > $RS_NET\.1[12]\.8082:" <<< "$rs" || true)
assert_ge "$n" 8 "IPv4 packets LIP -> RIP on the servers' link"
if grep -v "IP $LIP4\.[1-4]\.[0-9]* > $RS_NET\.1[12]\.8082:" <<< "$rs" |
	grep -v "IP $RS_NET\.1[12]\.8082 > $LIP4\.[1-4]\.[0-9]*:"; then
	fail "other packets on the real servers' link"
fi
echo "ok: nothing but IPv4 LIP <-> RIP"

log "FullNAT64 path MTU: 5 MB each way across a 1280-byte link"
# Download: rt's Packet Too Big (IPv6, to the VIP) becomes "fragmentation
# needed" (IPv4, from the LIP) to the real server.
mtu_down "http://[$VIP6]:83/data/big" "Packet Too Big translated to IPv4"
# Upload: rsr's "fragmentation needed" (IPv4, to the LIP) becomes Packet
# Too Big (IPv6, from the VIP) to the client. To rs1: rs2 learnt a path
# MTU toward the LIPs just now, and would announce its MSS.
mtu_up "http://[$VIP6]:82/up/big64" "$FNAT_LOG/nginx-rs1v4/www/up/big64" \
	"fragmentation needed translated to IPv6"
on rsr "$IP" link set brrs mtu 1500

log "UDP64: dig -6 through the IPv6 VIP to an IPv4 dnsmasq"
dns_server rs1 64 "$RS_NET.11" 5354 192.0.2.64 "${big[@]}"
assert_eq "$(dig_ -6 +short -p 54 @"$VIP6" a.test A)" 192.0.2.64 \
	"the IPv4 server's answer"
froms=$(grep -o 'query\[A\] a.test from [0-9.]*' "$FNAT_LOG/dns-64.log" | awk '{ print $4 }' | sort -u)
assert_match "$froms" "^$LIP4\.[1-4]$" "dnsmasq saw one of lb1's IPv4 LIPs"

log "UDP64: a 3.6 kB answer across a 1280-byte link on the client's side: IPv6 fragments of 1280 bytes at most"
# The server's datagram (IPv4: without DF, or in fragments) is too big for
# rt's link to c1 whole, and rt, an IPv6 router, fragments nothing.
on rt "$IP" link set c1 mtu 1280
bg c1 cap-frag64 tcpdump -i eth0 -n -l -U -v "ip6 and src $VIP6 and ip6[6] == 44"
wait_for 10 "tcpdump on c1 (fragments)" grep -q listening "$FNAT_LOG/cap-frag64.log"
rc=0
out=$(dig_ -6 +bufsize=4096 +ignore -p 54 @"$VIP6" big.test TXT) || rc=$?
tail -4 <<< "$out"
assert_eq "$rc" 0 "dig's exit status (9: no answer)"
assert_eq "$(grep -c '^big\.test\..*TXT' <<< "$out")" 14 "TXT records in dig's answer"
frags64() { grep -c " frag (" "$FNAT_LOG/cap-frag64.log" || true; }
three64() { (($(frags64) >= 3)); }
wait_for 10 "tcpdump to write the fragments" three64
grep " frag (" "$FNAT_LOG/cap-frag64.log" | head -3
largest=$(grep -o "payload length: [0-9]*" "$FNAT_LOG/cap-frag64.log" | awk '{ print $3 }' | sort -n | tail -1)
assert_ge 1240 "$largest" "the largest fragment's payload length (40 + it <= 1280)"
kill "${_bg_pids[-1]}"
on rt "$IP" link set c1 mtu 1500

# conn64 PORT: "LIP LPORT" of the FullNAT64 connection from c1's PORT
conn64() {
	lbctl -n lb1 -j conn | jq -r ".[] | select(.client.port == $1) |
		\"\(.local.address) \(.local.port)\""
}

log "UDP64: a Packet Too Big of 600 quoting an IPv6 length that IPv4's cannot hold: MTU 1260, the quote's total length 65535"
# rt's Packet Too Big about the answer to c1's port 40066 says 600, which
# no IPv6 link is (taken as 1280, the server is told 1260, not 580), and
# quotes payload length 65535: 65555 in IPv4, which would wrap to 19.
assert_eq "$(dig_ -6 +short -p 54 -b "$CLIENT6::2#40066" @"$VIP6" a.test A)" 192.0.2.64 \
	"the answer to port 40066"
read -r lip lport <<< "$(conn64 40066)"
bg rs1 cap-qlen tcpdump -i eth0 -n -U -w /tmp/qlen.pcap "icmp[0] == 3 and icmp[1] == 4"
wait_for 10 "tcpdump on rs1 (fragmentation needed)" grep -q listening "$FNAT_LOG/cap-qlen.log"
on rt env ICMP_FORGE_QLEN=65535 icmp_forge "$RT_6" "$VIP6" 600 "$VIP6" 54 \
	"$CLIENT6::2" 40066 $((100 << 16)) udp
fneeded() { tcpdump -r /tmp/qlen.pcap -n "$@" 2>/dev/null; }
wait_for 10 "the fragmentation needed on rs1's link" sh -c \
	"$(declare -f fneeded); fneeded | grep -q '$lip > $RS_NET.11'"
fneeded -v
assert_eq "$(fneeded "src $lip and icmp[10:2] == 65535" | wc -l)" 1 \
	"fragmentation needed from the LIP quoting total length 65535"
assert_eq "$(fneeded "src $lip and icmp[6:2] == 1260" | wc -l)" 1 \
	"fragmentation needed from the LIP with MTU 1260"
kill "${_bg_pids[-1]}"

log "UDP64: one connection's flood of errors leaves the others theirs"
# A connection's end gets one translated error a tenth of a second, then
# the namespace's budget applies. rs1 floods "fragmentation needed" about
# lb1's datagrams to it of c1's port 40064, back to back; meanwhile ten
# about those of port 40065, a tenth of a second apart, reach c1 (a lost
# one allowed: the flood fills queues).
#
# Not on a slowed guest (FNAT_SCALE): the step needs a flood above the
# connection's ten a second, and the debug kernel's guest does nothing
# else under one. Back to back, queues fill on the way to lb1 and c1 saw
# 5 of the 10 once; at 100 and at 30 a second the scenario made no step
# for a quarter of an hour, twice. The rate limits' code still runs there
# in the steps above and below; the flood step runs on Debian's kernels.
bg c1 cap-ptb64 tcpdump -i eth0 -n -U -w /tmp/ptb64.pcap "icmp6 and ip6[40] == 2"
cap_ptb64=${_bg_pids[-1]}
wait_for 10 "tcpdump on c1 (Packet Too Big)" grep -q listening "$FNAT_LOG/cap-ptb64.log"
# ptb64 PORT: Packet Too Bigs on c1's link about its datagrams from PORT
ptb64() {
	icmp6_errors /tmp/ptb64.pcap | grep -c " 2/0 1280 $CLIENT6::2\.$1 > $VIP6\.54$" || true
}
if ((FNAT_SCALE > 1)); then
	log "skipped on a slowed guest (FNAT_SCALE $FNAT_SCALE): the flood step"
else
	for port in 40064 40065; do
		assert_eq "$(dig_ -6 +short -p 54 -b "$CLIENT6::2#$port" @"$VIP6" a.test A)" \
			192.0.2.64 "the answer to port $port"
	done
	read -r lipa lporta <<< "$(conn64 40064)"
	read -r lipb lportb <<< "$(conn64 40065)"
	t0=$(date +%s%N)
	bg rs1 flood64 env ICMP_FORGE_COUNT=100000000 icmp_forge "$RS_NET.11" "$lipa" 1200 \
		"$lipa" "$lporta" "$RS_NET.11" 5354 $((100 << 16)) udp
	flood=${_bg_pids[-1]}
	flooding() { (($(ptb64 40064) >= 1)); }
	wait_for 10 "the flood's first Packet Too Big on c1's link" flooding
	# one each tenth of a second of the connection's (a rate, not a wait)
	on rs1 env ICMP_FORGE_COUNT=10 ICMP_FORGE_PPS=9 icmp_forge "$RS_NET.11" "$lipb" 1200 \
		"$lipb" "$lportb" "$RS_NET.11" 5354 $((100 << 16)) udp >/dev/null
	kill -0 "$flood" || fail "the flood ended before the last error of port 40065"
	kill "$flood"
	ms=$((($(date +%s%N) - t0) / 1000000))
	# c1's capture has them all when it shows the ten, or 5 s on
	ten() { (($(ptb64 40065) >= 10)); }
	for ((n = 0; n < 50; n++)); do ten && break; sleep 0.1; done
	a=$(ptb64 40064)
	b=$(ptb64 40065)
	echo "in $ms ms: $a Packet Too Bigs about port 40064 (the flood), $b about 40065"
	assert_ge "$b" 9 "Packet Too Bigs about port 40065 on c1's link (of ten errors during the flood)"
	assert_ge "$((ms / 100 + 2))" "$a" "the flood's Packet Too Bigs on c1's link (one a tenth of a second)"
fi

log "UDP64: errors from sources no router has (127.0.0.1, 0/8) are not translated"
# rsr sends them, then one from its own address, each in a tenth of a
# second of the connection's own: only the last reaches c1.
assert_eq "$(dig_ -6 +short -p 54 -b "$CLIENT6::2#40067" @"$VIP6" a.test A)" 192.0.2.64 \
	"the answer to port 40067"
read -r lip lport <<< "$(conn64 40067)"
for src in 127.0.0.1 0.1.2.3 "$UP_NET.1"; do
	on rsr icmp_forge "$src" "$lip" 1200 "$lip" "$lport" "$RS_NET.11" 5354 \
		$((100 << 16)) udp >/dev/null
	sleep 0.11	# the connection's next tenth of a second (a rate)
done
one() { (($(ptb64 40067) >= 1)); }
wait_for 10 "the Packet Too Big of rsr's own error on c1's link" one
assert_eq "$(ptb64 40067)" 1 "Packet Too Bigs about port 40067 on c1's link (rsr's own error only)"
kill "$cap_ptb64"

assert_eq "$(counter lb1 xlat_dropped)" 0 "nothing untranslatable"

log "routes change under a FullNAT66 download: the cached routes follow"
# lb1 caches its route toward each real server and, per connection, the
# one toward the client, and checks them against the FIB (the route's
# cookie, the IPv6 route generation). Under a download through VIP6:80,
# both routes move to new links (eth8 to rsr, eth9 to rt): tcpdump on each
# must see the connection there. Then both links are deleted while their
# routes are still cached (the deletion must not wait on the caches), the
# old routes come back, and the download completes intact. The download is
# shaped on c1's last link (4 Mbit/s: 32 s for 16 MB; FNAT_SCALE times
# slower on a slowed guest, where the steps take that much longer: on
# the debug kernel it had ended before eth8 lost its carrier) so that it
# lasts through all of it; the shaping is then lifted.
head -c 16M /dev/urandom > "$FNAT_LOG/blob6"
want=$(sha256sum < "$FNAT_LOG/blob6" | cut -d' ' -f1)
for r in 1 2; do
	cp "$FNAT_LOG/blob6" "$FNAT_LOG/nginx-rs$r/www/data/blob6"
done
on c1 "$IP" -6 route flush cache
# A small receive buffer keeps the server sending all along (tcp_rmem is
# IPv6's too).
on c1 sysctl -qw net.ipv4.tcp_rmem="4096 32768 65536"
on rt tc qdisc add dev c1 root netem rate "$((4000 / FNAT_SCALE))kbit" limit 1000
link lb1 eth8 2001:db8:98::1/64 rsr lb1b 2001:db8:98::2/64
link lb1 eth9 2001:db8:99::1/64 rt lb1b 2001:db8:99::2/64
dad_done lb1 rsr rt
bg lb1 cap-eth8 tcpdump -i eth8 -n -l -U "ip6 and tcp and dst net $RS6::/64 and dst port 8080"
bg lb1 cap-eth9 tcpdump -i eth9 -n -l -U "ip6 and tcp and src $VIP6 and src port 80"
wait_for 10 "tcpdump on eth8" grep -q listening "$FNAT_LOG/cap-eth8.log"
wait_for 10 "tcpdump on eth9" grep -q listening "$FNAT_LOG/cap-eth9.log"

log "a source-specific route: no route cached for one LIP serves the others"
# Only LIP6::3's packets toward the servers take eth8 ("from", a
# subtree): lb1 must look their routes up per packet, as the stack would,
# not reuse the route one LIP's lookup found for the others. (Routes of
# the servers' own: a lookup from another source that finds no match in a
# prefix's subtree goes on to the less specific prefixes, here the /64.)
for r in 1 2; do
	on lb1 "$IP" -6 route add "$RS6::1$r/128" from "$LIP6::3/128" via 2001:db8:98::2
done
# Eight connections: lb1 takes its LIPs in turn, ::3 among them.
for i in {1..8}; do
	on_quiet c1 curl -6 -g -sS --fail --max-time 10 "http://[$VIP6]/" >/dev/null
done
lips8() { grep -o "IP6 $LIP6::[0-9a-f]*\." "$FNAT_LOG/cap-eth8.log" | sort -u; }
lip3() { lips8 | grep -q '::3\.$'; }
wait_for 10 "LIP6::3's packets on eth8" lip3
assert_eq "$(lips8 | tr '\n' ' ')" "IP6 $LIP6::3. " "the LIPs whose packets took eth8"
for r in 1 2; do
	on lb1 "$IP" -6 route del "$RS6::1$r/128" from "$LIP6::3/128"
done

bg c1 download6 sh -c "curl -6 -g -sS --fail --max-time $(scaled 240) \
	--local-port 40300 http://[$VIP6]/data/blob6 | sha256sum > $FNAT_LOG/download6.sum"
# svc6_pkts DIR: packets lb1 forwarded for VIP6:80, in or out
svc6_pkts() {
	lbctl -n lb1 -j show | jq ".services[] | select(.vip == \"$VIP6\" and
		.port == 80 and .protocol == \"tcp\") | .stats.${1}pkts"
}
flowing6() { (( $(svc6_pkts in) > $1 && $(svc6_pkts out) > $2 )); }
in=$(svc6_pkts in) out=$(svc6_pkts out)
wait_for 20 "the download's data both ways" flowing6 "$((in + 10))" "$((out + 10))"
[[ ! -s $FNAT_LOG/download6.sum ]] || fail "the download ended before the routes moved"

# seen LOG: the download's packets in tcpdump's LOG
seen() { grep -q "\.40300: " "$FNAT_LOG/$1.log"; }
on lb1 "$IP" -6 route replace "$CLIENT6::/64" via 2001:db8:99::2
wait_for 20 "the server's data on the new link to rt" seen cap-eth9
on lb1 "$IP" -6 route replace "$RS6::/64" via 2001:db8:98::2
# The client's packets toward the server: from the download's LIP and port
lport=$(lbctl -n lb1 -j conn | jq -r '.[] | select(.client.port == 40300) |
	"\(.local.address).\(.local.port)"')
echo "the download's LIP side: $lport"
seen_rs() { grep -qF "IP6 $lport > " "$FNAT_LOG/cap-eth8.log"; }
wait_for 20 "the client's packets on the new link to rsr" seen_rs
grep -m1 -H "\.40300: " "$FNAT_LOG/cap-eth9.log"
grep -m1 -HF "IP6 $lport > " "$FNAT_LOG/cap-eth8.log"

log "eth8 loses its carrier, routes over a link that is down ignored: the cached route steps aside"
# With ignore_routes_with_linkdown the stack routes around a link without
# carrier (here to a backup route, the old link's, at a worse metric);
# the carrier's loss changes neither the route's cookie nor the
# generation, so lb1 checks the carrier itself.
on lb1 sysctl -qw net.ipv6.conf.all.ignore_routes_with_linkdown=1 \
	net.ipv6.conf.eth8.ignore_routes_with_linkdown=1
on lb1 "$IP" -6 route add "$RS6::/64" via "$UP6::1" metric 2048
bg lb1 cap-eth1 tcpdump -i eth1 -n -l -U "ip6 and tcp and dst net $RS6::/64 and dst port 8080"
wait_for 10 "tcpdump on eth1" grep -q listening "$FNAT_LOG/cap-eth1.log"
[[ ! -s $FNAT_LOG/download6.sum ]] || fail "the download ended before eth8 lost its carrier"
on rsr "$IP" link set lb1b down
assert_match "$(on_quiet lb1 "$IP" -6 route get "$RS6::11")" "dev eth1" \
	"the stack's route to rs1 with eth8 down"
back_rs() { grep -qF "IP6 $lport > " "$FNAT_LOG/cap-eth1.log"; }
wait_for 20 "the client's packets back on the old link to rsr" back_rs
grep -m1 -HF "IP6 $lport > " "$FNAT_LOG/cap-eth1.log"
on rsr "$IP" link set lb1b up
on lb1 "$IP" -6 route del "$RS6::/64" via "$UP6::1" metric 2048
on lb1 sysctl -qw net.ipv6.conf.all.ignore_routes_with_linkdown=0 \
	net.ipv6.conf.eth8.ignore_routes_with_linkdown=0
[[ ! -s $FNAT_LOG/download6.sum ]] || fail "the download ended before the links went"

log "the new links deleted under their cached routes, the old routes back"
# Deleting a link must not wait for the cached routes' references (the
# kernel moves a route still referenced off a device that goes): a hang
# would log "waiting for eth8 to become free" and take seconds (3, times
# the guest's slowness: the debug kernel's grace periods are slower).
for l in eth9 eth8; do
	start=$SECONDS
	on lb1 "$IP" link del "$l"
	took=$((SECONDS - start))
	((took <= $(scaled 3))) || fail "deleting $l took ${took}s: something held its routes"
done
on lb1 "$IP" -6 route replace "$CLIENT6::/64" via "$DIR6::1"
on lb1 "$IP" -6 route replace "$RS6::/64" via "$UP6::1"
in=$(svc6_pkts in) out=$(svc6_pkts out)
wait_for 90 "packets both ways on the old links" flowing6 "$in" "$out"
on rt tc qdisc del dev c1 root
wait_for 120 "the download" test -s "$FNAT_LOG/download6.sum"
assert_eq "$(cut -d' ' -f1 < "$FNAT_LOG/download6.sum")" "$want" \
	"the download completes intact after its routes moved and came back"

log "lb1's namespace deleted with its cached IPv6 routes (the runner waits for it)"
# The routes live on the namespace's own IPv6 dst_ops: its exit must
# wait for them (netns.c); a late free would show in the kernel's log.
run "$IP" netns delete lb1
