#!/bin/bash
# lbctl apply: one cluster file drives two active directors, each in its
# own namespace; a second file changes only what differs, under open
# connections; a wrong file changes nothing anywhere; a change the kernel
# refuses on one director rolls that director back while the other goes on;
# two applies at once: the second is refused by the first's lock; a
# writer between an apply's snapshot and its first write: the kernel's
# generation refuses the apply, which changes nothing; SIGTERM during an
# apply stops it before its next change; two applies of different files
# started at once, round after round: the end state is one file's, on both
# directors, and the other apply was refused whole by the lock;
# and lb2 as a remote director: sshd runs in its namespace, and lbctl, run
# on the router rt, reaches it as root@198.18.0.12 with a key.
#
#  c1 198.51.100.2 --- rt (VIP 203.0.113.10 via lb1 and lb2, L4 ECMP)
#                       |                        |
#   cluster.json -->   lb1 (netns lb1)          lb2 (netns lb2)
#   lbctl apply        LIPs 198.18.11.1-4(,5,6) LIPs 198.18.12.1-4(,5)
#                       |                        |
#                      rsr (198.18.11.0/24 -> lb1, 198.18.12.0/24 -> lb2)
#                       |          |          |
#                      rs1        rs2        rs3     nginx :8080
#
# Services: web 203.0.113.10:80 (wrr) and alt 203.0.113.10:8081 (rr).
#
# @timeout: 600
. /fnat/lib.sh

topo_base 2 3
module_load fullnat
for r in 1 2 3; do
	http_server "rs$r" "rs$r" 0.0.0.0 8080
done

dir=$FNAT_LOG/cluster
mkdir -p "$dir"

# cluster VERSION: the cluster file of each step of the story.
cluster() {
	local lips1='"198.18.11.1-198.18.11.4"' lips2='"198.18.12.1-198.18.12.4"'
	local web_rs alt beta='' serves1='' serves2=''
	web_rs='{ "address": "198.19.0.11", "port": 8080, "weight": 1 },
	        { "address": "198.19.0.12", "port": 8080, "weight": 1 }'
	alt=',
	  { "name": "alt", "protocol": "tcp", "vip": "203.0.113.10", "port": 8081,
	    "scheduler": "rr",
	    "real_servers": [ { "address": "198.19.0.13", "port": 8080 } ] }'
	case $1 in
	v2 | v3)
		# rs3 joins web, rs1 weighs 2, alt goes, lb1 gets a LIP
		lips1+=', "198.18.11.5"'
		web_rs='{ "address": "198.19.0.11", "port": 8080, "weight": 2 },
		        { "address": "198.19.0.12", "port": 8080, "weight": 1 },
		        { "address": "198.19.0.13", "port": 8080, "weight": 1 }'
		alt='' ;;&
	v3)
		# one LIP more each, and beta on lb2 only, with a scheduler
		# only the kernel can tell is unknown
		lips1+=', "198.18.11.6"'
		lips2+=', "198.18.12.5"'
		serves1=', "services": ["web"]'
		serves2=', "services": ["web", "beta"]'
		beta=',
	  { "name": "beta", "protocol": "tcp", "vip": "203.0.113.10", "port": 8082,
	    "scheduler": "nosuch",
	    "real_servers": [ { "address": "198.19.0.11", "port": 8080 } ] }' ;;
	esac
	cat <<-EOF
	{
	  "schema_version": 1,
	  "directors": [
	    { "name": "lb1", "netns": "lb1", "local_addresses": [$lips1]$serves1,
	      "config": { "timeout": { "tcp": { "established": 600 } } } },
	    { "name": "lb2", "netns": "lb2", "local_addresses": [$lips2]$serves2 }
	  ],
	  "services": [
	    { "name": "web", "protocol": "tcp", "vip": "203.0.113.10", "port": 80,
	      "forward": "fullnat", "scheduler": "wrr", "toa": true, "persistence": { "timeout": 0 },
	      "real_servers": [ $web_rs ] }$alt$beta
	  ]
	}
	EOF
}

# apply_status WORDS...: lbctl apply's exit status; its output in $out.
apply_status() {
	echo "+ lbctl apply $*"
	set +e
	out=$(lbctl apply "$@" 2>&1)
	rc=$?
	set -e
	echo "$out"
	return 0
}

