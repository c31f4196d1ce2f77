#!/bin/bash
# Netlink fuzzer (tests/tools/nlfuzz.c): random and mutated requests for
# every command and attribute of the fullnat family (connections imported
# and deleted among them). As root in the
# director's namespace, a refused request must leave the director's state
# as it was (nlfuzz compares a digest before and after each one). From an
# unprivileged user namespace, inside the director's namespace and in a
# network namespace of its own, every request must be refused (EPERM) and
# the director unchanged. Afterwards the module unloads with nothing left.
# No kernel warning (the runner).
#
#  lb1  fullnat.ko: a service, a real server, a local address to start
#       with; nlfuzz as root; nlfuzz as nobody in a user namespace
#  (own) nlfuzz as nobody, root of its own user and network namespace
#
# FUZZ_NL (default 30000) requests as root (a sixth of that from each
# unprivileged place), FUZZ_SEED (default 1), FUZZ_NL_EVERY (default 1:
# the state digest around every refused request; make fuzz samples every
# 64th, the digest costs six requests); the long run: make fuzz (README).
#
# @timeout: 900
# The stock kernel warns (rate-limited) about malformed attributes from any
# sender; expected here:
# @kmsg-allow: netlink: ('[^']*': attribute type [0-9]+ has an invalid length|[0-9]+ bytes leftover after parsing attributes)
# @kmsg-allow: (__nla_validate_parse|validate_nla|nla_validate[a-z_]*): [0-9]+ callbacks suppressed
. /fnat/lib.sh

# On a slowed guest (the debug kernel) a tenth as many requests at
# FNAT_SCALE 10: there the root part of the full count had not ended after
# an hour and a half, where the stock kernel takes 82 s.
count=${FUZZ_NL:-$((30000 / FNAT_SCALE))}
seed=${FUZZ_SEED:-1}
every=${FUZZ_NL_EVERY:-1}	# nlfuzz -d: digest after every N-th refusal
for a in $(cat /proc/cmdline); do
	case $a in
	fnat.fuzz_nl=*) count=${a#*=} ;;
	fnat.fuzz_nl_every=*) every=${a#*=} ;;
	fnat.fuzz_seed=*) seed=${a#*=} ;;
	esac
done

ns_add lb1
module_load fullnat
lb lb1 laddr add 198.18.11.1
lb lb1 service add tcp 203.0.113.10:80 scheduler wrr
lb lb1 rs add tcp 203.0.113.10:80 198.19.0.11:8080 weight 2

state() {
	lbctl -n lb1 -j show | jq -S 'del(.services[].stats) |
		del(.services[].real_servers[].stats)'
	lbctl -n lb1 -j laddr | jq -S 'map(del(.conns, .conflicts, .exhausted))'
}

nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

log "unprivileged, in the director's namespace: everything refused"
before=$(state)
t0=$SECONDS
out=$(nsenter --net=/run/netns/lb1 setpriv --reuid=65534 --regid=65534 \
	--clear-groups unshare -Ur nlfuzz -q -e -s "$seed" -n $((count / 6)))
echo "$out ($((SECONDS - t0)) s)"
assert_match "$out" " accepted=0 " "nothing accepted"
assert_match "$out" " eperm=[1-9]" "refused for want of privilege"
assert_eq "$(state | sha256sum)" "$(sha256sum <<< "$before")" \
	"digest of the director's state after the unprivileged requests"

log "unprivileged, root of its own user and network namespace: everything refused"
out=$(nobody unshare -Urn nlfuzz -q -e -s $((seed + 1)) -n $((count / 6))) ||
	fail "unprivileged requests in an own namespace: $out"
echo "$out"
assert_match "$out" " accepted=0 " "nothing accepted"
assert_match "$out" " eperm=[1-9]" "refused for want of privilege"

log "root in the director's namespace: refused requests change nothing"
t0=$SECONDS
out=$(on_quiet lb1 nlfuzz -q -d "$every" -s $((seed + 2)) -n "$count") ||
	fail "nlfuzz: $out"
echo "$out ($((SECONDS - t0)) s)"
assert_match "$out" " changed=0 " "no refused request changed the state"
lb lb1 show
lb lb1 laddr

log "flush and unload: nothing left"
lbctl -n lb1 -j show | jq -r '.services[] | "\(.protocol) \(.vip):\(.port)"' |
while read -r proto vip; do
	lb lb1 service del "$proto" "$vip"
done
lbctl -n lb1 -j laddr | jq -r '.[].address' | while read -r a; do
	lb lb1 laddr del "$a"
done
# Connections the fuzzer imported (FULLNAT_CMD_NEW_CONN) outlive their
# real servers until their own timeouts (up to 900 s), as any connection
# does without expire_nodest: deleted here (FULLNAT_CMD_DEL_CONN).
out=$(lbctl -n lb1 conn flush)
assert_match "$out" "^[0-9]+ deleted$" "lbctl conn flush: $out"
wait_for 30 "an empty director" drained lb1
run rmmod fullnat
grep -q fnat_conn /proc/slabinfo && fail "the connection cache outlived the module"
echo "ok: module unloaded"
