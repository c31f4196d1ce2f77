#!/bin/bash
# TOA end to end: fullnat.ko writes the option, toa.ko on the real server
# reads it, and unmodified servers see the client's own address and port:
# nginx ($remote_addr:$remote_port) and peer_server (accept() and
# getpeername()), each on an IPv4 and a dual-stack [::] listener, also
# with SYN cookies. Without toa.ko the same servers see a LIP.
#
#  c1 198.51.100.2 --- rt --- lb1 (LIPs 198.18.11.1-4) --- rsr --- rs1
#      VIP:80 -> nginx 0.0.0.0:8080     VIP:81 -> nginx [::]:8083
#      VIP:82 -> peer_server -4 :9001   VIP:83 -> peer_server -6 [::]:9002
#
# @timeout: 300
. /fnat/lib.sh
. /fnat/lib-toa.sh

fullnat_web 1 1 rr
http_server rs1 ngx6 "[::]" 8083 ipv6only=off
bg rs1 peer4 peer_server -4 9001
bg rs1 peer6 peer_server -6 9002
wait_for 10 "peer_server :9001" listening rs1 9001
wait_for 10 "peer_server :9002" listening rs1 9002
for p in 81:8083 82:9001 83:9002; do
	lb lb1 service add tcp "$VIP:${p%:*}" scheduler rr
	lb lb1 rs add tcp "$VIP:${p%:*}" "$RS_NET.11:${p#*:}"
done

cport=41000
# check_all ADDR_RE PORT WHAT: every server sees ADDR_RE and port PORT
# ("cport": the client's own port, else any)
check_all() {
	local a=$1 want=$2 what=$3 out p
	port_re() { [[ $want == cport ]] && echo "$cport" || echo '[0-9]+'; }

	cport=$((cport + 1)); p=$(port_re)
	on_quiet c1 curl -sS --fail --max-time 10 --local-port "$cport" "http://$VIP/" >/dev/null
	assert_match "$(tail -1 "$FNAT_LOG/rs1.access")" "^$a:$p$" "$what: nginx, IPv4 listener"
	cport=$((cport + 1)); p=$(port_re)
	on_quiet c1 curl -sS --fail --max-time 10 --local-port "$cport" "http://$VIP:81/" >/dev/null
	assert_match "$(tail -1 "$FNAT_LOG/ngx6.access")" "^::ffff:$a:$p$" "$what: nginx, dual-stack listener"
	cport=$((cport + 1)); p=$(port_re)
	out=$(echo hello | on_quiet c1 socat -t 5 - "TCP:$VIP:82,sourceport=$cport")
	echo "$out"
	assert_match "$out" "^accept=$a:$p peer=$a:$p local=$RS_NET\.11:9001" "$what: peer_server, IPv4 listener"
	cport=$((cport + 1)); p=$(port_re)
	out=$(echo hello | on_quiet c1 socat -t 5 - "TCP:$VIP:83,sourceport=$cport")
	echo "$out"
	assert_match "$out" "^accept=\[::ffff:$a\]:$p peer=\[::ffff:$a\]:$p local=\[::ffff:$RS_NET\.11\]:9002" \
		"$what: peer_server, dual-stack listener"
}

log "without toa.ko: the real server sees the director's local address"
check_all '198\.18\.11\.[1-4]' any "no toa.ko"

log "with toa.ko trusting the director's LIPs: the client"
toa_load trusted_sources=198.18.11.0/24
check_all '198\.51\.100\.2' cport "toa.ko"
assert_ge "$(toa_stat rs1 conns_with_toa)" 4 "connections with TOA on rs1"

log "the same with SYN cookies always on"
on rs1 sysctl -qw net.ipv4.tcp_syncookies=2
check_all '198\.51\.100\.2' cport "toa.ko, syncookies"
assert_ge "$(netstat_counter rs1 SyncookiesSent)" 4 "SYN cookies were used"

log "a director not in trusted_sources is ignored"
toa_trust rs1 192.0.2.0/24
check_all '198\.18\.11\.[1-4]' any "untrusted director"
assert_ge "$(toa_stat rs1 ignored_untrusted)" 4 "TOA from an untrusted source counted"
