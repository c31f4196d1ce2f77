# Topology and assertion helpers for the VM scenarios; sourced by each one.
#
# Every helper that changes the system prints what it runs ("+ ..."), so a
# scenario's log reads as a transcript. Namespaces, background processes
# and loaded modules are torn down by the EXIT trap installed here; a
# scenario adds its own steps with on_exit.
set -eEuo pipefail

IP=/usr/sbin/ip		# not busybox's: iproute2 is what users run
FNAT_LOG=/tmp/fnat
# A debug kernel runs several times slower (make check-debug): every wait
# and time limit of a scenario is multiplied by this.
FNAT_SCALE=${FNAT_SCALE:-1}
mkdir -p "$FNAT_LOG"

_exit_steps=()
_bg_pids=()

log() { echo "# $*"; }

run() {
	echo "+ $*"
	"$@"
}

# run inside a namespace: on NS CMD...
on() {
	local ns=$1
	shift
	echo "+ [$ns] $*"
	"$IP" netns exec "$ns" "$@"
}

# as "on", without the transcript line (for polling loops and captures)
on_quiet() {
	local ns=$1
	shift
	"$IP" netns exec "$ns" "$@"
}

# ipt_flush NS CHAIN: empty an iptables chain of NS. Scenarios take their
# temporary DROP rules away so, not with "iptables -D": deleting a rule by
# its handle trips PROVE_RCU_LIST on the debug kernel (make check-debug),
# 6.1's nf_tables walking the chain's RCU list under its commit mutex
# without saying so; a false positive, annotated upstream since
# "netfilter: nf_tables: avoid false-positive lockdep splat on rule
# deletion" (6.13). A flush walks the list plainly.
ipt_flush() {
	on "$1" iptables -F "$2"
}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

skip() {
	echo "SKIP: $*"
	exit 77
}

assert_eq() { # assert_eq ACTUAL EXPECTED WHAT
	[[ $1 == "$2" ]] || fail "$3: expected '$2', got '$1'"
	echo "ok: $3 = '$1'"
}

assert_match() { # assert_match TEXT REGEX WHAT
	[[ $1 =~ $2 ]] || fail "$3: '$1' does not match /$2/"
	echo "ok: $3"
}

assert_ge() { # assert_ge ACTUAL MIN WHAT
	(($1 >= $2)) || fail "$3: expected >= $2, got $1"
	echo "ok: $3 = $1 (>= $2)"
}

on_exit() { _exit_steps+=("$*"); }

