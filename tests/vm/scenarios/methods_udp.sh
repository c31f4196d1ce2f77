#!/bin/bash
# UDP through NAT, DR and TUN at once, each on its own VIP, with real
# software: dnsmasq on the real servers, dig on the client. Judged by
# outside observers: dig's answers (each server answers its own address),
# dnsmasq's query logs (the client's own address: none of the three
# methods hides it), tcpdump on the client's link (NAT's replies from
# VIP:53 only, no real server's address), on the director (no DR or TUN
# reply crosses it) and on the wire to the TUN servers (IPIP carrying the
# client's query), by lbctl's connection table (the idle timeout), and by
# dig's error when NAT's server is gone (ICMP port unreachable, translated
# to come from the VIP). A 3.6 kB answer through each arrives in fragments.
# Then datagrams larger than a link, through udp_echo on each VIP's port 7
# (tests/tools; judged by the echo's sha256 on the client and the
# server's own log of what it received and of the ICMP errors its socket
# was handed, and by tcpdump): 8000 bytes that the client sends in
# fragments; for TUN 1500 bytes without DF (fragmented after IPIP) and
# with DF (lb1's frag-needed, MTU 1480); a 1280-byte link before the
# client (rt's frag-needed about an echo reaches the server: NAT
# translates it, DR and TUN relay it as it came, but for a link-local
# source, 169.254/16, which becomes lb1's own); a 1300-byte link before
# the NAT and TUN servers (NAT: rsr's frag-needed about a datagram with
# DF reaches the client from the VIP; TUN: rsr's, about lb1's IPIP packet,
# makes lb1 tell the client 1280); a client gone before its
# echo (its port unreachable alike); 65500 bytes (NAT and DR: whole; TUN:
# dropped, IPIP would pass IPv4's 65535 bytes).
#
#  c1 198.51.100.2 --- rt --- lb1 (no LIPs)  NAT 203.0.113.10:53 -> RIP:5353
#                      |       |             TUN 203.0.113.12:53
#                      |       |             DR  203.0.113.11:53
#                      +----- rsr  (a link of their own, 198.18.3.0/24)
#     brrs: rs1 198.19.0.11, rs2 .12  NAT: dnsmasq on RIP:5353, a.test 192.0.2.1/.2
#           rs3 198.19.0.13, rs4 .14  TUN: VIP .12 on tunl0, dnsmasq on it, .3/.4
#     brup: rs5 198.18.2.25, rs6 .26  DR:  VIP .11 on lo (lb1's L2 segment), .5/.6
#  rsr routes the client network through lb1 (NAT's replies), but what
#  comes from a VIP (DR's and TUN's replies) straight to rt (a rule).
#
# @timeout: 300
. /fnat/lib.sh

CIP=$CLIENT_NET.2
VIP_DR=203.0.113.11
VIP_TUN=203.0.113.12

module_load ipip
topo_methods 4 2 "$VIP_DR" "$VIP_TUN"
for i in 5 6; do
	dr_rs "rs$i" "$VIP_DR"
done
for i in 3 4; do
	tun_rs "rs$i" "$VIP_TUN"
done

module_load fullnat
lb lb1 service add udp "$VIP:53" forward nat scheduler rr
lb lb1 rs add udp "$VIP:53" "$RS_NET.11:5353"
lb lb1 rs add udp "$VIP:53" "$RS_NET.12:5353"
lb lb1 service add udp "$VIP_TUN:53" forward tun scheduler rr
lb lb1 rs add udp "$VIP_TUN:53" "$RS_NET.13:53"
lb lb1 rs add udp "$VIP_TUN:53" "$RS_NET.14:53"
lb lb1 service add udp "$VIP_DR:53" forward dr scheduler rr
lb lb1 rs add udp "$VIP_DR:53" "$UP_NET.25:53"
lb lb1 rs add udp "$VIP_DR:53" "$UP_NET.26:53"
lb lb1 show
assert_eq "$(lbctl -n lb1 -j laddr | jq length)" 0 "local addresses (none needed)"

# dnsmasq on rsN at ADDR:PORT: a.test is 192.0.2.N; big.test a TXT record
# of 14 strings of 250 bytes (an answer of about 3.6 kB, fragmented at MTU 1500)
txt=$(printf 'x%.0s' {1..250})
big=(--edns-packet-max=4096)
for i in $(seq 1 14); do
	big+=(--txt-record="big.test,$txt")
