#!/bin/bash
# Three directors, each running "lbctl agent" on one cluster file (a
# "bgp" per director, a tcp "health_check" on the service), announce the
# VIP through their BIRD to the router's BIRD, which puts every path into
# its kernel table (ECMP). Judged by outside observers only: the router's
# route table and bird, a client loop of short requests that runs through
# steps 1-3 (curl's result and the body, which names the real server),
# nginx's access logs (each line is the LIP, so the director, that
# carried a request):
#
#  1. all three announce: three next hops; each director carries
#     requests. A second VIP, whose one real server never answers
#     (nothing listens on its port) and whose fall (30 checks) is far
#     longer than the BGP sessions take to come up, is never on the
#     router: a director announces a VIP only once a check has passed
#     (docs/cluster.md). rs2's nginx stops: no client request fails from fall x
#     interval + 1 s on; started again, it gets clients after rise checks
#     (not sooner), from every director (its access log);
#  2. lb2's path to every real server cut (at rsr, for lb2's LIPs only):
#     its checks fail (each at its timeout), it withdraws, the router
#     keeps lb1 and lb3, no client request fails from fall x (interval +
#     timeout) + 1 s + the hold time on, none goes through lb2; the path
#     back: lb2 announces again;
#  3. lb2's link to the router cut, its agent and bird running (a dead
#     link, or a box gone silent): the router drops lb2 within the hold
#     time (measured), no client request fails from then on (the
#     failures before are counted); the link back, lb2's session comes
#     back by itself within 15 s: its bird's error wait after the hold
#     timer ran out is the agent's 5 s, not BIRD's default minute. Then
#     lb2's agent SIGKILLed: its bird dies with it, the router drops lb2
#     at once (the session's TCP connection closes; judged against the
#     hold time), failures counted likewise; lb2's agent started again
#     announces again. No BGP session of a director that lives ends in
#     steps 1-3 (the router's bird's log);
#  4. "lbctl drain" on lb2 with slow downloads open, one of them
#     through lb2: its route goes, the downloads through lb1 and lb3
#     complete (sha256), the agent exits 0 at its drain_timeout. lb2 has
#     "drain_handoff": its agent copies its connections into lb1 (its
#     namespace) and lb3 (through "ssh": "root@lb3", an ssh here that
#     logs its command line and runs the words as sshd would) before and
#     after the withdrawal, so the download through lb2, whose client's
#     packets the withdrawal moves to lb1 or lb3 (the ECMP rehash),
#     completes whole too (sha256, and nginx's line for lb2's LIP:port),
#     and lb1's and lb3's tables list it with lb2's LIP. (Without the
#     handoff it stalls there: 10.4 of 16.8 MB, curl's 40 s run out.)
#  5. lb2's agent again, a connection of its own (imported by hand), and
#     a peer that hangs: lb3's next "ssh" reads nothing, floods its
#     stdout and stderr with escape sequences and never exits. "lbctl
#     drain" on lb2: the router loses lb2's route within the handoff's
#     deadline (20 s) and a margin, not before it (the peer did hold
#     it); the hung ssh is gone by then (killed); lb1 (its namespace)
#     has the connection from the copy before the withdrawal, lb3 (its
#     ssh behaving again) from the one after; the agent exits 0 at its
#     drain_timeout; its log grew by little and holds no escape byte.
#
# Times that are not bounds of the issue (how soon a route comes back, a
# drain) are printed, not judged, but for two that catch a regression
# an order of magnitude away (a session back after 15 s, of BIRD's 60; a
# drain in 15 s, its timeout 5 s); the bounds are, with a margin for TCG
# and as much again as the guest stood still in them: on a busy host a
# TCG guest stops for whole seconds, every process in it at once
# (stall_watch, lib.sh). The hold time is 6 s: with 3 s (keepalives
# each second) a loaded host's guest lost a session whose director lived
# (its hold timer ran out), and BIRD's default error wait kept it down.
#
#  c1 --- rt (BIRD AS 65000, hold time 6, merge paths)
#          | br0 198.18.0.1
#         lb1 .11   lb2 .12   lb3 .13   (lbctl agent, its bird AS 65001)
#          |
#         rsr --- rs1, rs2 (nginx :8080)
#
# @timeout: 600
. /fnat/lib.sh
. /fnat/lib-bgp.sh

