#!/bin/bash
# Maglev (mh) across two DR directors: the same flows land on the same
# real servers through either director, so when the router moves a flow
# from one director to the other in the middle of a connection (as an
# ECMP rehash does), the connection goes on. Judged by the servers' own
# answers (each nginx names itself), the client's download (size and
# sha256) and tcpdump on the second director.
#
#  c1 198.51.100.2, .20-.219 (200 client addresses)
#   |
#  rt 198.51.100.1 / br0 198.18.0.1   VIP/32 via lb1 or lb2 (one at a time)
#   |  one L2 segment (br0)
#   +-- lb1 198.18.0.11, lb2 .12    (VIP 203.0.113.10:80, dr, mh, the same
#   |                                servers added in opposite orders)
#   +-- rs1 .. rs4 198.18.0.21-24   VIP on lo, arp_ignore=1, arp_announce=2
#
# @timeout: 900
. /fnat/lib.sh

NET=198.18.0
NRS=4
rs_ip() { echo "$NET.$((20 + $1))"; }

ns_add c1
ns_add rt
ns_router rt
link c1 eth0 "$CLIENT_NET.2/24" rt c1 "$CLIENT_NET.1/24"
on c1 "$IP" route add default via "$CLIENT_NET.1"
bridge_add rt br0 "$NET.1/24"
for d in 1 2; do
	ns_add "lb$d"
	ns_router "lb$d"
	link "lb$d" eth0 "$NET.$((10 + d))/24" rt "lb$d" -
	bridge_port rt br0 "lb$d"
	on "lb$d" "$IP" route add default via "$NET.1"
done
dd if=/dev/urandom of=/tmp/blob bs=1M count=12 status=none
want=$(sha256sum < /tmp/blob | cut -d' ' -f1)
for ((r = 1; r <= NRS; r++)); do
	ns_add "rs$r"
	link "rs$r" eth0 "$(rs_ip $r)/24" rt "rs$r" -
	bridge_port rt br0 "rs$r"
	on "rs$r" "$IP" route add default via "$NET.1"
	on "rs$r" "$IP" addr add "$VIP/32" dev lo
	on "rs$r" sysctl -qw net.ipv4.conf.all.arp_ignore=1 \
		net.ipv4.conf.all.arp_announce=2
	http_server "rs$r" "rs$r" "$VIP" 80
	cp /tmp/blob "$FNAT_LOG/nginx-rs$r/www/data/blob"
done

module_load fullnat
for d in 1 2; do
	lb "lb$d" service add tcp "$VIP:80" forward dr scheduler mh
done
for ((r = 1; r <= NRS; r++)); do
	lb lb1 rs add tcp "$VIP:80" "$(rs_ip $r):80"
	lb lb2 rs add tcp "$VIP:80" "$(rs_ip $((NRS + 1 - r))):80"
done

CLIENTS=()
for ((i = 20; i < 220; i++)); do
	CLIENTS+=("$CLIENT_NET.$i")
done
log "200 client addresses on c1"
for a in "${CLIENTS[@]}"; do
	on_quiet c1 "$IP" addr add "$a/24" dev eth0
done

via() { # via N: the VIP's route goes to director N only
	on rt "$IP" route replace "$VIP/32" via "$NET.$((10 + $1))"
}

# flows: one request from each client address, four at a time; prints
# "ADDR BODY" lines sorted by address (the same order every time).
flows() {
	local get
	get='set -o pipefail; curl -sS --fail --max-time 20 --interface "$0" '
	get+="'http://$VIP/'"' | sed "s/^/$0 /"'
	printf '%s\n' "${CLIENTS[@]}" |
		on_quiet c1 xargs -P 4 -n 1 bash -c "$get" | sort -s -k1,1
}

log "the same 200 flows through lb1, then through lb2"
via 1
map1=$(flows)
via 2
map2=$(flows)
assert_eq "$(wc -l <<< "$map1") $(wc -l <<< "$map2")" "200 200" "flows answered"
for ((r = 1; r <= NRS; r++)); do
	echo "rs$r: $(grep -c " rs$r\$" <<< "$map1" || true) of 200 flows"
done
assert_eq "$(diff <(echo "$map1") <(echo "$map2") | grep -c '^>' || true)" 0 \
	"flows that lb2 sent elsewhere than lb1"
# Both directors forwarded their own round (their counters, as support).
for d in 1 2; do
	assert_eq "$(lbctl -n "lb$d" -j show | jq '.services[0].stats.conns')" 200 \
		"connections lb$d scheduled"
done

log "a download moved from lb1 to lb2 in its middle goes on"
via 1
client=${CLIENTS[0]}
server=$(awk -v a="$client" '$1 == a { print $2 }' <<< "$map1")
echo "$client is served by $server"
before=$(wc -l < "$FNAT_LOG/$server.access")
bg lb2 cap-lb2 tcpdump -i eth0 -n -l "tcp and src host $client and dst port 80"
cap_pid=${_bg_pids[-1]}
wait_for 10 "tcpdump on lb2" grep -q listening "$FNAT_LOG/cap-lb2.log"
# About 40 s at 300 kB/s (12 MB): long enough to move it in the middle.
# A small receive buffer, so that the rate limit holds the transfer on the
# wire (the default lets the kernel take most of 4 MB at once, and curl's
# limit only paces reading it).
on c1 sysctl -qw net.ipv4.tcp_rmem="4096 65536 131072"
bg c1 dl bash -c "curl -sS --fail --max-time $(scaled 300) --limit-rate 300k \
	--interface $client -o /tmp/got http://$VIP/data/blob; echo rc=\$?"
half() { [[ $(on_quiet c1 stat -c %s /tmp/got 2>/dev/null || echo 0) -ge 1000000 ]]; }
wait_for "$(scaled 120)" "the download's first megabyte" half
via 2
at=$(on_quiet c1 stat -c %s /tmp/got)
echo "moved to lb2 at $at of $((12 << 20)) bytes"
[[ $at -lt $((10 << 20)) ]] || fail "the download was nearly over ($at bytes) when it moved"
wait_for "$(scaled 300)" "the download's end" grep -q '^rc=' "$FNAT_LOG/dl.log"
assert_eq "$(grep '^rc=' "$FNAT_LOG/dl.log")" "rc=0" "curl's exit status"
assert_eq "$(on_quiet c1 sha256sum < /tmp/got | cut -d' ' -f1)" "$want" \
	"the downloaded file's sha256"
assert_eq "$(( $(wc -l < "$FNAT_LOG/$server.access") - before ))" 1 \
	"requests $server logged for the download"
kill -INT "$cap_pid"
wait_for 10 "tcpdump's summary" grep -q 'packets captured' "$FNAT_LOG/cap-lb2.log"
moved=$(grep -c "^.* IP $client\.[0-9]* > $VIP\.80: " "$FNAT_LOG/cap-lb2.log" || true)
echo "the client's packets of the download seen on lb2: $moved"
assert_ge "$moved" 20 "the client's packets that lb2 carried after the move"
lb lb2 conn
