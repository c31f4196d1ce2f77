// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink attributes of the fullnat ABI to and from the structs of lb.h.
 * See attrs.h; the ABI is include/uapi/linux/fullnat.h.
 *
 * The kernel validates requests strictly: exact lengths, NLA_F_NESTED on
 * every nest, no unknown attribute. So requests hold only what the header
 * lists, each of its exact size.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "attrs.h"
#include "fields.h"
#include "util.h"

/* Our names of the forwarding modes are the ABI's, spelt out. */
static const uint8_t fwd_to_abi[] = {
	[LB_FWD_FULLNAT]	= FULLNAT_FWD_FULLNAT,
	[LB_FWD_NAT]		= FULLNAT_FWD_NAT,
	[LB_FWD_DR]		= FULLNAT_FWD_DR,
	[LB_FWD_TUN]		= FULLNAT_FWD_TUN,
};

static int fwd_from_abi(uint8_t v)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fwd_to_abi); i++)
		if (fwd_to_abi[i] == v)
			return (int)i;
	return -1;		/* a mode newer than lbctl */
}

static uint8_t proto_to_abi(enum lb_proto proto)
{
	return proto == LB_PROTO_UDP ? IPPROTO_UDP : IPPROTO_TCP;
}

static int proto_from_abi(uint8_t v, enum lb_proto *proto)
{
	*proto = v == IPPROTO_UDP ? LB_PROTO_UDP : LB_PROTO_TCP;
	return v == IPPROTO_TCP || v == IPPROTO_UDP ? 0 : -EPROTO;
}

/* The netlink type of a plain field's value. */
static int nla_type_of(const struct lb_field *f)
{
	static const uint16_t types[] = {
		[LB_FK_UINT] = NLA_U32, [LB_FK_BOOL] = NLA_U8,
		[LB_FK_FWD] = NLA_U8, [LB_FK_SCHED] = NLA_STRING,
		[LB_FK_COUNTER] = NLA_U32,
	};

	return f->kind == LB_FK_COUNTER && f->size == sizeof(uint64_t) ?
	       NLA_U64 : types[f->kind];
}

/* Requests */

/* libnl's nla_nest_start() does not mark the nest; strict kernels want it */
static struct nlattr *nest_start(struct nl_msg *msg, int type)
{
	return nla_nest_start(msg, type | NLA_F_NESTED);
}

static int put_addr(struct nl_msg *msg, int type, const struct lb_addr *a)
{
	if (a->family == AF_INET)
		return nla_put(msg, type, sizeof(a->v4), &a->v4);
	if (a->family == AF_INET6)
		return nla_put(msg, type, sizeof(a->v6), &a->v6);
	return -EINVAL;
}

/*
 * Ends nest, or takes it back out when ret says a put failed; a nest that
 * did not start (NULL) fails too.
 */
static int nest_end(struct nl_msg *msg, struct nlattr *nest, int ret)
{
	if (nest && !ret) {
		nla_nest_end(msg, nest);
		return 0;
	}
	if (nest)
		nla_nest_cancel(msg, nest);
	return -EMSGSIZE;
}

/*
 * TCP's or UDP's timeouts in lb_config: their nest, and the LB_TIMEOUT
 * index of their first state and past their last.
 */
#define TIMEOUT_NEST(udp)	((udp) ? FULLNAT_A_CFG_TIMEOUT_UDP : \
				 FULLNAT_A_CFG_TIMEOUT_TCP)
#define TIMEOUT_FIRST(udp)	((udp) ? LB_TIMEOUT_UDP(0) : LB_TIMEOUT_TCP(0))
#define TIMEOUT_END(udp)	((udp) ? LB_TIMEOUTS : LB_TIMEOUT_UDP(0))

/* One protocol's timeouts that are set, as its nest; none: no nest. */
static int put_timeouts(struct nl_msg *msg, const struct lb_config *cfg,
			bool udp)
{
	struct nlattr *nest = NULL;
	unsigned int t;
	int ret = 0;

	for (t = TIMEOUT_FIRST(udp); t < TIMEOUT_END(udp) && !ret; t++) {
		if (!(cfg->present & LB_CFG_TIMEOUT(t)))
			continue;
		if (!nest)
			nest = nest_start(msg, TIMEOUT_NEST(udp));
		ret = !nest || nla_put_u32(msg, FULLNAT_A_TIMEOUT(
						t - TIMEOUT_FIRST(udp)),
					   cfg->timeout[t]);
	}
	return nest || ret ? nest_end(msg, nest, ret) : 0;
}

/*
 * The fields of t that are set in obj and sit in @nest (0: the object's
 * own), in the order of the table; with 0, the first row of a nest puts
 * the nest, left out when none of its rows is set.
 */
