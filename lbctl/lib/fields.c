// SPDX-License-Identifier: GPL-2.0
/*
 * The field tables of the director's objects, and the few operations
 * every user of a row needs. See fields.h.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "fields.h"
#include "util.h"

#define AT(type, member)	.off = offsetof(type, member),		\
				.size = sizeof(((type *)0)->member)

/* A row of what the kernel counts: printed, never sent. */
#define COUNTER(type, member, attr_, fmt_)				\
	{ .name = #member, .kind = LB_FK_COUNTER, AT(type, member),	\
	  .attr = (attr_), .fmt = (fmt_) }

/* The sizes fullnat.ko takes: primes, as Maglev needs. */
static int table_valid(long long v, char *why, size_t len)
{
	static const uint32_t sizes[] = FULLNAT_SCHED_TABLE_SIZES;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		if (v == sizes[i])
			return 0;
	return parse_fail(why, len,
			  "scheduler_table %lld is not one of 251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 65537, 131071, 262139",
			  v);
}

static const struct lb_field service_rows[] = {
	{ .name = "forward", .metavar = "fullnat|nat|dr|tun",
	  .kind = LB_FK_FWD, .flags = LB_FF_DEFAULT | LB_FF_ADD,
	  AT(struct lb_service, fwd), .attr = FULLNAT_A_SVC_FORWARD,
	  .def = LB_FWD_FULLNAT, .unknown = "unknown" },
	{ .name = "scheduler", .metavar = "rr|wrr|wlc|lc|sed|nq|sh|dh|mh",
	  .kind = LB_FK_SCHED,
	  .flags = LB_FF_SET | LB_FF_DEFAULT | LB_FF_ADD,
	  AT(struct lb_service, sched), .attr = FULLNAT_A_SVC_SCHED,
	  .def_name = "wlc", .unknown = "", .fmt = " %s" },
	/* The kernel's default is on: "add" leaves it to the kernel. */
	{ .name = "toa", .metavar = "on|off", .kind = LB_FK_BOOL,
	  .flags = LB_FF_SET | LB_FF_DEFAULT | LB_FF_FLAG,
	  AT(struct lb_service, toa), .attr = FULLNAT_A_SVC_TOA, .def = 1 },
	/* sh and mh hash the client's port too (one flow, not one client,
	 * keeps a server); defaults as the kernel's, so a file without
	 * them matches a director that has them. */
	{ .name = "scheduler_port", .metavar = "on|off", .kind = LB_FK_BOOL,
	  .flags = LB_FF_SET | LB_FF_DEFAULT | LB_FF_FLAG,
	  AT(struct lb_service, sched_port), .attr = FULLNAT_A_SCHED_OPT_PORT,
	  .nest = FULLNAT_A_SVC_SCHED_OPTS, .def = 0 },
	/* sh, dh, mh: slots of the table (4 bytes each) */
	{ .name = "scheduler_table", .metavar = "PRIME", .kind = LB_FK_UINT,
	  .flags = LB_FF_SET | LB_FF_DEFAULT,
	  AT(struct lb_service, sched_table), .attr = FULLNAT_A_SCHED_OPT_TABLE,
	  .nest = FULLNAT_A_SVC_SCHED_OPTS, .min = 251, .max = 262139,
	  .def = FULLNAT_SCHED_TABLE_DEFAULT, .valid = table_valid },
	/* Client affinity: "persistence SECONDS [netmask N]" on the command
	 * line, "persistence": {"timeout": S, "netmask": N} in JSON. 0 is
	 * off; the netmask is a prefix length of the VIP's family: 1 to 32
	 * or 1 to 128, whole by default (the cluster file: services.c; the
	 * command line leaves it to the kernel, which checks the family). */
	{ .name = "persistence", .metavar = "SECONDS", .kind = LB_FK_UINT,
	  .flags = LB_FF_SET | LB_FF_DEFAULT | LB_FF_FLAG,
	  AT(struct lb_service, persist_timeout),
	  .attr = FULLNAT_A_SVC_PERSIST_TIMEOUT, .min = 0,
	  .max = FULLNAT_PERSIST_TIMEOUT_MAX, .def = 0,
	  .group = "persistence", .json = "timeout",
	  .fmt = " persistence %llu" },
	{ .name = "netmask", .metavar = "N", .kind = LB_FK_UINT,
	  .flags = LB_FF_SET | LB_FF_DEFAULT,
	  AT(struct lb_service, persist_netmask),
	  .attr = FULLNAT_A_SVC_PERSIST_NETMASK, .min = 1, .max = 128,
	  .def = 32, .group = "persistence" },
	{ .name = "templates", .kind = LB_FK_COUNTER, .flags = LB_FF_FLAG,
	  AT(struct lb_service, templates),
	  .attr = FULLNAT_A_SVC_PERSIST_TEMPLATES, .group = "persistence",
	  .fmt = " templates %llu" },
};

