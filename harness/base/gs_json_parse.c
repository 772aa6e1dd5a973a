/* SPDX-License-Identifier: MIT */
/* Recursive-descent JSON parser with explicit bounds (depth, values, bytes). It builds a tree of
 * gs_json_value; strings are unescaped to UTF-8 (surrogate pairs joined, lone surrogates become
 * U+FFFD). Numbers follow the RFC 8259 grammar strictly before strtod converts them. */
#include "gs_json_parse.h"

#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_hex.h"

#include <stdlib.h>
#include <string.h>

typedef struct json_parser {
    const char *p;
    const char *start;
    const char *end;
    unsigned max_depth;
    size_t max_values;
    size_t values;
    gs_error *err;
} json_parser;

static int json_fail(json_parser *jp, const char *what)
{
    size_t off = (size_t)(jp->p - jp->start);
    return gs_error_set(jp->err, GS_ERR_PARSE, "JSON: %s at byte %zu", what, off);
}

static void json_skip_ws(json_parser *jp)
{
    while (jp->p < jp->end && (*jp->p == ' ' || *jp->p == '\t' || *jp->p == '\n' || *jp->p == '\r'))
        jp->p++;
}

static gs_json_value *json_new(json_parser *jp, gs_json_type type)
{
    if (jp->values >= jp->max_values)
        return NULL;
    jp->values++;
    gs_json_value *v = gs_xcalloc(1, sizeof(*v));
    v->type = type;
    return v;
}

static int json_limit(json_parser *jp)
{
    return gs_error_set(jp->err, GS_ERR_RANGE, "JSON: more than %zu values", jp->max_values);
}

static int json_literal(json_parser *jp, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(jp->end - jp->p) < n || memcmp(jp->p, word, n) != 0)
        return json_fail(jp, "invalid literal");
    jp->p += n;
    return 0;
}

static int json_hex4(json_parser *jp, unsigned *out)
{
    if (jp->end - jp->p < 4)
        return json_fail(jp, "truncated \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int d = gs_hex_value(jp->p[i]);
        if (d < 0)
            return json_fail(jp, "invalid \\u escape");
        v = v << 4 | (unsigned)d;
    }
    jp->p += 4;
    *out = v;
    return 0;
}

static void json_put_utf8(gs_buf *b, unsigned cp)
{
    char u[4];
    if (cp < 0x80) {
        gs_buf_putc(b, (char)cp);
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        gs_buf_append(b, u, 2);
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        gs_buf_append(b, u, 3);
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        gs_buf_append(b, u, 4);
    }
}

/* Parses a string starting at the opening quote into |out| (always NUL-terminated). */
static int json_string(json_parser *jp, gs_buf *out)
{
    jp->p++; /* opening quote */
    for (;;) {
        const char *run = jp->p;
        while (jp->p < jp->end && *jp->p != '"' && *jp->p != '\\' && (unsigned char)*jp->p >= 0x20)
            jp->p++;
        gs_buf_append(out, run, (size_t)(jp->p - run));
        if (jp->p >= jp->end)
            return json_fail(jp, "unterminated string");
        char c = *jp->p;
        if (c == '"') {
            jp->p++;
            return 0;
        }
        if (c != '\\')
            return json_fail(jp, "control character in string");
        jp->p++;
        if (jp->p >= jp->end)
            return json_fail(jp, "unterminated string");
        c = *jp->p++;
        switch (c) {
        case '"':
        case '\\':
        case '/':
            gs_buf_putc(out, c);
            break;
        case 'b':
            gs_buf_putc(out, '\b');
            break;
        case 'f':
            gs_buf_putc(out, '\f');
            break;
        case 'n':
            gs_buf_putc(out, '\n');
            break;
        case 'r':
            gs_buf_putc(out, '\r');
            break;
        case 't':
            gs_buf_putc(out, '\t');
            break;
        case 'u': {
            unsigned cp;
            int rc = json_hex4(jp, &cp);
            if (rc < 0)
                return rc;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                unsigned lo;
                if (jp->end - jp->p >= 6 && jp->p[0] == '\\' && jp->p[1] == 'u') {
                    const char *save = jp->p;
                    jp->p += 2;
                    if ((rc = json_hex4(jp, &lo)) < 0)
                        return rc;
                    if (lo >= 0xDC00 && lo <= 0xDFFF) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    } else {
                        jp->p = save; /* not a pair: the next escape stands alone */
                        cp = 0xFFFD;
                    }
                } else {
                    cp = 0xFFFD;
                }
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                cp = 0xFFFD;
            }
            json_put_utf8(out, cp);
            break;
        }
        default:
            jp->p--;
            return json_fail(jp, "invalid escape");
        }
    }
}

