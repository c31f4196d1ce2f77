#!/bin/bash
# TCP Fast Open through FullNAT. A client holding a server's cookie sends
# its request in the SYN; a real server that takes it acknowledges the
# data in its SYN-ACK.
#  - Without TOA (toa off) the connection works as any other: the
#    director counts the SYN's data, so that SYN-ACK completes the
#    handshake. (It used to be taken for a SYN-ACK of nothing sent: the
#    connection stayed unanswered for the director, expired 2 s later and
#    was gone once the collector came by, up to 8 s after that, in
#    mid-download.) Judged by curl's downloads, each longer than that
#    (15 s), and tcpdump on the real server (SYN-ACKs that took SYN data).
#  - A SYN-ACK lost between the real server and the director: the client
#    retransmits its SYN without the data (as Linux does), and the server's
#    next SYN-ACK still acknowledges the data. The director keeps the data's
#    end seen with that ISN; it used to take the retransmission for a new
#    SYN and refuse the SYN-ACK, and the download died as above. Judged by
#    curl's download and tcpdump at rs1 (the SYN resent without its data).
#  - With TOA the director removes the Fast Open option from the SYN: a
#    server that took the data would make its socket from the SYN, before
#    any packet with the client's address, and nginx would log the LIP.
#    Judged by nginx's log with toa.ko (the client's address for every
#    request) and tcpdump (the client sent its requests in SYNs, none
#    reached the server with a Fast Open option, no SYN data was taken,
#    and the checksum of every SYN the director rewrote is correct: c1
#    computes its checksums itself, so the director's update is what
#    tcpdump checks).
#
#  c1 198.51.100.2 --- rt --- lb1 (one LIP) --- rsr --- rs1
#     curl --tcp-fastopen     VIP:80 toa off -> nginx :8080 fastopen
#                             VIP:81 (toa)   -> nginx :8081 fastopen
#
# @timeout: 300
. /fnat/lib.sh
. /fnat/lib-toa.sh

topo_base 1 1
module_load fullnat
lip=$(lip_net 1).1
lb lb1 laddr add "$lip"
lb lb1 service add tcp "$VIP:80" scheduler rr toa off
lb lb1 rs add tcp "$VIP:80" "$RS_NET.11:8080"
lb lb1 service add tcp "$VIP:81" scheduler rr
lb lb1 rs add tcp "$VIP:81" "$RS_NET.11:8081"
# Fast Open: the client side is on by default (1); the server side is not
on c1 sysctl -qw net.ipv4.tcp_fastopen=1
on c1 ethtool -K eth0 tx off
on rs1 sysctl -qw net.ipv4.tcp_fastopen=3
http_server rs1 rs1 0.0.0.0 8080 fastopen=64
http_server rs1 ngx81 0.0.0.0 8081 fastopen=64
# 1.5 MB read at 100 KB/s through a receive buffer of 16 KB (else the
# server would send it all at once): each download is on the wire longer
# than an unanswered SYN's 2 s and the collector's pass over the table
# (8 s)
on c1 sysctl -qw net.ipv4.tcp_rmem="4096 16384 16384"
head -c 1500000 /dev/urandom > "$FNAT_LOG/nginx-rs1/www/data/big"
want=$(sha256sum < "$FNAT_LOG/nginx-rs1/www/data/big" | cut -d' ' -f1)
toa_load trusted_sources="$(lip_net 1).0/24"

capture rs1 rs -i eth0 -S 'tcp[tcpflags] & tcp-syn != 0'
rs_cap=$cap
capture c1 c1 -i eth0 'tcp[tcpflags] & tcp-syn != 0 and tcp[tcpflags] & tcp-ack == 0'
c1_cap=$cap

# syns PCAP PORT: "SYNs-with-data SYN-ACKs-that-took-it SYNs-with-Fast-Open
# SYNs-with-data-resent-without-it" toward PORT, from the SYNs and SYN-ACKs
# in PCAP
syns() {
	tcpdump -r "$1" -n -S 2>/dev/null | awk -v port="$2" '
		/Flags \[S\],/ && $5 ~ "\\." port ":$" {
			k = $3
			match($0, /seq [0-9]+/); s = substr($0, RSTART + 4, RLENGTH - 4)
			match($0, /length [0-9]+/); l = substr($0, RSTART + 7, RLENGTH - 7)
			if ((k in seq) && seq[k] == s && len[k] > 0 && l == 0) {
				resent++
				next
			}
			seq[k] = s; len[k] = l
			if (l > 0) data++
			if ($0 ~ /tfo/) tfo++
		}
		/Flags \[S\.\],/ && $3 ~ "\\." port "$" {
			k = $5; sub(/:$/, "", k)
			match($0, /ack [0-9]+/); a = substr($0, RSTART + 4, RLENGTH - 4)
			if (len[k] > 0 && a == (seq[k] + 1 + len[k]) % 4294967296) took++
		}
		END { print data + 0, took + 0, tfo + 0, resent + 0 }'
}

