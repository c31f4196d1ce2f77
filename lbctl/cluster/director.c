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
 * An exchange (director_ssh_start(), _wait()) writes ssh's input and
 * reads its outputs as each is ready, in one poll() loop for any number
 * of them, so a remote end that never reads, floods or never ends blocks
 * nothing: the agent's handoff runs its peers so, under a deadline, each
 * output kept to a cap. director_ssh() is one of them without a deadline,
 * for the commands an operator runs and watches.
 *
 * sshd hands the words after DEST, joined by spaces, to the remote
 * user's shell: each is quoted for it, so a name in the file is one word
 * there whatever it holds (the file's names are checked too).
 */
#define _GNU_SOURCE		/* pipe2() */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
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

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* A sink that reads (max > 0): its buffer, "" to start with. */
static int sink_init(struct director_ssh_sink *s, size_t max)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->max = max;
	if (!max)
		return 0;
	s->buf = calloc(1, 1);
	return s->buf ? 0 : -ENOMEM;
}

/*
 * What is ready on s->fd, appended up to s->max bytes, the rest read and
 * dropped (s->cut); EOF or an error closes it. 0, or -errno of the read.
 */
static int sink_read(struct director_ssh_sink *s)
{
	size_t keep, cap = s->cap;
	char chunk[65536], *b;
	ssize_t n;

	n = read(s->fd, chunk, sizeof(chunk));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		n = n ? -errno : 0;
		close_fd(&s->fd);
		return (int)n;
	}
	keep = s->max - s->len < (size_t)n ? s->max - s->len : (size_t)n;
	s->cut |= keep < (size_t)n;
	if (!keep)
		return 0;
	while (cap < s->len + keep)
		cap = cap ? 2 * cap : 4096;
	if (cap > s->max)
		cap = s->max;
	if (cap != s->cap) {
		b = realloc(s->buf, cap + 1);
		if (!b) {
			close_fd(&s->fd);
			return -ENOMEM;
		}
		s->buf = b;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, chunk, keep);
	s->len += keep;
	s->buf[s->len] = '\0';
	return 0;
}

/* argv (freed here) started for r, whose d, input and inputlen are set;
 * as director_ssh_start(). */
static int start(struct director_ssh_run *r, char **argv, size_t out_max,
		 size_t err_max)
{
	int to[2] = { -1, -1 }, from[2] = { -1, -1 }, err[2] = { -1, -1 };
	const struct lb_director *d = r->d;
	const char *in = r->input;
	int *ours[3] = { &r->in, &r->out.fd, &r->err.fd };
	int ret = 0, i;

	r->in = r->out.fd = r->err.fd = -1;
	r->left = in;
	r->leftlen = r->inputlen;
	r->status = r->error = 0;
	ret = sink_init(&r->out, out_max) ?: sink_init(&r->err, err_max);
	if (!argv && !ret)
		ret = -ENOMEM;
	if (!ret && ((in && pipe2(to, O_CLOEXEC)) ||
		     (out_max && pipe2(from, O_CLOEXEC)) ||
		     (err_max && pipe2(err, O_CLOEXEC))))
		ret = -errno;
	if (!ret) {
		fflush(NULL);
		r->pid = fork();
		if (r->pid < 0)
			ret = -errno;
	}
	if (ret) {
		close_pair(to);
		close_pair(from);
		close_pair(err);
		director_ssh_argv_free(argv);
		director_ssh_free(r);
		r->pid = 0;
		return ret;
	}
	if (!r->pid) {
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
		/* Ignored in this process (below), not in ssh and its
		 * ProxyCommand: a pipeline of theirs ends as usual. */
		signal(SIGPIPE, SIG_DFL);
		if (in)
			dup2(to[0], STDIN_FILENO);
		else
			dup2(open("/dev/null", O_RDONLY), STDIN_FILENO);
		if (out_max)
			dup2(from[1], STDOUT_FILENO);
		if (err_max)
			dup2(err[1], STDERR_FILENO);
		execvp(argv[0], argv);
		fprintf(stderr, "Error: %s: cannot run ssh: %s\n", d->name,
			strerror(errno));
		_exit(127);
	}
	director_ssh_argv_free(argv);
	/* Ours: the ends the child does not use, none of them blocking. */
	r->in = to[1];
	r->out.fd = from[0];
	r->err.fd = err[0];
	close_fd(&to[0]);
	close_fd(&from[1]);
	close_fd(&err[1]);
	if (in)
		/* ssh may be gone early: its status says why, not SIGPIPE. */
		signal(SIGPIPE, SIG_IGN);
	if (in && !r->inputlen)
		close_fd(&r->in);
	for (i = 0; i < 3; i++)
		if (*ours[i] >= 0)
			fcntl(*ours[i], F_SETFL, O_NONBLOCK);
	return 0;
}

