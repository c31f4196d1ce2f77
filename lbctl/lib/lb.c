// SPDX-License-Identifier: GPL-2.0
/*
 * The director's objects: initialisers, comparisons, lists, and applying an
 * address range whole. See lb.h.
 */
#define _GNU_SOURCE		/* reallocarray() */
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "lb.h"

int lb_list_grow(void **v, size_t *cap, size_t n, size_t size)
{
	size_t c = *cap ? 2 * *cap : 16;
	void *p;

	if (n < *cap)
		return 0;
	p = reallocarray(*v, c, size);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = c;
	return 0;
}

void lb_svc_list_free(struct lb_svc_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		lb_list_free(&list->v[i].dests);
	lb_list_free(list);
}

static void rate(struct lb_stats *r, const struct lb_stats *now,
		 const struct lb_stats *before, double secs)
{
	/* Counters only grow, unless the object was deleted and added. */
	static const struct lb_stats zero;
	const struct lb_stats *b = before && before->conns <= now->conns &&
				   before->inpkts <= now->inpkts ? before : &zero;
	const struct lb_field *f;
	uint64_t d;

	lb_for_each_field(f, &lb_stats_fields) {
		d = (uint64_t)lb_field_get(f, now) -
		    (uint64_t)lb_field_get(f, b);
		d = (uint64_t)((double)d / secs + 0.5);
		lb_field_set(f, r, (long long)d);
	}
}

void lb_svc_list_rate(struct lb_svc_list *now,
		      const struct lb_svc_list *before, double secs)
{
	const struct lb_svc_entry *b;
	const struct lb_dest *bd;
	size_t i, k;

	for (i = 0; i < now->n; i++) {
		struct lb_svc_entry *e = &now->v[i];

		b = lb_list_find(before, x, lb_service_same(&x->svc, &e->svc));
		rate(&e->svc.rate, &e->svc.stats, b ? &b->svc.stats : NULL,
		     secs);
		for (k = 0; k < e->dests.n; k++) {
			bd = !b ? NULL : lb_list_find(&b->dests, x,
					lb_dest_same(x, &e->dests.v[k]));
			rate(&e->dests.v[k].rate, &e->dests.v[k].stats,
			     bd ? &bd->stats : NULL, secs);
		}
	}
}

int lb_collect_service(const void *svc, void *list)
{
	struct lb_svc_list *l = list;
	struct lb_svc_entry e = { 0 };

	if (!svc) {
		lb_svc_list_free(l);
		return 0;
	}
	e.svc = *(const struct lb_service *)svc;
	return lb_list_push(l, &e);
}

/* The other lists hold no lists: starting over is emptying. */
#define COLLECT(fn, type, list_type)					\
int fn(const void *obj, void *list)					\
{									\
	struct list_type *l = list;					\
									\
	if (!obj) {							\
		lb_list_free(l);					\
		return 0;						\
	}								\
	return lb_list_push(l, (const type *)obj);			\
}

COLLECT(lb_collect_dest, struct lb_dest, lb_dest_list)
COLLECT(lb_collect_laddr, struct lb_laddr, lb_laddr_list)
COLLECT(lb_collect_conn, struct lb_conn, lb_conn_list)

void lb_snapshot_free(struct lb_snapshot *snap)
{
	lb_list_free(&snap->laddrs);
	lb_svc_list_free(&snap->services);
}

void lb_service_init(struct lb_service *svc)
{
	memset(svc, 0, sizeof(*svc));
	lb_fields_clear(&lb_service_fields, svc);
}

void lb_dest_init(struct lb_dest *dest)
{
	memset(dest, 0, sizeof(*dest));
	lb_fields_clear(&lb_dest_fields, dest);
}

void lb_config_init(struct lb_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
}

bool lb_addr_equal(const struct lb_addr *a, const struct lb_addr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->v4.s_addr == b->v4.s_addr;
	return !memcmp(&a->v6, &b->v6, sizeof(a->v6));
}

bool lb_service_same(const struct lb_service *a, const struct lb_service *b)
{
	return a->proto == b->proto && a->port == b->port &&
	       lb_addr_equal(&a->addr, &b->addr);
}

bool lb_dest_same(const struct lb_dest *a, const struct lb_dest *b)
{
	return a->port == b->port && lb_addr_equal(&a->addr, &b->addr);
}

bool lb_conn_open(const struct lb_conn *c)
{
	return c->proto != LB_PROTO_TCP ||
	       (c->state != FULLNAT_TCP_S_TIME_WAIT &&
		c->state != FULLNAT_TCP_S_CLOSE);
}

bool lb_conn_xlat(const struct lb_conn *c)
{
	return c->real.addr.family &&
	       c->real.addr.family != c->client.addr.family;
}

int lb_range_apply(const struct lb_addr_range *range, bool add,
		   lb_addr_fn fn, void *arg, struct lb_addr *failed,
		   unsigned int *undo_failed)
{
	struct lb_addr a;
	uint32_t i, done;
	int ret = 0;

	if (undo_failed)
		*undo_failed = 0;
	for (done = 0; done < range->count; done++) {
		ret = addr_range_nth(range, done, &a) ?: fn(arg, &a, add);
		if (ret) {
			if (failed)
				*failed = a;
			break;
		}
	}
	if (!ret)
		return 0;
	for (i = done; i-- > 0; ) {
		if (!addr_range_nth(range, i, &a) && !fn(arg, &a, !add))
			continue;
		if (undo_failed)
			(*undo_failed)++;
	}
	return ret;
}
