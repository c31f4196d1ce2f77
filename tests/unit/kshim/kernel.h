/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel definitions that pure kernel files (no socket buffers, no
 * locks: toa/option.c) use, so that tests/unit can compile them unchanged.
 * Included first (-include); kshim/ comes first on the include path and
 * stands in for the kernel headers those files name.
 */
#ifndef KSHIM_KERNEL_H
#define KSHIM_KERNEL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <linux/types.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;

#define get_unaligned(p) ({ __typeof__(*(p)) v_; memcpy((void *)&v_, (p), sizeof(v_)); v_; })

#endif
