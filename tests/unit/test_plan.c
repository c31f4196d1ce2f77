// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of lbctl/plan.c: the steps from a director's state to a cluster
 * file's, in their order, their undo, and a run that fails half way
 * against a pretend kernel. Both states are written as cluster files of
 * one director (cluster_want() makes them snapshots), the plans compared
 * as the lines "lbctl apply --dry-run" prints.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "check.h"
#include "cluster.h"
#include "plan.h"

/* A cluster file of one director "d" with these LIPs, config, services. */
#define STATE(lips, config, services)					\
	"{ \"schema_version\": 1, \"directors\": [ { \"name\": \"d\", "	\
	"\"local_addresses\": [" lips "]" config " } ], "		\
	"\"services\": [" services "] }"

#define WEB(rs)	"{ \"protocol\": \"tcp\", \"vip\": \"203.0.113.10\", \"port\": 80, \"scheduler\": \"wrr\", \"real_servers\": [" rs "] }"
#define ALT	"{ \"protocol\": \"tcp\", \"vip\": \"203.0.113.10\", \"port\": 8081, \"scheduler\": \"rr\", \"real_servers\": [" RS3 "] }"
#define ALT2(rs) "{ \"protocol\": \"tcp\", \"vip\": \"203.0.113.10\", \"port\": 8081, \"scheduler\": \"rr\", \"real_servers\": [" rs "] }"
#define RS(n, w) "{ \"address\": \"10.30.0.1" #n "\", \"port\": 8080, \"weight\": " #w " }"
#define RS3	RS(3, 1)
#define CFG(c)	", \"config\": { " c " }"
/* What the kernel reports: every key. */
#define KCFG	CFG("\"conn_max\": 1048576, \"port_range\": { \"min\": 1024, \"max\": 65535 }, \"expire_nodest\": false, \"timeout\": { \"tcp\": { \"established\": 900, \"close\": 10 }, \"udp\": 300 }")

struct state {
	struct lb_cluster c;
	struct lb_snapshot s;
};

static int load(const char *text, struct state *st)
{
	char err[512];

	if (cluster_parse(text, strlen(text), "t.json", &st->c, err,
			  sizeof(err))) {
		CHECK_MSG(0, "%s", err);
		return -EINVAL;
	}
	return cluster_want(&st->c, &st->c.directors.v[0], &st->s);
}

static void unload(struct state *st)
{
	cluster_want_free(&st->c.directors.v[0], &st->s);
	cluster_free(&st->c);
}

/* The plan's lines, each ending in "\n". */
static void lines(const struct lb_plan *plan, char *out, size_t len)
{
	char line[512];
	size_t i, off = 0;

	out[0] = '\0';
	for (i = 0; i < plan->n && off < len; i++) {
		lb_step_format(&plan->v[i], line, sizeof(line));
		off += (size_t)snprintf(out + off, len - off, "%s\n", line);
	}
}

