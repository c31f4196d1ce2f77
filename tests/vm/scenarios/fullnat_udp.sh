#!/bin/bash
# FullNAT UDP with real software: dnsmasq on the real servers, dig on the
# client, socat for a datagram bulk run. Judged by outside observers:
# dig's answers (each server answers its own address), dnsmasq's query log
# (the queries come from the director's local addresses), tcpdump on the
# client's link (replies from VIP:53, fragments of the big answer), dig's
# error when a server is gone (ICMP port unreachable, translated), lbctl's
# connection table after the idle timeout, the bytes socat received, and
# the path MTU the end hosts' kernels learn from translated errors.
#
#  c1 198.51.100.2 --- rt --- lb1 (VIP 203.0.113.10 udp 53 and 9000,
#                               |   LIPs 198.18.11.1-4)
#                              rsr --- rs1 198.19.0.11: dnsmasq :53 -> a.test 192.0.2.1
#                                  --- rs2 198.19.0.12: dnsmasq :53 -> a.test 192.0.2.2
#  (every link MTU 1500: an answer of 3.6 kB arrives at the director in
#  fragments, which it reassembles, and leaves in fragments; at the end
#  rsr's brrs, then rt's link to c1, go down to 1280: "fragmentation
#  needed" from either side reaches the other end, whose kernel learns it)
#
# @timeout: 300
. /fnat/lib.sh

topo_base 1 2
module_load fullnat
LIPS="$(lip_net 1).1-$(lip_net 1).4"
lb lb1 laddr add "$LIPS"
lb lb1 service add udp "$VIP:53" scheduler rr
for r in 1 2; do
	lb lb1 rs add udp "$VIP:53" "$RS_NET.1$r:53"
done
lb lb1 show

# A TXT record of 14 strings of 250 bytes: one answer of about 3.6 kB.
txt=$(printf 'x%.0s' {1..250})
for r in 1 2; do
	args=(--no-daemon --conf-file=/dev/null --no-resolv --no-hosts
	      --user=root --group=root --pid-file= --port=53 --bind-interfaces
	      --listen-address="$RS_NET.1$r" --log-queries
	      --log-facility="$FNAT_LOG/dns-rs$r.log" --edns-packet-max=4096
	      --address="/a.test/192.0.2.$r")
	for i in $(seq 1 14); do
		args+=(--txt-record="big.test,$txt")
	done
	# about 1.4 kB: one packet at MTU 1500, too big for 1280
	for i in $(seq 1 5); do
		args+=(--txt-record="mid.test,$txt")
	done
	bg "rs$r" "dnsmasq-rs$r" dnsmasq "${args[@]}"
	eval "dns_pid$r=\${_bg_pids[-1]}"
done
for r in 1 2; do
	wait_for 20 "dnsmasq on rs$r" udp_listening "rs$r" 53
done

bg c1 tcpdump tcpdump -i eth0 -n -U -w "$FNAT_LOG/c1.pcap" \
	"udp or icmp or ip[6:2] & 0x3fff != 0"
wait_for 20 "tcpdump on c1" grep -q "listening on" "$FNAT_LOG/tcpdump.log"

log "20 queries, round robin: each server answers half, with its own record"
out=""
for i in $(seq 1 20); do
	out+=$(dig_ +short @"$VIP" a.test A)$'\n'
done
echo "$out" | sort | uniq -c
assert_eq "$(grep -cx 192.0.2.1 <<< "$out")" 10 "answers from rs1"
assert_eq "$(grep -cx 192.0.2.2 <<< "$out")" 10 "answers from rs2"

log "the servers saw the director's local addresses, never the client"
for r in 1 2; do
	froms=$(grep -o 'query\[A\] a.test from [0-9.]*' "$FNAT_LOG/dns-rs$r.log" |
		awk '{ print $4 }')
	assert_eq "$(wc -l <<< "$froms")" 10 "queries in rs$r's log"
	for f in $(sort -u <<< "$froms"); do
		assert_match "$f" "^198\.18\.11\.[1-4]$" "rs$r saw $f, one of lb1's LIPs"
	done
done

# What tcpdump saw on c1's link so far (FILTER...); it writes each packet
# as it comes, after dig may have printed it.
pcap() { on_quiet c1 tcpdump -r "$FNAT_LOG/c1.pcap" -n "$@" 2>/dev/null; }
from_vip() { pcap | grep -c "IP $VIP\.53 > $CLIENT_NET\.2\.[0-9]*: " || true; }

