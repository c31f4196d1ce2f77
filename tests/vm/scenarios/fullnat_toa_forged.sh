#!/bin/bash
# A client cannot choose the address a real server sees: TOA options a
# client wrote itself (kinds 253/254) never reach a real server, with toa
# on or off for its service, with or without room for ours; ours is the
# one toa.ko reads, also when the client put an EOL after a forged one.
# Judged by the real server itself (peer_server's accept()/getpeername()
# under toa.ko trusting the LIPs) and by tcpdump on its link.
#
#  c1 198.51.100.2 --- rt --- lb1 (LIPs 198.18.11.1-4) --- rsr --- rs1
#    (tcp_forge: raw handshakes            VIP:82 toa on  -> peer_server :9001
#     with chosen options)                 VIP:84 toa off -> peer_server :9001
#                                          toa.ko on rs1, trusted 198.18.11.0/24
#
# @timeout: 300
. /fnat/lib.sh
. /fnat/lib-toa.sh

fullnat_web 1 1 rr
bg rs1 peer4 peer_server -4 9001
wait_for 10 "peer_server :9001" listening rs1 9001
lb lb1 service add tcp "$VIP:82" scheduler rr
lb lb1 rs add tcp "$VIP:82" "$RS_NET.11:9001"
lb lb1 service add tcp "$VIP:84" scheduler rr toa off
lb lb1 rs add tcp "$VIP:84" "$RS_NET.11:9001"
toa_load trusted_sources=198.18.11.0/24
# c1's kernel does not know tcp_forge's connections: keep it from resetting them.
on c1 iptables -A OUTPUT -p tcp --tcp-flags RST RST -m mark ! --mark 0x70a -j DROP
bg rs1 cap-rs tcpdump -i eth0 -n -U -w /tmp/rs.pcap tcp port 9001
wait_for 10 "tcpdump on rs1" grep -q listening "$FNAT_LOG/cap-rs.log"

# The forgeries: the address 1.2.3.4 port 1234 (04d2) in every TOA shape.
F=fe0804d201020304			# 254/8
F6=fd1404d200000000000000000000ffff01020304	# 253/20, ::ffff:1.2.3.4
F6D=fe1404d200000000000000000000ffff01020304	# 254/20, ::ffff:1.2.3.4
TS=080a0000000100000000			# a timestamp option
CIP_RE='198\.51\.100\.2'
LIP_RE='198\.18\.11\.[1-4]'

sport=30000
# forge WHAT PORT WANT TCP_FORGE_ARGS...: one connection to VIP:PORT; the
# real server must see WANT ("client": c1 and its port, "lip": a LIP).
forge() {
	local what=$1 port=$2 want=$3 out re
	shift 3
	sport=$((sport + 1))
	echo "+ [c1] tcp_forge conn -s $sport $* $CLIENT_NET.2 $VIP $port"
	out=$(on_quiet c1 tcp_forge conn -s "$sport" "$@" "$CLIENT_NET.2" "$VIP" "$port") ||
		fail "$what: no reply"
	echo "$out"
	if [[ $want == client ]]; then re="^accept=$CIP_RE:$sport peer=$CIP_RE:$sport "
	else re="^accept=$LIP_RE:[0-9]+ peer=$LIP_RE:[0-9]+ "; fi
	assert_match "$out" "$re" "$what: the real server sees the $want"
}

log "toa on: a forged TOA anywhere, ours wins"
forge "forged 254/8 in the ACK and the request" 82 client -A "$F" -D "$F"
forge "forged 254/8, then EOL" 82 client -A "${F}00000000" -D "${F}00000000"
forge "forged TOA after an EOL (nobody reads it)" 82 client -A "0101010100${F}"
forge "two forged TOAs" 82 client -A "$F$F" -D "$F$F"
forge "forged 253/20 and 254/20" 82 client -A "$F6" -D "$F6D"
forge "forged TOA in 40 option bytes (ours takes its place)" 82 client \
	-A "0101${TS}0101010101010101010101010101010101${F}" -a 2
forge "forged TOA only in the request" 82 client -a 0 -D "$F"
forge "forged TOA in the SYN" 82 client -S "020405b4$F"
log "toa on: ours goes before an EOL (checksums at even and odd offsets)"
forge "MSS, EOL" 82 client -A "020405b400" -D "020405b400"
forge "NOP, EOL" 82 client -A "0100" -D "0100"
forge "NOP, forged, EOL" 82 client -A "01${F}00" -D "01${F}00"

log "toa off: the LIP, never the forged address"
forge "toa off, forged 254/8" 84 lip -A "$F" -D "$F"
forge "toa off, forged 254/8 then EOL" 84 lip -A "${F}00000000"
forge "toa off, forged 253/20" 84 lip -A "$F6" -D "$F6"
forge "toa off, forged 254/8 in 40 option bytes" 84 lip \
	-A "0101${TS}0101010101010101010101010101010101${F}"
forge "toa off, forged TOA in the SYN" 84 lip -S "020405b4$F" -A "$F"

log "toa on, no room for ours: the LIP, never the forged address"
# 40 bytes: a timestamp and an unknown 30-byte option, no NOP to spare
forge "40 option bytes, no TOA" 82 lip -A "${TS}1e1e$(printf '00%.0s' {1..28})"
before_room=$(counter lb1 toa_no_room)
assert_ge "$before_room" 1 "toa_no_room counted"

log "a broken option list is dropped (the request completes the handshake)"
before=$(counter lb1 tcpopt_dropped)
forge "forged TOA before a broken option" 82 client -A "${F}0301"
forge "forged TOA after a broken option" 84 lip -A "0501${F}"
assert_ge "$(counter lb1 tcpopt_dropped)" "$((before + 2))" "tcpopt_dropped counts them"
assert_ge "$(counter lb1 toa_stripped)" 10 "toa_stripped counts the forgeries"

log "on the real server's wire: no forged option at all"
pkill tcpdump
wait_for 10 "tcpdump to stop" sh -c '! pgrep tcpdump'
wire=$(tcpdump -r /tmp/rs.pcap -n -x 'dst port 9001' 2>/dev/null |
	awk '/^[0-9]/ { printf "\n" } !/^[0-9]/ { for (i = 2; i <= NF; i++) printf "%s", $i }')
n=$(grep -c . <<< "$wire")
assert_ge "$n" 40 "packets captured toward the real server"
if grep -n '04d201020304\|04d200000000000000000000ffff01020304' <<< "$wire"; then
	fail "a forged TOA reached the real server"
fi
echo "ok: none of $n packets toward the real server carries the forged address"