static int put_fields(struct nl_msg *msg, const struct lb_fields *t,
		      const void *obj, int nest)
{
	const struct lb_config *cfg = obj;
	const struct lb_field *f, *g;
	struct nlattr *in;
	long long v;
	bool any;
	int ret = 0;

	lb_for_each_field(f, t) {
		if (f->nest != nest) {
			if (nest || ret || (f > t->v && f[-1].nest == f->nest))
				continue;
			for (g = f, any = false; g < t->v + t->n &&
			     g->nest == f->nest; g++)
				any |= lb_field_is_set(g, obj);
			in = any ? nest_start(msg, f->nest) : NULL;
			if (any)
				ret = nest_end(msg, in, !in || put_fields(msg,
						t, obj, f->nest));
			continue;
		}
		if (f->kind == LB_FK_TIMEOUTS) {
			ret = ret ?: put_timeouts(msg, cfg, false) ?:
			      put_timeouts(msg, cfg, true);
			continue;
		}
		if (ret || !lb_field_is_set(f, obj) ||
		    f->kind == LB_FK_COUNTER)
			continue;
		v = lb_field_get(f, obj);
		if (f->kind == LB_FK_PORT_RANGE)
			ret = nla_put_u16(msg, FULLNAT_A_CFG_PORT_MIN,
					  cfg->port_min) ||
			      nla_put_u16(msg, FULLNAT_A_CFG_PORT_MAX,
					  cfg->port_max);
		else if (f->kind == LB_FK_SCHED)
			ret = nla_put_string(msg, f->attr,
					     lb_field_str(f, obj));
		else if (nla_type_of(f) == NLA_U32)
			ret = nla_put_u32(msg, f->attr, (uint32_t)v);
		else if (f->kind == LB_FK_BOOL)
			ret = nla_put_u8(msg, f->attr, v ? 1 : 0);
		else if ((size_t)v < ARRAY_SIZE(fwd_to_abi))
			ret = nla_put_u8(msg, f->attr, fwd_to_abi[v]);
	}
	return ret;
}

int lb_put_service(struct nl_msg *msg, const struct lb_service *svc,
		   bool key_only)
{
	struct nlattr *nest = nest_start(msg, FULLNAT_A_SERVICE);

	return nest_end(msg, nest, !nest ||
			nla_put_u8(msg, FULLNAT_A_SVC_PROTOCOL,
				   proto_to_abi(svc->proto)) ||
			put_addr(msg, FULLNAT_A_SVC_ADDR, &svc->addr) ||
			nla_put_u16(msg, FULLNAT_A_SVC_PORT, svc->port) ||
			(!key_only &&
			 put_fields(msg, &lb_service_fields, svc, 0)));
}

int lb_put_dest(struct nl_msg *msg, const struct lb_dest *dest,
		bool key_only)
{
	struct nlattr *nest = nest_start(msg, FULLNAT_A_DEST);

	return nest_end(msg, nest, !nest ||
			put_addr(msg, FULLNAT_A_DEST_ADDR, &dest->addr) ||
			nla_put_u16(msg, FULLNAT_A_DEST_PORT, dest->port) ||
			(!key_only &&
			 put_fields(msg, &lb_dest_fields, dest, 0)));
}

int lb_put_laddr(struct nl_msg *msg, const struct lb_addr *addr)
{
	struct nlattr *nest = nest_start(msg, FULLNAT_A_LADDR);

	return nest_end(msg, nest, !nest ||
			put_addr(msg, FULLNAT_A_LADDR_ADDR, addr));
}

/* The sequence attributes of a TCP connection, as GET_CONN gave them. */
static int put_conn_seq(struct nl_msg *msg, const struct lb_conn *c)
{
	int i, a, bad = 0;

	for (i = 0; i < 2 && !bad; i++) {
		a = i ? FULLNAT_A_CONN_SSEQ_END : FULLNAT_A_CONN_CSEQ_END;
		bad = nla_put_u32(msg, a, c->seq.end[i]) ||
		      nla_put_u16(msg, a + 1, c->seq.win[i]) ||
		      nla_put_u8(msg, a + 2, c->seq.wscale[i]);
	}
	return bad || (c->has_isn &&
		       nla_put_u32(msg, FULLNAT_A_CONN_RS_ISN, c->isn));
}

/* A connection as FULLNAT_CMD_NEW_CONN takes it. */
/*
 * A connection's ends, in the order of the ABI's pairs (CADDR/CPORT,
 * VADDR/VPORT, LADDR/LPORT, DADDR/DPORT): those of family 0 or NULL are
 * left out.
 */
static int put_conn_ends(struct nl_msg *msg,
			 const struct lb_addrport *const end[4])
{
	int i;

	for (i = 0; i < 4; i++)
		if (end[i] && end[i]->addr.family &&
		    (put_addr(msg, FULLNAT_A_CONN_CADDR + 2 * i, &end[i]->addr) ||
		     nla_put_u16(msg, FULLNAT_A_CONN_CPORT + 2 * i,
				 end[i]->port)))
			return -EMSGSIZE;
	return 0;
}

