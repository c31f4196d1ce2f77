# Helpers for the toa_* scenarios; sourced after /fnat/lib.sh.
#
# A raw-socket client (toa_client) plays the director: it connects from
# the director's LIP and puts a TOA option of its choosing where fullnat.ko
# puts ours, in the third ACK and in the request (either may complete the
# handshake: tests/tools/toa_client.c). The real server runs toa.ko and
# peer_server, which replies with what accept(), getpeername() and
# getsockname() said ("accept=A peer=P local=L").

TOA_LIP=198.18.11.1		# the director's LIP (trusted)
TOA_LIP6=2001:db8:11::1
TOA_OTHER=198.51.100.2		# reaches the real server directly (not trusted)
TOA_OTHER6=2001:db8:100::2
TOA_RS=198.19.0.11
TOA_RS6=2001:db8:19::11
TOA_TRUSTED=198.18.11.0/24,2001:db8:11::/64
TOA_CIP=203.0.113.7		# the client address the TOA carries
TOA_CPORT=4321
TOA_CIP6=2001:db8:c::7
TOA_CPORT6=4322
TOA_V4=254:8:$TOA_CIP:$TOA_CPORT	# toa_client -t values
TOA_V6=254:20:$TOA_CIP6:$TOA_CPORT6
TOA_V6ALI=253:20:$TOA_CIP6:$TOA_CPORT6

# topo_toa: one link between the "director" and the real server.
#
#  lb  198.18.11.1/24  2001:db8:11::1/64    LIP (in trusted_sources)
#      198.51.100.2/24 2001:db8:100::2/64   another source (not trusted)
#      |  outgoing TCP RSTs dropped: toa_client's connections are
#      |  unknown to lb's kernel (toa_client's own RSTs carry mark 0x70a)
#  rs  198.19.0.11/24  2001:db8:19::11/64   toa.ko and the servers
topo_toa() {
	ns_add lb
	ns_add rs
	link lb eth0 - rs eth0 -
	on lb "$IP" addr add "$TOA_LIP/24" dev eth0
	on lb "$IP" addr add "$TOA_OTHER/24" dev eth0
	on lb "$IP" addr add "$TOA_LIP6/64" dev eth0 nodad
	on lb "$IP" addr add "$TOA_OTHER6/64" dev eth0 nodad
	on rs "$IP" addr add "$TOA_RS/24" dev eth0
	on rs "$IP" addr add "$TOA_RS6/64" dev eth0 nodad
	on lb "$IP" route add "${TOA_RS%.*}.0/24" dev eth0
	on lb "$IP" -6 route add "${TOA_RS6%::*}::/64" dev eth0
	on rs "$IP" route add "${TOA_LIP%.*}.0/24" dev eth0
	on rs "$IP" route add "${TOA_OTHER%.*}.0/24" dev eth0
	on rs "$IP" -6 route add "${TOA_LIP6%::*}::/64" dev eth0
	on rs "$IP" -6 route add "${TOA_OTHER6%::*}::/64" dev eth0
	on lb iptables -A OUTPUT -p tcp --tcp-flags RST RST -m mark ! --mark 0x70a -j DROP
	on lb ip6tables -A OUTPUT -p tcp --tcp-flags RST RST -m mark ! --mark 0x70a -j DROP
}

# toa_load [PARAM=VALUE...]: load toa.ko, unloaded at exit. The module
# parameter trusted_sources is the initial namespace's list; each other
# namespace has its own (sysctl net.toa.trusted_sources, empty when
# created): a trusted_sources=V given here is also set in every namespace
# that exists, as the scenarios' real servers run in namespaces.
toa_load() {
	local a ns
	run modprobe toa "$@"
	on_exit "grep -q '^toa ' /proc/modules && rmmod toa"
	for a; do
		[[ $a == trusted_sources=* ]] || continue
		for ns in $("$IP" netns list | awk '{ print $1 }'); do
			toa_trust "$ns" "${a#trusted_sources=}"
		done
	done
}

# toa_trust NS VALUE: set net.toa.trusted_sources in NS; fails if refused
toa_trust() {
	echo "+ [$1] sysctl net.toa.trusted_sources='$2'"
	on_quiet "$1" sh -c 'echo "$1" > /proc/sys/net/toa/trusted_sources' - "$2"
}

# toa_trusted NS: net.toa.trusted_sources of NS
toa_trusted() {
	on_quiet "$1" cat /proc/sys/net/toa/trusted_sources
}

# toa_servers: on rs, peer_server on IPv4 :8080 and dual-stack [::]:8081,
# an unmodified nginx on 0.0.0.0:8082 and [::]:8083 (access logs
# $FNAT_LOG/ngx4.access, ngx6.access: "$remote_addr:$remote_port").
toa_servers() {
	toa_peer_server peer4 -4 8080
	toa_peer_server peer6 -6 8081
	http_server rs ngx4 0.0.0.0 8082
	http_server rs ngx6 "[::]" 8083
}

