#!/bin/bash
# make bench: speed and memory of the director, fullnat.ko against the
# kernel's own IPVS (NAT), plain routing and HAProxy, in one VM boot, on
# one topology, with one client and one server program. Not a test: it
# asserts nothing about speed; it prints result lines that the host turns
# into a table (bench/report.sh):
#
#   @@BENCH metric=M path=P rep=N value=V [key=value...]
#   @@BENCH info key=value...
#
# Four directors side by side, each alone in its namespace so that no
# path pays for another's hooks; the links, router hops and real servers
# are the same for all. Each path has its own client address, so that the
# real servers' replies can be routed back per path.
#
#  c1 198.51.100.2 direct, .3 ipvs, .4 fullnat, .5 haproxy   bench_cli
#     |
#  rt 198.51.100.1 / 198.18.0.1       routes: RS net via lb1, VIPs per director
#     |              |              |              |
#  lb1 .11        lb2 .12        lb3 .13        lb4 .14      (198.18.0.x)
#  router only    IPVS NAT       fullnat.ko     HAProxy (TCP mode)
#                 VIP .20 on lo  VIP .10 (TOA)  VIP .40 on lo
#                                VIP .12 (no TOA)
#                                LIPs 198.18.13.1-32
#     |              |              |              |
#  rsr 198.18.2.1 / 198.19.0.1   routes: 198.51.100.3 via lb2 (NAT's return
#     |           |              path), the rest of 198.51.100.0/24 via lb1,
#  rs1 .11     rs2 .12           LIPs via lb3; lb4 connects from 198.18.2.14
#  bench_srv rr :8080, sink :9000, source :9001; toa.ko (trusting the LIPs)
#
# Director-only packet rate: in lb1, lb2 and lb3 a dummy device "pgin"
# receives what pktgen generates (xmit_mode netif_receive: the packet
# enters the director's receive path directly, on one CPU, synchronously),
# and routes lead 198.19.9.0/24 (16 pretend real servers) to a dummy
# "pgout" that drops what it is given. pktgen builds UDP only: an nftables
# netdev ingress rule on pgin makes each packet TCP (protocol, and the
# flags word: SYN to open connections, ACK for the packets of open ones).
# Nothing but the director's own work differs between the paths.
#
# Settings (kernel command line fnat.bench.NAME=VALUE; run.sh passes the
# host's BENCH_NAME variables): REPS (5) rounds of every measurement,
# SECS (4) seconds per connection/bulk measurement, PKTS (100000) packets
# per packet-rate measurement, PARTS (crr,bulk,flood,scale,svc,methods)
# what to run, SCALE (1000,100000,1000000) table sizes, SVCS (1,100,1000)
# service counts, FLOOD_PPS (5000) the SYN flood's rate, FLOOD_CONN_MAX
# (5000) fullnat.ko's table bound in the "full table" flood round, M_CONNS
# (1000) established connections and flows per path and M_NEW (20000) new
# ones per path and round in part_methods, PROFILE (empty) loads to
# profile with perf (software clock; TCG has no hardware counters),
# comma-separated MODE-PATH: crr-, down-, up- or pps-, then a path
# (profile(), profile_pps(); part_methods' paths: m_profile()),
# PROFILE_SCALE (the first of SCALE) the table size at which pps- loads
# of part_scale are profiled.
. /fnat/lib.sh

REPS=5 SECS=4 PKTS=100000 PARTS=crr,bulk,flood,scale,svc,methods
M_CONNS=1000 M_NEW=20000
SCALE=1000,100000,1000000 SVCS=1,100,1000 PROFILE= PROFILE_SCALE=
FLOOD_PPS=5000 FLOOD_CONN_MAX=5000
for arg in $(cat /proc/cmdline); do
	case $arg in
	fnat.bench.*=*)
		arg=${arg#fnat.bench.}
		declare "${arg%%=*}=${arg#*=}" ;;
	esac
done
want() { [[ ,$PARTS, == *,$1,* ]]; }
: "${PROFILE_SCALE:=${SCALE%%,*}}"

CIP_D=$CLIENT_NET.2 CIP_I=$CLIENT_NET.3 CIP_F=$CLIENT_NET.4 CIP_H=$CLIENT_NET.5
VIP_F=203.0.113.10 VIP_F0=203.0.113.12 VIP_I=203.0.113.20 VIP_H=203.0.113.40
RS1=$RS_NET.11 RS2=$RS_NET.12
# packet-rate services: fullnat and IPVS VIPs, and the pretend servers
PG_VIP_F=203.0.113.11 PG_VIP_I=203.0.113.21 PG_RS=198.19.9
PG_SVC_VIP=203.0.113.30 PG_SVC_PORT=10000
PATHS=(direct ipvs fnat_toa fnat haproxy)

emit() { echo "@@BENCH $*"; }

# --- the topology -------------------------------------------------------------

setup_paths() {
	topo_base 4 2
	on c1 "$IP" addr add "$CIP_I/24" dev eth0
	on c1 "$IP" addr add "$CIP_F/24" dev eth0
	on c1 "$IP" addr add "$CIP_H/24" dev eth0
	on rt "$IP" route replace "$RS_NET.0/24" via "$DIR_NET.11"
	on rt "$IP" route replace "$VIP_I/32" via "$DIR_NET.12"
	on rt "$IP" route replace "$VIP_F/32" via "$DIR_NET.13"
	on rt "$IP" route replace "$VIP_F0/32" via "$DIR_NET.13"
	on rt "$IP" route replace "$VIP_H/32" via "$DIR_NET.14"
	on rsr "$IP" route add "$CIP_I/32" via "$UP_NET.12"
	# Client sockets close second (no TIME_WAIT there), but ports cycle
	# fast at thousands of connections a second: use them all.
	on c1 sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
	on lb4 sysctl -qw net.ipv4.ip_local_port_range="1024 65535"

	run modprobe toa trusted_sources="$(lip_net 3).0/24"
	on_exit "rmmod toa"
	local r
	for r in rs1 rs2; do
		on "$r" sysctl -qw net.toa.trusted_sources="$(lip_net 3).0/24"	# per namespace
		bg "$r" "srv-rr-$r" bench_srv -m rr 8080
		bg "$r" "srv-sink-$r" bench_srv -m sink 9000
		bg "$r" "srv-source-$r" bench_srv -m source 9001
		wait_for 20 "bench_srv on $r" listening "$r" 9001
	done

	# lb2: IPVS NAT. A table of 2^20 buckets (the default 2^12 is for
	# thousands of connections, not a million), as an operator would set.
	run modprobe ip_vs conn_tab_bits=20
	run modprobe ip_vs_rr
	on lb2 "$IP" addr add "$VIP_I/32" dev lo
	local port
	for port in 8080 9000 9001; do
		on lb2 ipvsadm -A -t "$VIP_I:$port" -s rr
		on lb2 ipvsadm -a -t "$VIP_I:$port" -r "$RS1:$port" -m
		on lb2 ipvsadm -a -t "$VIP_I:$port" -r "$RS2:$port" -m
	done

	# lb3: fullnat.ko, the same services with TOA and without.
	module_load fullnat
	lb lb3 laddr add "$(lip_net 3).1-$(lip_net 3).32"
	for port in 8080 9000 9001; do
		lb lb3 service add tcp "$VIP_F:$port" scheduler rr toa on
		lb lb3 service add tcp "$VIP_F0:$port" scheduler rr toa off
		for r in "$RS1" "$RS2"; do
			lb lb3 rs add tcp "$VIP_F:$port" "$r:$port"
			lb lb3 rs add tcp "$VIP_F0:$port" "$r:$port"
		done
	done

	# lb4: HAProxy in TCP mode, what one would run instead.
	on lb4 "$IP" addr add "$VIP_H/32" dev lo
	local cfg=$FNAT_LOG/haproxy.cfg
	{
		printf 'global\n\tmaxconn 60000\n\tnbthread 2\n'
		printf 'defaults\n\tmode tcp\n\ttimeout connect 5s\n'
		printf '\ttimeout client 30s\n\ttimeout server 30s\n'
		for port in 8080 9000 9001; do
			printf 'listen p%s\n\tbind %s:%s\n\tbalance roundrobin\n' \
				"$port" "$VIP_H" "$port"
			printf '\tserver rs1 %s:%s\n\tserver rs2 %s:%s\n' \
				"$RS1" "$port" "$RS2" "$port"
		done
	} > "$cfg"
	bg lb4 haproxy haproxy -db -f "$cfg"
	wait_for 20 "haproxy" listening lb4 9001
}

# path_args PATH: bench_cli's -b SRC and ADDR for PATH
path_args() {
	case $1 in
	direct) echo "-b $CIP_D $RS1,$RS2" ;;
	ipvs) echo "-b $CIP_I $VIP_I" ;;
	fnat_toa | fnat_full) echo "-b $CIP_F $VIP_F" ;;
	fnat) echo "-b $CIP_F $VIP_F0" ;;
	haproxy) echo "-b $CIP_H $VIP_H" ;;
	fnat_nat) echo "-b $CIP_N $VIP_MN" ;;
	fnat_dr) echo "-b $CIP_D $VIP_MD" ;;
	fnat_tun) echo "-b $CIP_D $VIP_MT" ;;
	ipvs_dr) echo "-b $CIP_D $VIP_ID" ;;
	ipvs_tun) echo "-b $CIP_D $VIP_IT" ;;
	esac
}