done
dns() { # dns N ADDR PORT
	dns_server "rs$1" "rs$1" "$2" "$3" "192.0.2.$1" "${big[@]}"
	dns_pid[$1]=${_bg_pids[-1]}
}
dns 1 "$RS_NET.11" 5353
dns 2 "$RS_NET.12" 5353
dns 3 "$VIP_TUN" 53
dns 4 "$VIP_TUN" 53
dns 5 "$VIP_DR" 53
dns 6 "$VIP_DR" 53

bg c1 cap-c1 tcpdump -i eth0 -n -U -w "$FNAT_LOG/c1.pcap" \
	"udp or icmp or ip[6:2] & 0x3fff != 0"
bg lb1 cap-lb tcpdump -i any -n -U -w "$FNAT_LOG/lb.pcap" -s 128 ip
bg rsr cap-ipip tcpdump -i lb1 -n -U -w "$FNAT_LOG/ipip.pcap" -s 128 ip proto 4
cap_pids=("${_bg_pids[@]: -3}")
for c in c1 lb ipip; do
	wait_for 10 "tcpdump ($c)" grep -q "listening on" "$FNAT_LOG/cap-$c.log"
done

pcap() { # pcap FILE [FILTER...]: what tcpdump has written so far
	local f=$1
	shift
	on_quiet c1 tcpdump -r "$FNAT_LOG/$f.pcap" -n "$@" 2>/dev/null
}
count() { grep -cE "$1" || true; }

check_method() { # check_method NAME VIP FIRST_RS
	local name=$1 vip=$2 a=$3 b=$(($3 + 1)) out r froms
	log "$name: 10 queries to $vip:53, round robin over rs$a and rs$b"
	out=""
	for i in $(seq 1 10); do
		out+=$(dig_ +short @"$vip" a.test A)$'\n'
	done
	echo "$out" | sort | uniq -c
	assert_eq "$(grep -cx "192.0.2.$a" <<< "$out")" 5 "$name: answers from rs$a"
	assert_eq "$(grep -cx "192.0.2.$b" <<< "$out")" 5 "$name: answers from rs$b"
	log "$name: the servers' query logs: 5 each, all from the client's own address"
	for r in $a $b; do
		froms=$(grep -o 'query\[A\] a.test from [0-9.]*' "$FNAT_LOG/dns-rs$r.log" |
			awk '{ print $4 }')
		assert_eq "$(grep -c . <<< "$froms")" 5 "$name: queries in rs$r's log"
		assert_eq "$(sort -u <<< "$froms")" "$CIP" "$name: the peer rs$r logged"
	done
	log "$name: a 3.6 kB answer arrives whole, in fragments from $vip"
	out=$(dig_ +bufsize=4096 +ignore @"$vip" big.test TXT)
	echo "$out" | grep -v "xxxxxxxxxx"
	assert_match "$out" "status: NOERROR" "$name: dig's status"
	[[ $out =~ flags:[a-z\ ]*\ tc[\ \;] ]] && fail "$name: the answer was truncated"
	assert_eq "$(grep -c '^big\.test\..*TXT' <<< "$out")" 14 "$name: TXT records in the answer"
	frags() { pcap c1 -v "src $vip and ip[6:2] & 0x3fff != 0" | count "proto UDP"; }
	three() { (($(frags) >= 3)); }
	wait_for 10 "tcpdump to write the fragments" three
	assert_ge "$(frags)" 3 "$name: fragments from $vip on the client's link"
}

check_method NAT "$VIP" 1
check_method TUN "$VIP_TUN" 3
check_method DR "$VIP_DR" 5

log "an idle connection of each method goes after the UDP timeout"
# 3 s, as much longer as the guest is slower: all three flows must still
# be there when listed (on the debug kernel the first two had gone)
tmo=$(scaled 3)
lb lb1 config set timeout udp unreplied "$tmo" timeout udp "$tmo"
port=40000
for vip in "$VIP" "$VIP_TUN" "$VIP_DR"; do
	assert_match "$(dig_ +short -b "$CIP#$port" @"$vip" a.test A)" '^192\.0\.2\.[1-6]$' \
		"an answer from $vip to port $port"
	port=$((port + 1))
