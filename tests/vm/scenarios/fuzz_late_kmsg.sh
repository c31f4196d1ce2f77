#!/bin/bash
# The harness's own test: a kernel message at warning level that comes
# after the scenario has returned, while its network namespace waits to be
# dismantled, must still reach the verdict (tests/vm/init reads the log
# once every namespace is freed). The runner passes this scenario only if
# the message is seen (@expect-kmsg); without the late read it fails with
# "expected kernel message not logged", and the message turns up as a
# failing pseudo-scenario "shutdown" instead.
#
#  h   client 127.0.0.1 --- lo --- socat 127.0.0.1:7000
#      Retransmission timeout at least 8 s (rto_min on the route; iproute2
#      locks it).
#      After the handshake the connection goes deaf (INPUT drop), the
#      client closes: its orphaned socket holds the namespace (sockets
#      keep a reference) and retransmits its FIN after 8 s, then gives up
#      16 s later and the namespace is freed (tcp_orphan_retries=5 allows
#      12.6 s counted in 200 ms RTOs: one retransmission at 8 s, not two).
#      Each retransmitted FIN is logged by xt_LOG at warning level; the
#      LOG rule is added after the first FIN, so every logged one comes
#      after this script has exited.
#
# @timeout: 60
# @expect-kmsg: fnat-late-fin:
. /fnat/lib.sh

# xt_LOG logs in namespaces other than the initial one only when asked to
# (the runner turns it off again before the next scenario).
run sysctl -qw net.netfilter.nf_log_all_netns=1
ns_add h
on h "$IP" route replace local 127.0.0.1 dev lo table local rto_min 8s
on h sysctl -qw net.ipv4.tcp_orphan_retries=5 net.ipv4.tcp_fin_timeout=5
bg h server socat -u TCP-LISTEN:7000,bind=127.0.0.1,reuseaddr OPEN:/dev/null
wait_for 20 "the server" listening h 7000
# The client sends nothing and closes (FIN) when "sleep" ends: a hold, not
# a wait (the FIN must come after the DROP rule below).
bg h client socat -u EXEC:"sleep 10" TCP:127.0.0.1:7000	# the client's hold
wait_for 20 "the connection" sh -c \
	"ip netns exec h ss -Htn state established 'dport = :7000' | grep -q ."
on h iptables -A INPUT -p tcp -m multiport --ports 7000 -j DROP
wait_for 30 "the client's FIN" sh -c \
	"ip netns exec h ss -Htn state fin-wait-1 'dport = :7000' | grep -q ."
on h iptables -A OUTPUT -p tcp --dport 7000 --tcp-flags FIN FIN \
	-j LOG --log-level warning --log-prefix "fnat-late-fin: "
log "the FIN retransmissions will be logged after this script ends"