# established NS: the director's established connections (the held ones)
established() {
	lbctl -n "$1" -j conn | jq '[.[] | select(.state == "established")] | length'
}

# state: both directors, as cluster files (what a no-op keeps equal)
state() {
	lbctl -n lb1 export
	lbctl -n lb2 export
}

for v in v1 v2 v3; do
	cluster "$v" > "$dir/$v.json"
done

log "first apply: both directors from nothing"
apply_status "$dir/v1.json"
assert_eq "$rc" 0 "exit status of the first apply"
assert_match "$out" "lb1: 10 changes" "lb1 got config, 4 LIPs, 2 services, 3 real servers"
for d in lb1 lb2; do
	lb "$d" show
	assert_eq "$(lbctl -n "$d" -j show | jq '.services | length')" 2 "services on $d"
	assert_eq "$(lbctl -n "$d" -j laddr | jq length)" 4 "local addresses on $d"
done
assert_eq "$(lbctl -n lb1 -j config | jq .timeout.tcp.established)" 600 "lb1's established timeout from the file"

log "traffic through both directors"
body=$(requests c1 "http://$VIP/" 40)
assert_eq "$(grep -c '^rs[12]$' <<< "$body")" 40 "40 requests to web answered by rs1 and rs2"
for d in lb1 lb2; do
	assert_ge "$(lbctl -n "$d" -j show | jq '.services[0].stats.conns')" 1 "connections through $d"
done
assert_eq "$(http_get c1 "http://$VIP:8081/")" rs3 "alt answered by rs3"
lb lb1 show --rate
assert_match "$(lbctl -n lb1 show --rate | sed -n 2p)" "CPS +InPPS +OutPPS +InBPS +OutBPS" "show --rate's columns"
assert_eq "$(lbctl -n lb1 -j show --rate | jq -c '.services[0].rate | keys')" '["cps","inbps","inpps","outbps","outpps"]' "show --rate's JSON"

log "the same file again: no change"
apply_status "$dir/v1.json"
assert_eq "$rc" 0 "exit status of the second apply"
assert_eq "$out" $'lb1: no changes\nlb2: no changes' "what it says"

log "round trip: a director's export applied back changes nothing"
lbctl -n lb1 export | tee "$dir/export-lb1.json"
apply_status "$dir/export-lb1.json"
assert_eq "$out" "lb1: no changes" "apply of lb1's export"
lbctl -n lb2 export > "$dir/export-lb2.json"
apply_status --dry-run "$dir/export-lb2.json"
assert_eq "$out" "lb2: no changes" "dry run of lb2's export"

log "long-lived connections through both directors, then the edit"
rm -f "$dir/go"
bg c1 hold tcp_hold -n 40 -t 20000 -w "$dir/go" "$VIP" 80
wait_for 30 "40 held connections" grep -q "connected=40" "$FNAT_LOG/hold.log"
held1=$(established lb1) held2=$(established lb2)
assert_ge "$held1" 1 "held connections through lb1"
assert_ge "$held2" 1 "held connections through lb2"
assert_eq "$((held1 + held2))" 40 "held connections over both directors"

before=$(state)
apply_status --dry-run "$dir/v2.json"
assert_eq "$rc" 0 "exit status of the dry run"
expected="lb1: 4 changes (dry run: nothing applied)
  laddr add 198.18.11.5
  rs add tcp 203.0.113.10:80 198.19.0.13:8080 weight 1
  rs set tcp 203.0.113.10:80 198.19.0.11:8080 weight 2  (was weight 1)
  service del tcp 203.0.113.10:8081
lb2: 3 changes (dry run: nothing applied)
  rs add tcp 203.0.113.10:80 198.19.0.13:8080 weight 1
  rs set tcp 203.0.113.10:80 198.19.0.11:8080 weight 2  (was weight 1)
  service del tcp 203.0.113.10:8081"
assert_eq "$out" "$expected" "the dry run lists exactly the edit"
assert_eq "$(state)" "$before" "the dry run changed nothing"