_cleanup() {
	local rc=$? i pid f
	set +eE
	trap - ERR
	if ((rc != 0 && rc != 77)); then
		for f in "$FNAT_LOG"/*.log; do
			[[ -s $f ]] || continue
			echo "--- last lines of $f"
			tail -n 20 "$f"
		done
	fi
	for ((i = ${#_exit_steps[@]} - 1; i >= 0; i--)); do
		eval "${_exit_steps[i]}"
	done
	for pid in "${_bg_pids[@]}"; do
		kill "$pid" 2>/dev/null
		kill -CONT "$pid" 2>/dev/null	# a stopped one takes it now
	done
	wait 2>/dev/null
	"$IP" -all netns delete 2>/dev/null
	return $rc
}
trap _cleanup EXIT
# Name the failing command, but only where it ends the scenario (set -e).
trap '[[ $- == *e* ]] && echo "FAIL: line $LINENO: $BASH_COMMAND (exit $?)" >&2' ERR

# --- namespaces and links -------------------------------------------------

# ns_add NAME: a network namespace with lo up and router-like defaults
# left off (routers call ns_router).
ns_add() {
	run "$IP" netns add "$1"
	on_quiet "$1" "$IP" link set lo up
	on_quiet "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=0
	# An orphaned socket retransmitting its FIN (its peer gone with a
	# director unloaded under traffic) holds the namespace for minutes
	# with the default 8 retries; the runner waits for every namespace to
	# be freed before it reads the kernel log.
	on_quiet "$1" sysctl -qw net.ipv4.tcp_orphan_retries=2
}

# ns_router NAME: forward packets and answer for others' traffic as a
# router would; rp_filter off because ECMP makes paths asymmetric.
ns_router() {
	on "$1" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0
}

# link NS1 IF1 ADDR1 NS2 IF2 ADDR2: a veth pair; ADDR may be "-" for none.
link() {
	local ns1=$1 if1=$2 a1=$3 ns2=$4 if2=$5 a2=$6
	run "$IP" link add "$if1" netns "$ns1" type veth peer "$if2" netns "$ns2"
	on_quiet "$ns1" "$IP" link set "$if1" up
	on_quiet "$ns2" "$IP" link set "$if2" up
	[[ $a1 == - ]] || on "$ns1" "$IP" addr add "$a1" dev "$if1"
	[[ $a2 == - ]] || on "$ns2" "$IP" addr add "$a2" dev "$if2"
}

# bridge_add NS BR ADDR: a bridge (one L2 segment) owned by a router.
bridge_add() {
	on "$1" "$IP" link add "$2" type bridge
	on_quiet "$1" "$IP" link set "$2" up
	[[ $3 == - ]] || on "$1" "$IP" addr add "$3" dev "$2"
}

# bridge_port NS BR IF: enslave IF to BR.
bridge_port() {
	on_quiet "$1" "$IP" link set "$3" master "$2"
}

# --- processes --------------------------------------------------------------

# bg NS NAME CMD...: start CMD in NS in the background; output goes to
# $FNAT_LOG/NAME.log. The pid is killed at exit.
bg() {
	local ns=$1 name=$2
	shift 2
	echo "+ [$ns] $* &  (log: $FNAT_LOG/$name.log)"
	"$IP" netns exec "$ns" "$@" > "$FNAT_LOG/$name.log" 2>&1 &
	_bg_pids+=($!)
}

# scaled SECONDS: a time limit, on this kernel
scaled() { echo $(($1 * FNAT_SCALE)); }

# wait_for SECONDS WHAT CMD...: poll CMD until it succeeds (SECONDS scaled).
# CMD runs in this shell (it may set variables); on a timeout, the last
# lines its last attempt printed come before the failure.
wait_for() {
	local limit=$(($1 * FNAT_SCALE)) what=$2 end out=$FNAT_LOG/wait_for.out
	shift 2
	end=$((SECONDS + limit))
	while ((SECONDS < end)); do
		"$@" >"$out" 2>&1 && return 0
		sleep 0.1
	done
	tail -n 5 "$out"
	fail "timed out after ${limit}s waiting for $what"
}

# listening NS PORT: is something listening on TCP PORT in NS?
listening() {
	on_quiet "$1" ss -Htln "sport = :$2" | grep -q .
}

# http_server NS NAME ADDR PORT [LISTEN_OPTIONS]: nginx answering every
# request with "NAME\n" and logging "$remote_addr:$remote_port" per request
# to $FNAT_LOG/NAME.access; GET /data/FILE and /slow/FILE serve
# $FNAT_LOG/nginx-NAME/www/data/FILE, PUT /up/FILE stores FILE there.
http_server() {
	local ns=$1 name=$2 addr=$3 port=$4 opts=${5:-} dir=$FNAT_LOG/nginx-$2
	mkdir -p "$dir"
	cat > "$dir/nginx.conf" <<-EOF
	daemon off;
	worker_processes 1;
	worker_rlimit_nofile 16384;
	pid $dir/nginx.pid;
	error_log $dir/error.log warn;
	events { worker_connections 4096; }
	http {
		log_format peer '\$remote_addr:\$remote_port';
		access_log $dir/../$name.access peer;
		client_body_temp_path $dir/body;
		proxy_temp_path $dir/proxy;
		fastcgi_temp_path $dir/fastcgi;
		uwsgi_temp_path $dir/uwsgi;
		scgi_temp_path $dir/scgi;
		client_max_body_size 0;
		keepalive_timeout 0;	# one connection per request
		# held connections (tcp_hold) send their request when told,
		# minutes later on a debug kernel: not nginx's 60 s
		client_header_timeout $((600 * FNAT_SCALE))s;
		# a client that stops reading (agent_bgp's paused download)
		send_timeout $((60 * FNAT_SCALE))s;
		server {
			listen $addr:$port reuseport backlog=4096 $opts;
			location / { return 200 "$name\n"; }
			location /data/ { root $dir/www; }
			# /slow/FILE: /data/FILE at 1 MB/s (FNAT_SCALE times
			# slower on a slowed guest), paced by nginx: curl's
			# --limit-rate let 10 MB through in its first second
			location /slow/ {
				alias $dir/www/data/;
				limit_rate $((1024 / FNAT_SCALE))k;
			}
			# uploads (curl -T) are stored for their checksum
			location /up/ { root $dir/www; dav_methods PUT; }
		}
	}
	EOF
	mkdir -p "$dir/www/data" "$dir/www/up"
	chmod 1777 "$dir/www/up"	# nginx's workers are not root
	bg "$ns" "nginx-$name" nginx -c "$dir/nginx.conf" -e "$dir/error.log"
	wait_for 20 "nginx $name on $addr:$port" listening "$ns" "$port"
}

# http_get NS URL: fetch URL with curl from NS, print the body.
http_get() {
	on_quiet "$1" curl -sS --fail --max-time 10 "$2"
}

# udp_listening NS PORT: is a socket bound to UDP PORT in NS?
udp_listening() {
	on_quiet "$1" ss -Huln "sport = :$2" | grep -q .
}

# dns_server NS NAME ADDR PORT A [OPTION...]: dnsmasq in NS on ADDR:PORT
# answering a.test with the address A (more dnsmasq OPTIONs after), each
# query logged to $FNAT_LOG/dns-NAME.log as "query[A] a.test from PEER".
# Its pid: ${_bg_pids[-1]} after the call.
dns_server() {
	local ns=$1 name=$2 addr=$3 port=$4 a=$5
	shift 5
	bg "$ns" "dnsmasq-$name" dnsmasq --no-daemon --conf-file=/dev/null \
		--no-resolv --no-hosts --user=root --group=root --pid-file= \
		--port="$port" --bind-interfaces --listen-address="$addr" \
		--log-queries --log-facility="$FNAT_LOG/dns-$name.log" \
		--address="/a.test/$a" "$@"
	wait_for 20 "dnsmasq $name on $addr:$port" udp_listening "$ns" "$port"
}

# echo_server NS NAME ADDR PORT: tests/tools' udp_echo server in NS on
# ADDR:PORT; its log, $FNAT_LOG/echo-NAME.log, has a line per datagram,
# "got LEN from PEER", and one per ICMP error its socket was handed,
# "error TYPE/CODE info MTU from SENDER:0 about DST:DPORT" (the quote's
# destination; its source is the socket's own address). An IPv6 PEER,
# SENDER or DST is written [ADDR]:PORT.
echo_server() {
	bg "$1" "echo-$2" udp_echo server "$3" "$4"
	wait_for 20 "udp_echo $2 on $3:$4" grep -q "^listening" "$FNAT_LOG/echo-$2.log"
}

# echo_service NS NAME FORWARD VIP RS ADDR PORT: a UDP service VIP:7 of
# lb1 forwarded by FORWARD to the one real server RS (an IPv6 VIP or RS
# in brackets), whose echo_server NS NAME listens on ADDR:PORT
echo_service() {
	lb lb1 service add udp "$4:7" forward "$3" scheduler rr
	lb lb1 rs add udp "$4:7" "$5"
	echo_server "$1" "$2" "$6" "$7"
}

# capture NS NAME TCPDUMP_ARGS...: tcpdump in NS writing
# $FNAT_LOG/NAME.pcap (-n -U), once it listens; its pid in $cap
capture() {
	local ns=$1 name=$2
	shift 2
	# --immediate-mode: without it libpcap takes packets from the kernel
	# a block at a time, and those of the last block are lost when the
	# capture is killed right after them ("received by filter" more than
	# "captured")
	bg "$ns" "cap-$name" tcpdump -n -U --immediate-mode -w "$FNAT_LOG/$name.pcap" "$@"
	cap=${_bg_pids[-1]}
	wait_for 10 "tcpdump ($name)" grep -q listening "$FNAT_LOG/cap-$name.log"
}

# echo_whole WHAT FILE ADDR PORT SPORT [OPTION...]: FILE sent from c1's
# port SPORT to ADDR:PORT as one datagram by udp_echo's client (its
# OPTIONs: -t TRIES, -d do|dont, ...) comes back the same (sha256). The
# client's account of its tries, shown, stays in $FNAT_LOG/echo-SPORT.err.
echo_whole() {
	local what=$1 f=$2 a=$3 p=$4 sp=$5 got
	shift 5
	echo "+ [c1] udp_echo client -p $sp $* $a $p < $f"
	got=$(on_quiet c1 udp_echo client -p "$sp" "$@" "$a" "$p" < "$f" \
		2> "$FNAT_LOG/echo-$sp.err" | sha256sum) || true
	cat "$FNAT_LOG/echo-$sp.err"
	assert_eq "$got" "$(sha256sum < "$f")" "$what: the echo's sha256"
}

# echo_got NAME LINE: how many lines of echo server NAME's log are LINE
echo_got() {
	grep -cxF "$2" "$FNAT_LOG/echo-$1.log" || true
}

# dig_ ARGS...: dig from c1, one try of 5 s; the command line on stderr
# (the output may be captured)
dig_() {
	echo "+ [c1] dig $*" >&2
	on_quiet c1 dig +tries=1 +timeout=5 "$@"
}

# --- topologies -------------------------------------------------------------

# Addresses of the base FullNAT topology. Documentation and benchmarking
# ranges only (RFC 5737, RFC 2544); the VM has no network of its own.
CLIENT_NET=198.51.100	# clients   .2 ...   router .1
DIR_NET=198.18.0	# router .1, directors .11, .12, ...
VIP=203.0.113.10
LIP_PREFIX=198.18	# LIPs of director N: 198.18.(10+N).0/24
UP_NET=198.18.2		# directors .11, .12, ... , rs router .1
RS_NET=198.19.0		# rs router .1, real servers .11, .12, ...

# lip_net N: the first three octets of director N's local addresses
lip_net() { echo "$LIP_PREFIX.$((10 + $1))"; }

# topo_base DIRECTORS REAL_SERVERS
#
#  c1 198.51.100.2                            VIP 203.0.113.10
#     |                                       (ECMP over directors)
#  rt 198.51.100.1 / br 198.18.0.1
#     |                 |
#  lb1 198.18.0.11   lb2 198.18.0.12 ...      LIPs 198.18.11.0/24, 198.18.12.0/24
#  lb1 198.18.2.11   lb2 198.18.2.12
#     |                 |
#  rsr br 198.18.2.1 / br 198.19.0.1          routes each LIP range to
#     |         |         |                   its director; RS default
#  rs1 .11   rs2 .12   rs3 .13 (198.19.0.x)   route is rsr, not a director
#
# Namespaces: c1, rt, lb1..lbN, rsr, rs1..rsM. Directors forward as
# routers until a module takes over; the client can already reach the
# real servers directly through them.
topo_base() {
	local ndir=$1 nrs=$2 i nh=()

	ns_add c1
	ns_add rt
	ns_router rt
	link c1 eth0 "$CLIENT_NET.2/24" rt c1 "$CLIENT_NET.1/24"
	on c1 "$IP" route add default via "$CLIENT_NET.1"
	bridge_add rt br0 "$DIR_NET.1/24"

	ns_add rsr
	ns_router rsr
	bridge_add rsr brup "$UP_NET.1/24"
	bridge_add rsr brrs "$RS_NET.1/24"

	for ((i = 1; i <= ndir; i++)); do
		ns_add "lb$i"
		ns_router "lb$i"
		link "lb$i" eth0 "$DIR_NET.$((10 + i))/24" rt "lb$i" -
		bridge_port rt br0 "lb$i"
		link "lb$i" eth1 "$UP_NET.$((10 + i))/24" rsr "lb$i" -
		bridge_port rsr brup "lb$i"
		on "lb$i" "$IP" route add "$CLIENT_NET.0/24" via "$DIR_NET.1"
		on "lb$i" "$IP" route add "$RS_NET.0/24" via "$UP_NET.1"
		on rsr "$IP" route add "$(lip_net "$i").0/24" via "$UP_NET.$((10 + i))"
		nh+=(nexthop via "$DIR_NET.$((10 + i))")
	done
	# The router reaches the VIP and the real-server network through the
	# directors (ECMP when there are several), as BGP would teach it.
	if ((ndir == 1)); then
		on rt "$IP" route add "$VIP/32" via "$DIR_NET.11"
		on rt "$IP" route add "$RS_NET.0/24" via "$DIR_NET.11"
		on rsr "$IP" route add "$CLIENT_NET.0/24" via "$UP_NET.11"
	elif ((ndir > 1)); then
		# Hash on the 5-tuple read from the headers, as a router does.
		# Not policy 1: it reuses a hash already on the packet, which
		# here is the client socket's txhash (veth keeps it), and TCP
		# picks a new one after each retransmission timeout, moving a
		# flow to the other director mid-connection.
		on rt sysctl -qw net.ipv4.fib_multipath_hash_policy=3 \
			net.ipv4.fib_multipath_hash_fields=0x0037
		on rt "$IP" route add "$VIP/32" "${nh[@]}"
		on rt "$IP" route add "$RS_NET.0/24" "${nh[@]}"
		on rsr "$IP" route add "$CLIENT_NET.0/24" via "$UP_NET.11"
	fi

	for ((i = 1; i <= nrs; i++)); do
		ns_add "rs$i"
		link "rs$i" eth0 "$RS_NET.$((10 + i))/24" rsr "rs$i" -
		bridge_port rsr brrs "rs$i"
		on "rs$i" "$IP" route add default via "$RS_NET.1"
	done
}

# topo_methods NRS NDR VIP...: topo_base 1 NRS for all four methods on
# lb1 at once (methods_udp, methods_coexist): rt routes each VIP given to
# lb1 too; NDR real servers more, rs(NRS+1)... at 198.18.2.2N, on lb1's own
# segment (brup, DR's), default route rsr. rsr sends what comes from
# 203.0.113.0/24 (DR's and TUN's replies, from their VIP) straight to rt
# over a link of their own (198.18.3.0/24); the rest for the clients
# (NAT's replies) still goes through lb1.
topo_methods() {
	local nrs=$1 ndr=$2 i v
	shift 2
	topo_base 1 "$nrs"
	for v; do
		on rt "$IP" route add "$v/32" via "$DIR_NET.11"
	done
	link rsr rt0 198.18.3.1/24 rt rsr 198.18.3.2/24
	on rsr "$IP" route add "$CLIENT_NET.0/24" via 198.18.3.2 table 100
	on rsr "$IP" rule add from 203.0.113.0/24 lookup 100 pref 100
	for ((i = nrs + 1; i <= nrs + ndr; i++)); do
		ns_add "rs$i"
		link "rs$i" eth0 "$UP_NET.2$i/24" rsr "rs$i" -
		bridge_port rsr brup "rs$i"
		on "rs$i" "$IP" route add default via "$UP_NET.1"
	done
}

# dr_rs NS VIP: DR's real-server set-up (docs/methods.md, "Direct routing")
dr_rs() {
	on "$1" "$IP" addr add "$2/32" dev lo
	on "$1" sysctl -qw net.ipv4.conf.all.arp_ignore=1 \
		net.ipv4.conf.all.arp_announce=2
}

# tun_rs NS VIP: TUN's (docs/methods.md, "TUN"); ipip.ko loaded
tun_rs() {
	on "$1" "$IP" link set tunl0 up
	on "$1" "$IP" addr add "$2/32" dev tunl0
	on "$1" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.tunl0.rp_filter=0
}

# IPv6 beside the base topology's IPv4 (topo_v6); documentation prefixes
# (RFC 3849), each a /64 but VIP6.
CLIENT6=2001:db8:100	# client ::2, router ::1
DIR6=2001:db8:0		# router ::1, the director ::11
UP6=2001:db8:2		# the director ::11, rs router ::1
RS6=2001:db8:19		# rs router ::1, real servers ::11, ::12, ...
LIP6=2001:db8:11	# the director's LIPs (routed to it by rsr)
VIP6=2001:db8:113::10

# topo_v6 REAL_SERVERS: topo_base 1 REAL_SERVERS, with IPv6 beside IPv4
#
#  c1 2001:db8:100::2                          VIP6 2001:db8:113::10
#  rt 2001:db8:100::1 / br 2001:db8::1
#  lb1 2001:db8::11 / 2001:db8:2::11            LIPs 2001:db8:11::/64
#  rsr 2001:db8:2::1 / 2001:db8:19::1           (2001:db8:11::/64 via lb1)
#  rs1 2001:db8:19::11   rs2 2001:db8:19::12 ...
#
# Returns once duplicate address detection is over everywhere: the
# link-local addresses (neighbour discovery's sources) are usable then.
topo_v6() {
	local nrs=$1 ns r all=(c1 rt lb1 rsr)

	topo_base 1 "$nrs"
	for ns in rt lb1 rsr; do
		on "$ns" sysctl -qw net.ipv6.conf.all.forwarding=1
	done
	on c1 "$IP" addr add "$CLIENT6::2/64" dev eth0 nodad
	on rt "$IP" addr add "$CLIENT6::1/64" dev c1 nodad
	on rt "$IP" addr add "$DIR6::1/64" dev br0 nodad
	on lb1 "$IP" addr add "$DIR6::11/64" dev eth0 nodad
	on lb1 "$IP" addr add "$UP6::11/64" dev eth1 nodad
	on rsr "$IP" addr add "$UP6::1/64" dev brup nodad
	on rsr "$IP" addr add "$RS6::1/64" dev brrs nodad
	on c1 "$IP" -6 route add default via "$CLIENT6::1"
	on rt "$IP" -6 route add "$VIP6/128" via "$DIR6::11"
	on lb1 "$IP" -6 route add "$CLIENT6::/64" via "$DIR6::1"
	on lb1 "$IP" -6 route add "$RS6::/64" via "$UP6::1"
	on rsr "$IP" -6 route add "$LIP6::/64" via "$UP6::11"
	for ((r = 1; r <= nrs; r++)); do
		on "rs$r" "$IP" addr add "$RS6::$((10 + r))/64" dev eth0 nodad
		on "rs$r" "$IP" -6 route add default via "$RS6::1"
		all+=("rs$r")
	done
	dad_done "${all[@]}"
}

# dad_done NS...: wait until duplicate address detection is over in each
# NS: its link-local addresses (neighbour discovery's sources) are usable.
dad_done() {
	local ns
	for ns in "$@"; do
		wait_for 10 "DAD in $ns" sh -c "! $IP netns exec $ns $IP -6 addr show tentative | grep -q ."
	done
}

# http_server6 NS NAME ADDR PORT: http_server NS NAME on [ADDR]:PORT,
# beside an IPv4 one on PORT: waits for this one's socket.
http_server6() {
	http_server "$1" "$2" "[$3]" "$4"
	wait_for 20 "nginx $2 on [$3]:$4" \
		sh -c "$IP netns exec $1 ss -Htln 'sport = :$4' | grep -qF '[$3]:$4'"
}

# vip6_server NS NAME: http_server6 NS NAME on [VIP6]:80 (DR6, TUN6).
vip6_server() {
	http_server6 "$1" "$2" "$VIP6" 80
}

# ptb_relayed6 FILE: FILE (its sha256 in $want) downloaded by c1 from the
# IPv6 servers rsNv6 (DR6, TUN6, NAT66) across a 1280-byte link from rt
# to c1: rt's Packet Too Big about a reply goes to the VIP, so to lb1,
# which relays it to the reply's real server (NAT66: translated), whose
# TCP learns the path MTU. Judged by the client's checksum and the
# servers' routes.
ptb_relayed6() {
	local name=${1##*/} i xlated got route learnt=0
	for i in 1 2 3; do
		cp "$1" "$FNAT_LOG/nginx-rs${i}v6/www/data/$name"
	done
	on rt "$IP" link set c1 mtu 1280
	xlated=$(counter lb1 icmp_xlated)
	got=$(on_quiet c1 curl -6 -g -sS --fail --max-time "$(scaled 120)" \
		"http://[$VIP6]/data/$name" | sha256sum | cut -d' ' -f1)
	assert_eq "$got" "$want" "the download's checksum on the client"
	assert_ge "$(counter lb1 icmp_xlated)" "$((xlated + 1))" "Packet Too Big relayed by lb1"
	for i in 1 2 3; do
		route=$(on_quiet "rs$i" "$IP" -6 route get "$CLIENT6::2")
		echo "rs$i: $route"
		[[ $route != *"mtu 1280"* ]] || learnt=$((learnt + 1))
	done
	assert_eq "$learnt" 1 "real servers that learnt the client's path MTU"
	on rt "$IP" link set c1 mtu 1500
}

