// SPDX-License-Identifier: GPL-2.0
/*
 * export -> apply -> export is a fixed point, over generated directors.
 *
 * A pretend fullnat.ko holds a director's state and answers lbctl's real
 * requests over libnl with its send and receive replaced (as test_api.c
 * does). For each seed:
 *
 *   A = a random director; E1 = "lbctl export" of A (api.c reads it, the
 *   attributes parsed by attrs.c, printed by print.c)
 *   B = another director: A changed at random, or a random one, or empty
 *   apply E1 to B: cluster.c parses E1, plan.c plans from B's snapshot,
 *   api.c and attrs.c send each step to the pretend kernel
 *   then B must hold what A holds, field by field; E2, the export of B,
 *   must be E1 byte for byte; and a second plan must be empty.
 *
 * The values come from the field tables (fields.h), so a new field is
 * generated, exported, applied and compared without a change here. The
 * pretend kernel keeps each table sorted by key, as a dump's order does
 * not depend on the order of the requests that made it.
 */
#define _GNU_SOURCE		/* open_memstream() */
#include <errno.h>
#include <stdlib.h>

#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>

#include "api.h"
#include "attrs.h"
#include "check.h"
#include "check_nl.h"
#include "cluster.h"
#include "fields.h"
#include "output.h"
#include "plan.h"
#include "print.h"

#define FAMILY FAKE_FAMILY
#define SEEDS 300

/* The schedulers of the pretend module, and of the generated services. */
static const char *const scheds[] = { "rr", "wrr", "wlc", "lc", "sh", NULL };

/* --- the pretend kernel ------------------------------------------------------ */

static struct {
	struct lb_snapshot s;		/* the state; info is not used */
	unsigned int requests;
} k;

/* The ACK or error of a command; NLMSG_DONE of a dump. */
static void queue_end(const struct nlmsghdr *req, int error)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;

	if (req->nlmsg_flags & NLM_F_DUMP) {
		nlh = nlmsg_put(msg, req->nlmsg_pid, req->nlmsg_seq,
				NLMSG_DONE, sizeof(error), NLM_F_MULTI);
		memcpy(nlmsg_data(nlh), &error, sizeof(error));
	} else {
		nlh = nlmsg_put(msg, req->nlmsg_pid, req->nlmsg_seq,
				NLMSG_ERROR, sizeof(*e), NLM_F_CAPPED);
		e = nlmsg_data(nlh);
		e->error = error;
		e->msg = *req;
	}
	queue_msg(msg);
}

static int svc_cmp(const void *a, const void *b)
{
	const struct lb_service *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return memcmp(&x->addr.v4, &y->addr.v4, 4) ?:
	       (x->port > y->port) - (x->port < y->port);
}

static int dest_cmp(const void *a, const void *b)
{
	const struct lb_dest *x = a, *y = b;

	return memcmp(&x->addr.v4, &y->addr.v4, 4) ?:
	       (x->port > y->port) - (x->port < y->port);
}

static int laddr_cmp(const void *a, const void *b)
{
	return memcmp(&((const struct lb_laddr *)a)->addr.v4,
		      &((const struct lb_laddr *)b)->addr.v4, 4);
}

/* qsort() of a list, which may be empty (and its v NULL) */
#define SORT(l, cmp) do {						\
	if ((l)->n)							\
		qsort((l)->v, (l)->n, sizeof(*(l)->v), cmp);		\
} while (0)

static void sort_state(struct lb_snapshot *s)
{
	size_t i;

	SORT(&s->services, svc_cmp);
	for (i = 0; i < s->services.n; i++)
		SORT(&s->services.v[i].dests, dest_cmp);
	SORT(&s->laddrs, laddr_cmp);
}

static struct lb_svc_entry *find_svc(const struct lb_service *key)
{
	size_t i;

	for (i = 0; i < k.s.services.n; i++)
		if (lb_service_same(&k.s.services.v[i].svc, key))
			return &k.s.services.v[i];
	return NULL;
}

static size_t find_dest(const struct lb_dest_list *l, const struct lb_dest *d)
{
	size_t i;

	for (i = 0; i < l->n && !lb_dest_same(&l->v[i], d); i++)
		;
	return i;
}

