#!/bin/bash
# make check: unit tests, then the VM scenarios; one closing line
# "N passed, N failed, N skipped" over both. Exits non-zero on any failure,
# or when a stage could not run at all.
#
# usage: check.sh KVER [NAMES]   NAMES: comma-separated scenario names;
#                                 with NAMES, only those run (plus "unit"
#                                 if named).
# Without NAMES, and unless FNAT_MATRIX=0 (make check KVER=...: one
# kernel), a third stage builds for every kernel of the matrix and boots
# the core scenarios on some (tests/kernels.sh --boot check --core), and a
# fourth installs the Debian packages and boots what DKMS built
# (tests/deb.sh).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kver=$1
names=${2:-}
passed=0 failed=0 skipped=0

count() { # count LOG PREFIX: add the stage's closing "N passed, N failed[, N skipped]"
	local line
	line=$(grep -E "^$2: [0-9]+ passed, [0-9]+ failed" "$1" | tail -1)
	if [[ -z $line ]]; then
		echo "check: $2 stage printed no result line; counting it as a failure"
		failed=$((failed + 1))
		return
	fi
	[[ $line =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)? ]]
	passed=$((passed + BASH_REMATCH[1]))
	failed=$((failed + BASH_REMATCH[2]))
	skipped=$((skipped + ${BASH_REMATCH[4]:-0}))
}

mkdir -p "$top/build"
stage_failed=0
scenarios=()
run_unit=1
if [[ -n $names ]]; then
	run_unit=0
	for n in ${names//,/ }; do
		if [[ $n == unit ]]; then run_unit=1; else scenarios+=("$n"); fi
	done
fi

if ((run_unit)); then
	echo "== unit tests"
	# Each case prints a line; show failures and the closing line here,
	# everything is in the log.
	make -s --no-print-directory -C "$top/tests/unit" check > "$top/build/unit.log" 2>&1 ||
		stage_failed=1
	grep -v '^PASS ' "$top/build/unit.log"
	count "$top/build/unit.log" unit
fi

if [[ -z $names || ${#scenarios[@]} -gt 0 ]]; then
	echo "== VM scenarios"
	# two guests side by side on two or more CPUs (run.sh: FNAT_VM_LANES)
	lanes=1
	(($(nproc) >= 2)) && lanes=2
	FNAT_VM_LANES=${FNAT_VM_LANES:-$lanes} \
		"$top/tests/vm/run.sh" --kver "$kver" "${scenarios[@]}" 2>&1 | tee "$top/build/vm.log"
	((PIPESTATUS[0] == 0)) || stage_failed=1
	count "$top/build/vm.log" vm
fi

if [[ -z $names && ${FNAT_MATRIX:-1} != 0 ]]; then
	echo "== kernel matrix"
	"$top/tests/kernels.sh" --boot check --core 2>&1 | tee "$top/build/kernels.log"
	((PIPESTATUS[0] == 0)) || stage_failed=1
	count "$top/build/kernels.log" kernels

	# The Debian packages: DKMS builds for every kernel, the VM boots
	# what DKMS built (needs root: it installs and purges packages).
	echo "== Debian packages"
	"$top/tests/deb.sh" 2>&1 | tee "$top/build/deb.log"
	((PIPESTATUS[0] == 0)) || stage_failed=1
	count "$top/build/deb.log" deb
fi

echo
echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0 && stage_failed == 0))
