/* SPDX-License-Identifier: MIT */
/* The object set: kind names, per-kind lists with replace-by-identity and removal, lookups,
 * label selectors and Secret data. Loading and validation live in gs_load.c. */
#include "gs_model.h"
#include "gs_route_kinds.h"

#include "gs_alloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gs_model_stream {
    gs_yaml_stream *stream;
    struct gs_model_stream *next;
};

static const char *const kind_names[GS_KIND_COUNT_] = {
    [GS_KIND_UNKNOWN] = "",
    [GS_KIND_GATEWAY_CLASS] = "GatewayClass",
    [GS_KIND_GATEWAY] = "Gateway",
    [GS_KIND_HTTP_ROUTE] = "HTTPRoute",
    [GS_KIND_GRPC_ROUTE] = "GRPCRoute",
    [GS_KIND_REFERENCE_GRANT] = "ReferenceGrant",
    [GS_KIND_NAMESPACE] = "Namespace",
    [GS_KIND_SERVICE] = "Service",
    [GS_KIND_SECRET] = "Secret",
    [GS_KIND_TLS_ROUTE] = "TLSRoute",
    [GS_KIND_TCP_ROUTE] = "TCPRoute",
    [GS_KIND_UDP_ROUTE] = "UDPRoute",
    [GS_KIND_INGRESS] = "Ingress",
    [GS_KIND_BACKEND_TLS_POLICY] = "BackendTLSPolicy",
    [GS_KIND_INGRESS_CLASS] = "IngressClass",
    [GS_KIND_LISTENER_SET] = "ListenerSet",
    [GS_KIND_CONFIG_MAP] = "ConfigMap",
};

const char *gs_kind_name(gs_kind kind)
{
    return kind > GS_KIND_UNKNOWN && kind < GS_KIND_COUNT_ ? kind_names[kind] : "";
}

gs_kind gs_kind_from_name(const char *name)
{
    if (!name)
        return GS_KIND_UNKNOWN;
    for (int k = 1; k < GS_KIND_COUNT_; k++)
        if (strcmp(kind_names[k], name) == 0)
            return (gs_kind)k;
    return GS_KIND_UNKNOWN;
}

bool gs_kind_is_modelled(gs_kind kind)
{
    if (kind >= GS_KIND_GATEWAY_CLASS && kind <= GS_KIND_SECRET)
        return true;
    if (kind == GS_KIND_INGRESS || kind == GS_KIND_INGRESS_CLASS || kind == GS_KIND_LISTENER_SET ||
        kind == GS_KIND_BACKEND_TLS_POLICY || kind == GS_KIND_CONFIG_MAP)
        return true;
    return gs_route_kind_modelled(gs_route_kind_of(kind)); /* a route kind with a decoder */
}

bool gs_kind_is_namespaced(gs_kind kind)
{
    return kind != GS_KIND_GATEWAY_CLASS && kind != GS_KIND_NAMESPACE &&
           kind != GS_KIND_INGRESS_CLASS && kind != GS_KIND_UNKNOWN;
}

const char *gs_labels_get(const gs_labels *labels, const char *key)
{
    for (size_t i = 0; labels && i < labels->n; i++)
        if (labels->items[i].key.v && strcmp(labels->items[i].key.v, key) == 0)
            return labels->items[i].value.v ? labels->items[i].value.v : "";
    return NULL;
}

bool gs_label_requirement_valid(const gs_label_selector_requirement *r)
{
    const char *op = r->operator.v ? r->operator.v : "";
    if (strcmp(op, "In") == 0 || strcmp(op, "NotIn") == 0)
        return r->n_values > 0;
    if (strcmp(op, "Exists") == 0 || strcmp(op, "DoesNotExist") == 0)
        return r->n_values == 0;
    return false;
}