done
timed() {
	lbctl -n lb1 -j conn | jq -c --argjson tmo "$tmo" '[.[] | select(.client.port >= 40000 and
		.client.port <= 40002) | {port: .client.port, forward, protocol, state,
		soon: (.expires <= $tmo)}] | sort_by(.port)'
}
c=$(timed)
echo "$c"
want='{"port":40000,"forward":"nat","protocol":"udp","state":"unreplied","soon":true},'
want+='{"port":40001,"forward":"tun","protocol":"udp","state":"unreplied","soon":true},'
want+='{"port":40002,"forward":"dr","protocol":"udp","state":"unreplied","soon":true}'
assert_eq "$c" "[$want]" "the three flows' connections: method, UDP, unreplied (one query, no stream), at most ${tmo} s left"
lb lb1 conn
gone() { [[ $(timed) == "[]" ]]; }
start=$SECONDS
# the timeout, then the collector's next pass over the table (4 s for
# its 2^20 buckets, later on a loaded host)
wait_for 20 "the idle UDP connections to expire" gone
echo "ok: gone after $((SECONDS - start))s"

log "NAT: a stopped server: dig is refused at once (ICMP port unreachable, translated)"
lb lb1 rs set udp "$VIP:53" "$RS_NET.12:5353" weight 0
run kill "${dns_pid[1]}"
udp_closed() { ! udp_listening "$@"; }
wait_for 20 "dnsmasq on rs1 to stop" udp_closed rs1 5353
icmp_before=$(counter lb1 icmp_xlated)
start=$SECONDS
set +e
out=$(dig_ @"$VIP" a.test A 2>&1)
rc=$?
set -e
echo "$out"
took=$((SECONDS - start))
assert_match "$out" "connection refused" "dig's error"
[[ $rc != 0 ]] || fail "dig succeeded"
((took < $(scaled 4))) || fail "dig took ${took}s: it waited for its timeout"
echo "ok: refused after ${took}s"
assert_ge "$(counter lb1 icmp_xlated)" $((icmp_before + 1)) "ICMP errors translated"
unreach() { pcap c1 icmp | grep -q "IP $VIP > $CIP: ICMP $VIP udp port 53 unreachable"; }
wait_for 10 "tcpdump to write the ICMP error" unreach
pcap c1 icmp
echo "ok: the client's view: $VIP udp port 53 unreachable, from $VIP"

kill "${cap_pids[@]}"
wait "${cap_pids[@]}" || true	# each has written its last packet

# Each VIP got 12 queries answered (10, the big one, the timed one), each
# tried once.
log "the client's link: every reply from a VIP's port 53, no real server's address"
pkts=$(pcap c1)
to_c=$(grep -E " > $CIP\.[0-9]+: " <<< "$pkts" || true)
assert_eq "$(count "IP $VIP\.53 > " <<< "$to_c")" 12 "NAT's replies from $VIP.53"
assert_eq "$(count "IP $VIP_TUN\.53 > " <<< "$to_c")" 12 "TUN's replies from $VIP_TUN.53"
assert_eq "$(count "IP $VIP_DR\.53 > " <<< "$to_c")" 12 "DR's replies from $VIP_DR.53"
odd=$(grep -vE "IP ($VIP|$VIP_TUN|$VIP_DR)\.53 > " <<< "$to_c" | grep . || true)
echo "$odd" | head -n 3
assert_eq "$(grep -c . <<< "$odd" || true)" 0 "replies to the client from anything else"
assert_eq "$(count "IP ($RS_NET|$UP_NET)\." <<< "$pkts")" 0 \
	"packets from a real server's address on the client's link"

log "the director: the DR and TUN queries, and no reply of theirs"
lbw=$(pcap lb)
for vip in "$VIP_TUN" "$VIP_DR"; do
	# each twice: in from rt, out to a real server (DR) or inside IPIP (TUN)
	assert_eq "$(count "IP $CIP\.[0-9]+ > $vip\.53: " <<< "$lbw")" 24 \
		"queries to $vip:53 seen on lb1"
	assert_eq "$(count "IP $vip(\.[0-9]+)? > " <<< "$lbw")" 0 "packets from $vip on lb1"
