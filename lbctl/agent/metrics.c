// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's metrics: see metrics.h. Names follow Prometheus'
 * conventions: lbctl_ prefix, base units, _total for counters, one
 * family per quantity with labels for the service (proto, vip, port), the
 * real server (rs) and the direction (in, out), HELP and TYPE first.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api.h"
#include "metrics.h"
#include "output.h"
#include "util.h"

struct metrics {
	struct metrics_opts o;
	int listen_fd;			/* -1 none */
	char *text;			/* the last exposition */
	size_t len;
	int64_t next_ms;
};

static void family(FILE *out, const char *name, const char *type,
		   const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void svc_labels(const struct lb_service *svc, char *buf, size_t len)
{
	char vip[LB_ADDRPORT_STRLEN];

	snprintf(buf, len, "proto=\"%s\",vip=\"%s\",port=\"%u\"",
		 proto_name(svc->proto),
		 lb_addr_str(&svc->addr, vip, sizeof(vip)), svc->port);
}

static void rs_labels(const struct lb_service *svc, const struct lb_dest *d,
		      char *buf, size_t len)
{
	char l[160], rs[LB_ADDRPORT_STRLEN];

	svc_labels(svc, l, sizeof(l));
	snprintf(buf, len, "%s,rs=\"%s\"", l,
		 lb_addrport_str(&d->addr, d->port, rs, sizeof(rs)));
}

/* The kernel's entry of the agent's service and real server, or NULL. */
static const struct lb_svc_entry *kernel_svc(const struct lb_snapshot *snap,
					     const struct lb_service *svc)
{
	return lb_list_find(&snap->services, e, lb_service_same(&e->svc, svc));
}

static const struct lb_dest *kernel_dest(const struct lb_svc_entry *e,
					 const struct lb_dest *d)
{
	return !e ? NULL : lb_list_find(&e->dests, k, lb_dest_same(k, d));
}

/* A counter or gauge of every real server of the agent's services. */
#define EACH_RS(a, snap, out, name, type, help, expr) do {		\
	const struct agent_svc *s_;					\
	const struct agent_rs *r_;					\
	char l_[256];							\
									\
	family(out, name, type, help);					\
	for (s_ = (a)->svcs.v; s_ < (a)->svcs.v + (a)->svcs.n; s_++)	\
		for (r_ = s_->rs.v; r_ < s_->rs.v + s_->rs.n; r_++) {	\
			const struct lb_dest *k = kernel_dest(		\
				kernel_svc(snap, &s_->e->svc), &r_->dest); \
			const struct agent_rs *r = r_;			\
									\
			(void)k; (void)r;				\
			rs_labels(&s_->e->svc, &r_->dest, l_, sizeof(l_)); \
			expr;						\
		}							\
} while (0)

static void stats_of(FILE *out, const char *what, const char *labels,
		     const struct lb_stats *st, int part)
{
	switch (part) {
	case 0:
		fprintf(out, "lbctl_%s_connections_total{%s} %" PRIu64 "\n",
			what, labels, st->conns);
		break;
	case 1:
		fprintf(out, "lbctl_%s_packets_total{%s,direction=\"in\"} %" PRIu64 "\n",
			what, labels, st->inpkts);
		fprintf(out, "lbctl_%s_packets_total{%s,direction=\"out\"} %" PRIu64 "\n",
			what, labels, st->outpkts);
		break;
	default:
		fprintf(out, "lbctl_%s_bytes_total{%s,direction=\"in\"} %" PRIu64 "\n",
			what, labels, st->inbytes);
		fprintf(out, "lbctl_%s_bytes_total{%s,direction=\"out\"} %" PRIu64 "\n",
			what, labels, st->outbytes);
	}
}

static const char *const stat_names[][2] = {
	{ "connections_total", "Connections scheduled" },
	{ "packets_total", "Packets forwarded, client to server (in) and back (out)" },
	{ "bytes_total", "Bytes forwarded, client to server (in) and back (out)" },
};

