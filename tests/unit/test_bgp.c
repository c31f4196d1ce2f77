// SPDX-License-Identifier: GPL-2.0
/*
 * A director's "bgp" key (cluster/bgp.c): each bad value with its exact
 * error, the good ones with what they parse into; and the BIRD
 * configuration made of them (agent/bird.c) against golden files, which
 * BIRD itself must accept ("bird -p": parse only). Without bird this
 * test fails: the configuration would be unchecked.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "bird.h"
#include "cluster.h"

/* One director on line 2, whose "bgp" is B; a service on line 3. */
#define FILE_OF(b)							\
	"{ \"schema_version\": 1, \"directors\": [\n"			\
	"  { \"name\": \"lb1\", \"bgp\": " b " } ],\n"			\
	"  \"services\": [ { \"protocol\": \"tcp\", \"vip\": \"203.0.113.10\", \"port\": 80 } ] }\n"

#define NB1 "{ \"address\": \"198.18.0.1\", \"as\": 65000 }"
#define BGP(nbs) "{ \"local_as\": 65001, \"router_id\": \"198.18.0.11\", \"neighbors\": [" nbs "] }"

static const struct {
	const char *name, *bgp, *err;
} rows[] = {
	{ "valid", BGP(NB1), NULL },
	{ "valid_all_keys", BGP("{ \"address\": \"198.18.0.1\", \"as\": 4294967295, \"hold_time\": 3, \"bfd\": true }"), NULL },
	{ "valid_hold_0", BGP("{ \"address\": \"198.18.0.1\", \"as\": 1, \"hold_time\": 0 }"), NULL },
	{ "not_object", "[]",
	  "t.json:2:27: directors[0].bgp: expected an object, not an array" },
	{ "unknown_key", "{ \"local_as\": 65001, \"routerid\": \"1.2.3.4\" }",
	  "t.json:2:48: directors[0].bgp.routerid: unknown key; expected local_as, router_id or neighbors" },
	{ "missing_local_as", "{ \"router_id\": \"198.18.0.11\", \"neighbors\": [" NB1 "] }",
	  "t.json:2:27: directors[0].bgp: \"local_as\" is missing" },
	{ "missing_neighbors", "{ \"local_as\": 65001, \"router_id\": \"198.18.0.11\" }",
	  "t.json:2:27: directors[0].bgp: \"neighbors\" is missing" },
	{ "no_neighbor", BGP(""),
	  "t.json:2:89: directors[0].bgp.neighbors: bgp has no neighbor to announce the VIPs to" },
	{ "as_0", "{ \"local_as\": 0, \"router_id\": \"198.18.0.11\", \"neighbors\": [" NB1 "] }",
	  "t.json:2:41: directors[0].bgp.local_as: AS number 0 is out of range 1-4294967295" },
	{ "as_too_big", BGP("{ \"address\": \"198.18.0.1\", \"as\": 4294967296 }"),
	  "t.json:2:123: directors[0].bgp.neighbors[0].as: AS number 4294967296 is out of range 1-4294967295" },
	{ "as_string", "{ \"local_as\": \"65001\", \"router_id\": \"198.18.0.11\", \"neighbors\": [" NB1 "] }",
	  "t.json:2:41: directors[0].bgp.local_as: expected an integer, not a string" },
	{ "router_id_v6", "{ \"local_as\": 65001, \"router_id\": \"2001:db8::1\", \"neighbors\": [" NB1 "] }",
	  "t.json:2:61: directors[0].bgp.router_id: router_id 2001:db8::1 is not an IPv4 address: BGP's router id is 32 bits, written as IPv4 even with IPv6 neighbors" },
	{ "valid_v6", BGP("{ \"address\": \"2001:db8::1\", \"as\": 65000 }, " NB1), NULL },
	{ "neighbor_v6_link_local", BGP("{ \"address\": \"fe80::1\", \"as\": 65000 }"),
	  "t.json:2:103: directors[0].bgp.neighbors[0].address: neighbor address fe80::1 is link-local: a session to it needs an interface; give the neighbor's global address" },
	{ "neighbor_v6_multicast", BGP("{ \"address\": \"ff02::2\", \"as\": 65000 }"),
	  "t.json:2:103: directors[0].bgp.neighbors[0].address: neighbor address ff02::2 is not a unicast address" },
	{ "neighbor_v4_mapped", BGP("{ \"address\": \"::ffff:198.18.0.1\", \"as\": 65000 }"),
	  "t.json:2:103: directors[0].bgp.neighbors[0].address: neighbor address ::ffff:198.18.0.1 is not a unicast address (write an IPv4 neighbor as IPv4)" },
	{ "neighbor_v6_twice", BGP("{ \"address\": \"2001:db8::1\", \"as\": 1 }, { \"address\": \"2001:DB8:0::1\", \"as\": 2 }"),
	  "t.json:2:142: directors[0].bgp.neighbors[1].address: neighbor 2001:db8::1 is also neighbors[0]" },
	{ "router_id_zero", "{ \"local_as\": 65001, \"router_id\": \"0.0.0.0\", \"neighbors\": [" NB1 "] }",
	  "t.json:2:61: directors[0].bgp.router_id: router_id 0.0.0.0 is not a unicast address" },
	{ "router_id_bad", "{ \"local_as\": 65001, \"router_id\": \"198.18.0\", \"neighbors\": [" NB1 "] }",
	  NULL /* parse_addr's own words: checked to be an error only */ },
	{ "neighbor_multicast", BGP("{ \"address\": \"224.0.0.1\", \"as\": 65000 }"),
	  "t.json:2:103: directors[0].bgp.neighbors[0].address: neighbor address 224.0.0.1 is not a unicast address" },
	{ "neighbor_missing_as", BGP("{ \"address\": \"198.18.0.1\" }"),
	  "t.json:2:90: directors[0].bgp.neighbors[0]: \"as\" is missing" },
	{ "neighbor_unknown_key", BGP("{ \"address\": \"198.18.0.1\", \"as\": 1, \"holdtime\": 3 }"),
	  "t.json:2:126: directors[0].bgp.neighbors[0].holdtime: unknown key; expected address, as, hold_time or bfd" },
	{ "hold_time_1", BGP("{ \"address\": \"198.18.0.1\", \"as\": 1, \"hold_time\": 2 }"),
	  "t.json:2:139: directors[0].bgp.neighbors[0].hold_time: hold_time 2 is neither 0 nor at least 3 seconds (RFC 4271)" },
	{ "hold_time_big", BGP("{ \"address\": \"198.18.0.1\", \"as\": 1, \"hold_time\": 65536 }"),
	  "t.json:2:139: directors[0].bgp.neighbors[0].hold_time: hold_time 65536 is out of range 0-65535" },
	{ "bfd_string", BGP("{ \"address\": \"198.18.0.1\", \"as\": 1, \"bfd\": \"yes\" }"),
	  "t.json:2:133: directors[0].bgp.neighbors[0].bfd: expected true or false, not a string" },
	{ "neighbor_twice", BGP(NB1 ", " NB1),
	  "t.json:2:145: directors[0].bgp.neighbors[1].address: neighbor 198.18.0.1 is also neighbors[0]" },
};

