#!/bin/bash
# Bulk transfers through FullNAT with GRO on the director's interfaces:
# 50 MB down and 50 MB up, checksums compared end to end.
#
#  c1 --- rt --- lb1 (GRO on eth0, eth1) --- rsr --- rs1
#        VIP:80 -> nginx :8080 (download), VIP:9000 -> socat :9000 (upload)
#
# @timeout: 600
. /fnat/lib.sh

fullnat_web 1 1 rr
lb lb1 service add tcp "$VIP:9000" scheduler rr
lb lb1 rs add tcp "$VIP:9000" "$RS_NET.11:9000"
for dev in eth0 eth1; do
	on lb1 ethtool -K "$dev" gro on
done
on lb1 ethtool -k eth0 | grep generic-receive-offload

log "50 MB download"
dd if=/dev/urandom of="$FNAT_LOG/nginx-rs1/www/data/blob" bs=1M count=50 status=none
want=$(sha256sum < "$FNAT_LOG/nginx-rs1/www/data/blob" | cut -d' ' -f1)
got=$(on_quiet c1 curl -sS --fail --max-time 300 "http://$VIP/data/blob" | sha256sum | cut -d' ' -f1)
assert_eq "$got" "$want" "download checksum"

log "50 MB upload"
bg rs1 sink socat -u TCP-LISTEN:9000,reuseaddr "SYSTEM:sha256sum > $FNAT_LOG/upload.sum"
wait_for 20 "socat on rs1:9000" listening rs1 9000
dd if=/dev/urandom of=/tmp/up bs=1M count=50 status=none
want=$(sha256sum < /tmp/up | cut -d' ' -f1)
on c1 socat -u /tmp/up "TCP:$VIP:9000"
wait_for 60 "the upload's checksum" test -s "$FNAT_LOG/upload.sum"
assert_eq "$(cut -d' ' -f1 < "$FNAT_LOG/upload.sum")" "$want" "upload checksum"

lb lb1 show --stats
assert_eq "$(counter lb1 xmit_err)" 0 "no transmit errors"
