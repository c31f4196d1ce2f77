#!/bin/bash
# "Fragmentation needed" from the client's side lowers the path MTU
# toward a LIP for every connection on it, so the director translates one
# toward the real server only when it quotes a segment of the connection
# (its sequence number in the window) with an MTU not below 552. Judged
# by tcpdump on the real server's link: only the sane error arrives. An
# error goes back to the source of the packet it quotes: one sent to the
# VIP about LIP -> RIP is made up, and the client must not get it; nor
# one sent to the LIP, unless it quotes the client's sequence number in
# its window with an MTU not below 552 (tcpdump on the client's link).
#
#  c1 [icmp_forge] --- rt --- lb1 --- rsr --- rs1 [tcpdump icmp]
#
# @timeout: 200
. /fnat/lib.sh

fullnat_web 1 1 rr
bg c1 cap-c1 tcpdump -i eth0 -n -l -S 'tcp[tcpflags] & tcp-syn != 0 and src port 80'
bg c1 cap-c1-icmp tcpdump -i eth0 -n -l -Q in icmp
bg rs1 cap-rs tcpdump -i eth0 -n -l -Q in icmp
bg rs1 cap-rs-syn tcpdump -i eth0 -n -l 'tcp[tcpflags] == tcp-syn and dst port 8080'
for c in cap-c1 cap-c1-icmp cap-rs cap-rs-syn; do
	wait_for 10 "tcpdump $c" grep -q listening "$FNAT_LOG/$c.log"
done

log "a connection from c1, held open"
bg c1 hold tcp_hold -n 1 -w "$FNAT_LOG/release" "$VIP" 80
wait_for 20 "the SYN-ACK on c1" grep -q 'Flags \[S\.\]' "$FNAT_LOG/cap-c1.log"
line=$(grep -m 1 'Flags \[S\.\]' "$FNAT_LOG/cap-c1.log")
echo "$line"
cport=$(sed -E 's/.* > [0-9.]+\.([0-9]+): .*/\1/' <<< "$line")
isn=$(sed -E 's/.* seq ([0-9]+),.*/\1/' <<< "$line")
seq=$(((isn + 1) & 0xffffffff))
far=$(((isn + 0x40000000) & 0xffffffff))
forge() { # forge MTU SEQ: an error about VIP:80 -> c1:cport
	on c1 icmp_forge "$CLIENT_NET.2" "$VIP" "$1" "$VIP" 80 "$CLIENT_NET.2" "$cport" "$2"
}

log "errors quoting an out-of-window sequence, and an MTU below 552"
before=$(counter lb1 icmp_dropped)
forge 1000 "$far"
forge 500 "$seq"
log "an in-window error with a sane MTU, after them"
forge 1000 "$seq"
wait_for 20 "the translated error on rs1" grep -q 'need to frag' "$FNAT_LOG/cap-rs.log"
cat "$FNAT_LOG/cap-rs.log"
assert_eq "$(grep -c 'need to frag' "$FNAT_LOG/cap-rs.log")" 1 \
	"errors on the real server's link (the sane one only)"
assert_eq "$(grep -c 'mtu 1000' "$FNAT_LOG/cap-rs.log")" 1 "the sane one's MTU"
assert_ge "$(($(counter lb1 icmp_dropped) - before))" 2 "icmp_dropped"

log "an error about LIP -> RIP sent to the VIP, not to the LIP it quotes"
line=$(grep -m 1 'Flags \[S\]' "$FNAT_LOG/cap-rs-syn.log")
echo "$line"
lip=$(sed -E 's/.* IP ([0-9.]+)\.[0-9]+ > .*/\1/' <<< "$line")
lport=$(sed -E 's/.* IP [0-9.]+\.([0-9]+) > .*/\1/' <<< "$line")
before=$(counter lb1 icmp_dropped)
on c1 icmp_forge "$CLIENT_NET.2" "$VIP" 1200 "$lip" "$lport" "$RS_NET.11" 8080 0
log "then a sane error behind it, which the real server gets"
forge 1100 "$seq"
wait_for 20 "the second sane error on rs1" grep -q 'mtu 1100' "$FNAT_LOG/cap-rs.log"
cat "$FNAT_LOG/cap-c1-icmp.log"
assert_eq "$(grep -c 'need to frag' "$FNAT_LOG/cap-c1-icmp.log")" 0 \
	"errors relayed to the client"
