/* SPDX-License-Identifier: MIT */
/* Route kinds as data: one description per xRoute kind (its group and name, the listener
 * protocols it attaches to, how the model decodes it and where its common fields are), in one
 * table. Code that handles "every route" walks this table or asks it about one kind instead of
 * naming HTTPRoute and GRPCRoute; the parts above the model keep their own per-kind hooks
 * (control: attachment, route table, status) keyed by gs_kind. docs/architecture.md lists what a
 * new route kind adds. */
#ifndef GS_ROUTE_KINDS_H
#define GS_ROUTE_KINDS_H

#include "gs_model.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A set of listener protocols: one bit per gs_protocol. */
typedef uint32_t gs_protocol_set;
#define GS_PROTOCOL_BIT(p) ((gs_protocol_set)1u << (unsigned)(p))

/* A set of kinds: one bit per gs_kind (the route kinds of a listener's supportedKinds). */
typedef uint32_t gs_kind_set;
#define GS_KIND_BIT(k) ((gs_kind_set)1u << (unsigned)(k))

/* The fields every route kind has, wherever its typed struct keeps them. */
typedef struct gs_route_view {
    const gs_object *obj;
    const gs_parent_ref *parent_refs;
    size_t n_parent_refs;
    const gs_sval *hostnames;
    size_t n_hostnames;
    size_t n_rules;
} gs_route_view;

/* The fields every rule of a route has. */
typedef struct gs_route_rule_view {
    const gs_route_filter *filters;
    size_t n_filters;
    const gs_route_backend_ref *backend_refs;
    size_t n_backend_refs;
    gs_pos pos;
} gs_route_rule_view;

/* The model's decoder state (gs_objects.c), and the diagnostics sink of one object's checks
 * (gs_decode.h). */
typedef struct gs_objects_dec gs_objects_dec;
typedef struct gs_decoder gs_decoder;

typedef struct gs_route_kind {
    gs_kind kind;
    const char *group; /* GS_GATEWAY_GROUP */
    const char *name;  /* "HTTPRoute": as gs_kind_name(kind) */
    /* the listener protocols whose allowedRoutes may name this kind */
    gs_protocol_set protocols;
    /* an older apiVersion still accepted and validated with the schema of |alias_to|, with a
     * note (NULL when none) */
    const char *alias_from, *alias_to;
    /* The rest is NULL/0 for kinds recognised (validated with their CRDs) but not modelled. */
    size_t size; /* of the typed object */
    void (*decode)(gs_objects_dec *d, const gs_yaml_node *spec, gs_object *o);
    void (*view)(const gs_object *o, gs_route_view *out);
    void (*rule)(const gs_object *o, size_t i, gs_route_rule_view *out);
    /* the spec's rules the API server does not enforce, on one object (gs_semantic.c; NULL:
     * none beyond the CRD) */
    void (*semantic)(gs_decoder *d, const gs_object *o);
} gs_route_kind;

/* The table, in the order routes are processed (HTTPRoute first), and its length. */
extern const gs_route_kind gs_route_kinds[];
extern const size_t gs_route_kinds_count;

/* The description of |kind|, or NULL when it is not a route kind. */
const gs_route_kind *gs_route_kind_of(gs_kind kind);
/* The description of the kind named |group|/|name|, or NULL. */
const gs_route_kind *gs_route_kind_find(const char *group, const char *name);
/* True when |rk| is a kind the model holds as typed objects. */
bool gs_route_kind_modelled(const gs_route_kind *rk);
/* The route kinds whose |protocols| include |p|. */
gs_kind_set gs_route_kinds_for_protocol(gs_protocol p);

/* The route kinds a listener can carry: its protocol's, except that a TLS listener in mode
 * Passthrough takes TLSRoute only (a TCPRoute needs the TLS terminated: mode Terminate), as
 * the upstream conformance test TLSRouteListenerPassthroughSupportedKinds requires. */
gs_kind_set gs_route_kinds_for_listener(const gs_listener *l);

/* The common fields of route object |o| (of a modelled route kind). */
void gs_route_view_of(const gs_object *o, gs_route_view *out);
/* The common fields of rule |i| of route object |o|. */
void gs_route_rule_view_of(const gs_object *o, size_t i, gs_route_rule_view *out);

#endif