HOLD=6
VIP2=203.0.113.20
FALL=2 RISE=2 INTERVAL=1 TIMEOUT=1
# The TCG margin on a bound: the agent's poll loop and the observer's
# reads, each a few tenths of a second late under emulation.
MARGIN=1
N=3
dir=$FNAT_LOG/agent
mkdir -p "$dir"
topo_base $N 2
module_load fullnat
for r in 1 2; do
	http_server "rs$r" "rs$r" 0.0.0.0 8080
done
# downloaded slowly in 4. (16 s at 1 MB/s): more than the sockets'
# buffers hold, so a transfer lasts as long as the rate limit says
head -c 16777216 /dev/urandom > "$dir/big"
for r in 1 2; do
	cp "$dir/big" "$FNAT_LOG/nginx-rs$r/www/data/big"
done
big_sum=$(sha256sum < "$dir/big")
bgp_router $N "$HOLD"
on_exit "cat $FNAT_LOG/rt-bird.log; birdc -s $BGP_RTCTL show protocols 2>/dev/null"

dirs=""
for ((d = 1; d <= N; d++)); do
	# A check goes from a LIP, which must be a local address.
	on "lb$d" "$IP" addr add "$(lip_net $d).1/32" dev lo
	# lb2 hands its connections over on its drain (step 4), to lb3
	# through ssh
	case $d in
	2) extra=' "drain_handoff": true,' ;;
	3) extra=' "ssh": "root@lb3",' ;;
	*) extra= ;;
	esac
	dirs+="${dirs:+,}
    { \"name\": \"lb$d\", \"netns\": \"lb$d\", \"drain_timeout\": 5,$extra
      \"local_addresses\": [\"$(lip_net $d).1-$(lip_net $d).4\"],
      \"bgp\": $(bgp_json $d "$HOLD") }"
done
cat > "$dir/cluster.json" <<EOF
{ "schema_version": 1,
  "directors": [ $dirs ],
  "services": [
    { "protocol": "tcp", "vip": "$VIP", "port": 80, "scheduler": "rr",
      "health_check": { "type": "tcp", "interval": $INTERVAL, "timeout": $TIMEOUT,
                        "rise": $RISE, "fall": $FALL },
      "real_servers": [ { "address": "$RS_NET.11", "port": 8080 },
                        { "address": "$RS_NET.12", "port": 8080 } ] },
    { "protocol": "tcp", "vip": "$VIP2", "port": 80, "scheduler": "rr",
      "health_check": { "type": "tcp", "interval": 1, "timeout": 1,
                        "rise": 1, "fall": 30 },
      "real_servers": [ { "address": "$RS_NET.11", "port": 8089 } ] } ] }
EOF
cat "$dir/cluster.json"
run lbctl check "$dir/cluster.json"

# The agents' ssh, for lb2's handoff to lb3: what sshd would run (the
# words after the destination, joined, by the user's shell), here.
mkdir -p "$dir/bin"
cat > "$dir/bin/ssh" <<EOF
#!/bin/bash
echo "ssh \$*" >> $dir/ssh.log
while [[ \$1 == -o ]]; do shift 2; done
shift
exec sh -c "\$*"
EOF
chmod +x "$dir/bin/ssh"

declare -A AGENT
# agent D: lbD's agent started (from the host: it enters its namespace)
agent() {
	echo "+ lbctl agent $dir/cluster.json --director lb$1 &  (log: $dir/agent-lb$1.log)"
	PATH=$dir/bin:$PATH lbctl agent "$dir/cluster.json" --director "lb$1" >> "$dir/agent-lb$1.log" 2>&1 &
	AGENT[$1]=$!
}
for ((d = 1; d <= N; d++)); do
	agent $d
done
on_exit "kill -KILL \${AGENT[*]} 2>/dev/null; cat $dir/agent-lb*.log"

nexthops() { on_quiet rt "$IP" -4 route show "$VIP/32"; }
# routed_without D: every director but lbD is a next hop, lbD is not
routed_without() {
	local hops
	hops=$(nexthops)
	[[ $(grep -o 'via [0-9.]*' <<< "$hops" | wc -l) == $((N - 1)) &&
	   ! $hops =~ via\ $DIR_NET.$((10 + $1))\  ]]
}
# since_ms T0: milliseconds since $EPOCHREALTIME was T0
since_ms() { local t=$EPOCHREALTIME; echo $(( (${t/./} - ${1/./}) / 1000 )); }
# bound_ms SECONDS T0: SECONDS (scaled) in milliseconds, and as long again
# as the guest stood still since T0 (stall_watch; 0 on a quiet host), but
# half of it at most: a busy host stretches a bound by what it took from
# the guest, no more, and a director that burns the guest's CPU (which
# stalls the watch as well) cannot hide in the stretch beyond that
bound_ms() {
	local st half=$(($1 * 500 * FNAT_SCALE))
	st=$(stalled_ms "$2" "$EPOCHREALTIME")
	if ((st > half)); then
		log "WARNING: the guest stood still $st ms of it: the bound is $half ms later (half of it, the most)" >&2
		st=$half
	elif ((st)); then
		log "the guest stood still $st ms of it: the bound is as much later" >&2
	fi
	echo $((2 * half + st))
}
access() { cat "$FNAT_LOG/rs1.access" "$FNAT_LOG/rs2.access"; }
# carried D: requests in the access logs from lbD's LIPs
carried() { access | grep -c "^$(lip_net "$1")\." || true; }
# requests_ok N: N requests from the client, each answered
requests_ok() {
	local out
	out=$(requests c1 "http://$VIP/" "$1") || fail "a client request failed: $out"
	assert_eq "$(grep -c '^rs[12]$' <<< "$out")" "$1" "answers to $1 requests"
}
# loop_since T N: the client loop has made N requests that began after T
loop_since() { (($(loop_count client all "$1") >= $2)); }
# no_failures_from T0 SECONDS WHAT: no request of the client loop that
# began SECONDS (scaled) after T0 or later failed, once ten have; the
# bound (t_bound) as much later as the guest stood still until it
no_failures_from() {
	local st
	t_bound=$(t_plus "$1" "$2")
	wait_for 60 "ten client requests after $3" loop_since "$t_bound" 10
	st=$(stalled_ms "$1" "$t_bound")
	if ((st)); then
		log "the guest stood still $st ms of those $2 s: the bound is as much later"
		t_bound=$(awk -v t="$t_bound" -v s="$st" 'BEGIN { printf "%.6f", t + s / 1000 }')
		wait_for 60 "ten client requests after $3 (+$st ms)" loop_since "$t_bound" 10
	fi
	assert_eq "$(loop_count client fail "$t_bound")" 0 "client requests that began $3 and failed"
	log "client requests that began before that bound and failed: $(loop_count client fail "$1" "$t_bound") of $(loop_count client all "$1" "$t_bound")"
}
# collision_near D HH:MM:SS.mmm: lbD's bird logged a connection
# collision within a second of that time
collision_near() {
	awk -v t="$2" '
		function sec(s, a) { split(s, a, ":"); return a[1] * 3600 + a[2] * 60 + a[3] }
		/Connection collision/ { d = sec($2) - sec(t); if (d < 0) d = -d; if (d <= 1) f = 1 }
		END { exit !f }' "$dir/agent-lb$1.log"
}

# session_errors [D]: the router's bird's session errors (but lbD's): a
# director's session that ends while the director lives is one (a hold
# timer run out on a host too busy to give the guest the hold time). Not
# a collision's resolution: both ends connected at once, one connection
# is closed, the session goes on. The router logs its side of one as
# "Connection collision resolution", or as a plain Cease received within
# a second of the director's bird logging the collision (6.1-rt once:
# lb2 "Received: Connection collision resolution" at .807, the router
# "lb2: Received: Cease" at .818).
session_errors() {
	local day time rest
	{ grep -E ' lb[0-9]+: (Error|Received): ' "$FNAT_LOG/rt-bird.log" || true; } |
		{ grep -v -e " lb${1:-0}: " -e 'Connection collision' || true; } |
		while read -r day time rest; do
			[[ $rest =~ \ lb([0-9]+):\ Received:\ Cease$ ]] &&
				collision_near "${BASH_REMATCH[1]}" "$time" && continue
			echo "$day $time $rest"
		done
}

stall_watch
t0=$EPOCHREALTIME
wait_for 60 "$N next hops for the VIP on the router" bgp_has_nexthops $N
log "1. the directors announce: $N next hops $(since_ms "$t0") ms after the agents started"
nexthops
birdc -s "$BGP_RTCTL" show route "$VIP/32" all
assert_eq "$(birdc -s "$BGP_RTCTL" show route "$VIP/32" | grep -c 'via 198.18.0.1[1-3] ')" $N "the router's bird has a route from each director"
# vip2_routes: the router's routes to VIP2, in its kernel and its bird
vip2_routes() {
	on_quiet rt "$IP" -4 route show "$VIP2/32"
	birdc -s "$BGP_RTCTL" show route "$VIP2/32" | grep via || true
}
assert_eq "$(vip2_routes)" "" "routes to VIP2 (no check of its server has passed) when VIP's are in"
requests_ok 30
for ((d = 1; d <= N; d++)); do
	assert_ge "$(carried $d)" 1 "requests lb$d carried"
done
log "$(since_ms "$t0") ms since the agents started, less than VIP2's fall x interval (30 s)"
assert_eq "$(vip2_routes)" "" "routes to VIP2, still"
client_loop c1 "http://$VIP/" client
client=${_bg_pids[-1]}

log "rs2's nginx stops: quiesced by every director within fall x interval + 1 s"
t_stop=$EPOCHREALTIME
run kill "$(cat "$FNAT_LOG/nginx-rs2/nginx.pid")"
not_listening() { ! listening "$1" "$2"; }
wait_for 10 "rs2's nginx to stop" not_listening rs2 8080
no_failures_from "$t_stop" $((FALL * INTERVAL + 1 + MARGIN)) \
	"$((FALL * INTERVAL + 1)) s (+$MARGIN s) after rs2 stopped"

log "rs2 starts again: it gets clients after rise checks, from every director"
a0=$(wc -l < "$FNAT_LOG/rs2.access")
t_launch=$EPOCHREALTIME
http_server rs2 rs2 0.0.0.0 8080
t_start=$EPOCHREALTIME
rs2_got() { (($(wc -l < "$FNAT_LOG/rs2.access") > a0)); }
wait_for 20 "a client request in rs2's access log" rs2_got
ms=$(since_ms "$t_start")
log "rs2's first client $ms ms after it listened (rise $RISE x interval $INTERVAL s)"
# The first check after nginx listens comes up to an interval (and a
# tenth) later, then rise checks an interval apart, then the observer.
((ms <= $(bound_ms $(((RISE + 1) * INTERVAL + 1 + MARGIN)) "$t_start"))) ||
	fail "rs2 got no client for $ms ms after it listened"
# rise good checks take at least (rise - 1) intervals (less a tenth
# each), after nginx can first answer, which is after its launch
# (a lower bound: not scaled)
t_rise=$(awk -v t="$t_launch" -v r=$RISE -v i=$INTERVAL 'BEGIN { printf "%.6f", t + (r - 1) * i * 0.9 }')
early=$(loop_count client rs2 "$t_launch" "$t_rise")
assert_eq "$early" 0 "client requests rs2 answered sooner than rise checks could pass"
# rs2_from D: rs2's access log has a request from lbD's LIPs since a0
rs2_from() { tail -n +$((a0 + 1)) "$FNAT_LOG/rs2.access" | grep -q "^$(lip_net "$1")\."; }
for ((d = 1; d <= N; d++)); do
	wait_for 30 "rs2 to get a client through lb$d" rs2_from $d
done
assert_eq "$(loop_count client fail "$t_bound")" 0 "client requests failed since the bound"
assert_eq "$(session_errors)" "" "BGP session errors on the router while every director lives"

log "2. lb2's path to the real servers cut: its checks fail, it withdraws"
t0=$EPOCHREALTIME
on rsr iptables -A FORWARD -s "$(lip_net 2).0/24" -j DROP
wait_for 20 "lb2's route withdrawn" routed_without 2
log "lb2 withdrew $(since_ms "$t0") ms after its path was cut (fall $FALL x (interval $INTERVAL s + timeout $TIMEOUT s))"
nexthops
c2=$(carried 2)
# A check on a cut path fails at its timeout, and the next one starts an
# interval after that: fall x (interval + timeout) + 1 s to withdraw.
no_failures_from "$t0" $((FALL * (INTERVAL + TIMEOUT) + 1 + HOLD + MARGIN)) \
	"fall x (interval + timeout) + 1 s + the hold time (+$MARGIN s) after lb2's path was cut"
assert_eq "$(carried 2)" "$c2" "requests lb2 carried while withdrawn"
ipt_flush rsr FORWARD	# the DROP above is its only rule
t0=$EPOCHREALTIME
wait_for 20 "lb2 announcing again" bgp_has_nexthops $N
log "lb2 announced again $(since_ms "$t0") ms after its path came back (rise $RISE)"
assert_eq "$(session_errors)" "" "BGP session errors on the router while every director lives"

# The hold timer runs from lb2's last keepalive (every third of it), then
# BIRD's timers and the kernel route's update, slow under TCG: 4 s margin
# (2.6-3.8 s measured with two directors on a quiet host, 6.1 s with three
# and the client loop beside two other guests on 2 cores), and the time
# the guest stood still.
DEAD_MARGIN=4
log "3. lb2's link to the router cut, its agent and bird left running (a dead link, or a dead box: no FIN for the router to see)"
t0=$EPOCHREALTIME
on rt "$IP" link set lb2 down
wait_for 30 "the router to drop lb2" routed_without 2
ms=$(since_ms "$t0")
log "the router dropped the silent lb2 after $ms ms (hold time $HOLD s)"
nexthops
((ms <= $(bound_ms $((HOLD + DEAD_MARGIN)) "$t0"))) || fail "lb2 was routed to for $ms ms after its link was cut"
no_failures_from "$t0" $((HOLD + DEAD_MARGIN)) "the hold time (+$DEAD_MARGIN s) after lb2's link was cut"
# lb2's bird saw its session end too ("Link down": its eth0 lost its
# carrier; its hold timer on a link cut further away): a session error,
# after which bird waits its "error wait time" (5 s in the agent's
# bird.conf, BIRD's default 60 s: 60.6 s measured with it) before a new
# session, refusing the router's connections meanwhile
bird2ctl="birdc -s /run/lbctl/lb2/bird.ctl"
bgp2=bgp_${DIR_NET//./_}_1	# lb2's session's protocol
session_down() { ! $bird2ctl show protocols "$bgp2" | grep -q Established; }
wait_for 30 "lb2's bird to see its session end" session_down
$bird2ctl show protocols all "$bgp2" | grep -E 'BGP state|Last error' || true
on rt "$IP" link set lb2 up
t0=$EPOCHREALTIME
wait_for 90 "lb2 announcing again, its link back" bgp_has_nexthops $N
ms=$(since_ms "$t0")
log "lb2's session came back $ms ms after its link (error wait 5 s, connect delay 1 s, retry 5 s)"
# its error wait, then a connect (or the next retry, 5 s): 15 s of BIRD's 60
((ms <= $(bound_ms 15 "$t0"))) ||
	fail "lb2's session came back $ms ms after its link: a minute is BIRD's default error wait"
assert_eq "$(session_errors 2)" "" "BGP session errors on the router of directors other than lb2"

log "lb2's agent SIGKILLed: its bird dies with it, its session's TCP connection closes"
bird2=$(pgrep -P "${AGENT[2]}" -x bird)
assert_match "$bird2" '^[0-9]+$' "lb2's bird, a child of its agent"
t0=$EPOCHREALTIME
run kill -KILL "${AGENT[2]}"
wait_for 30 "the router to drop lb2" routed_without 2
ms=$(since_ms "$t0")
log "the router dropped lb2 $ms ms after its agent was killed (hold time $HOLD s)"
wait "${AGENT[2]}" 2>/dev/null || true
((ms <= $(bound_ms $((HOLD + DEAD_MARGIN)) "$t0"))) || fail "lb2 was routed to for $ms ms after its agent was killed"
no_failures_from "$t0" $((HOLD + DEAD_MARGIN)) "the hold time (+$DEAD_MARGIN s) after lb2's agent was killed"
agent 2
t0=$EPOCHREALTIME
wait_for 60 "lb2 announcing again after its agent started again" bgp_has_nexthops $N
log "lb2's new agent announced $(since_ms "$t0") ms after it started"
assert_eq "$(session_errors 2)" "" "BGP session errors on the router of directors other than lb2"
run kill "$client"	# the client loop
log "the client loop: $(loop_count client fail 0) of $(loop_count client all 0) requests failed in all"

log "4. lbctl drain on lb2 with downloads open, one of them through lb2"
# Each download on a connection of its own, from a port of its own: the
# router's hash puts it on a director; as many as it takes for one to be
# on lb2 (found by its client port in lb2's table, established). The
# ports are below the client's ephemeral range (32768-60999), which the
# client loop's requests took theirs from: one broken by step 3 on lb2
# left its 4-tuple there, and a download from its port would hash onto
# it again.
DL_PORT=20000
# From nginx's /slow/, at 1 MB/s: 16 s a download; as much slower as the
# guest (FNAT_SCALE: the debug kernel's drain took 21 s).
on_lb2() {
	[[ $(lbctl -n lb2 -j conn |
	     jq "[.[] | select(.client.port == $1 and .state == \"established\")] | length") != 0 ]]
}
via2=0
for ((i = 1; i <= 16; i++)); do
	bg c1 "dl$i" curl -sS --fail --max-time "$(scaled 40)" \
		--local-port $((DL_PORT + i)) -o "$dir/dl$i" "http://$VIP/slow/big"
	dl[i]=${_bg_pids[-1]}
	wait_for 20 "download $i under way" test -s "$dir/dl$i"
	if on_lb2 $((DL_PORT + i)); then
		via2=$i
		break
	fi
done
((via2)) || fail "none of $i downloads went through lb2"
# Its curl stops reading until lb2's route has gone, so that the download
# is still under way then however slow the steps before it are (on a
# debug kernel, all 16 MB had come before the route went). nginx waits
# for it (send_timeout).
echo "+ kill -STOP ${dl[via2]}  (download $via2's curl)"
kill -STOP "${dl[via2]}"
n=$i
log "$n downloads open, download $via2 through lb2"
port2=$((DL_PORT + via2))
# lip_port NS: the LIP:port of download via2's connection in NS's table
lip_port() {
	lbctl -n "$1" -j conn |
		jq -r ".[] | select(.client.port == $port2) | .local | \"\\(.address):\\(.port)\""
}
lport2=$(lip_port lb2)
assert_match "$lport2" "^$(lip_net 2)\\.[0-9]+:[0-9]+\$" "download $via2's LIP:port on lb2"
echo "+ lbctl drain --director lb2 &  (log: $dir/drain.log)"
lbctl drain --director lb2 > "$dir/drain.log" 2>&1 &
drain=$!
t0=$EPOCHREALTIME
wait_for 20 "lb2's route gone" routed_without 2
log "lb2's route gone $(since_ms "$t0") ms after the drain began"
# What follows judges a download that the withdrawal moved: it must still
# be under way (its curl stopped since it was found on lb2).
if ! kill -0 "${dl[via2]}" 2>/dev/null; then
	wait "${dl[via2]}" || echo "curl's exit status: $?"
	cat "$FNAT_LOG/dl$via2.log"
	ls -l "$dir/dl$via2"
	fail "download $via2 ended before lb2's route went: nothing to judge"
fi
log "download $via2 had $(stat -c %s "$dir/dl$via2") of 16777216 bytes when lb2's route went"
echo "+ kill -CONT ${dl[via2]}"
kill -CONT "${dl[via2]}"
wait_for 30 "lb2's agent to exit" sh -c "! kill -0 ${AGENT[2]}"
rc=0
wait "${AGENT[2]}" || rc=$?
ms=$(since_ms "$t0")
log "lb2's agent exited $ms ms after the drain began (drain_timeout 5 s)"
grep "drain\|open" "$dir/agent-lb2.log"
assert_eq "$rc" 0 "lb2's agent's exit status"
wait "$drain" || fail "lbctl drain failed: $(cat "$dir/drain.log")"
# 5 s of timeout, the two handoffs (7.9 s in all measured under load)
((ms <= 15000 * FNAT_SCALE)) || fail "the drain took $ms ms, its timeout is 5 s"
for ((i = 1; i <= n; i++)); do
	((i == via2)) && continue
	wait "${dl[i]}" ||
		fail "download $i (through lb1 or lb3) failed: $(cat "$FNAT_LOG/dl$i.log")" \
			"$(cat "$FNAT_LOG"/nginx-rs*/error.log)"
	assert_eq "$(sha256sum < "$dir/dl$i")" "$big_sum" "download $i's sha256 (through lb1 or lb3)"
done
# The one lb2 carried: its client's packets go to lb1 or lb3 since the
# withdrawal, which have it from lb2's handoff.
grep "handoff" "$dir/agent-lb2.log"
for d in 1 3; do
	assert_match "$(grep "handoff before the withdrawal: lb$d: " "$dir/agent-lb2.log")" \
		"lb$d: [1-9][0-9]* added, 0 already present, 0 refused, 0 not tried, 0 skipped, 0 half-open, 0 templates left out\$" \
		"lb2's handoff to lb$d before the withdrawal"
	grep -q "handoff after the withdrawal: lb$d: [0-9]* added" "$dir/agent-lb2.log" ||
		fail "lb2's agent did not hand its connections to lb$d after the withdrawal"
done
assert_match "$(cat "$dir/ssh.log")" \
	"^ssh -o BatchMode=yes -o ConnectTimeout=10 .* root@lb3 'lbctl' '-n' 'lb3' 'conn' 'import' '--warn-max' '10' '-'" \
	"lb2's agent's ssh command line for lb3"
rc=0
wait "${dl[via2]}" || rc=$?
log "download $via2 (through lb2): $(stat -c %s "$dir/dl$via2") of 16777216 bytes, curl's exit code $rc: $(cat "$FNAT_LOG/dl$via2.log")"
assert_eq "$rc" 0 "curl's exit code for download $via2 (through lb2, handed over)"
assert_eq "$(sha256sum < "$dir/dl$via2")" "$big_sum" "download $via2's sha256 (through lb2, handed over)"
assert_eq "$(cat "$FNAT_LOG/rs1.access" "$FNAT_LOG/rs2.access" | grep -cx "$lport2")" 1 \
	"nginx's line for download $via2 (from lb2's LIP:port)"
for d in 1 3; do
	assert_eq "$(lip_port lb$d)" "$lport2" \
		"download $via2's connection in lb$d's table, with lb2's LIP:port"
done
requests_ok 10
nexthops

log "5. lb2 drained again, with a peer over ssh that hangs and floods"
# The "ssh" of lb2's next handoff to lb3, once: it reads nothing, writes
# without end on stdout and stderr (escape sequences), never exits; the
# next ones behave.
cat > "$dir/bin/ssh.hang" <<EOF
#!/bin/bash
echo "ssh \$*" >> $dir/ssh.log
echo \$\$ > $dir/hang.pid
mv $dir/bin/ssh.next $dir/bin/ssh
yes \$'said \\e[2J\\e]0;x\\a' >&2 &
exec yes \$'out \\e[2J'
EOF
chmod +x "$dir/bin/ssh.hang"
mv "$dir/bin/ssh" "$dir/bin/ssh.next"
mv "$dir/bin/ssh.hang" "$dir/bin/ssh"
cat "$dir/bin/ssh"
agent 2
wait_for 60 "lb2 announcing again after its agent started again" bgp_has_nexthops $N
# A connection for lb2 to hand over, open (established, 10 min), with a
# LIP no director owns: imported by hand, as from another director.
cport=40077
jq -n --arg vip "$VIP" --arg lip "$(lip_net 2).9" --arg c "$CLIENT_NET.77" \
	--arg rs "$RS_NET.11" --argjson cport $cport '[{ "protocol": "tcp",
	"state": "established", "expires": 600, "forward": "fullnat",
	"client": { "address": $c, "port": $cport },
	"virtual": { "address": $vip, "port": 80 },
	"local": { "address": $lip, "port": 40077 },
	"real": { "address": $rs, "port": 8080 } }]' > "$dir/one.json"