# kv KEY TEXT: the value of KEY=... in TEXT
kv() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<< "$2"; }

# tcp_retrans NS...: "RETRANS SYNRETRANS", the TCP stacks' own counts of
# retransmitted segments and of retransmitted SYNs, summed over NS...
# (absolute values; nstat's history file is not touched)
tcp_retrans() {
	local ns
	for ns; do on_quiet "$ns" nstat -asz TcpRetransSegs TcpExtTCPSynRetrans; done |
		awk '$1 == "TcpRetransSegs" { r += $2 }
		     $1 == "TcpExtTCPSynRetrans" { s += $2 }
		     END { print r + 0, s + 0 }'
}

# dir_conns PATH: connections the path's director has created so far
# (fullnat.ko: tuples taken from its LIPs; none for the other paths)
dir_conns() {
	case $1 in
	fnat*) lbctl -n lb3 -j laddr | jq '[.[].conns] | add // 0' ;;
	*) echo 0 ;;
	esac
}

# measure METRIC PATH REP MODE PROCS PORT
# Besides the figure, every line carries what the TCP stacks retransmitted
# meanwhile (client side: c1, and lb4 for HAProxy's own connections; server
# side: rs1 and rs2), so that a path that loses packets cannot look fast:
# retrans= synretrans= (client), srv_retrans= srv_synretrans= (servers);
# and, for fullnat.ko, lb_conns= (connections the director created, to set
# against the client's successful ones).
measure() {
	local metric=$1 path=$2 rep=$3 mode=$4 procs=$5 port=$6 out cli=c1
	local cb ca sb sa db da tcp
	[[ $path == haproxy ]] && cli="c1 lb4"
	# shellcheck disable=SC2086
	read -r -a cb <<< "$(tcp_retrans $cli)"
	read -r -a sb <<< "$(tcp_retrans rs1 rs2)"
	db=$(dir_conns "$path")
	# shellcheck disable=SC2046
	out=$(on_quiet c1 bench_cli -m "$mode" -P "$procs" -t "$SECS" \
		$(path_args "$path") "$port") || true
	# shellcheck disable=SC2086
	read -r -a ca <<< "$(tcp_retrans $cli)"
	read -r -a sa <<< "$(tcp_retrans rs1 rs2)"
	da=$(dir_conns "$path")
	tcp="retrans=$((ca[0] - cb[0])) synretrans=$((ca[1] - cb[1]))"
	tcp+=" srv_retrans=$((sa[0] - sb[0])) srv_synretrans=$((sa[1] - sb[1]))"
	[[ $path == fnat* ]] && tcp+=" lb_conns=$((da - db))"
	if [[ $mode == crr || $mode == urr ]]; then
		emit "metric=$metric path=$path rep=$rep value=$(kv rate "$out")" \
		     "errors=$(kv errors "$out") conns=$(kv conns "$out")" \
		     "slow=$(kv slow "$out") max_connect_ms=$(kv max_connect_ms "$out") $tcp"
	else
		emit "metric=$metric path=$path rep=$rep value=$(kv mbps "$out")" \
		     "errors=$(kv errors "$out") $tcp"
	fi
	sleep 0.5
}

# --- director-only packet rate ------------------------------------------------

pg_ns() { # pg_ns PATH: the namespace of a packet-rate path
	case $1 in
	direct) echo lb1 ;;
	ipvs*) echo lb2 ;;
	fnat*) echo lb3 ;;
	esac
}

