#!/bin/bash
# The demo cluster: what `make demo` shows. Two active directors behind an
# ECMP router serve one VIP with FullNAT; three real servers in their own
# subnet run nginx and toa.ko, and log the client address they see.
#
#  c1 198.51.100.2 (curl)
#     |
#  rt 198.51.100.1 ---- ECMP (layer-4 hash), ---+  BIRD: the VIP's route
#     |                 learnt by BGP           |  from each director
#     |                                         |
#  lb1 198.18.0.11  LIPs 198.18.11.1-4       lb2 198.18.0.12  LIPs 198.18.12.1-4
#     |                                         |       fullnat.ko, lbctl, BIRD
#  rsr 198.18.2.1 / 198.19.0.1 -----------------+  (routes each LIP range
#     |           |           |                     back to its director)
#  rs1 .11     rs2 .12     rs3 .13   nginx :8080, toa.ko
#  (default route: rsr, not a director)
#
# Both directors are configured by one cluster file and "lbctl apply";
# then each one's "lbctl agent" keeps its part and announces the VIP to
# the router over BGP, through BIRD, as its "bgp" keys say.
. /fnat/lib.sh
. /fnat/lib-bgp.sh

log "building the network"
{
	topo_base 2 3
	module_load fullnat
	for r in 1 2 3; do
		http_server "rs$r" "rs$r" 0.0.0.0 8080
	done
	bgp_router 2 3
} > "$FNAT_LOG/setup.txt"

cat > "$FNAT_LOG/cluster.json" <<EOF
{
  "schema_version": 1,
  "directors": [
    { "name": "lb1", "netns": "lb1", "local_addresses": ["198.18.11.1-198.18.11.4"],
      "bgp": $(bgp_json 1 3) },
    { "name": "lb2", "netns": "lb2", "local_addresses": ["198.18.12.1-198.18.12.4"],
      "bgp": $(bgp_json 2 3) }
  ],
  "services": [
    { "name": "web", "protocol": "tcp", "vip": "$VIP", "port": 80,
      "forward": "fullnat", "scheduler": "rr", "toa": true,
      "real_servers": [ { "address": "198.19.0.11", "port": 8080 },
                        { "address": "198.19.0.12", "port": 8080 },
                        { "address": "198.19.0.13", "port": 8080 } ] }
  ]
}
EOF
log "the cluster file"
cat "$FNAT_LOG/cluster.json"
log "lbctl apply cluster.json"
lbctl apply "$FNAT_LOG/cluster.json"
log "lbctl apply cluster.json, again: nothing to do"
lbctl apply "$FNAT_LOG/cluster.json"
log "each director's lbctl agent announces the VIP over BGP through BIRD"
for d in 1 2; do
	echo "+ lbctl agent cluster.json --director lb$d &"
	lbctl agent "$FNAT_LOG/cluster.json" --director "lb$d" > "$FNAT_LOG/agent-lb$d.log" 2>&1 &
	on_exit "kill -KILL $!"
	disown	# killed at the end: no "Killed" line from the shell
done
wait_for 60 "both directors' routes on the router" bgp_has_nexthops 2
log "the router's route to the VIP, learnt by BGP"
"$IP" -n rt route show "$VIP/32"
run modprobe toa trusted_sources=198.18.11.0/24,198.18.12.0/24
on_exit "rmmod toa"
for r in rs1 rs2 rs3; do	# the list is per namespace; the parameter is the initial one's
	on "$r" sysctl -qw net.toa.trusted_sources=198.18.11.0/24,198.18.12.0/24
done

log "lbctl show cluster.json"
lbctl show "$FNAT_LOG/cluster.json"

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

log "per director: lbctl show --stats cluster.json"
lbctl show --stats "$FNAT_LOG/cluster.json"
log "demo done: every request reached a real server through one director, and the server saw the client itself"
