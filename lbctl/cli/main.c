// SPDX-License-Identifier: GPL-2.0
/*
 * lbctl: the control tool of the fullnat.ko FullNAT load balancer.
 *
 * Global options come before the command; the command table below is the
 * whole command set, and "lbctl help" is generated from it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <linux/fullnat.h>

#include "api.h"
#include "fields.h"
#include "genl.h"
#include "lbctl.h"
#include "output.h"
#include "util.h"

#ifndef LBCTL_VERSION
#error "LBCTL_VERSION must be defined (the Makefile takes it from VERSION)"
#endif

static int cmd_help(const struct lbctl *ctx, int argc, char **argv);

/* "lbctl version": lbctl's own version, and the module's when it is loaded. */
/* One list of what the module can do: "  protocols: tcp udp". */
static void caps_open(const char *key)
{
	out_open_array(key);
	out_text("  %s:", key);
}

static void caps_close(void)
{
	out_text("\n");
	out_close();
}

/* What the module can do, as GET_INFO says it (none: an older module). */
static void print_caps(const struct lb_info *info)
{
	char num[16];
	unsigned int i;

	if (!info->has_caps)
		return;
	caps_open("forward");
	for (i = LB_FWD_FULLNAT; i <= LB_FWD_TUN; i++)
		if (info->forwards & 1u << i)
			out_str(NULL, " %s", fwd_name((enum lb_fwd)i));
	caps_close();
	caps_open("protocols");
	for (i = 0; i < info->n_protocols; i++) {
		snprintf(num, sizeof(num), "%u", info->protocols[i]);
		out_str(NULL, " %s", info->protocols[i] == IPPROTO_TCP ? "tcp" :
			info->protocols[i] == IPPROTO_UDP ? "udp" : num);
	}
	caps_close();
	caps_open("families");
	for (i = 0; i < info->n_families; i++) {
		snprintf(num, sizeof(num), "%u", info->families[i]);
		out_str(NULL, " %s", info->families[i] == AF_INET ? "ipv4" :
			info->families[i] == AF_INET6 ? "ipv6" : num);
	}
	caps_close();
	/* FullNAT64: another family's real servers (translated) */
	caps_open("translate");
	if (info->fullnat64)
		out_str(NULL, " %s", "fullnat64");
	caps_close();
	caps_open("schedulers");
	for (i = 0; i < info->n_scheds; i++)
		out_str(NULL, " %s", info->scheds[i]);
	caps_close();
}

static int cmd_version(const struct lbctl *ctx, int argc, char **argv)
{
	bool not_loaded = false;
	struct lb_info info;
	struct genl g;
	int ret, code;

	ret = lbctl_no_args(argc, argv);
	if (ret)
		return ret;
	ret = genl_open(&g, ctx->netns);
	if (!ret) {
		ret = genl_resolve(&g);
		not_loaded = ret == -ENOENT;
	}
	if (!ret)
		ret = lb_info_get(&g, &info);
	genl_close(&g);

	out_init(ctx->json);
	out_str("version", "lbctl %s\n", LBCTL_VERSION);
	out_uint("abi", NULL, FULLNAT_GENL_VERSION);
	if (ret) {
		out_null("module", not_loaded ? "fullnat.ko is not loaded\n" :
			 NULL);
	} else {
		out_open_object("module");
		out_str("version", "fullnat.ko %s", info.version);
		out_uint("abi", " (ABI %llu)\n", info.abi);
		print_caps(&info);
		out_close();
	}
	code = out_finish();
	/* A module that is not there has no version: that is an answer. */
	if (ret && !not_loaded)
		return lbctl_error(LBCTL_EXIT_FAIL, "%s", g.msg);
	return code;
}

static const struct lbctl_cmd commands[] = {
	{ .name = "show", .fn = cmd_show,
	  .usage = "[--stats | --rate] [FILE [--director NAME]]",
	  .help = "Show the services and real servers (the default); of a cluster FILE's directors" },
	{ .name = "apply", .fn = cmd_apply,
	  .usage = "[--dry-run] [--director NAME [--local]] FILE",
	  .help = "Make every director of a cluster file match it, changing only what differs" },
	{ .name = "check", .fn = cmd_check, .usage = "FILE",
	  .help = "Check a cluster file whole, with no director: no kernel, root or ssh" },
	{ .name = "agent", .fn = cmd_agent,
	  .usage = "FILE --director NAME [--metrics-file PATH] [--metrics-listen ADDR:PORT] [--metrics-interval SECONDS]",
	  .help = "Keep a director as the file says: apply, health checks, BGP, metrics; drain on SIGTERM" },
	{ .name = "drain", .fn = cmd_drain, .usage = "--director NAME [--no-wait]",
	  .help = "Make the director's agent withdraw its routes, wait for its connections and exit" },
	{ .name = "export", .fn = cmd_export, .usage = "[--director NAME]",
	  .help = "Print the director as a cluster file that \"apply\" reads back unchanged" },
	{ .name = "service", .verbs = service_verbs,
	  .help = "Add, change, delete and show virtual services" },
	{ .name = "rs", .verbs = rs_verbs,
	  .help = "Add, change and delete real servers" },
	{ .name = "laddr", .verbs = laddr_verbs,
	  .help = "Add, delete and show the local addresses of FullNAT" },
	{ .name = "config", .verbs = config_verbs,
	  .help = "Show and change the director's settings" },
	{ .name = "conn", .verbs = conn_verbs,
	  .help = "Show, import and delete connections" },
	{ .name = "stats", .fn = show_one, .arg = SHOW_COUNTERS, .usage = "",
	  .help = "Show the director's counters of drops, errors and TOA" },
	{ .name = "version", .fn = cmd_version, .usage = "",
	  .help = "Show the versions of lbctl and fullnat.ko" },
	{ .name = "help", .fn = cmd_help, .usage = "[COMMAND]",
	  .help = "Show this help, or one command's" },
	{ .name = NULL },
};