setup_pktgen() {
	local ns i
	run modprobe pktgen
	for ns in lb1 lb2 lb3; do
		on "$ns" "$IP" link add pgin type dummy
		on "$ns" "$IP" link add pgout type dummy
		on_quiet "$ns" "$IP" link set pgin up
		on_quiet "$ns" "$IP" link set pgout up
		on "$ns" "$IP" route add "$PG_RS.0/24" dev pgout
		on "$ns" nft add table netdev bench
		on "$ns" nft add chain netdev bench in \
			"{ type filter hook ingress device pgin priority 0 ; }"
		on_quiet "$ns" sh -c 'echo rem_device_all > /proc/net/pktgen/kpktgend_0'
		on_quiet "$ns" sh -c 'echo add_device pgin > /proc/net/pktgen/kpktgend_0'
	done
	on lb2 "$IP" addr add "$PG_VIP_I/32" dev lo
	on lb2 ipvsadm -A -t "$PG_VIP_I:80" -s rr
	lb lb3 service add tcp "$PG_VIP_F:80" scheduler rr
	for ((i = 1; i <= 16; i++)); do
		on_quiet lb2 ipvsadm -a -t "$PG_VIP_I:80" -r "$PG_RS.$i:8080" -m
		lbctl -n lb3 rs add tcp "$PG_VIP_F:80" "$PG_RS.$i:8080"
	done
}

# Connections opened by SYNs alone (the pretend real servers never answer)
# stay in NONE here, whose deadline only a SYN moves; keep them for the
# bench (IPVS's become ESTABLISHED with the first ACK and keep 15 minutes).
pg_config_scale() {
	lb lb3 config set conn_max 4000000 timeout none 7200 timeout syn_recv 7200
}

# pg_flags NS SYN|ACK|UDP: what the ingress rule makes of pktgen's
# packets (UDP: nothing, pktgen's own)
pg_flags() {
	local v
	[[ $2 == SYN ]] && v=0x5002 || v=0x5010
	on_quiet "$1" nft flush chain netdev bench in
	[[ $2 == UDP ]] && return 0
	on_quiet "$1" nft add rule netdev bench in ip protocol udp \
		@th,96,16 set "$v" ip protocol set 6
}

# pg_run NS COUNT DST DPORT_MIN DPORT_END SRC_MIN SRC_MAX SPORT_MIN SPORT_END RND
# Sends COUNT packets into NS's pgin; prints "pps=R fwd=N usec=U".
# Port ranges are [MIN, END) (pktgen's); RND=1 picks sources and
# destination ports at random in the ranges, else they count up (each
# field on every packet, wrapping), which visits every combination once
# when the range sizes are coprime.
pg_run() {
	local ns=$1 count=$2 dst=$3 dmin=$4 dend=$5 smin=$6 smax=$7 pmin=$8 pend=$9
	local rnd=${10} f=/proc/net/pktgen/pgin mac before after res usec flag c script=
	mac=$(on_quiet "$ns" cat /sys/class/net/pgin/address)
	[[ $rnd == 1 ]] && flag="flag " || flag="flag !"
	# One shell per run: every process started costs milliseconds here.
	# pktgen resets a range's cursor only when the range changes: set
	# each to nothing first, so every run starts from its beginning.
	for c in "clone_skb 0" "xmit_mode netif_receive" "burst 1" "delay 0" \
		"count $count" "pkt_size 64" "dst_mac $mac" \
		"src_min 0.0.0.0" "src_max 0.0.0.0" "udp_src_min 0" "udp_src_max 0" \
		"udp_dst_min 0" "udp_dst_max 0" \
		"dst_min $dst" "dst_max $dst" "src_min $smin" "src_max $smax" \
		"udp_dst_min $dmin" "udp_dst_max $dend" \
		"udp_src_min $pmin" "udp_src_max $pend" "flag NO_TIMESTAMP" \
		"${flag}IPSRC_RND" "${flag}UDPSRC_RND" "${flag}UDPDST_RND"; do
		script+="echo '$c' > $f || { echo 'pktgen refused: $c'; exit 1; }; "
	done
	script+="cat /sys/class/net/pgout/statistics/tx_packets; "
	script+="echo start > /proc/net/pktgen/pgctrl; "
	script+="cat /sys/class/net/pgout/statistics/tx_packets; grep -A1 '^Result:' $f"
	res=$(on_quiet "$ns" sh -c "$script") || fail "pktgen $ns: $res"
	before=$(sed -n 1p <<< "$res")
	after=$(sed -n 2p <<< "$res")
	usec=$(sed -n 's/^Result: OK: \([0-9]*\)(.*/\1/p' <<< "$res")
	[[ -n $usec ]] || fail "pktgen $ns: $res"
	echo "pps=$(( (after - before) * 1000000 / usec )) fwd=$((after - before)) usec=$usec"
}

# pg_target PATH: destination address and port of PATH's pktgen traffic
pg_target() {
	case $1 in
	direct) echo "$PG_RS.1 8080 8081" ;;
	ipvs) echo "$PG_VIP_I 80 81" ;;
	fnat) echo "$PG_VIP_F 80 81" ;;
	*) echo "$(m_vip "$1") 80 81" ;;
	esac
}

# open_pass NS COUNT DST DPORT_MIN DPORT_END SRC_MIN SRC_MAX SPORT_MIN SPORT_END
# Opens COUNT connections with SYNs, fields counting together (pg_run),
# then ACKs each once; prints the SYN pass's pg_run line.
open_pass() {
	local ns=$1 out
	shift
	pg_flags "$ns" SYN
	out=$(pg_run "$ns" "$@" 0)
	pg_flags "$ns" ACK
	pg_run "$ns" "$@" 0 > /dev/null
	echo "$out"
}

# open_conns PATH SRC_MIN SRC_MAX SPORT_MIN SPORT_END
# Opens connections through PATH's director, one per source address and
# port, one source address at a time (IPVS keeps a SYN_RECV entry 60 s:
# each block is ACKed right after its SYNs). Prints the SYN rate: new
# connections per second.
open_conns() {
	local path=$1 smin=$2 smax=$3 pmin=$4 pend=$5 ns a out syn=0 usec=0
	local dst dmin dend
	ns=$(pg_ns "$path")
	read -r dst dmin dend <<< "$(pg_target "$path")"
	for ((a = $(ip4n "$smin"); a <= $(ip4n "$smax"); a++)); do
		out=$(open_pass "$ns" $(( (pend - pmin) * (dend - dmin) )) "$dst" "$dmin" \
			"$dend" "$(n4ip $a)" "$(n4ip $a)" "$pmin" "$pend")
		syn=$((syn + $(kv fwd "$out")))
		usec=$((usec + $(kv usec "$out")))
	done
	echo $((syn * 1000000 / usec))
}

n4ip() { echo "$(($1 >> 24)).$(($1 >> 16 & 255)).$(($1 >> 8 & 255)).$(($1 & 255))"; }

ip4n() { # dotted quad to number
	local IFS=.
	# shellcheck disable=SC2086
	set -- $1
	echo $(( ($1 << 24) | ($2 << 16) | ($3 << 8) | $4 ))
}