# rr_shares6 COUNT NRS: COUNT requests from c1 to [VIP6]:80 (curl -6, one
# connection each) under rr: each of the NRS real servers' vip6_server
# rsNv6 answered COUNT/NRS of them (curl's bodies, nginx's log), and
# nginx logged the IPv6 client's own address.
rr_shares6() {
	local n=$1 nrs=$2 i urls=() out peers
	for ((i = 1; i <= n; i++)); do urls+=("http://[$VIP6]/?$i"); done
	out=$(on_quiet c1 curl -6 -g -sS --fail --max-time 120 "${urls[@]}")
	for ((i = 1; i <= nrs; i++)); do
		assert_eq "$(grep -cx "rs${i}v6" <<< "$out")" $((n / nrs)) "rs$i's share over IPv6 (curl)"
		assert_eq "$(grep -c . "$FNAT_LOG/rs${i}v6.access")" $((n / nrs)) \
			"rs$i's share over IPv6 (its nginx log)"
	done
	peers=$(sed -E 's/:[0-9]+$//' "$FNAT_LOG"/rs*v6.access | sort -u)
	assert_eq "$peers" "$CLIENT6::2" "the peer in the nginx logs"
}

# hops6 LOG DIR(to|from) ADDR.PORT PEER: the hop limits in a capture of
# tcpdump -n -v (a live -l log, or -r of a pcap), whose lines read "TIME
# IP6 (flowlabel L, hlim H, next-header TCP (6) payload length: N)
# SRC.PORT > DST.PORT: Flags ...": per packet in the given direction
# (to ADDR.PORT, or from it to PEER), "HLIM ODD", ODD 1 when it is not
# the pair asked for (to ADDR.PORT from another than PEER, a regex;
# another packet of the capture; from another than ADDR.PORT).
hops6() {
	awk -v dir="$2" -v a="$3" -v c="$4" '
		$2 == "IP6" { for (i = 1; i < NF; i++) if ($i == ">") { s = $(i - 1); d = $(i + 1) }
			sub(/:$/, "", d)
			match($0, /hlim [0-9]+/); h = substr($0, RSTART + 5, RLENGTH - 5)
			if (dir == "to" && d == a) print h, (s !~ "^" c "\\.[0-9]+$")
			else if (dir == "to" && s != a) print h, 1
			else if (dir == "from" && d ~ "^" c "\\.") print h, (s != a) }' "$1"
}

