// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's messages to systemd (agent/notify.c), judged by a socket
 * of this test bound where $NOTIFY_SOCKET says, as systemd's is: a path
 * or an abstract name, what arrives there byte for byte; the variable
 * gone for the agent's children; no socket, or a wrong one, sends
 * nothing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "check.h"
#include "agent.h"

/* A datagram socket bound to name ("@..." abstract): the fd, or -1. */
static int listener(const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(name);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	memcpy(sa.sun_path, name, n);
	if (name[0] == '@')
		sa.sun_path[0] = '\0';
	if (fd < 0 ||
	    bind(fd, (struct sockaddr *)&sa,
		 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* The next datagram on fd, as a string ("" if none is there). */
static const char *received(int fd)
{
	static char buf[128];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void test_socket(const char *what, const char *name)
{
	int fd = listener(name);

	check_begin("notify/%s", what);
	CHECK_MSG(fd >= 0, "cannot bind %s: %s", name, strerror(errno));
	setenv("NOTIFY_SOCKET", name, 1);
	CHECK_INT(notify_open(), 0);
	/* BIRD, ssh and the checks' children do not get it. */
	CHECK(!getenv("NOTIFY_SOCKET"));
	CHECK_INT(notify_extend(40500), 1);
	CHECK_STR(received(fd), "EXTEND_TIMEOUT_USEC=40500000");
	/* A deadline already past: no time asked. */
	CHECK_INT(notify_extend(-3), 1);
	CHECK_STR(received(fd), "EXTEND_TIMEOUT_USEC=0");
	notify_close();
	CHECK_INT(notify_extend(1000), 0);
	CHECK_STR(received(fd), "");
	if (fd >= 0)
		close(fd);
	check_end();
}

int main(void)
{
	char path[64], abstract[64];

	snprintf(path, sizeof(path), "/tmp/test_notify.%d", (int)getpid());
	unlink(path);
	test_socket("path", path);
	unlink(path);
	snprintf(abstract, sizeof(abstract), "@lbctl-test-notify.%d",
		 (int)getpid());
	test_socket("abstract", abstract);

	check_begin("notify/none");
	unsetenv("NOTIFY_SOCKET");
	CHECK_INT(notify_open(), 0);
	CHECK_INT(notify_extend(1000), 0);
	check_end();

	check_begin("notify/wrong");
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	CHECK_INT(notify_open(), -EINVAL);
	CHECK(!getenv("NOTIFY_SOCKET"));
	CHECK_INT(notify_extend(1000), 0);
	/* A socket that is gone: the error, for the agent's log. */
	setenv("NOTIFY_SOCKET", path, 1);
	CHECK_INT(notify_open(), 0);
	CHECK_INT(notify_extend(1000), -ENOENT);
	notify_close();
	check_end();
	return check_done();
}
