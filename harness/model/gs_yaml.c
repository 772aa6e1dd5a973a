/* SPDX-License-Identifier: MIT */
/* libyaml event stream -> gs_yaml_node trees in an arena, with positions, styles and tags; and
 * the scalar resolution rules Kubernetes' YAML reader uses. Knows nothing of Kubernetes. */
#include "gs_yaml.h"

#include "gs_alloc.h"
#include "gs_hex.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

/* ---- arena ---- */

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
} arena_chunk;

struct gs_yaml_arena {
    arena_chunk *head;
};

static void *arena_alloc(struct gs_yaml_arena *a, size_t size)
{
    size = (size + 7u) & ~(size_t)7u;
    arena_chunk *c = a->head;
    if (!c || c->cap - c->used < size) {
        size_t cap = size > 60000 ? size : 64 * 1024 - sizeof(arena_chunk);
        c = gs_xmalloc(sizeof(arena_chunk) + cap);
        c->cap = cap;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += size;
    memset(p, 0, size);
    return p;
}

void *gs_yaml_alloc(gs_yaml_stream *s, size_t size)
{
    return arena_alloc(s->arena, size);
}

static char *arena_strndup(struct gs_yaml_arena *a, const char *p, size_t n)
{
    char *r = arena_alloc(a, n + 1);
    if (n)
        memcpy(r, p, n);
    r[n] = '\0';
    return r;
}

char *gs_yaml_strdup(gs_yaml_stream *s, const char *text)
{
    return arena_strndup(s->arena, text, strlen(text));
}

void gs_yaml_stream_free(gs_yaml_stream *s)
{
    if (!s)
        return;
    if (s->arena) {
        arena_chunk *c = s->arena->head;
        while (c) {
            arena_chunk *n = c->next;
            free(c);
            c = n;
        }
        free(s->arena);
    }
    free(s->docs);
    free(s->doc_pos);
    free(s->file);
    free(s);
}

/* ---- parser ---- */

typedef struct parse_frame {
    gs_yaml_node *node;
    void **kids; /* sequence: items; mapping: key, value, key, value ... */
    size_t nkids, cap;
} parse_frame;

typedef struct parse_anchor {
    char *name;
    gs_yaml_node *node;
} parse_anchor;

typedef struct parse_state {
    gs_yaml_stream *s;
    parse_frame *stack;
    size_t depth, stack_cap;
    parse_anchor *anchors;
    size_t nanchors, anchors_cap;
    size_t nodes;
    gs_yaml_node *root;
} parse_state;

static gs_pos parse_pos(const gs_yaml_stream *s, yaml_mark_t m)
{
    gs_pos p = {s->file, (unsigned)m.line + 1, (unsigned)m.column + 1};
    return p;
}

/* Where byte |offset| of |data| is: libyaml's reader errors (bad UTF-8, control characters)
 * give a byte offset, not a mark. Columns count characters, as libyaml's marks do. */
static gs_pos offset_pos(const gs_yaml_stream *s, const char *data, size_t len, size_t offset)
{
    gs_pos p = {s->file, 1, 1};
    for (size_t i = 0; i < offset && i < len; i++) {
        unsigned char c = (unsigned char)data[i];
        if (c == '\n') {
            p.line++;
            p.col = 1;
        } else if ((c & 0xC0) != 0x80) { /* not a UTF-8 continuation byte */
            p.col++;
        }
    }
    return p;
}

static int parse_fail(gs_error *err, gs_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int parse_fail(gs_error *err, gs_pos pos, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return gs_error_set_at(err, GS_ERR_PARSE, pos, "%s:%u:%u: %s", pos.file, pos.line, pos.col, msg);
}

static const char *parse_tag(struct gs_yaml_arena *a, const yaml_char_t *tag)
{
    if (!tag)
        return NULL;
    return arena_strndup(a, (const char *)tag, strlen((const char *)tag));
}

static int key_cmp(const void *x, const void *y)
{
    const gs_yaml_pair *a = *(const gs_yaml_pair *const *)x, *b = *(const gs_yaml_pair *const *)y;
    if (a->key->len != b->key->len)
        return a->key->len < b->key->len ? -1 : 1;
    int c = memcmp(a->key->str, b->key->str, a->key->len);
    if (c)
        return c;
    /* equal keys: order by position so the later one is reported */
    if (a->key->pos.line != b->key->pos.line)
        return a->key->pos.line < b->key->pos.line ? -1 : 1;
    return a->key->pos.col < b->key->pos.col ? -1 : (a->key->pos.col > b->key->pos.col);
}

/* Finds a scalar key present twice; returns the second occurrence or NULL. */
static const gs_yaml_node *parse_duplicate_key(const gs_yaml_node *map)
{
    size_t n = map->npairs;
    if (n < 2)
        return NULL;
    if (n <= 16) {
        for (size_t i = 1; i < n; i++) {
            const gs_yaml_node *k = map->pairs[i].key;
            if (k->kind != GS_YAML_SCALAR)
                continue;
            for (size_t j = 0; j < i; j++) {
                const gs_yaml_node *o = map->pairs[j].key;
                if (o->kind == GS_YAML_SCALAR && o->len == k->len &&
                    memcmp(o->str, k->str, k->len) == 0)
                    return k;
            }
        }
        return NULL;
    }
    const gs_yaml_pair **v = gs_xmalloc(n * sizeof *v);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (map->pairs[i].key->kind == GS_YAML_SCALAR)
            v[m++] = &map->pairs[i];
    qsort(v, m, sizeof *v, key_cmp);
    const gs_yaml_node *dup = NULL;
    for (size_t i = 1; i < m && !dup; i++)
        if (v[i]->key->len == v[i - 1]->key->len &&
            memcmp(v[i]->key->str, v[i - 1]->key->str, v[i]->key->len) == 0)
            dup = v[i]->key;
    free(v);
    return dup;
}

static gs_yaml_node *parse_new_node(parse_state *st, gs_yaml_kind kind, yaml_mark_t m)
{
    gs_yaml_node *n = arena_alloc(st->s->arena, sizeof *n);
    n->kind = kind;
    n->pos = parse_pos(st->s, m);
    n->expanded = 1;
    st->nodes++;
    return n;
}

static void parse_remember_anchor(parse_state *st, const yaml_char_t *anchor, gs_yaml_node *n)
{
    if (!anchor)
        return;
    gs_xgrow((void **)&st->anchors, &st->anchors_cap, st->nanchors + 1, sizeof *st->anchors);
    st->anchors[st->nanchors].name = gs_xstrdup((const char *)anchor);
    st->anchors[st->nanchors].node = n;
    st->nanchors++;
}

/* Attaches |n| to the open collection (or makes it the document root). */
static void parse_attach(parse_state *st, gs_yaml_node *n)
{
    if (st->depth == 0) {
        st->root = n;
        return;
    }
    parse_frame *f = &st->stack[st->depth - 1];
    gs_xgrow((void **)&f->kids, &f->cap, f->nkids + 1, sizeof *f->kids);
    f->kids[f->nkids++] = n;
}

static int parse_close(parse_state *st, gs_error *err)
{
    parse_frame *f = &st->stack[--st->depth];
    gs_yaml_node *n = f->node;
    struct gs_yaml_arena *a = st->s->arena;
    if (n->kind == GS_YAML_SEQUENCE) {
        n->nitems = f->nkids;
        if (f->nkids) {
            n->items = arena_alloc(a, f->nkids * sizeof *n->items);
            memcpy(n->items, f->kids, f->nkids * sizeof *n->items);
        }
    } else {
        n->npairs = f->nkids / 2;
        if (n->npairs) {
            n->pairs = arena_alloc(a, n->npairs * sizeof *n->pairs);
            for (size_t i = 0; i < n->npairs; i++) {
                n->pairs[i].key = f->kids[2 * i];
                n->pairs[i].value = f->kids[2 * i + 1];
            }
        }
    }
    f->nkids = 0;
    size_t total = 1;
    for (size_t i = 0; i < n->nitems; i++)
        total += n->items[i]->expanded;
    for (size_t i = 0; i < n->npairs; i++)
        total += n->pairs[i].key->expanded + n->pairs[i].value->expanded;
    n->expanded = total > GS_YAML_MAX_EXPANDED ? GS_YAML_MAX_EXPANDED + 1 : total;
    if (n->expanded > GS_YAML_MAX_EXPANDED)
        return parse_fail(err, n->pos, "aliases expand to more than %u nodes",
                          GS_YAML_MAX_EXPANDED);
    parse_attach(st, n);
    if (n->kind == GS_YAML_MAPPING) {
        const gs_yaml_node *dup = parse_duplicate_key(n);
        if (dup)
            return parse_fail(err, dup->pos, "duplicate key \"%s\" in mapping", dup->str);
    }
    return 0;
}

static int parse_open(parse_state *st, gs_yaml_node *n, gs_error *err)
{
    if (st->depth >= GS_YAML_MAX_DEPTH)
        return parse_fail(err, n->pos, "nesting deeper than %d levels", GS_YAML_MAX_DEPTH);
    if (st->depth == st->stack_cap) {
        size_t old = st->stack_cap;
        gs_xgrow((void **)&st->stack, &st->stack_cap, st->depth + 1, sizeof *st->stack);
        memset(st->stack + old, 0, (st->stack_cap - old) * sizeof *st->stack);
    }
    st->stack[st->depth++].node = n;
    return 0;
}

static int parse_event(parse_state *st, yaml_event_t *ev, gs_error *err)
{
    struct gs_yaml_arena *a = st->s->arena;
    gs_yaml_node *n;
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        n = parse_new_node(st, GS_YAML_SCALAR, ev->start_mark);
        n->str = arena_strndup(a, (const char *)ev->data.scalar.value, ev->data.scalar.length);
        n->len = ev->data.scalar.length;
        switch (ev->data.scalar.style) {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: n->style = GS_YAML_SINGLE_QUOTED; break;
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: n->style = GS_YAML_DOUBLE_QUOTED; break;
        case YAML_LITERAL_SCALAR_STYLE: n->style = GS_YAML_LITERAL; break;
        case YAML_FOLDED_SCALAR_STYLE: n->style = GS_YAML_FOLDED; break;
        default: n->style = GS_YAML_PLAIN; break;
        }
        /* libyaml reports the non-specific "!" tag for quoted scalars with no tag written */
        if (ev->data.scalar.tag && strcmp((const char *)ev->data.scalar.tag, "!") != 0)
            n->tag = parse_tag(a, ev->data.scalar.tag);
        parse_remember_anchor(st, ev->data.scalar.anchor, n);
        parse_attach(st, n);
        return 0;
    case YAML_SEQUENCE_START_EVENT:
        n = parse_new_node(st, GS_YAML_SEQUENCE, ev->start_mark);
        n->tag = parse_tag(a, ev->data.sequence_start.tag);
        parse_remember_anchor(st, ev->data.sequence_start.anchor, n);
        return parse_open(st, n, err);
    case YAML_MAPPING_START_EVENT:
        n = parse_new_node(st, GS_YAML_MAPPING, ev->start_mark);
        n->tag = parse_tag(a, ev->data.mapping_start.tag);
        parse_remember_anchor(st, ev->data.mapping_start.anchor, n);
        return parse_open(st, n, err);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        return parse_close(st, err);
    case YAML_ALIAS_EVENT:
        for (size_t i = st->nanchors; i-- > 0;) {
            if (strcmp(st->anchors[i].name, (const char *)ev->data.alias.anchor) == 0) {
                for (size_t k = 0; k < st->depth; k++)
                    if (st->stack[k].node == st->anchors[i].node)
                        return parse_fail(err, parse_pos(st->s, ev->start_mark),
                                          "alias \"*%s\" refers to a node that contains it",
                                          (const char *)ev->data.alias.anchor);
                parse_attach(st, st->anchors[i].node);
                return 0;
            }
        }
        return parse_fail(err, parse_pos(st->s, ev->start_mark), "unknown alias \"*%s\"",
                          (const char *)ev->data.alias.anchor);
    default:
        return 0;
    }
}

static void parse_add_doc(parse_state *st, gs_pos pos)
{
    gs_yaml_stream *s = st->s;
    s->docs = gs_xrealloc(s->docs, (s->ndocs + 1) * sizeof *s->docs);
    s->doc_pos = gs_xrealloc(s->doc_pos, (s->ndocs + 1) * sizeof *s->doc_pos);
    gs_yaml_node *root = st->root;
    if (root && root->kind == GS_YAML_SCALAR && root->len == 0 && root->style == GS_YAML_PLAIN &&
        !root->tag)
        root = NULL; /* "---" followed by nothing */
    s->docs[s->ndocs] = root;
    s->doc_pos[s->ndocs] = pos;
    s->ndocs++;
    st->root = NULL;
}

int gs_yaml_parse_buffer(gs_yaml_stream **out, const char *file, const void *data, size_t len,
                         gs_error *err)
{
    *out = NULL;
    gs_yaml_stream *s = gs_xcalloc(1, sizeof *s);
    s->file = gs_xstrdup(file ? file : "<input>");
    s->arena = gs_xcalloc(1, sizeof *s->arena);

    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        gs_yaml_stream_free(s);
        return gs_error_set(err, GS_ERR_NOMEM, "cannot initialise the YAML parser");
    }
    yaml_parser_set_input_string(&parser, data, len);
    parse_state st = {.s = s};
    gs_pos doc_pos = {s->file, 1, 1};
    int rc = 0;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            gs_pos pos = parser.error == YAML_READER_ERROR
                             ? offset_pos(s, (const char *)data, len, parser.problem_offset)
                             : parse_pos(s, parser.problem_mark);
            char msg[400];
            if (parser.context)
                snprintf(msg, sizeof msg, "%s (%s at line %zu)", parser.problem ? parser.problem : "syntax error",
                         parser.context, parser.context_mark.line + 1);
            else
                snprintf(msg, sizeof msg, "%s", parser.problem ? parser.problem : "syntax error");
            rc = parse_fail(err, pos, "malformed YAML: %s", msg);
            break;
        }
        yaml_event_type_t type = ev.type;
        if (type == YAML_DOCUMENT_START_EVENT)
            doc_pos = parse_pos(s, ev.start_mark);
        rc = parse_event(&st, &ev, err);
        if (rc == 0 && st.nodes > GS_YAML_MAX_NODES)
            rc = parse_fail(err, parse_pos(s, ev.start_mark), "document too large");
        yaml_event_delete(&ev);
        if (rc)
            break;
        if (type == YAML_DOCUMENT_END_EVENT)
            parse_add_doc(&st, doc_pos);
        if (type == YAML_STREAM_END_EVENT)
            break;
    }
    yaml_parser_delete(&parser);
    for (size_t i = 0; i < st.stack_cap; i++)
        free(st.stack[i].kids);
    free(st.stack);
    for (size_t i = 0; i < st.nanchors; i++)
        free(st.anchors[i].name);
    free(st.anchors);
    if (rc) {
        if (err) /* the stream's copy of the name dies with it: point at the caller's */
            err->pos.file = file ? file : "<input>";
        gs_yaml_stream_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

int gs_yaml_parse_file(gs_yaml_stream **out, const char *path, gs_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return gs_error_set_errno(err, errno, "%s", path);
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        gs_xgrow((void **)&buf, &cap, len + 65536, 1);
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    int failed = ferror(f);
    int saved = errno;
    fclose(f);
    if (failed) {
        free(buf);
        return gs_error_set_errno(err, saved ? saved : EIO, "%s", path);
    }
    int rc = gs_yaml_parse_buffer(out, path, buf, len, err);
    free(buf);
    return rc;
}

/* ---- reading ---- */

gs_yaml_pair *gs_yaml_get_pair(const gs_yaml_node *map, const char *key)
{
    if (!map || map->kind != GS_YAML_MAPPING)
        return NULL;
    size_t kl = strlen(key);
    for (size_t i = 0; i < map->npairs; i++) {
        const gs_yaml_node *k = map->pairs[i].key;
        if (k->kind == GS_YAML_SCALAR && k->len == kl && memcmp(k->str, key, kl) == 0)
            return &map->pairs[i];
    }
    return NULL;
}

gs_yaml_node *gs_yaml_get(const gs_yaml_node *map, const char *key)
{
    gs_yaml_pair *p = gs_yaml_get_pair(map, key);
    return p ? p->value : NULL;
}

static bool tag_is(const gs_yaml_node *n, const char *name)
{
    if (!n->tag)
        return false;
    const char *t = n->tag;
    if (strncmp(t, "tag:yaml.org,2002:", 18) == 0)
        t += 18;
    else if (strncmp(t, "!!", 2) == 0)
        t += 2;
    return strcmp(t, name) == 0;
}

static bool in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return true;
    return false;
}

