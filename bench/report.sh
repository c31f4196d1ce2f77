#!/bin/bash
# Turns the "@@BENCH" lines of a `make bench` log (tests/vm/bench.sh) into
# a Markdown table: median and spread (min-max) of every figure, and
# ratios against direct routing, IPVS NAT and HAProxy. A ratio is the
# median of the per-round ratios (each round runs every path back to back,
# so slow drift of the emulator cancels out), with their min-max.
#
# usage: bench/report.sh [--before BEFORE_LOG] LOG [OUT]
#   OUT defaults to bench/results/DATE.md; "-" prints only. --before adds
#   a section comparing fullnat.ko's figures in BEFORE_LOG (another run of
#   the same bench, e.g. with an older module) with LOG's.
set -euo pipefail

before=/dev/null
if [[ ${1:-} == --before ]]; then
	before=$2
	shift 2
fi
log=$1
top=$(cd "$(dirname "$0")/.." && pwd)
out=${2:-$top/bench/results/$(date +%F).md}
[[ -r $log ]] || { echo "report: cannot read $log" >&2; exit 1; }
grep -q '^@@BENCH metric=' "$log" || { echo "report: no results in $log" >&2; exit 1; }

host_cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
host_cpus=$(nproc)
qemu_v=$(qemu-system-x86_64 --version 2>/dev/null | head -1 | sed 's/^QEMU emulator version //')

