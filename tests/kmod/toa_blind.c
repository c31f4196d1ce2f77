// SPDX-License-Identifier: GPL-2.0
/*
 * toa_blind: a TEST-ONLY module that hides socket ends from toa.ko. Never
 * part of the product; toa_stale loads it next to toa.ko.
 *
 * toa.ko removes a socket's entry at the tracepoint tcp:tcp_destroy_sock,
 * which the kernel never skips: no switch of the kernel's hides an end
 * from it (disarming kprobes did, when the end was a kprobe). The
 * defences behind that removal (toa/table.c: the peer check, and each new
 * child removing whatever is left under its address) still need a missed
 * end to be tested. While @armed, a kprobe on toa.ko's handler
 * (toa/hooks.c: toa_sock_end(void *data, struct sock *sk)) hands it NULL
 * for the socket, which no entry has, so the entry stays as if the end had
 * been missed.
 *
 * x86-64 only (the argument's register), as are the VM tests. Load it
 * after toa.ko; unload it before toa.ko goes (the probe is on its text).
 */
#include <linux/atomic.h>
#include <linux/kprobes.h>
#include <linux/module.h>

static bool armed;
module_param(armed, bool, 0644);
MODULE_PARM_DESC(armed, "hide socket ends from toa.ko");

static atomic_t blinded = ATOMIC_INIT(0);

static int blinded_get(char *buf, const struct kernel_param *kp)
{
	return sprintf(buf, "%d\n", atomic_read(&blinded));
}

static const struct kernel_param_ops blinded_ops = { .get = blinded_get };
module_param_cb(blinded, &blinded_ops, NULL, 0444);
MODULE_PARM_DESC(blinded, "socket ends hidden so far");

static int end_pre(struct kprobe *p, struct pt_regs *regs)
{
	if (READ_ONCE(armed) && regs->si) {
		regs->si = 0;
		atomic_inc(&blinded);
	}
	return 0;
}

static struct kprobe end_probe = {
	.symbol_name = "toa_sock_end",	/* static in toa.ko, in kallsyms */
	.pre_handler = end_pre,
};

static int __init toa_blind_init(void)
{
	int ret = register_kprobe(&end_probe);

	if (ret)
		pr_err("cannot probe %s (is toa.ko loaded?): %d\n",
		       end_probe.symbol_name, ret);
	return ret;
}

static void __exit toa_blind_exit(void)
{
	unregister_kprobe(&end_probe);
}

module_init(toa_blind_init);
module_exit(toa_blind_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("TEST ONLY: hide socket ends from toa.ko");
