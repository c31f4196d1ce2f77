/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cluster file of "lbctl apply": every director of a cluster and the
 * services they all serve, read into the plain structs of lb.h. Every key
 * is documented in docs/cluster.md.
 *
 * Parsing is strict and whole: an unknown or repeated key, a wrong type, a
 * value out of range, something fullnat.ko cannot do yet, or a conflict
 * between two parts of the file is an error naming the file, the line and
 * column, and the JSON path of the value:
 *
 *   cluster.json:14:58: services[0].real_servers[1].weight: weight 70000 is out of range 0-65535
 *
 * Read by cluster.c, services.c and fieldkeys.c (with jwalk.c, hcheck.c
 * and bgp.c). No libnl there, so unit tests link them (with parse.c, lb.c
 * and netns.c) and jansson alone.
 */
#ifndef LBCTL_CLUSTER_H
#define LBCTL_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include "bgp.h"
#include "jwalk.h"
#include "lb.h"

/* The one version of the file this lbctl reads. */
#define LB_SCHEMA_VERSION	1
/* A director's name: 1 to 63 of A-Z, a-z, 0-9, ".", "_", "-". */
#define LB_DIRECTOR_NAME_MAX	64
/* A service's name: 1 to 63 characters. */
#define LB_SERVICE_NAME_MAX	64
/* Larger than any cluster file, small enough to read whole. */
#define LB_CLUSTER_FILE_MAX	(16u << 20)

/* A service's "health_check" (hcheck.c); type NONE: it has none. */
enum lb_hc_type { LB_HC_NONE, LB_HC_TCP, LB_HC_HTTP, LB_HC_EXEC };

struct lb_health_check {
	enum lb_hc_type type;
	uint16_t port;			/* 0: the real server's */
	const char *path;		/* http: "/" unless given */
	const char *command;		/* exec: run by /bin/sh -c */
	unsigned int expect_status;	/* http: 200 unless given */
	unsigned int interval, timeout;	/* seconds, timeout <= interval */
	unsigned int rise, fall;	/* checks in a row */
};

/* The agent's default wait for the connections to end on drain. */
#define LB_DRAIN_TIMEOUT_DEFAULT	30

struct lb_director {
	char name[LB_DIRECTOR_NAME_MAX];
	char *netns;			/* NULL: the namespace lbctl runs in */
	char *ssh;			/* NULL: this host */
	struct lb_laddr_list laddrs;	/* local_addresses, ranges expanded */
	struct lb_config config;	/* present: the keys the file gives */
	/* The services it serves, by index: all of them unless serves_some. */
	bool serves_some;
	LB_LIST(, size_t) serves;
	struct lb_bgp bgp;		/* how its agent announces them */
	unsigned int drain_timeout;	/* seconds: "drain_timeout" */
	/* "drain_handoff": on a drain, its agent copies its connections
	 * into every other director of the file (agent/handoff.c). */
	bool drain_handoff;
};

LB_LIST(lb_director_list, struct lb_director);

struct lb_cluster {
	struct lb_director_list directors;
	struct lb_svc_list services;
	/* services.v[i]'s "health_check" is checks.v[i]. */
	LB_LIST(, struct lb_health_check) checks;
};

/*
 * Reads the file at path ("-": standard input) whole into *text (NUL
 * terminated, the caller frees it) and *len. 0, or -errno with err set.
 */
int cluster_read(const char *path, char **text, size_t *len,
		 char *err, size_t errlen);

/*
 * Parses and validates text (len bytes, read from file: the name errors
 * give) into c. Returns 0, or -EINVAL with err set to the whole message,
 * "FILE:LINE:COLUMN: PATH: reason", and c empty. Free c with
 * cluster_free().
 */
int cluster_parse(const char *text, size_t len, const char *file,
		  struct lb_cluster *c, char *err, size_t errlen);
void cluster_free(struct lb_cluster *c);

/*
 * Whether director d, which can do what info says (GET_INFO), has all the
 * file asks of it: its services' protocols, methods and address
 * families, its local addresses'. (An unknown scheduler the kernel
 * refuses, with its list.) 0, or -EINVAL with err set to
 * "PATH: reason", the path of the first value it lacks.
 */
int cluster_check(const struct lb_cluster *c, const struct lb_director *d,
		  const struct lb_info *info, char *err, size_t errlen);

/*
 * What the file asks of director d, as a snapshot to compare with the
 * kernel's (plan.h): its local addresses, its config (has_config when the
 * file gives one) and the services it serves. A view into c, to be let go
 * with cluster_want_free(). 0 or -ENOMEM.
 */
int cluster_want(const struct lb_cluster *c, const struct lb_director *d,
		 struct lb_snapshot *want);
void cluster_want_free(const struct lb_director *d, struct lb_snapshot *want);

/*
 * Between the files of the parse (cluster.c, services.c, fieldkeys.c);
 * not for its callers.
 */

/* More than any object has keys. */
#define CLUSTER_KEYS_MAX	32

/* Keys whose data is the offset of their member in the struct they fill. */
#define CLUSTER_AT(type, member)	((const void *)offsetof(type, member))

/*
 * NULL if a director can use a (a VIP, LIP or real server), else why not.
 * Whether it has a's family, it says when asked (cluster_check()).
 */
const char *cluster_unusable(const struct lb_addr *a);

/* jw_key parses, into obj + p->key->data (CLUSTER_AT()): a VIP or real
 * server address (struct lb_addr), a port (uint16_t). */
int cluster_addr_key(struct jw_ctx *p, json_t *v, void *obj);
int cluster_port_key(struct jw_ctx *p, json_t *v, void *obj);

struct lb_fields;

/* The keys of an object into keys (CLUSTER_KEYS_MAX): before, the fields
 * of t, then after. A group of rows is one key, an object (only services
 * have groups). Returns how many. */
size_t cluster_object_keys(struct jw_key *keys, const struct jw_key *before,
			   size_t nb, const struct lb_fields *t,
			   const struct jw_key *after, size_t na);

/* The services read so far, with their names, for the checks across. */
struct cluster_svc_acc {
	struct lb_svc_list *list;
	struct lb_cluster *c;		/* its checks */
	LB_LIST(, const char *) names;
};

/* One element of "services" into acc (a struct cluster_svc_acc). */
int cluster_service(struct jw_ctx *p, json_t *v, void *acc);

#endif /* LBCTL_CLUSTER_H */
