// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's Prometheus exposition (agent/metrics.c), judged by
 * Prometheus' own parser and linter: "promtool check metrics" (Debian's
 * prometheus package; scripts/install-deps.sh installs it). Without it
 * the test fails: it never passes unchecked. promtool is shown to refuse
 * a broken exposition first, so a promtool that accepts anything cannot
 * pass it either. Then the values of a known state are looked up line by
 * line.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "check.h"
#include "metrics.h"

/* What metrics.c uses of agent.c. */
int64_t agent_now_ms(void)
{
	return 0;
}

void agent_log(const struct agent *a, const char *fmt, ...)
{
	(void)a;
	(void)fmt;
}

bool agent_service_healthy(const struct agent *a, const struct agent_svc *s)
{
	size_t i;

	(void)a;
	for (i = 0; i < s->rs.n; i++)
		if (s->rs.v[i].state != AGENT_RS_DOWN)
			return true;
	return false;
}

/* promtool check metrics < text: its exit status, its words in out. */
static int promtool(const char *text, char *out, size_t len)
{
	char path[] = "/tmp/test_metrics.XXXXXX", cmd[256];
	FILE *f, *p;
	size_t n;
	int fd, status;

	out[0] = '\0';
	fd = mkstemp(path);
	if (fd < 0 || !(f = fdopen(fd, "w")))
		return -1;
	fputs(text, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s 2>&1", path);
	p = popen(cmd, "r");
	if (!p) {
		unlink(path);
		return -1;
	}
	n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	status = pclose(p);
	unlink(path);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void add_dest(struct lb_dest_list *l, const char *addr, int32_t w,
		     uint64_t conns)
{
	struct lb_dest d;
	char err[128];

	lb_dest_init(&d);
	parse_addr(addr, &d.addr, err, sizeof(err));
	d.port = 8080;
	d.weight = w;
	d.stats.conns = conns;
	d.stats.inpkts = conns * 5;
	d.stats.outpkts = conns * 4;
	d.stats.inbytes = conns * 500;
	d.stats.outbytes = conns * 9000;
	d.active = (uint32_t)conns / 10;
	lb_list_push(l, &d);
}

/* A director of one service, three real servers, rs2 quiesced by the
 * agent, and two LIPs. */
static void build(struct agent *a, struct lb_snapshot *snap,
		  struct lb_svc_entry *file_e, struct lb_health_check *hc)
{
	struct lb_svc_entry ke = { 0 };
	struct agent_svc s = { .e = file_e, .hc = hc };
	struct lb_laddr l = { .ports_in_use = 3, .conns = 70, .conflicts = 1 };
	char err[128];
	size_t i;

	memset(a, 0, sizeof(*a));
	memset(snap, 0, sizeof(*snap));
	a->name = "lb1";
	a->applies = 2;
	lb_service_init(&file_e->svc);
	file_e->svc.proto = LB_PROTO_TCP;
	parse_addr("203.0.113.10", &file_e->svc.addr, err, sizeof(err));
	file_e->svc.port = 80;
	add_dest(&file_e->dests, "198.19.0.11", 1, 0);
	add_dest(&file_e->dests, "198.19.0.12", 1, 0);
	add_dest(&file_e->dests, "198.19.0.13", 1, 0);
	for (i = 0; i < 3; i++) {
		struct agent_rs r = { .dest = file_e->dests.v[i],
				      .state = i == 1 ? AGENT_RS_DOWN : AGENT_RS_UP,
				      .checks = 10 + i, .failures = i };

		lb_list_push(&s.rs, &r);
	}
	lb_list_push(&a->svcs, &s);

	ke.svc = file_e->svc;
	ke.svc.stats.conns = 600;
	ke.svc.stats.inpkts = 3000;
	add_dest(&ke.dests, "198.19.0.11", 1, 300);
	add_dest(&ke.dests, "198.19.0.12", 0, 100);
	add_dest(&ke.dests, "198.19.0.13", 1, 200);
	lb_list_push(&snap->services, &ke);
	snap->info.conns = 42;
	parse_addr("198.18.11.1", &l.addr, err, sizeof(err));
	lb_list_push(&snap->laddrs, &l);
	parse_addr("198.18.11.2", &l.addr, err, sizeof(err));
	l.conns = 71;
	lb_list_push(&snap->laddrs, &l);
}

static const char *const expect[] = {
	"lbctl_agent_up{director=\"lb1\"} 1",
	"lbctl_connections 42",
	"lbctl_service_up{proto=\"tcp\",vip=\"203.0.113.10\",port=\"80\"} 1",
	"lbctl_service_connections_total{proto=\"tcp\",vip=\"203.0.113.10\",port=\"80\"} 600",
	"lbctl_service_packets_total{proto=\"tcp\",vip=\"203.0.113.10\",port=\"80\",direction=\"in\"} 3000",
	"lbctl_rs_up{proto=\"tcp\",vip=\"203.0.113.10\",port=\"80\",rs=\"198.19.0.12:8080\"} 0",
	"lbctl_rs_up{proto=\"tcp\",vip=\"203.0.113.10\",port=\"80\",rs=\"198.19.0.13:8080\"} 1",
	"lbctl_rs_weight{proto=\"tcp\",vip=\"203.0.113.10\",port=\"80\",rs=\"198.19.0.12:8080\"} 0",
	"lbctl_rs_weight{proto=\"tcp\",vip=\"203.0.113.10\",port=\"80\",rs=\"198.19.0.11:8080\"} 1",
	"lbctl_rs_connections_total{proto=\"tcp\",vip=\"203.0.113.10\",port=\"80\",rs=\"198.19.0.13:8080\"} 200",
	"lbctl_rs_bytes_total{proto=\"tcp\",vip=\"203.0.113.10\",port=\"80\",rs=\"198.19.0.11:8080\",direction=\"out\"} 2700000",
	"lbctl_rs_active_connections{proto=\"tcp\",vip=\"203.0.113.10\",port=\"80\",rs=\"198.19.0.11:8080\"} 30",
	"lbctl_rs_checks_total{proto=\"tcp\",vip=\"203.0.113.10\",port=\"80\",rs=\"198.19.0.13:8080\"} 12",
	"lbctl_rs_check_failures_total{proto=\"tcp\",vip=\"203.0.113.10\",port=\"80\",rs=\"198.19.0.12:8080\"} 1",
	"lbctl_laddr_connections_total{laddr=\"198.18.11.2\"} 71",
	"lbctl_laddr_ports_in_use{laddr=\"198.18.11.1\"} 3",
	"# TYPE lbctl_rs_bytes_total counter",
	"# TYPE lbctl_rs_up gauge",
};

/* Each line once, exactly as a line. */
static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while ((p = strstr(p, line))) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
		p += n;
	}
	return false;
}

