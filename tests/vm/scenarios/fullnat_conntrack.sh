#!/bin/bash
# A director that runs conntrack and a stateful firewall keeps working:
# FullNAT packets are taken before conntrack and sent untracked, so they
# create no conntrack entries and NAT rules do not touch them, while the
# firewall still applies to the director's other traffic.
#
#  c1 --- rt --- lb1 (iptables: FORWARD drop except established,
#                     MASQUERADE on eth1, conntrack loaded) --- rsr --- rs1..3
#
# @timeout: 300
. /fnat/lib.sh

fullnat_web 1 3 rr
on lb1 iptables -P FORWARD DROP
on lb1 iptables -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
on lb1 iptables -A FORWARD -m conntrack --ctstate INVALID -j DROP
on lb1 iptables -t nat -A POSTROUTING -o eth1 -j MASQUERADE
on lb1 iptables -A INPUT -m conntrack --ctstate INVALID -j DROP

out=$(requests c1 "http://$VIP/" 60)
assert_eq "$(grep -c '^rs[123]$' <<< "$out")" 60 "60 requests through the firewalled director"
entries=$(on_quiet lb1 conntrack -L 2>/dev/null | grep -c "$VIP" || true)
assert_eq "$entries" 0 "conntrack entries for the VIP"
peers=$(cat "$FNAT_LOG"/rs*.access | cut -d: -f1 | sort -u | tr '\n' ' ')
echo "peers: $peers"
[[ $peers == *"198.18.2.11"* ]] && fail "MASQUERADE rewrote FullNAT packets"
echo "ok: MASQUERADE left FullNAT packets alone"

log "the firewall still guards the director's forwarding"
set +e
on_quiet c1 curl -s --max-time 4 "http://$RS_NET.11:8080/" >/dev/null
rc=$?
set -e
assert_eq "$rc" 28 "plain forwarding is dropped by the FORWARD policy (curl timeout)"