void metrics_format(const struct agent *a, const struct lb_snapshot *snap,
		    FILE *out)
{
	const struct agent_svc *s;
	const struct lb_laddr *l;
	char name[64], lab[256], ip[LB_ADDRPORT_STRLEN];
	int part;

	family(out, "lbctl_agent_up", "gauge", "1 while the agent runs");
	fprintf(out, "lbctl_agent_up{director=\"%s\"} 1\n", a->name);
	family(out, "lbctl_agent_draining", "gauge",
	       "1 while the agent drains the director");
	fprintf(out, "lbctl_agent_draining %d\n", a->draining);
	family(out, "lbctl_agent_applies_total", "counter",
	       "Applies of the cluster file, at start and on SIGHUP");
	fprintf(out, "lbctl_agent_applies_total %" PRIu64 "\n", a->applies);
	family(out, "lbctl_agent_apply_failures_total", "counter",
	       "Applies of the cluster file that failed");
	fprintf(out, "lbctl_agent_apply_failures_total %" PRIu64 "\n",
		a->apply_failures);
	family(out, "lbctl_connections", "gauge",
	       "Connections in the director's table");
	fprintf(out, "lbctl_connections %" PRIu32 "\n", snap->info.conns);

	family(out, "lbctl_service_up", "gauge",
	       "1 if the service has a real server up (checked: one that has passed a check)");
	for (s = a->svcs.v; s < a->svcs.v + a->svcs.n; s++) {
		svc_labels(&s->e->svc, lab, sizeof(lab));
		fprintf(out, "lbctl_service_up{%s} %d\n", lab,
			agent_service_healthy(a, s));
	}
	for (part = 0; part < 3; part++) {
		snprintf(name, sizeof(name), "lbctl_service_%s",
			 stat_names[part][0]);
		family(out, name, "counter", stat_names[part][1]);
		for (s = a->svcs.v; s < a->svcs.v + a->svcs.n; s++) {
			const struct lb_svc_entry *e =
				kernel_svc(snap, &s->e->svc);

			if (!e)
				continue;
			svc_labels(&s->e->svc, lab, sizeof(lab));
			stats_of(out, "service", lab, &e->svc.stats, part);
		}
	}

	EACH_RS(a, snap, out, "lbctl_rs_up", "gauge",
		"1 if the real server takes new connections (healthy or not checked), 0 if quiesced",
		fprintf(out, "lbctl_rs_up{%s} %d\n", l_,
			r->state != AGENT_RS_DOWN));
	EACH_RS(a, snap, out, "lbctl_rs_checked", "gauge",
		"1 if the real server is health checked",
		fprintf(out, "lbctl_rs_checked{%s} %d\n", l_,
			r->state != AGENT_RS_UNCHECKED));
	EACH_RS(a, snap, out, "lbctl_rs_weight", "gauge",
		"The real server's weight in the kernel",
		if (k) fprintf(out, "lbctl_rs_weight{%s} %d\n", l_, k->weight));
	EACH_RS(a, snap, out, "lbctl_rs_active_connections", "gauge",
		"The real server's active connections",
		if (k) fprintf(out, "lbctl_rs_active_connections{%s} %u\n", l_,
			       k->active));
	EACH_RS(a, snap, out, "lbctl_rs_checks_total", "counter",
		"Health checks of the real server",
		fprintf(out, "lbctl_rs_checks_total{%s} %" PRIu64 "\n", l_,
			r->checks));
	EACH_RS(a, snap, out, "lbctl_rs_check_failures_total", "counter",
		"Health checks of the real server that failed",
		fprintf(out, "lbctl_rs_check_failures_total{%s} %" PRIu64 "\n",
			l_, r->failures));
	for (part = 0; part < 3; part++) {
		snprintf(name, sizeof(name), "lbctl_rs_%s", stat_names[part][0]);
		EACH_RS(a, snap, out, name, "counter", stat_names[part][1],
			if (k) stats_of(out, "rs", l_, &k->stats, part));
	}

	family(out, "lbctl_laddr_ports_in_use", "gauge",
	       "Ports of the local address held by connections");
	for (l = snap->laddrs.v; l < snap->laddrs.v + snap->laddrs.n; l++)
		fprintf(out, "lbctl_laddr_ports_in_use{laddr=\"%s\"} %" PRIu32 "\n",
			lb_addr_str(&l->addr, ip, sizeof(ip)), l->ports_in_use);
	family(out, "lbctl_laddr_connections_total", "counter",
	       "Connections given the local address");
	for (l = snap->laddrs.v; l < snap->laddrs.v + snap->laddrs.n; l++)
		fprintf(out, "lbctl_laddr_connections_total{laddr=\"%s\"} %" PRIu64 "\n",
			lb_addr_str(&l->addr, ip, sizeof(ip)), l->conns);
	family(out, "lbctl_laddr_conflicts_total", "counter",
	       "Ports of the local address found taken when tried");
	for (l = snap->laddrs.v; l < snap->laddrs.v + snap->laddrs.n; l++)
		fprintf(out, "lbctl_laddr_conflicts_total{laddr=\"%s\"} %" PRIu64 "\n",
			lb_addr_str(&l->addr, ip, sizeof(ip)), l->conflicts);
	family(out, "lbctl_laddr_exhausted_total", "counter",
	       "Times the local address had no free port");
	for (l = snap->laddrs.v; l < snap->laddrs.v + snap->laddrs.n; l++)
		fprintf(out, "lbctl_laddr_exhausted_total{laddr=\"%s\"} %" PRIu64 "\n",
			lb_addr_str(&l->addr, ip, sizeof(ip)), l->exhausted);
}

