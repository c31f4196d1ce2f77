// SPDX-License-Identifier: GPL-2.0
/*
 * The director's objects as text and JSON. See print.h.
 *
 * The text tables are ipvsadm's (-Ln, -Ln --stats, -Lnc) so that the eye
 * and the scripts of an IPVS user find what they expect; numbers are exact
 * (ipvsadm --exact), never "12K".
 */
#include <stdio.h>
#include <string.h>

#include "fields.h"
#include "output.h"
#include "print.h"
#include "util.h"

/* ipvsadm's names of the forwarding modes, for the Forward column. */
static const char *const fwd_labels[] = {
	[LB_FWD_FULLNAT]	= "FullNAT",
	[LB_FWD_NAT]		= "Masq",
	[LB_FWD_DR]		= "Route",
	[LB_FWD_TUN]		= "Tunnel",
};

static const char *proto_label(enum lb_proto proto)
{
	return proto == LB_PROTO_TCP ? "TCP" : proto == LB_PROTO_UDP ? "UDP" :
	       "?";
}

/* JSON key (the address) and "port" of an endpoint; text prints it whole. */
static void print_endpoint(const char *key, const struct lb_addr *a,
			   uint16_t port)
{
	char s[INET6_ADDRSTRLEN];

	out_str(key, NULL, lb_addr_str(a, s, sizeof(s)));
	out_uint("port", NULL, port);
}

void print_info(const struct lb_info *info)
{
	out_str("version", "FullNAT director fullnat.ko %s", info->version);
	out_uint("abi", NULL, info->abi);
	out_uint(NULL, info->services == 1 ? ", %llu service" :
		 ", %llu services", info->services);
	out_uint(NULL, info->real_servers == 1 ? ", %llu real server" :
		 ", %llu real servers", info->real_servers);
	out_uint("connections", ", %llu", info->conns);
	out_uint("connection_max", "/%llu connections\n", info->conn_max);
}

/* How print_fields() prints. */
enum pf {
	PF_JSON,	/* JSON only */
	PF_SHOW,	/* and the columns of the text table (field->fmt) */
	PF_LINES,	/* and a text line each in the words that set it */
	PF_EXPORT,	/* JSON of what a cluster file has: no counters */
};

/*
 * {"tcp": {STATE: N...}, "udp": N, "udp_unreplied": N}, as a cluster file
 * has them; with lines, the text "timeout tcp STATE N" of each.
 */
static void print_timeouts(const struct lb_field *f,
			   const struct lb_config *cfg, bool lines)
{
	char fmt[64];
	unsigned int t;

	out_open_object(f->name);
	out_open_object("tcp");
	for (t = 0; t < LB_TIMEOUTS; t++) {
		if (t == LB_TIMEOUT_UDP(0))
			out_close();	/* of "tcp" */
		if (!(cfg->present & LB_CFG_TIMEOUT(t)))
			continue;
		snprintf(fmt, sizeof(fmt), "%s %s%s%s %%llu\n", f->name,
			 lb_timeout_proto(t), lb_timeout_state(t) ? " " : "",
			 lb_timeout_state(t) ?: "");
		out_uint(t == LB_TIMEOUT_UDP(FULLNAT_UDP_S_UNREPLIED) ?
			 "udp_unreplied" :
			 lb_timeout_state(t) ?: lb_timeout_proto(t),
			 lines ? fmt : NULL, cfg->timeout[t]);
	}
	out_close();
}

/* The fields of t that obj has, in the order of the table. */
static void print_fields(const struct lb_fields *t, const void *obj,
			 enum pf how)
{
	const struct lb_config *cfg = obj;
	const char *text, *key, *group = NULL;
	const struct lb_field *f;
	char fmt[64], v[32];

