#!/bin/bash
# FullNAT, NAT, TUN and DR side by side on one director, each method with
# a TCP service (nginx) and a UDP one (dnsmasq), all set up by lbctl apply
# of one cluster file and driven at once from one client. Judged from the
# outside: curl's bodies against each nginx's access log, request by
# request (the client's own address and port everywhere: FullNAT's through
# toa.ko on its real servers), a download's sha256 per method, dig's
# answers and dnsmasq's query logs (the client's address; FullNAT's: one
# of the director's local addresses), tcpdump on the director's link to
# the servers (FullNAT LIP -> RIP; NAT client -> RIP, the replies back
# through it; TUN IPIP; DR client -> VIP in frames to the server's MAC; no
# DR or TUN reply) and on the client's (every reply from a VIP), lbctl
# show and -j against the file (jq), which applied again, or lb1's export
# of it, changes nothing; then a second file quiesces a TUN server
# (weight 0) under a download through it, held open across the change:
# new connections go to the other server, and the download ends whole.
#
#  c1 198.51.100.2 --- rt --- lb1  LIPs 198.18.11.1-4; tcp 80 and udp 53 of
#                      |       |   203.0.113.10 fullnat -> rs1, rs2 (:8080, :53)
#                      |       |   203.0.113.13 nat     -> rs3, rs4 (:8080, :53)
#                      |       |   203.0.113.12 tun     -> rs5, rs6
#                      |       |   203.0.113.11 dr      -> rs7, rs8
#                      +----- rsr  (what comes from a VIP: 198.18.3.0/24 to rt)
#   brrs: rs1 198.19.0.11, rs2 .12   toa.ko trusting 198.18.11.0/24
#         rs3 198.19.0.13, rs4 .14   (to the clients: rsr, then lb1)
#         rs5 198.19.0.15, rs6 .16   VIP .12 on tunl0, servers on it
#   brup: rs7 198.18.2.27, rs8 .28   VIP .11 on lo, servers on it
#
# @timeout: 300
. /fnat/lib.sh
. /fnat/lib-toa.sh

CIP=$CLIENT_NET.2
VIP_NAT=203.0.113.13
VIP_TUN=203.0.113.12
VIP_DR=203.0.113.11
methods=(fullnat nat tun dr)
# per method: its VIP, its first real server (the second is the next),
# the port its nginx listens on, ipvsadm's name, a download's client port
declare -A vip=([fullnat]=$VIP [nat]=$VIP_NAT [tun]=$VIP_TUN [dr]=$VIP_DR)
declare -A first=([fullnat]=1 [nat]=3 [tun]=5 [dr]=7)
declare -A rport=([fullnat]=8080 [nat]=8080 [tun]=80 [dr]=80)
declare -A label=([fullnat]=FullNAT [nat]=Masq [tun]=Tunnel [dr]=Route)
declare -A dport=([fullnat]=45001 [nat]=45002 [tun]=45003 [dr]=45004)
LIPS="$(lip_net 1).1-$(lip_net 1).4"

rip() { # rip N: rsN's address
	if (($1 <= 6)); then echo "$RS_NET.1$1"; else echo "$UP_NET.2$1"; fi
}

module_load ipip
topo_methods 6 2 "$VIP_NAT" "$VIP_TUN" "$VIP_DR"
for i in 5 6; do
	tun_rs "rs$i" "$VIP_TUN"
done
for i in 7 8; do
	dr_rs "rs$i" "$VIP_DR"
done
module_load toa
for i in 1 2; do
	toa_trust "rs$i" "$(lip_net 1).0/24"
done

log "the servers: nginx (TCP) and dnsmasq (UDP, a.test is 192.0.2.N on rsN)"
dd if=/dev/urandom of=/tmp/blob bs=1M count=2 status=none
want=$(sha256sum < /tmp/blob | cut -d' ' -f1)
for m in "${methods[@]}"; do
	for ((i = first[$m]; i <= first[$m] + 1; i++)); do
		a=$(rip "$i")
		[[ $m == tun || $m == dr ]] && a=${vip[$m]}
		http_server "rs$i" "rs$i" "$a" "${rport[$m]}"
		cp /tmp/blob "$FNAT_LOG/nginx-rs$i/www/data/blob"
		dns_server "rs$i" "rs$i" "$a" 53 "192.0.2.$i"
	done
done