static const struct lb_field dest_rows[] = {
	{ .name = "weight", .metavar = "W", .kind = LB_FK_UINT,
	  .flags = LB_FF_SET | LB_FF_DEFAULT | LB_FF_ADD,
	  AT(struct lb_dest, weight), .attr = FULLNAT_A_DEST_WEIGHT,
	  .min = 0, .max = FULLNAT_WEIGHT_MAX, .def = 1, .fmt = "%-6llu " },
	/* Unset: the service's (a reply's when it is the same, api.c). */
	{ .name = "forward", .metavar = "fullnat|nat|dr|tun",
	  .kind = LB_FK_FWD, .flags = LB_FF_SET,
	  AT(struct lb_dest, fwd), .attr = FULLNAT_A_DEST_FORWARD },
	COUNTER(struct lb_dest, active, FULLNAT_A_DEST_ACTIVE, "%-10llu "),
	COUNTER(struct lb_dest, inactive, FULLNAT_A_DEST_INACTIVE, "%llu"),
};

/* A local address has only what the kernel counts. */
static const struct lb_field laddr_rows[] = {
	COUNTER(struct lb_laddr, ports_in_use, FULLNAT_A_LADDR_PORTS_IN_USE,
		" %10llu"),
	COUNTER(struct lb_laddr, conns, FULLNAT_A_LADDR_CONNS, " %12llu"),
	COUNTER(struct lb_laddr, conflicts, FULLNAT_A_LADDR_CONFLICTS,
		" %12llu"),
	COUNTER(struct lb_laddr, exhausted, FULLNAT_A_LADDR_EXHAUSTED,
		" %12llu"),
};

/* The traffic of a service or real server, a nest of its own; its text
 * columns are those of "lbctl show --stats" and "--rate". */
static const struct lb_field stats_rows[] = {
	COUNTER(struct lb_stats, conns, FULLNAT_A_STATS_CONNS, " %8llu"),
	COUNTER(struct lb_stats, inpkts, FULLNAT_A_STATS_INPKTS, " %8llu"),
	COUNTER(struct lb_stats, outpkts, FULLNAT_A_STATS_OUTPKTS, " %8llu"),
	COUNTER(struct lb_stats, inbytes, FULLNAT_A_STATS_INBYTES, " %8llu"),
	COUNTER(struct lb_stats, outbytes, FULLNAT_A_STATS_OUTBYTES, " %8llu"),
};

static const struct lb_field config_rows[] = {
	{ .name = "conn_max", .metavar = "N", .kind = LB_FK_UINT,
	  .flags = LB_FF_SET, AT(struct lb_config, conn_max),
	  .bit = LB_CFG_CONN_MAX, .attr = FULLNAT_A_CFG_CONN_MAX,
	  .min = 1, .max = FULLNAT_CONN_MAX_LIMIT },
	{ .name = "port_range", .metavar = "LO-HI", .kind = LB_FK_PORT_RANGE,
	  .flags = LB_FF_SET, .bit = LB_CFG_PORT_RANGE },
	{ .name = "expire_nodest", .metavar = "on|off", .kind = LB_FK_BOOL,
	  .flags = LB_FF_SET, AT(struct lb_config, expire_nodest),
	  .bit = LB_CFG_EXPIRE_NODEST, .attr = FULLNAT_A_CFG_EXPIRE_NODEST },
	/* Off by default, as IPVS's expire_quiescent_template. */
	{ .name = "expire_quiescent", .metavar = "on|off", .kind = LB_FK_BOOL,
	  .flags = LB_FF_SET, AT(struct lb_config, expire_quiescent),
	  .bit = LB_CFG_EXPIRE_QUIESCENT,
	  .attr = FULLNAT_A_CFG_EXPIRE_QUIESCENT },
	{ .name = "timeout", .metavar = "tcp STATE SECONDS|udp [unreplied] SECONDS",
	  .kind = LB_FK_TIMEOUTS, .flags = LB_FF_SET,
	  .min = 1, .max = FULLNAT_TIMEOUT_MAX },
};

