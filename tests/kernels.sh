#!/bin/bash
# The kernel matrix (tests/kernels.conf): builds both modules and the
# test-only module for every flavour, each in its own copy of the tree
# (Kbuild does not rebuild when only the kernel changes), and boots the VM
# suite on some of them. Ends with a table (kernel x build x scenarios) and
# "kernels: N passed, N failed, N skipped": each build counts as one test, each
# scenario as one.
#
# usage: kernels.sh [--only FLAVOUR,...] [--boot all|check|FLAVOUR,...] [--core]
#                   [--keep] [SCENARIO...]
#   --only    build (and boot) only these flavours of tests/kernels.conf;
#             default all
#   --boot    which flavours boot the VM: all (make check-kernels), check
#             (CHECK_BOOT, what make check adds) or a list; default none
#   --core    the scenarios are CORE_SCENARIOS; default the whole suite
#   --keep    (make check-kernels KEEP=1) the whole suite on six kernels
#             takes longer than one sitting, so it may be spread over
#             several: a flavour whose build and boot passed before, with
#             the same sources (the module, lbctl, tests and scripts, as
#             in the tree now, committed or not; a git work tree), kernel
#             (its image and headers), scenarios and time scales, is not
#             built or booted again; its row says when it passed. A
#             failed one is always run again, and a result is kept only if
#             the sources did not change while it ran. Kept results live in
#             build/kernels/KVER.KEY.kept.
#
# A flavour whose headers or image are not installed fails (make deps
# installs the matrix); nothing is skipped.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=kernels.conf
. "$top/tests/kernels.conf"

boot_sel=
core=0
keep=0
only=("${KERNEL_FLAVOURS[@]}")
scenarios=()
while (($#)); do
	case $1 in
	--boot) boot_sel=$2; shift ;;
	--core) core=1 ;;
	--keep) keep=1 ;;
	--only) IFS=, read -ra only <<< "$2"; shift ;;
	-*) echo "kernels.sh: unknown option $1" >&2; exit 2 ;;
	*) scenarios+=("$1") ;;
	esac
	shift
done
((core)) && scenarios=("${CORE_SCENARIOS[@]}")

case $boot_sel in
all) boot=("${KERNEL_FLAVOURS[@]}") ;;
check) boot=("${CHECK_BOOT[@]}") ;;
*) IFS=, read -ra boot <<< "$boot_sel" ;;
esac
for b in "${only[@]}"; do
	[[ " ${KERNEL_FLAVOURS[*]} " == *" $b "* ]] || {
		echo "kernels.sh: --only $b is not a flavour of tests/kernels.conf (${KERNEL_FLAVOURS[*]})" >&2
		exit 2
	}
done
# "all" is every flavour of the matrix, booted where built (--only)
[[ $boot_sel == all ]] || for b in "${boot[@]}"; do
	[[ " ${only[*]} " == *" $b "* ]] || {
		echo "kernels.sh: --boot $b is not a flavour built here (${only[*]})" >&2
		exit 2
	}
done

booted() { # booted FLAVOUR: is it in the boot list?
	local b
	for b in "${boot[@]}"; do [[ $b == "$1" ]] && return 0; done
	return 1
}

out=$top/build/kernels
mkdir -p "$out"
passed=0 failed=0 skipped=0

# What a kept result stands for: every file of the tree that goes into a
# build or a boot (tracked or new, as they are now), the kernel (its
# headers' package and its image), the scenarios asked for, whether the
# flavour boots, and the time scales.
sources_hash() {
	local files
	if ! files=$(cd "$top" && git ls-files -co --exclude-standard -- Kbuild VERSION \
		Makefile fullnat toa include lbctl tests scripts) || [[ -z $files ]]; then
		echo "kernels.sh: --keep needs the sources in a git work tree" >&2
		return 1
	fi
	(cd "$top" && git ls-files -co --exclude-standard -z -- Kbuild VERSION \
		Makefile fullnat toa include lbctl tests scripts |
		LC_ALL=C sort -z | xargs -0r sha256sum) | sha256sum | cut -c1-16
}
if ((keep)); then
	sources=$(sources_hash) || exit 2
