#!/bin/bash
# Packet fuzzer (tests/tools/pktfuzz.c) against a director with live
# connections and against a real server running toa.ko that trusts the
# sender: malformed and mutated IPv4/TCP/UDP/ICMP (lengths, IHL and doff out
# of range, TCP options with TOA kinds and EOL games, UDP lengths and
# checksums right, wrong or absent for a UDP service on the same VIP:port
# whose servers answer "port unreachable", fragments that overlap,
# ICMP errors quoting TCP and ICMP, bad checksums, TTL 0/1, spoofed and
# martian sources, GSO frames of up to 60 kB). Some packets carry the
# 4-tuples of the held connections (client side and real-server side).
# At the same time its IPv6 counterpart (tests/tools/pktfuzz6.c) against a
# FullNAT66 service on the same director and servers (lib.sh's topo_v6,
# as in fullnat66.sh): IPv6 header lengths, chains of extension headers
# (hop-by-hop, destination options with padding and jumbo options, routing
# headers with and without segments left, atomic fragments, AH), fragment
# trains (overlapping, tiny, out of order, past 64 KiB, the TCP header just
# before or past the 64 KiB transport offset), TCP cut short after them,
# TOA 254/253 of every length from the client, ICMPv6 errors (Packet Too
# Big with tiny MTUs) quoting held tuples, with extension headers, cut
# short; toward the VIP, the LIPs, and through the director.
# Afterwards: no kernel warning (the runner), every held connection (IPv4
# and IPv6) still exchanges data (the client's result), a new IPv6 request
# gets through, drops were counted, and both modules unload with no
# objects left.
#
#  c1  tcp_hold: 20 connections to VIP:80 and 20 to [VIP6]:80, held, then
#   |            one request each
#  rt  pktfuzz and pktfuzz6 on port lb1 (client side of the director)
#   |
#  lb1 fullnat.ko, VIP 203.0.113.10:80 TCP and UDP, LIPs 198.18.11.1-4,
#   |  VIP6 [2001:db8:113::10]:80 TCP and UDP, LIPs 2001:db8:11::1-4
#  rsr pktfuzz(6) on port lb1 (real-server side, from the RS to the LIPs)
#      pktfuzz(6) on port rs1 (sources in the LIP nets, which rs1 trusts)
#   |
#  rs1, rs2  nginx :8080 (IPv4 and IPv6), toa.ko trusted_sources LIPs
#
# FUZZ_PKTS (default 200000) packets in all, half of them IPv6, FUZZ_SEED
# (default 1; the IPv6 fuzzers take SEED+3..5), FUZZ_LIVE_MASK (default 0)
# TCP flags never sent on live tuples; the long run: FUZZ_PKTS=2000000
# make check T=fuzz_packets (README).
#
# @timeout: 900
. /fnat/lib.sh
. /fnat/lib-toa.sh

