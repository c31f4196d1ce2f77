#!/bin/bash
# DR (direct routing) through one director: the client's packets reach
# the real servers unchanged through the director, the replies go
# straight back through the router, never through the director.
#
#  c1 198.51.100.2 --- rt 198.51.100.1 / br0 198.18.0.1   (VIP/32 via lb1)
#                          |  one L2 segment (br0)
#        +-----------------+-----------+-----------+
#  lb1 198.18.0.11   rs1 198.18.0.21   rs2 .22     rs3 .23
#  (VIP 203.0.113.10:80, dr, rr; no LIPs)
#                    each rs: VIP on lo, arp_ignore=1, arp_announce=2,
#                    nginx on VIP:80, default route rt (not lb1)
#
# Judged by outside observers: curl's bodies, nginx's access logs (the
# client's own address; rr's even shares; nothing for a quiesced server),
# tcpdump on the director (the client's packets, no reply), tcpdump on a
# real server (an ICMP error about a reply relayed to it), and the
# director's connection table (ESTABLISHED, then expired after the
# client's FIN by the one-sided table). Over IPv6 too, with a UDP echo
# (udp_echo) of 8000 bytes in fragments.
#
# @timeout: 500
. /fnat/lib.sh

NET=198.18.0
rs_ip() { echo "$NET.$((20 + $1))"; }

ns_add c1
ns_add rt
ns_router rt
link c1 eth0 "$CLIENT_NET.2/24" rt c1 "$CLIENT_NET.1/24"
on c1 "$IP" route add default via "$CLIENT_NET.1"
bridge_add rt br0 "$NET.1/24"
ns_add lb1
ns_router lb1
link lb1 eth0 "$NET.11/24" rt lb1 -
bridge_port rt br0 lb1
on lb1 "$IP" route add default via "$NET.1"
# The network reaches the VIP through the director (as BGP would teach it).
on rt "$IP" route add "$VIP/32" via "$NET.11"
for i in 1 2 3; do
	ns_add "rs$i"
	link "rs$i" eth0 "$(rs_ip $i)/24" rt "rs$i" -
	bridge_port rt br0 "rs$i"
	on "rs$i" "$IP" route add default via "$NET.1"
	# The classic real-server set-up (docs/methods.md, "Direct routing").
	on "rs$i" "$IP" addr add "$VIP/32" dev lo
	on "rs$i" sysctl -qw net.ipv4.conf.all.arp_ignore=1 \
		net.ipv4.conf.all.arp_announce=2
	http_server "rs$i" "rs$i" "$VIP" 80
done

# IPv6 on the same segment (the DR6 part below): DIR6::/64 on br0, the
# real servers DIR6::2N with VIP6 on lo. DAD runs meanwhile.
on rt sysctl -qw net.ipv6.conf.all.forwarding=1
on c1 "$IP" addr add "$CLIENT6::2/64" dev eth0 nodad
on rt "$IP" addr add "$CLIENT6::1/64" dev c1 nodad
on rt "$IP" addr add "$DIR6::1/64" dev br0 nodad
on lb1 "$IP" addr add "$DIR6::11/64" dev eth0 nodad
on c1 "$IP" -6 route add default via "$CLIENT6::1"
on lb1 "$IP" -6 route add default via "$DIR6::1"
on rt "$IP" -6 route add "$VIP6/128" via "$DIR6::11"
for i in 1 2 3; do
	on "rs$i" "$IP" addr add "$DIR6::2$i/64" dev eth0 nodad
	on "rs$i" "$IP" -6 route add default via "$DIR6::1"
	# The real-server set-up for IPv6 (docs/methods.md, "Direct routing"): the
	# VIP on lo; Linux answers a neighbour solicitation only for an
	# address of the interface it came on, so nothing else is needed.
	on "rs$i" "$IP" addr add "$VIP6/128" dev lo nodad
done

module_load fullnat
lb lb1 service add tcp "$VIP:80" forward dr scheduler rr
for i in 1 2 3; do
	lb lb1 rs add tcp "$VIP:80" "$(rs_ip $i):80"
