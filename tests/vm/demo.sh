#!/bin/bash
# The demo cluster: what `make demo` shows. Two active directors behind an
# ECMP router serve one VIP with FullNAT; three real servers in their own
# subnet run nginx and toa.ko, and log the client address they see.
#
#  c1 198.51.100.2 (curl)
#     |
#  rt 198.51.100.1 ---- ECMP (layer-4 hash) ----+
#     |                                         |
#  lb1 198.18.0.11  LIPs 198.18.11.1-4       lb2 198.18.0.12  LIPs 198.18.12.1-4
#     |                                         |       fullnat.ko, lbctl
#  rsr 198.18.2.1 / 198.19.0.1 -----------------+  (routes each LIP range
#     |           |           |                     back to its director)
#  rs1 .11     rs2 .12     rs3 .13   nginx :8080, toa.ko
#  (default route: rsr, not a director)
. /fnat/lib.sh

log "building the cluster"
fullnat_web 2 3 rr > "$FNAT_LOG/setup.txt"
on_quiet rt sysctl -qw net.ipv4.fib_multipath_hash_policy=1
run modprobe toa trusted_sources=198.18.11.0/24,198.18.12.0/24
on_exit "rmmod toa"

for d in lb1 lb2; do
	log "director $d: lbctl -n $d show"
	lbctl -n "$d" show
done

log "12 requests from the client"
printf '\n%-4s %-13s %-9s %-12s %-22s %s\n' req client-port director real-server \
	"seen by the server" "director's local address"
for i in $(seq 1 12); do
	port=$((42000 + i))
	rs=$(on_quiet c1 curl -sS --fail --max-time 10 --local-port "$port" "http://$VIP/")
	seen=$(tail -1 "$FNAT_LOG/$rs.access")
	director=- lip=-
	for d in lb1 lb2; do
		lip=$(lbctl -n "$d" -j conn |
		      jq -r --argjson p "$port" '.[] | select(.client.port == $p) |
		      "\(.local.address):\(.local.port)"' | head -1)
		if [[ -n $lip ]]; then
			director=$d
			break
		fi
	done
	printf '%-4s %-13s %-9s %-12s %-22s %s\n' "$i" "$port" "$director" "$rs" "$seen" "$lip"
done

log "per director"
for d in lb1 lb2; do
	lbctl -n "$d" show --stats
done
log "demo done: every request reached a real server through one director, and the server saw the client itself"
