/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Netlink messages as text, for tests that compare what lbctl sends with
 * what include/uapi/linux/fullnat.h says: each attribute is "type=hex of
 * its payload", a nest (NLA_F_NESTED set) "typeN{...}".
 */
#ifndef LBCTL_TEST_CHECK_NL_H
#define LBCTL_TEST_CHECK_NL_H

#include <stdio.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

/* "type=hexbytes" for each attribute; a nest is "typeN{...}". */
static __attribute__((unused))
void describe(const struct nlattr *head, int len, char *out, size_t outlen)
{
	const struct nlattr *nla;
	size_t off = strlen(out);
	int rem, i;

	nla_for_each_attr(nla, head, len, rem) {
		const unsigned char *d = nla_data(nla);

		if (off + 8 >= outlen)
			return;
		if (nla->nla_type & NLA_F_NESTED) {
			off += (size_t)snprintf(out + off, outlen - off,
						"%s%dN{", off && out[off - 1] != '{' ?
						" " : "", nla_type(nla));
			describe(nla_data(nla), nla_len(nla), out, outlen);
			off = strlen(out);
			off += (size_t)snprintf(out + off, outlen - off, "}");
			continue;
		}
		off += (size_t)snprintf(out + off, outlen - off, "%s%d=",
					off && out[off - 1] != '{' ? " " : "",
					nla_type(nla));
		for (i = 0; i < nla_len(nla) && off + 3 < outlen; i++)
			off += (size_t)snprintf(out + off, outlen - off,
						"%02x", d[i]);
	}
}

/* The attributes a put function added to an empty generic message. */
#define DESCRIBE_PUT(call, out) do {					\
	struct nl_msg *msg = nlmsg_alloc();				\
	struct genlmsghdr *gnlh;					\
									\
	genlmsg_put(msg, 0, 0, 42, 0, 0, 1, 1);				\
	CHECK_INT(call, 0);						\
	gnlh = nlmsg_data(nlmsg_hdr(msg));				\
	(out)[0] = '\0';						\
	describe(genlmsg_attrdata(gnlh, 0), genlmsg_attrlen(gnlh, 0),	\
		 out, sizeof(out));					\
	nlmsg_free(msg);						\
} while (0)

#endif /* LBCTL_TEST_CHECK_NL_H */