bool gs_label_selector_matches(const gs_label_selector *sel, const gs_labels *labels)
{
    if (!sel || !sel->set)
        return true;
    for (size_t i = 0; i < sel->match_labels.n; i++) {
        const gs_label *l = &sel->match_labels.items[i];
        const char *have = gs_labels_get(labels, l->key.v);
        if (!have || strcmp(have, l->value.v ? l->value.v : "") != 0)
            return false;
    }
    for (size_t i = 0; i < sel->n_match_expressions; i++) {
        const gs_label_selector_requirement *r = &sel->match_expressions[i];
        const char *have = gs_labels_get(labels, r->key.v);
        const char *op = r->operator.v ? r->operator.v : "";
        bool in = false;
        for (size_t k = 0; have && k < r->n_values; k++)
            if (r->values[k].v && strcmp(r->values[k].v, have) == 0)
                in = true;
        if (strcmp(op, "In") == 0 && !in)
            return false;
        if (strcmp(op, "NotIn") == 0 && in)
            return false;
        if (strcmp(op, "Exists") == 0 && !have)
            return false;
        if (strcmp(op, "DoesNotExist") == 0 && have)
            return false;
        if (!gs_label_requirement_valid(r))
            return false; /* as a controller that cannot parse it: nothing (validate warns) */
    }
    return true;
}

static const unsigned char *entries_get(const gs_secret_entry *e, size_t n, const char *key,
                                        size_t *len)
{
    for (size_t i = 0; i < n; i++)
        if (e[i].key.v && strcmp(e[i].key.v, key) == 0) {
            if (len)
                *len = e[i].decoded_len;
            return e[i].decoded;
        }
    return NULL;
}

const unsigned char *gs_secret_get(const gs_secret *s, const char *key, size_t *len)
{
    return s ? entries_get(s->data, s->n_data, key, len) : NULL;
}

const unsigned char *gs_config_map_get(const gs_config_map *cm, const char *key, size_t *len)
{
    return cm ? entries_get(cm->data, cm->n_data, key, len) : NULL;
}

int64_t gs_parse_rfc3339(const char *s)
{
    if (!s)
        return -1;
    int Y, M, D, h, m, sec, n = 0;
    if (sscanf(s, "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &Y, &M, &D, &h, &m, &sec, &n) != 6 || n < 19)
        return -1;
    const char *p = s + n;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    long off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om, k = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &k) != 2 || k != 5)
            return -1;
        off = (oh * 60L + om) * 60L * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return -1;
    }
    if (*p || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
        return -1;
    /* days from civil (proleptic Gregorian) */
    int y = Y - (M <= 2);
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153L * (M + (M > 2 ? -3 : 9)) + 2) / 5 + D - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    long days = era * 146097 + doe - 719468;
    return (int64_t)days * 86400 + h * 3600 + m * 60 + sec - off;
}

/* ---- identity index: open addressing on kind/namespace/name ---- */

typedef struct gs_model_index {
    gs_object **slots; /* NULL = empty; TOMBSTONE = removed */
    size_t cap, used;  /* used counts tombstones too */
} gs_model_index;

static gs_object index_tombstone_;
#define INDEX_TOMBSTONE (&index_tombstone_)