	lb_for_each_field(f, t) {
		if (f->kind == LB_FK_COUNTER && how == PF_EXPORT)
			continue;
		if (f->kind == LB_FK_TIMEOUTS) {
			print_timeouts(f, cfg, how == PF_LINES);
			continue;
		}
		if (!lb_field_is_set(f, obj) && !f->unknown)
			continue;
		if (f->group != group) {
			if (group)
				out_close();
			if (f->group)
				out_open_object(f->group);
			group = f->group;
		}
		key = f->json ?: f->name;
		/* The text: a line, a column, or none. */
		snprintf(fmt, sizeof(fmt), "%s %s\n", f->name,
			 f->kind == LB_FK_UINT ? "%llu" : "%s");
		text = how == PF_LINES ? fmt : how == PF_SHOW ? f->fmt : NULL;
		/* A number's column that says nothing at 0 ("persistence"). */
		if (how == PF_SHOW && f->flags & LB_FF_FLAG &&
		    (f->kind == LB_FK_UINT || f->kind == LB_FK_COUNTER) &&
		    lb_field_get(f, obj) <= 0)
			text = NULL;
		switch (f->kind) {
		case LB_FK_PORT_RANGE:
			snprintf(fmt, sizeof(fmt), "%s %%llu", f->name);
			out_open_object(f->name);
			out_uint("min", text ? fmt : NULL, cfg->port_min);
			out_uint("max", text ? "-%llu\n" : NULL, cfg->port_max);
			out_close();
			break;
		case LB_FK_UINT:
		case LB_FK_COUNTER:
			out_uint(key, text,
				 (unsigned long long)lb_field_get(f, obj));
			break;
		case LB_FK_BOOL:
			out_bool(key, how == PF_LINES ? text : NULL,
				 lb_field_get(f, obj) > 0);
			if (how == PF_SHOW && f->flags & LB_FF_FLAG &&
			    lb_field_get(f, obj) > 0)
				out_text(" %s", f->name);
			break;
		default:
			out_str(key, text,
				lb_field_value(f, obj, v, sizeof(v)));
		}
	}
	if (group)
		out_close();
}

void print_config(const struct lb_config *cfg, const char *key)
{
	out_open_object(key);
	print_fields(&lb_config_fields, cfg, PF_LINES);
	out_close();
}

/*
 * The header of the columns of t: each field's title in its column's
 * width ("ports_in_use" as "PortsInUse").
 */
static void print_titles(const struct lb_fields *t)
{
	const struct lb_field *f;
	char fmt[32], title[32];
	size_t i, n;

	lb_for_each_field(f, t) {
		if (!f->fmt)
			continue;
		snprintf(fmt, sizeof(fmt), "%.*ss", (int)strcspn(f->fmt, "l"),
			 f->fmt);
		for (i = n = 0; f->name[i] && n + 1 < sizeof(title); i++)
			if (f->name[i] != '_')
				title[n++] = !i || f->name[i - 1] == '_' ?
					     (char)(f->name[i] - 'a' + 'A') :
					     f->name[i];
		title[n] = '\0';
		out_text(fmt, title);
	}
	out_text("\n");
}

void print_laddrs(const struct lb_laddr_list *list, const char *key)
{
	char a[INET6_ADDRSTRLEN];
	size_t i;

	out_text("%-24s", "Address");
	print_titles(&lb_laddr_fields);
	out_open_array(key);
	for (i = 0; i < list->n; i++) {
		const struct lb_laddr *l = &list->v[i];

		out_open_object(NULL);
		out_str("address", "%-24s",
			lb_addr_str(&l->addr, a, sizeof(a)));
		print_fields(&lb_laddr_fields, l, PF_SHOW);
		out_text("\n");
		out_close();
	}
	out_close();
}

/* The JSON keys of the rates, in the order of lb_stats_fields. */
static const char *const rate_keys[] = {
	"cps", "inpps", "outpps", "inbps", "outbps",
};

/* names: NULL for the counters' own. */
static void print_counts(const char *key, const char *const names[],
			 const struct lb_stats *st, bool text)
{
	const struct lb_field *f;

	out_open_object(key);
	lb_for_each_field(f, &lb_stats_fields)
		out_uint(names ? names[f - lb_stats_fields.v] : f->name,
			 text ? f->fmt : NULL,
			 (unsigned long long)lb_field_get(f, st));
	out_close();
}

/* obj's fields, then its traffic (text with --stats or --rate), and the
 * line's end; to export (JSON only), what a cluster file has: no counters. */
static void print_object(const struct lb_fields *t, const void *obj,
			 const struct lb_stats *st, const struct lb_stats *rt,
			 enum lb_view view, bool export)
{
	print_fields(t, obj, export ? PF_EXPORT : view != LB_VIEW_CONNS ?
		     PF_JSON : PF_SHOW);
	if (!export)
		print_counts("stats", NULL, st, view == LB_VIEW_STATS);
	if (!export && view == LB_VIEW_RATE)
		print_counts("rate", rate_keys, rt, true);
	out_text("\n");
}

