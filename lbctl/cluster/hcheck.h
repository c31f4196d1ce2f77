/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A service's "health_check" in the cluster file (hcheck.c), read into
 * struct lb_health_check (cluster.h) by services.c's walk.
 */
#ifndef LBCTL_HCHECK_H
#define LBCTL_HCHECK_H

#include <jansson.h>

#include "cluster.h"
#include "jwalk.h"

/* Reads v, the object, into hc (a struct lb_health_check); 0 or the
 * error of jw_fail(). Free its strings with hc_free(). */
int hc_parse(struct jw_ctx *p, json_t *v, void *hc);
void hc_free(struct lb_health_check *hc);

#endif /* LBCTL_HCHECK_H */
