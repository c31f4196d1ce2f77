#!/bin/bash
# The same as toa_basic with the real server answering every SYN with a
# SYN cookie (net.ipv4.tcp_syncookies=2): the child socket is then created
# by cookie_v{4,6}_check() from the third ACK, and its TOA must still count.
#
#  lb   LIP 198.18.11.1, 2001:db8:11::1       toa_client (TOA in the ACK, request)
#        | veth
#  rs   198.19.0.11, 2001:db8:19::11          toa.ko, tcp_syncookies=2
#       peer_server :8080 :8081, nginx :8082 :8083
#
# @timeout: 300
. /fnat/lib.sh
. /fnat/lib-toa.sh

topo_toa
on rs sysctl -qw net.ipv4.tcp_syncookies=2
toa_servers
cookies=$(netstat_counter rs SyncookiesRecv)
toa_check_handshakes
assert_ge "$(($(netstat_counter rs SyncookiesRecv) - cookies))" 20 \
	"handshakes completed by a SYN cookie"
assert_eq "$(netstat_counter rs SyncookiesFailed)" 0 "SYN cookies that failed"