log "VIP:80 without TOA: a cookie, then 2 downloads with the request in the SYN"
on c1 curl -sS --fail --max-time 10 --tcp-fastopen -o /dev/null "http://$VIP/"
for i in 1 2; do
	got=$(on_quiet c1 curl -sS --fail --max-time "$(scaled 60)" --tcp-fastopen \
		--limit-rate 100k "http://$VIP/data/big" | sha256sum | cut -d' ' -f1) || true
	assert_eq "$got" "$want" "download $i through VIP:80 (sha256)"
done

log "VIP:80: the SYN-ACK of download 3 lost on its way from rs1"
# rs1 sends no SYN-ACK to :8080 until the client has resent its SYN (its
# own timer's retransmissions are dropped too, so the client's resent SYN
# is what the director sees before any SYN-ACK). Linux resends the SYN
# after 1 s, without the data. rs1's conntrack marks the connection 1 at
# the first SYN, 2 at the next (conntrack ignores a SYN in SYN_RECV but
# leaves it its entry). Not with nft sets: adding one trips PROVE_RCU_LIST
# on the debug kernel (make check-debug), 6.1's nft_set_lookup() walking
# the table's sets under the commit mutex without saying so (false
# positive, as in ipt_flush).
on rs1 nft -f - <<'NFT'
table ip lose {
	chain in {
		type filter hook input priority 0;
		tcp dport 8080 tcp flags & (syn | ack) == syn ct mark 1 ct mark set 2
		tcp dport 8080 tcp flags & (syn | ack) == syn ct mark 0 ct mark set 1
	}
	chain out {
		type filter hook output priority 0;
		tcp sport 8080 tcp flags & (syn | ack) == syn | ack ct mark != 2 counter drop
	}
}
NFT
on_exit "$IP netns exec rs1 nft delete table ip lose 2>/dev/null"
got=$(on_quiet c1 curl -sS --fail --max-time "$(scaled 60)" --tcp-fastopen \
	--limit-rate 100k "http://$VIP/data/big" | sha256sum | cut -d' ' -f1) || true
on rs1 nft list table ip lose
lost=$(on_quiet rs1 nft -j list table ip lose |
	jq '[.nftables[].rule? // empty | .expr[] | .counter? // empty | .packets] | add')
on rs1 nft delete table ip lose
assert_ge "$lost" 1 "SYN-ACKs rs1 dropped (nft's counter)"
assert_eq "$got" "$want" "download 3 through VIP:80, its first SYN-ACK lost (sha256)"

log "VIP:81 with TOA: 4 requests from a client that holds a cookie"
for i in 1 2 3 4; do
	on c1 curl -sS --fail --max-time 10 --tcp-fastopen -o /dev/null "http://$VIP:81/"
done
grep -c . "$FNAT_LOG/ngx81.access"
assert_eq "$(grep -vc '^198\.51\.100\.2:' "$FNAT_LOG/ngx81.access")" 0 \
	"requests nginx on :8081 logged from another address than the client's"
assert_eq "$(grep -c . "$FNAT_LOG/ngx81.access")" 4 "requests nginx on :8081 logged"

kill "$rs_cap" "$c1_cap"
wait_for 10 "tcpdump to stop" sh -c '! pgrep tcpdump'
read -r data80 took80 _ resent80 <<< "$(syns "$FNAT_LOG/rs.pcap" 8080)"
read -r data81 took81 tfo81 _ <<< "$(syns "$FNAT_LOG/rs.pcap" 8081)"
read -r c1data81 _ c1tfo81 _ <<< "$(syns "$FNAT_LOG/c1.pcap" 81)"
sums=$(tcpdump -r "$FNAT_LOG/rs.pcap" -n -vv 'dst port 8081' 2>/dev/null)
bad=$(grep -c 'incorrect' <<< "$sums" || true)
echo "at rs1, :8080: SYNs with data $data80, SYN-ACKs that took it $took80," \
	"SYNs resent without their data $resent80"
echo "at rs1, :8081: SYNs with data $data81, taken $took81, with Fast Open $tfo81;" \
	"incorrect checksums $bad"
echo "c1's SYNs to :81: with data $c1data81, with Fast Open $c1tfo81"
assert_ge "$took80" 3 "SYN-ACKs on :8080 that took the SYN's data (tcpdump)"
assert_ge "$resent80" 1 "SYNs on :8080 resent without their data (tcpdump)"
# Linux puts data in a SYN only with a cookie
assert_ge "$c1data81" 4 "c1's SYNs to VIP:81 with data, so with a cookie (tcpdump)"
assert_eq "$tfo81" 0 "SYNs at rs1 on :8081 with a Fast Open option (tcpdump)"
assert_eq "$took81" 0 "SYN-ACKs on :8081 that took SYN data (tcpdump)"
assert_eq "$bad" 0 "SYNs at rs1 on :8081 with an incorrect checksum (tcpdump -vv)"
assert_ge "$(counter lb1 tfo_stripped)" 4 "tfo_stripped"
