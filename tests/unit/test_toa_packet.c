// SPDX-License-Identifier: GPL-2.0
/*
 * toa/packet.c, compiled as it is: the source and the option of the packet
 * that completes a handshake, over IPv4 and IPv6, as packets on the wire
 * would carry them. An IPv6 packet from an IPv4-mapped address (which no
 * IPv6 host has) must not pass for the IPv4 source it maps: trusted IPv4
 * networks are kept as mapped addresses.
 */
#include <arpa/inet.h>
#include <stdio.h>

#include <linux/skbuff.h>	/* kshim/skb's */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>

#include "check.h"
#include "toa.h"

struct pkt {
	const char *name;
	int v6;			/* the IP header's family */
	const char *src;	/* its source address */
	u8 opt[40];
	unsigned int optlen;
	unsigned int cut;	/* bytes cut off the packet's end */
	enum toa_result want;
	const char *peer, *client;	/* as the module keeps them */
	unsigned int cport;
};

static const struct pkt cases[] = {
	{ "v4", 0, "198.18.11.2", {254, 8, 0x10, 0xe1, 203, 0, 113, 7}, 8, 0,
	  TOA_FOUND, "::ffff:198.18.11.2", "::ffff:203.0.113.7", 4321 },
	{ "v6", 1, "2001:db8:11::2", {254, 20, 0x10, 0xe1, 0x20, 0x01, 0x0d, 0xb8, [19] = 7},
	  20, 0, TOA_FOUND, "2001:db8:11::2", "2001:db8::7", 4321 },
	{ "v6 carrying a v4 client", 1, "2001:db8:11::2", {254, 8, 0x10, 0xe1, 203, 0, 113, 7},
	  8, 0, TOA_FOUND, "2001:db8:11::2", "::ffff:203.0.113.7", 4321 },
	{ "v6 from a v4-mapped source", 1, "::ffff:198.18.11.2",
	  {254, 8, 0x10, 0xe1, 203, 0, 113, 7}, 8, 0, TOA_NONE, NULL, NULL, 0 },
	{ "v6 from a v4-mapped source, malformed", 1, "::ffff:198.18.11.2",
	  {254, 7, 0x10, 0xe1, 203, 0, 113}, 8, 0, TOA_NONE, NULL, NULL, 0 },
	{ "v6 from a v4-compatible source", 1, "::198.18.11.2",
	  {254, 8, 0x10, 0xe1, 203, 0, 113, 7}, 8, 0, TOA_FOUND, "::198.18.11.2",
	  "::ffff:203.0.113.7", 4321 },
	{ "v4, malformed", 0, "198.18.11.2", {254, 7, 0x10, 0xe1, 203, 0, 113}, 8, 0,
	  TOA_MALFORMED, "::ffff:198.18.11.2", NULL, 0 },
	{ "v4, no options", 0, "198.18.11.2", {0}, 0, 0, TOA_NONE, NULL, NULL, 0 },
	{ "v4, options cut short", 0, "198.18.11.2", {254, 8, 0x10, 0xe1, 203, 0, 113, 7},
	  8, 4, TOA_NONE, NULL, NULL, 0 },
	{ "v6, header cut short", 1, "2001:db8:11::2", {254, 8}, 8, 20, TOA_NONE,
	  NULL, NULL, 0 },
};

static void run(const struct pkt *c)
{
	unsigned char buf[sizeof(struct ipv6hdr) + sizeof(struct tcphdr) + 40] = {0};
	unsigned int iplen = c->v6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr);
	struct tcphdr *th = (struct tcphdr *)(buf + iplen);
	struct sk_buff skb = { .data = buf };
	struct toa_addr peer, client;
	enum toa_result got;
	struct in6_addr a;
	char s[INET6_ADDRSTRLEN];

	memset(&peer, 0xaa, sizeof(peer));
	memset(&client, 0xaa, sizeof(client));
	if (c->v6) {
		struct ipv6hdr *ip6 = (struct ipv6hdr *)buf;

		ip6->version = 6;
		CHECK(inet_pton(AF_INET6, c->src, &ip6->saddr) == 1);
		skb.protocol = htons(ETH_P_IPV6);
	} else {
		struct iphdr *ip = (struct iphdr *)buf;

		ip->version = 4;
		ip->ihl = 5;
		CHECK(inet_pton(AF_INET, c->src, &ip->saddr) == 1);
		skb.protocol = htons(ETH_P_IP);
	}
	th->source = htons(40001);
	th->dest = htons(8080);
	th->ack = 1;
	th->doff = (sizeof(*th) + c->optlen + 3) / 4;
	memcpy(th + 1, c->opt, c->optlen);
	skb.network_header = 0;
	skb.transport_header = iplen;
	skb.len = iplen + th->doff * 4 - c->cut;

	got = toa_parse_skb(&skb, &peer, &client);
	CHECK_INT(got, c->want);
	if (c->peer) {
		inet_pton(AF_INET6, c->peer, &a);
		CHECK_MSG(!memcmp(&peer.addr, &a, sizeof(a)), "peer %s, expected %s",
		      inet_ntop(AF_INET6, &peer.addr, s, sizeof(s)), c->peer);
		CHECK_INT(ntohs(peer.port), 40001);
	}
	if (c->client) {
		inet_pton(AF_INET6, c->client, &a);
		CHECK_MSG(!memcmp(&client.addr, &a, sizeof(a)), "client %s, expected %s",
		      inet_ntop(AF_INET6, &client.addr, s, sizeof(s)), c->client);
		CHECK_INT(ntohs(client.port), c->cport);
	}
}

int main(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char name[96];
		unsigned int j;

		snprintf(name, sizeof(name), "%s", cases[i].name);
		for (j = 0; name[j]; j++)
			if (name[j] == ' ' || name[j] == ',' || name[j] == ':')
				name[j] = '_';
		check_begin("toa_parse_skb/%s", name);
		run(&cases[i]);
		check_end();
	}
	return check_done();
}
