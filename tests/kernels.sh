#!/bin/bash
# The kernel matrix (tests/kernels.conf): builds both modules and the
# test-only module for every flavour, each in its own copy of the tree
# (Kbuild does not rebuild when only the kernel changes), and boots the VM
# suite on some of them. Ends with a table (kernel x build x scenarios) and
# "kernels: N passed, N failed, N skipped": each build counts as one test, each
# scenario as one.
#
# usage: kernels.sh [--only FLAVOUR,...] [--boot all|check|FLAVOUR,...] [--core]
#                   [SCENARIO...]
#   --only    build (and boot) only these flavours; default all
#   --boot    which flavours boot the VM: all (make check-kernels), check
#             (CHECK_BOOT, what make check adds) or a list; default none
#   --core    the scenarios are CORE_SCENARIOS; default the whole suite
#
# A flavour whose headers or image are not installed fails (make deps
# installs the matrix); nothing is skipped.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=kernels.conf
. "$top/tests/kernels.conf"

boot_sel=
core=0
scenarios=()
while (($#)); do
	case $1 in
	--boot) boot_sel=$2; shift ;;
	--core) core=1 ;;
	--only) IFS=, read -ra KERNEL_FLAVOURS <<< "$2"; shift ;;
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
for b in "${boot[@]}"; do
	[[ " ${KERNEL_FLAVOURS[*]} " == *" $b "* ]] || {
		echo "kernels.sh: --boot $b is not a flavour built here (${KERNEL_FLAVOURS[*]})" >&2
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

# The builds first, one after another (each with make -j: nothing else
# runs); then the boots, side by side: each guest waits on its scenarios'
# timers and packets more than it computes.
declare -A build_of kver_of
booting=()
for fl in "${KERNEL_FLAVOURS[@]}"; do
	if ! kver=$(flavour_kver "$fl"); then
		echo "kernels: FAIL $fl: linux-headers-$fl is not installed (make deps)"
		failed=$((failed + 1))
		build_of[$fl]="not installed"
		continue
	fi
	kver_of[$fl]=$kver
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
		booted "$fl" && booting+=("$fl")
	else
		build_of[$fl]="**fails**"
		echo "kernels: FAIL build for $kver; the first errors ($log):"
		grep -E 'error|Error' "$log" | head -5 | sed 's/^/    /'
		failed=$((failed + 1))
	fi
done

declare -A result_of pid_of
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
	else
		failed=$((failed + 1))
		result_of[$fl]="**no result** (log: $vlog)"
	fi
done

rows=()
for fl in "${KERNEL_FLAVOURS[@]}"; do
	rows+=("| $fl | ${kver_of[$fl]:-–} | ${build_of[$fl]} | ${result_of[$fl]:-–} |")
done

echo
echo "| flavour | kernel | build | VM scenarios |"
echo "|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "kernels: $passed passed, $failed failed, $skipped skipped"
((failed == 0))