static const struct {
	const char *name;
	const char *cur, *want;
	const char *plan;
} rows[] = {
	{ "same", STATE("\"10.20.0.1-10.20.0.2\"", KCFG, WEB(RS(1, 1))),
	  STATE("\"10.20.0.2\", \"10.20.0.1\"", CFG("\"timeout\": { \"tcp\": { \"established\": 900 } }"),
		WEB(RS(1, 1))),
	  "" },
	{ "from_nothing", STATE("", KCFG, ""),
	  STATE("\"10.20.0.1\"", CFG("\"timeout\": { \"tcp\": { \"established\": 600 } }"),
		WEB(RS(1, 2) "," RS(2, 1))),
	  "config set timeout tcp established 600  (was timeout tcp established 900)\n"
	  "laddr add 10.20.0.1\n"
	  "service add tcp 203.0.113.10:80 forward fullnat scheduler wrr toa on scheduler_port off scheduler_table 65537 persistence 0 netmask 32\n"
	  "rs add tcp 203.0.113.10:80 10.30.0.11:8080 weight 2\n"
	  "rs add tcp 203.0.113.10:80 10.30.0.12:8080 weight 1\n" },
	{ "the_edit", STATE("\"10.20.0.1\"", KCFG, WEB(RS(1, 1) "," RS(2, 1)) "," ALT),
	  STATE("\"10.20.0.1\", \"10.20.0.5\"", "", WEB(RS(1, 2) "," RS(2, 1) "," RS3)),
	  "laddr add 10.20.0.5\n"
	  "rs add tcp 203.0.113.10:80 10.30.0.13:8080 weight 1\n"
	  "rs set tcp 203.0.113.10:80 10.30.0.11:8080 weight 2  (was weight 1)\n"
	  "service del tcp 203.0.113.10:8081\n" },
	{ "adds_before_dels", STATE("", "", WEB(RS(1, 1) "," RS(2, 1))),
	  STATE("", "", WEB(RS(3, 1) "," RS(4, 1))),
	  "rs add tcp 203.0.113.10:80 10.30.0.13:8080 weight 1\n"
	  "rs add tcp 203.0.113.10:80 10.30.0.14:8080 weight 1\n"
	  "rs del tcp 203.0.113.10:80 10.30.0.11:8080\n"
	  "rs del tcp 203.0.113.10:80 10.30.0.12:8080\n" },
	/* every service's adds before any service's dels: a refused add
	 * must not undo a del whose connections are already gone */
	{ "dels_after_every_add",
	  STATE("", "", WEB(RS(1, 1)) "," ALT2(RS3)),
	  STATE("", "", WEB(RS(2, 1)) "," ALT2(RS(4, 1))),
	  "rs add tcp 203.0.113.10:80 10.30.0.12:8080 weight 1\n"
	  "rs add tcp 203.0.113.10:8081 10.30.0.14:8080 weight 1\n"
	  "rs del tcp 203.0.113.10:80 10.30.0.11:8080\n"
	  "rs del tcp 203.0.113.10:8081 10.30.0.13:8080\n" },
	{ "service_set", STATE("", "", WEB("")),
	  STATE("", "", "{ \"protocol\": \"tcp\", \"vip\": \"203.0.113.10\", \"port\": 80, \"scheduler\": \"rr\", \"toa\": false }"),
	  "service set tcp 203.0.113.10:80 scheduler rr toa off  (was scheduler wrr toa on)\n" },
	{ "laddrs_last", STATE("\"10.20.0.1-10.20.0.3\"", "", ""),
	  STATE("\"10.20.0.2\"", "", ALT),
	  "service add tcp 203.0.113.10:8081 forward fullnat scheduler rr toa on scheduler_port off scheduler_table 65537 persistence 0 netmask 32\n"
	  "rs add tcp 203.0.113.10:8081 10.30.0.13:8080 weight 1\n"
	  "laddr del 10.20.0.1\n"
	  "laddr del 10.20.0.3\n" },
	/* the kernel refuses a LIP that is a VIP: the old one goes first */
	{ "vip_becomes_lip", STATE("\"10.20.0.1\"", "",
			"{ \"protocol\": \"tcp\", \"vip\": \"10.20.0.9\", \"port\": 80 }"),
	  STATE("\"10.20.0.1\", \"10.20.0.9\"", "", ""),
	  "service del tcp 10.20.0.9:80\n"
	  "laddr add 10.20.0.9\n" },
	{ "lip_becomes_vip", STATE("\"10.20.0.1\", \"10.20.0.9\"", "", ""),
	  STATE("\"10.20.0.1\"", "",
		"{ \"protocol\": \"tcp\", \"vip\": \"10.20.0.9\", \"port\": 80, \"real_servers\": [" RS3 "] }"),
	  "laddr del 10.20.0.9\n"
	  "service add tcp 10.20.0.9:80 forward fullnat scheduler wlc toa on scheduler_port off scheduler_table 65537 persistence 0 netmask 32\n"
	  "rs add tcp 10.20.0.9:80 10.30.0.13:8080 weight 1\n" },
	{ "config_some_keys", STATE("", KCFG, ""),
	  STATE("", CFG("\"conn_max\": 1048576, \"port_range\": { \"min\": 2000, \"max\": 3000 }, \"expire_nodest\": true"), ""),
	  "config set port_range 2000-3000 expire_nodest on  (was port_range 1024-65535 expire_nodest off)\n" },
	{ "everything_goes", STATE("\"10.20.0.1\"", KCFG, WEB(RS(1, 1)) "," ALT),
	  STATE("", "", ""),
	  "service del tcp 203.0.113.10:80\n"
	  "service del tcp 203.0.113.10:8081\n"
	  "laddr del 10.20.0.1\n" },
};