table_size() { # table_size PATH: entries in PATH's connection table
	case $1 in
	# not /proc/net/ip_vs_conn: reading it is quadratic in its length
	ipvs) on_quiet lb2 ipvsadm -Ln |
		awk '$1 == "->" && $2 ~ /^[0-9]/ { n += $5 + $6 } END { print n + 0 }' ;;
	fnat) conns lb3 ;;
	*) echo 0 ;;
	esac
}

# slab_bytes CACHE: bytes of memory in CACHE's slabs, after shrinking
slab_bytes() {
	[[ -w /sys/kernel/slab/$1/shrink ]] && echo 1 > "/sys/kernel/slab/$1/shrink"
	awk -v c="$1" '$1 == c { print $2, $4, $15 * $6 * 4096 }' /proc/slabinfo
}

# emit_mem PATH CACHE LABEL: slab bytes per connection of PATH's table;
# table_bytes is the hash table's bucket array (8 bytes a bucket), which
# the report adds for a second figure
emit_mem() {
	local n active objsize bytes bits
	n=$(table_size "$1")
	((n > 0)) || { emit "info mem/$3_$1=no-entries"; return 0; }
	read -r active objsize bytes <<< "$(slab_bytes "$2")"
	case $1 in
	ipvs) bits=$(cat /sys/module/ip_vs/parameters/conn_tab_bits) ;;
	fnat) bits=$(cat /sys/module/fullnat/parameters/conn_tab_bits) ;;
	esac
	emit "metric=mem/$3 path=$1 rep=1 value=$(awk -v b="$bytes" -v n="$n" \
		'BEGIN { printf "%.1f", n ? b / n : 0 }') conns=$n objects=$active" \
	     "objsize=$objsize slab_bytes=$bytes table_bytes=$((8 << bits))"
}

# --- the parts ------------------------------------------------------------------

part_crr_bulk() {
	local rep path
	for ((rep = 1; rep <= REPS; rep++)); do
		log "round $rep of $REPS"
		if want crr; then
			for path in "${PATHS[@]}"; do measure crr/1 "$path" "$rep" crr 1 8080; done
			for path in "${PATHS[@]}"; do measure crr/2 "$path" "$rep" crr 2 8080; done
		fi
		if want bulk; then
			for path in "${PATHS[@]}"; do measure down "$path" "$rep" down 1 9001; done
			for path in "${PATHS[@]}"; do measure up "$path" "$rep" up 1 9000; done
		fi
	done
	on lb3 lbctl stats | grep -E 'toa|drop|no_|err' || true
	on lb3 lbctl show --stats || true
}

# --- legitimate connections under a SYN flood -----------------------------------

# A SYN flood with spoofed sources at the service the clients use, from
# pktgen in the path's director (its "pgin" device, see setup_pktgen): UDP
# packets made TCP SYNs by the ingress rule, from random addresses of
# 10.200.0.0/16 (no director routes them: nothing answers) and random
# ports, at FLOOD_PPS a second (pktgen's ratep; the rate reached is
# reported). Meanwhile one client process makes short connections as in
# crr/1; the figure is its rate, and the ratio to the same path's rate
# without the flood in the same round. The TCP checksum of the flood's
# SYNs is not valid: the directors forward without checking it (IPVS and
# fullnat.ko alike) and the real servers drop them, so this measures what
# a flood costs the director, not the real servers' SYN cookies.
# Paths: direct routing (flood from lb1 to the servers), IPVS NAT, fullnat.ko
# with its defaults, and fullnat.ko with conn_max FLOOD_CONN_MAX
# ("fnat_full": a table the flood fills within a second or two).
flood_target() { # flood_target PATH: NS DST_MIN DST_MAX PORT
	case $1 in
	direct) echo "lb1 $RS1 $RS2 8080" ;;
	ipvs) echo "lb2 $VIP_I $VIP_I 8080" ;;
	fnat*) echo "lb3 $VIP_F $VIP_F 8080" ;;
	esac
}

flood_start() { # flood_start PATH: sets FLOOD_NS, FLOOD_PID
	local ns dmin dmax port mac c script="" f=/proc/net/pktgen/pgin
	read -r ns dmin dmax port <<< "$(flood_target "$1")"
	pg_flags "$ns" SYN
	mac=$(on_quiet "$ns" cat /sys/class/net/pgin/address)
	for c in "clone_skb 0" "xmit_mode netif_receive" "burst 1" "count 0" \
		"pkt_size 64" "dst_mac $mac" "ratep $FLOOD_PPS" \
		"src_min 0.0.0.0" "src_max 0.0.0.0" "udp_src_min 0" "udp_src_max 0" \
		"udp_dst_min 0" "udp_dst_max 0" \
		"dst_min $dmin" "dst_max $dmax" "src_min 10.200.0.1" "src_max 10.200.255.254" \
		"udp_dst_min $port" "udp_dst_max $port" \
		"udp_src_min 1024" "udp_src_max 65535" "flag NO_TIMESTAMP" \
		"flag IPSRC_RND" "flag UDPSRC_RND" "flag !UDPDST_RND"; do
		script+="echo '$c' > $f || { echo 'pktgen refused: $c'; exit 1; }; "
	done
	script+="echo start > /proc/net/pktgen/pgctrl"
	on_quiet "$ns" sh -c "$script" &
	FLOOD_PID=$! FLOOD_NS=$ns
	# let the flood reach its rate (and fill what it fills) first
	sleep 1
}

flood_stop() { # sets FLOOD_RATE: the rate the flood reached, packets/s
	local res pkts usec
	on_quiet "$FLOOD_NS" sh -c 'echo stop > /proc/net/pktgen/pgctrl'
	wait "$FLOOD_PID" || true
	res=$(on_quiet "$FLOOD_NS" grep '^Result:' /proc/net/pktgen/pgin) || true
	read -r usec pkts <<< "$(sed -n 's/^Result: OK: \([0-9]*\)(.*usec, \([0-9]*\) .*/\1 \2/p' <<< "$res")"
	pg_flags "$FLOOD_NS" ACK
	FLOOD_RATE=0
	[[ -n $usec ]] && ((usec > 0)) && FLOOD_RATE=$((pkts * 1000000 / usec))
	return 0
}

