// SPDX-License-Identifier: GPL-2.0
/*
 * "lbctl apply FILE": every director of a cluster file made to match it.
 *
 * The whole file is parsed and checked first; if anything is wrong in it,
 * nothing is sent to any director (exit 2). Then the lock of every
 * director reached here (its namespace's, director_lock()) is taken, in
 * the file's order, before any is changed: if another apply holds one of
 * them, this one is refused whole and changes nothing anywhere, so two
 * applies of a cluster started at once never leave one director as one
 * file says and another as the other (a remote director is locked by its
 * own lbctl, on its host, when its turn comes). Then the directors are
 * done one after the other, each on its own, under its lock: its
 * state is read (one snapshot, the configuration generation first),
 * compared with the file (plan.h), and only the differences are sent, one
 * request each. If one is refused, the steps already done on that
 * director are undone newest first, from the snapshot, so the director is
 * left as it was; the state is read again to check that, the failure is
 * reported, and the next director goes on. The exit status is 1 if any
 * director failed.
 *
 * Each write carries the generation read before the snapshot, plus one
 * per write this run made (genl.h): if anything else wrote to the
 * director since it was read (a command, a tool that takes no lock), the
 * kernel refuses the write with ESTALE. The undo's writes carry the
 * generation too (and add one each): a rollback never overwrites another
 * writer's changes. When the kernel refuses a write, or an undo, with
 * ESTALE, the undo stops there, and what this run changed and did not
 * undo is listed: the director then holds the other writer's changes
 * and these, to be looked at and applied again.
 *
 * SIGINT, SIGTERM and SIGHUP never stop an apply half way: one that
 * comes while a director's plan runs stops it before its next change
 * and rolls back the changes made (the undo itself is not stopped), but
 * once the plan's first delete has been sent it is finished instead
 * (lb_plan_run()); no later director is begun. A remote director's ssh
 * ignores them (director.c): that apply, out of their reach, finishes
 * and reports. SIGPIPE is ignored: a reader of the report that goes away
 * must not kill the apply between two changes.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "args.h"
#include "director.h"
#include "lbctl.h"
#include "output.h"
#include "plan.h"

/* The signal that asked the apply to stop, or 0. */
static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static const char *stop_name(void)
{
	return stop_signal == SIGINT ? "SIGINT" :
	       stop_signal == SIGTERM ? "SIGTERM" : "SIGHUP";
}

static void catch_stop_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop, .sa_flags = SA_RESTART };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* One director being changed. */
struct target {
	struct genl g;
	const char *name;
	char why[800];		/* the failed step and why */
	char why_undo[800];	/* the undo step refused with ESTALE */
};

/* One step through api.h; lb_plan_run() calls it, and for the undo. */
static int step_send(void *arg, const struct lb_step *s, bool undo)
{
	struct target *t = arg;
	struct genl *g = &t->g;
	char line[512];
	int ret;

	ret = lb_step_send(g, s);
	if (!ret)
		return 0;
	lb_step_format(s, line, sizeof(line));
	/* The undo stops; cmd_apply says what was kept. */
	if (undo && ret == -ESTALE)
		snprintf(t->why_undo, sizeof(t->why_undo), "\"%s\": %s", line,
			 g->msg);
	else if (undo)
		lbctl_warn("%s: could not undo with \"%s\": %s", t->name, line,
			   g->msg);
	else
		snprintf(t->why, sizeof(t->why), "\"%s\": %s", line, g->msg);
	return ret;
}

static void print_plan(const struct lb_plan *plan)
{
	char line[512];
	size_t i;

	for (i = 0; i < plan->n; i++) {
		lb_step_format(&plan->v[i], line, sizeof(line));
		printf("  %s\n", line);
	}
}

/*
 * After a rollback: the director read again and compared with what it was
 * before this run. Returns how many differences are left (printed).
 */
static size_t check_rollback(struct target *t, const struct lb_snapshot *was)
{
	struct lb_snapshot now, want = *was;
	struct lb_plan left = { 0 };
	size_t n;

	want.has_config = want.has_laddrs = true;
	if (lb_snapshot_read(&t->g, &now, NULL,
			     LB_SNAP_CONFIG | LB_SNAP_LADDRS)) {
		lbctl_warn("%s: cannot read the state after the rollback: %s",
			   t->name, t->g.msg);
		return 1;
	}
	/* A failed lb_plan_make() leaves left empty. */
	n = lb_plan_make(&now, &want, &left) ? 1 : left.n;
	if (left.n) {
		lbctl_warn("%s: after the rollback, %zu %s from the state before this run remain:",
			   t->name, n, n == 1 ? "difference" : "differences");
		print_plan(&left);
	}
	lb_list_free(&left);
	lb_snapshot_free(&now);
	return n;
}

