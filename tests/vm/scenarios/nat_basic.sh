#!/bin/bash
# NAT (LVS masquerading) through one director: the destination becomes
# RIP:8080 behind VIP:80, the client's address is kept, and the replies,
# which come back through the director as the real servers' gateway,
# leave it from VIP:80. No local addresses are configured. Judged by the
# real servers' nginx logs, by tcpdump on both sides and by curl.
#
#  c1 198.51.100.2 --- rt --- lb1 (VIP 203.0.113.10:80, forward nat, no LIPs)
#                               |
#                              rsr --- rs1 198.19.0.11:8080
#                                  --- rs2 198.19.0.12:8080
#                                  --- rs3 198.19.0.13:8080
#  (the real servers' route to the client network: rsr, then lb1)
#
# @timeout: 500
. /fnat/lib.sh

CIP=$CLIENT_NET.2
topo_base 1 3
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
