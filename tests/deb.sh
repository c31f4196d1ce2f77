#!/bin/bash
# make check-deb: the Debian packages as an operator uses them.
#
#   make deb -> lintian -> apt install fullnat-dkms toa-dkms lbctl
#            -> DKMS built fullnat.ko and toa.ko for every installed
#               kernel's headers (dkms status, the .ko files, vermagic)
#            -> lbctl, its man page and unit file are in place
#            -> the VM boots the default 6.1 kernel with the DKMS-built
#               modules for one scenario
#            -> apt purge: nothing of ours left
#
# Each check prints "PASS name" or "FAIL name: why"; the last line is
# "deb: N passed, N failed". Exits non-zero on any failure.
#
# Runs as root on the build host and changes it while it runs: the
# packages are installed, DKMS builds and installs the modules into
# /lib/modules/*/updates/dkms and runs depmod. The purge at the end (also
# after a failure) undoes that. The kernel matrix (6.1 and 6.12, each
# generic, cloud and rt) must have its headers installed: a missing one is
# a failure, not a skip.
#
#   KVER       the kernel the VM boots (default: the newest 6.1 generic
#              kernel with an image in /boot)
#   SCENARIO   the scenario it runs (default: toa_fullnat, both modules)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/deb
log=$top/build/deb-test.log
scenario=${SCENARIO:-toa_fullnat}
version=$(cat "$top/VERSION")
passed=0 failed=0
t0=$SECONDS

pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
finish() {
	echo "deb: total $((SECONDS - t0)) s"
	echo "deb: $passed passed, $failed failed"
	exit $((failed > 0))
}
# A failure that leaves nothing else to check.
fatal() { fail "$1" "$2"; finish; }

((EUID == 0)) || fatal root "installing packages needs root (sudo make check-deb)"
for cmd in dpkg-buildpackage lintian dkms apt-get modinfo systemd-analyze; do
	command -v "$cmd" >/dev/null ||
		fatal tools "$cmd not found: install the build dependencies (make deps)"
done
mkdir -p "$top/build"
: > "$log"

# --- the kernels: every installed linux-headers-KVER, covering the matrix
flavour() { # 6.1.0-57-cloud-amd64 -> cloud-amd64
	case $1 in
	*-cloud-amd64) echo cloud-amd64 ;;
	*-rt-amd64) echo rt-amd64 ;;
	*-amd64) echo amd64 ;;
	esac
}
kernels=()
while read -r pkg status; do
	[[ $status == installed ]] || continue
	[[ $pkg =~ ^linux-headers-([0-9]+\.[0-9]+.*-amd64)$ ]] || continue
	# not the meta packages (linux-headers-6.12-amd64), which hold none
	[[ -d /usr/src/$pkg ]] || continue
	kernels+=("${BASH_REMATCH[1]}")
done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' 'linux-headers-*' 2>/dev/null)
missing=()
for series in 6.1 6.12; do
	for flavour in amd64 cloud-amd64 rt-amd64; do
		found=
		for k in "${kernels[@]}"; do
			[[ $k == "$series".* && $(flavour "$k") == "$flavour" ]] && found=$k
		done
		[[ -n $found ]] || missing+=("$series $flavour")
	done
