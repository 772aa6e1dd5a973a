/* SPDX-License-Identifier: MIT */
/* YAML bytes -> a tree of scalar / mapping / sequence nodes that remembers file:line:col
 * (1-based) for every node, the scalar style (so `"true"` and `true` differ) and explicit tags.
 * Pure parsing with libyaml: no Kubernetes knowledge here (see gs_decode.h, gs_model.h). */
#ifndef GS_YAML_H
#define GS_YAML_H

#include "gs_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum gs_yaml_kind {
    GS_YAML_SCALAR = 1,
    GS_YAML_MAPPING = 2,
    GS_YAML_SEQUENCE = 3,
} gs_yaml_kind;

typedef enum gs_yaml_style {
    GS_YAML_PLAIN = 0,
    GS_YAML_SINGLE_QUOTED,
    GS_YAML_DOUBLE_QUOTED,
    GS_YAML_LITERAL,
    GS_YAML_FOLDED,
} gs_yaml_style;

/* What a scalar means, resolved the way Kubernetes' YAML reader (YAML 1.1 rules of go-yaml v2)
 * does: quoted or block scalars and `!!str` are strings; plain `true`, `yes`, `on` are booleans,
 * `~`, `null` and empty are null, `12`, `0x1f` integers, `1.5`, `1e3` floats. */
typedef enum gs_yaml_type {
    GS_YAML_T_NULL = 0,
    GS_YAML_T_BOOL,
    GS_YAML_T_INT,
    GS_YAML_T_FLOAT,
    GS_YAML_T_STR,
    GS_YAML_T_MAP, /* not a scalar: the node is a mapping */
    GS_YAML_T_SEQ, /* not a scalar: the node is a sequence */
} gs_yaml_type;

typedef struct gs_yaml_node gs_yaml_node;
typedef struct gs_yaml_pair {
    gs_yaml_node *key; /* a scalar in every document gatesim accepts; may be another kind */
    gs_yaml_node *value;
} gs_yaml_pair;

/* Nodes are owned by the gs_yaml_stream (an arena) they came from; never free them one by one.
 * An alias (*name) is the same node pointer as its anchor, so a tree may share subtrees. */
struct gs_yaml_node {
    gs_yaml_kind kind;
    uint8_t style;  /* gs_yaml_style, scalars only */
    bool defaulted; /* created by defaulting (gs_yaml_new_*), not read from the file */
    gs_pos pos;     /* where the node starts; pos.file is owned by the stream */
    const char *tag; /* explicit tag as written after resolution ("tag:yaml.org,2002:str"), or NULL */
    /* GS_YAML_SCALAR: NUL-terminated text (may contain NULs; |len| is authoritative). */
    char *str;
    size_t len;
    /* GS_YAML_MAPPING: pairs in document order. */
    gs_yaml_pair *pairs;
    size_t npairs;
    /* GS_YAML_SEQUENCE */
    gs_yaml_node **items;
    size_t nitems;
    /* Nodes in this subtree with aliases expanded (bounded by GS_YAML_MAX_EXPANDED). */
    size_t expanded;
};

/* One parsed file (or buffer): every document of it and the arena that owns their nodes. */
typedef struct gs_yaml_stream {
    char *file;             /* the name given to gs_yaml_parse_*; owned */
    gs_yaml_node **docs;    /* roots; an empty document has a NULL root */
    gs_pos *doc_pos;        /* where each document starts */
    size_t ndocs;
    struct gs_yaml_arena *arena;
} gs_yaml_stream;

/* Parses |len| bytes named |file| (used in positions) into a new stream. Malformed YAML, a
 * duplicate mapping key, an alias to itself, aliases expanding past GS_YAML_MAX_EXPANDED nodes,
 * nesting over 256 levels or more than |GS_YAML_MAX_NODES| nodes fail with
 * GS_ERR_PARSE and the parser's position in |err| (err->pos and "file:line:col: message").
 * On success *out owns everything; free it with gs_yaml_stream_free. */
int gs_yaml_parse_buffer(gs_yaml_stream **out, const char *file, const void *data, size_t len,
                         gs_error *err);

/* As gs_yaml_parse_buffer on the contents of |path| (GS_ERR_IO when it cannot be read). */
int gs_yaml_parse_file(gs_yaml_stream **out, const char *path, gs_error *err);

void gs_yaml_stream_free(gs_yaml_stream *s);

#define GS_YAML_MAX_NODES 20000000u
#define GS_YAML_MAX_DEPTH 256
/* A document whose aliases expand to more nodes than this is rejected ("billion laughs"). */
#define GS_YAML_MAX_EXPANDED 4000000u

/* ---- reading nodes ---- */

/* The value of |key| in mapping |map|, or NULL (also when |map| is NULL or not a mapping). */
gs_yaml_node *gs_yaml_get(const gs_yaml_node *map, const char *key);
/* The pair of |key| in |map| (to reach the key's own position), or NULL. */
gs_yaml_pair *gs_yaml_get_pair(const gs_yaml_node *map, const char *key);

/* Resolved type of a node (see gs_yaml_type). NULL counts as GS_YAML_T_NULL. */
gs_yaml_type gs_yaml_type_of(const gs_yaml_node *n);
/* "string", "integer", "boolean", "number", "null", "object", "array" (JSON/OpenAPI words). */
const char *gs_yaml_type_name(gs_yaml_type t);

/* Scalar conversions; each returns false (leaving *out alone) when the node is not of that
 * resolved type. A float with an integral value (3.0) is not an integer. */
bool gs_yaml_bool(const gs_yaml_node *n, bool *out);
bool gs_yaml_int(const gs_yaml_node *n, int64_t *out);
bool gs_yaml_double(const gs_yaml_node *n, double *out); /* integers convert too */
/* The text of a scalar whatever its resolved type, or NULL for mappings/sequences/NULL. */
const char *gs_yaml_str(const gs_yaml_node *n);
/* True when |n| is a scalar that resolves to a string (quoted, block or plain non-special). */
bool gs_yaml_is_string(const gs_yaml_node *n);
bool gs_yaml_scalar_eq(const gs_yaml_node *n, const char *s);

/* ---- building nodes (defaulting, tests) ---- all allocate in |s|'s arena. */
gs_yaml_node *gs_yaml_new_scalar(gs_yaml_stream *s, gs_pos pos, const char *text,
                                 gs_yaml_style style);
/* Deep copy of |n| into |s|, every node marked defaulted and placed at |pos|. */
gs_yaml_node *gs_yaml_clone_at(gs_yaml_stream *s, const gs_yaml_node *n, gs_pos pos);
/* Deep copy of |n| into |s| keeping positions and flags; every pos.file becomes s->file. */
gs_yaml_node *gs_yaml_clone(gs_yaml_stream *s, const gs_yaml_node *n);
/* A stream with no documents, for building or cloning nodes into (free with
 * gs_yaml_stream_free). |file| is copied. */
gs_yaml_stream *gs_yaml_stream_new(const char *file);
/* Arena allocation with the stream's lifetime (zeroed). */
void *gs_yaml_alloc(gs_yaml_stream *s, size_t size);
char *gs_yaml_strdup(gs_yaml_stream *s, const char *text);

#endif
