/* SPDX-License-Identifier: GPL-2.0 */
/*
 * BIRD 2 announcing a director's VIPs over BGP: its configuration
 * generated from the director's "bgp" (cluster/bgp.h), bird run as a
 * child in a runtime directory of its own, supervised, and each VIP's
 * route switched through bird's control socket.
 *
 * Each VIP is a static protocol of its own holding one /32 (IPv4) or /128
 * (IPv6) route, which the BGP sessions of its family export. Announcing and withdrawing is "enable" and
 * "disable" of that protocol: BIRD withdraws or announces the one route
 * in an UPDATE and leaves the sessions alone. A "configure" of a
 * regenerated file would do the same when nothing else changed, but it
 * re-reads everything, and a difference in a BGP protocol (a changed file)
 * restarts its session: a health change must never do that. The file is
 * still regenerated with each VIP's state at every start, so a bird that
 * is restarted comes up announcing what it should.
 *
 * No libnl and no agent state here: unit tests link this file.
 */
#ifndef LBCTL_BIRD_H
#define LBCTL_BIRD_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <netinet/in.h>

#include "bgp.h"

/* Where each director's agent keeps its files: RUNDIR/NAME/ */
#define BIRD_RUNDIR		"/run/lbctl"
/* A bird that dies is started again after 1 s, doubled while it keeps
 * dying within BIRD_STABLE_MS of its start, up to BIRD_BACKOFF_MAX_MS. */
#define BIRD_BACKOFF_MAX_MS	30000
#define BIRD_STABLE_MS		60000
/* How long the control socket may take to answer a command. */
#define BIRD_CTL_TIMEOUT_MS	2000

struct bird_vip {
	struct lb_addr addr;
	bool up;		/* wanted: announced */
	bool sent;		/* the running bird has it as wanted */
};

struct bird {
	char name[64];			/* the director's, for the file */
	const struct lb_bgp *bgp;
	char dir[PATH_MAX - 32];	/* the runtime directory */
	char conf[PATH_MAX], sock[PATH_MAX];
	const char *program;		/* "bird", or a path */
	LB_LIST(, struct bird_vip) vips;
	pid_t pid;			/* 0: not running */
	unsigned int deaths;		/* in a row, each soon after its start */
	int64_t started_ms, next_start_ms;
	char err[256];			/* the last failure, for the log */
};

/*
 * b set up for director name's bgp (which must outlive it) in the
 * directory dir (created owner-only if missing, refused if another user
 * owns it or others may write it). 0 or -errno with b->err set.
 */
int bird_init(struct bird *b, const char *name, const struct lb_bgp *bgp,
	      const char *dir);
/* A VIP to announce (up) or not; the same twice is one. 0 or -ENOMEM. */
int bird_vip(struct bird *b, const struct lb_addr *addr, bool up);
/* Whether b's "bgp" has a neighbor of family: a VIP of another is not
 * announced (a session carries its own family's routes). */
bool bird_has_family(const struct lb_bgp *bgp, int family);
/* The configuration for b's VIPs in their wanted states, into f. */
int bird_conf_write(const struct bird *b, FILE *f);
/*
 * The configuration written (b->conf) and bird started on it, killed if
 * this process dies (even by SIGKILL). 0 or -errno with b->err set (bird
 * missing: "install bird2").
 */
int bird_run(struct bird *b);
/*
 * Each VIP's wanted state given to the running bird where it has not
 * been yet; a dead bird reaped and, when its backoff has passed, started
 * again. Returns 1 if bird died or failed to start since the last call
 * (b->err says why), else 0. Call it at least once a second.
 */
int bird_supervise(struct bird *b, int64_t now_ms);
/*
 * The configuration written again (a new "bgp", VIPs added or gone) and
 * a running bird told to read it ("configure"): BIRD restarts only the
 * sessions whose part changed and adds or removes the VIPs' protocols.
 * Each VIP's state is then given again over the socket. 0 or -errno with
 * b->err set.
 */
int bird_reconfigure(struct bird *b);
/* bird told to stop (it withdraws its routes) and reaped, SIGKILL after
 * two seconds; its files and the directory (if then empty) removed. */
void bird_kill(struct bird *b);
void bird_free(struct bird *b);

/* A command to bird's control socket sock ("disable vip_..."): bird's
 * reply code if it said yes (0-7999: 9 "disabled", 8 "already
 * disabled"), else -errno or -EPROTO with err set to its answer. */
int bird_ctl(const char *sock, const char *cmd, char *err, size_t errlen);

#endif /* LBCTL_BIRD_H */
