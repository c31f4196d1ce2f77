#!/bin/bash
# Drain handoff: a download through lb2 survives the router moving the VIP
# to lb1, once lb2's connections were copied into lb1 (lbctl conn import,
# FULLNAT_CMD_NEW_CONN). lb1 then carries the client's packets, rewritten
# to lb2's LIP:lport as lb2 would; the real server's replies still go to
# lb2 (its LIPs are routed to it), which sends them on until the
# connection ends, and then has nothing left.
#
#  c1 --- rt (VIP via lb2, then via lb1)
#          |          |
#         lb1        lb2  LIPs 198.18.12.x
#          |          |
#         rsr (198.18.11.0/24 -> lb1, 198.18.12.0/24 -> lb2) --- rs1
#
# Judged by the client (sha256 of the download), tcpdump on rsr's port
# toward lb1 (the client's packets arrive there from lb1's MAC with lb2's
# LIP) and nginx's log (the download's peer is lb2's LIP:lport). Before
# the switch an attacker that knows the four addresses and ports sends
# lb1 an ACK and then a RST at a sequence number of its own: lb1 has lb2's
# window for the client (the listing's tcp_seq), so neither moves the
# connection, and the download still completes (a copy that learnt the
# client's sequence from the first ACK would have closed on that RST and
# cut the download once the close timeout passed). Then the bad imports
# (a copy of one's own, the director's own address as LIP or client,
# duplicates, unknown service or real server, another method, a forged
# state, a bad file): each refused with its reason, nothing added; a
# client port of 0 is taken. Then the same switch without the import:
# lb1 drops the client's packets (not_syn) and the download stalls.
# Last, an upload whose client sends many windows' worth between the
# listing and the switch: lb1's copy has a window the client left, and
# must still be kept by the client's packets past lb1's ESTABLISHED
# timeout (6 s here): judged by curl, nginx's stored file (sha256) and
# its log (lb2's LIP:lport).
#
# @timeout: 500
. /fnat/lib.sh

fullnat_web 2 1 rr
on rt "$IP" route replace "$VIP/32" via "$DIR_NET.12"
dd if=/dev/urandom of="$FNAT_LOG/nginx-rs1/www/data/blob" bs=1M count=16 status=none
want=$(sha256sum < "$FNAT_LOG/nginx-rs1/www/data/blob" | cut -d' ' -f1)
# The closing states' timeouts are not what is tested: short, so that
# lb2's table empties soon after the download.
lb lb2 config set timeout tcp close_wait 3 timeout tcp last_ack 3 \
	timeout tcp time_wait 3 timeout tcp close 3

# A small receive buffer and 2 Mbit/s on the client's link (64 s for the
# 16 MB, however slow the steps before the switch; FNAT_SCALE times as
# long on a slowed guest, whose steps take that much longer) keep the
# server sending through the switch; the rest goes at full speed.
on c1 sysctl -qw net.ipv4.tcp_rmem="4096 32768 65536"
slow_rate=$((2000 / FNAT_SCALE))kbit
on rt tc qdisc add dev c1 root netem rate "$slow_rate" limit 100
slow() { on rt tc qdisc change dev c1 root netem rate "$slow_rate" limit 100; }
fast() { on rt tc qdisc change dev c1 root netem rate 1gbit limit 1000; }

# download N: in the background, its sha256 and curl's exit code in files.
# A stall of 15 s (scaled) ends it: the failure the last part wants.
download() {
	bg c1 "dl$1" bash -c "set -o pipefail; curl -sS --fail \
		--max-time $(scaled 240) --speed-limit 1000 \
		--speed-time $(scaled 15) http://$VIP/data/blob | sha256sum \
		> $FNAT_LOG/dl$1.sum; echo \$? > $FNAT_LOG/dl$1.rc"
}
out_pkts() { lbctl -n lb2 -j show | jq '.services[0].stats.outpkts'; }
flowing() { [[ $(conns lb2) == "$1" ]] && (( $(out_pkts) > $2 )); }

log "a download through lb2, copied into lb1, then the VIP moves to lb1"
download 2
wait_for 30 "the download's data through lb2" flowing 1 20
listing=$(lbctl -n lb2 -j conn)
echo "$listing"
lip=$(jq -r '.[0].local.address' <<< "$listing")
lport=$(jq -r '.[0].local.port' <<< "$listing")
assert_match "$lip" "^$(lip_net 2)\\." "the connection's LIP is lb2's"