static const struct option long_options[] = {
	{ "json",	no_argument,		NULL, 'j' },
	{ "netns",	required_argument,	NULL, 'n' },
	{ "version",	no_argument,		NULL, 'V' },
	{ "help",	no_argument,		NULL, 'h' },
	{ NULL,		0,			NULL, 0 },
};

/* The text of long_options, in the same order. */
static const char *const options_help[][2] = {
	{ "-j, --json",		"Print JSON instead of text" },
	{ "-n, --netns NETNS",
	  "Use network namespace " NETNS_RUN_DIR "/NETNS" },
	{ "-V, --version",	"Same as the version command" },
	{ "-h, --help",		"Same as the help command" },
};

/* The entry called name of a table of commands or verbs, or NULL. */
static const struct lbctl_cmd *find_cmd(const struct lbctl_cmd *t,
					const char *name)
{
	for (; t->name; t++)
		if (!strcmp(name, t->name))
			return t;
	return NULL;
}

static int unknown_command(const char *name)
{
	return lbctl_error(LBCTL_EXIT_USAGE,
			   "unknown command \"%s\", try \"lbctl help\".", name);
}

/* argv[0] is the command, argv[1] its verb; no verb means "show". */
static int dispatch(struct lbctl *ctx, const struct lbctl_cmd *cmd, int argc,
		    char **argv)
{
	static char show[] = "show";
	const struct lbctl_cmd *verb;
	char list[128];
	size_t n;

	verb = ctx->cmd = find_cmd(cmd->verbs, argc > 1 ? argv[1] : show);
	if (verb && argc > 1)
		return verb->fn(ctx, argc - 1, argv + 1);
	if (verb)
		return verb->fn(ctx, 1, (char *[]){ show, NULL });
	/* "add, set or del" */
	for (n = 0; cmd->verbs[n].name; n++)
		;
	lb_join_names(list, sizeof(list), cmd->verbs, n, sizeof(*cmd->verbs),
		      " or ");
	if (argc < 2)
		return lbctl_error(LBCTL_EXIT_USAGE,
				   "\"lbctl %s\" needs one of %s, try \"lbctl help %s\".",
				   cmd->name, list, cmd->name);
	return lbctl_error(LBCTL_EXIT_USAGE,
			   "unknown command \"%s %s\": expected %s, try \"lbctl help %s\".",
			   cmd->name, argv[1], list, cmd->name);
}

int lbctl_usage(const char *err)
{
	return lbctl_error(LBCTL_EXIT_USAGE, "%s", err);
}

int lbctl_open(const struct lbctl *ctx, struct genl *g)
{
	if (!genl_attach(g, ctx->netns))
		return LBCTL_EXIT_OK;
	genl_close(g);
	return lbctl_error(LBCTL_EXIT_FAIL, "%s", g->msg);
}

int lbctl_close(struct genl *g, int ret)
{
	genl_close(g);
	if (ret)
		return lbctl_error(LBCTL_EXIT_FAIL, "%s", g->msg);
	return LBCTL_EXIT_OK;
}

/*
 * What to call the option getopt_long() failed on, given the word it was
 * reading: a long option is the word up to "="; a short one may sit in a
 * cluster ("-jx"), so only optopt names it.
 */
static const char *option_name(const char *word, char *buf, size_t len)
{
	if (!strncmp(word, "--", 2))
		snprintf(buf, len, "%.*s", (int)strcspn(word, "="), word);
	else
		snprintf(buf, len, "-%c", optopt);
	return buf;
}

int lbctl_no_args(int argc, char **argv)
{
	if (argc <= 1)
		return 0;
	return lbctl_error(LBCTL_EXIT_USAGE,
			   "argument \"%s\" is wrong: \"%s\" takes no arguments",
			   argv[1], argv[0]);
}

/*
 * " [scheduler NAME] [toa on|off]": the fields a verb takes; the one field
 * of a "set" is required ("weight W"); a timeout is given per state.
 */
