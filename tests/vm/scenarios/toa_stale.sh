#!/bin/bash
# A socket whose end toa.ko missed leaves its entry behind; when the
# socket's memory is reused by a new connection from the same LIP:lport
# that carries no TOA (a director reusing its port for a service without
# TOA), that connection must show its own peer, not the previous client.
# Every new child removes what is left under its address.
#
# A missed end is made with the kernel's own switch, not a path of the
# module: kprobes are disarmed (/sys/kernel/debug/kprobes/enabled) while
# connection A, recorded with a TOA, ends. The client is pinned to one CPU,
# so A's end and B's handshake are processed in softirq on that CPU and
# B's socket usually takes A's memory (per-CPU slab freelist).
#
#  lb   LIP 198.18.11.1    toa_client on CPU 0: A (TOA, port P) ... B (no TOA, port P)
#        | veth
#  rs   198.19.0.11        toa.ko, peer_server :8080
#
# Disarming kprobes patches kernel text while other code runs: a
# single-threaded TCG guest (shared/DESIGN.md).
#
# @timeout: 400
# @tcg: single
. /fnat/lib.sh
. /fnat/lib-toa.sh

ROUNDS=12
kp=/sys/kernel/debug/kprobes/enabled

# server_conn PORT: rs has a socket for a connection from the LIP's PORT
server_conn() {
	on_quiet rs ss -Htan "sport = :8080 and dport = :$1" | grep -q .
}

# clients_seen: accept() lines of peer_server that showed the TOA client
clients_seen() {
	grep -c "^accept=$TOA_CIP:$TOA_CPORT " "$FNAT_LOG/peer4.log" || true
}

topo_toa
toa_peer_server peer4 -4 8080
toa_load trusted_sources="$TOA_TRUSTED"
[[ -w $kp ]] || fail "$kp missing"
on_exit "echo 1 > $kp"
# the wire, for a round that fails
capture rs stale -i eth0 tcp port 8080

# a_left PORT: A's socket was not gone; what rs holds and saw of it
a_left() {
	on rs ss -tanoei "sport = :8080 and dport = :$1"
	on rs nstat -az TcpExtTCPChallengeACK TcpExtTCPACKSkippedFinWait2 TcpExtTWKilled
	kill "$cap" 2> /dev/null || true
	wait "$cap" 2> /dev/null || true
	tcpdump -S -nr "$FNAT_LOG/stale.pcap" "tcp port $1" 2> /dev/null | tail -n 20 || true
	fail "A's socket (port $1) still on rs 10 s after its reset"
}

reused=0
for ((i = 1; i <= ROUNDS; i++)); do
	port=$((33000 + i))
	log "round $i: A with TOA from port $port, its end unseen; then B without TOA, same port"
	# A sends no request: peer_server answers after its 5 s read timeout,
	# then A resets; its socket lives until then
	bg lb "a$i" taskset -c 0 toa_client -s "$port" -r '' -c rst -t "$TOA_V4" \
		"$TOA_LIP" "$TOA_RS" 8080
	pid=${_bg_pids[-1]}
	wait_for 20 "A accepted with its client" eval '(($(clients_seen) >= i))'
	echo "+ echo 0 > $kp"
	echo 0 > "$kp"
	wait "$pid" || fail "A failed: $(cat "$FNAT_LOG/a$i.log")"
	(wait_for 10 "A's socket gone on rs" eval "! server_conn $port") || a_left "$port"
	echo "+ echo 1 > $kp"
	echo 1 > "$kp"
	stale=$(toa_stat rs stale_removed)
	echo "+ [lb] taskset -c 0 toa_client -s $port -c rst $TOA_LIP $TOA_RS 8080"
	out=$(on_quiet lb taskset -c 0 toa_client -s "$port" -c rst "$TOA_LIP" "$TOA_RS" 8080) ||
		fail "B failed"
	echo "$out"
	(($(toa_stat rs stale_removed) > stale)) && reused=$((reused + 1))
	assert_eq "$(sed -n 's/^accept=\([^ ]*\) .*/\1/p' <<< "$out")" "$TOA_LIP:$port" "B: accept()"
	assert_eq "$(sed -n 's/.* peer=\([^ ]*\) .*/\1/p' <<< "$out")" "$TOA_LIP:$port" "B: getpeername()"
	assert_eq "$(clients_seen)" "$i" "accept() lines with the client: one per A"
done
on_quiet rs cat /proc/net/toa_stats
echo "B took the memory of A (stale entry found and removed) in $reused of $ROUNDS rounds"
assert_ge "$reused" 1 "rounds where B reused A's socket (else this test shows nothing)"