static int json_number(json_parser *jp, double *out)
{
    const char *s = jp->p;
    const char *p = s;
    if (p < jp->end && *p == '-')
        p++;
    if (p >= jp->end)
        goto bad;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (p < jp->end && *p >= '0' && *p <= '9')
            p++;
    } else {
        goto bad;
    }
    if (p < jp->end && *p == '.') {
        p++;
        if (p >= jp->end || *p < '0' || *p > '9')
            goto bad;
        while (p < jp->end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < jp->end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < jp->end && (*p == '+' || *p == '-'))
            p++;
        if (p >= jp->end || *p < '0' || *p > '9')
            goto bad;
        while (p < jp->end && *p >= '0' && *p <= '9')
            p++;
    }
    size_t n = (size_t)(p - s);
    if (n > 400) {
        jp->p = s;
        return json_fail(jp, "number too long");
    }
    char tmp[408];
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    *out = strtod(tmp, NULL);
    jp->p = p;
    return 0;
bad:
    jp->p = p;
    return json_fail(jp, "invalid number");
}

static int json_value(json_parser *jp, unsigned depth, gs_json_value **out);

static void json_push(gs_json_value *parent, size_t *cap, char *key, gs_json_value *child)
{
    if (parent->len == *cap) {
        size_t ncap = *cap ? *cap * 2 : 4;
        parent->items = gs_xrealloc(parent->items, ncap * sizeof(*parent->items));
        if (parent->type == GS_JSON_OBJECT)
            parent->keys = gs_xrealloc(parent->keys, ncap * sizeof(*parent->keys));
        *cap = ncap;
    }
    if (parent->type == GS_JSON_OBJECT)
        parent->keys[parent->len] = key;
    parent->items[parent->len++] = child;
}