static size_t find_laddr(const struct lb_addr *a)
{
	size_t i;

	for (i = 0; i < k.s.laddrs.n &&
	     !lb_addr_equal(&k.s.laddrs.v[i].addr, a); i++)
		;
	return i;
}

static bool is_vip(const struct lb_addr *a)
{
	size_t i;

	for (i = 0; i < k.s.services.n; i++)
		if (lb_addr_equal(&k.s.services.v[i].svc.addr, a))
			return true;
	return false;
}

/* The set fields of t in from into to, as SET does. */
static void set_fields(const struct lb_fields *t, void *to, const void *from)
{
	const struct lb_field *f;

	lb_for_each_field(f, t)
		if (f->kind != LB_FK_TIMEOUTS && lb_field_is_set(f, from))
			lb_field_copy(f, to, from);
}

static int one_svc(struct nlattr *n, void *svc)
{
	return lb_parse_service(n, svc);
}

static int one_dest(struct nlattr *n, void *d)
{
	return lb_parse_dest(n, d);
}

static int one_laddr(struct nlattr *n, void *l)
{
	return lb_parse_laddr(n, l);
}

static int one_cfg(struct nlattr *n, void *c)
{
	return lb_parse_config(n, c);
}

/* A command on the state, as fullnat.ko does it; 0 or -errno. */
static int command(uint8_t cmd, struct nl_msg *req)
{
	struct lb_svc_entry e = { .dests = { 0 } }, *s;
	struct lb_config cfg;
	struct lb_laddr l;
	struct lb_dest d;
	size_t i;

	lb_service_init(&e.svc);
	lb_dest_init(&d);
	lb_config_init(&cfg);
	memset(&l, 0, sizeof(l));
	if (lb_msg_each(req, FULLNAT_A_SERVICE, one_svc, &e.svc) < 0 ||
	    lb_msg_each(req, FULLNAT_A_DEST, one_dest, &d) < 0 ||
	    lb_msg_each(req, FULLNAT_A_LADDR, one_laddr, &l) < 0 ||
	    lb_msg_each(req, FULLNAT_A_CONFIG, one_cfg, &cfg) < 0)
		return -EINVAL;
	s = find_svc(&e.svc);
	switch (cmd) {
	case FULLNAT_CMD_SET_CONFIG:
		for (i = 0; i < 32; i++)
			if (cfg.present & (1u << i))
				lb_config_copy(&k.s.config, &cfg, 1u << i);
		return 0;
	case FULLNAT_CMD_NEW_SERVICE:
		if (s)
			return -EEXIST;
		if (find_laddr(&e.svc.addr) < k.s.laddrs.n)
			return -EINVAL;		/* a VIP is never a LIP */
		lb_fields_default(&lb_service_fields, &e.svc, false);
		return lb_list_push(&k.s.services, &e);
	case FULLNAT_CMD_SET_SERVICE:
		if (!s)
			return -ENOENT;
		set_fields(&lb_service_fields, &s->svc, &e.svc);
		return 0;
	case FULLNAT_CMD_DEL_SERVICE:
		if (!s)
			return -ENOENT;
		lb_list_free(&s->dests);
		*s = k.s.services.v[--k.s.services.n];
		return 0;
	case FULLNAT_CMD_NEW_DEST:
	case FULLNAT_CMD_SET_DEST:
	case FULLNAT_CMD_DEL_DEST:
		if (!s)
			return -ENOENT;
		i = find_dest(&s->dests, &d);
		if (cmd == FULLNAT_CMD_NEW_DEST) {
			if (i < s->dests.n)
				return -EEXIST;
			lb_fields_default(&lb_dest_fields, &d, false);
			/* Without one, the service's method, said always. */
			if (d.fwd < 0)
				d.fwd = s->svc.fwd;
			return lb_list_push(&s->dests, &d);
		}
		if (i == s->dests.n)
			return -ENOENT;
		if (cmd == FULLNAT_CMD_SET_DEST)
			set_fields(&lb_dest_fields, &s->dests.v[i], &d);
		else
			s->dests.v[i] = s->dests.v[--s->dests.n];
		return 0;
	case FULLNAT_CMD_NEW_LADDR:
		if (find_laddr(&l.addr) < k.s.laddrs.n)
			return -EEXIST;
		if (is_vip(&l.addr))
			return -EINVAL;
		return lb_list_push(&k.s.laddrs, &l);
	case FULLNAT_CMD_DEL_LADDR:
		i = find_laddr(&l.addr);
		if (i == k.s.laddrs.n)
			return -ENOENT;
		k.s.laddrs.v[i] = k.s.laddrs.v[--k.s.laddrs.n];
		return 0;
	}
	return -EOPNOTSUPP;
}