done
if ((${#missing[@]})); then
	fail kernels "no headers installed for: ${missing[*]} (install linux-headers-* of the matrix: make deps)"
else
	pass "kernels (${#kernels[@]}: ${kernels[*]})"
fi

vm_kver=${KVER:-}
if [[ -z $vm_kver ]]; then
	for k in $(printf '%s\n' "${kernels[@]}" | sort -V); do
		[[ $k == 6.1.* && $(flavour "$k") == amd64 && -r /boot/vmlinuz-$k ]] && vm_kver=$k
	done
fi

# --- nothing of ours may be installed already: the purge would remove it
# (dkms status: stderr has readelf's complaints about stripped modules)
ours() { dkms status 2>/dev/null | grep -E '^(fullnat|toa)[/,]' || true; }
# (dpkg-query fails when one of them is unknown: its output still counts;
# config-files counts too, a purge would take the operator's conffiles)
ours_pkgs() { # those of ours dpkg has in any state but not-installed
	{ dpkg-query -W -f='${Package} ${db:Status-Status}\n' \
		fullnat-dkms toa-dkms lbctl 2>/dev/null || true; } |
		awk '$2 != "not-installed" { print $1 }'
}
installed() { [[ -n $(ours) || -n $(ours_pkgs) ]]; }
# A run of this test that was killed (no EXIT trap) leaves its packages
# installed and this marker: what it installed is purged, not an
# operator's.
marker=/var/lib/fullnat-tests/deb-installed
if installed && [[ -f $marker ]]; then
	echo "# an earlier run of this test was killed before its purge ($(tr '\n' ' ' < "$marker")): purging what it installed"
	# (apt refuses the whole purge for a package it does not know)
	# shellcheck disable=SC2046
	nice -n 19 apt-get purge -y -q -o DPkg::Lock::Timeout=600 \
		$(ours_pkgs) >> "$log" 2>&1 || true
	grep -qx 'had_mok=0' "$marker" && rm -f /var/lib/dkms/mok.key /var/lib/dkms/mok.pub
fi
if installed; then
	fatal clean-host "fullnat-dkms, toa-dkms or lbctl is installed already: apt purge them first ($(ours_pkgs | tr '\n' ' ')$(ours | tr '\n' ' '))"
fi
rm -f "$marker"
# dkms makes a module signing key on its first build; a key this test made
# is removed with the packages.
had_mok=0
[[ -e /var/lib/dkms/mok.key ]] && had_mok=1

# --- build
t=$SECONDS
if "$top/scripts/build-deb.sh" >> "$log" 2>&1; then
	pass "make deb ($((SECONDS - t)) s)"
else
	tail -n 20 "$log"
	fatal "make deb" "the build failed (log: $log, $out/build.log)"
fi
debs=()
for p in fullnat-dkms toa-dkms lbctl; do
	f=$(ls "$out/${p}_${version}_"*.deb 2>/dev/null || true)
	[[ -f $f ]] || fatal "make deb" "no ${p}_${version} package in $out"
	debs+=("$f")
done

# Errors and warnings fail; the rest (info, pedantic) is shown.
if lintian --fail-on error,warning --pedantic -I "$out"/*.dsc "$out"/*.changes > "$out/lintian.log" 2>&1; then
	pass lintian
else
	fail lintian "see $out/lintian.log"
fi
grep -E '^[EWIPX]: ' "$out/lintian.log" | sed 's/^/  /' || true

# --- install; from here on the packages are purged on any exit
purge() {
	trap - EXIT
	echo "== purge"
	local t=$SECONDS
	if nice -n 19 apt-get purge -y -q -o DPkg::Lock::Timeout=600 \
		fullnat-dkms toa-dkms lbctl >> "$log" 2>&1; then
		pass "apt purge ($((SECONDS - t)) s)"
	else
		fail "apt purge" "failed (log: $log)"
	fi
	if ((!had_mok)) && [[ -e /var/lib/dkms/mok.key ]]; then
		rm -f /var/lib/dkms/mok.key /var/lib/dkms/mok.pub
	fi
	local left=()
	[[ -z $(ours) ]] || left+=("dkms status: $(ours | tr '\n' ' ')")
	local f
	for f in /usr/src/fullnat-* /usr/src/toa-* /var/lib/dkms/fullnat /var/lib/dkms/toa \
		/lib/modules/*/updates/dkms/{fullnat,toa}.ko* \
		/etc/modules-load.d/{fullnat,toa}.conf /etc/modprobe.d/toa.conf \
		/lib/systemd/system/lbctl-apply.service /usr/sbin/lbctl; do
		[[ -e $f ]] && left+=("$f")
	done
	if ((${#left[@]})); then
		fail "host as before" "left behind: ${left[*]}"
	else
		rm -f "$marker"
		rmdir "${marker%/*}" 2>/dev/null || true
		pass "host as before (no dkms module, file or conffile of ours)"
	fi
	finish
}
mkdir -p "${marker%/*}"
printf 'version=%s\nstarted=%s\nhad_mok=%s\n' "$version" "$(date -u +%FT%TZ)" "$had_mok" > "$marker"
trap purge EXIT
trap 'exit 1' INT TERM

echo "== apt install (DKMS builds for ${#kernels[@]} kernels; log: $log)"
t=$SECONDS
# Under nice: the DKMS builds run in the packages' postinst.
if nice -n 19 env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	--no-install-recommends -o DPkg::Lock::Timeout=600 "${debs[@]}" >> "$log" 2>&1; then
	pass "apt install, DKMS builds included ($((SECONDS - t)) s)"
else
	tail -n 30 "$log"
	fail "apt install" "failed (log: $log)"
fi

# The postinst builds for every kernel when the running one has no
# modules here (as on this build host); on a machine that runs one of
# them it builds for that one and the newest only, and the others get
# theirs when their headers are installed: that hook is run here for them.
for k in "${kernels[@]}"; do
	[[ $(dkms status -m fullnat -v "$version" -k "$k" 2>/dev/null) == *installed* &&
	   $(dkms status -m toa -v "$version" -k "$k" 2>/dev/null) == *installed* ]] && continue
	echo "# $k: not built by the postinst; running /etc/kernel/header_postinst.d/dkms $k"
	nice -n 19 /etc/kernel/header_postinst.d/dkms "$k" >> "$log" 2>&1 || true
done

# dkms reports a failed step (its default "make clean" among them) as "bad
# exit status" and goes on: an operator would see it at every kernel
# upgrade.
if grep -q 'bad exit status' "$log"; then
	fail "dkms steps" "$(grep -m1 -B1 'bad exit status' "$log" | tr '\n' ' ')"
else
	pass "dkms steps (no \"bad exit status\")"
fi

# --- DKMS's work, kernel by kernel. The DKMS build must not use -Werror
# (a user's newer compiler must not break a kernel upgrade): make.log has
# the command lines (V=1 in dkms.conf); Debian's kernels add none
# (CONFIG_WERROR is off), ours would.
for k in "${kernels[@]}"; do
	for m in fullnat toa; do
		st=$(dkms status -m "$m" -v "$version" -k "$k" 2>/dev/null)
		if [[ $st != *": installed"* ]]; then
			fail "dkms $m $k" "dkms status says '${st:-nothing}'"
			continue
		fi
		ko=$(ls /lib/modules/"$k"/updates/dkms/"$m".ko* 2>/dev/null | head -1 || true)
		if [[ -z $ko ]]; then
			fail "dkms $m $k" "no /lib/modules/$k/updates/dkms/$m.ko*"
			continue
		fi
		vm=$(modinfo -F vermagic "$ko" | cut -d' ' -f1)
		mv=$(modinfo -F version "$ko")
		mlog=$(ls /var/lib/dkms/"$m/$version/$k"/*/log/make.log 2>/dev/null | head -1 || true)
		cc=
		[[ -n $mlog ]] && cc=$(grep -E -- "-c -o [^ ]*/main\.o( |$)" "$mlog" || true)
		if [[ $vm != "$k" ]]; then
			fail "dkms $m $k" "$ko has vermagic $vm"
		elif [[ $mv != "$version" ]]; then
			fail "dkms $m $k" "$ko has version $mv, not $version"
		elif [[ -z $cc ]]; then
			fail "dkms $m $k" "no command line for main.o in ${mlog:-make.log}"
		elif grep -qE -- ' -Werror( |$)' <<< "$cc"; then
			fail "dkms $m $k" "built with -Werror ($mlog)"
		else
			pass "dkms $m $k"
		fi
	done
done

# --- lbctl and what comes with it
if out_v=$(/usr/sbin/lbctl --version 2>&1) && [[ ${out_v%%$'\n'*} == "lbctl $version" ]]; then
	pass "lbctl --version ($version)"
else
	fail "lbctl --version" "printed '${out_v%%$'\n'*}'"
fi
if man -w lbctl 2>/dev/null | grep -q '^/usr/share/man/man8/lbctl\.8'; then
	pass "man lbctl"
else
	fail "man lbctl" "man -w lbctl finds no lbctl(8)"
fi
comp=/usr/share/bash-completion/completions/lbctl
if [[ -f $comp ]] && [[ $(bash -c '. "$1"; COMP_WORDS=(lbctl ser); COMP_CWORD=1
	_lbctl; echo "${COMPREPLY[*]}"' _ "$comp") == service ]]; then
	pass "bash completion"
else
	fail "bash completion" "$comp missing or does not complete \"lbctl ser\""
fi
# No systemd runs here: systemd-analyze checks the unit offline (its
# programs and its man: link exist), systemctl --root reads its state.
for u in lbctl-apply.service lbctl-agent.service; do
	unit=/lib/systemd/system/$u
	if [[ ! -f $unit ]]; then
		fail "$u" "not installed"
	elif ! v=$(systemd-analyze verify "$unit" 2>&1); then
		fail "$u" "systemd-analyze verify: $v"
	elif st=$(systemctl --root=/ is-enabled "$u" 2>&1 || true)
	     [[ $st != disabled ]]; then
		fail "$u" "is $st, should be installed disabled"
	else
		pass "$u (verified, disabled)"
	fi
done
for f in /etc/modules-load.d/fullnat.conf /etc/modules-load.d/toa.conf /etc/modprobe.d/toa.conf; do
	if [[ -f $f ]] && dpkg-query -S "$f" >/dev/null 2>&1; then
		pass "conffile $f"
	else
		fail "conffile $f" "not installed by a package"
	fi
done

# --- the VM boots with the modules DKMS built (FNAT_BUILD: see image.sh)
if [[ -z $vm_kver ]]; then
	fail "vm" "no 6.1 generic kernel image in /boot (install linux-image-amd64: make deps)"
else
	vmdir=$out/vm-$vm_kver
	rm -rf "$vmdir"
	for m in fullnat toa; do
		mkdir -p "$vmdir/$m"
		ko=$(ls /lib/modules/"$vm_kver"/updates/dkms/"$m".ko* 2>/dev/null | head -1 || true)
		case $ko in
		*.ko) cp "$ko" "$vmdir/$m/$m.ko" ;;
		*.ko.xz) xz -dc "$ko" > "$vmdir/$m/$m.ko" ;;
		*.ko.zst) zstd -qdc "$ko" > "$vmdir/$m/$m.ko" ;;
		*.ko.gz) gzip -dc "$ko" > "$vmdir/$m/$m.ko" ;;
		esac
	done
	echo "== vm: $scenario on $vm_kver with the DKMS-built modules"
	t=$SECONDS
	if [[ ! -f $vmdir/fullnat/fullnat.ko || ! -f $vmdir/toa/toa.ko ]]; then
		fail "vm $scenario" "DKMS built no modules for $vm_kver"
	elif FNAT_BUILD=$vmdir "$top/tests/vm/run.sh" --kver "$vm_kver" "$scenario" \
		> "$out/vm.log" 2>&1 &&
	     grep -qx 'vm: 1 passed, 0 failed, 0 skipped' "$out/vm.log"; then
		pass "vm $scenario on $vm_kver ($((SECONDS - t)) s)"
	else
		tail -n 15 "$out/vm.log"
		fail "vm $scenario on $vm_kver" "see $out/vm.log"
	fi
fi

# the EXIT trap purges and prints the result
