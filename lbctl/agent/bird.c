// SPDX-License-Identifier: GPL-2.0
/*
 * BIRD 2 for the agent: its configuration, its process, its control
 * socket. See bird.h for why a VIP is a static protocol of its own.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bird.h"
#include "parse.h"
#include "util.h"

static int fail(struct bird *b, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct bird *b, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->err, sizeof(b->err), fmt, ap);
	va_end(ap);
	return ret;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int bird_init(struct bird *b, const char *name, const struct lb_bgp *bgp,
	      const char *dir)
{
	struct stat st;

	memset(b, 0, sizeof(*b));
	b->bgp = bgp;
	b->program = "bird";
	snprintf(b->name, sizeof(b->name), "%s", name);
	if ((size_t)snprintf(b->dir, sizeof(b->dir), "%s", dir) >=
	    sizeof(b->dir))
		return fail(b, -ENAMETOOLONG, "%s: name too long", dir);
	snprintf(b->conf, sizeof(b->conf), "%s/bird.conf", b->dir);
	snprintf(b->sock, sizeof(b->sock), "%s/bird.ctl", b->dir);
	if (strlen(b->sock) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return fail(b, -ENAMETOOLONG,
			    "%s: too long for a socket's name", b->sock);
	/* Owner-only: bird's control socket commands the announcements. */
	if (mkdir(b->dir, 0700) && errno != EEXIST)
		return fail(b, -errno, "cannot create %s: %s", b->dir,
			    strerror(errno));
	if (lstat(b->dir, &st))
		return fail(b, -errno, "%s: %s", b->dir, strerror(errno));
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 0022))
		return fail(b, -EPERM,
			    "%s is not a directory of this user's that others cannot write",
			    b->dir);
	return 0;
}

int bird_vip(struct bird *b, const struct lb_addr *addr, bool up)
{
	struct bird_vip v = { .addr = *addr, .up = up };
	struct bird_vip *e = lb_list_find(&b->vips, e,
					  lb_addr_equal(&e->addr, addr));

	if (e) {
		if (e->up != up)
			e->sent = false;
		e->up = up;
		return 0;
	}
	/* A new VIP is only in the next configuration bird reads. */
	return lb_list_push(&b->vips, &v) ? -ENOMEM : 0;
}

bool bird_has_family(const struct lb_bgp *bgp, int family)
{
	size_t i;

	for (i = 0; i < bgp->neighbors.n; i++)
		if (bgp->neighbors.v[i].addr.family == family)
			return true;
	return false;
}

/* Longest name: a prefix, "_" and an IPv6 address. */
#define BIRD_NAME_LEN	(8 + INET6_ADDRSTRLEN)

/*
 * "203.0.113.10" as a name BIRD takes: "vip_203_0_113_10";
 * "2001:db8::10": "vip_2001_db8__10". A name holds letters, digits and
 * "_" only, so both "." and ":" become "_": the text must say its
 * address alone once they have. inet_ntop's IPv4 text has 4 decimal
 * groups; its IPv6 text without "." is one per address, and 8 groups or
 * a "::" ("__"). Its IPv6 text with a dotted end ("::1.2.3.4" for
 * ::102:304, "::ffff:1.2.3.4") would read as another's ("::1:2:3:4"):
 * those are written as their 8 groups instead, which no other text is.
 */
static void bird_name(char *buf, size_t len, const char *prefix,
		       const struct lb_addr *a)
{
	char s[INET6_ADDRSTRLEN], *c;
	size_t off = 0;
	int i;

	lb_addr_str(a, s, sizeof(s));
	if (a->family == AF_INET6 && strchr(s, '.'))
		for (i = 0; i < 8; i++)
			lb_appendf(s, sizeof(s), &off, "%s%x", i ? ":" : "",
				   a->v6.s6_addr[2 * i] << 8 |
				   a->v6.s6_addr[2 * i + 1]);
	for (c = s; *c; c++)
		if (*c == '.' || *c == ':')
			*c = '_';
	snprintf(buf, len, "%s_%s", prefix, s);
}

/*
 * The sessions' timers, a template each session is made "from" (the text
 * says why; docs/cluster.md too).
 */
