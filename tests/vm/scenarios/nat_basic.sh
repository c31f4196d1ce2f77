#!/bin/bash
# NAT (LVS masquerading) through one director: the destination becomes
# RIP:8080 behind VIP:80, the client's address is kept, and the replies,
# which come back through the director as the real servers' gateway,
# leave it from VIP:80. No local addresses are configured. Judged by the
# real servers' nginx logs, by tcpdump on both sides and by curl. Then
# the same over IPv6 (NAT66): nginx and dnsmasq log the IPv6 client, the
# hop limit is decremented (Time Exceeded when it runs out), and 5 MB go
# each way across 1280- and 1400-byte links (Packet Too Big translated
# both ways, and the director's own); a UDP echo (udp_echo) of 8000 bytes
# in fragments each way, rt's Packet Too Big about an echo and the
# client's port unreachable translated to the server (its socket's
# errors, tcpdump on its link).
#
#  c1 198.51.100.2 --- rt --- lb1 (VIP 203.0.113.10:80, forward nat, no LIPs)
#                               |
#                              rsr --- rs1 198.19.0.11:8080
#                                  --- rs2 198.19.0.12:8080
#                                  --- rs3 198.19.0.13:8080
#  (the real servers' route to the client network: rsr, then lb1)
#
#  IPv6 beside it (lib.sh's topo_v6): c1 2001:db8:100::2, VIP6
#  2001:db8:113::10, lb1 2001:db8::11 / 2001:db8:2::11, rs1..3
#  2001:db8:19::11..13 (nginx [RIP6]:8080); rsr routes the client's /64
#  to lb1 as well.
#
# @timeout: 500
. /fnat/lib.sh

CIP=$CLIENT_NET.2
topo_v6 3
module_load fullnat
# The director is the real servers' gateway toward the clients: their
# default route is rsr, whose route to the client network is lb1.
on rsr "$IP" route replace "$CLIENT_NET.0/24" via "$UP_NET.11"
assert_match "$(on_quiet rs1 "$IP" route get "$CIP")" "via $RS_NET\.1 " \
	"rs1's route to the client: rsr"
assert_match "$(on_quiet rsr "$IP" route get "$CIP")" "via $UP_NET\.11 " \
	"rsr's route to the client: lb1"

lb lb1 service add tcp "$VIP:80" forward nat scheduler rr
for r in 1 2 3; do
	lb lb1 rs add tcp "$VIP:80" "$RS_NET.1$r:8080"
	http_server "rs$r" "rs$r" 0.0.0.0 8080
done
lb lb1 show
assert_eq "$(lbctl -n lb1 -j show | jq -r '.services[0].forward')" nat \
	"the service's forwarding mode"
assert_eq "$(lbctl -n lb1 -j laddr | jq length)" 0 "no local address configured"

accesses() { # accesses NAME: requests NAME's nginx has logged
	wc -l < "$FNAT_LOG/$1.access"
}

share() { # share BODIES NAME
	grep -cx "$2" <<< "$1" || true
}

log "one request, seen on both sides"
bg rs1 cap-rs tcpdump -i eth0 -n -l -U "tcp port 8080"
bg c1 cap-c tcpdump -i eth0 -n -l -U "tcp"
wait_for 10 "tcpdump on rs1" grep -q listening "$FNAT_LOG/cap-rs.log"
wait_for 10 "tcpdump on c1" grep -q listening "$FNAT_LOG/cap-c.log"
out=$(requests c1 "http://$VIP/" 3)
assert_eq "$(sort <<< "$out" | tr '\n' ' ')" "rs1 rs2 rs3 " "each server's body once, rr"
# Both FINs in each capture: the connections have been seen through.
wait_for 20 "the client's FIN on rs1" grep -q "^.* IP $CIP\.[0-9]* > $RS_NET\.11\.8080: Flags \[F" "$FNAT_LOG/cap-rs.log"
wait_for 20 "the server's FIN on c1" grep -q "^.* IP $VIP\.80 > $CIP\.[0-9]*: Flags \[F" "$FNAT_LOG/cap-c.log"
kill "${_bg_pids[-1]}" "${_bg_pids[-2]}"
cat "$FNAT_LOG/cap-rs.log" "$FNAT_LOG/cap-c.log"
# Every packet on rs1's link is CIP:* <-> RIP:8080, both ways.
awk -v c="$CIP" -v r="$RS_NET.11.8080" '
	$2 == "IP" { n++; s = $3; d = $5; sub(/:$/, "", d)
		other = s == r ? d : s
		if ((s != r && d != r) || other !~ "^" c "\\.[0-9]+$") {
			bad++; print "odd: " $0
		}
		if (d == r) toward++ }
	END { print n + 0, toward + 0, bad + 0 }' "$FNAT_LOG/cap-rs.log" > /tmp/rs.count