static void test_plans(void)
{
	struct state cur, want;
	struct lb_plan plan;
	char out[2048];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		check_begin("lb_plan_make/%s", rows[i].name);
		if (!load(rows[i].cur, &cur)) {
			if (!load(rows[i].want, &want)) {
				CHECK_INT(lb_plan_make(&cur.s, &want.s, &plan),
					  0);
				lines(&plan, out, sizeof(out));
				CHECK_STR(out, rows[i].plan);
				lb_list_free(&plan);
				unload(&want);
			}
			unload(&cur);
		}
		check_end();
	}
}

/* The plan of "the_edit" undone step by step: each step's inverse. */
static void test_undo(void)
{
	static const char *const expected =
		"laddr del 10.20.0.5\n"
		"rs del tcp 203.0.113.10:80 10.30.0.13:8080\n"
		"rs set tcp 203.0.113.10:80 10.30.0.11:8080 weight 1  (was weight 2)\n"
		"service add tcp 203.0.113.10:8081 forward fullnat scheduler rr toa on scheduler_port off scheduler_table 65537 persistence 0 netmask 32\n"
		"rs add tcp 203.0.113.10:8081 10.30.0.13:8080 weight 1\n"
		"config set timeout tcp established 900  (was timeout tcp established 600)\n"
		"service del tcp 203.0.113.10:80\n"
		"service set tcp 203.0.113.10:80 scheduler wrr  (was scheduler rr)\n";
	struct lb_plan plan, undo = { 0 };
	struct lb_step s;
	struct state cur, want;
	char out[2048];
	size_t i;

	check_begin("lb_step_undo/each");
	if (load(rows[2].cur, &cur) || load(rows[2].want, &want)) {
		check_end();
		return;
	}
	CHECK_INT(lb_plan_make(&cur.s, &want.s, &plan), 0);
	for (i = 0; i < plan.n; i++)
		CHECK_INT(lb_step_undo(&plan.v[i], &undo), 0);
	/* A config set, a service add and a service set, by hand. */
	memset(&s, 0, sizeof(s));
	s.op = LB_STEP_CONFIG_SET;
	s.cfg.present = s.old_cfg.present = LB_CFG_TIMEOUT(FULLNAT_TCP_S_ESTABLISHED);
	s.cfg.timeout[FULLNAT_TCP_S_ESTABLISHED] = 600;
	s.old_cfg.timeout[FULLNAT_TCP_S_ESTABLISHED] = 900;
	CHECK_INT(lb_step_undo(&s, &undo), 0);
	s = plan.v[1];
	s.op = LB_STEP_SVC_ADD;
	CHECK_INT(lb_step_undo(&s, &undo), 0);
	s.op = LB_STEP_SVC_SET;
	lb_service_init(&s.svc);
	lb_service_init(&s.old_svc);
	s.svc.addr = s.old_svc.addr = plan.v[1].svc.addr;
	s.svc.port = s.old_svc.port = 80;
	strcpy(s.svc.sched, "rr");
	strcpy(s.old_svc.sched, "wrr");
	CHECK_INT(lb_step_undo(&s, &undo), 0);
	lines(&undo, out, sizeof(out));
	CHECK_STR(out, expected);
	/* A config key the kernel did not report cannot be put back. */
	s.op = LB_STEP_CONFIG_SET;
	s.old_cfg.present = 0;
	undo.n = 0;
	CHECK_INT(lb_step_undo(&s, &undo), 0);
	CHECK_INT(undo.n, 0);
	lb_list_free(&undo);
	lb_list_free(&plan);
	unload(&want);
	unload(&cur);
	check_end();
}

/*
 * A pretend kernel: refuses step fail_at (and undo step undo_fail_at) with
 * err (undo_err), -EEXIST if 0.
 */
struct kernel {
	size_t calls, fail_at, undo_calls, undo_fail_at;
	int err, undo_err;
	size_t stop_at;			/* a signal comes after this call */
	volatile sig_atomic_t stop;
	char log[4096];
	size_t off;
};

static int pretend(void *arg, const struct lb_step *s, bool undo)
{
	struct kernel *k = arg;
	char line[512];
	bool refuse = undo ? ++k->undo_calls == k->undo_fail_at :
			     ++k->calls == k->fail_at;

	lb_step_format(s, line, sizeof(line));
	k->off += (size_t)snprintf(k->log + k->off, sizeof(k->log) - k->off,
				   "%s%s%s\n", undo ? "undo " : "", line,
				   refuse ? " REFUSED" : "");
	if (!undo && k->calls == k->stop_at)
		k->stop = 1;
	if (!refuse)
		return 0;
	return (undo ? k->undo_err : k->err) ?: -EEXIST;
}

