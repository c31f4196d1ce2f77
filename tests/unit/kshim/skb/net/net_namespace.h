/* SPDX-License-Identifier: GPL-2.0 */
/* Stand-in for the kernel's net/net_namespace.h: see kshim/skb/net/sock.h. */
#include <net/sock.h>
struct net;
