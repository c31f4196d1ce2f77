#!/bin/bash
# fullnat.ko and toa.ko load, answer, and unload cleanly, also after use.
#
#   init netns        d1            d2
#   lbctl show    lbctl -n d1   lbctl -n d2     each namespace is its own
#        \            |            /            director: same family,
#         +------ fullnat.ko -----+             separate state
#
# @timeout: 240
. /fnat/lib.sh

kver=$(uname -r)
version=$(modinfo -F version fullnat)
assert_match "$version" '^[0-9]+\.[0-9]+\.[0-9]+$' "fullnat.ko version"
vermagic=$(modinfo -F vermagic fullnat)
# the release is compared as a string: 6.12's "+deb12" is not a regex
[[ ${vermagic%% *} == "$kver" ]] ||
	fail "fullnat.ko built for ${vermagic%% *}, the booted kernel is $kver"
log "fullnat.ko built for the booted kernel $kver"

log "without the module (and with autoloading off), lbctl says so and fails"
modprobe_path=$(cat /proc/sys/kernel/modprobe)
on_exit "echo $modprobe_path > /proc/sys/kernel/modprobe"
echo /bin/true > /proc/sys/kernel/modprobe
set +e
out=$(lbctl show 2>&1); rc=$?
set -e
echo "$out"
assert_eq "$rc" 1 "lbctl show exit status without fullnat.ko"
assert_match "$out" "not loaded" "lbctl explains the module is missing"
echo "$modprobe_path" > /proc/sys/kernel/modprobe

log "resolving the family loads the module, as for any genetlink family"
run lbctl show
grep -q '^fullnat ' /proc/modules || fail "fullnat not autoloaded by lbctl"
run rmmod fullnat

module_load fullnat
assert_eq "$(cat /sys/module/fullnat/refcnt)" 0 "fullnat refcount when idle"
grep -q '^fullnat ' /proc/modules || fail "fullnat not in /proc/modules"

run lbctl version
assert_match "$(lbctl version)" "fullnat.ko $version" "lbctl version reports the module"
out=$(run lbctl show)
echo "$out"
assert_match "$out" "0 services" "empty director state"
json=$(lbctl -j show)
echo "$json"
assert_match "$json" '"services": \[\]' "JSON state has an empty service list"

log "every namespace is its own director"
ns_add d1
ns_add d2
run lbctl -n d1 show
run lbctl -n d2 -j show

log "CAP_NET_ADMIN is required"
set +e
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	lbctl show 2>&1); rc=$?
set -e
echo "$out"
assert_eq "$rc" 1 "lbctl show exit status without CAP_NET_ADMIN"
assert_match "$out" "CAP_NET_ADMIN|ermission|not permitted" "permission error is explained"

log "unload after use; namespaces outlive the module and vice versa"
run rmmod fullnat
grep -q '^fullnat ' /proc/modules && fail "fullnat still loaded after rmmod"
set +e
lbctl -n d1 show >/dev/null 2>&1; rc=$?
set -e
assert_eq "$rc" 0 "lbctl after rmmod (autoloads the module again)"
run rmmod fullnat

log "load/unload cycles with namespaces coming and going"
for i in 1 2 3 4 5; do
	modprobe fullnat
	ns_add "cyc$i"
	lbctl -n "cyc$i" show >/dev/null
	lbctl -n d1 show >/dev/null
	"$IP" netns delete "cyc$i"
	rmmod fullnat
done
echo "ok: 5 load/use/unload cycles"

log "toa.ko"
module_load toa
assert_eq "$(cat /sys/module/toa/refcnt)" 0 "toa refcount when idle"
run rmmod toa
grep -q '^toa ' /proc/modules && fail "toa still loaded after rmmod"
for i in 1 2 3; do modprobe toa; rmmod toa; done
echo "ok: 3 toa load/unload cycles"
