/* SPDX-License-Identifier: MIT */
/* A growable byte buffer, always NUL-terminated after |len| bytes so it can be used as a string.
 * The buffer owns |data|; gs_buf_clear releases it. A zeroed gs_buf is an empty buffer. */
#ifndef GS_BUF_H
#define GS_BUF_H

#include <stddef.h>

typedef struct gs_buf {
    char *data; /* NULL until the first append; then data[len] == '\0' */
    size_t len;
    size_t cap;
} gs_buf;

void gs_buf_append(gs_buf *b, const void *p, size_t n);
void gs_buf_puts(gs_buf *b, const char *s);
void gs_buf_putc(gs_buf *b, char c);
void gs_buf_printf(gs_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Makes room for |n| more bytes and returns where they go; the caller then adds to |len|. */
char *gs_buf_reserve(gs_buf *b, size_t n);
void gs_buf_reset(gs_buf *b);
/* Gives the caller the string (never NULL) and leaves |b| empty. */
char *gs_buf_take(gs_buf *b);
void gs_buf_clear(gs_buf *b);
/* Appends the whole contents of the file at |path|. Returns 0, or -1 with errno set when it
 * cannot be opened or read (what was read stays appended). */
int gs_buf_read_file(gs_buf *b, const char *path);

#endif
