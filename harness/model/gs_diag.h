/* SPDX-License-Identifier: MIT */
/* A list of problems found in manifests or scenarios, each with a severity, a source position,
 * the object it belongs to and the field path; printed as
 *   file:line:col: Kind ns/name: field.path: message
 * or written as JSON. Collecting (not stopping at the first problem) is the point. */
#ifndef GS_DIAG_H
#define GS_DIAG_H

#include "gs_error.h"
#include "gs_json.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

typedef enum gs_diag_severity {
    GS_DIAG_ERROR = 0,
    GS_DIAG_WARNING = 1,
    GS_DIAG_NOTE = 2,
} gs_diag_severity;

/* Every string is owned by the diag (copied in). |pos.file| too. Empty strings are "" not NULL. */
typedef struct gs_diag {
    gs_diag_severity severity;
    gs_pos pos;
    char *kind;    /* "HTTPRoute", "" when unknown */
    char *ns;      /* "" for cluster-scoped or unknown */
    char *name;    /* "" when unknown */
    char *field;   /* "spec.rules[0].matches[1].path.value", "" for the whole object */
    char *message;
} gs_diag;

typedef struct gs_diags {
    gs_diag *items;
    size_t len, cap;
    size_t nerrors, nwarnings, nnotes;
    /* `--strict`: a warning added from now on is recorded as an error, its message marked so
     * the reader knows why (gatesim's judgements fail validation, docs/model.md). */
    bool warnings_are_errors;
} gs_diags;

/* Appends a problem (all string arguments may be NULL, meaning ""). Returns the severity it was
 * recorded with (a warning becomes an error under |warnings_are_errors|). */
void gs_diags_add(gs_diags *d, gs_diag_severity sev, gs_pos pos, const char *kind, const char *ns,
                  const char *name, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));
gs_diag_severity gs_diags_addv(gs_diags *d, gs_diag_severity sev, gs_pos pos, const char *kind,
                               const char *ns, const char *name, const char *field,
                               const char *fmt, va_list ap) __attribute__((format(printf, 8, 0)));

/* Moves every item of |src| to the end of |dst| and leaves |src| empty. */
void gs_diags_move(gs_diags *dst, gs_diags *src);

/* Sorts by file, line, column (stable for equal positions). */
void gs_diags_sort(gs_diags *d);

/* Formats one problem (without newline) into |out| (size |n|):
 *   errors:   file:line:col: Kind ns/name: field.path: message
 *   warnings: file:line:col: warning: Kind ns/name: field.path: message   (note: likewise)
 * Parts that are unknown are left out ("Kind name" for cluster-scoped objects). */
void gs_diag_format(const gs_diag *diag, char *out, size_t n);

/* Prints every item, one a line, to |f|; colour (severity word) only when |colour|. */
void gs_diags_print(const gs_diags *d, FILE *f, bool colour);

/* Writes the list as a JSON array of objects {severity, file, line, column, kind, namespace,
 * name, field, message}. */
void gs_diags_json(const gs_diags *d, gs_json *j);

void gs_diags_clear(gs_diags *d);

const char *gs_diag_severity_name(gs_diag_severity sev);

#endif
