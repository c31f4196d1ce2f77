#!/bin/bash
# Root of an unprivileged user namespace is not a director: every lbctl
# command is refused with a clear error, from a network namespace of its
# own (unshare -Urn) and from inside an existing director's namespace
# (unshare -U there), and the director's state is unchanged. The global
# connection bound (module parameter conn_max_global) holds across two
# directors: a client is refused once both together are at it.
#
#  c1 --- rt ==ECMP== lb1, lb2 --- rsr --- rs1     conn_max_global=6
#
# @timeout: 500
. /fnat/lib.sh

topo_base 2 1
run modprobe fullnat conn_max_global=6
on_exit "grep -q '^fullnat ' /proc/modules && rmmod fullnat"
for d in 1 2; do
	lb "lb$d" laddr add "$(lip_net $d).1"
	lb "lb$d" service add tcp "$VIP:80" scheduler rr
	lb "lb$d" rs add tcp "$VIP:80" "$RS_NET.11:8080"
	lb "lb$d" config set timeout time_wait 2 timeout close 2 timeout fin_wait 3 \
		timeout last_ack 3 timeout close_wait 3
done
http_server rs1 rs1 0.0.0.0 8080
before=$(lbctl -n lb1 export; lbctl -n lb1 -j show | jq -S 'del(.connections)')

# Every command, read-only ones too, with arguments that root could run.
cmds=(
	"show"
	"-j show"
	"export"
	"stats"
	"conn"
	"config"
	"config set conn_max 5"
	"laddr"
	"laddr add 198.18.11.2"
	"laddr del 198.18.11.1"
	"service add tcp $VIP:81 scheduler rr"
	"service set tcp $VIP:80 scheduler wrr"
	"service del tcp $VIP:80"
	"rs add tcp $VIP:80 $RS_NET.12:8080"
	"rs set tcp $VIP:80 $RS_NET.11:8080 weight 3"
	"rs del tcp $VIP:80 $RS_NET.11:8080"
)
refused() { # refused WHERE CMD...: run CMD, expect refusal with an explanation
	local where=$1 out rc
	shift
	set +e
	out=$("$@" 2>&1); rc=$?
	set -e
	echo "$where: $* -> $rc: $out"
	[[ $rc != 0 ]] || fail "$where: '$*' was not refused"
	[[ $out =~ CAP_NET_ADMIN.*initial\ user\ namespace ]] ||
		fail "$where: '$*' refused without saying why: $out"
}

log "from a user and network namespace of its own"
for c in "${cmds[@]}"; do
	# shellcheck disable=SC2086
	refused "unshare -Urn" unshare -Urn lbctl $c
done
echo "ok: ${#cmds[@]} commands refused"

log "from a user namespace inside the director's network namespace"
for c in "${cmds[@]}"; do
	# shellcheck disable=SC2086
	refused "lb1 + unshare -Ur" "$IP" netns exec lb1 unshare -Ur lbctl $c
done
echo "ok: ${#cmds[@]} commands refused"
after=$(lbctl -n lb1 export; lbctl -n lb1 -j show | jq -S 'del(.connections)')
[[ $before == "$after" ]] || { diff <(echo "$before") <(echo "$after"); fail "the director's state changed"; }
echo "ok: the director's state is unchanged"

log "the global bound: 6 connections for lb1 and lb2 together"
assert_eq "$(cat /sys/module/fullnat/parameters/conn_max_global)" 6 "conn_max_global"
bg c1 hold6 tcp_hold -n 6 -t 20000 -w /tmp/release "$VIP" 80
wait_for 60 "6 connections" grep -q '^connected=' "$FNAT_LOG/hold6.log"
assert_match "$(head -1 "$FNAT_LOG/hold6.log")" "^connected=6 failed=0" "6 connections fit"
echo "lb1 $(conns lb1), lb2 $(conns lb2) connections"
assert_eq "$(($(conns lb1) + $(conns lb2)))" 6 "connections of both directors"
set +e
out=$(on_quiet c1 curl -sS --max-time 5 "http://$VIP/" 2>&1); rc=$?
set -e
echo "curl: $rc $out"
[[ $rc != 0 ]] || fail "a 7th connection was accepted over the global bound"
echo "ok: the 7th connection is refused (curl exit $rc)"
assert_ge "$(($(counter lb1 global_limit) + $(counter lb2 global_limit)))" 1 \
	"global_limit counts the refusal"
touch /tmp/release
wait_for 60 "the 6 replies" grep -q '^replies=6 ' "$FNAT_LOG/hold6.log"
wait_for 60 "released connections" drained lb1
wait_for 60 "released connections" drained lb2
out=$(http_get c1 "http://$VIP/")
assert_eq "$out" rs1 "a connection fits again"

log "connections are charged to the memory cgroup of whoever made the director"
mkdir -p /sys/fs/cgroup
mountpoint -q /sys/fs/cgroup || mount -t cgroup2 none /sys/fs/cgroup
grep -qw memory /sys/fs/cgroup/cgroup.controllers || skip "no memory controller"
echo +memory > /sys/fs/cgroup/cgroup.subtree_control
mkdir /sys/fs/cgroup/director
on_exit "rmdir /sys/fs/cgroup/director"
run rmmod fullnat
run modprobe fullnat
echo "+ [cgroup director] lbctl -n lb1: laddr, service, rs"
bash -c "echo \$\$ > /sys/fs/cgroup/director/cgroup.procs
	lbctl -n lb1 laddr add $(lip_net 1).1-$(lip_net 1).4 &&
	lbctl -n lb1 service add tcp $VIP:80 scheduler rr &&
	lbctl -n lb1 rs add tcp $VIP:80 $RS_NET.11:8080"
on rt "$IP" route replace "$VIP/32" via "$DIR_NET.11"
# 256 KiB for connections on top of what the director holds already
# (its early-drop ring, 256 KiB, among it)
held=$(cat /sys/fs/cgroup/director/memory.current)
echo "director's cgroup before any connection: $held bytes"
echo $((held + 256 * 1024)) > /sys/fs/cgroup/director/memory.max
bg c1 flood syn_flood -r 1000 -w /tmp/stop "$VIP" 80
wait_for 120 "a failed allocation" bash -c "(( \$(lbctl -n lb1 stats | awk '\$1 == \"nomem\" { print \$2 }') > 0 ))"
# counted at once: the flood's connections expire 2 s after their SYN
n=$(conns lb1)
touch /tmp/stop
echo "connections when one failed: $n, nomem: $(counter lb1 nomem)"
grep -E '^(max|oom) ' /sys/fs/cgroup/director/memory.events
# 192 bytes each (224 on PREEMPT_RT). A CPU charges ahead and keeps up to
# 64 pages of stock (MEMCG_CHARGE_BATCH), which memory.current already
# counted and later connections use without counting: up to that much
# more fits, per CPU.
assert_ge $(((256 * 1024 + 2 * 64 * 4096) / 192 - n)) 0 \
	"connections within the cgroup's 256 KiB and two CPUs' stock"
# and the cgroup is what refused: not a handful, a good part of 256 KiB
assert_ge "$n" 256 "connections in the cgroup's 256 KiB"