pkts=${FUZZ_PKTS:-200000}
seed=${FUZZ_SEED:-1}
mask=${FUZZ_LIVE_MASK:-0}	# pktfuzz -x: TCP flags kept off live tuples
for a in $(cat /proc/cmdline); do
	case $a in
	fnat.fuzz_pkts=*) pkts=${a#*=} ;;
	fnat.fuzz_live_mask=*) mask=${a#*=} ;;
	fnat.fuzz_seed=*) seed=${a#*=} ;;
	esac
done
log "seed $seed, $pkts packets, flags $mask kept off live tuples"

topo_v6 2

toa_load trusted_sources="$(lip_net 1).0/24,$LIP6::/64"
module_load fullnat
lb lb1 laddr add "$(lip_net 1).1-$(lip_net 1).4"
lb lb1 laddr add "$LIP6::1-$LIP6::4"
lb lb1 service add tcp "$VIP:80" scheduler rr
lb lb1 rs add tcp "$VIP:80" "$RS_NET.11:8080"
lb lb1 rs add tcp "$VIP:80" "$RS_NET.12:8080"
lb lb1 service add udp "$VIP:80" scheduler rr
lb lb1 rs add udp "$VIP:80" "$RS_NET.11:8080"
lb lb1 rs add udp "$VIP:80" "$RS_NET.12:8080"
# The held connections idle while the fuzzers run: 20 minutes on the debug
# kernel (FNAT_SCALE 10) and in the long run, past ESTABLISHED's 900 s
# (and nginx's wait for a request, below), after which their requests
# would meet no connection.
idle=$(scaled 7200)
lb lb1 config set timeout established "$idle"
for p in tcp udp; do
	lb lb1 service add $p "[$VIP6]:80" scheduler rr
	lb lb1 rs add $p "[$VIP6]:80" "[$RS6::11]:8080"
	lb lb1 rs add $p "[$VIP6]:80" "[$RS6::12]:8080"
done
# nginx as in lib.sh's http_server, one process for every connection the
# fuzzer completes, and patient with the held ones (no request until the
# fuzzing ends).
for r in 1 2; do
	dir=$FNAT_LOG/nginx-rs$r
	mkdir -p "$dir"
	cat > "$dir/nginx.conf" <<-EOC
	daemon off;
	worker_processes 1;
	worker_rlimit_nofile 16384;
	pid $dir/nginx.pid;
	error_log $dir/error.log crit;
	events { worker_connections 8192; }
	http {
		access_log off;
		client_body_temp_path $dir/body;
		proxy_temp_path $dir/proxy;
		fastcgi_temp_path $dir/fastcgi;
		uwsgi_temp_path $dir/uwsgi;
		scgi_temp_path $dir/scgi;
		client_header_timeout ${idle}s;
		keepalive_timeout 0;
		server {
			listen 0.0.0.0:8080 reuseport backlog=4096;
			listen [::]:8080 reuseport backlog=4096 ipv6only=on;
			location / { return 200 "rs$r\n"; }
		}
	}
	EOC
	bg "rs$r" "srv$r" nginx -c "$dir/nginx.conf" -e "$dir/error.log"
	wait_for 20 "server on rs$r" listening "rs$r" 8080
done

bg c1 hold tcp_hold -n 20 -t 30000 -w /tmp/release "$VIP" 80
bg c1 hold6 tcp_hold -n 20 -t 30000 -w /tmp/release "$VIP6" 80
wait_for 60 "20 held connections" grep -q '^connected=20 ' "$FNAT_LOG/hold.log"
wait_for 60 "20 held IPv6 connections" grep -q '^connected=20 ' "$FNAT_LOG/hold6.log"
lbctl -n lb1 -j conn > /tmp/conns.json
# tuples JQ_TEST SUFFIX: the held connections' 4-tuples, as seen from the
# client and from the real servers.
tuples() {
	jq -r ".. | objects | select(has(\"client\")) | select(.client.address | $1) |
		\"\(.client.address) \(.client.port) \(.virtual.address) \(.virtual.port)\"" \
		/tmp/conns.json > "/tmp/client$2.tuples"
	jq -r ".. | objects | select(has(\"client\")) | select(.client.address | $1) |
		\"\(.real.address) \(.real.port) \(.local.address) \(.local.port)\"" \
		/tmp/conns.json > "/tmp/server$2.tuples"
}
tuples 'contains(":") | not' ""
tuples 'contains(":")' 6
assert_eq "$(wc -l < /tmp/client.tuples)" 20 "held connections in the director's table"
assert_eq "$(wc -l < /tmp/client6.tuples)" 20 "held IPv6 connections in the director's table"

mac() { on_quiet "$1" cat "/sys/class/net/$2/address"; }
before_notsyn=$(counter lb1 not_syn)
log "fuzzing"
t0=$SECONDS
# Half the packets IPv4, half IPv6, at once: each family's fuzzers send
# half of theirs from the client side, a quarter from the real servers'.
bg rt fz_client pktfuzz -q -g -i lb1 -m "$(mac lb1 eth0)" -d "$VIP:80" \
	-t /tmp/client.tuples -x "$mask" -s "$seed" -n $((pkts / 4))
bg rsr fz_server pktfuzz -q -g -i lb1 -m "$(mac lb1 eth1)" \
	-d "$(lip_net 1).1:1024" -c "$RS_NET" -t /tmp/server.tuples -x "$mask" \
	-s $((seed + 1)) -n $((pkts / 8))
bg rsr fz_toa pktfuzz -q -g -i rs1 -m "$(mac rs1 eth0)" -d "$RS_NET.11:8080" \
	-c "$(lip_net 1)" -s $((seed + 2)) -n $((pkts / 8))
bg rt fz_client6 pktfuzz6 -q -g -i lb1 -m "$(mac lb1 eth0)" -d "[$VIP6]:80" \
	-t /tmp/client6.tuples -c "$CLIENT6::" -a "$LIP6::1" -a "$LIP6::3" \
	-a "$RS6::11" -a "$DIR6::11" -a "$UP6::11" -x "$mask" \
	-s $((seed + 3)) -n $((pkts / 4))
bg rsr fz_server6 pktfuzz6 -q -g -i lb1 -m "$(mac lb1 eth1)" \
	-d "[$LIP6::1]:1024" -c "$RS6::" -t /tmp/server6.tuples -a "$VIP6" \
	-a "$LIP6::2" -a "$CLIENT6::2" -a "$UP6::11" -x "$mask" \
	-s $((seed + 4)) -n $((pkts / 8))
bg rsr fz_toa6 pktfuzz6 -q -g -i rs1 -m "$(mac rs1 eth0)" -d "[$RS6::11]:8080" \
	-c "$LIP6::" -s $((seed + 5)) -n $((pkts / 8))
for f in fz_client fz_server fz_toa fz_client6 fz_server6 fz_toa6; do
	wait_for 800 "$f" grep -q '^sent=' "$FNAT_LOG/$f.log"
	echo "$f: $(cat "$FNAT_LOG/$f.log")"
done
log "$pkts packets in $((SECONDS - t0)) s"
lbctl -n lb1 stats
lb lb1 show
lbctl -n lb1 conn > /tmp/conn.txt
head -30 /tmp/conn.txt

log "every held connection still works"
touch /tmp/release
wait_for 120 "the held connections' replies" grep -q '^replies=' "$FNAT_LOG/hold.log"
cat "$FNAT_LOG/hold.log"
wait_for 120 "the held IPv6 connections' replies" grep -q '^replies=' "$FNAT_LOG/hold6.log"
cat "$FNAT_LOG/hold6.log"
assert_match "$(cat "$FNAT_LOG/hold.log")" "replies=20 " "replies on the 20 held connections"
assert_match "$(cat "$FNAT_LOG/hold6.log")" "replies=20 " "replies on the 20 held IPv6 connections"
out=$(on_quiet c1 curl -6 -g -sS --fail --max-time 10 "http://[$VIP6]/")
assert_match "$out" "^rs[12]$" "a new IPv6 request through the VIP"

assert_ge "$(($(counter lb1 not_syn) - before_notsyn))" 1 "unmatched non-SYN packets dropped and counted"

log "unload: no object left"
lb lb1 config set expire_nodest on
lb lb1 service del tcp "$VIP:80"
lb lb1 service del udp "$VIP:80"
lb lb1 service del tcp "[$VIP6]:80"
lb lb1 service del udp "[$VIP6]:80"
wait_for 60 "an empty table" drained lb1
slab_empty fnat_conn "connection objects"
run rmmod fullnat
grep -q fnat_conn /proc/slabinfo && fail "the connection cache outlived the module"
# The servers and their sockets go (orphans of the fuzzer's handshakes
# would otherwise retransmit to clients that never answer). nginx's
# connections become orphans as it exits, after the signal: ss -K only
# once it is gone.
kill $(pgrep -x nginx) 2>/dev/null || true
wait_for 30 "nginx to exit" sh -c '! pgrep -x nginx'
for r in 1 2; do
	on_quiet "rs$r" ss -K 'sport = :8080' > /dev/null 2>&1 || true
done
if ! (wait_for 60 "TOA entries to go" toa_entries_left); then
	# whose entries: sockets still there, or an end toa.ko did not see
	for r in 1 2; do
		on "rs$r" ss -tanoe 'sport = :8080'
		on "rs$r" cat /proc/net/toa_stats
	done
	run cat /proc/net/toa_stats	# entries: the initial namespace's
	fail "TOA entries left (see above)"
fi
run rmmod toa
grep -q toa_sock /proc/slabinfo && fail "the TOA cache outlived the module"
echo "ok: both modules unloaded, caches gone"
