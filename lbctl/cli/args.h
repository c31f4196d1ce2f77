/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command lines into requests: the words after "lbctl NOUN VERB" become
 * the structs of lb.h. Pure functions, no libnl, so every command line can
 * be unit tested; nothing is sent until a whole line has parsed.
 *
 * Each returns 0, or -EINVAL with err set to a sentence in iproute2's
 * words, ready to follow "Error: ":
 *   argument "65536" is wrong: weight 65536 is out of range 0-65535
 *   argument "VIP:PORT" is required
 *   duplicate "weight": "3" is the second value
 * argc/argv are the words after the verb.
 */
#ifndef LBCTL_ARGS_H
#define LBCTL_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "lb.h"

/*
 * The keys (PROTO VIP:PORT, then RIP:RPORT of a real server), then the
 * fields (fields.h) the verb takes, as its usage in cli/service.c says;
 * "show" without keys leaves svc->port 0: no filter.
 */
int args_service_add(int argc, char **argv, struct lb_service *svc,
		     char *err, size_t errlen);
int args_service_set(int argc, char **argv, struct lb_service *svc,
		     char *err, size_t errlen);
int args_service_del(int argc, char **argv, struct lb_service *svc,
		     char *err, size_t errlen);
int args_service_show(int argc, char **argv, struct lb_service *svc,
		      char *err, size_t errlen);
int args_rs_add(int argc, char **argv, struct lb_service *svc,
		struct lb_dest *dest, char *err, size_t errlen);
int args_rs_set(int argc, char **argv, struct lb_service *svc,
		struct lb_dest *dest, char *err, size_t errlen);
int args_rs_del(int argc, char **argv, struct lb_service *svc,
		struct lb_dest *dest, char *err, size_t errlen);

/* ADDR or FIRST-LAST; one address is a range of one */
int args_laddr(int argc, char **argv, struct lb_addr_range *range,
	       char *err, size_t errlen);

/*
 * "conn del": [PROTO VIP:PORT] [rs RIP:RPORT] [client CIP:CPORT], one at
 * least, a client only with the service, every address of one family.
 */
int args_conn_del(int argc, char **argv, struct lb_conn_filter *f,
		  char *err, size_t errlen);

/* The config's fields, at least one, all or none */
int args_config_set(int argc, char **argv, struct lb_config *cfg,
		    char *err, size_t errlen);

/* The words of show, apply and export. */
struct lb_run {
	bool stats, rate;	/* show: --stats, --rate */
	bool dry_run, local;	/* apply: --dry-run, --local */
	const char *director;	/* --director NAME, or NULL */
	const char *file;	/* a cluster file, "-" for stdin, or NULL */
};

/* [--stats | --rate] [FILE [--director NAME]] */
int args_show(int argc, char **argv, struct lb_run *run, char *err,
	      size_t errlen);
/* [--dry-run] [--director NAME [--local]] FILE */
int args_apply(int argc, char **argv, struct lb_run *run, char *err,
	       size_t errlen);
/* [--director NAME] */
int args_export(int argc, char **argv, struct lb_run *run, char *err,
		size_t errlen);

/* Nothing: what is there is wrong. */
int args_none(int argc, char **argv, char *err, size_t errlen);

#endif /* LBCTL_ARGS_H */