int director_ssh_start(struct director_ssh_run *r, const struct lb_director *d,
		       char *const words[], const char *in, size_t inlen,
		       size_t out_max, size_t err_max)
{
	memset(r, 0, sizeof(*r));
	r->d = d;
	r->input = in;
	r->inputlen = inlen;
	return start(r, director_ssh_argv(d, words), out_max, err_max);
}

int director_ssh_fallback(struct director_ssh_run *r, char *const words[])
{
	director_ssh_argv_free(r->fallback);
	r->fallback = director_ssh_argv(r->d, words);
	return r->fallback ? 0 : -ENOMEM;
}

/* Whether r, done, is an older lbctl's usage error with a fallback. */
static bool falls_back(const struct director_ssh_run *r)
{
	return r->fallback && !r->error && r->status == 2 && !r->out.len;
}

/* r's fallback started in place of what exited; what it could not start
 * is r's error. */
static void fall_back(struct director_ssh_run *r)
{
	char **argv = r->fallback;
	size_t out_max = r->out.max, err_max = r->err.max;
	int ret;

	r->fallback = NULL;
	director_ssh_free(r);
	ret = start(r, argv, out_max, err_max);
	r->fell_back = true;
	if (ret)
		r->error = ret;
}

/* The next part of r's input written; all of it or an error closes it. */
static void feed(struct director_ssh_run *r)
{
	ssize_t n = write(r->in, r->left, r->leftlen);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		/* EPIPE: ssh is gone, its exit status says why. */
		if (errno != EPIPE)
			r->error = -errno;
		close_fd(&r->in);
		return;
	}
	r->left += n;
	r->leftlen -= (size_t)n;
	if (!r->leftlen)
		close_fd(&r->in);
}

/* Whether r's child has exited (reaped now, or before). */
static bool reaped(struct director_ssh_run *r, bool block)
{
	int status;
	pid_t n;

	if (!r->pid)
		return true;
	while ((n = waitpid(r->pid, &status, block ? 0 : WNOHANG)) < 0 &&
	       errno == EINTR)
		;
	if (!n)
		return false;
	r->pid = 0;
	if (n < 0)
		r->status = -errno;
	else
		r->status = WIFEXITED(status) ? WEXITSTATUS(status) :
			    128 + WTERMSIG(status);
	/* Nobody reads what is left of the input. */
	close_fd(&r->in);
	return true;
}

static bool run_done(const struct director_ssh_run *r)
{
	return !r->pid && r->out.fd < 0 && r->err.fd < 0;
}

/* The fds polled for r into fds; returns how many. */
static size_t run_fds(const struct director_ssh_run *r, struct pollfd *fds)
{
	size_t n = 0;

	if (r->in >= 0)
		fds[n++] = (struct pollfd){ .fd = r->in, .events = POLLOUT };
	if (r->out.fd >= 0)
		fds[n++] = (struct pollfd){ .fd = r->out.fd, .events = POLLIN };
	if (r->err.fd >= 0)
		fds[n++] = (struct pollfd){ .fd = r->err.fd, .events = POLLIN };
	return n;
}

/* What fds (run_fds()'s) say done for r. */
static void run_ready(struct director_ssh_run *r, const struct pollfd *fds,
		      size_t n)
{
	int ret;

	for (; n--; fds++) {
		if (!fds->revents)
			continue;
		if (fds->fd == r->in)
			feed(r);
		else if ((ret = sink_read(fds->fd == r->out.fd ? &r->out :
					  &r->err)) && !r->error)
			r->error = ret;
	}
}