done
# NAT's replies do cross it: from the RIP in, from VIP:53 out
assert_eq "$(count "IP $RS_NET\.1[12]\.5353 > $CIP\.[0-9]+: " <<< "$lbw")" 12 \
	"NAT's replies from RIP:5353 into lb1"
json=$(lbctl -n lb1 -j show)
for vip in "$VIP_TUN" "$VIP_DR"; do
	assert_eq "$(jq --arg v "$vip" '.services[] | select(.vip == $v) | .stats.outpkts' <<< "$json")" 0 \
		"reply packets $vip's service forwarded"
done

log "on the wire to the TUN servers: IPIP from lb1 carrying the client's queries"
ipip=$(pcap ipip)
head -n 3 <<< "$ipip"
inner=$(count "IP $UP_NET\.11 > $RS_NET\.1[34]: IP $CIP\.[0-9]+ > $VIP_TUN\.53: [0-9]+\+? " <<< "$ipip")
assert_eq "$inner" 12 "IPIP packets carrying client -> $VIP_TUN:53 (UDP)"
assert_eq "$(grep -c . <<< "$ipip")" "$inner" "other IPIP packets"

lb lb1 show --stats
assert_eq "$(counter lb1 xmit_err)" 0 "no transmit errors"
assert_eq "$(counter lb1 no_route)" 0 "no routing failures"

log "DR and TUN never see the answer: a flow that keeps sending still becomes a stream"
# the unreplied timeout outlasts the step on a slower guest (FNAT_SCALE):
# on the debug kernel, 30 s ran out before the second query to the DR VIP
unreplied=$((30 * FNAT_SCALE))
lb lb1 config set timeout udp unreplied "$unreplied" timeout udp 300
state_of() { lbctl -n lb1 -j conn | jq -r "[.[] | select(.client.port == $1)][0].state"; }
port=40010
for vip in "$VIP_TUN" "$VIP_DR"; do
	assert_match "$(dig_ +short -b "$CIP#$port" @"$vip" a.test A)" '^192\.0\.2\.[3-6]$' \
		"a first query from port $port to $vip"
	assert_eq "$(state_of "$port")" unreplied "after one query from port $port"
	port=$((port + 1))
done
# a stream is a flow still sending 2 s after its answer (proto_udp.c):
# wait until both connections' timers (unreplied) show 3 s gone
expires_of() { lbctl -n lb1 -j conn | jq -r "[.[] | select(.client.port == $1)][0].expires // 99999"; }
aged_3s() { (($(expires_of 40010) <= unreplied - 4 && $(expires_of 40011) <= unreplied - 4)); }
wait_for 20 "3 s since the first queries" aged_3s
lbctl -n lb1 conn
port=40010
for vip in "$VIP_TUN" "$VIP_DR"; do
	assert_match "$(dig_ +short -b "$CIP#$port" @"$vip" a.test A)" '^192\.0\.2\.[3-6]$' \
		"a second query from port $port to $vip"
	[[ $(state_of "$port") == normal ]] || lbctl -n lb1 conn
	assert_eq "$(state_of "$port")" normal "a stream from port $port"
	port=$((port + 1))
done

log "UDP echo on port 7 of each VIP (udp_echo): datagrams larger than a link"
echo_service rs1 nat nat "$VIP" "$RS_NET.11:7007" "$RS_NET.11" 7007
echo_service rs3 tun tun "$VIP_TUN" "$RS_NET.13:7" "$VIP_TUN" 7
echo_service rs5 dr dr "$VIP_DR" "$UP_NET.25:7" "$VIP_DR" 7
# METHOD:VIP:SERVER'S NAMESPACE
methods=("nat:$VIP:rs1" "tun:$VIP_TUN:rs3" "dr:$VIP_DR:rs5")
capture c1 e-c1 -i eth0 "icmp or udp port 7 or ip[6:2] & 0x3fff != 0"
cap_pids=("$cap")
capture rsr e-ipip -i lb1 -s 200 ip proto 4
cap_pids+=("$cap")
capture rs1 e-rs1 -i eth0 icmp
cap_pids+=("$cap")
capture rs5 e-rs5 -i eth0 icmp
cap_pids+=("$cap")
head -c 8000 /dev/urandom > "$FNAT_LOG/d8000"
head -c 1472 /dev/urandom > "$FNAT_LOG/d1472"	# IP 1500
head -c 1372 /dev/urandom > "$FNAT_LOG/d1372"	# IP 1400
head -c 100 /dev/urandom > "$FNAT_LOG/d100"
# IP 65528: IPv4's limit is 65535, the tunnel's 20 bytes go over it
head -c 65500 /dev/urandom > "$FNAT_LOG/d65500"
svc_stat() { # svc_stat VIP FIELD: a counter of VIP:7's service
	lbctl -n lb1 -j show | jq --arg v "$1" ".services[] | select(.vip == \$v and .port == 7) | .stats.$2"
}