static const char *const yaml_true[] = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE",
                                        "on", "On", "ON", NULL};
static const char *const yaml_false[] = {"n", "N", "no", "No", "NO", "false", "False", "FALSE",
                                         "off", "Off", "OFF", NULL};
static const char *const yaml_null[] = {"~", "null", "Null", "NULL", NULL};

/* Parses a YAML 1.1 integer (decimal, 0x, 0o/leading-0 octal, 0b, underscores) into *out. */
static bool parse_int(const char *s, size_t len, int64_t *out)
{
    if (len == 0 || len > 80)
        return false;
    char buf[96];
    size_t m = 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] != '_')
            buf[m++] = s[i];
    buf[m] = '\0';
    const char *p = buf;
    bool neg = false;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    if (!*p)
        return false;
    int base = 10;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        base = 16, p += 2;
    else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B'))
        base = 2, p += 2;
    else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O'))
        base = 8, p += 2;
    else if (p[0] == '0' && p[1])
        base = 8, p += 1;
    if (!*p)
        return false;
    for (const char *q = p; *q; q++) {
        int d = gs_hex_value(*q);
        if (d < 0 || d >= base)
            return false;
    }
    errno = 0;
    unsigned long long v = strtoull(p, NULL, base);
    if (errno == ERANGE || v > (unsigned long long)INT64_MAX + (neg ? 1u : 0u))
        return false;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

