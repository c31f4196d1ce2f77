#!/bin/bash
# A director that runs conntrack and a stateful firewall keeps working:
# FullNAT packets are taken before conntrack and sent untracked, so they
# create no conntrack entries and NAT rules do not touch them, while the
# firewall still applies to the director's other traffic. And an inline
# IPS's NFQUEUE ahead of the module (raw priority) does not upset it: the
# hooks after a queue run from the verdict's process context, with bottom
# halves on (nf_reinject()), where the module's softirq locking would not
# hold by itself.
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

log "an NFQUEUE ahead of the module: every packet of the service, both ways, through user space"
# Only prerouting: the module has no hook on locally generated packets,
# so a queue on OUTPUT would put nothing of the service's through it.
# The requests above took the module's locks in softirq; these take them
# from the consumer's verdicts: a lockdep kernel (make check-debug) sees
# both uses of each lock, and a module that left BH on here is reported
# ("inconsistent lock state"), not only one whose lock a softirq found
# held on the same CPU (a hang the stock kernel almost never shows).
bg lb1 nfq nfq_accept --queue 0 --max-seconds "$(scaled 300)"
nfq=${_bg_pids[-1]}
wait_for 10 "the queue's consumer bound" grep -qx "bound queue 0" "$FNAT_LOG/nfq.log"
# No "bypass": without the consumer's verdict a packet goes nowhere.
cat > "$FNAT_LOG/nfq.nft" <<EOF
table inet nfq {
	chain pre {
		type filter hook prerouting priority -300; policy accept;
		ip daddr $VIP tcp dport 80 counter queue num 0 comment "to_vip"
		ip saddr $RS_NET.0/24 ip daddr $(lip_net 1).0/24 tcp sport 8080 counter queue num 0 comment "to_lip"
	}
}
EOF
on lb1 nft -f "$FNAT_LOG/nfq.nft"
on_exit "$IP netns exec lb1 nft delete table inet nfq 2>/dev/null"
before=$(cat "$FNAT_LOG"/rs*.access | wc -l)
# requests' bound (120 s a request) would let a path that hangs run into
# the scenario's limit: each gets 20 s here, and the first to fail ends it
echo "+ [c1] curl http://$VIP/?[1-60]"
out=$(on_quiet c1 curl -sS --fail --fail-early --max-time "$(scaled 20)" "http://$VIP/?[1-60]")
for i in 1 2 3; do
	assert_eq "$(grep -cx "rs$i" <<< "$out" || true)" 20 "rs$i's answers through the queue (curl, rr)"
done
peers=$(cat "$FNAT_LOG"/rs*.access | tail -n +$((before + 1)) | cut -d: -f1 | sort | uniq -c)
echo "$peers"
assert_eq "$(awk '$2 ~ /^198\.18\.11\.[1-4]$/ { n += $1 } END { print n + 0 }' <<< "$peers")" 60 \
	"requests in the nginx logs from lb1's LIPs (translated after the queue)"
nft_count() { # nft_count COMMENT: packets the rule COMMENT queued
	on_quiet lb1 nft -j list chain inet nfq pre | jq -e --arg c "$1" \
		'[.nftables[].rule | select(.comment? == $c) | .expr[].counter.packets? // empty] | add'
}
# The last FIN may still be on its way when curl has returned: poll.
vip_pkts() { (($(nft_count to_vip) >= 240)); }
wait_for 10 "4 client packets per request queued" vip_pkts
to_vip=$(nft_count to_vip)
to_lip=$(nft_count to_lip)
assert_ge "$to_vip" 240 "client packets queued (nft's counter, >= 4 per request)"
assert_ge "$to_lip" 120 "real servers' packets queued (nft's counter, >= 2 per request)"
on lb1 nft delete table inet nfq
# /proc/net/netfilter/nfnetlink_queue, a line per queue: its number,
# portid, packets waiting, copy mode and range, packets dropped for a full
# queue, for a full socket, and the last packet id (every packet sent to
# the socket took one)
queue_line() { on_quiet lb1 cat /proc/net/netfilter/nfnetlink_queue; }
drained_q() { queue_line | awk '$1 == 0 && $3 == 0 { f = 1 } END { exit !f }'; }
wait_for 10 "every queued packet's verdict" drained_q
q=$(queue_line)
echo "nfnetlink_queue: $q"
read -r _ _ _ _ _ qfull udrop ids _ <<< "$q"
kill -TERM "$nfq"
rc=0
wait "$nfq" || rc=$?
cat "$FNAT_LOG/nfq.log"
assert_eq "$rc" 0 "the consumer's exit status"
accepted=$(awk '$1 == "accepted" { print $2 }' "$FNAT_LOG/nfq.log")
assert_ge "$accepted" 240 "packets accepted by the consumer (>= 4 per request)"
assert_eq "$accepted" "$((ids - udrop))" "packets accepted = packets the kernel queued to it"
assert_eq "$qfull" 0 "packets dropped for a full queue"
entries=$(on_quiet lb1 conntrack -L 2>/dev/null | grep -c "$VIP" || true)
assert_eq "$entries" 0 "conntrack entries for the VIP after the queue"
