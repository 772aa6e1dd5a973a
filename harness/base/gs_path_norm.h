/* SPDX-License-Identifier: MIT */
/* Request-path normalisation, the one place where a request's path is turned into the path that
 * routes match and backends see (policy and reasons: docs/gateway.md, "Request targets"). Pure:
 * bytes in, a normalised copy or a reason to answer 400. Percent-encoded unreserved characters
 * are decoded (%2e is '.'), other escapes are kept with upper-case hex, %2F / %5C / %00, a raw
 * '\', '#' and control bytes are refused, repeated slashes merge and dot-segments are resolved
 * (RFC 3986 §6.2.2 and §5.2.4; ".." at the root stays at the root). The query is kept as sent. */
#ifndef GS_PATH_NORM_H
#define GS_PATH_NORM_H

#include "gs_buf.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum gs_path_norm_error {
    GS_PATH_NORM_OK = 0,
    GS_PATH_NORM_NOT_ABSOLUTE,  /* the path does not start with '/' */
    GS_PATH_NORM_BAD_ESCAPE,    /* '%' not followed by two hex digits, or %00 */
    GS_PATH_NORM_ENCODED_SLASH, /* %2F or %5C: a separator the backend may or may not see */
    GS_PATH_NORM_BACKSLASH,     /* a raw '\' (not a URI character; some servers split on it) */
    GS_PATH_NORM_FRAGMENT,      /* '#': a fragment is never part of a request target */
    GS_PATH_NORM_BAD_CHAR,      /* a control byte, space or DEL */
} gs_path_norm_error;

/* Normalises the path |path| (|len| bytes, no query). Appends the result (which starts with '/')
 * to |out| on success; on an error |out| may hold a partial result. The result is a fixed point:
 * normalising it again gives it back. */
gs_path_norm_error gs_path_norm_path(const char *path, size_t len, gs_buf *out);

/* Normalises an origin-form request target ("/a/../b?x=1"): the path as above, then the query
 * ('?' and what follows) verbatim, which may hold neither '#' nor control bytes. */
gs_path_norm_error gs_path_norm_target(const char *target, size_t len, gs_buf *out);

/* gs_path_norm_target for the path-and-query of an absolute URI ("http://h/a?q" gives "/a?q"):
 * an empty one, or one that is only a query, is rooted at "/" (RFC 9112 §3.2.2). */
gs_path_norm_error gs_path_norm_uri_path(const char *path, size_t len, gs_buf *out);

/* A short reason for a 400 answer or a report ("encoded slash (%2F or %5C) in path"). */
const char *gs_path_norm_error_str(gs_path_norm_error e);

#endif
