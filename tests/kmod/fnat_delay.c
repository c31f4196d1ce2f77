// SPDX-License-Identifier: GPL-2.0
/*
 * fnat_delay: a TEST-ONLY module that widens race windows in fullnat.ko.
 * Never part of the product; the VM scenarios load it next to fullnat.ko.
 *
 * It puts a kprobe (on entry) or a kretprobe (on return) on the function
 * named by @func and busy-waits @delay_us in the handler, so that whatever
 * the caller does next happens that much later while other CPUs go on.
 * A race a few hundred instructions wide becomes one of @delay_us.
 *
 * Bounded so the kernel stays healthy: at most @max_hits delays, each at
 * most one second, at most one CPU waiting at a time, and at least @gap_ms
 * between the end of one delay and the start of the next (a softirq
 * handling a NAPI budget of packets must not wait for seconds in a row:
 * soft lockup and RCU stall detectors). Only every @every-th call counts.
 *
 * With @wake_func, a delay ends early once that function is entered (an
 * entry kprobe; counted only once armed, see below), which then waits
 * @wake_delay_us itself: the delayed caller goes on exactly between two
 * steps of another path (e.g. after a namespace's connection flush,
 * before its local-address flush). From then on nothing is delayed.
 *
 * With @arm_func, nothing is delayed before that function is entered
 * (an entry kprobe), which then waits @arm_delay_us itself: only calls
 * made from then on are delayed (e.g. packets that reach the hook after a
 * namespace's exit began).
 *
 * /sys/module/fnat_delay/parameters/{calls,delays,delayed_ms,armed,woken}
 * tell what happened.
 */
#include <linux/module.h>
#include <linux/kprobes.h>
#include <linux/ktime.h>
#include <linux/spinlock.h>

static char *func = "";
module_param(func, charp, 0444);
MODULE_PARM_DESC(func, "function to delay (a symbol of a loaded module or the kernel)");
static bool ret;
module_param(ret, bool, 0444);
MODULE_PARM_DESC(ret, "delay on return (kretprobe) instead of on entry (kprobe)");
static unsigned int delay_us = 1000;
module_param(delay_us, uint, 0644);
MODULE_PARM_DESC(delay_us, "busy-wait per delayed call, microseconds (at most 1000000)");
static unsigned int every = 1;
module_param(every, uint, 0644);
MODULE_PARM_DESC(every, "delay only every Nth call");
static unsigned int max_hits = 100;
module_param(max_hits, uint, 0644);
MODULE_PARM_DESC(max_hits, "delay at most this many calls in all");
static unsigned int gap_ms = 10;
module_param(gap_ms, uint, 0644);
MODULE_PARM_DESC(gap_ms, "no delay within this many milliseconds after the last one ended");

static char *wake_func = "";
module_param(wake_func, charp, 0444);
MODULE_PARM_DESC(wake_func, "end a delay when this function is entered, then stop delaying");
static unsigned int wake_delay_us = 100000;
module_param(wake_delay_us, uint, 0644);
MODULE_PARM_DESC(wake_delay_us, "busy-wait in wake_func's caller, microseconds (at most 1000000)");

static char *arm_func = "";
module_param(arm_func, charp, 0444);
MODULE_PARM_DESC(arm_func, "delay nothing before this function is entered");
static unsigned int arm_delay_us = 100000;
module_param(arm_delay_us, uint, 0644);
MODULE_PARM_DESC(arm_delay_us, "busy-wait in arm_func's caller, microseconds (at most 1000000)");

static unsigned int calls, delays, delayed_ms;
module_param(delayed_ms, uint, 0444);
static bool armed = true, woken;
module_param(armed, bool, 0444);
module_param(woken, bool, 0444);
module_param(calls, uint, 0444);
module_param(delays, uint, 0444);

static DEFINE_SPINLOCK(lock);
static u64 next_ns;	/* no delay before this time */
static bool waiting;	/* a CPU is waiting */

/*
 * Busy-wait on the kernel's clock, not udelay(): in the TCG guest,
 * udelay() loops asked for 1 s each measured 217 ms in all for 33 of them
 * by ktime (udelay's calibration does not hold under TCG). Ends early
 * when @woken is set (if @wakeable). The NMI-safe reader of that clock:
 * a kprobe's handler runs in the int3 exception, which lockdep counts as
 * NMI, and ktime_get() there may spin forever on the timekeeper's
 * seqcount if the int3 came within its update (lockdep's "inconsistent
 * {INITIAL USE} -> {IN-NMI} usage" on the debug kernel, fullnat_exit_race).
 */
