#!/bin/bash
# FullNAT through one director: scheduling, the real servers' view, and the
# director's accounting.
#
#  c1 198.51.100.2 --- rt --- lb1 (VIP 203.0.113.10:80, LIPs 198.18.11.1-4)
#                               |
#                              rsr --- rs1 198.19.0.11:8080
#                                  --- rs2 198.19.0.12:8080
#                                  --- rs3 198.19.0.13:8080
#  (the real servers' default route is rsr, not the director)
#
# @timeout: 400
. /fnat/lib.sh

fullnat_web 1 3 rr
lb lb1 show

share() { # share BODIES NAME
	grep -cx "$2" <<< "$1" || true
}

log "300 requests, round robin: exactly even"
out=$(requests c1 "http://$VIP/" 300)
for i in 1 2 3; do
	assert_eq "$(share "$out" "rs$i")" 100 "rs$i's share under rr"
done

log "the real servers see a local address of the director, not the client"
peers=$(cat "$FNAT_LOG"/rs*.access | cut -d: -f1 | sort -u)
echo "$peers"
[[ $peers == *"$CLIENT_NET.2"* ]] && fail "a real server saw the client address"
for p in $peers; do
	assert_match "$p" "^198\.18\.11\.[1-4]$" "peer $p is one of lb1's LIPs"
done

log "weights 3:2:1 with wrr: shares by weight"
lb lb1 service set tcp "$VIP:80" scheduler wrr
lb lb1 rs set tcp "$VIP:80" "$RS_NET.11:8080" weight 3
lb lb1 rs set tcp "$VIP:80" "$RS_NET.12:8080" weight 2
out=$(requests c1 "http://$VIP/" 300)
assert_eq "$(share "$out" rs1)" 150 "rs1's share (weight 3)"
assert_eq "$(share "$out" rs2)" 100 "rs2's share (weight 2)"
assert_eq "$(share "$out" rs3)" 50 "rs3's share (weight 1)"

log "weight 0 quiesces a real server"
lb lb1 rs set tcp "$VIP:80" "$RS_NET.13:8080" weight 0
out=$(requests c1 "http://$VIP/" 30)
assert_eq "$(share "$out" rs3)" 0 "quiesced rs3 gets nothing"

log "statistics"
lb lb1 show --stats
# Four packets of the client's per connection at least: SYN, ACK, request,
# FIN. nginx closes first (keepalive_timeout 0) and the client's ACK of
# its FIN is delayed, so it rides on curl's FIN or goes alone (4 or 5).
# The last FIN may still be on its way when curl has returned: poll.
svc_inpkts() { lbctl -n lb1 -j show | jq -e ".services[0].stats.inpkts >= $1"; }
wait_for 10 "4 client packets per connection counted" svc_inpkts 2520
json=$(lbctl -n lb1 -j show)
conns=$(jq '[.services[0].real_servers[].stats.conns] | add' <<< "$json")
assert_eq "$conns" 630 "connections scheduled over all real servers"
inpkts=$(jq '.services[0].stats.inpkts' <<< "$json")
assert_ge "$inpkts" 2520 "client packets forwarded (>= 4 per connection)"
lb lb1 laddr
used=$(lbctl -n lb1 -j laddr | jq '[.[].conns] | add')
assert_eq "$used" 630 "connections over the local addresses"
assert_ge "$(counter lb1 toa_inserted)" 630 "TOA written (third ACK and the request, per connection)"
# at least once per connection: a server retransmits its SYN-ACK when the
# client's ACK is slow (a loaded host), and the copy is lowered too
assert_ge "$(counter lb1 mss_lowered)" 630 "MSS lowered in every SYN-ACK"

log "requests for an address with no service pass by untouched"
body=$(http_get c1 "http://$RS_NET.11:8080/")
assert_eq "$body" rs1 "plain routing through the director still works"
