// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's stop under systemd (docs/cluster.md, "The agent's unit"):
 * how long a drain takes depends on the file ("drain_timeout") and on
 * the number of connections the handoff copies (its deadlines, handoff.c),
 * so no fixed TimeoutStopSec fits every director. Instead, each time the
 * drain sets itself a deadline, the agent tells the service manager
 * "EXTEND_TIMEOUT_USEC=" (sd_notify(3): the stop may last that long from
 * now, beyond TimeoutStopSec): a drain that keeps its own deadlines is
 * never killed, one that hangs is, its last deadline and a margin later.
 * The unit needs NotifyAccess=main for systemd to take the message.
 *
 * The protocol is one datagram on the AF_UNIX socket named by
 * $NOTIFY_SOCKET: a path, or "@name" for an abstract one. An abstract
 * name is looked up in the sending socket's network namespace, so the
 * socket is made at start, in the namespace systemd started the agent in,
 * before it enters its director's; the variable is unset then, so that
 * BIRD, ssh and the checks' children do not write to it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent.h"

static int notify_fd = -1;
static struct sockaddr_un notify_addr;
static socklen_t notify_len;

int notify_open(void)
{
	const char *s = getenv("NOTIFY_SOCKET");
	size_t n = s ? strlen(s) : 0;
	int ret = 0;

	notify_close();
	if (!s)
		return 0;
	memset(&notify_addr, 0, sizeof(notify_addr));
	notify_addr.sun_family = AF_UNIX;
	if (n < 2 || (s[0] != '/' && s[0] != '@') ||
	    n >= sizeof(notify_addr.sun_path)) {
		ret = -EINVAL;
	} else {
		memcpy(notify_addr.sun_path, s, n);
		if (s[0] == '@')
			notify_addr.sun_path[0] = '\0';
		/* A path's length counts its NUL, an abstract name's not. */
		notify_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
					 n + (s[0] == '/'));
		notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (notify_fd < 0)
			ret = -errno;
	}
	unsetenv("NOTIFY_SOCKET");
	return ret;
}

void notify_close(void)
{
	if (notify_fd >= 0)
		close(notify_fd);
	notify_fd = -1;
}

int notify_extend(int64_t ms)
{
	char msg[64];
	int len;

	if (notify_fd < 0)
		return 0;
	len = snprintf(msg, sizeof(msg), "EXTEND_TIMEOUT_USEC=%" PRId64,
		       (ms > 0 ? ms : 0) * 1000);
	if (sendto(notify_fd, msg, (size_t)len, MSG_NOSIGNAL,
		   (const struct sockaddr *)&notify_addr, notify_len) < 0)
		return -errno;
	return 1;
}
