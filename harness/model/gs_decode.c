/* SPDX-License-Identifier: MIT */
/* Generic YAML-node decoding with field paths, typed getters, unknown-field checks with "did you
 * mean", and Go durations. Every problem goes to the decoder's gs_diags; nothing stops early. */
#include "gs_decode.h"

#include "gs_alloc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void gs_decoder_init(gs_decoder *d, gs_diags *diags)
{
    memset(d, 0, sizeof *d);
    d->diags = diags;
    gs_buf_puts(&d->path, "");
}

void gs_decoder_set_object(gs_decoder *d, const char *kind, const char *ns, const char *name)
{
    d->kind = kind;
    d->ns = ns;
    d->name = name;
}

void gs_decoder_release(gs_decoder *d)
{
    gs_buf_clear(&d->path);
}

static void dec_mark(gs_decoder *d)
{
    if (d->depth < GS_DEC_MAX_DEPTH)
        d->marks[d->depth] = d->path.len;
    d->depth++;
}

void gs_dec_push(gs_decoder *d, const char *field)
{
    dec_mark(d);
    if (d->path.len && field[0] != '[')
        gs_buf_putc(&d->path, '.');
    gs_buf_puts(&d->path, field);
}

void gs_dec_push_index(gs_decoder *d, size_t index)
{
    dec_mark(d);
    gs_buf_printf(&d->path, "[%zu]", index);
}

void gs_dec_push_key(gs_decoder *d, const char *key)
{
    dec_mark(d);
    gs_buf_printf(&d->path, "[%s]", key);
}

void gs_dec_pop(gs_decoder *d)
{
    if (d->depth <= 0)
        return;
    d->depth--;
    if (d->depth < GS_DEC_MAX_DEPTH) {
        d->path.len = d->marks[d->depth];
        d->path.data[d->path.len] = '\0';
    }
}

const char *gs_dec_path(const gs_decoder *d)
{
    return d->path.data ? d->path.data : "";
}

static void dec_vreport(gs_decoder *d, gs_diag_severity sev, gs_pos pos, const char *field,
                        const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));
static void dec_vreport(gs_decoder *d, gs_diag_severity sev, gs_pos pos, const char *field,
                        const char *fmt, va_list ap)
{
    char path[1024];
    const char *base = gs_dec_path(d);
    if (field && field[0])
        snprintf(path, sizeof path, "%s%s%s", base, (base[0] && field[0] != '[') ? "." : "",
                 field);
    else
        snprintf(path, sizeof path, "%s", base);
    if (gs_diags_addv(d->diags, sev, pos, d->kind, d->ns, d->name, path, fmt, ap) ==
        GS_DIAG_ERROR)
        d->nerrors++;
}

void gs_dec_report(gs_decoder *d, gs_diag_severity sev, gs_pos pos, const char *field,
                   const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dec_vreport(d, sev, pos, field, fmt, ap);
    va_end(ap);
}

#define dec_pos(n) dec_pos_(d, (n))
static gs_pos dec_pos_(const gs_decoder *d, const gs_yaml_node *n)
{
    if (n && n->pos.line)
        return n->pos;
    return d->fallback;
}

void gs_dec_error(gs_decoder *d, const gs_yaml_node *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dec_vreport(d, GS_DIAG_ERROR, dec_pos(at), NULL, fmt, ap);
    va_end(ap);
}

void gs_dec_warn(gs_decoder *d, const gs_yaml_node *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dec_vreport(d, GS_DIAG_WARNING, dec_pos(at), NULL, fmt, ap);
    va_end(ap);
}

void gs_dec_note(gs_decoder *d, const gs_yaml_node *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dec_vreport(d, GS_DIAG_NOTE, dec_pos(at), NULL, fmt, ap);
    va_end(ap);
}

void gs_dec_error_field(gs_decoder *d, const gs_yaml_node *at, const char *field,
                        const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dec_vreport(d, GS_DIAG_ERROR, dec_pos(at), field, fmt, ap);
    va_end(ap);
}

