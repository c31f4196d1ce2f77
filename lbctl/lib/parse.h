/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parsers for the words lbctl and the cluster file accept: addresses, ports,
 * ranges, numbers, weights, on/off, protocol, forward-mode, scheduler and
 * TCP state names; and the names of the counters.
 *
 * Pure functions: no libnl, no global state, so unit tests link this file
 * alone. Every parser returns 0 or -EINVAL and, on -EINVAL, writes a short
 * reason naming the bad value into err (if err is not NULL); the caller adds
 * where the value came from ("argument", "services[3].port").
 */
#ifndef LBCTL_PARSE_H
#define LBCTL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

/* "[" INET6 "]:" PORT, and the NUL */
#define LB_ADDRPORT_STRLEN	(INET6_ADDRSTRLEN + 8)
/* A local address pool larger than this is a typo, not a plan. */
#define LB_ADDR_RANGE_MAX	65536u

struct lb_addr {
	int family;			/* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
};

struct lb_addrport {
	struct lb_addr addr;
	uint16_t port;			/* host byte order */
};

struct lb_addr_range {
	struct lb_addr lo, hi;		/* same family, lo <= hi */
	uint32_t count;			/* hi - lo + 1, <= LB_ADDR_RANGE_MAX */
};

enum lb_proto {
	LB_PROTO_TCP,
	LB_PROTO_UDP,
};

enum lb_fwd {
	LB_FWD_FULLNAT,
	LB_FWD_NAT,
	LB_FWD_DR,
	LB_FWD_TUN,
};

/* Writes the reason to err (if not NULL) and returns -EINVAL. */
int parse_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

int parse_addr(const char *s, struct lb_addr *addr, char *err, size_t errlen);
int parse_addrport(const char *s, struct lb_addrport *ap,
		   char *err, size_t errlen);
int parse_port(const char *s, uint16_t *port, char *err, size_t errlen);
int parse_port_range(const char *s, uint16_t *lo, uint16_t *hi,
		     char *err, size_t errlen);
int parse_addr_range(const char *s, struct lb_addr_range *range,
		     char *err, size_t errlen);
int parse_weight(const char *s, uint16_t *weight, char *err, size_t errlen);
int parse_proto(const char *s, enum lb_proto *proto, char *err, size_t errlen);
int parse_fwd(const char *s, enum lb_fwd *fwd, char *err, size_t errlen);
/* A decimal number in [min, max]; what names it in the reason. */
int parse_u32(const char *s, const char *what, uint32_t min, uint32_t max,
	      uint32_t *out, char *err, size_t errlen);
/* "on" or "off"; what names the setting in the reason. */
int parse_onoff(const char *s, const char *what, bool *on,
		char *err, size_t errlen);
/* A scheduler name: 1 to FULLNAT_SCHED_NAME_MAX - 1 of a-z, 0-9, _. */
int parse_sched(const char *s, char *name, size_t len,
		char *err, size_t errlen);
/* A TCP state with a timeout: FULLNAT_TCP_S_NONE ... _CLOSE. */
int parse_tcp_state(const char *s, unsigned int *state,
		    char *err, size_t errlen);

/* The address index places after range->lo; index < range->count. */
int addr_range_nth(const struct lb_addr_range *range, uint32_t index,
		   struct lb_addr *addr);

const char *proto_name(enum lb_proto proto);
const char *fwd_name(enum lb_fwd fwd);
/* "established", "none" for FULLNAT_TCP_S_NONE, "unknown" past the enum. */
const char *tcp_state_name(unsigned int state);
/* "conn_limit" for FULLNAT_CNT_CONN_LIMIT; "counter_N" for one not known. */
void counter_name(unsigned int id, char *buf, size_t len);

/* "1.2.3.4", "::1"; -ENOSPC if buf is too small, -EINVAL on a bad family. */
int format_addr(const struct lb_addr *addr, char *buf, size_t len);
/* "1.2.3.4:80", "[::1]:80"; buf of LB_ADDRPORT_STRLEN always suffices. */
int format_addrport(const struct lb_addrport *ap, char *buf, size_t len);

/* The same into buf, or "?"; returns buf. */
const char *lb_addr_str(const struct lb_addr *addr, char *buf, size_t len);
const char *lb_addrport_str(const struct lb_addr *addr, uint16_t port,
			    char *buf, size_t len);

#endif /* LBCTL_PARSE_H */