/* A dump or a GET, answered from the state. */
static void answer_get(const struct nlmsghdr *nlh, uint8_t cmd,
		       struct nl_msg *req)
{
	struct lb_service key;
	struct lb_svc_entry *s;
	struct nl_msg *msg;
	struct nlattr *n;
	size_t i;

	switch (cmd) {
	case FULLNAT_CMD_GET_INFO:
		msg = answer_msg(nlh);
		n = nla_nest_start(msg, FULLNAT_A_INFO | NLA_F_NESTED);
		put_info_base(msg);
		/* All that the generated directors use (rnd_fields()). */
		put_info_caps(msg, (1u << (FULLNAT_FWD_MAX + 1)) - 1,
			      "\x06\x11", false, scheds);
		nla_nest_end(msg, n);
		queue_msg(msg);
		break;
	case FULLNAT_CMD_GET_CONFIG:
		msg = answer_msg(nlh);
		lb_put_config(msg, &k.s.config);
		queue_msg(msg);
		break;
	case FULLNAT_CMD_GET_SERVICE:
		for (i = 0; i < k.s.services.n; i++) {
			msg = answer_msg(nlh);
			lb_put_service(msg, &k.s.services.v[i].svc, false);
			queue_msg(msg);
		}
		break;
	case FULLNAT_CMD_GET_DEST:
		lb_service_init(&key);
		lb_msg_each(req, FULLNAT_A_SERVICE, one_svc, &key);
		s = find_svc(&key);
		for (i = 0; s && i < s->dests.n; i++) {
			msg = answer_msg(nlh);
			lb_put_dest(msg, &s->dests.v[i], false);
			queue_msg(msg);
		}
		break;
	case FULLNAT_CMD_GET_LADDR:
		for (i = 0; i < k.s.laddrs.n; i++) {
			msg = answer_msg(nlh);
			lb_put_laddr(msg, &k.s.laddrs.v[i].addr);
			queue_msg(msg);
		}
		break;
	}
	queue_end(nlh, 0);
}

static int fake_send(struct nl_sock *sk, struct nl_msg *msg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	uint8_t cmd = ((struct genlmsghdr *)nlmsg_data(nlh))->cmd;

	(void)sk;
	/* lbctl has read every answer to the requests before. */
	if (fake_q.head == fake_q.tail)
		fake_q.head = fake_q.tail = 0;
	k.requests++;
	if (cmd == FULLNAT_CMD_GET_INFO || cmd == FULLNAT_CMD_GET_CONFIG ||
	    nlh->nlmsg_flags & NLM_F_DUMP) {
		answer_get(nlh, cmd, msg);
	} else {
		queue_end(nlh, command(cmd, msg));
		sort_state(&k.s);
	}
	return (int)nlh->nlmsg_len;
}

static struct genl g;

static void fake_open(void)
{
	fake_attach(&g, fake_send, "roundtrip");
}

/* --- generated directors --------------------------------------------------- */

static uint64_t rnd_state;

static uint32_t rnd(uint32_t n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return n ? (uint32_t)(rnd_state % n) : 0;
}

/* A small pool of addresses, so two directors share some objects. */
static struct lb_addr addr(uint8_t net, uint32_t host)
{
	struct lb_addr a = { .family = AF_INET };

	a.v4.s_addr = htonl(0x0a000000u | (uint32_t)net << 16 | host);
	return a;
}

static uint32_t rnd_uint(const struct lb_field *f)
{
	/* The ends of the range, and a few small values, most often. */
	switch (rnd(4)) {
	case 0:
		return f->min;
	case 1:
		return f->max;
	case 2:
		return f->min + rnd(4);
	}
	return f->min + rnd(f->max - f->min + 1);
}

