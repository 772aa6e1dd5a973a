/* SPDX-License-Identifier: MIT */
/* `gatesim COMMAND ...`: finds the subcommand and hands it the rest of the command line. */
#include "cli.h"

#include "gs_log.h"
#include "gs_suggest.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#ifndef GS_VERSION
#define GS_VERSION "dev"
#endif

static void main_usage(FILE *out)
{
    fprintf(out, "usage: gatesim COMMAND [OPTIONS] [ARGS]\n\n"
                 "A traffic simulator and conformance harness for the Kubernetes Gateway API.\n\n"
                 "Commands:\n");
    for (const gs_cli_command *c = gs_cli_commands; c->name; c++)
        fprintf(out, "  %-10s %s\n", c->name, c->summary);
    fprintf(out, "\nRun `gatesim COMMAND --help` (or `gatesim help COMMAND`) for the options of a\n"
                 "command; `gatesim --version` prints the version.\n"
                 "Exit codes: 0 success, 1 checks failed or objects invalid, 2 usage error or\n"
                 "unreadable input, 130 interrupted (run, rehearse, load, bench, conform); each\n"
                 "command's --help has its own.\n");
}

/* The command called |name|, or NULL. */
static const gs_cli_command *main_find(const char *name)
{
    for (const gs_cli_command *c = gs_cli_commands; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

/* "unknown command" with the nearest command name when one is close (`gatesim runn`). */
static int main_unknown(const char *name)
{
    const char *names[32];
    size_t n = 0;
    for (const gs_cli_command *c = gs_cli_commands; c->name && n < 32; c++)
        names[n++] = c->name;
    const char *hint = gs_suggest_n(name, names, n);
    if (hint)
        fprintf(stderr, "gatesim: unknown command \"%s\"; did you mean \"%s\"?\n", name, hint);
    else
        fprintf(stderr, "gatesim: unknown command \"%s\"\n\n", name);
    if (hint == NULL)
        main_usage(stderr);
    else
        fprintf(stderr, "Run `gatesim --help` for the list of commands.\n");
    return GS_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    /* A closed pipe (gatesim ... | head) must not kill us mid-report. */
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        main_usage(stderr);
        return GS_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "help") == 0 && argc > 2 && strcmp(argv[2], "help") != 0) {
        /* `gatesim help run` is `gatesim run --help`. */
        const gs_cli_command *c = main_find(argv[2]);
        if (c == NULL)
            return main_unknown(argv[2]);
        char help[] = "--help";
        char *help_argv[] = {argv[2], help, NULL};
        return c->run(2, help_argv);
    }
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        main_usage(stdout);
        return GS_EXIT_OK;
    }
    if (strcmp(name, "--version") == 0) {
        printf("gatesim %s\n", GS_VERSION);
        return GS_EXIT_OK;
    }
    const gs_cli_command *c = main_find(name);
    if (c) {
        /* Warnings and errors name the command that printed them ("gatesim load: warning"). */
        static char program[64];
        snprintf(program, sizeof program, "gatesim %s", c->name);
        gs_log_set_program(program);
        return c->run(argc - 1, argv + 1);
    }
    return main_unknown(name);
}
