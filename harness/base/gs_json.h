/* SPDX-License-Identifier: MIT */
/* A streaming JSON writer into a gs_buf. It tracks nesting and commas so callers only say what
 * comes next; it does not validate that keys and values alternate (debug builds assert it).
 * Strings are escaped per RFC 8259; invalid UTF-8 bytes are replaced with U+FFFD. */
#ifndef GS_JSON_H
#define GS_JSON_H

#include "gs_buf.h"

#include <stdbool.h>
#include <stdint.h>

#define GS_JSON_MAX_DEPTH 64

typedef struct gs_json {
    gs_buf *out;         /* borrowed */
    int depth;
    bool pretty;         /* two-space indentation and newlines */
    bool need_comma[GS_JSON_MAX_DEPTH];
    bool after_key;
} gs_json;

void gs_json_init(gs_json *j, gs_buf *out, bool pretty);
void gs_json_object_begin(gs_json *j);
void gs_json_object_end(gs_json *j);
void gs_json_array_begin(gs_json *j);
void gs_json_array_end(gs_json *j);
void gs_json_key(gs_json *j, const char *key);
void gs_json_string(gs_json *j, const char *s);
void gs_json_string_n(gs_json *j, const char *s, size_t n);
void gs_json_int(gs_json *j, int64_t v);
void gs_json_uint(gs_json *j, uint64_t v);
/* Non-finite numbers are written as null (JSON has no NaN). */
void gs_json_double(gs_json *j, double v);
void gs_json_bool(gs_json *j, bool v);
void gs_json_null(gs_json *j);
/* Writes |raw| as a value without escaping: it must already be valid JSON. */
void gs_json_raw(gs_json *j, const char *raw);

/* Appends |s| (|n| bytes) to |out| as a quoted, escaped JSON string. */
void gs_json_escape(gs_buf *out, const char *s, size_t n);

#endif