bool gs_dec_expect(gs_decoder *d, const gs_yaml_node *n, gs_yaml_type t)
{
    if (!n)
        return true;
    gs_yaml_type got = gs_yaml_type_of(n);
    if (got == t || (t == GS_YAML_T_FLOAT && got == GS_YAML_T_INT))
        return true;
    if (got == GS_YAML_T_NULL && (t == GS_YAML_T_MAP || t == GS_YAML_T_SEQ))
        return true; /* `field:` with nothing = empty, as Kubernetes reads it */
    if (got == GS_YAML_T_STR || got == GS_YAML_T_BOOL || got == GS_YAML_T_INT ||
        got == GS_YAML_T_FLOAT)
        gs_dec_error(d, n, "must be of type %s, got %s \"%s\"", gs_yaml_type_name(t),
                     gs_yaml_type_name(got), n->str);
    else
        gs_dec_error(d, n, "must be of type %s, got %s", gs_yaml_type_name(t),
                     gs_yaml_type_name(got));
    return false;
}

bool gs_dec_check_fields(gs_decoder *d, const gs_yaml_node *map, const char *const *known)
{
    if (!map || map->kind != GS_YAML_MAPPING)
        return true;
    bool ok = true;
    for (size_t i = 0; i < map->npairs; i++) {
        const gs_yaml_node *k = map->pairs[i].key;
        if (k->kind != GS_YAML_SCALAR) {
            gs_dec_error(d, k, "field names must be strings");
            ok = false;
            continue;
        }
        bool found = false;
        for (const char *const *f = known; *f; f++)
            if (strcmp(*f, k->str) == 0) {
                found = true;
                break;
            }
        if (found)
            continue;
        ok = false;
        const char *hint = gs_suggest(k->str, known);
        if (hint)
            gs_dec_error_field(d, k, k->str, "unknown field \"%s\"; did you mean \"%s\"?", k->str,
                               hint);
        else
            gs_dec_error_field(d, k, k->str, "unknown field \"%s\"", k->str);
    }
    return ok;
}

gs_yaml_node *gs_dec_field(gs_decoder *d, const gs_yaml_node *map, const char *key, bool required)
{
    gs_yaml_node *v = gs_yaml_get(map, key);
    if (v && v->kind == GS_YAML_SCALAR && gs_yaml_type_of(v) == GS_YAML_T_NULL)
        v = NULL;
    if (!v && required)
        gs_dec_error_field(d, map, key, "Required value");
    return v;
}

static bool dec_typed(gs_decoder *d, const gs_yaml_node *map, const char *key, bool required,
                      gs_yaml_type t, gs_yaml_node **out)
{
    gs_yaml_node *v = gs_dec_field(d, map, key, required);
    if (!v)
        return false;
    gs_dec_push(d, key);
    bool ok = gs_dec_expect(d, v, t);
    gs_dec_pop(d);
    *out = v;
    return ok;
}

bool gs_dec_string(gs_decoder *d, const gs_yaml_node *map, const char *key, bool required,
                   const char **out)
{
    gs_yaml_node *v;
    if (!dec_typed(d, map, key, required, GS_YAML_T_STR, &v))
        return false;
    *out = v->str;
    return true;
}

bool gs_dec_int(gs_decoder *d, const gs_yaml_node *map, const char *key, bool required,
                int64_t min, int64_t max, int64_t *out)
{
    gs_yaml_node *v;
    int64_t x;
    if (!dec_typed(d, map, key, required, GS_YAML_T_INT, &v))
        return false;
    if (!gs_yaml_int(v, &x)) {
        gs_dec_error_field(d, v, key, "integer out of range: %s", v->str);
        return false;
    }
    if (x < min || x > max) {
        gs_dec_error_field(d, v, key, "must be between %lld and %lld, got %lld", (long long)min,
                           (long long)max, (long long)x);
        return false;
    }
    *out = x;
    return true;
}

bool gs_dec_double(gs_decoder *d, const gs_yaml_node *map, const char *key, bool required,
                   double min, double max, double *out)
{
    gs_yaml_node *v;
    double x;
    if (!dec_typed(d, map, key, required, GS_YAML_T_FLOAT, &v))
        return false;
    if (!gs_yaml_double(v, &x) || !(x >= min && x <= max)) {
        gs_dec_error_field(d, v, key, "must be between %g and %g, got %s", min, max, v->str);
        return false;
    }
    *out = x;
    return true;
}

