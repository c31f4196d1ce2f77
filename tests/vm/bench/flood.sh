# shellcheck shell=bash
# part_flood: legitimate connections under a SYN flood.
# Sourced by tests/vm/bench.sh, whose header describes the topology,
# the settings and the output.

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
	# let the flood reach its rate (and fill what it fills) first: a
	# second's worth of packets sent
	wait_for 30 "pktgen's first $FLOOD_PPS packets" flood_sent "$FLOOD_PPS"
}

# flood_sent N: has the running flood sent N packets?
flood_sent() {
	local n
	n=$(on_quiet "$FLOOD_NS" awk '/pkts-sofar:/ { print $2 }' /proc/net/pktgen/pgin)
	((${n:-0} >= $1))
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
