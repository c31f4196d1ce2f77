// SPDX-License-Identifier: GPL-2.0
/*
 * The directors of a cluster file: see director.h. A remote director
 * runs lbctl itself: "ssh HOST lbctl apply --local --director NAME -" with
 * the file on its standard input applies that director's part only (its
 * netns, if the file gives one, is the remote host's), prints its own
 * report, and its exit status comes back through ssh. ssh runs with
 * BatchMode, so a key it does not have is an error and never a password
 * prompt in a boot script, and with a connect timeout and keepalives, so
 * an unreachable or vanished host is an error and never a hung boot.
 *
 * sshd hands the words after DEST, joined by spaces, to the remote
 * user's shell: each is quoted for it, so a name in the file is one word
 * there whatever it holds (the file's names are checked too).
 */
#define _GNU_SOURCE		/* pipe2() */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
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
	/* A file that cannot be read is as wrong as one that cannot be
	 * parsed: nothing is sent anywhere, exit 2. */
	ret = cluster_read(path, &f->text, &f->len, err, sizeof(err));
	if (ret)
		return lbctl_error(LBCTL_EXIT_USAGE, "%s", err);
	ret = cluster_parse(f->text, f->len, f->name, &f->cluster, err,
			    sizeof(err));
	if (ret) {
		free(f->text);
		return lbctl_error(LBCTL_EXIT_USAGE, "%s", err);
	}
	return LBCTL_EXIT_OK;
}

/*
 * "lbctl check FILE": the file read and checked whole, as apply and show
 * do first, and nothing else: no kernel, no root, no ssh, for CI. What
 * only a director's module can tell (a scheduler it lacks) apply checks.
 */