static void test_run(void)
{
	static const struct {
		const char *name;
		size_t fail_at, undo_fail_at;
		int ret;
		size_t failed;
		unsigned int undo_failed;
		const char *log;
		int err, undo_err;
		size_t kept;
	} runs[] = {
		{ "all_applied", 0, 0, 0, 0, 0,
		  "laddr add 10.20.0.5\n"
		  "rs add tcp 203.0.113.10:80 10.30.0.13:8080 weight 1\n"
		  "rs set tcp 203.0.113.10:80 10.30.0.11:8080 weight 2  (was weight 1)\n"
		  "service del tcp 203.0.113.10:8081\n",
		  0, 0, 0 },
		{ "first_refused", 1, 0, -EEXIST, 0, 0,
		  "laddr add 10.20.0.5 REFUSED\n",
		  0, 0, 0 },
		{ "last_refused_undone_newest_first", 4, 0, -EEXIST, 3, 0,
		  "laddr add 10.20.0.5\n"
		  "rs add tcp 203.0.113.10:80 10.30.0.13:8080 weight 1\n"
		  "rs set tcp 203.0.113.10:80 10.30.0.11:8080 weight 2  (was weight 1)\n"
		  "service del tcp 203.0.113.10:8081 REFUSED\n"
		  "undo rs set tcp 203.0.113.10:80 10.30.0.11:8080 weight 1  (was weight 2)\n"
		  "undo rs del tcp 203.0.113.10:80 10.30.0.13:8080\n"
		  "undo laddr del 10.20.0.5\n",
		  0, 0, 0 },
		{ "undo_refused_goes_on", 3, 1, -EEXIST, 2, 1,
		  "laddr add 10.20.0.5\n"
		  "rs add tcp 203.0.113.10:80 10.30.0.13:8080 weight 1\n"
		  "rs set tcp 203.0.113.10:80 10.30.0.11:8080 weight 2  (was weight 1) REFUSED\n"
		  "undo rs del tcp 203.0.113.10:80 10.30.0.13:8080 REFUSED\n"
		  "undo laddr del 10.20.0.5\n",
		  0, 0, 0 },
		/* Another writer came between: its changes are not
		 * overwritten, this run's first 2 steps stay. */
		{ "stale_not_undone", 3, 0, -ESTALE, 2, 0,
		  "laddr add 10.20.0.5\n"
		  "rs add tcp 203.0.113.10:80 10.30.0.13:8080 weight 1\n"
		  "rs set tcp 203.0.113.10:80 10.30.0.11:8080 weight 2  (was weight 1) REFUSED\n",
		  -ESTALE, 0, 2 },
		{ "undo_stale_stops_undo", 4, 2, -EEXIST, 3, 0,
		  "laddr add 10.20.0.5\n"
		  "rs add tcp 203.0.113.10:80 10.30.0.13:8080 weight 1\n"
		  "rs set tcp 203.0.113.10:80 10.30.0.11:8080 weight 2  (was weight 1)\n"
		  "service del tcp 203.0.113.10:8081 REFUSED\n"
		  "undo rs set tcp 203.0.113.10:80 10.30.0.11:8080 weight 1  (was weight 2)\n"
		  "undo rs del tcp 203.0.113.10:80 10.30.0.13:8080 REFUSED\n",
		  0, -ESTALE, 2 },
	};
	struct state cur, want;
	struct lb_plan plan;
	unsigned int undo_failed;
	size_t i, failed, kept;

	if (load(rows[2].cur, &cur) || load(rows[2].want, &want))
		return;
	lb_plan_make(&cur.s, &want.s, &plan);
	for (i = 0; i < ARRAY_SIZE(runs); i++) {
		struct kernel k = { .fail_at = runs[i].fail_at,
				    .undo_fail_at = runs[i].undo_fail_at,
				    .err = runs[i].err,
				    .undo_err = runs[i].undo_err };

		check_begin("lb_plan_run/%s", runs[i].name);
		failed = 99;
		CHECK_INT(lb_plan_run(&plan, pretend, &k, NULL, &failed,
				      &undo_failed, &kept), runs[i].ret);
		if (runs[i].ret)
			CHECK_INT(failed, runs[i].failed);
		CHECK_INT(undo_failed, runs[i].undo_failed);
		CHECK_INT(kept, runs[i].kept);
		CHECK_STR(k.log, runs[i].log);
		check_end();
	}
	lb_list_free(&plan);
	unload(&want);
	unload(&cur);
}

