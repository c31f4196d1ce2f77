/* SPDX-License-Identifier: GPL-2.0 */
/*
 * "lbctl agent FILE --director NAME": one director kept as its part of a
 * cluster file says, in the foreground (agent.c). It applies the file on
 * start and on SIGHUP (as "lbctl apply --local --director NAME"), checks
 * the real servers of each service that has a "health_check" (health.c),
 * quiesces a failing one (weight 0 through the kernel, with the
 * configuration generation as apply writes) and restores it, writes or
 * serves Prometheus metrics (metrics.c), announces the VIPs that have a
 * healthy real server through BIRD (bird.c), and drains on SIGTERM,
 * SIGINT or "lbctl drain": routes withdrawn, then wait for the
 * director's connections to end (or "drain_timeout"), then exit 0.
 *
 * What crosses files is here: the agent's state, read by bird.c and
 * metrics.c, and the calls between them. Everything runs in one thread,
 * the agent's poll loop: no locking.
 */
#ifndef LBCTL_AGENT_H
#define LBCTL_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <poll.h>

#include "cluster.h"
#include "director.h"
#include "genl.h"

struct bird;

/* Health of one real server of one service the director serves. */
enum agent_rs_state {
	AGENT_RS_UNCHECKED,	/* no health_check: counted as up */
	AGENT_RS_UP,		/* at the configured weight */
	AGENT_RS_DOWN,		/* quiesced: weight 0 in the kernel */
};

struct agent_rs {
	struct lb_dest dest;		/* as the file gives it: its weight */
	enum agent_rs_state state;
	unsigned int ok_run, fail_run;	/* checks in a row */
	uint64_t checks, failures;	/* since the agent started */
	char last_error[128];		/* of the last failed check */
	/* A check has passed since the agent started (or the server came
	 * into the file): until one has, the server is at its weight but
	 * does not count as up for the announcement. */
	bool answered;
	bool synced;			/* the kernel has the state's weight */
	/* health.c's: the next check, and the one in progress if any */
	int64_t next_ms;
	bool running;
	int fd;				/* -1 none */
	int pid;			/* exec: the child, 0 none */
	int64_t deadline_ms;
	bool sent;			/* http: the request is out */
	char buf[64];			/* http: the status line; exec: output */
	size_t got;
};

struct agent_svc {
	const struct lb_svc_entry *e;	/* in file's cluster */
	const struct lb_health_check *hc;	/* NULL: not checked */
	LB_LIST(, struct agent_rs) rs;
};

struct agent {
	const char *path;		/* the cluster file */
	const char *name;		/* the director's */
	struct cluster_file file;	/* as last applied */
	const struct lb_director *dir;	/* in file */
	LB_LIST(, struct agent_svc) svcs;	/* what dir serves */
	struct genl g;			/* to the director's namespace */
	int home_ns;			/* the namespace it started in, -1: it is there */
	int64_t started_ms;
	bool draining;
	/* The handoff could not bring the thread back into its namespace:
	 * the drain ends at once, the agent exits 1. */
	bool ns_lost;
	uint64_t applies, apply_failures;
	struct bird *bird;		/* bird.c's, NULL before bird_start() */
};

/* Milliseconds of CLOCK_MONOTONIC. */
int64_t agent_now_ms(void);
/* One line to stderr: "lbctl agent NAME: ..." (journald timestamps it). */
void agent_log(const struct agent *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Whether the service has a real server up with a weight above 0: one
 * that new connections can go to, UNCHECKED, or UP and answered (so a
 * director that starts announces nothing before a check has passed). */
bool agent_service_healthy(const struct agent *a, const struct agent_svc *s);
/*
 * Whether the director should announce vip: every service it serves on
 * that address has a real server up (a VIP announced with one of its
 * ports dead would draw that port's clients to a director that drops
 * them, while another director may have it). False when draining or
 * when it serves nothing there.
 */
bool agent_vip_healthy(const struct agent *a, const struct lb_addr *vip);

/* --- health.c ---------------------------------------------------------------------- */

/* The checks of a->svcs set up (first ones spread over one interval). */
void health_start(struct agent *a);
/* Every check in progress cut off, its children killed and reaped. */
void health_stop(struct agent *a);
/*
 * Adds the descriptors of the checks in progress to fds (at most max;
 * returns how many) and lowers *timeout_ms to the next deadline or start.
 */
size_t health_poll_fds(struct agent *a, struct pollfd *fds, size_t max,
		       int *timeout_ms);
/*
 * Starts the checks that are due, finishes those whose descriptor is ready
 * (revents from fds, n of them) or whose time is up, and acts on a state
 * change: the weight set in the kernel, a log line, agent_vips_changed().
 */
void health_run(struct agent *a, const struct pollfd *fds, size_t n);

/* The real server's weight in the kernel made what its state says: 0
 * down, the file's otherwise. 0 or -errno (logged). */
int agent_set_weight(struct agent *a, struct agent_svc *s,
		     struct agent_rs *r);
/* A health state changed: each VIP's announcement brought up to date
 * (bird_set_vip() for each, the bird hook keeps what it has). */
void agent_vips_changed(struct agent *a);

/* --- handoff.c ------------------------------------------------------------------ */

/*
 * With "drain_handoff": the director's connections copied into every
 * other director of the file ("lbctl conn import"), each peer's outcome
 * logged, when ("before the withdrawal") in the lines; without it,
 * nothing. A peer that fails is passed over; those over ssh are bounded
 * by one deadline (handoff.c). Sets a->ns_lost if the agent could not
 * return to its namespace.
 */
void handoff_run(struct agent *a, const char *when);

/* --- notify.c ------------------------------------------------------------------ */

/*
 * $NOTIFY_SOCKET (systemd's) taken, and unset for the children: 0 (also
 * when there is none), or -errno when it cannot be used (then nothing is
 * sent). Call before entering another network namespace.
 */
int notify_open(void);
void notify_close(void);
/*
 * The service manager told that the stop (or the start, whichever is in
 * progress) may go on for ms more: "EXTEND_TIMEOUT_USEC=". 1 sent, 0 no
 * socket, -errno.
 */
int notify_extend(int64_t ms);
/*
 * The drain's next deadline (CLOCK_MONOTONIC ms) told the service
 * manager, with AGENT_STOP_MARGIN_MS for what follows the drain (BIRD's
 * stop); a failure is logged.
 */
void agent_stop_by(struct agent *a, int64_t deadline_ms);
#define AGENT_STOP_MARGIN_MS	10000

/* --- bird.c (the BGP announcement, replaced by the bgp part) -------------------- */

/*
 * BIRD started in its runtime directory for a->dir's "bgp", if any, with
 * no VIP announced; 0 or -errno (logged: the agent exits 1). Called once,
 * after the first apply.
 */
int bird_start(struct agent *a);
/* The file was read again (SIGHUP): its "bgp" may have changed. a->dir
 * is the new one. 0 or -errno (logged; the agent goes on). */
int bird_reload(struct agent *a);
/* vip announced (up) or withdrawn; the same call twice is harmless. */
void bird_set_vip(struct agent *a, const struct lb_addr *vip, bool up);
/* Every route withdrawn: the agent drains. */
void bird_withdraw_all(struct agent *a);
/* Called from the loop at least once a second: BIRD supervised
 * (restarted if it died, its announcements given again). */
void bird_tick(struct agent *a);
/* BIRD stopped and its files removed: the agent exits (called on every
 * exit, also when bird_start() was not: a->bird NULL). */
void bird_stop(struct agent *a);

#endif /* LBCTL_AGENT_H */