static char *file_of(const char *bgp)
{
	static const char fmt[] = FILE_OF("%s");
	char *s;

	if (asprintf(&s, fmt, bgp) < 0)
		abort();
	return s;
}

static void test_rows(void)
{
	struct lb_cluster c;
	char err[512], *text;
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		check_begin("bgp/%s", rows[i].name);
		text = file_of(rows[i].bgp);
		err[0] = '\0';
		ret = cluster_parse(text, strlen(text), "t.json", &c, err,
				    sizeof(err));
		if (!strncmp(rows[i].name, "valid", 5)) {
			CHECK_MSG(!ret, "failed: %s", err);
			if (!ret) {
				CHECK(c.directors.v[0].bgp.present);
				cluster_free(&c);
			}
		} else {
			CHECK_INT(ret, -EINVAL);
			if (rows[i].err)
				CHECK_STR(err, rows[i].err);
			else
				CHECK_MSG(strstr(err, "directors[0].bgp.router_id: "),
					  "%s", err);
			CHECK_INT(c.directors.n + c.services.n, 0);
		}
		free(text);
		check_end();
	}
}

/* What a valid "bgp" parses into; none is no announcement. */
static void test_parsed(void)
{
	char *text = file_of(BGP(NB1 ", { \"address\": \"198.18.0.2\", \"as\": 65002, \"hold_time\": 9, \"bfd\": true }"));
	const char *none = "{ \"schema_version\": 1, \"directors\": [ { \"name\": \"a\" } ], \"services\": [] }";
	const struct lb_bgp *b;
	struct lb_cluster c;
	char err[512];

	check_begin("bgp/parsed");
	CHECK_INT(cluster_parse(text, strlen(text), "t.json", &c, err,
				sizeof(err)), 0);
	if (!check.bad) {
		b = &c.directors.v[0].bgp;
		CHECK(b->present);
		CHECK_INT(b->local_as, 65001);
		CHECK_STR(inet_ntoa(b->router_id), "198.18.0.11");
		CHECK_INT(b->neighbors.n, 2);
		CHECK_INT(b->neighbors.v[0].hold_time, LB_BGP_HOLD_DEFAULT);
		CHECK(!b->neighbors.v[0].bfd);
		CHECK_INT(b->neighbors.v[1].addr.family, AF_INET);
		CHECK_STR(inet_ntoa(b->neighbors.v[1].addr.v4), "198.18.0.2");
		CHECK_INT(b->neighbors.v[1].as, 65002);
		CHECK_INT(b->neighbors.v[1].hold_time, 9);
		CHECK(b->neighbors.v[1].bfd);
		cluster_free(&c);
	}
	CHECK_INT(cluster_parse(none, strlen(none), "t.json", &c, err,
				sizeof(err)), 0);
	if (!check.bad) {
		CHECK(!c.directors.v[0].bgp.present);
		cluster_free(&c);
	}
	free(text);
	check_end();
}

