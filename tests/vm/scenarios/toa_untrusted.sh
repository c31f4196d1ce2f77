#!/bin/bash
# TOA is believed only from trusted_sources (the directors' LIPs): by
# default nobody; from any other source it is ignored (the real source is
# seen) and counted. The list (here rs's sysctl net.toa.trusted_sources)
# changes at run time; a bad value is refused and leaves the list as it was.
#
#  lb   LIP 198.18.11.1, 2001:db8:11::1        in trusted_sources
#       other 198.51.100.2, 2001:db8:100::2    a client reaching rs directly
#        | veth                                with a forged TOA
#  rs   198.19.0.11, 2001:db8:19::11           toa.ko, peer_server :8080 :8081
#
# @timeout: 240
# A bad trusted_sources is refused with a warning naming it (expected):
# @kmsg-allow: toa: trusted_sources: 
. /fnat/lib.sh
. /fnat/lib-toa.sh

param=/proc/sys/net/toa/trusted_sources	# in rs
other="$TOA_OTHER:SPORT"

# expect_from_other WHAT PEER4 PEER6: forged TOA from the untrusted source
expect_from_other() {
	toa_expect "$1 (IPv4)" "$2" "$TOA_RS:8080" -t "$TOA_V4" "$TOA_OTHER" "$TOA_RS" 8080
	toa_expect "$1 (IPv6)" "$3" "[$TOA_RS6]:8081" -6 -t "$TOA_V6" "$TOA_OTHER6" "$TOA_RS6" 8081
}

# set_trusted VALUE: write VALUE to rs's list, which must accept it
set_trusted() {
	toa_trust rs "$1" || fail "trusted_sources refused '$1'"
}

# refuse_trusted VALUE: rs's list must refuse VALUE and keep its value
refuse_trusted() {
	local before rc=0
	before=$(toa_trusted rs)
	toa_trust rs "$1" 2>/dev/null || rc=$?
	((rc != 0)) || fail "trusted_sources accepted '$1'"
	assert_eq "$(toa_trusted rs)" "$before" "trusted_sources unchanged after '$1'"
}

topo_toa
toa_servers

log "default: trust nobody, not even the director"
toa_load
assert_eq "$(toa_trusted rs)" "" "default trusted_sources"
toa_expect4 "LIP, nothing trusted" "$TOA_LIP:SPORT" -t "$TOA_V4"
toa_expect6 "LIP6, nothing trusted" "[$TOA_LIP6]:SPORT" -t "$TOA_V6"
assert_eq "$(toa_stat rs ignored_untrusted)" 2 "ignored_untrusted"
assert_eq "$(toa_stat rs conns_with_toa)" 0 "conns_with_toa"
run rmmod toa

log "trusted: the LIP networks; a forged TOA from elsewhere is ignored"
toa_load trusted_sources="$TOA_TRUSTED"
expect_from_other "forged TOA" "$other" "[$TOA_OTHER6]:SPORT"
assert_eq "$(toa_stat rs ignored_untrusted)" 2 "ignored_untrusted"
toa_expect4 "LIP, trusted" "$TOA_CIP:$TOA_CPORT" -t "$TOA_V4"
assert_eq "$(toa_stat rs conns_with_toa)" 1 "conns_with_toa"
log "a malformed TOA from an untrusted source counts as untrusted"
toa_expect "forged malformed TOA" "$other" "$TOA_RS:8080" -t "$TOA_V4" -m dup \
	"$TOA_OTHER" "$TOA_RS" 8080
assert_eq "$(toa_stat rs ignored_untrusted)" 3 "ignored_untrusted"
assert_eq "$(toa_stat rs ignored_malformed)" 0 "ignored_malformed"

log "changed at run time: trust the other source's hosts"
set_trusted "$TOA_LIP/32, ${TOA_OTHER}, ${TOA_OTHER6}/128"
assert_eq "$(toa_trusted rs)" "$TOA_LIP/32,$TOA_OTHER/32,$TOA_OTHER6/128" \
	"trusted_sources read back, canonical"
expect_from_other "now trusted" "$TOA_CIP:$TOA_CPORT" "[$TOA_CIP6]:$TOA_CPORT6"
log "the LIP6 network is no longer trusted"
toa_expect6 "LIP6 dropped from the list" "[$TOA_LIP6]:SPORT" -t "$TOA_V6"

log "bad values are refused whole and change nothing"
for bad in "198.51.100.0/33" "198.51.100.1/24" "2001:db8::/129" "2001:db8::1/64" \
	"198.51.100.0/24,nonsense" "198.51.100.0/24,,10.0.0.0/8" "1.2.3" "10.0.0.0/" \
	"::ffff:1.2.3.4.5" "$(printf '10.0.%d.0/24,' {0..64})10.1.0.0/16"; do
	refuse_trusted "$bad"
done
expect_from_other "still trusted after refused writes" "$TOA_CIP:$TOA_CPORT" "[$TOA_CIP6]:$TOA_CPORT6"

log "an empty value trusts nobody again"
set_trusted ""
assert_eq "$(toa_trusted rs)" "" "trusted_sources emptied"
untrusted=$(toa_stat rs ignored_untrusted)
expect_from_other "emptied list" "$other" "[$TOA_OTHER6]:SPORT"
toa_count_delta rs ignored_untrusted "$untrusted" 2 "ignored_untrusted after emptying"

log "only root may change it (the sysctl and the initial namespace's parameter)"
param_before=$(cat /sys/module/toa/parameters/trusted_sources)
for f in "rs $param" "- /sys/module/toa/parameters/trusted_sources"; do
	set -- $f
	set +e
	if [[ $1 == - ]]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
			sh -c "echo 0.0.0.0/0 > $2" 2>/dev/null
	else
		on_quiet "$1" setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
			sh -c "echo 0.0.0.0/0 > $2" 2>/dev/null
	fi
	rc=$?
	set -e
	((rc != 0)) || fail "an unprivileged user changed $2"
done
assert_eq "$(toa_trusted rs)" "" "trusted_sources after an unprivileged write"
assert_eq "$(cat /sys/module/toa/parameters/trusted_sources)" "$param_before" \
	"the parameter after an unprivileged write"
