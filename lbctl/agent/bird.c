// SPDX-License-Identifier: GPL-2.0
/*
 * The BGP announcement of the agent's VIPs through BIRD: a stub of empty
 * functions (agent.h says what each does), replaced by the bgp part.
 */
#include "agent.h"

int bird_start(struct agent *a)
{
	(void)a;
	return 0;
}

int bird_reload(struct agent *a)
{
	(void)a;
	return 0;
}

void bird_set_vip(struct agent *a, const struct lb_addr *vip, bool up)
{
	(void)a;
	(void)vip;
	(void)up;
}

void bird_withdraw_all(struct agent *a)
{
	(void)a;
}

void bird_tick(struct agent *a)
{
	(void)a;
}

void bird_stop(struct agent *a)
{
	(void)a;
}
