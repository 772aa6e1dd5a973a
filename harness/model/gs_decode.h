/* SPDX-License-Identifier: MIT */
/* Helpers to decode a Kubernetes-style YAML format (gs_yaml nodes) into C values while
 * collecting every problem as a gs_diag at the offending node:
 *   file:line:col: Kind ns/name: field.path: message
 * The decoder keeps the current field path (push/pop) and the object the problems belong to.
 * Used by the Gateway API model and by other formats (the scenario format).
 *
 * Typical use:
 *     static const char *const fields[] = {"name", "port", NULL};
 *     gs_dec_check_fields(d, map, fields);            // unknown field "prot"; did you mean "port"?
 *     gs_dec_string(d, map, "name", true, &name);      // Required value / must be of type string
 *     gs_dec_int(d, map, "port", false, 1, 65535, &port);
 *     gs_yaml_node *steps = gs_dec_seq(d, map, "steps", false);
 *     for (size_t i = 0; steps && i < steps->nitems; i++) {
 *         gs_dec_push(d, "steps"); gs_dec_push_index(d, i); ...; gs_dec_pop(d); gs_dec_pop(d);
 *     }
 */
#ifndef GS_DECODE_H
#define GS_DECODE_H

#include "gs_buf.h"
#include "gs_diag.h"
#include "gs_suggest.h" /* gs_suggest: the "did you mean" of every decoder */
#include "gs_yaml.h"

#include <stdbool.h>
#include <stdint.h>

#define GS_DEC_MAX_DEPTH 128

typedef struct gs_decoder {
    gs_diags *diags;   /* borrowed: where problems go */
    const char *kind;  /* borrowed object context for messages; may be NULL */
    const char *ns;
    const char *name;
    gs_buf path;       /* the current field path, "spec.rules[0].matches" */
    size_t marks[GS_DEC_MAX_DEPTH];
    int depth;
    size_t nerrors;    /* errors added through this decoder */
    /* Where problems at nodes without a position go (shared default nodes have line 0): set it
     * to the enclosing object's position. */
    gs_pos fallback;
} gs_decoder;

/* Starts decoding into |diags| (borrowed until gs_decoder_release). */
void gs_decoder_init(gs_decoder *d, gs_diags *diags);
/* Sets the object the following problems belong to (strings borrowed; NULL = unknown). */
void gs_decoder_set_object(gs_decoder *d, const char *kind, const char *ns, const char *name);
void gs_decoder_release(gs_decoder *d);

/* Field path: push a field name (".name"), a list index ("[3]") or a map key ("[key]"). Every
 * push is undone by one pop. */
void gs_dec_push(gs_decoder *d, const char *field);
void gs_dec_push_index(gs_decoder *d, size_t index);
void gs_dec_push_key(gs_decoder *d, const char *key);
void gs_dec_pop(gs_decoder *d);
const char *gs_dec_path(const gs_decoder *d);

/* A problem at node |at| (position unknown when NULL) with the current path. */
void gs_dec_error(gs_decoder *d, const gs_yaml_node *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void gs_dec_warn(gs_decoder *d, const gs_yaml_node *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void gs_dec_note(gs_decoder *d, const gs_yaml_node *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* As gs_dec_error with the path extended by |field| (".field", or "[i]" when it starts with '['). */
void gs_dec_error_field(gs_decoder *d, const gs_yaml_node *at, const char *field,
                        const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void gs_dec_report(gs_decoder *d, gs_diag_severity sev, gs_pos pos, const char *field,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Reports "must be of type T, got U" unless |n| has resolved type |t| (NULL |n| passes: absent). */
bool gs_dec_expect(gs_decoder *d, const gs_yaml_node *n, gs_yaml_type t);

/* Every key of mapping |map| not in NULL-terminated |known| is reported at the key:
 *   unknown field "hostnmes"; did you mean "hostnames"?
 * Returns true when all keys are known (or |map| is not a mapping). */
bool gs_dec_check_fields(gs_decoder *d, const gs_yaml_node *map, const char *const *known);

/* The value under |key| of |map|. When absent and |required|, reports "Required value" at |map|
 * with path <path>.<key>. An explicit null counts as absent. */
gs_yaml_node *gs_dec_field(gs_decoder *d, const gs_yaml_node *map, const char *key, bool required);

/* Typed fields of |map|: each returns true and sets *out when |key| is present with the right
 * type (and range); false when absent (reporting it if |required|) or wrong (reported). */
bool gs_dec_string(gs_decoder *d, const gs_yaml_node *map, const char *key, bool required,
                   const char **out);
bool gs_dec_int(gs_decoder *d, const gs_yaml_node *map, const char *key, bool required,
                int64_t min, int64_t max, int64_t *out);
bool gs_dec_double(gs_decoder *d, const gs_yaml_node *map, const char *key, bool required,
                   double min, double max, double *out);
bool gs_dec_bool(gs_decoder *d, const gs_yaml_node *map, const char *key, bool required,
                 bool *out);
/* |values| NULL-terminated; *out gets the index. Message: Unsupported value: "x": supported
 * values: "a", "b" (plus a did-you-mean when one is close). */
bool gs_dec_enum(gs_decoder *d, const gs_yaml_node *map, const char *key, bool required,
                 const char *const *values, int *out);
/* A Go-style duration ("1h30m", "250ms", "1.5s") in nanoseconds. */
bool gs_dec_duration(gs_decoder *d, const gs_yaml_node *map, const char *key, bool required,
                     int64_t *out_ns);
/* Mapping or sequence children (type-checked; NULL when absent or wrong). */
gs_yaml_node *gs_dec_map(gs_decoder *d, const gs_yaml_node *map, const char *key, bool required);
gs_yaml_node *gs_dec_seq(gs_decoder *d, const gs_yaml_node *map, const char *key, bool required);

/* Parses a Go time.ParseDuration string into nanoseconds. Returns false when malformed. */
bool gs_parse_go_duration(const char *s, int64_t *out_ns);

#endif
