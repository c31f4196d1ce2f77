/* SPDX-License-Identifier: GPL-2.0 */
/* Stand-in for the kernel's linux/tcp.h (see kshim/skb/linux/skbuff.h). */
#ifndef KSHIM_SKB_TCP_H
#define KSHIM_SKB_TCP_H

#include <netinet/tcp.h>	/* struct tcphdr, the kernel's field names */

#endif
