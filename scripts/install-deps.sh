#!/bin/bash
# Installs every Debian package that building, testing and the demo need.
# Idempotent: when everything is present it only checks and returns.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)

# Build: modules and lbctl.
pkgs=(make gcc libnl-3-dev libnl-genl-3-dev
      libjansson-dev pkg-config kmod)
# VM: QEMU, and cpio to pack the image.
pkgs+=(qemu-system-x86 cpio)
# The kernel matrix (tests/kernels.conf): the headers of every flavour to
# build against; the image of Debian's default kernel (amd64) to boot. The
# other images are unpacked into a cache below, not installed.
. "$here/tests/kernels.conf"
pkgs+=(linux-image-amd64)
for fl in "${KERNEL_FLAVOURS[@]}"; do
	pkgs+=("linux-headers-$fl")
done
# make bench: perf goes into the image (tests/vm/packages names its path).
pkgs+=(linux-perf)
# make check-debug: the debug kernel is built from Debian's source
# (scripts/debug-kernel.sh) with the kernel's build tools.
pkgs+=(linux-source-6.1 xz-utils bc bison flex libelf-dev libssl-dev)
# Programs copied into the VM image (see tests/vm/packages).
while read -r line; do
	line=${line%%#*}
	line=${line//[[:space:]]/}
	[[ -z $line || $line == path:* ]] && continue
	pkgs+=("$line")
done < "$here/tests/vm/packages"
# make unit: promtool (Debian ships it in prometheus) parses the agent's
# metrics as Prometheus does. Tests only: the agent does not need it.
pkgs+=(prometheus)
# make deb and make check-deb: Debian packaging, DKMS, lintian.
pkgs+=(dpkg-dev debhelper dh-dkms dkms lintian)

missing=()
for p in "${pkgs[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[[ $status == installed ]] || missing+=("$p")
done

# The matrix's other kernel images, unpacked for the VM (idempotent).
fetch_kernels() {
	local fl kver
	for fl in "${KERNEL_FLAVOURS[@]}"; do
		[[ $fl == amd64 ]] && continue
		kver=$(flavour_kver "$fl") || { echo "deps: linux-headers-$fl is not installed" >&2; exit 1; }
		"$here/scripts/fetch-kernel.sh" "$kver" ||
			{ apt-get update -q && "$here/scripts/fetch-kernel.sh" "$kver"; }
	done
}

if ((${#missing[@]} == 0)); then
	echo "deps: all ${#pkgs[@]} packages present"
	fetch_kernels
	exit 0
fi

if ((EUID != 0)); then
	echo "deps: missing packages: ${missing[*]}" >&2
	echo "deps: run as root (or: sudo $0)" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# --no-install-recommends keeps the image inputs predictable; policy-rc.d
# stops Debian from starting nginx & co on the build host.
policy=/usr/sbin/policy-rc.d
created_policy=
if [[ ! -e $policy ]]; then
	printf '#!/bin/sh\nexit 101\n' > "$policy"
	chmod +x "$policy"
	created_policy=1
fi
trap '[[ -n $created_policy ]] && rm -f "$policy"' EXIT
apt-get install -y -q --no-install-recommends "${missing[@]}"
fetch_kernels
