/* SPDX-License-Identifier: MIT */
/* Request-path normalisation in one pass over the bytes: each segment is decoded into |out| as
 * it is read and judged when its '/' (or the end) comes: an empty segment merges into the
 * previous slash, "." goes, ".." takes the previous segment with it. No allocation beyond |out|. */
#include "gs_path_norm.h"

#include "gs_hex.h"

#include <string.h>

/* RFC 3986 §2.3: ALPHA / DIGIT / "-" / "." / "_" / "~" — the characters whose escapes mean the
 * same as the characters themselves (RFC 3986 §6.2.2.2). */
static bool path_norm_unreserved(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

/* Bytes that may never appear raw in a request target: controls, space, DEL. */
static bool path_norm_ctl(unsigned char c)
{
    return c <= 0x20 || c == 0x7f;
}

/* Ends the segment that starts at |seg| in |out| (|root| is where the path's leading '/' is):
 * drops "." and "..", and ".." takes the segment before it (never the root). A regular segment
 * gets its '/' when more follows (|last| false); an empty one is a repeated slash and merges. */
static void path_norm_end_segment(gs_buf *out, size_t root, size_t seg, bool last)
{
    size_t n = out->len - seg;
    const char *s = out->data + seg;
    if (n == 1 && s[0] == '.') {
        out->len = seg;
    } else if (n == 2 && s[0] == '.' && s[1] == '.') {
        out->len = seg;
        if (seg - 1 > root) { /* a segment precedes: remove it, keep its leading '/' */
            size_t p = seg - 2;
            while (out->data[p] != '/')
                p--;
            out->len = p + 1;
        }
    } else if (n > 0 && !last) {
        gs_buf_putc(out, '/');
    }
    out->data[out->len] = '\0';
}

/* Appends the escape at |p| (|p[0]| == '%', |avail| bytes from there) decoded or canonical. */
static gs_path_norm_error path_norm_escape(const unsigned char *p, size_t avail, gs_buf *out)
{
    int hi = avail >= 3 ? gs_hex_value((char)p[1]) : -1;
    int lo = avail >= 3 ? gs_hex_value((char)p[2]) : -1;
    if (hi < 0 || lo < 0)
        return GS_PATH_NORM_BAD_ESCAPE;
    unsigned char v = (unsigned char)(hi * 16 + lo);
    if (v == '/' || v == '\\')
        return GS_PATH_NORM_ENCODED_SLASH;
    if (v == 0)
        return GS_PATH_NORM_BAD_ESCAPE;
    if (path_norm_unreserved(v)) {
        gs_buf_putc(out, (char)v);
        return GS_PATH_NORM_OK;
    }
    static const char digits[] = "0123456789ABCDEF";
    char esc[3] = {'%', digits[hi], digits[lo]};
    gs_buf_append(out, esc, 3);
    return GS_PATH_NORM_OK;
}

gs_path_norm_error gs_path_norm_path(const char *path, size_t len, gs_buf *out)
{
    const unsigned char *p = (const unsigned char *)path;
    if (len == 0 || p[0] != '/')
        return GS_PATH_NORM_NOT_ABSOLUTE;
    size_t root = out->len;
    gs_buf_putc(out, '/');
    size_t seg = out->len;
    for (size_t i = 1; i < len; i++) {
        unsigned char c = p[i];
        if (c == '/') {
            path_norm_end_segment(out, root, seg, false);
            seg = out->len;
        } else if (c == '%') {
            gs_path_norm_error e = path_norm_escape(p + i, len - i, out);
            if (e != GS_PATH_NORM_OK)
                return e;
            i += 2;
        } else if (c == '\\') {
            return GS_PATH_NORM_BACKSLASH;
        } else if (c == '#') {
            return GS_PATH_NORM_FRAGMENT;
        } else if (path_norm_ctl(c)) {
            return GS_PATH_NORM_BAD_CHAR;
        } else {
            gs_buf_putc(out, (char)c);
        }
    }
    path_norm_end_segment(out, root, seg, true);
    return GS_PATH_NORM_OK;
}

gs_path_norm_error gs_path_norm_target(const char *target, size_t len, gs_buf *out)
{
    const char *q = len ? memchr(target, '?', len) : NULL;
    size_t path_len = q ? (size_t)(q - target) : len;
    gs_path_norm_error e = gs_path_norm_path(target, path_len, out);
    if (e != GS_PATH_NORM_OK)
        return e;
    for (size_t i = path_len; i < len; i++) {
        unsigned char c = (unsigned char)target[i];
        if (c == '#')
            return GS_PATH_NORM_FRAGMENT;
        if (path_norm_ctl(c))
            return GS_PATH_NORM_BAD_CHAR;
    }
    gs_buf_append(out, target + path_len, len - path_len);
    return GS_PATH_NORM_OK;
}

gs_path_norm_error gs_path_norm_uri_path(const char *path, size_t len, gs_buf *out)
{
    if (len > 0 && path[0] != '?')
        return gs_path_norm_target(path, len, out);
    gs_buf rooted = {0};
    gs_buf_putc(&rooted, '/');
    gs_buf_append(&rooted, path, len);
    gs_path_norm_error e = gs_path_norm_target(rooted.data, rooted.len, out);
    gs_buf_clear(&rooted);
    return e;
}

const char *gs_path_norm_error_str(gs_path_norm_error e)
{
    switch (e) {
    case GS_PATH_NORM_OK:
        return "ok";
    case GS_PATH_NORM_NOT_ABSOLUTE:
        return "path does not start with /";
    case GS_PATH_NORM_BAD_ESCAPE:
        return "bad percent-encoding in path";
    case GS_PATH_NORM_ENCODED_SLASH:
        return "encoded slash (%2F or %5C) in path";
    case GS_PATH_NORM_BACKSLASH:
        return "backslash in path";
    case GS_PATH_NORM_FRAGMENT:
        return "fragment (#) in request target";
    case GS_PATH_NORM_BAD_CHAR:
        return "control character in request target";
    }
    return "bad path";
}
