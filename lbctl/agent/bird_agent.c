// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's BGP announcement (agent.h's bird_* calls) on bird.c: one
 * bird per agent in /run/lbctl/NAME/, for the director's "bgp"; nothing
 * without one. A VIP is announced over the sessions of its family (bgp.h):
 * one of a family no neighbor has is logged and not announced.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>		/* agent.h's struct pollfd */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "agent.h"
#include "bird.h"

/* Every VIP the director serves that a neighbor's family carries, in b,
 * down unless b had it up; the ones it no longer serves dropped. */
static int collect_vips(struct agent *a, struct bird *b)
{
	struct bird old = { .vips = b->vips };
	char s[INET6_ADDRSTRLEN];
	const struct lb_addr *vip;
	struct bird_vip *v;
	size_t i;

	memset(&b->vips, 0, sizeof(b->vips));
	for (i = 0; i < a->svcs.n; i++) {
		vip = &a->svcs.v[i].e->svc.addr;
		if (!bird_has_family(b->bgp, vip->family)) {
			agent_log(a, "VIP %s is not announced: \"bgp\" has no %s neighbor",
				  lb_addr_str(vip, s, sizeof(s)),
				  vip->family == AF_INET6 ? "IPv6" : "IPv4");
			continue;
		}
		v = lb_list_find(&old.vips, v, lb_addr_equal(&v->addr, vip));
		if (bird_vip(b, vip, v && v->up)) {
			lb_list_free(&old.vips);
			return -ENOMEM;
		}
	}
	lb_list_free(&old.vips);
	return 0;
}

int bird_start(struct agent *a)
{
	char dir[PATH_MAX - 64];
	struct bird *b;
	int ret;

	if (!a->dir->bgp.present)
		return 0;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	/* systemd's RuntimeDirectory makes it; by hand, this does. */
	if (mkdir(BIRD_RUNDIR, 0755) && errno != EEXIST) {
		ret = -errno;
		agent_log(a, "cannot create %s: %s", BIRD_RUNDIR,
			  strerror(errno));
		free(b);
		return ret;
	}
	snprintf(dir, sizeof(dir), "%s/%s", BIRD_RUNDIR, a->name);
	ret = bird_init(b, a->name, &a->dir->bgp, dir) ?:
	      collect_vips(a, b) ?: bird_run(b);
	if (ret) {
		agent_log(a, "BGP: %s", ret == -ENOMEM ? "out of memory" : b->err);
		bird_free(b);
		free(b);
		return ret;
	}
	agent_log(a, "BGP: bird %d started in %s (birdc -s %s)", (int)b->pid,
		  dir, b->sock);
	a->bird = b;
	return 0;
}

int bird_reload(struct agent *a)
{
	struct bird *b = a->bird;
	int ret;

	if (!b || !a->dir->bgp.present) {
		/* "bgp" added or removed: bird started or stopped */
		if (b && !a->dir->bgp.present) {
			agent_log(a, "BGP: \"bgp\" removed: bird stopped, every VIP withdrawn");
			bird_stop(a);
		}
		return b ? 0 : bird_start(a);
	}
	b->bgp = &a->dir->bgp;	/* the old file is gone */
	ret = collect_vips(a, b) ?: bird_reconfigure(b);
	if (ret)
		agent_log(a, "BGP: %s", ret == -ENOMEM ? "out of memory" : b->err);
	return ret;
}

void bird_set_vip(struct agent *a, const struct lb_addr *vip, bool up)
{
	struct bird *b = a->bird;
	struct bird_vip *v;
	char s[INET6_ADDRSTRLEN];

	if (!b)
		return;
	v = lb_list_find(&b->vips, v, lb_addr_equal(&v->addr, vip));
	if (!v || v->up == up)
		return;
	v->up = up;
	v->sent = false;
	agent_log(a, "BGP: %s %s", up ? "announcing" : "withdrawing",
		  lb_addr_str(vip, s, sizeof(s)));
	bird_tick(a);
}

void bird_withdraw_all(struct agent *a)
{
	struct bird *b = a->bird;
	size_t i;

	if (!b)
		return;
	for (i = 0; i < b->vips.n; i++) {
		/* a copy: the entry is what bird_set_vip() changes */
		struct lb_addr vip = b->vips.v[i].addr;

		bird_set_vip(a, &vip, false);
	}
}

void bird_tick(struct agent *a)
{
	if (a->bird && bird_supervise(a->bird, agent_now_ms()))
		agent_log(a, "BGP: %s; started again in %lld ms", a->bird->err,
			  (long long)(a->bird->next_start_ms - agent_now_ms()));
}

void bird_stop(struct agent *a)
{
	if (!a->bird)
		return;
	bird_kill(a->bird);
	bird_free(a->bird);
	free(a->bird);
	a->bird = NULL;
}