log "the client got its answers from VIP:53 (tcpdump on its link)"
twenty() { (($(from_vip) >= 20)); }
wait_for 10 "tcpdump to write 20 replies" twenty
pkts=$(pcap)
assert_ge "$(from_vip)" 20 "replies from $VIP.53"
others=$(grep " > $CLIENT_NET\.2\." <<< "$pkts" | grep -vc "IP $VIP\.53 > " || true)
assert_eq "$others" 0 "replies from anything but VIP:53"

log "a 3.6 kB answer arrives whole: fragmented on both sides of the director"
out=$(dig_ +bufsize=4096 +ignore @"$VIP" big.test TXT)
echo "$out" | grep -v "xxxxxxxxxx"
assert_match "$out" "status: NOERROR" "dig's status"
[[ $out =~ flags:[a-z\ ]*\ tc[\ \;] ]] && fail "the answer was truncated"
assert_eq "$(grep -c '^big\.test\..*TXT' <<< "$out")" 14 "TXT records in the answer"
size=$(sed -n 's/.*MSG SIZE  rcvd: \([0-9]*\).*/\1/p' <<< "$out")
assert_ge "$size" 3000 "answer size"
frags() { pcap -v "src $VIP and ip[6:2] & 0x3fff != 0" | grep -c "proto UDP" || true; }
three() { (($(frags) >= 3)); }
wait_for 10 "tcpdump to write the fragments" three
assert_ge "$(frags)" 3 "fragments from the VIP on the client's link"
frag_creates() { on_quiet "$1" nstat -az IpFragCreates | awk '$1 == "IpFragCreates" { print $2 }'; }
assert_ge "$(($(frag_creates rs1) + $(frag_creates rs2)))" 3 \
	"fragments the answering server sent"
lb lb1 stats | grep -E "malformed|frag|xmit" || true

log "a stopped server: dig is refused at once (ICMP port unreachable, translated)"
lb lb1 rs set udp "$VIP:53" "$RS_NET.12:53" weight 0
run kill "$dns_pid1"
udp_closed() { ! udp_listening "$@"; }
wait_for 20 "dnsmasq on rs1 to stop" udp_closed rs1 53
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
unreach() { pcap icmp | grep -q "IP $VIP > $CLIENT_NET\.2: ICMP $VIP udp port 53 unreachable"; }
wait_for 10 "tcpdump to write the ICMP error" unreach
pcap icmp
echo "ok: the client's view: $VIP udp port 53 unreachable, from $VIP"

log "a query holds its connection for the short timeout; a stream for the long one"
lb lb1 rs set udp "$VIP:53" "$RS_NET.12:53" weight 1
lb lb1 rs set udp "$VIP:53" "$RS_NET.11:53" weight 0
# 3 s, times the guest's slowness (FNAT_SCALE: on the debug kernel the
# first flow had expired before dig asked again, below)
UNREPLIED=$(scaled 3)
lb lb1 config set timeout udp unreplied "$UNREPLIED" timeout udp 200
assert_match "$(lb lb1 config)" "timeout udp 200" "lbctl config: the stream's timeout"
assert_match "$(lb lb1 config)" "timeout udp unreplied $UNREPLIED" "lbctl config: the short timeout"
assert_eq "$(dig_ +short -b "$CLIENT_NET.2#40000" @"$VIP" a.test A)" 192.0.2.2 \
	"answer on the timed flow"
conn() {
	lbctl -n lb1 -j conn | jq -c "[.[] | select(.client.port == $1) |
		{protocol, state, expires}]"
}
c=$(conn 40000)
echo "$c"
# Answered, but a query and its answer are no stream: the short timeout.
assert_match "$c" '^\[\{"protocol":"udp","state":"unreplied","expires":[0-9]+\}\]$' \
	"the query's connection: unreplied"
left=$(jq '.[0].expires' <<< "$c")
((left <= UNREPLIED)) ||
	fail "the query's connection has $left s left, expected at most $UNREPLIED (not 200)"
