#!/bin/bash
# FullNAT66: an IPv6 VIP, IPv6 real servers and an IPv6 LIP pool. curl -6
# gets each server's body through the VIP; the real servers' side sees
# only LIP -> RIP; with toa.ko, nginx logs the IPv6 client on an IPv6-only
# and on a dual-stack listener (TOA 254/20 in the third ACK, the client's
# SYN-ACK MSS lowered by 20); a service mixing families is refused; dig -6
# gets each dnsmasq's answer (UDP); 5 MB go each way across a 1280-byte
# link on either side (Packet Too Big translated).
# FullNAT64 (the same IPv6 VIP, IPv4 real servers and LIPs), set up by
# lbctl apply of the director's export with it added: nginx logs an IPv4
# LIP on an IPv4-only listener (toa.ko counts the IPv6 TOA unmappable)
# and the IPv6 client on a dual-stack one; the servers' link carries only
# IPv4 LIP <-> RIP, the third ACK TOA 254/20; 5 MB each way across a
# 1280-byte link on either side (errors translated between the families);
# dig -6 to an IPv4 dnsmasq; mixed families refused (lbctl, apply, the
# last IPv4 LIP).
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
# @timeout: 420
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

# mtu_down URL WHAT: c1 downloads the 5 MB $big from URL across its
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
	on_quiet c1 curl -6 -g -sS --fail --max-time 120 -T "$big" "$1" >/dev/null
	got=$(sha256sum < "$(ls $2)")
	assert_eq "$got" "$sum" "the 5 MB upload arrived whole"
	assert_ge "$(counter lb1 icmp_xlated)" "$((before + 1))" "$3"
}

log "path MTU: 5 MB each way across a 1280-byte link (Packet Too Big)"
big=$FNAT_LOG/big
head -c 5M /dev/urandom > "$big"
sum=$(sha256sum < "$big")
for r in 1 2; do
	cp "$big" "$FNAT_LOG/nginx-rs$r/www/data/big"
done
# Download first: the client would otherwise announce the MSS of the
# path MTU the upload taught it, and never send or get a big packet.
mtu_down "http://[$VIP6]/data/big" "Packet Too Big translated to the real server"
# The client about its own packet.
mtu_up "http://[$VIP6]/up/big6" "$FNAT_LOG/nginx-rs[12]/www/up/big6" \
	"Packet Too Big translated to the client"

log "FullNAT64: an IPv6 VIP, IPv4 real servers and LIPs, by lbctl apply"
on rsr "$IP" link set brrs mtu 1500
http_server rs1 rs1v4 "$RS_NET.11" 8082
http_server rs2 rs2d "[::]" 8082 ipv6only=off
cp "$big" "$FNAT_LOG/nginx-rs2d/www/data/big"
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
assert_eq "$(on_quiet c1 curl -6 -g -sS --fail --max-time 10 --local-port 40201 "http://[$VIP6]:82/")" \
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
dns_server rs1 64 "$RS_NET.11" 5354 192.0.2.64
assert_eq "$(dig_ -6 +short -p 54 @"$VIP6" a.test A)" 192.0.2.64 \
	"the IPv4 server's answer"
froms=$(grep -o 'query\[A\] a.test from [0-9.]*' "$FNAT_LOG/dns-64.log" | awk '{ print $4 }' | sort -u)
assert_match "$froms" "^$LIP4\.[1-4]$" "dnsmasq saw one of lb1's IPv4 LIPs"
assert_eq "$(counter lb1 xlat_dropped)" 0 "nothing untranslatable"
