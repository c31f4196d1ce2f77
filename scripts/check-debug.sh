#!/bin/bash
# make check-debug: the VM suite on the debug kernel (KASAN, UBSAN,
# lockdep, kmemleak, DEBUG_LIST, DEBUG_OBJECTS; scripts/debug-kernel.sh
# builds it once and caches it). Any report of these checks fails the
# scenario it came in (tests/vm/init scans kmemleak after each one).
#
# usage: check-debug.sh [SCENARIO...]     default: all of tests/vm/scenarios
#   FNAT_DEBUG_PART     I/N (make check-debug PART=I/N): instead of named
#                       scenarios, the I-th of N parts of the suite; the
#                       suite takes about five hours there in two lanes,
#                       more than one sitting. The scenarios, largest time
#                       limit first, each go to the part with the least so
#                       far: the N parts of one tree are the whole suite,
#                       each scenario once (run them all at one commit).
#   FNAT_VM_LANES       guests side by side (default 2 here)
#   FNAT_VM_APPEND      more kernel command line (default no5lvl, below)
#   FNAT_TIMEOUT_SCALE  factor on every scenario's time limit and on the
#                       scenarios' own waits (default 10: the checks make
#                       the TCG guest 7.5-10.5 times slower, measured on
#                       6.1.192 with two lanes, fullnat_basic 304.7 s
#                       against 28.9 s on Debian's kernel)
#   VM_MEM              guest memory in MB (default 3072: KASAN's shadow
#                       and kmemleak's metadata take their share)
#
# Our modules are built against the debug kernel in a copy of the tree,
# build/debug/src: Kbuild does not rebuild when only KDIR changes, so
# building in the tree itself would mix objects of two kernels. The copy
# is compiled with -g so that scripts/faddr2line can turn a report's
# function+offset in fullnat.ko or toa.ko into file:line:
#   KDIR/scripts/faddr2line build/debug/src/fullnat/fullnat.ko func+0x12/0x340
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)

part=${FNAT_DEBUG_PART:-}
if [[ -n $part && $# -gt 0 ]]; then
	echo "check-debug: PART and named scenarios (T=) exclude each other" >&2
	exit 2
fi
if [[ -n $part ]]; then
	if ! [[ $part =~ ^([1-9][0-9]?)/([1-9][0-9]?)$ ]] ||
	   ((BASH_REMATCH[1] > BASH_REMATCH[2])); then
		echo "check-debug: PART must be I/N with 1 <= I <= N <= 99, not '$part'" >&2
		exit 2
	fi
	want=$((BASH_REMATCH[1] - 1)) parts=${BASH_REMATCH[2]}
	load=() sel=()
	for ((k = 0; k < parts; k++)); do load[k]=0; done
	while read -r limit name; do
		best=0
		for ((k = 1; k < parts; k++)); do
			((load[k] < load[best])) && best=$k
		done
		load[best]=$((load[best] + limit))
		((best == want)) && sel+=("$name")
	done < <(for f in "$top"/tests/vm/scenarios/*.sh; do
			limit=$(sed -n 's/^# @timeout: *//p' "$f" | head -1)
			echo "${limit:-300} $(basename "$f" .sh)"
		done | LC_ALL=C sort -k1,1nr -k2,2)
	((${#sel[@]})) || { echo "check-debug: part $part has no scenario" >&2; exit 2; }
	echo "check-debug: part $part: ${sel[*]}"
	set -- "${sel[@]}"
fi

dir=$("$top/scripts/debug-kernel.sh" | tail -1)
kdir=$dir/linux
kver=$(cat "$kdir/include/config/kernel.release")
echo "check-debug: kernel $kver ($dir, built in $(cat "$dir/build-time") s)"

# Sources only (tracked and new files, not what .gitignore lists, such
# as objects built for another kernel); mtimes kept, so that a rerun
# recompiles only what changed.
copy=$top/build/debug/src
mkdir -p "$copy"
(cd "$top" && git ls-files -co --exclude-standard -z) |
	(cd "$top" && cpio -0pdmu --quiet "$copy")
make -C "$kdir" M="$copy" KCFLAGS=-g modules
make -C "$copy/tests/kmod" KDIR="$kdir" KCFLAGS=-g

# no5lvl: QEMU's "max" CPU has 5-level paging, and while the boot CPU is
# identified its feature bits are cleared for a moment (identify_cpu()), so
# KASAN takes the 5-level direct map for unmapped memory: an interrupt
# taken in that moment was reported as "BUG: KASAN: wild-memory-access in
# do_raw_spin_lock" (handle_edge_irq, 0.003 s into the boot, 2 boots of 3
# once), which also turns lockdep off for the whole boot. Not our code.
FNAT_VM_APPEND=${FNAT_VM_APPEND:-no5lvl} \
FNAT_KERNEL=$dir/bzImage \
FNAT_KMODDIR=$dir/lib/modules/$kver \
FNAT_BUILD=$copy \
FNAT_TIMEOUT_SCALE=${FNAT_TIMEOUT_SCALE:-10} \
FNAT_VM_LANES=${FNAT_VM_LANES:-2} \
VM_MEM=${VM_MEM:-3072} \
	exec "$top/tests/vm/run.sh" --kver "$kver" "$@"