# toa_peer_server NAME ARGS... PORT: peer_server ARGS on rs, log NAME.log
toa_peer_server() {
	bg rs "$1" peer_server "${@:2}"
	wait_for 10 "peer_server :${*: -1}" listening rs "${*: -1}"
}

# toa_stat NS NAME: a counter of /proc/net/toa_stats in NS.
toa_stat() {
	on_quiet "$1" awk -v n="$2" '$1 == n { print $2 }' /proc/net/toa_stats
}

# toa_entries_left: true when the slab holds no toa_sock object beyond the
# entries toa.ko keeps in reserve (table.c), which the initial namespace's
# /proc/net/toa_stats shows; read before and after the slab's count.
toa_entries_left() {
	local before n after
	before=$(awk '$1 == "entries_reserved" { print $2 }' /proc/net/toa_stats)
	n=$(slab_objects toa_sock)
	after=$(awk '$1 == "entries_reserved" { print $2 }' /proc/net/toa_stats)
	echo "toa_sock objects $n, in reserve $before/$after"
	[[ -n $after && $before == "$after" ]] && ((n == after))
}

# netstat_counter NS NAME: a TcpExt counter of /proc/net/netstat in NS.
netstat_counter() {
	on_quiet "$1" awk -v n="$2" '
		$1 == "TcpExt:" && !h { for (i = 2; i <= NF; i++) col[$i] = i; h = 1; next }
		$1 == "TcpExt:" { print $col[n] }' /proc/net/netstat
}

# toa_port: a fresh source port for each connection of a scenario, so that
# no connection meets the TIME_WAIT of an earlier one.
_toa_port=20000
toa_port() { _toa_port=$((_toa_port + 1)); }

# toa_connect ARGS...: toa_client from lb with a fresh source port;
# prints the server's reply.
toa_connect() {
	toa_port
	_toa_client "$@"
}

# _toa_client ARGS...: toa_client from lb with source port $_toa_port
# (for captures: $(...) cannot advance the port, the caller does)
_toa_client() {
	echo "+ [lb] toa_client -s $_toa_port $*" >&2
	on_quiet lb toa_client -s "$_toa_port" "$@"
}