static bool parse_float(const char *s, size_t len, double *out)
{
    if (len == 0 || len > 80)
        return false;
    static const char *const inf[] = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", NULL};
    static const char *const ninf[] = {"-.inf", "-.Inf", "-.INF", NULL};
    static const char *const nan[] = {".nan", ".NaN", ".NAN", NULL};
    if (in_list(s, inf)) {
        *out = INFINITY;
        return true;
    }
    if (in_list(s, ninf)) {
        *out = -INFINITY;
        return true;
    }
    if (in_list(s, nan)) {
        *out = NAN;
        return true;
    }
    /* [-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)? */
    char buf[96];
    size_t m = 0, i = 0;
    if (s[i] == '+' || s[i] == '-')
        buf[m++] = s[i++];
    size_t digits = 0;
    while (i < len && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_')) {
        if (s[i] != '_')
            buf[m++] = s[i], digits++;
        i++;
    }
    if (i < len && s[i] == '.') {
        buf[m++] = s[i++];
        while (i < len && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_')) {
            if (s[i] != '_')
                buf[m++] = s[i], digits++;
            i++;
        }
    }
    if (digits == 0)
        return false;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        buf[m++] = s[i++];
        if (i < len && (s[i] == '+' || s[i] == '-'))
            buf[m++] = s[i++];
        size_t ed = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            buf[m++] = s[i++], ed++;
        if (ed == 0)
            return false;
    }
    if (i != len)
        return false;
    buf[m] = '\0';
    *out = strtod(buf, NULL);
    return true;
}

