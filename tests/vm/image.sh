#!/bin/bash
# Builds the VM's initramfs in two layers, concatenated at boot (the kernel
# unpacks every cpio archive it is given, later entries win):
#
#   base.cpio     Debian programs with their libraries (tests/vm/packages)
#                 and the stock kernel's modules (tests/vm/kmods, closed
#                 over modules.dep). Slow to build; cached under a key made
#                 of its inputs (package versions, lists, this script).
#   overlay.cpio  our fullnat.ko, toa.ko, lbctl, the test-only modules
#                 (tests/kmod), the guest init and the scenarios. Small;
#                 rebuilt on every run.
#
# usage: image.sh KVER CACHE_DIR OUT_INITRD
#   FNAT_KMODDIR  the kernel's module tree (default /lib/modules/KVER; a
#                 kernel built outside Debian's packages, e.g. the debug one)
#   FNAT_BUILD    where our modules were built (default: the source tree;
#                 make check-kernels builds each kernel's in its own copy)
set -euo pipefail

kver=$1
cache=$2
out=$3
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
moddir=${FNAT_KMODDIR:-/lib/modules/$kver}
built=${FNAT_BUILD:-$top}

[[ -d $moddir/kernel ]] || {
	echo "image: no modules for kernel $kver in $moddir" \
	     "(install linux-image-$kver: make deps)" >&2
	exit 1
}

read_list() {
	sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$1"
}

