// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of lbctl/api.c and genl.c against a pretend fullnat.ko: libnl's
 * send and receive are replaced, so each request is logged as text and
 * answered with messages built as the kernel builds them: replies, ACKs,
 * errors with an extended-ACK message, dumps ending in NLMSG_DONE, dumps
 * marked NLM_F_DUMP_INTR. What the real module answers is only known in
 * the VM; this checks that lbctl keeps to the header's side of the ABI.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>

#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>

#include "api.h"
#include "check.h"
#include "check_nl.h"

#define FAMILY FAKE_FAMILY

/* The pretend kernel: what it was sent, and what it will answer. */
static struct {
	char log[2048];		/* "cmd flags attributes" per request */
	int requests;
	/* Answers one request by queueing messages. */
	void (*answer)(const struct nlmsghdr *req, int n);
} k;

static int fake_send(struct nl_sock *sk, struct nl_msg *msg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *gnlh = nlmsg_data(nlh);
	size_t off = strlen(k.log);

	(void)sk;
	snprintf(k.log + off, sizeof(k.log) - off, "%s%u%s%s",
		 off ? "; " : "", gnlh->cmd,
		 nlh->nlmsg_flags & NLM_F_DUMP ? " dump" : "",
		 nlh->nlmsg_flags & NLM_F_ACK ? " ack" : "");
	describe(genlmsg_attrdata(gnlh, 0), genlmsg_attrlen(gnlh, 0), k.log,
		 sizeof(k.log));
	if (nlh->nlmsg_type != FAMILY)
		abort();
	k.answer(nlh, k.requests++);
	return (int)nlh->nlmsg_len;
}

/* NLMSG_ERROR: an ACK (error 0) or an error, capped, with a message. */
static void queue_ack(const struct nlmsghdr *req, int error,
		      const char *why)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;

	nlh = nlmsg_put(msg, req->nlmsg_pid, req->nlmsg_seq, NLMSG_ERROR,
			sizeof(*e), NLM_F_CAPPED | (why ? NLM_F_ACK_TLVS : 0));
	e = nlmsg_data(nlh);
	e->error = error;
	e->msg = *req;
	if (why)
		nla_put_string(msg, NLMSGERR_ATTR_MSG, why);
	queue_msg(msg);
}

/* NLMSG_DONE, with the dump's error and message if it failed. */
static void queue_done(const struct nlmsghdr *req, int error,
		       const char *why)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct nlmsghdr *nlh;

	nlh = nlmsg_put(msg, req->nlmsg_pid, req->nlmsg_seq, NLMSG_DONE,
			sizeof(error),
			NLM_F_MULTI | (why ? NLM_F_ACK_TLVS : 0));
	memcpy(nlmsg_data(nlh), &error, sizeof(error));
	if (why)
		nla_put_string(msg, NLMSGERR_ATTR_MSG, why);
	queue_msg(msg);
}

/* A dump message with one service, port port. */
static void queue_service(const struct nlmsghdr *req, uint16_t port,
			  bool intr)
{
	struct nl_msg *msg = answer_msg(req);
	struct nlattr *n;

	if (intr)
		nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_DUMP_INTR;
	n = nla_nest_start(msg, FULLNAT_A_SERVICE | NLA_F_NESTED);
	nla_put_u8(msg, FULLNAT_A_SVC_PROTOCOL, IPPROTO_TCP);
	put_addr(msg, FULLNAT_A_SVC_ADDR, "203.0.113.10");
	if (port)
		nla_put_u16(msg, FULLNAT_A_SVC_PORT, port);
	nla_put_u8(msg, FULLNAT_A_SVC_FORWARD, FULLNAT_FWD_FULLNAT);
	nla_put_string(msg, FULLNAT_A_SVC_SCHED, "wrr");
	nla_nest_end(msg, n);
	queue_msg(msg);
}

/* A real server as the kernel says it: its method always. */
static void queue_dest(const struct nlmsghdr *req, const char *a,
		       uint32_t weight, uint8_t fwd)
{
	struct nl_msg *msg = answer_msg(req);
	struct nlattr *n;

	n = nla_nest_start(msg, FULLNAT_A_DEST | NLA_F_NESTED);
	put_addr(msg, FULLNAT_A_DEST_ADDR, a);
	nla_put_u16(msg, FULLNAT_A_DEST_PORT, 8080);
	nla_put_u32(msg, FULLNAT_A_DEST_WEIGHT, weight);
	nla_put_u8(msg, FULLNAT_A_DEST_FORWARD, fwd);
	nla_nest_end(msg, n);
	queue_msg(msg);
}