# icmp6_errors PCAP: each ICMPv6 error (type below 128) of a capture, as
# "SRC > DST TYPE/CODE MTU QSRC.QSPORT > QDST.QDPORT": its outer
# addresses, type and code, the MTU field (Packet Too Big's; 0 or
# unused for the others) and the quoted packet's addresses and ports
# (a quote without extension headers). tcpdump names only a Destination
# Unreachable's quoted destination: this reads the bytes (tcpdump -x).
icmp6_errors() {
	tcpdump -r "$1" -n -x 'icmp6 and ip6[40] < 128' 2>/dev/null | gawk '
	function a6(o,   i, g, best, bl, run, rs, out) {
		for (i = 0; i < 8; i++)
			g[i] = sprintf("%x", strtonum("0x" substr(h, o * 2 + i * 4 + 1, 4)))
		best = -1; bl = 1; run = 0
		for (i = 0; i < 8; i++)
			if (g[i] != "0") run = 0
			else if (++run > bl) { bl = run; best = i - run + 1 }
		out = ""
		for (i = 0; i < 8; i++) {
			if (i == best) { out = out "::"; i += bl - 1; continue }
			out = out ((out == "" || out ~ /::$/) ? "" : ":") g[i]
		}
		return out
	}
	function x(byte, n) { return strtonum("0x" substr(h, byte * 2 + 1, n * 2)) }
	function flush() {
		if (h != "")
			print a6(8), ">", a6(24), x(40, 1) "/" x(41, 1), x(44, 4),
			      a6(56) "." x(88, 2), ">", a6(72) "." x(90, 2)
		h = ""
	}
	/^[ \t]+0x/ { for (i = 2; i <= NF; i++) h = h $i; next }
	{ flush() }
	END { flush() }'
}