int lb_put_conn(struct nl_msg *msg, const struct lb_conn *c)
{
	const struct lb_addrport *const end[] = {
		&c->client, &c->vip, &c->local, &c->real,
	};
	struct nlattr *nest = nest_start(msg, FULLNAT_A_CONN);
	int bad = !nest || c->fwd < 0 ||
		     (size_t)c->fwd >= ARRAY_SIZE(fwd_to_abi) ||
		     nla_put_u8(msg, FULLNAT_A_CONN_PROTOCOL,
				proto_to_abi(c->proto)) ||
		     nla_put_u8(msg, FULLNAT_A_CONN_STATE, (uint8_t)c->state) ||
		     nla_put_u8(msg, FULLNAT_A_CONN_FORWARD, fwd_to_abi[c->fwd]) ||
		     nla_put_u32(msg, FULLNAT_A_CONN_EXPIRES, c->expires) ||
		     (c->nodata && nla_put_u32(msg, FULLNAT_A_CONN_FLAGS,
					       FULLNAT_CONN_F_NODATA)) ||
		     (c->has_seq && put_conn_seq(msg, c)) ||
		     /* Family 0: no local end (not FullNAT). */
		     put_conn_ends(msg, end);

	return nest_end(msg, nest, bad);
}

int lb_put_conn_filter(struct nl_msg *msg, const struct lb_conn_filter *f)
{
	const struct lb_addrport *const end[] = { &f->client, &f->vip, NULL,
						  &f->real };
	struct nlattr *nest;

	if (!f->client.addr.family && !f->vip.addr.family &&
	    !f->real.addr.family)
		return 0;
	nest = nest_start(msg, FULLNAT_A_CONN);
	return nest_end(msg, nest, !nest ||
			(f->vip.addr.family &&
			 nla_put_u8(msg, FULLNAT_A_CONN_PROTOCOL,
				    proto_to_abi(f->proto))) ||
			put_conn_ends(msg, end));
}

int lb_put_config(struct nl_msg *msg, const struct lb_config *cfg)
{
	struct nlattr *nest = nest_start(msg, FULLNAT_A_CONFIG);

	return nest_end(msg, nest, !nest ||
			put_fields(msg, &lb_config_fields, cfg, 0));
}

/* Replies */

/* An address is 4 or 16 bytes: no policy type says that. */
#define ADDR_POLICY	{ .type = NLA_UNSPEC, .minlen = 4, .maxlen = 16 }

static int get_addr(const struct nlattr *nla, struct lb_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (nla_len(nla) == sizeof(a->v4))
		a->family = AF_INET;
	else if (nla_len(nla) == sizeof(a->v6))
		a->family = AF_INET6;
	else
		return -EPROTO;
	memcpy(&a->v6, nla_data(nla), (size_t)nla_len(nla));
	return 0;
}

/* An attribute of a nest's need: all its attributes are below 64. */
#define BIT(attr)	(1ull << (attr))

/* Parses nest into tb with policy; every attribute of need must be there. */
static int parse_nest(struct nlattr **tb, int max, struct nlattr *nest,
		      struct nla_policy *policy, uint64_t need)
{
	int i;

	if (nla_parse_nested(tb, max, nest, policy))
		return -EPROTO;
	for (i = 0; i <= max; i++)
		if (need & BIT(i) && !tb[i])
			return -EPROTO;
	return 0;
}

/*
 * The policy of t's attributes in @nest (0: the object's own), added to
 * that nest's; the object's has its rows' nests as NLA_NESTED.
 */
static void policy_fields(struct nla_policy *pol, const struct lb_fields *t,
			  int nest)
{
	const struct lb_field *f;

	lb_for_each_field(f, t) {
		if (f->nest != nest) {
			if (!nest)
				pol[f->nest].type = NLA_NESTED;
		} else if (f->kind == LB_FK_PORT_RANGE) {
			pol[FULLNAT_A_CFG_PORT_MIN].type = NLA_U16;
			pol[FULLNAT_A_CFG_PORT_MAX].type = NLA_U16;
		} else if (f->kind == LB_FK_TIMEOUTS) {
			pol[TIMEOUT_NEST(false)].type = NLA_NESTED;
			pol[TIMEOUT_NEST(true)].type = NLA_NESTED;
		} else {
			pol[f->attr].type = (uint16_t)nla_type_of(f);
			if (f->kind == LB_FK_SCHED)
				pol[f->attr].maxlen = (uint16_t)f->size;
		}
	}
}

/*
 * One protocol's timeout nest, if the kernel sent it; a state the module
 * has and lbctl does not is left out.
 */
