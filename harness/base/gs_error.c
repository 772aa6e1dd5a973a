/* SPDX-License-Identifier: MIT */
/* Error codes and formatted error context. No allocation: messages live in the gs_error. */
#include "gs_error.h"

#include <openssl/err.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

__attribute__((format(printf, 3, 0))) static void error_vformat(gs_error *err, int code,
                                                             const char *fmt, va_list ap)
{
    err->code = code;
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

int gs_error_set(gs_error *err, int code, const char *fmt, ...)
{
    if (err == NULL)
        return code;
    va_list ap;
    va_start(ap, fmt);
    error_vformat(err, code, fmt, ap);
    va_end(ap);
    err->pos = (gs_pos){0};
    return code;
}

int gs_error_set_at(gs_error *err, int code, gs_pos pos, const char *fmt, ...)
{
    if (err == NULL)
        return code;
    va_list ap;
    va_start(ap, fmt);
    error_vformat(err, code, fmt, ap);
    va_end(ap);
    err->pos = pos;
    return code;
}

int gs_error_set_errno(gs_error *err, int errno_value, const char *fmt, ...)
{
    if (err == NULL)
        return GS_ERR_IO;
    va_list ap;
    va_start(ap, fmt);
    error_vformat(err, GS_ERR_IO, fmt, ap);
    va_end(ap);
    size_t n = strlen(err->msg);
    snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", strerror(errno_value));
    err->pos = (gs_pos){0};
    return GS_ERR_IO;
}

int gs_error_set_ssl(gs_error *err, const char *what)
{
    if (err == NULL) {
        ERR_clear_error();
        return GS_ERR_TLS;
    }
    err->code = GS_ERR_TLS;
    err->pos = (gs_pos){0};
    size_t n = (size_t)snprintf(err->msg, sizeof(err->msg), "%s", what);
    unsigned long e;
    while ((e = ERR_get_error()) != 0) {
        if (n + 3 >= sizeof(err->msg))
            continue; /* keep draining the queue */
        char buf[256];
        ERR_error_string_n(e, buf, sizeof(buf));
        n += (size_t)snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", buf);
        if (n >= sizeof(err->msg))
            n = sizeof(err->msg) - 1;
    }
    return GS_ERR_TLS;
}

const char *gs_strerror(int code)
{
    switch (code) {
    case 0: return "ok";
    case GS_ERR_NOMEM: return "out of memory";
    case GS_ERR_INVALID: return "invalid";
    case GS_ERR_IO: return "i/o error";
    case GS_ERR_INCOMPLETE: return "incomplete";
    case GS_ERR_PARSE: return "parse error";
    case GS_ERR_NOT_FOUND: return "not found";
    case GS_ERR_TLS: return "tls error";
    case GS_ERR_TIMEOUT: return "timeout";
    case GS_ERR_PROTOCOL: return "protocol error";
    case GS_ERR_RANGE: return "out of range";
    case GS_ERR_USAGE: return "usage error";
    case GS_ERR_CLOSED: return "closed";
    default: return "unknown error";
    }
}