log "lb1 from a cluster file: the four methods, TCP and UDP each"
module_load fullnat
dir=$FNAT_LOG/cluster
mkdir -p "$dir"
# cluster [N]: the cluster file, with rsN at weight 0 in the TCP TUN service
cluster() {
	local m p sep='' rs i w
	printf '{ "schema_version": 1,\n  "directors": [ { "name": "lb1", "netns": "lb1",'
	printf ' "local_addresses": ["%s"] } ],\n  "services": [' "$LIPS"
	for m in "${methods[@]}"; do
		for p in tcp udp; do
			rs=''
			for ((i = first[$m]; i <= first[$m] + 1; i++)); do
				w=1
				[[ $m/$p == tun/tcp && $i == "${1:-0}" ]] && w=0
				rs+="${rs:+, }{ \"address\": \"$(rip "$i")\", \"port\": "
				rs+="$([[ $p == tcp ]] && echo "${rport[$m]}" || echo 53), \"weight\": $w }"
			done
			printf '%s\n    { "name": "%s-%s", "protocol": "%s", "vip": "%s", "port": %s,' \
				"$sep" "$m" "$p" "$p" "${vip[$m]}" "$([[ $p == tcp ]] && echo 80 || echo 53)"
			printf '\n      "forward": "%s", "scheduler": "rr",\n      "real_servers": [ %s ] }' \
				"$m" "$rs"
			sep=,
		done
	done
	printf '\n  ]\n}\n'
}
cluster > "$dir/all.json"
cat "$dir/all.json"

# apply_ FILE: lbctl apply FILE, which must succeed; its output in $out
apply_() {
	echo "+ lbctl apply $1"
	out=$(lbctl apply "$1" 2>&1) || { echo "$out"; fail "lbctl apply $1"; }
	echo "$out"
}

