// SPDX-License-Identifier: GPL-2.0
/*
 * The steps from a director's state to a cluster file's. See plan.h for
 * their order and why.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "plan.h"

/* The phases of plan.h, in the order they run. */
enum phase {
	PH_CONFIG,
	PH_LADDR_ADD,
	PH_SVC,
	PH_DEST,
	PH_SVC_DEL,
	PH_LADDR_DEL,
	PH_LATE,
	PH_COUNT,
};

static const struct lb_svc_entry *find_svc(const struct lb_svc_list *l,
					   const struct lb_service *key)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (lb_service_same(&l->v[i].svc, key))
			return &l->v[i];
	return NULL;
}

static const struct lb_dest *find_dest(const struct lb_dest_list *l,
				       const struct lb_dest *key)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (lb_dest_same(&l->v[i], key))
			return &l->v[i];
	return NULL;
}

static bool has_laddr(const struct lb_laddr_list *l, const struct lb_addr *a)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (lb_addr_equal(&l->v[i].addr, a))
			return true;
	return false;
}

static bool is_vip(const struct lb_svc_list *l, const struct lb_addr *a)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (lb_addr_equal(&l->v[i].svc.addr, a))
			return true;
	return false;
}

static int push(struct lb_plan *p, const struct lb_step *s)
{
	return lb_list_push(p, s);
}

/* The key of svc alone, for the steps that name it. */
static struct lb_service svc_key(const struct lb_service *svc)
{
	struct lb_service k;

	lb_service_init(&k);
	k.proto = svc->proto;
	k.addr = svc->addr;
	k.port = svc->port;
	return k;
}

/* Whether config key bit has the same value in a and b. */
static bool cfg_same(const struct lb_config *a, const struct lb_config *b,
		     unsigned int bit)
{
	unsigned int st;

	if (bit == LB_CFG_CONN_MAX)
		return a->conn_max == b->conn_max;
	if (bit == LB_CFG_PORT_RANGE)
		return a->port_min == b->port_min && a->port_max == b->port_max;
	if (bit == LB_CFG_EXPIRE_NODEST)
		return a->expire_nodest == b->expire_nodest;
	for (st = 0; st <= FULLNAT_TCP_S_MAX; st++)
		if (bit == LB_CFG_TIMEOUT(st))
			return a->timeout[st] == b->timeout[st];
	return true;
}

/* Copies the value of config key bit from src to dst. */
static void cfg_copy(struct lb_config *dst, const struct lb_config *src,
		     unsigned int bit)
{
	unsigned int st;

	dst->present |= bit;
	if (bit == LB_CFG_CONN_MAX)
		dst->conn_max = src->conn_max;
	else if (bit == LB_CFG_PORT_RANGE) {
		dst->port_min = src->port_min;
		dst->port_max = src->port_max;
	} else if (bit == LB_CFG_EXPIRE_NODEST) {
		dst->expire_nodest = src->expire_nodest;
	}
	for (st = 0; st <= FULLNAT_TCP_S_MAX; st++)
		if (bit == LB_CFG_TIMEOUT(st))
			dst->timeout[st] = src->timeout[st];
}

static int plan_config(const struct lb_config *cur,
		       const struct lb_config *want, struct lb_plan *p)
{
	struct lb_step s = { .op = LB_STEP_CONFIG_SET };
	unsigned int bit;

	lb_config_init(&s.cfg);
	lb_config_init(&s.old_cfg);
	for (bit = 1; bit; bit <<= 1) {
		if (!(want->present & bit))
			continue;
		if (cur->present & bit) {
			if (cfg_same(cur, want, bit))
				continue;
			cfg_copy(&s.old_cfg, cur, bit);
		}
		cfg_copy(&s.cfg, want, bit);
	}
	return s.cfg.present ? push(p, &s) : 0;
}

static int plan_laddrs(const struct lb_snapshot *cur,
		       const struct lb_snapshot *want, struct lb_plan *ph)
{
	struct lb_step s = { .op = LB_STEP_LADDR_ADD };
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < want->laddrs.n; i++) {
		s.addr = want->laddrs.v[i].addr;
		if (has_laddr(&cur->laddrs, &s.addr))
			continue;
		/* A VIP now: its service goes in PH_SVC_DEL first. */
		ret = push(&ph[is_vip(&cur->services, &s.addr) ?
			       PH_LATE : PH_LADDR_ADD], &s);
	}
	s.op = LB_STEP_LADDR_DEL;
	for (i = 0; !ret && i < cur->laddrs.n; i++) {
		s.addr = cur->laddrs.v[i].addr;
		if (!has_laddr(&want->laddrs, &s.addr))
			ret = push(&ph[PH_LADDR_DEL], &s);
	}
	return ret;
}

