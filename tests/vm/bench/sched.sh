# shellcheck shell=bash
# part_sched: every scheduler against IPVS's same scheduler.
# Sourced by tests/vm/bench.sh, whose header describes the topology,
# the settings and the output.

# --- every scheduler against IPVS's same scheduler --------------------------------

# Director-only rate of new connections (pktgen SYNs, each a new
# connection; the ingress rule of part_methods) through one service per
# scheduler on each director: fullnat.ko in lb3 (VIP S_VIP_F), in-tree
# IPVS in lb2 (S_VIP_I, on lo), port 1001 for rr, 1002 for wrr... (the
# order of S_SCHEDS). Each service has the 16 pretend real servers of
# part_methods (pgout, a permanent neighbour each), the server i with
# weight i: unequal weights, so that wrr, wlc, sed, sh and mh weigh.
#
# Both directors forward by DR: the same method on both sides, and the
# one whose transmit is cheapest (a MAC header), so the scheduler and the
# connection's creation are the largest share of the work compared. (The
# other parts compare FullNAT with IPVS NAT, which differ in more than the
# scheduler; part_methods measures each method's SYNs.) Both give a
# SYN-only connection the same life: IPVS keeps SYN_RECV 60 s (no knob),
# fullnat.ko is set to 60 s for the part (timeout syn_recv, and none).
#
# Every path in every round, fullnat.ko then IPVS for each scheduler;
# S_NEW SYNs a path and round, from a source block of its own: 251
# addresses 10.(120+J).REP.1-251 (J the path's index) and as many ports
# from 1024 as make S_NEW, address and port counting up together (251 is
# prime: each packet a new pair). The hashing schedulers (sh, mh) hash
# the address: 251 keys. dh hashes the destination, one VIP: one server,
# on both directors (that is dh). Metric sched/NAME, paths fnat and ipvs;
# after the rounds, "info s_dist/NAME/DIRECTOR=N1:...:N16" are the
# connections each server got over all rounds (server i has weight i),
# and s_entries the services' live entries on each director.
S_SCHEDS=(rr wrr lc wlc sed nq sh dh mh)
S_VIP_F=203.0.113.16 S_VIP_I=203.0.113.26 S_PORT=1000 S_SRCS=251