done
lb lb1 show
assert_eq "$(lbctl -n lb1 -j laddr | jq length)" 0 "local addresses (a DR service needs none)"

log "a port mapping is refused, by the kernel and by lbctl apply"
if out=$(lbctl -n lb1 rs add tcp "$VIP:80" "$NET.24:8080" 2>&1); then
	fail "rs add with port 8080 on a DR service succeeded"
fi
echo "$out"
assert_match "$out" "dr and tun do not map ports" "the kernel's reason"
cat > /tmp/dr.json <<-EOF
{ "schema_version": 1,
  "directors": [ { "name": "lb1", "netns": "lb1" } ],
  "services": [ { "protocol": "tcp", "vip": "$VIP", "port": 80,
    "forward": "dr", "scheduler": "rr",
    "real_servers": [ { "address": "$(rs_ip 1)", "port": 8080 } ] } ] }
EOF
if out=$(lbctl apply --dry-run /tmp/dr.json 2>&1); then
	fail "apply of a DR real server with another port succeeded"
fi
echo "$out"
assert_match "$out" "services\[0\]\.real_servers\[0\]\.port: " "apply names the port"
assert_eq "$(lbctl -n lb1 -j show | jq '.services[0].real_servers | length')" 3 \
	"real servers after the refusals"

share() { # share BODIES NAME
	grep -cx "$2" <<< "$1" || true
}

# -e -t: each line "SRCMAC > DSTMAC, ethertype IPv4 (0x0800), length N: IP..."
bg lb1 cap-lb tcpdump -i eth0 -n -l -e -t "tcp and host $VIP and port 80"
cap_pid=${_bg_pids[-1]}
wait_for 10 "tcpdump on lb1" grep -q listening "$FNAT_LOG/cap-lb.log"

log "60 requests, round robin: exactly even"
out=$(requests c1 "http://$VIP/" 60)
for i in 1 2 3; do
	assert_eq "$(share "$out" "rs$i")" 20 "rs$i's share under rr (curl)"
	assert_eq "$(wc -l < "$FNAT_LOG/rs$i.access")" 20 "rs$i's share under rr (its nginx log)"
done

log "the real servers see the client's own address"
peers=$(cat "$FNAT_LOG"/rs*.access | cut -d: -f1 | sort -u)
assert_eq "$peers" "$CLIENT_NET.2" "the peers in the nginx logs"

log "the director sees the client's packets, and no reply"
# tcpdump prints what it captured when it stops: wait for the count line.
kill -INT "$cap_pid"
wait_for 10 "tcpdump's summary" grep -q 'packets captured' "$FNAT_LOG/cap-lb.log"
from_client=$(grep -c ": $CLIENT_NET.2.[0-9]* > $VIP.80:" "$FNAT_LOG/cap-lb.log" || true)
from_vip=$(grep -c ": $VIP.80 > " "$FNAT_LOG/cap-lb.log" || true)
# each client packet twice: in from rt, and out to a real server
assert_ge "$from_client" $((60 * 2 * 4)) "client packets seen on lb1 (4+ per connection, in and out)"
assert_eq "$from_vip" 0 "packets from VIP:80 seen on lb1"
# What lb1 sent: still CIP -> VIP:80, to the real servers' MACs, all three.
lbmac=$(on_quiet lb1 cat /sys/class/net/eth0/address)
rsmacs=$(for i in 1 2 3; do on_quiet "rs$i" cat /sys/class/net/eth0/address; done | sort)
sent=$(grep "^$lbmac > " "$FNAT_LOG/cap-lb.log" || true)
assert_eq "$(grep -vc ": $CLIENT_NET.2.[0-9]* > $VIP.80:" <<< "$sent" || true)" 0 \
	"packets lb1 sent that are not CIP -> VIP:80"
assert_eq "$(awk '{ sub(",", "", $3); print $3 }' <<< "$sent" | sort -u)" "$rsmacs" \
	"the MACs lb1 sent them to (the real servers')"

log "statistics"
json=$(lbctl -n lb1 -j show)
assert_eq "$(jq '[.services[0].real_servers[].stats.conns] | add' <<< "$json")" 60 \
	"connections scheduled"
