// SPDX-License-Identifier: GPL-2.0
/*
 * The steps from a director's state to a cluster file's. See plan.h for
 * their order and why.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "plan.h"
#include "util.h"

/* The phases of plan.h, in the order they run. */
enum phase {
	PH_CONFIG,
	PH_LADDR_ADD,
	PH_SVC,
	PH_DEST,
	PH_DEST_DEL,
	PH_SVC_DEL,
	PH_LADDR_DEL,
	PH_LATE,
	PH_COUNT,
};

static const struct lb_svc_entry *find_svc(const struct lb_svc_list *l,
					   const struct lb_service *key)
{
	return lb_list_find(l, e, lb_service_same(&e->svc, key));
}

static const struct lb_dest *find_dest(const struct lb_dest_list *l,
				       const struct lb_dest *key)
{
	return lb_list_find(l, e, lb_dest_same(e, key));
}

/*
 * Addresses sorted, to look one up in O(log n): a director has as many
 * LIPs as a /16, and comparing each with each made a plan that changed
 * nothing take 10 s.
 */
struct addr_index {
	const struct lb_addr **v;
	size_t n;
};

/* The indexes of a plan: cur's LIPs and VIPs, want's LIPs. */
struct indexes {
	struct addr_index cur_lips, cur_vips, want_lips;
};

static int addr_cmp(const void *a, const void *b)
{
	const struct lb_addr *x = *(const struct lb_addr *const *)a;
	const struct lb_addr *y = *(const struct lb_addr *const *)b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->family == AF_INET)
		return memcmp(&x->v4, &y->v4, sizeof(x->v4));
	return memcmp(&x->v6, &y->v6, sizeof(x->v6));
}

/* The address at offset off in each of n elements of size bytes. */
static int index_make(struct addr_index *ix, const void *base, size_t n,
		      size_t size, size_t off)
{
	size_t i;

	ix->n = 0;
	ix->v = malloc((n ?: 1) * sizeof(*ix->v));
	if (!ix->v)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		ix->v[i] = (const void *)((const char *)base + i * size + off);
	ix->n = n;
	if (n)
		qsort(ix->v, n, sizeof(*ix->v), addr_cmp);
	return 0;
}

static bool index_has(const struct addr_index *ix, const struct lb_addr *a)
{
	return ix->n && bsearch(&a, ix->v, ix->n, sizeof(*ix->v), addr_cmp);
}

static int indexes_make(struct indexes *x, const struct lb_snapshot *cur,
			const struct lb_snapshot *want)
{
	memset(x, 0, sizeof(*x));
	return index_make(&x->cur_lips, cur->laddrs.v, cur->laddrs.n,
			  sizeof(*cur->laddrs.v),
			  offsetof(struct lb_laddr, addr)) ?:
	       index_make(&x->cur_vips, cur->services.v, cur->services.n,
			  sizeof(*cur->services.v),
			  offsetof(struct lb_svc_entry, svc.addr)) ?:
	       index_make(&x->want_lips, want->laddrs.v, want->laddrs.n,
			  sizeof(*want->laddrs.v),
			  offsetof(struct lb_laddr, addr));
}

static void indexes_free(struct indexes *x)
{
	free(x->cur_lips.v);
	free(x->cur_vips.v);
	free(x->want_lips.v);
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

/*
 * Copies into step (and the old value into old) each field of t that can
 * be changed in place and that want has with another value than cur.
 * Returns how many.
 */
static int fields_set(const struct lb_fields *t, const void *cur,
		      const void *want, void *step, void *old)
{
	const struct lb_field *f;
	int n = 0;

	lb_for_each_field(f, t) {
		if (!(f->flags & LB_FF_SET) || !lb_field_is_set(f, want) ||
		    !lb_field_is_set(f, cur) || lb_field_same(f, cur, want))
			continue;
		lb_field_copy(f, step, want);
		if (old)
			lb_field_copy(f, old, cur);
		n++;
	}
	return n;
}

/* Whether a field fixed at creation differs: the object is made anew. */
static bool fields_fixed_differ(const struct lb_fields *t, const void *cur,
				const void *want)
{
	const struct lb_field *f;

	lb_for_each_field(f, t)
		if (!(f->flags & LB_FF_SET) && f->kind != LB_FK_COUNTER &&
		    !lb_field_same(f, cur, want))
			return true;
	return false;
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
			if (lb_config_same(cur, want, bit))
				continue;
			lb_config_copy(&s.old_cfg, cur, bit);
		}
		lb_config_copy(&s.cfg, want, bit);
	}
	return s.cfg.present ? lb_list_push(p, &s) : 0;
}

