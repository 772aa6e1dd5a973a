/* SPDX-License-Identifier: MIT */
/* The parts of an HTTP request target and authority (RFC 9112 §3.2, RFC 3986 §3.2), read as
 * (pointer, length) from bytes that need not be NUL-terminated. Pure: it only splits and checks;
 * what to accept on which listener is the caller's decision (the gateway's request building). */
#ifndef GS_HTTP_TARGET_H
#define GS_HTTP_TARGET_H

#include <stdbool.h>
#include <stddef.h>

typedef enum gs_http_target_form {
    GS_HTTP_TARGET_ORIGIN = 0, /* "/path?query" */
    GS_HTTP_TARGET_ABSOLUTE,   /* "http://host:port/path?query" */
    GS_HTTP_TARGET_AUTHORITY,  /* "host:port" (CONNECT) */
    GS_HTTP_TARGET_ASTERISK,   /* "*" (OPTIONS) */
} gs_http_target_form;

/* A split target. Every pointer borrows the caller's bytes. */
typedef struct gs_http_target {
    gs_http_target_form form;
    const char *scheme; /* absolute-form: the scheme without "://"; else NULL */
    size_t scheme_len;
    const char *authority; /* absolute- and authority-form; else NULL */
    size_t authority_len;
    const char *path; /* origin- and absolute-form: path and query; may be empty (absolute-form
                         "http://h" or "http://h?q") */
    size_t path_len;
} gs_http_target;

/* Splits the |len| bytes at |t| into |out|. Returns NULL, or a short reason the target is not
 * a request target at all (empty, no "://" after a scheme, ...). The authority is not checked
 * here: see gs_http_authority_check. */
const char *gs_http_target_split(const char *t, size_t len, gs_http_target *out);

/* Checks an authority "host[:port]" (a Host value, an :authority, or the authority of an
 * absolute-form target): a reg-name or IPv4 address of URI characters, or a bracketed IPv6
 * literal, then an optional port of at most 5 digits not above 65535. Userinfo ("user@host")
 * and anything else is refused. Returns NULL when valid, else a short reason. An empty
 * authority is refused; callers that allow an empty Host check for that first. */
const char *gs_http_authority_check(const char *a, size_t len);

/* True when the |n| bytes at |s| equal the lower-case literal |lit|, ignoring ASCII case. */
bool gs_http_target_scheme_is(const char *s, size_t n, const char *lit);

#endif