#define TABLE(name, rows) \
	const struct lb_fields name = { rows, ARRAY_SIZE(rows) }

TABLE(lb_service_fields, service_rows);
TABLE(lb_dest_fields, dest_rows);
TABLE(lb_config_fields, config_rows);
TABLE(lb_laddr_fields, laddr_rows);
TABLE(lb_stats_fields, stats_rows);

char *lb_field_str(const struct lb_field *f, const void *obj)
{
	return (char *)obj + f->off;
}

static unsigned int *present(void *obj)
{
	/* Only lb_config has presence bits. */
	return &((struct lb_config *)obj)->present;
}

bool lb_field_is_set(const struct lb_field *f, const void *obj)
{
	if (f->bit)
		return *present((void *)obj) & f->bit;
	if (f->kind == LB_FK_COUNTER)
		return true;
	if (f->kind == LB_FK_SCHED)
		return lb_field_str(f, obj)[0];
	return lb_field_get(f, obj) >= 0;
}

long long lb_field_get(const struct lb_field *f, const void *obj)
{
	const void *p = lb_field_str(f, obj);

	if (f->bit && !(*present((void *)obj) & f->bit))
		return -1;
	if (f->size == sizeof(uint8_t))
		return *(const uint8_t *)p;
	if (f->size == sizeof(uint16_t))
		return *(const uint16_t *)p;
	if (f->size == sizeof(uint64_t))
		return (long long)*(const uint64_t *)p;
	/* With a presence bit, all 32 bits are the value; else -1 is unset. */
	if (f->bit || f->kind == LB_FK_COUNTER)
		return *(const uint32_t *)p;
	return *(const int32_t *)p;
}

void lb_field_set(const struct lb_field *f, void *obj, long long v)
{
	void *p = lb_field_str(f, obj);

	if (f->bit)
		*present(obj) |= f->bit;
	if (f->size == sizeof(uint8_t))
		*(uint8_t *)p = (uint8_t)v;
	else if (f->size == sizeof(uint16_t))
		*(uint16_t *)p = (uint16_t)v;
	else if (f->size == sizeof(uint64_t))
		*(uint64_t *)p = (uint64_t)v;
	else	/* an int32_t's -1 too */
		*(uint32_t *)p = (uint32_t)v;
}

bool lb_field_same(const struct lb_field *f, const void *a, const void *b)
{
	if (lb_field_is_set(f, a) != lb_field_is_set(f, b))
		return false;
	if (f->kind == LB_FK_SCHED)
		return !strcmp(lb_field_str(f, a), lb_field_str(f, b));
	return !memcmp(lb_field_str(f, a), lb_field_str(f, b), f->size);
}

void lb_field_copy(const struct lb_field *f, void *dst, const void *src)
{
	memcpy(lb_field_str(f, dst), lb_field_str(f, src), f->size);
	if (f->bit)
		*present(dst) = (*present(dst) & ~f->bit) |
				(*present((void *)src) & f->bit);
}

void lb_fields_clear(const struct lb_fields *t, void *obj)
{
	const struct lb_field *f;

	lb_for_each_field(f, t) {
		if (f->bit)
			*present(obj) &= ~f->bit;
		else if (f->kind == LB_FK_SCHED)
			lb_field_str(f, obj)[0] = '\0';
		else if (f->kind != LB_FK_TIMEOUTS &&
			 f->kind != LB_FK_COUNTER)
			lb_field_set(f, obj, -1);
	}
}

void lb_fields_default(const struct lb_fields *t, void *obj, bool add)
{
	const struct lb_field *f;

	lb_for_each_field(f, t) {
		if (!(f->flags & (add ? LB_FF_ADD : LB_FF_DEFAULT)) ||
		    lb_field_is_set(f, obj))
			continue;
		if (f->kind == LB_FK_SCHED)
			snprintf(lb_field_str(f, obj), f->size, "%s",
				 f->def_name);
		else
			lb_field_set(f, obj, f->def);
	}
}