/* Every field of t a random value that the cluster file accepts. */
static void rnd_fields(const struct lb_fields *t, void *obj)
{
	struct lb_config *cfg = obj;
	const struct lb_field *f;
	unsigned int st;
	long long v = 0;

	lb_for_each_field(f, t) {
		switch (f->kind) {
		case LB_FK_SCHED:
			snprintf(lb_field_str(f, obj), f->size, "%s",
				 scheds[rnd(ARRAY_SIZE(scheds) - 1)]);
			continue;
		case LB_FK_PORT_RANGE:
			cfg->present |= f->bit;
			cfg->port_min = (uint16_t)(1 + rnd(40000));
			cfg->port_max = (uint16_t)(cfg->port_min +
						   rnd(65536 - cfg->port_min));
			continue;
		case LB_FK_TIMEOUTS:
			for (st = 0; st < LB_TIMEOUTS; st++) {
				cfg->present |= LB_CFG_TIMEOUT(st);
				cfg->timeout[st] = rnd_uint(f);
			}
			continue;
		case LB_FK_COUNTER:
			/* the kernel's, which a file does not set */
			continue;
		case LB_FK_UINT:
			do
				v = rnd_uint(f);
			while (f->valid && f->valid(v, NULL, 0));
			break;
		case LB_FK_BOOL:
			v = rnd(2);
			break;
		case LB_FK_FWD:
			v = rnd(FULLNAT_FWD_MAX + 1);
			break;
		}
		lb_field_set(f, obj, v);
	}
}

/*
 * A DR or TUN real server serves the service's own port (services.c's
 * dest_check()): one generated with another port is made FullNAT's.
 */
static void no_port_mapping(struct lb_svc_entry *e)
{
	struct lb_dest *d;
	size_t j;
	int fwd;

	for (j = 0; j < e->dests.n; j++) {
		d = &e->dests.v[j];
		fwd = d->fwd >= 0 ? d->fwd : e->svc.fwd;
		if ((fwd == LB_FWD_DR || fwd == LB_FWD_TUN) &&
		    d->port != e->svc.port)
			d->fwd = LB_FWD_FULLNAT;
	}
}

/* The pretend kernel's state anew: VIPs in 10.1/16, LIPs in 10.2/16 (runs
 * of them, which export writes as ranges), real servers in 10.3/16. */
static void rnd_director(void)
{
	struct lb_svc_entry e;
	struct lb_laddr l;
	struct lb_dest d;
	size_t n, i, j;

	lb_snapshot_free(&k.s);
	memset(&k.s, 0, sizeof(k.s));
	lb_config_init(&k.s.config);
	rnd_fields(&lb_config_fields, &k.s.config);
	for (n = rnd(4), i = 0; i < n; i++) {
		memset(&l, 0, sizeof(l));
		l.addr = addr(2, 1 + rnd(12));
		for (j = 1 + rnd(5); j-- > 0; ) {
			if (find_laddr(&l.addr) == k.s.laddrs.n)
				lb_list_push(&k.s.laddrs, &l);
			l.addr.v4.s_addr = htonl(ntohl(l.addr.v4.s_addr) + 1);
		}
	}
	for (n = rnd(6), i = 0; i < n; i++) {
		memset(&e, 0, sizeof(e));
		lb_service_init(&e.svc);
		e.svc.proto = LB_PROTO_TCP;
		e.svc.addr = addr(1, 1 + rnd(4));
		e.svc.port = (uint16_t)(rnd(3) ? 80 + rnd(3) : 1 + rnd(65535));
		if (find_svc(&e.svc))
			continue;
		rnd_fields(&lb_service_fields, &e.svc);
		/* an IPv4 VIP: a prefix of 1 to 32 */
		if (e.svc.persist_netmask > 32)
			e.svc.persist_netmask = 1 + (int32_t)rnd(32);
		for (j = rnd(5); j-- > 0; ) {
			lb_dest_init(&d);
			d.addr = addr(3, 1 + rnd(6));
			d.port = (uint16_t)(rnd(2) ? 8080 : 1 + rnd(65535));
			rnd_fields(&lb_dest_fields, &d);
			if (find_dest(&e.dests, &d) == e.dests.n)
				lb_list_push(&e.dests, &d);
		}
		no_port_mapping(&e);
		lb_list_push(&k.s.services, &e);
	}
	sort_state(&k.s);
}