# icmp4_errors PCAP [FILTER]: each ICMP error (destination unreachable,
# source quench, time exceeded, parameter problem) of a capture (tcpdump's
# FILTER, "icmp or ip proto 4" by default), as "SRC > DST TYPE/CODE MTU
# QSRC.QSPORT > QDST.QDPORT": its outer addresses, type and code, the MTU
# field of "fragmentation needed" (0 for the others) and the quoted
# packet's addresses and ports, read from the bytes (tcpdump -x). An error
# inside IPIP (TUN relaying it) is prefixed "ipip A > B: ".
icmp4_errors() {
	tcpdump -r "$1" -n -x "${2:-icmp or ip proto 4}" 2>/dev/null | gawk '
	function x(byte, n) { return strtonum("0x" substr(h, byte * 2 + 1, n * 2)) }
	function a4(o) { return x(o, 1) "." x(o + 1, 1) "." x(o + 2, 1) "." x(o + 3, 1) }
	function flush(   o, pre, t, q, qhl) {
		o = 0; pre = ""
		if (h != "" && x(9, 1) == 4) {
			if (x(6, 2) % 8192) { h = ""; return }	# no inner header
			pre = "ipip " a4(12) " > " a4(16) ": "
			o = (x(0, 1) % 16) * 4
		}
		t = o + (x(o, 1) % 16) * 4
		if (h != "" && x(o + 9, 1) == 1 && x(t, 1) ~ /^(3|4|11|12)$/) {
			q = t + 8; qhl = (x(q, 1) % 16) * 4
			print pre a4(o + 12), ">", a4(o + 16), x(t, 1) "/" x(t + 1, 1),
			      x(t, 1) == 3 && x(t + 1, 1) == 4 ? x(t + 6, 2) : 0,
			      a4(q + 12) "." x(q + qhl, 2), ">", a4(q + 16) "." x(q + qhl + 2, 2)
		}
		h = ""
	}
	/^[ \t]+0x/ { for (i = 2; i <= NF; i++) h = h $i; next }
	{ flush() }
	END { flush() }'
}