static const char bird_template[] =
	"# Each session's timers: a director's, not BIRD's defaults, which are\n"
	"# a backbone router's (a session a full table, a flap costly to redo).\n"
	"# A director's session is one of the router's ECMP paths: the capacity\n"
	"# behind it is lost while it is down, and each flap rehashes the\n"
	"# router's group (FullNAT connections moved to another director\n"
	"# break). The first connect 1 s after bird starts (not 5); a failed\n"
	"# one tried again after 5 s (not 120); after a session error (the\n"
	"# neighbor restarted, a hold timer ran out) a new session 5 s later\n"
	"# (not 60), the wait doubled for each error within 300 s up to 60 s\n"
	"# (not 300), damping a session that flaps; 30 s for a neighbor that\n"
	"# accepted the connection to send its OPEN (not 240). Graceful\n"
	"# restart \"aware\" (BIRD's default, said): a helper to a neighbor\n"
	"# that restarts, never asking it to keep this director's routes while\n"
	"# this bird restarts (\"on\" would, for 120 s, with nothing checking\n"
	"# the servers behind them).\n"
	"template bgp lbctl_session {\n"
	"\tconnect delay time 1;\n"
	"\tconnect retry time 5;\n"
	"\terror wait time 5, 60;\n"
	"\terror forget time 300;\n"
	"\tstartup hold time 30;\n"
	"\tgraceful restart aware;\n"
	"}\n\n";

static const char *family_name(int family)
{
	return family == AF_INET6 ? "ipv6" : "ipv4";
}

int bird_conf_write(const struct bird *b, FILE *f)
{
	const struct lb_bgp *bgp = b->bgp;
	char a[INET6_ADDRSTRLEN], name[BIRD_NAME_LEN];
	bool bfd = false;
	size_t i;

	fprintf(f, "# BIRD 2 configuration of \"lbctl agent\" for director %s,\n"
		   "# written at each start of bird from the cluster file: edits are lost.\n\n",
		b->name);
	fprintf(f, "log stderr all;\n");
	fprintf(f, "router id %s;\n\n",
		inet_ntop(AF_INET, &bgp->router_id, a, sizeof(a)));
	fprintf(f, "# The interfaces, for the sessions' next hops. No kernel protocol:\n"
		   "# the routes below exist only to be announced.\n"
		   "protocol device {\n}\n\n");
	fprintf(f, "# One protocol per VIP, enabled while the VIP is healthy (birdc\n"
		   "# enable/disable): its route comes and goes, the sessions stay.\n");
	for (i = 0; i < b->vips.n; i++) {
		const struct lb_addr *vip = &b->vips.v[i].addr;

		bird_name(name, sizeof(name), "vip", vip);
		fprintf(f, "protocol static %s {\n"
			   "\tdisabled %s;\n"
			   "\t%s;\n"
			   "\troute %s/%d blackhole;\n"
			   "}\n\n",
			name, b->vips.v[i].up ? "no" : "yes",
			family_name(vip->family), lb_addr_str(vip, a, sizeof(a)),
			vip->family == AF_INET6 ? 128 : 32);
	}
	for (i = 0; i < bgp->neighbors.n; i++)
		bfd |= bgp->neighbors.v[i].bfd;
	if (bfd)
		fprintf(f, "# Sessions to the neighbors that ask for BFD.\n"
			   "protocol bfd {\n}\n\n");
	fputs(bird_template, f);
	for (i = 0; i < bgp->neighbors.n; i++) {
		const struct lb_bgp_neighbor *n = &bgp->neighbors.v[i];

		bird_name(name, sizeof(name), "bgp", &n->addr);
		fprintf(f, "protocol bgp %s from lbctl_session {\n"
			   "\tlocal as %u;\n"
			   "\tneighbor %s as %u;\n",
			name, bgp->local_as,
			lb_addr_str(&n->addr, a, sizeof(a)), n->as);
		if (n->hold_time != LB_BGP_HOLD_DEFAULT)
			fprintf(f, "\thold time %d;\n", n->hold_time);
		if (n->bfd)
			fprintf(f, "\tbfd on;\n");
		/* Its own family's VIPs: each static protocol's route is
		 * in its family's table, the one this channel exports. */
		fprintf(f, "\t%s {\n"
			   "\t\timport none;\n"
			   "\t\texport where proto ~ \"vip_*\";\n"
			   "\t\tnext hop self;\n"
			   "\t};\n"
			   "}\n\n", family_name(n->addr.family));
	}
	return ferror(f) ? -EIO : 0;
}

