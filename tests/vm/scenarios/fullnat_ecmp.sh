#!/bin/bash
# Two active directors behind one ECMP route serve the same VIP at once,
# each with its own LIPs: every connection completes, and replies come
# back through the director that created the connection (its LIPs are
# routed to it).
#
#  c1 --- rt (VIP via lb1 and lb2, ECMP on the 5-tuple of the headers)
#          |                    |
#         lb1 LIPs 198.18.11.x  lb2 LIPs 198.18.12.x
#          |                    |
#         rsr (198.18.11.0/24 -> lb1, 198.18.12.0/24 -> lb2) --- rs1..rs3
#
# @timeout: 400
. /fnat/lib.sh

fullnat_web 2 3 rr

out=$(requests c1 "http://$VIP/" 200)
assert_eq "$(grep -c '^rs[123]$' <<< "$out")" 200 "200 requests answered"

for d in 1 2; do
	lb "lb$d" show --stats
	n=$(lbctl -n "lb$d" -j show | jq '.services[0].stats.conns')
	assert_ge "$n" 20 "connections through lb$d"
	peers=$(cat "$FNAT_LOG"/rs*.access | cut -d: -f1 | grep -c "^$(lip_net "$d")\." || true)
	assert_eq "$peers" "$n" "real servers saw lb$d's LIPs exactly for its connections"
done
total=$(( $(lbctl -n lb1 -j show | jq '.services[0].stats.conns') +
	  $(lbctl -n lb2 -j show | jq '.services[0].stats.conns') ))
assert_eq "$total" 200 "every connection went through exactly one director"
for d in 1 2; do
	assert_eq "$(counter "lb$d" not_syn)" 0 "lb$d saw no packet of the other's connections"
done
