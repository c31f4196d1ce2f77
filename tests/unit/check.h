/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small test framework. Output contract, read by a harness: every test
 * case prints exactly one line, "PASS <name>" or "FAIL <name>: <reason>";
 * names hold no white space and no ":". A test binary exits 0 when all of
 * its cases pass and 1 otherwise.
 *
 *	check_begin("parse_port/%d", i);
 *	CHECK_INT(parse_port("80", &p, NULL, 0), 0);
 *	check_end();
 *
 * The first failed CHECK of a case gives its reason; later ones are
 * ignored, so one case is one line whatever goes wrong in it.
 */
#ifndef LBCTL_TEST_CHECK_H
#define LBCTL_TEST_CHECK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static struct {
	unsigned int passed, failed;
	bool open, bad;
	char name[128];
	char reason[512];
} check;

static __attribute__((format(printf, 1, 2), unused))
void check_begin(const char *fmt, ...)
{
	va_list ap;
	char *p;

	/* A crash must not eat the lines already printed. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	va_start(ap, fmt);
	vsnprintf(check.name, sizeof(check.name), fmt, ap);
	va_end(ap);
	for (p = check.name; *p; p++)
		if (*p <= ' ' || *p == ':' || *p > '~')
			*p = '_';
	check.open = true;
	check.bad = false;
}

static __attribute__((format(printf, 3, 4), unused))
void check_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	if (check.bad)
		return;
	check.bad = true;
	n = snprintf(check.reason, sizeof(check.reason), "%s:%d: ", file,
		     line);
	if (n < 0 || (size_t)n >= sizeof(check.reason))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(check.reason + n, sizeof(check.reason) - (size_t)n, fmt, ap);
	va_end(ap);
	/* One line per case, whatever the inputs held. */
	for (p = check.reason; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

static __attribute__((unused)) void check_end(void)
{
	if (!check.open)
		return;
	check.open = false;
	if (check.bad) {
		check.failed++;
		printf("FAIL %s: %s\n", check.name, check.reason);
	} else {
		check.passed++;
		printf("PASS %s\n", check.name);
	}
}

/* The exit status of a test binary. */
static __attribute__((unused)) int check_done(void)
{
	check_end();
	return check.failed ? 1 : 0;
}

#define CHECK_MSG(cond, ...)						\
	do {								\
		if (!(cond))						\
			check_fail(__FILE__, __LINE__, __VA_ARGS__);	\
	} while (0)

#define CHECK(cond) CHECK_MSG(cond, "%s", #cond)

#define CHECK_INT(a, b)							\
	do {								\
		long long a_ = (long long)(a), b_ = (long long)(b);	\
		CHECK_MSG(a_ == b_, "%s is %lld, expected %lld",	\
			  #a, a_, b_);					\
	} while (0)

#define CHECK_STR(a, b)							\
	do {								\
		const char *a_ = (a), *b_ = (b);			\
		CHECK_MSG(a_ && b_ && !strcmp(a_, b_),			\
			  "%s is \"%s\", expected \"%s\"", #a,		\
			  a_ ? a_ : "(null)", b_ ? b_ : "(null)");	\
	} while (0)

/*
 * Table-driven tests of a parser. The parser is wrapped to print what it
 * parsed into out (so every parser compares as text), and to leave out empty
 * when it fails, unless the parser wrote its result anyway, in which case
 * the wrapper says so in out.
 */
struct check_row {
	const char *in;
	int ret;		/* 0 or -EINVAL */
	const char *out;	/* when ret is 0: the result, as text */
	const char *err;	/* when ret is not 0: the reason, or NULL */
};

typedef int (*check_row_fn)(const char *in, char *out, size_t outlen,
			    char *err, size_t errlen);

static __attribute__((unused))
void check_rows(const char *name, check_row_fn fn,
		const struct check_row *rows, size_t n)
{
	char out[256], err[256];
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		const struct check_row *r = &rows[i];

		check_begin("%s/%zu", name, i + 1);
		out[0] = err[0] = '\0';
		ret = fn(r->in, out, sizeof(out), err, sizeof(err));
		CHECK_MSG(ret == r->ret, "input \"%s\": returned %d, expected %d (out \"%s\", err \"%s\")",
			  r->in, ret, r->ret, out, err);
		if (!r->ret) {
			CHECK_MSG(!strcmp(out, r->out),
				  "input \"%s\": parsed as \"%s\", expected \"%s\"",
				  r->in, out, r->out);
		} else {
			CHECK_MSG(!out[0], "input \"%s\": failed but %s",
				  r->in, out);
			CHECK_MSG(err[0], "input \"%s\": failed with no reason",
				  r->in);
			CHECK_MSG(!r->err || !strcmp(err, r->err),
				  "input \"%s\": reason \"%s\", expected \"%s\"",
				  r->in, err, r->err);
		}
		/* No error buffer is fine too, and changes nothing. */
		ret = fn(r->in, out, sizeof(out), NULL, 0);
		CHECK_MSG(ret == r->ret, "input \"%s\" without an error buffer: returned %d",
			  r->in, ret);
		check_end();
	}
}

#define CHECK_ROWS(name, fn, rows) check_rows(name, fn, rows, ARRAY_SIZE(rows))

#endif /* LBCTL_TEST_CHECK_H */