static void queue_info(const struct nlmsghdr *req)
{
	struct nl_msg *msg = answer_msg(req);
	struct nlattr *n, *c;

	n = nla_nest_start(msg, FULLNAT_A_INFO | NLA_F_NESTED);
	put_info_base(msg);
	nla_put_u64(msg, FULLNAT_A_INFO_GENERATION, 41);
	c = nla_nest_start(msg, FULLNAT_A_INFO_COUNTERS | NLA_F_NESTED);
	nla_put_u64(msg, FULLNAT_CNT_NO_PORT, 3);
	nla_nest_end(msg, c);
	put_info_caps_now(msg);
	nla_nest_end(msg, n);
	queue_msg(msg);
}

static struct genl g;

static void fake_start(void (*answer)(const struct nlmsghdr *, int))
{
	while (fake_q.head < fake_q.tail)
		free(fake_q.msg[fake_q.head++]);
	memset(&k, 0, sizeof(k));
	k.answer = answer;
	if (!g.sk)
		fake_attach(&g, fake_send, "api");
}

/* Commands */

static void answer_ack(const struct nlmsghdr *req, int n)
{
	(void)n;
	queue_ack(req, 0, NULL);
}

static void answer_exists(const struct nlmsghdr *req, int n)
{
	(void)n;
	queue_ack(req, -EEXIST, "fullnat: service already exists");
}

static void answer_exists_bare(const struct nlmsghdr *req, int n)
{
	(void)n;
	queue_ack(req, -EEXIST, NULL);
}

static struct lb_service service(uint16_t port)
{
	struct lb_service svc;

	lb_service_init(&svc);
	parse_addr("203.0.113.10", &svc.addr, NULL, 0);
	svc.port = port;
	return svc;
}

static void test_commands(void)
{
	struct lb_service svc = service(80);
	struct lb_config cfg;
	struct lb_dest d;

	check_begin("api/service_add");
	fake_start(answer_ack);
	svc.fwd = LB_FWD_FULLNAT;
	strcpy(svc.sched, "wlc");
	CHECK_INT(lb_service_add(&g, &svc), 0);
	CHECK_STR(k.log, "4 ack 1N{2=06 3=cb00710a 4=5000 5=00 6=776c6300}");
	check_end();

	check_begin("api/service_add_extack");
	fake_start(answer_exists);
	CHECK_INT(lb_service_add(&g, &svc), -EEXIST);
	CHECK_STR(g.msg, "fullnat: service already exists");
	check_end();

	check_begin("api/service_add_no_extack");
	fake_start(answer_exists_bare);
	CHECK_INT(lb_service_add(&g, &svc), -EEXIST);
	CHECK_STR(g.msg, "adding the service: File exists");
	check_end();

	check_begin("api/service_set_del");
	fake_start(answer_ack);
	svc = service(80);
	svc.toa = 0;
	CHECK_INT(lb_service_set(&g, &svc), 0);
	CHECK_INT(lb_service_del(&g, &svc), 0);
	CHECK_STR(k.log, "5 ack 1N{2=06 3=cb00710a 4=5000 7=00}; "
		  "6 ack 1N{2=06 3=cb00710a 4=5000}");
	check_end();

	/* The service goes as its key only, whatever else it holds. */
	check_begin("api/dest_add_set_del");
	fake_start(answer_ack);
	svc.fwd = LB_FWD_DR;
	lb_dest_init(&d);
	parse_addr("198.19.0.11", &d.addr, NULL, 0);
	d.port = 8080;
	d.weight = 1;
	CHECK_INT(lb_dest_add(&g, &svc, &d), 0);
	d.weight = 0;
	CHECK_INT(lb_dest_set(&g, &svc, &d), 0);
	CHECK_INT(lb_dest_del(&g, &svc, &d), 0);
	CHECK_STR(k.log,
		  "8 ack 1N{2=06 3=cb00710a 4=5000} 2N{2=c613000b 3=901f 4=01000000}; "
		  "9 ack 1N{2=06 3=cb00710a 4=5000} 2N{2=c613000b 3=901f 4=00000000}; "
		  "10 ack 1N{2=06 3=cb00710a 4=5000} 2N{2=c613000b 3=901f}");
	check_end();

	check_begin("api/laddr_config");
	fake_start(answer_ack);
	CHECK_INT(lb_laddr_add(&g, &d.addr), 0);
	CHECK_INT(lb_laddr_del(&g, &d.addr), 0);
	lb_config_init(&cfg);
	cfg.present = LB_CFG_CONN_MAX;
	cfg.conn_max = 16;
	CHECK_INT(lb_config_set(&g, &cfg), 0);
	CHECK_STR(k.log, "12 ack 3N{2=c613000b}; 13 ack 3N{2=c613000b}; "
		  "3 ack 5N{1=10000000}");
	check_end();
}