lb lb1 conn
gone() { [[ $(conn "$1") == "[]" ]]; }
start=$SECONDS
wait_for 10 "the idle UDP connection to expire" gone 40000
echo "ok: gone after $((SECONDS - start))s"
# The same flow asked again (dig from one port) once its first answer is
# 2 s old: a stream, which has "timeout udp" (200 s). Its time left is
# read right after the packet that made it one; on a slowed guest
# (FNAT_SCALE) those steps take seconds (189 s left on the debug kernel
# when read by a second lbctl call).
stream() {
	dig_ +short -b "$CLIENT_NET.2#40002" @"$VIP" a.test A >/dev/null
	c=$(conn 40002)
	[[ $c =~ \"state\":\"normal\" ]]
}
wait_for 15 "a repeated flow to become a stream" stream
echo "$c"
assert_match "$c" '^\[\{"protocol":"udp","state":"normal","expires":[0-9]+\}\]$' \
	"the stream's connection: normal"
left=$(jq '.[0].expires' <<< "$c")
((left <= 200 && left >= 200 - $(scaled 10))) ||
	fail "the stream's connection has $left s left, expected the UDP timeout (200 s) less at most $(scaled 10) s"
echo "ok: the stream's connection has $left s left of the UDP timeout (200 s)"
lb lb1 conn

log "datagram bulk: 1 MiB in 8 KiB datagrams (fragmented) through VIP:9000"
lb lb1 config set timeout udp 300 timeout udp unreplied 30
lb lb1 service add udp "$VIP:9000" scheduler rr
lb lb1 rs add udp "$VIP:9000" "$RS_NET.12:9000"
# 128 datagrams of 8192 bytes, each one line that names itself: datagrams
# may arrive out of order (two CPUs drain the veth links' backlogs), so
# the lines are compared as sets, which still tells a lost, cut or
# corrupted datagram.
# (whole files between the steps: no writer is cut off by SIGPIPE)
head -c 800000 /dev/urandom | base64 -w 8185 > "$FNAT_LOG/bulk.b64"
awk 'NR <= 128 { printf "%05d %s\n", NR, $0 }' "$FNAT_LOG/bulk.b64" > "$FNAT_LOG/bulk.in"
run split -l 16 -d "$FNAT_LOG/bulk.in" "$FNAT_LOG/bulk.part."
assert_eq "$(stat -c %s "$FNAT_LOG/bulk.in")" 1048576 "bytes to send"
# A receive buffer with room for the whole run, whatever the reader's pace
# (rmem_max is the machine's, not the namespace's).
rmem_max=$(sysctl -n net.core.rmem_max)
run sysctl -qw net.core.rmem_max=16777216
on_exit "sysctl -qw net.core.rmem_max=$rmem_max"
bg rs2 socat-recv socat -u \
	"UDP4-RECV:9000,bind=$RS_NET.12,rcvbuf=16777216" \
	"OPEN:$FNAT_LOG/bulk.out,creat,trunc"
wait_for 20 "socat on rs2" udp_listening rs2 9000
# In 8 bursts of 16 datagrams, each sent when the last has arrived: a
# UDP sender has no flow control, and sent in one burst part of the MiB
# was lost on the way in this VM (bulk_fail says where, if it happens).
size_is() { [[ $(stat -c %s "$FNAT_LOG/bulk.out") == "$1" ]]; }
arrived() { # arrived SIZE: poll for 10 s, as wait_for, but tell instead of failing
	local end=$((SECONDS + $(scaled 10)))
	while ((SECONDS < end)); do
		size_is "$1" && return 0
		sleep 0.1
	done
	return 1
}
bulk_fail() {
	echo "rs2 received $(stat -c %s "$FNAT_LOG/bulk.out") bytes"
	lbctl -n lb1 stats | grep -v ' 0$'
	for ns in c1 rt lb1 rsr rs2; do
		echo "$ns: $(on_quiet "$ns" nstat -az | awk '$2 != 0 && /Reasm|Frag|RcvbufErrors|InErrors|Discards/ { printf "%s=%s ", $1, $2 }')"
	done
	grep -H . /proc/net/softnet_stat
}
for b in $(seq 0 7); do
	on_quiet c1 socat -u -b 8192 "OPEN:$FNAT_LOG/bulk.part.0$b" \
		"UDP4-SENDTO:$VIP:9000"
	arrived $(((b + 1) * 131072)) ||
		{ bulk_fail; fail "$(((b + 1) * 128)) KiB did not all arrive"; }
done
assert_eq "$(sort "$FNAT_LOG/bulk.out" | sha256sum)" "$(sort "$FNAT_LOG/bulk.in" | sha256sum)" \
	"the datagrams rs2 received"
cmp -s "$FNAT_LOG/bulk.out" "$FNAT_LOG/bulk.in" || echo "(some arrived out of order)"
lb lb1 show --stats

log "fragmentation needed on the servers' side reaches the client"
run mkfifo "$FNAT_LOG/df.fifo"
# A sender that sets DF and keeps its socket (the error is delivered to it).
bg c1 socat-df socat -u "PIPE:$FNAT_LOG/df.fifo" \
	"UDP4-SENDTO:$VIP:9000,mtudiscover=2"
exec 5> "$FNAT_LOG/df.fifo"
on rsr "$IP" link set brrs mtu 1280
icmp_before=$(counter lb1 icmp_xlated)
head -c 1400 /dev/zero >&5
pmtu_is() { on_quiet "$1" "$IP" route get "$2" | grep -q "mtu $3"; }
wait_for 10 "c1 to learn MTU 1280 toward the VIP" pmtu_is c1 "$VIP" 1280
on c1 "$IP" route get "$VIP"
assert_ge "$(counter lb1 icmp_xlated)" $((icmp_before + 1)) "ICMP errors translated"
exec 5>&-
on rsr "$IP" link set brrs mtu 1500

log "fragmentation needed on the client's side reaches the server"
on rt "$IP" link set c1 mtu 1280
icmp_before=$(counter lb1 icmp_xlated)
out=$(dig_ +tries=3 +timeout=2 +bufsize=4096 -b "$CLIENT_NET.2#40001" @"$VIP" mid.test TXT)
echo "$out" | grep -v "xxxxxxxxxx"
assert_eq "$(grep -c '^mid\.test\..*TXT' <<< "$out")" 5 "TXT records in the answer"
lip=$(lbctl -n lb1 -j conn | jq -r '.[] | select(.client.port == 40001) | .local.address')
assert_match "$lip" "^198\.18\.11\.[1-4]$" "the flow's local address"
on rs2 "$IP" route get "$lip"
pmtu_is rs2 "$lip" 1280 || fail "rs2 did not learn MTU 1280 toward $lip"
echo "ok: rs2 learnt MTU 1280 toward $lip"
assert_ge "$(counter lb1 icmp_xlated)" $((icmp_before + 1)) "ICMP errors translated"

log "an error toward a server: only about an answer it sent, with a quote that fits"
bg rs2 cap-icmp2 tcpdump -i eth0 -n -l -U icmp
wait_for 10 "tcpdump on rs2" grep -q listening "$FNAT_LOG/cap-icmp2.log"
# "port unreachable" from c1 about VIP:SPORT -> c1:DPORT, the quote's UDP
# length LEN (its IP packet holds 1380 bytes of UDP)
forge() { on c1 icmp_forge "$CLIENT_NET.2" "$VIP" 0 "$VIP" "$1" "$CLIENT_NET.2" "$2" $(($3 << 16)) udp; }
to_rs2() { grep -c "> $RS_NET\.12: ICMP .*udp port .* unreachable" "$FNAT_LOG/cap-icmp2.log" || true; }
on c1 bash -c "echo x | socat -u - UDP4-SENDTO:$VIP:9000,sourceport=41000"
has_conn() { [[ $(conn "$1") != "[]" ]]; }
wait_for 10 "the unanswered flow's connection" has_conn 41000
assert_eq "$(dig_ +short -b "$CLIENT_NET.2#41001" @"$VIP" a.test A)" 192.0.2.2 \
	"an answered flow"
before=$(counter lb1 icmp_dropped)
forge 9000 41000 100	# nothing went to the client on this flow
forge 53 41001 2000	# longer than its quoted IP packet
forge 53 41001 100	# believable
rs2_got() { (($(to_rs2) >= 1)); }
wait_for 10 "the believable error on rs2" rs2_got
cat "$FNAT_LOG/cap-icmp2.log"
assert_eq "$(to_rs2)" 1 "port unreachable errors translated to rs2"
assert_ge "$(($(counter lb1 icmp_dropped) - before))" 2 "icmp_dropped"