read -r n toward bad < /tmp/rs.count
assert_ge "$toward" 4 "packets CIP -> RIP:8080 on rs1's link"
assert_eq "$bad" 0 "packets on rs1's link that are not CIP <-> RIP:8080"
# Every packet the client receives comes from VIP:80, none from a RIP.
awk -v c="$CIP" -v v="$VIP.80" '
	$2 == "IP" { d = $5; sub(/:$/, "", d)
		if (d ~ "^" c "\\.") { n++; if ($3 != v) { bad++; print "odd: " $0 } } }
	END { print n + 0, bad + 0 }' "$FNAT_LOG/cap-c.log" > /tmp/c.count
read -r n bad < /tmp/c.count
assert_ge "$n" 9 "packets to the client (3 connections, >= 3 each)"
assert_eq "$bad" 0 "packets to the client not from VIP:80"
grep -q "IP $RS_NET\." "$FNAT_LOG/cap-c.log" &&
	fail "a real server's address reached the client's link"
echo "ok: no real server's address on the client's link"

log "the real servers see the client's own address"
peers=$(cat "$FNAT_LOG"/rs*.access | cut -d: -f1 | sort -u)
echo "$peers"
assert_eq "$peers" "$CIP" "every peer in the nginx logs"

log "100 requests, round robin over 3: all succeed, shared evenly"
for r in 1 2 3; do before[r]=$(accesses "rs$r"); done
out=$(requests c1 "http://$VIP/" 100)
assert_eq "$(wc -l <<< "$out")" 100 "bodies received"
total=0
for r in 1 2 3; do
	got=$(($(accesses "rs$r") - before[r]))
	assert_eq "$(share "$out" "rs$r")" "$got" "rs$r's bodies = its log's new lines"
	assert_match "$got" "^3[34]$" "rs$r's share under rr (33 or 34)"
	total=$((total + got))
done
assert_eq "$total" 100 "requests in the servers' logs"

log "lbctl conn: NAT connections, no local address"
lbctl -n lb1 conn | sed -n 1,4p
json=$(lbctl -n lb1 -j conn)
assert_ge "$(jq length <<< "$json")" 100 "connections in the table"
assert_eq "$(jq -r '[.[].forward] | unique | join(",")' <<< "$json")" nat "their method"
assert_eq "$(jq -r '[.[] | has("local")] | unique | join(",")' <<< "$json")" false \
	"no local address in any"

log "weight 0 quiesces a real server"
lb lb1 rs set tcp "$VIP:80" "$RS_NET.13:8080" weight 0
for r in 1 2 3; do before[r]=$(accesses "rs$r"); done
out=$(requests c1 "http://$VIP/" 30)
assert_eq "$(($(accesses rs3) - before[3]))" 0 "new requests in quiesced rs3's log"
# rr gives rs3's turns to the next server with a weight: rs1 20, rs2 10.
assert_eq "$(($(accesses rs1) - before[1] + $(accesses rs2) - before[2]))" 30 \
	"rs1's and rs2's new requests"
lb lb1 rs set tcp "$VIP:80" "$RS_NET.13:8080" weight 1

log "statistics"
lb lb1 show --stats
json=$(lbctl -n lb1 -j show)
conns=$(jq '[.services[0].real_servers[].stats.conns] | add' <<< "$json")
assert_eq "$conns" 133 "connections scheduled over all real servers"
assert_ge "$(jq '.services[0].stats.inpkts' <<< "$json")" 665 \
	"client packets forwarded (>= 5 per connection)"
assert_ge "$(jq '.services[0].stats.outpkts' <<< "$json")" 399 \
	"replies forwarded (>= 3 per connection)"
assert_eq "$(counter lb1 toa_inserted)" 0 "no TOA in NAT"