/* Replies of doit commands */

static void answer_info(const struct nlmsghdr *req, int n)
{
	(void)n;
	queue_info(req);
	queue_ack(req, 0, NULL);
}

static void answer_get_service(const struct nlmsghdr *req, int n)
{
	(void)n;
	queue_service(req, 443, false);
	queue_ack(req, 0, NULL);
}

static void answer_two_services_doit(const struct nlmsghdr *req, int n)
{
	(void)n;
	queue_service(req, 443, false);
	queue_service(req, 444, false);
	queue_ack(req, 0, NULL);
}

static void answer_no_reply(const struct nlmsghdr *req, int n)
{
	(void)n;
	queue_ack(req, 0, NULL);
}

static void test_gets(void)
{
	struct lb_service svc = service(443);
	struct lb_info info;

	check_begin("api/info_get");
	fake_start(answer_info);
	CHECK_INT(lb_info_get(&g, &info), 0);
	CHECK_STR(k.log, "1 ack");
	CHECK_STR(info.version, "0.1.0");
	CHECK_INT(info.services, 2);
	CHECK_INT(info.conn_max, 1048576);
	CHECK_INT(info.n_counters, 1);
	CHECK_INT(info.counters[0].id, FULLNAT_CNT_NO_PORT);
	CHECK(info.has_caps);
	CHECK_INT(info.forwards, 1u << LB_FWD_FULLNAT);
	CHECK_INT(info.n_protocols, 1);
	CHECK_INT(info.protocols[0], IPPROTO_TCP);
	CHECK_INT(info.n_families, 1);
	CHECK_INT(info.families[0], AF_INET);
	CHECK_INT(info.n_scheds, 3);
	CHECK_STR(info.scheds[2], "wlc");
	check_end();

	check_begin("api/service_get");
	fake_start(answer_get_service);
	CHECK_INT(lb_service_get(&g, &svc), 0);
	CHECK_STR(k.log, "7 ack 1N{2=06 3=cb00710a 4=bb01}");
	CHECK_STR(svc.sched, "wrr");
	CHECK_INT(svc.fwd, LB_FWD_FULLNAT);
	check_end();

	check_begin("api/info_get_without_reply");
	fake_start(answer_no_reply);
	CHECK_INT(lb_info_get(&g, &info), -EPROTO);
	CHECK_STR(g.msg, "reading the director state: fullnat.ko answered without the reply");
	check_end();

	check_begin("api/service_get_two_replies");
	fake_start(answer_two_services_doit);
	CHECK_INT(lb_service_get(&g, &svc), -EPROTO);
	check_end();
}

/* FULLNAT_CMD_DEL_CONN: its filter, and the count in its reply. */

static void answer_deleted(const struct nlmsghdr *req, int n)
{
	struct nl_msg *msg = answer_msg(req);

	nla_put_u32(msg, FULLNAT_A_DELETED, (uint32_t)n + 3);
	queue_msg(msg);
	queue_ack(req, 0, NULL);
}

static void test_conn_del(void)
{
	struct lb_conn_filter f;
	uint32_t deleted = 0;

	check_begin("api/conn_del");
	fake_start(answer_deleted);
	memset(&f, 0, sizeof(f));
	CHECK_INT(lb_conn_del(&g, &f, &deleted), 0);
	CHECK_INT(deleted, 3);
	f.proto = LB_PROTO_UDP;
	parse_addrport("203.0.113.10:53", &f.vip, NULL, 0);
	parse_addrport("198.51.100.2:40000", &f.client, NULL, 0);
	parse_addrport("198.19.0.11:8053", &f.real, NULL, 0);
	CHECK_INT(lb_conn_del(&g, &f, &deleted), 0);
	CHECK_INT(deleted, 4);
	memset(&f, 0, sizeof(f));
	parse_addrport("198.19.0.11:8080", &f.real, NULL, 0);
	CHECK_INT(lb_conn_del(&g, &f, &deleted), 0);
	/* No generation: connections are not the configuration. */
	CHECK_STR(k.log, "18 ack; "
		  "18 ack 4N{1=11 2=c6336402 3=409c 4=cb00710a 5=3500 8=c613000b 9=751f}; "
		  "18 ack 4N{8=c613000b 9=901f}");
	check_end();

	check_begin("api/conn_del_without_count");
	fake_start(answer_no_reply);
	CHECK_INT(lb_conn_del(&g, &f, &deleted), -EPROTO);
	CHECK_STR(g.msg, "deleting connections: fullnat.ko answered without the reply");
	check_end();
}