log "8000 bytes, in fragments from the client: each server gets the datagram whole, its echo comes back whole"
# fullnat.ko enables nf_defrag_ipv4/6 itself: no conntrack needed
echo "nf_conntrack loaded: $(grep -c '^nf_conntrack ' /proc/modules || true)"
sp=40100
for m in "${methods[@]}"; do
	IFS=: read -r name vip ns <<< "$m"
	before=$(svc_stat "$vip" inpkts)
	echo_whole "$name, 8000 bytes" "$FNAT_LOG/d8000" "$vip" 7 "$sp" -w 5
	assert_eq "$(echo_got "$name" "got 8000 from $CIP:$sp")" 1 \
		"$name: the datagram in $ns's log, from the client"
	# supporting: nf_defrag_ipv4 reassembled it before lb1's hook
	assert_eq "$(($(svc_stat "$vip" inpkts) - before))" 1 "$name: packets lb1 forwarded"
	sp=$((sp + 1))
done

log "TUN: 1500 bytes without DF: fragmented after IPIP's 20 bytes, delivered"
told=$(counter lb1 frag_needed)
echo_whole "tun, 1472 bytes without DF" "$FNAT_LOG/d1472" "$VIP_TUN" 7 40110 -d dont -w 5
assert_eq "$(echo_got tun "got 1472 from $CIP:40110")" 1 "tun: the datagram in rs3's log"
assert_eq "$(counter lb1 frag_needed)" "$told" "frag_needed, without DF"

log "TUN: 1500 bytes with DF (as QUIC sends them): lb1's frag-needed with the tunnel's MTU, 1480"
rc=0
on c1 udp_echo client -d do -t 2 -p 40111 "$VIP_TUN" 7 < "$FNAT_LOG/d1472" \
	> /dev/null 2> "$FNAT_LOG/echo-40111.err" || rc=$?
cat "$FNAT_LOG/echo-40111.err"
assert_eq "$rc" 1 "udp_echo's exit status (no echo)"
assert_match "$(cat "$FNAT_LOG/echo-40111.err")" \
	"try 1: error: Message too long \(path MTU 1480\)" "the client's socket, told"
assert_match "$(on_quiet c1 "$IP" route get "$VIP_TUN")" "mtu 1480" "the client's route to the VIP"
assert_eq "$(echo_got tun "got 1472 from $CIP:40111")" 0 "the datagram with DF in rs3's log"
assert_eq "$(counter lb1 frag_needed)" "$((told + 1))" "frag_needed"
on c1 "$IP" route flush cache

log "a 1280-byte link to the client: rt's frag-needed about each echo of 1400 bytes reaches its server, whose next echo comes in fragments"
on rt "$IP" route change "$CLIENT_NET.0/24" dev c1 mtu 1280
sp=40120
for m in "${methods[@]}"; do
	IFS=: read -r name vip ns <<< "$m"
	xl=$(counter lb1 icmp_xlated)
	echo_whole "$name, 1372 bytes" "$FNAT_LOG/d1372" "$vip" 7 "$sp" -t 3 -w 2
	assert_match "$(cat "$FNAT_LOG/echo-$sp.err")" "try 1: no echo" "$name: the first echo, lost"
	assert_eq "$(echo_got "$name" "error 3/4 info 1280 from $DIR_NET.1:0 about $CIP:$sp")" 1 \
		"$name: rt's frag-needed in $ns's socket, about the echo to the client"
	assert_match "$(on_quiet "$ns" "$IP" route get "$CIP")" "mtu 1280" "$name: $ns's route to the client"
	assert_ge "$(counter lb1 icmp_xlated)" "$((xl + 1))" "$name: icmp_xlated"
	sp=$((sp + 1))
