// SPDX-License-Identifier: GPL-2.0
/*
 * The directors of a cluster file: see director.h. A remote director
 * runs lbctl itself: "ssh HOST lbctl apply --local --director NAME -" with
 * the file on its standard input applies that director's part only (its
 * netns, if the file gives one, is the remote host's), prints its own
 * report, and its exit status comes back through ssh. ssh runs with
 * BatchMode, so a key it does not have is an error and never a password
 * prompt in a boot script.
 */
#define _GNU_SOURCE		/* pipe2() */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cluster.h"
#include "director.h"
#include "lbctl.h"
#include "output.h"
#include "util.h"

/* What a remote lbctl prints: far more than any director's JSON. */
#define REMOTE_OUT_MAX	(1u << 30)

int cluster_load(const char *path, struct cluster_file *f)
{
	char err[1024];
	int ret;

	memset(f, 0, sizeof(*f));
	f->name = strcmp(path, "-") ? path : "<stdin>";
	ret = cluster_read(path, &f->text, &f->len, err, sizeof(err));
	if (ret)
		return lbctl_error(LBCTL_EXIT_FAIL, "%s", err);
	ret = cluster_parse(f->text, f->len, f->name, &f->cluster, err,
			    sizeof(err));
	if (ret) {
		free(f->text);
		return lbctl_error(LBCTL_EXIT_USAGE, "%s", err);
	}
	return LBCTL_EXIT_OK;
}

void cluster_unload(struct cluster_file *f)
{
	cluster_free(&f->cluster);
	free(f->text);
}

int cluster_select(const struct cluster_file *f, const char *name,
		   const struct lb_director **only)
{
	*only = !name ? NULL : lb_list_find(&f->cluster.directors, d,
					    !strcmp(d->name, name));
	if (!name || *only)
		return LBCTL_EXIT_OK;
	return lbctl_error(LBCTL_EXIT_USAGE,
			   "argument \"%s\" is wrong: %s has no director of that name",
			   name, f->name);
}

/*
 * Two applies to one director at once would interleave their changes and
 * each "roll back" to a mix of both: the second one is refused while the
 * first holds the lock. A lock names the namespace as the file does; a
 * writer that takes no lock (lbctl rs add, another host's apply through
 * another name) is caught by the kernel's generation instead (apply.c).
 */
int director_lock(const struct lb_director *d, const char *dir, int *fd)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/apply%s%s.lock", dir,
		 d->netns ? "-" : "", d->netns ?: "");
	if (mkdir(dir, 0755) && errno != EEXIST)
		return lbctl_error(LBCTL_EXIT_FAIL, "%s: cannot make %s: %s",
				   d->name, dir, strerror(errno));
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (*fd < 0)
		return lbctl_error(LBCTL_EXIT_FAIL, "%s: cannot open %s: %s",
				   d->name, path, strerror(errno));
	while (flock(*fd, LOCK_EX | LOCK_NB)) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK)
			lbctl_error(LBCTL_EXIT_FAIL,
				    "%s: another \"lbctl apply\" is changing this director (it holds %s): nothing was changed; apply again when it is done",
				    d->name, path);
		else
			lbctl_error(LBCTL_EXIT_FAIL, "%s: cannot lock %s: %s",
				    d->name, path, strerror(errno));
		close(*fd);
		*fd = -1;
		return LBCTL_EXIT_FAIL;
	}
	return LBCTL_EXIT_OK;
}

/* Writes all of buf to fd; 0 or -errno. */
static int write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int director_ssh(const struct lb_director *d, char *const words[],
		 const char *in, size_t inlen, char **out)
{
	char *argv[32] = { "ssh", "-o", "BatchMode=yes", d->ssh };
	int to[2] = { -1, -1 }, from[2] = { -1, -1 }, status, ret = 0;
	size_t n = 4, outlen;
	pid_t pid;

	while (*words && n + 1 < sizeof(argv) / sizeof(argv[0]))
		argv[n++] = *words++;
	argv[n] = NULL;
	if ((in && pipe2(to, O_CLOEXEC)) || (out && pipe2(from, O_CLOEXEC)))
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		if (in)
			dup2(to[0], STDIN_FILENO);
		else
			dup2(open("/dev/null", O_RDONLY), STDIN_FILENO);
		if (out)
			dup2(from[1], STDOUT_FILENO);
		execvp(argv[0], argv);
		fprintf(stderr, "Error: %s: cannot run ssh: %s\n", d->name,
			strerror(errno));
		_exit(127);
	}
	if (in) {
		close(to[0]);
		/* ssh may be gone early: its status says why, not SIGPIPE. */
		signal(SIGPIPE, SIG_IGN);
		ret = write_all(to[1], in, inlen);
		close(to[1]);
	}
	if (out) {
		close(from[1]);
		*out = NULL;
		ret = lb_read_all(from[0], REMOTE_OUT_MAX, out, &outlen) ?: ret;
		close(from[0]);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (ret && out) {
		free(*out);
		*out = NULL;
	}
	if (ret)
		return ret;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
