/* SPDX-License-Identifier: MIT */
/* Gateway API path modifiers and target splitting (docs/semantics.md, Paths). */
#include "gs_gw_path.h"

#include "gs_alloc.h"
#include "gs_buf.h"

#include <stdlib.h>
#include <string.h>

size_t gs_gw_path_strip_tail_len(const char *prefix)
{
    size_t n = strlen(prefix);
    while (n > 0 && prefix[n - 1] == '/')
        n--;
    return n;
}

char *gs_gw_path_replace_prefix(const char *path, size_t path_len, const char *prefix,
                                const char *replacement)
{
    size_t p = gs_gw_path_strip_tail_len(prefix);
    if (p > path_len)
        p = path_len; /* not a match; keep going defensively */
    size_t r = gs_gw_path_strip_tail_len(replacement);
    gs_buf b = {0};
    gs_buf_append(&b, replacement, r);
    gs_buf_append(&b, path + p, path_len - p);
    if (b.len == 0)
        gs_buf_putc(&b, '/');
    else if (b.data[0] != '/') {
        /* A replacement without a leading slash is invalid config; still send a valid path. */
        char *s = gs_buf_take(&b);
        char *out = gs_xasprintf("/%s", s);
        free(s);
        return out;
    }
    return gs_buf_take(&b);
}

char *gs_gw_path_apply(const gs_gw_path_mod *mod, const char *path, size_t path_len,
                       const char *matched_prefix)
{
    switch (mod->type) {
    case GS_GW_PATH_MOD_FULL:
        /* The API server admits any value up to 1024 bytes: "" is served as "/" and a value
         * without a leading '/' gets one ("foo" -> "/foo"), so the request line stays valid. */
        if (mod->value == NULL || mod->value[0] != '/')
            return gs_xasprintf("/%s", mod->value ? mod->value : "");
        return gs_xstrdup(mod->value);
    case GS_GW_PATH_MOD_PREFIX:
        return gs_gw_path_replace_prefix(path, path_len, matched_prefix ? matched_prefix : "/",
                                         mod->value ? mod->value : "");
    case GS_GW_PATH_MOD_NONE:
    default:
        return gs_xstrndup(path, path_len);
    }
}

size_t gs_gw_path_split(const char *target, const char **query)
{
    const char *q = strchr(target, '?');
    if (q == NULL) {
        *query = NULL;
        return strlen(target);
    }
    *query = q + 1;
    return (size_t)(q - target);
}

size_t gs_gw_host_len(const char *authority)
{
    if (authority[0] == '[') {
        const char *end = strchr(authority, ']');
        return end ? (size_t)(end - authority) + 1 : strlen(authority);
    }
    const char *colon = strrchr(authority, ':');
    return colon ? (size_t)(colon - authority) : strlen(authority);
}