part_flood() {
	local rep path conn_max
	conn_max=$(lbctl -n lb3 -j config | jq .conn_max)
	for ((rep = 1; rep <= REPS; rep++)); do
		log "flood round $rep of $REPS"
		# each path without the flood right before with it: the
		# emulator's speed drifts
		for path in direct ipvs fnat_toa fnat_full; do
			if [[ $path == fnat_full ]]; then
				lbctl -n lb3 config set conn_max "$FLOOD_CONN_MAX"
			else
				measure flood/base "$path" "$rep" crr 1 8080
			fi
			flood_start "$path"
			measure flood/syn "$path" "$rep" crr 1 8080
			# what the flood left in the table, and the rate it reached
			emit "info flood_table/$path/$rep=$(table_size "${path%_*}")"
			flood_stop
			emit "info flood_pps/$path/$rep=$FLOOD_RATE"
			if [[ $path == fnat_full ]]; then
				lbctl -n lb3 config set conn_max "$conn_max"
			fi
		done
	done
	on lb3 lbctl stats | grep -E 'conn_limit|no_|not_syn|err' || true
}

# One packet-rate round over the paths: random sources among the open
# connections of block SRC_MIN..SRC_MAX x [SPORT_MIN, SPORT_END).
pps_round() { # METRIC REP SRC_MIN SRC_MAX SPORT_MIN SPORT_END PATH...
	local metric=$1 rep=$2 smin=$3 smax=$4 pmin=$5 pend=$6 path out
	shift 6
	for path in "$@"; do
		local dst dmin dend
		read -r dst dmin dend <<< "$(pg_target "$path")"
		out=$(pg_run "$(pg_ns "$path")" "$PKTS" "$dst" "$dmin" "$dend" \
			"$smin" "$smax" "$pmin" "$pend" 1)
		emit "metric=$metric path=$path rep=$rep value=$(kv pps "$out")" \
		     "fwd=$(kv fwd "$out") usec=$(kv usec "$out")"
	done
}

# Blocks of client addresses, one per table size: 10.N.0.1 ... with up to
# 60000 ports each.
part_scale() {
	local k=0 n ips ports label rep path smax rate
	for n in ${SCALE//,/ }; do
		k=$((k + 1))
		ips=$(( (n + 59999) / 60000 ))
		ports=$(( (n + ips - 1) / ips ))
		smax=10.$k.0.$ips
		label=$(human "$n")
		for path in ipvs fnat; do
			log "opening $((ips * ports)) connections through $path"
			rate=$(open_conns "$path" "10.$k.0.1" "$smax" 1024 $((1024 + ports)))
			emit "metric=syn/$label path=$path rep=1 value=$rate"
			emit "info table_$path/$label=$(table_size "$path")"
		done
		((n > 20000)) ||
		emit "info ipvs_states/$label=$(on_quiet lb2 awk 'NR > 1 { n[$8]++ }
			END { for (s in n) printf "%s:%d,", s, n[s] }' /proc/net/ip_vs_conn)"
		for ((rep = 1; rep <= REPS; rep++)); do
			pps_round "pps/$label" "$rep" "10.$k.0.1" "$smax" 1024 $((1024 + ports)) \
				direct ipvs fnat
		done
		((n == PROFILE_SCALE)) && profile_pps
		if ((n >= 100000)); then
			emit_mem ipvs ip_vs_conn "$label"
			emit_mem fnat fnat_conn "$label"
		fi
	done
}

human() { # 1000 -> 1k, 1000000 -> 1M
	if (($1 >= 1000000 && $1 % 1000000 == 0)); then echo "$(($1 / 1000000))M"
	elif (($1 >= 1000 && $1 % 1000 == 0)); then echo "$(($1 / 1000))k"
	else echo "$1"; fi
}

# Services VIP:10000... with one pretend real server each, and about ten
# thousand connections spread evenly over them. Every connection has a
# client address and port of its own, as real clients' connections do:
# N services get N client addresses and P ports each, P the first from
# 10000/N that is coprime with N. pktgen then counts through the fields
# (address, port, service) together: packet t is connection t mod N*P,
# so the opening passes and every measured packet name open connections.
# (Random fields, as in part_scale, would need every client address and
# port to reach every service: IPVS hashes connections by the client side
# only, and ten clients' ports each used for a thousand services made its
# chains a thousand long, a case no real client makes.)
part_svc() {
	local have=0 n i k=100 ports rep path batch smax n_conns
	for n in ${SVCS//,/ }; do
		log "$n services"
		batch=$FNAT_LOG/ipvs-svc.txt
		: > "$batch"
		for ((i = have; i < n; i++)); do
			echo "-A -t $PG_SVC_VIP:$((PG_SVC_PORT + i)) -s rr" >> "$batch"
			echo "-a -t $PG_SVC_VIP:$((PG_SVC_PORT + i)) -r $PG_RS.$((i % 16 + 1)):8080 -m" >> "$batch"
			lbctl -n lb3 service add tcp "$PG_SVC_VIP:$((PG_SVC_PORT + i))" scheduler rr
			lbctl -n lb3 rs add tcp "$PG_SVC_VIP:$((PG_SVC_PORT + i))" "$PG_RS.$((i % 16 + 1)):8080"
		done
		on_quiet lb2 ipvsadm -R < "$batch"
		if ((have == 0)); then
			on lb2 "$IP" addr add "$PG_SVC_VIP/32" dev lo
		fi
		have=$n
		ports=$(( (10000 + n - 1) / n ))
		while (( $(gcd "$ports" "$n") != 1 )); do ports=$((ports + 1)); done
		k=$((k + 1))
		smax=$(n4ip $(( $(ip4n "10.$k.0.1") + n - 1 )))
		n_conns=$((n * ports))
		for path in ipvs fnat; do
			open_pass "$(pg_ns "$path")" "$n_conns" "$PG_SVC_VIP" "$PG_SVC_PORT" \
				$((PG_SVC_PORT + n)) "10.$k.0.1" "$smax" 1024 $((1024 + ports)) > /dev/null
		done
		emit "info svc_conns/$n=$n_conns"
		# Direct routing (to one pretend server; it has no services) is
		# the control: how the emulator drifts from one count to the next.
		for ((rep = 1; rep <= REPS; rep++)); do
			for path in direct ipvs fnat; do
				local dst=$PG_SVC_VIP dmin=$PG_SVC_PORT dend=$((PG_SVC_PORT + n))
				[[ $path == direct ]] && read -r dst dmin dend <<< "$(pg_target direct)"
				out=$(pg_run "$(pg_ns "$path")" "$PKTS" "$dst" "$dmin" "$dend" \
					"10.$k.0.1" "$smax" 1024 $((1024 + ports)) 0)
				emit "metric=svc/$n path=$path rep=$rep value=$(kv pps "$out")" \
				     "fwd=$(kv fwd "$out") usec=$(kv usec "$out")"
			done
		done
	done
}

# --- every forwarding method against IPVS's same method ---------------------------

# Director-only packet rate (pktgen into pgin, as part_scale) through each
# forwarding method of fullnat.ko and the same method of in-tree IPVS, each
# director alone in its namespace (fullnat.ko in lb3, IPVS in lb2), every
# path in every round:
#
#   path      director    method     VIP, port 80    real servers' port
#   fnat      fullnat.ko  FullNAT    PG_VIP_F (.11)  8080
#   ipvs      IPVS        NAT (-m)   PG_VIP_I (.21)  8080
#   fnat_nat  fullnat.ko  NAT        .13             8080
#   fnat_dr   fullnat.ko  DR         .14             80 (DR and TUN map no
#   ipvs_dr   IPVS        DR (-g)    .24             80  ports)
#   fnat_tun  fullnat.ko  TUN        .15             80
#   ipvs_tun  IPVS        TUN (-i)   .25             80
#
# FullNAT has no IPVS counterpart: IPVS NAT is its reference as in the
# other parts, and the one IPVS NAT figure of a round serves the FullNAT
# and the NAT rows. The 16 pretend real servers are on pgout, a connected
# route with a permanent neighbour each: what DR needs (the server on the
# director's segment); TUN's IPIP packets take the same route, from the
# namespace's own address. Metrics, each path's packets from a source
# block of its own (no two paths' connections share a hash chain):
#   methods/ack      TCP ACKs of M_CONNS established connections, at random
#   methods/syn      TCP SYNs, each a new connection (M_NEW a round)
#   methods/udp      UDP datagrams of M_CONNS flows, at random
#   methods/udp_new  UDP datagrams, each a new flow (M_NEW a round)
# pktgen's UDP has no checksum (0); the TCP packets' is not valid (the
# ingress rule rewrites the header): none of the directors checks it.
M_PATHS=(fnat ipvs fnat_nat fnat_dr ipvs_dr fnat_tun ipvs_tun)
M_KINDS=(ack syn udp udp_new)

m_vip() { # m_vip PATH: the VIP of a path of part_methods
	case $1 in
	fnat) echo "$PG_VIP_F" ;;
	ipvs) echo "$PG_VIP_I" ;;
	fnat_nat) echo 203.0.113.13 ;;
	fnat_dr) echo 203.0.113.14 ;;
	fnat_tun) echo 203.0.113.15 ;;
	ipvs_dr) echo 203.0.113.24 ;;
	ipvs_tun) echo 203.0.113.25 ;;
	esac
}

