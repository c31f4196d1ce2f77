// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of lbctl/cluster/director.c: the apply lock of a director's
 * namespace, judged by a second open of the same file (flock conflicts
 * between two open file descriptions, even in one process); the ssh
 * command line, judged by a real sh parsing the remote part as sshd's
 * shell does; "lbctl check FILE", with no kernel: its exit codes and
 * what it says.
 */
#define _GNU_SOURCE		/* mkdtemp() */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include "check.h"
#include "director.h"
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

static void test_lock(void)
{
	struct lb_director lb1 = { .name = "lb1", .netns = "lb1" };
	struct lb_director lb2 = { .name = "lb2", .netns = "lb2" };
	struct lb_director here = { .name = "lb0" };
	char sub[128], path[160];
	int fd1 = -1, fd2 = -1, fd3 = -1, fd4 = -1;

	check_begin("director/lock");
	snprintf(sub, sizeof(sub), "%s/run", dir);
	snprintf(path, sizeof(path), "%s/apply-lb1.lock", sub);
	/* The directory is made; the lock is held until the fd is closed. */
	CHECK_INT(director_lock(&lb1, sub, &fd1), LBCTL_EXIT_OK);
	CHECK(fd1 >= 0);
	CHECK(!lock_free(path));
	/* A second apply of the same namespace is refused, and says why. */
	stderr_begin();
	CHECK_INT(director_lock(&lb1, sub, &fd2), LBCTL_EXIT_FAIL);
	stderr_end();
	CHECK_INT(fd2, -1);
	CHECK(strstr(said, "Error: lb1: another \"lbctl apply\" is changing this director (it holds ") != NULL);
	CHECK(strstr(said, "/run/apply-lb1.lock): nothing was changed") != NULL);
	/* Another namespace, and lbctl's own, have their own locks. */
	CHECK_INT(director_lock(&lb2, sub, &fd3), LBCTL_EXIT_OK);
	CHECK_INT(director_lock(&here, sub, &fd4), LBCTL_EXIT_OK);
	snprintf(path, sizeof(path), "%s/apply.lock", sub);
	CHECK(!lock_free(path));
	/* Released when the first apply ends. */
	close(fd1);
	CHECK_INT(director_lock(&lb1, sub, &fd2), LBCTL_EXIT_OK);
	close(fd2);
	close(fd3);
	close(fd4);
	check_end();

	check_begin("director/lock_error");
	snprintf(sub, sizeof(sub), "%s/run/apply-lb1.lock/x", dir);
	stderr_begin();
	CHECK_INT(director_lock(&lb1, sub, &fd1), LBCTL_EXIT_FAIL);
	stderr_end();
	CHECK(strstr(said, "Error: lb1: cannot make ") != NULL);
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

/* cmd_check(words): its exit code; what it printed in said/out. */
static int check_cmd(const char *file, const char *more, char *out, size_t len)
{
	struct lbctl ctx = { 0 };
	char *argv[] = { "check", (char *)file, (char *)more, NULL };
	int argc = !file ? 1 : !more ? 2 : 3, ret, fd, saved;
	char path[96];
	ssize_t n;

	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	snprintf(path, sizeof(path), "%s/stdout", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	dup2(fd, STDOUT_FILENO);
	stderr_begin();
	ret = cmd_check(&ctx, argc, argv);
	stderr_end();
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	n = pread(fd, out, len - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	return ret;
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

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_director.XXXXXX");
	if (!mkdtemp(dir)) {
		printf("FAIL director/tmpdir: %s\n", strerror(errno));
		return 1;
	}
	test_lock();
	test_ssh_argv();
	test_check();
	{
		char cmd[96];

		snprintf(cmd, sizeof(cmd), "rm -rf -- %s", dir);
		if (system(cmd))
			printf("FAIL director/cleanup\n");
	}
	return check_done();
}
