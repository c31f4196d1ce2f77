#!/bin/bash
# make bench: speed and memory of the director, fullnat.ko against the
# kernel's own IPVS (NAT), plain routing and HAProxy, in one VM boot, on
# one topology, with one client and one server program. Not a test: it
# asserts nothing about speed; it prints result lines that the host turns
# into a table (bench/report.sh):
#
#   @@BENCH metric=M path=P rep=N value=V [key=value...]
#   @@BENCH info key=value...
#
# Four directors side by side, each alone in its namespace so that no
# path pays for another's hooks; the links, router hops and real servers
# are the same for all. Each path has its own client address, so that the
# real servers' replies can be routed back per path.
#
#  c1 198.51.100.2 direct, .3 ipvs, .4 fullnat, .5 haproxy   bench_cli
#     |
#  rt 198.51.100.1 / 198.18.0.1       routes: RS net via lb1, VIPs per director
#     |              |              |              |
#  lb1 .11        lb2 .12        lb3 .13        lb4 .14      (198.18.0.x)
#  router only    IPVS NAT       fullnat.ko     HAProxy (TCP mode)
#                 VIP .20 on lo  VIP .10 (TOA)  VIP .40 on lo
#                                VIP .12 (no TOA)
#                                LIPs 198.18.13.1-32
#     |              |              |              |
#  rsr 198.18.2.1 / 198.19.0.1   routes: 198.51.100.3 via lb2 (NAT's return
#     |           |              path), the rest of 198.51.100.0/24 via lb1,
#  rs1 .11     rs2 .12           LIPs via lb3; lb4 connects from 198.18.2.14
#  bench_srv rr :8080, sink :9000, source :9001; toa.ko (trusting the LIPs)
#
# Director-only packet rate: in lb1, lb2 and lb3 a dummy device "pgin"
# receives what pktgen generates (xmit_mode netif_receive: the packet
# enters the director's receive path directly, on one CPU, synchronously),
# and routes lead 198.19.9.0/24 (16 pretend real servers) to a dummy
# "pgout" that drops what it is given. pktgen builds UDP only: an nftables
# netdev ingress rule on pgin makes each packet TCP (protocol, and the
# flags word: SYN to open connections, ACK for the packets of open ones).
# Nothing but the director's own work differs between the paths.
#
# Settings (kernel command line fnat.bench.NAME=VALUE; run.sh passes the
# host's BENCH_NAME variables): REPS (5) rounds of every measurement,
# SECS (4) seconds per connection/bulk measurement, PKTS (100000) packets
# per packet-rate measurement, PARTS (crr,bulk,flood,scale,svc,methods,
# methods6,sched) what to run, SCALE (1000,100000,1000000) table sizes, SVCS
# (1,100,1000) service counts, FLOOD_PPS (5000) the SYN flood's rate, FLOOD_CONN_MAX
# (5000) fullnat.ko's table bound in the "full table" flood round, M_CONNS
# (1000) established connections and flows per path and M_NEW (20000) new
# ones per path and round in part_methods (and part_methods6, its IPv6
# director-only rounds), M_REAL (1; 0: skip) its connections through real
# clients and servers, S_NEW (20000) new connections
# per scheduler, director and round in part_sched, PROFILE (empty) loads to
# profile with perf (software clock; TCG has no hardware counters),
# comma-separated MODE-PATH: crr-, down-, up- or pps-, then a path
# (profile(), profile_pps(); part_methods' paths: m_profile(), which
# profiles the kinds M_PROFILE_KINDS (ack,syn,udp,udp_new), the new
# connections and flows over M_PROFILE_RUNS (5) runs of M_NEW; part_sched's
# pps-fnat_SCHED and pps-ipvs_SCHED: s_profile()),
# PROFILE_SCALE (the first of SCALE) the table size at which pps- loads
# of part_scale are profiled.
. /fnat/lib.sh