gs_yaml_type gs_yaml_type_of(const gs_yaml_node *n)
{
    if (!n)
        return GS_YAML_T_NULL;
    if (n->kind == GS_YAML_MAPPING)
        return GS_YAML_T_MAP;
    if (n->kind == GS_YAML_SEQUENCE)
        return GS_YAML_T_SEQ;
    if (n->tag) {
        if (tag_is(n, "str"))
            return GS_YAML_T_STR;
        if (tag_is(n, "bool"))
            return GS_YAML_T_BOOL;
        if (tag_is(n, "int"))
            return GS_YAML_T_INT;
        if (tag_is(n, "float"))
            return GS_YAML_T_FLOAT;
        if (tag_is(n, "null"))
            return GS_YAML_T_NULL;
    }
    if (n->style != GS_YAML_PLAIN)
        return GS_YAML_T_STR;
    if (n->len == 0)
        return GS_YAML_T_NULL;
    char c = n->str[0];
    /* every null and boolean word is at most 5 characters and starts with one of these */
    if (n->len <= 5 && strchr("~nNyYtTfFoO", c)) {
        if (in_list(n->str, yaml_null))
            return GS_YAML_T_NULL;
        if (in_list(n->str, yaml_true) || in_list(n->str, yaml_false))
            return GS_YAML_T_BOOL;
    }
    if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.') {
        int64_t iv;
        double dv;
        if (parse_int(n->str, n->len, &iv))
            return GS_YAML_T_INT;
        if (parse_float(n->str, n->len, &dv))
            return GS_YAML_T_FLOAT;
    }
    return GS_YAML_T_STR;
}

