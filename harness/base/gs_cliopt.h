/* SPDX-License-Identifier: MIT */
/* The one flag vocabulary of gatesim's commands (docs/cli.md, "One flag vocabulary"): a shared
 * idea is spelled with the same flag in every command, following kubectl where it has one.
 * A command builds its getopt_long table from the GS_CLIOPT_* entries below, so a letter cannot
 * drift to a second meaning; its own options take values from GS_CLIOPT_OWN up. Old spellings
 * stay accepted for one release through gs_cliopt_args_new, with a deprecation warning. */
#ifndef GS_CLIOPT_H
#define GS_CLIOPT_H

#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

/* getopt values of the long-only shared options. */
enum {
    GS_CLIOPT_VAL_STRICT = 0x100,
    GS_CLIOPT_VAL_SEED,
    GS_CLIOPT_VAL_CONTROLLER_NAME,
    GS_CLIOPT_VAL_NO_FALLTHROUGH,
    GS_CLIOPT_VAL_MAX_MIRRORS,
    GS_CLIOPT_VAL_REQUEST_TIMEOUT,
    GS_CLIOPT_VAL_REPORT_DIR,
    GS_CLIOPT_VAL_FAIL_ON,
    GS_CLIOPT_VAL_ASSUME_SERVICES,
    GS_CLIOPT_OWN = 0x200, /* the first value a command may give its own options */
};

/* Options with a letter: the letter means this and nothing else in every command. */
// clang-format off
#define GS_CLIOPT_OUTPUT   {"output", required_argument, NULL, 'o'}   /* -o FORMAT */
#define GS_CLIOPT_FILENAME {"filename", required_argument, NULL, 'f'} /* -f PATH, - is stdin */
#define GS_CLIOPT_QUIET    {"quiet", no_argument, NULL, 'q'}
#define GS_CLIOPT_HELP     {"help", no_argument, NULL, 'h'}
#define GS_CLIOPT_TARGET   {"target", required_argument, NULL, 't'}   /* -t KIND */
#define GS_CLIOPT_SELECTOR {"selector", required_argument, NULL, 'l'} /* -l LABEL=VALUE */
#define GS_CLIOPT_HEADER   {"header", required_argument, NULL, 'H'}   /* -H 'NAME: VALUE' */
#define GS_CLIOPT_PROTOCOL {"protocol", required_argument, NULL, 'p'} /* -p PROTOCOL */
#define GS_CLIOPT_BACKEND  {"backend", required_argument, NULL, 'b'}  /* -b NS/SVC:PORT=ADDR */

/* Long-only options shared by several commands, with one meaning. */
#define GS_CLIOPT_STRICT          {"strict", no_argument, NULL, GS_CLIOPT_VAL_STRICT}
#define GS_CLIOPT_SEED            {"seed", required_argument, NULL, GS_CLIOPT_VAL_SEED}
#define GS_CLIOPT_CONTROLLER_NAME {"controller-name", required_argument, NULL, GS_CLIOPT_VAL_CONTROLLER_NAME}
#define GS_CLIOPT_NO_FALLTHROUGH  {"no-hostname-fallthrough", no_argument, NULL, GS_CLIOPT_VAL_NO_FALLTHROUGH}
#define GS_CLIOPT_MAX_MIRRORS     {"max-mirrors-in-flight", required_argument, NULL, GS_CLIOPT_VAL_MAX_MIRRORS}
#define GS_CLIOPT_REQUEST_TIMEOUT {"request-timeout", required_argument, NULL, GS_CLIOPT_VAL_REQUEST_TIMEOUT}
#define GS_CLIOPT_REPORT_DIR      {"report-dir", required_argument, NULL, GS_CLIOPT_VAL_REPORT_DIR}
#define GS_CLIOPT_FAIL_ON         {"fail-on", required_argument, NULL, GS_CLIOPT_VAL_FAIL_ON}
#define GS_CLIOPT_ASSUME_SERVICES {"assume-services", no_argument, NULL, GS_CLIOPT_VAL_ASSUME_SERVICES}
#define GS_CLIOPT_END             {NULL, 0, NULL, 0}
// clang-format on

/* A deprecated spelling: |old| ("-o", "--select") is read as |now| ("--report-dir",
 * "--selector") for one more release, with a warning naming |now| and saying |why| (may be
 * NULL: "-o is --output in every command").*/
typedef struct gs_cliopt_alias {
    const char *old;
    const char *now;
    const char *why;
} gs_cliopt_alias;

/* A command line with the deprecated spellings rewritten. argv is NULL-terminated; it borrows
 * the strings of the original argv and of the alias table, and owns the rest. */
typedef struct gs_cliopt_args {
    int argc;
    char **argv;
    char **owned; /* the rewritten words ("--report-dir", "--report-dir=DIR") */
    size_t n_owned;
} gs_cliopt_args;

/* Copies argv[0..argc) into |out|, rewriting each use of an |aliases| spelling (exactly
 * "-o", "-oVALUE", "--select", "--select=VALUE") to its current one and printing one line per
 * spelling used on stderr: `gatesim CMD: warning: -o is deprecated; use --report-dir (WHY)`.
 * Option values (the word after an option of |longopts|/|shortopts| that takes one) and
 * everything after "--" are left alone. Free with gs_cliopt_args_free. */
void gs_cliopt_args_new(gs_cliopt_args *out, const char *cmd, int argc, char **argv,
                        const gs_cliopt_alias *aliases, size_t n_aliases,
                        const struct option *longopts, const char *shortopts);
void gs_cliopt_args_free(gs_cliopt_args *a);

/* --output's formats; a command accepts a subset (a mask of GS_CLIOPT_FMT_BIT). */
typedef enum gs_cliopt_format {
    GS_CLIOPT_FORMAT_TEXT = 0,
    GS_CLIOPT_FORMAT_JSON,
    GS_CLIOPT_FORMAT_YAML,
} gs_cliopt_format;
#define GS_CLIOPT_FMT_BIT(f) (1u << (f))

/* Parses an --output value among the |allowed| formats ("-o=json" arrives as "=json" and is
 * read as "json"). Returns 0, or -1 after printing `gatesim CMD: --output takes text or json,
 * got "jsn"; did you mean "json"?` on stderr. */
int gs_cliopt_output_parse(const char *cmd, const char *value, unsigned allowed,
                           gs_cliopt_format *out);

/* Prints the line for an argument getopt_long refused (with opterr = 0) and returns 2 (the
 * usage exit code): `gatesim CMD: unknown option "--sed"; did you mean "--seed"? (see gatesim
 * CMD --help)`. |bad| is argv[optind - 1]. */
int gs_cliopt_refused(const char *cmd, const char *bad, int bad_opt, const struct option *longopts,
                      const char *shortopts);

/* Prints `gatesim CMD: MESSAGE` and "Run `gatesim CMD --help` for usage." on stderr; returns
 * 2, the usage exit code. */
int gs_cliopt_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Ctrl-C (SIGINT) and SIGTERM during a run a command reports on when stopped (load, bench):
 * between gs_cliopt_cancel_begin and gs_cliopt_cancel_end they set gs_cliopt_cancelled, the
 * run's cancel flag, instead of killing the process; _end puts the previous handlers back. */
extern volatile sig_atomic_t gs_cliopt_cancelled;
typedef struct gs_cliopt_cancel {
    struct sigaction old_int, old_term;
} gs_cliopt_cancel;
void gs_cliopt_cancel_begin(gs_cliopt_cancel *c);
void gs_cliopt_cancel_end(gs_cliopt_cancel *c);

#endif