static int get_timeouts(struct nlattr **tb, struct lb_config *cfg, bool udp)
{
	unsigned int t, n = TIMEOUT_END(udp) - TIMEOUT_FIRST(udp);
	struct nlattr *nla;
	int rem;

	if (!tb[TIMEOUT_NEST(udp)])
		return 0;
	nla_for_each_nested(nla, tb[TIMEOUT_NEST(udp)], rem) {
		if (nla_len(nla) != sizeof(uint32_t))
			return -EPROTO;
		t = (unsigned int)nla_type(nla) - 1;
		if (!nla_type(nla) || t >= n)
			continue;
		t += TIMEOUT_FIRST(udp);
		cfg->present |= LB_CFG_TIMEOUT(t);
		cfg->timeout[t] = nla_get_u32(nla);
	}
	return 0;
}

/* The most attributes a nest of rows (f->nest) may number. */
#define ROW_NEST_MAX	15
_Static_assert(FULLNAT_A_SCHED_OPT_MAX <= ROW_NEST_MAX, "ROW_NEST_MAX");

/*
 * t's attributes of a parsed nest (@nest, 0: the object's own) into obj,
 * a nest of rows at its first row; -EPROTO past a max.
 */
static int get_fields(struct nlattr **tb, const struct lb_fields *t,
		      void *obj, int nest)
{
	struct nla_policy pol[ROW_NEST_MAX + 1];
	struct nlattr *in[ROW_NEST_MAX + 1], *a;
	struct lb_config *cfg = obj;
	const struct lb_field *f;
	long long v;
	int ret = 0;

	lb_for_each_field(f, t) {
		if (ret)
			break;
		if (f->nest != nest) {
			if (nest || !tb[f->nest] ||
			    (f > t->v && f[-1].nest == f->nest))
				continue;
			memset(pol, 0, sizeof(pol));
			policy_fields(pol, t, f->nest);
			ret = parse_nest(in, ROW_NEST_MAX, tb[f->nest], pol,
					 0) ?: get_fields(in, t, obj, f->nest);
		} else if (f->kind == LB_FK_TIMEOUTS) {
			ret = get_timeouts(tb, cfg, false) ?:
			      get_timeouts(tb, cfg, true);
		} else if (f->kind == LB_FK_PORT_RANGE) {
			/* One setting: both ends, or it is not reported. */
			if (!tb[FULLNAT_A_CFG_PORT_MIN] ||
			    !tb[FULLNAT_A_CFG_PORT_MAX])
				continue;
			cfg->present |= f->bit;
			cfg->port_min = nla_get_u16(tb[FULLNAT_A_CFG_PORT_MIN]);
			cfg->port_max = nla_get_u16(tb[FULLNAT_A_CFG_PORT_MAX]);
		} else if (!tb[f->attr]) {
			continue;
		} else if (f->kind == LB_FK_SCHED) {
			nla_strlcpy(lb_field_str(f, obj), tb[f->attr], f->size);
		} else {
			a = tb[f->attr];
			v = nla_type_of(f) == NLA_U8 ? nla_get_u8(a) :
			    nla_type_of(f) == NLA_U32 ? nla_get_u32(a) :
			    (long long)nla_get_u64(a);
			if (f->kind == LB_FK_UINT && v > f->max)
				return -EPROTO;
			if (f->kind == LB_FK_FWD)
				v = fwd_from_abi((uint8_t)v);
			lb_field_set(f, obj, f->kind == LB_FK_BOOL ? !!v : v);
		}
	}
	return ret;
}

static struct nla_policy info_policy[FULLNAT_A_INFO_MAX + 1] = {
	[FULLNAT_A_INFO_VERSION]	= { .type = NLA_STRING },
	[FULLNAT_A_INFO_ABI]		= { .type = NLA_U32 },
	[FULLNAT_A_INFO_NETNS_COOKIE]	= { .type = NLA_U64 },
	[FULLNAT_A_INFO_SERVICES]	= { .type = NLA_U32 },
	[FULLNAT_A_INFO_REAL_SERVERS]	= { .type = NLA_U32 },
	[FULLNAT_A_INFO_CONNS]		= { .type = NLA_U32 },
	[FULLNAT_A_INFO_CONN_MAX]	= { .type = NLA_U32 },
	[FULLNAT_A_INFO_COUNTERS]	= { .type = NLA_NESTED },
	[FULLNAT_A_INFO_FORWARDS]	= { .type = NLA_U32 },
	[FULLNAT_A_INFO_PROTOCOLS]	= { .type = NLA_NESTED },
	[FULLNAT_A_INFO_FAMILIES]	= { .type = NLA_NESTED },
	[FULLNAT_A_INFO_SCHEDULERS]	= { .type = NLA_NESTED },
	[FULLNAT_A_INFO_GENERATION]	= { .type = NLA_U64 },
	[FULLNAT_A_INFO_FULLNAT64]	= { .type = NLA_FLAG },
};