/* A new service and its real servers. */
static int plan_svc_add(const struct lb_svc_entry *w, struct lb_plan *p)
{
	struct lb_step s = { .op = LB_STEP_SVC_ADD, .svc = w->svc };
	size_t i;
	int ret;

	s.svc.stats = (struct lb_stats){ 0 };
	ret = push(p, &s);
	s.op = LB_STEP_DEST_ADD;
	s.svc = svc_key(&w->svc);
	for (i = 0; !ret && i < w->dests.n; i++) {
		s.dest = w->dests.v[i];
		ret = push(p, &s);
	}
	return ret;
}

/* The real servers of a service both have: adds, sets, then dels. */
static int plan_dests(const struct lb_svc_entry *c,
		      const struct lb_svc_entry *w, struct lb_plan *p)
{
	struct lb_step s = { .svc = svc_key(&w->svc) };
	const struct lb_dest *d;
	size_t i;
	int ret = 0;

	s.op = LB_STEP_DEST_ADD;
	for (i = 0; !ret && i < w->dests.n; i++) {
		s.dest = w->dests.v[i];
		if (!find_dest(&c->dests, &s.dest))
			ret = push(p, &s);
	}
	s.op = LB_STEP_DEST_SET;
	for (i = 0; !ret && i < w->dests.n; i++) {
		s.dest = w->dests.v[i];
		d = find_dest(&c->dests, &s.dest);
		if (d && d->weight != s.dest.weight) {
			s.old_dest = *d;
			ret = push(p, &s);
		}
	}
	s.op = LB_STEP_DEST_DEL;
	for (i = 0; !ret && i < c->dests.n; i++) {
		s.dest = c->dests.v[i];
		if (!find_dest(&w->dests, &s.dest))
			ret = push(p, &s);
	}
	return ret;
}

static int plan_svc_del(const struct lb_svc_entry *c, struct lb_plan *p)
{
	struct lb_step s = {
		.op = LB_STEP_SVC_DEL, .svc = svc_key(&c->svc),
		.old_svc = c->svc, .old_dests = &c->dests,
	};

	return push(p, &s);
}

/* scheduler and toa, where they differ; the key always. */
static int plan_svc_set(const struct lb_service *c, const struct lb_service *w,
			struct lb_plan *p)
{
	struct lb_step s = { .op = LB_STEP_SVC_SET };

	s.svc = svc_key(w);
	s.old_svc = svc_key(c);
	if (strcmp(c->sched, w->sched)) {
		memcpy(s.svc.sched, w->sched, sizeof(s.svc.sched));
		memcpy(s.old_svc.sched, c->sched, sizeof(s.old_svc.sched));
	}
	if (w->toa >= 0 && c->toa >= 0 && c->toa != w->toa) {
		s.svc.toa = w->toa;
		s.old_svc.toa = c->toa;
	}
	if (!s.svc.sched[0] && s.svc.toa < 0)
		return 0;
	return push(p, &s);
}

static int plan_services(const struct lb_snapshot *cur,
			 const struct lb_snapshot *want, struct lb_plan *ph)
{
	const struct lb_svc_entry *w, *c;
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < want->services.n; i++) {
		w = &want->services.v[i];
		c = find_svc(&cur->services, &w->svc);
		if (!c)
			/* An old local address now: it goes in PH_LADDR_DEL. */
			ret = plan_svc_add(w, &ph[has_laddr(&cur->laddrs,
							    &w->svc.addr) ?
						  PH_LATE : PH_SVC]);
		else if (c->svc.fwd != w->svc.fwd)
			ret = plan_svc_del(c, &ph[PH_SVC_DEL]) ?:
			      plan_svc_add(w, &ph[PH_LATE]);
		else
			ret = plan_svc_set(&c->svc, &w->svc, &ph[PH_SVC]) ?:
			      plan_dests(c, w, &ph[PH_DEST]);
	}
	for (i = 0; !ret && i < cur->services.n; i++) {
		c = &cur->services.v[i];
		if (!find_svc(&want->services, &c->svc))
			ret = plan_svc_del(c, &ph[PH_SVC_DEL]);
	}
	return ret;
}