setup_methods() {
	local ns i path vip proto opt how port
	for ((i = 1; i <= 16; i++)); do
		for ns in lb2 lb3; do
			on "$ns" "$IP" neigh replace "$PG_RS.$i" dev pgout nud permanent \
				lladdr "02:00:00:00:09:$(printf %02x "$i")" || return 1
		done
	done
	on lb2 "$IP" addr add "$(m_vip ipvs_dr)/32" dev lo || return 1
	on lb2 "$IP" addr add "$(m_vip ipvs_tun)/32" dev lo || return 1
	# Nothing may expire between the opening passes and the last round:
	# IPVS's tcp, tcpfin and udp timeouts; fullnat.ko's TCP ones are
	# pg_config_scale's.
	on lb2 ipvsadm --set 7200 120 7200 || return 1
	lb lb3 config set timeout udp 7200 timeout udp unreplied 7200 || return 1
	for proto in tcp udp; do
		[[ $proto == tcp ]] && opt=-t || opt=-u
		for path in "${M_PATHS[@]}"; do
			# setup_pktgen's TCP services
			[[ $proto == tcp && ( $path == fnat || $path == ipvs ) ]] && continue
			vip=$(m_vip "$path")
			case $path in
			fnat) how=fullnat port=8080 ;;
			ipvs | fnat_nat) how=nat port=8080 ;;
			*) how=${path#*_} port=80 ;;
			esac
			if [[ $path == ipvs* ]]; then
				case $how in nat) how=-m ;; dr) how=-g ;; tun) how=-i ;; esac
				on lb2 ipvsadm -A "$opt" "$vip:80" -s rr || return 1
				for ((i = 1; i <= 16; i++)); do
					on_quiet lb2 ipvsadm -a "$opt" "$vip:80" \
						-r "$PG_RS.$i:$port" "$how" || return 1
				done
			else
				lb lb3 service add "$proto" "$vip:80" forward "$how" \
					scheduler rr || return 1
				for ((i = 1; i <= 16; i++)); do
					lbctl -n lb3 rs add "$proto" "$vip:80" \
						"$PG_RS.$i:$port" || return 1
				done
			fi
		done
	done
	on lb2 ipvsadm -Ln
	lbctl -n lb3 show
}

# m_src KIND PATH REP: the source address of PATH's packets of KIND:
# 10.6x.0.1 and 10.8x.0.1 for the established connections and flows,
# 10.7x.REP.1 and 10.9x.REP.1, new in every round, for the new ones
m_src() {
	local i
	for ((i = 0; i < ${#M_PATHS[@]}; i++)); do
		[[ ${M_PATHS[i]} == "$2" ]] && break
	done
	case $1 in
	ack) echo "10.$((60 + i)).0.1" ;;
	syn) echo "10.$((70 + i)).$3.1" ;;
	udp) echo "10.$((80 + i)).0.1" ;;
	udp_new) echo "10.$((90 + i)).$3.1" ;;
	esac
}

m_flags() { # m_flags KIND: the ingress rule of lb2 and lb3 for KIND
	local f
	case $1 in ack) f=ACK ;; syn) f=SYN ;; *) f=UDP ;; esac
	pg_flags lb2 "$f"
	pg_flags lb3 "$f"
}

# m_run KIND PATH REP: one pktgen run of KIND through PATH; prints pg_run's
# line and "sent=N"
m_run() {
	local kind=$1 path=$2 rep=$3 src dst dmin dend
	src=$(m_src "$kind" "$path" "$rep")
	read -r dst dmin dend <<< "$(pg_target "$path")"
	case $kind in
	ack | udp)
		echo "$(pg_run "$(pg_ns "$path")" "$PKTS" "$dst" "$dmin" "$dend" \
			"$src" "$src" 1024 $((1024 + M_CONNS)) 1) sent=$PKTS" ;;
	*)
		echo "$(pg_run "$(pg_ns "$path")" "$M_NEW" "$dst" "$dmin" "$dend" \
			"$src" "$src" 1024 $((1024 + M_NEW)) 0) sent=$M_NEW" ;;
	esac
}