/* Some of the fields, objects and addresses of the state changed. */
static void mutate_state(void)
{
	struct lb_laddr l = { .addr = addr(1, 1 + rnd(4)) };
	struct lb_svc_entry *e;
	size_t i, j;

	for (i = 0; i < k.s.services.n; i++) {
		e = &k.s.services.v[i];
		if (!rnd(3))
			rnd_fields(&lb_service_fields, &e->svc);
		if (e->svc.persist_netmask > 32)
			e->svc.persist_netmask = 1 + (int32_t)rnd(32);
		for (j = 0; j < e->dests.n; j++)
			if (!rnd(3))
				rnd_fields(&lb_dest_fields, &e->dests.v[j]);
		if (e->dests.n && !rnd(4))
			e->dests.n--;
		no_port_mapping(e);
	}
	if (k.s.services.n && !rnd(3)) {
		lb_list_free(&k.s.services.v[k.s.services.n - 1].dests);
		k.s.services.n--;
	}
	if (k.s.laddrs.n && !rnd(3))
		k.s.laddrs.v[0] = k.s.laddrs.v[--k.s.laddrs.n];
	if (!rnd(2))
		rnd_fields(&lb_config_fields, &k.s.config);
	/* A LIP that the file has as a VIP: apply must delete it before it
	 * adds the service. */
	if (!rnd(2) && !is_vip(&l.addr) && find_laddr(&l.addr) == k.s.laddrs.n)
		lb_list_push(&k.s.laddrs, &l);
	sort_state(&k.s);
}

/* --- the round trip ---------------------------------------------------------- */

static char *export(void)
{
	struct lb_snapshot snap;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (lb_snapshot_read(&g, &snap, NULL, LB_SNAP_CONFIG | LB_SNAP_LADDRS)) {
		CHECK_MSG(0, "reading the pretend kernel: %s", g.msg);
		return strdup("");
	}
	f = open_memstream(&buf, &len);
	out_init_file(true, f);
	print_cluster(&snap, "lb1", NULL);
	out_finish();
	fclose(f);
	lb_snapshot_free(&snap);
	return buf;
}

static int step_send(void *arg, const struct lb_step *s, bool undo)
{
	(void)arg;
	(void)undo;
	return lb_step_send(&g, s);
}

/* The plan from the pretend kernel's state to text's director; -1 if it
 * cannot be made. */
static long plan_to(const char *text, struct lb_plan *plan,
		    struct lb_snapshot *cur, struct lb_cluster *c)
{
	struct lb_snapshot want;
	char err[512];

	if (cluster_parse(text, strlen(text), "export", c, err, sizeof(err))) {
		CHECK_MSG(0, "the export does not parse: %s", err);
		return -1;
	}
	if (lb_snapshot_read(&g, cur, NULL, LB_SNAP_CONFIG | LB_SNAP_LADDRS) ||
	    cluster_want(c, &c->directors.v[0], &want) ||
	    lb_plan_make(cur, &want, plan)) {
		CHECK_MSG(0, "no plan: %s", g.msg);
		return -1;
	}
	cluster_want_free(&c->directors.v[0], &want);
	return (long)plan->n;
}