/* Every counter is a u64 named by its type; PAD is alignment only. */
static int parse_counters(struct nlattr *nest, struct lb_info *info)
{
	struct nlattr *nla;
	int rem, type;

	nla_for_each_nested(nla, nest, rem) {
		type = nla_type(nla);
		if (type == FULLNAT_CNT_UNSPEC || type == FULLNAT_CNT_PAD)
			continue;
		if (nla_len(nla) != sizeof(uint64_t))
			return -EPROTO;
		if (info->n_counters == LB_COUNTERS_MAX)
			continue;
		info->counters[info->n_counters].id = (unsigned int)type;
		info->counters[info->n_counters].value = nla_get_u64(nla);
		info->n_counters++;
	}
	return 0;
}

/*
 * The entries of a list nest (FULLNAT_A_LIST_ENTRY), each size bytes (0: a
 * string), into v, at most LB_CAPS_MAX; *n counts them.
 */
static int get_list(struct nlattr *nest, void *v, size_t size,
		    unsigned int *n)
{
	struct nlattr *nla;
	int rem;

	nla_for_each_nested(nla, nest, rem) {
		if (nla_type(nla) != FULLNAT_A_LIST_ENTRY)
			continue;
		if (size ? (size_t)nla_len(nla) != size :
			   !memchr(nla_data(nla), '\0', (size_t)nla_len(nla)))
			return -EPROTO;
		if (*n == LB_CAPS_MAX)
			continue;
		if (size == sizeof(uint8_t))
			((uint8_t *)v)[*n] = nla_get_u8(nla);
		else if (size == sizeof(uint16_t))
			((uint16_t *)v)[*n] = nla_get_u16(nla);
		else
			nla_strlcpy(((char (*)[FULLNAT_SCHED_NAME_MAX])v)[*n],
				    nla, FULLNAT_SCHED_NAME_MAX);
		++*n;
	}
	return 0;
}

/* What the module can do: all of it, or it did not say (has_caps). */
static int parse_caps(struct nlattr **tb, struct lb_info *info)
{
	uint32_t abi;
	size_t i;

	if (!tb[FULLNAT_A_INFO_FORWARDS] || !tb[FULLNAT_A_INFO_PROTOCOLS] ||
	    !tb[FULLNAT_A_INFO_FAMILIES] || !tb[FULLNAT_A_INFO_SCHEDULERS])
		return 0;
	info->has_caps = true;
	info->fullnat64 = tb[FULLNAT_A_INFO_FULLNAT64];
	abi = nla_get_u32(tb[FULLNAT_A_INFO_FORWARDS]);
	for (i = 0; i < ARRAY_SIZE(fwd_to_abi); i++)
		if (abi & 1u << fwd_to_abi[i])
			info->forwards |= 1u << i;
	return get_list(tb[FULLNAT_A_INFO_PROTOCOLS], info->protocols,
			sizeof(info->protocols[0]), &info->n_protocols) ?:
	       get_list(tb[FULLNAT_A_INFO_FAMILIES], info->families,
			sizeof(info->families[0]), &info->n_families) ?:
	       get_list(tb[FULLNAT_A_INFO_SCHEDULERS], info->scheds, 0,
			&info->n_scheds);
}

int lb_parse_info(struct nlattr *nest, struct lb_info *info)
{
	struct nlattr *tb[FULLNAT_A_INFO_MAX + 1];
	int ret;

	memset(info, 0, sizeof(*info));
	ret = parse_nest(tb, FULLNAT_A_INFO_MAX, nest, info_policy,
			 BIT(FULLNAT_A_INFO_VERSION) | BIT(FULLNAT_A_INFO_ABI) |
			 BIT(FULLNAT_A_INFO_SERVICES) |
			 BIT(FULLNAT_A_INFO_REAL_SERVERS) |
			 BIT(FULLNAT_A_INFO_CONNS) |
			 BIT(FULLNAT_A_INFO_CONN_MAX));
	if (ret)
		return ret;
	nla_strlcpy(info->version, tb[FULLNAT_A_INFO_VERSION],
		    sizeof(info->version));
	info->abi = nla_get_u32(tb[FULLNAT_A_INFO_ABI]);
	if (tb[FULLNAT_A_INFO_NETNS_COOKIE])
		info->netns_cookie =
			nla_get_u64(tb[FULLNAT_A_INFO_NETNS_COOKIE]);
	info->services = nla_get_u32(tb[FULLNAT_A_INFO_SERVICES]);
	info->real_servers = nla_get_u32(tb[FULLNAT_A_INFO_REAL_SERVERS]);
	info->conns = nla_get_u32(tb[FULLNAT_A_INFO_CONNS]);
	info->conn_max = nla_get_u32(tb[FULLNAT_A_INFO_CONN_MAX]);
	info->has_generation = tb[FULLNAT_A_INFO_GENERATION];
	if (info->has_generation)
		info->generation = nla_get_u64(tb[FULLNAT_A_INFO_GENERATION]);
	if (tb[FULLNAT_A_INFO_COUNTERS]) {
		ret = parse_counters(tb[FULLNAT_A_INFO_COUNTERS], info);
		if (ret)
			return ret;
	}
	return parse_caps(tb, info);
}