static uint64_t index_hash(gs_kind kind, const char *ns, const char *name)
{
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)kind;
    for (const char *p = ns ? ns : ""; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    h = (h ^ '/') * 1099511628211ULL;
    for (const char *p = name; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    return h;
}

static const char *object_ns(const gs_object *o)
{
    return gs_kind_is_namespaced(o->kind) && o->metadata.namespace.v ? o->metadata.namespace.v
                                                                      : "";
}

static bool object_is(const gs_object *o, gs_kind kind, const char *ns, const char *name);

/* The slot holding that identity, or the empty slot where it would go. */
static gs_object **index_slot(gs_model_index *ix, gs_kind kind, const char *ns, const char *name)
{
    if (!gs_kind_is_namespaced(kind))
        ns = "";
    size_t mask = ix->cap - 1;
    size_t i = (size_t)index_hash(kind, ns, name) & mask;
    gs_object **free_slot = NULL;
    for (;;) {
        gs_object *o = ix->slots[i];
        if (!o)
            return free_slot ? free_slot : &ix->slots[i];
        if (o == INDEX_TOMBSTONE) {
            if (!free_slot)
                free_slot = &ix->slots[i];
        } else if (object_is(o, kind, ns, name)) {
            return &ix->slots[i];
        }
        i = (i + 1) & mask;
    }
}

static void index_grow(gs_model_index *ix)
{
    gs_object **old = ix->slots;
    size_t old_cap = ix->cap;
    ix->cap = old_cap ? old_cap * 2 : 64;
    ix->slots = gs_xcalloc(ix->cap, sizeof *ix->slots);
    ix->used = 0;
    for (size_t i = 0; i < old_cap; i++) {
        gs_object *o = old[i];
        if (o && o != INDEX_TOMBSTONE) {
            *index_slot(ix, o->kind, object_ns(o), o->metadata.name.v ? o->metadata.name.v : "") = o;
            ix->used++;
        }
    }
    free(old);
}

/* ---- the set ---- */

int gs_model_new(gs_model **out)
{
    *out = gs_xcalloc(1, sizeof **out);
    return 0;
}

void gs_model_free(gs_model *m)
{
    if (!m)
        return;
    gs_model_stream *s = m->streams;
    while (s) {
        gs_model_stream *n = s->next;
        gs_yaml_stream_free(s->stream);
        free(s);
        s = n;
    }
    free(m->objects);
    free(m->gateway_classes);
    free(m->gateways);
    free(m->http_routes);
    free(m->grpc_routes);
    free(m->tls_routes);
    free(m->tcp_routes);
    free(m->udp_routes);
    free(m->reference_grants);
    free(m->listener_sets);
    free(m->backend_tls_policies);
    free(m->config_maps);
    free(m->namespaces);
    free(m->services);
    free(m->secrets);
    free(m->ingresses);
    free(m->ingress_classes);
    if (m->index_) {
        free(m->index_->slots);
        free(m->index_);
    }
    gs_diags_clear(&m->diags);
    free(m->scenario_docs);
    free(m);
}

/* Internal (gs_load.c): the model keeps |stream| alive until gs_model_free. */
void gs_model_adopt_stream(gs_model *m, gs_yaml_stream *stream);
void gs_model_adopt_stream(gs_model *m, gs_yaml_stream *stream)
{
    gs_model_stream *s = gs_xcalloc(1, sizeof *s);
    s->stream = stream;
    s->next = m->streams;
    m->streams = s;
}

/* The per-kind list of |kind| as (items, count, cap slot). */
static bool model_list(gs_model *m, gs_kind kind, void ***items, size_t **n, size_t **cap)
{
    switch (kind) {
    case GS_KIND_GATEWAY_CLASS:
        *items = (void **)&m->gateway_classes;
        *n = &m->n_gateway_classes;
        break;
    case GS_KIND_GATEWAY:
        *items = (void **)&m->gateways;
        *n = &m->n_gateways;
        break;
    case GS_KIND_HTTP_ROUTE:
        *items = (void **)&m->http_routes;
        *n = &m->n_http_routes;
        break;
    case GS_KIND_GRPC_ROUTE:
        *items = (void **)&m->grpc_routes;
        *n = &m->n_grpc_routes;
        break;
    case GS_KIND_TLS_ROUTE:
        *items = (void **)&m->tls_routes;
        *n = &m->n_tls_routes;
        break;
    case GS_KIND_TCP_ROUTE:
        *items = (void **)&m->tcp_routes;
        *n = &m->n_tcp_routes;
        break;
    case GS_KIND_UDP_ROUTE:
        *items = (void **)&m->udp_routes;
        *n = &m->n_udp_routes;
        break;
    case GS_KIND_REFERENCE_GRANT:
        *items = (void **)&m->reference_grants;
        *n = &m->n_reference_grants;
        break;
    case GS_KIND_LISTENER_SET:
        *items = (void **)&m->listener_sets;
        *n = &m->n_listener_sets;
        break;
    case GS_KIND_BACKEND_TLS_POLICY:
        *items = (void **)&m->backend_tls_policies;
        *n = &m->n_backend_tls_policies;
        break;
    case GS_KIND_CONFIG_MAP:
        *items = (void **)&m->config_maps;
        *n = &m->n_config_maps;
        break;
    case GS_KIND_NAMESPACE:
        *items = (void **)&m->namespaces;
        *n = &m->n_namespaces;
        break;
    case GS_KIND_SERVICE:
        *items = (void **)&m->services;
        *n = &m->n_services;
        break;
    case GS_KIND_SECRET:
        *items = (void **)&m->secrets;
        *n = &m->n_secrets;
        break;
    case GS_KIND_INGRESS:
        *items = (void **)&m->ingresses;
        *n = &m->n_ingresses;
        break;
    case GS_KIND_INGRESS_CLASS:
        *items = (void **)&m->ingress_classes;
        *n = &m->n_ingress_classes;
        break;
    default:
        return false;
    }
    *cap = &m->caps_[kind];
    return true;
}

static bool object_is(const gs_object *o, gs_kind kind, const char *ns, const char *name)
{
    if (o->kind != kind || !o->metadata.name.v || strcmp(o->metadata.name.v, name) != 0)
        return false;
    if (!gs_kind_is_namespaced(kind))
        return true;
    const char *ons = o->metadata.namespace.v ? o->metadata.namespace.v : "";
    return strcmp(ons, ns ? ns : "") == 0;
}

gs_object *gs_model_find(const gs_model *m, gs_kind kind, const char *ns, const char *name)
{
    if (!name || !m->index_ || !gs_kind_is_modelled(kind))
        return NULL;
    gs_object *o = *index_slot(m->index_, kind, ns, name);
    return o == INDEX_TOMBSTONE ? NULL : o;
}

/* Internal (gs_load.c): adds |o| or replaces the object with its identity. Returns the replaced
 * object or NULL. */
gs_object *gs_model_put(gs_model *m, gs_object *o);
gs_object *gs_model_put(gs_model *m, gs_object *o)
{
    void **items;
    size_t *n, *cap;
    if (!model_list(m, o->kind, (void ***)&items, &n, &cap))
        return NULL;
    gs_object ***list = (gs_object ***)items;
    o->index = m->next_index++;
    if (!m->index_)
        m->index_ = gs_xcalloc(1, sizeof *m->index_);
    gs_model_index *ix = m->index_;
    if ((ix->used + 1) * 4 >= ix->cap * 3)
        index_grow(ix);
    const char *name = o->metadata.name.v ? o->metadata.name.v : "";
    gs_object **slot = index_slot(ix, o->kind, object_ns(o), name);
    gs_object *old = *slot && *slot != INDEX_TOMBSTONE ? *slot : NULL;
    if (!*slot)
        ix->used++;
    *slot = o;
    if (old) {
        for (size_t i = 0; i < *n; i++)
            if ((*list)[i] == old)
                (*list)[i] = o;
        for (size_t k = 0; k < m->n_objects; k++)
            if (m->objects[k] == old)
                m->objects[k] = o;
        return old;
    }
    gs_xgrow((void **)list, cap, *n + 1, sizeof **list);
    (*list)[(*n)++] = o;
    /* caps_[0] (GS_KIND_UNKNOWN has no list) is the capacity of objects[] */
    gs_xgrow((void **)&m->objects, &m->caps_[0], m->n_objects + 1, sizeof *m->objects);
    m->objects[m->n_objects++] = o;
    return NULL;
}

int gs_model_remove(gs_model *m, gs_kind kind, const char *ns, const char *name)
{
    void **items;
    size_t *n, *cap;
    if (!name || !m->index_ || !model_list(m, kind, (void ***)&items, &n, &cap))
        return GS_ERR_NOT_FOUND;
    gs_object **slot = index_slot(m->index_, kind, ns, name);
    if (!*slot || *slot == INDEX_TOMBSTONE)
        return GS_ERR_NOT_FOUND;
    *slot = INDEX_TOMBSTONE;
    gs_object **list = *(gs_object ***)items;
    for (size_t i = 0; i < *n; i++) {
        if (!object_is(list[i], kind, ns, name))
            continue;
        gs_object *o = list[i];
        memmove(list + i, list + i + 1, (*n - i - 1) * sizeof *list);
        (*n)--;
        for (size_t k = 0; k < m->n_objects; k++)
            if (m->objects[k] == o) {
                memmove(m->objects + k, m->objects + k + 1,
                        (m->n_objects - k - 1) * sizeof *m->objects);
                m->n_objects--;
                break;
            }
        return 0;
    }
    return GS_ERR_NOT_FOUND;
}
