#!/bin/bash
# The base FullNAT topology routes end to end before any module is loaded:
# the client reaches each real server through the router and a director,
# real servers answer through their own router, whose default is NOT a
# director. Later scenarios build on exactly this picture.
#
#  c1 198.51.100.2
#     |
#  rt 198.51.100.1 / 198.18.0.1 (ECMP to the directors)
#     |                 |
#  lb1 198.18.0.11   lb2 198.18.0.12
#  lb1 198.18.2.11   lb2 198.18.2.12
#     |                 |
#  rsr 198.18.2.1 / 198.19.0.1
#     |         |         |
#  rs1 .11   rs2 .12   rs3 .13   (198.19.0.0/24, nginx on :8080)
#
# @timeout: 180
. /fnat/lib.sh

topo_base 2 3
for i in 1 2 3; do
	http_server "rs$i" "rs$i" 0.0.0.0 8080
done

for i in 1 2 3; do
	body=$(http_get c1 "http://$RS_NET.$((10 + i)):8080/")
	assert_eq "$body" "rs$i" "reply of rs$i reached directly"
	peer=$(tail -1 "$FNAT_LOG/rs$i.access")
	assert_match "$peer" "^$CLIENT_NET\.2:[0-9]+$" "rs$i saw the client address (plain routing)"
done

route=$(on_quiet rs1 "$IP" route show default)
assert_match "$route" "via $RS_NET\.1 " "real server's default route is its own router"
for i in 1 2; do
	[[ $route == *"$UP_NET.$((10 + i))"* ]] && fail "default route via a director"
done

log "the router spreads flows over both directors"
out=$(on_quiet rt "$IP" route show "$VIP")
echo "$out"
assert_match "$out" "nexthop via $DIR_NET\.11" "ECMP next hop lb1"
assert_match "$out" "nexthop via $DIR_NET\.12" "ECMP next hop lb2"
