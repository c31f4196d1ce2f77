// SPDX-License-Identifier: GPL-2.0
/*
 * The hashing schedulers: a flow's hash picks a slot of a Maglev table
 * (maglev.h) built from the snapshot's servers and weights, so a server
 * gets about its weight's share of flows, and adding, removing or
 * quiescing one moves about its share only.
 *
 * sh  hashes the client's address (and port, with the port option), dh
 *     the destination address (the VIP: IPVS's dh is meant for services
 *     that cover many destinations; one VIP goes to one server). Both key
 *     the hash with the service's random key, so that nobody can choose
 *     addresses that all land on one server.
 * mh  hashes the client's address (and port) with a fixed hash: two
 *     directors given the same configuration pick the same server for
 *     the same flow, whatever order the servers were added in, so that a
 *     flow that ECMP moves to another director keeps its server.
 *
 * A quiesced server (weight 0) has no slot: its flows go where the table
 * built without it sends them, the others' flows stay where they were.
 * The table is rebuilt with each snapshot, in process context; its memory,
 * 4 bytes per slot (at most 1 MiB with the largest size), is charged to
 * the caller's memory cgroup.
 */
#include <linux/mm.h>
#include <linux/slab.h>

#include "fullnat.h"

#define FNAT_MH_DIV64(a, b)	div64_u64(a, b)
#define FNAT_MH_RESCHED()	cond_resched()
#include "maglev.h"

struct hash_data {
	u32 size;		/* 0: no usable server */
	bool port;
	hsiphash_key_t key;
	u32 table[];		/* index into the snapshot, or FNAT_MH_NONE */
};

static void *table_init(const struct fnat_dest_set *set,
			const struct fnat_sched_conf *conf)
{
	struct fnat_mh_srv *srv = NULL;
	struct hash_data *h;
	u64 *scratch = NULL;
	u32 i, size = conf->table;
	bool any = false;

	for (i = 0; i < set->n; i++)
		any |= set->e[i].weight != 0;
	if (!any)
		size = 0;
	/* fnat_mh_build() writes every slot. */
	h = kvmalloc(struct_size(h, table, size), GFP_KERNEL_ACCOUNT);
	if (!h)
		return NULL;
	h->size = 0;
	h->port = conf->port;
	h->key = conf->key;
	if (!size)
		return h;

	srv = kvcalloc(set->n, sizeof(*srv), GFP_KERNEL_ACCOUNT);
	scratch = kvmalloc_array(FNAT_MH_SCRATCH(set->n), sizeof(u64),
				 GFP_KERNEL_ACCOUNT);
	if (!srv || !scratch) {
		kvfree(h);
		h = NULL;
		goto out;
	}
	for (i = 0; i < set->n; i++) {
		const struct fnat_dest *d = set->e[i].dest;

		memcpy(srv[i].key, &d->addr,
		       d->af == AF_INET ? sizeof(d->addr.ip) : sizeof(d->addr));
		memcpy(srv[i].key + 16, &d->port, sizeof(d->port));
		srv[i].weight = set->e[i].weight;
	}
	fnat_mh_build(h->table, size, srv, set->n, scratch);
	h->size = size;
out:
	kvfree(scratch);
	kvfree(srv);
	return h;
}

/* Every server with a weight needs a slot of its own to be picked. */
static int table_check(const struct fnat_dest_set *set,
		       const struct fnat_sched_conf *conf,
		       struct netlink_ext_ack *extack)
{
	u32 i, m = 0;

	for (i = 0; i < set->n; i++)
		m += set->e[i].weight != 0;
	if (m <= conf->table)
		return 0;
	NL_SET_ERR_MSG(extack,
		       "more real servers with a weight than the scheduler's table has slots (scheduler_table)");
	return -ENOSPC;
}

static void table_done(void *data)
{
	kvfree(data);	/* from an RCU callback: vfree defers by itself */
}

/* What the hash covers: an address, then a port or zeros. */
struct hash_in {
	union nf_inet_addr addr;
	__be16 port;
} __packed;

static struct fnat_dest *slot(const struct fnat_dest_set *set,
			      const struct hash_data *h, u32 hash)
{
	u32 i;

	if (!h->size)
		return NULL;
	i = h->table[hash % h->size];
	return i < set->n ? set->e[i].dest : NULL;
}

static struct fnat_dest *sh_schedule(const struct fnat_dest_set *set,
				     void *data, const struct fnat_pkt *p)
{
	const struct hash_data *h = data;
	struct hash_in in = { .addr = p->saddr, .port = h->port ? p->sport : 0 };

	return slot(set, h, hsiphash(&in, sizeof(in), &h->key));
}

static struct fnat_dest *dh_schedule(const struct fnat_dest_set *set,
				     void *data, const struct fnat_pkt *p)
{
	const struct hash_data *h = data;
	struct hash_in in = { .addr = p->daddr };

	return slot(set, h, hsiphash(&in, sizeof(in), &h->key));
}

static struct fnat_dest *mh_schedule(const struct fnat_dest_set *set,
				     void *data, const struct fnat_pkt *p)
{
	const struct hash_data *h = data;
	struct hash_in in = { .addr = p->saddr, .port = h->port ? p->sport : 0 };

	return slot(set, h, fnat_mh_flow_hash(&in, sizeof(in)));
}

struct fnat_sched_ops fnat_sched_sh = {
	.name = "sh",
	.check = table_check,
	.init = table_init,
	.done = table_done,
	.schedule = sh_schedule,
};

struct fnat_sched_ops fnat_sched_dh = {
	.name = "dh",
	.check = table_check,
	.init = table_init,
	.done = table_done,
	.schedule = dh_schedule,
};

struct fnat_sched_ops fnat_sched_mh = {
	.name = "mh",
	.consistent = true,
	.check = table_check,
	.init = table_init,
	.done = table_done,
	.schedule = mh_schedule,
};
