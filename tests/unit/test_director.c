// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of lbctl/cluster/director.c: the apply lock of a director's
 * namespace, judged by a second open of the same file (flock conflicts
 * between two open file descriptions, even in one process); the ssh
 * command line, judged by a real sh parsing the remote part as sshd's
 * shell does; "lbctl check FILE", with no kernel: its exit codes and
 * what it says; the exchanges with ssh under a deadline, against an "ssh"
 * that hangs, floods or ends early (the clock, the child's exit, what
 * was kept), or is an older lbctl (the handoff's second try), and the
 * signals ssh starts with; "conn import"'s arguments, with a kernel
 * that refuses every connection.
 */
#define _GNU_SOURCE		/* mkdtemp() */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "api.h"
#include "director.h"
#include "genl.h"
#include "lbctl.h"
#include "output.h"

static char dir[64];

/* main.c's, which the commands' table comes with: the same one line. */
int lbctl_usage(const char *err)
{
	return lbctl_error(LBCTL_EXIT_USAGE, "%s", err);
}

/* What lbctl_error() printed meanwhile: stderr goes to a file. */
static char said[1024];

static void stderr_begin(void)
{
	char path[96];

	fflush(stderr);
	snprintf(path, sizeof(path), "%s/stderr", dir);
	if (!freopen(path, "w+", stderr))
		abort();
}

static void stderr_end(void)
{
	size_t n;

	fflush(stderr);
	rewind(stderr);
	n = fread(said, 1, sizeof(said) - 1, stderr);
	said[n] = '\0';
	if (!freopen("/dev/null", "w", stderr))
		abort();
}

/* Whether another open of path could take its lock now. */
static bool lock_free(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	bool free_now;

	if (fd < 0)
		return false;
	free_now = !flock(fd, LOCK_EX | LOCK_NB);
	close(fd);
	return free_now;
}

/* A pretend /run/netns: lb1 and lb2, lb1 again as "lb1-too" (a hard link:
 * the same inode), the namespace this test runs in as "self", and a name
 * of 250 characters. */
static char nsdir[96], longname[251];

static int make_netns_dir(void)
{
	char path[400], other[400];
	int fd;

	snprintf(nsdir, sizeof(nsdir), "%s/netns", dir);
	memset(longname, 'n', sizeof(longname) - 1);
	if (mkdir(nsdir, 0755))
		return -1;
	snprintf(path, sizeof(path), "%s/lb1", nsdir);
	snprintf(other, sizeof(other), "%s/lb1-too", nsdir);
	if ((fd = open(path, O_CREAT | O_WRONLY, 0600)) < 0 || close(fd) ||
	    link(path, other))
		return -1;
	snprintf(path, sizeof(path), "%s/lb2", nsdir);
	if ((fd = open(path, O_CREAT | O_WRONLY, 0600)) < 0 || close(fd))
		return -1;
	snprintf(path, sizeof(path), "%s/%s", nsdir, longname);
	if ((fd = open(path, O_CREAT | O_WRONLY, 0600)) < 0 || close(fd))
		return -1;
	snprintf(path, sizeof(path), "%s/self", nsdir);
	return symlink("/proc/thread-self/ns/net", path);
}

/* The lock file of the namespace at ns, as director_lock() names it. */
static void lock_path(const char *sub, const char *ns, char *path, size_t len)
{
	struct stat st;

	if (stat(ns, &st))
		abort();
	snprintf(path, len, "%s/apply-%ju-%ju.lock", sub, (uintmax_t)st.st_dev,
		 (uintmax_t)st.st_ino);
}

static void test_lock(void)
{
	struct lb_director lb1 = { .name = "lb1", .netns = "lb1" };
	struct lb_director lb1too = { .name = "lb1b", .netns = "lb1-too" };
	struct lb_director lb2 = { .name = "lb2", .netns = "lb2" };
	struct lb_director here = { .name = "lb0" };
	struct lb_director self = { .name = "lb0b", .netns = "self" };
	struct lb_director lng = { .name = "long", .netns = longname };
	struct lb_director none = { .name = "lb9", .netns = "nosuch" };
	char sub[640], path[600], ns[400];
	int fd1 = -1, fd2 = -1, fd3 = -1, fd4 = -1;

	check_begin("director/lock");
	if (make_netns_dir()) {
		CHECK_MSG(0, "cannot make %s: %s", nsdir, strerror(errno));
		check_end();
		return;
	}
	snprintf(sub, sizeof(sub), "%s/run", dir);
	snprintf(ns, sizeof(ns), "%s/lb1", nsdir);
	lock_path(sub, ns, path, sizeof(path));
	/* The directory is made; the lock is held until the fd is closed. */
	CHECK_INT(director_lock(&lb1, nsdir, sub, &fd1), LBCTL_EXIT_OK);
	CHECK(fd1 >= 0);
	CHECK(!lock_free(path));
	/* A second apply of the same namespace is refused, and says why. */
	stderr_begin();
	CHECK_INT(director_lock(&lb1, nsdir, sub, &fd2), LBCTL_EXIT_FAIL);
	stderr_end();
	CHECK_INT(fd2, -1);
	CHECK(strstr(said, "Error: lb1: another \"lbctl apply\" is changing this director (it holds ") != NULL);
	CHECK(strstr(said, path) != NULL);
	CHECK(strstr(said, ".lock): nothing was changed") != NULL);
	/* So is one that names it otherwise. */
	stderr_begin();
	CHECK_INT(director_lock(&lb1too, nsdir, sub, &fd2), LBCTL_EXIT_FAIL);
	stderr_end();
	CHECK(strstr(said, "Error: lb1b: another \"lbctl apply\"") != NULL);
	/* Another namespace, and lbctl's own, have their own locks. */
	CHECK_INT(director_lock(&lb2, nsdir, sub, &fd3), LBCTL_EXIT_OK);
	CHECK_INT(director_lock(&here, nsdir, sub, &fd4), LBCTL_EXIT_OK);
	lock_path(sub, "/proc/thread-self/ns/net", path, sizeof(path));
	CHECK(!lock_free(path));
	/* lbctl's own, named in the file: the same lock. */
	stderr_begin();
	CHECK_INT(director_lock(&self, nsdir, sub, &fd2), LBCTL_EXIT_FAIL);
	stderr_end();
	CHECK(strstr(said, "Error: lb0b: another \"lbctl apply\"") != NULL);
	/* Released when the first apply ends. */
	close(fd1);
	CHECK_INT(director_lock(&lb1too, nsdir, sub, &fd2), LBCTL_EXIT_OK);
	close(fd2);
	close(fd3);
	close(fd4);
	/* A name of 250 characters: the lock's file name is short. */
	CHECK_INT(director_lock(&lng, nsdir, sub, &fd1), LBCTL_EXIT_OK);
	close(fd1);
	/* A namespace that is not there: said, nothing made. */
	stderr_begin();
	CHECK_INT(director_lock(&none, nsdir, sub, &fd1), LBCTL_EXIT_FAIL);
	stderr_end();
	CHECK_INT(fd1, -1);
	CHECK(strstr(said, "Error: lb9: cannot find its network namespace ") != NULL);
	check_end();

	check_begin("director/lock_not_a_file");
	/* A FIFO where the lock should be: refused, not used. */
	snprintf(sub, sizeof(sub), "%s/run2", dir);
	snprintf(ns, sizeof(ns), "%s/lb2", nsdir);
	lock_path(sub, ns, path, sizeof(path));
	if (mkdir(sub, 0755) || mkfifo(path, 0600))
		CHECK_MSG(0, "cannot make %s: %s", path, strerror(errno));
	stderr_begin();
	CHECK_INT(director_lock(&lb2, nsdir, sub, &fd1), LBCTL_EXIT_FAIL);
	stderr_end();
	CHECK_INT(fd1, -1);
	CHECK(strstr(said, "is not a lock file of lbctl (not a regular file of user ") != NULL);
	check_end();

	check_begin("director/lock_error");
	/* DIR cannot be made: a file is in its way. */
	lock_path(dir, "/proc/thread-self/ns/net", path, sizeof(path));
	snprintf(sub, sizeof(sub), "%s/x", path);
	if (close(open(path, O_CREAT | O_WRONLY, 0600)))
		CHECK_MSG(0, "cannot make %s", path);
	stderr_begin();
	CHECK_INT(director_lock(&here, nsdir, sub, &fd1), LBCTL_EXIT_FAIL);
	stderr_end();
	CHECK(strstr(said, "Error: lb0: cannot make ") != NULL);
	check_end();
}

/* The words sh -c makes of the remote part, one per line. */
static void remote_words(char **argv, size_t first, char *out, size_t len)
{
	char cmd[2048] = "printf '%s\\n' ";
	size_t off = strlen(cmd), k, n;
	FILE *f;

	for (k = first; argv[k]; k++)
		off += (size_t)snprintf(cmd + off, sizeof(cmd) - off, "%s ",
					argv[k]);
	f = popen(cmd, "r");
	n = f ? fread(out, 1, len - 1, f) : 0;
	out[n] = '\0';
	if (f)
		pclose(f);
}

static void test_ssh_argv(void)
{
	struct lb_director d = { .name = "lb2", .ssh = "root@lb2.example" };
	char *words[] = { "lbctl", "-n", "x;touch pwned", "show", "it's",
			  "$(id)", NULL };
	char line[1024] = "", got[1024];
	char **argv;
	size_t k;

	check_begin("director/ssh_argv");
	argv = director_ssh_argv(&d, words);
	CHECK(argv != NULL);
	for (k = 0; argv && argv[k] && k < 9; k++)
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
			 "%s%s", k ? " " : "", argv[k]);
	/* Nothing that waits for a person or for a host that is gone. */
	CHECK_STR(line, "ssh -o BatchMode=yes -o ConnectTimeout=10 -o ServerAliveInterval=5 -o ServerAliveCountMax=3");
	CHECK_STR(argv ? argv[9] : "", "root@lb2.example");
	if (argv) {
		remote_words(argv, 10, got, sizeof(got));
		CHECK_STR(got, "lbctl\n-n\nx;touch pwned\nshow\nit's\n$(id)\n");
	}
	director_ssh_argv_free(argv);
	check_end();
}