/* The configuration into b->conf, whole or not at all. */
static int write_conf(struct bird *b)
{
	char tmp[PATH_MAX + 8];
	size_t i;
	FILE *f;
	int fd, ret;

	snprintf(tmp, sizeof(tmp), "%s.new", b->conf);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return fail(b, -errno, "cannot write %s: %s", tmp,
			    strerror(errno));
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return fail(b, -ENOMEM, "out of memory");
	}
	ret = bird_conf_write(b, f);
	if (fclose(f) || ret) {
		unlink(tmp);
		return fail(b, -EIO, "cannot write %s", tmp);
	}
	if (rename(tmp, b->conf))
		return fail(b, -errno, "cannot rename %s: %s", tmp,
			    strerror(errno));
	/* What bird reads is what each VIP should be. */
	for (i = 0; i < b->vips.n; i++)
		b->vips.v[i].sent = true;
	return 0;
}

int bird_run(struct bird *b)
{
	int pipefd[2], child_errno = 0, ret;
	pid_t parent = getpid(), pid;
	ssize_t n;

	ret = write_conf(b);
	if (ret)
		return ret;
	if (pipe2(pipefd, O_CLOEXEC))
		return fail(b, -errno, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return fail(b, ret, "fork: %s", strerror(-ret));
	}
	if (!pid) {
		sigset_t all;

		/*
		 * bird must not outlive the agent: a bird left announcing
		 * for a director whose agent died (SIGKILL, OOM) would keep
		 * drawing traffic that nothing checks any more.
		 */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		close(pipefd[0]);
		execlp(b->program, b->program, "-f", "-c", b->conf, "-s",
		       b->sock, (char *)NULL);
		child_errno = errno;
		if (write(pipefd[1], &child_errno, sizeof(child_errno)) < 0)
			_exit(126);
		_exit(127);
	}
	close(pipefd[1]);
	/* The write end closes at exec: nothing read means bird runs. */
	do
		n = read(pipefd[0], &child_errno, sizeof(child_errno));
	while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	if (n == sizeof(child_errno)) {
		waitpid(pid, NULL, 0);
		return fail(b, -child_errno,
			    child_errno == ENOENT ?
			    "cannot run %s: %s (install Debian's bird2)" :
			    "cannot run %s: %s",
			    b->program, strerror(child_errno));
	}
	b->pid = pid;
	b->started_ms = now_ms();
	return 0;
}

/*
 * Reads bird's answer up to its last line, "DDDD text"; its code, or
 * when that is 0 ("0000 ", the end of a reply whose lines say it all:
 * "0008-vip_x: already disabled"), the code of the line before.
 */
static int read_reply(int fd, char *line, size_t len)
{
	char buf[1024];
	size_t have = 0;
	int prev = 0, code;
	ssize_t n;
	char *nl, *start;

	for (;;) {
		n = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		if (!n)
			return -ECONNRESET;
		have += (size_t)n;
		buf[have] = '\0';
		start = buf;
		while ((nl = strchr(start, '\n'))) {
			*nl = '\0';
			/* "1234-..." and " ..." go on; "1234 ..." ends */
			if (strlen(start) >= 5 && start[0] >= '0' &&
			    start[0] <= '9') {
				code = atoi(start);
				if (start[4] == ' ') {
					if (!code && prev)
						return prev;
					snprintf(line, len, "%s", start);
					return code;
				}
				prev = code;
				snprintf(line, len, "%s", start);
			}
			start = nl + 1;
		}
		have = strlen(start);
		memmove(buf, start, have);
		if (have == sizeof(buf) - 1)
			have = 0;	/* a line longer than ours: skip */
	}
}