int lb_plan_make(const struct lb_snapshot *cur, const struct lb_snapshot *want,
		 struct lb_plan *plan)
{
	struct lb_plan ph[PH_COUNT] = { { 0 } };
	size_t i, k;
	int ret = 0;

	memset(plan, 0, sizeof(*plan));
	if (want->has_config)
		ret = plan_config(&cur->config, &want->config, &ph[PH_CONFIG]);
	if (!ret && want->has_laddrs)
		ret = plan_laddrs(cur, want, ph);
	if (!ret)
		ret = plan_services(cur, want, ph);
	for (i = 0; i < PH_COUNT; i++) {
		for (k = 0; !ret && k < ph[i].n; k++)
			ret = push(plan, &ph[i].v[k]);
		lb_list_free(&ph[i]);
	}
	if (ret)
		lb_list_free(plan);
	return ret;
}

/* --- as words --------------------------------------------------------------- */

struct buf {
	char *s;
	size_t len, off;
};

static __attribute__((format(printf, 2, 3)))
void add(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->off >= b->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->s + b->off, b->len - b->off, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->off += (size_t)n;
}

/* "conn_max 100 timeout established 60" */
static void add_config(struct buf *b, const struct lb_config *c)
{
	const char *sep = "";
	unsigned int st;

	if (c->present & LB_CFG_CONN_MAX) {
		add(b, "conn_max %u", c->conn_max);
		sep = " ";
	}
	if (c->present & LB_CFG_PORT_RANGE) {
		add(b, "%sport_range %u-%u", sep, c->port_min, c->port_max);
		sep = " ";
	}
	if (c->present & LB_CFG_EXPIRE_NODEST) {
		add(b, "%sexpire_nodest %s", sep, c->expire_nodest ? "on" :
		    "off");
		sep = " ";
	}
	for (st = 0; st <= FULLNAT_TCP_S_MAX; st++) {
		if (!(c->present & LB_CFG_TIMEOUT(st)))
			continue;
		add(b, "%stimeout %s %u", sep, tcp_state_name(st),
		    c->timeout[st]);
		sep = " ";
	}
}