/* Whether the states hold the same objects with the same fields. */
static bool same_state(const struct lb_snapshot *a, const struct lb_snapshot *b)
{
	const struct lb_field *f;
	size_t i, j;

	lb_for_each_field(f, &lb_config_fields)
		if (f->kind != LB_FK_TIMEOUTS && f->kind != LB_FK_PORT_RANGE &&
		    !lb_field_same(f, &a->config, &b->config))
			return false;
	if (a->config.present != b->config.present ||
	    a->config.port_min != b->config.port_min ||
	    a->config.port_max != b->config.port_max ||
	    memcmp(a->config.timeout, b->config.timeout,
		   sizeof(a->config.timeout)) ||
	    a->laddrs.n != b->laddrs.n || a->services.n != b->services.n)
		return false;
	for (i = 0; i < a->laddrs.n; i++)
		if (!lb_addr_equal(&a->laddrs.v[i].addr, &b->laddrs.v[i].addr))
			return false;
	for (i = 0; i < a->services.n; i++) {
		const struct lb_svc_entry *x = &a->services.v[i];
		const struct lb_svc_entry *y = &b->services.v[i];

		if (!lb_service_same(&x->svc, &y->svc) ||
		    x->dests.n != y->dests.n)
			return false;
		lb_for_each_field(f, &lb_service_fields)
			if (!lb_field_same(f, &x->svc, &y->svc))
				return false;
		for (j = 0; j < x->dests.n; j++) {
			if (!lb_dest_same(&x->dests.v[j], &y->dests.v[j]))
				return false;
			lb_for_each_field(f, &lb_dest_fields)
				if (!lb_field_same(f, &x->dests.v[j],
						   &y->dests.v[j]))
					return false;
		}
	}
	return true;
}

/* A deep copy of the pretend kernel's state. */
static void copy_state(struct lb_snapshot *to)
{
	size_t i;

	memset(to, 0, sizeof(*to));
	to->config = k.s.config;
	for (i = 0; i < k.s.laddrs.n; i++)
		lb_list_push(&to->laddrs, &k.s.laddrs.v[i]);
	for (i = 0; i < k.s.services.n; i++) {
		struct lb_svc_entry e = { .svc = k.s.services.v[i].svc };
		size_t j;

		for (j = 0; j < k.s.services.v[i].dests.n; j++)
			lb_list_push(&e.dests, &k.s.services.v[i].dests.v[j]);
		lb_list_push(&to->services, &e);
	}
}

static void test_seed(unsigned int seed, unsigned long *steps)
{
	struct lb_snapshot a, cur;
	struct lb_cluster c;
	struct lb_plan plan = { 0 };
	char *e1, *e2;
	size_t failed;
	unsigned int undo_failed;
	size_t kept;
	long n;

	rnd_state = 0x9e3779b97f4a7c15ull * (seed + 1);
	check_begin("roundtrip/seed_%u", seed);
	rnd_director();
	copy_state(&a);
	e1 = export();
	/* B: A changed, another director, or none. */
	switch (seed % 3) {
	case 0:
		mutate_state();
		break;
	case 1:
		rnd_director();
		break;
	case 2:
		/* A module just loaded: no objects, its own settings. */
		lb_svc_list_free(&k.s.services);
		lb_list_free(&k.s.laddrs);
		rnd_fields(&lb_config_fields, &k.s.config);
		break;
	}
	n = plan_to(e1, &plan, &cur, &c);
	if (n >= 0) {
		*steps += (unsigned long)n;
		CHECK_MSG(!lb_plan_run(&plan, step_send, NULL, NULL, &failed,
				       &undo_failed, &kept),
			  "step %zu failed: %s", failed, g.msg);
		CHECK_MSG(same_state(&a, &k.s),
			  "the applied director differs from the exported one");
		e2 = export();
		CHECK_MSG(!strcmp(e1, e2), "export 2 differs: %s", e2);
		free(e2);
		lb_list_free(&plan);
		lb_snapshot_free(&cur);
		cluster_free(&c);
		n = plan_to(e1, &plan, &cur, &c);
		CHECK_MSG(n == 0, "a second apply has %ld steps", n);
		lb_list_free(&plan);
		lb_snapshot_free(&cur);
		cluster_free(&c);
	}
	free(e1);
	lb_snapshot_free(&a);
	check_end();
}

int main(void)
{
	unsigned long steps = 0;
	unsigned int seed;

	fake_open();
	for (seed = 0; seed < SEEDS; seed++)
		test_seed(seed, &steps);
	/* The test must have applied something, not only empty plans. */
	check_begin("roundtrip/steps");
	CHECK_MSG(steps > SEEDS, "only %lu steps over %u seeds", steps, SEEDS);
	check_end();
	lb_snapshot_free(&k.s);
	genl_close(&g);
	return check_done();
}
