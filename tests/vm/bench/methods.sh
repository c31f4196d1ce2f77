# shellcheck shell=bash
# part_methods: every forwarding method against IPVS's same method.
# Sourced by tests/vm/bench.sh, whose header describes the topology,
# the settings and the output.

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
# pktgen's IPv4 UDP has no checksum (0), its IPv6 UDP a valid one; the
# TCP packets' is not valid (the ingress rule rewrites the header): none
# of the directors checks it (pg_flags, pg_run).
#
# part_methods6 runs the same director-only rounds over IPv6 (M_AF=6):
# every address of the part is m_addr's counterpart of its IPv4 one
# (VIPs 2001:db8:113::N, the servers 2001:db8:19:9::1-16 on pgout, which
# gets 2001:db8:19:9::255/64 for TUN's outer source), FullNAT66 takes
# LIPs 2001:db8:13::1-20; IPVS's services are the same (ipvsadm -m, -g,
# -i, the last ip6ip6 to an IPv6 server). Its metrics are methods6/KIND,
# its info keys m6_*. No connections through real clients over IPv6.
M_PATHS=(fnat ipvs fnat_nat fnat_dr ipvs_dr fnat_tun ipvs_tun)
M_KINDS=(ack syn udp udp_new)
M_AF=4	# the family of part_methods' rounds: part_methods6 makes it 6
M_LIP6=2001:db8:13::1-2001:db8:13::20

# m_addr ADDR: ADDR, an IPv4 address of this part, in M_AF's family:
# itself, or 203.0.113.N -> 2001:db8:113::N, PG_RS.N -> 2001:db8:19:9::N,
# 10.B.C.D -> 2001:db8:B:C::D (2001:db8:B::D for C 0), as printed
m_addr() {
	local a
	[[ $M_AF == 6 ]] || { echo "$1"; return 0; }
	IFS=. read -r -a a <<< "$1"
	case $1 in
	203.0.113.*) echo "2001:db8:113::${a[3]}" ;;
	"$PG_RS".*) echo "2001:db8:19:9::${a[3]}" ;;
	10.*.0.*) echo "2001:db8:${a[1]}::${a[3]}" ;;
	10.*) echo "2001:db8:${a[1]}:${a[2]}::${a[3]}" ;;
	*) fail "m_addr: no IPv6 counterpart for $1" ;;
	esac
}

m_hp() { # m_hp ADDR PORT: ADDR:PORT, [ADDR]:PORT for IPv6
	if [[ $1 == *:* ]]; then echo "[$1]:$2"; else echo "$1:$2"; fi
}

m_vip() { # m_vip PATH: the VIP of a path of part_methods
	case $1 in
	fnat) m_addr "$PG_VIP_F" ;;
	ipvs) m_addr "$PG_VIP_I" ;;
	fnat_nat) m_addr 203.0.113.13 ;;
	fnat_dr) m_addr 203.0.113.14 ;;
	fnat_tun) m_addr 203.0.113.15 ;;
	ipvs_dr) m_addr 203.0.113.24 ;;
	ipvs_tun) m_addr 203.0.113.25 ;;
	esac
}

m_servers() { # the 16 pretend real servers in M_AF's family
	local i
	for ((i = 1; i <= 16; i++)); do m_addr "$PG_RS.$i"; done
}

setup_methods() {
	local i path vip proto opt how port rs ns plen=32
	# shellcheck disable=SC2046
	pg_neighbours $(m_servers) || return 1
	if [[ $M_AF == 6 ]]; then
		plen=128
		for ns in lb2 lb3; do
			on "$ns" sysctl -qw net.ipv6.conf.all.forwarding=1 || return 1
			on "$ns" "$IP" addr add "$(m_addr "$PG_RS.255")/64" dev pgout nodad ||
				return 1
		done
		on lb2 "$IP" addr add "$(m_vip ipvs)/128" dev lo nodad || return 1
		lb lb3 laddr add "$M_LIP6" || return 1
	fi
	on lb2 "$IP" addr add "$(m_vip ipvs_dr)/$plen" dev lo || return 1
	on lb2 "$IP" addr add "$(m_vip ipvs_tun)/$plen" dev lo || return 1
	# Nothing may expire between the opening passes and the last round:
	# IPVS's tcp, tcpfin and udp timeouts; fullnat.ko's TCP ones are
	# pg_config_scale's.
	on lb2 ipvsadm --set 7200 120 7200 || return 1
	lb lb3 config set timeout udp 7200 timeout udp unreplied 7200 || return 1
	for proto in tcp udp; do
		[[ $proto == tcp ]] && opt=-t || opt=-u
		for path in "${M_PATHS[@]}"; do
			# setup_pktgen's TCP services (IPv4)
			[[ $M_AF == 4 && $proto == tcp && ( $path == fnat || $path == ipvs ) ]] &&
				continue
			vip=$(m_hp "$(m_vip "$path")" 80)
			case $path in
			fnat) how=fullnat port=8080 ;;
			ipvs | fnat_nat) how=nat port=8080 ;;
			*) how=${path#*_} port=80 ;;
			esac
			if [[ $path == ipvs* ]]; then
				case $how in nat) how=-m ;; dr) how=-g ;; tun) how=-i ;; esac
				on lb2 ipvsadm -A "$opt" "$vip" -s rr || return 1
				for rs in $(m_servers); do
					on_quiet lb2 ipvsadm -a "$opt" "$vip" \
						-r "$(m_hp "$rs" "$port")" "$how" || return 1
				done
			else
				lb lb3 service add "$proto" "$vip" forward "$how" \
					scheduler rr || return 1
				for rs in $(m_servers); do
					lbctl -n lb3 rs add "$proto" "$vip" \
						"$(m_hp "$rs" "$port")" || return 1
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
# (m_addr's IPv6 counterparts in part_methods6)
m_src() {
	local i
	for ((i = 0; i < ${#M_PATHS[@]}; i++)); do
		[[ ${M_PATHS[i]} == "$2" ]] && break
	done
	case $1 in
	ack) m_addr "10.$((60 + i)).0.1" ;;
	syn) m_addr "10.$((70 + i)).$3.1" ;;
	udp) m_addr "10.$((80 + i)).0.1" ;;
	udp_new) m_addr "10.$((90 + i)).$3.1" ;;
	esac
}