part_methods() {
	local path kind rep out src dst dmin dend
	((M_CONNS >= 1 && M_CONNS <= 64511 && M_NEW >= 1 && M_NEW <= 64511)) ||
		fail "M_CONNS ($M_CONNS) and M_NEW ($M_NEW) must be 1-64511 (ports 1024-65535)"
	setup_methods > "$FNAT_LOG/setup-methods.txt" 2>&1 ||
		{ cat "$FNAT_LOG/setup-methods.txt"; fail "methods setup"; }
	emit "info m_conns=$M_CONNS m_new=$M_NEW"
	log "methods: opening $M_CONNS connections and UDP flows a path"
	for path in "${M_PATHS[@]}"; do
		src=$(m_src ack "$path" 0)
		read -r dst dmin dend <<< "$(pg_target "$path")"
		open_pass "$(pg_ns "$path")" "$M_CONNS" "$dst" "$dmin" "$dend" \
			"$src" "$src" 1024 $((1024 + M_CONNS)) > /dev/null
		pg_flags "$(pg_ns "$path")" UDP
		src=$(m_src udp "$path" 0)
		pg_run "$(pg_ns "$path")" "$M_CONNS" "$dst" "$dmin" "$dend" \
			"$src" "$src" 1024 $((1024 + M_CONNS)) 0 > /dev/null
	done
	emit "info m_tables=ipvs:$(table_size ipvs),fnat:$(table_size fnat)"
	for ((rep = 1; rep <= REPS; rep++)); do
		log "methods round $rep of $REPS"
		for kind in "${M_KINDS[@]}"; do
			m_flags "$kind"
			for path in "${M_PATHS[@]}"; do
				out=$(m_run "$kind" "$path" "$rep")
				emit "metric=methods/$kind path=$path rep=$rep value=$(kv pps "$out")" \
				     "fwd=$(kv fwd "$out") sent=$(kv sent "$out") usec=$(kv usec "$out")"
			done
		done
	done
	emit "info m_tables_after=ipvs:$(table_size ipvs),fnat:$(table_size fnat)"
	on lb3 lbctl stats | grep -E 'drop|no_|err|martian|frag' || true
	on lb2 ipvsadm -Ln --stats || true
	m_profile
	part_methods_conns
}

# Connections through each method with the real clients and servers of
# the topology (bench_cli and bench_srv, 1 client process, SECS a run):
# methods/crr TCP short connections (crr, port 8080), methods/urr UDP
# exchanges, one request and one answer from a new client port each
# (bench_cli -m urr against bench_srv -m urr, port 8081). fnat and ipvs are
# the FullNAT path without TOA and IPVS NAT of part_crr_bulk; the others:
#
#   path      VIP          client   servers        how the answers come back
#   fnat_nat  .50 (lb3)    .6       rs1, rs2       rsr routes .6 via lb3
#   fnat_dr   .51 (lb3)    .2       rs1, rs2 as    VIP on the servers' lo
#   ipvs_dr   .61 (lb2)    .2       .31 and .32    (arp_ignore), then rsr,
#                                                  lb1 (a router), rt
#   fnat_tun  .52 (lb3)    .2       rs1, rs2       VIP on tunl0, then as DR
#   ipvs_tun  .62 (lb2)    .2       rs1, rs2
#
# DR needs its real servers on a segment of the director: lb2 and lb3
# get a leg (eth2) on the servers' bridge, and the servers a second
# address each (.31, .32) that only those legs reach, so that the other
# paths' packets keep their way through rsr.
VIP_MN=203.0.113.50 VIP_MD=203.0.113.51 VIP_MT=203.0.113.52
VIP_ID=203.0.113.61 VIP_IT=203.0.113.62 CIP_N=$CLIENT_NET.6
RS_DR1=$RS_NET.31 RS_DR2=$RS_NET.32