REPS=5 SECS=4 PKTS=100000 PARTS=crr,bulk,flood,scale,svc,methods,methods6,sched
M_CONNS=1000 M_NEW=20000 S_NEW=20000 M_PROFILE_KINDS=ack,syn,udp,udp_new M_PROFILE_RUNS=5
M_REAL=1
SCALE=1000,100000,1000000 SVCS=1,100,1000 PROFILE= PROFILE_SCALE=
FLOOD_PPS=5000 FLOOD_CONN_MAX=5000
for arg in $(cat /proc/cmdline); do
	case $arg in
	fnat.bench.*=*)
		arg=${arg#fnat.bench.}
		declare "${arg%%=*}=${arg#*=}" ;;
	esac
done
want() { [[ ,$PARTS, == *,$1,* ]]; }
: "${PROFILE_SCALE:=${SCALE%%,*}}"

CIP_D=$CLIENT_NET.2 CIP_I=$CLIENT_NET.3 CIP_F=$CLIENT_NET.4 CIP_H=$CLIENT_NET.5
VIP_F=203.0.113.10 VIP_F0=203.0.113.12 VIP_I=203.0.113.20 VIP_H=203.0.113.40
RS1=$RS_NET.11 RS2=$RS_NET.12
# packet-rate services: fullnat and IPVS VIPs, and the pretend servers
PG_VIP_F=203.0.113.11 PG_VIP_I=203.0.113.21 PG_RS=198.19.9
PG_SVC_VIP=203.0.113.30 PG_SVC_PORT=10000
# pktgen's thread, whose CPU the director's work of a packet-rate run is on
PG_CPU=0
PATHS=(direct ipvs fnat_toa fnat haproxy)

emit() { echo "@@BENCH $*"; }

# The parts and their helpers, one file each (bench/; image.sh copies them
# to /fnat/bench/). Only functions and constants: nothing runs before main.
# shellcheck source=bench/topology.sh
. /fnat/bench/topology.sh
# shellcheck source=bench/pktgen.sh
. /fnat/bench/pktgen.sh
# shellcheck source=bench/crr.sh
. /fnat/bench/crr.sh
# shellcheck source=bench/flood.sh
. /fnat/bench/flood.sh
# shellcheck source=bench/scale.sh
. /fnat/bench/scale.sh
# shellcheck source=bench/methods.sh
. /fnat/bench/methods.sh
# shellcheck source=bench/sched.sh
. /fnat/bench/sched.sh
# shellcheck source=bench/profile.sh
. /fnat/bench/profile.sh

# --- main -------------------------------------------------------------------------

# The emulated HPET costs an exit to QEMU per clock read, and TCP reads
# the clock on every packet: the TSC (run.sh boots with tsc=reliable) is
# what a real machine would use, and leaves more of the time to the paths.
cs=/sys/devices/system/clocksource/clocksource0
grep -qw tsc "$cs/available_clocksource" && echo tsc > "$cs/current_clocksource"
emit "info kernel=$(uname -r) cpus=$(nproc) mem_mb=$(( $(awk '/MemTotal/ { print $2 }' /proc/meminfo) / 1024 ))" \
     "reps=$REPS secs=$SECS pkts=$PKTS clocksource=$(cat "$cs/current_clocksource")"
setup_paths > "$FNAT_LOG/setup.txt" 2>&1 || { cat "$FNAT_LOG/setup.txt"; fail "setup"; }
log "topology ready"
if want crr || want bulk; then
	part_crr_bulk
fi
[[ -n $PROFILE ]] && profile
if want flood || want scale || want svc || want methods || want methods6 || want sched; then
	setup_pktgen > "$FNAT_LOG/setup-pktgen.txt" 2>&1 ||
		{ cat "$FNAT_LOG/setup-pktgen.txt"; fail "pktgen setup"; }
	emit "info fnat_tab_bits=$(cat /sys/module/fullnat/parameters/conn_tab_bits)" \
	     "ipvs_tab_bits=$(cat /sys/module/ip_vs/parameters/conn_tab_bits)"
fi
if want flood; then
	emit "info flood_pps_asked=$FLOOD_PPS flood_conn_max=$FLOOD_CONN_MAX"
	part_flood
	if want scale || want svc || want methods || want methods6 || want sched; then
		# The flood's connections must not count in the tables measured
		# next: fullnat.ko keeps them 30 s (SYN_RECV), IPVS 60 s.
		log "waiting for the flood's connections to expire"
		# shellcheck disable=SC2016 # evaluated at each poll
		wait_for 180 "empty tables after the flood" \
			eval '(( $(table_size ipvs) + $(table_size fnat) == 0 ))'
	fi
fi
if want scale || want svc || want methods || want methods6 || want sched; then
	pg_config_scale > "$FNAT_LOG/setup-pktgen-scale.txt" 2>&1
fi
want scale && part_scale
want svc && part_svc
want methods && part_methods
want methods6 && part_methods6
want sched && part_sched
log "bench done"