apply_status "$dir/v2.json"
assert_eq "$rc" 0 "exit status of the apply of the edit"
assert_match "$out" "lb1: applied" "lb1 applied"
assert_match "$out" "lb2: applied" "lb2 applied"
for d in lb1 lb2; do
	# what the table holds instead, if the held connections are not there
	if (($(established $d) != $([[ $d == lb1 ]] && echo "$held1" || echo "$held2"))); then
		lbctl -n $d conn
		lbctl -n $d stats
		cat "$FNAT_LOG/hold.log"
	fi
done
assert_eq "$(established lb1)" "$held1" "lb1's held connections are still in its table"
assert_eq "$(established lb2)" "$held2" "lb2's held connections are still in its table"

touch "$dir/go"
wait_for 60 "the held connections to finish" grep -q "replies=" "$FNAT_LOG/hold.log"
cat "$FNAT_LOG/hold.log"
assert_match "$(cat "$FNAT_LOG/hold.log")" "replies=40 " "every held connection got its reply after the edit"

for d in lb1 lb2; do
	lb "$d" show
	json=$(lbctl -n "$d" -j show)
	assert_eq "$(jq -c '[.services[] | .port]' <<< "$json")" "[80]" "$d serves web only"
	assert_eq "$(jq -c '[.services[0].real_servers[] | .weight]' <<< "$json")" "[2,1,1]" "web's weights on $d"
done
assert_eq "$(lbctl -n lb1 -j laddr | jq -r '.[-1].address')" 198.18.11.5 "lb1's new LIP"
body=$(requests c1 "http://$VIP/" 40)
assert_ge "$(grep -c '^rs3$' <<< "$body")" 1 "rs3 serves web now"

apply_status "$dir/v2.json"
assert_eq "$out" $'lb1: no changes\nlb2: no changes' "the edit applied twice"

log "a file with one error changes nothing on either director"
before=$(state)
sed 's/"weight": 2/"weight": 70000/' "$dir/v2.json" > "$dir/bad.json"
apply_status "$dir/bad.json"
assert_eq "$rc" 2 "exit status for a wrong file"
assert_match "$out" "^Error: $dir/bad.json:[0-9]+:[0-9]+: services\[0\]\.real_servers\[0\]\.weight: weight 70000 is out of range 0-65535$" "the error names file, line, column and path"
assert_eq "$(state)" "$before" "nothing changed"

log "a UDP service beside the TCP ones, applied and taken away"
jq '.services += [{"name": "dns", "protocol": "udp", "vip": "203.0.113.10", "port": 53}]' \
	"$dir/v2.json" > "$dir/udp.json"
apply_status "$dir/udp.json"
assert_eq "$rc" 0 "exit status of a file with a UDP service"
for d in lb1 lb2; do
	assert_eq "$(lbctl -n $d -j show | jq -r '.services[] | select(.protocol == "udp") | "\(.vip):\(.port)"')" \
		203.0.113.10:53 "$d has the UDP service"
done
apply_status "$dir/v2.json"
assert_eq "$rc" 0 "exit status going back"
assert_eq "$(state)" "$before" "back as before"

log "an IPv6 service: applied, and gone again"
jq '.services += [{"name": "v6", "protocol": "tcp", "vip": "2001:db8::10", "port": 80,
	"real_servers": [{"address": "2001:db8:19::11", "port": 8080}]}]' \
	"$dir/v2.json" > "$dir/v6.json"
apply_status "$dir/v6.json"
assert_eq "$rc" 0 "exit status of a file with an IPv6 service"
for d in lb1 lb2; do
	assert_eq "$(lbctl -n $d -j show | jq -r '.services[] | select(.vip == "2001:db8::10") | .real_servers[].address')" \
		2001:db8:19::11 "$d has the IPv6 service"
done
apply_status "$dir/v2.json"
assert_eq "$rc" 0 "exit status going back"
assert_eq "$(state)" "$before" "back as before"