log "other schedulers: wlc and mh serve too"
for s in wlc mh; do
	lb lb1 service set tcp "$VIP:80" scheduler "$s"
	out=$(requests c1 "http://$VIP/" 9)
	assert_eq "$(wc -l <<< "$out")" 9 "bodies with $s"
done

log "path MTU toward the client (rt's route 1300): ICMP to the server"
dd if=/dev/urandom of="$FNAT_LOG/nginx-rs1/www/data/blob" bs=1M count=1 status=none
want=$(sha256sum < "$FNAT_LOG/nginx-rs1/www/data/blob" | cut -d' ' -f1)
lb lb1 service set tcp "$VIP:80" scheduler rr
lb lb1 rs set tcp "$VIP:80" "$RS_NET.12:8080" weight 0
lb lb1 rs set tcp "$VIP:80" "$RS_NET.13:8080" weight 0
on rt "$IP" route change "$CLIENT_NET.0/24" dev c1 mtu 1300
before=$(counter lb1 icmp_xlated)
got=$(on_quiet c1 curl -sS --fail --max-time 60 "http://$VIP/data/blob" |
	sha256sum | cut -d' ' -f1)
assert_eq "$got" "$want" "download through a 1300-byte client path"
assert_ge "$(counter lb1 icmp_xlated)" "$((before + 1))" "ICMP translated toward the server"
on rt "$IP" route change "$CLIENT_NET.0/24" dev c1

log "path MTU toward the servers (rsr's route 1300): ICMP to the client"
# A socat sink behind VIP:9000 judges the upload whole by its checksum.
lb lb1 service add tcp "$VIP:9000" forward nat scheduler rr
lb lb1 rs add tcp "$VIP:9000" "$RS_NET.11:9000"
dd if=/dev/urandom of=/tmp/up bs=1M count=1 status=none
want=$(sha256sum < /tmp/up | cut -d' ' -f1)
bg rs1 sink socat -u TCP-LISTEN:9000,reuseaddr "SYSTEM:sha256sum > $FNAT_LOG/upload.sum"
wait_for 20 "socat on rs1:9000" listening rs1 9000
# rs1 learnt a path MTU of 1300 toward the client above, and would
# announce an MSS to fit it: forget it, or no upload segment is too big.
on rs1 "$IP" route flush cache
on rsr "$IP" route change "$RS_NET.0/24" dev brrs mtu 1300
bg c1 cap-icmp tcpdump -i eth0 -n -l -U "icmp"
wait_for 10 "tcpdump on c1 (icmp)" grep -q listening "$FNAT_LOG/cap-icmp.log"
before=$(counter lb1 icmp_xlated)
on c1 timeout "$(scaled 60)" socat -u /tmp/up "TCP:$VIP:9000"
wait_for 60 "the upload's checksum" test -s "$FNAT_LOG/upload.sum"
assert_eq "$(cut -d' ' -f1 < "$FNAT_LOG/upload.sum")" "$want" \
	"a 1 MB upload through a 1300-byte server path"
assert_ge "$(counter lb1 icmp_xlated)" "$((before + 1))" "ICMP translated toward the client"
# The router behind the director (rsr) sent it; the client sees the VIP.
tofrag() { grep "need to frag" "$FNAT_LOG/cap-icmp.log"; }
wait_for 10 "tcpdump on c1 to write the ICMP error" tofrag
tofrag
assert_eq "$(tofrag | grep -vc " IP $VIP > " || true)" 0 \
	"frag-needed on the client's link from another source than the VIP"
on rsr "$IP" route change "$RS_NET.0/24" dev brrs

log "a NAT real server in a FullNAT service (per-server method)"
lb lb1 service add tcp "$VIP:82" scheduler rr
lb lb1 rs add tcp "$VIP:82" "$RS_NET.12:8080" forward nat
assert_eq "$(lbctl -n lb1 -j show | jq -r '.services[] | select(.port == 82) |
	.forward + "/" + .real_servers[0].forward')" fullnat/nat "service/server methods"
before=$(accesses rs2)
assert_eq "$(http_get c1 "http://$VIP:82/")" rs2 "served by rs2"
assert_eq "$(tail -n 1 "$FNAT_LOG/rs2.access" | cut -d: -f1)" "$CIP" \
	"rs2 saw the client's address"
assert_eq "$(($(accesses rs2) - before))" 1 "rs2 logged it"

