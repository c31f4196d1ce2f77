// SPDX-License-Identifier: GPL-2.0
/*
 * nfq_accept: an NFQUEUE consumer that accepts every packet, over raw
 * nfnetlink (the VM image has no libnetfilter_queue).
 *
 *   nfq_accept [-q QUEUE] [--max-seconds S]
 *
 * Binds QUEUE (default 0) of the current network namespace in copy mode
 * "meta" (the packet's bytes are not needed), prints "bound queue QUEUE"
 * once the kernel has acknowledged the binding, then answers every packet
 * queued with NF_ACCEPT. The verdicts come from this process: the kernel
 * runs the hooks after the queueing one from the verdict's sendmsg(), in
 * process context with bottom halves enabled (nf_reinject()).
 *
 * On SIGTERM or SIGINT it unbinds and prints "accepted N", then
 * "enobufs E verdict_errors V" (E: times the socket overflowed, packets
 * the kernel then dropped; V: verdicts the kernel refused). Exits 0 if
 * V is 0, 1 otherwise or on a socket error, and 3 when --max-seconds
 * (default 600) pass first, after printing the same lines: a scenario
 * that forgets it does not leave it running.
 */
#define _GNU_SOURCE	/* ppoll */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <linux/netlink.h>

#define RCVBUF		(4 << 20)
#define MSG_TYPE(m)	((NFNL_SUBSYS_QUEUE << 8) | (m))

static volatile sig_atomic_t stop;
static unsigned int seq;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static long now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void usage(void)
{
	fprintf(stderr, "usage: nfq_accept [-q QUEUE] [--max-seconds S]\n");
	exit(2);
}

static long number(const char *s, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > max)
		usage();
	return v;
}

/* Append attribute TYPE with LEN bytes of DATA to message NLH. */
static void put_attr(struct nlmsghdr *nlh, unsigned short type,
		     const void *data, unsigned short len)
{
	struct nlattr *nla = (void *)((char *)nlh + NLMSG_ALIGN(nlh->nlmsg_len));

	nla->nla_type = type;
	nla->nla_len = NLA_HDRLEN + len;
	memcpy((char *)nla + NLA_HDRLEN, data, len);
	nlh->nlmsg_len = NLMSG_ALIGN(nlh->nlmsg_len) + NLA_ALIGN(nla->nla_len);
}

/* A queue message for QUEUE in BUF (large enough for it and two attrs). */
static struct nlmsghdr *start_msg(void *buf, uint8_t type, uint16_t flags,
				  uint16_t queue)
{
	struct nlmsghdr *nlh = buf;
	struct nfgenmsg *nfg;

	memset(buf, 0, NLMSG_SPACE(sizeof(*nfg)));
	nlh->nlmsg_len = NLMSG_LENGTH(sizeof(*nfg));
	nlh->nlmsg_type = MSG_TYPE(type);
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++seq;
	nfg = NLMSG_DATA(nlh);
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(queue);
	return nlh;
}

static int send_msg(int fd, struct nlmsghdr *nlh)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	if (sendto(fd, nlh, nlh->nlmsg_len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0) {
		perror("nfq_accept: sendto");
		return -1;
	}
	return 0;
}

/*
 * Send a configuration request for QUEUE and wait for its acknowledgement;
 * packets cannot arrive before the queue is bound.
 */
static int config(int fd, uint16_t queue, const struct nfqnl_msg_config_cmd *cmd,
		  const struct nfqnl_msg_config_params *params)
{
	char buf[256] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *nlh;
	unsigned int want;
	ssize_t n;

	nlh = start_msg(buf, NFQNL_MSG_CONFIG, NLM_F_ACK, queue);
	if (cmd)
		put_attr(nlh, NFQA_CFG_CMD, cmd, sizeof(*cmd));
	if (params)
		put_attr(nlh, NFQA_CFG_PARAMS, params, sizeof(*params));
	want = nlh->nlmsg_seq;
	if (send_msg(fd, nlh))
		return -1;
	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("nfq_accept: recv (configuration)");
			return -1;
		}
		for (nlh = (void *)buf; NLMSG_OK(nlh, n); nlh = NLMSG_NEXT(nlh, n)) {
			struct nlmsgerr *e = NLMSG_DATA(nlh);

			if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_seq != want)
				continue;
			if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e))) {
				fprintf(stderr, "nfq_accept: short acknowledgement\n");
				return -1;
			}
			if (e->error) {
				fprintf(stderr, "nfq_accept: configuring queue %u: %s\n",
					queue, strerror(-e->error));
				return -1;
			}
			return 0;
		}
	}
}

