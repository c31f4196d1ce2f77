#!/bin/bash
# Host side of the VM bench: builds the image, boots Debian's stock kernel
# under QEMU (TCG), streams the serial console, and turns the guest's
# report lines into a summary.
#
# usage: run.sh [--kver KVER] [--demo | --bench | --shell] [SCENARIO...]
#   SCENARIO   names from tests/vm/scenarios (without .sh); default: all
#   --demo     run tests/vm/demo.sh and show its output
#   --bench    run tests/vm/bench.sh (make bench); its log goes to
#              build/vm/bench.log, where bench/report.sh reads it. The
#              guest gets VM_MEM (default 6144 MB here: a million
#              connections in two tables) and BENCH_* settings (bench.sh).
#   --shell    boot to an interactive shell (debugging)
#
# FNAT_KERNEL boots another kernel image than /boot/vmlinuz-KVER (with
# FNAT_KMODDIR, FNAT_BUILD: see image.sh). FNAT_VM_OUT: where the logs go
# (default build/vm), so that runs for several kernels do not mix theirs.
# FNAT_VM_APPEND: more kernel command line (make check-debug: no5lvl).
#
# FUZZ_PKTS, FUZZ_NL, FUZZ_SEED reach the fuzz_* scenarios (kernel command
# line fnat.fuzz_pkts=... and so on); FUZZ_TIMEOUT replaces every
# scenario's time limit (make fuzz: the long runs).
#
# FNAT_TIMEOUT_SCALE (an integer, default 1) multiplies every time limit:
# the scenarios', the guest's wait for freed namespaces and the boot's
# (make check-debug: a debug kernel runs several times slower).
#
# Scenarios declare what they need in header comments:
#   # @timeout: SECONDS    limit for the scenario (default 300)
#   # @tcg: single         run in a single-threaded TCG guest (see below)
#
# Live patching of kernel text (kprobe registration, static keys flipped by
# the first/last netfilter hook) while another vCPU runs the patched code is
# unreliable under QEMU's multi-threaded TCG (shared/DESIGN.md). Scenarios
# that load or unload modules under traffic ask for a single-threaded guest;
# the runner boots one VM per kind.
#
# FNAT_VM_LANES (1-4, default 1) boots that many guests side by side (make
# check: 2). The multi-threaded scenarios are shared out by their @timeout
# (largest first, each to the lane with the least so far; the
# single-threaded guest runs last in the first lane). A guest's console then
# goes to its log only, and each log is shown whole when all have ended.
#
# The run fails if a scenario fails or does not report, if the guest does
# not finish in time, or if the guest kernel logs an Oops, BUG, WARNING,
# lockup, "scheduling while atomic" or list/refcount corruption. The guest
# (tests/vm/init) also fails a scenario on any message at warning level or
# above, read after its network namespaces are freed, and reports what is
# logged after the last scenario as a pseudo-scenario "shutdown". The
# console shows messages down to warning level (loglevel=5).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
mode=check
kver=${KVER:-}
names=()

while (($#)); do
	case $1 in
	--kver) kver=$2; shift ;;
	--demo) mode=demo ;;
	--bench) mode=bench ;;
	--shell) mode=shell ;;
	-h | --help) sed -n '2,/^set /p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) names+=("$1") ;;
	esac
	shift
done

die() {
	echo "vm: $*" >&2
	echo "vm: 0 passed, 1 failed"
	exit 1
}

if [[ -z $kver ]]; then
	kver=$(cd "$top" && make -s print-kver) || die "cannot determine kernel version"
fi
kernel=${FNAT_KERNEL:-/boot/vmlinuz-$kver}
qemu=$(command -v qemu-system-x86_64) ||
	die "qemu-system-x86_64 not found: the VM tests cannot run (install with: make deps)"
[[ -r $kernel ]] ||
	die "no kernel image $kernel: the VM tests cannot run (install linux-image-$kver: make deps)"

scale=${FNAT_TIMEOUT_SCALE:-1}
[[ $scale =~ ^[1-9][0-9]*$ ]] || die "FNAT_TIMEOUT_SCALE must be a positive integer, not '$scale'"
cache=${FNAT_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fullnat-vm}
out=${FNAT_VM_OUT:-$top/build/vm}
mkdir -p "$out" "$cache"
# One image per run, so that runs from several shells do not collide.
initrd=$(mktemp "$out/initrd.XXXXXX")
trap 'rm -f "$initrd"' EXIT
"$here/image.sh" "$kver" "$cache" "$initrd" || die "image build failed"