int cmd_check(const struct lbctl *ctx, int argc, char **argv)
{
	struct cluster_file f;
	char err[300];
	int ret;

	if (argc < 2)
		return lbctl_usage("argument \"FILE\" is required");
	snprintf(err, sizeof(err), "argument \"%s\" is wrong: %s",
		 argv[argc > 2 ? 2 : 1],
		 argc > 2 ? "only one FILE may be given" :
		 "\"check\" takes no options");
	if (argc > 2 || (argv[1][0] == '-' && argv[1][1]))
		return lbctl_usage(err);
	if (ctx->netns)
		return lbctl_usage("\"check\" reads no director: -n is not for it");
	if (ctx->json)
		return lbctl_usage("\"check\" prints text only: -j is not for it");
	ret = cluster_load(argv[1], &f);
	if (ret)
		return ret;
	printf("%s: ok, %zu director%s, %zu service%s\n", f.name,
	       f.cluster.directors.n, f.cluster.directors.n == 1 ? "" : "s",
	       f.cluster.services.n, f.cluster.services.n == 1 ? "" : "s");
	cluster_unload(&f);
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
 * first holds the lock. The lock is the namespace's, whatever names it (a
 * file without "netns" run under "ip netns exec lb1" and one with "netns":
 * "lb1" reach the same one): its file is named after the namespace's
 * device and inode. A writer that takes no lock (lbctl rs add, another
 * host's apply) is caught by the kernel's generation instead (apply.c).
 */
int director_lock(const struct lb_director *d, const char *netns_dir,
		  const char *dir, int *fd)
{
	char ns[4096], path[4096];
	struct stat st;

	if (d->netns)
		snprintf(ns, sizeof(ns), "%s/%s", netns_dir, d->netns);
	else
		snprintf(ns, sizeof(ns), "/proc/thread-self/ns/net");
	*fd = -1;
	if (stat(ns, &st))
		return lbctl_error(LBCTL_EXIT_FAIL,
				   "%s: cannot find its network namespace %s: %s",
				   d->name, ns, strerror(errno));
	snprintf(path, sizeof(path), "%s/apply-%ju-%ju.lock", dir,
		 (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
	if (mkdir(dir, 0755) && errno != EEXIST)
		return lbctl_error(LBCTL_EXIT_FAIL, "%s: cannot make %s: %s",
				   d->name, dir, strerror(errno));
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
		   0600);
	if (*fd < 0)
		return lbctl_error(LBCTL_EXIT_FAIL, "%s: cannot open %s: %s",
				   d->name, path, strerror(errno));
	/* Ours, made by an apply: not a FIFO or a device someone left. */
	if (fstat(*fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		lbctl_error(LBCTL_EXIT_FAIL,
			    "%s: %s is not a lock file of lbctl (not a regular file of user %ju): nothing was changed; remove it",
			    d->name, path, (uintmax_t)geteuid());
		close(*fd);
		*fd = -1;
		return LBCTL_EXIT_FAIL;
	}
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

/* What ssh is run with, before DEST: none of it waits for a person. */
static const char *const ssh_opts[] = {
	"ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10",
	"-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3",
};

/* s in single quotes for a POSIX shell: ' is '\'' */
static char *sh_quote(const char *s)
{
	size_t n = 3;
	const char *p;
	char *q, *o;

	for (p = s; *p; p++)
		n += *p == '\'' ? 4 : 1;
	q = o = malloc(n);
	if (!q)
		return NULL;
	*o++ = '\'';
	for (p = s; *p; p++) {
		if (*p == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else {
			*o++ = *p;
		}
	}
	*o++ = '\'';
	*o = '\0';
	return q;
}

char **director_ssh_argv(const struct lb_director *d, char *const words[])
{
	size_t n = 0, k, i = 0, nopts = sizeof(ssh_opts) / sizeof(ssh_opts[0]);
	char **argv;

	while (words[n])
		n++;
	argv = calloc(nopts + n + 2, sizeof(*argv));
	if (!argv)
		return NULL;
	for (k = 0; k < nopts; k++)
		argv[i++] = (char *)ssh_opts[k];
	argv[i++] = d->ssh;
	for (k = 0; k < n; k++) {
		argv[i] = sh_quote(words[k]);
		if (!argv[i++]) {
			director_ssh_argv_free(argv);
			return NULL;
		}
	}
	return argv;
}

void director_ssh_argv_free(char **argv)
{
	size_t k = sizeof(ssh_opts) / sizeof(ssh_opts[0]) + 1;

	if (!argv)
		return;
	for (; argv[k]; k++)
		free(argv[k]);
	free(argv);
}

/* Closes both ends of a pipe2() that was made: -1 is none. */
static void close_pair(const int fds[2])
{
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
}

int director_ssh(const struct lb_director *d, char *const words[],
		 const char *in, size_t inlen, char **out)
{
	int to[2] = { -1, -1 }, from[2] = { -1, -1 }, status, ret = 0;
	char **argv = director_ssh_argv(d, words);
	size_t outlen;
	pid_t pid = -1;

	if (!argv)
		return -ENOMEM;
	if ((in && pipe2(to, O_CLOEXEC)) || (out && pipe2(from, O_CLOEXEC)))
		ret = -errno;
	if (!ret) {
		fflush(NULL);
		pid = fork();
		if (pid < 0)
			ret = -errno;
	}
	if (ret) {
		close_pair(to);
		close_pair(from);
		director_ssh_argv_free(argv);
		return ret;
	}
	if (!pid) {
		/*
		 * A Ctrl-C reaches the whole process group, ssh too: it must
		 * not cut the remote apply's report off (the remote lbctl,
		 * with no terminal, finishes anyway). ssh keeps signals it
		 * finds ignored ignored; lbctl, which gets them too, stops
		 * before its next director. SIGTERM likewise: systemd sends
		 * it to the whole unit.
		 */
		signal(SIGINT, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
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
	director_ssh_argv_free(argv);
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

const char *director_ssh_why(const struct lb_director *d, int ret, char *buf,
			     size_t len)
{
	if (ret < 0)
		snprintf(buf, len, "cannot run ssh: %s", strerror(-ret));
	else if (ret == 255)
		snprintf(buf, len, "ssh %s failed (exit status 255)", d->ssh);
	else
		snprintf(buf, len, "lbctl on %s exited with status %d", d->ssh,
			 ret);
	return buf;
}
