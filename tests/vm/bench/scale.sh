# shellcheck shell=bash
# part_scale and part_svc: packet rate by table size and by service count.
# Sourced by tests/vm/bench.sh, whose header describes the topology,
# the settings and the output.

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
