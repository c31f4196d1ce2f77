// SPDX-License-Identifier: GPL-2.0
/*
 * Scheduler registry. Each scheduler lives in its own file (sched_*.c)
 * and registers an fnat_sched_ops here; services name theirs.
 */
#include <linux/string.h>
#include <net/netlink.h>

#include "fullnat.h"

static LIST_HEAD(sched_list);
static DEFINE_MUTEX(sched_mutex);

int fnat_sched_register(struct fnat_sched_ops *ops)
{
	const struct fnat_sched_ops *o;

	mutex_lock(&sched_mutex);
	list_for_each_entry(o, &sched_list, list) {
		if (!strcmp(o->name, ops->name)) {
			mutex_unlock(&sched_mutex);
			return -EEXIST;
		}
	}
	list_add_tail(&ops->list, &sched_list);
	mutex_unlock(&sched_mutex);
	return 0;
}

void fnat_sched_unregister(struct fnat_sched_ops *ops)
{
	mutex_lock(&sched_mutex);
	list_del(&ops->list);
	mutex_unlock(&sched_mutex);
}

/*
 * The schedulers are built into this module, so a service's ops cannot go
 * away while the module is loaded; no reference is taken.
 */
const struct fnat_sched_ops *fnat_sched_find(const char *name)
{
	const struct fnat_sched_ops *o, *found = NULL;

	mutex_lock(&sched_mutex);
	list_for_each_entry(o, &sched_list, list) {
		if (!strcmp(o->name, name)) {
			found = o;
			break;
		}
	}
	mutex_unlock(&sched_mutex);
	return found;
}

/* The names of the registered schedulers, each as a @type attribute. */
int fnat_sched_put_names(struct sk_buff *skb, int type)
{
	const struct fnat_sched_ops *o;
	int ret = 0;

	mutex_lock(&sched_mutex);
	list_for_each_entry(o, &sched_list, list) {
		ret = nla_put_string(skb, type, o->name);
		if (ret)
			break;
	}
	mutex_unlock(&sched_mutex);
	return ret;
}

static struct fnat_sched_ops *builtin[] = {
	&fnat_sched_rr, &fnat_sched_wrr, &fnat_sched_wlc, &fnat_sched_lc,
	&fnat_sched_sed, &fnat_sched_nq, &fnat_sched_sh, &fnat_sched_dh,
	&fnat_sched_mh,
};

static const u32 table_sizes[] = FULLNAT_SCHED_TABLE_SIZES;

bool fnat_sched_table_ok(u32 size)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(table_sizes); i++)
		if (table_sizes[i] == size)
			return true;
	return false;
}

/* What a service has when FULLNAT_A_SVC_SCHED_OPTS is absent. */
void fnat_sched_conf_default(struct fnat_sched_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->table = FULLNAT_SCHED_TABLE_DEFAULT;
}

int fnat_sched_init(void)
{
	int i, ret;

	for (i = 0; i < ARRAY_SIZE(builtin); i++) {
		ret = fnat_sched_register(builtin[i]);
		if (ret)
			goto out_unregister;
	}
	return 0;

out_unregister:
	while (--i >= 0)
		fnat_sched_unregister(builtin[i]);
	return ret;
}

void fnat_sched_uninit(void)
{
	int i;

	for (i = ARRAY_SIZE(builtin) - 1; i >= 0; i--)
		fnat_sched_unregister(builtin[i]);
}