lb1_mac=$(on_quiet lb1 cat /sys/class/net/eth1/address)
# -e: each line "SRCMAC > DSTMAC, ethertype IPv4 (0x0800), length N: IP ..."
bg rsr cap tcpdump -i lb1 -n -l -e "tcp and src host $lip and src port $lport"
cap_pid=${_bg_pids[-1]}
wait_for 10 "tcpdump on rsr" grep -q listening "$FNAT_LOG/cap.log"

cend=$(jq -r '.[0].tcp_seq.client_end' <<< "$listing")
[[ $cend =~ ^[0-9]+$ ]] || fail "lb2's listing has no tcp_seq: $cend"
# import_out ADDED PRESENT REFUSED SKIPPED HALF_OPEN: what conn import says.
import_out() {
	echo "$1 added, $2 already present, $3 refused, 0 not tried, $4 skipped, $5 half-open, 0 templates left out"
}
out=$(lbctl -n lb2 -j conn | lbctl -n lb1 conn import -)
assert_eq "$out" "$(import_out 1 0 0 0 0)" "lb1 imports lb2's connection"
assert_eq "$(lbctl -n lb1 -j conn | jq -r '.[0].local | "\(.address):\(.port)"')" \
	"$lip:$lport" "lb1's copy keeps lb2's LIP:lport"
assert_eq "$(ports_in_use lb1)" 0 "lb1's own ports in use"

# The attacker's ACK, then its RST at the same number, half the sequence
# space away from the client's: straight to lb1's MAC from the router.
lb lb1 config set timeout tcp close 3
cport=$(jq -r '.[0].client.port' <<< "$listing")
lb1_eth0=$(on_quiet lb1 cat /sys/class/net/eth0/address)
bad_seq=$(( (cend + 2147483648) % 4294967296 ))
for f in A R; do
	on rt tcp_forge send -f $f -q $bad_seq -k 1 -i br0 -m "$lb1_eth0" \
		"$CLIENT_NET.2" "$cport" "$VIP" 80
done
assert_ge "$(counter lb1 out_of_window)" 1 "lb1 judged the forged packets"
assert_eq "$(lbctl -n lb1 -j conn | jq -r '.[0].state')" established \
	"lb1's copy after the forged ACK and RST"
[[ ! -s $FNAT_LOG/dl2.rc ]] || fail "the download ended before the switch"
on rt "$IP" route replace "$VIP/32" via "$DIR_NET.11"
fast

wait_for 120 "the download" test -s "$FNAT_LOG/dl2.rc"
assert_eq "$(cat "$FNAT_LOG/dl2.rc")" 0 "curl's exit code"
assert_eq "$(cut -d' ' -f1 < "$FNAT_LOG/dl2.sum")" "$want" \
	"the download completes intact across the switch"
kill -INT "$cap_pid"
wait_for 10 "tcpdump's summary" grep -q 'packets captured' "$FNAT_LOG/cap.log"
from_lb1=$(grep -c "^[0-9:.]* $lb1_mac > .* $lip\\.$lport > $RS_NET\\.11\\.8080:" \
	"$FNAT_LOG/cap.log" || true)
assert_ge "$from_lb1" 10 "client packets sent by lb1 with lb2's LIP:lport"
assert_eq "$(grep -cx "$lip:$lport" "$FNAT_LOG/rs1.access")" 1 \
	"nginx logged the download from lb2's LIP:lport"
wait_for 30 "lb2 idle" drained lb2
echo "ok: lb2 has no connection left"
assert_eq "$(counter lb1 not_syn)" 0 "lb1 dropped none of the client's packets"

