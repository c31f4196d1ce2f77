/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LBCTL_NETNS_H
#define LBCTL_NETNS_H

#include <stddef.h>

/* Where "ip netns add NAME" leaves its bind mount. */
#define NETNS_RUN_DIR "/run/netns"

/* 0 if name can name a file in NETNS_RUN_DIR, else -EINVAL and a reason. */
int netns_check_name(const char *name, char *err, size_t errlen);
/*
 * Moves the calling thread into /run/netns/NAME; 0 or -errno. *back gets
 * a descriptor of the namespace the thread was in, for netns_leave():
 * "lbctl apply" opens one socket per director and must come back between
 * them.
 */
int netns_enter(const char *name, int *back);
/* Returns the thread to the namespace of back and closes it; 0 or -errno. */
int netns_leave(int back);

#endif /* LBCTL_NETNS_H */
