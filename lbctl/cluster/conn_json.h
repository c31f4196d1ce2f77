/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The connection table as "lbctl -j conn" prints it, read back for
 * "lbctl conn import" (a drain handoff, docs/cluster.md). Strict as the
 * cluster file: an unknown key, a wrong type or value is an error naming
 * where it is ("FILE:LINE:COL: [3].local.port: ..."). No libnl: the unit
 * tests link it with jansson alone.
 */
#ifndef LBCTL_CONN_JSON_H
#define LBCTL_CONN_JSON_H

#include <stddef.h>

#include "lb.h"

/*
 * The connections of text (len bytes, named file in errors) into conns,
 * which the caller frees with lb_list_free(); *templates counts the
 * persistence templates the listing holds too, which are not
 * connections and are left out. 0, or -EINVAL (err says why; conns
 * empty) or -ENOMEM.
 */
int conns_parse(const char *text, size_t len, const char *file,
		struct lb_conn_list *conns, size_t *templates,
		char *err, size_t errlen);

#endif /* LBCTL_CONN_JSON_H */
