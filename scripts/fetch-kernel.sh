#!/bin/bash
# Unpacks a Debian kernel image package into a cache for the VM tests,
# without installing it: installing the matrix's kernels on a developer's
# machine would make one of them (a 6.12, cloud or rt kernel) the next boot's
# default. The VM needs only the image and the module tree.
#
# usage: fetch-kernel.sh KVER    e.g. 6.12.118+deb12-rt-amd64
# Leaves KERNEL_CACHE/KVER/boot/vmlinuz-KVER and KERNEL_CACHE/KVER/lib/
# modules/KVER (with modules.dep); KERNEL_CACHE is set in tests/kernels.conf.
# Idempotent; needs Debian's package index (apt-get update) for a download.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../tests/kernels.conf
. "$here/tests/kernels.conf"

kver=${1:?usage: fetch-kernel.sh KVER}
dir=$KERNEL_CACHE/$kver
if [[ -r $dir/boot/vmlinuz-$kver && -s $dir/lib/modules/$kver/modules.dep ]]; then
	exit 0
fi

tmp=$(mktemp -d)
# apt-get download drops privileges to _apt, which must write here
chmod 755 "$tmp"; chown _apt "$tmp" 2>/dev/null || true
trap 'rm -rf "$tmp"' EXIT
echo "fetch-kernel: linux-image-$kver into $dir"
(cd "$tmp" && apt-get download -q "linux-image-$kver" > /dev/null) || {
	echo "fetch-kernel: cannot download linux-image-$kver (apt-get update?)" >&2
	exit 1
}
mkdir -p "$tmp/root"
dpkg-deb -x "$tmp"/linux-image-*.deb "$tmp/root"
# Debian 12's packages put modules in /lib; later ones may use /usr/lib.
mods=$tmp/root/lib/modules/$kver
[[ -d $mods ]] || mods=$tmp/root/usr/lib/modules/$kver
[[ -d $mods && -r $tmp/root/boot/vmlinuz-$kver ]] || {
	echo "fetch-kernel: linux-image-$kver has no vmlinuz-$kver or modules" >&2
	exit 1
}
rm -rf "$dir"
mkdir -p "$dir/boot" "$dir/lib/modules"
mv "$tmp/root/boot/vmlinuz-$kver" "$tmp/root/boot/System.map-$kver" "$dir/boot/"
mv "$mods" "$dir/lib/modules/"
# The package's postinst would have run depmod; the image script needs
# modules.dep.
depmod -b "$dir" -F "$dir/boot/System.map-$kver" "$kver"
echo "fetch-kernel: $(du -sh "$dir" | cut -f1) in $dir"
