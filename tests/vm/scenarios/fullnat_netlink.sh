#!/bin/bash
# The netlink interface refuses bad requests with a sentence and changes
# nothing: values out of range, wrong lengths, unknown or reply-only
# attributes, modes not offered yet, duplicates, unknown objects. Requests
# are hand-built with genl_send (lbctl would refuse them before sending).
#
#  (one namespace, lb1, the director; no traffic)
#
# @timeout: 120
. /fnat/lib.sh

ns_add lb1
module_load fullnat
lb lb1 laddr add 198.18.11.1
lb lb1 service add tcp 203.0.113.10:80 scheduler wrr
lb lb1 rs add tcp 203.0.113.10:80 198.19.0.11:8080 weight 2
before=$(lbctl -n lb1 -j show | jq -S 'del(.config) | del(.services[].stats) |
	del(.services[].real_servers[].stats)')

# Attribute numbers from include/uapi/linux/fullnat.h
NEW_SERVICE=4 SET_SERVICE=5 GET_SERVICE=7 NEW_DEST=8 SET_DEST=9 DEL_DEST=10 NEW_LADDR=12 SET_CONFIG=3
GET_TEMPLATE=16
SVC="1.2=u8:6 1.3=hex:cb00710a 1.4=u16:80"	# tcp 203.0.113.10:80
RS="2.2=hex:c613000b 2.3=u16:8080"		# 198.19.0.11:8080

refuse() { # refuse WHAT EXTACK_RE [-d] CMD ATTRS... (-d: a dump request)
	local what=$1 re=$2 out dump=()
	shift 2
	[[ $1 == -d ]] && { dump=(-d); shift; }
	set +e
	out=$(on_quiet lb1 genl_send "${dump[@]}" fullnat "$@")
	local rc=$?
	set -e
	echo "$what: $out"
	((rc == 1)) || fail "$what: accepted"
	assert_match "$out" "$re" "$what: refused with a reason"
}

log "the configuration generation: each write adds one, a stale one is refused"
# A fresh namespace's generation is 0, and lb1 got 3 writes above.
# FULLNAT_A_GENERATION=7 (top level), u64: the generation a write expects.
refuse "stale generation" "configuration changed since this request's generation" $SET_DEST $SVC $RS 2.4=u32:2 7=u64:2
refuse "future generation" "configuration changed since this request's generation" $SET_DEST $SVC $RS 2.4=u32:2 7=u64:4
out=$(on_quiet lb1 genl_send fullnat $SET_DEST $SVC $RS 2.4=u32:2 7=u64:3)
assert_eq "$out" ok "a write at the current generation, 3"
refuse "the same generation again" "configuration changed since" $NEW_LADDR 3.2=hex:c612010b 7=u64:3
refuse "a refused write adds nothing" "changed since" $SET_DEST $SVC $RS 2.4=u32:2 7=u64:5
out=$(on_quiet lb1 genl_send fullnat $SET_DEST $SVC $RS 2.4=u32:2 7=u64:4)
assert_eq "$out" ok "the next write at 4"
# A read changes nothing: a generation it carries is not checked (as a
# dump's is not), whatever it is, and it adds nothing.
out=$(on_quiet lb1 genl_send fullnat $GET_SERVICE $SVC 7=u64:99)
assert_eq "$out" ok "a GET_SERVICE carrying a wrong generation is answered"
out=$(on_quiet lb1 genl_send fullnat $SET_DEST $SVC $RS 2.4=u32:2 7=u64:5)
assert_eq "$out" ok "and added nothing: the next write at 5"

refuse "weight 70000" "^error E(RANGE|INVAL)" $SET_DEST $SVC $RS 2.4=u32:70000
refuse "port 0" "^error E(RANGE|INVAL)" $NEW_SERVICE 1.2=u8:6 1.3=hex:cb00710b 1.4=u16:0 1.5=u8:0 1.6=str:rr
refuse "5-byte address" "4 \(IPv4\) or 16 \(IPv6\) bytes" $NEW_SERVICE 1.2=u8:6 1.3=hex:cb00710b01 1.4=u16:80 1.5=u8:0 1.6=str:rr
refuse "2-byte address" "^error E(RANGE|INVAL)" $NEW_LADDR 3.2=hex:c612
refuse "multicast VIP" "not a unicast address" $NEW_SERVICE 1.2=u8:6 1.3=hex:e0000001 1.4=u16:80 1.5=u8:0 1.6=str:rr
refuse "unknown top-level attribute" "^error E(INVAL|OPNOTSUPP)" $NEW_SERVICE $SVC 99=u8:1
refuse "unknown service attribute" "^error E(INVAL|OPNOTSUPP)" $NEW_SERVICE 1.2=u8:6 1.3=hex:cb00710b 1.4=u16:80 1.5=u8:0 1.6=str:rr 1.40=u8:1
refuse "reply-only attribute" "only sent in replies" $SET_SERVICE $SVC 1.9=u32:5
refuse "long scheduler name" "^error E(RANGE|INVAL)" $SET_SERVICE $SVC 1.6=str:abcdefghijklmnopqrstuvwxyz
refuse "unknown scheduler" "unknown scheduler" $SET_SERVICE $SVC 1.6=str:nosuch
refuse "protocol 99" "must be TCP or UDP" $NEW_SERVICE 1.2=u8:99 1.3=hex:cb00710b 1.4=u16:80 1.5=u8:0 1.6=str:rr
refuse "link-local IPv6 VIP" "not a global unicast address" $NEW_SERVICE 1.2=u8:6 1.3=hex:fe800000000000000000000000000001 1.4=u16:80 1.5=u8:0 1.6=str:rr
refuse "no scheduler" "needs a forwarding mode and a scheduler" $NEW_SERVICE 1.2=u8:6 1.3=hex:cb00710b 1.4=u16:80 1.5=u8:0
refuse "duplicate service" "already exists" $NEW_SERVICE $SVC 1.5=u8:0 1.6=str:rr
refuse "duplicate real server" "already exists" $NEW_DEST $SVC $RS
refuse "unknown service" "no such virtual service" $NEW_DEST 1.2=u8:6 1.3=hex:cb00710c 1.4=u16:80 $RS
refuse "unknown real server" "no such real server" $DEL_DEST $SVC 2.2=hex:c613000c 2.3=u16:8080
refuse "LIP equal to a VIP" "cannot be a virtual service address" $NEW_LADDR 3.2=hex:cb00710a
refuse "port range reversed" "minimum exceeds its maximum" $SET_CONFIG 5.2=u16:3000 5.3=u16:2000
refuse "conn_max 0" "^error E(RANGE|INVAL)" $SET_CONFIG 5.1=u32:0
# The timeouts are nests per protocol: attribute state+1 inside 5 (TCP), 6 (UDP)
# (an attribute in hex: length, type, value, each little-endian)
refuse "timeout tcp established 0" "^error E(RANGE|INVAL)" $SET_CONFIG 5.5=nest:0800030000000000
refuse "timeout tcp 2^22+1" "^error E(RANGE|INVAL)" $SET_CONFIG 5.5=nest:0800030001004000
refuse "timeout tcp state 9" "^error E(INVAL|OPNOTSUPP)" $SET_CONFIG 5.5=nest:080009003c000000
refuse "timeout udp 0" "^error E(RANGE|INVAL)" $SET_CONFIG 5.6=nest:0800010000000000
refuse "timeout udp state 3" "^error E(INVAL|OPNOTSUPP)" $SET_CONFIG 5.6=nest:080003003c000000
refuse "timeout tcp not nested" "^error E(INVAL|OPNOTSUPP)" $SET_CONFIG 5.5=hex:0800030010000000
refuse "a timeout beside a bad one" "^error E(RANGE|INVAL)" $SET_CONFIG 5.6=nest:080001003c000000 5.5=nest:0800030000000000
refuse "rs forward tun on set, port mapped" "dr and tun do not map ports" $SET_DEST $SVC $RS 2.8=u8:3
refuse "tun rs, port mapped" "dr and tun do not map ports" $NEW_DEST $SVC 2.2=hex:c613000c 2.3=u16:8080 2.8=u8:3
refuse "rs forward 4" "^error E(RANGE|INVAL)" $SET_DEST $SVC $RS 2.8=u8:4
# dr sends VIP:80 on as it is: a real server on 8080 would never get it
refuse "rs forward dr on another port" "dr and tun do not map ports" $NEW_DEST $SVC 2.2=hex:c613000c 2.3=u16:8080 2.8=u8:2
refuse "rs set forward dr, and a weight" "dr and tun do not map ports" $SET_DEST $SVC $RS 2.4=u32:5 2.8=u8:2
refuse "nothing" "^error EINVAL" $SET_CONFIG
refuse "attributes to GET_INFO" "takes no attributes" 1 1=u8:1
# GET_TEMPLATE (16, a dump) takes a service's key and, as every read, a
# generation it does not check; nothing else
refuse "a real server to GET_TEMPLATE" "^error EINVAL: Unsupported attribute" -d $GET_TEMPLATE $RS
refuse "a config to GET_TEMPLATE" "^error EINVAL: Unsupported attribute" -d $GET_TEMPLATE 5.1=u32:10
refuse "GET_TEMPLATE of an unknown service" "no such virtual service" -d $GET_TEMPLATE 1.2=u8:6 1.3=hex:cb00710c 1.4=u16:80
out=$(on_quiet lb1 genl_send -d fullnat $GET_TEMPLATE $SVC 7=u64:99)
assert_eq "$out" ok "GET_TEMPLATE of a service, with a generation: answered"

log "the config holds every timeout, UDP's too, and the real server its method"
cfg=$(lbctl -n lb1 -j config)
echo "$cfg"
assert_eq "$(jq .timeout.udp <<<"$cfg")" 300 "UDP's idle timeout, default as IPVS"
assert_eq "$(jq '.timeout.tcp | length' <<<"$cfg")" 8 "every TCP state's timeout"
lb lb1 config set timeout udp 120 timeout tcp established 800
assert_eq "$(lbctl -n lb1 -j config | jq -c '[.timeout.udp, .timeout.tcp.established]')" "[120,800]" "timeouts set per protocol"
lb lb1 config set timeout udp 300 timeout established 900
assert_eq "$(lbctl -n lb1 -j config | jq -c '[.timeout.udp, .timeout.tcp.established]')" "[300,900]" "timeout STATE alone is TCP's"
out=$(on_quiet lb1 genl_send fullnat $SET_DEST $SVC $RS 2.8=u8:1)
assert_eq "$out" ok "rs forward nat: accepted"
assert_eq "$(lbctl -n lb1 -j show | jq -r '.services[0].real_servers[0].forward')" nat "the real server's method"
out=$(on_quiet lb1 genl_send fullnat $SET_DEST $SVC $RS 2.8=u8:0)
assert_eq "$out" ok "rs forward fullnat, the service's: accepted"
out=$(on_quiet lb1 genl_send fullnat $NEW_DEST $SVC 2.2=hex:c613000c 2.3=u16:80 2.8=u8:3)
assert_eq "$out" ok "tun rs on the service's port: accepted"
out=$(on_quiet lb1 genl_send fullnat $DEL_DEST $SVC 2.2=hex:c613000c 2.3=u16:80)
assert_eq "$out" ok "tun rs deleted"

out=$(on_quiet lb1 genl_send fullnat $NEW_SERVICE 1.2=u8:17 1.3=hex:cb00710b 1.4=u16:53 1.5=u8:0 1.6=str:rr)
assert_eq "$out" ok "a UDP service: accepted"
assert_eq "$(lbctl -n lb1 -j show | jq -r '.services[] | select(.protocol == "udp") | "\(.vip):\(.port)"')" \
	203.0.113.11:53 "the UDP service, as lbctl lists it"
lb lb1 service del udp 203.0.113.11:53

log "GET_INFO says what the module can do"
lbctl -n lb1 version
assert_eq "$(lbctl -n lb1 -j version | jq -c '.module | [.forward, .protocols, .families]')" '[["fullnat","nat","dr","tun"],["tcp","udp"],["ipv4","ipv6"]]' "capabilities"
assert_eq "$(lbctl -n lb1 -j version | jq -c '.module.schedulers | sort')" '["dh","lc","mh","nq","rr","sed","sh","wlc","wrr"]' "schedulers registered"

log "lbctl shows the kernel's sentence, exit status 1"
set +e
out=$(lbctl -n lb1 service set tcp 203.0.113.10:80 scheduler nosuch 2>&1); rc=$?
set -e
echo "$out"
assert_eq "$rc" 1 "lbctl exit status on a kernel refusal"
assert_match "$out" "^Error: .*unknown scheduler" "lbctl prints the extack message"

log "nothing changed"
after=$(lbctl -n lb1 -j show | jq -S 'del(.config) | del(.services[].stats) |
	del(.services[].real_servers[].stats)')
assert_eq "$after" "$before" "director state after all the refusals"
lb lb1 show