log "an IPv6 service with an IPv4 real server (FullNAT64, IPv4 LIPs): applied, and gone again"
# v64 [FORWARD]: v2 and that service; FORWARD on its real server if given
v64() {
	jq --arg fwd "${1:-}" '.services += [{"name": "v6", "protocol": "tcp",
		"vip": "2001:db8::10", "port": 80,
		"real_servers": [{"address": "198.19.0.11", "port": 8080}]}] |
		if $fwd != "" then .services[-1].real_servers[0].forward = $fwd
		else . end' "$dir/v2.json"
}
v64 > "$dir/v64.json"
apply_status "$dir/v64.json"
assert_eq "$rc" 0 "exit status of a file with a FullNAT64 service"
for d in lb1 lb2; do
	assert_eq "$(lbctl -n $d -j show | jq -r '.services[] | select(.vip == "2001:db8::10") | .real_servers[].address')" \
		198.19.0.11 "$d has the IPv4 real server under the IPv6 VIP"
done
apply_status "$dir/v2.json"
assert_eq "$rc" 0 "exit status going back"
assert_eq "$(state)" "$before" "back as before"
log "the same forwarded by NAT: the file is refused, nothing sent"
v64 nat > "$dir/v64nat.json"
apply_status "$dir/v64nat.json"
assert_eq "$rc" 2 "exit status of a wrong file"
assert_match "$out" "real_servers\[0\]\.address: forward nat takes real servers of the service's family" \
	"the file's error, where it is"
assert_eq "$(state)" "$before" "nothing changed"

log "the kernel refuses a change on lb2: lb2 rolls back, lb1 goes on"
before2=$(lbctl -n lb2 export)
apply_status "$dir/v3.json"
assert_eq "$rc" 1 "exit status when one director failed"
assert_match "$out" "lb1: applied" "lb1 applied its part"
assert_match "$out" "Error: lb2: change 2 of 3, \"service add tcp 203.0.113.10:8082 forward fullnat scheduler nosuch toa on scheduler_port off scheduler_table 65537 persistence 0 netmask 32\": unknown scheduler" "the refused change and the kernel's reason"
assert_match "$out" "lb2: rolled back: the 1 change before it was undone" "lb2 rolled back"
assert_eq "$(lbctl -n lb2 export)" "$before2" "lb2 is as it was"
assert_eq "$(lbctl -n lb1 -j laddr | jq -r '.[-1].address')" 198.18.11.6 "lb1 has its new LIP"
body=$(requests c1 "http://$VIP/" 20)
assert_eq "$(grep -c '^rs[123]$' <<< "$body")" 20 "web still answers through both"

# The next two steps hold an apply still at a known point: its report of a
# plan of 4096 LIPs (about 98 KB) is more than a pipe holds (64 KB), so
# while the reader of its output waits, the apply waits in its report,
# with its lock held and its snapshot (and generation) read, before its
# first write.
log "two applies at once, the second naming lb1's namespace otherwise: it is refused, the first applies whole"
jq '.directors[0].local_addresses += ["198.18.96.0-198.18.111.255"]' \
	"$dir/v3.json" > "$dir/big.json"
# The lock is the namespace's, not its name's: a file without "netns" run
# in lb1 by "ip netns exec" reaches the same one.
jq 'del(.directors[0].netns)' "$dir/v2.json" > "$dir/v2-here.json"
before2=$(lbctl -n lb2 export)
(lbctl apply --director lb1 "$dir/big.json" 2>&1 && echo "rc=0" || echo "rc=$?") | {
	read -r first
	echo "$first" > "$dir/first.head"
	ip netns exec lb1 lbctl apply --director lb1 "$dir/v2-here.json" > "$dir/second.out" 2>&1 &&
		echo "rc=0" >> "$dir/second.out" || echo "rc=$?" >> "$dir/second.out"
	cat > "$dir/first.out"
}
cat "$dir/first.head" "$dir/second.out"
tail -n 3 "$dir/first.out"
assert_eq "$(cat "$dir/first.head")" "lb1: 4096 changes" "the first apply's plan"
assert_match "$(cat "$dir/second.out")" "^Error: lb1: another \"lbctl apply\" is changing this director \(it holds /run/lbctl/apply-[0-9]+-[0-9]+\.lock\): nothing was changed" "the second apply is refused by the lock"
assert_eq "$(tail -n 1 "$dir/second.out")" "rc=1" "its exit status"
assert_eq "$(tail -n 2 "$dir/first.out")" $'lb1: applied\nrc=0' "the first apply applied"
apply_status --director lb1 --dry-run "$dir/big.json"
assert_eq "$out" "lb1: no changes" "lb1 is in the state of the first file"
assert_eq "$(lbctl -n lb2 export)" "$before2" "lb2 untouched"