log "a client port that would clash on the reply side is refused, counted"
# A second NAT service on another port maps to the same RIP:8080: one
# client port to both would give two connections one reply tuple. Port
# 61001 is outside the client's ephemeral range, so no earlier socket
# holds it.
lb lb1 service add tcp "$VIP:81" forward nat scheduler rr
lb lb1 rs add tcp "$VIP:81" "$RS_NET.11:8080"
code=$(on_quiet c1 curl -sS --fail --max-time 10 --local-port 61001 \
	-o /dev/null -w '%{http_code}' "http://$VIP/")
assert_eq "$code" 200 "a request from port 61001 to VIP:80 (to rs1, alone)"
before=$(counter lb1 reply_clash)
reused=$(counter lb1 conn_reused)
on c1 tcp_forge send -f S -n 3 -P 1 "$CIP" 61001 "$VIP" 81
clashed() { (($(counter lb1 reply_clash) > before)); }
wait_for 10 "reply_clash counted" clashed
echo "ok: reply_clash = $(counter lb1 reply_clash) (was $before)"
assert_eq "$(lbctl -n lb1 -j conn | jq '[.[] | select(.virtual.port == 81)] | length')" 0 \
	"connections to VIP:81"
assert_eq "$(counter lb1 conn_reused)" "$reused" "nothing reused on the way"

log "a SYN from the client port of a closed NAT connection starts a new one"
# No tuple of the director's own to quarantine: the old connection goes,
# and the new one takes its reply side (else: reply_clash).
clashes=$(counter lb1 reply_clash)
on c1 tcp_forge send -f S -n 1 -P 1 "$CIP" 61001 "$VIP" 80
reopened() { (($(counter lb1 conn_reused) > reused)); }
wait_for 10 "conn_reused counted" reopened
assert_eq "$(counter lb1 conn_reused)" "$((reused + 1))" "conn_reused"
assert_eq "$(counter lb1 reply_clash)" "$clashes" "no reply_clash"
assert_eq "$(lbctl -n lb1 -j conn | jq '[.[] | select(.client.port == 61001 and
	.virtual.port == 80)] | length')" 1 "one connection on the tuple"

log "requests for an address with no service pass by untouched"
# To a port of rs1 that no service uses: rs1's refusal (a RST) comes
# back through the director, routed as any packet (curl: 7, refused).
rc=0
on_quiet c1 curl -sS --max-time 10 "http://$RS_NET.11:8081/" || rc=$?
assert_eq "$rc" 7 "curl's exit status to rs1:8081 (connection refused)"
# To a NAT server's own RIP:8080 the client's SYN is routed there too,
# but the answers, from RIP:8080 with no connection, are nat_stray's:
# a director cannot tell them from an expired connection's.
strays=$(counter lb1 nat_stray)
rc=0
on_quiet c1 curl -sS --max-time 5 --local-port 61002 "http://$RS_NET.11:8080/" || rc=$?
assert_eq "$rc" 28 "curl's exit status to rs1:8080 directly (timed out)"
assert_ge "$(counter lb1 nat_stray)" "$((strays + 1))" "nat_stray"

