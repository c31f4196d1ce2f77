/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The directors of a cluster file, for "lbctl apply" and "lbctl show
 * FILE": loading the file and reaching a director on another host through
 * ssh (director.c).
 */
#ifndef LBCTL_DIRECTOR_H
#define LBCTL_DIRECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cluster.h"

/* Where "lbctl apply" keeps its locks. */
#define LBCTL_RUN_DIR	"/run/lbctl"

/* A cluster file, read and parsed (director.c). */
struct cluster_file {
	const char *name;		/* for messages: the path, or <stdin> */
	char *text;			/* as read: what a remote lbctl is fed */
	size_t len;
	struct lb_cluster cluster;
};

/* Reads and parses path ("-": stdin); prints the error and returns the
 * exit code (2: the file is wrong). */
int cluster_load(const char *path, struct cluster_file *f);
void cluster_unload(struct cluster_file *f);
/* *only: the director called name, NULL for all when name is NULL; an
 * unknown name is printed, and the usage exit code returned. */
int cluster_select(const struct cluster_file *f, const char *name,
		   const struct lb_director **only);
/*
 * Director d of f (this host, its netns) made to match f (apply.c), as
 * "lbctl apply --local --director NAME" does, the report on stdout.
 * Returns the exit code.
 */
int apply_director(const struct cluster_file *f, const struct lb_director *d,
		   bool dry_run);
/*
 * Takes the apply lock of director d's namespace, NETNS_DIR/NETNS (the
 * one lbctl runs in without "netns"), an flock(LOCK_EX) on
 * DIR/apply-DEV-INODE.lock, the device and inode of that namespace, DIR
 * made if missing; it is held until *fd is closed. Returns 0, or the exit
 * code with the error printed: another lbctl apply holding it is not
 * waited for.
 */
int director_lock(const struct lb_director *d, const char *netns_dir,
		  const char *dir, int *fd);
/*
 * The command line of director_ssh(): "ssh -o BatchMode=yes -o
 * ConnectTimeout=10 -o ServerAliveInterval=5 -o ServerAliveCountMax=3
 * DEST 'word'...", each word single-quoted for the remote shell. NULL
 * when out of memory; free with director_ssh_argv_free().
 */
char **director_ssh_argv(const struct lb_director *d, char *const words[]);
void director_ssh_argv_free(char **argv);
/*
 * Runs director_ssh_argv(d, words) for director d. in (if not
 * NULL) is fed to its standard input, else /dev/null; its standard output
 * is ours, or with out read whole into *out (to free; up to 1 GiB, more is
 * -EFBIG), its standard error ours. It is waited for without a deadline:
 * for "lbctl apply" and "show", whose operator sees it. Returns its exit
 * status (255: ssh failed), or -errno when it could not be run.
 */
int director_ssh(const struct lb_director *d, char *const words[],
		 const char *in, size_t inlen, char **out);

/* An output of director_ssh_start()'s child, read as it comes. */
struct director_ssh_sink {
	int fd;				/* ours; -1: not read, or at EOF */
	char *buf;			/* NUL terminated; NULL: not read */
	size_t len, cap, max;		/* kept, room, most kept */
	bool cut;			/* more came: read and dropped */
};

/* One ssh exchange in progress: director_ssh_start(), _wait(), _free(). */
struct director_ssh_run {
	const struct lb_director *d;
	pid_t pid;			/* 0: reaped */
	int in;				/* its standard input, -1: done */
	const char *input;		/* all of the input, inputlen bytes */
	size_t inputlen;
	const char *left;		/* the input not yet written */
	size_t leftlen;
	struct director_ssh_sink out, err;
	int status;			/* once reaped: exit status, 128+signal */
	int error;			/* -errno: ours (-ETIMEDOUT: killed) */
	char **fallback;		/* director_ssh_fallback()'s argv */
	bool fell_back;			/* the fallback is what ran */
};

/*
 * Starts director_ssh_argv(d, words) with in (if not NULL, inlen bytes)
 * for its standard input, else /dev/null, and its standard output and
 * error read into r->out and r->err, at most out_max and err_max bytes
 * each (the rest read and dropped: a peer that floods costs no memory);
 * 0 for either leaves it ours. 0, or -errno with nothing left running.
 */
int director_ssh_start(struct director_ssh_run *r, const struct lb_director *d,
		       char *const words[], const char *in, size_t inlen,
		       size_t out_max, size_t err_max);
/*
 * If r's command exits with status 2 (a usage error) having printed
 * nothing on its standard output, words are run instead, once, with the
 * same input, by director_ssh_wait() under the same deadline (the others
 * go on meanwhile), and r->fell_back is set: for a peer whose older lbctl
 * refuses an option that only shortens its output. 0, or -ENOMEM.
 */
int director_ssh_fallback(struct director_ssh_run *r, char *const words[]);
/*
 * The n exchanges of r run together, input written and outputs read as
 * each is ready (none waits on another, nor its input on its output),
 * until each child has exited and closed its outputs, or until
 * deadline_ms (CLOCK_MONOTONIC, -1: none): those still running then are
 * killed (SIGKILL), reaped and have error -ETIMEDOUT.
 */
void director_ssh_wait(struct director_ssh_run *r, size_t n,
		       int64_t deadline_ms);
/* A waited-for exchange's outcome, as director_ssh() returns it. */
int director_ssh_result(const struct director_ssh_run *r);
/* Its buffers (and fallback) freed (after director_ssh_wait()). */
void director_ssh_free(struct director_ssh_run *r);
/* What director_ssh()'s non-zero return ret means, into buf: "cannot run
 * ssh: ...", "ssh DEST did not finish in time: killed" (-ETIMEDOUT), "ssh
 * DEST failed (exit status 255)" or "lbctl on DEST exited with status N".
 * Returns buf. */
const char *director_ssh_why(const struct lb_director *d, int ret, char *buf,
			     size_t len);

#endif /* LBCTL_DIRECTOR_H */
