/* SPDX-License-Identifier: MIT */
/* The `gatesim` subcommand table. Each part registers its commands in CMake (gs_add_command). */
#ifndef GS_CLI_H
#define GS_CLI_H

#include "gs_model.h"

/* Exit codes of every subcommand (a stable contract: docs/cli.md). */
enum {
    GS_EXIT_OK = 0,      /* success, all checks passed */
    GS_EXIT_FAILED = 1,  /* checks failed or objects invalid */
    GS_EXIT_USAGE = 2,   /* usage error or unreadable input */
};

typedef struct gs_cli_command {
    const char *name;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
    const char *summary;
} gs_cli_command;

/* Terminated by an entry whose name is NULL. */
extern const gs_cli_command gs_cli_commands[];

/* gs_model_load_path, where |path| "-" is standard input (named <stdin> in diagnostics). */
int gs_cli_load_path(gs_model *m, const char *path, const gs_load_options *opt);

/* The JSON document in |b| on stdout: as it is, or re-emitted as YAML when |yaml|. */
void gs_cli_print_document(const gs_buf *b, bool yaml);

#endif