/* Dumps */

static void answer_two_services(const struct nlmsghdr *req, int n)
{
	(void)n;
	queue_service(req, 80, false);
	queue_service(req, 443, false);
	queue_done(req, 0, NULL);
}

/* Interrupted on the first read, whole on the second. */
static void answer_intr_once(const struct nlmsghdr *req, int n)
{
	queue_service(req, n ? 81 : 80, !n);
	if (!n)
		queue_service(req, 443, false);
	queue_done(req, 0, NULL);
}

static void answer_intr_always(const struct nlmsghdr *req, int n)
{
	queue_service(req, (uint16_t)(80 + n), true);
	queue_done(req, 0, NULL);
}

static void answer_dump_error(const struct nlmsghdr *req, int n)
{
	(void)n;
	queue_service(req, 80, false);
	queue_done(req, -ENOBUFS, "fullnat: out of dump space");
}

static void answer_dump_refused(const struct nlmsghdr *req, int n)
{
	(void)n;
	queue_ack(req, -ENOENT, "fullnat: no such service");
}

/* A service without its port, then a good one: the dump is read whole. */
static void answer_malformed(const struct nlmsghdr *req, int n)
{
	if (n) {
		answer_two_services(req, n);
		return;
	}
	queue_service(req, 0, false);
	queue_service(req, 443, false);
	queue_done(req, 0, NULL);
}

static void ports(const struct lb_svc_list *l, char *out, size_t len)
{
	size_t i, off = 0;

	out[0] = '\0';
	for (i = 0; i < l->n && off < len; i++)
		off += (size_t)snprintf(out + off, len - off, "%s%u",
					i ? " " : "", l->v[i].svc.port);
}

static void test_dumps(void)
{
	struct lb_svc_list list = { 0 };
	char p[64];

	check_begin("api/dump_services");
	fake_start(answer_two_services);
	CHECK_INT(lb_dump_services(&g, lb_collect_service, &list), 0);
	CHECK_STR(k.log, "7 dump ack");
	ports(&list, p, sizeof(p));
	CHECK_STR(p, "80 443");
	lb_svc_list_free(&list);
	check_end();

	check_begin("api/dump_intr_retried");
	fake_start(answer_intr_once);
	CHECK_INT(lb_dump_services(&g, lb_collect_service, &list), 0);
	CHECK_INT(k.requests, 2);
	ports(&list, p, sizeof(p));
	CHECK_STR(p, "81");
	lb_svc_list_free(&list);
	check_end();

	check_begin("api/dump_intr_gives_up");
	fake_start(answer_intr_always);
	CHECK_INT(lb_dump_services(&g, lb_collect_service, &list), -EINTR);
	CHECK_INT(k.requests, LB_DUMP_TRIES);
	CHECK_STR(g.msg, "listing the services: the table changed while it was read (tried 5 times)");
	/* the last read is what the list holds */
	ports(&list, p, sizeof(p));
	CHECK_STR(p, "84");
	lb_svc_list_free(&list);
	check_end();

	check_begin("api/dump_done_error");
	fake_start(answer_dump_error);
	CHECK_INT(lb_dump_services(&g, lb_collect_service, &list), -ENOBUFS);
	CHECK_STR(g.msg, "fullnat: out of dump space");
	lb_svc_list_free(&list);
	check_end();

	check_begin("api/dump_refused");
	fake_start(answer_dump_refused);
	CHECK_INT(lb_dump_services(&g, lb_collect_service, &list), -ENOENT);
	CHECK_STR(g.msg, "fullnat: no such service");
	lb_svc_list_free(&list);
	check_end();

	/* After a malformed reply the socket is still in step. */
	check_begin("api/dump_malformed");
	fake_start(answer_malformed);
	CHECK_INT(lb_dump_services(&g, lb_collect_service, &list), -EPROTO);
	CHECK_STR(g.msg, "listing the services: malformed reply from fullnat.ko (lbctl speaks ABI 1)");
	lb_svc_list_free(&list);
	CHECK_INT(lb_dump_services(&g, lb_collect_service, &list), 0);
	ports(&list, p, sizeof(p));
	CHECK_STR(p, "80 443");
	lb_svc_list_free(&list);
	check_end();
}