bool gs_dec_bool(gs_decoder *d, const gs_yaml_node *map, const char *key, bool required,
                 bool *out)
{
    gs_yaml_node *v;
    if (!dec_typed(d, map, key, required, GS_YAML_T_BOOL, &v))
        return false;
    return gs_yaml_bool(v, out);
}

bool gs_dec_enum(gs_decoder *d, const gs_yaml_node *map, const char *key, bool required,
                 const char *const *values, int *out)
{
    const char *s;
    if (!gs_dec_string(d, map, key, required, &s))
        return false;
    for (int i = 0; values[i]; i++)
        if (strcmp(values[i], s) == 0) {
            *out = i;
            return true;
        }
    gs_buf b = {0};
    for (int i = 0; values[i]; i++)
        gs_buf_printf(&b, "%s\"%s\"", i ? ", " : "", values[i]);
    const char *hint = gs_suggest(s, values);
    gs_yaml_node *v = gs_yaml_get(map, key);
    if (hint)
        gs_dec_error_field(d, v, key, "Unsupported value: \"%s\": supported values: %s; did you mean \"%s\"?", s, b.data, hint);
    else
        gs_dec_error_field(d, v, key, "Unsupported value: \"%s\": supported values: %s", s,
                           b.data);
    gs_buf_clear(&b);
    return false;
}

bool gs_parse_go_duration(const char *s, int64_t *out_ns)
{
    /* [-+]?([0-9]*(\.[0-9]*)?[a-z]+)+ ; "0" alone is valid */
    const char *p = s;
    bool neg = false;
    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    if (strcmp(p, "0") == 0) {
        *out_ns = 0;
        return true;
    }
    if (!*p)
        return false;
    double total = 0;
    while (*p) {
        const char *start = p;
        double v = 0;
        bool digits = false;
        while (*p >= '0' && *p <= '9') {
            v = v * 10 + (*p++ - '0');
            digits = true;
        }
        if (*p == '.') {
            p++;
            double scale = 0.1;
            while (*p >= '0' && *p <= '9') {
                v += (*p++ - '0') * scale;
                scale /= 10;
                digits = true;
            }
        }
        if (!digits || p == start)
            return false;
        double unit;
        if (strncmp(p, "ns", 2) == 0)
            unit = 1, p += 2;
        else if (strncmp(p, "us", 2) == 0)
            unit = 1e3, p += 2;
        else if (strncmp(p, "\xc2\xb5s", 3) == 0)
            unit = 1e3, p += 3;
        else if (strncmp(p, "ms", 2) == 0)
            unit = 1e6, p += 2;
        else if (*p == 's')
            unit = 1e9, p += 1;
        else if (*p == 'm')
            unit = 60e9, p += 1;
        else if (*p == 'h')
            unit = 3600e9, p += 1;
        else
            return false;
        total += v * unit;
        if (total > 9.2e18)
            return false;
    }
    *out_ns = (int64_t)(neg ? -total : total);
    return true;
}

bool gs_dec_duration(gs_decoder *d, const gs_yaml_node *map, const char *key, bool required,
                     int64_t *out_ns)
{
    const char *s;
    if (!gs_dec_string(d, map, key, required, &s))
        return false;
    if (!gs_parse_go_duration(s, out_ns)) {
        gs_dec_error_field(d, gs_yaml_get(map, key), key,
                           "invalid duration \"%s\" (examples: 500ms, 2s, 1m30s)", s);
        return false;
    }
    return true;
}

gs_yaml_node *gs_dec_map(gs_decoder *d, const gs_yaml_node *map, const char *key, bool required)
{
    gs_yaml_node *v;
    if (!dec_typed(d, map, key, required, GS_YAML_T_MAP, &v))
        return NULL;
    return v;
}

gs_yaml_node *gs_dec_seq(gs_decoder *d, const gs_yaml_node *map, const char *key, bool required)
{
    gs_yaml_node *v;
    if (!dec_typed(d, map, key, required, GS_YAML_T_SEQ, &v))
        return NULL;
    return v;
}
