/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stand-in for the kernel's net/sock.h and what toa/toa.h declares beside
 * packet.c's function (see kshim/skb/linux/skbuff.h): names only.
 */
#ifndef KSHIM_SKB_SOCK_H
#define KSHIM_SKB_SOCK_H

#define __rcu
typedef struct { long long counter; } atomic64_t;
struct sock;
struct seq_file;
struct ctl_table_header;

#endif