fi
kernel_image() { # kernel_image KVER: the image the VM boots
	if [[ -r $KERNEL_CACHE/$1/boot/vmlinuz-$1 ]]; then
		echo "$KERNEL_CACHE/$1/boot/vmlinuz-$1"
	else
		echo "/boot/vmlinuz-$1"
	fi
}
keep_key() { # keep_key FLAVOUR KVER
	local b=build img
	booted "$1" && b="boot ${scenarios[*]:-all}"
	img=$(kernel_image "$2")
	printf '%s %s %s %s %s scale=%s,%s\n' "$sources" "$2" \
		"$(dpkg-query -W -f='${Version}' "linux-headers-$2" 2>/dev/null)" \
		"$(sha256sum < "$img" 2>/dev/null | cut -c1-16)" "$b" \
		"${FNAT_SCALE:-}" "${FNAT_TIMEOUT_SCALE:-}" | sha256sum | cut -c1-16
}
# keep_write FLAVOUR KVER BOOT-CELL COUNTS: keep a passed result, unless
# the sources changed while it ran
keep_write() {
	local now
	now=$(sources_hash) || return 0
	if [[ $now != "$sources" ]]; then
		echo "kernels: $2 not kept: the sources changed while it ran"
		return 0
	fi
	printf '%s\n' "$(date -u '+%F %H:%M UTC')" "${build_of[$1]}" "$3" "$4" \
		> "$out/$2.$(keep_key "$1" "$2").kept"
}

# The builds first, one after another (each with make -j: nothing else
# runs); then the boots, side by side: each guest waits on its scenarios'
# timers and packets more than it computes.
declare -A build_of kver_of result_of
booting=()
for fl in "${KERNEL_FLAVOURS[@]}"; do
	in_only=0
	[[ " ${only[*]} " == *" $fl "* ]] && in_only=1
	((in_only)) || build_of[$fl]="not run (--only)"
	((in_only || keep)) || continue
	if ! kver=$(flavour_kver "$fl"); then
		((in_only)) || continue
		echo "kernels: FAIL $fl: linux-headers-$fl is not installed (make deps)"
		failed=$((failed + 1))
		build_of[$fl]="not installed"
		continue
	fi
	kver_of[$fl]=$kver
	kept=
	((keep)) && kept=$out/$kver.$(keep_key "$fl" "$kver").kept
	if [[ -n $kept && -r $kept ]]; then
		# line 1: when; 2: the build's cell; 3: the boot's; 4: its counts
		when=$(sed -n 1p "$kept")
		build_of[$fl]="$(sed -n 2p "$kept") (kept: $when)"
		read -r p f k < <(sed -n 4p "$kept")
		passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + k))
		booted "$fl" && result_of[$fl]="$(sed -n 3p "$kept") (kept: $when)"
		echo "kernels: KEPT $kver: passed at $when with these sources"
		continue
	fi
	((in_only)) || continue
	kdir=/usr/src/linux-headers-$kver
	src=$out/$kver
	log=$out/$kver.build.log
	# A fresh copy of what Kbuild reads, so every kernel builds from clean.
	rm -rf "$src"
	mkdir -p "$src/tests"
	cp -r "$top"/{Kbuild,VERSION,fullnat,toa,include} "$src/"
	cp -r "$top/tests/kmod" "$src/tests/"
	find "$src" \( -name '*.o' -o -name '*.ko' -o -name '*.cmd' -o -name '*.mod*' \
		-o -name modules.order -o -name Module.symvers \) -delete
	start=$SECONDS
	if make -j"$(nproc)" -C "$kdir" M="$src" modules > "$log" 2>&1 &&
		make -C "$src/tests/kmod" KDIR="$kdir" >> "$log" 2>&1; then
		secs=$((SECONDS - start))
		build_of[$fl]="ok (${secs} s)"
		echo "kernels: PASS build for $kver (${secs} s, log: $log)"
		passed=$((passed + 1))
		if booted "$fl"; then
			booting+=("$fl")
		elif ((keep)); then
			keep_write "$fl" "$kver" "–" "1 0 0"
		fi
	else
		build_of[$fl]="**fails**"
		echo "kernels: FAIL build for $kver; the first errors ($log):"
		grep -E 'error|Error' "$log" | head -5 | sed 's/^/    /'
		failed=$((failed + 1))
	fi
