#!/bin/bash
# Routes change under an open connection. The director caches its routes
# (toward each real server, and toward the client per connection) and uses
# them without a reference; a changed FIB must reach both caches at once,
# or packets keep flowing along a route that no longer exists.
#
#  c1 --- rt --[A: lb1's route to the clients]-- lb1 --[B: to the servers]-- rsr --- rs1
#
#  A. the route toward the client network becomes a blackhole: the
#     server's data stops at the director (no_route counts it);
#  B. the same for the route toward the real servers: the client's ACKs
#     stop there;
#  C. replies move to a new link (eth9 to rt), which is deleted while the
#     connection's cached route still leads through it: the deletion must
#     not wait on the cache, replies drop until the old route is back.
# Each lasts until the director has dropped a packet for want of the route
# (with a stale cache none would be dropped); the route is then put back,
# and the connection must move both ways again. The download is shaped on
# the client's last link (4 Mbit/s: 48 s for its 24 MB) so that it lasts
# through all three however slowly they go; the shaping is then lifted and
# the download must complete intact.
#
# @timeout: 300
. /fnat/lib.sh

fullnat_web 1 1 rr
dd if=/dev/urandom of="$FNAT_LOG/nginx-rs1/www/data/blob" bs=1M count=24 status=none
want=$(sha256sum < "$FNAT_LOG/nginx-rs1/www/data/blob" | cut -d' ' -f1)

# A small receive buffer keeps the server sending all along, instead of
# handing the whole file to the client's socket in the first second.
on c1 sysctl -qw net.ipv4.tcp_rmem="4096 32768 65536"
on rt tc qdisc add dev c1 root netem rate 4mbit limit 1000
bg c1 download sh -c "curl -sS --fail --max-time $(scaled 240) \
	http://$VIP/data/blob | sha256sum > $FNAT_LOG/download.sum"
one_conn() { [[ $(conns lb1) == 1 ]]; }
wait_for 20 "the download's connection" one_conn

# svc_pkts DIR: packets the director forwarded for the service, in or out
svc_pkts() { lbctl -n lb1 -j show | jq ".services[0].stats.${1}pkts"; }
drops_over() { (( $(counter lb1 no_route) > $1 )); }
flowing() { (( $(svc_pkts in) > $1 && $(svc_pkts out) > $2 )); }
# past the handshake and the request: the download is under way both ways
wait_for 20 "the download's data" flowing 10 10

# show_state: what a step that timed out needs to be understood
show_state() {
	svc_pkts in
	svc_pkts out
	on lb1 lbctl stats
	on lb1 lbctl conn
	on lb1 "$IP" route
	on lb1 "$IP" route get "$CLIENT_NET.2"
	on lb1 "$IP" -s link
	on c1 ss -tin
	on rs1 ss -tin
	ls -la "$FNAT_LOG"/download*
}

# wait_or_show SECONDS WHAT CMD...: wait_for, with the state shown if it
# times out
wait_or_show() {
	(wait_for "$@") && return 0
	show_state
	fail "timed out waiting for $2"
}

# blackout PREFIX GATEWAY WHAT: PREFIX unroutable from lb1 until WHAT is
# dropped for it (TCP retransmits, so something comes); then routed again
# until the connection moves both ways.
blackout() {
	local before in out
	[[ ! -s $FNAT_LOG/download.sum ]] || fail "the download ended before $1 went"
	before=$(counter lb1 no_route)
	on lb1 "$IP" route replace blackhole "$1"
	wait_or_show 15 "$3 dropped while $1 is a blackhole" drops_over "$before"
	in=$(svc_pkts in) out=$(svc_pkts out)
	on lb1 "$IP" route replace "$1" via "$2"
	wait_or_show 90 "packets both ways after $1 came back" flowing "$in" "$out"
}

log "A: the route toward the client goes"
blackout "$CLIENT_NET.0/24" "$DIR_NET.1" "replies"
log "B: the route toward the real servers goes"
blackout "$RS_NET.0/24" "$UP_NET.1" "client packets"

log "C: replies move to a new link, which is then deleted under them"
[[ ! -s $FNAT_LOG/download.sum ]] || fail "the download ended before C"
# The connection's cached reply route now leads through eth9. Deleting
# eth9 must not wait for that route's reference (the kernel moves routes
# still referenced off a device that goes): a hang here would log
# "waiting for eth9 to become free" and fail the run.
link lb1 eth9 10.99.0.1/30 rt lb1r 10.99.0.2/30
in=$(svc_pkts in) out=$(svc_pkts out)
on lb1 "$IP" route replace "$CLIENT_NET.0/24" via 10.99.0.2
wait_or_show 90 "packets both ways through eth9" flowing "$in" "$out"
before=$(counter lb1 no_route)
start=$SECONDS
on lb1 "$IP" link del eth9
took=$((SECONDS - start))
((took <= $(scaled 3))) || fail "deleting eth9 took ${took}s: something held its routes"
echo "ok: eth9 deleted in ${took}s"
wait_or_show 15 "replies dropped with eth9 gone" drops_over "$before"
in=$(svc_pkts in) out=$(svc_pkts out)
on lb1 "$IP" route replace "$CLIENT_NET.0/24" via "$DIR_NET.1"
wait_or_show 90 "packets both ways after the client route came back" flowing "$in" "$out"

on rt tc qdisc del dev c1 root
wait_for 90 "the download" test -s "$FNAT_LOG/download.sum"
assert_eq "$(cut -d' ' -f1 < "$FNAT_LOG/download.sum")" "$want" \
	"the download completes intact after both routes came back"
assert_eq "$(counter lb1 not_syn)" 0 "no packet of the connection was taken for a stray"