/*
 * Another writer came between (ESTALE): the undo stopped before the
 * plan's first kept steps were undone, so as not to overwrite that
 * writer's changes. What this run leaves behind is said, step by step.
 */
static void report_kept(const struct target *t, const struct lb_plan *plan,
			size_t kept)
{
	char line[512];
	size_t i;

	if (t->why_undo[0])
		lbctl_warn("%s: the undo was refused at %s", t->name,
			   t->why_undo);
	printf("%s: another writer changed this director during this run; so as not to overwrite its changes, %zu change%s of this run %s not undone%s:\n",
	       t->name, kept, kept == 1 ? "" : "s",
	       kept == 1 ? "was" : "were",
	       t->why_undo[0] ? " (the last one perhaps in part)" : "");
	for (i = 0; i < kept; i++) {
		lb_step_format(&plan->v[i], line, sizeof(line));
		printf("  %s\n", line);
	}
	printf("%s: read it (lbctl show) and apply again\n", t->name);
}

/*
 * One director reached here (or in its namespace); returns the exit code.
 * locked: the caller holds its lock (cmd_apply); otherwise it is taken
 * here (dry runs take none).
 */
static int apply_one(const struct cluster_file *f, const struct lb_director *d,
		     bool dry_run, bool locked)
{
	struct target t = { .name = d->name };
	struct lb_snapshot cur, want;
	struct lb_plan plan = { 0 };
	unsigned int undo_failed;
	size_t failed, left, kept;
	int ret, lock = -1;
	char line[512];

	/* Held until the rollback, if any, is checked. */
	if (!dry_run && !locked) {
		ret = director_lock(d, NETNS_RUN_DIR, LBCTL_RUN_DIR, &lock);
		if (ret)
			return ret;
	}
	ret = genl_attach(&t.g, d->netns) ?:
	      lb_snapshot_read(&t.g, &cur, NULL, LB_SNAP_CONFIG | LB_SNAP_LADDRS);
	if (ret) {
		genl_close(&t.g);
		if (lock >= 0)
			close(lock);
		return lbctl_error(LBCTL_EXIT_FAIL, "%s: %s", d->name,
				   t.g.msg);
	}
	/* Read before the rest of the snapshot: nothing written since. */
	t.g.has_gen = cur.info.has_generation;
	t.g.gen = cur.info.generation;
	/* What this director's module cannot do, it is not asked. */
	if (cluster_check(&f->cluster, d, &cur.info, t.why, sizeof(t.why))) {
		ret = lbctl_error(LBCTL_EXIT_FAIL, "%s: %s: %s", d->name,
				  f->name, t.why);
		goto out;
	}
	ret = cluster_want(&f->cluster, d, &want);
	if (!ret) {
		ret = lb_plan_make(&cur, &want, &plan);
		cluster_want_free(d, &want);
	}
	if (ret) {
		ret = lbctl_error(LBCTL_EXIT_FAIL, "%s: out of memory",
				  d->name);
		goto out;
	}
	if (!plan.n) {
		printf("%s: no changes\n", d->name);
		goto out;
	}
	printf("%s: %zu change%s%s\n", d->name, plan.n, plan.n == 1 ? "" : "s",
	       dry_run ? " (dry run: nothing applied)" : "");
	print_plan(&plan);
	if (dry_run)
		goto out;
	fflush(stdout);
	ret = lb_plan_run(&plan, step_send, &t, &stop_signal, &failed,
			  &undo_failed, &kept);
	if (!ret && stop_signal) {
		printf("%s: applied (%s came after its first delete, which no undo can take back: the rest was sent)\n",
		       d->name, stop_name());
		goto out;
	}
	if (!ret) {
		printf("%s: applied\n", d->name);
		goto out;
	}
	if (ret == -EINTR) {
		lb_step_format(&plan.v[failed], line, sizeof(line));
		snprintf(t.why, sizeof(t.why), "\"%s\": not sent: stopped by %s",
			 line, stop_name());
	}
	lbctl_error(LBCTL_EXIT_FAIL, "%s: change %zu of %zu, %s", d->name,
		    failed + 1, plan.n, t.why);
	ret = LBCTL_EXIT_FAIL;
	if (!failed) {
		printf("%s: nothing was changed\n", d->name);
		goto out;
	}
	if (kept) {
		report_kept(&t, &plan, kept);
		goto out;
	}
	left = check_rollback(&t, &cur);
	if (!undo_failed && !left)
		printf("%s: rolled back: the %zu change%s before it %s undone\n",
		       d->name, failed, failed == 1 ? "" : "s",
		       failed == 1 ? "was" : "were");
	else
		printf("%s: the rollback is incomplete (see above)\n",
		       d->name);
out:
	lb_list_free(&plan);
	lb_snapshot_free(&cur);
	genl_close(&t.g);
	if (lock >= 0)
		close(lock);
	return ret;
}

