/* SPDX-License-Identifier: MIT */
/* Ordered header field list with case-insensitive names. Pure data structure, no I/O. */
#include "gs_gw_headers.h"

#include "gs_alloc.h"
#include "gs_buf.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool gs_gw_name_eq(const char *a, const char *b)
{
    return strcasecmp(a, b) == 0;
}

void gs_gw_headers_add_n(gs_gw_headers *h, const char *name, size_t name_len, const char *value,
                         size_t value_len)
{
    gs_xgrow((void **)&h->items, &h->cap, h->len + 1, sizeof(h->items[0]));
    gs_gw_header *f = &h->items[h->len++];
    f->name = gs_xstrndup(name, name_len);
    f->value = gs_xstrndup(value, value_len);
    f->name_len = name_len;
    f->value_len = value_len;
    h->bytes += name_len + value_len;
}

void gs_gw_headers_add(gs_gw_headers *h, const char *name, const char *value)
{
    gs_gw_headers_add_n(h, name, strlen(name), value, strlen(value));
}

static void headers_drop(gs_gw_headers *h, size_t i)
{
    h->bytes -= h->items[i].name_len + h->items[i].value_len;
    free(h->items[i].name);
    free(h->items[i].value);
    memmove(&h->items[i], &h->items[i + 1], (h->len - i - 1) * sizeof(h->items[0]));
    h->len--;
}

void gs_gw_headers_set(gs_gw_headers *h, const char *name, const char *value)
{
    size_t first = h->len;
    for (size_t i = 0; i < h->len;) {
        if (!gs_gw_name_eq(h->items[i].name, name)) {
            i++;
        } else if (first == h->len) {
            first = i;
            gs_gw_header *f = &h->items[i];
            size_t n = strlen(value);
            h->bytes = h->bytes - f->value_len + n;
            free(f->value);
            f->value = gs_xstrdup(value);
            f->value_len = n;
            i++;
        } else {
            headers_drop(h, i);
        }
    }
    if (first == h->len)
        gs_gw_headers_add(h, name, value);
}

size_t gs_gw_headers_remove(gs_gw_headers *h, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < h->len;) {
        if (gs_gw_name_eq(h->items[i].name, name)) {
            headers_drop(h, i);
            n++;
        } else {
            i++;
        }
    }
    return n;
}

const char *gs_gw_headers_get(const gs_gw_headers *h, const char *name)
{
    for (size_t i = 0; i < h->len; i++)
        if (gs_gw_name_eq(h->items[i].name, name))
            return h->items[i].value;
    return NULL;
}

size_t gs_gw_headers_count(const gs_gw_headers *h, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < h->len; i++)
        n += gs_gw_name_eq(h->items[i].name, name);
    return n;
}

char *gs_gw_headers_join(const gs_gw_headers *h, const char *name)
{
    gs_buf b = {0};
    bool any = false;
    for (size_t i = 0; i < h->len; i++) {
        if (!gs_gw_name_eq(h->items[i].name, name))
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

static bool headers_value_has_token(const char *v, const char *token)
{
    size_t tl = strlen(token);
    while (*v) {
        while (*v == ' ' || *v == '\t' || *v == ',')
            v++;
        const char *start = v;
        while (*v && *v != ',')
            v++;
        const char *end = v;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        if ((size_t)(end - start) == tl && strncasecmp(start, token, tl) == 0)
            return true;
    }
    return false;
}

bool gs_gw_headers_has_token(const gs_gw_headers *h, const char *name, const char *token)
{
    for (size_t i = 0; i < h->len; i++)
        if (gs_gw_name_eq(h->items[i].name, name) &&
            headers_value_has_token(h->items[i].value, token))
            return true;
    return false;
}

void gs_gw_headers_copy(gs_gw_headers *dst, const gs_gw_headers *src)
{
    for (size_t i = 0; i < src->len; i++)
        gs_gw_headers_add_n(dst, src->items[i].name, src->items[i].name_len, src->items[i].value,
                            src->items[i].value_len);
}

void gs_gw_headers_clear(gs_gw_headers *h)
{
    for (size_t i = 0; i < h->len; i++) {
        free(h->items[i].name);
        free(h->items[i].value);
    }
    h->len = 0;
    h->bytes = 0;
}

void gs_gw_headers_free(gs_gw_headers *h)
{
    if (h == NULL)
        return;
    gs_gw_headers_clear(h);
    free(h->items);
    h->items = NULL;
    h->cap = 0;
}
