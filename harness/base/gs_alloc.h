/* SPDX-License-Identifier: MIT */
/* Allocation that aborts with a message when memory runs out: gatesim is a tool, and every
 * caller would do the same. Use these for our own small allocations. */
#ifndef GS_ALLOC_H
#define GS_ALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *gs_xmalloc(size_t size) __attribute__((malloc, returns_nonnull));
void *gs_xcalloc(size_t n, size_t size) __attribute__((malloc, returns_nonnull));
void *gs_xrealloc(void *p, size_t size) __attribute__((returns_nonnull));
char *gs_xstrdup(const char *s) __attribute__((malloc, returns_nonnull));
char *gs_xstrndup(const char *s, size_t n) __attribute__((malloc, returns_nonnull));
char *gs_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2), returns_nonnull));
char *gs_xvasprintf(const char *fmt, va_list ap)
    __attribute__((format(printf, 1, 0), returns_nonnull));

/* Grows |*items| (of |*cap| elements of |size| bytes) to hold at least |need| elements. */
void gs_xgrow(void **items, size_t *cap, size_t need, size_t size);

#define GS_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
