/* SPDX-License-Identifier: MIT */
/* Ordered header field list with case-insensitive names. Pure data structure, no I/O. */
#include "gs_gw_headers.h"

#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_h1.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool gs_gw_name_eq(const char *a, const char *b)
{
    return strcasecmp(a, b) == 0;
}

/* True, with the offset, when |p| points into the |len| bytes at |from|. */
static bool headers_in(const char *p, const char *from, size_t len, size_t *off)
{
    uintptr_t u = (uintptr_t)p, f = (uintptr_t)from;
    if (from == NULL || u < f || u >= f + len)
        return false;
    *off = (size_t)(u - f);
    return true;
}

/* Appends "name\0value\0" to the arena and points |f| at it. The arena may move: every field's
 * pointers follow, and so do |name| and |value| when they point into it (a value copied from
 * another field of the same list). */
static void headers_fill(gs_gw_headers *h, gs_gw_header *f, const char *name, size_t name_len,
                         const char *value, size_t value_len)
{
    size_t need = name_len + value_len + 2;
    if (h->arena_len + need > h->arena_cap) {
        size_t cap = h->arena_cap ? h->arena_cap : 256;
        while (cap < h->arena_len + need)
            cap *= 2;
        char *old = h->arena, *a = gs_xmalloc(cap);
        if (h->arena_len)
            memcpy(a, old, h->arena_len);
        size_t off;
        for (size_t i = 0; i < h->len; i++) {
            if (headers_in(h->items[i].name, old, h->arena_cap, &off))
                h->items[i].name = a + off;
            if (headers_in(h->items[i].value, old, h->arena_cap, &off))
                h->items[i].value = a + off;
        }
        if (headers_in(name, old, h->arena_cap, &off))
            name = a + off;
        if (headers_in(value, old, h->arena_cap, &off))
            value = a + off;
        h->arena = a;
        h->arena_cap = cap;
        free(old);
    }
    char *block = h->arena + h->arena_len;
    memcpy(block, name, name_len);
    block[name_len] = '\0';
    memcpy(block + name_len + 1, value, value_len);
    block[name_len + 1 + value_len] = '\0';
    h->arena_len += need;
    f->name = block;
    f->value = block + name_len + 1;
    f->name_len = name_len;
    f->value_len = value_len;
}

void gs_gw_headers_add_n(gs_gw_headers *h, const char *name, size_t name_len, const char *value,
                         size_t value_len)
{
    if (h->len == h->cap)
        gs_xgrow((void **)&h->items, &h->cap, h->len + 1, sizeof(h->items[0]));
    gs_gw_header *f = &h->items[h->len];
    f->name = f->value = NULL; /* not a field yet: nothing to rebase */
    headers_fill(h, f, name, name_len, value, value_len);
    h->len++;
    h->bytes += name_len + value_len;
}

void gs_gw_headers_add(gs_gw_headers *h, const char *name, const char *value)
{
    gs_gw_headers_add_n(h, name, strlen(name), value, strlen(value));
}

void gs_gw_headers_set(gs_gw_headers *h, const char *name, const char *value)
{
    size_t name_len = strlen(name), value_len = strlen(value);
    bool found = false;
    size_t out = 0;
    for (size_t i = 0; i < h->len; i++) {
        gs_gw_header *f = &h->items[i];
        if (!gs_gw_header_is(f, name, name_len)) {
            h->items[out++] = *f;
            continue;
        }
        h->bytes -= f->name_len + f->value_len;
        if (!found) { /* the first one keeps its place (and its name's case) */
            found = true;
            gs_gw_header kept = *f;
            h->items[out] = kept;
            headers_fill(h, &h->items[out], kept.name, kept.name_len, value, value_len);
            h->bytes += name_len + value_len;
            out++;
        }
    }
    h->len = out;
    if (!found)
        gs_gw_headers_add_n(h, name, name_len, value, value_len);
}

size_t gs_gw_headers_remove_if(gs_gw_headers *h, bool (*drop)(const gs_gw_header *f, void *arg),
                               void *arg)
{
    size_t out = 0;
    for (size_t i = 0; i < h->len; i++) {
        gs_gw_header *f = &h->items[i];
        if (drop(f, arg)) {
            h->bytes -= f->name_len + f->value_len; /* its bytes stay in the arena until clear */
        } else {
            h->items[out++] = *f;
        }
    }
    size_t n = h->len - out;
    h->len = out;
    return n;
}

typedef struct headers_name {
    const char *name;
    size_t len;
} headers_name;

static bool headers_drop_named(const gs_gw_header *f, void *arg)
{
    const headers_name *n = arg;
    return gs_gw_header_is(f, n->name, n->len);
}

size_t gs_gw_headers_remove_n(gs_gw_headers *h, const char *name, size_t name_len)
{
    headers_name n = {name, name_len};
    return gs_gw_headers_remove_if(h, headers_drop_named, &n);
}

size_t gs_gw_headers_remove(gs_gw_headers *h, const char *name)
{
    return gs_gw_headers_remove_n(h, name, strlen(name));
}

const char *gs_gw_headers_get(const gs_gw_headers *h, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < h->len; i++)
        if (gs_gw_header_is(&h->items[i], name, len))
            return h->items[i].value;
    return NULL;
}

size_t gs_gw_headers_count(const gs_gw_headers *h, const char *name)
{
    size_t len = strlen(name), n = 0;
    for (size_t i = 0; i < h->len; i++)
        n += gs_gw_header_is(&h->items[i], name, len);
    return n;
}

char *gs_gw_headers_join(const gs_gw_headers *h, const char *name)
{
    gs_buf b = {0};
    bool any = false;
    size_t len = strlen(name);
    for (size_t i = 0; i < h->len; i++) {
        if (!gs_gw_header_is(&h->items[i], name, len))
            continue;
        if (any)
            gs_buf_putc(&b, ',');
        gs_buf_append(&b, h->items[i].value, h->items[i].value_len);
        any = true;
    }
    if (!any)
        return NULL;
    return gs_buf_take(&b);
}

bool gs_gw_headers_has_token(const gs_gw_headers *h, const char *name, const char *token)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < h->len; i++)
        if (gs_gw_header_is(&h->items[i], name, len) &&
            gs_h1_token_list_has(h->items[i].value, h->items[i].value_len, token))
            return true;
    return false;
}

void gs_gw_headers_copy(gs_gw_headers *dst, const gs_gw_headers *src)
{
    for (size_t i = 0; i < src->len; i++)
        gs_gw_headers_add_n(dst, src->items[i].name, src->items[i].name_len, src->items[i].value,
                            src->items[i].value_len);
}

void gs_gw_headers_reset(gs_gw_headers *h)
{
    h->len = 0;
    h->bytes = 0;
    h->arena_len = 0;
}

void gs_gw_headers_clear(gs_gw_headers *h)
{
    if (h == NULL)
        return;
    free(h->items);
    free(h->arena);
    memset(h, 0, sizeof(*h));
}