log "a SYN from the director's own address (spoofed from outside) is martian"
# The kernel's source check would drop it, but the hook runs before
# routing: NAT would hand rs a connection from the director itself.
martians=$(counter lb1 martian)
on c1 tcp_forge send -f S -n 1 -P 1 "$UP_NET.11" 61003 "$VIP" 80
more_martians() { (($(counter lb1 martian) > martians)); }
wait_for 10 "martian counted" more_martians
assert_eq "$(lbctl -n lb1 -j conn | jq "[.[] | select(.client.address == \"$UP_NET.11\")] | length")" \
	0 "connections from the director's own address"

log "NAT66: an IPv6 VIP and the same real servers over IPv6"
t6=$SECONDS
CIP6=$CLIENT6::2
# As for IPv4, rsr sends the clients' network to lb1; rt sends the real
# servers' to lb1 too (the stray requests below).
on rsr "$IP" -6 route add "$CLIENT6::/64" via "$UP6::11"
on rt "$IP" -6 route add "$RS6::/64" via "$DIR6::11"
assert_match "$(on_quiet rsr "$IP" -6 route get "$CIP6")" "via $UP6::11 " \
	"rsr's route to the IPv6 client: lb1"
for r in 1 2 3; do
	http_server6 "rs$r" "rs${r}v6" "$RS6::1$r" 8080
done
lb lb1 service add tcp "[$VIP6]:80" forward nat scheduler rr
for r in 1 2 3; do
	lb lb1 rs add tcp "[$VIP6]:80" "[$RS6::1$r]:8080"
done

bg rs1 cap-rs6 tcpdump -i eth0 -n -l -U -v "ip6 and tcp port 8080"
bg c1 cap-c6 tcpdump -i eth0 -n -l -U -v "ip6 and tcp"
wait_for 10 "tcpdump on rs1" grep -q listening "$FNAT_LOG/cap-rs6.log"
wait_for 10 "tcpdump on c1" grep -q listening "$FNAT_LOG/cap-c6.log"
log "30 requests with curl -6, round robin: 10 per real server, which log the IPv6 client"
rr_shares6 30 3
wait_for 20 "the client's FIN on rs1" grep -q "> $RS6::11\.8080: Flags \[F" "$FNAT_LOG/cap-rs6.log"
wait_for 20 "the server's FIN on c1" grep -q "$VIP6\.80 > $CIP6\.[0-9]*: Flags \[F" "$FNAT_LOG/cap-c6.log"
kill "${_bg_pids[-1]}" "${_bg_pids[-2]}"
head -3 "$FNAT_LOG/cap-rs6.log" "$FNAT_LOG/cap-c6.log"
# rs1 got only CIP6 -> RIP6:8080, hop limit 61 (c1 64, rt, lb1, rsr)
got=$(hops6 "$FNAT_LOG/cap-rs6.log" to "$RS6::11.8080" "$CIP6" | sort | uniq -c)
echo "$got"
assert_match "$(awk '{ print $2, $3 }' <<< "$got" | tr '\n' ' ')" "^61 0 $" \
	"rs1's packets toward RIP6:8080: all from the client, hop limit 61"
assert_ge "$(awk '{ print $1 }' <<< "$got")" 40 "packets toward RIP6:8080 (10 connections)"
# c1 got only VIP6:80 -> CIP6, hop limit 61 (rs 64, rsr, lb1, rt)
got=$(hops6 "$FNAT_LOG/cap-c6.log" from "$VIP6.80" "$CIP6" | sort | uniq -c)
echo "$got"
assert_match "$(awk '{ print $2, $3 }' <<< "$got" | tr '\n' ' ')" "^61 0 $" \
	"c1's packets: all from VIP6:80, hop limit 61"
assert_ge "$(awk '{ print $1 }' <<< "$got")" 90 "packets to the client (30 connections)"
if grep "$RS6::" "$FNAT_LOG/cap-c6.log"; then
	fail "a real server's IPv6 address reached the client's link"
fi
echo "ok: no real server's address on the client's link"

log "UDP: dig -6 through the VIP, dnsmasq on rs1 logs the IPv6 client"
lb lb1 service add udp "[$VIP6]:53" forward nat scheduler rr
lb lb1 rs add udp "[$VIP6]:53" "[$RS6::11]:53"
bg rs1 dnsmasq-rs1 dnsmasq --no-daemon --conf-file=/dev/null \
	--no-resolv --no-hosts --user=root --group=root --pid-file= \
	--port=53 --bind-interfaces --listen-address="$RS6::11" \
	--log-queries --log-facility="$FNAT_LOG/dns-rs1.log" \
	--address="/a.test/2001:db8:53::1"
wait_for 20 "dnsmasq on rs1" sh -c "$IP netns exec rs1 ss -Huln 'sport = :53' | grep -q ."
assert_eq "$(on_quiet c1 dig -6 +tries=1 +timeout=5 +short @"$VIP6" a.test AAAA)" \
	2001:db8:53::1 "dig -6's answer"
assert_eq "$(grep -o 'query\[AAAA\] a.test from [0-9a-f:]*' "$FNAT_LOG/dns-rs1.log" |
	awk '{ print $4 }' | sort -u)" "$CIP6" "the querier in dnsmasq's log"

bg c1 cap-icmp6 tcpdump -i eth0 -n -l -U "icmp6 and ip6[40] >= 1 and ip6[40] <= 3"
wait_for 10 "tcpdump on c1 (icmp6)" grep -q listening "$FNAT_LOG/cap-icmp6.log"
icmp6_seen() { grep -q "$1" "$FNAT_LOG/cap-icmp6.log"; }

