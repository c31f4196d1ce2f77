#!/bin/bash
# The demo cluster: what `make demo` shows. It grows with every feature;
# today the directors route plainly while fullnat.ko answers lbctl in each
# director namespace.
#
#  c1 198.51.100.2
#     |
#  rt 198.51.100.1 ---- ECMP ----+
#     |                          |
#  lb1 198.18.0.11            lb2 198.18.0.12      fullnat.ko, lbctl
#     |                          |
#  rsr 198.18.2.1 / 198.19.0.1 --+
#     |           |           |
#  rs1 .11     rs2 .12     rs3 .13                 nginx :8080
. /fnat/lib.sh

log "building the cluster: 1 client, 1 router, 2 directors, 3 real servers"
topo_base 2 3 > "$FNAT_LOG/topo.txt"
for i in 1 2 3; do
	http_server "rs$i" "rs$i" 0.0.0.0 8080 > /dev/null
done
module_load fullnat
module_load toa

for d in lb1 lb2; do
	log "director $d: lbctl -n $d show"
	lbctl -n "$d" show
done

log "client requests (routed through the directors for now)"
printf '%-6s %-18s %-12s %s\n' req url served-by "client seen by rs"
for i in 1 2 3 4 5 6; do
	rs=$(( (i - 1) % 3 + 1 ))
	url=http://$RS_NET.$((10 + rs)):8080/
	body=$(http_get c1 "$url")
	peer=$(tail -1 "$FNAT_LOG/rs$rs.access")
	printf '%-6s %-18s %-12s %s\n' "$i" "${url#http://}" "$body" "$peer"
done
log "demo done"