static int plan_laddrs(const struct lb_snapshot *cur,
		       const struct lb_snapshot *want, const struct indexes *x,
		       struct lb_plan *ph)
{
	struct lb_step s = { .op = LB_STEP_LADDR_ADD };
	size_t i;
	int ret = 0;
	bool vip;

	for (i = 0; !ret && i < want->laddrs.n; i++) {
		s.addr = want->laddrs.v[i].addr;
		if (index_has(&x->cur_lips, &s.addr))
			continue;
		/* A VIP now: its service goes in PH_SVC_DEL first. */
		vip = index_has(&x->cur_vips, &s.addr);
		ret = lb_list_push(&ph[vip ? PH_LATE : PH_LADDR_ADD], &s);
	}
	s.op = LB_STEP_LADDR_DEL;
	for (i = 0; !ret && i < cur->laddrs.n; i++) {
		s.addr = cur->laddrs.v[i].addr;
		if (!index_has(&x->want_lips, &s.addr))
			ret = lb_list_push(&ph[PH_LADDR_DEL], &s);
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
	ret = lb_list_push(p, &s);
	s.op = LB_STEP_DEST_ADD;
	s.svc = svc_key(&w->svc);
	for (i = 0; !ret && i < w->dests.n; i++) {
		s.dest = w->dests.v[i];
		ret = lb_list_push(p, &s);
	}
	return ret;
}

/*
 * The real servers of a service both have: adds and sets into ph[PH_DEST],
 * dels into ph[PH_DEST_DEL], after every service's adds and sets.
 */
static int plan_dests(const struct lb_svc_entry *c,
		      const struct lb_svc_entry *w, struct lb_plan *ph)
{
	struct lb_plan *p = &ph[PH_DEST];
	struct lb_step s = { .svc = svc_key(&w->svc) };
	struct lb_dest cd, wd;
	const struct lb_dest *d;
	size_t i;
	int ret = 0;

	s.op = LB_STEP_DEST_ADD;
	for (i = 0; !ret && i < w->dests.n; i++) {
		s.dest = w->dests.v[i];
		if (!find_dest(&c->dests, &s.dest))
			ret = lb_list_push(p, &s);
	}
	s.op = LB_STEP_DEST_SET;
	for (i = 0; !ret && i < w->dests.n; i++) {
		d = find_dest(&c->dests, &w->dests.v[i]);
		if (!d)
			continue;
		/* The key, and what changes: the rest stays as it is. */
		lb_dest_init(&s.dest);
		s.dest.addr = d->addr;
		s.dest.port = d->port;
		s.old_dest = s.dest;
		/* A method left out is the service's: compare the effect. */
		cd = *d;
		wd = w->dests.v[i];
		if (cd.fwd < 0)
			cd.fwd = c->svc.fwd;
		if (wd.fwd < 0)
			wd.fwd = w->svc.fwd;
		if (fields_set(&lb_dest_fields, &cd, &wd, &s.dest,
			       &s.old_dest))
			ret = lb_list_push(p, &s);
	}
	s.op = LB_STEP_DEST_DEL;
	for (i = 0; !ret && i < c->dests.n; i++) {
		s.dest = c->dests.v[i];
		if (!find_dest(&w->dests, &s.dest))
			ret = lb_list_push(&ph[PH_DEST_DEL], &s);
	}
	return ret;
}

static int plan_svc_del(const struct lb_svc_entry *c, struct lb_plan *p)
{
	struct lb_step s = {
		.op = LB_STEP_SVC_DEL, .svc = svc_key(&c->svc),
		.old_svc = c->svc, .old_dests = &c->dests,
	};

	return lb_list_push(p, &s);
}

/* The fields that differ, with the key. */
static int plan_svc_set(const struct lb_service *c, const struct lb_service *w,
			struct lb_plan *p)
{
	struct lb_step s = { .op = LB_STEP_SVC_SET };