header() { # header FILE KEY DEFAULT
	local v
	v=$(sed -n "s/^# @$2: *//p" "$1" | head -1)
	echo "${v:-$3}"
}

if [[ $mode == check ]]; then
	if ((${#names[@]} == 0)); then
		for f in "$here"/scenarios/*.sh; do
			names+=("$(basename "$f" .sh)")
		done
	fi
	for n in "${names[@]}"; do
		[[ -f $here/scenarios/$n.sh ]] || die "no such scenario: $n (see tests/vm/scenarios/)"
	done
fi

# What the terminal shows: everything for tests; for the demo, its own
# output without the runner's report lines and kernel log (both in the log).
show() {
	if [[ $mode == demo || $mode == bench ]]; then
		grep --line-buffered -vE '^(kmsg\| |@@FNAT )'
	else
		cat
	fi
}

quiet=0
boot() { # boot THREADMODE LOG TIMEOUT APPEND
	local thread=$1 log=$2 limit=$3 append=$4 stdin=/dev/null
	local serial=(-serial stdio)
	[[ $mode == shell ]] && { stdin=/dev/stdin; serial=(-serial mon:stdio); }
	echo "vm: booting $kernel (tcg thread=$thread, limit ${limit}s), log: $log"
	timeout -k 10 "$limit" "$qemu" \
		-accel "tcg,thread=$thread" -cpu max -smp 2 -m "${VM_MEM:-2048}" \
		-nodefaults -no-user-config -display none -no-reboot \
		"${serial[@]}" \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 loglevel=5 printk.time=1 panic=-1 oops=panic mitigations=off slub_nomerge ${FNAT_VM_APPEND:+$FNAT_VM_APPEND }$append" \
		< "$stdin" 2>&1 | tee "$log" | { if ((quiet)); then cat > /dev/null; else show; fi; }
	return "${PIPESTATUS[0]}"
}

if [[ $mode == shell ]]; then
	boot multi "$out/shell.log" 86400 "fnat.run=shell"
	exit 0
fi

if [[ $mode == bench ]]; then
	# Settings travel on the kernel command line (fnat.bench.NAME=VALUE).
	limit=${BENCH_LIMIT:-5400}
	settings=
	for v in ${!BENCH_@}; do
		[[ $v == BENCH_LIMIT ]] && continue
		settings+=" fnat.bench.${v#BENCH_}=${!v}"
	done
	# Other guests on this host share its CPUs and distort the figures:
	# sample how many run beside ours, for the results to say.
	others=$out/bench-others.txt
	: > "$others"
	(while sleep 10; do
		echo $(( $(pgrep -cx qemu-system-x86) - 1 )) >> "$others"
	done) &
	sampler=$!
	VM_MEM=${VM_MEM:-6144} boot multi "$out/bench.log" "$((limit + 60))" \
		"tsc=reliable fnat.tests=bench fnat.timeout=$limit$settings"
	kill "$sampler"
	echo "@@HOST others_max=$(sort -n "$others" | tail -1)" >> "$out/bench.log"
	grep -q '^@@FNAT RESULT bench PASS' "$out/bench.log" || die "the bench failed (log: $out/bench.log)"
	echo "vm: bench finished (log: $out/bench.log)"
	exit 0
fi

if [[ $mode == demo ]]; then
	boot multi "$out/demo.log" 900 "fnat.tests=demo fnat.timeout=840"
	grep -q '^@@FNAT RESULT demo PASS' "$out/demo.log" || die "the demo failed (log: $out/demo.log)"
	echo "vm: demo finished"
	exit 0
fi

declare -A result reason secs
lanes=${FNAT_VM_LANES:-1}
[[ $lanes =~ ^[1-4]$ ]] || die "FNAT_VM_LANES must be 1 to 4, not '$lanes'"
# The guests to boot: vm_members[i] ("name:limit,..."), vm_mode[i],
# vm_limit[i], vm_lane[i]; a lane boots its guests one after another.
vm_members=() vm_mode=() vm_limit=() vm_lane=()
declare -A tmo load shard
single=
for n in "${names[@]}"; do
	g=$(header "$here/scenarios/$n.sh" tcg multi)
	[[ $g == single || $g == multi ]] || die "$n: bad @tcg header '$g'"
	tmo[$n]=$(( ${FUZZ_TIMEOUT:-$(header "$here/scenarios/$n.sh" timeout 300)} * scale ))
	[[ $g == single ]] && single+=" $n"
done
for ((l = 0; l < lanes; l++)); do load[$l]=0; done
for n in $single; do load[0]=$((load[0] + tmo[$n])); done
while read -r n _; do
	[[ -n $n ]] || continue
	best=0
	for ((l = 1; l < lanes; l++)); do
		((load[$l] < load[$best])) && best=$l
	done
	shard[$best]+=" $n"
	load[$best]=$((load[$best] + tmo[$n]))
done < <(for n in "${names[@]}"; do
		[[ " $single " == *" $n "* ]] || echo "$n ${tmo[$n]}"
	done | sort -k2,2nr -s)
add_vm() { # add_vm MODE LANE NAME...
	local mode=$1 lane=$2 members= lim=$((120 * scale)) n
	local -A want=()
	shift 2
	(($#)) || return 0
	for n; do want[$n]=$((${want[$n]:-0} + 1)); done
	# keep the command line's order within a guest; a name given twice
	# (T=a,a) runs as often as it was given to this guest
	for n in "${names[@]}"; do
		((${want[$n]:-0} > 0)) || continue
		want[$n]=$((want[$n] - 1))
		members+="${members:+,}$n:${tmo[$n]}"
		lim=$((lim + tmo[$n] + 15 * scale))
	done
	vm_members+=("$members") vm_mode+=("$mode") vm_limit+=("$lim") vm_lane+=("$lane")
}
for ((l = 0; l < lanes; l++)); do
	add_vm multi "$l" ${shard[$l]:-}
done
add_vm single 0 $single

# Kernel console lines carry a timestamp; the guest echoes each
# scenario's kernel log with "kmsg| ". Only those are scanned, so a
# scenario that prints the word "BUG" itself does not trip the check.
warn_re='Oops|\bBUG\b|WARNING:|kernel BUG|soft lockup|hard LOCKUP|detected stalls?|blocked for more than|scheduling while atomic|refcount_t:|list_add corruption|list_del corruption|general protection fault|Kernel panic|UBSAN:|KASAN:|Objects remaining|still has objects|unreferenced object|waiting for .* to become free'
# The debug kernel's checks (make check-debug) report under "BUG:" or
# "WARNING:" mostly; their own words are listed for lines that stand alone.
warn_re+='|ODEBUG:|possible (circular|recursive) locking|inconsistent lock state|suspicious RCU usage|sleeping function called from invalid context|Invalid wait context|lockdep is turned off|suspected memory leaks|kmemleak: .*(disabled|failed)'
vm_log() { # vm_log I: guest I's console log
	local n=0 j
	for ((j = 0; j < $1; j++)); do
		[[ ${vm_mode[$j]} == "${vm_mode[$1]}" ]] && n=$((n + 1))
	done
	if [[ ${vm_mode[$1]} == multi && $lanes -gt 1 ]]; then
		echo "$out/check-multi-$((n + 1)).log"
	else
		echo "$out/check-${vm_mode[$1]}.log"
	fi
}
fuzz=
for v in ${!FUZZ_@}; do
	[[ $v == FUZZ_TIMEOUT ]] && continue
	fuzz+=" fnat.fuzz_${v#FUZZ_}=${!v}"
done
run_vm() { # run_vm I: boot guest I, its exit status to its log's .rc
	local rc
	# Freed connections are poisoned and checked (slub_debug on our cache
	# only): a use after free is caught by the kernel (fullnat_bind_race).
	boot "${vm_mode[$1]}" "$(vm_log "$1")" "${vm_limit[$1]}" \
		"slub_debug=FZP,fnat_conn fnat.scale=$scale fnat.tests=${vm_members[$1]}${fuzz,,}"
	rc=$?
	echo "$rc" > "$(vm_log "$1").rc"
}
if ((lanes == 1)); then
	for i in "${!vm_mode[@]}"; do run_vm "$i"; done
else
	quiet=1
	pids=()
	for ((l = 0; l < lanes; l++)); do
		(for i in "${!vm_mode[@]}"; do
			((vm_lane[i] == l)) && run_vm "$i"
		done) &
		pids+=($!)
	done
	wait "${pids[@]}"
	for i in "${!vm_mode[@]}"; do
		echo "vm: console of guest $((i + 1)) ($(vm_log "$i")):"
		show < "$(vm_log "$i")"
	done
fi
vm_failed=0
# A scenario named more than once (T=a,a,a) has a result per run: the k-th
# result read for NAME is key "NAME#k", and the table lists them in order.
declare -A seen=()
declare -A gseen	# the same, counted in one guest's log
key_of() { # key_of NAME: the key of NAME's next run, in $key
	seen[$1]=$((${seen[$1]:-0} + 1))
	gseen[$1]=$((${gseen[$1]:-0} + 1))
	key="$1#${seen[$1]}"
}
for i in "${!vm_mode[@]}"; do
	log=$(vm_log "$i")
	rc=$(cat "$log.rc" 2>/dev/null || echo 1)
	rm -f "$log.rc"
	current= ended=0 failmsg=
	gseen=()
	while IFS= read -r line; do
		line=${line%$'\r'}
		case $line in
		"@@FNAT BEGIN "*) key_of "${line#@@FNAT BEGIN }"; current=$key failmsg= ;;
		# The scenario's own verdict (lib.sh fail()), for the table: CI
		# shows the table, not the log.
		"FAIL: "*) [[ -n $current ]] && failmsg=${line#FAIL: } ;;
		"@@FNAT END "*) ended=1 ;;
		"@@FNAT RESULT "*)
			set -- ${line#@@FNAT RESULT }
			# its BEGIN's key (a RESULT without one: the next run's)
			if [[ ${current%#*} == "$1" ]]; then n=$current; else key_of "$1"; n=$key; fi
			r=$2
			secs[$n]=$3
			shift 3
			if [[ ${result[$n]:-} != FAIL ]]; then
				result[$n]=$r
				reason[$n]="$*"
				[[ $r == FAIL && $* == exit\ status* && -n $failmsg ]] &&
					reason[$n]+=": ${failmsg:0:240}"
			fi
			current= ;;
		*)
			if [[ $line =~ ^(\[\ *[0-9]+\.[0-9]+\]\ |kmsg\|\ ) ]] &&
			   grep -qE "$warn_re" <<< "$line"; then
				n=${current:-boot}
				((ended)) && n=shutdown
				[[ ${reason[$n]:-} == kernel:* ]] ||
					reason[$n]="kernel: ${line#kmsg| }"
				result[$n]=FAIL
				[[ $n == boot || $n == shutdown ]] && vm_failed=1
			fi ;;
		esac
	done < "$log"
	if ! grep -q '^@@FNAT END' "$log"; then
		vm_failed=1
		why="guest did not finish (qemu exit $rc)"
		((rc == 124 || rc == 137)) && why="guest did not finish within ${vm_limit[$i]}s"
		echo "vm: $why"
		# the run under way, and the guest's members never begun
		if [[ -n $current && -z ${result[$current]:-} ]]; then
			result[$current]=FAIL
			reason[$current]=$why
		fi
		for m in ${vm_members[$i]//,/ }; do
			m=${m%%:*}
			if ((${gseen[$m]:-0} > 0)); then
				gseen[$m]=$((gseen[$m] - 1))
				continue
			fi
			key_of "$m"
			result[$key]=FAIL
			reason[$key]=$why
		done
	fi
done

passed=0 failed=0 skipped=0
echo
echo "vm: results"
declare -A shown=()
for n in "${names[@]}" ${result[boot]:+boot} ${result[shutdown]:+shutdown}; do
	k=$n
	if [[ $n != boot && $n != shutdown ]]; then
		shown[$n]=$((${shown[$n]:-0} + 1))
		k="$n#${shown[$n]}"
	fi
	r=${result[$k]:-FAIL}
	case $r in
	PASS) passed=$((passed + 1)) ;;
	SKIP) skipped=$((skipped + 1)) ;;
	*) failed=$((failed + 1)) ;;
	esac
	printf '  %-4s %-28s %8ss  %s\n' "$r" "$n" "${secs[$k]:--}" "${reason[$k]:-}"
done
echo "vm: $passed passed, $failed failed, $skipped skipped"
((failed == 0 && vm_failed == 0))
