#!/bin/bash
# toa.ko's trusted sources are per network namespace: the module
# parameter trusted_sources is the initial namespace's list, every other
# namespace has its own sysctl net.toa.trusted_sources, empty when created.
# A TOA trusted in one namespace is ignored in the other (peer_server's
# view). An operator who forgot the list is told: at load, that it is
# empty; at the first ignored TOA of each namespace, once, its source and
# what to set. The hash is sized from max_entries. The root of an
# unprivileged user namespace cannot write its own namespace's list (the
# table that a list fills is all namespaces'); the host sets it from
# outside, as for a container.
#
#  lb   LIP 198.18.11.1                  toa_client (TOA 203.0.113.7:4321)
#        | eth0            | eth1
#  rs   198.19.0.11        rs2 198.19.1.11
#       peer_server :8080  peer_server :8080
#
# @timeout: 300
. /fnat/lib.sh
. /fnat/lib-toa.sh

RS2=198.19.1.11

topo_toa
ns_add rs2
link lb eth1 - rs2 eth0 "$RS2/24"
on lb "$IP" route add "${RS2%.*}.0/24" dev eth1
on rs2 "$IP" route add "${TOA_LIP%.*}.0/24" dev eth0
toa_peer_server peer4 -4 8080
bg rs2 peer4b peer_server -4 8080
wait_for 10 "peer_server on rs2" listening rs2 8080

# expect NS WHAT PEER: a TOA connection from the LIP to NS's peer_server
expect() {
	local addr=$TOA_RS
	[[ $1 == rs2 ]] && addr=$RS2
	toa_expect "$2" "$3" "$addr:8080" -t "$TOA_V4" "$TOA_LIP" "$addr" 8080
}

# log_lines NS: kernel log lines about an ignored TOA in namespace NS
log_lines() {
	local inum
	inum=$(on_quiet "$1" readlink /proc/self/ns/net | tr -dc 0-9)
	dmesg | grep -c "toa: netns $inum: ignored the TOA option of a connection from $TOA_LIP," || true
}

log "the hash is sized from max_entries, at load"
run modprobe toa max_entries=5000
dmesg | grep "toa: up to" | tail -1
assert_match "$(dmesg | grep 'toa: up to' | tail -1)" \
	"up to 5000 connections remembered, 4096 hash buckets" "hash for 5000 entries"
assert_eq "$(stat -c %a /sys/module/toa/parameters/max_entries)" 444 "max_entries read-only"
run rmmod toa

log "loaded without trusted_sources: the log says the list is empty"
notices=$(dmesg | grep -c "toa: trusted_sources is empty" || true)
toa_load
dmesg | grep "toa: up to" | tail -1
assert_match "$(dmesg | grep 'toa: up to' | tail -1)" \
	"up to 1048576 connections remembered, 524288 hash buckets" "hash for the default"
assert_eq "$(($(dmesg | grep -c "toa: trusted_sources is empty") - notices))" 1 \
	"load-time notice of an empty list"
assert_eq "$(toa_trusted rs)" "" "rs starts empty"
assert_eq "$(toa_trusted rs2)" "" "rs2 starts empty"

log "the parameter is the initial namespace's list only"
echo "$TOA_TRUSTED" > /sys/module/toa/parameters/trusted_sources
assert_eq "$(cat /proc/sys/net/toa/trusted_sources)" "$TOA_TRUSTED" \
	"initial namespace's sysctl = the parameter"
expect rs "rs, nothing trusted there" "$TOA_LIP:SPORT"
assert_eq "$(toa_trusted rs)" "" "rs unchanged by the parameter"
assert_eq "$(log_lines rs)" 1 "log lines for rs: its first ignored TOA"
echo 192.0.2.0/24 > /proc/sys/net/toa/trusted_sources
assert_eq "$(cat /sys/module/toa/parameters/trusted_sources)" 192.0.2.0/24 \
	"the parameter = initial namespace's sysctl"

log "rs trusts the LIP network, rs2 another one"
toa_trust rs "$TOA_TRUSTED"
toa_trust rs2 192.0.2.0/24,2001:db8:11::/64
expect rs "rs, LIP trusted" "$TOA_CIP:$TOA_CPORT"
expect rs2 "rs2, LIP not trusted" "$TOA_LIP:SPORT"
assert_eq "$(toa_stat rs conns_with_toa)" 1 "rs: conns_with_toa"
assert_eq "$(toa_stat rs2 conns_with_toa)" 0 "rs2: conns_with_toa"
assert_eq "$(toa_stat rs2 ignored_untrusted)" 1 "rs2: ignored_untrusted"

log "many ignored TOAs in rs2: one log line, with the source"
on_quiet lb toa_client -q -n 20 -s 31000 -t "$TOA_V4" "$TOA_LIP" "$RS2" 8080
assert_eq "$(toa_stat rs2 ignored_untrusted)" 21 "rs2: ignored_untrusted"
dmesg | grep "ignored the TOA option" || true
assert_eq "$(log_lines rs2)" 1 "log lines for rs2"
assert_eq "$(log_lines rs)" 1 "log lines for rs, still one"

log "swapped: rs2 trusts the LIP, rs nobody"
toa_trust rs2 "$TOA_TRUSTED"
toa_trust rs ""
expect rs2 "rs2, LIP trusted" "$TOA_CIP:$TOA_CPORT"
expect rs "rs, nothing trusted" "$TOA_LIP:SPORT"
on_quiet lb toa_client -q -n 10 -s 32000 -t "$TOA_V4" "$TOA_LIP" "$TOA_RS" 8080
assert_eq "$(toa_stat rs ignored_untrusted)" 12 "rs: ignored_untrusted"
assert_eq "$(log_lines rs)" 1 "log lines for rs, after 12 ignored"
assert_eq "$(log_lines rs2)" 1 "log lines for rs2, after 21 ignored"
on_quiet rs cat /proc/net/toa_stats

log "the root of a user namespace cannot set its own namespace's list"
# unshare -Urn, as any user may: a user namespace and a network namespace
# it owns, whose sysctl files its root may open for writing
out=$(unshare -Urn bash -c 'echo 0.0.0.0/0 > /proc/sys/net/toa/trusted_sources; echo "rc=$?";
	echo "list=[$(cat /proc/sys/net/toa/trusted_sources)]"' 2>&1)
echo "$out"
grep -q '^rc=0$' <<<"$out" && fail "the root of a user namespace wrote net.toa.trusted_sources"
grep -q '^list=\[\]$' <<<"$out" || fail "the user namespace's list is not empty"
grep -q 'Operation not permitted' <<<"$out" || fail "the write was not refused with EPERM"
# the host sets it from outside
unshare -Urn sleep 600 &
upid=$!
other_net() { [[ $(readlink "/proc/$upid/ns/net") != "$(readlink /proc/self/ns/net)" ]]; }
wait_for 10 "the user namespace" other_net
nsenter -t "$upid" -n sh -c 'echo 198.18.11.0/24 > /proc/sys/net/toa/trusted_sources'
assert_eq "$(nsenter -t "$upid" -n cat /proc/sys/net/toa/trusted_sources)" 198.18.11.0/24 \
	"the list the host set in the user namespace's network namespace"
kill "$upid"
