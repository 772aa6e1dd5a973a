/* SPDX-License-Identifier: MIT */
/* The structural-schema walker: defaulting and OpenAPI checks over gs_yaml trees, reported with
 * positions through gs_decode; the PCRE2 pattern cache. CEL rules live in gs_cel.c. */
#include "gs_schema.h"

#include "gs_alloc.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- regular expressions ---- */

typedef struct regex_entry {
    const char *key;
    pcre2_code *code;
    bool jit;
} regex_entry;

static regex_entry *regex_cache;
static size_t regex_n, regex_cap;
static pcre2_match_data *regex_md;

static regex_entry *regex_get(const char *re)
{
    for (size_t i = 0; i < regex_n; i++)
        if (regex_cache[i].key == re)
            return &regex_cache[i];
    int errcode;
    PCRE2_SIZE erroff;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &errcode,
                                     &erroff, NULL);
    gs_xgrow((void **)&regex_cache, &regex_cap, regex_n + 1, sizeof *regex_cache);
    regex_entry *e = &regex_cache[regex_n++];
    e->key = re;
    e->code = code;
    e->jit = code && pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
    if (!regex_md)
        regex_md = pcre2_match_data_create(32, NULL);
    return e;
}

bool gs_regex_match(const char *re, const char *s, size_t len)
{
    regex_entry *e = regex_get(re);
    if (!e->code)
        return false;
    int rc = pcre2_match(e->code, (PCRE2_SPTR)s, len, 0, 0, regex_md, NULL);
    return rc >= 0;
}

bool gs_regex_valid(const char *re, char *why, size_t why_len)
{
    int errcode;
    PCRE2_SIZE erroff;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &errcode,
                                     &erroff, NULL);
    if (code) {
        pcre2_code_free(code);
        return true;
    }
    if (why && why_len) {
        PCRE2_UCHAR buf[256];
        pcre2_get_error_message(errcode, buf, sizeof buf);
        snprintf(why, why_len, "%s at offset %zu", (const char *)buf, (size_t)erroff);
    }
    return false;
}

bool gs_schema_pattern_match(unsigned pattern, const char *s, size_t len)
{
    if (pattern == 0 || pattern >= gs_schema_npatterns)
        return true;
    return gs_regex_match(gs_schema_patterns[pattern], s, len);
}

