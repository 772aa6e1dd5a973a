/* SPDX-License-Identifier: MIT */
/* Allocate-or-die wrappers. */
#include "gs_alloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Noreturn void alloc_fail(size_t size)
{
    fprintf(stderr, "gatesim: out of memory (allocating %zu bytes)\n", size);
    abort();
}

void *gs_xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (p == NULL)
        alloc_fail(size);
    return p;
}

/* Small blocks are malloc + memset: glibc's calloc bypasses the per-thread cache (tcache) and
 * costs several times a cached malloc, which matters for per-request objects. Large ones keep
 * calloc, which gets zeroed pages from the kernel without touching them. */
#define ALLOC_CALLOC_SMALL 1024

void *gs_xcalloc(size_t n, size_t size)
{
    if (n == 0)
        n = 1;
    if (size == 0)
        size = 1;
    if (size > SIZE_MAX / n)
        alloc_fail(SIZE_MAX);
    size_t total = n * size;
    if (total <= ALLOC_CALLOC_SMALL) {
        void *p = malloc(total);
        if (p == NULL)
            alloc_fail(total);
        return memset(p, 0, total);
    }
    void *p = calloc(n, size);
    if (p == NULL)
        alloc_fail(total);
    return p;
}

void *gs_xrealloc(void *p, size_t size)
{
    void *q = realloc(p, size ? size : 1);
    if (q == NULL)
        alloc_fail(size);
    return q;
}

char *gs_xstrdup(const char *s)
{
    return gs_xstrndup(s, strlen(s));
}

char *gs_xstrndup(const char *s, size_t n)
{
    char *p = gs_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *gs_xvasprintf(const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    if (n < 0)
        alloc_fail(0);
    char *p = gs_xmalloc((size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, again);
    va_end(again);
    return p;
}

char *gs_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = gs_xvasprintf(fmt, ap);
    va_end(ap);
    return p;
}

void gs_xgrow(void **items, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return;
    size_t ncap = *cap ? *cap : 4;
    while (ncap < need)
        ncap *= 2;
    *items = gs_xrealloc(*items, ncap * size);
    *cap = ncap;
}
