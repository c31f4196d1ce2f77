#!/bin/bash
# FullNAT66: an IPv6 VIP, IPv6 real servers and an IPv6 LIP pool. curl -6
# gets each server's body through the VIP; the real servers' side sees
# only LIP -> RIP; with toa.ko, nginx logs the IPv6 client on an IPv6-only
# and on a dual-stack listener (TOA 254/20 in the third ACK, the client's
# SYN-ACK MSS lowered by 20); a service mixing families is refused; dig -6
# gets each dnsmasq's answer (UDP); 5 MB go each way across a 1280-byte
# link on either side (Packet Too Big translated).
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
# @timeout: 300
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
lb lb1 laddr add "$LIP6::1-$LIP6::4"
lb lb1 service add tcp "[$VIP6]:80" scheduler rr
lb lb1 rs add tcp "[$VIP6]:80" "[$RS6::11]:8080"
lb lb1 rs add tcp "[$VIP6]:80" "[$RS6::12]:8080"
lb lb1 service add tcp "[$VIP6]:81" scheduler rr
lb lb1 rs add tcp "[$VIP6]:81" "[$RS6::11]:8081"
lb lb1 show

log "one family per service"
if out=$(lbctl -n lb1 rs add tcp "[$VIP6]:80" "$RS_NET.11:8080" 2>&1); then
	fail "an IPv4 real server joined an IPv6 service"
fi
echo "$out"
assert_match "$out" "family" "the refusal names the family"

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
toa_load trusted_sources="$LIP6::/64"
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

# toa_acks: the payload of every pure ACK toward port 8080 in the real
# servers' captures, as one hex string. tcp[] is IPv4's in pcap filters:
# the flags are byte 13 of the TCP header right after the IPv6 one.
toa_acks() {
	for r in 1 2; do
		tcpdump -r "/tmp/rs$r.pcap" -n -x 'ip6[53] == 0x10 and dst port 8080' 2>/dev/null
	done | awk '!/^[0-9]/ { for (i = 2; i <= NF; i++) printf "%s", $i }'
}
# 254 (0xfe), 20 (0x14), port 40123 (0x9cbb), 2001:db8:100::2
TOA_WANT=fe149cbb20010db8010000000000000000000002
# tcpdump hands packets to its file a buffer at a time: stopping it at once
# can lose the last ones. Wait until the captures show the third ACK of
# port 40123 and the dual-stack connection's FIN (the last packets asserted).
wait_for 10 "the third ACK of port 40123 in the real servers' captures" \
	sh -c "$(declare -f toa_acks); toa_acks | grep -q $TOA_WANT"
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
assert_match "$(toa_acks)" "$TOA_WANT" "TOA 254/20 on the wire"

log "the client's SYN-ACK MSS is the real server's less 20"
rsmss=$(tcpdump -r /tmp/rs1.pcap -n -v 'ip6 and tcp and src port 8080' 2>/dev/null |
	grep -o 'mss [0-9]*' | head -1 | cut -d' ' -f2)
cmss=$(tcpdump -r /tmp/c.pcap -n -v 'ip6 and tcp and src port 80' 2>/dev/null |
	grep -o 'mss [0-9]*' | head -1 | cut -d' ' -f2)
assert_eq "$cmss" "$((rsmss - 20))" "client MSS = real server's ($rsmss) - 20"

log "lbctl shows IPv6 as [addr]:port"
out=$(lbctl -n lb1 show)
echo "$out"
assert_match "$out" "\[$VIP6\]:80" "the service"
assert_match "$out" "\[$RS6::11\]:8080" "a real server"

log "UDP over IPv6: dig -6 through the VIP, dnsmasq on the real servers"
lb lb1 service add udp "[$VIP6]:53" scheduler rr
for r in 1 2; do
	lb lb1 rs add udp "[$VIP6]:53" "[$RS6::1$r]:53"
	bg "rs$r" "dnsmasq-rs$r" dnsmasq --no-daemon --conf-file=/dev/null \
		--no-resolv --no-hosts --user=root --group=root --pid-file= \
		--port=53 --bind-interfaces --listen-address="$RS6::1$r" \
		--log-queries --log-facility="$FNAT_LOG/dns-rs$r.log" \
		--address="/a.test/2001:db8:53::$r"
done
for r in 1 2; do
	wait_for 20 "dnsmasq on rs$r" sh -c "$IP netns exec rs$r ss -Huln 'sport = :53' | grep -q ."
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

log "path MTU: 5 MB each way across a 1280-byte link (Packet Too Big)"
big=$FNAT_LOG/big
head -c 5M /dev/urandom > "$big"
sum=$(sha256sum < "$big")
for r in 1 2; do
	cp "$big" "$FNAT_LOG/nginx-rs$r/www/data/big"
done
# Download first: the client would otherwise announce the MSS of the
# path MTU the upload taught it, and never send or get a big packet.
# Download: the client's last hop takes 1280; its router tells the VIP,
# the director tells the real server.
on rt "$IP" link set c1 mtu 1280
before=$(counter lb1 icmp_xlated)
got=$(on_quiet c1 curl -6 -g -sS --fail --max-time 120 "http://[$VIP6]/data/big" | sha256sum)
assert_eq "$got" "$sum" "the 5 MB download arrived whole"
assert_ge "$(counter lb1 icmp_xlated)" "$((before + 1))" "Packet Too Big translated to the real server"
on rt "$IP" link set c1 mtu 1500
# Upload: the server side's last hop takes 1280; its router tells the LIP,
# the director tells the client (about the client's own packet).
on rsr "$IP" link set brrs mtu 1280
before=$(counter lb1 icmp_xlated)
on_quiet c1 curl -6 -g -sS --fail --max-time 120 -T "$big" "http://[$VIP6]/up/big6" >/dev/null
up=$(ls "$FNAT_LOG"/nginx-rs[12]/www/up/big6)
got=$(sha256sum < "$up")
assert_eq "$got" "$sum" "the 5 MB upload arrived whole"
assert_ge "$(counter lb1 icmp_xlated)" "$((before + 1))" "Packet Too Big translated to the client"