/* The packet id of a queued packet's message, or -1 when it has none. */
static int64_t packet_id(const struct nlmsghdr *nlh)
{
	const struct nfqnl_msg_packet_hdr *ph;
	const struct nlattr *nla;
	int len;

	len = (int)nlh->nlmsg_len - (int)NLMSG_SPACE(sizeof(struct nfgenmsg));
	if (len < 0)
		return -1;
	nla = (const void *)((const char *)nlh + NLMSG_SPACE(sizeof(struct nfgenmsg)));
	while (len >= NLA_HDRLEN && nla->nla_len >= NLA_HDRLEN &&
	       nla->nla_len <= len) {
		if ((nla->nla_type & NLA_TYPE_MASK) == NFQA_PACKET_HDR &&
		    nla->nla_len >= NLA_HDRLEN + sizeof(*ph)) {
			ph = (const void *)((const char *)nla + NLA_HDRLEN);
			return ntohl(ph->packet_id);
		}
		len -= NLA_ALIGN(nla->nla_len);
		nla = (const void *)((const char *)nla + NLA_ALIGN(nla->nla_len));
	}
	return -1;
}

static int accept_packet(int fd, uint16_t queue, uint32_t id)
{
	char buf[128] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nfqnl_msg_verdict_hdr vh = {
		.verdict = htonl(NF_ACCEPT),
		.id = htonl(id),
	};
	struct nlmsghdr *nlh;

	nlh = start_msg(buf, NFQNL_MSG_VERDICT, 0, queue);
	put_attr(nlh, NFQA_VERDICT_HDR, &vh, sizeof(vh));
	return send_msg(fd, nlh);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "queue", required_argument, NULL, 'q' },
		{ "max-seconds", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	struct nfqnl_msg_config_cmd cmd = { .command = NFQNL_CFG_CMD_BIND };
	struct nfqnl_msg_config_params params = { .copy_mode = NFQNL_COPY_META };
	struct sockaddr_nl local = { .nl_family = AF_NETLINK };
	unsigned long accepted = 0, enobufs = 0, verdict_errors = 0;
	long max_seconds = 600, deadline, left;
	static char buf[65536] __attribute__((aligned(NLMSG_ALIGNTO)));
	int fd, opt, rcvbuf = RCVBUF, one = 1, rc = 0;
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, orig;
	uint16_t queue = 0;
	struct pollfd pfd;

	while ((opt = getopt_long(argc, argv, "q:m:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'q': queue = number(optarg, UINT16_MAX); break;
		case 'm': max_seconds = number(optarg, 86400); break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();

	/*
	 * The signals are blocked but inside ppoll(), so one that comes
	 * between the check of "stop" and the wait is not lost.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &orig);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	deadline = now_s() + max_seconds;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (fd < 0) {
		perror("nfq_accept: socket");
		return 1;
	}
	/* A burst must not overflow the socket: what overflows is dropped. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)))
		perror("nfq_accept: SO_RCVBUF");
	/* the kernel's refusals of verdicts come back as errors: read them */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&local, sizeof(local))) {
		perror("nfq_accept: bind");
		return 1;
	}
	params.copy_range = htonl(0);
	if (config(fd, queue, &cmd, NULL) || config(fd, queue, NULL, &params))
		return 1;
	printf("bound queue %u\n", queue);
	fflush(stdout);

	pfd.fd = fd;
	pfd.events = POLLIN;
	while (!stop) {
		struct timespec ts;
		struct nlmsghdr *nlh;
		ssize_t n;
		int ready;

		left = deadline - now_s();
		if (left <= 0) {
			fprintf(stderr, "nfq_accept: --max-seconds %ld passed\n",
				max_seconds);
			rc = 3;
			break;
		}
		ts.tv_sec = left;
		ts.tv_nsec = 0;
		ready = ppoll(&pfd, 1, &ts, &orig);
		if (ready < 0 && errno != EINTR) {
			perror("nfq_accept: ppoll");
			rc = 1;
			break;
		}
		if (ready <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			/*
			 * The socket overflowed: the kernel dropped the
			 * packets it could not deliver (they were never
			 * queued, so none waits for a verdict).
			 */
			if (errno == ENOBUFS) {
				enobufs++;
				continue;
			}
			perror("nfq_accept: recv");
			rc = 1;
			break;
		}
		for (nlh = (void *)buf; NLMSG_OK(nlh, n); nlh = NLMSG_NEXT(nlh, n)) {
			int64_t id;

			if (nlh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nlh);

				if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) &&
				    e->error) {
					fprintf(stderr, "nfq_accept: verdict refused: %s\n",
						strerror(-e->error));
					verdict_errors++;
				}
				continue;
			}
			if (nlh->nlmsg_type != MSG_TYPE(NFQNL_MSG_PACKET))
				continue;
			id = packet_id(nlh);
			if (id < 0) {
				fprintf(stderr, "nfq_accept: a packet without its id\n");
				verdict_errors++;
				continue;
			}
			if (accept_packet(fd, queue, id)) {
				rc = 1;
				break;
			}
			accepted++;
		}
		if (rc)
			break;
	}

	cmd.command = NFQNL_CFG_CMD_UNBIND;
	if (config(fd, queue, &cmd, NULL) && !rc)
		rc = 1;
	close(fd);
	printf("accepted %lu\n", accepted);
	printf("enobufs %lu verdict_errors %lu\n", enobufs, verdict_errors);
	if (!rc && verdict_errors)
		rc = 1;
	return rc;
}
