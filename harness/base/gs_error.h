/* SPDX-License-Identifier: MIT */
/* Error codes shared by every part, and the optional human-context carrier |gs_error|.
 * Functions return 0 or a negative GS_ERR_*; the message for a person goes into |err|. */
#ifndef GS_ERROR_H
#define GS_ERROR_H

#include <stddef.h>

enum {
    GS_ERR_NOMEM = -1,
    GS_ERR_INVALID = -2,    /* bad argument or bad input data */
    GS_ERR_IO = -3,         /* errno-level failure; the message carries strerror */
    GS_ERR_INCOMPLETE = -4, /* byte consumers: need more input */
    GS_ERR_PARSE = -5,      /* malformed bytes (YAML, HTTP, JSON, ...) */
    GS_ERR_NOT_FOUND = -6,
    GS_ERR_TLS = -7,
    GS_ERR_TIMEOUT = -8,
    GS_ERR_PROTOCOL = -9,
    GS_ERR_RANGE = -10,     /* a value or a size over its limit */
    GS_ERR_USAGE = -11,     /* command-line misuse */
    GS_ERR_CLOSED = -12,    /* peer closed */
};

/* Where a problem is, for messages of the form file:line:col. Lines and columns count from 1;
 * 0 means unknown. |file| is borrowed: it must outlive the error. */
typedef struct gs_pos {
    const char *file;
    unsigned line;
    unsigned col;
} gs_pos;

typedef struct gs_error {
    int code;
    gs_pos pos;
    char msg[1024];
} gs_error;

/* Sets |err| (when not NULL) to |code| and a printf-formatted message. Returns |code|, so a
 * caller can write `return gs_error_set(err, GS_ERR_INVALID, "...")`. */
int gs_error_set(gs_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* As gs_error_set, with a source position. */
int gs_error_set_at(gs_error *err, int code, gs_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* As gs_error_set, appending ": strerror(errno_value)". */
int gs_error_set_errno(gs_error *err, int errno_value, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Appends the OpenSSL error queue (and clears it) to the message of |err|. */
int gs_error_set_ssl(gs_error *err, const char *what);

/* A short constant name for a GS_ERR_* code ("invalid", "timeout", ...). */
const char *gs_strerror(int code);

#endif