const char *gs_yaml_type_name(gs_yaml_type t)
{
    switch (t) {
    case GS_YAML_T_NULL: return "null";
    case GS_YAML_T_BOOL: return "boolean";
    case GS_YAML_T_INT: return "integer";
    case GS_YAML_T_FLOAT: return "number";
    case GS_YAML_T_STR: return "string";
    case GS_YAML_T_MAP: return "object";
    case GS_YAML_T_SEQ: return "array";
    }
    return "unknown";
}

bool gs_yaml_bool(const gs_yaml_node *n, bool *out)
{
    if (gs_yaml_type_of(n) != GS_YAML_T_BOOL)
        return false;
    *out = in_list(n->str, yaml_true);
    return true;
}

bool gs_yaml_int(const gs_yaml_node *n, int64_t *out)
{
    if (gs_yaml_type_of(n) != GS_YAML_T_INT)
        return false;
    return parse_int(n->str, n->len, out);
}

bool gs_yaml_double(const gs_yaml_node *n, double *out)
{
    gs_yaml_type t = gs_yaml_type_of(n);
    if (t == GS_YAML_T_INT) {
        int64_t v;
        if (!parse_int(n->str, n->len, &v))
            return false;
        *out = (double)v;
        return true;
    }
    if (t != GS_YAML_T_FLOAT)
        return false;
    return parse_float(n->str, n->len, out);
}