/* The text of path, or NULL. */
static char *slurp(const char *path)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return NULL;
	if (getdelim(&s, &len, '\0', f) < 0) {
		free(s);
		s = NULL;
	}
	fclose(f);
	return s;
}

/* "bird -p -c path": 0 if bird parses it; its words on stderr. */
static int bird_parses(const char *path)
{
	pid_t pid = fork();
	int status;

	if (!pid) {
		execlp("bird", "bird", "-p", "-c", path, (char *)NULL);
		fprintf(stderr, "cannot run bird: %m (install Debian's bird2: make deps)\n");
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static const struct {
	const char *name;	/* GOLDEN_DIR/bird_NAME.conf */
	const char *bgp;
	struct { const char *vip; bool up; } vips[3];
} confs[] = {
	{ "one", BGP("{ \"address\": \"198.18.0.1\", \"as\": 65000, \"hold_time\": 3 }"),
	  { { "203.0.113.10", true } } },
	{ "bfd", "{ \"local_as\": 4200000001, \"router_id\": \"192.0.2.1\", \"neighbors\": ["
		 "{ \"address\": \"192.0.2.254\", \"as\": 64512, \"bfd\": true }, "
		 "{ \"address\": \"192.0.2.253\", \"as\": 64512, \"hold_time\": 0 }] }",
	  { { "203.0.113.10", true }, { "203.0.113.11", false },
	    { "198.51.100.7", true } } },
	/* a session per family, each exporting its own family's VIPs */
	{ "dual", BGP("{ \"address\": \"198.18.0.1\", \"as\": 65000 }, "
		      "{ \"address\": \"2001:db8::1\", \"as\": 65000, \"hold_time\": 3 }"),
	  { { "203.0.113.10", true }, { "2001:db8:113::10", true },
	    { "2001:db8:113::11", false } } },
	/* IPv6 VIPs whose inet_ntop text ends dotted ("::1.2.3.4" for
	 * ::102:304): a name of their own, not ::1:2:3:4's */
	{ "v6names", BGP("{ \"address\": \"2001:db8::1\", \"as\": 65000 }"),
	  { { "::102:304", true }, { "::1:2:3:4", true },
	    { "::ffff:1.2.3.4", false } } },
};

/* s (a valid address) as an lb_addr */
static struct lb_addr addr_of(const char *s)
{
	struct lb_addr a;
	char err[128];

	if (parse_addr(s, &a, err, sizeof(err)))
		abort();
	return a;
}

static void test_conf(void)
{
	char err[512], out[] = "/tmp/lbctl-test-bird-XXXXXX", golden[512];
	char *text, *got, *want;
	struct lb_cluster c;
	struct bird b;
	struct lb_addr a;
	size_t i, k;
	FILE *f;
	int fd;

	for (i = 0; i < ARRAY_SIZE(confs); i++) {
		check_begin("bird/conf_%s", confs[i].name);
		text = file_of(confs[i].bgp);
		CHECK_INT(cluster_parse(text, strlen(text), "t.json", &c, err,
					sizeof(err)), 0);
		free(text);
		if (check.bad) {
			check_end();
			continue;
		}
		memset(&b, 0, sizeof(b));
		snprintf(b.name, sizeof(b.name), "lb1");
		b.bgp = &c.directors.v[0].bgp;
		for (k = 0; k < 3 && confs[i].vips[k].vip; k++) {
			a = addr_of(confs[i].vips[k].vip);
			CHECK_INT(bird_vip(&b, &a, confs[i].vips[k].up), 0);
		}
		strcpy(out, "/tmp/lbctl-test-bird-XXXXXX");
		fd = mkstemp(out);
		f = fd >= 0 ? fdopen(fd, "w") : NULL;
		CHECK(f);
		if (f) {
			CHECK_INT(bird_conf_write(&b, f), 0);
			fclose(f);
			snprintf(golden, sizeof(golden), "%s/bird_%s.conf",
				 GOLDEN_DIR, confs[i].name);
			got = slurp(out);
			want = slurp(golden);
			CHECK_MSG(want, "cannot read %s", golden);
			if (got && want)
				CHECK_STR(got, want);
			/* BIRD's own parser has the last word. */
			CHECK_INT(bird_parses(out), 0);
			free(got);
			free(want);
			unlink(out);
		}
		bird_free(&b);
		cluster_free(&c);
		check_end();
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* bird's answer to cmd once it listens (5 s at most), or -errno. */
static int ctl_when_up(const struct bird *b, const char *cmd)
{
	int64_t end = now_ms() + 5000;
	char err[256];
	int ret;

	while ((ret = bird_ctl(b->sock, cmd, err, sizeof(err))) < 0 &&
	       ret != -EPROTO && now_ms() < end)
		usleep(20000);
	return ret;
}

/* Exited, or a zombie that nobody reaped (this test's orphans'). */
static bool gone(pid_t pid)
{
	char path[64], st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return true;
	if (fscanf(f, "%*d %*s %c", &st) != 1)
		st = 0;
	fclose(f);
	return st == 'Z';
}

/*
 * A real bird (no neighbor answers: the sessions only try): its
 * directory owner-only, a VIP withdrawn and announced through the
 * control socket, bird killed and started again after its backoff with
 * the VIP as it was, bird missing, bird stopped, and bird dying with a
 * process that is SIGKILLed.
 */
static void test_process(void)
{
	char tmp[] = "/tmp/lbctl-test-birdrun-XXXXXX", dir[128], err[256];
	char *text = file_of(BGP(NB1));
	const char *vip = "vip_203_0_113_10";
	struct lb_cluster c;
	struct stat st;
	struct lb_addr a = addr_of("203.0.113.10");
	struct bird b;
	int64_t t;
	pid_t pid, child;
	int pfd[2];

	check_begin("bird/process");
	CHECK(mkdtemp(tmp));
	snprintf(dir, sizeof(dir), "%s/lb1", tmp);
	CHECK_INT(cluster_parse(text, strlen(text), "t.json", &c, err,
				sizeof(err)), 0);
	free(text);
	if (check.bad) {
		check_end();
		return;
	}
	CHECK_INT(bird_init(&b, "lb1", &c.directors.v[0].bgp, dir), 0);
	CHECK(!stat(dir, &st) && (st.st_mode & 0777) == 0700);
	CHECK_INT(bird_vip(&b, &a, true), 0);
	CHECK_MSG(!bird_run(&b), "%s", b.err);
	/* up as configured: "enable" finds it enabled (10) */
	CHECK_INT(ctl_when_up(&b, "enable vip_203_0_113_10"), 10);
	CHECK(!stat(b.conf, &st) && (st.st_mode & 0777) == 0600);

	/* withdrawn by the supervisor: bird has it disabled (8: already) */
	CHECK_INT(bird_vip(&b, &a, false), 0);
	CHECK_INT(bird_supervise(&b, now_ms()), 0);
	CHECK(b.vips.v[0].sent);
	CHECK_INT(bird_ctl(b.sock, "disable vip_203_0_113_10", err,
			   sizeof(err)), 8);
	CHECK_INT(bird_ctl(b.sock, "disable nosuch", err, sizeof(err)),
		  -EPROTO);
	(void)vip;

	/* killed: noticed, started again after 1 s, the VIP still down */
	pid = b.pid;
	kill(pid, SIGKILL);
	t = now_ms() + 5000;
	while (!bird_supervise(&b, now_ms()) && now_ms() < t)
		usleep(10000);
	CHECK_STR(b.err, "bird died of signal 9");
	CHECK_INT(b.pid, 0);
	t = b.next_start_ms;
	CHECK_INT(bird_supervise(&b, t - 1), 0);
	CHECK_INT(b.pid, 0);
	CHECK_INT(bird_supervise(&b, t), 0);
	CHECK(b.pid > 0 && b.pid != pid);
	CHECK_INT(ctl_when_up(&b, "disable vip_203_0_113_10"), 8);
	/* killed again soon: the backoff doubles */
	kill(b.pid, SIGKILL);
	t = now_ms();
	while (!bird_supervise(&b, now_ms()) && now_ms() < t + 5000)
		usleep(10000);
	CHECK(b.next_start_ms - now_ms() > 1000);
	CHECK(b.next_start_ms - now_ms() <= 2000);

	/* stopped: reaped, its files gone */
	CHECK_INT(bird_supervise(&b, b.next_start_ms), 0);
	pid = b.pid;
	bird_kill(&b);
	CHECK_INT(b.pid, 0);
	CHECK(gone(pid));
	CHECK(access(b.conf, F_OK) && access(b.sock, F_OK));
	CHECK(access(dir, F_OK));
	CHECK(!mkdir(dir, 0700));

	/* missing: said at once, with the package to install */
	b.program = "/nonexistent/bird";
	CHECK_INT(bird_run(&b), -ENOENT);
	CHECK_STR(b.err, "cannot run /nonexistent/bird: No such file or directory (install Debian's bird2)");
	b.program = "bird";

	/* a process that runs bird and is SIGKILLed takes bird with it */
	CHECK(!pipe(pfd));
	child = fork();
	if (!child) {
		if (bird_run(&b))
			_exit(1);
		if (write(pfd[1], &b.pid, sizeof(b.pid)) != sizeof(b.pid))
			_exit(1);
		pause();
		_exit(0);
	}
	pid = 0;
	CHECK_INT(read(pfd[0], &pid, sizeof(pid)), (ssize_t)sizeof(pid));
	close(pfd[0]);
	close(pfd[1]);
	CHECK(pid > 0 && !gone(pid));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	t = now_ms() + 5000;
	while (pid > 0 && !gone(pid) && now_ms() < t)
		usleep(10000);
	CHECK_MSG(pid > 0 && gone(pid), "bird %d outlived its parent", (int)pid);

	bird_kill(&b);
	bird_free(&b);
	cluster_free(&c);
	rmdir(dir);
	rmdir(tmp);
	check_end();
}

int main(void)
{
	test_rows();
	test_parsed();
	test_conf();
	test_process();
	return check_done();
}
