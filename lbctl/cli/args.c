// SPDX-License-Identifier: GPL-2.0
/*
 * Command lines into requests. See args.h.
 *
 * A command line is positional words (the keys: PROTO VIP:PORT RIP:RPORT)
 * then "keyword value" pairs in any order, each at most once, matched
 * exactly as ip matches them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "fields.h"
#include "util.h"

/*
 * A keyword and its values. An object's keywords are its fields
 * (fields.h); those of show, apply and export set the member of struct
 * lb_run at off: a bool without a value, a string with one.
 */
struct opt {
	const char *name;
	const char *metavar;
	int nvals;
	bool repeats;
	size_t off;
	const struct lb_field *field;
};

/* More than any object has fields. */
#define OPTS_MAX	32

static int wrong(char *err, size_t errlen, const char *arg, const char *why)
{
	return parse_fail(err, errlen,
			  "argument \"%s\" is wrong: %s", arg, why);
}

static int required(char *err, size_t errlen, const char *what)
{
	return parse_fail(err, errlen, "argument \"%s\" is required", what);
}

/* val is NULL for a keyword without a value */
static int duplicate(char *err, size_t errlen, const char *key,
		     const char *val)
{
	if (!val)
		return parse_fail(err, errlen, "duplicate \"%s\"", key);
	return parse_fail(err, errlen,
			  "duplicate \"%s\": \"%s\" is the second value",
			  key, val);
}

static const struct opt *find_opt(const struct opt *opts, size_t n,
				  const char *word)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(word, opts[i].name))
			return &opts[i];
	return NULL;
}

/* "forward, scheduler or toa" */
static int unknown_opt(const struct opt *opts, size_t n, const char *word,
		       char *err, size_t errlen)
{
	char list[LB_REASON_MAX];

	if (!n)
		return wrong(err, errlen, word,
			     "no more arguments are expected here");
	lb_join_names(list, sizeof(list), opts, n, sizeof(*opts), " or ");
	return parse_fail(err, errlen, "argument \"%s\" is wrong: expected %s",
			  word, list);
}

/*
 * "timeout tcp STATE SECONDS", "timeout udp SECONDS" or "timeout STATE
 * SECONDS" (TCP's), one at a time, of the n words in vals; *more gets the
 * words taken past the usual two. On -EINVAL which value was wrong in
 * *bad. -EEXIST for a repeat that the keyword alone does not show
 * ("timeout established" twice, "timeout close" once).
 */
static int opt_timeout(const struct lb_field *f, char **vals, int n,
		       struct lb_config *cfg, int *bad, int *more, char *err,
		       size_t errlen)
{
	bool tcp = !strcmp(vals[0], "tcp");
	unsigned int t;
	int words;

	if (tcp && n < 3)
		return parse_fail(err, errlen,
				  "it needs a state and seconds, as in \"timeout tcp established 900\"");
	words = lb_timeout_parse(vals, n - 1, &t, err, errlen);
	if (words < 0) {
		*bad = tcp;
		return -EINVAL;
	}
	*more = words - 1;
	if (cfg->present & LB_CFG_TIMEOUT(t))
		return -EEXIST;
	cfg->present |= LB_CFG_TIMEOUT(t);
	*bad = words;
	return parse_u32(vals[words], f->name, f->min, f->max,
			 &cfg->timeout[t], err, errlen);
}

/* The keywords of t's fields that have all of flags, into opts. */
static size_t field_opts(const struct lb_fields *t, unsigned int flags,
			 struct opt *opts)
{
	const struct lb_field *f;
	size_t n = 0;

	lb_for_each_field(f, t) {
		if ((f->flags & flags) != flags || n == OPTS_MAX ||
		    f->kind == LB_FK_COUNTER)
			continue;
		opts[n++] = (struct opt){
			.name = f->name, .metavar = f->metavar,
			.nvals = f->kind == LB_FK_TIMEOUTS ? 2 : 1,
			.repeats = f->kind == LB_FK_TIMEOUTS, .field = f,
		};
	}
	return n;
}

/* "nothing to set: give scheduler NAME or toa on|off" */
static int nothing_to_set(const struct lb_fields *t, char *err,
			  size_t errlen)
{
	struct opt opts[OPTS_MAX];
	char words[OPTS_MAX][64], list[LB_REASON_MAX];
	size_t i, n = field_opts(t, LB_FF_SET, opts);

	if (n == 1)
		return required(err, errlen, opts[0].name);
	for (i = 0; i < n; i++) {
		snprintf(words[i], sizeof(words[i]), "%s %s", opts[i].name,
			 opts[i].metavar);
		opts[i].name = words[i];
	}
	lb_join_names(list, sizeof(list), opts, n, sizeof(*opts), " or ");
	return parse_fail(err, errlen, "nothing to set: give %s", list);
}

