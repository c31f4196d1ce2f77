/* SPDX-License-Identifier: GPL-2.0 */
/* Stand-in for the kernel's net/tcp.h (see kshim/kernel.h). */
#ifndef KSHIM_NET_TCP_H
#define KSHIM_NET_TCP_H

#define TCPOPT_NOP	1
#define TCPOPT_EOL	0
#define TCPOPT_TIMESTAMP	8
#define TCPOLEN_TIMESTAMP	10
#define TCPOLEN_TSTAMP_ALIGNED	12
#define MAX_TCP_OPTION_SPACE	40

#endif
