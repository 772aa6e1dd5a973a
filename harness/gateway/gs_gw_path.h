/* SPDX-License-Identifier: MIT */
/* Path and authority arithmetic of Gateway API (docs/semantics.md, Paths): the prefix "strip tail"
 * helper, ReplacePrefixMatch / ReplaceFullPath (HTTPPathModifier), splitting a request target into
 * path and query, and taking the port off a Host value. Pure string functions. */
#ifndef GS_GW_PATH_H
#define GS_GW_PATH_H

#include <stdbool.h>
#include <stddef.h>

typedef enum gs_gw_path_mod_type {
    GS_GW_PATH_MOD_NONE = 0,
    GS_GW_PATH_MOD_FULL,   /* ReplaceFullPath */
    GS_GW_PATH_MOD_PREFIX, /* ReplacePrefixMatch */
} gs_gw_path_mod_type;

typedef struct gs_gw_path_mod {
    gs_gw_path_mod_type type;
    const char *value; /* borrowed; the replacement (full path or prefix) */
} gs_gw_path_mod;

/* Length of |prefix| without its trailing slashes ("/" counts as 0 characters). */
size_t gs_gw_path_strip_tail_len(const char *prefix);

/* ReplacePrefixMatch (docs/semantics.md, Paths): |path| (|path_len| bytes, no query) matched the
 * PathPrefix |prefix|; returns a new string with that prefix replaced by |replacement|. The caller
 * frees it. */
char *gs_gw_path_replace_prefix(const char *path, size_t path_len, const char *prefix,
                                const char *replacement);

/* Applies |mod| to |path| (no query). |matched_prefix| is the PathPrefix the rule matched with
 * (may be NULL when the mod is not a prefix replacement; then "/" is assumed). Returns a new
 * string (a copy of |path| for GS_GW_PATH_MOD_NONE). Replacements the API server admits but
 * that are not absolute paths are served with a leading '/': ReplaceFullPath "" is "/", "foo"
 * is "/foo"; ReplacePrefixMatch "foo" replaces the prefix with "/foo". */
char *gs_gw_path_apply(const gs_gw_path_mod *mod, const char *path, size_t path_len,
                       const char *matched_prefix);

/* Splits a request target ("/a/b?x=1") into the length of its path part; |*query| points at the
 * byte after '?' or is NULL when there is no query. */
size_t gs_gw_path_split(const char *target, const char **query);

/* Length of the host part of an authority ("example.com:8080" -> 11, "[::1]:80" -> 5). */
size_t gs_gw_host_len(const char *authority);

#endif