done
on rt "$IP" route change "$CLIENT_NET.0/24" dev c1

log "an error from a link-local source (169.254/16) about an echo: DR and TUN relay it from lb1's own address"
# Valid on rt's link to lb1 only (RFC 3927): TUN's goes from the tunnel's
# source, DR's from lb1's address on the servers' segment (judged in the
# servers' captures below)
on rt icmp_forge 169.254.0.1 "$VIP_TUN" 0 "$VIP_TUN" 7 "$CIP" 40121 $((1380 << 16)) udp
on rt icmp_forge 169.254.0.1 "$VIP_DR" 0 "$VIP_DR" 7 "$CIP" 40122 $((1380 << 16)) udp

log "a 1300-byte link before the servers, 1400 bytes with DF: NAT: rsr's frag-needed reaches the client, translated"
on rsr "$IP" route change "$RS_NET.0/24" dev brrs mtu 1300
echo_whole "nat, 1372 bytes with DF" "$FNAT_LOG/d1372" "$VIP" 7 40150 -t 2 -w 2
assert_match "$(cat "$FNAT_LOG/echo-40150.err")" "try 1: error: Message too long \(path MTU 1300\)" \
	"nat: the client's socket, told"
log "TUN: rsr's frag-needed about lb1's IPIP packet is believed by lb1, which tells the client the tunnel's MTU, 1280"
echo_whole "tun, 1372 bytes with DF" "$FNAT_LOG/d1372" "$VIP_TUN" 7 40151 -t 3 -w 2
assert_match "$(cat "$FNAT_LOG/echo-40151.err")" \
	"try 1: no echo.try 2: error: Message too long \(path MTU 1280\)" "tun: the client's socket, told"
assert_match "$(on_quiet c1 "$IP" route get "$VIP_TUN")" "mtu 1280" "the client's route to the TUN VIP"
assert_eq "$(echo_got tun "got 1372 from $CIP:40151")" 1 "tun: the datagram in rs3's log (once)"
on rsr "$IP" route change "$RS_NET.0/24" dev brrs
on c1 "$IP" route flush cache
on lb1 "$IP" route flush cache

log "a client gone before its echo: its port unreachable reaches the server"
sp=40130
for m in "${methods[@]}"; do
	IFS=: read -r name vip ns <<< "$m"
	on c1 udp_echo client -n -p "$sp" "$vip" 7 < "$FNAT_LOG/d100"
	refused() { [[ $(echo_got "$name" "error 3/3 info 0 from $CIP:0 about $CIP:$sp") == 1 ]]; }
	wait_for 10 "$name: the client's port unreachable in $ns's socket" refused
	echo "ok: $name: error 3/3 from $CIP about $CIP:$sp in $ns's socket"
	sp=$((sp + 1))
done

