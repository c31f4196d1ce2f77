# shellcheck shell=bash
# director-only packet rate: pktgen, open connections, table sizes and memory.
# Sourced by tests/vm/bench.sh, whose header describes the topology,
# the settings and the output.

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
		on_quiet "$ns" sh -c "echo rem_device_all > /proc/net/pktgen/kpktgend_$PG_CPU"
		on_quiet "$ns" sh -c "echo add_device pgin > /proc/net/pktgen/kpktgend_$PG_CPU"
		# pktgen sums an IPv6 datagram's UDP checksum itself (flag
		# UDPCSUM, pg_run) only if pgin cannot: CHECKSUM_NONE, as from a
		# NIC, not CHECKSUM_PARTIAL, which a received packet never is
		# (IPv4's datagrams carry none: this changes nothing for them)
		on "$ns" ethtool -K pgin tx-checksum-ip-generic off
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

# pg_halfopen SECS: the life of fullnat.ko's connections that saw only
# SYNs (NONE with FullNAT and NAT, SYN_RECV with DR and TUN): IPVS's
# SYN_RECV timeout, 60 s, which ipvsadm cannot set, for the parts that
# compare new connections. Deadlines are set when a connection changes
# state: connections open already keep theirs.
pg_halfopen() {
	lb lb3 config set timeout none "$1" timeout syn_recv "$1"
}

# pg_neighbours [ADDR...]: the 16 pretend real servers as permanent
# neighbours on pgout, in lb2 and lb3 (for DR: servers on the director's
# segment): PG_RS.1-16, or the ADDRs given (the same servers in IPv6)
pg_neighbours() {
	local ns i a
	(($#)) || set -- $(seq -f "$PG_RS.%g" 1 16)
	i=0
	for a; do
		i=$((i + 1))
		for ns in lb2 lb3; do
			on_quiet "$ns" "$IP" neigh replace "$a" dev pgout nud permanent \
				lladdr "02:00:00:00:09:$(printf %02x "$i")" || return 1
		done
	done
}

# pg_flags NS SYN|ACK|UDP [6]: what the ingress rule makes of pktgen's
# packets (UDP: nothing, pktgen's own), IPv4 ones or, with 6, IPv6 ones.
# The TCP header's checksum is then whatever pktgen's payload has there
# (no director checks it) and its sequence number the UDP length and
# checksum. IPv4's protocol field is under the header checksum, which nft
# fixes (and would fix the UDP checksum too, for the pseudo-header, but
# pktgen's is 0). IPv6's next header is written raw (@nh): "ip6 nexthdr
# set" would fix the UDP checksum's place, the TCP sequence number. @th
# is the transport header past any extension header (40 bytes in, here).
pg_flags() {
	local v
	[[ $2 == SYN ]] && v=0x5002 || v=0x5010
	on_quiet "$1" nft flush chain netdev bench in
	[[ $2 == UDP ]] && return 0
	if [[ ${3:-4} == 6 ]]; then
		on_quiet "$1" nft add rule netdev bench in ip6 nexthdr udp \
			@th,96,16 set "$v" @nh,48,8 set 6
	else
		on_quiet "$1" nft add rule netdev bench in ip protocol udp \
			@th,96,16 set "$v" ip protocol set 6
	fi
}

# pg_run NS COUNT DST DPORT_MIN DPORT_END SRC_MIN SRC_MAX SPORT_MIN SPORT_END RND
# Sends COUNT packets into NS's pgin; prints "pps=R fwd=N usec=U".
# Port ranges are [MIN, END) (pktgen's); RND=1 picks sources and
# destination ports at random in the ranges, else they count up (each
# field on every packet, wrapping), which visits every combination once
# when the range sizes are coprime. IPv6 when DST is: then SRC_MIN must
# be SRC_MAX (pktgen varies no IPv6 source), the datagrams carry a UDP
# checksum (IPv6 requires one: fullnat.ko drops a datagram without) and
# are 78 bytes on the wire, the least pktgen builds (IPv4's: 64).
pg_run() {
	local ns=$1 count=$2 dst=$3 dmin=$4 dend=$5 smin=$6 smax=$7 pmin=$8 pend=$9
	local rnd=${10} f=/proc/net/pktgen/pgin mac before after res usec flag c script=
	local addrs
	mac=$(on_quiet "$ns" cat /sys/class/net/pgin/address)
	[[ $rnd == 1 ]] && flag="flag " || flag="flag !"
	if [[ $dst == *:* ]]; then
		[[ $smin == "$smax" ]] || fail "pg_run: one IPv6 source, not $smin-$smax"
		addrs=("pkt_size 78" "dst6 $dst" "src6 $smin" "flag UDPCSUM")
	else
		addrs=("pkt_size 64" "flag !IPV6" "flag !UDPCSUM"
			"src_min 0.0.0.0" "src_max 0.0.0.0"
			"dst_min $dst" "dst_max $dst" "src_min $smin" "src_max $smax")
	fi
	# One shell per run: every process started costs milliseconds here.
	# pktgen resets a range's cursor only when the range changes: set
	# each to nothing first, so every run starts from its beginning.
	for c in "clone_skb 0" "xmit_mode netif_receive" "burst 1" "delay 0" \
		"count $count" "dst_mac $mac" "${addrs[@]}" \
		"udp_src_min 0" "udp_src_max 0" "udp_dst_min 0" "udp_dst_max 0" \
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
# (in part_methods6, IPv6: m_vip)
pg_target() {
	case $1 in
	direct) echo "$PG_RS.1 8080 8081" ;;
	*) echo "$(m_vip "$1") 80 81" ;;
	esac
}

# open_pass NS COUNT DST DPORT_MIN DPORT_END SRC_MIN SRC_MAX SPORT_MIN SPORT_END
# Opens COUNT connections with SYNs, fields counting together (pg_run),
# then ACKs each once; prints the SYN pass's pg_run line. IPv6 when DST is.
open_pass() {
	local ns=$1 out af=4
	shift
	[[ $2 == *:* ]] && af=6
	pg_flags "$ns" SYN "$af"
	out=$(pg_run "$ns" "$@" 0)
	pg_flags "$ns" ACK "$af"
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
		awk '$1 == "->" && $2 ~ /^[0-9[]/ { n += $5 + $6 } END { print n + 0 }' ;;
	fnat) conns lb3 ;;
	*) echo 0 ;;
	esac
}

# vip_conns NS VIP: live entries of the services of VIP (IPv4, or IPv6
# as ipvsadm and lbctl print it), all ports and protocols, on NS's
# director (lb2: IPVS, lb3: fullnat.ko)
vip_conns() {
	if [[ $1 == lb2 ]]; then
		on_quiet lb2 ipvsadm -Ln | awk -v vip="$2" '
			$1 == "TCP" || $1 == "UDP" {
				a = $2; sub(/:[0-9]+$/, "", a); gsub(/[][]/, "", a); cur = (a == vip) }
			$1 == "->" && cur && $2 ~ /^[0-9[]/ { n += $5 + $6 }
			END { print n + 0 }'
	else
		lbctl -n "$1" -j show | jq --arg vip "$2" \
			'[.services[] | select(.vip == $vip) | .real_servers[] |
			  .active + .inactive] | add // 0'
	fi
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