done

declare -A pid_of
for fl in "${booting[@]}"; do
	kver=${kver_of[$fl]}
	vlog=$out/$kver.vm.log
	# Debian's default kernel is installed; the others are unpacked
	# in the cache (scripts/fetch-kernel.sh, run by make deps).
	kenv=()
	if [[ -r $KERNEL_CACHE/$kver/boot/vmlinuz-$kver ]]; then
		kenv=(FNAT_KERNEL="$KERNEL_CACHE/$kver/boot/vmlinuz-$kver"
		      FNAT_KMODDIR="$KERNEL_CACHE/$kver/lib/modules/$kver")
	elif [[ ! -r /boot/vmlinuz-$kver ]]; then
		echo "kernels: FAIL $kver: no image in /boot or $KERNEL_CACHE (make deps)"
		failed=$((failed + 1))
		result_of[$fl]="**no image** (make deps)"
		continue
	fi
	echo "kernels: booting $kver for ${#scenarios[@]} scenario(s)${scenarios[*]:+ (${scenarios[*]})}"
	env "${kenv[@]}" FNAT_BUILD="$out/$kver" FNAT_VM_OUT="$out/$kver.vm" \
		"$top/tests/vm/run.sh" --kver "$kver" "${scenarios[@]}" > "$vlog" 2>&1 &
	pid_of[$fl]=$!
done
for fl in "${booting[@]}"; do
	[[ -n ${pid_of[$fl]:-} ]] || continue
	kver=${kver_of[$fl]}
	vlog=$out/$kver.vm.log
	wait "${pid_of[$fl]}"
	vm_rc=$?
	echo "kernels: $kver booted (log: $vlog)"
	grep -E '^(vm: |  (PASS|FAIL|SKIP) )' "$vlog" | sed 's/^/    /'
	line=$(grep -E '^vm: [0-9]+ passed, [0-9]+ failed' "$vlog" | tail -1)
	if ((vm_rc != 0)) && [[ $line =~ \ 0\ failed ]]; then
		# the runner failed beyond its scenarios (the guest's time
		# limit, a kernel warning after the last one)
		failed=$((failed + 1))
		result_of[$fl]="**runner failed (exit $vm_rc)** (log: $vlog)"
	elif [[ $line =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)? ]]; then
		passed=$((passed + BASH_REMATCH[1]))
		failed=$((failed + BASH_REMATCH[2]))
		skipped=$((skipped + ${BASH_REMATCH[4]:-0}))
		r="${BASH_REMATCH[1]} passed, ${BASH_REMATCH[2]} failed, ${BASH_REMATCH[4]:-0} skipped"
		((BASH_REMATCH[2] > 0)) && r="**$r**"
		result_of[$fl]=$r
		if ((keep && vm_rc == 0 && BASH_REMATCH[2] == 0)); then
			keep_write "$fl" "$kver" "$r" \
				"$((BASH_REMATCH[1] + 1)) 0 ${BASH_REMATCH[4]:-0}"
		fi
	else
		failed=$((failed + 1))
		result_of[$fl]="**no result** (log: $vlog)"
	fi
done

rows=()
for fl in "${KERNEL_FLAVOURS[@]}"; do
	rows+=("| $fl | ${kver_of[$fl]:-–} | ${build_of[$fl]:-–} | ${result_of[$fl]:-–} |")
done

echo
echo "| flavour | kernel | build | VM scenarios |"
echo "|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "kernels: $passed passed, $failed failed, $skipped skipped"
((failed == 0))