/* The file written beside its place and renamed: a reader never sees
 * half of it. */
static void write_file(const struct agent *a, const struct metrics *m)
{
	char tmp[4096];
	int fd;
	bool ok;

	snprintf(tmp, sizeof(tmp), "%s.tmp", m->o.file);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		agent_log(a, "cannot write %s: %s", tmp, strerror(errno));
		return;
	}
	ok = write(fd, m->text, m->len) == (ssize_t)m->len;
	ok = !close(fd) && ok;
	if (!ok || rename(tmp, m->o.file)) {
		agent_log(a, "cannot write %s: %s", m->o.file, strerror(errno));
		unlink(tmp);
	}
}

static void refresh(struct agent *a, struct metrics *m)
{
	struct lb_snapshot snap;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	if (lb_snapshot_read(&a->g, &snap, NULL, LB_SNAP_LADDRS)) {
		agent_log(a, "metrics: cannot read the director: %s", a->g.msg);
		return;
	}
	out = open_memstream(&text, &len);
	if (out) {
		metrics_format(a, &snap, out);
		if (fclose(out)) {
			free(text);
			text = NULL;
		}
	}
	lb_snapshot_free(&snap);
	if (!text)
		return;
	free(m->text);
	m->text = text;
	m->len = len;
	if (m->o.file)
		write_file(a, m);
}

/*
 * One scrape, whatever it asks: the last exposition, then close. The
 * request is not waited for: a scraper that sends it after reading
 * nothing is served anyway. Nothing here waits on the scraper, which may
 * be anyone who reaches the port: the whole reply goes into the socket's
 * buffer, grown to hold it (the agent has CAP_NET_ADMIN for
 * SO_SNDBUFFORCE), and the kernel delivers it after close() at the
 * scraper's pace; if it does not fit, the scraper gets less.
 */
static void serve(struct metrics *m)
{
	char head[160];
	int fd = accept4(m->listen_fd, NULL, NULL,
			 SOCK_CLOEXEC | SOCK_NONBLOCK);
	int n, size;

	if (fd < 0)
		return;
	n = snprintf(head, sizeof(head),
		     "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
		     m->len);
	size = m->len < (size_t)INT_MAX / 2 - 4096 ?
	       (int)(m->len + (size_t)n + 4096) : INT_MAX / 2;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	if (send(fd, head, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) == n &&
	    m->len)
		send(fd, m->text, m->len, MSG_NOSIGNAL | MSG_DONTWAIT);
	shutdown(fd, SHUT_WR);
	close(fd);
}

