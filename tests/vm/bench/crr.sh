# shellcheck shell=bash
# part_crr_bulk: short connections and bulk transfers.
# Sourced by tests/vm/bench.sh, whose header describes the topology,
# the settings and the output.

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