const char *gs_yaml_str(const gs_yaml_node *n)
{
    return n && n->kind == GS_YAML_SCALAR ? n->str : NULL;
}

bool gs_yaml_is_string(const gs_yaml_node *n)
{
    return gs_yaml_type_of(n) == GS_YAML_T_STR;
}

bool gs_yaml_scalar_eq(const gs_yaml_node *n, const char *s)
{
    return n && n->kind == GS_YAML_SCALAR && strcmp(n->str, s) == 0;
}

/* ---- building ---- */

gs_yaml_node *gs_yaml_new_scalar(gs_yaml_stream *s, gs_pos pos, const char *text,
                                 gs_yaml_style style)
{
    gs_yaml_node *n = arena_alloc(s->arena, sizeof *n);
    n->kind = GS_YAML_SCALAR;
    n->expanded = 1;
    n->pos = pos;
    n->style = (uint8_t)style;
    n->defaulted = true;
    n->len = strlen(text);
    n->str = arena_strndup(s->arena, text, n->len);
    return n;
}

gs_yaml_node *gs_yaml_clone_at(gs_yaml_stream *s, const gs_yaml_node *n, gs_pos pos)
{
    gs_yaml_node *c = arena_alloc(s->arena, sizeof *c);
    *c = *n;
    c->pos = pos;
    c->defaulted = true;
    if (n->kind == GS_YAML_SCALAR) {
        c->str = arena_strndup(s->arena, n->str, n->len);
    } else if (n->kind == GS_YAML_MAPPING) {
        c->pairs = n->npairs ? arena_alloc(s->arena, n->npairs * sizeof *c->pairs) : NULL;
        for (size_t i = 0; i < n->npairs; i++) {
            c->pairs[i].key = gs_yaml_clone_at(s, n->pairs[i].key, pos);
            c->pairs[i].value = gs_yaml_clone_at(s, n->pairs[i].value, pos);
        }
    } else {
        c->items = n->nitems ? arena_alloc(s->arena, n->nitems * sizeof *c->items) : NULL;
        for (size_t i = 0; i < n->nitems; i++)
            c->items[i] = gs_yaml_clone_at(s, n->items[i], pos);
    }
    return c;
}

gs_yaml_node *gs_yaml_clone(gs_yaml_stream *s, const gs_yaml_node *n)
{
    gs_yaml_node *c = arena_alloc(s->arena, sizeof *c);
    *c = *n;
    c->pos.file = s->file;
    if (n->tag)
        c->tag = arena_strndup(s->arena, n->tag, strlen(n->tag));
    if (n->kind == GS_YAML_SCALAR) {
        c->str = arena_strndup(s->arena, n->str, n->len);
    } else if (n->kind == GS_YAML_MAPPING) {
        c->pairs = n->npairs ? arena_alloc(s->arena, n->npairs * sizeof *c->pairs) : NULL;
        for (size_t i = 0; i < n->npairs; i++) {
            c->pairs[i].key = gs_yaml_clone(s, n->pairs[i].key);
            c->pairs[i].value = gs_yaml_clone(s, n->pairs[i].value);
        }
    } else {
        c->items = n->nitems ? arena_alloc(s->arena, n->nitems * sizeof *c->items) : NULL;
        for (size_t i = 0; i < n->nitems; i++)
            c->items[i] = gs_yaml_clone(s, n->items[i]);
    }
    return c;
}

gs_yaml_stream *gs_yaml_stream_new(const char *file)
{
    gs_yaml_stream *s = gs_xcalloc(1, sizeof *s);
    s->file = gs_xstrdup(file ? file : "<input>");
    s->arena = gs_xcalloc(1, sizeof *s->arena);
    return s;
}
