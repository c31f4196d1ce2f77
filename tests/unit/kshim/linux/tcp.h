/* SPDX-License-Identifier: GPL-2.0 */
/* Stand-in for the kernel's linux/tcp.h (see kshim/kernel.h): unused. */