log "bad imports: each refused with its reason, nothing added"
n1=$(conns lb1)
# import WHAT JQ REASON: lb2's listing changed by JQ, refused for REASON
import_bad() {
	local rc=0 err
	err=$(jq "$2" <<< "$listing" | lbctl -n lb1 conn import - 2>&1 >/dev/null) || rc=$?
	echo "$err"
	assert_eq "$rc" "${4:-1}" "exit code of $1"
	assert_match "$err" "$3" "$1 refused"
	assert_eq "$(conns lb1)" "$n1" "lb1's connections after $1"
}
out=$(lbctl -n lb1 conn import - <<< "$listing")
assert_eq "$out" "$(import_out 0 1 0 0 0)" "the same connection again"
import_bad "a copy of lb1's own" ".[0].local.address = \"$(lip_net 1).1\"" \
	"local address is special, the client's, the real server's or this director's own"
import_bad "a VIP as the LIP" ".[0].local.address = \"$VIP\"" \
	"local address is special"
import_bad "lb1's own address as the LIP" ".[0].local.address = \"$DIR_NET.11\"" \
	"local address is special"
import_bad "the real server as the LIP" ".[0].local.address = \"$RS_NET.11\"" \
	"local address is special"
import_bad "lb1's own address as the client" ".[0].client.address = \"$DIR_NET.11\"" \
	"client address is no client's"
import_bad "a reserved (240/4) client" '.[0].client.address = "240.0.0.1"' \
	"client address is no client's"
import_bad "an unknown service" '.[0].virtual.port = 81' \
	"no such virtual service"
import_bad "an unknown real server" ".[0].real.address = \"$RS_NET.99\"" \
	"not one of the service's"
import_bad "another method" '.[0].forward = "dr" | del(.[0].local)' \
	"forwards by another method"
import_bad "a forged state" '.[0].state = "close"' \
	"imported in ESTABLISHED, FIN_WAIT"
import_bad "a forged window scale" '.[0].tcp_seq.client_wscale = 15' \
	"skipped: .*\\[0\\]\\.tcp_seq\\.client_wscale: a window scale is 0-14"
# Another client port, the same real-server side tuple: already there.
out=$(jq '.[0].client.port += 1' <<< "$listing" | lbctl -n lb1 conn import -)
assert_eq "$out" "$(import_out 0 1 0 0 0)" \
	"another client on the same LIP:lport -> RIP:rport"
# Quietly left out: a handshake lb1 could not complete.
out=$(jq '.[0].state = "syn_recv"' <<< "$listing" | lbctl -n lb1 conn import -)
assert_eq "$out" "$(import_out 0 0 0 0 1)" "a half-open connection"
import_bad "an unknown key" '.[0].flags = 1' "\\[0\\]\\.flags: unknown key" 2
import_bad "a port out of range, the next element's index" \
	'[.[0]] + [.[0] | .client.port = 65536]' "skipped: .*\\[1\\]\\.client\\.port:"
assert_eq "$(conns lb1)" "$n1" "lb1's connections after the bad imports"
# A client port of 0 is one (UDP's, or a TCP flow's, legal on the wire).
out=$(jq '.[0].client.port = 0 | .[0].local.port += 1' <<< "$listing" |
	lbctl -n lb1 conn import -)
assert_eq "$out" "$(import_out 1 0 0 0 0)" "a client port of 0"

log "the same switch without the import: lb1 drops the client's packets"
on rt "$IP" route replace "$VIP/32" via "$DIR_NET.12"
slow
before=$(counter lb1 not_syn)
download 1
wait_for 30 "the download's data through lb2" flowing 1 $(( $(out_pkts) + 20 ))
on rt "$IP" route replace "$VIP/32" via "$DIR_NET.11"
wait_for 120 "the stalled download to give up" test -s "$FNAT_LOG/dl1.rc"
rc=$(cat "$FNAT_LOG/dl1.rc")
[[ $rc != 0 ]] || fail "the download completed without the import"
echo "ok: without the import the download fails (exit $rc)"
assert_ge "$(counter lb1 not_syn)" $((before + 1)) "client packets lb1 dropped"