report() {
	{ tr -d '\r' < "$before" | sed -e 's/^@@BENCH metric=/@@BEFORE metric=/' -e 's/^@@BENCH info /@@BEFORE info /'; tr -d '\r' < "$log"; } |
	gawk -v host_cpu="$host_cpu" -v host_cpus="$host_cpus" \
		-v qemu_v="$qemu_v" -v date="$(date -u '+%Y-%m-%d %H:%M UTC')" '
	function kv(line, key,    m) {
		return match(line, "(^| )" key "=([^ ]*)", m) ? m[2] : ""
	}
	function median(arr, n,    s, i) {
		for (i = 1; i <= n; i++) s[i] = arr[i]
		asort(s)
		return n % 2 ? s[(n + 1) / 2] : (s[n / 2] + s[n / 2 + 1]) / 2
	}
	function minmax(arr, n,    i, lo, hi) {
		lo = hi = arr[1]
		for (i = 2; i <= n; i++) { if (arr[i] < lo) lo = arr[i]; if (arr[i] > hi) hi = arr[i] }
		MIN = lo; MAX = hi
	}
	function fmt(v) {
		if (v >= 1000) return sprintf("%.0f", v)
		if (v >= 100) return sprintf("%.1f", v)
		return sprintf("%.2f", v)
	}
	# ratio of PATH to REF within METRIC, round by round
	function ratio(metric, path, ref) { return ratio_in(val, metric, path, ref) }
	function ratio_in(val, metric, path, ref,    r, n, k, a) {
		n = 0
		for (k in val) {
			split(k, a, SUBSEP)
			if (a[1] != metric || a[2] != path) continue
			if (!((metric, ref, a[3]) in val) || val[metric, ref, a[3]] == 0) continue
			r[++n] = val[k] / val[metric, ref, a[3]]
		}
		RMED = n && path != ref ? median(r, n) : ""
		if (!n || path == ref) return "–"
		minmax(r, n)
		if (n == 1) return sprintf("%.2f", r[1])
		return sprintf("%.2f (%.2f–%.2f)", median(r, n), MIN, MAX)
	}
	function med_of(m, p,    k, a, vs, n) {
		n = 0
		for (k in val) { split(k, a, SUBSEP); if (a[1] == m && a[2] == p) vs[++n] = val[k] }
		return n ? median(vs, n) : ""
	}
	function goal(text, figure, v, limit, ge) {
		if (v == "") return
		printf "| %s | %s | %.2f | %s |\n", text, figure, v,
			(ge ? v >= limit : v <= limit) ? "yes" : "**no**"
	}
	# The goals of issue #6, each with where this run stands.
	function goals(    i, j, m, p, first, last, lo, hi, r, fp, cp, how, any) {
		# none of its rows comes from the methods part (its own table)
		for (i = 1; i <= nm; i++) if (order[i] !~ /^(methods6?|sched)\//) any = 1
		if (!any) return
		printf "\n## Against the goals\n\n"
		printf "Each figure is the median of the per-round ratios above. \"Flat\" means the packet rate at the largest table (or service count) is at least 0.95 of the smallest, both as ratios to direct routing in the same rounds where it was measured (direct routing has no table: it shows how the emulator drifted between the parts); IPVS NAT is shown for comparison.\n\n"
		printf "| goal | figure | measured | met |\n|---|---|---:|---|\n"
		split("fnat_toa fnat", fp, " ")
		split("fnat ipvs direct", cp, " ")
		for (i = 1; i <= nm; i++) {
			m = order[i]
			if (m ~ /^flood\//) continue
			for (j = 1; j in fp; j++) {
				p = fp[j]
				if (!((m, p) in seenp)) continue
				# Short connections: the SYNs the client retransmitted
				# (a refused or lost SYN; FIN retransmissions of the servers
				# under a stalling emulator are noise). Bulk: every
				# segment either side retransmitted, with a margin of 10
				# a run for the stalls of the emulator.
				if ((m in hasrt) && ((m, "direct") in rt) && m ~ /^crr\//)
					printf "| no more retransmitted SYNs than direct routing | %s %s: client %d (SYNs %d), servers %d; direct routing: SYNs %d | %d | %s |\n",
						m, name[p], rt[m, p], rts[m, p], rtsrv[m, p], rts[m, "direct"],
						rts[m, p], rts[m, p] <= rts[m, "direct"] ? "yes" : "**no**"
				if ((m in hasrt) && ((m, "direct") in rt) && (m == "down" || m == "up"))
					printf "| retransmissions ≤ those of direct routing + 10 a run | %s %s: client %d, servers %d; direct routing %d, %d | %d | %s |\n",
						m, name[p], rt[m, p], rtsrv[m, p], rt[m, "direct"], rtsrv[m, "direct"],
						rt[m, p] + rtsrv[m, p],
						rt[m, p] + rtsrv[m, p] <= rt[m, "direct"] + rtsrv[m, "direct"] + 10 * info["reps"] ? "yes" : "**no**"
				if (m ~ /^crr\//) {
					ratio(m, p, "direct"); goal("connections/s ≥ 0.95× direct", m " " name[p], RMED, 0.95, 1)
					ratio(m, p, "haproxy"); goal("connections/s ≥ 2× HAProxy", m " " name[p], RMED, 2, 1)
				} else if (m == "down" || m == "up") {
					ratio(m, p, "direct"); goal("bulk ≥ 0.97× direct", m " " name[p], RMED, 0.97, 1)
				} else if (m ~ /^(pps|svc)\//) {
					ratio(m, p, "ipvs"); goal("packet rate ≥ 1.2× IPVS NAT", m, RMED, 1.2, 1)
				} else if (m ~ /^mem\//) {
					if (med_of(m, "ipvs") != "")
						goal("bytes per connection ≤ IPVS NAT", m " (ratio)", med_of(m, p) / med_of(m, "ipvs"), 1, 0)
				}
			}
		}
		for (r = 1; r <= 2; r++) {
			first = last = ""
			for (i = 1; i <= nm; i++) {
				if (order[i] !~ (r == 1 ? "^pps/" : "^svc/")) continue
				if (first == "") first = order[i]
				last = order[i]
			}
			if (first == "" || first == last) continue
			for (j = 1; j in cp; j++) {
				p = cp[j]
				# Against direct routing in the same rounds when
				# there is one: the emulator drifts between the parts.
				if (p != "direct" && ratio(first, p, "direct") != "–") {
					lo = RMED; ratio(last, p, "direct"); hi = RMED
					how = " (× direct)"
				} else {
					lo = med_of(first, p); hi = med_of(last, p)
					how = ""
				}
				if (lo == "" || hi == "") continue
				if (p == "fnat")
					goal("flat packet rate", last " / " first " fullnat.ko" how, hi / lo, 0.95, 1)
				else
					printf "| (for comparison) | %s / %s %s%s | %.2f | |\n", last, first, name[p], how, hi / lo
			}
		}
	}
	# Short connections under a SYN flood (bench.sh part_flood): each
	# path: its rate with the flood against its rate without, round by round.
	# fnat_full (fullnat.ko with a small conn_max) has no round of its
	# own without the flood: its reference is fullnat.ko with TOA, the
	# same director and service, whose table is far from full then.
	function flood(    j, p, bp, n, k, a, r, vs, rs, np, nt, fr, tb, fp, nr) {
		if (!(("flood/syn", "fnat_toa") in seenp)) return
		name["fnat_full"] = "fullnat.ko, TOA on, conn_max " info["flood_conn_max"] " (a table the flood fills)"
		printf "\n### Short connections under a SYN flood (connections/s, 1 client process; %s spoofed SYNs/s asked of pktgen)\n\n", info["flood_pps_asked"]
		printf "Legitimate short connections (as crr/1) while pktgen sends SYNs from random addresses of 10.200.0.0/16 and random ports to the same service through the same director; the ratio is taken round by round against the same path without the flood. The SYNs of the flood have no valid TCP checksum: the directors forward them unchecked and the real servers drop them, so this is what a flood costs the director.\n\n"
		printf "| path | without flood | with flood | × without | flood reached (SYNs/s) | director table after the flood | client retransmitted under the flood (SYNs) |\n"
		printf "|---|---:|---:|---:|---:|---:|---:|\n"
		split("direct ipvs fnat_toa fnat_full", fp, " ")
		for (j = 1; j in fp; j++) {
			p = fp[j]; bp = p == "fnat_full" ? "fnat_toa" : p
			if (!(("flood/syn", p) in seenp)) continue
			n = 0; delete vs; delete rs
			for (k in val) {
				split(k, a, SUBSEP)
				if (a[1] != "flood/syn" || a[2] != p) continue
				vs[++n] = val[k]
				if (("flood/base", bp, a[3]) in val && val["flood/base", bp, a[3]] > 0)
					rs[++nr[p]] = val[k] / val["flood/base", bp, a[3]]
			}
			np = nt = 0; delete fr; delete tb
			for (k in info) {
				if (index(k, "flood_pps/" p "/") == 1) fr[++np] = info[k]
				if (index(k, "flood_table/" p "/") == 1) tb[++nt] = info[k]
			}
			r = "–"
			if (nr[p]) { minmax(rs, nr[p]); r = nr[p] > 1 ? sprintf("%.2f (%.2f–%.2f)", median(rs, nr[p]), MIN, MAX) : sprintf("%.2f", rs[1]) }
			printf "| %s | %s | %s | %s | %s | %s | %d (%d) |\n", name[p],
				med_of("flood/base", bp) == "" ? "–" : fmt(med_of("flood/base", bp)),
				fmt(median(vs, n)), r,
				np ? sprintf("%d", median(fr, np)) : "–", nt ? sprintf("%d", median(tb, nt)) : "–",
				rt["flood/syn", p], rts["flood/syn", p]
		}
	}
	# Each forwarding method against the same method of IPVS (bench.sh
	# part_methods, F empty; part_methods6, F 6: the same director-only
	# rounds over IPv6): one table per metric, a row per (method,
	# director); the ratio is ours over IPVS in the same round. FullNAT
	# has no IPVS counterpart: its reference is IPVS NAT, the same figure
	# as for NAT. A summary of the ratios first.
	function methods(f,    i, j, m, p, n, k, a, vs, note, r, any, spread, fw, pre, ik, sfx, w, bad) {
		pre = "methods" f "/"; ik = "m" f "_"
		for (i = 1; i <= nm; i++) if (index(order[i], pre) == 1) any = 1
		if (!any) return
		mtitle["ack"] = "TCP, ACKs of established connections"
		mtitle["syn"] = "TCP, SYNs: new connections"
		mtitle["udp"] = "UDP, datagrams of established flows"
		mtitle["udp_new"] = "UDP, datagrams that each open a flow"
		mtitle["crr"] = "TCP short connections through real clients and servers (connections/s, bench_cli -m crr, 1 client process)"
		mtitle["urr"] = "UDP exchanges through real clients and servers, each from a new client port (exchanges/s, bench_cli -m urr, 1 client process)"
		mshort["ack"] = "director-only, TCP ACKs (" info[ik "conns"] " connections)"
		mshort["syn"] = "director-only, TCP SYNs (new connections)"
		mshort["udp"] = "director-only, UDP (" info[ik "conns"] " flows)"
		mshort["udp_new"] = "director-only, UDP, each datagram a new flow"
		mshort["crr"] = "TCP short connections, real client and servers"
		mshort["urr"] = "UDP exchanges, real client and servers"
		split("fnat ipvs fnat_nat ipvs fnat_dr ipvs_dr fnat_tun ipvs_tun", mp, " ")
		if (f == "6") split("FullNAT66 FullNAT66 NAT66 NAT66 DR6 DR6 TUN6 TUN6", mm, " ")
		else split("FullNAT FullNAT NAT NAT DR DR TUN TUN", mm, " ")
		mref["fnat"] = mref["fnat_nat"] = "ipvs"; mref["fnat_dr"] = "ipvs_dr"; mref["fnat_tun"] = "ipvs_tun"
		if (f == "6") {
			printf "\n## Each forwarding method against IPVS'"'"'s same method, over IPv6\n\n"
			printf "Director-only packet rate (packets/s) as in the IPv4 section, over IPv6 (bench.sh part_methods6): pktgen into fullnat.ko'"'"'s namespace and IPVS'"'"'s, 16 pretend IPv6 real servers on a dummy device; FullNAT66 (IPv6 LIPs), NAT66, DR6 and TUN6 (ip6ip6) of fullnat.ko against IPVS'"'"'s NAT, DR and TUN over IPv6 (FullNAT66'"'"'s reference: IPVS NAT66, one measurement shown twice); 78-byte packets carrying a valid UDP checksum (IPv6 requires one; IPv4'"'"'s carry none), %s established connections or flows per path (packets at random among them), %s new ones per path and round. The ratio is ours / IPVS'"'"'s same method, median of the per-round ratios (min–max); below the 1.2× of issue #12 in bold. \"forwarded\" is what left the director of what pktgen sent, all rounds.\n", info[ik "conns"], info[ik "new"]
		} else {
			printf "\n## Each forwarding method against IPVS'"'"'s same method\n\n"
			printf "Director-only packet rate (packets/s, pktgen; the tables without a unit): fullnat.ko (its own namespace) and in-tree IPVS (another) with 16 pretend real servers on a dummy device; %s established connections or flows per path (packets at random among them), %s new ones per path and round. FullNAT'"'"'s reference is IPVS NAT (IPVS has no FullNAT): the IPVS NAT row is one measurement shown twice. The ratio is ours / IPVS'"'"'s same method, median of the per-round ratios (min–max). \"forwarded\" is what left the director of what pktgen sent, all rounds. Connections through real clients and servers: the same directors and methods on the bench topology (bench.sh part_methods_conns); \"errors\" are exchanges that failed or took over 2 s. Goal (issue #12): each of our methods ≥ 1.2× IPVS'"'"'s same method in director-only packet rate; a packet-rate ratio below it is in bold.\n", info[ik "conns"], info[ik "new"]
		}
		for (k in info) if (index(k, ik "unanswered/") == 1) printf "\n**Did not answer before the rounds: %s.**\n", substr(k, length(ik) + 12)
		# what tcpdump saw of 4 SYNs and 4 new UDP flows a path (m_wire)
		n = 0; bad = ""
		for (k in info) if (index(k, ik "wire/") == 1) { n++; if (info[k] != "ok") bad = bad " " substr(k, length(ik) + 6) " (" info[k] ")" }
		if (n) printf "\nOn the wire (tcpdump on the servers'"'"' link, 4 SYNs and 4 datagrams of new flows a path, before the rounds): %s.\n", bad == "" ? "every packet left in its method'"'"'s form, toward one of the servers" : "**not as the method forwards:" bad "**"
		printf "\nSummary, ours / IPVS'"'"'s same method (median of the per-round ratios):\n\n| | %s | %s | %s | %s |\n|---|---:|---:|---:|---:|\n", mm[1], mm[3], mm[5], mm[7]
		for (i = 1; i <= nm; i++) {
			m = order[i]
			if (index(m, pre) != 1) continue
			sfx = substr(m, length(pre) + 1)
			printf "| %s |", sfx in mshort ? mshort[sfx] : sfx
			for (j = 1; j in mp; j += 2) {
				ratio(m, mp[j], mref[mp[j]])
				w = RMED == "" ? "–" : sprintf("%.2f", RMED)
				if (RMED != "" && RMED < 1.2 && sfx !~ /rr$/) w = "**" w "**"
				printf " %s |", w
			}
			printf "\n"
		}
		for (i = 1; i <= nm; i++) {
			m = order[i]
			if (index(m, pre) != 1) continue
			sfx = substr(m, length(pre) + 1)
			printf "\n### %s%s\n\n", sfx in mtitle ? mtitle[sfx] : sfx, f == "6" ? ", IPv6" : ""
			printf "| method | director | median | min–max | forwarded | ours / IPVS same method |\n"
			printf "|---|---|---:|---:|---:|---:|\n"
			for (j = 1; j in mp; j++) {
				p = mp[j]; n = 0
				delete vs
				for (k in val) { split(k, a, SUBSEP); if (a[1] == m && a[2] == p) vs[++n] = val[k] }
				note = (m, p) in failed ? sprintf(" (%d runs gave no figure)", failed[m, p]) : ""
				if ((m, p) in errs) note = note sprintf(" (%d errors)", errs[m, p])
				if (!n) {
					printf "| %s | %s | not measured%s | | | |\n", mm[j], p ~ /^ipvs/ ? "IPVS" : "fullnat.ko", note
					continue
				}
				minmax(vs, n)
				spread = "–"
				if (n > 1) spread = fmt(MIN) "–" fmt(MAX)
				fw = "–"
				if (msent[m, p]) {
					fw = sprintf("%.1f%%", 100 * mfwd[m, p] / msent[m, p])
					if (mfwd[m, p] < msent[m, p]) fw = "**" fw "**"
				}
				r = "–"
				if (p in mref) {
					r = ratio(m, p, mref[p])
					if (RMED != "" && RMED < 1.2 && m !~ /rr$/) r = "**" r "**"
				}
				printf "| %s | %s%s | %s | %s | %s | %s |\n", mm[j],
					(p ~ /^ipvs/ ? "IPVS" : "fullnat.ko"), note, fmt(median(vs, n)),
					spread, fw, r
			}
		}
		# the live entries of each path after the packet-rate rounds
		if (((ik "entries/fnat") in info)) {
			printf "\nLive entries of each path'"'"'s services after the packet-rate rounds (its established connections and flows, the new UDP flows of every round, the SYN-only connections of the last 60 s):"
			for (j = 1; j in mp; j++)
				if (j != 2)
					printf " %s %s %s%s", mm[j], mp[j] ~ /^ipvs/ ? "IPVS" : "fullnat.ko", info[ik "entries/" mp[j]], j < 8 ? "," : ".\n"
		}
	}
	# Each scheduler against IPVS'"'"'s same scheduler (bench.sh part_sched):
	# a row per scheduler, and how each director spread the connections
	# over the 16 servers (server i has weight i): per server, its
	# connections / its weight, over the mean of that (1.00: exactly by
	# weight), min–max over the servers that got any, and how many did.
	function wspread(list,    c, n, i, tot, w, q, lo, hi, used) {
		n = split(list, c, ":")
		if (!n) return "–"
		for (i = 1; i <= n; i++) { tot += c[i]; w += i }
		if (!tot) return "none"
		for (i = 1; i <= n; i++) {
			if (!c[i]) continue
			used++
			q = (c[i] / i) / (tot / w)
			if (lo == "" || q < lo) lo = q
			if (hi == "" || q > hi) hi = q
		}
		return sprintf("%.2f–%.2f, %d of %d", lo, hi, used, n)
	}
	function sched(    i, m, s, n, k, a, vs, f, ip, r, fw, any) {
		for (i = 1; i <= nm; i++) if (order[i] ~ /^sched\//) any = 1
		if (!any) return
		printf "\n## Each scheduler against IPVS'"'"'s same scheduler\n\n"
		printf "Director-only rate of new connections (connections/s: pktgen SYNs, each a new connection), one service per scheduler on each director, both forwarding by DR, 16 pretend real servers with weights 1 to 16; %s SYNs per scheduler, director and round, from 251 client addresses of the path'"'"'s own. A SYN-only connection lives 60 s on both (IPVS'"'"'s SYN_RECV; fullnat.ko set to it). The ratio is ours / IPVS'"'"'s same scheduler, median of the per-round ratios (min–max); below the 1.2x of issue #12 in bold. \"forwarded\" is what left the director of what pktgen sent, all rounds. Spread: each server'"'"'s connections (all rounds) / its weight, over the mean of that: min–max over the servers that got any (1.00–1.00: exactly by weight; rr and lc ignore weights; sed and nq count only active connections, a SYN-only one among them on both (IPVS since Linux 4.8; fullnat.ko counted only ESTABLISHED ones before 2026-12-02, results/2026-12-02-sched.md); dh: one VIP, one server), and how many servers got any.\n\n", info["s_new"]
		printf "| scheduler | fullnat.ko | min–max | forwarded | IPVS | min–max | forwarded | ours / IPVS | spread, fullnat.ko | spread, IPVS |\n"
		printf "|---|---:|---:|---:|---:|---:|---:|---:|---|---|\n"
		for (i = 1; i <= nm; i++) {
			m = order[i]
			if (m !~ /^sched\//) continue
			s = substr(m, 7)
			for (k = 1; k <= 2; k++) {
				p = k == 1 ? "fnat" : "ipvs"; n = 0
				delete vs
				for (f in val) { split(f, a, SUBSEP); if (a[1] == m && a[2] == p) vs[++n] = val[f] }
				if (!n) { cell[k] = "not measured | | "; continue }
				minmax(vs, n)
				fw = "–"
				if (msent[m, p]) {
					fw = sprintf("%.1f%%", 100 * mfwd[m, p] / msent[m, p])
					if (mfwd[m, p] < msent[m, p]) fw = "**" fw "**"
				}
				cell[k] = sprintf("%s | %s | %s", fmt(median(vs, n)), n > 1 ? fmt(MIN) "–" fmt(MAX) : "–", fw)
			}
			r = ratio(m, "fnat", "ipvs")
			if (RMED != "" && RMED < 1.2) r = "**" r "**"
			printf "| %s | %s | %s | %s | %s | %s |\n", s, cell[1], cell[2], r,
				wspread(info["s_dist/" s "/fnat"]), wspread(info["s_dist/" s "/ipvs"])
		}
		if ("s_entries" in info)
			printf "\nLive entries of these services at the end (ipvs:N,fnat:N): %s.\n", info["s_entries"]
	}
	/^@@BEFORE metric=/ {
		m = kv($0, "metric"); p = kv($0, "path"); v = kv($0, "value")
		if (v != "") bval[m, p, kv($0, "rep")] = v
		next
	}
	/^@@BEFORE info / { for (i = 3; i <= NF; i++) { split($i, q, "="); binfo[q[1]] = q[2] }; next }
	/^@@HOST / { for (i = 2; i <= NF; i++) { split($i, q, "="); host[q[1]] = q[2] } }
	/^@@BENCH info / { for (i = 3; i <= NF; i++) { split($i, q, "="); info[q[1]] = q[2] } }
	/^@@BENCH metric=/ {
		m = kv($0, "metric"); p = kv($0, "path"); r = kv($0, "rep"); v = kv($0, "value")
		if (v == "") { failed[m, p]++; next }
		if (!(m in seen)) { seen[m] = 1; order[++nm] = m }
		if (!((m, p) in seenp)) { seenp[m, p] = 1; paths[m] = paths[m] " " p }
		val[m, p, r] = v
		extra[m, p] = $0
		if (kv($0, "errors") > 0) errs[m, p] += kv($0, "errors")
		if (kv($0, "sent") != "") { msent[m, p] += kv($0, "sent"); mfwd[m, p] += kv($0, "fwd") }
		if (kv($0, "retrans") != "") {
			hasrt[m] = 1
			rt[m, p] += kv($0, "retrans"); rts[m, p] += kv($0, "synretrans")
			rtsrv[m, p] += kv($0, "srv_retrans")
			if (kv($0, "lb_conns") != "") {
				lbc[m, p] += kv($0, "lb_conns"); okc[m, p] += kv($0, "conns")
			}
		}
	}
	END {
		title["crr/1"] = "Short connections, 1 client process (connections/s)"
		title["crr/2"] = "Short connections, 2 client processes (connections/s)"
		title["down"] = "Bulk download, server to client, one connection (MB/s)"
		title["up"] = "Bulk upload, client to server, one connection; the server never writes, so every client packet carries TOA (MB/s)"
		name["direct"] = "direct routing"; name["ipvs"] = "IPVS NAT"
		name["fnat_toa"] = "fullnat.ko, TOA on"; name["fnat"] = "fullnat.ko, TOA off"
		name["haproxy"] = "HAProxy (TCP mode)"

		printf "# make bench, %s\n\n", date
		printf "Host: %s, %s CPUs; QEMU %s (TCG, no KVM). ", host_cpu, host_cpus, qemu_v
		printf "Guest: Debian kernel %s, %s vCPUs, %s MB, clocksource %s. ", info["kernel"], info["cpus"], info["mem_mb"], info["clocksource"]
		printf "%s rounds, %s s per connection/bulk run, %s packets per packet-rate run. ", info["reps"], info["secs"], info["pkts"]
		printf "Connection tables: fullnat.ko conn_tab_bits=%s, ip_vs conn_tab_bits=%s.\n\n", info["fnat_tab_bits"], info["ipvs_tab_bits"]
		if ("others_max" in host)
			printf "Other QEMU guests running on the host during the run: %s at most (sampled every 10 s).\n\n", host["others_max"]
		printf "Figures are medians over the rounds, with min–max; ratios are medians of the per-round ratios (min–max).\n"
		for (i = 1; i <= nm; i++) {
			m = order[i]
			if (m ~ /^(flood|methods6?|sched)\//) continue
			split(substr(paths[m], 2), ps, " ")
			t = m in title ? title[m] : ""
			if (m ~ /^pps\//) t = "Director-only packet rate, " substr(m, 5) " connections in the table (packets/s, pktgen)"
			if (m ~ /^syn\//) t = "New connections through the director, pktgen SYNs, while filling the table to " substr(m, 5) " (connections/s)"
			if (m ~ /^svc\//) t = "Director-only packet rate with " substr(m, 5) " service(s) (packets/s, pktgen)"
			if (m ~ /^mem\//) t = "Memory per connection, " substr(m, 5) " connections (slab bytes / table entries)"
			printf "\n### %s\n\n", t
			if (m in hasrt) {
				printf "| path | median | min–max | × direct | × IPVS NAT | × HAProxy | retransmitted, all rounds: client (SYNs) / servers |\n"
				printf "|---|---:|---:|---:|---:|---:|---:|\n"
			} else {
				printf "| path | median | min–max | × direct | × IPVS NAT | × HAProxy |\n"
				printf "|---|---:|---:|---:|---:|---:|\n"
			}
			for (j = 1; j in ps; j++) {
				p = ps[j]; n = 0
				delete vs
				for (k in val) { split(k, a, SUBSEP); if (a[1] == m && a[2] == p) vs[++n] = val[k] }
				minmax(vs, n)
				note = ""
				if ((m, p) in errs) note = sprintf(" (%d errors)", errs[m, p])
				if ((m, p) in failed) note = note sprintf(" (%d runs failed)", failed[m, p])
				if (m ~ /^mem\//) {
					note = note sprintf(" %s entries, object %s B", kv(extra[m, p], "conns"), kv(extra[m, p], "objsize"))
					tb = kv(extra[m, p], "table_bytes")
					if (tb != "") note = note sprintf("; with the hash table (%d MiB): %.1f B", tb / 1048576, (kv(extra[m, p], "slab_bytes") + tb) / kv(extra[m, p], "conns"))
				}
				if (((m, p) in lbc) && lbc[m, p] > okc[m, p])
					note = note sprintf(" (the director created %d connections more than succeeded)", lbc[m, p] - okc[m, p])
				spread = n > 1 ? fmt(MIN) "–" fmt(MAX) : "–"
				label = p in name ? name[p] : p
				if (p == "fnat" && m !~ /^(crr|down|up)/) label = "fullnat.ko"
				printf "| %s%s | %s | %s | %s | %s | %s |", label, note,
					fmt(median(vs, n)), spread,
					ratio(m, p, "direct"), ratio(m, p, "ipvs"), ratio(m, p, "haproxy")
				if (m in hasrt)
					printf " %s%d (%d) / %d%s |", rt[m, p] ? "**" : "", rt[m, p], rts[m, p], rtsrv[m, p], rt[m, p] ? "**" : ""
				printf "\n"
			}
		}
		flood()
		methods("")
		methods("6")
		sched()
		goals()
		if (!length(bval)) exit
		printf "\n## fullnat.ko before and after (the same bench, the older module in the first run)\n\n"
		if ("fnat_tab_bits" in binfo)
			printf "The first run had fullnat.ko conn_tab_bits=%s; this one %s.\n\n", binfo["fnat_tab_bits"], info["fnat_tab_bits"]
		printf "| figure | path | before | after | × direct before | after | × IPVS NAT before | after |\n"
		printf "|---|---|---:|---:|---:|---:|---:|---:|\n"
		for (i = 1; i <= nm; i++) {
			m = order[i]
			if (m ~ /^mem\//) continue
			for (p in name) {
				if (p !~ /^fnat/) continue
				nb = na = 0
				delete vb; delete va
				for (k in bval) { split(k, a, SUBSEP); if (a[1] == m && a[2] == p) vb[++nb] = bval[k] }
				for (k in val) { split(k, a, SUBSEP); if (a[1] == m && a[2] == p) va[++na] = val[k] }
				if (!nb || !na) continue
				label = name[p]
				if (p == "fnat" && m !~ /^(crr|down|up)/) label = "fullnat.ko"
				printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", m, label,
					fmt(median(vb, nb)), fmt(median(va, na)),
					ratio_in(bval, m, p, "direct"), ratio(m, p, "direct"),
					ratio_in(bval, m, p, "ipvs"), ratio(m, p, "ipvs")
			}
		}
	}'
}

if [[ $out == - ]]; then
	report
else
	mkdir -p "$(dirname "$out")"
	report > "$out"
	cat "$out"
	echo
	echo "report: written to ${out#$top/}"
fi
