/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stand-in for the kernel's net/checksum.h (see kshim/kernel.h): the
 * generic one's complement helpers, on a little-endian host, as
 * lib/checksum.c and include/net/checksum.h compute them.
 */
#ifndef KSHIM_NET_CHECKSUM_H
#define KSHIM_NET_CHECKSUM_H

static inline __wsum csum_add(__wsum a, __wsum b)
{
	u32 r = (u32)a + (u32)b;

	return r + (r < (u32)b);
}

static inline __wsum csum_sub(__wsum a, __wsum b)
{
	return csum_add(a, ~b);
}

static inline __wsum csum_block_add(__wsum csum, __wsum csum2, int offset)
{
	u32 s = csum2;

	if (offset & 1)
		s = (s >> 8) | (s << 24);
	return csum_add(csum, s);
}

/* 16-bit words in memory order from @buf, a last odd byte as its low half */
static inline __wsum csum_partial(const void *buf, int len, __wsum sum)
{
	const u8 *p = buf;
	u32 s = 0;

	for (; len > 1; p += 2, len -= 2)
		s = csum_add(s, p[0] | p[1] << 8);
	if (len)
		s = csum_add(s, p[0]);
	return csum_add(sum, s);
}

static inline __sum16 csum_fold(__wsum csum)
{
	u32 s = csum;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__sum16)~s;
}

static inline __wsum csum_unfold(__sum16 n)
{
	return (__wsum)n;
}

static inline void csum_replace_by_diff(__sum16 *sum, __wsum diff)
{
	*sum = csum_fold(csum_add(diff, ~csum_unfold(*sum)));
}

#endif
