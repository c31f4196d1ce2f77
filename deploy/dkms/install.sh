#!/bin/bash
# Installs fullnat.ko (on a director) or toa.ko (on a real server) with
# DKMS, so that it is rebuilt for every kernel the machine installs.
#
# usage: deploy/dkms/install.sh fullnat|toa        (as root, from a checkout)
#        deploy/dkms/install.sh --remove fullnat|toa
# KVER=... builds for that installed kernel instead of the running one.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
remove=
if [[ ${1:-} == --remove ]]; then
	remove=1
	shift
fi
name=${1:-}
case $name in
fullnat | toa) ;;
*) echo "usage: $0 [--remove] fullnat|toa" >&2; exit 2 ;;
esac
command -v dkms >/dev/null || {
	echo "dkms is not installed: apt-get install dkms linux-headers-amd64" >&2
	exit 1
}
version=$(cat "$top/VERSION")
src=/usr/src/$name-$version

if [[ -n $remove ]]; then
	dkms remove "$name/$version" --all || true
	rm -rf "$src"
	exit 0
fi

# The module's own directory, the shared headers, and a Kbuild that builds
# just this module.
rm -rf "$src"
mkdir -p "$src"
cp -r "$top/$name" "$top/include" "$top/VERSION" "$src/"
find "$src" \( -name '*.o' -o -name '*.ko' -o -name '*.mod*' -o -name '.*.cmd' \
	-o -name modules.order \) -delete
echo "obj-m += $name/" > "$src/Kbuild"
sed -e "s/@NAME@/$name/g" -e "s/@VERSION@/$version/g" \
	"$top/deploy/dkms/dkms.conf.in" > "$src/dkms.conf"

dkms remove "$name/$version" --all >/dev/null 2>&1 || true
dkms add "$name/$version"
dkms install "$name/$version" ${KVER:+-k "$KVER"}
echo "$name $version installed with DKMS; load it with: modprobe $name"
