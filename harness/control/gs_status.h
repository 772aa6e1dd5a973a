/* SPDX-License-Identifier: MIT */
/* Computed Gateway API status as plain data (GatewayClass, Gateway with listeners, route
 * parents), filled by gs_control.c and rendered here as Kubernetes-shaped JSON or YAML
 * ({"objects":[{"kind","namespace","name","status":{...}}]}, docs/cli.md). No model types, no I/O
 * other than writing into a buffer. */
#ifndef GS_STATUS_H
#define GS_STATUS_H

#include "gs_buf.h"
#include "gs_error.h"
#include "gs_json.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One condition. |type|, |status| and |reason| are static strings; |message| is owned. */
typedef struct gs_condition {
    const char *type;
    const char *status; /* "True", "False", "Unknown" */
    const char *reason;
    char *message;
} gs_condition;

typedef struct gs_conditions {
    gs_condition *items;
    size_t n, cap;
} gs_conditions;

/* Sets condition |type| (replacing an earlier one of that type, keeping its position). */
void gs_conditions_set(gs_conditions *c, const char *type, const char *status, const char *reason,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* The condition of |type|, or NULL. */
const gs_condition *gs_conditions_get(const gs_conditions *c, const char *type);
/* True when condition |type| exists with status "True". */
bool gs_conditions_true(const gs_conditions *c, const char *type);
void gs_conditions_clear(gs_conditions *c);

typedef struct gs_group_kind {
    const char *group; /* static or owned by the status set */
    const char *kind;
} gs_group_kind;

typedef struct gs_listener_status {
    char *name;
    uint16_t port;
    char *protocol;
    char *hostname; /* NULL: none */
    gs_group_kind supported_kinds[8];
    size_t n_supported_kinds;
    int attached_routes;
    gs_conditions conditions;
    char **routes;      /* "Kind ns/name" of the routes attached here (for humans) */
    size_t n_routes;
} gs_listener_status;

typedef struct gs_gateway_status {
    char *namespace;
    char *name;
    char *class_name;
    int64_t generation; /* metadata.generation: observedGeneration of every condition */
    gs_conditions conditions;
    gs_listener_status *listeners;
    size_t n_listeners;
    char *controller_name;
    char **notes; /* for people: "GatewayClass nginx is not among the objects; ..." */
    size_t n_notes;
    /* status.attachedListenerSets: ListenerSets attached and Accepted. Written only when the
     * Gateway admits ListenerSets (allowedListeners from other than None). */
    bool has_listener_sets;
    int attached_listener_sets;
} gs_gateway_status;

/* A ListenerSet's status: its conditions and its listeners' (same shape as a Gateway's). */
typedef struct gs_listener_set_status {
    char *namespace;
    char *name;
    int64_t generation;
    gs_conditions conditions;
    gs_listener_status *listeners;
    size_t n_listeners;
    char *parent; /* "ns/name" of the parent Gateway, for people */
} gs_listener_set_status;

typedef struct gs_class_status {
    char *name;
    char *controller_name;
    int64_t generation;
    gs_conditions conditions;
} gs_class_status;

typedef struct gs_status_parent_ref {
    char *group;
    char *kind;
    char *namespace;
    char *name;
    char *section_name; /* NULL: unset */
    int port;           /* 0: unset */
} gs_status_parent_ref;

typedef struct gs_parent_status {
    gs_status_parent_ref ref;
    char *controller_name;
    gs_conditions conditions;
    char **listeners; /* names of the listeners the route attached to */
    size_t n_listeners;
    char **notes; /* why it did not attach, per listener, in words a user acts on */
    size_t n_notes;
} gs_parent_status;

typedef struct gs_route_status {
    char *kind; /* "HTTPRoute", "GRPCRoute" */
    char *namespace;
    char *name;
    int64_t generation;
    gs_parent_status *parents;
    size_t n_parents;
    char **hostnames;
    size_t n_hostnames;
    char **notes; /* for people: parents that are not ours or do not exist, dropped rules */
    size_t n_notes;
} gs_route_status;

/* A policy's status for one ancestor (PolicyAncestorStatus): the Gateway, its controller and
 * the conditions. */
typedef struct gs_ancestor_status {
    gs_status_parent_ref ref;
    char *controller_name;
    gs_conditions conditions;
} gs_ancestor_status;

/* A policy (BackendTLSPolicy): status.ancestors. */
typedef struct gs_policy_status {
    char *kind;
    char *namespace;
    char *name;
    int64_t generation;
    gs_ancestor_status *ancestors;
    size_t n_ancestors;
    char **notes; /* for people: why it has no ancestor, what gatesim does with it */
    size_t n_notes;
} gs_policy_status;

/* Everything computed for one set of objects. */
typedef struct gs_status_set {
    gs_class_status *classes;
    size_t n_classes, cap_classes;
    gs_gateway_status *gateways;
    size_t n_gateways, cap_gateways;
    gs_listener_set_status *listener_sets;
    size_t n_listener_sets, cap_listener_sets;
    gs_route_status *routes;
    size_t n_routes, cap_routes;
    gs_policy_status *policies;
    size_t n_policies, cap_policies;
    char **notes; /* set-wide notes ("GatewayClass nginx is not among the objects; ...") */
    size_t n_notes, cap_notes;
} gs_status_set;

void gs_status_set_clear(gs_status_set *s);
void gs_status_add_note(gs_status_set *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends |s| to |*v| (an owned copy), growing the array; |*n| counts. */
void gs_status_strv_add(char ***v, size_t *n, const char *s);

/* Writes {"objects":[...]} (classes, gateways, listener sets, routes, policies in that order). */
void gs_status_write_json(const gs_status_set *s, gs_json *j);
/* Re-emits the JSON document |json| (|len| bytes) as YAML into |out|. Returns 0 or
 * GS_ERR_PARSE. */
int gs_status_json_to_yaml(const char *json, size_t len, gs_buf *out);

#endif