log "a writer without the lock between an apply's snapshot and its first write: the apply is refused"
(lbctl apply --director lb1 "$dir/v3.json" 2>&1 && echo "rc=0" || echo "rc=$?") | {
	read -r first
	echo "$first" > "$dir/first.head"
	lbctl -n lb1 rs set tcp 203.0.113.10:80 198.19.0.12:8080 weight 5
	cat > "$dir/stale.out"
}
cat "$dir/first.head"
grep -v '^  laddr del' "$dir/stale.out"
assert_eq "$(cat "$dir/first.head")" "lb1: 4096 changes" "the apply's plan"
assert_match "$(cat "$dir/stale.out")" "Error: lb1: change 1 of 4096, \"laddr del 198.18.96.0\": the configuration changed since this request's generation \(another writer\)" "the kernel refuses the stale write, and says why"
assert_eq "$(tail -n 2 "$dir/stale.out")" $'lb1: nothing was changed\nrc=1' "nothing changed by the apply, exit status 1"
assert_eq "$(lbctl -n lb1 -j laddr | jq length)" 4102 "lb1 keeps its LIPs"
assert_eq "$(lbctl -n lb1 -j show | jq '.services[0].real_servers[1].weight')" 5 "the other writer's change stays"
apply_status --director lb1 "$dir/v3.json"
assert_eq "$rc" 0 "the apply again, alone"
apply_status --director lb1 --dry-run "$dir/v3.json"
assert_eq "$out" "lb1: no changes" "lb1 is in the state of v3"

log "SIGTERM during an apply: it stops before its next change, lb1 as it was"
before=$(state)
rm -f "$dir/apply.pid"
(lbctl apply "$dir/big.json" 2>&1 & echo $! > "$dir/apply.pid"
 wait $! && echo "rc=0" || echo "rc=$?") | {
	read -r first
	echo "$first" > "$dir/first.head"
	wait_for 10 "the apply's pid" test -s "$dir/apply.pid"
	kill -TERM "$(cat "$dir/apply.pid")"
	cat > "$dir/term.out"
}
grep -v '^  laddr add' "$dir/term.out"
assert_eq "$(cat "$dir/first.head")" "lb1: 4096 changes" "the apply's plan"
assert_match "$(cat "$dir/term.out")" "Error: lb1: change 1 of 4096, \"laddr add 198.18.96.0\": not sent: stopped by SIGTERM" "the apply stopped before its first change"
assert_match "$(cat "$dir/term.out")" "lb1: nothing was changed" "and says so"
assert_eq "$(tail -n 2 "$dir/term.out")" $'Error: stopped by SIGTERM: 1 director was not begun\nrc=1' "lb2 was not begun; exit status 1"
assert_eq "$(state)" "$before" "both directors as they were"

log "lb2 over ssh: sshd in lb2's namespace, lbctl run on rt"
[[ -x /usr/sbin/sshd ]] || fail "sshd is not in the VM image (tests/vm/packages)"
mkdir -p /run/sshd /root/.ssh
chmod 700 /root/.ssh
ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key"
ssh-keygen -q -t ed25519 -N '' -f /root/.ssh/id_ed25519
cp /root/.ssh/id_ed25519.pub /root/.ssh/authorized_keys
echo "$DIR_NET.12 $(cat "$dir/host_key.pub")" > /root/.ssh/known_hosts
printf '%s\n' "ListenAddress $DIR_NET.12" "HostKey $dir/host_key" \
	"PermitRootLogin prohibit-password" "PasswordAuthentication no" \
	"KbdInteractiveAuthentication no" "UsePAM no" \
	"PidFile $dir/sshd.pid" > "$dir/sshd_config"
bg lb2 sshd /usr/sbin/sshd -D -e -f "$dir/sshd_config"
wait_for 20 "sshd in lb2" listening lb2 22
# v2 with lb2 reached over ssh, and web's rs2 weighing 3
sed -e 's/"name": "lb2", "netns": "lb2"/"name": "lb2", "ssh": "root@198.18.0.12"/' \
    -e 's/"address": "198.19.0.12", "port": 8080, "weight": 1/"address": "198.19.0.12", "port": 8080, "weight": 3/' \
	"$dir/v2.json" > "$dir/ssh.json"