setup_methods_conns() {
	local r ns i vip how opt proto port rips
	on c1 "$IP" addr add "$CIP_N/24" dev eth0 || return 1
	on rsr "$IP" route add "$CIP_N/32" via "$UP_NET.13" || return 1
	for vip in "$VIP_MN" "$VIP_MD" "$VIP_MT"; do
		on rt "$IP" route add "$vip/32" via "$DIR_NET.13" || return 1
	done
	for vip in "$VIP_ID" "$VIP_IT"; do
		on rt "$IP" route add "$vip/32" via "$DIR_NET.12" || return 1
		on lb2 "$IP" addr add "$vip/32" dev lo || return 1
	done
	for i in 2 3; do
		ns=lb$i
		link "$ns" eth2 "$RS_NET.2$i/32" rsr "${ns}rs" - || return 1
		bridge_port rsr brrs "${ns}rs" || return 1
		on "$ns" "$IP" route add "$RS_DR1/32" dev eth2 || return 1
		on "$ns" "$IP" route add "$RS_DR2/32" dev eth2 || return 1
	done
	# the servers' side: DR's VIPs on lo, silent for ARP (sysctls first);
	# TUN's on tunl0 (the ipip module's fallback device, one per
	# namespace), whose packets come from clients routed elsewhere
	run modprobe ipip || return 1
	for i in 1 2; do
		r=rs$i
		on "$r" sysctl -qw net.ipv4.conf.all.arp_ignore=1 \
			net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.tunl0.rp_filter=0 || return 1
		on "$r" "$IP" addr add "$RS_NET.3$i/24" dev eth0 || return 1
		on "$r" "$IP" addr add "$VIP_MD/32" dev lo || return 1
		on "$r" "$IP" addr add "$VIP_ID/32" dev lo || return 1
		on "$r" "$IP" link set tunl0 up || return 1
		on "$r" "$IP" addr add "$VIP_MT/32" dev tunl0 || return 1
		on "$r" "$IP" addr add "$VIP_IT/32" dev tunl0 || return 1
		bg "$r" "srv-urr-$r" bench_srv -m urr 8081
		wait_for 20 "bench_srv -m urr on $r" udp_listening "$r" 8081 || return 1
	done
	for proto in tcp udp; do
		[[ $proto == tcp ]] && opt=-t port=8080 || opt=-u port=8081
		for vip in "$VIP_MN:nat" "$VIP_MD:dr" "$VIP_MT:tun" "$VIP_F0:fullnat"; do
			how=${vip#*:} vip=${vip%:*}
			# part_crr_bulk's
			[[ $how == fullnat && $proto == tcp ]] && continue
			rips="$RS1 $RS2"
			[[ $how == dr ]] && rips="$RS_DR1 $RS_DR2"
			lb lb3 service add "$proto" "$vip:$port" forward "$how" scheduler rr || return 1
			for r in $rips; do
				lb lb3 rs add "$proto" "$vip:$port" "$r:$port" || return 1
			done
		done
		for vip in "$VIP_I:-m" "$VIP_ID:-g" "$VIP_IT:-i"; do
			how=${vip#*:} vip=${vip%:*}
			[[ $how == -m && $proto == tcp ]] && continue
			rips="$RS1 $RS2"
			[[ $how == -g ]] && rips="$RS_DR1 $RS_DR2"
			on lb2 ipvsadm -A "$opt" "$vip:$port" -s rr || return 1
			for r in $rips; do
				on lb2 ipvsadm -a "$opt" "$vip:$port" -r "$r:$port" "$how" || return 1
			done
		done
	done
}

udp_listening() { on_quiet "$1" ss -Huln "sport = :$2" | grep -q .; }

part_methods_conns() {
	local rep path mode
	setup_methods_conns > "$FNAT_LOG/setup-methods-conns.txt" 2>&1 ||
		{ cat "$FNAT_LOG/setup-methods-conns.txt"; fail "methods setup (connections)"; }
	# A path that does not answer still gets its rows (rate 0, errors):
	# say so up front, with what bench_cli saw.
	for path in "${M_PATHS[@]}"; do
		for mode in crr:8080 urr:8081; do
			# shellcheck disable=SC2046
			on_quiet c1 bench_cli -m "${mode%:*}" -t 0.3 $(path_args "$path") \
				"${mode#*:}" > /dev/null 2>&1 ||
				emit "info m_unanswered/$path/${mode%:*}=yes"
		done
	done
	for ((rep = 1; rep <= REPS; rep++)); do
		log "methods connections round $rep of $REPS"
		for path in "${M_PATHS[@]}"; do measure methods/crr "$path" "$rep" crr 1 8080; done
		for path in "${M_PATHS[@]}"; do measure methods/urr "$path" "$rep" urr 1 8081; done
	done
	on lb3 lbctl stats | grep -E 'drop|no_|err|martian|frag' || true
}

# PROFILE=pps-PATH for a path of part_methods: perf over one run of each
# KIND through it (established ones: M_CONNS connections, at random)
m_profile() {
	local p path kind data pid
	for p in ${PROFILE//,/ }; do
		[[ $p == pps-* ]] || continue
		path=${p#pps-}
		[[ -n $(m_vip "$path") ]] || continue
		for kind in ack udp; do
			m_flags "$kind"
			data=$FNAT_LOG/perf-$p-$kind.data
			perf record -q -a -e cpu-clock -F 1000 -o "$data" -- sleep 2 &
			pid=$!
			m_run "$kind" "$path" 0 > /dev/null
			wait "$pid"
			perf_show "methods-$kind-$path" "$data"
		done
	done
}

# Where the time goes, per path: perf's software clock over the whole
# guest (client, directors, servers). PROFILE=MODE-PATH,...: MODE is crr
# (2 processes), down or up, for the connection and bulk loads.
profile() {
	local p mode path data pid port
	for p in ${PROFILE//,/ }; do
		mode=${p%%-*} path=${p#*-}
		case $mode in
		crr) port=8080 ;;
		down) port=9001 ;;
		up) port=9000 ;;
		*) continue ;;
		esac
		data=$FNAT_LOG/perf-$p.data
		log "profile: $path, $mode"
		perf record -q -a -e cpu-clock -F 1000 -o "$data" -- sleep "$SECS" &
		pid=$!
		sleep 0.3
		# shellcheck disable=SC2046
		on_quiet c1 bench_cli -m "$mode" -P 2 -t "$SECS" $(path_args "$path") "$port" || true
		wait "$pid"
		perf_show "$p" "$data"
	done
}

perf_show() { # perf_show NAME DATA
	echo "@@PROFILE $1 begin"
	perf report -i "$2" --sort dso,sym --stdio 2>/dev/null |
		grep -v '^#' | grep '%' | head -n 80 || true
	echo "@@PROFILE $1 end"
}

# The same for the director-only packet rate (PROFILE=pps-PATH): one
# pktgen run over the connections of block SRC_MIN..SRC_MAX.
profile_pps() { # SRC_MIN SRC_MAX SPORT_MIN SPORT_END
	local p path data pid dst dmin dend
	for p in ${PROFILE//,/ }; do
		[[ $p == pps-* ]] || continue
		path=${p#pps-}
		data=$FNAT_LOG/perf-$p.data
		read -r dst dmin dend <<< "$(pg_target "$path")"
		perf record -q -a -e cpu-clock -F 1000 -o "$data" -- \
			ip netns exec "$(pg_ns "$path")" sh -c \
			'echo start > /proc/net/pktgen/pgctrl' &
		pid=$!
		wait "$pid"
		perf_show "$p" "$data"
	done
}

gcd() { local a=$1 b=$2 t; while ((b)); do t=$((a % b)); a=$b; b=$t; done; echo "$a"; }

# --- main -------------------------------------------------------------------------

# The emulated HPET costs an exit to QEMU per clock read, and TCP reads
# the clock on every packet: the TSC (run.sh boots with tsc=reliable) is
# what a real machine would use, and leaves more of the time to the paths.
cs=/sys/devices/system/clocksource/clocksource0
grep -qw tsc "$cs/available_clocksource" && echo tsc > "$cs/current_clocksource"
emit "info kernel=$(uname -r) cpus=$(nproc) mem_mb=$(( $(awk '/MemTotal/ { print $2 }' /proc/meminfo) / 1024 ))" \
     "reps=$REPS secs=$SECS pkts=$PKTS clocksource=$(cat "$cs/current_clocksource")"
setup_paths > "$FNAT_LOG/setup.txt" 2>&1 || { cat "$FNAT_LOG/setup.txt"; fail "setup"; }
log "topology ready"
if want crr || want bulk; then
	part_crr_bulk
fi
[[ -n $PROFILE ]] && profile
if want flood || want scale || want svc || want methods; then
	setup_pktgen > "$FNAT_LOG/setup-pktgen.txt" 2>&1 ||
		{ cat "$FNAT_LOG/setup-pktgen.txt"; fail "pktgen setup"; }
	emit "info fnat_tab_bits=$(cat /sys/module/fullnat/parameters/conn_tab_bits)" \
	     "ipvs_tab_bits=$(cat /sys/module/ip_vs/parameters/conn_tab_bits)"
fi
if want flood; then
	emit "info flood_pps_asked=$FLOOD_PPS flood_conn_max=$FLOOD_CONN_MAX"
	part_flood
	if want scale || want svc || want methods; then
		# The flood's connections must not count in the tables measured
		# next: fullnat.ko keeps them 30 s (SYN_RECV), IPVS 60 s.
		log "waiting for the flood's connections to expire"
		# shellcheck disable=SC2016 # evaluated at each poll
		wait_for 180 "empty tables after the flood" \
			eval '(( $(table_size ipvs) + $(table_size fnat) == 0 ))'
	fi
fi
if want scale || want svc || want methods; then
	pg_config_scale > "$FNAT_LOG/setup-pktgen-scale.txt" 2>&1
fi
want scale && part_scale
want svc && part_svc
want methods && part_methods
log "bench done"
