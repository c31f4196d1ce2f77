/* SPDX-License-Identifier: GPL-2.0 */
/* What bench_cli and bench_srv agree on: the short exchange of `make bench`. */
#ifndef BENCH_H
#define BENCH_H

#define BENCH_REQ	64	/* bytes the client sends per connection */
#define BENCH_REPLY	128	/* bytes the server answers before closing */

#endif
