/* SPDX-License-Identifier: MIT */
/* An ordered list of HTTP header fields, the gateway's protocol-neutral view of a request's or a
 * response's headers (HTTP/1.1 and HTTP/2 both read into and write from it). Names compare
 * case-insensitively; order and repeats are kept. Knows nothing of sockets or of Gateway API. */
#ifndef GS_GW_HEADERS_H
#define GS_GW_HEADERS_H

#include <stdbool.h>
#include <stddef.h>

/* One field: |name| and |value| point into the list's arena, next to each other
 * ("name\0value\0"). Borrowed: valid until the list gains a field (the arena may move) or is
 * cleared. */
typedef struct gs_gw_header {
    char *name;  /* NUL-terminated, case as received */
    char *value; /* NUL-terminated */
    size_t name_len;
    size_t value_len;
} gs_gw_header;

/* The bytes of every field live in one arena per list, so a message's fields cost two
 * allocations (items + arena) rather than one per field: the proxy path copies every field of
 * every message. Removed fields leave their bytes in the arena until the list is cleared. */
typedef struct gs_gw_headers {
    gs_gw_header *items; /* owned; a zeroed gs_gw_headers is an empty list */
    size_t len;
    size_t cap;
    size_t bytes; /* sum of name_len + value_len, for size limits */
    char *arena;  /* owned */
    size_t arena_len;
    size_t arena_cap;
} gs_gw_headers;

/* Appends a field (copies both). */
void gs_gw_headers_add(gs_gw_headers *h, const char *name, const char *value);
void gs_gw_headers_add_n(gs_gw_headers *h, const char *name, size_t name_len, const char *value,
                         size_t value_len);
/* Replaces every field named |name| by one field with |value| at the place of the first one
 * (appended when there was none). */
void gs_gw_headers_set(gs_gw_headers *h, const char *name, const char *value);
/* Removes every field named |name|; returns how many were removed. */
size_t gs_gw_headers_remove(gs_gw_headers *h, const char *name);
size_t gs_gw_headers_remove_n(gs_gw_headers *h, const char *name, size_t name_len);
/* Removes, in one pass, every field for which |drop| returns true; returns how many. */
size_t gs_gw_headers_remove_if(gs_gw_headers *h, bool (*drop)(const gs_gw_header *f, void *arg),
                               void *arg);
/* The value of the first field named |name|, or NULL. Borrowed until |h| changes (adding or
 * setting a field may move every value; a value passed back to add or set is safe). */
const char *gs_gw_headers_get(const gs_gw_headers *h, const char *name);
/* How many fields are named |name|. */
size_t gs_gw_headers_count(const gs_gw_headers *h, const char *name);
/* All values of |name| joined with "," (RFC 9110 list combination), or NULL when absent.
 * The caller frees the result. */
char *gs_gw_headers_join(const gs_gw_headers *h, const char *name);
/* True when some value of |name|, split at commas and trimmed, equals |token| ignoring case. */
bool gs_gw_headers_has_token(const gs_gw_headers *h, const char *name, const char *token);
/* Deep copy of |src| into |dst| (which must be empty or zeroed). */
void gs_gw_headers_copy(gs_gw_headers *dst, const gs_gw_headers *src);
void gs_gw_headers_reset(gs_gw_headers *h);
void gs_gw_headers_clear(gs_gw_headers *h);

/* ASCII case-insensitive equality of two NUL-terminated names. */
bool gs_gw_name_eq(const char *a, const char *b);

/* True when the |n| bytes at |a| are the name |b| (|len| bytes), any ASCII case. Compares
 * lengths first: most names are rejected without touching their bytes. */
static inline bool gs_gw_name_is(const char *a, size_t n, const char *b, size_t len)
{
    if (n != len)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        unsigned char lx = x | 0x20; /* lower case, when x is a letter */
        if (x != y && (lx != (y | 0x20) || lx < 'a' || lx > 'z'))
            return false;
    }
    return true;
}

/* True when field |f| is named |name| (|len| bytes, any case). */
static inline bool gs_gw_header_is(const gs_gw_header *f, const char *name, size_t len)
{
    return gs_gw_name_is(f->name, f->name_len, name, len);
}

/* gs_gw_header_is with a string literal. */
#define GS_GW_HEADER_IS(f, lit) gs_gw_header_is((f), (lit), sizeof(lit) - 1)

#endif
