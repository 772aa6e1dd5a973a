/* SPDX-License-Identifier: MIT */
/* Structural (OpenAPI v3) schemas as C tables, and the walker that checks a YAML tree against
 * one the way the Kubernetes API server does: defaults first, then types, required fields,
 * unknown fields (with "did you mean"), enums, patterns, lengths, ranges, item limits, list-map
 * and set uniqueness, and the CEL rules (gs_cel.c) attached to each schema node.
 * The Gateway API tables are generated (gs_schema_gen.c); core kinds are written by hand. */
#ifndef GS_SCHEMA_H
#define GS_SCHEMA_H

#include "gs_decode.h"
#include "gs_yaml.h"

#include <stdbool.h>
#include <stdint.h>

#define GS_SCHEMA_NONE INT64_MIN

typedef enum gs_schema_type {
    GS_ST_ANY = 0,
    GS_ST_OBJECT,
    GS_ST_ARRAY,
    GS_ST_STRING,
    GS_ST_INTEGER,
    GS_ST_NUMBER,
    GS_ST_BOOLEAN,
    GS_ST_MAP, /* object with additionalProperties: |items| is the value schema */
    GS_ST_INT_OR_STRING,
} gs_schema_type;

enum {
    GS_SF_PRESERVE_UNKNOWN = 1 << 0,
    GS_SF_NULLABLE = 1 << 1,
    GS_SF_INT32 = 1 << 2,
    GS_SF_LIST_SET = 1 << 3,
    GS_SF_LIST_MAP = 1 << 4,
    GS_SF_ADDRESS_ONEOF = 1 << 5, /* Gateway address: IPAddress values must be IPs */
};

/* The CEL rules of the CRDs, one C function each (gs_cel.c). */
typedef enum gs_cel_id {
    GS_CEL_CORS_STAR = 1,
    GS_CEL_EXTAUTH_FIELD_NEEDS,
    GS_CEL_EXTAUTH_PROTOCOL_NEEDS,
    GS_CEL_FILTER_REDIRECT_REWRITE,
    GS_CEL_FILTER_REPEAT,
    GS_CEL_FILTER_UNION_NIL,
    GS_CEL_FILTER_UNION_SET,
    GS_CEL_GRPC_METHOD_CHARS,
    GS_CEL_GRPC_SERVICE_CHARS,
    GS_CEL_GRPC_SERVICE_OR_METHOD,
    GS_CEL_GW_ADDR_HOSTNAME_PATTERN,
    GS_CEL_GW_ADDR_HOSTNAME_UNIQUE,
    GS_CEL_GW_ADDR_IP_UNIQUE,
    GS_CEL_GW_HOSTNAME_FORBIDDEN,
    GS_CEL_GW_HTTPS_TERMINATE,
    GS_CEL_GW_INFRA_KEY_FORMAT,
    GS_CEL_GW_INFRA_KEY_PREFIX,
    GS_CEL_GW_LISTENER_COMBO_UNIQUE,
    GS_CEL_GW_LISTENER_NAME_UNIQUE,
    GS_CEL_GW_PERPORT_UNIQUE,
    GS_CEL_GW_TERMINATE_CERTS,
    GS_CEL_GW_TLS_FORBIDDEN,
    GS_CEL_GW_TLS_MODE_SET,
    GS_CEL_MIRROR_FRACTION,
    GS_CEL_MIRROR_PERCENT_FRACTION,
    GS_CEL_PARENT_SPECIFIED,
    GS_CEL_PARENT_UNIQUE,
    GS_CEL_PATHMOD_NEEDS_TYPE,
    GS_CEL_PATHMOD_NEEDS_VALUE,
    GS_CEL_PATH_ABSOLUTE,
    GS_CEL_PATH_CHARS,
    GS_CEL_PATH_NOT_CONTAIN,
    GS_CEL_PATH_NOT_END,
    GS_CEL_PATH_TYPE,
    GS_CEL_PREFIX_MATCH_BR_REDIRECT,
    GS_CEL_PREFIX_MATCH_BR_REWRITE,
    GS_CEL_PREFIX_MATCH_REDIRECT,
    GS_CEL_PREFIX_MATCH_REWRITE,
    GS_CEL_REDIRECT_WITH_BACKENDS,
    GS_CEL_RULES_MATCH_TOTAL,
    GS_CEL_RULE_NAME_UNIQUE,
    GS_CEL_SERVICE_PORT,
    GS_CEL_SESSION_COOKIE,
    GS_CEL_SESSION_PERMANENT,
    GS_CEL_TIMEOUTS,
    /* TLSRoute hostnames, BackendTLSPolicy validation */
    GS_CEL_HOSTNAMES_NO_IP,
    GS_CEL_HOSTNAMES_RFC1123,
    GS_CEL_HOSTNAMES_WILDCARD,
    GS_CEL_BTLS_CA_BOTH,
    GS_CEL_BTLS_CA_EITHER,
    GS_CEL_SAN_NEEDS,
    GS_CEL_SAN_FORBIDS,
} gs_cel_id;