int metrics_open(struct agent *a, const struct metrics_opts *o,
		 struct metrics **mp)
{
	struct metrics *m;
	struct lb_addrport ap;
	struct sockaddr_storage ss;
	socklen_t len;
	char why[LB_REASON_MAX];
	int one = 1;

	*mp = NULL;
	if (!o->file && !o->listen)
		return 0;
	m = calloc(1, sizeof(*m));
	if (!m)
		return lbctl_error(-1, "out of memory");
	m->o = *o;
	m->listen_fd = -1;
	if (o->listen) {
		if (parse_addrport(o->listen, &ap, why, sizeof(why))) {
			free(m);
			return lbctl_error(-1, "argument \"%s\" of --metrics-listen is wrong: %s",
					   o->listen, why);
		}
		memset(&ss, 0, sizeof(ss));
		if (ap.addr.family == AF_INET) {
			struct sockaddr_in *in = (struct sockaddr_in *)&ss;

			in->sin_family = AF_INET;
			in->sin_addr = ap.addr.v4;
			in->sin_port = htons(ap.port);
			len = sizeof(*in);
		} else {
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

			in6->sin6_family = AF_INET6;
			in6->sin6_addr = ap.addr.v6;
			in6->sin6_port = htons(ap.port);
			len = sizeof(*in6);
		}
		m->listen_fd = socket(ap.addr.family, SOCK_STREAM |
				      SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (m->listen_fd >= 0)
			setsockopt(m->listen_fd, SOL_SOCKET, SO_REUSEADDR,
				   &one, sizeof(one));
		if (m->listen_fd < 0 ||
		    bind(m->listen_fd, (struct sockaddr *)&ss, len) ||
		    listen(m->listen_fd, 16)) {
			lbctl_error(-1, "--metrics-listen %s: %s", o->listen,
				    strerror(errno));
			metrics_close(m);
			return -1;
		}
	}
	*mp = m;
	refresh(a, m);
	m->next_ms = agent_now_ms() + (int64_t)o->interval * 1000;
	return 0;
}

size_t metrics_poll_fd(struct metrics *m, struct pollfd *fd, int *timeout_ms)
{
	int64_t left;

	if (!m)
		return 0;
	left = m->next_ms - agent_now_ms();
	if (left < *timeout_ms)
		*timeout_ms = left > 0 ? (int)left : 0;
	if (m->listen_fd < 0)
		return 0;
	fd->fd = m->listen_fd;
	fd->events = POLLIN;
	fd->revents = 0;
	return 1;
}

void metrics_run(struct agent *a, struct metrics *m, const struct pollfd *fds,
		 size_t n)
{
	size_t i;

	if (!m)
		return;
	if (agent_now_ms() >= m->next_ms) {
		refresh(a, m);
		m->next_ms = agent_now_ms() + (int64_t)m->o.interval * 1000;
	}
	for (i = 0; i < n; i++)
		if (fds[i].fd == m->listen_fd && fds[i].revents)
			serve(m);
}

void metrics_tick(struct agent *a, struct metrics *m, int ms)
{
	int64_t end = agent_now_ms() + ms;
	struct pollfd fd;
	int timeout;
	size_t n;

	for (;;) {
		timeout = (int)(end - agent_now_ms());
		if (timeout <= 0)
			break;
		n = metrics_poll_fd(m, &fd, &timeout);
		poll(&fd, n, timeout);
		metrics_run(a, m, &fd, n);
	}
}

void metrics_close(struct metrics *m)
{
	if (!m)
		return;
	if (m->listen_fd >= 0)
		close(m->listen_fd);
	free(m->text);
	free(m);
}