log "an upload moves on by many windows between the listing and the switch"
# lb1's copy then has a window the client left long ago: every packet of
# the client's is out of it there, yet must keep the copy past lb1's
# ESTABLISHED timeout (short here), or the upload breaks at it.
on rt "$IP" route replace "$VIP/32" via "$DIR_NET.12"
lb lb2 conn flush
lb lb1 conn flush
# A window of 64 KiB at most (rs1's receive buffer), and 2 Mbit/s on the
# client's side, so that the 10 MB take about 42 s: many windows before
# the switch, and several of lb1's timeouts after it. As much slower as
# the guest (FNAT_SCALE): on the debug kernel the upload had ended before
# the switch.
on rs1 sysctl -qw net.ipv4.tcp_rmem="4096 32768 65536"
on c1 tc qdisc add dev eth0 root netem rate "$((2000 / FNAT_SCALE))kbit" limit 100
head -c 10M /dev/urandom > /tmp/up
logged=$(wc -l < "$FNAT_LOG/rs1.access")
want=$(sha256sum < /tmp/up | cut -d' ' -f1)
bg c1 up bash -c "curl -sS --fail --max-time $(scaled 240) \
	--speed-limit 1000 --speed-time $(scaled 15) -T /tmp/up \
	http://$VIP/up/blob; echo \$? > $FNAT_LOG/up.rc"
in_pkts() { lbctl -n lb2 -j show | jq '.services[0].stats.inpkts'; }
uploading() { [[ $(conns lb2) == 1 ]] && (( $(in_pkts) > 20 )); }
wait_for 30 "the upload's data through lb2" uploading
listing=$(lbctl -n lb2 -j conn)
echo "$listing"
lip=$(jq -r '.[0].local.address' <<< "$listing")
lport=$(jq -r '.[0].local.port' <<< "$listing")
cend=$(jq -r '.[0].tcp_seq.client_end' <<< "$listing")
# The server's window as the module scales it (fnat_tcp window_of()).
read -r w ws cws < <(jq -r '.[0].tcp_seq |
	"\(.server_window) \(.server_wscale) \(.client_wscale)"' <<< "$listing")
((ws == 255 || cws == 255)) || w=$((w << ws))
((w >= 65535)) || w=65535
echo "lb2's window for the client: $w bytes, its sequence then: $cend"
# moved N: has the client sent N bytes more than the listing says (lb2)?
moved() {
	local now
	now=$(lbctl -n lb2 -j conn | jq -r '.[0].tcp_seq.client_end')
	ahead=$(( (now - cend + 4294967296) % 4294967296 ))
	((ahead > $1))
}
wait_for 60 "the upload 16 windows on" moved $((16 * w))
echo "the client is $ahead bytes past the listing ($((ahead / w)) windows)"
oow=$(counter lb1 out_of_window)
before=$(counter lb1 not_syn)
# The copy's timeout is the listing's or lb1's ESTABLISHED one, whichever
# is less: 6 s, from the import; then only the client's packets keep it.
est=$(scaled 6)
lb lb1 config set timeout tcp established "$est"
out=$(lbctl -n lb1 conn import - <<< "$listing")
on rt "$IP" route replace "$VIP/32" via "$DIR_NET.11"
switched=$SECONDS
assert_eq "$out" "$(import_out 1 0 0 0 0)" "lb1 imports the upload's listing"
[[ ! -s $FNAT_LOG/up.rc ]] || fail "the upload ended before the switch"
wait_for 120 "the upload" test -s "$FNAT_LOG/up.rc"
took=$((SECONDS - switched))
assert_eq "$(cat "$FNAT_LOG/up.rc")" 0 "curl's exit code"
assert_eq "$(sha256sum < "$FNAT_LOG/nginx-rs1/www/up/blob" | cut -d' ' -f1)" \
	"$want" "the upload reached nginx intact"
assert_ge "$took" $((3 * est)) "seconds the upload ran after the switch, past lb1's timeout"
# (nginx may log the stalled download of the part before meanwhile, from
# a LIP:lport that lb2 can have given the upload again)
assert_ge "$(tail -n +$((logged + 1)) "$FNAT_LOG/rs1.access" | grep -cx "$lip:$lport")" 1 \
	"nginx logged the upload from lb2's LIP:lport"
assert_ge "$(counter lb1 out_of_window)" $((oow + 100)) \
	"client packets out of lb1's copy's window"
assert_eq "$(counter lb1 not_syn)" "$before" "lb1 dropped none of the client's packets"
on c1 tc qdisc del dev eth0 root

log "namespace exit frees the imported connections"
on rt tc qdisc del dev c1 root
run "$IP" netns del lb1
run "$IP" netns del lb2
slab_empty fnat_conn "connection objects left"
