#!/bin/bash
# A blind RST (someone who knows the addresses and ports, not the
# sequence numbers) does not end a connection on the director, nor does
# one that follows blind data which a lucky guess put in the window: a
# connection held open across it, and past the CLOSE timeout, still gets
# its reply, and stays ESTABLISHED. Without a sequence check the director
# moved it to CLOSE, expired it 10 s later and dropped the rest of it.
# Judged by the client (tcp_hold: connect, hold, then request and read the
# reply).
#
#  c1 198.51.100.2 --- rt --- lb1 --- rsr --- rs1 nginx :8080
#  (tcp_hold; tcp_forge on c1 sends RSTs spoofed from the held
#   connection's address and port, with random sequence numbers)
#
# @timeout: 300
. /fnat/lib.sh

fullnat_web 1 1 rr

conn_state() { lbctl -n lb1 -j conn | jq -r '.[0].state'; }
established() { [[ $(conn_state) == established ]]; }

bg c1 hold timeout "$(scaled 120)" tcp_hold -n 1 -w /tmp/go "$VIP" 80
wait_for 30 "the held connection" established
cport=$(lbctl -n lb1 -j conn | jq -r '.[0].client.port')
lb lb1 conn

log "blind RSTs from the client's address and port $cport"
before=$(counter lb1 out_of_window)
on c1 tcp_forge send -f R -q r -n 50 -P 1 "$CLIENT_NET.2" "$cport" "$VIP" 80
on c1 tcp_forge send -f RA -q r -k r -n 50 -P 1 "$CLIENT_NET.2" "$cport" "$VIP" 80
assert_ge "$(counter lb1 out_of_window)" "$((before + 90))" "out_of_window counts them"
assert_eq "$(conn_state)" established "the connection's state after them"

# An attacker whose guess of the client's sequence number fell in the
# window: 10 bytes of data there move where the client's data ends unless
# their acknowledgment is checked too (RFC 5961 section 5), and the RST
# that follows at the end so moved closes. The guess is the director's own
# number (the luckiest one); the acknowledgment is half the sequence space
# away from the server's, where a blind one is unless it hits the 2W in
# 2^32 that are acceptable (W the client's window: 1 in 2^15 at 64 KiB).
seqs=$(lbctl -n lb1 -j conn | jq -r '.[0].tcp_seq | "\(.client_end) \(.server_end)"')
read -r cend send <<< "$seqs"
log "blind data at the client's sequence number $cend, then a RST where it ends"
before=$(counter lb1 out_of_window)
bad=$(((send + 0x80000000) % 0x100000000))
on c1 tcp_forge send -f PA -q "$cend" -k "$bad" -l 10 -P 1 "$CLIENT_NET.2" "$cport" "$VIP" 80
on c1 tcp_forge send -f RA -q "$(((cend + 10) % 0x100000000))" -k "$bad" -P 1 "$CLIENT_NET.2" "$cport" "$VIP" 80
# The director's own view of them is checked once the client has judged;
# here only until it has seen both (counted, or the connection closed).
seen_both() {
	(($(counter lb1 out_of_window) >= before + 2)) || [[ $(conn_state) != established ]]
}
wait_for 10 "the director to see the blind data and its RST" seen_both
ow_data=$(($(counter lb1 out_of_window) - before))
state_data=$(conn_state)
cend_data=$(lbctl -n lb1 -j conn | jq -r '.[0].tcp_seq.client_end')

log "held past the CLOSE timeout (10 s), then used"
# The connection's own timer tells when 12 s have passed without a packet
# (a connection moved to CLOSE would be gone by then).
expires() { lbctl -n lb1 -j conn | jq -r '.[0].expires // -1000'; }
e0=$(expires)
idle_12s() { (($(expires) <= e0 - 12)); }
wait_for 60 "the connection idle for 12 s (its timer at $e0 - 12 s)" idle_12s
state_12s=$(conn_state)
touch /tmp/go
wait_for 60 "tcp_hold's reply" grep -q '^replies=' "$FNAT_LOG/hold.log"
cat "$FNAT_LOG/hold.log"
assert_match "$(tail -1 "$FNAT_LOG/hold.log")" "^replies=1 " "the held connection got its reply"
assert_eq "$state_12s" established "the connection's state 12 s later"
assert_ge "$ow_data" 2 "out_of_window counts the blind data and its RST"
assert_eq "$state_data" established "the connection's state after the blind data and its RST"
assert_eq "$cend_data" "$cend" "where the client's data ends, for the director, after them"