/* Killed at the deadline: what it said so far is kept. */
static void run_kill(struct director_ssh_run *r)
{
	if (r->pid)
		kill(r->pid, SIGKILL);
	close_fd(&r->in);
	close_fd(&r->out.fd);
	close_fd(&r->err.fd);
	reaped(r, true);
	r->error = -ETIMEDOUT;
}

/* Milliseconds of CLOCK_MONOTONIC. */
static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* While a child has closed its outputs but not exited: how often its
 * exit is looked for. */
#define SSH_REAP_POLL_MS	20

void director_ssh_wait(struct director_ssh_run *r, size_t n,
		       int64_t deadline_ms)
{
	struct pollfd *fds = calloc(3 * n + 1, sizeof(*fds));
	size_t *nfds = calloc(n + 1, sizeof(*nfds));
	size_t i, k;
	int timeout;

	for (;;) {
		bool done = true, reaping = false;

		for (i = 0; i < n; i++) {
			/* An exit seen stops the feeding; a child that closed
			 * its outputs is waited for. */
			reaped(&r[i], false);
			if (run_done(&r[i]) && falls_back(&r[i]))
				fall_back(&r[i]);
			done &= run_done(&r[i]);
			reaping |= r[i].pid && r[i].out.fd < 0 &&
				   r[i].err.fd < 0 && r[i].in < 0;
		}
		if (done)
			break;
		timeout = -1;
		if (deadline_ms >= 0) {
			int64_t left = deadline_ms - mono_ms();

			if (left <= 0)
				break;
			timeout = left > INT32_MAX ? INT32_MAX : (int)left;
		}
		if (reaping && (timeout < 0 || timeout > SSH_REAP_POLL_MS))
			timeout = SSH_REAP_POLL_MS;
		if (!fds || !nfds) {
			/* No memory to poll with: as at the deadline. */
			break;
		}
		for (i = k = 0; i < n; i++) {
			nfds[i] = run_fds(&r[i], fds + k);
			k += nfds[i];
		}
		if (poll(fds, k, timeout) < 0 && errno != EINTR)
			break;
		for (i = k = 0; i < n; i++) {
			run_ready(&r[i], fds + k, nfds[i]);
			k += nfds[i];
		}
	}
	for (i = 0; i < n; i++)
		if (!run_done(&r[i]))
			run_kill(&r[i]);
	free(fds);
	free(nfds);
}

int director_ssh_result(const struct director_ssh_run *r)
{
	return r->error ?: r->status;
}

void director_ssh_free(struct director_ssh_run *r)
{
	free(r->out.buf);
	free(r->err.buf);
	r->out.buf = r->err.buf = NULL;
	director_ssh_argv_free(r->fallback);
	r->fallback = NULL;
}

int director_ssh(const struct lb_director *d, char *const words[],
		 const char *in, size_t inlen, char **out)
{
	struct director_ssh_run r;
	int ret;

	ret = director_ssh_start(&r, d, words, in, inlen,
				 out ? REMOTE_OUT_MAX : 0, 0);
	if (ret)
		return ret;
	director_ssh_wait(&r, 1, -1);
	ret = director_ssh_result(&r);
	if (!ret && r.out.cut)
		ret = -EFBIG;
	if (out && ret >= 0) {
		*out = r.out.buf;
		r.out.buf = NULL;
	} else if (out) {
		*out = NULL;
	}
	director_ssh_free(&r);
	return ret;
}

const char *director_ssh_why(const struct lb_director *d, int ret, char *buf,
			     size_t len)
{
	if (ret == -ETIMEDOUT)
		snprintf(buf, len, "ssh %s did not finish in time: killed",
			 d->ssh);
	else if (ret < 0)
		snprintf(buf, len, "cannot run ssh: %s", strerror(-ret));
	else if (ret == 255)
		snprintf(buf, len, "ssh %s failed (exit status 255)", d->ssh);
	else
		snprintf(buf, len, "lbctl on %s exited with status %d", d->ssh,
			 ret);
	return buf;
}
