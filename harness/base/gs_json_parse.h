/* SPDX-License-Identifier: MIT */
/* A small JSON (RFC 8259) parser into a read-only tree, for the few JSON documents the harness
 * reads from other processes: ready lines, echo bodies, request logs. Untrusted input: every
 * size is bounded by gs_json_limits, and malformed input is an error with its byte offset,
 * never a crash. Writing JSON is gs_json.h's job. */
#ifndef GS_JSON_PARSE_H
#define GS_JSON_PARSE_H

#include "gs_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum gs_json_type {
    GS_JSON_NULL = 0,
    GS_JSON_BOOL,
    GS_JSON_NUMBER,
    GS_JSON_STRING,
    GS_JSON_ARRAY,
    GS_JSON_OBJECT,
} gs_json_type;

/* One value. Arrays and objects own their children; an object keeps its members in document
 * order (duplicate keys are kept; gs_json_get returns the last, as most parsers do). */
typedef struct gs_json_value {
    gs_json_type type;
    bool boolean;
    double number;
    char *str;   /* GS_JSON_STRING: UTF-8, NUL-terminated (may also hold NULs; see |len|) */
    size_t len;  /* string length in bytes, or the number of children */
    char **keys; /* GS_JSON_OBJECT: |len| keys */
    struct gs_json_value **items; /* GS_JSON_ARRAY / GS_JSON_OBJECT: |len| children */
} gs_json_value;

/* Bounds for untrusted input. Zero fields take the defaults shown. */
typedef struct gs_json_limits {
    size_t max_bytes;   /* default 16 MiB */
    unsigned max_depth; /* default 64 */
    size_t max_values;  /* default 1,000,000 */
} gs_json_limits;

/* Parses the |n| bytes at |text| (one JSON value, surrounding whitespace allowed) into |*out|.
 * |limits| may be NULL. Returns 0, GS_ERR_PARSE (message with the byte offset in |err|) or
 * GS_ERR_RANGE when a limit is exceeded. The caller frees |*out| with gs_json_value_free. */
int gs_json_parse(const char *text, size_t n, const gs_json_limits *limits, gs_json_value **out,
                  gs_error *err);

void gs_json_value_free(gs_json_value *v);

/* Member |key| of object |obj| (the last one when repeated), or NULL when |obj| is not an
 * object or has no such member. */
const gs_json_value *gs_json_get(const gs_json_value *obj, const char *key);
/* Element |i| of array |arr|, or NULL. */
const gs_json_value *gs_json_at(const gs_json_value *arr, size_t i);

/* Typed accessors for member |key| of |obj|; they return |fallback| when it is missing or of
 * another type. The string is borrowed from the tree. */
const char *gs_json_get_string(const gs_json_value *obj, const char *key, const char *fallback);
double gs_json_get_number(const gs_json_value *obj, const char *key, double fallback);
bool gs_json_get_bool(const gs_json_value *obj, const char *key, bool fallback);

/* A name for |type| ("object", "string", ...). */
const char *gs_json_type_name(gs_json_type type);

#endif
