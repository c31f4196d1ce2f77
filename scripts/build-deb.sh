#!/bin/bash
# make deb: the Debian packages fullnat-dkms, toa-dkms and lbctl, built by
# dpkg-buildpackage from debian/, into build/deb/; beside them the source
# package (fullnat_VERSION.dsc), which lintian needs to check debian/.
#
# dpkg-buildpackage writes its packages next to the tree and its work files
# into debian/ and lbctl/: it runs on a copy, so the tree stays as it was.
# The binary packages only (-b), unsigned (-us -uc).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/deb
stage=$out/stage

command -v dpkg-buildpackage >/dev/null || {
	echo "deb: dpkg-buildpackage not found (install the build dependencies: make deps)" >&2
	exit 1
}
rm -rf "$out"
mkdir -p "$stage/fullnat"
# The copy: in a git checkout, the files git has or would add (not what it
# ignores: build output); else everything but build/.
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git -C "$top" ls-files -z --cached --others --exclude-standard |
		(cd "$top" && while IFS= read -r -d '' f; do
			# a file deleted but not yet committed is listed too
			[[ -e $f || -L $f ]] && printf '%s\0' "$f"
		done) |
		tar -C "$top" --null -T - -cf - | tar -C "$stage/fullnat" -xf -
else
	tar -C "$top" --exclude-vcs --exclude=./build -cf - . | tar -C "$stage/fullnat" -xf -
fi

echo "deb: building in $stage (log: $out/build.log)"
if ! (cd "$stage" && dpkg-source -b fullnat &&
      cd fullnat && nice -n 19 dpkg-buildpackage -us -uc -b) > "$out/build.log" 2>&1; then
	tail -n 30 "$out/build.log" >&2
	echo "deb: dpkg-buildpackage failed (log: $out/build.log)" >&2
	exit 1
fi
rm -rf "$stage/fullnat"
mv "$stage"/* "$out/"
rmdir "$stage"
ls -1 "$out"/*.deb
