/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The structs of lb.h as netlink attributes and back, following
 * include/uapi/linux/fullnat.h. No socket here: unit tests build messages
 * as the kernel would and read them, and check what requests hold.
 *
 * lb_put_*() add one nest (FULLNAT_A_SERVICE, ...) to a request and return
 * 0 or -EMSGSIZE. Fields that are unset are left out; key_only leaves out
 * everything but the key (for DEL, GET and the service of a DEST request).
 *
 * lb_parse_*() read one nest of a reply and return 0 or -EPROTO when an
 * attribute the struct needs is missing or malformed. Attributes newer than
 * this lbctl are ignored, so an older lbctl keeps working with a newer
 * module.
 */
#ifndef LBCTL_ATTRS_H
#define LBCTL_ATTRS_H

#include <stdbool.h>

#include "lb.h"

struct nl_msg;
struct nlattr;

int lb_put_service(struct nl_msg *msg, const struct lb_service *svc,
		   bool key_only);
int lb_put_dest(struct nl_msg *msg, const struct lb_dest *dest,
		bool key_only);
int lb_put_laddr(struct nl_msg *msg, const struct lb_addr *addr);
int lb_put_conn(struct nl_msg *msg, const struct lb_conn *c);
/* No nest at all for a filter of nothing (every connection). */
int lb_put_conn_filter(struct nl_msg *msg, const struct lb_conn_filter *f);
int lb_put_config(struct nl_msg *msg, const struct lb_config *cfg);

int lb_parse_info(struct nlattr *nest, struct lb_info *info);
int lb_parse_config(struct nlattr *nest, struct lb_config *cfg);
int lb_parse_service(struct nlattr *nest, struct lb_service *svc);
int lb_parse_dest(struct nlattr *nest, struct lb_dest *dest);
int lb_parse_laddr(struct nlattr *nest, struct lb_laddr *laddr);
int lb_parse_conn(struct nlattr *nest, struct lb_conn *conn);
int lb_parse_template(struct nlattr *nest, struct lb_template *tmpl);

/*
 * Calls fn(nest, arg) for each top-level attribute of type attr (a
 * FULLNAT_A_*) of a generic netlink message, in order. Returns how many
 * there were, or the first error of fn.
 */
int lb_msg_each(struct nl_msg *msg, int attr,
		int (*fn)(struct nlattr *nest, void *arg), void *arg);

#endif /* LBCTL_ATTRS_H */