int lb_field_parse(const struct lb_field *f, const char *word, void *obj,
		   char *err, size_t errlen)
{
	struct lb_config *cfg = obj;
	enum lb_fwd fwd = LB_FWD_FULLNAT;
	uint32_t n = 0;
	bool on = false;
	int ret;

	if (f->kind == LB_FK_SCHED)
		return parse_sched(word, lb_field_str(f, obj), f->size, err,
				   errlen);
	if (f->kind == LB_FK_PORT_RANGE) {
		cfg->present |= f->bit;
		return parse_port_range(word, &cfg->port_min, &cfg->port_max,
					err, errlen);
	}
	if (f->kind == LB_FK_UINT)
		ret = parse_u32(word, f->name, f->min, f->max, &n, err,
				errlen) ?:
		      (f->valid ? f->valid(n, err, errlen) : 0);
	else if (f->kind == LB_FK_BOOL)
		ret = parse_onoff(word, f->name, &on, err, errlen);
	else if (f->kind == LB_FK_FWD)
		ret = parse_fwd(word, &fwd, err, errlen);
	else
		return -EINVAL;
	if (!ret)
		lb_field_set(f, obj, f->kind == LB_FK_UINT ? n :
				     f->kind == LB_FK_BOOL ? on : fwd);
	return ret;
}

const char *lb_field_value(const struct lb_field *f, const void *obj,
			   char *buf, size_t len)
{
	long long v = lb_field_get(f, obj);

	if (!lb_field_is_set(f, obj))
		return f->unknown ?: "";
	switch (f->kind) {
	case LB_FK_BOOL:
		return v ? "on" : "off";
	case LB_FK_FWD:
		return fwd_name((enum lb_fwd)v);
	case LB_FK_SCHED:
		return lb_field_str(f, obj);
	default:
		snprintf(buf, len, "%lld", v);
		return buf;
	}
}

void lb_field_words(const struct lb_field *f, const void *obj, char *buf,
		    size_t len, size_t *off, const char **sep)
{
	const struct lb_config *cfg = obj;
	char v[32];
	unsigned int t;

	if (f->kind == LB_FK_TIMEOUTS) {
		for (t = 0; t < LB_TIMEOUTS; t++) {
			if (!(cfg->present & LB_CFG_TIMEOUT(t)))
				continue;
			lb_appendf(buf, len, off, "%s%s %s%s%s %u", *sep,
				   f->name, lb_timeout_proto(t),
				   lb_timeout_state(t) ? " " : "",
				   lb_timeout_state(t) ?: "", cfg->timeout[t]);
			*sep = " ";
		}
		return;
	}
	if (!lb_field_is_set(f, obj) || f->kind == LB_FK_COUNTER)
		return;
	if (f->kind == LB_FK_PORT_RANGE)
		lb_appendf(buf, len, off, "%s%s %u-%u", *sep, f->name,
			   cfg->port_min, cfg->port_max);
	else
		lb_appendf(buf, len, off, "%s%s %s", *sep, f->name,
			   lb_field_value(f, obj, v, sizeof(v)));
	*sep = " ";
}

const struct lb_field *lb_config_field(unsigned int bit)
{
	const struct lb_field *f;

	lb_for_each_field(f, &lb_config_fields)
		if (f->bit ? f->bit == bit : f->kind == LB_FK_TIMEOUTS &&
		    bit >= LB_CFG_TIMEOUT(0) &&
		    bit <= LB_CFG_TIMEOUT(LB_TIMEOUTS - 1))
			return f;
	return NULL;
}

const char *lb_conn_state_name(enum lb_proto proto, unsigned int state)
{
	if (proto == LB_PROTO_TCP)
		return tcp_state_name(state);
	return state == FULLNAT_UDP_S_NORMAL ? "normal" :
	       state == FULLNAT_UDP_S_UNREPLIED ? "unreplied" : "unknown";
}

const char *lb_timeout_proto(unsigned int t)
{
	return t < LB_TIMEOUT_UDP(0) ? "tcp" : "udp";
}

const char *lb_timeout_state(unsigned int t)
{
	if (t < LB_TIMEOUT_UDP(0))
		return tcp_state_name(t);
	/* UDP's stream is plain "udp", as before it had a second state. */
	return t == LB_TIMEOUT_UDP(FULLNAT_UDP_S_UNREPLIED) ? "unreplied" : NULL;
}