/* Whether a field that "set" changes is set in obj. */
static bool any_set(const struct lb_fields *t, const void *obj)
{
	const struct lb_field *f;

	lb_for_each_field(f, t)
		if (f->flags & LB_FF_SET && lb_field_is_set(f, obj))
			return true;
	return false;
}

/*
 * The keyword pairs from argv[0] on; with file, one word that is not a
 * keyword and does not start with "-" (or is "-" alone) may stand among
 * them: a file name, left in *file.
 */
static int parse_words(const struct opt *opts, size_t n, int argc,
		       char **argv, void *obj, const char **file,
		       char *err, size_t errlen)
{
	static const struct opt positional = { .nvals = 0 };
	char why[LB_REASON_MAX], key[LB_REASON_MAX];
	unsigned long seen = 0;
	const struct opt *o;
	int i, bad, more = 0, ret;

	for (i = 0; i < argc; i += 1 + o->nvals + more) {
		more = 0;
		o = find_opt(opts, n, argv[i]);
		if (!o && file && (argv[i][0] != '-' || !strcmp(argv[i], "-"))) {
			if (*file)
				return wrong(err, errlen, argv[i],
					     "only one FILE may be given");
			*file = argv[i];
			o = &positional;
			continue;
		}
		if (!o)
			return unknown_opt(opts, n, argv[i], err, errlen);
		if (argc - i - 1 < o->nvals) {
			snprintf(why, sizeof(why),
				 "it needs %s, as in \"%s %s\"",
				 o->nvals == 1 ? "a value" : "values",
				 o->name, o->metavar);
			return wrong(err, errlen, argv[i], why);
		}
		if (!o->repeats && seen & (1ul << (o - opts)))
			return duplicate(err, errlen, argv[i],
					 o->nvals ? argv[i + 1] : NULL);
		seen |= 1ul << (o - opts);
		bad = 0;
		ret = 0;
		if (o->field && o->field->kind == LB_FK_TIMEOUTS)
			ret = opt_timeout(o->field, argv + i + 1, argc - i - 1,
					  obj, &bad, &more, why, sizeof(why));
		else if (o->field)
			ret = lb_field_parse(o->field, argv[i + 1], obj, why,
					     sizeof(why));
		else if (o->nvals)
			*(const char **)((char *)obj + o->off) = argv[i + 1];
		else
			*(bool *)((char *)obj + o->off) = true;
		if (ret == -EEXIST) {
			/* The keyword and its first values name the repeat. */
			snprintf(key, sizeof(key), "%s %s%s%s", argv[i],
				 argv[i + 1], more ? " " : "",
				 more ? argv[i + 2] : "");
			return duplicate(err, errlen, key,
					 argv[i + o->nvals + more]);
		}
		if (ret)
			return wrong(err, errlen, argv[i + 1 + bad], why);
	}
	return 0;
}

/* An ADDR:PORT key of a line, argv[*i]: moves *i on. */
static int take_addrport(int argc, char **argv, int *i, const char *what,
			 struct lb_addr *addr, uint16_t *port, char *err,
			 size_t errlen)
{
	char why[LB_REASON_MAX];
	struct lb_addrport ap;

	if (*i >= argc)
		return required(err, errlen, what);
	if (parse_addrport(argv[*i], &ap, why, sizeof(why)))
		return wrong(err, errlen, argv[*i], why);
	*addr = ap.addr;
	*port = ap.port;
	++*i;
	return 0;
}

/* What a line does with the fields of its object. */
enum verb { V_ADD, V_SET, V_KEY };

/*
 * PROTO VIP:PORT, then with dest RIP:RPORT, then the fields of the object
 * (the real server if dest) that the verb takes: "add" fills the defaults
 * of those not given, "set" needs one.
 */
static int line(enum verb v, int argc, char **argv, struct lb_service *svc,
		struct lb_dest *dest, char *err, size_t errlen)
{
	const struct lb_fields *t = dest ? &lb_dest_fields :
				    &lb_service_fields;
	void *obj = dest ? (void *)dest : svc;
	char why[LB_REASON_MAX], num[16];
	struct opt opts[OPTS_MAX];
	size_t n = v == V_KEY ? 0 :
		   field_opts(t, v == V_SET ? LB_FF_SET : 0, opts);
	int i = 1, ret;

