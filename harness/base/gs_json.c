/* SPDX-License-Identifier: MIT */
/* Streaming JSON writer. Output only; parsing lives in gs_json_parse.c. */
#include "gs_json.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gs_json_init(gs_json *j, gs_buf *out, bool pretty)
{
    memset(j, 0, sizeof(*j));
    j->out = out;
    j->pretty = pretty;
}

static void json_newline(gs_json *j)
{
    if (!j->pretty)
        return;
    gs_buf_putc(j->out, '\n');
    for (int i = 0; i < j->depth; i++)
        gs_buf_puts(j->out, "  ");
}

/* Called before every value or key: writes the comma and indentation it needs. */
static void json_before_value(gs_json *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->depth > 0) {
        if (j->need_comma[j->depth])
            gs_buf_putc(j->out, ',');
        j->need_comma[j->depth] = true;
        json_newline(j);
    }
}

static void json_open(gs_json *j, char c)
{
    json_before_value(j);
    gs_buf_putc(j->out, c);
    assert(j->depth + 1 < GS_JSON_MAX_DEPTH);
    j->depth++;
    j->need_comma[j->depth] = false;
}

static void json_close(gs_json *j, char c)
{
    assert(j->depth > 0);
    bool had = j->need_comma[j->depth];
    j->depth--;
    if (had)
        json_newline(j);
    gs_buf_putc(j->out, c);
}

void gs_json_object_begin(gs_json *j)
{
    json_open(j, '{');
}

void gs_json_object_end(gs_json *j)
{
    json_close(j, '}');
}

void gs_json_array_begin(gs_json *j)
{
    json_open(j, '[');
}

void gs_json_array_end(gs_json *j)
{
    json_close(j, ']');
}

void gs_json_key(gs_json *j, const char *key)
{
    json_before_value(j);
    gs_json_escape(j->out, key, strlen(key));
    gs_buf_puts(j->out, j->pretty ? ": " : ":");
    j->after_key = true;
}

/* Length of the valid UTF-8 sequence at |s| (at most |n| bytes), or 0 when invalid. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if ((c & 0xe0) == 0xc0) {
        len = 2;
        cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3;
        cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    static const uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

void gs_json_escape(gs_buf *out, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    gs_buf_putc(out, '"');
    size_t i = 0;
    while (i < n) {
        unsigned char c = p[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            size_t start = i;
            while (i < n && p[i] >= 0x20 && p[i] < 0x80 && p[i] != '"' && p[i] != '\\')
                i++;
            gs_buf_append(out, s + start, i - start);
            continue;
        }
        switch (c) {
        case '"': gs_buf_puts(out, "\\\""); i++; continue;
        case '\\': gs_buf_puts(out, "\\\\"); i++; continue;
        case '\n': gs_buf_puts(out, "\\n"); i++; continue;
        case '\r': gs_buf_puts(out, "\\r"); i++; continue;
        case '\t': gs_buf_puts(out, "\\t"); i++; continue;
        default: break;
        }
        if (c < 0x20) {
            gs_buf_printf(out, "\\u%04x", c);
            i++;
            continue;
        }
        size_t len = utf8_seq_len(p + i, n - i);
        if (len == 0) {
            gs_buf_puts(out, "\xef\xbf\xbd");
            i++;
        } else {
            gs_buf_append(out, s + i, len);
            i += len;
        }
    }
    gs_buf_putc(out, '"');
}

void gs_json_string(gs_json *j, const char *s)
{
    if (s == NULL) {
        gs_json_null(j);
        return;
    }
    gs_json_string_n(j, s, strlen(s));
}

void gs_json_string_n(gs_json *j, const char *s, size_t n)
{
    json_before_value(j);
    gs_json_escape(j->out, s, n);
}

/* Appends the decimal digits of |v|, with a '-' when |negative|. A report holds a histogram of a
 * few thousand numbers; printf's machinery cost ten times this per number. */
static void json_put_decimal(gs_buf *out, uint64_t v, bool negative)
{
    char tmp[21];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    if (negative)
        tmp[--i] = '-';
    gs_buf_append(out, tmp + i, sizeof tmp - i);
}

void gs_json_int(gs_json *j, int64_t v)
{
    json_before_value(j);
    /* the magnitude as unsigned: -INT64_MIN does not fit an int64_t */
    json_put_decimal(j->out, v < 0 ? 0u - (uint64_t)v : (uint64_t)v, v < 0);
}

void gs_json_uint(gs_json *j, uint64_t v)
{
    json_before_value(j);
    json_put_decimal(j->out, v, false);
}

void gs_json_double(gs_json *j, double v)
{
    json_before_value(j);
    if (!isfinite(v)) {
        gs_buf_puts(j->out, "null");
        return;
    }
    if (v == (double)(int64_t)v && fabs(v) < 1e15) {
        gs_buf_printf(j->out, "%" PRId64, (int64_t)v);
        return;
    }
    /* The shortest precision that reads back as the same double. */
    char tmp[64];
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    gs_buf_puts(j->out, tmp);
}

void gs_json_bool(gs_json *j, bool v)
{
    json_before_value(j);
    gs_buf_puts(j->out, v ? "true" : "false");
}

void gs_json_null(gs_json *j)
{
    json_before_value(j);
    gs_buf_puts(j->out, "null");
}

void gs_json_raw(gs_json *j, const char *raw)
{
    json_before_value(j);
    gs_buf_puts(j->out, raw);
}
