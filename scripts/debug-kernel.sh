#!/bin/bash
# Builds the debug kernel that make check-debug boots: Debian's
# linux-source-6.1 with KASAN, UBSAN, lockdep (PROVE_LOCKING, PROVE_RCU),
# DEBUG_ATOMIC_SLEEP, kmemleak, DEBUG_LIST and DEBUG_OBJECTS.
#
# usage: debug-kernel.sh
#   Prints the kernel's directory as the last line on stdout (everything
#   else goes to stderr). It holds:
#     bzImage            the kernel image (FNAT_KERNEL)
#     lib/modules/KVER   its modules (FNAT_KMODDIR)
#     linux/             the build tree, cleaned with "make clean", which
#                        keeps what "make M=" needs for out-of-tree modules
#     vmlinux            for symbolizing reports
#     linux/include/config/kernel.release   the kernel's version (KVER)
#     build-time         seconds the build took (its last run: an
#                        interrupted one resumes, see build.log's runs)
#     build.log          the compiler's output
#
# The config: x86_64_defconfig + kvm_guest.config (a small kernel that
# boots under QEMU) + scripts/debug-kernel.config (the checks, what the VM
# scenarios need, as modules where Debian has modules, see tests/vm/kmods,
# and hardware and filesystems the diskless guest never sees turned off).
# Starting from Debian's own config instead would build thousands of
# drivers: hours on 2 cores with KASAN. Every line of the fragment is
# checked against the final .config, so an option that Kconfig drops (an
# unmet dependency) fails the build here rather than a scenario later.
#
# Its LOCALVERSION (-fnatdebug) keeps its modules and the VM image cache
# apart from Debian's kernels.
#
# Cached in ${XDG_CACHE_HOME:-~/.cache}/fullnat-debug-kernel/
# (FNAT_DEBUG_KERNEL_CACHE), one directory per source package version and
# fragment: rebuilt only when either changes. The build runs under nice
# with -j2 (DEBUG_KERNEL_JOBS): 48 min on this 2-core host, shared
# with other builds and a VM (6.1.192, 2026-12).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
frag=$here/debug-kernel.config
src_pkg=linux-source-6.1
tarball=/usr/src/$src_pkg.tar.xz
jobs=${DEBUG_KERNEL_JOBS:-2}

say() { echo "debug-kernel: $*" >&2; }
die() { say "$*"; exit 1; }

[[ -r $tarball ]] || die "no $tarball (install $src_pkg: make deps)"
srcver=$(dpkg-query -W -f='${Version}' "$src_pkg" 2>/dev/null) ||
	die "$src_pkg is not installed (make deps)"
key=$( { echo "$srcver"; cat "$frag"; } | sha256sum | cut -c1-12)
root=${FNAT_DEBUG_KERNEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fullnat-debug-kernel}
dir=$root/$srcver-$key

if [[ -f $dir/done ]]; then
	echo "$dir"
	exit 0
fi

configure() {
	# The fragment goes where "make NAME.config" finds it (kernel/configs/).
	cp "$frag" kernel/configs/fnatdebug.config
	make -s x86_64_defconfig kvm_guest.config fnatdebug.config >> "$dir/build.log" 2>&1 ||
		die "configuration failed (see $dir/build.log)"
	bad=0
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*) sym=${line%%=*} ;;
		"# CONFIG_"*" is not set") sym=${line#\# }; sym=${sym%% *} ;;
		*) continue ;;
		esac
		got=$(grep -E "^($sym=|# $sym is not set)" .config || true)
		[[ $got == "$line" ]] && continue
		# "not set" is also met by a symbol that is gone altogether
		[[ -z $got && $line == "# $sym is not set" ]] && continue
		say "config: wanted '$line', got '${got:-nothing}'"
		bad=1
	done < "$frag"
	((bad == 0)) || die "the fragment does not hold in the final .config (fix $frag)"
}

t0=$SECONDS
mkdir -p "$dir"
if [[ -f $dir/configured ]]; then
	# An interrupted build goes on where it stopped: Kbuild rebuilds an
	# object whose command file its compiler never wrote (killed midway).
	say "resuming the build in $dir (log: $dir/build.log)"
	cd "$dir/linux"
else
	say "building in $dir (log: $dir/build.log)"
	rm -rf "$dir"
	mkdir -p "$dir/linux"
	tar -xJf "$tarball" -C "$dir/linux" --strip-components=1
	cd "$dir/linux"
	configure
	touch "$dir/configured"
fi

say "configured; compiling with -j$jobs under nice"
echo "debug-kernel: a run began at $(date -u +%FT%TZ)" >> "$dir/build.log"
nice -n 19 make -j"$jobs" bzImage modules >> "$dir/build.log" 2>&1 ||
	die "build failed (tail of $dir/build.log):$(echo; tail -20 "$dir/build.log")"
nice -n 19 make -s INSTALL_MOD_PATH="$dir" modules_install >> "$dir/build.log" 2>&1 ||
	die "modules_install failed (see $dir/build.log)"
kver=$(cat include/config/kernel.release)
# Every module the VM image takes (tests/vm/kmods) is here, as a module or
# built in: a scenario's module missing from the fragment fails now, not
# at the image build after the hour this took.
missing=
while read -r name; do
	grep -qE "(^|/)$name\.ko(\.[a-z]+)?:" "$dir/lib/modules/$kver/modules.dep" && continue
	grep -qE "/$name\.ko$" "$dir/lib/modules/$kver/modules.builtin" && continue
	missing+=" $name"
done < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$here/../tests/vm/kmods")
[[ -z $missing ]] ||
	die "modules of tests/vm/kmods not built:$missing (add them to $frag)"
cp arch/x86/boot/bzImage "$dir/bzImage"
cp vmlinux "$dir/vmlinux"
# "make clean" keeps the config, headers, scripts and Module.symvers that
# out-of-tree builds use; the objects are gigabytes.
make -s clean >> "$dir/build.log" 2>&1
echo $((SECONDS - t0)) > "$dir/build-time"
touch "$dir/done"
say "built $kver in $(( (SECONDS - t0) / 60 )) min $(( (SECONDS - t0) % 60 )) s"

# Older builds (another source version or fragment) only take space.
for old in "$root"/*-*; do
	[[ $old == "$dir" || ! -d $old/linux || ! $old =~ -[0-9a-f]{12}$ ]] && continue
	say "removing the outdated build $old"
	rm -rf "$old"
done
echo "$dir"
