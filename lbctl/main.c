// SPDX-License-Identifier: GPL-2.0
/*
 * lbctl: the control tool of the fullnat.ko FullNAT load balancer.
 *
 * Global options come before the command; the command table below is the
 * whole command set, and "lbctl help" is generated from it.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "lbctl.h"
#include "netns.h"
#include "output.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct lbctl_cmd commands[] = {
	{ "show",	cmd_show,
	  "Show services, real servers and connections (default)" },
	{ "version",	cmd_version,
	  "Show the versions of lbctl and fullnat.ko" },
	{ "help",	cmd_help,	"Show this help, or one command's" },
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

static const struct lbctl_cmd *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(name, commands[i].name))
			return &commands[i];
	return NULL;
}

static int unknown_command(const char *name)
{
	return lbctl_error(LBCTL_EXIT_USAGE,
			   "unknown command \"%s\", try \"lbctl help\".", name);
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

int cmd_help(const struct lbctl *ctx, int argc, char **argv)
{
	const struct lbctl_cmd *cmd;
	size_t i;

	(void)ctx;
	if (argc > 2)
		return lbctl_no_args(argc - 1, argv + 1);
	if (argc == 2) {
		cmd = find_command(argv[1]);
		if (!cmd)
			return unknown_command(argv[1]);
		printf("Usage: lbctl [OPTIONS] %s\n  %s\n", cmd->name,
		       cmd->help);
		return out_finish();
	}
	printf("Usage: lbctl [OPTIONS] [COMMAND]\n"
	       "Control the fullnat.ko FullNAT load balancer.\n\n"
	       "Commands:\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		printf("  %-20s%s\n", commands[i].name, commands[i].help);
	printf("\nOptions (before the command):\n");
	for (i = 0; i < ARRAY_SIZE(options_help); i++)
		printf("  %-20s%s\n", options_help[i][0], options_help[i][1]);
	printf("\nExit status: 0 success, 1 failure, 2 usage error.\n");
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
	cmd = find_command(argv[optind]);
	if (!cmd)
		return unknown_command(argv[optind]);
	return cmd->fn(&ctx, argc - optind, argv + optind);
}
