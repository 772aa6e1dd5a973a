/* SPDX-License-Identifier: MIT */
/* The route kind table (gs_route_kinds.h). Which listener protocols take which kind is the
 * Gateway API's: HTTP and HTTPS listeners take HTTPRoute and GRPCRoute, TLS listeners take
 * TLSRoute (Passthrough) and TCPRoute (Terminate), TCP listeners TCPRoute, UDP listeners
 * UDPRoute. */
#include "gs_route_kinds.h"

#include "gs_model_internal.h"

#include <string.h>

/* The common fields of a route kind whose struct spells them as HTTPRoute does (spec.parentRefs,
 * spec.hostnames, spec.rules[] with filters and backend_refs). */
#define ROUTE_VIEWS(prefix, route_type)                                                            \
    static void prefix##_view(const gs_object *o, gs_route_view *out)                              \
    {                                                                                              \
        const route_type *r = (const route_type *)o;                                               \
        *out = (gs_route_view){.obj = o,                                                           \
                               .parent_refs = r->spec.parent_refs,                                 \
                               .n_parent_refs = r->spec.n_parent_refs,                             \
                               .hostnames = r->spec.hostnames,                                     \
                               .n_hostnames = r->spec.n_hostnames,                                 \
                               .n_rules = r->spec.n_rules};                                        \
    }                                                                                              \
    static void prefix##_rule(const gs_object *o, size_t i, gs_route_rule_view *out)               \
    {                                                                                              \
        const route_type *r = (const route_type *)o;                                               \
        *out = (gs_route_rule_view){.filters = r->spec.rules[i].filters,                           \
                                    .n_filters = r->spec.rules[i].n_filters,                       \
                                    .backend_refs = r->spec.rules[i].backend_refs,                 \
                                    .n_backend_refs = r->spec.rules[i].n_backend_refs,             \
                                    .pos = r->spec.rules[i].pos};                                  \
    }

ROUTE_VIEWS(http_route, gs_http_route)
ROUTE_VIEWS(grpc_route, gs_grpc_route)

/* TLSRoute, TCPRoute, UDPRoute (gs_l4_route): rules without filters. */
static void l4_route_view(const gs_object *o, gs_route_view *out)
{
    const gs_l4_route *r = (const gs_l4_route *)o;
    *out = (gs_route_view){.obj = o,
                           .parent_refs = r->spec.parent_refs,
                           .n_parent_refs = r->spec.n_parent_refs,
                           .hostnames = r->spec.hostnames,
                           .n_hostnames = r->spec.n_hostnames,
                           .n_rules = r->spec.n_rules};
}

static void l4_route_rule(const gs_object *o, size_t i, gs_route_rule_view *out)
{
    const gs_l4_route *r = (const gs_l4_route *)o;
    *out = (gs_route_rule_view){.backend_refs = r->spec.rules[i].backend_refs,
                                .n_backend_refs = r->spec.rules[i].n_backend_refs,
                                .pos = r->spec.rules[i].pos};
}

#define L4_ROUTE_MODEL                                                                             \
    .size = sizeof(gs_l4_route), .decode = gs_objects_decode_l4_route, .view = l4_route_view,      \
    .rule = l4_route_rule, .semantic = gs_semantic_l4_route

#define HTTP_PROTOCOLS (GS_PROTOCOL_BIT(GS_PROTOCOL_HTTP) | GS_PROTOCOL_BIT(GS_PROTOCOL_HTTPS))

const gs_route_kind gs_route_kinds[] = {
    {.kind = GS_KIND_HTTP_ROUTE,
     .group = GS_GATEWAY_GROUP,
     .name = "HTTPRoute",
     .protocols = HTTP_PROTOCOLS,
     .size = sizeof(gs_http_route),
     .decode = gs_objects_decode_http_route,
     .view = http_route_view,
     .rule = http_route_rule,
     .semantic = gs_semantic_http_route},
    {.kind = GS_KIND_GRPC_ROUTE,
     .group = GS_GATEWAY_GROUP,
     .name = "GRPCRoute",
     .protocols = HTTP_PROTOCOLS,
     .alias_from = "v1alpha2",
     .alias_to = "v1",
     .size = sizeof(gs_grpc_route),
     .decode = gs_objects_decode_grpc_route,
     .view = grpc_route_view,
     .rule = grpc_route_rule,
     .semantic = gs_semantic_grpc_route},
    {.kind = GS_KIND_TLS_ROUTE,
     .group = GS_GATEWAY_GROUP,
     .name = "TLSRoute",
     .protocols = GS_PROTOCOL_BIT(GS_PROTOCOL_TLS),
     L4_ROUTE_MODEL},
    {.kind = GS_KIND_TCP_ROUTE,
     .group = GS_GATEWAY_GROUP,
     .name = "TCPRoute",
     .protocols = GS_PROTOCOL_BIT(GS_PROTOCOL_TCP) | GS_PROTOCOL_BIT(GS_PROTOCOL_TLS),
     L4_ROUTE_MODEL},
    {.kind = GS_KIND_UDP_ROUTE,
     .group = GS_GATEWAY_GROUP,
     .name = "UDPRoute",
     .protocols = GS_PROTOCOL_BIT(GS_PROTOCOL_UDP),
     L4_ROUTE_MODEL},
};

const size_t gs_route_kinds_count = sizeof gs_route_kinds / sizeof gs_route_kinds[0];

const gs_route_kind *gs_route_kind_of(gs_kind kind)
{
    for (size_t i = 0; i < gs_route_kinds_count; i++) {
        if (gs_route_kinds[i].kind == kind)
            return &gs_route_kinds[i];
    }
    return NULL;
}

const gs_route_kind *gs_route_kind_find(const char *group, const char *name)
{
    if (!group || !name)
        return NULL;
    for (size_t i = 0; i < gs_route_kinds_count; i++) {
        const gs_route_kind *rk = &gs_route_kinds[i];
        if (strcmp(rk->group, group) == 0 && strcmp(rk->name, name) == 0)
            return rk;
    }
    return NULL;
}

bool gs_route_kind_modelled(const gs_route_kind *rk)
{
    return rk && rk->decode != NULL;
}

gs_kind_set gs_route_kinds_for_protocol(gs_protocol p)
{
    gs_kind_set set = 0;
    for (size_t i = 0; i < gs_route_kinds_count; i++) {
        if (gs_route_kinds[i].protocols & GS_PROTOCOL_BIT(p))
            set |= GS_KIND_BIT(gs_route_kinds[i].kind);
    }
    return set;
}

gs_kind_set gs_route_kinds_for_listener(const gs_listener *l)
{
    gs_kind_set set = gs_route_kinds_for_protocol(l->protocol_kind);
    if (l->protocol_kind == GS_PROTOCOL_TLS && l->tls.set && l->tls.mode == GS_TLS_MODE_PASSTHROUGH)
        set &= GS_KIND_BIT(GS_KIND_TLS_ROUTE);
    return set;
}

void gs_route_view_of(const gs_object *o, gs_route_view *out)
{
    gs_route_kind_of(o->kind)->view(o, out);
}

void gs_route_rule_view_of(const gs_object *o, size_t i, gs_route_rule_view *out)
{
    gs_route_kind_of(o->kind)->rule(o, i, out);
}