typedef struct gs_cel_ref {
    gs_cel_id id;
    const char *arg;     /* the rule's parameter (filter member, forbidden substring...) */
    const char *message; /* the API server's message, printed as is */
} gs_cel_ref;

typedef struct gs_schema gs_schema;

typedef struct gs_schema_prop {
    const char *name;
    const gs_schema *schema;
    int required;
} gs_schema_prop;

struct gs_schema {
    gs_schema_type type;
    unsigned flags;
    const gs_schema_prop *props; /* objects: sorted by name */
    unsigned nprops;
    const gs_schema *items;      /* arrays: item schema; maps: value schema */
    const char *const *map_keys; /* list-map keys, NULL-terminated */
    int64_t min_len, max_len, min_items, max_items, minimum, maximum, max_props;
    unsigned pattern;            /* index into gs_schema_patterns, 0 = none */
    const char *const *enum_str; /* NULL-terminated */
    const long long *enum_int;
    unsigned nenum;
    const char *default_json;
    const gs_cel_ref *cel;
    unsigned ncel;
};

typedef struct gs_schema_root {
    const char *kind;
    const char *version;
    const gs_schema *spec;
    const char *channel; /* "experimental" or "standard" */
} gs_schema_root;

extern const char *const gs_schema_patterns[];
extern const unsigned gs_schema_npatterns;
extern const gs_schema_root gs_schema_roots[];

/* The spec schema of a Gateway API kind at |version| in the experimental channel (a superset
 * of standard), or NULL when not served. */
const gs_schema *gs_schema_find(const char *kind, const char *version);
/* As gs_schema_find in |channel| ("standard", "experimental"; NULL = experimental). */
const gs_schema *gs_schema_find_channel(const char *channel, const char *kind, const char *version);

/* Validation state for one object. */
typedef struct gs_vctx {
    gs_decoder *dec;         /* borrowed: diags, object context and the field path */
    gs_yaml_stream *stream;  /* where defaults are allocated */
    const char *object_ns;   /* the object's namespace, for rules that need it */
} gs_vctx;

/* Applies defaults to |node| (a mapping that |schema| describes, in |v->stream|) and checks it,
 * reporting each problem at its node with the decoder's path. Returns the number of errors. */
size_t gs_schema_validate(gs_vctx *v, gs_yaml_node *node, const gs_schema *schema);

/* True when |s| matches pattern number |pattern| of gs_schema_patterns (compiled once, JIT). */
bool gs_schema_pattern_match(unsigned pattern, const char *s, size_t len);
/* Matches |s| against an arbitrary PCRE2 pattern, cached by pointer identity of |re|. */
bool gs_regex_match(const char *re, const char *s, size_t len);
/* True when |re| compiles as a PCRE2 regular expression; else *why gets the reason. */
bool gs_regex_valid(const char *re, char *why, size_t why_len);

/* Number of Unicode code points in UTF-8 |s| (the unit of minLength/maxLength). */
size_t gs_utf8_len(const char *s, size_t len);

/* Runs the CEL rule |ref| on |self| (the node the rule is attached to). */
void gs_cel_run(gs_vctx *v, const gs_cel_ref *ref, gs_yaml_node *self);

#endif
