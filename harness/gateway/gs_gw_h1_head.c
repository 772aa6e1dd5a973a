/* SPDX-License-Identifier: MIT */
/* HTTP/1.1 head writer over evbuffer_reserve_space / evbuffer_commit_space. */
#include "gs_gw_h1_head.h"

#include "gs_http_status.h"

#include <stdlib.h>
#include <string.h>

static void head_reserve(gs_gw_h1_head *w, size_t n)
{
    if (evbuffer_reserve_space(w->out, (ev_ssize_t)n, &w->vec, 1) < 1)
        abort(); /* out of memory, as gs_xmalloc */
    w->p = w->vec.iov_base;
}

void gs_gw_h1_head_begin(gs_gw_h1_head *w, struct evbuffer *out, size_t expect)
{
    w->out = out;
    head_reserve(w, expect);
}

size_t gs_gw_h1_head_expect(const gs_gw_headers *h, size_t extra)
{
    return h->bytes + 4 * h->len + extra;
}

void gs_gw_h1_head_end(gs_gw_h1_head *w)
{
    w->vec.iov_len = (size_t)(w->p - (char *)w->vec.iov_base);
    evbuffer_commit_space(w->out, &w->vec, 1);
    w->p = NULL;
}

/* Makes sure |n| more bytes fit: commits and reserves again when they do not. */
static void head_room(gs_gw_h1_head *w, size_t n)
{
    size_t used = (size_t)(w->p - (char *)w->vec.iov_base);
    if (w->vec.iov_len - used >= n)
        return;
    gs_gw_h1_head_end(w);
    head_reserve(w, n < 512 ? 512 : n);
}

void gs_gw_h1_head_put(gs_gw_h1_head *w, const char *s, size_t n)
{
    head_room(w, n);
    memcpy(w->p, s, n);
    w->p += n;
}

void gs_gw_h1_head_field(gs_gw_h1_head *w, const char *name, size_t name_len, const char *value,
                         size_t value_len)
{
    head_room(w, name_len + value_len + 4);
    char *p = w->p;
    memcpy(p, name, name_len);
    p += name_len;
    *p++ = ':';
    *p++ = ' ';
    memcpy(p, value, value_len);
    p += value_len;
    *p++ = '\r';
    *p++ = '\n';
    w->p = p;
}

void gs_gw_h1_head_uint(gs_gw_h1_head *w, uint64_t v, bool hex)
{
    char tmp[20];
    size_t n = 0;
    unsigned base = hex ? 16 : 10;
    do {
        tmp[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    head_room(w, n);
    while (n)
        *w->p++ = tmp[--n];
}

void gs_gw_h1_head_status(gs_gw_h1_head *w, int status)
{
    if (status < 100 || status > 999)
        status = 502; /* never a malformed status line */
    const char *reason = gs_http_reason(status);
    size_t rlen = strlen(reason);
    head_room(w, 9 + 3 + 1 + rlen + 2);
    memcpy(w->p, "HTTP/1.1 ", 9);
    w->p += 9;
    *w->p++ = (char)('0' + status / 100);
    *w->p++ = (char)('0' + status / 10 % 10);
    *w->p++ = (char)('0' + status % 10);
    *w->p++ = ' ';
    memcpy(w->p, reason, rlen);
    w->p += rlen;
    *w->p++ = '\r';
    *w->p++ = '\n';
}
