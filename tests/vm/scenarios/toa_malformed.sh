#!/bin/bash
# Malformed TOA options from a trusted director: a wrong length, a length
# below 2, an option running past the TCP header, a header full of other
# options, two TOA options. None may crash or mislead: the connection keeps
# its real source and the bad option is counted. For a duplicate there is
# no safe winner, so both are ignored. A TOA that exactly fills the end of
# a 40-byte option area is fine.
#
#  lb   LIP 198.18.11.1, 2001:db8:11::1      toa_client with broken options
#        | veth
#  rs   198.19.0.11, 2001:db8:19::11         toa.ko trusted_sources=LIP nets
#       peer_server :8080 (0.0.0.0) :8081 ([::] dual stack)
#
# @timeout: 240
. /fnat/lib.sh
. /fnat/lib-toa.sh

lip="$TOA_LIP:SPORT"
lip6="[$TOA_LIP6]:SPORT"

# malformed 4|6 WHAT ARGS...: toa_client ARGS on the IPv4 or the IPv6 path;
# the LIP is seen and one more malformed option is counted
malformed() {
	local path=$1 what=$2 peer=$lip before count=${COUNT:-1}
	shift 2
	[[ $path == 6 ]] && peer=$lip6
	before=$(toa_stat rs ignored_malformed)
	"toa_expect$path" "$what" "$peer" "$@"
	toa_count_delta rs ignored_malformed "$before" "$count" "$what: counted"
}

# tcp_drops_broken AREA: 1 if this kernel's TCP drops, before any socket
# sees it, a segment whose AREA-byte option list has a length below 2; else
# 0. Since 6.7 tcp_inbound_hash() walks every segment's options for an MD5
# or AO signature when the list is at least 18 bytes long (TCPOLEN_MD5SIG;
# 5 with CONFIG_TCP_AO) and drops the segment on such a length.
tcp_drops_broken() {
	local min=18
	grep -qwE 'tcp_inbound_hash|tcp_do_parse_auth_options' /proc/kallsyms || { echo 0; return; }
	grep -qw tcp_inbound_ao_hash /proc/kallsyms && min=5
	(($1 >= min)) && echo 1 || echo 0
}

topo_toa
toa_servers
toa_load trusted_sources="$TOA_TRUSTED"

log "wrong lengths for the kind"
malformed 4 "254 with length 10" -t "254:10:$TOA_CIP:$TOA_CPORT"
malformed 4 "254 with length 6" -t "254:6:$TOA_CIP:$TOA_CPORT"
malformed 4 "253 with length 8" -t "253:8:$TOA_CIP:$TOA_CPORT"
malformed 6 "254 with length 24" -t "254:24:$TOA_CIP6:$TOA_CPORT6"
malformed 6 "253 with length 18" -t "253:18:$TOA_CIP6:$TOA_CPORT6"
log "lengths below 2 end the walk"
# below2 4|6 AREA WHAT ARGS...: malformed, for an option list of AREA bytes
# with a length below 2. Where this kernel's TCP drops such a segment
# (tcp_drops_broken), toa.ko never sees it: the option goes in the third
# ACK alone (-o) and the request, without it, completes the handshake, so
# nothing is counted and the LIP is seen (with the option in the request
# too, the connection would never complete: 6.12). Elsewhere the request
# carries it as well, so that whichever completes the handshake has it.
below2() {
	local path=$1 area=$2 what=$3
	shift 3
	if (($(tcp_drops_broken "$area"))); then
		log "$what: this kernel's TCP drops it before toa.ko would see it"
		COUNT=0 malformed "$path" "$what" "$@" -o
	else
		malformed "$path" "$what" "$@"
	fi
}
below2 4 8 "254 with length 0" -t "254:0:$TOA_CIP:$TOA_CPORT"
below2 6 20 "253 with length 1" -t "253:1:$TOA_CIP6:$TOA_CPORT6"
log "an option running past the TCP header"
malformed 4 "IPv4 TOA cut by doff" -t "$TOA_V4" -m trunc
malformed 6 "IPv6 TOA cut by doff" -t "$TOA_V6" -m trunc
log "duplicated: neither is used"
malformed 4 "two IPv4 TOAs" -t "$TOA_V4" -m dup
malformed 6 "two IPv6 TOAs" -t "$TOA_V6" -m dup

log "40 bytes of other options (no room for TOA): nothing to see, nothing counted"
before=$(toa_stat rs ignored_malformed)
conns=$(toa_stat rs conns_with_toa)
toa_expect4 "full option area" "$lip" -m full
toa_expect6 "full option area, IPv6" "$lip6" -m full
toa_count_delta rs ignored_malformed "$before" 0 "full option area: not malformed"
toa_count_delta rs conns_with_toa "$conns" 0 "full option area: no TOA"

log "a TOA filling the end of a full option area is well-formed"
toa_expect4 "TOA in the last 8 bytes" "$TOA_CIP:$TOA_CPORT" -t "$TOA_V4" -m edge
toa_expect6 "TOA in the last 20 bytes" "[$TOA_CIP6]:$TOA_CPORT6" -t "$TOA_V6" -m edge

log "a malformed TOA in the ACK is not rescued by a good one in the data"
malformed 4 "bad ACK, good data" -t "$TOA_V4" -m dup

log "the module still works after all that"
toa_expect64 "well-formed after malformed" "[::ffff:$TOA_CIP]:$TOA_CPORT" -t "$TOA_V4"
assert_eq "$(toa_stat rs ignored_untrusted)" 0 "nothing counted as untrusted"
on_quiet rs cat /proc/net/toa_stats