size_t gs_utf8_len(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

const gs_schema *gs_schema_find_channel(const char *channel, const char *kind, const char *version)
{
    if (!channel)
        channel = "experimental";
    for (const gs_schema_root *r = gs_schema_roots; r->kind; r++)
        if (strcmp(r->kind, kind) == 0 && strcmp(r->version, version) == 0 &&
            strcmp(r->channel, channel) == 0)
            return r->spec;
    return NULL;
}

const gs_schema *gs_schema_find(const char *kind, const char *version)
{
    return gs_schema_find_channel("experimental", kind, version);
}

/* ---- defaults ---- */

/* Default values are shared, not copied: each is parsed once, completed with its own nested
 * defaults, and marked defaulted with an unknown position (line 0), which readers replace with
 * the enclosing object's. Trees never modify default nodes: a complete default gains nothing
 * when walked again. This keeps 10,000 routes' worth of defaults from costing a third of the
 * memory. The key node of a defaulted field is shared the same way. */
typedef struct default_entry {
    const gs_schema *schema; /* the property's schema (owner of default_json) */
    const char *name;        /* the property name, for the shared key node */
    gs_yaml_node *value;
    gs_yaml_node *key;
} default_entry;

static default_entry **default_cache; /* entries never move: callers keep pointers */
static size_t default_n, default_cap;
static gs_yaml_stream *default_stream;

static size_t schema_walk(gs_vctx *v, gs_yaml_node *n, const gs_schema *s);

static void default_mark(gs_yaml_node *n)
{
    gs_pos none = {0};
    n->defaulted = true;
    n->pos = none;
    for (size_t i = 0; i < n->npairs; i++) {
        default_mark(n->pairs[i].key);
        default_mark(n->pairs[i].value);
    }
    for (size_t i = 0; i < n->nitems; i++)
        default_mark(n->items[i]);
}

static const default_entry *default_for(const gs_schema_prop *pr)
{
    for (size_t i = 0; i < default_n; i++)
        if (default_cache[i]->schema == pr->schema && strcmp(default_cache[i]->name, pr->name) == 0)
            return default_cache[i];
    if (!default_stream)
        default_stream = gs_yaml_stream_new("<default>");
    gs_yaml_stream *s = NULL;
    const char *json = pr->schema->default_json;
    if (gs_yaml_parse_buffer(&s, "<default>", json, strlen(json), NULL) != 0 || s->ndocs != 1 ||
        !s->docs[0]) {
        gs_yaml_stream_free(s);
        return NULL;
    }
    gs_yaml_node *value = gs_yaml_clone(default_stream, s->docs[0]);
    gs_yaml_stream_free(s);
    /* complete it with its nested defaults, once */
    gs_diags scratch = {0};
    gs_decoder dec;
    gs_decoder_init(&dec, &scratch);
    gs_vctx v = {.dec = &dec, .stream = default_stream, .object_ns = ""};
    schema_walk(&v, value, pr->schema);
    gs_decoder_release(&dec);
    gs_diags_clear(&scratch);
    default_mark(value);
    gs_pos none = {0};
    gs_yaml_node *key = gs_yaml_new_scalar(default_stream, none, pr->name, GS_YAML_PLAIN);
    default_mark(key);
    gs_xgrow((void **)&default_cache, &default_cap, default_n + 1, sizeof *default_cache);
    default_entry *e = gs_xcalloc(1, sizeof *e);
    default_cache[default_n++] = e;
    e->schema = pr->schema;
    e->name = pr->name;
    e->value = value;
    e->key = key;
    return e;
}

/* ---- the walker ---- */

static bool is_null(const gs_yaml_node *n)
{
    return !n || (n->kind == GS_YAML_SCALAR && gs_yaml_type_of(n) == GS_YAML_T_NULL);
}

static const char *schema_type_word(gs_schema_type t)
{
    switch (t) {
    case GS_ST_OBJECT:
    case GS_ST_MAP: return "object";
    case GS_ST_ARRAY: return "array";
    case GS_ST_STRING: return "string";
    case GS_ST_INTEGER: return "integer";
    case GS_ST_NUMBER: return "number";
    case GS_ST_BOOLEAN: return "boolean";
    default: return "any";
    }
}

/* Whether the resolved YAML type |t| is one schema |s| takes. */
static bool schema_type_matches(gs_yaml_type t, const gs_schema *s)
{
    switch (s->type) {
    case GS_ST_OBJECT:
    case GS_ST_MAP: return t == GS_YAML_T_MAP;
    case GS_ST_ARRAY: return t == GS_YAML_T_SEQ;
    case GS_ST_STRING: return t == GS_YAML_T_STR;
    case GS_ST_INTEGER: return t == GS_YAML_T_INT;
    case GS_ST_NUMBER: return t == GS_YAML_T_INT || t == GS_YAML_T_FLOAT;
    case GS_ST_BOOLEAN: return t == GS_YAML_T_BOOL;
    case GS_ST_INT_OR_STRING: return t == GS_YAML_T_INT || t == GS_YAML_T_STR;
    default: return true;
    }
}

/* Whether every item of array |n| has the type of |s|'s items: the rules over the whole list
 * (uniqueness, CEL) are only run on a well-typed list, as the API server stops at type errors
 * (a null or an array where a listener goes is one error, not also a duplicate). */
static bool schema_items_typed(const gs_yaml_node *n, const gs_schema *s)
{
    if (s->type != GS_ST_ARRAY || s->items == NULL || n->kind != GS_YAML_SEQUENCE)
        return true;
    for (size_t i = 0; i < n->nitems; i++)
        if (is_null(n->items[i]) || !schema_type_matches(gs_yaml_type_of(n->items[i]), s->items))
            return false;
    return true;
}

/* Checks the resolved YAML type of |n| against |s|; reports and returns false on mismatch. */
static bool schema_type_ok(gs_vctx *v, const gs_yaml_node *n, const gs_schema *s)
{
    gs_yaml_type t = gs_yaml_type_of(n);
    if (schema_type_matches(t, s))
        return true;
    if (n->kind == GS_YAML_SCALAR)
        gs_dec_error(v->dec, n, "must be of type %s, got %s \"%s\"", schema_type_word(s->type),
                     gs_yaml_type_name(t), n->str);
    else
        gs_dec_error(v->dec, n, "must be of type %s, got %s", schema_type_word(s->type),
                     gs_yaml_type_name(t));
    return false;
}

static void schema_quote(char *out, size_t n, const char *s)
{
    size_t len = strlen(s);
    if (len > 80)
        snprintf(out, n, "\"%.77s...\"", s);
    else
        snprintf(out, n, "\"%s\"", s);
}

static size_t schema_string(gs_vctx *v, gs_yaml_node *n, const gs_schema *s)
{
    size_t errs = 0;
    char q[128];
    schema_quote(q, sizeof q, n->str);
    if (s->enum_str) {
        bool found = false;
        for (const char *const *e = s->enum_str; *e; e++)
            if (strcmp(*e, n->str) == 0)
                found = true;
        if (!found) {
            gs_buf b = {0};
            for (const char *const *e = s->enum_str; *e; e++)
                gs_buf_printf(&b, "%s\"%s\"", e == s->enum_str ? "" : ", ", *e);
            const char *hint = gs_suggest(n->str, s->enum_str);
            if (hint)
                gs_dec_error(v->dec, n, "Unsupported value: %s: supported values: %s; did you mean \"%s\"?",
                             q, b.data, hint);
            else
                gs_dec_error(v->dec, n, "Unsupported value: %s: supported values: %s", q, b.data);
            gs_buf_clear(&b);
            return 1;
        }
    }
    size_t chars = gs_utf8_len(n->str, n->len);
    if (s->min_len != GS_SCHEMA_NONE && (int64_t)chars < s->min_len) {
        gs_dec_error(v->dec, n, "Invalid value: %s: should be at least %lld chars long", q,
                     (long long)s->min_len);
        errs++;
    }
    if (s->max_len != GS_SCHEMA_NONE && (int64_t)chars > s->max_len) {
        gs_dec_error(v->dec, n, "Too long: may not be longer than %lld characters (got %zu)",
                     (long long)s->max_len, chars);
        errs++;
    }
    static const char placeholder_re[] = "^\\{[A-Z][A-Z0-9_]*\\}$";
    if (s->pattern && gs_regex_match(placeholder_re, n->str, n->len)) {
        /* "{GATEWAY_CLASS_NAME}": the conformance suite substitutes these before applying */
        gs_dec_note(v->dec, n, "%s is a conformance-suite placeholder: not checked", q);
    } else if (s->pattern && !gs_schema_pattern_match(s->pattern, n->str, n->len)) {
        gs_dec_error(v->dec, n, "Invalid value: %s: should match '%s'", q,
                     gs_schema_patterns[s->pattern]);
        errs++;
    }
    return errs;
}

static size_t schema_number(gs_vctx *v, gs_yaml_node *n, const gs_schema *s)
{
    double d = 0;
    int64_t i = 0;
    bool is_int = gs_yaml_int(n, &i);
    if (is_int)
        d = (double)i;
    else if (!gs_yaml_double(n, &d)) {
        gs_dec_error(v->dec, n, "Invalid value: %s: number out of range", n->str);
        return 1;
    }
    if (s->type == GS_ST_INTEGER && !is_int) {
        gs_dec_error(v->dec, n, "Invalid value: %s: integer out of range", n->str);
        return 1;
    }
    if ((s->flags & GS_SF_INT32) && (i < INT32_MIN || i > INT32_MAX)) {
        gs_dec_error(v->dec, n, "Invalid value: %s: does not fit in a 32-bit integer", n->str);
        return 1;
    }
    if (s->enum_int) {
        bool found = false;
        for (unsigned k = 0; k < s->nenum; k++)
            if (s->enum_int[k] == i)
                found = true;
        if (!found) {
            gs_buf b = {0};
            for (unsigned k = 0; k < s->nenum; k++)
                gs_buf_printf(&b, "%s%lld", k ? ", " : "", s->enum_int[k]);
            gs_dec_error(v->dec, n, "Unsupported value: %s: supported values: %s", n->str,
                         b.data);
            gs_buf_clear(&b);
            return 1;
        }
    }
    if (s->minimum != GS_SCHEMA_NONE && d < (double)s->minimum) {
        gs_dec_error(v->dec, n, "Invalid value: %s: should be greater than or equal to %lld",
                     n->str, (long long)s->minimum);
        return 1;
    }
    if (s->maximum != GS_SCHEMA_NONE && d > (double)s->maximum) {
        gs_dec_error(v->dec, n, "Invalid value: %s: should be less than or equal to %lld",
                     n->str, (long long)s->maximum);
        return 1;
    }
    return 0;
}

/* The list-map key of an item, "{"name":"x"}" style, into |out|. */
static void schema_map_key(const gs_yaml_node *item, const char *const *keys, gs_buf *out)
{
    gs_buf_reset(out);
    gs_buf_putc(out, '{');
    for (const char *const *k = keys; *k; k++) {
        const gs_yaml_node *kv = gs_yaml_get(item, *k);
        gs_buf_printf(out, "%s\"%s\":", k == keys ? "" : ",", *k);
        if (kv && kv->kind == GS_YAML_SCALAR && gs_yaml_type_of(kv) == GS_YAML_T_INT)
            gs_buf_puts(out, kv->str);
        else if (kv && kv->kind == GS_YAML_SCALAR)
            gs_buf_printf(out, "\"%s\"", kv->str);
        else
            gs_buf_puts(out, "null");
    }
    gs_buf_putc(out, '}');
}

static size_t schema_array(gs_vctx *v, gs_yaml_node *n, const gs_schema *s)
{
    size_t errs = 0;
    if (s->max_items != GS_SCHEMA_NONE && (int64_t)n->nitems > s->max_items) {
        gs_dec_error(v->dec, n, "Too many: %zu: must have at most %lld items", n->nitems,
                     (long long)s->max_items);
        errs++;
    }
    if (s->min_items != GS_SCHEMA_NONE && (int64_t)n->nitems < s->min_items) {
        gs_dec_error(v->dec, n, "Invalid value: %zu items: should have at least %lld items",
                     n->nitems, (long long)s->min_items);
        errs++;
    }
    for (size_t i = 0; i < n->nitems; i++) {
        gs_dec_push_index(v->dec, i);
        if (s->items && is_null(n->items[i])) {
            /* an item is never omitted: null where an item goes is a type error */
            gs_dec_error(v->dec, n->items[i], "must be of type %s, got null",
                         schema_type_word(s->items->type));
            errs++;
        } else if (s->items) {
            errs += schema_walk(v, n->items[i], s->items);
        }
        gs_dec_pop(v->dec);
    }
    /* uniqueness: list-map keys and sets (exact comparison, as the API server does) */
    if ((s->flags & (GS_SF_LIST_MAP | GS_SF_LIST_SET)) && n->nitems > 1 &&
        schema_items_typed(n, s)) {
        gs_buf a = {0}, b = {0};
        for (size_t i = 1; i < n->nitems; i++) {
            for (size_t j = 0; j < i; j++) {
                bool dup;
                if (s->flags & GS_SF_LIST_MAP) {
                    schema_map_key(n->items[i], s->map_keys, &a);
                    schema_map_key(n->items[j], s->map_keys, &b);
                    dup = strcmp(a.data, b.data) == 0;
                } else {
                    dup = n->items[i]->kind == GS_YAML_SCALAR &&
                          n->items[j]->kind == GS_YAML_SCALAR &&
                          strcmp(n->items[i]->str, n->items[j]->str) == 0;
                }
                if (dup) {
                    gs_dec_push_index(v->dec, i);
                    if (s->flags & GS_SF_LIST_MAP)
                        gs_dec_error(v->dec, n->items[i], "Duplicate value: %s", a.data);
                    else
                        gs_dec_error(v->dec, n->items[i], "Duplicate value: \"%s\"",
                                     n->items[i]->str);
                    gs_dec_pop(v->dec);
                    errs++;
                    break;
                }
            }
        }
        gs_buf_clear(&a);
        gs_buf_clear(&b);
    }
    return errs;
}

static const gs_schema_prop *schema_prop(const gs_schema *s, const char *name)
{
    /* props are sorted by name (generator) */
    unsigned lo = 0, hi = s->nprops;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        int c = strcmp(s->props[mid].name, name);
        if (c == 0)
            return &s->props[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static size_t schema_object(gs_vctx *v, gs_yaml_node *n, const gs_schema *s)
{
    size_t errs = 0;
    /* unknown fields */
    if (!(s->flags & GS_SF_PRESERVE_UNKNOWN)) {
        for (size_t i = 0; i < n->npairs; i++) {
            const gs_yaml_node *k = n->pairs[i].key;
            if (k->kind == GS_YAML_SCALAR && schema_prop(s, k->str))
                continue;
            const char *names[128];
            unsigned m = 0;
            for (unsigned p = 0; p < s->nprops && m < 127; p++)
                names[m++] = s->props[p].name;
            names[m] = NULL;
            const char *ks = k->kind == GS_YAML_SCALAR ? k->str : "?";
            const char *hint = gs_suggest(ks, names);
            if (hint)
                gs_dec_error_field(v->dec, k, ks, "unknown field \"%s\"; did you mean \"%s\"?", ks,
                                   hint);
            else
                gs_dec_error_field(v->dec, k, ks, "unknown field \"%s\"", ks);
            errs++;
        }
    }
    /* defaults (added in one allocation), required */
    const default_entry *add[64];
    unsigned nadd = 0;
    for (unsigned p = 0; p < s->nprops; p++) {
        const gs_schema_prop *pr = &s->props[p];
        gs_yaml_pair *pair = gs_yaml_get_pair(n, pr->name);
        if (pair && !is_null(pair->value))
            continue;
        const default_entry *def = pr->schema->default_json ? default_for(pr) : NULL;
        if (def) {
            if (n->defaulted && n->pos.line == 0)
                continue; /* a shared default node: complete already, never modified */
            if (pair)
                pair->value = def->value;
            else if (nadd < 64)
                add[nadd++] = def;
            continue;
        }
        if (pr->required) {
            gs_dec_error_field(v->dec, n, pr->name, "Required value");
            errs++;
        }
    }
    if (nadd) {
        gs_yaml_pair *pairs = gs_yaml_alloc(v->stream, (n->npairs + nadd) * sizeof *pairs);
        if (n->npairs)
            memcpy(pairs, n->pairs, n->npairs * sizeof *pairs);
        for (unsigned a = 0; a < nadd; a++) {
            pairs[n->npairs + a].key = add[a]->key;
            pairs[n->npairs + a].value = add[a]->value;
        }
        n->pairs = pairs;
        n->npairs += nadd;
    }
    for (size_t i = 0; i < n->npairs; i++) {
        gs_yaml_pair *pair = &n->pairs[i];
        if (pair->key->kind != GS_YAML_SCALAR)
            continue;
        const gs_schema_prop *pr = schema_prop(s, pair->key->str);
        if (!pr || is_null(pair->value))
            continue;
        gs_dec_push(v->dec, pr->name);
        errs += schema_walk(v, pair->value, pr->schema);
        gs_dec_pop(v->dec);
    }
    return errs;
}

static size_t schema_map(gs_vctx *v, gs_yaml_node *n, const gs_schema *s)
{
    size_t errs = 0;
    if (s->max_props != GS_SCHEMA_NONE && (int64_t)n->npairs > s->max_props) {
        gs_dec_error(v->dec, n, "Too many: %zu: must have at most %lld items", n->npairs,
                     (long long)s->max_props);
        errs++;
    }
    for (size_t i = 0; i < n->npairs; i++) {
        gs_yaml_pair *pair = &n->pairs[i];
        const char *key = pair->key->kind == GS_YAML_SCALAR ? pair->key->str : "?";
        gs_dec_push_key(v->dec, key);
        if (s->items && !is_null(pair->value))
            errs += schema_walk(v, pair->value, s->items);
        gs_dec_pop(v->dec);
    }
    return errs;
}

/* A Gateway address of type IPAddress must carry an IPv4 or IPv6 literal (the CRD's oneOf of
 * formats ipv4 / ipv6, which the API server checks as Go's net.ParseIP: dotted quads without
 * leading zeros, IPv6 text without a zone). */
static size_t schema_address_oneof(gs_vctx *v, gs_yaml_node *n)
{
    const gs_yaml_node *type = gs_yaml_get(n, "type");
    const gs_yaml_node *value = gs_yaml_get(n, "value");
    if (!gs_yaml_scalar_eq(type, "IPAddress") || !value || value->kind != GS_YAML_SCALAR ||
        value->len == 0)
        return 0;
    static const char ipv4[] =
        "^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$";
    if (strncmp(value->str, "PLACEHOLDER_", 12) == 0) {
        /* Gateway API conformance templates substitute these before applying */
        gs_dec_push(v->dec, "value");
        gs_dec_note(v->dec, value, "\"%s\" is a conformance-suite placeholder: not checked",
                    value->str);
        gs_dec_pop(v->dec);
        return 0;
    }
    struct in6_addr a6;
    if (gs_regex_match(ipv4, value->str, value->len) ||
        (strlen(value->str) == value->len && inet_pton(AF_INET6, value->str, &a6) == 1))
        return 0;
    gs_dec_push(v->dec, "value");
    gs_dec_error(v->dec, value, "Invalid value: \"%s\": must be an IPv4 or IPv6 address when type is IPAddress",
                 value->str);
    gs_dec_pop(v->dec);
    return 1;
}

static size_t schema_walk(gs_vctx *v, gs_yaml_node *n, const gs_schema *s)
{
    if (is_null(n))
        return 0;
    if (!schema_type_ok(v, n, s))
        return 1;
    size_t errs = 0;
    switch (s->type) {
    case GS_ST_OBJECT: errs += schema_object(v, n, s); break;
    case GS_ST_MAP: errs += schema_map(v, n, s); break;
    case GS_ST_ARRAY: errs += schema_array(v, n, s); break;
    case GS_ST_STRING: errs += schema_string(v, n, s); break;
    case GS_ST_INTEGER:
    case GS_ST_NUMBER: errs += schema_number(v, n, s); break;
    default: break;
    }
    if (s->flags & GS_SF_ADDRESS_ONEOF)
        errs += schema_address_oneof(v, n);
    size_t before = v->dec->nerrors;
    for (unsigned i = 0; i < s->ncel && schema_items_typed(n, s); i++)
        gs_cel_run(v, &s->cel[i], n);
    return errs + (v->dec->nerrors - before);
}

size_t gs_schema_validate(gs_vctx *v, gs_yaml_node *node, const gs_schema *schema)
{
    return schema_walk(v, node, schema);
}