/* cmd(argv): its exit code; what it printed in said/out. */
static int run_cmd(int (*cmd)(const struct lbctl *, int, char **), char **argv,
		   char *out, size_t len)
{
	struct lbctl ctx = { 0 };
	int argc = 0, ret, fd, saved;
	char path[96];
	ssize_t n;

	while (argv[argc])
		argc++;

	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	snprintf(path, sizeof(path), "%s/stdout", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	dup2(fd, STDOUT_FILENO);
	stderr_begin();
	ret = cmd(&ctx, argc, argv);
	stderr_end();
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	n = pread(fd, out, len - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	return ret;
}

/* cmd_check(words): its exit code; what it printed in said/out. */
static int check_cmd(const char *file, const char *more, char *out, size_t len)
{
	char *argv[] = { "check", (char *)file, (char *)more, NULL };

	return run_cmd(cmd_check, argv, out, len);
}

static void test_check(void)
{
	static const char good[] = "{ \"schema_version\": 1, \"directors\": [ { \"name\": \"lb1\", \"netns\": \"nosuch\", \"ssh\": \"nosuch.invalid\" } ], \"services\": [] }";
	char path[128], out[512];
	FILE *f;

	check_begin("check/good");
	snprintf(path, sizeof(path), "%s/good.json", dir);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(good, f);
		fclose(f);
	}
	/* A netns that does not exist, a host that does not: not reached. */
	CHECK_INT(check_cmd(path, NULL, out, sizeof(out)), LBCTL_EXIT_OK);
	CHECK(strstr(out, "good.json: ok, 1 director, 0 services\n") != NULL);
	CHECK_STR(said, "");
	check_end();

	check_begin("check/missing");
	snprintf(path, sizeof(path), "%s/nosuch.json", dir);
	CHECK_INT(check_cmd(path, NULL, out, sizeof(out)), LBCTL_EXIT_USAGE);
	CHECK(strstr(said, "nosuch.json: No such file or directory") != NULL);
	CHECK_STR(out, "");
	check_end();

	check_begin("check/unreadable");
	CHECK_INT(check_cmd(dir, NULL, out, sizeof(out)), LBCTL_EXIT_USAGE);
	CHECK(strstr(said, "Error: cannot read ") != NULL);
	check_end();

	check_begin("check/wrong");
	snprintf(path, sizeof(path), "%s/wrong.json", dir);
	f = fopen(path, "w");
	if (f) {
		fputs("{ \"schema_version\": 1, \"directors\": [ { \"name\": \"lb 1\" } ], \"services\": [] }", f);
		fclose(f);
	}
	CHECK_INT(check_cmd(path, NULL, out, sizeof(out)), LBCTL_EXIT_USAGE);
	CHECK(strstr(said, "wrong.json:1:49: directors[0].name: director name \"lb 1\" has a character") != NULL);
	check_end();

	check_begin("check/usage");
	CHECK_INT(check_cmd(NULL, NULL, out, sizeof(out)), LBCTL_EXIT_USAGE);
	CHECK_STR(said, "Error: argument \"FILE\" is required\n");
	CHECK_INT(check_cmd("a.json", "b.json", out, sizeof(out)), LBCTL_EXIT_USAGE);
	CHECK_STR(said, "Error: argument \"b.json\" is wrong: only one FILE may be given\n");
	CHECK_INT(check_cmd("--dry-run", NULL, out, sizeof(out)), LBCTL_EXIT_USAGE);
	CHECK_STR(said, "Error: argument \"--dry-run\" is wrong: \"check\" takes no options\n");
	check_end();
}

/*
 * A Ctrl-C (SIGINT to the process group), a hangup or systemd's SIGTERM
 * does not kill ssh: the remote apply's report and exit status still come
 * back. Judged by an "ssh" that sends them to itself: a shell dies of
 * each unless it was started with it ignored.
 */
static void test_ssh_signals(void)
{
	struct lb_director d = { .name = "lb2", .ssh = "root@lb2" };
	char *words[] = { "lbctl", "apply", NULL };
	char bin[128], path[160], env[400];
	char *out = NULL;
	FILE *f;

	check_begin("director/ssh_signals");
	snprintf(bin, sizeof(bin), "%s/bin", dir);
	snprintf(path, sizeof(path), "%s/ssh", bin);
	if (mkdir(bin, 0755) || !(f = fopen(path, "w"))) {
		CHECK_MSG(0, "cannot make %s: %s", path, strerror(errno));
		check_end();
		return;
	}
	fprintf(f, "#!/bin/sh\nkill -INT $$\nkill -HUP $$\nkill -TERM $$\n"
		"echo \"remote report\"\nexit 1\n");
	fclose(f);
	chmod(path, 0755);
	snprintf(env, sizeof(env), "%s:%s", bin, getenv("PATH") ?: "/usr/bin:/bin");
	setenv("PATH", env, 1);
	CHECK_INT(director_ssh(&d, words, NULL, 0, &out), 1);
	CHECK_STR(out ?: "", "remote report\n");
	free(out);
	check_end();
}

/* How many descriptors this process has open. */
static int open_fds(void)
{
	int n = 0, fd;

	for (fd = 0; fd < 1024; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	return n;
}

/*
 * When the second pipe cannot be made (EMFILE here: room for one pipe
 * only), the first is closed, not leaked.
 */
static void test_ssh_no_leak(void)
{
	struct lb_director d = { .name = "lb2", .ssh = "root@lb2" };
	char *words[] = { "lbctl", "apply", NULL };
	int n, top = 0, fd, ret, holes[1024], nholes = 0;
	struct rlimit was, now;
	char *out = NULL;

	check_begin("director/ssh_pipes_not_leaked");
	for (fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			top = fd;
	/* The holes below the highest descriptor filled, and the limit
	 * just above it: room for one pipe, not two. */
	while ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0 && fd < top)
		holes[nholes++] = fd;
	if (fd > top)
		close(fd);
	n = open_fds();
	CHECK_INT(getrlimit(RLIMIT_NOFILE, &was), 0);
	now = was;
	now.rlim_cur = (rlim_t)top + 3;
	CHECK_INT(setrlimit(RLIMIT_NOFILE, &now), 0);
	ret = director_ssh(&d, words, "x", 1, &out);
	setrlimit(RLIMIT_NOFILE, &was);
	CHECK_INT(ret, -EMFILE);
	CHECK_INT(open_fds(), n);
	while (nholes)
		close(holes[--nholes]);
	check_end();
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The "ssh" of the exchange tests (on PATH since test_ssh_signals()): what
 * it does is its DEST's name. hang reads nothing and never ends; flood
 * writes stdout and stderr without end and reads nothing; closed closes
 * its outputs and never ends; early exits 4 unread; count reads all of
 * its input, says how much, warns and exits 3; old is an lbctl older
 * than --warn-max (given it: a usage error, exit 2, unread; else count's
 * count, exit 0), each run a line in bin/old.runs; usage says "out" and
 * exits 2; sigign shows which signals it was started with ignored.
 */
static const char exchange_ssh[] =
	"#!/bin/sh\n"
	"case \"$*\" in\n"
	"*' hang '*) exec sleep 1000 ;;\n"
	"*' flood '*) yes said >&2 & exec yes ;;\n"
	"*' closed '*) exec sleep 1000 >&- 2>&- ;;\n"
	"*' early '*) exit 4 ;;\n"
	"*' count '*) wc -c; printf 'warn\\033[2J\\n' >&2; exit 3 ;;\n"
	"*' old '*) echo >> \"${0%/*}/old.runs\"\n"
	"  case \"$*\" in *--warn-max*)\n"
	"    echo 'Error: conn import takes one FILE, or - for stdin' >&2\n"
	"    exit 2 ;;\n"
	"  esac\n"
	"  wc -c; exit 0 ;;\n"
	"*' usage '*) echo out; exit 2 ;;\n"
	"*' sigign '*) exec grep '^SigIgn:' /proc/self/status ;;\n"
	"esac\n"
	"exit 99\n";

/* An exchange with the exchange ssh's dest, d a director reached so. */
static int start_fake(struct director_ssh_run *r, struct lb_director *d,
		      const char *dest, char *const words[], const char *in,
		      size_t inlen)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", dest);
	d->ssh = (char *)dest;
	return director_ssh_start(r, d, words, in, inlen, 4096, 4096);
}

/* Whether pid is gone and reaped: not even a zombie of ours. */
static bool reaped_gone(pid_t pid)
{
	return waitpid(pid, NULL, WNOHANG) < 0 && errno == ECHILD &&
	       kill(pid, 0) < 0 && errno == ESRCH;
}

/*
 * Five exchanges at once, each with 1 MiB of input (16 pipes' worth: a
 * writer that waited for it all before reading would block on hang
 * forever), under one deadline 1 s away: those that end do (their status,
 * their output), those that do not are killed and reaped at the deadline
 * (-ETIMEDOUT), no later than 1 s after it and not before; a flood is
 * kept to its 4096 bytes.
 */
static void test_ssh_exchange(void)
{
	static const char *const dests[] = {
		"hang", "flood", "closed", "early", "count",
	};
	struct lb_director d[ARRAY_SIZE(dests)];
	struct director_ssh_run r[ARRAY_SIZE(dests)];
	char *words[] = { "lbctl", "conn", "import", "-", NULL };
	size_t inlen = 1 << 20, i, n = 0;
	char path[160], *in = malloc(inlen);
	pid_t pids[ARRAY_SIZE(dests)];
	int64_t t0, took;
	FILE *f;

	check_begin("director/ssh_exchange_deadline");
	snprintf(path, sizeof(path), "%s/bin/ssh", dir);
	f = fopen(path, "w");
	CHECK(f && in);
	if (!f || !in) {
		free(in);
		check_end();
		return;
	}
	fputs(exchange_ssh, f);
	fclose(f);
	memset(in, 'x', inlen);
	for (i = 0; i < ARRAY_SIZE(dests); i++) {
		CHECK_INT(start_fake(&r[n], &d[i], dests[i], words, in, inlen),
			  0);
		pids[n++] = r[i].pid;
	}
	t0 = mono_ms();
	director_ssh_wait(r, n, t0 + 1000);
	took = mono_ms() - t0;
	CHECK_MSG(took >= 1000 && took < 2000, "took %" PRId64 " ms", took);
	for (i = 0; i < n; i++) {
		CHECK_MSG(reaped_gone(pids[i]), "%s: pid %d still there",
			  dests[i], pids[i]);
		CHECK_INT(r[i].pid, 0);
	}
	CHECK_INT(director_ssh_result(&r[0]), -ETIMEDOUT);
	CHECK_INT(director_ssh_result(&r[1]), -ETIMEDOUT);
	CHECK_INT((int)r[1].out.len, 4096);
	CHECK(r[1].out.cut && r[1].err.cut);
	CHECK(!strncmp(r[1].out.buf, "y\ny\n", 4) &&
	      !strncmp(r[1].err.buf, "said\n", 5));
	CHECK_INT(director_ssh_result(&r[2]), -ETIMEDOUT);
	/* Its status, not the EPIPE of the input it never read. */
	CHECK_INT(director_ssh_result(&r[3]), 4);
	CHECK_INT(director_ssh_result(&r[4]), 3);
	CHECK_STR(r[4].out.buf, "1048576\n");
	CHECK_STR(r[4].err.buf, "warn\033[2J\n");
	CHECK(!r[4].out.cut && !r[4].err.cut);
	for (i = 0; i < n; i++)
		director_ssh_free(&r[i]);
	check_end();

	/* Without a deadline (apply, show): what ends is waited for. */
	check_begin("director/ssh_exchange_no_deadline");
	CHECK_INT(director_ssh_start(&r[0], &d[4], words, in, inlen, 4096, 0),
		  0);
	director_ssh_wait(r, 1, -1);
	CHECK_INT(director_ssh_result(&r[0]), 3);
	CHECK_STR(r[0].out.buf, "1048576\n");
	director_ssh_free(&r[0]);
	free(in);
	check_end();
}

/* Lines in bin/old.runs (the exchange ssh's "old" runs), and none after. */
static int old_runs(void)
{
	char path[160], line[8];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/bin/old.runs", dir);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	unlink(path);
	return n;
}

/*
 * The handoff to a peer whose lbctl is older than an option it is given
 * (director_ssh_fallback()): its usage error (status 2, nothing on
 * stdout), then the same input again without the option, at once while
 * another peer hangs to the deadline, once only; an exit 2 that printed
 * something, or one without a fallback, is the answer.
 */
static void test_ssh_fallback(void)
{
	static const char *const dests[] = { "hang", "old", "usage", "old" };
	struct lb_director d[ARRAY_SIZE(dests)];
	struct director_ssh_run r[ARRAY_SIZE(dests)];
	char *with[] = { "lbctl", "conn", "import", "--warn-max", "10", "-",
			 NULL };
	char *without[] = { "lbctl", "conn", "import", "-", NULL };
	size_t inlen = 1 << 20, i;
	char *in = malloc(inlen);
	int64_t t0, took;

	check_begin("director/ssh_fallback_older_lbctl");
	CHECK(in);
	if (!in) {
		check_end();
		return;
	}
	memset(in, 'x', inlen);
	old_runs();
	for (i = 0; i < ARRAY_SIZE(dests); i++) {
		CHECK_INT(start_fake(&r[i], &d[i], dests[i], with, in, inlen),
			  0);
		/* The last "old" has none: its usage error is the answer. */
		if (i < 3)
			CHECK_INT(director_ssh_fallback(&r[i], without), 0);
	}
	t0 = mono_ms();
	director_ssh_wait(r, ARRAY_SIZE(dests), t0 + 1000);
	took = mono_ms() - t0;
	CHECK_MSG(took >= 1000 && took < 2000, "took %" PRId64 " ms", took);
	CHECK_INT(director_ssh_result(&r[0]), -ETIMEDOUT);
	CHECK(!r[0].fell_back);
	CHECK_INT(director_ssh_result(&r[1]), 0);
	CHECK(r[1].fell_back);
	CHECK_STR(r[1].out.buf, "1048576\n");
	/* The first try's usage error is not the answer's. */
	CHECK_STR(r[1].err.buf, "");
	CHECK_INT(director_ssh_result(&r[2]), 2);
	CHECK(!r[2].fell_back);
	CHECK_STR(r[2].out.buf, "out\n");
	CHECK_INT(director_ssh_result(&r[3]), 2);
	CHECK(!r[3].fell_back);
	CHECK_STR(r[3].err.buf,
		  "Error: conn import takes one FILE, or - for stdin\n");
	/* Two tries of the first "old", one of the second. */
	CHECK_INT(old_runs(), 3);
	for (i = 0; i < ARRAY_SIZE(dests); i++)
		director_ssh_free(&r[i]);
	check_end();

	/* A fallback that fails the same way is not tried again. */
	check_begin("director/ssh_fallback_once");
	CHECK_INT(director_ssh_start(&r[0], &d[1], with, in, inlen, 4096,
				     4096), 0);
	CHECK_INT(director_ssh_fallback(&r[0], with), 0);
	director_ssh_wait(r, 1, mono_ms() + 5000);
	CHECK_INT(director_ssh_result(&r[0]), 2);
	CHECK(r[0].fell_back);
	CHECK_INT(old_runs(), 2);
	director_ssh_free(&r[0]);
	free(in);
	check_end();
}

/*
 * ssh and its ProxyCommand start with SIGPIPE as usual, although the
 * agent (and lbctl apply) ignore it: judged by what the kernel says the
 * exec'd "ssh" ignores. SIGINT stays ignored (test_ssh_signals()).
 */
static void test_ssh_sigpipe(void)
{
	struct lb_director d = { .name = "sigign", .ssh = "sigign" };
	char *words[] = { "lbctl", "apply", NULL };
	unsigned long long ign = 0;
	char *out = NULL;

	check_begin("director/ssh_sigpipe_default");
	signal(SIGPIPE, SIG_IGN);
	CHECK_INT(director_ssh(&d, words, "x", 1, &out), 0);
	CHECK_MSG(out && sscanf(out, "SigIgn: %llx", &ign) == 1,
		  "said \"%s\"", out ?: "");
	CHECK_MSG(!(ign & (1ULL << (SIGPIPE - 1))), "SigIgn %#llx", ign);
	CHECK_MSG(ign & (1ULL << (SIGINT - 1)), "SigIgn %#llx", ign);
	free(out);
	check_end();
}

/* "conn import"'s kernel here: each connection refused. */
int lbctl_open(const struct lbctl *ctx, struct genl *g)
{
	(void)ctx;
	memset(g, 0, sizeof(*g));
	return 0;
}

int lb_conn_add(struct genl *g, const struct lb_conn *c)
{
	(void)c;
	snprintf(g->msg, sizeof(g->msg), "no such service");
	return -ENOENT;
}

void genl_close(struct genl *g)
{
	(void)g;
}

#define IMPORT_CONN							\
	"{\"protocol\": \"tcp\", \"state\": \"established\", "		\
	"\"forward\": \"dr\", "						\
	"\"client\": {\"address\": \"198.51.100.2\", \"port\": %d}, "	\
	"\"virtual\": {\"address\": \"203.0.113.10\", \"port\": 80}, "	\
	"\"real\": {\"address\": \"198.19.0.11\", \"port\": 80}}"

/*
 * "conn import"'s arguments: --warn-max N before or after FILE (judged by
 * the refusals listed: 1 of 3, then the line that says so), and each
 * wrong one refused with its reason before anything is read.
 */
static void test_conn_import_args(void)
{
	char path[128], out[512], *argv[6];
	size_t i;
	FILE *f;
	static const struct {
		const char *a, *b, *c, *said;
	} bad[] = {
		{ "--warn-max", NULL, NULL,
		  "Error: option \"--warn-max\" needs a number\n" },
		{ "--warn-max", "x", "-", "Error: --warn-max \"x\" is not a decimal" },
		{ "-", "-", NULL,
		  "Error: argument \"-\" is wrong: only one FILE may be given\n" },
		{ "--warn", "-", NULL, "Error: argument \"--warn\" is wrong: \"conn import\" takes [--warn-max N] and one FILE" },
		{ NULL, NULL, NULL,
		  "Error: argument \"FILE\" is required (- for stdin)\n" },
	};

	check_begin("conn_import/warn_max_anywhere");
	snprintf(path, sizeof(path), "%s/conns.json", dir);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fprintf(f, "[" IMPORT_CONN ", " IMPORT_CONN ", " IMPORT_CONN "]",
			1, 2, 3);
		fclose(f);
	}
	for (i = 0; i < 2; i++) {
		argv[0] = "import";
		argv[1 + i] = "--warn-max";
		argv[2 + i] = "1";
		argv[i ? 1 : 3] = path;
		argv[4] = NULL;
		CHECK_INT(run_cmd(cmd_conn_import, argv, out, sizeof(out)),
			  LBCTL_EXIT_FAIL);
		CHECK_STR(out, "0 added, 0 already present, 3 refused, 0 not tried, 0 skipped, 0 half-open, 0 templates left out\n");
		CHECK_STR(said, "Warning: [0] tcp 198.51.100.2:1 -> 203.0.113.10:80: no such service\n"
			  "Warning: more connections refused: not listed\n");
	}
	check_end();

	check_begin("conn_import/wrong_args");
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		argv[0] = "import";
		argv[1] = (char *)bad[i].a;
		argv[2] = (char *)bad[i].b;
		argv[3] = (char *)bad[i].c;
		argv[4] = NULL;
		CHECK_INT(run_cmd(cmd_conn_import, argv, out, sizeof(out)),
			  LBCTL_EXIT_USAGE);
		CHECK_MSG(!strncmp(said, bad[i].said, strlen(bad[i].said)),
			  "[%zu] said \"%s\"", i, said);
		CHECK_STR(out, "");
	}
	check_end();
}

