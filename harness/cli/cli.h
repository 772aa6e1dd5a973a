/* SPDX-License-Identifier: MIT */
/* The `gatesim` subcommand table. Each part registers its commands in CMake (gs_add_command). */
#ifndef GS_CLI_H
#define GS_CLI_H

#include "gs_model.h"
#include "gs_status.h"

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

/* --fail-on findings (a mask): a route parent not Accepted, or a route with no parent this
 * controller manages; a route parent or a listener whose ResolvedRefs is not True. */
enum {
    GS_CLI_FAIL_UNATTACHED = 1u << 0,
    GS_CLI_FAIL_UNRESOLVED = 1u << 1,
};

/* Adds the findings named in the comma-separated |list| to |*out|. Returns 0, or -1 after
 * printing `gatesim CMD: --fail-on takes unattached and unresolved, got "X"` on stderr. */
int gs_cli_fail_on_parse(const char *cmd, const char *list, unsigned *out);

/* Prints one line on stderr per finding of |what| in |s| (`gatesim CMD: [TITLE: ]unattached:
 * HTTPRoute ns/name parent Gateway ns/gw: Accepted NotAllowedByListeners: ...`) and returns how
 * many there were. |title| names the scenario (NULL for plain manifests). */
size_t gs_cli_fail_on_check(const char *cmd, const char *title, const gs_status_set *s,
                            unsigned what);

/* The JSON document in |b| on stdout: as it is, or re-emitted as YAML when |yaml|. */
void gs_cli_print_document(const gs_buf *b, bool yaml);

#endif
