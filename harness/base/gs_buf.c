/* SPDX-License-Identifier: MIT */
/* Growable byte buffer. */
#include "gs_buf.h"

#include "gs_alloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *gs_buf_reserve(gs_buf *b, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t ncap = b->cap ? b->cap : 64;
        while (ncap < b->len + n + 1)
            ncap *= 2;
        b->data = gs_xrealloc(b->data, ncap);
        b->cap = ncap;
    }
    return b->data + b->len;
}

void gs_buf_append(gs_buf *b, const void *p, size_t n)
{
    char *dst = gs_buf_reserve(b, n);
    if (n)
        memcpy(dst, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void gs_buf_puts(gs_buf *b, const char *s)
{
    gs_buf_append(b, s, strlen(s));
}

void gs_buf_putc(gs_buf *b, char c)
{
    gs_buf_append(b, &c, 1);
}

void gs_buf_printf(gs_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[256];
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof(tmp)) {
        gs_buf_append(b, tmp, (size_t)n);
        return;
    }
    char *dst = gs_buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(dst, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void gs_buf_reset(gs_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

char *gs_buf_take(gs_buf *b)
{
    char *s = b->data ? b->data : gs_xstrdup("");
    *b = (gs_buf){0};
    return s;
}

void gs_buf_clear(gs_buf *b)
{
    if (b == NULL)
        return;
    free(b->data);
    *b = (gs_buf){0};
}

int gs_buf_read_file(gs_buf *b, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        gs_buf_append(b, chunk, n);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        errno = EIO;
        return -1;
    }
    return 0;
}