m_flags() { # m_flags KIND: the ingress rule of lb2 and lb3 for KIND
	local f
	case $1 in ack) f=ACK ;; syn) f=SYN ;; *) f=UDP ;; esac
	pg_flags lb2 "$f" "$M_AF"
	pg_flags lb3 "$f" "$M_AF"
}

# m_run KIND PATH REP [COUNT]: one pktgen run of KIND through PATH (of
# PKTS packets, M_NEW for the new connections and flows, or COUNT); prints
# pg_run's line and "sent=N"
m_run() {
	local kind=$1 path=$2 rep=$3 src dst dmin dend n
	src=$(m_src "$kind" "$path" "$rep")
	read -r dst dmin dend <<< "$(pg_target "$path")"
	case $kind in
	ack | udp)
		n=${4:-$PKTS}
		echo "$(pg_run "$(pg_ns "$path")" "$n" "$dst" "$dmin" "$dend" \
			"$src" "$src" 1024 $((1024 + M_CONNS)) 1) sent=$n" ;;
	*)
		n=${4:-$M_NEW}
		echo "$(pg_run "$(pg_ns "$path")" "$n" "$dst" "$dmin" "$dend" \
			"$src" "$src" 1024 $((1024 + M_NEW)) 0) sent=$n" ;;
	esac
}