run lbctl -n lb2 conn import "$dir/one.json"
# has_conn NS: NS's table has that connection
has_conn() {
	[[ $(lbctl -n "$1" -j conn | jq "[.[] | select(.client.port == $cport)] | length") == 1 ]]
}
has_conn lb2 || fail "lb2 did not take the connection"
log_size=$(stat -c %s "$dir/agent-lb2.log")
echo "+ lbctl drain --director lb2 &"
lbctl drain --director lb2 >> "$dir/drain.log" 2>&1 &
drain=$!
t0=$EPOCHREALTIME
# The deadline (20 s), then BIRD's withdrawal and the router's table (a
# 4 s margin under TCG, as for the hold time in 3.)
wait_for 30 "lb2's route gone" routed_without 2
ms=$(since_ms "$t0")
log "lb2's route gone $ms ms after the drain began, the hung peer's deadline 20 s"
((ms <= $(bound_ms 24 "$t0"))) ||
	fail "lb2's route went $ms ms after the drain began: later than the handoff's deadline"
assert_ge "$ms" 19000 "ms from the drain to the withdrawal (the hung peer held it until its deadline)"
hang_pid=$(cat "$dir/hang.pid")
! kill -0 "$hang_pid" 2>/dev/null || fail "the hung ssh (pid $hang_pid) still runs after the withdrawal"
has_conn lb1 || fail "lb1 does not have lb2's connection (the copy before the withdrawal)"
wait_for 30 "lb2's agent to exit" sh -c "! kill -0 ${AGENT[2]}"
rc=0
wait "${AGENT[2]}" || rc=$?
log "lb2's agent exited $(since_ms "$t0") ms after the drain began"
assert_eq "$rc" 0 "lb2's agent's exit status"
wait "$drain" || fail "lbctl drain failed: $(cat "$dir/drain.log")"
has_conn lb3 || fail "lb3 does not have lb2's connection (the copy after the withdrawal)"
grep "handoff" "$dir/agent-lb2.log" | tail -n 20
grew=$(($(stat -c %s "$dir/agent-lb2.log") - log_size))
log "lb2's agent's log grew by $grew bytes during the drain"
((grew < 16384)) || fail "lb2's agent's log grew by $grew bytes: the flood reached it"
assert_eq "$(tail -c "$grew" "$dir/agent-lb2.log" | grep -c $'\e')" 0 "lines of lb2's log with an escape byte"