log "a UDP port no server listens on: rs1's port unreachable reaches the client, translated"
lb lb1 service add udp "[$VIP6]:54" forward nat scheduler rr
lb lb1 rs add udp "[$VIP6]:54" "[$RS6::11]:54"
xlated=$(counter lb1 icmp_xlated)
out=$(on_quiet c1 dig -6 -p 54 +tries=1 +timeout=5 @"$VIP6" a.test AAAA 2>&1) || true
echo "$out"
assert_match "$out" "connection refused" "dig's error"
assert_ge "$(counter lb1 icmp_xlated)" "$((xlated + 1))" "icmp_xlated"
# tcpdump names the quoted packet's destination: the VIP, not rs1
wait_for 10 "the port unreachable on c1's wire" icmp6_seen "udp port 54"
assert_match "$(grep "udp port 54" "$FNAT_LOG/cap-icmp6.log")" \
	"IP6 $VIP6 > $CIP6: ICMP6, destination unreachable, unreachable port, $VIP6 udp port 54" \
	"the client's view: from the VIP, about [VIP6]:54"

log "hop limit 2 from c1 arrives at lb1 as 1: lb1's Time Exceeded, nothing forwarded"
on c1 "$IP" -6 route add "$VIP6/128" via "$CLIENT6::1" hoplimit 2
ttl=$(counter lb1 ttl)
before=$(cat "$FNAT_LOG"/rs[123]v6.access | wc -l)
rc=0
on_quiet c1 curl -6 -g -sS --max-time 5 "http://[$VIP6]/" || rc=$?
[[ $rc != 0 ]] || fail "curl succeeded with hop limit 2"
wait_for 10 "the Time Exceeded on c1's wire" icmp6_seen "time exceeded"
assert_match "$(grep "time exceeded" "$FNAT_LOG/cap-icmp6.log")" \
	"> $CIP6: ICMP6, time exceeded" "lb1's Time Exceeded to the client"
assert_ge "$(counter lb1 ttl)" "$((ttl + 1))" "ttl counted"
assert_eq "$(cat "$FNAT_LOG"/rs[123]v6.access | wc -l)" "$before" "requests the servers logged"
on c1 "$IP" -6 route del "$VIP6/128"

log "5 MB down across a 1280-byte client link: rt's Packet Too Big translated to the server"
head -c 5M /dev/urandom > /tmp/big6
want=$(sha256sum < /tmp/big6 | cut -d' ' -f1)
ptb_relayed6 /tmp/big6

log "5 MB up: lb1's own Packet Too Big (1400 toward the servers), then rsr's (1280) translated to the client"
# The servers learnt 1280 toward the client above, and would announce an
# MSS to fit it: forget it, or no upload segment is too big. Each route
# of its own, ahead of the prefix's (metric 256).
for r in 1 2 3; do
	on "rs$r" "$IP" -6 route flush cache
done
on lb1 "$IP" -6 route add "$RS6::/64" via "$UP6::1" metric 1 mtu 1400
# lock: a router forwards by the device's MTU otherwise (ip6_forward())
on rsr "$IP" -6 route add "$RS6::/64" dev brrs metric 1 mtu lock 1280
assert_match "$(on_quiet lb1 "$IP" -6 route get "$RS6::11")" "mtu 1400" "lb1's route to the servers"
assert_match "$(on_quiet rsr "$IP" -6 route get "$RS6::11")" "mtu lock 1280" "rsr's route to the servers"
told=$(counter lb1 frag_needed)
xlated=$(counter lb1 icmp_xlated)
on c1 curl -6 -g -sS --fail --max-time "$(scaled 120)" -T /tmp/big6 "http://[$VIP6]/up/big6"
got=$(cat "$FNAT_LOG"/nginx-rs[123]v6/www/up/big6 | sha256sum | cut -d' ' -f1)
assert_eq "$got" "$want" "the upload's checksum on the real server"
assert_ge "$(counter lb1 frag_needed)" "$((told + 1))" "frag_needed counted"
assert_ge "$(counter lb1 icmp_xlated)" "$((xlated + 1))" "icmp_xlated"
wait_for 10 "both Packet Too Bigs on c1's wire" icmp6_seen "packet too big, mtu 1280"
grep "packet too big" "$FNAT_LOG/cap-icmp6.log" | sort | uniq -c
assert_match "$(grep "packet too big" "$FNAT_LOG/cap-icmp6.log")" \
	"> $CIP6: ICMP6, packet too big, mtu 1400" "lb1's own Packet Too Big, mtu 1400"
