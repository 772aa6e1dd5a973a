/* SPDX-License-Identifier: MIT */
/* The diagnostics list: collecting, sorting, printing in the one-line format of docs/cli.md and
 * as JSON. No knowledge of what the problems are about. */
#include "gs_diag.h"

#include "gs_alloc.h"
#include "gs_log.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static char *diag_dup(const char *s)
{
    return gs_xstrdup(s ? s : "");
}

gs_diag_severity gs_diags_addv(gs_diags *d, gs_diag_severity sev, gs_pos pos, const char *kind,
                               const char *ns, const char *name, const char *field,
                               const char *fmt, va_list ap)
{
    bool promoted = sev == GS_DIAG_WARNING && d->warnings_are_errors;
    if (promoted)
        sev = GS_DIAG_ERROR;
    gs_xgrow((void **)&d->items, &d->cap, d->len + 1, sizeof *d->items);
    gs_diag *g = &d->items[d->len++];
    g->severity = sev;
    g->pos = pos;
    g->pos.file = pos.file ? gs_xstrdup(pos.file) : NULL;
    g->kind = diag_dup(kind);
    g->ns = diag_dup(ns);
    g->name = diag_dup(name);
    g->field = diag_dup(field);
    char buf[2048];
    vsnprintf(buf, sizeof buf, fmt, ap);
    g->message = promoted ? gs_xasprintf("%s (a warning; an error under --strict)", buf)
                          : gs_xstrdup(buf);
    if (sev == GS_DIAG_ERROR)
        d->nerrors++;
    else if (sev == GS_DIAG_WARNING)
        d->nwarnings++;
    else
        d->nnotes++;
    return sev;
}

void gs_diags_add(gs_diags *d, gs_diag_severity sev, gs_pos pos, const char *kind, const char *ns,
                  const char *name, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    gs_diags_addv(d, sev, pos, kind, ns, name, field, fmt, ap);
    va_end(ap);
}

void gs_diags_move(gs_diags *dst, gs_diags *src)
{
    if (src->len) {
        gs_xgrow((void **)&dst->items, &dst->cap, dst->len + src->len, sizeof *dst->items);
        memcpy(dst->items + dst->len, src->items, src->len * sizeof *src->items);
        dst->len += src->len;
        dst->nerrors += src->nerrors;
        dst->nwarnings += src->nwarnings;
        dst->nnotes += src->nnotes;
    }
    free(src->items);
    memset(src, 0, sizeof *src);
}

typedef struct diag_sorted {
    gs_diag d;
    size_t index;
} diag_sorted;

static int diag_cmp(const void *x, const void *y)
{
    const diag_sorted *a = x, *b = y;
    int c = strcmp(a->d.pos.file ? a->d.pos.file : "", b->d.pos.file ? b->d.pos.file : "");
    if (c)
        return c;
    if (a->d.pos.line != b->d.pos.line)
        return a->d.pos.line < b->d.pos.line ? -1 : 1;
    if (a->d.pos.col != b->d.pos.col)
        return a->d.pos.col < b->d.pos.col ? -1 : 1;
    return a->index < b->index ? -1 : (a->index > b->index);
}

void gs_diags_sort(gs_diags *d)
{
    if (d->len < 2)
        return;
    diag_sorted *v = gs_xmalloc(d->len * sizeof *v);
    for (size_t i = 0; i < d->len; i++) {
        v[i].d = d->items[i];
        v[i].index = i;
    }
    qsort(v, d->len, sizeof *v, diag_cmp);
    for (size_t i = 0; i < d->len; i++)
        d->items[i] = v[i].d;
    free(v);
}

const char *gs_diag_severity_name(gs_diag_severity sev)
{
    switch (sev) {
    case GS_DIAG_ERROR: return "error";
    case GS_DIAG_WARNING: return "warning";
    case GS_DIAG_NOTE: return "note";
    }
    return "error";
}

static void diag_format_parts(const gs_diag *g, const char *sevword, char *out, size_t n)
{
    size_t used = 0;
#define DIAG_PUT(...)                                                                              \
    do {                                                                                           \
        if (used < n) {                                                                            \
            int w_ = snprintf(out + used, n - used, __VA_ARGS__);                                  \
            if (w_ > 0)                                                                            \
                used += (size_t)w_;                                                                \
        }                                                                                          \
    } while (0)
    if (n)
        out[0] = '\0';
    if (g->pos.file && g->pos.line)
        DIAG_PUT("%s:%u:%u: ", g->pos.file, g->pos.line, g->pos.col);
    else if (g->pos.file)
        DIAG_PUT("%s: ", g->pos.file);
    if (sevword)
        DIAG_PUT("%s: ", sevword);
    if (g->kind[0] || g->name[0]) {
        DIAG_PUT("%s", g->kind[0] ? g->kind : "object");
        if (g->ns[0])
            DIAG_PUT(" %s/%s", g->ns, g->name[0] ? g->name : "<unnamed>");
        else
            DIAG_PUT(" %s", g->name[0] ? g->name : "<unnamed>");
        DIAG_PUT(": ");
    }
    if (g->field[0])
        DIAG_PUT("%s: ", g->field);
    DIAG_PUT("%s", g->message);
#undef DIAG_PUT
}

void gs_diag_format(const gs_diag *g, char *out, size_t n)
{
    diag_format_parts(g, g->severity == GS_DIAG_ERROR ? NULL : gs_diag_severity_name(g->severity),
                      out, n);
}

void gs_diags_print(const gs_diags *d, FILE *f, bool colour)
{
    char line[4096];
    for (size_t i = 0; i < d->len; i++) {
        const gs_diag *g = &d->items[i];
        if (colour && g->severity != GS_DIAG_ERROR) {
            char word[64];
            snprintf(word, sizeof word, "%s%s%s",
                     g->severity == GS_DIAG_WARNING ? gs_term_yellow(true) : gs_term_dim(true),
                     gs_diag_severity_name(g->severity), gs_term_reset(true));
            diag_format_parts(g, word, line, sizeof line);
        } else {
            gs_diag_format(g, line, sizeof line);
        }
        fprintf(f, "%s\n", line);
    }
}

void gs_diags_json(const gs_diags *d, gs_json *j)
{
    gs_json_array_begin(j);
    for (size_t i = 0; i < d->len; i++) {
        const gs_diag *g = &d->items[i];
        gs_json_object_begin(j);
        gs_json_key(j, "severity");
        gs_json_string(j, gs_diag_severity_name(g->severity));
        gs_json_key(j, "file");
        gs_json_string(j, g->pos.file ? g->pos.file : "");
        gs_json_key(j, "line");
        gs_json_uint(j, g->pos.line);
        gs_json_key(j, "column");
        gs_json_uint(j, g->pos.col);
        gs_json_key(j, "kind");
        gs_json_string(j, g->kind);
        gs_json_key(j, "namespace");
        gs_json_string(j, g->ns);
        gs_json_key(j, "name");
        gs_json_string(j, g->name);
        gs_json_key(j, "field");
        gs_json_string(j, g->field);
        gs_json_key(j, "message");
        gs_json_string(j, g->message);
        gs_json_object_end(j);
    }
    gs_json_array_end(j);
}

void gs_diags_clear(gs_diags *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->len; i++) {
        gs_diag *g = &d->items[i];
        free((char *)(uintptr_t)g->pos.file);
        free(g->kind);
        free(g->ns);
        free(g->name);
        free(g->field);
        free(g->message);
    }
    free(d->items);
    memset(d, 0, sizeof *d);
}