# --- modules ----------------------------------------------------------------

# module_load NAME: modprobe our module and unload it at exit.
module_load() {
	run modprobe "$1"
	on_exit "grep -q '^$1 ' /proc/modules && rmmod $1"
}

# slab_objects CACHE: active objects of a slab cache (0 if absent), the
# per-CPU lists shrunk first so that their free objects count as free.
slab_objects() {
	[[ -w /sys/kernel/slab/$1/shrink ]] && echo 1 > "/sys/kernel/slab/$1/shrink"
	awk -v c="$1" '$1 == c { print $2; found = 1 } END { if (!found) print 0 }' \
		/proc/slabinfo
}

# slab_empty CACHE WHAT [SECONDS]: no object left in CACHE within SECONDS
# (10; freed objects wait for an RCU grace period first), or fail with the
# count.
slab_empty() {
	local end=$((SECONDS + ${3:-10} * FNAT_SCALE)) n
	while :; do
		n=$(slab_objects "$1")
		[[ $n == 0 ]] && { echo "ok: $2 = 0"; return 0; }
		((SECONDS < end)) || fail "$2: $n objects left in $1"
		sleep 0.1
	done
}

# --- the director -----------------------------------------------------------

# lb NS ARGS...: lbctl against the director in namespace NS, printed.
lb() {
	local ns=$1
	shift
	echo "+ lbctl -n $ns $*"
	lbctl -n "$ns" "$@"
}