	lb_service_init(svc);
	if (dest)
		lb_dest_init(dest);
	if (!argc)
		return required(err, errlen, "PROTO");
	if (parse_proto(argv[0], &svc->proto, why, sizeof(why)))
		return wrong(err, errlen, argv[0], why);
	ret = take_addrport(argc, argv, &i, "VIP:PORT", &svc->addr,
			    &svc->port, err, errlen);
	if (!ret && dest)
		ret = take_addrport(argc, argv, &i, "RIP:RPORT", &dest->addr,
				    &dest->port, err, errlen);
	if (!ret)
		ret = parse_words(opts, n, argc - i, argv + i, obj, NULL,
				  err, errlen);
	if (ret)
		return ret;
	/* A prefix of the VIP's family (fields.c allows IPv6's 128). */
	if (!dest && svc->addr.family == AF_INET && svc->persist_netmask > 32) {
		snprintf(why, sizeof(why),
			 "netmask %d is out of range 1-32 (an IPv4 service's)",
			 svc->persist_netmask);
		snprintf(num, sizeof(num), "%d", svc->persist_netmask);
		return wrong(err, errlen, num, why);
	}
	if (v == V_ADD)
		lb_fields_default(t, obj, true);
	if (v == V_SET && !any_set(t, obj))
		return nothing_to_set(t, err, errlen);
	return 0;
}

/* The verbs of services and real servers, each a line(). */
#define SVC_LINE(fn, verb)						\
int fn(int argc, char **argv, struct lb_service *svc, char *err,	\
       size_t errlen)							\
{									\
	return line(verb, argc, argv, svc, NULL, err, errlen);		\
}
#define RS_LINE(fn, verb)						\
int fn(int argc, char **argv, struct lb_service *svc,			\
       struct lb_dest *dest, char *err, size_t errlen)			\
{									\
	return line(verb, argc, argv, svc, dest, err, errlen);		\
}

SVC_LINE(args_service_add, V_ADD)
SVC_LINE(args_service_set, V_SET)
SVC_LINE(args_service_del, V_KEY)
RS_LINE(args_rs_add, V_ADD)
RS_LINE(args_rs_set, V_SET)
RS_LINE(args_rs_del, V_KEY)

int args_service_show(int argc, char **argv, struct lb_service *svc,
		      char *err, size_t errlen)
{
	lb_service_init(svc);
	if (!argc)
		return 0;
	return line(V_KEY, argc, argv, svc, NULL, err, errlen);
}

/* Local addresses */

int args_laddr(int argc, char **argv, struct lb_addr_range *range,
	       char *err, size_t errlen)
{
	char why[LB_REASON_MAX];
	struct lb_addr a;

	if (!argc)
		return required(err, errlen, "ADDR");
	if (argc > 1)
		return unknown_opt(NULL, 0, argv[1], err, errlen);
	if (strchr(argv[0], '-')) {
		if (parse_addr_range(argv[0], range, why, sizeof(why)))
			return wrong(err, errlen, argv[0], why);
		return 0;
	}
	if (parse_addr(argv[0], &a, why, sizeof(why)))
		return wrong(err, errlen, argv[0], why);
	range->lo = range->hi = a;
	range->count = 1;
	return 0;
}

/* Connections */

/* The keywords of "conn del", as strings until the line is whole. */
struct conn_words {
	const char *rs, *client;
};

static const struct opt conn_del_opts[] = {
	{ "rs", "RIP:RPORT", 1, false, offsetof(struct conn_words, rs), NULL },
	{ "client", "CIP:CPORT", 1, false,
	  offsetof(struct conn_words, client), NULL },
};

/* A keyword's ADDR:PORT, of the family of those before it (*family). */
static int conn_addrport(const char *word, const char *what,
			 struct lb_addrport *ap, int *family, char *err,
			 size_t errlen)
{
	char why[LB_REASON_MAX];

	if (!word)
		return 0;
	if (parse_addrport(word, ap, why, sizeof(why)))
		return wrong(err, errlen, word, why);
	if (*family && ap->addr.family != *family) {
		snprintf(why, sizeof(why),
			 "%s is not of the family of the addresses before it",
			 what);
		return wrong(err, errlen, word, why);
	}
	*family = ap->addr.family;
	return 0;
}