/*
 * An object's nest into tb, with its fields' policy added to pol, then
 * the fields of t into obj; every attribute of need must be there.
 */
static int parse_fields(struct nlattr **tb, int max, struct nlattr *nest,
			struct nla_policy *pol, uint64_t need,
			const struct lb_fields *t, void *obj)
{
	policy_fields(pol, t, 0);
	return parse_nest(tb, max, nest, pol, need) ?:
	       get_fields(tb, t, obj, 0);
}

/* All of it is fields: the policy comes from their table. */
static struct nla_policy config_policy[FULLNAT_A_CFG_MAX + 1];

int lb_parse_config(struct nlattr *nest, struct lb_config *cfg)
{
	struct nlattr *tb[FULLNAT_A_CFG_MAX + 1];

	lb_config_init(cfg);
	return parse_fields(tb, FULLNAT_A_CFG_MAX, nest, config_policy, 0,
			    &lb_config_fields, cfg);
}

static struct nla_policy stats_policy[FULLNAT_A_STATS_MAX + 1];

/* Statistics are optional; absent counters read 0. */
static int parse_stats(struct nlattr *nest, struct lb_stats *st)
{
	struct nlattr *tb[FULLNAT_A_STATS_MAX + 1];

	memset(st, 0, sizeof(*st));
	return !nest ? 0 : parse_fields(tb, FULLNAT_A_STATS_MAX, nest,
					stats_policy, 0, &lb_stats_fields, st);
}

static struct nla_policy service_policy[FULLNAT_A_SVC_MAX + 1] = {
	[FULLNAT_A_SVC_PROTOCOL]	= { .type = NLA_U8 },
	[FULLNAT_A_SVC_ADDR]		= ADDR_POLICY,
	[FULLNAT_A_SVC_PORT]		= { .type = NLA_U16 },
	/* and the fields' (policy_fields()) */
	[FULLNAT_A_SVC_STATS]		= { .type = NLA_NESTED },
	[FULLNAT_A_SVC_REAL_SERVERS]	= { .type = NLA_U32 },
};

int lb_parse_service(struct nlattr *nest, struct lb_service *svc)
{
	struct nlattr *tb[FULLNAT_A_SVC_MAX + 1];
	int ret;

	lb_service_init(svc);
	ret = parse_fields(tb, FULLNAT_A_SVC_MAX, nest, service_policy,
			   BIT(FULLNAT_A_SVC_PROTOCOL) |
			   BIT(FULLNAT_A_SVC_ADDR) | BIT(FULLNAT_A_SVC_PORT),
			   &lb_service_fields, svc) ?:
	      get_addr(tb[FULLNAT_A_SVC_ADDR], &svc->addr) ?:
	      proto_from_abi(nla_get_u8(tb[FULLNAT_A_SVC_PROTOCOL]),
			     &svc->proto) ?:
	      parse_stats(tb[FULLNAT_A_SVC_STATS], &svc->stats);
	if (ret)
		return ret;
	svc->port = nla_get_u16(tb[FULLNAT_A_SVC_PORT]);
	if (tb[FULLNAT_A_SVC_REAL_SERVERS])
		svc->real_servers = nla_get_u32(tb[FULLNAT_A_SVC_REAL_SERVERS]);
	return 0;
}

static struct nla_policy dest_policy[FULLNAT_A_DEST_MAX + 1] = {
	[FULLNAT_A_DEST_ADDR]		= ADDR_POLICY,
	[FULLNAT_A_DEST_PORT]		= { .type = NLA_U16 },
	/* and the fields' (policy_fields()) */
	[FULLNAT_A_DEST_STATS]		= { .type = NLA_NESTED },
};

int lb_parse_dest(struct nlattr *nest, struct lb_dest *dest)
{
	struct nlattr *tb[FULLNAT_A_DEST_MAX + 1];
	int ret;

	lb_dest_init(dest);
	ret = parse_fields(tb, FULLNAT_A_DEST_MAX, nest, dest_policy,
			   BIT(FULLNAT_A_DEST_ADDR) | BIT(FULLNAT_A_DEST_PORT),
			   &lb_dest_fields, dest) ?:
	      get_addr(tb[FULLNAT_A_DEST_ADDR], &dest->addr) ?:
	      parse_stats(tb[FULLNAT_A_DEST_STATS], &dest->stats);
	if (!ret)
		dest->port = nla_get_u16(tb[FULLNAT_A_DEST_PORT]);
	return ret;
}

static struct nla_policy laddr_policy[FULLNAT_A_LADDR_MAX + 1] = {
	[FULLNAT_A_LADDR_ADDR]		= ADDR_POLICY,
	/* and the fields' (policy_fields()) */
};