/* The snapshot: info, services, then each service's real servers. */
static void answer_snapshot(const struct nlmsghdr *req, int n)
{
	switch (n) {
	case 0:
		answer_info(req, n);
		break;
	case 1:
		answer_two_services(req, n);
		break;
	case 2:
		queue_dest(req, "198.19.0.11", 2, FULLNAT_FWD_FULLNAT);
		queue_dest(req, "198.19.0.12", 0, FULLNAT_FWD_DR);
		queue_done(req, 0, NULL);
		break;
	default:
		/* the second service went away meanwhile */
		queue_ack(req, -ENOENT, "fullnat: no such service");
	}
}

static void test_snapshot(void)
{
	struct lb_snapshot snap;

	check_begin("api/snapshot");
	fake_start(answer_snapshot);
	CHECK_INT(lb_snapshot_read(&g, &snap, NULL, 0), 0);
	CHECK_STR(k.log, "1 ack; 7 dump ack; "
		  "11 dump ack 1N{2=06 3=cb00710a 4=5000}; "
		  "11 dump ack 1N{2=06 3=cb00710a 4=bb01}");
	CHECK_INT(snap.services.n, 1);
	CHECK_INT(snap.services.v[0].svc.port, 80);
	CHECK_INT(snap.services.v[0].dests.n, 2);
	CHECK_INT(snap.services.v[0].dests.v[1].weight, 0);
	/* The service's method is left out, another one kept. */
	CHECK_INT(snap.services.v[0].dests.v[0].fwd, -1);
	CHECK_INT(snap.services.v[0].dests.v[1].fwd, LB_FWD_DR);
	CHECK(snap.info.has_caps);
	CHECK(!snap.has_config && !snap.has_laddrs);
	lb_snapshot_free(&snap);
	check_end();
}

/* A range of local addresses, the third already there. */
static void answer_laddr_third_exists(const struct nlmsghdr *req, int n)
{
	if (n == 2)
		queue_ack(req, -EEXIST, "fullnat: local address exists");
	else
		queue_ack(req, 0, NULL);
}

static int laddr_op(void *arg, const struct lb_addr *a, bool add)
{
	return add ? lb_laddr_add(arg, a) : lb_laddr_del(arg, a);
}

static void test_laddr_range(void)
{
	struct lb_addr_range r;
	unsigned int undo_failed;

	check_begin("api/laddr_range_rollback");
	fake_start(answer_laddr_third_exists);
	parse_addr_range("10.0.0.1-10.0.0.4", &r, NULL, 0);
	CHECK_INT(lb_range_apply(&r, true, laddr_op, &g, NULL, &undo_failed),
		  -EEXIST);
	CHECK_INT(undo_failed, 0);
	CHECK_STR(k.log, "12 ack 3N{2=0a000001}; 12 ack 3N{2=0a000002}; "
		  "12 ack 3N{2=0a000003}; "
		  "13 ack 3N{2=0a000002}; 13 ack 3N{2=0a000001}");
	check_end();
}

/* GET_INFO, then writes: one done, one refused as stale, one done. */
static void answer_generation(const struct nlmsghdr *req, int n)
{
	if (!n)
		answer_info(req, n);
	else if (n == 2)
		queue_ack(req, -ESTALE, "fullnat: the configuration changed");
	else
		queue_ack(req, 0, NULL);
}

/*
 * With has_gen, each write carries the generation it expects (top-level
 * attribute 7, u64), one more after each write the kernel took and not
 * after one it refused; without, none.
 */
static void test_generation(void)
{
	struct lb_addr a = { 0 };
	struct lb_info info;

	check_begin("api/generation");
	fake_start(answer_generation);
	parse_addr("10.0.0.1", &a, NULL, 0);
	CHECK_INT(lb_info_get(&g, &info), 0);
	CHECK(info.has_generation);
	CHECK_INT(info.generation, 41);
	g.has_gen = true;
	g.gen = info.generation;
	CHECK_INT(lb_laddr_add(&g, &a), 0);
	CHECK_INT(g.gen, 42);
	CHECK_INT(lb_laddr_del(&g, &a), -ESTALE);
	CHECK_STR(g.msg, "fullnat: the configuration changed");
	CHECK_INT(g.gen, 42);
	g.has_gen = false;
	CHECK_INT(lb_laddr_add(&g, &a), 0);
	CHECK_STR(k.log, "1 ack; "
		  "12 ack 3N{2=0a000001} 7=2900000000000000; "
		  "13 ack 3N{2=0a000001} 7=2a00000000000000; "
		  "12 ack 3N{2=0a000001}");
	check_end();
}

int main(void)
{
	test_commands();
	test_gets();
	test_conn_del();
	test_dumps();
	test_snapshot();
	test_laddr_range();
	test_generation();
	genl_close(&g);
	return check_done();
}