int main(void)
{
	struct lb_health_check hc = { .type = LB_HC_HTTP, .interval = 1,
				      .timeout = 1, .rise = 2, .fall = 2 };
	struct lb_svc_entry e = { 0 };
	struct lb_snapshot snap;
	struct agent a;
	char *text = NULL, out[4096];
	size_t len = 0, i;
	FILE *f;
	int ret;

	check_begin("metrics/promtool_refuses_broken");
	ret = promtool("# TYPE lbctl_x counter\nlbctl_x{a=\"1\"} 1\nlbctl_x{a=\"1\"} 2\n",
		       out, sizeof(out));
	CHECK_MSG(ret != 127 && ret >= 0, "promtool cannot be run (exit %d: %s): install Debian's prometheus package (scripts/install-deps.sh)",
		  ret, out);
	CHECK_MSG(ret != 0, "promtool accepted a counter without _total and a repeated series");
	check_end();

	build(&a, &snap, &e, &hc);
	f = open_memstream(&text, &len);
	metrics_format(&a, &snap, f);
	fclose(f);

	check_begin("metrics/promtool_check");
	ret = promtool(text, out, sizeof(out));
	CHECK_MSG(ret == 0 && !out[0], "promtool check metrics: exit %d: %s", ret, out);
	check_end();

	check_begin("metrics/values");
	for (i = 0; i < ARRAY_SIZE(expect); i++)
		CHECK_MSG(has_line(text, expect[i]), "no line \"%s\" in:\n%s", expect[i], text);
	/* A real server the kernel does not have: no weight or traffic. */
	snap.services.v[0].dests.n = 2;
	free(text);
	text = NULL;
	f = open_memstream(&text, &len);
	metrics_format(&a, &snap, f);
	fclose(f);
	CHECK(!strstr(text, "lbctl_rs_weight{proto=\"tcp\",vip=\"203.0.113.10\",port=\"80\",rs=\"198.19.0.13:8080\"}"));
	CHECK(has_line(text, "lbctl_rs_up{proto=\"tcp\",vip=\"203.0.113.10\",port=\"80\",rs=\"198.19.0.13:8080\"} 1"));
	ret = promtool(text, out, sizeof(out));
	CHECK_MSG(ret == 0 && !out[0], "promtool check metrics: exit %d: %s", ret, out);
	check_end();

	free(text);
	lb_list_free(&a.svcs.v[0].rs);
	lb_list_free(&a.svcs);
	lb_list_free(&e.dests);
	lb_snapshot_free(&snap);
	return check_done();
}