	s.svc = svc_key(w);
	s.old_svc = svc_key(c);
	if (!fields_set(&lb_service_fields, c, w, &s.svc, &s.old_svc))
		return 0;
	return lb_list_push(p, &s);
}

static int plan_services(const struct lb_snapshot *cur,
			 const struct lb_snapshot *want,
			 const struct indexes *x, struct lb_plan *ph)
{
	const struct lb_svc_entry *w, *c;
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < want->services.n; i++) {
		w = &want->services.v[i];
		c = find_svc(&cur->services, &w->svc);
		if (!c)
			/* An old local address now: it goes in PH_LADDR_DEL. */
			ret = plan_svc_add(w, &ph[index_has(&x->cur_lips,
							    &w->svc.addr) ?
						  PH_LATE : PH_SVC]);
		else if (fields_fixed_differ(&lb_service_fields, &c->svc,
					     &w->svc))
			ret = plan_svc_del(c, &ph[PH_SVC_DEL]) ?:
			      plan_svc_add(w, &ph[PH_LATE]);
		else
			ret = plan_svc_set(&c->svc, &w->svc, &ph[PH_SVC]) ?:
			      plan_dests(c, w, ph);
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
	struct indexes x;
	size_t i, k;
	int ret;

	memset(plan, 0, sizeof(*plan));
	ret = indexes_make(&x, cur, want);
	if (!ret && want->has_config)
		ret = plan_config(&cur->config, &want->config, &ph[PH_CONFIG]);
	if (!ret && want->has_laddrs)
		ret = plan_laddrs(cur, want, &x, ph);
	if (!ret)
		ret = plan_services(cur, want, &x, ph);
	indexes_free(&x);
	for (i = 0; i < PH_COUNT; i++) {
		for (k = 0; !ret && k < ph[i].n; k++)
			ret = lb_list_push(plan, &ph[i].v[k]);
		lb_list_free(&ph[i]);
	}
	if (ret)
		lb_list_free(plan);
	return ret;
}

/* --- as words --------------------------------------------------------------- */

/* The fields of t set in obj, in the words that set them, after " ":
 * " conn_max 100 timeout established 60", " scheduler wrr toa on" */
static void add_fields(char *buf, size_t len, size_t *off,
		       const struct lb_fields *t, const void *obj)
{
	const struct lb_field *f;
	const char *sep = " ";

	lb_for_each_field(f, t)
		lb_field_words(f, obj, buf, len, off, &sep);
}

void lb_step_format(const struct lb_step *s, char *str, size_t len)
{
	static const char *const verb[] = {
		[LB_STEP_CONFIG_SET]	= "config set",
		[LB_STEP_LADDR_ADD]	= "laddr add",
		[LB_STEP_LADDR_DEL]	= "laddr del",
		[LB_STEP_SVC_ADD]	= "service add",
		[LB_STEP_SVC_SET]	= "service set",
		[LB_STEP_SVC_DEL]	= "service del",
		[LB_STEP_DEST_ADD]	= "rs add",
		[LB_STEP_DEST_SET]	= "rs set",
		[LB_STEP_DEST_DEL]	= "rs del",
	};
	bool dest = s->op >= LB_STEP_DEST_ADD;
	const struct lb_fields *t = NULL;
	const void *obj = NULL, *old = NULL;
	char a[LB_ADDRPORT_STRLEN], b[LB_ADDRPORT_STRLEN];
	size_t off = 0;

	if (!len)
		return;
	str[0] = '\0';
	lb_appendf(str, len, &off, "%s", verb[s->op]);
	switch (s->op) {
	case LB_STEP_CONFIG_SET:
		t = &lb_config_fields;
		obj = &s->cfg;
		old = s->old_cfg.present ? &s->old_cfg : NULL;
		break;
	case LB_STEP_LADDR_ADD:
	case LB_STEP_LADDR_DEL:
		lb_appendf(str, len, &off, " %s",
			   lb_addr_str(&s->addr, a, sizeof(a)));
		break;
	default:
		lb_appendf(str, len, &off, " %s %s%s%s",
			   proto_name(s->svc.proto),
			   lb_addrport_str(&s->svc.addr, s->svc.port, a,
					   sizeof(a)), dest ? " " : "",
			   dest ? lb_addrport_str(&s->dest.addr, s->dest.port,
						  b, sizeof(b)) : "");
		if (s->op == LB_STEP_SVC_DEL || s->op == LB_STEP_DEST_DEL)
			break;
		t = dest ? &lb_dest_fields : &lb_service_fields;
		obj = dest ? (const void *)&s->dest : &s->svc;
		old = s->op == LB_STEP_SVC_SET ? (const void *)&s->old_svc :
		      s->op == LB_STEP_DEST_SET ? &s->old_dest : NULL;
	}
	if (t)
		add_fields(str, len, &off, t, obj);
	if (old) {
		lb_appendf(str, len, &off, "  (was");
		add_fields(str, len, &off, t, old);
		lb_appendf(str, len, &off, ")");
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
	ret = lb_list_push(undo, &s);
	if (ret || step->op != LB_STEP_SVC_DEL || !step->old_dests)
		return ret;
	/* The service comes back with its real servers and weights. */
	s.op = LB_STEP_DEST_ADD;
	s.svc = svc_key(&step->svc);
	for (i = 0; !ret && i < step->old_dests->n; i++) {
		s.dest = step->old_dests->v[i];
		ret = lb_list_push(undo, &s);
	}
	return ret;
}

static bool step_deletes(const struct lb_step *s)
{
	return s->op == LB_STEP_DEST_DEL || s->op == LB_STEP_SVC_DEL ||
	       s->op == LB_STEP_LADDR_DEL;
}

int lb_plan_run(const struct lb_plan *plan, lb_step_fn fn, void *arg,
		const volatile sig_atomic_t *stop, size_t *failed,
		unsigned int *undo_failed, size_t *kept)
{
	struct lb_plan undo = { 0 };
	bool deleting = false;
	size_t i, k;
	int ret = 0, uret;

	*undo_failed = 0;
	*kept = 0;
	for (i = 0; i < plan->n; i++) {
		/* Past the first delete, the way back is no better than
		 * the way on: see plan.h. */
		if (stop && *stop && !deleting) {
			ret = -EINTR;
			break;
		}
		ret = fn(arg, &plan->v[i], false);
		if (ret)
			break;
		deleting = deleting || step_deletes(&plan->v[i]);
	}
	if (!ret)
		return 0;
	*failed = i;
	/* Another writer came between: nothing of this run is put back
	 * over its changes. */
	if (ret == -ESTALE) {
		*kept = i;
		return ret;
	}
	while (i-- > 0) {
		undo.n = 0;
		if (lb_step_undo(&plan->v[i], &undo)) {
			(*undo_failed)++;
			continue;
		}
		for (k = 0; k < undo.n; k++) {
			uret = fn(arg, &undo.v[k], true);
			if (uret == -ESTALE) {
				*kept = i + 1;
				goto out;
			}
			if (uret)
				(*undo_failed)++;
		}
	}
out:
	lb_list_free(&undo);
	return ret;
}