/*
 * A stop request (a signal) rolls back what was done, until the first
 * delete: from there the plan is finished, since adding back a real
 * server whose connections expire_nodest dropped brings none back.
 */
static void test_stop(void)
{
	static const struct {
		const char *name;
		size_t stop_at;
		int ret;
		size_t failed;
		const char *log;
	} runs[] = {
		{ "stop_before_deletes_rolls_back", 1, -EINTR, 1,
		  "rs add tcp 203.0.113.10:80 10.30.0.13:8080 weight 1\n"
		  "undo rs del tcp 203.0.113.10:80 10.30.0.13:8080\n" },
		{ "stop_before_first_delete_rolls_back", 2, -EINTR, 2,
		  "rs add tcp 203.0.113.10:80 10.30.0.13:8080 weight 1\n"
		  "rs add tcp 203.0.113.10:80 10.30.0.14:8080 weight 1\n"
		  "undo rs del tcp 203.0.113.10:80 10.30.0.14:8080\n"
		  "undo rs del tcp 203.0.113.10:80 10.30.0.13:8080\n" },
		{ "stop_after_first_delete_finishes", 3, 0, 0,
		  "rs add tcp 203.0.113.10:80 10.30.0.13:8080 weight 1\n"
		  "rs add tcp 203.0.113.10:80 10.30.0.14:8080 weight 1\n"
		  "rs del tcp 203.0.113.10:80 10.30.0.11:8080\n"
		  "rs del tcp 203.0.113.10:80 10.30.0.12:8080\n" },
	};
	struct state cur, want;
	struct lb_plan plan;
	unsigned int undo_failed;
	size_t i, failed, kept;

	if (load(rows[3].cur, &cur) || load(rows[3].want, &want))
		return;
	lb_plan_make(&cur.s, &want.s, &plan);
	for (i = 0; i < ARRAY_SIZE(runs); i++) {
		struct kernel k = { .stop_at = runs[i].stop_at };

		check_begin("lb_plan_run/%s", runs[i].name);
		failed = 99;
		CHECK_INT(lb_plan_run(&plan, pretend, &k, &k.stop, &failed,
				      &undo_failed, &kept), runs[i].ret);
		if (runs[i].ret)
			CHECK_INT(failed, runs[i].failed);
		CHECK_INT(undo_failed, 0);
		CHECK_INT(kept, 0);
		CHECK_STR(k.log, runs[i].log);
		check_end();
	}
	lb_list_free(&plan);
	unload(&want);
	unload(&cur);
}

/*
 * A /16 of LIPs, one gone and one new, and a VIP that becomes a LIP: the
 * same plan as for a few, in time that grows as n log n. The time is
 * printed, not judged: comparing each LIP with each took 10 s here (and
 * minutes under the sanitizers).
 */
static void test_large(void)
{
	struct state cur, want;
	struct lb_plan plan;
	struct timespec a, b;
	char out[1024];

	check_begin("lb_plan_make/a_16_of_lips");
	if (!load(STATE("\"10.20.0.0-10.20.255.255\"", "",
			"{ \"protocol\": \"tcp\", \"vip\": \"10.21.0.9\", \"port\": 80 }"),
		  &cur)) {
		if (!load(STATE("\"10.20.0.1-10.20.255.255\", \"10.21.0.9\"",
				"", ""), &want)) {
			clock_gettime(CLOCK_MONOTONIC, &a);
			CHECK_INT(lb_plan_make(&cur.s, &want.s, &plan), 0);
			clock_gettime(CLOCK_MONOTONIC, &b);
			lines(&plan, out, sizeof(out));
			CHECK_STR(out, "service del tcp 10.21.0.9:80\n"
				  "laddr del 10.20.0.0\n"
				  "laddr add 10.21.0.9\n");
			printf("# a plan over 65536 LIPs: %.3f s\n",
			       (double)(b.tv_sec - a.tv_sec) +
			       (double)(b.tv_nsec - a.tv_nsec) / 1e9);
			lb_list_free(&plan);
			unload(&want);
		}
		unload(&cur);
	}
	check_end();
}

int main(void)
{
	test_plans();
	test_undo();
	test_run();
	test_stop();
	test_large();
	return check_done();
}
