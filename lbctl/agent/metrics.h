/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent's metrics in Prometheus' text exposition format (0.0.4):
 * written to a node_exporter textfile (renamed into place whole, each
 * interval) and/or served over HTTP on an address of the director.
 */
#ifndef LBCTL_METRICS_H
#define LBCTL_METRICS_H

#include <poll.h>
#include <stdio.h>

#include "agent.h"

struct metrics_opts {
	const char *file;	/* --metrics-file PATH, or NULL */
	const char *listen;	/* --metrics-listen ADDR:PORT, or NULL */
	int interval;		/* seconds between two reads of the kernel */
};

struct metrics;

/* *m NULL when neither is asked for. 0, or -1 with the error printed. */
int metrics_open(struct agent *a, const struct metrics_opts *o,
		 struct metrics **m);
/* The listener's descriptor into *fd (returns 1) or none (0); lowers
 * *timeout_ms to the next write. */
size_t metrics_poll_fd(struct metrics *m, struct pollfd *fd, int *timeout_ms);
/* Reads the kernel and writes the file when due; answers a scrape. */
void metrics_run(struct agent *a, struct metrics *m, const struct pollfd *fds,
		 size_t n);
/* metrics_run() for ms milliseconds (the drain's wait). */
void metrics_tick(struct agent *a, struct metrics *m, int ms);
void metrics_close(struct metrics *m);

/*
 * The exposition of the agent's health states and of snap, the kernel's
 * state (info, services with their real servers, laddrs), to out. No
 * socket: unit tests check it with promtool.
 */
void metrics_format(const struct agent *a, const struct lb_snapshot *snap,
		    FILE *out);

#endif /* LBCTL_METRICS_H */
