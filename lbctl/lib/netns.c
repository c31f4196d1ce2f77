// SPDX-License-Identifier: GPL-2.0
/*
 * Named network namespaces, as "ip -n NAME" finds them. Only the network
 * namespace is switched: lbctl reads nothing from /sys, so unlike ip it
 * needs no private mount namespace.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "genl.h"
#include "parse.h"

int netns_check_name(const char *name, char *err, size_t errlen)
{
	const char *why = NULL;

	if (!*name)
		why = "a network namespace name cannot be empty";
	else if (strchr(name, '/'))
		why = "a network namespace name cannot contain \"/\"";
	else if (!strcmp(name, ".") || !strcmp(name, ".."))
		why = "a network namespace name cannot be \".\" or \"..\"";
	else if (strlen(name) > 255)
		why = "a network namespace name is at most 255 characters";
	return why ? parse_fail(err, errlen, "%s", why) : 0;
}

int netns_enter(const char *name, int *back)
{
	char path[sizeof(NETNS_RUN_DIR) + 256];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*back = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*back < 0 || setns(fd, CLONE_NEWNET))
		ret = -errno;
	if (ret && *back >= 0)
		close(*back);
	close(fd);
	return ret;
}

int netns_leave(int back)
{
	int ret = 0;

	if (setns(back, CLONE_NEWNET))
		ret = -errno;
	close(back);
	return ret;
}