# counter NS NAME: one of the director's counters (lbctl stats).
counter() {
	lbctl -n "$1" stats | awk -v n="$2" '$1 == n { print $2; f = 1 } END { if (!f) print "missing" }'
}

# conns NS: connections in the director's table.
conns() {
	lbctl -n "$1" -j show | jq -r .connections
}

# ports_in_use NS: local ports taken, over all of the director's LIPs.
ports_in_use() {
	lbctl -n "$1" -j laddr | jq '[.[].ports_in_use] | add // 0'
}

# drained NS: no connection and no local port left (for wait_for).
drained() {
	[[ $(conns "$1") == 0 && $(ports_in_use "$1") == 0 ]]
}

# fullnat_web DIRECTORS REAL_SERVERS SCHED: the base topology with a web
# service VIP:80 on every director (each with 4 LIPs of its own) and nginx
# on every real server, port 8080. modprobe'd here; unloaded at exit.
fullnat_web() {
	local ndir=$1 nrs=$2 sched=$3 d r net
	topo_base "$ndir" "$nrs"
	module_load fullnat
	for ((d = 1; d <= ndir; d++)); do
		net=$(lip_net "$d")
		lb "lb$d" laddr add "$net.1-$net.4"
		lb "lb$d" service add tcp "$VIP:80" scheduler "$sched"
		for ((r = 1; r <= nrs; r++)); do
			lb "lb$d" rs add tcp "$VIP:80" "$RS_NET.$((10 + r)):8080"
		done
	done
	for ((r = 1; r <= nrs; r++)); do
		http_server "rs$r" "rs$r" 0.0.0.0 8080
	done
}

