/* SPDX-License-Identifier: MIT */
/* Escaping for the report writers (gs_report_text.h): what is written as text is never
 * interpreted as markup by the reader. No report structure here. */
#include "gs_report_text.h"

#include <math.h>
#include <stdint.h>

#define TEXT_REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */

/* Length of the valid UTF-8 sequence at |s| (1..4), or 0 when the bytes there are invalid. */
static size_t text_utf8_len(const unsigned char *s)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0; /* also stops at the terminating NUL */
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF)
        return 0;
    return n;
}

/* What an escaper writes instead of the ASCII byte |c|, or NULL to keep it. */
typedef const char *text_subst_fn(unsigned char c, int arg);

/* Copies |s| to |b|, replacing each ASCII byte |subst| names and each byte that does not start
 * a valid UTF-8 sequence (U+FFFD); valid sequences are copied as they are. */
static void text_escape(gs_buf *b, const char *s, text_subst_fn *subst, int arg)
{
    const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
    while (*p != '\0') {
        const char *rep = *p < 0x80 ? subst(*p, arg) : NULL;
        size_t n = rep != NULL ? 0 : text_utf8_len(p);
        if (rep != NULL || n == 0) {
            gs_buf_puts(b, rep != NULL ? rep : TEXT_REPLACEMENT);
            p++;
            continue;
        }
        gs_buf_append(b, p, n);
        p += n;
    }
}

static const char *text_xml_subst(unsigned char c, int newline_refs)
{
    switch (c) {
    case '&':
        return "&amp;";
    case '<':
        return "&lt;";
    case '>':
        return "&gt;";
    case '"':
        return "&quot;";
    case '\'':
        return "&#39;";
    case '\n':
        return newline_refs ? "&#10;" : NULL;
    case '\r':
        return newline_refs ? "&#13;" : NULL;
    case '\t':
        return newline_refs ? "&#9;" : NULL;
    default:
        return c < 0x20 || c == 0x7F ? TEXT_REPLACEMENT : NULL;
    }
}

void gs_report_escape_xml(gs_buf *b, const char *s, int newline_refs)
{
    text_escape(b, s, text_xml_subst, newline_refs);
}

static const char *text_md_subst(unsigned char c, int unused)
{
    (void)unused;
    switch (c) {
    case '|':
        return "\\|";
    case '`':
        return "\\`";
    case '\\':
        return "\\\\";
    case '*':
        return "\\*";
    case '_':
        return "\\_";
    case '[':
        return "\\[";
    case ']':
        return "\\]";
    case '<':
        return "&lt;";
    case '>':
        return "&gt;";
    case '&':
        return "&amp;";
    case '\n':
        return "<br>";
    case '\r':
        return "";
    default:
        return c < 0x20 ? TEXT_REPLACEMENT : NULL;
    }
}

void gs_report_escape_md(gs_buf *b, const char *s)
{
    text_escape(b, s, text_md_subst, 0);
}

int gs_report_plain(gs_buf *b, const char *s, size_t max)
{
    const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
    const unsigned char *start = p;
    while (*p != '\0') {
        unsigned char c = *p;
        size_t n =
            (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F ? 0 : text_utf8_len(p);
        size_t step = n == 0 ? 1 : n;
        if ((size_t)(p - start) + step > max)
            return 1;
        if (c == '\r')
            ;
        else if (n == 0)
            gs_buf_puts(b, TEXT_REPLACEMENT);
        else
            gs_buf_append(b, p, n);
        p += step;
    }
    return 0;
}

void gs_report_percent(gs_buf *b, double share)
{
    if (isnan(share))
        gs_buf_puts(b, "n/a");
    else
        gs_buf_printf(b, "%.1f%%", share * 100.0);
}

void gs_report_step_send(gs_buf *b, const gs_results_send *s)
{
    if (s->protocol == NULL)
        return;
    gs_buf_printf(b, "%s, %u connection%s", s->protocol, s->connections,
                  s->connections == 1 ? "" : "s");
    if (s->streams > 1)
        gs_buf_printf(b, ", %u streams each", s->streams);
    if (s->new_connection_per_request)
        gs_buf_puts(b, ", a new connection per request");
}

void gs_report_latency(gs_buf *b, const gs_results_latency *l)
{
    gs_buf_printf(b, "p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms", l->p50,
                  l->p90, l->p99, l->p999, l->max);
}

void gs_report_target_stats(gs_buf *b, const gs_results_counts *c)
{
    bool first = true;
    for (size_t i = 0; i < c->len; i++) {
        if (c->items[i].count == 0)
            continue;
        gs_buf_printf(b, "%s%s %llu", first ? "" : ", ", c->items[i].name,
                      (unsigned long long)c->items[i].count);
        first = false;
    }
}