# toa_expect WHAT PEER LOCAL ARGS...: a connection made with toa_client
# ARGS to a peer_server: accept() and getpeername() must say PEER and
# getsockname() LOCAL. "LIP" in PEER stands for the connection's real
# source, whose port is only known here.
toa_expect() {
	local what=$1 peer=$2 local=$3 out
	shift 3
	toa_port
	out=$(_toa_client "$@") || fail "$what: toa_client failed"
	echo "$out"
	peer=${peer//:SPORT/:$_toa_port}
	assert_eq "$(sed -n 's/^accept=\([^ ]*\) .*/\1/p' <<< "$out")" "$peer" "$what: accept()"
	assert_eq "$(sed -n 's/.* peer=\([^ ]*\) .*/\1/p' <<< "$out")" "$peer" "$what: getpeername()"
	assert_eq "$(sed -n 's/.* local=\([^ ]*\)$/\1/p' <<< "$out")" "$local" "$what: getsockname()"
}

# Shorthands for toa_expect against the two peer_servers from the LIP.
# toa_expect4 WHAT PEER ARGS...   IPv4 listener, IPv4 LIP
# toa_expect6 WHAT PEER ARGS...   dual-stack listener, IPv6 LIP
# toa_expect64 WHAT PEER ARGS...  dual-stack listener, IPv4 LIP
toa_expect4() {
	toa_expect "$1" "$2" "$TOA_RS:8080" "${@:3}" "$TOA_LIP" "$TOA_RS" 8080
}
toa_expect6() {
	toa_expect "$1" "$2" "[$TOA_RS6]:8081" -6 "${@:3}" "$TOA_LIP6" "$TOA_RS6" 8081
}
toa_expect64() {
	toa_expect "$1" "$2" "[::ffff:$TOA_RS]:8081" "${@:3}" "$TOA_LIP" "$TOA_RS" 8081
}

# toa_count_delta NS NAME BEFORE EXPECTED WHAT: counter NAME moved by EXPECTED.
toa_count_delta() {
	assert_eq "$(($(toa_stat "$1" "$2") - $3))" "$4" "$5"
}

# toa_check_handshakes: everything toa_basic checks, in the topology of
# topo_toa with toa_servers running; toa_syncookies runs it again with SYN
# cookies on. Leaves toa.ko unloaded.
toa_check_handshakes() {
	local lip="$TOA_LIP:SPORT" conns

	log "without toa.ko the real server sees the director's LIP"
	grep -q '^toa ' /proc/modules && fail "toa.ko is loaded already"
	toa_expect4 "IPv4, no module" "$lip" -t "$TOA_V4"
	toa_expect64 "dual stack, no module" "[::ffff:$TOA_LIP]:SPORT" -t "$TOA_V4"
	toa_expect6 "IPv6, no module" "[$TOA_LIP6]:SPORT" -t "$TOA_V6"

	toa_load trusted_sources="$TOA_TRUSTED"
	assert_eq "$(cat /sys/module/toa/parameters/trusted_sources)" "$TOA_TRUSTED" \
		"trusted_sources as given"
	assert_eq "$(toa_trusted rs)" "$TOA_TRUSTED" "rs's net.toa.trusted_sources"

	log "IPv4 client, IPv4 listener: the TOA address"
	toa_expect4 "IPv4 254/8" "$TOA_CIP:$TOA_CPORT" -t "$TOA_V4"
	log "IPv4 client, dual-stack listener: ::ffff:a.b.c.d, recorded once"
	conns=$(toa_stat rs conns_with_toa)
	toa_expect64 "dual stack 254/8" "[::ffff:$TOA_CIP]:$TOA_CPORT" -t "$TOA_V4"
	toa_count_delta rs conns_with_toa "$conns" 1 "dual-stack child counted once"
	log "IPv6 clients, IPv6 LIP: both deployed kinds"
	toa_expect6 "IPv6 254/20" "[$TOA_CIP6]:$TOA_CPORT6" -t "$TOA_V6"
	toa_expect6 "IPv6 253/20" "[$TOA_CIP6]:$TOA_CPORT6" -t "$TOA_V6ALI"
	toa_expect6 "IPv4 client over an IPv6 LIP" "[::ffff:$TOA_CIP]:$TOA_CPORT" -t "$TOA_V4"
	toa_expect64 "IPv6 client over an IPv4 LIP" "[$TOA_CIP6]:$TOA_CPORT6" -t "$TOA_V6"
	log "an IPv6 client cannot be told to an IPv4 socket: it keeps the LIP"
	conns=$(toa_stat rs ignored_unmappable)
	toa_expect4 "IPv6 TOA on an IPv4 socket" "$lip" -t "$TOA_V6"
	toa_count_delta rs ignored_unmappable "$conns" 1 "unmappable counted"

	log "the TOA in a retransmitted ACK, or in the request that completes the handshake"
	conns=$(toa_stat rs conns_with_toa)
	toa_expect4 "TOA in the request, no pure ACK" "$TOA_CIP:$TOA_CPORT" -t "$TOA_V4" -a 0
	toa_expect64 "ACK twice" "[::ffff:$TOA_CIP]:$TOA_CPORT" -t "$TOA_V4" -a 2
	toa_expect6 "IPv6, TOA in the request" "[$TOA_CIP6]:$TOA_CPORT6" -t "$TOA_V6" -a 0
	# the third ACK behind the request, as reordering on the path (or on
	# two CPUs of the real server) delivers it: the request's TOA counts
	toa_expect4 "the request before the third ACK" "$TOA_CIP:$TOA_CPORT" -t "$TOA_V4" -L
	toa_expect6 "IPv6, the request before the third ACK" "[$TOA_CIP6]:$TOA_CPORT6" \
		-t "$TOA_V6" -L
	# only the packet that completes the handshake is read: a director
	# that wrote TOA into the third ACK alone loses the client whenever the
	# request overtakes it (toa_concurrent once saw it so), and the late
	# ACK, which reaches the connection's socket, changes nothing
	toa_expect4 "TOA in the third ACK only, the request first" "$lip" -t "$TOA_V4" -L -o
	toa_count_delta rs conns_with_toa "$conns" 5 "one record per connection"

	log "connections without TOA are unchanged"
	toa_expect4 "IPv4, no TOA" "$lip"
	toa_expect64 "dual stack, no TOA" "[::ffff:$TOA_LIP]:SPORT"
	toa_expect6 "IPv6, no TOA" "[$TOA_LIP6]:SPORT"

	log "an unmodified nginx logs the client"
	toa_connect -q -t "$TOA_V4" "$TOA_LIP" "$TOA_RS" 8082
	assert_eq "$(tail -1 "$FNAT_LOG/ngx4.access")" "$TOA_CIP:$TOA_CPORT" "nginx \$remote_addr:\$remote_port (IPv4)"
	toa_connect -q -6 -t "$TOA_V6ALI" "$TOA_LIP6" "$TOA_RS6" 8083
	assert_eq "$(tail -1 "$FNAT_LOG/ngx6.access")" "$TOA_CIP6:$TOA_CPORT6" "nginx \$remote_addr:\$remote_port (IPv6)"

	log "counters are per namespace"
	assert_ge "$(toa_stat rs conns_with_toa)" 11 "conns_with_toa in rs"
	assert_eq "$(toa_stat rs ignored_untrusted)" 0 "nothing untrusted in rs"
	assert_eq "$(awk '$1 == "conns_with_toa" { print $2 }' /proc/net/toa_stats)" 0 \
		"conns_with_toa in the initial namespace"
	on_quiet rs cat /proc/net/toa_stats

	log "after unload, the LIP again"
	run rmmod toa
	toa_expect4 "IPv4 after rmmod" "$lip" -t "$TOA_V4"
	toa_expect6 "IPv6 after rmmod" "[$TOA_LIP6]:SPORT" -t "$TOA_V6"
}
