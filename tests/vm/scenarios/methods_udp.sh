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
lb lb1 config set timeout udp unreplied 3 timeout udp 3
port=40000
for vip in "$VIP" "$VIP_TUN" "$VIP_DR"; do
	assert_match "$(dig_ +short -b "$CIP#$port" @"$vip" a.test A)" '^192\.0\.2\.[1-6]$' \
		"an answer from $vip to port $port"
	port=$((port + 1))
done
timed() {
	lbctl -n lb1 -j conn | jq -c '[.[] | select(.client.port >= 40000 and
		.client.port <= 40002) | {port: .client.port, forward, protocol, state,
		soon: (.expires <= 3)}] | sort_by(.port)'
}
c=$(timed)
echo "$c"
want='{"port":40000,"forward":"nat","protocol":"udp","state":"unreplied","soon":true},'
want+='{"port":40001,"forward":"tun","protocol":"udp","state":"unreplied","soon":true},'
want+='{"port":40002,"forward":"dr","protocol":"udp","state":"unreplied","soon":true}'
assert_eq "$c" "[$want]" "the three flows' connections: method, UDP, unreplied (one query, no stream), at most 3 s left"
lb lb1 conn
gone() { [[ $(timed) == "[]" ]]; }
start=$SECONDS
wait_for 10 "the idle UDP connections to expire" gone
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
lb lb1 config set timeout udp unreplied 30 timeout udp 300
state_of() { lbctl -n lb1 -j conn | jq -r "[.[] | select(.client.port == $1)][0].state"; }
port=40010
for vip in "$VIP_TUN" "$VIP_DR"; do
	assert_match "$(dig_ +short -b "$CIP#$port" @"$vip" a.test A)" '^192\.0\.2\.[3-6]$' \
		"a first query from port $port to $vip"
	assert_eq "$(state_of "$port")" unreplied "after one query from port $port"
	port=$((port + 1))
done
# a stream is a flow still sending 2 s after its answer (proto_udp.c):
# wait until both connections' timers (unreplied: 30 s) show 3 s gone
expires_of() { lbctl -n lb1 -j conn | jq -r "[.[] | select(.client.port == $1)][0].expires // 99"; }
aged_3s() { (($(expires_of 40010) <= 26 && $(expires_of 40011) <= 26)); }
wait_for 20 "3 s since the first queries" aged_3s
port=40010
for vip in "$VIP_TUN" "$VIP_DR"; do
	assert_match "$(dig_ +short -b "$CIP#$port" @"$vip" a.test A)" '^192\.0\.2\.[3-6]$' \
		"a second query from port $port to $vip"
	assert_eq "$(state_of "$port")" normal "a stream from port $port"
	port=$((port + 1))
done