grep -q '"ssh": "root@198.18.0.12"' "$dir/ssh.json" || fail "ssh.json was not made"

# rt_apply WORDS...: lbctl apply run on the router; $out and $rc
rt_apply() {
	echo "+ [rt] lbctl apply $*"
	set +e
	out=$(on_quiet rt lbctl apply "$@" 2>&1)
	rc=$?
	set -e
	echo "$out"
}

rt_apply --dry-run "$dir/ssh.json"
assert_eq "$rc" 0 "exit status of the remote dry run"
assert_match "$out" "lb2: 1 change \(dry run: nothing applied\)
  rs set tcp 203.0.113.10:80 198.19.0.12:8080 weight 3  \(was weight 1\)" "the remote dry run reports back"
rt_apply "$dir/ssh.json"
assert_eq "$rc" 0 "exit status of the apply with a remote director"
assert_match "$out" "lb1: applied" "lb1 applied from rt"
assert_match "$out" "lb2: applied" "lb2 applied over ssh"
assert_eq "$(lbctl -n lb2 -j show | jq '.services[0].real_servers[1].weight')" 3 "rs2's weight on lb2"
rt_apply "$dir/ssh.json"
assert_eq "$out" $'lb1: no changes\nlb2: no changes' "over ssh, the same file twice"
json=$(on_quiet rt lbctl -j show "$dir/ssh.json")
assert_eq "$(jq -c '[.directors[] | .name, (.services | length)]' <<< "$json")" '["lb1",1,"lb2",1]' "show FILE -j gathers both directors"
on rt lbctl show "$dir/ssh.json" --director lb2
# a netns that the remote shell would run (in root's home): refused with
# the file
rm -f /root/pwned
sed -e 's|"name": "lb2", "netns": "lb2"|"name": "lb2", "ssh": "root@198.18.0.12", "netns": "x;touch pwned"|' \
	"$dir/v2.json" > "$dir/pwn.json"
set +e
out=$(on_quiet rt lbctl show "$dir/pwn.json" 2>&1); rc=$?
set -e
echo "$out"
assert_eq "$rc" 2 "show of a file with a shell command as netns"
assert_match "$out" 'directors\[1\]\.netns: netns "x;touch pwned" has a character other than' "the file's error"
[[ ! -e /root/pwned ]] || fail "the netns ran on the remote host"
# the exit status comes back: beta's scheduler is unknown to lb2's kernel
sed -e 's/"name": "lb2", "netns": "lb2"/"name": "lb2", "ssh": "root@198.18.0.12"/' \
	"$dir/v3.json" > "$dir/ssh3.json"
rt_apply --director lb2 "$dir/ssh3.json"
assert_eq "$rc" 1 "a remote failure's exit status"
assert_match "$out" "lb2: rolled back" "the remote director rolled back"
assert_match "$out" "Error: lb2: lbctl on root@198.18.0.12 exited with status 1" "and said so"

log "two applies of different files started at once, several rounds: the end state is one file's, whole, on both directors"
# A and B differ on each director in LIPs (64 each, so that a plan takes a
# while), web's weights and a service of its own: any interleaving of
# their changes, on one director or across the two, leaves a state that is
# neither. Each round starts from base, so that both have work to do.
jq '.directors[0].local_addresses += ["198.18.96.0-198.18.96.63"] |
    .directors[1].local_addresses += ["198.18.97.0-198.18.97.63"] |
    .services[0].real_servers[0].weight = 5 |
    .services += [{"name": "a", "protocol": "tcp", "vip": "203.0.113.10", "port": 8091,
	"real_servers": [{"address": "198.19.0.13", "port": 8080}]}]' "$dir/v2.json" > "$dir/race-a.json"