assert_eq "$(grep "packet too big, mtu 1280" "$FNAT_LOG/cap-icmp6.log" |
	grep -vc "IP6 $VIP6 > $CIP6: " || true)" 0 \
	"Packet Too Big 1280 on the client's link from another source than the VIP"
assert_match "$(on c1 "$IP" -6 route get "$VIP6")" "mtu 1280" "the client's route to the VIP"
on lb1 "$IP" -6 route del "$RS6::/64" via "$UP6::1" metric 1
on rsr "$IP" -6 route del "$RS6::/64" dev brrs metric 1

log "IPv6 requests for a real server's own address: routed, but its service port's answers are nat_stray's"
rc=0
on_quiet c1 curl -6 -g -sS --max-time 10 "http://[$RS6::11]:8081/" || rc=$?
assert_eq "$rc" 7 "curl's exit status to [rs1]:8081 (connection refused)"
strays=$(counter lb1 nat_stray)
rc=0
on_quiet c1 curl -6 -g -sS --max-time 5 "http://[$RS6::11]:8080/" || rc=$?
assert_eq "$rc" 28 "curl's exit status to [rs1]:8080 directly (timed out)"
assert_ge "$(counter lb1 nat_stray)" "$((strays + 1))" "nat_stray"

log "NAT66, UDP echo: 8000 bytes in fragments each way; rt's Packet Too Big and the client's port unreachable translated to the server"
echo_service rs1 nat6 nat "[$VIP6]" "[$RS6::11]:7007" "$RS6::11" 7007
capture rs1 e6-rs1 -i eth0 "icmp6 and ip6[40] < 128"
head -c 8000 /dev/urandom > "$FNAT_LOG/d8000"
head -c 1372 /dev/urandom > "$FNAT_LOG/d1372"	# IPv6 1420
echo_whole "NAT66, 8000 bytes" "$FNAT_LOG/d8000" "$VIP6" 7 40100 -w 5
assert_eq "$(echo_got nat6 "got 8000 from [$CIP6]:40100")" 1 "the datagram in rs1's log, from the client"
on rt "$IP" link set c1 mtu 1280
echo_whole "NAT66, 1372 bytes across a 1280-byte link" "$FNAT_LOG/d1372" "$VIP6" 7 40101 -t 3 -w 2
assert_match "$(cat "$FNAT_LOG/echo-40101.err")" "try 1: no echo" "the first echo, lost"
rt6=2001:db8::1	# $DIR6::1, rt's address toward the VIP, as written
assert_eq "$(echo_got nat6 "error 2/0 info 1280 from [$rt6]:0 about [$CIP6]:40101")" 1 \
	"rt's Packet Too Big in rs1's socket, about the echo to the client"
on rt "$IP" link set c1 mtu 1500
on c1 udp_echo client -n -p 40102 "$VIP6" 7 < "$FNAT_LOG/d8000"
refused() { [[ $(echo_got nat6 "error 1/4 info 0 from [$CIP6]:0 about [$CIP6]:40102") == 1 ]]; }
wait_for 10 "the client's port unreachable in rs1's socket" refused
# the socket had it before tcpdump may have read it: kill it once written
rs1_got() { icmp6_errors "$FNAT_LOG/e6-rs1.pcap" | grep -q " 1/4 "; }
wait_for 10 "the client's port unreachable in rs1's capture" rs1_got
kill "$cap"
wait "$cap" || true	# it has written its last packet
errs=$(icmp6_errors "$FNAT_LOG/e6-rs1.pcap")
echo "$errs"
assert_eq "$errs" "$rt6 > $RS6::11 2/0 1280 $RS6::11.7007 > $CIP6.40101
$CIP6 > $RS6::11 1/4 0 $RS6::11.7007 > $CIP6.40102" "the errors on rs1's link, translated"
on rs1 "$IP" -6 route flush cache
echo "IPv6 part: $((SECONDS - t6)) s"
