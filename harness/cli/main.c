/* SPDX-License-Identifier: MIT */
/* `gatesim COMMAND ...`: finds the subcommand and hands it the rest of the command line. */
#include "cli.h"

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
    fprintf(out, "\nRun `gatesim COMMAND --help` for the options of a command.\n"
                 "Exit codes: 0 success, 1 checks failed or objects invalid, 2 usage error.\n");
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
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        main_usage(stdout);
        return GS_EXIT_OK;
    }
    if (strcmp(name, "--version") == 0) {
        printf("gatesim %s\n", GS_VERSION);
        return GS_EXIT_OK;
    }
    for (const gs_cli_command *c = gs_cli_commands; c->name; c++) {
        if (strcmp(c->name, name) == 0)
            return c->run(argc - 1, argv + 1);
    }
    fprintf(stderr, "gatesim: unknown command \"%s\"\n\n", name);
    main_usage(stderr);
    return GS_EXIT_USAGE;
}
