# shellcheck shell=bash
# the four paths, and one load measured over them.
# Sourced by tests/vm/bench.sh, whose header describes the topology,
# the settings and the output.

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
	# the next measurement starts once this one's connections are closed
	wait_for 10 "the client's connections closed" client_idle "$port"
}

# client_idle PORT: no established TCP connection from c1 to PORT
# (bench_cli's are over)
client_idle() { ! on_quiet c1 ss -Htn state established "dport = :$1" | grep -q .; }
