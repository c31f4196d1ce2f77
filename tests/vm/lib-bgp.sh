# BGP through BIRD 2 between topo_base's router rt and its directors
# lb1..lbN, instead of the ECMP route topo_base sets by hand; sourced after
# lib.sh (agent_bgp.sh, demo.sh).
#
# The directors' side is lbctl's: each director's "lbctl agent" generates
# its bird's configuration from the director's "bgp" in the cluster file,
# starts bird and supervises it; the router's is the configuration a
# Linux router would have, ECMP over every director's route ("merge
# paths").

BGP_ROUTER_AS=65000
BGP_DIRECTOR_AS=65001	# one AS for all: equal routes, one ECMP route
BGP_RTCTL=$FNAT_LOG/rt-bird.ctl

# bgp_router DIRECTORS HOLD: the hand-made VIP route gone, BIRD on rt
# peering with lb1..lbDIRECTORS, HOLD the hold time it asks for.
bgp_router() {
	local n=$1 hold=$2 d conf=$FNAT_LOG/rt-bird.conf
	on rt "$IP" route del "$VIP/32"
	{
		cat <<-EOF
		log stderr all;
		router id $DIR_NET.1;
		protocol device {
		}
		# Every path of the best ones into the kernel: ECMP.
		protocol kernel {
			ipv4 { import none; export all; };
			merge paths on;
		}
		template bgp director {
			local $DIR_NET.1 as $BGP_ROUTER_AS;
			hold time $hold;
			# A director back after a failure (its hold timer
			# expired) is taken back at once, not after BIRD's
			# default 60 s of error wait.
			error wait time 1, 5;
			connect delay time 1;
			ipv4 { import all; export none; };
		}
		EOF
		for ((d = 1; d <= n; d++)); do
			echo "protocol bgp lb$d from director { neighbor $DIR_NET.$((10 + d)) as $BGP_DIRECTOR_AS; }"
		done
	} > "$conf"
	bg rt rt-bird bird -f -c "$conf" -s "$BGP_RTCTL"
	wait_for 20 "the router's bird" test -S "$BGP_RTCTL"
}

# bgp_json N HOLD: the "bgp" key of director lbN in the cluster file.
bgp_json() {
	echo "{ \"local_as\": $BGP_DIRECTOR_AS, \"router_id\": \"$DIR_NET.$((10 + $1))\"," \
	     "\"neighbors\": [ { \"address\": \"$DIR_NET.1\", \"as\": $BGP_ROUTER_AS, \"hold_time\": $2 } ] }"
}

# bgp_nexthops: how many next hops the router's kernel has for the VIP.
bgp_nexthops() {
	on_quiet rt "$IP" -4 route show "$VIP/32" | grep -o 'via [0-9.]*' | wc -l
}
bgp_has_nexthops() { [[ $(bgp_nexthops) == "$1" ]]; }