static void busy_wait(unsigned int us, bool wakeable)
{
	u64 end = ktime_get_mono_fast_ns() + (u64)min(us, 1000000U) * NSEC_PER_USEC;

	while (ktime_get_mono_fast_ns() < end && !(wakeable && READ_ONCE(woken)))
		cpu_relax();
}

static void maybe_delay(void)
{
	unsigned long flags;
	bool go = false;
	u64 start;

	spin_lock_irqsave(&lock, flags);
	calls++;
	if (!waiting && READ_ONCE(armed) && !READ_ONCE(woken) &&
	    delays < READ_ONCE(max_hits) &&
	    calls % max(READ_ONCE(every), 1U) == 0 &&
	    ktime_get_mono_fast_ns() >= next_ns) {
		waiting = true;
		delays++;
		go = true;
	}
	spin_unlock_irqrestore(&lock, flags);
	if (!go)
		return;

	start = ktime_get_mono_fast_ns();
	busy_wait(READ_ONCE(delay_us), true);

	spin_lock_irqsave(&lock, flags);
	waiting = false;
	next_ns = ktime_get_mono_fast_ns();
	delayed_ms += div_u64(next_ns - start, NSEC_PER_MSEC);
	next_ns += (u64)READ_ONCE(gap_ms) * NSEC_PER_MSEC;
	spin_unlock_irqrestore(&lock, flags);
}

static int entry_handler(struct kprobe *p, struct pt_regs *regs)
{
	maybe_delay();
	return 0;
}

static int ret_handler(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	maybe_delay();
	return 0;
}

/* Entered by the other path: let the delayed caller go, then wait for it. */
static int wake_handler(struct kprobe *p, struct pt_regs *regs)
{
	if (!READ_ONCE(armed) || READ_ONCE(woken))
		return 0;
	WRITE_ONCE(woken, true);
	busy_wait(READ_ONCE(wake_delay_us), false);
	return 0;
}

/* Entered by the other path: delay from now on, and give callers time. */
static int arm_handler(struct kprobe *p, struct pt_regs *regs)
{
	if (READ_ONCE(armed))
		return 0;
	WRITE_ONCE(armed, true);
	busy_wait(READ_ONCE(arm_delay_us), false);
	return 0;
}

static struct kprobe kp = { .pre_handler = entry_handler };
static struct kprobe wkp = { .pre_handler = wake_handler };
static struct kprobe akp = { .pre_handler = arm_handler };
static struct kretprobe krp = { .handler = ret_handler, .maxactive = 64 };

static int __init fnat_delay_init(void)
{
	int err;

	if (!*func)
		return -EINVAL;
	armed = !*arm_func;
	if (ret) {
		krp.kp.symbol_name = func;
		err = register_kretprobe(&krp);
	} else {
		kp.symbol_name = func;
		err = register_kprobe(&kp);
	}
	if (err) {
		pr_err("fnat_delay: cannot probe %s: %d\n", func, err);
		return err;
	}
	if (*wake_func) {
		wkp.symbol_name = wake_func;
		err = register_kprobe(&wkp);
		if (err) {
			pr_err("fnat_delay: cannot probe %s: %d\n", wake_func, err);
			if (ret)
				unregister_kretprobe(&krp);
			else
				unregister_kprobe(&kp);
			return err;
		}
	}
	if (*arm_func) {
		akp.symbol_name = arm_func;
		err = register_kprobe(&akp);
		if (err) {
			pr_err("fnat_delay: cannot probe %s: %d\n", arm_func, err);
			if (*wake_func)
				unregister_kprobe(&wkp);
			if (ret)
				unregister_kretprobe(&krp);
			else
				unregister_kprobe(&kp);
			return err;
		}
	}
	pr_info("fnat_delay: %s of %s delayed %u us (every %u, at most %u, gap %u ms)%s%s\n",
		ret ? "return" : "entry", func, delay_us, every, max_hits,
		gap_ms, *wake_func ? ", until " : "", wake_func);
	if (*arm_func)
		pr_info("fnat_delay: nothing delayed before %s\n", arm_func);
	return 0;
}

static void __exit fnat_delay_exit(void)
{
	if (*arm_func)
		unregister_kprobe(&akp);
	if (*wake_func)
		unregister_kprobe(&wkp);
	if (ret) {
		unregister_kretprobe(&krp);
		if (krp.nmissed)
			pr_info("fnat_delay: %d calls of %s missed\n", krp.nmissed, func);
	} else {
		unregister_kprobe(&kp);
	}
}

module_init(fnat_delay_init);
module_exit(fnat_delay_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("test only: busy-wait in a function of fullnat.ko to widen race windows");