# requests NS URL COUNT: COUNT sequential requests, one connection each,
# from one curl process; prints the bodies, one per line.
requests() {
	on_quiet "$1" curl -sS --fail --max-time 120 "$2?[1-$3]"
}

# client_loop NS URL NAME: from NS, short requests to URL one after the
# other (a connection each, curl's --max-time 3) until the scenario ends,
# each a line of $FNAT_LOG/NAME.out, "START ok BODY" or "START fail",
# START when it began (seconds since the epoch, as $EPOCHREALTIME).
# Returns once the first has been answered.
client_loop() {
	local out=$FNAT_LOG/$3.out
	cat > "$FNAT_LOG/$3.sh" <<-EOF
	while :; do
		t=\$EPOCHREALTIME
		if b=\$(curl -sS --max-time 3 "$2" 2>/dev/null); then
			echo "\$t ok \$b"
		else
			echo "\$t fail"
		fi
	done > $out
	EOF
	bg "$1" "$3" bash "$FNAT_LOG/$3.sh"
	wait_for 20 "the client loop's first answer" grep -q " ok " "$out"
}

# loop_count NAME WHAT T0 [T1]: the requests of client loop NAME that
# began after T0 (and before T1, if given) and are WHAT: "fail", "ok",
# "all", or answered with the body WHAT.
loop_count() {
	awk -v w="$2" -v t0="$3" -v t1="${4:-}" \
		'$1 > t0 + 0 && (t1 == "" || $1 < t1 + 0) &&
		 (w == "all" || $2 == w || ($2 == "ok" && $3 == w))' \
		"$FNAT_LOG/$1.out" | wc -l
}

# t_plus T SECONDS: the time SECONDS (scaled, may be fractional) after T
t_plus() { awk -v t="$1" -v s="$2" -v k="$FNAT_SCALE" 'BEGIN { printf "%.6f", t + s * k }'; }

# stall_watch: from here on, a loop of this shell's builtins (no process
# per turn) wakes every 0.1 s and writes when it woke to
# $FNAT_LOG/stall.out, until the scenario ends. An emulated guest on a
# busy host stops for whole seconds at times, everything in it at once:
# stalled_ms tells how long, for a time bound to allow for it.
stall_watch() {
	rm -f "$FNAT_LOG/stall.fifo"
	mkfifo "$FNAT_LOG/stall.fifo"
	(
		exec 3<> "$FNAT_LOG/stall.fifo"
		# read's timeout is the tick: nothing is ever written to it
		while :; do
			read -r -t 0.1 -u 3 || true
			echo "$EPOCHREALTIME"
		done > "$FNAT_LOG/stall.out"
	) &
	_bg_pids+=($!)
}

# stalled_ms T0 T1: how many milliseconds the guest stood still between
# T0 and T1 (times as $EPOCHREALTIME): stall_watch's ticks more than
# 0.15 s apart, each counted beyond its 0.1 s. 0 on a quiet host.
stalled_ms() {
	awk -v t0="$1" -v t1="$2" '
		$1 >= t0 + 0 && $1 <= t1 + 0 {
			if (p && $1 - p > 0.15) s += $1 - p - 0.1
			p = $1
		}
		END { printf "%d\n", s * 1000 }' "$FNAT_LOG/stall.out"
}