int bird_ctl(const char *sock, const char *cmd, char *err, size_t errlen)
{
	struct timeval tv = { BIRD_CTL_TIMEOUT_MS / 1000,
			      BIRD_CTL_TIMEOUT_MS % 1000 * 1000 };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char line[256], req[128];
	int fd, code;
	size_t len;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	len = (size_t)snprintf(req, sizeof(req), "%s\n", cmd);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		code = -errno;
		parse_fail(err, errlen, "socket: %s", strerror(-code));
		return code;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		code = -errno;
		goto out_errno;
	}
	/* "0001 BIRD 2.0.12 ready." */
	code = read_reply(fd, line, sizeof(line));
	if (code < 0)
		goto out_errno;
	if (write(fd, req, len) != (ssize_t)len) {
		code = -EIO;
		goto out_errno;
	}
	code = read_reply(fd, line, sizeof(line));
	if (code < 0)
		goto out_errno;
	close(fd);
	/* 8xxx: a run-time error, 9xxx: bird could not parse it */
	if (code >= 8000) {
		parse_fail(err, errlen, "bird: %s: %s", cmd, line);
		return -EPROTO;
	}
	return code;
out_errno:
	close(fd);
	parse_fail(err, errlen, "bird's control socket %s: %s: %s", sock, cmd,
		   strerror(-code));
	return code;
}

/* Each VIP the running bird does not have as wanted, told. */
static void send_vips(struct bird *b)
{
	char cmd[BIRD_NAME_LEN + 16], name[BIRD_NAME_LEN];
	size_t i;

	for (i = 0; i < b->vips.n; i++) {
		struct bird_vip *v = &b->vips.v[i];

		if (v->sent)
			continue;
		bird_name(name, sizeof(name), "vip", &v->addr);
		snprintf(cmd, sizeof(cmd), "%s %s",
			 v->up ? "enable" : "disable", name);
		/* Not yet listening (just started): the next call. */
		if (bird_ctl(b->sock, cmd, b->err, sizeof(b->err)) >= 0)
			v->sent = true;
	}
}

int bird_supervise(struct bird *b, int64_t now)
{
	int status, backoff, ret = 0;

	if (b->pid && waitpid(b->pid, &status, WNOHANG) == b->pid) {
		if (WIFSIGNALED(status))
			fail(b, -ECHILD, "bird died of signal %d",
			     WTERMSIG(status));
		else
			fail(b, -ECHILD, "bird exited with status %d",
			     WEXITSTATUS(status));
		b->pid = 0;
		if (now - b->started_ms < BIRD_STABLE_MS)
			b->deaths++;
		else
			b->deaths = 1;
		backoff = 1000 << (b->deaths < 6 ? b->deaths - 1 : 5);
		if (backoff > BIRD_BACKOFF_MAX_MS)
			backoff = BIRD_BACKOFF_MAX_MS;
		b->next_start_ms = now + backoff;
		ret = 1;
	}
	if (!b->pid && now >= b->next_start_ms) {
		if (bird_run(b)) {
			b->deaths++;
			b->next_start_ms = now + BIRD_BACKOFF_MAX_MS;
			return 1;
		}
	}
	if (b->pid)
		send_vips(b);
	return ret;
}

int bird_reconfigure(struct bird *b)
{
	size_t i;
	int ret = write_conf(b);

	if (ret || !b->pid)
		return ret;
	ret = bird_ctl(b->sock, "configure", b->err, sizeof(b->err));
	ret = ret < 0 ? ret : 0;
	/*
	 * A VIP's "disabled" in the file is what it was at bird's start, not
	 * what "disable" made it since: say each again (harmless when bird
	 * has it: "already enabled").
	 */
	for (i = 0; i < b->vips.n; i++)
		b->vips.v[i].sent = false;
	send_vips(b);
	return ret;
}

void bird_kill(struct bird *b)
{
	char tmp[PATH_MAX + 8];
	int64_t end;

	if (b->pid) {
		/* SIGTERM: bird closes its sessions, the routes go at once */
		kill(b->pid, SIGTERM);
		end = now_ms() + 2000;
		while (waitpid(b->pid, NULL, WNOHANG) == 0) {
			if (now_ms() >= end) {
				kill(b->pid, SIGKILL);
				waitpid(b->pid, NULL, 0);
				break;
			}
			usleep(20000);
		}
		b->pid = 0;
	}
	snprintf(tmp, sizeof(tmp), "%s.new", b->conf);
	unlink(tmp);
	unlink(b->conf);
	unlink(b->sock);
	/* Made by bird_init(); kept if something else of the agent's is in it. */
	rmdir(b->dir);
}

void bird_free(struct bird *b)
{
	lb_list_free(&b->vips);
}