jq '.directors[0].local_addresses += ["198.18.98.0-198.18.98.63"] |
    .directors[1].local_addresses += ["198.18.99.0-198.18.99.63"] |
    .services[0].real_servers[1].weight = 7 |
    .services += [{"name": "b", "protocol": "udp", "vip": "203.0.113.10", "port": 8092,
	"real_servers": [{"address": "198.19.0.12", "port": 53}]}]' "$dir/v2.json" > "$dir/race-b.json"
# the state each file makes alone, read back
for f in b a; do
	apply_status "$dir/race-$f.json"
	assert_eq "$rc" 0 "apply of race-$f.json alone"
	state > "$dir/state-$f"
done
cmp -s "$dir/state-a" "$dir/state-b" && fail "the two files make the same state"
# racer NAME FILE: lbctl apply FILE in the background once the FIFO
# $dir/go has a writer, its output and exit status in $dir/NAME.out. Both
# wait for the same start: launched one after the other, the first could
# be done before the second's shell had forked (a make check saw 1 round
# of 4 raced), and polling for a file to appear let one start up to a
# poll later (6.12 saw 1 of 4 again). Opening a FIFO to read blocks until
# it is opened to write, which releases both at once.
racer() {
	(touch "$dir/ready-$1"
	 : < "$dir/go"
	 lbctl apply "$2" > "$dir/$1.out" 2>&1 && echo "rc=0" >> "$dir/$1.out" ||
		echo "rc=$?" >> "$dir/$1.out") &
	racers+=($!)
	_bg_pids+=($!)
}
# Rounds until two have raced, twelve at most: under load one apply can
# still be done before the other's lbctl has started (a make check saw 1 of
# 4), and which rounds race is the scheduler's choice; every round, raced
# or not, must end in one file's state.
contended=0
for round in $(seq 12); do
	((contended < 2)) || break
	rounds=$round
	run lbctl apply "$dir/v2.json" > /dev/null
	racers=()
	rm -f "$dir/go" "$dir/ready-a" "$dir/ready-b"
	mkfifo "$dir/go"
	# the first started alternates
	if ((round % 2)); then racer a "$dir/race-a.json"; racer b "$dir/race-b.json"
	else racer b "$dir/race-b.json"; racer a "$dir/race-a.json"; fi
	wait_for 10 "both applies ready to start" test -e "$dir/ready-a" -a -e "$dir/ready-b"
	# read-write: never blocks, and a racer not yet at its open passes too
	exec 7<> "$dir/go"
	wait "${racers[@]}"
	exec 7>&-
	state > "$dir/state-end"
	rc_a=$(tail -n 1 "$dir/a.out") rc_b=$(tail -n 1 "$dir/b.out")
	if cmp -s "$dir/state-end" "$dir/state-a"; then
		won=a lost=b
	elif cmp -s "$dir/state-end" "$dir/state-b"; then
		won=b lost=a
	else
		cat "$dir/a.out" "$dir/b.out"
		diff "$dir/state-a" "$dir/state-end" || true
		fail "round $round: the state is neither file's (a: $rc_a, b: $rc_b)"
	fi
	log "round $round: the state is race-$won.json's (a: $rc_a, b: $rc_b)"
	assert_eq "$(tail -n 1 "$dir/$won.out")" rc=0 "the exit status of the apply whose file the state is"
	apply_status --dry-run "$dir/race-$won.json"
	assert_eq "$out" $'lb1: no changes\nlb2: no changes' "race-$won.json against the end state"
	if [[ $(tail -n 1 "$dir/$lost.out") == rc=0 ]]; then
		# it ran whole before the other began: no race this round
		log "round $round: race-$lost.json was applied before race-$won.json began"
		continue
	fi
	cat "$dir/$lost.out"
	assert_eq "$(tail -n 1 "$dir/$lost.out")" rc=1 "the other apply's exit status"
	assert_match "$(cat "$dir/$lost.out")" '^Error: lb[12]: another "lbctl apply" is changing this director \(it holds /run/lbctl/apply-[0-9]+-[0-9]+\.lock\): nothing was changed' "the other apply was refused by the lock"
	[[ $(wc -l < "$dir/$lost.out") == 2 ]] || fail "the refused apply said more than its refusal"
	contended=$((contended + 1))
done
log "$contended rounds of $rounds raced, each ending in one file's state"
assert_ge "$contended" 2 "rounds where the two applies overlapped"