# The services of a file, of lbctl -j show, in one form: sorted, each real
# server's weight and method (null: the service's) as lbctl reads them
norm='[.[] | { protocol, vip, port, forward, scheduler,
	real_servers: ([.real_servers[] | { address, port, weight: (.weight // 1),
		forward: (.forward // null) }] | sort_by(.address, .port)) }]
	| sort_by(.protocol, .vip, .port)'

# agree FILE: what lbctl shows of lb1, alone and through FILE, is FILE's
agree() {
	local want got
	want=$(jq -c ".services | $norm" "$1")
	got=$(lbctl -n lb1 -j show | jq -c ".services | $norm")
	assert_eq "$got" "$want" "lbctl -j show: the services of ${1##*/}"
	got=$(lbctl -j show "$1" | jq -c ".directors[0].services | $norm")
	assert_eq "$got" "$want" "lbctl -j show ${1##*/}: its services"
}

apply_ "$dir/all.json"
assert_match "$out" "^lb1: 28 changes" "4 local addresses, 8 services, 16 real servers"
lb lb1 show
agree "$dir/all.json"
assert_eq "$(lbctl -n lb1 -j laddr | jq -r '[.[].address] | sort | join(" ")')" \
	"$(lip_net 1).1 $(lip_net 1).2 $(lip_net 1).3 $(lip_net 1).4" "lb1's local addresses"
# lbctl show's Forward column, each real server of each service
want_fwd=$(for m in "${methods[@]}"; do
	for ((i = first[$m]; i <= first[$m] + 1; i++)); do
		echo "$(rip "$i"):${rport[$m]} ${label[$m]}"
		echo "$(rip "$i"):53 ${label[$m]}"
	done
done | sort)
got=$(lbctl -n lb1 show | awk '$1 == "->" && $2 ~ /^[0-9]/ { print $2, $3 }' | sort)
assert_eq "$got" "$want_fwd" "lbctl show: each real server's Forward column"
apply_ "$dir/all.json"
assert_eq "$out" "lb1: no changes" "the same file again"
lbctl -n lb1 export > "$dir/export.json"
apply_ "$dir/export.json"
assert_eq "$out" "lb1: no changes" "lb1's export applied back"

log "the wire on both sides of the director, while all four methods run at once"
mac() { on_quiet "$1" cat "/sys/class/net/$2/address"; }
bg rsr cap-srv tcpdump -i lb1 -n -U -w "$FNAT_LOG/srv.pcap" -s 160 ip
bg c1 cap-c1 tcpdump -i eth0 -n -U -w "$FNAT_LOG/c1.pcap" -s 128 ip
cap_pids=("${_bg_pids[@]: -2}")
for c in srv c1; do
	wait_for 10 "tcpdump ($c)" grep -q "listening on" "$FNAT_LOG/cap-$c.log"
done

log "per method at once: 20 requests, a 2 MB download (client port 4500N), 10 queries"
declare -A job
for m in "${methods[@]}"; do
	v=${vip[$m]}
	bg c1 "web-$m" curl -sS --fail --max-time "$(scaled 120)" "http://$v/?[1-20]"
	job[${_bg_pids[-1]}]="$m's requests"
	bg c1 "get-$m" bash -c "set -o pipefail; curl -sS --fail --max-time $(scaled 120) \
		--local-port ${dport[$m]} http://$v/data/blob | sha256sum"
	job[${_bg_pids[-1]}]="$m's download"
	bg c1 "dig-$m" bash -c "for i in {1..10}; do
		dig +short +tries=1 +timeout=5 @$v a.test A || exit; done"
	job[${_bg_pids[-1]}]="$m's queries"
done
for pid in "${!job[@]}"; do
	rc=0
	wait "$pid" || rc=$?
	assert_eq "$rc" 0 "exit status of ${job[$pid]}"
done
kill "${cap_pids[@]}"
wait "${cap_pids[@]}" || true	# each has written its last packet

for m in "${methods[@]}"; do
	a=${first[$m]} b=$((first[$m] + 1))
	log "$m: curl's bodies, rs$a's and rs$b's nginx logs, the download"
	out=$(cat "$FNAT_LOG/web-$m.log")
	assert_eq "$(grep -c . <<< "$out")" 20 "$m: bodies"
	assert_eq "$(grep -cvxE "rs($a|$b)" <<< "$out" || true)" 0 "$m: bodies from other servers"
	for r in $a $b; do
		# rr over 21 connections (the download among them): 9 to 11 each
		n=$(grep -cv ":${dport[$m]}\$" "$FNAT_LOG/rs$r.access" || true)
		assert_eq "$n" "$(grep -cx "rs$r" <<< "$out" || true)" \
			"$m: requests in rs$r's log (less the download) = its bodies"
		assert_ge "$n" 9 "$m: rs$r's share"
	done
	logs=$(cat "$FNAT_LOG/rs$a.access" "$FNAT_LOG/rs$b.access")
	assert_eq "$(grep -c ":${dport[$m]}\$" <<< "$logs" || true)" 1 \
		"$m: the download in the nginx logs, from its client port"
	assert_eq "$(cut -d: -f1 <<< "$logs" | sort -u)" "$CIP" "$m: the peer nginx logged"
	assert_eq "$(cat "$FNAT_LOG/get-$m.log")" "$want  -" "$m: the download's sha256"

	log "$m: dig's answers and the servers' query logs"
	out=$(cat "$FNAT_LOG/dig-$m.log")
	peer=$CIP
	[[ $m == fullnat ]] && peer="$(lip_net 1).[1-4]"	# no TOA for UDP
	for r in $a $b; do
		assert_eq "$(grep -cx "192.0.2.$r" <<< "$out" || true)" 5 "$m: answers from rs$r"
		froms=$(grep -o 'query\[A\] a.test from [0-9.]*' "$FNAT_LOG/dns-rs$r.log" |
			awk '{ print $4 }')
		assert_eq "$(grep -c . <<< "$froms")" 5 "$m: queries in rs$r's log"
		assert_match "$(sort -u <<< "$froms" | tr '\n' ' ')" "^(${peer//./\\.} )+\$" \
			"$m: the peers rs$r logged ($(sort -u <<< "$froms" | tr '\n' ' '))"
	done
done

log "the director's link to the servers (rsr's port lb1)"
# rd FILTER: what the capture holds that matches FILTER; n_srv FILTER: how many
rd() { tcpdump -r "$FNAT_LOG/srv.pcap" -n "$@" 2>/dev/null; }
n_srv() { rd "$@" | grep -c . || true; }
count() { grep -cE "$1" || true; }
srv=$(rd)
head -n 3 <<< "$srv"
# each method: 21 connections of >= 3 client packets, and 10 queries
assert_ge "$(count "IP $(lip_net 1)\.[1-4]\.[0-9]+ > $RS_NET\.1[12]\.(8080|53): " <<< "$srv")" 73 \
	"FullNAT: LIP -> RIP, to rs1 and rs2"
assert_eq "$(n_srv "host $CIP and (host $(rip 1) or host $(rip 2))")" 0 \
	"FullNAT: packets between the client and rs1 or rs2"
assert_ge "$(count "IP $CIP\.[0-9]+ > $RS_NET\.1[34]\.(8080|53): " <<< "$srv")" 73 \
	"NAT: client -> RIP, to rs3 and rs4"
assert_ge "$(count "IP $RS_NET\.1[34]\.(8080|53) > $CIP\.[0-9]+: " <<< "$srv")" 52 \
	"NAT: the replies, RIP -> client, into lb1"
assert_eq "$(n_srv "host $VIP or host $VIP_NAT")" 0 "packets to or from the FullNAT or NAT VIP"
assert_ge "$(count "IP $UP_NET\.11 > $RS_NET\.1[56]: IP $CIP\.[0-9]+ > $VIP_TUN\.(80|53): " <<< "$srv")" 73 \
	"TUN: IPIP from lb1 carrying client -> VIP, to rs5 and rs6"
assert_eq "$(n_srv "(dst host $(rip 5) or dst host $(rip 6)) and not ip proto 4")" 0 \
	"TUN: packets to rs5 or rs6 not in IPIP"
dr=$(n_srv "dst host $VIP_DR")
assert_ge "$dr" 73 "DR: packets client -> VIP on the wire"
macs="ether dst $(mac rs7 eth0) or ether dst $(mac rs8 eth0)"
assert_eq "$(n_srv "dst host $VIP_DR and src host $CIP and ether src $(mac lb1 eth1) and ($macs)")" \
	"$dr" "DR: of these, from the client, in frames from lb1 to rs7's or rs8's MAC"
assert_eq "$(n_srv "src host $VIP_TUN or src host $VIP_DR")" 0 "DR's and TUN's replies through lb1"

log "the client's link: every reply from a VIP's port 80 or 53"
n_cli() { tcpdump -r "$FNAT_LOG/c1.pcap" -n "$@" 2>/dev/null | grep -c . || true; }
for m in "${methods[@]}"; do
	assert_ge "$(n_cli "src host ${vip[$m]} and dst host $CIP")" 52 "$m: packets from ${vip[$m]}"
done
odd="dst host $CIP and not ((src host $VIP or src host $VIP_NAT or src host $VIP_TUN or"
odd+=" src host $VIP_DR) and (src port 80 or src port 53))"
tcpdump -r "$FNAT_LOG/c1.pcap" -n "$odd" 2>/dev/null | head -n 3
assert_eq "$(n_cli "$odd")" 0 "packets to the client from anything else"

log "TUN: a server quiesced by a second file under a download through it"
# The download stalls once the pipe to sha256sum is full: its reader
# waits for $go, which comes after the change and the requests that follow
# it. Small socket buffers (c1 receives into 128 kB at most, rs5 and rs6
# send from 256 kB) keep most of the 2 MB in nginx meanwhile.
on c1 sysctl -qw net.ipv4.tcp_rmem="4096 131072 131072"
for i in 5 6; do
	on "rs$i" sysctl -qw net.ipv4.tcp_wmem="4096 16384 262144"
done
go=$FNAT_LOG/go
bg c1 slow bash -c "set -o pipefail; curl -sS --fail --max-time $(scaled 120) \
	--local-port 45100 http://$VIP_TUN/data/blob |
	{ until [ -e $go ]; do sleep 0.1; done; sha256sum; }"
slow=${_bg_pids[-1]}
# held N: the state and Send-Q (bytes sent or to send, not acknowledged)
# of the download's connection on rsN
held() {
	on_quiet "rs$1" ss -Htn state connected "dst $CIP:45100" |
		awk '$1 != "TIME-WAIT" { print $1, $3; f = 1 } END { exit !f }'
}
serving() { # which of rs5 and rs6 holds the download's connection: $q
	for q in 5 6; do
		held "$q" && return 0
	done
	return 1
}
wait_for 20 "the download's connection on rs5 or rs6" serving
other=$((11 - q))
log "the download goes to rs$q: rs$q to weight 0"
for r in $q $other; do
	before[r]=$(grep -vc ':45100$' "$FNAT_LOG/rs$r.access" || true)
done
cluster "$q" > "$dir/quiesce.json"
apply_ "$dir/quiesce.json"
assert_match "$out" "^lb1: 1 change" "one change"
assert_match "$out" "rs set tcp $VIP_TUN:80 $(rip "$q"):80 weight 0" "the change: rs$q's weight"
agree "$dir/quiesce.json"
out=$(requests c1 "http://$VIP_TUN/" 10)
assert_eq "$(grep -cx "rs$other" <<< "$out" || true)" 10 "new requests answered by rs$other"
h=$(held "$q") || fail "the download's connection on rs$q is gone"
read -r st unsent <<< "$h"
assert_eq "$st" ESTAB "the state of the download's connection on rs$q"
assert_ge "$unsent" 1 "bytes of it in rs$q's socket, not taken by the client"
assert_eq "$(grep -c ':45100$' "$FNAT_LOG/rs$q.access" || true)" 0 \
	"the download in rs$q's log (nginx is still sending)"
run touch "$go"
rc=0
wait "$slow" || rc=$?
assert_eq "$rc" 0 "exit status of the held download"
assert_eq "$(cat "$FNAT_LOG/slow.log")" "$want  -" "the held download's sha256"
assert_eq "$(grep -vc ':45100$' "$FNAT_LOG/rs$q.access" || true)" "${before[q]}" \
	"requests in quiesced rs$q's log besides the held one (as before the change)"
assert_eq "$(grep -vc ':45100$' "$FNAT_LOG/rs$other.access" || true)" "$((before[other] + 10))" \
	"new requests in rs$other's log"
assert_eq "$(grep -c "^$CIP:45100\$" "$FNAT_LOG/rs$q.access" || true)" 1 \
	"the held download in rs$q's log, from the client"

lb lb1 show --stats
assert_eq "$(counter lb1 xmit_err)" 0 "no transmit errors"
assert_eq "$(counter lb1 no_route)" 0 "no routing failures"
