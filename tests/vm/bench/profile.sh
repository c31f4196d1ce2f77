# shellcheck shell=bash
# PROFILE: perf over chosen loads.
# Sourced by tests/vm/bench.sh, whose header describes the topology,
# the settings and the output.

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
		wait_for 10 "perf recording" test -s "$data"
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

# perf_show_calls NAME DATA CPU: a profile recorded with call graphs (-g),
# CPU's samples only, each function with what it and its callees cost
# ("children", first column) and what it cost itself ("self")
perf_show_calls() {
	echo "@@PROFILE $1 begin"
	perf report -i "$2" --children --sort sym -g none --cpu "$3" --stdio 2>/dev/null |
		grep -v '^#' | grep '%' | head -n 120 || true
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