int lb_parse_laddr(struct nlattr *nest, struct lb_laddr *laddr)
{
	struct nlattr *tb[FULLNAT_A_LADDR_MAX + 1];

	memset(laddr, 0, sizeof(*laddr));
	return parse_fields(tb, FULLNAT_A_LADDR_MAX, nest, laddr_policy,
			    BIT(FULLNAT_A_LADDR_ADDR), &lb_laddr_fields,
			    laddr) ?:
	       get_addr(tb[FULLNAT_A_LADDR_ADDR], &laddr->addr);
}

static struct nla_policy conn_policy[FULLNAT_A_CONN_MAX + 1] = {
	[FULLNAT_A_CONN_PROTOCOL]	= { .type = NLA_U8 },
	[FULLNAT_A_CONN_CADDR]		= ADDR_POLICY,
	[FULLNAT_A_CONN_CPORT]		= { .type = NLA_U16 },
	[FULLNAT_A_CONN_VADDR]		= ADDR_POLICY,
	[FULLNAT_A_CONN_VPORT]		= { .type = NLA_U16 },
	[FULLNAT_A_CONN_LADDR]		= ADDR_POLICY,
	[FULLNAT_A_CONN_LPORT]		= { .type = NLA_U16 },
	[FULLNAT_A_CONN_DADDR]		= ADDR_POLICY,
	[FULLNAT_A_CONN_DPORT]		= { .type = NLA_U16 },
	[FULLNAT_A_CONN_STATE]		= { .type = NLA_U8 },
	[FULLNAT_A_CONN_EXPIRES]	= { .type = NLA_U32 },
	[FULLNAT_A_CONN_FORWARD]	= { .type = NLA_U8 },
	[FULLNAT_A_CONN_FLAGS]		= { .type = NLA_U32 },
	[FULLNAT_A_CONN_CSEQ_END]	= { .type = NLA_U32 },
	[FULLNAT_A_CONN_CSEQ_WIN]	= { .type = NLA_U16 },
	[FULLNAT_A_CONN_CSEQ_WSCALE]	= { .type = NLA_U8 },
	[FULLNAT_A_CONN_SSEQ_END]	= { .type = NLA_U32 },
	[FULLNAT_A_CONN_SSEQ_WIN]	= { .type = NLA_U16 },
	[FULLNAT_A_CONN_SSEQ_WSCALE]	= { .type = NLA_U8 },
	[FULLNAT_A_CONN_RS_ISN]		= { .type = NLA_U32 },
};

/* Each end's address, then its port: CADDR, CPORT, VADDR, VPORT, ... */
_Static_assert(FULLNAT_A_CONN_DPORT == FULLNAT_A_CONN_CADDR + 7, "CONN ends");

/* An address and its port attribute; both or neither for an optional one. */
static int get_endpoint(struct nlattr **tb, int addr, struct lb_addrport *ap)
{
	memset(ap, 0, sizeof(*ap));
	if (!tb[addr] && !tb[addr + 1])
		return 0;
	if (!tb[addr] || !tb[addr + 1])
		return -EPROTO;
	ap->port = nla_get_u16(tb[addr + 1]);
	return get_addr(tb[addr], &ap->addr);
}

int lb_parse_conn(struct nlattr *nest, struct lb_conn *conn)
{
	struct lb_addrport *end[] = {
		&conn->client, &conn->vip, &conn->local, &conn->real,
	};
	struct nlattr *tb[FULLNAT_A_CONN_MAX + 1];
	int i, ret;

	memset(conn, 0, sizeof(*conn));
	conn->fwd = -1;
	ret = parse_nest(tb, FULLNAT_A_CONN_MAX, nest, conn_policy,
			 BIT(FULLNAT_A_CONN_PROTOCOL) |
			 BIT(FULLNAT_A_CONN_CADDR) | BIT(FULLNAT_A_CONN_CPORT) |
			 BIT(FULLNAT_A_CONN_VADDR) | BIT(FULLNAT_A_CONN_VPORT) |
			 BIT(FULLNAT_A_CONN_DADDR) |
			 BIT(FULLNAT_A_CONN_DPORT)) ?:
	      proto_from_abi(nla_get_u8(tb[FULLNAT_A_CONN_PROTOCOL]),
			     &conn->proto);
	for (i = 0; i < 4 && !ret; i++)
		ret = get_endpoint(tb, FULLNAT_A_CONN_CADDR + 2 * i, end[i]);
	if (ret)
		return ret;
	if (tb[FULLNAT_A_CONN_STATE])
		conn->state = nla_get_u8(tb[FULLNAT_A_CONN_STATE]);
	if (tb[FULLNAT_A_CONN_EXPIRES])
		conn->expires = nla_get_u32(tb[FULLNAT_A_CONN_EXPIRES]);
	if (tb[FULLNAT_A_CONN_FORWARD])
		conn->fwd = fwd_from_abi(nla_get_u8(tb[FULLNAT_A_CONN_FORWARD]));
	if (tb[FULLNAT_A_CONN_FLAGS])
		conn->nodata = nla_get_u32(tb[FULLNAT_A_CONN_FLAGS]) &
			       FULLNAT_CONN_F_NODATA;
	conn->has_seq = tb[FULLNAT_A_CONN_CSEQ_END] && tb[FULLNAT_A_CONN_CSEQ_WIN] &&
			tb[FULLNAT_A_CONN_CSEQ_WSCALE] && tb[FULLNAT_A_CONN_SSEQ_END] &&
			tb[FULLNAT_A_CONN_SSEQ_WIN] && tb[FULLNAT_A_CONN_SSEQ_WSCALE];
	for (i = 0; i < 2 && conn->has_seq; i++) {
		int a = i ? FULLNAT_A_CONN_SSEQ_END : FULLNAT_A_CONN_CSEQ_END;

		conn->seq.end[i] = nla_get_u32(tb[a]);
		conn->seq.win[i] = nla_get_u16(tb[a + 1]);
		conn->seq.wscale[i] = nla_get_u8(tb[a + 2]);
	}
	conn->has_isn = conn->has_seq && tb[FULLNAT_A_CONN_RS_ISN];
	if (conn->has_isn)
		conn->isn = nla_get_u32(tb[FULLNAT_A_CONN_RS_ISN]);
	return 0;
}