int apply_director(const struct cluster_file *f, const struct lb_director *d,
		   bool dry_run)
{
	return apply_one(f, d, dry_run, false);
}

/* Closes the locks taken (-1: none). */
static void unlock_all(int *locks, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (locks[i] >= 0) {
			close(locks[i]);
			locks[i] = -1;
		}
}

/* Whether director d of this run is changed from here (not over ssh). */
static bool here(const struct lb_director *d, const struct lb_run *run)
{
	return !d->ssh || run->local;
}

/*
 * The locks of every director of this run that is changed from here, in
 * the file's order, into locks (one per director, -1 for the others).
 * Returns 0, or the exit code with the refusal printed and no lock kept.
 */
static int lock_all(const struct cluster_file *f, const struct lb_run *run,
		    const struct lb_director *only, int *locks)
{
	size_t i, n = f->cluster.directors.n;
	int ret = 0;

	for (i = 0; i < n; i++)
		locks[i] = -1;
	for (i = 0; !ret && i < n; i++) {
		const struct lb_director *d = &f->cluster.directors.v[i];

		if ((!only || d == only) && here(d, run))
			ret = director_lock(d, NETNS_RUN_DIR, LBCTL_RUN_DIR,
					    &locks[i]);
	}
	if (ret)
		unlock_all(locks, n);
	return ret;
}

/* One director on another host: its own lbctl applies it. */
static int apply_remote(const struct cluster_file *f,
			const struct lb_director *d, bool dry_run)
{
	char *words[] = {
		"lbctl", "apply", "--local", "--director", (char *)d->name,
		dry_run ? "--dry-run" : "-", dry_run ? "-" : NULL, NULL,
	};
	int ret = director_ssh(d, words, f->text, f->len, NULL);
	char why[256];

	if (ret)
		return lbctl_error(LBCTL_EXIT_FAIL, "%s: %s", d->name,
				   director_ssh_why(d, ret, why, sizeof(why)));
	return LBCTL_EXIT_OK;
}

int cmd_apply(const struct lbctl *ctx, int argc, char **argv)
{
	const struct lb_director *only, *d;
	struct cluster_file f;
	struct lb_run run;
	char err[256];
	size_t i, left = 0;
	int ret, code = LBCTL_EXIT_OK, *locks = NULL;

	if (args_apply(argc - 1, argv + 1, &run, err, sizeof(err)))
		return lbctl_usage(err);
	if (ctx->netns)
		return lbctl_usage("\"apply\" finds each director's namespace in the file: -n is not for it");
	if (ctx->json)
		return lbctl_usage("\"apply\" prints text only: -j is not for it");
	ret = cluster_load(run.file, &f);
	if (ret)
		return ret;
	ret = cluster_select(&f, run.director, &only);
	if (!ret && !run.dry_run) {
		catch_stop_signals();
		locks = calloc(f.cluster.directors.n ?: 1, sizeof(*locks));
		ret = !locks ? lbctl_error(LBCTL_EXIT_FAIL, "out of memory") :
		      lock_all(&f, &run, only, locks);
	}
	for (i = 0; !ret && !stop_signal && i < f.cluster.directors.n; i++) {
		d = &f.cluster.directors.v[i];
		if (only && d != only)
			continue;
		if (!here(d, &run))
			ret = apply_remote(&f, d, run.dry_run);
		else
			ret = apply_one(&f, d, run.dry_run, !run.dry_run);
		/* Done with it: the agent's weights may go on. */
		if (locks && locks[i] >= 0) {
			close(locks[i]);
			locks[i] = -1;
		}
		fflush(stdout);
		if (ret)
			code = ret;
		ret = 0;
	}
	for (; !ret && i < f.cluster.directors.n; i++)
		left += !only || only == &f.cluster.directors.v[i];
	if (left)
		code = lbctl_error(LBCTL_EXIT_FAIL,
				   "stopped by %s: %zu director%s not begun",
				   stop_name(), left, left == 1 ? " was" : "s were");
	if (locks)
		unlock_all(locks, f.cluster.directors.n);
	free(locks);
	cluster_unload(&f);
	return ret ?: code;
}
