// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of lbctl/lb.c: applying an address range whole or not at all,
 * lists, and object keys.
 */
#include <arpa/inet.h>
#include <errno.h>

#include "check.h"
#include "lb.h"

/* A pretend kernel: logs each call, and fails the ones it is told to. */
struct fake {
	char log[256];
	const char *fail_add;	/* address whose add fails, or NULL */
	const char *fail_del;
	int calls;
};

static int fake_op(void *arg, const struct lb_addr *addr, bool add)
{
	struct fake *f = arg;
	const char *fail = add ? f->fail_add : f->fail_del;
	char a[INET6_ADDRSTRLEN];
	bool failed;

	format_addr(addr, a, sizeof(a));
	failed = fail && !strcmp(a, fail);
	snprintf(f->log + strlen(f->log), sizeof(f->log) - strlen(f->log),
		 "%s%c%s%s", f->calls++ ? " " : "", add ? '+' : '-', a,
		 failed ? "!" : "");
	return failed ? (add ? -EEXIST : -ENOENT) : 0;
}

struct range_case {
	const char *name;
	const char *range;
	bool add;
	const char *fail_add, *fail_del;
	int ret;
	const char *log;
	const char *failed;		/* the address reported, if ret */
	unsigned int undo_failed;
};

static const struct range_case range_cases[] = {
	{ "add_all", "10.0.0.1-10.0.0.3", true, NULL, NULL, 0,
	  "+10.0.0.1 +10.0.0.2 +10.0.0.3", NULL, 0 },
	{ "add_one", "10.0.0.1-10.0.0.1", true, NULL, NULL, 0,
	  "+10.0.0.1", NULL, 0 },
	{ "add_last_fails", "10.0.0.1-10.0.0.3", true, "10.0.0.3", NULL,
	  -EEXIST, "+10.0.0.1 +10.0.0.2 +10.0.0.3! -10.0.0.2 -10.0.0.1",
	  "10.0.0.3", 0 },
	{ "add_first_fails", "10.0.0.1-10.0.0.3", true, "10.0.0.1", NULL,
	  -EEXIST, "+10.0.0.1!", "10.0.0.1", 0 },
	{ "add_middle_fails", "2001:db8::ff-2001:db8::102", true,
	  "2001:db8::101", NULL, -EEXIST,
	  "+2001:db8::ff +2001:db8::100 +2001:db8::101! -2001:db8::100 -2001:db8::ff",
	  "2001:db8::101", 0 },
	{ "del_all", "10.0.0.1-10.0.0.2", false, NULL, NULL, 0,
	  "-10.0.0.1 -10.0.0.2", NULL, 0 },
	{ "del_fails_readds", "10.0.0.1-10.0.0.3", false, NULL, "10.0.0.3",
	  -ENOENT, "-10.0.0.1 -10.0.0.2 -10.0.0.3! +10.0.0.2 +10.0.0.1",
	  "10.0.0.3", 0 },
	/* an undo that fails is counted, and the undo goes on */
	{ "del_undo_fails", "10.0.0.1-10.0.0.3", false, "10.0.0.2",
	  "10.0.0.3", -ENOENT,
	  "-10.0.0.1 -10.0.0.2 -10.0.0.3! +10.0.0.2! +10.0.0.1",
	  "10.0.0.3", 1 },
};

static void test_range_apply(void)
{
	struct lb_addr_range r;
	struct lb_addr failed;
	unsigned int undo_failed;
	char a[INET6_ADDRSTRLEN];
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(range_cases); i++) {
		const struct range_case *c = &range_cases[i];
		struct fake f = { .fail_add = c->fail_add,
				  .fail_del = c->fail_del };

		check_begin("lb_range_apply/%s", c->name);
		CHECK_INT(parse_addr_range(c->range, &r, NULL, 0), 0);
		memset(&failed, 0, sizeof(failed));
		undo_failed = 42;
		ret = lb_range_apply(&r, c->add, fake_op, &f, &failed,
				     &undo_failed);
		CHECK_INT(ret, c->ret);
		CHECK_STR(f.log, c->log);
		CHECK_INT(undo_failed, c->undo_failed);
		if (c->failed) {
			CHECK_INT(format_addr(&failed, a, sizeof(a)), 0);
			CHECK_STR(a, c->failed);
		}
		/* NULL out-parameters are fine */
		f.log[0] = '\0';
		f.calls = 0;
		CHECK_INT(lb_range_apply(&r, c->add, fake_op, &f, NULL, NULL),
			  c->ret);
		CHECK_STR(f.log, c->log);
		check_end();
	}
}

