#!/bin/bash
# A blind RST (someone who knows the addresses and ports, not the
# sequence numbers) does not end a connection on the director: a
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

log "held past the CLOSE timeout (10 s), then used"
# The connection's own timer tells when 12 s have passed without a packet
# (a connection moved to CLOSE would be gone by then).
expires() { lbctl -n lb1 -j conn | jq -r '.[0].expires // -1000'; }
e0=$(expires)
idle_12s() { (($(expires) <= e0 - 12)); }
wait_for 60 "the connection idle for 12 s (its timer at $e0 - 12 s)" idle_12s
assert_eq "$(conn_state)" established "the connection's state 12 s later"
touch /tmp/go
wait_for 60 "tcp_hold's reply" grep -q '^replies=' "$FNAT_LOG/hold.log"
cat "$FNAT_LOG/hold.log"
assert_match "$(tail -1 "$FNAT_LOG/hold.log")" "^replies=1 " "the held connection got its reply"