static void print_dest(const struct lb_dest *d, int fwd, enum lb_view view,
		       bool export)
{
	bool stats = view != LB_VIEW_CONNS;
	char ap[LB_ADDRPORT_STRLEN];

	lb_addrport_str(&d->addr, d->port, ap, sizeof(ap));
	out_open_object(NULL);
	out_text(stats ? "  -> %-28s" : "  -> %-28s ", ap);
	print_endpoint("address", &d->addr, d->port);
	if (d->fwd >= 0)	/* its own, not the service's */
		fwd = d->fwd;
	if (!stats)
		out_text("%-7s ", fwd < 0 || (size_t)fwd >=
			 ARRAY_SIZE(fwd_labels) ? "?" : fwd_labels[fwd]);
	print_object(&lb_dest_fields, d, &d->stats, &d->rate, view, export);
	out_close();
}

static void print_service(const struct lb_svc_entry *e, enum lb_view view,
			  bool export)
{
	const struct lb_service *s = &e->svc;
	char ap[LB_ADDRPORT_STRLEN], line[LB_ADDRPORT_STRLEN + 8];
	size_t i;

	lb_addrport_str(&s->addr, s->port, ap, sizeof(ap));
	snprintf(line, sizeof(line), "%s  %s", proto_label(s->proto), ap);
	out_open_object(NULL);
	out_text(view != LB_VIEW_CONNS ? "%-33s" : "%s", line);
	out_str("protocol", NULL, proto_name(s->proto));
	print_endpoint("vip", &s->addr, s->port);
	print_object(&lb_service_fields, s, &s->stats, &s->rate, view, export);
	out_open_array("real_servers");
	for (i = 0; i < e->dests.n; i++)
		print_dest(&e->dests.v[i], s->fwd, view, export);
	out_close();
	out_close();
}

/* ipvsadm -Ln; JSON "services" with real_servers */
static void print_services(const struct lb_svc_list *list, enum lb_view view)
{
	bool rate = view == LB_VIEW_RATE;
	size_t i;

	if (view != LB_VIEW_CONNS)
		out_text("%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n",
			 "Prot LocalAddress:Port", rate ? "CPS" : "Conns",
			 rate ? "InPPS" : "InPkts", rate ? "OutPPS" : "OutPkts",
			 rate ? "InBPS" : "InBytes",
			 rate ? "OutBPS" : "OutBytes");
	else
		out_text("Prot LocalAddress:Port Scheduler Flags\n"
			 "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n");
	out_open_array("services");
	for (i = 0; i < list->n; i++)
		print_service(&list->v[i], view, false);
	out_close();
}

static const char *const conn_ends[] = {
	"client", "virtual", "local", "real",
};

void print_conns_head(void)
{
	out_text("pro expire state       %-21s %-21s %-21s %s\n", conn_ends[0],
		 conn_ends[1], conn_ends[2], conn_ends[3]);
	out_open_array(NULL);
}

/*
 * JSON only: what another director needs to import the connection with
 * its window ("lbctl conn import", cluster/conn_json.c).
 */
static void print_conn_seq(const struct lb_conn *c)
{
	static const char *const side[] = { "client", "server" };
	char key[24];
	int i;

	if (c->nodata)
		out_bool("nodata", NULL, true);
	if (!c->has_seq)
		return;
	out_open_object("tcp_seq");
	for (i = 0; i < 2; i++) {
		snprintf(key, sizeof(key), "%s_end", side[i]);
		out_uint(key, NULL, c->seq.end[i]);
		snprintf(key, sizeof(key), "%s_window", side[i]);
		out_uint(key, NULL, c->seq.win[i]);
		snprintf(key, sizeof(key), "%s_wscale", side[i]);
		out_uint(key, NULL, c->seq.wscale[i]);
	}
	if (c->has_isn)
		out_uint("server_isn", NULL, c->isn);
	out_close();
}

void print_conn(const struct lb_conn *c)
{
	const struct lb_addrport *end[] = {
		&c->client, &c->vip, &c->local, &c->real,
	};
	char ap[LB_ADDRPORT_STRLEN], state[16];
	size_t k;
	bool none;

	snprintf(state, sizeof(state), "%s",
		 lb_conn_state_name(c->proto, c->state));
	for (k = 0; state[k]; k++)
		if (state[k] >= 'a' && state[k] <= 'z')
			state[k] = (char)(state[k] - 'a' + 'A');
	out_open_object(NULL);
	out_text("%-3s %02u:%02u  %-11s", proto_label(c->proto),
		 c->expires / 60, c->expires % 60, state);
	out_str("protocol", NULL, proto_name(c->proto));
	out_str("state", NULL, lb_conn_state_name(c->proto, c->state));
	out_uint("expires", NULL, c->expires);
	out_str("forward", NULL, c->fwd < 0 ? "unknown" :
		fwd_name((enum lb_fwd)c->fwd));
	for (k = 0; k < 4; k++) {
		/* Family 0: not FullNAT, no local address. */
		none = end[k] == &c->local && !c->local.addr.family;
		out_text(k < 3 ? " %-21s" : " %s\n", none ? "-" :
			 lb_addrport_str(&end[k]->addr, end[k]->port,
					 ap, sizeof(ap)));
		if (none)
			continue;
		out_open_object(conn_ends[k]);
		print_endpoint("address", &end[k]->addr, end[k]->port);
		out_close();
	}
	print_conn_seq(c);
	out_close();
}