assert_ge "$(($(counter lb1 icmp_dropped) - before))" 1 "icmp_dropped (made up)"

log "errors toward the client, sent to the LIP about LIP -> RIP: out of the client's window, below 552, then a sound one"
# The connection is found by LIP:lport, which one can try all of: the
# error must still quote the client's sequence number in its window.
cisn=$(sed -E 's/.* seq ([0-9]+),.*/\1/' <<< "$line")
cforge() { # cforge MTU SEQ
	on rs1 icmp_forge "$RS_NET.11" "$lip" "$1" "$lip" "$lport" "$RS_NET.11" 8080 "$2"
}
cforge 1300 $(((cisn + 0x40000000) & 0xffffffff))
cforge 500 $(((cisn + 1) & 0xffffffff))
cforge 1400 $(((cisn + 1) & 0xffffffff))
wait_for 20 "the sound error on c1's link" grep -q 'need to frag' "$FNAT_LOG/cap-c1-icmp.log"
cat "$FNAT_LOG/cap-c1-icmp.log"
assert_eq "$(grep -c 'need to frag' "$FNAT_LOG/cap-c1-icmp.log")" 1 \
	"errors relayed to the client (the sound one only)"
assert_eq "$(grep -c 'mtu 1392' "$FNAT_LOG/cap-c1-icmp.log")" 1 \
	"its MTU, less TOA's 8 bytes"
touch "$FNAT_LOG/release"

log "NAT keeps the same floor: an in-window error below 552 is refused"
# The director is rs1's gateway toward the client (nat_basic has the why).
on rsr "$IP" route replace "$CLIENT_NET.0/24" via "$UP_NET.11"
lb lb1 service add tcp "$VIP:81" forward nat scheduler rr
lb lb1 rs add tcp "$VIP:81" "$RS_NET.11:8080"
bg c1 cap-c81 tcpdump -i eth0 -n -l -S 'tcp[tcpflags] & tcp-syn != 0 and src port 81'
wait_for 10 "tcpdump on c1 (81)" grep -q listening "$FNAT_LOG/cap-c81.log"
bg c1 hold81 tcp_hold -n 1 -w "$FNAT_LOG/release81" "$VIP" 81
wait_for 20 "the NAT SYN-ACK on c1" grep -q 'Flags \[S\.\]' "$FNAT_LOG/cap-c81.log"
line=$(grep -m 1 'Flags \[S\.\]' "$FNAT_LOG/cap-c81.log")
echo "$line"
cport=$(sed -E 's/.* > [0-9.]+\.([0-9]+): .*/\1/' <<< "$line")
isn=$(sed -E 's/.* seq ([0-9]+),.*/\1/' <<< "$line")
seq=$(((isn + 1) & 0xffffffff))
forge81() { # forge81 MTU: an in-window error about VIP:81 -> c1:cport
	on c1 icmp_forge "$CLIENT_NET.2" "$VIP" "$1" "$VIP" 81 "$CLIENT_NET.2" "$cport" "$seq"
}
before=$(counter lb1 icmp_dropped)
forge81 500
forge81 900
wait_for 20 "the NAT error on rs1" grep -q 'mtu 900' "$FNAT_LOG/cap-rs.log"
cat "$FNAT_LOG/cap-rs.log"
assert_eq "$(grep -c 'mtu 500' "$FNAT_LOG/cap-rs.log")" 0 \
	"an MTU below 552 on the real server's link (NAT)"
assert_ge "$(($(counter lb1 icmp_dropped) - before))" 1 "icmp_dropped (NAT)"
touch "$FNAT_LOG/release81"