static int json_container(json_parser *jp, unsigned depth, gs_json_value *v)
{
    bool is_object = v->type == GS_JSON_OBJECT;
    char close = is_object ? '}' : ']';
    size_t cap = 0;
    jp->p++; /* opening bracket */
    json_skip_ws(jp);
    if (jp->p < jp->end && *jp->p == close) {
        jp->p++;
        return 0;
    }
    for (;;) {
        char *key = NULL;
        json_skip_ws(jp);
        if (is_object) {
            if (jp->p >= jp->end || *jp->p != '"')
                return json_fail(jp, "expected a member name");
            gs_buf kb = {0};
            int rc = json_string(jp, &kb);
            if (rc < 0) {
                gs_buf_clear(&kb);
                return rc;
            }
            key = gs_buf_take(&kb);
            json_skip_ws(jp);
            if (jp->p >= jp->end || *jp->p != ':') {
                free(key);
                return json_fail(jp, "expected ':'");
            }
            jp->p++;
        }
        gs_json_value *child = NULL;
        int rc = json_value(jp, depth + 1, &child);
        if (rc < 0) {
            free(key);
            return rc;
        }
        json_push(v, &cap, key, child);
        json_skip_ws(jp);
        if (jp->p >= jp->end)
            return json_fail(jp, is_object ? "unterminated object" : "unterminated array");
        if (*jp->p == ',') {
            jp->p++;
            continue;
        }
        if (*jp->p == close) {
            jp->p++;
            return 0;
        }
        return json_fail(jp, is_object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static int json_value(json_parser *jp, unsigned depth, gs_json_value **out)
{
    *out = NULL;
    if (depth > jp->max_depth)
        return gs_error_set(jp->err, GS_ERR_RANGE, "JSON: nesting deeper than %u", jp->max_depth);
    json_skip_ws(jp);
    if (jp->p >= jp->end)
        return json_fail(jp, "unexpected end of input");
    gs_json_value *v;
    int rc = 0;
    switch (*jp->p) {
    case '{':
    case '[':
        if ((v = json_new(jp, *jp->p == '{' ? GS_JSON_OBJECT : GS_JSON_ARRAY)) == NULL)
            return json_limit(jp);
        rc = json_container(jp, depth, v);
        break;
    case '"': {
        if ((v = json_new(jp, GS_JSON_STRING)) == NULL)
            return json_limit(jp);
        gs_buf sb = {0};
        rc = json_string(jp, &sb);
        v->len = sb.len;
        v->str = gs_buf_take(&sb);
        break;
    }
    case 't':
    case 'f':
        if ((v = json_new(jp, GS_JSON_BOOL)) == NULL)
            return json_limit(jp);
        v->boolean = *jp->p == 't';
        rc = json_literal(jp, v->boolean ? "true" : "false");
        break;
    case 'n':
        if ((v = json_new(jp, GS_JSON_NULL)) == NULL)
            return json_limit(jp);
        rc = json_literal(jp, "null");
        break;
    default:
        if (*jp->p != '-' && (*jp->p < '0' || *jp->p > '9'))
            return json_fail(jp, "unexpected character");
        if ((v = json_new(jp, GS_JSON_NUMBER)) == NULL)
            return json_limit(jp);
        rc = json_number(jp, &v->number);
        break;
    }
    if (rc < 0) {
        gs_json_value_free(v);
        return rc;
    }
    *out = v;
    return 0;
}

int gs_json_parse(const char *text, size_t n, const gs_json_limits *limits, gs_json_value **out,
                  gs_error *err)
{
    gs_json_limits lim = limits ? *limits : (gs_json_limits){0};
    if (lim.max_bytes == 0)
        lim.max_bytes = 16u << 20;
    if (lim.max_depth == 0)
        lim.max_depth = 64;
    if (lim.max_values == 0)
        lim.max_values = 1000000;
    *out = NULL;
    if (n > lim.max_bytes)
        return gs_error_set(err, GS_ERR_RANGE, "JSON: document of %zu bytes exceeds %zu", n,
                            lim.max_bytes);
    json_parser jp = {.p = text,
                      .start = text,
                      .end = text + n,
                      .max_depth = lim.max_depth,
                      .max_values = lim.max_values,
                      .err = err};
    gs_json_value *v;
    int rc = json_value(&jp, 1, &v);
    if (rc < 0)
        return rc;
    json_skip_ws(&jp);
    if (jp.p != jp.end) {
        gs_json_value_free(v);
        return json_fail(&jp, "trailing data after the value");
    }
    *out = v;
    return 0;
}

void gs_json_value_free(gs_json_value *v)
{
    if (v == NULL)
        return;
    if (v->type == GS_JSON_ARRAY || v->type == GS_JSON_OBJECT) {
        for (size_t i = 0; i < v->len; i++) {
            gs_json_value_free(v->items[i]);
            if (v->keys)
                free(v->keys[i]);
        }
        free(v->items);
        free(v->keys);
    }
    free(v->str);
    free(v);
}

const gs_json_value *gs_json_get(const gs_json_value *obj, const char *key)
{
    if (obj == NULL || obj->type != GS_JSON_OBJECT)
        return NULL;
    for (size_t i = obj->len; i-- > 0;)
        if (strcmp(obj->keys[i], key) == 0)
            return obj->items[i];
    return NULL;
}

const gs_json_value *gs_json_at(const gs_json_value *arr, size_t i)
{
    if (arr == NULL || arr->type != GS_JSON_ARRAY || i >= arr->len)
        return NULL;
    return arr->items[i];
}

const char *gs_json_get_string(const gs_json_value *obj, const char *key, const char *fallback)
{
    const gs_json_value *v = gs_json_get(obj, key);
    return v && v->type == GS_JSON_STRING ? v->str : fallback;
}

double gs_json_get_number(const gs_json_value *obj, const char *key, double fallback)
{
    const gs_json_value *v = gs_json_get(obj, key);
    return v && v->type == GS_JSON_NUMBER ? v->number : fallback;
}

bool gs_json_get_bool(const gs_json_value *obj, const char *key, bool fallback)
{
    const gs_json_value *v = gs_json_get(obj, key);
    return v && v->type == GS_JSON_BOOL ? v->boolean : fallback;
}

const char *gs_json_type_name(gs_json_type type)
{
    switch (type) {
    case GS_JSON_NULL:
        return "null";
    case GS_JSON_BOOL:
        return "boolean";
    case GS_JSON_NUMBER:
        return "number";
    case GS_JSON_STRING:
        return "string";
    case GS_JSON_ARRAY:
        return "array";
    case GS_JSON_OBJECT:
        return "object";
    }
    return "unknown";
}