/* "tcp 203.0.113.10:80" */
static void add_svc_key(struct buf *b, const struct lb_service *s)
{
	struct lb_addrport ap = { .addr = s->addr, .port = s->port };
	char a[LB_ADDRPORT_STRLEN];

	if (format_addrport(&ap, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	add(b, "%s %s", proto_name(s->proto), a);
}

/* " scheduler wrr toa on", the fields that are set */
static void add_svc_fields(struct buf *b, const struct lb_service *s)
{
	if (s->sched[0])
		add(b, " scheduler %s", s->sched);
	if (s->toa >= 0)
		add(b, " toa %s", s->toa ? "on" : "off");
}

static void add_dest(struct buf *b, const struct lb_step *step, bool weight)
{
	struct lb_addrport ap = { .addr = step->dest.addr,
				  .port = step->dest.port };
	char a[LB_ADDRPORT_STRLEN];

	if (format_addrport(&ap, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	add_svc_key(b, &step->svc);
	add(b, " %s", a);
	if (weight)
		add(b, " weight %d", step->dest.weight);
}

void lb_step_format(const struct lb_step *s, char *str, size_t len)
{
	struct buf b = { str, len, 0 };
	char a[INET6_ADDRSTRLEN];

	if (!len)
		return;
	str[0] = '\0';
	switch (s->op) {
	case LB_STEP_CONFIG_SET:
		add(&b, "config set ");
		add_config(&b, &s->cfg);
		if (s->old_cfg.present) {
			add(&b, "  (was ");
			add_config(&b, &s->old_cfg);
			add(&b, ")");
		}
		break;
	case LB_STEP_LADDR_ADD:
	case LB_STEP_LADDR_DEL:
		if (format_addr(&s->addr, a, sizeof(a)))
			snprintf(a, sizeof(a), "?");
		add(&b, "laddr %s %s", s->op == LB_STEP_LADDR_ADD ? "add" :
		    "del", a);
		break;
	case LB_STEP_SVC_ADD:
		add(&b, "service add ");
		add_svc_key(&b, &s->svc);
		add(&b, " forward %s", s->svc.fwd < 0 ? "?" :
		    fwd_name((enum lb_fwd)s->svc.fwd));
		add_svc_fields(&b, &s->svc);
		break;
	case LB_STEP_SVC_SET:
		add(&b, "service set ");
		add_svc_key(&b, &s->svc);
		add_svc_fields(&b, &s->svc);
		add(&b, "  (was");
		add_svc_fields(&b, &s->old_svc);
		add(&b, ")");
		break;
	case LB_STEP_SVC_DEL:
		add(&b, "service del ");
		add_svc_key(&b, &s->svc);
		break;
	case LB_STEP_DEST_ADD:
		add(&b, "rs add ");
		add_dest(&b, s, true);
		break;
	case LB_STEP_DEST_SET:
		add(&b, "rs set ");
		add_dest(&b, s, true);
		add(&b, "  (was weight %d)", s->old_dest.weight);
		break;
	case LB_STEP_DEST_DEL:
		add(&b, "rs del ");
		add_dest(&b, s, false);
		break;
	}
}

/* --- undoing ------------------------------------------------------------------ */

int lb_step_undo(const struct lb_step *step, struct lb_plan *undo)
{
	static const enum lb_step_op inverse[] = {
		[LB_STEP_CONFIG_SET]	= LB_STEP_CONFIG_SET,
		[LB_STEP_LADDR_ADD]	= LB_STEP_LADDR_DEL,
		[LB_STEP_LADDR_DEL]	= LB_STEP_LADDR_ADD,
		[LB_STEP_SVC_ADD]	= LB_STEP_SVC_DEL,
		[LB_STEP_SVC_SET]	= LB_STEP_SVC_SET,
		[LB_STEP_SVC_DEL]	= LB_STEP_SVC_ADD,
		[LB_STEP_DEST_ADD]	= LB_STEP_DEST_DEL,
		[LB_STEP_DEST_SET]	= LB_STEP_DEST_SET,
		[LB_STEP_DEST_DEL]	= LB_STEP_DEST_ADD,
	};
	struct lb_step s = *step;
	size_t i;
	int ret;

	s.op = inverse[step->op];
	s.old_dests = NULL;
	switch (step->op) {
	case LB_STEP_CONFIG_SET:
		s.cfg = step->old_cfg;
		s.old_cfg = step->cfg;
		/* A key the kernel did not report cannot be put back. */
		if (!s.cfg.present)
			return 0;
		break;
	case LB_STEP_SVC_ADD:
		s.svc = svc_key(&step->svc);
		break;
	case LB_STEP_SVC_SET:
		s.svc = step->old_svc;
		s.old_svc = step->svc;
		break;
	case LB_STEP_SVC_DEL:
		s.svc = step->old_svc;
		s.svc.stats = (struct lb_stats){ 0 };
		break;
	case LB_STEP_DEST_SET:
		s.dest = step->old_dest;
		s.old_dest = step->dest;
		break;
	default:
		break;
	}
	ret = push(undo, &s);
	if (ret || step->op != LB_STEP_SVC_DEL || !step->old_dests)
		return ret;
	/* The service comes back with its real servers and weights. */
	s.op = LB_STEP_DEST_ADD;
	s.svc = svc_key(&step->svc);
	for (i = 0; !ret && i < step->old_dests->n; i++) {
		s.dest = step->old_dests->v[i];
		ret = push(undo, &s);
	}
	return ret;
}

int lb_plan_run(const struct lb_plan *plan, lb_step_fn fn, void *arg,
		size_t *failed, unsigned int *undo_failed)
{
	struct lb_plan undo = { 0 };
	size_t i, k;
	int ret = 0;

	*undo_failed = 0;
	for (i = 0; i < plan->n; i++) {
		ret = fn(arg, &plan->v[i], false);
		if (ret)
			break;
	}
	if (!ret)
		return 0;
	*failed = i;
	while (i-- > 0) {
		undo.n = 0;
		if (lb_step_undo(&plan->v[i], &undo)) {
			(*undo_failed)++;
			continue;
		}
		for (k = 0; k < undo.n; k++)
			if (fn(arg, &undo.v[k], true))
				(*undo_failed)++;
	}
	lb_list_free(&undo);
	return ret;
}