/* A peer's output in the agent's log: one line, printable, bounded. */
static void test_escape(void)
{
	char buf[16], big[32];

	check_begin("util/escape");
	CHECK_STR(lb_escape(buf, sizeof(buf), "ok 1", 4), "ok 1");
	CHECK_STR(lb_escape(big, sizeof(big), "a\nb\\\033\0", 6),
		  "a\\x0ab\\\\\\x1b\\x00");
	CHECK_STR(lb_escape(buf, sizeof(buf), "0123456789abcdef", 16),
		  "0123456789ab...");
	CHECK_STR(lb_escape(buf, sizeof(buf), "0123456789abcde", 15),
		  "0123456789abcde");
	CHECK_STR(lb_escape(buf, sizeof(buf), "0123456789a\n", 12),
		  "0123456789a\\x0a");
	CHECK_STR(lb_escape(buf, sizeof(buf), "0123456789ab\n", 13),
		  "0123456789ab...");
	check_end();
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_director.XXXXXX");
	if (!mkdtemp(dir)) {
		printf("FAIL director/tmpdir: %s\n", strerror(errno));
		return 1;
	}
	test_lock();
	test_ssh_argv();
	test_ssh_signals();
	test_ssh_no_leak();
	test_ssh_exchange();
	test_ssh_fallback();
	test_ssh_sigpipe();
	test_conn_import_args();
	test_escape();
	test_check();
	{
		char cmd[96];

		snprintf(cmd, sizeof(cmd), "rm -rf -- %s", dir);
		if (system(cmd))
			printf("FAIL director/cleanup\n");
	}
	return check_done();
}