static void test_lists(void)
{
	struct lb_svc_list svcs = { 0 };
	struct lb_svc_entry e = { 0 };
	struct lb_dest d;
	size_t i;
	int ok = 1;

	check_begin("lb_list/push_many");
	for (i = 0; i < 1000 && ok; i++) {
		lb_service_init(&e.svc);
		e.svc.port = (uint16_t)(i + 1);
		ok = !lb_list_push(&svcs, &e);
	}
	CHECK(ok);
	CHECK_INT(svcs.n, 1000);
	CHECK(svcs.cap >= svcs.n);
	for (i = 0; i < svcs.n; i++)
		CHECK_INT(svcs.v[i].svc.port, i + 1);
	lb_dest_init(&d);
	d.weight = 7;
	CHECK_INT(lb_list_push(&svcs.v[3].dests, &d), 0);
	CHECK_INT(svcs.v[3].dests.v[0].weight, 7);
	lb_svc_list_free(&svcs);
	CHECK(!svcs.v && !svcs.n && !svcs.cap);
	check_end();
}

static void test_keys(void)
{
	struct lb_service a, b;
	struct lb_dest x, y;

	check_begin("lb_service_same");
	lb_service_init(&a);
	CHECK_INT(a.fwd, -1);
	CHECK_INT(a.toa, -1);
	CHECK_STR(a.sched, "");
	CHECK_INT(parse_addr("203.0.113.10", &a.addr, NULL, 0), 0);
	a.port = 80;
	b = a;
	b.fwd = LB_FWD_DR;
	strcpy(b.sched, "rr");
	CHECK(lb_service_same(&a, &b));
	b.proto = LB_PROTO_UDP;
	CHECK(!lb_service_same(&a, &b));
	b = a;
	b.port = 81;
	CHECK(!lb_service_same(&a, &b));
	b = a;
	CHECK_INT(parse_addr("::ffff:203.0.113.10", &b.addr, NULL, 0), 0);
	CHECK(!lb_service_same(&a, &b));
	check_end();

	check_begin("lb_dest_same");
	lb_dest_init(&x);
	CHECK_INT(x.weight, -1);
	CHECK_INT(parse_addr("2001:db8::1", &x.addr, NULL, 0), 0);
	x.port = 8080;
	y = x;
	y.weight = 3;
	CHECK(lb_dest_same(&x, &y));
	CHECK_INT(parse_addr("2001:db8::2", &y.addr, NULL, 0), 0);
	CHECK(!lb_dest_same(&x, &y));
	check_end();
}

/* What the drain handoff's listing leaves out: over, and FullNAT64's. */
static void test_conn_kinds(void)
{
	struct lb_conn c;

	check_begin("lb_conn_open_xlat");
	memset(&c, 0, sizeof(c));
	c.proto = LB_PROTO_TCP;
	c.state = FULLNAT_TCP_S_ESTABLISHED;
	CHECK_INT(parse_addr("2001:db8:100::2", &c.client.addr, NULL, 0), 0);
	CHECK_INT(parse_addr("2001:db8:113::10", &c.vip.addr, NULL, 0), 0);
	CHECK_INT(parse_addr("2001:db8:3::11", &c.real.addr, NULL, 0), 0);
	CHECK(lb_conn_open(&c));
	CHECK(!lb_conn_xlat(&c));
	/* FullNAT64: an IPv4 real server (and LIP) under an IPv6 VIP */
	CHECK_INT(parse_addr("198.19.0.11", &c.real.addr, NULL, 0), 0);
	CHECK_INT(parse_addr("198.19.1.1", &c.local.addr, NULL, 0), 0);
	CHECK(lb_conn_xlat(&c));
	c.state = FULLNAT_TCP_S_TIME_WAIT;
	CHECK(!lb_conn_open(&c));
	/* an IPv4-mapped address is IPv6: one family */
	CHECK_INT(parse_addr("::ffff:198.19.0.11", &c.real.addr, NULL, 0), 0);
	CHECK(!lb_conn_xlat(&c));
	check_end();
}

int main(void)
{
	test_range_apply();
	test_lists();
	test_keys();
	test_conn_kinds();
	return check_done();
}