# Map a host path to its place in a usr-merged image root.
usr_path() {
	case $1 in
	/bin/* | /sbin/* | /lib/* | /lib64/*) echo "/usr$1" ;;
	*) echo "$1" ;;
	esac
}

# Copy one host path (following symlinks) into the image root.
put() {
	local src=$1 root=$2 dst
	dst=$root$(usr_path "$src")
	[[ -e $dst ]] && return 0
	mkdir -p "$(dirname "$dst")"
	cp -L --preserve=mode "$src" "$dst"
}

is_elf() {
	[[ -f $1 ]] && [[ $(head -c4 "$1" | od -An -c | tr -d ' ') == 177ELF ]]
}

build_base() {
	local root=$1 pkgs=() paths=() line f lib

	while read -r line; do
		if [[ $line == path:* ]]; then
			paths+=("${line#path:}")
		else
			pkgs+=("$line")
		fi
	done < <(read_list "$here/packages")

	mkdir -p "$root"/{usr/bin,usr/sbin,usr/lib,usr/lib64,etc,proc,sys,dev,run,tmp,var/log,var/lib,root}
	ln -s usr/bin "$root/bin"
	ln -s usr/sbin "$root/sbin"
	ln -s usr/lib "$root/lib"
	ln -s usr/lib64 "$root/lib64"
	chmod 1777 "$root/tmp"

	for p in "${pkgs[@]}"; do
		while read -r f; do
			case $f in
			/usr/share/doc/* | /usr/share/man/* | /usr/share/info/* | \
			/usr/share/locale/* | /usr/share/lintian/* | \
			/usr/share/bash-completion/* | /usr/share/zsh/* | \
			/usr/share/bug/* | /lib/systemd/* | /usr/lib/systemd/* | \
			/etc/init.d/* | /etc/logrotate.d/* | /etc/ufw/*) continue ;;
			esac
			[[ -f $f ]] || continue
			put "$f" "$root"
		done < <(dpkg -L "$p")
	done
	for f in "${paths[@]}"; do
		put "$f" "$root"
	done

	# Shared libraries of every ELF file in the image, found by the host's
	# loader: the image is a copy of this Debian system, so they match.
	while read -r f; do
		is_elf "$f" || continue
		while read -r lib; do
			put "$lib" "$root"
		done < <(ldd "$f" 2>/dev/null | grep -o '/[^ ]*' | sort -u)
	done < <(find "$root" -type f)
	put /lib64/ld-linux-x86-64.so.2 "$root"

	# Kernel modules: the listed ones and everything they depend on.
	local -A want=()
	local name path dep
	while read -r name; do
		path=$(grep -E "(^|/)${name}\.ko(\.[a-z]+)?:" "$moddir/modules.dep" \
		       | cut -d: -f1 || true)
		if [[ -z $path ]]; then
			grep -qE "/${name}\.ko$" "$moddir/modules.builtin" && continue
			echo "image: kernel module $name not found for $kver" >&2
			exit 1
		fi
		want[$path]=1
		for dep in $(grep -E "^${path}:" "$moddir/modules.dep" | cut -d: -f2-); do
			want[$dep]=1
		done
	done < <(read_list "$here/kmods")
	for path in "${!want[@]}"; do
		mkdir -p "$root/usr/lib/modules/$kver/$(dirname "$path")"
		cp "$moddir/$path" "$root/usr/lib/modules/$kver/$path"
	done
	cp "$moddir"/modules.{order,builtin,builtin.modinfo} "$root/usr/lib/modules/$kver/"

	# Minimal system files for the programs (nginx runs as www-data).
	cat > "$root/etc/passwd" <<-'EOT'
	root:x:0:0:root:/root:/bin/bash
	www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
	tcpdump:x:104:104::/nonexistent:/usr/sbin/nologin
	sshd:x:105:65534::/run/sshd:/usr/sbin/nologin
	nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
	EOT
	cat > "$root/etc/group" <<-'EOT'
	root:x:0:
	www-data:x:33:
	tcpdump:x:104:
	nogroup:x:65534:
	EOT
	echo "hosts: files" > "$root/etc/nsswitch.conf"
	printf '127.0.0.1 localhost\n::1 localhost\n' > "$root/etc/hosts"
	: > "$root/etc/fstab"
	ln -sf /proc/self/mounts "$root/etc/mtab"
	ln -sf /usr/share/zoneinfo/UTC "$root/etc/localtime"
	mkdir -p "$root/var/lib/nginx" "$root/var/log/nginx" "$root/var/www"

	# busybox fills in only for commands no Debian package here provides;
	# init puts this directory last in PATH.
	mkdir -p "$root/usr/libexec/busybox"
	local applet
	for applet in $(busybox --list); do
		[[ -e $root/usr/bin/$applet || -e $root/usr/sbin/$applet ]] && continue
		ln -s /usr/bin/busybox "$root/usr/libexec/busybox/$applet"
	done
}

pack() {
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0)
}

# --- base layer, cached -------------------------------------------------
key_inputs() {
	echo "kver $kver $moddir"
	sha256sum "$here/image.sh" "$here/packages" "$here/kmods" | cut -d' ' -f1
	local p
	for p in $(read_list "$here/packages" | grep -v '^path:'); do
		dpkg-query -W -f='${Package} ${Version}\n' "$p"
	done
	# by content: DKMS's depmod rewrites it unchanged when our packages
	# come and go (make check-deb)
	sha256sum "$moddir/modules.dep" | cut -d' ' -f1
}
key=$(key_inputs | sha256sum | cut -c1-16)
base=$cache/base-$kver-$key.cpio
mkdir -p "$cache"
if [[ ! -s $base ]]; then
	echo "image: building base layer $(basename "$base") (cached from now on)"
	tmp=$(mktemp -d "$cache/base.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	build_base "$tmp/root"
	pack "$tmp/root" > "$tmp/base.cpio"
	rm -f "$cache"/base-"$kver"-*.cpio
	mv "$tmp/base.cpio" "$base"
	rm -rf "$tmp"
	trap - EXIT
	echo "image: base layer $(du -h "$base" | cut -f1)"
fi

# --- overlay layer, always rebuilt --------------------------------------
ov=$(mktemp -d "$cache/overlay.XXXXXX")
trap 'rm -rf "$ov"' EXIT
mkdir -p "$ov/usr/lib/modules/$kver/extra" "$ov/usr/sbin" "$ov/fnat"
for m in fullnat/fullnat.ko toa/toa.ko; do
	[[ -f $built/$m ]] || { echo "image: $built/$m not built (run make)" >&2; exit 1; }
	[[ $(modinfo -F vermagic "$built/$m") == "$kver "* ]] || {
		echo "image: $built/$m was built for $(modinfo -F vermagic "$built/$m" | cut -d' ' -f1), not $kver" >&2
		exit 1
	}
	cp "$built/$m" "$ov/usr/lib/modules/$kver/extra/"
done
# The test-only modules (tests/kmod, built by make tools): fnat_delay.ko
# widens race windows, toa_blind.ko hides socket ends from toa.ko.
for m in fnat_delay toa_blind; do
	[[ -f $built/tests/kmod/$m.ko ]] &&
		cp "$built/tests/kmod/$m.ko" "$ov/usr/lib/modules/$kver/extra/"
done
[[ -x $top/lbctl/lbctl ]] || { echo "image: lbctl not built (run make)" >&2; exit 1; }
cp "$top/lbctl/lbctl" "$ov/usr/sbin/lbctl"
mkdir -p "$ov/usr/local/bin"
if [[ -d $top/tests/tools/bin ]]; then
	cp "$top"/tests/tools/bin/* "$ov/usr/local/bin/" 2>/dev/null || true
fi
cp "$here/init" "$ov/init"
cp "$here"/lib*.sh "$ov/fnat/"
cp -r "$here/scenarios" "$ov/fnat/scenarios"
for f in demo.sh bench.sh; do
	[[ -f $here/$f ]] && cp "$here/$f" "$ov/fnat/$f"
done
cp -r "$here/bench" "$ov/fnat/bench"	# bench.sh's parts
chmod 755 "$ov/init"
pack "$ov" > "$ov.cpio"
cat "$base" "$ov.cpio" > "$out.tmp"
rm -f "$ov.cpio"
mv "$out.tmp" "$out"