static struct nla_policy tmpl_policy[FULLNAT_A_TMPL_MAX + 1] = {
	[FULLNAT_A_TMPL_PROTOCOL]	= { .type = NLA_U8 },
	[FULLNAT_A_TMPL_VADDR]		= ADDR_POLICY,
	[FULLNAT_A_TMPL_VPORT]		= { .type = NLA_U16 },
	[FULLNAT_A_TMPL_CADDR]		= ADDR_POLICY,
	[FULLNAT_A_TMPL_NETMASK]	= { .type = NLA_U8 },
	[FULLNAT_A_TMPL_DADDR]		= ADDR_POLICY,
	[FULLNAT_A_TMPL_DPORT]		= { .type = NLA_U16 },
	[FULLNAT_A_TMPL_CONNS]		= { .type = NLA_U32 },
	[FULLNAT_A_TMPL_EXPIRES]	= { .type = NLA_U32 },
};

int lb_parse_template(struct nlattr *nest, struct lb_template *tmpl)
{
	struct nlattr *tb[FULLNAT_A_TMPL_MAX + 1];
	int ret;

	memset(tmpl, 0, sizeof(*tmpl));
	ret = parse_nest(tb, FULLNAT_A_TMPL_MAX, nest, tmpl_policy,
			 BIT(FULLNAT_A_TMPL_PROTOCOL) |
			 BIT(FULLNAT_A_TMPL_VADDR) | BIT(FULLNAT_A_TMPL_VPORT) |
			 BIT(FULLNAT_A_TMPL_CADDR) | BIT(FULLNAT_A_TMPL_NETMASK) |
			 BIT(FULLNAT_A_TMPL_DADDR) |
			 BIT(FULLNAT_A_TMPL_DPORT)) ?:
	      proto_from_abi(nla_get_u8(tb[FULLNAT_A_TMPL_PROTOCOL]),
			     &tmpl->proto) ?:
	      get_endpoint(tb, FULLNAT_A_TMPL_VADDR, &tmpl->vip) ?:
	      get_addr(tb[FULLNAT_A_TMPL_CADDR], &tmpl->client) ?:
	      get_endpoint(tb, FULLNAT_A_TMPL_DADDR, &tmpl->real);
	if (ret)
		return ret;
	tmpl->netmask = nla_get_u8(tb[FULLNAT_A_TMPL_NETMASK]);
	/* A prefix longer than the address: not one the kernel would send. */
	if (tmpl->netmask > (tmpl->client.family == AF_INET6 ? 128u : 32u))
		return -EPROTO;
	if (tb[FULLNAT_A_TMPL_CONNS])
		tmpl->conns = nla_get_u32(tb[FULLNAT_A_TMPL_CONNS]);
	if (tb[FULLNAT_A_TMPL_EXPIRES])
		tmpl->expires = nla_get_u32(tb[FULLNAT_A_TMPL_EXPIRES]);
	return 0;
}

int lb_msg_each(struct nl_msg *msg, int attr,
		int (*fn)(struct nlattr *nest, void *arg), void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *gnlh;
	struct nlattr *nla;
	int rem, n = 0, ret;

	if (!genlmsg_valid_hdr(nlh, 0))
		return -EPROTO;
	gnlh = nlmsg_data(nlh);
	nla_for_each_attr(nla, genlmsg_attrdata(gnlh, 0),
			  genlmsg_attrlen(gnlh, 0), rem) {
		if (nla_type(nla) != attr)
			continue;
		ret = fn(nla, arg);
		if (ret)
			return ret;
		n++;
	}
	return n;
}
