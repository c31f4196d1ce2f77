// SPDX-License-Identifier: GPL-2.0
/*
 * A step of a plan as its request of api.h. See plan.h.
 */
#include <errno.h>

#include "api.h"
#include "plan.h"

int lb_step_send(struct genl *g, const struct lb_step *s)
{
	switch (s->op) {
	case LB_STEP_CONFIG_SET:
		return lb_config_set(g, &s->cfg);
	case LB_STEP_LADDR_ADD:
		return lb_laddr_add(g, &s->addr);
	case LB_STEP_LADDR_DEL:
		return lb_laddr_del(g, &s->addr);
	case LB_STEP_SVC_ADD:
		return lb_service_add(g, &s->svc);
	case LB_STEP_SVC_SET:
		return lb_service_set(g, &s->svc);
	case LB_STEP_SVC_DEL:
		return lb_service_del(g, &s->svc);
	case LB_STEP_DEST_ADD:
		return lb_dest_add(g, &s->svc, &s->dest);
	case LB_STEP_DEST_SET:
		return lb_dest_set(g, &s->svc, &s->dest);
	case LB_STEP_DEST_DEL:
		return lb_dest_del(g, &s->svc, &s->dest);
	}
	return -EINVAL;
}