assert_eq "$(jq '.services[0].stats.outpkts' <<< "$json")" 0 "reply packets through the director"

log "weight 0 quiesces a real server"
lb lb1 rs set tcp "$VIP:80" "$(rs_ip 3):80" weight 0
before=$(wc -l < "$FNAT_LOG/rs3.access")
out=$(requests c1 "http://$VIP/" 30)
if [[ $(share "$out" rs3) != 0 ]]; then
	tail -n +$((before + 1)) "$FNAT_LOG/rs3.access"
	lb lb1 stats
	lbctl -n lb1 conn
fi
assert_eq "$(share "$out" rs3)" 0 "quiesced rs3's share (curl)"
assert_eq "$(wc -l < "$FNAT_LOG/rs3.access")" "$before" "quiesced rs3's nginx log"
assert_eq "$(( $(share "$out" rs1) + $(share "$out" rs2) ))" 30 "the others took all"

log "one-sided state: ESTABLISHED while held, expired after the client's FIN"
# Held without payload, the connection keeps the SYN_RECV timeout: make
# that outlast the slowest run of what follows.
lb lb1 config set timeout tcp fin_wait 4 timeout tcp syn_recv 300
state() { lbctl -n lb1 -j conn | jq -r "[.[] | select(.client.port == $1)][0].state"; }
bg rt cap-rt tcpdump -i c1 -n -l "tcp and src host $VIP and src port 80"
wait_for 10 "tcpdump on rt" grep -q listening "$FNAT_LOG/cap-rt.log"
rm -f /tmp/go
bg c1 hold timeout "$(scaled 120)" tcp_hold -n 1 -w /tmp/go "$VIP" 80
wait_for 20 "the reply's SYN-ACK on rt" grep -q 'Flags \[S\.\]' "$FNAT_LOG/cap-rt.log"
line=$(grep -m1 'Flags \[S\.\]' "$FNAT_LOG/cap-rt.log")
cport=$(sed -E 's/.* > [0-9.]+\.([0-9]+): .*/\1/' <<< "$line")
established() { [[ $(state "$cport") == established ]]; }
wait_for 20 "the held connection ESTABLISHED" established
lb lb1 conn
sleep 6		# longer than fin_wait's 4 s: an open connection stays
assert_eq "$(state "$cport")" established "the held connection's state 6 s later"