static void usage_fields(const struct lb_fields *t, unsigned int flags)
{
	const struct lb_field *f;
	size_t n = 0;

	lb_for_each_field(f, t)
		n += (f->flags & flags) == flags && f->kind != LB_FK_COUNTER;
	lb_for_each_field(f, t) {
		if ((f->flags & flags) != flags || f->kind == LB_FK_COUNTER)
			continue;
		if (n == 1 && flags & LB_FF_SET)
			printf(" %s %s", f->name, f->metavar);
		else
			printf(" [%s %s]%s", f->name, f->metavar,
			       f->kind == LB_FK_TIMEOUTS ? "..." : "");
	}
}

/* "lbctl help service": each verb's words and what it does. */
static void help_command(const struct lbctl_cmd *cmd)
{
	const struct lbctl_cmd *v;

	if (!cmd->verbs) {
		printf("Usage: lbctl [OPTIONS] %s%s%s\n  %s\n", cmd->name,
		       *cmd->usage ? " " : "", cmd->usage, cmd->help);
		return;
	}
	printf("Usage: lbctl [OPTIONS] %s VERB ...\n  %s\n\n", cmd->name,
	       cmd->help);
	for (v = cmd->verbs; v->name; v++) {
		printf("  lbctl %s %s%s%s", cmd->name, v->name,
		       *v->usage ? " " : "", v->usage);
		if (v->fields)
			usage_fields(v->fields, v->field_flags);
		printf("\n      %s\n", v->help);
	}
}

static int cmd_help(const struct lbctl *ctx, int argc, char **argv)
{
	const struct lbctl_cmd *cmd;
	size_t i;

	(void)ctx;
	if (argc > 2)
		return lbctl_no_args(argc - 1, argv + 1);
	if (argc == 2) {
		cmd = find_cmd(commands, argv[1]);
		if (!cmd)
			return unknown_command(argv[1]);
		help_command(cmd);
		return out_finish();
	}
	printf("Usage: lbctl [OPTIONS] [COMMAND]\n"
	       "Control the fullnat.ko FullNAT load balancer.\n\n"
	       "Commands:\n");
	for (cmd = commands; cmd->name; cmd++)
		printf("  %-20s%s\n", cmd->name, cmd->help);
	printf("\nOptions (before the command):\n");
	for (i = 0; i < ARRAY_SIZE(options_help); i++)
		printf("  %-20s%s\n", options_help[i][0], options_help[i][1]);
	printf("\n\"lbctl help COMMAND\" shows its words.\n"
	       "Exit status: 0 success, 1 failure, 2 usage error.\n");
	return out_finish();
}

int main(int argc, char **argv)
{
	static char *show_argv[] = { "show", NULL };
	const struct lbctl_cmd *cmd;
	struct lbctl ctx = { 0 };
	const char *alias = NULL, *word;
	char err[128];
	int c, longindex;

	opterr = 0;
	/* "+": stop at the command, whose words are not ours to permute. */
	for (;;) {
		/* getopt_long() stays on a word until it has read all of it. */
		word = argv[optind] ? argv[optind] : "";
		longindex = -1;
		c = getopt_long(argc, argv, "+:jn:Vh", long_options,
				&longindex);
		if (c == -1)
			break;
		/* No abbreviations: "--n" must not change meaning later. */
		if (longindex >= 0 &&
		    strcmp(option_name(word, err, sizeof(err)) + 2,
			   long_options[longindex].name))
			return lbctl_error(LBCTL_EXIT_USAGE,
					   "unknown option \"%s\", try \"lbctl help\".",
					   err);
		switch (c) {
		case 'j':
			ctx.json = true;
			break;
		case 'n':
			if (netns_check_name(optarg, err, sizeof(err)))
				return lbctl_error(LBCTL_EXIT_USAGE,
						   "argument \"%s\" is wrong: %s",
						   optarg, err);
			ctx.netns = optarg;
			break;
		case 'V':
			alias = "version";
			break;
		case 'h':
			alias = "help";
			break;
		case ':':
			return lbctl_error(LBCTL_EXIT_USAGE,
					   "option \"%s\" needs an argument, try \"lbctl help\".",
					   option_name(word, err, sizeof(err)));
		default:
			/* "--json=1" is a known option given an argument. */
			return lbctl_error(LBCTL_EXIT_USAGE,
					   "%s \"%s\", try \"lbctl help\".",
					   optopt && !strncmp(word, "--", 2) ?
					   "no argument is allowed for option" :
					   "unknown option",
					   option_name(word, err, sizeof(err)));
		}
	}

	if (alias) {
		/* "-V x" is "version x": the slot before optind held -V. */
		argv[--optind] = (char *)alias;
	} else if (optind == argc) {
		return cmd_show(&ctx, 1, show_argv);
	}
	cmd = find_cmd(commands, argv[optind]);
	if (!cmd)
		return unknown_command(argv[optind]);
	if (cmd->verbs)
		return dispatch(&ctx, cmd, argc - optind, argv + optind);
	ctx.cmd = cmd;
	return cmd->fn(&ctx, argc - optind, argv + optind);
}
