/* SPDX-License-Identifier: MIT */
/* The shared flag vocabulary's helpers: deprecated spellings rewritten before getopt_long sees
 * them, --output values, and the usage-error lines every command prints the same way. */
#include "gs_cliopt.h"

#include "gs_alloc.h"
#include "gs_suggest.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLIOPT_MAX_ALIASES 16

/* The long option |name| (exact, or getopt's unique-prefix abbreviation), or NULL. */
static const struct option *cliopt_find_long(const struct option *longopts, const char *name,
                                             size_t len)
{
    const struct option *prefix = NULL;
    size_t n_prefix = 0;
    for (const struct option *o = longopts; o && o->name; o++) {
        if (strncmp(o->name, name, len) != 0)
            continue;
        if (o->name[len] == '\0')
            return o;
        prefix = o;
        n_prefix++;
    }
    return n_prefix == 1 ? prefix : NULL;
}

/* Whether the option word |a| (not an alias) takes the next word as its value. */
static bool cliopt_takes_next(const char *a, const struct option *longopts, const char *shortopts)
{
    if (a[0] != '-' || a[1] == '\0')
        return false;
    if (a[1] == '-') {
        if (strchr(a, '=') != NULL)
            return false;
        const struct option *o = cliopt_find_long(longopts, a + 2, strlen(a + 2));
        return o && o->has_arg == required_argument;
    }
    /* A cluster ("-qc4", "-qc 4"): the first letter taking a value eats the rest or the next. */
    for (const char *c = a + 1; *c; c++) {
        const char *at = shortopts ? strchr(shortopts, *c) : NULL;
        if (at == NULL || *c == ':')
            return false;
        if (at[1] == ':')
            return c[1] == '\0';
    }
    return false;
}

/* |a| rewritten if it spells alias |al|: into |*out|, made and recorded in |args|. Returns false
 * when |a| does not spell it. */
static bool cliopt_rewrite(const gs_cliopt_alias *al, const char *a, const struct option *longopts,
                           gs_cliopt_args *args, char **out)
{
    size_t len = strlen(al->old);
    const char *value = NULL;
    if (strncmp(a, al->old, len) != 0)
        return false;
    if (a[len] != '\0') {
        bool is_long = al->old[1] == '-';
        if (is_long && a[len] != '=')
            return false; /* "--selectors" is not "--select" */
        const struct option *now = cliopt_find_long(longopts, al->now + 2, strlen(al->now + 2));
        if (now == NULL || now->has_arg == no_argument)
            return false;
        value = a + len + (is_long ? 1 : 0);
    }
    char *made = value ? gs_xasprintf("%s=%s", al->now, value) : gs_xstrdup(al->now);
    args->owned = gs_xrealloc(args->owned, (args->n_owned + 1) * sizeof(*args->owned));
    args->owned[args->n_owned++] = made;
    *out = made;
    return true;
}

void gs_cliopt_args_new(gs_cliopt_args *out, const char *cmd, int argc, char **argv,
                        const gs_cliopt_alias *aliases, size_t n_aliases,
                        const struct option *longopts, const char *shortopts)
{
    *out = (gs_cliopt_args){0};
    out->argv = gs_xcalloc((size_t)argc + 1, sizeof(*out->argv));
    out->argc = argc;
    bool warned[CLIOPT_MAX_ALIASES] = {false};
    bool options_done = false, is_value = false;
    for (int i = 0; i < argc; i++) {
        char *a = argv[i];
        out->argv[i] = a;
        if (i == 0 || options_done || is_value) {
            is_value = false;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            options_done = true;
            continue;
        }
        for (size_t k = 0; k < n_aliases && k < CLIOPT_MAX_ALIASES; k++) {
            if (!cliopt_rewrite(&aliases[k], a, longopts, out, &out->argv[i]))
                continue;
            if (!warned[k])
                fprintf(stderr, "gatesim %s: warning: %s is deprecated; use %s%s%s%s\n", cmd,
                        aliases[k].old, aliases[k].now, aliases[k].why ? " (" : "",
                        aliases[k].why ? aliases[k].why : "", aliases[k].why ? ")" : "");
            warned[k] = true;
            break;
        }
        is_value = cliopt_takes_next(out->argv[i], longopts, shortopts);
    }
}

void gs_cliopt_args_free(gs_cliopt_args *a)
{
    for (size_t i = 0; i < a->n_owned; i++)
        free(a->owned[i]);
    free(a->owned);
    free(a->argv);
    *a = (gs_cliopt_args){0};
}

static const char *const cliopt_format_names[] = {"text", "json", "yaml"};

int gs_cliopt_output_parse(const char *cmd, const char *value, unsigned allowed,
                           gs_cliopt_format *out)
{
    const char *v = value && value[0] == '=' ? value + 1 : value;
    const char *names[3] = {NULL, NULL, NULL};
    size_t n = 0;
    for (size_t f = 0; f < 3; f++) {
        if (!(allowed & GS_CLIOPT_FMT_BIT(f)))
            continue;
        names[f] = cliopt_format_names[f];
        n++;
        if (v && strcmp(v, names[f]) == 0) {
            *out = (gs_cliopt_format)f;
            return 0;
        }
    }
    char list[64] = "";
    size_t seen = 0;
    for (size_t f = 0; f < 3; f++) {
        if (names[f] == NULL)
            continue;
        seen++;
        const char *sep = seen == 1 ? "" : (seen == n ? " or " : ", ");
        size_t used = strlen(list);
        snprintf(list + used, sizeof(list) - used, "%s%s", sep, names[f]);
    }
    const char *hint = v ? gs_suggest_n(v, names, 3) : NULL;
    fprintf(stderr, "gatesim %s: --output takes %s, got \"%s\"", cmd, list, v ? v : "");
    if (hint)
        fprintf(stderr, "; did you mean \"%s\"?", hint);
    fprintf(stderr, "\n");
    return -1;
}

int gs_cliopt_refused(const char *cmd, const char *bad, int bad_opt, const struct option *longopts,
                      const char *shortopts)
{
    char msg[256];
    gs_suggest_option_error(msg, sizeof(msg), bad, bad_opt, longopts, shortopts);
    fprintf(stderr, "gatesim %s: %s (see gatesim %s --help)\n", cmd, msg, cmd);
    return 2;
}

int gs_cliopt_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "gatesim %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nRun `gatesim %s --help` for usage.\n", cmd);
    va_end(ap);
    return 2;
}

volatile sig_atomic_t gs_cliopt_cancelled;

static void on_cliopt_cancel(int sig)
{
    (void)sig;
    gs_cliopt_cancelled = 1;
}

void gs_cliopt_cancel_begin(gs_cliopt_cancel *c)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_cliopt_cancel;
    sigaction(SIGINT, &sa, &c->old_int);
    sigaction(SIGTERM, &sa, &c->old_term);
}

void gs_cliopt_cancel_end(gs_cliopt_cancel *c)
{
    sigaction(SIGINT, &c->old_int, NULL);
    sigaction(SIGTERM, &c->old_term, NULL);
}