log "65500 bytes: NAT and DR forward the datagram whole; with TUN's 20 bytes it would pass IPv4's limit: dropped"
echo_whole "nat, 65500 bytes" "$FNAT_LOG/d65500" "$VIP" 7 40140 -w 5
assert_eq "$(echo_got nat "got 65500 from $CIP:40140")" 1 "nat: the datagram in rs1's log"
echo_whole "dr, 65500 bytes" "$FNAT_LOG/d65500" "$VIP_DR" 7 40142 -w 5
assert_eq "$(echo_got dr "got 65500 from $CIP:40142")" 1 "dr: the datagram in rs5's log"
xe=$(counter lb1 xmit_err)
on c1 udp_echo client -n -p 40141 "$VIP_TUN" 7 < "$FNAT_LOG/d65500"
# dropped (counted), or sent: the tail of its fragments on the wire
fate() {
	[[ $(counter lb1 xmit_err) != "$xe" ]] ||
		tcpdump -r "$FNAT_LOG/e-ipip.pcap" -n 'ip[6:2] & 0x1fff > 1100' 2>/dev/null | grep -q .
}
wait_for 10 "the 65500-byte datagram dropped or sent" fate
# The servers' sockets had their errors before tcpdump may have read them
# off its own socket: poll the captures for the two errors each judged
# below before stopping them.
captured() {
	local f
	local f n
	for f in e-rs1:2 e-ipip:3 e-rs5:3; do
		n=$(icmp4_errors "$FNAT_LOG/${f%:*}.pcap" | grep -c .)
		((n >= ${f#*:})) || return 1
	done
}
wait_for 10 "the errors judged below in each server's capture" captured

kill "${cap_pids[@]}"
wait "${cap_pids[@]}" || true	# each has written its last packet

log "the client's link: the datagrams in fragments each way, lb1's frag-needed for TUN"
for m in "${methods[@]}"; do
	IFS=: read -r name vip ns <<< "$m"
	assert_ge "$(tcpdump -r "$FNAT_LOG/e-c1.pcap" -n "dst $vip and ip[6:2] & 0x3fff != 0" 2>/dev/null | grep -c .)" 6 \
		"$name: fragments from the client to $vip"
	assert_ge "$(tcpdump -r "$FNAT_LOG/e-c1.pcap" -n "src $vip and ip[6:2] & 0x3fff != 0" 2>/dev/null | grep -c .)" 6 \
		"$name: fragments from $vip to the client"
done
errs=$(icmp4_errors "$FNAT_LOG/e-c1.pcap")
echo "$errs"
assert_eq "$(grep " 3/4 " <<< "$errs")" "$DIR_NET.11 > $CIP 3/4 1480 $CIP.40111 > $VIP_TUN.7
$VIP > $CIP 3/4 1300 $CIP.40150 > $VIP.7
$DIR_NET.11 > $CIP 3/4 1280 $CIP.40151 > $VIP_TUN.7" \
	"frag-needed on the client's link: lb1's for TUN (1480, then 1280), rsr's for NAT translated"

log "the servers' links: rt's frag-needed and the client's port unreachable, each about its server's echo"
errs=$(icmp4_errors "$FNAT_LOG/e-rs1.pcap")
echo "$errs"
assert_eq "$errs" "$DIR_NET.1 > $RS_NET.11 3/4 1280 $RS_NET.11.7007 > $CIP.40120
$CIP > $RS_NET.11 3/3 0 $RS_NET.11.7007 > $CIP.40130" "NAT: the errors translated to rs1"
errs=$(icmp4_errors "$FNAT_LOG/e-ipip.pcap")
echo "$errs"
assert_eq "$errs" "ipip $UP_NET.11 > $RS_NET.13: $DIR_NET.1 > $VIP_TUN 3/4 1280 $VIP_TUN.7 > $CIP.40121
ipip $UP_NET.11 > $RS_NET.13: $UP_NET.11 > $VIP_TUN 3/3 0 $VIP_TUN.7 > $CIP.40121
ipip $UP_NET.11 > $RS_NET.13: $CIP > $VIP_TUN 3/3 0 $VIP_TUN.7 > $CIP.40131" \
	"TUN: the errors relayed to rs3 as they came, in IPIP"
errs=$(icmp4_errors "$FNAT_LOG/e-rs5.pcap")
echo "$errs"
assert_eq "$errs" "$DIR_NET.1 > $VIP_DR 3/4 1280 $VIP_DR.7 > $CIP.40122
$UP_NET.11 > $VIP_DR 3/3 0 $VIP_DR.7 > $CIP.40122
$CIP > $VIP_DR 3/3 0 $VIP_DR.7 > $CIP.40132" "DR: the errors relayed to rs5 as they came"

log "TUN: the 65500-byte datagram is not on the wire, in IPIP over 65535 bytes; it is counted"
outer=$(tcpdump -r "$FNAT_LOG/e-ipip.pcap" -n -v 'ip[6:2] & 0x1fff > 1100' 2>/dev/null | grep -c "proto IPIP" || true)
assert_eq "$outer" 0 "IPIP fragments past offset 8800 (the 8000-byte datagram's end)"
assert_eq "$(counter lb1 xmit_err)" "$((xe + 1))" "xmit_err: the datagram dropped"
assert_eq "$(echo_got tun "got 65500 from $CIP:40141")" 0 "tun: the datagram in rs3's log"