/*
 * ipvsadm -Lnc's row of a template: the client under the netmask with
 * port 0; "TEMPLATE" where IPVS says NONE, no local address. JSON: the
 * state "template", the netmask and the connections it scheduled.
 */
void print_template(const struct lb_template *t)
{
	char ap[3][LB_ADDRPORT_STRLEN];

	lb_addrport_str(&t->client, 0, ap[0], sizeof(ap[0]));
	lb_addrport_str(&t->vip.addr, t->vip.port, ap[1], sizeof(ap[1]));
	lb_addrport_str(&t->real.addr, t->real.port, ap[2], sizeof(ap[2]));
	out_open_object(NULL);
	out_text("%-3s %02u:%02u  %-11s %-21s %-21s %-21s %s\n",
		 proto_label(t->proto), t->expires / 60, t->expires % 60,
		 "TEMPLATE", ap[0], ap[1], "-", ap[2]);
	out_str("protocol", NULL, proto_name(t->proto));
	out_str("state", NULL, "template");
	out_uint("expires", NULL, t->expires);
	out_uint("connections", NULL, t->conns);
	out_open_object("client");
	print_endpoint("address", &t->client, 0);
	out_uint("netmask", NULL, t->netmask);
	out_close();
	out_open_object("virtual");
	print_endpoint("address", &t->vip.addr, t->vip.port);
	out_close();
	out_open_object("real");
	print_endpoint("address", &t->real.addr, t->real.port);
	out_close();
	out_close();
}

void print_counters(const struct lb_info *info, const char *key)
{
	char name[32], fmt[48];
	unsigned int i;

	out_open_object(key);
	for (i = 0; i < info->n_counters; i++) {
		counter_name(info->counters[i].id, name, sizeof(name));
		snprintf(fmt, sizeof(fmt), "%s %%llu\n", name);
		out_uint(name, fmt, info->counters[i].value);
	}
	out_close();
}

void print_show(const struct lb_snapshot *snap, enum lb_view view)
{
	print_info(&snap->info);
	/* The text of these is "lbctl config" and "lbctl laddr". */
	out_mute_text(true);
	if (snap->has_config)
		print_config(&snap->config, "config");
	if (snap->has_laddrs)
		print_laddrs(&snap->laddrs, "local_addresses");
	out_mute_text(false);
	print_services(&snap->services, view);
}

/* IPv4 addresses in a row, as one "FIRST-LAST" string. */
static void print_cluster_laddrs(const struct lb_laddr_list *l)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	char r[2 * INET6_ADDRSTRLEN + 1];
	size_t i, n;

	out_open_array("local_addresses");
	for (i = 0; i < l->n; i += n) {
		for (n = 1; i + n < l->n && l->v[i].addr.family == AF_INET &&
		     l->v[i + n].addr.family == AF_INET &&
		     ntohl(l->v[i + n].addr.v4.s_addr) ==
		     ntohl(l->v[i].addr.v4.s_addr) + n; n++)
			;
		lb_addr_str(&l->v[i].addr, a, sizeof(a));
		lb_addr_str(&l->v[i + n - 1].addr, b, sizeof(b));
		snprintf(r, sizeof(r), "%s%s%s", a, n > 1 ? "-" : "",
			 n > 1 ? b : "");
		out_str(NULL, NULL, r);
	}
	out_close();
}

void print_cluster(const struct lb_snapshot *snap, const char *name,
		   const char *netns)
{
	size_t i;

	out_uint("schema_version", NULL, 1);
	out_open_array("directors");
	out_open_object(NULL);
	out_str("name", NULL, name);
	if (netns)
		out_str("netns", NULL, netns);
	print_cluster_laddrs(&snap->laddrs);
	print_config(&snap->config, "config");
	out_close();
	out_close();
	out_open_array("services");
	for (i = 0; i < snap->services.n; i++)
		print_service(&snap->services.v[i], LB_VIEW_CONNS, true);
	out_close();
}
