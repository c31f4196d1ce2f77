/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One table per object: each field of a service, a real server and the
 * config that a command line, a cluster file, the kernel and a printout
 * share, as one row (in the manner of ethtool's netlink/parser.h). The
 * argument parser (cli/args.c), the cluster file's walker
 * (cluster/fieldkeys.c), the netlink attributes (attrs.c), text and JSON
 * printing and export (cli/print.c) and the plan's compare and format
 * (cluster/plan.c) all read the rows, so a new field is a new row.
 *
 * The keys of an object (protocol, addresses, ports) are not fields: they
 * name the object, and each place spells them its own way. Two config
 * settings have a shape of their own (kind LB_FK_PORT_RANGE, two
 * attributes under one word; LB_FK_TIMEOUTS, a nest per protocol of one
 * attribute per state, under "timeout tcp STATE SECONDS" and "timeout udp
 * SECONDS"): their rows give the name, the order and
 * the presence bits, and each place keeps a few lines of code for them.
 *
 * No libnl, no jansson: the tables are plain data.
 */
#ifndef LBCTL_FIELDS_H
#define LBCTL_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lb.h"

/* How a value is spelt, stored and sent. */
enum lb_fkind {
	LB_FK_UINT,		/* decimal in [min, max]; u32 on the wire */
	LB_FK_BOOL,		/* on|off, JSON true|false; u8 on the wire */
	LB_FK_SCHED,		/* a scheduler name (parse_sched); a string */
	LB_FK_FWD,		/* a forwarding mode (parse_fwd); u8 FULLNAT_FWD_* */
	LB_FK_PORT_RANGE,	/* config only: LO-HI, {"min", "max"} */
	LB_FK_TIMEOUTS,		/* config only: timeout tcp STATE SECONDS,
				 * timeout udp SECONDS (lb_timeout_*()) */
	LB_FK_COUNTER,		/* replies only: what the kernel counts, u32
				 * or u64 by size; shown, never sent */
};

/* What a field may do (flags of struct lb_field). */
#define LB_FF_SET	(1u << 0)	/* changed in place ("service set",
					 * "rs set"); without it, a change
					 * re-creates the object */
#define LB_FF_DEFAULT	(1u << 1)	/* the cluster file fills def when the
					 * key is missing */
#define LB_FF_ADD	(1u << 2)	/* and so does "add" on the command
					 * line: the kernel needs it */
#define LB_FF_FLAG	(1u << 3)	/* its name, when on, is a flag of the
					 * "lbctl show" table; a number's
					 * column, only when not 0 */

struct lb_field {
	const char *name;	/* command-line word, JSON key, and what
				 * errors call it */
	const char *metavar;	/* its value in usage: "W", "on|off" */
	enum lb_fkind kind;
	unsigned int flags;	/* LB_FF_* */
	size_t off, size;	/* of the value in the object's struct */
	/* Presence: a bit of lb_config.present, or 0 when an unset value
	 * is -1 (numbers) or "" (names). */
	unsigned int bit;
	int attr;		/* its FULLNAT_A_* in the object's nest */
	/* 0, or the nest inside the object's that holds attr
	 * (FULLNAT_A_SVC_SCHED_OPTS); the rows of one nest are adjacent. */
	int nest;
	/* NULL, or the JSON object of the rows of one group ("persistence":
	 * {"timeout": S, "netmask": N}), adjacent, where the row's key is
	 * json (NULL: name); the command line has the name alone. */
	const char *group, *json;
	uint32_t min, max;	/* LB_FK_UINT */
	long long def;		/* with LB_FF_DEFAULT: the value, or */
	const char *def_name;	/* for a name */
	const char *unknown;	/* printed when the kernel did not say (or
				 * said what lbctl does not know), if not
				 * left out */
	/* Its column in the text tables of "lbctl show" and "lbctl laddr":
	 * a format of one %s (names) or %llu (numbers), or NULL. */
	const char *fmt;
	/* LB_FK_UINT, everywhere: 0, or -EINVAL and why (in why) v is not
	 * one of the values allowed between min and max. */
	int (*valid)(long long v, char *why, size_t len);
};

/* An object's rows, in the order they are parsed, printed and listed. */
struct lb_fields {
	const struct lb_field *v;
	size_t n;
};

extern const struct lb_fields lb_service_fields;
extern const struct lb_fields lb_dest_fields;
extern const struct lb_fields lb_config_fields;
extern const struct lb_fields lb_laddr_fields;
extern const struct lb_fields lb_stats_fields;	/* struct lb_stats */

#define lb_for_each_field(f, t) \
	for ((f) = (t)->v; (f) < (t)->v + (t)->n; (f)++)

/* Plain kinds (UINT, BOOL, FWD): the value as a number, -1 when unset. */
long long lb_field_get(const struct lb_field *f, const void *obj);
/* Stores v and marks it present. */
void lb_field_set(const struct lb_field *f, void *obj, long long v);
/* Where f's value is in obj: a SCHED field's name, of f->size bytes. */
char *lb_field_str(const struct lb_field *f, const void *obj);
bool lb_field_is_set(const struct lb_field *f, const void *obj);
/* Whether a and b hold the same value (set or unset alike). */
bool lb_field_same(const struct lb_field *f, const void *a, const void *b);
/* Copies the value, present or not, of f from src into dst. */
void lb_field_copy(const struct lb_field *f, void *dst, const void *src);

/* Every field of t in obj unset: -1, "" (those with a bit: the bit). */
void lb_fields_clear(const struct lb_fields *t, void *obj);
/* Fills the LB_FF_DEFAULT fields (with add: only LB_FF_ADD ones) that are
 * unset. */
void lb_fields_default(const struct lb_fields *t, void *obj, bool add);

/*
 * One value from its command-line word (plain kinds and PORT_RANGE) into
 * obj, marking it present; a reason in err on -EINVAL.
 */
int lb_field_parse(const struct lb_field *f, const char *word, void *obj,
		   char *err, size_t errlen);

/*
 * The field as the words that set it on the command line, "weight 2",
 * "toa on", "timeout established 60 timeout close 10", each set value
 * after sep (" "), and sep turned to " " after the first: what the plan
 * prints. Appends to buf at *off (snprintf-like: *off may pass len).
 */
void lb_field_words(const struct lb_field *f, const void *obj, char *buf,
		    size_t len, size_t *off, const char **sep);

/* The value of a plain field as its word: "wrr", "on", "2", "fullnat";
 * f->unknown (or "") when unset. */
const char *lb_field_value(const struct lb_field *f, const void *obj,
			   char *buf, size_t len);

/* A config bit's row (a timeout's for any LB_CFG_TIMEOUT()). */
const struct lb_field *lb_config_field(unsigned int bit);
/* lb_field_same()/lb_field_copy() of one bit of lb_config.present. */
bool lb_config_same(const struct lb_config *a, const struct lb_config *b,
		    unsigned int bit);
void lb_config_copy(struct lb_config *dst, const struct lb_config *src,
		    unsigned int bit);

/*
 * A connection's state (FULLNAT_A_CONN_STATE), in its protocol's enum:
 * TCP's "established", UDP's "normal" or "unreplied"; "unknown" past them.
 */
const char *lb_conn_state_name(enum lb_proto proto, unsigned int state);

/*
 * The timeouts of lb_config (LB_TIMEOUT_*()): t's protocol, "tcp" or
 * "udp", and its state, "established" (NULL: UDP's one). The words after
 * "timeout" that name one, of the n in words: "tcp STATE", "udp", or a
 * TCP state alone; into *t, returning how many words that took, or
 * -EINVAL with a reason in err.
 */
const char *lb_timeout_proto(unsigned int t);
const char *lb_timeout_state(unsigned int t);
int lb_timeout_parse(char *const *words, int n, unsigned int *t,
		     char *err, size_t errlen);

/*
 * What the director can do, as GET_INFO said (info->has_caps; when it did
 * not say, everything passes and the kernel judges): 0, or -EINVAL with
 * the reason in why, naming the module's version and what it has.
 */
int lb_caps_fwd(const struct lb_info *info, int fwd, char *why, size_t len);
int lb_caps_proto(const struct lb_info *info, enum lb_proto proto,
		  char *why, size_t len);
int lb_caps_family(const struct lb_info *info, const struct lb_addr *a,
		   char *why, size_t len);

#endif /* LBCTL_FIELDS_H */
