#!/bin/bash
# Path MTU discovery through the director, each way a smaller MTU can sit:
#  A. rt's route to the client network has MTU 1300: rt tells the VIP
#     (the packets' source); the director must pass it on to the real
#     server, translated, or the download stalls.
#  B. rsr's route to the real servers has MTU 1300: rsr tells the LIP; the
#     director must pass it on to the client, translated, or uploads stall.
#  C. the director's own link to rsr has MTU 1300: the director itself
#     tells the client.
#
#  c1 --[A: mtu 1300 at rt]-- rt --- lb1 --[C: 1300]-- rsr --[B: 1300]-- rs1
#
# @timeout: 600
. /fnat/lib.sh

fullnat_web 1 1 rr
lb lb1 service add tcp "$VIP:9000" scheduler rr
lb lb1 rs add tcp "$VIP:9000" "$RS_NET.11:9000"
dd if=/dev/urandom of="$FNAT_LOG/nginx-rs1/www/data/blob" bs=1M count=5 status=none
want_down=$(sha256sum < "$FNAT_LOG/nginx-rs1/www/data/blob" | cut -d' ' -f1)
dd if=/dev/urandom of=/tmp/up bs=1M count=5 status=none
want_up=$(sha256sum < /tmp/up | cut -d' ' -f1)

download() {
	on_quiet c1 curl -sS --fail --max-time 60 "http://$VIP/data/blob" |
		sha256sum | cut -d' ' -f1
}

upload() { # the transcript goes to stderr, the checksum to stdout
	{
		rm -f "$FNAT_LOG/upload.sum"
		bg rs1 "sink$1" socat -u TCP-LISTEN:9000,reuseaddr \
			"SYSTEM:sha256sum > $FNAT_LOG/upload.sum"
		wait_for 20 "socat on rs1:9000" listening rs1 9000
		on c1 timeout "$(scaled 60)" socat -u /tmp/up "TCP:$VIP:9000"
		wait_for 60 "the upload's checksum" test -s "$FNAT_LOG/upload.sum"
	} >&2
	cut -d' ' -f1 < "$FNAT_LOG/upload.sum"
}

log "A: smaller MTU toward the client"
on rt "$IP" route change "$CLIENT_NET.0/24" dev c1 mtu 1300
assert_eq "$(download)" "$want_down" "download through a 1300-byte client path"
assert_ge "$(counter lb1 icmp_xlated)" 1 "ICMP translated toward the real server"
on rt "$IP" route change "$CLIENT_NET.0/24" dev c1

log "B: smaller MTU toward the real servers"
on rsr "$IP" route change "$RS_NET.0/24" dev brrs mtu 1300
before=$(counter lb1 icmp_xlated)
assert_eq "$(upload B)" "$want_up" "upload through a 1300-byte real-server path"
assert_ge "$(counter lb1 icmp_xlated)" "$((before + 1))" "ICMP translated toward the client"
on rsr "$IP" route change "$RS_NET.0/24" dev brrs

log "C: smaller MTU on the director's own link"
# Forget the path MTU the client learnt in B.
on c1 "$IP" route flush cache
on lb1 "$IP" link set eth1 mtu 1300
on rsr "$IP" link set lb1 mtu 1300
on rsr "$IP" link set brup mtu 1300
assert_eq "$(upload C)" "$want_up" "upload through the director's 1300-byte link"
assert_ge "$(counter lb1 frag_needed)" 1 "the director sent fragmentation-needed"
assert_eq "$(download)" "$want_down" "download through the director's 1300-byte link"