int lb_timeout_parse(char *const *words, int n, unsigned int *t,
		     char *err, size_t errlen)
{
	unsigned int st;
	int tcp;

	if (n >= 1 && !strcmp(words[0], "udp")) {
		if (n >= 2 && !strcmp(words[1], "unreplied")) {
			*t = LB_TIMEOUT_UDP(FULLNAT_UDP_S_UNREPLIED);
			return 2;
		}
		*t = LB_TIMEOUT_UDP(FULLNAT_UDP_S_NORMAL);
		return 1;
	}
	tcp = n >= 1 && !strcmp(words[0], "tcp");
	if (n <= tcp)
		return parse_fail(err, errlen, "a TCP timeout needs a state");
	if (parse_tcp_state(words[tcp], &st, err, errlen))
		return -EINVAL;
	*t = LB_TIMEOUT_TCP(st);
	return 1 + tcp;
}

/* Whether the module has method fwd; one that did not say has them all. */
static bool has_fwd(const struct lb_info *info, int fwd)
{
	return !info->has_caps || (fwd >= 0 && fwd < 32 &&
				   info->forwards & 1u << fwd);
}

int lb_caps_fwd(const struct lb_info *info, int fwd, char *why, size_t len)
{
	char list[64];
	size_t off = 0;
	int i, n = 0;

	if (fwd < 0 || has_fwd(info, fwd))
		return 0;
	list[0] = '\0';
	for (i = LB_FWD_FULLNAT; i <= LB_FWD_TUN; i++)
		if (has_fwd(info, i))
			lb_appendf(list, sizeof(list), &off, "%s%s",
				   n++ ? ", " : "", fwd_name((enum lb_fwd)i));
	return parse_fail(why, len,
			  "forwarding mode %s is not implemented in fullnat.ko yet; only %s %s",
			  fwd_name((enum lb_fwd)fwd), n ? list : "none",
			  n > 1 ? "are" : "is");
}

int lb_caps_proto(const struct lb_info *info, enum lb_proto proto,
		  char *why, size_t len)
{
	uint8_t p = proto == LB_PROTO_UDP ? IPPROTO_UDP : IPPROTO_TCP;
	unsigned int i;

	if (!info->has_caps)
		return 0;
	for (i = 0; i < info->n_protocols; i++)
		if (info->protocols[i] == p)
			return 0;
	return parse_fail(why, len, "%s services are not supported by fullnat.ko yet",
			  proto == LB_PROTO_UDP ? "UDP" : "TCP");
}

int lb_caps_family(const struct lb_info *info, const struct lb_addr *a,
		   char *why, size_t len)
{
	char s[INET6_ADDRSTRLEN];
	unsigned int i;

	if (!info->has_caps)
		return 0;
	for (i = 0; i < info->n_families; i++)
		if (info->families[i] == a->family)
			return 0;
	format_addr(a, s, sizeof(s));
	return parse_fail(why, len, "%s is %s, which fullnat.ko does not support yet",
			  s, a->family == AF_INET6 ? "IPv6" : "IPv4");
}

/* The LB_TIMEOUT index of a timeout's bit. */
#define TIMEOUT_OF(bit)	((unsigned int)(__builtin_ctz(bit) - \
					 __builtin_ctz(LB_CFG_TIMEOUT(0))))

bool lb_config_same(const struct lb_config *a, const struct lb_config *b,
		    unsigned int bit)
{
	const struct lb_field *f = lb_config_field(bit);

	if (!f)
		return true;
	if (f->kind == LB_FK_TIMEOUTS)
		return a->timeout[TIMEOUT_OF(bit)] ==
		       b->timeout[TIMEOUT_OF(bit)];
	if (f->kind == LB_FK_PORT_RANGE)
		return a->port_min == b->port_min && a->port_max == b->port_max;
	return lb_field_get(f, a) == lb_field_get(f, b);
}

void lb_config_copy(struct lb_config *dst, const struct lb_config *src,
		    unsigned int bit)
{
	const struct lb_field *f = lb_config_field(bit);

	dst->present |= bit;
	if (!f)
		return;
	if (f->kind == LB_FK_TIMEOUTS) {
		dst->timeout[TIMEOUT_OF(bit)] = src->timeout[TIMEOUT_OF(bit)];
	} else if (f->kind == LB_FK_PORT_RANGE) {
		dst->port_min = src->port_min;
		dst->port_max = src->port_max;
	} else {
		lb_field_set(f, dst, lb_field_get(f, src));
	}
}