log "an ICMP error about a reply, from a router on the client's path, reaches its real server"
server=$(lbctl -n lb1 -j conn | jq -r "[.[] | select(.client.port == $cport)][0].real.address")
n=${server##*.}
n=$((n - 20))
for i in 1 2 3; do
	bg "rs$i" "cap-icmp$i" tcpdump -i eth0 -n -l icmp
	wait_for 10 "tcpdump on rs$i" grep -q listening "$FNAT_LOG/cap-icmp$i.log"
done
on rt icmp_forge "$CLIENT_NET.1" "$VIP" 1200 "$VIP" 80 "$CLIENT_NET.2" "$cport" 1
wait_for 20 "the relayed error on rs$n" grep -q 'need to frag' "$FNAT_LOG/cap-icmp$n.log"
grep 'need to frag' "$FNAT_LOG/cap-icmp$n.log"
for i in 1 2 3; do
	((i == n)) && continue
	assert_eq "$(grep -c 'need to frag' "$FNAT_LOG/cap-icmp$i.log" || true)" 0 \
		"the error on rs$i (not the connection's server)"
done

touch /tmp/go
wait_for 60 "tcp_hold's reply" grep -q '^replies=' "$FNAT_LOG/hold.log"
assert_match "$(tail -1 "$FNAT_LOG/hold.log")" "^replies=1 " "the held connection got its reply"
fin_wait() { [[ $(state "$cport") == fin_wait ]]; }
wait_for 20 "FIN_WAIT after the client's FIN" fin_wait
gone() { [[ $(state "$cport") == null ]]; }
wait_for 30 "the connection to expire (fin_wait timeout 4 s)" gone
echo "ok: expired"

log "a policy rule on the director: the real servers' routes hold"
# The next-hop route is cached under rules too (inet4.c): each packet
# used to get a route of its own under any rule.
on lb1 "$IP" rule add from 192.0.2.1 lookup main prio 100
nr=$(counter lb1 no_route)
out=$(on_quiet c1 curl -sS --fail --max-time 60 "http://$VIP/?[1-6]")
assert_eq "$(wc -l <<< "$out")" 6 "responses under a policy rule"
assert_eq "$(counter lb1 no_route)" "$nr" "packets without a route"
on lb1 "$IP" rule del prio 100

log "a blind handshake (spoofed SYN, then ACK) holds its place only for the SYN_RECV timeout"
# The real server's SYN-ACK goes to a spoofed address: the director cannot
# tell this from a client's handshake, until the client sends payload.
lb lb1 config set timeout tcp syn_recv 20
spoofed=$CLIENT_NET.77
expires() { lbctl -n lb1 -j conn | jq -r "[.[] | select(.client.port == $1)][0] | \"\(.state) \(.expires)\""; }
on c1 tcp_forge send -f S -q 5000 "$spoofed" 43000 "$VIP" 80
on c1 tcp_forge send -f A -q 5001 -k 1 "$spoofed" 43000 "$VIP" 80
read -r st exp <<< "$(expires 43000)"
echo "after SYN, ACK: $st, expires in $exp s"
assert_eq "$st" established "the blind connection's state"
((exp <= 20)) || fail "the blind connection expires in $exp s, more than the SYN_RECV timeout (20 s)"
on c1 tcp_forge send -f A -q 5001 -k 1 -l 10 "$spoofed" 43000 "$VIP" 80
read -r st exp <<< "$(expires 43000)"
echo "after payload: $st, expires in $exp s"
assert_eq "$st" established "the connection's state after payload"
((exp > 800)) || fail "a connection with payload expires in $exp s, not the ESTABLISHED timeout (900 s)"

log "blind handshakes give way to new connections when the table is full"
on c1 tcp_forge send -f S -q 6000 "$spoofed" 43001 "$VIP" 80
on c1 tcp_forge send -f A -q 6001 -k 1 "$spoofed" 43001 "$VIP" 80
assert_eq "$(expires 43001 | cut -d' ' -f1)" established "the second blind connection's state"
# Far below the count: each new connection needs one to give way, and
# the other connections have payload or are closing.
max=$(lbctl -n lb1 -j show | jq -r .connection_max)
lb lb1 config set conn_max 1
drops=$(counter lb1 early_drop)
out=$(requests c1 "http://$VIP/" 1)
assert_eq "$(wc -l <<< "$out")" 1 "a client's request at conn_max"
assert_eq "$(counter lb1 early_drop)" $((drops + 1)) "connections dropped early"
assert_eq "$(expires 43001)" "null null" "the blind connection, dropped for the client's"
lb lb1 config set conn_max "$max"

log "a client's own TOA options do not reach a real server"
# A server with toa.ko (for another service) would believe them.
for i in 1 2 3; do
	bg "rs$i" "cap-toa$i" tcpdump -i eth0 -n -l "tcp dst port 80 and src port 45000"
	wait_for 10 "tcpdump on rs$i" grep -q listening "$FNAT_LOG/cap-toa$i.log"
done
stripped=$(counter lb1 toa_stripped)
forged=fe0804d201020304		# 254/8: 1.2.3.4 port 1234
on c1 tcp_forge send -f S -q 11000 -o "$forged" "$CLIENT_NET.2" 45000 "$VIP" 80
on c1 tcp_forge send -f A -q 11001 -k 1 -l 10 -o "$forged" "$CLIENT_NET.2" 45000 "$VIP" 80
seen() { (($(cat "$FNAT_LOG"/cap-toa*.log | grep -c ' > ') >= 2)); }
wait_for 20 "both segments on a real server" seen
grep -h ' > ' "$FNAT_LOG"/cap-toa*.log
# tcpdump names a kind 254 option "exp-04d2" (RFC 6994's ExID: our port).
assert_eq "$(cat "$FNAT_LOG"/cap-toa*.log | grep -cE 'exp-|unknown-' || true)" 0 \
	"segments with the client's TOA on the real servers"
assert_eq "$(cat "$FNAT_LOG"/cap-toa*.log | grep -cF 'options [nop,nop,nop,nop,nop,nop,nop,nop]' || true)" 2 \
	"segments with the option cleared (NOPs) on the real servers"
assert_eq "$(counter lb1 toa_stripped)" $((stripped + 2)) "toa_stripped"

log "a client port reset and reopened, again and again: one connection, not a leak"
# Each SYN after the exact RST reopens the tuple (fnat_tcp_reopen()); the
# old connection, with no real-server side to keep, must go with it: left
# unhashed, nothing would find it again (not the table's walks, not a
# dump) and it would hold its place in the counts and its memory for
# ever. (The real server's SYN-ACK reaches c1, whose kernel resets too.)
reused=$(counter lb1 conn_reused)
for i in $(seq 20); do
	on_quiet c1 tcp_forge send -f S -q $((i * 1000)) "$CLIENT_NET.2" 42000 "$VIP" 80 >/dev/null
	on_quiet c1 tcp_forge send -f R -q $((i * 1000 + 1)) "$CLIENT_NET.2" 42000 "$VIP" 80 >/dev/null
done
assert_ge "$(counter lb1 conn_reused)" $((reused + 19)) "reopened connections"
assert_eq "$(lbctl -n lb1 -j conn | jq '[.[] | select(.client.port == 42000)] | length')" 1 \
	"connections of port 42000 in the table"
# Every connection counted is one a dump finds. Others expire meanwhile,
# and the dump walks the buckets over several calls: a poll sees them
# equal only if nothing expired while it ran (a leak never does).
counted() {
	local n d n2
	n=$(conns lb1)
	d=$(lbctl -n lb1 -j conn | jq length)
	n2=$(conns lb1)
	echo "counted $n, in the table $d, counted $n2"
	[[ $n == "$d" && $n2 == "$n" ]]
}
wait_for 30 "the count to match the table" counted
log "DR over IPv6: the same real servers, an IPv6 VIP"
t6=$SECONDS
dad_done c1 rt lb1 rs1 rs2 rs3
for i in 1 2 3; do
	vip6_server "rs$i" "rs${i}v6"
done
lb lb1 service add tcp "[$VIP6]:80" forward dr scheduler rr
for i in 1 2 3; do
	lb lb1 rs add tcp "[$VIP6]:80" "[$DIR6::2$i]:80"
done

log "no real server answers a neighbour solicitation for the VIP"
# rt asks br0 for VIP6 itself (a route on the link, for this check only)
on rt "$IP" -6 route add "$VIP6/128" dev br0 metric 10
if on rt ping -6 -c 1 -W 3 "$VIP6"; then
	fail "a real server answered for the VIP on the segment"
fi
neigh=$(on_quiet rt "$IP" -6 neigh show "$VIP6" dev br0)
echo "rt's neighbour entry: $neigh"
[[ $neigh != *lladdr* ]] || fail "rt learnt a link-layer address for the VIP: $neigh"
on rt "$IP" -6 route del "$VIP6/128" dev br0 metric 10

bg lb1 cap-lb6 tcpdump -i eth0 -n -U -w /tmp/lb6.pcap -s 128 ip6 and tcp port 80
wait_for 10 "tcpdump on lb1" grep -q listening "$FNAT_LOG/cap-lb6.log"
log "30 requests with curl -6, round robin: 10 per real server, from the IPv6 client"
rr_shares6 30 3

log "DR6: an error from a link-local address that came in on another link reaches its server from lb1's address"
# A second link from rt to lb1 with link-local addresses only (an
# unnumbered link), VIP6's route through it for this check: rt's error
# from fe80::1 is valid on that link alone, not on the servers'.
link rt ll0 - lb1 ll0 -
on rt "$IP" addr add fe80::1/64 dev ll0 nodad
on lb1 "$IP" addr add fe80::11/64 dev ll0 nodad
on rt "$IP" -6 route replace "$VIP6/128" via fe80::11 dev ll0
rm -f /tmp/go6
# Held without payload it keeps the SYN_RECV timeout, 20 s since the
# blind handshakes above: make it outlast the captures' start (on the
# debug kernel three tcpdumps took longer, and the error found no
# connection to relay it for).
lb lb1 config set timeout tcp syn_recv 300
bg c1 hold6 timeout "$(scaled 120)" tcp_hold -n 1 -w /tmp/go6 "$VIP6" 80
# (the requests' connections above linger in FIN_WAIT: not those)
held6q=".[] | select(.client.address == \"$CLIENT6::2\" and .state == \"established\")"
held6() { lbctl -n lb1 -j conn | jq -e "$held6q" >/dev/null; }
wait_for 20 "the held IPv6 connection ESTABLISHED in lb1's table" held6
c6=$(lbctl -n lb1 -j conn | jq -c "[$held6q][0]")
echo "$c6"
cport6=$(jq -r .client.port <<< "$c6")
rs6=$(jq -r .real.address <<< "$c6")
for i in 1 2 3; do
	bg "rs$i" "cap-ll$i" tcpdump -i eth0 -n -l "icmp6 and ip6[40] == 1"
	wait_for 10 "tcpdump on rs$i" grep -q listening "$FNAT_LOG/cap-ll$i.log"
done
on rt icmp_forge fe80::1%ll0 "$VIP6" 0 "$VIP6" 80 "$CLIENT6::2" "$cport6" 1
n6=$((${rs6##*::2}))
wait_for 10 "the relayed error on rs$n6" grep -q 'destination unreachable' "$FNAT_LOG/cap-ll$n6.log"
cat "$FNAT_LOG/cap-ll$n6.log"
assert_match "$(grep 'destination unreachable' "$FNAT_LOG/cap-ll$n6.log")" \
	"IP6 2001:db8::11 > $VIP6: ICMP6, destination unreachable" \
	"the relayed error's source on rs$n6's link (lb1's $DIR6::11, not rt's fe80::1)"
on rt "$IP" -6 route replace "$VIP6/128" via "$DIR6::11"
touch /tmp/go6
wait_for 60 "tcp_hold's IPv6 reply" grep -q '^replies=' "$FNAT_LOG/hold6.log"
assert_match "$(tail -1 "$FNAT_LOG/hold6.log")" "^replies=1 " "the held IPv6 connection got its reply"

log "5 MB down and up, sha256: the download across a 1280-byte client link"
# rt's Packet Too Big about a reply goes to the VIP, so to lb1, which
# relays it to the reply's real server: its TCP learns the path MTU
head -c 5M /dev/urandom > /tmp/big6
want=$(sha256sum < /tmp/big6 | cut -d' ' -f1)
ptb_relayed6 /tmp/big6

log "the upload through a 1400-byte segment: lb1's own Packet Too Big to the client"
bg c1 cap-c6 tcpdump -i eth0 -n -l icmp6 and 'ip6[40] == 2'
wait_for 10 "tcpdump on c1" grep -q listening "$FNAT_LOG/cap-c6.log"
# The servers still announce an MSS for 1500 (advmss): only lb1 knows
for i in 1 2 3; do
	on "rs$i" "$IP" link set eth0 mtu 1400
	on "rs$i" "$IP" -6 route replace default via "$DIR6::1" advmss 1440
done
# Its own route, ahead of the prefix's (metric 256): "replace" would add
# a second one behind it, at the default metric, that nothing uses
on lb1 "$IP" -6 route add "$DIR6::/64" dev eth0 metric 1 mtu 1400
assert_match "$(on_quiet lb1 "$IP" -6 route get "$DIR6::21")" "mtu 1400" "lb1's route to the servers"
told=$(counter lb1 frag_needed)
on c1 curl -6 -g -sS --fail --max-time "$(scaled 120)" -T /tmp/big6 "http://[$VIP6]/up/big6"
got=$(cat "$FNAT_LOG"/nginx-rs[123]v6/www/up/big6 | sha256sum | cut -d' ' -f1)
assert_eq "$got" "$want" "the upload's checksum on the real server"
assert_ge "$(counter lb1 frag_needed)" "$((told + 1))" "frag_needed counted"
wait_for 10 "the Packet Too Big on c1's wire" grep -q 'packet too big' "$FNAT_LOG/cap-c6.log"
grep 'packet too big' "$FNAT_LOG/cap-c6.log" | head -2
assert_match "$(grep 'packet too big' "$FNAT_LOG/cap-c6.log")" "> $CLIENT6::2: ICMP6, packet too big, mtu 1400" \
	"lb1's Packet Too Big, mtu 1400"
assert_match "$(on c1 "$IP" -6 route get "$VIP6")" "mtu 1400" "the client's route to the VIP"
on lb1 "$IP" -6 route del "$DIR6::/64" dev eth0 metric 1
for i in 1 2 3; do
	on "rs$i" "$IP" link set eth0 mtu 1500
	on "rs$i" "$IP" -6 route replace default via "$DIR6::1"
done

log "DR6, UDP echo: 8000 bytes in fragments from the client, reassembled by lb1, whole at the server and back"
echo_service rs1 dr6 dr "[$VIP6]" "[$DIR6::21]:7" "$VIP6" 7
capture rs1 e6-rs1 -i eth0 "ip6 and src $CLIENT6::2"
head -c 8000 /dev/urandom > "$FNAT_LOG/d8000"
on c1 "$IP" -6 route flush cache	# fragments of 1500, not the 1400 learnt above
echo_whole "DR6, 8000 bytes" "$FNAT_LOG/d8000" "$VIP6" 7 40300 -w 5
assert_eq "$(echo_got dr6 "got 8000 from [$CLIENT6::2]:40300")" 1 "the datagram in rs1's log, from the client"
# the socket had them before tcpdump may have read them: stop it once written
frags6() {
	local w
	w=$(tcpdump -r "$FNAT_LOG/e6-rs1.pcap" -n 2>/dev/null)
	echo "$w"
	(($(grep -c "IP6 $CLIENT6::2 > $VIP6: frag (" <<< "$w") >= 6))
}
wait_for 10 "6 fragments in rs1's capture" frags6
kill "$cap"
wait "$cap" || true	# it has written its last packet
w=$(tcpdump -r "$FNAT_LOG/e6-rs1.pcap" -n 2>/dev/null)
echo "$w"
assert_eq "$(grep -c "IP6 $CLIENT6::2 > $VIP6: frag (" <<< "$w")" 6 \
	"fragments of 1500 (lb1 sends them as they came) on rs1's link"

log "on lb1: the IPv6 client's packets in and out, to the servers' MACs, hop limit less 1, no reply"
pkill -x tcpdump
wait_for 10 "tcpdump to stop" sh -c '! pgrep -x tcpdump'
lbw=$(tcpdump -r /tmp/lb6.pcap -n -t -e -v 2>/dev/null)
assert_eq "$(tcpdump -r /tmp/lb6.pcap -n "src $VIP6 and src port 80" 2>/dev/null | grep -c . || true)" 0 \
	"packets from [VIP6]:80 seen on lb1"
# -e -v: "SRCMAC > DSTMAC, ethertype IPv6 (0x86dd), length N: (... hlim H, ...)"
sent=$(awk -v m="$lbmac" '$1 == m { print $3, $0 }' <<< "$lbw")
assert_ge "$(grep -c . <<< "$sent")" 200 "packets lb1 sent"
assert_eq "$(awk '{ sub(",", "", $1); print $1 }' <<< "$sent" | sort -u)" "$rsmacs" \
	"the MACs lb1 sent them to (the real servers')"
assert_eq "$(grep -o 'hlim [0-9]*' <<< "$sent" | sort -u)" "hlim 62" \
	"hop limit of what lb1 sent (c1 64, rt 63)"
assert_eq "$(tcpdump -r /tmp/lb6.pcap -n "ether src $lbmac and not (src $CLIENT6::2 and dst $VIP6 and dst port 80)" 2>/dev/null | grep -c . || true)" 0 \
	"packets lb1 sent that are not CIP6 -> [VIP6]:80"
echo "IPv6 part: $((SECONDS - t6)) s"

log "the module goes with nothing left behind"
run rmmod fullnat
grep -q fnat_conn /proc/slabinfo && fail "the connection cache outlived the module"
echo "ok: module gone, cache gone"