s_port() { # s_port SCHED: the port of SCHED's services
	local i
	for ((i = 0; i < ${#S_SCHEDS[@]}; i++)); do
		[[ ${S_SCHEDS[i]} == "$1" ]] && { echo $((S_PORT + 1 + i)); return; }
	done
}

setup_sched() {
	local s port i
	pg_neighbours || return 1
	on lb2 "$IP" addr add "$S_VIP_I/32" dev lo || return 1
	for s in "${S_SCHEDS[@]}"; do
		run modprobe "ip_vs_$s" || return 1
		port=$(s_port "$s")
		on lb2 ipvsadm -A -t "$S_VIP_I:$port" -s "$s" || return 1
		lb lb3 service add tcp "$S_VIP_F:$port" forward dr scheduler "$s" || return 1
		for ((i = 1; i <= 16; i++)); do
			on_quiet lb2 ipvsadm -a -t "$S_VIP_I:$port" \
				-r "$PG_RS.$i:$port" -g -w "$i" || return 1
			lbctl -n lb3 rs add tcp "$S_VIP_F:$port" "$PG_RS.$i:$port" \
				weight "$i" || return 1
		done
	done
	pg_halfopen 60 || return 1
	on lb2 ipvsadm -Ln
	lbctl -n lb3 show
}

# s_run SCHED PATH REP: one pktgen run of S_NEW SYNs through SCHED's
# service of PATH (fnat or ipvs); prints pg_run's line
s_run() {
	local sched=$1 path=$2 rep=$3 j ports port vip=$S_VIP_F
	j=$(( 2 * ($(s_port "$sched") - S_PORT - 1) ))
	[[ $path == ipvs ]] && j=$((j + 1)) vip=$S_VIP_I
	ports=$(( (S_NEW + S_SRCS - 1) / S_SRCS ))
	while (( $(gcd "$ports" "$S_SRCS") != 1 )); do ports=$((ports + 1)); done
	port=$(s_port "$sched")
	pg_run "$(pg_ns "$path")" "$S_NEW" "$vip" "$port" $((port + 1)) \
		"10.$((120 + j)).$rep.1" "10.$((120 + j)).$rep.$S_SRCS" \
		1024 $((1024 + ports)) 0
}

# s_dist SCHED PATH: the connections each server of SCHED's service got
# so far, in the order of the servers (weights 1-16): "N1:N2:...:N16"
s_dist() {
	local port i
	port=$(s_port "$1")
	if [[ $2 == ipvs ]]; then
		on_quiet lb2 ipvsadm -Ln --stats --exact -t "$S_VIP_I:$port" |
			awk '$1 == "->" { split($2, a, ":"); n[a[1]] = $3 }
			     END { for (i = 1; i <= 16; i++)
				printf "%s%d", (i > 1 ? ":" : ""), n["'"$PG_RS"'." i] }'
	else
		lbctl -n lb3 -j show | jq -r --arg vip "$S_VIP_F" --argjson port "$port" \
			'[.services[] | select(.vip == $vip and .port == $port) |
			  .real_servers[] | {(.address): .stats.conns}] | add as $n |
			 [range(1; 17) | $n["'"$PG_RS"'.\(.)"] // 0] | map(tostring) | join(":")'
	fi
}

part_sched() {
	local s path rep out
	((S_NEW >= 1 && S_NEW <= S_SRCS * 250)) ||
		fail "S_NEW ($S_NEW) must be 1-$((S_SRCS * 250))"
	setup_sched > "$FNAT_LOG/setup-sched.txt" 2>&1 ||
		{ cat "$FNAT_LOG/setup-sched.txt"; fail "sched setup"; }
	emit "info s_new=$S_NEW s_scheds=$(IFS=,; echo "${S_SCHEDS[*]}")"
	pg_flags lb2 SYN
	pg_flags lb3 SYN
	for ((rep = 1; rep <= REPS; rep++)); do
		log "schedulers round $rep of $REPS"
		for s in "${S_SCHEDS[@]}"; do
			for path in fnat ipvs; do
				out=$(s_run "$s" "$path" "$rep")
				emit "metric=sched/$s path=$path rep=$rep value=$(kv pps "$out")" \
				     "fwd=$(kv fwd "$out") sent=$S_NEW usec=$(kv usec "$out")"
			done
		done
	done
	for s in "${S_SCHEDS[@]}"; do
		emit "info s_dist/$s/fnat=$(s_dist "$s" fnat) s_dist/$s/ipvs=$(s_dist "$s" ipvs)"
	done
	emit "info s_entries=ipvs:$(vip_conns lb2 "$S_VIP_I"),fnat:$(vip_conns lb3 "$S_VIP_F")"
	on lb3 lbctl stats | grep -E 'drop|no_|err|martian|frag' || true
	s_profile
	pg_config_scale
}

# PROFILE=pps-fnat_SCHED or pps-ipvs_SCHED: perf over one run of SYNs
# through that scheduler's service
s_profile() {
	local p path sched data pid
	for p in ${PROFILE//,/ }; do
		[[ $p == pps-fnat_* || $p == pps-ipvs_* ]] || continue
		path=${p#pps-} sched=${path#*_} path=${path%%_*}
		[[ -n $(s_port "$sched") ]] || continue
		data=$FNAT_LOG/perf-$p.data
		perf record -q -a -e cpu-clock -F 1000 -o "$data" -- sleep 2 &
		pid=$!
		wait_for 10 "perf recording" test -s "$data"
		s_run "$sched" "$path" 0 > /dev/null
		wait "$pid"
		perf_show "sched-$path-$sched" "$data"
	done
}