int args_conn_del(int argc, char **argv, struct lb_conn_filter *f,
		  char *err, size_t errlen)
{
	struct conn_words w = { NULL, NULL };
	char why[LB_REASON_MAX];
	/* The real server's family may be another (FullNAT64's IPv4). */
	int i = 0, family = 0, rs_family = 0, ret;

	memset(f, 0, sizeof(*f));
	if (!argc)
		return parse_fail(err, errlen,
				  "nothing to delete: give PROTO VIP:PORT, rs RIP:RPORT or client CIP:CPORT (\"conn flush\" deletes every connection)");
	/* The service first, if the first word is no keyword. */
	if (!find_opt(conn_del_opts, ARRAY_SIZE(conn_del_opts), argv[0])) {
		if (parse_proto(argv[0], &f->proto, why, sizeof(why)))
			return wrong(err, errlen, argv[0], why);
		i = 1;
		ret = take_addrport(argc, argv, &i, "VIP:PORT", &f->vip.addr,
				    &f->vip.port, err, errlen);
		if (ret)
			return ret;
		family = f->vip.addr.family;
	}
	ret = parse_words(conn_del_opts, ARRAY_SIZE(conn_del_opts), argc - i,
			  argv + i, &w, NULL, err, errlen) ?:
	      conn_addrport(w.rs, "the real server", &f->real, &rs_family, err,
			    errlen) ?:
	      conn_addrport(w.client, "the client", &f->client, &family, err,
			    errlen);
	if (!ret && w.client && !f->vip.addr.family)
		ret = parse_fail(err, errlen,
				 "a client's connection is named with its service: PROTO VIP:PORT client CIP:CPORT");
	/* A failed line deletes nothing: no filter half set. */
	if (ret)
		memset(f, 0, sizeof(*f));
	return ret;
}

/* Config */

int args_config_set(int argc, char **argv, struct lb_config *cfg,
		    char *err, size_t errlen)
{
	struct opt opts[OPTS_MAX];
	size_t n = field_opts(&lb_config_fields, 0, opts);
	int ret;

	lb_config_init(cfg);
	if (!argc)
		return nothing_to_set(&lb_config_fields, err, errlen);
	ret = parse_words(opts, n, argc, argv, cfg, NULL, err, errlen);
	/* A failed line leaves nothing half set. */
	if (ret)
		lb_config_init(cfg);
	return ret;
}

/* Show */

/* The flags and --director of show, apply and export. */
#define RUN_OPT(name, metavar, nvals, member) \
	{ name, metavar, nvals, false, offsetof(struct lb_run, member), NULL }

static const struct opt show_opts[] = {
	RUN_OPT("--stats", "", 0, stats),
	RUN_OPT("--rate", "", 0, rate),
	RUN_OPT("--director", "NAME", 1, director),
};

static const struct opt apply_opts[] = {
	RUN_OPT("--dry-run", "", 0, dry_run),
	RUN_OPT("--director", "NAME", 1, director),
	RUN_OPT("--local", "", 0, local),
};

static const struct opt export_opts[] = {
	RUN_OPT("--director", "NAME", 1, director),
};

int args_show(int argc, char **argv, struct lb_run *run, char *err,
	      size_t errlen)
{
	int ret;

	memset(run, 0, sizeof(*run));
	ret = parse_words(show_opts, ARRAY_SIZE(show_opts), argc, argv, run,
			  &run->file, err, errlen);
	if (!ret && run->stats && run->rate)
		ret = parse_fail(err, errlen,
				 "--stats and --rate are two views: give one");
	if (!ret && run->director && !run->file)
		ret = parse_fail(err, errlen,
				 "--director needs a cluster FILE to find the director in");
	return ret;
}

int args_apply(int argc, char **argv, struct lb_run *run, char *err,
	       size_t errlen)
{
	int ret;

	memset(run, 0, sizeof(*run));
	ret = parse_words(apply_opts, ARRAY_SIZE(apply_opts), argc, argv, run,
			  &run->file, err, errlen);
	if (!ret && !run->file)
		ret = required(err, errlen, "FILE");
	if (!ret && run->local && !run->director)
		ret = parse_fail(err, errlen,
				 "--local needs --director NAME: the director this host is");
	return ret;
}

int args_export(int argc, char **argv, struct lb_run *run, char *err,
		size_t errlen)
{
	memset(run, 0, sizeof(*run));
	return parse_words(export_opts, ARRAY_SIZE(export_opts), argc, argv,
			   run, NULL, err, errlen);
}

int args_none(int argc, char **argv, char *err, size_t errlen)
{
	return parse_words(NULL, 0, argc, argv, NULL, NULL, err, errlen);
}