part_methods() {
	local path kind rep out src dst dmin dend m=methods${M_AF#4} i=m${M_AF#4}
	((M_CONNS >= 1 && M_CONNS <= 64511 && M_NEW >= 1 && M_NEW <= 64511)) ||
		fail "M_CONNS ($M_CONNS) and M_NEW ($M_NEW) must be 1-64511 (ports 1024-65535)"
	# the rounds' client addresses (m_src) and the profiles' apart
	((REPS + M_PROFILE_RUNS <= 255)) ||
		fail "REPS ($REPS) and M_PROFILE_RUNS ($M_PROFILE_RUNS) must add up to 255 at most"
	setup_methods > "$FNAT_LOG/setup-$m.txt" 2>&1 ||
		{ cat "$FNAT_LOG/setup-$m.txt"; fail "$m setup"; }
	emit "info ${i}_conns=$M_CONNS ${i}_new=$M_NEW"
	log "$m: opening $M_CONNS connections and UDP flows a path"
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
	emit "info ${i}_tables=ipvs:$(table_size ipvs),fnat:$(table_size fnat)"
	# The connections opened above keep the deadlines they got; the SYNs
	# of the rounds get IPVS's SYN_RECV life (pg_halfopen).
	pg_halfopen 60
	for path in "${M_PATHS[@]}"; do
		for kind in syn udp_new; do m_wire "$path" "$kind"; done
	done
	for ((rep = 1; rep <= REPS; rep++)); do
		log "$m round $rep of $REPS"
		for kind in "${M_KINDS[@]}"; do
			m_flags "$kind"
			for path in "${M_PATHS[@]}"; do
				out=$(m_run "$kind" "$path" "$rep")
				emit "metric=$m/$kind path=$path rep=$rep value=$(kv pps "$out")" \
				     "fwd=$(kv fwd "$out") sent=$(kv sent "$out") usec=$(kv usec "$out")"
			done
		done
	done
	emit "info ${i}_tables_after=ipvs:$(table_size ipvs),fnat:$(table_size fnat)"
	# each path's own entries: a path and its IPVS counterpart should hold
	# about as many (FullNAT's counterpart is IPVS NAT, "ipvs")
	for path in "${M_PATHS[@]}"; do
		emit "info ${i}_entries/$path=$(vip_conns "$(pg_ns "$path")" "$(m_vip "$path")")"
	done
	# with the rounds' timeouts (pg_halfopen)
	m_profile
	pg_config_scale
	on lb3 lbctl stats | grep -E 'drop|no_|err|martian|frag' || true
	on lb2 ipvsadm -Ln --stats || true
	if [[ $M_AF == 4 ]] && ((M_REAL)); then part_methods_conns; fi
	return 0
}

# m_wire PATH KIND: what PATH makes of 4 packets of KIND (syn or udp_new,
# from the sources of a round 0), as tcpdump sees them leave on pgout:
# each toward one of the 16 servers in the method's form (FullNAT: from a
# LIP to SERVER.8080; NAT: from the client to SERVER.8080; DR: the
# client's packet to the VIP, to a server's MAC; TUN: the client's packet
# to the VIP inside a header to a server). Emits "info m_wire/PATH/KIND=
# ok", or how many of the 4 were so and the lines, to the log.
m_wire() {
	local path=$1 kind=$2 ns src dst dmin dend srv re name lines good lip
	ns=$(pg_ns "$path")
	src=$(m_src "$kind" "$path" 0)
	read -r dst dmin dend <<< "$(pg_target "$path")"
	srv=$(m_addr "$PG_RS.1")
	srv="${srv%1}[0-9a-f]+"
	src=${src//./\\.} dst=${dst//./\\.} srv=${srv//./\\.}
	case $path in
	fnat)
		if [[ $M_AF == 6 ]]; then lip=${M_LIP6%%::*}::; else lip=$(lip_net 3).; fi
		re=" ${lip//./\\.}[0-9a-f]+\.[0-9]+ > $srv\.8080: " ;;
	ipvs | *_nat) re=" $src\.[0-9]+ > $srv\.8080: " ;;
	*_dr) re="> 02:00:00:00:09:[0-9a-f]{2}, .* $src\.[0-9]+ > $dst\.80: " ;;
	*_tun) re="> $srv: (IP6? )?$src\.[0-9]+ > $dst\.80: " ;;
	esac
	[[ $kind == syn ]] && re+="Flags \[S\]" || re+="UDP"
	name=wire-m${M_AF#4}-$path-$kind
	# at most 20 s: a path that loses packets ends the capture that way
	bg "$ns" "$name" timeout 20 tcpdump -i pgout -n -U -c 4 -w "$FNAT_LOG/$name.pcap" \
		tcp or udp or ip proto 4 or ip6 proto 41
	wait_for 10 "tcpdump on $ns's pgout" grep -q "listening on" "$FNAT_LOG/$name.log"
	m_flags "$kind"
	m_run "$kind" "$path" 0 4 > /dev/null
	wait_for 30 "tcpdump's end" grep -q "packets captured" "$FNAT_LOG/$name.log"
	lines=$(tcpdump -r "$FNAT_LOG/$name.pcap" -n -e 2>/dev/null)
	good=$(grep -cE -- "$re" <<< "$lines" || true)
	if ((good == 4)); then
		emit "info m${M_AF#4}_wire/$path/$kind=ok"
	else
		emit "info m${M_AF#4}_wire/$path/$kind=${good}-of-4"
		echo "$lines" | head -4
		echo "expected: $re"
	fi
}

# part_methods6: part_methods' director-only rounds over IPv6 (the
# methods' IPv6 forms against IPVS's same; setup_methods, m_addr)
part_methods6() {
	local M_AF=6
	part_methods
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
# KIND of M_PROFILE_KINDS through it (established ones: M_CONNS
# connections, at random). New connections and flows (syn, udp_new) are
# M_NEW a run, too short for a profile: M_PROFILE_RUNS runs, each from
# client addresses no round uses (m_src REP 255 down), are recorded with
# call graphs, and shown by what each function and its callees cost
# (perf_show_calls), on the CPU that pktgen and so the director run on
# (PG_CPU) alone.
m_profile() {
	local p path kind data pid j
	for p in ${PROFILE//,/ }; do
		[[ $p == pps-* ]] || continue
		path=${p#pps-}
		[[ -n $(m_vip "$path") ]] || continue
		for kind in ${M_PROFILE_KINDS//,/ }; do
			m_flags "$kind"
			data=$FNAT_LOG/perf-$p-$kind.data
			case $kind in
			ack | udp)
				# perf's window, not a wait: 2 s of samples
				# taken while the run goes on beside it
				perf record -q -a -e cpu-clock -F 1000 -o "$data" -- sleep 2 &
				pid=$!
				m_run "$kind" "$path" 0 > /dev/null
				wait "$pid"
				perf_show "methods${M_AF#4}-$kind-$path" "$data" ;;
			syn | udp_new)
				# stopped below, when the runs are done (600 s
				# only bounds a recording that is never stopped)
				perf record -q -C "$PG_CPU" -g -e cpu-clock -F 1000 \
					-o "$data" -- sleep 600 &
				pid=$!
				wait_for 10 "perf recording" test -s "$data"
				for ((j = 0; j < M_PROFILE_RUNS; j++)); do
					m_run "$kind" "$path" $((255 - j)) > /dev/null
				done
				kill -TERM "$pid"
				wait "$pid" || true	# 143: perf ends on the signal
				perf_show_calls "methods${M_AF#4}-$kind-$path" "$data" "$PG_CPU" ;;
			*) fail "M_PROFILE_KINDS: no kind $kind (ack, syn, udp, udp_new)" ;;
			esac
		done
	done
}
