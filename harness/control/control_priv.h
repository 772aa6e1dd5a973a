/* SPDX-License-Identifier: MIT */
/* Internals shared by the controller's files: gs_control.c (objects, GatewayClasses, Gateways,
 * listeners), gs_control_routes.c (route attachment and status) and gs_control_table.c (model →
 * compiled route table). Not a public header. */
#ifndef GS_CONTROL_PRIV_H
#define GS_CONTROL_PRIV_H

#include "gs_control.h"
#include "gs_route_kinds.h"
#include "gs_strmap.h"

/* A port of a Service as control sees it. */
typedef struct ctl_service_port {
    uint16_t port;
    const char *app_protocol; /* NULL: none */
    const char *name;         /* NULL: none (BackendTLSPolicy sectionName) */
} ctl_service_port;

/* A Service as the controller sees it (ports from the model's Service). */
typedef struct ctl_service {
    const char *ns, *name;
    ctl_service_port *ports;
    size_t n_ports;
} ctl_service;


typedef struct ctl_listener {
    const gs_listener *spec;
    struct ctl_gateway *gw;
    struct ctl_lset *set; /* the ListenerSet that brought it; NULL for the Gateway's own */
    size_t index;      /* in its owner's listeners (the Gateway's or the ListenerSet's) */
    bool conflicted;   /* lost a conflict (Conflicted=True) */
    gs_kind_set kinds; /* the route kinds in supportedKinds */
    bool accepted;     /* Accepted=True (supported protocol, no conflict) */
    bool programmed;   /* Programmed=True: goes into the route table */
    gs_rt_cert *certs; /* resolved certificates (PEM borrowed from the model/secrets) */
    size_t n_certs;
    /* HTTPS with Gateway tls.frontend validation: the client CAs (owned, concatenated PEM of
     * the references that resolve), NULL when no client certificate is asked for */
    char *client_ca_pem;
    bool client_insecure_fallback; /* mode AllowInsecureFallback */
    size_t table_index; /* valid when programmed and the table holds it */
    int attached;       /* attachedRoutes */
} ctl_listener;

/* The Gateway's own listeners first, then those of its attached ListenerSets in precedence
 * order (oldest first, then "{namespace}/{name}"): the order conflicts are resolved in. */
typedef struct ctl_gateway {
    const gs_gateway *gw;
    bool managed;
    const char *controller_name;
    ctl_listener *listeners;
    size_t n_listeners;
    size_t n_own;        /* the Gateway's own listeners: listeners[0 .. n_own) */
    size_t status_index; /* in gs_status_set.gateways */
    /* spec.tls.backend.clientCertificateRef when it resolved (PEM borrowed from the model):
     * what the data plane presents to backends it reaches over TLS. */
    gs_rt_cert backend_client_cert;
    bool has_backend_client_cert;
} ctl_gateway;

/* A ListenerSet whose parent is a Gateway control manages (docs/control.md, ListenerSet). */
typedef struct ctl_lset {
    const gs_listener_set *ls;
    ctl_gateway *gw;     /* the parent */
    bool allowed;        /* the parent's allowedListeners admits it: its listeners are added */
    char *why;           /* owned; why it is not allowed */
    size_t status_index; /* in gs_status_set.listener_sets */
} ctl_lset;

/* Why a listener did not take a route. */
typedef enum ctl_verdict {
    CTL_ADMITTED = 0,
    CTL_REJECT_KIND,
    CTL_REJECT_NAMESPACE,
    CTL_REJECT_HOSTNAME,
    CTL_REJECT_CONFLICT, /* HTTPRoute vs GRPCRoute on intersecting hostnames: the other won */
} ctl_verdict;

typedef struct ctl_candidate {
    ctl_listener *listener;
    ctl_verdict verdict;
    char *why; /* owned; for rejections */
} ctl_candidate;

typedef struct ctl_parent {
    const gs_parent_ref *ref;
    ctl_gateway *gw;
    ctl_lset *lset; /* parentRef kind ListenerSet: its listeners only; NULL: the Gateway's own */
    ctl_candidate *cands; /* listeners selected by sectionName/port */
    size_t n_cands;
    size_t status_index; /* in the route status' parents */
} ctl_parent;

typedef struct ctl_route {
    gs_kind kind;
    const struct gs_control_route_kind *ops; /* the kind's hooks (gs_control_kinds.c) */
    gs_route_view v; /* the object and the fields every route kind has */
    bool *rule_ok; /* rules that can be implemented */
    size_t n_rules_ok;
    ctl_parent *parents; /* only parents of managed Gateways */
    size_t n_parents;
    size_t status_index; /* in gs_status_set.routes */
} ctl_route;

struct gs_control {
    gs_control_opts opts; /* controller_names copied */
    char **names;

    /* Results. */
    gs_status_set status;
    gs_route_table *table;

    /* Compute-time state (valid during gs_control_compute). */
    const gs_model *m;
    ctl_service *all_services; /* the model's Services; names point into the model */
    size_t n_all_services;
    gs_strmap service_index; /* "ns/name" -> ctl_service* (keys in service_keys) */
    char **service_keys;
    ctl_gateway *gws;
    size_t n_gws;
    ctl_lset *lsets;
    size_t n_lsets;
    ctl_route *routes;
    size_t n_routes;
};

/* ---- route kinds (gs_control_kinds.c) ----
 * What control does with each route kind of the model's table (gs_route_kinds.h). Attachment
 * (parentRefs, allowedRoutes, hostnames, one kind per hostname on a listener) is the same for
 * every kind and written once in gs_control_routes.c; a kind brings how its rules are checked,
 * how they enter the route table and how its parent status is written. */
typedef struct ctl_scratch ctl_scratch;

typedef struct gs_control_route_kind {
    gs_kind kind;
    gs_rt_route_kind table_kind; /* how the route table matches its rules */
    /* The first regular expression in the matches of rule |i| of |route| that does not compile,
     * or NULL. */
    const char *(*rule_bad_regex)(const gs_object *route, size_t i);
    /* The first field of rule |i| the builtin gateway does not implement (e.g.
     * "sessionPersistence"), or NULL: such a rule is dropped and reported, never served as if
     * the field were absent. */
    const char *(*rule_unimplemented)(const gs_object *route, size_t i);
    /* Rule |i| of |r| as a route-table rule (arrays from |s|). */
    void (*table_rule)(const gs_control *c, const ctl_route *r, ctl_scratch *s, size_t i,
                       gs_rt_rule *out);
    /* Writes the status of parent |p| of |r| into |rs| (gs_control_routes.c). */
    void (*parent_status)(ctl_route *r, ctl_parent *p, gs_route_status *rs,
                          const char *no_cands_why, const char *refs_reason, const char *refs_msg,
                          const char *dropped);
} gs_control_route_kind;

/* Control's hooks for |kind|, or NULL when control does not handle that kind (yet). */
const gs_control_route_kind *gs_control_route_kind_of(gs_kind kind);
/* The kinds control handles, in the model table's order. */
gs_kind_set gs_control_route_kinds(void);
/* The position of |kind| in the model's table: the order routes are processed in, and the
 * tie-break between routes of different kinds with the same age and name (lower first). */
size_t gs_control_route_kind_rank(gs_kind kind);

/* The hooks of the kinds (defined beside the code they belong to). */
const char *gs_control_http_rule_bad_regex(const gs_object *route, size_t i);
const char *gs_control_grpc_rule_bad_regex(const gs_object *route, size_t i);
const char *gs_control_http_rule_unimplemented(const gs_object *route, size_t i);
const char *gs_control_grpc_rule_unimplemented(const gs_object *route, size_t i);
void gs_control_http_rule_to_table(const gs_control *c, const ctl_route *r, ctl_scratch *s,
                                   size_t i, gs_rt_rule *out);
void gs_control_grpc_rule_to_table(const gs_control *c, const ctl_route *r, ctl_scratch *s,
                                   size_t i, gs_rt_rule *out);
const char *gs_control_l4_rule_no_regex(const gs_object *route, size_t i);
const char *gs_control_l4_rule_unimplemented(const gs_object *route, size_t i);
void gs_control_l4_rule_to_table(const gs_control *c, const ctl_route *r, ctl_scratch *s, size_t i,
                                 gs_rt_rule *out);
void gs_control_route_parent_status(ctl_route *r, ctl_parent *p, gs_route_status *rs,
                                    const char *no_cands_why, const char *refs_reason,
                                    const char *refs_msg, const char *dropped);

/* gs_control.c */
const ctl_service *gs_ctl_find_service(const gs_control *c, const char *ns, const char *name);
/* Labels of namespace |name| (with kubernetes.io/metadata.name); never NULL. |scratch| holds the
 * implicit label when the model has no such Namespace. */
const gs_labels *gs_ctl_namespace_labels(const gs_control *c, const char *name, gs_labels *scratch,
                                      gs_label *scratch_item);
/* True when a ReferenceGrant in |to_ns| lets (|from_group|, |from_kind|, |from_ns|) refer to
 * (|to_group|, |to_kind|, |to_name|). */
bool gs_ctl_grant_permits(const gs_control *c, const char *from_group, const char *from_kind,
                       const char *from_ns, const char *to_ns, const char *to_group,
                       const char *to_kind, const char *to_name);
/* Explains why |labels| do not satisfy |sel| ("has no label a=b"), into |out|. */
void gs_ctl_selector_explain(const gs_label_selector *sel, const gs_labels *labels, char *out,
                          size_t n);
bool gs_ctl_regex_ok(const char *pattern);

/* Age of an object for precedence: its creationTimestamp in seconds; absent or malformed ones
 * count as newer than any real time (and tie with each other). Smaller is older. Load order
 * never counts: equal ages are broken by "{namespace}/{name}" by the callers, as the spec says. */
int64_t gs_ctl_object_age(const gs_object *o);

/* gs_control_lsets.c: ListenerSets. After the Gateways' own listeners are set up: attaches
 * each ListenerSet whose parent control manages (allowedListeners) and appends the listeners
 * of the allowed ones to their Gateway in precedence order. */
void gs_ctl_lsets_attach(gs_control *c);
/* After routes: ListenerSet conditions and the Gateways' attachedListenerSets. */
void gs_ctl_lsets_conditions(gs_control *c);
void gs_ctl_lsets_release(gs_control *c);
/* The ListenerSet |ns|/|name| among those whose parent control manages, or NULL. */
ctl_lset *gs_ctl_lset_find(gs_control *c, const char *ns, const char *name);
/* The status entry of |cl| (in its Gateway's or its ListenerSet's status). */
gs_listener_status *gs_ctl_listener_status(gs_control *c, const ctl_listener *cl);
/* Kind, namespace and name of the object that declares |cl| ("Gateway" or "ListenerSet"). */
void gs_ctl_listener_owner(const ctl_listener *cl, const char **kind, const char **ns,
                           const char **name);
/* Why listener status |ls| is not valid: the reason of its first failing condition, or NULL. */
const char *gs_ctl_listener_fault(const gs_listener_status *ls);

/* gs_control_frontend.c: Gateway spec.tls.frontend. The validation in force for listener |l|
 * of |gw| (perPort for its port, else default), or NULL (not HTTPS, or none configured). */
const gs_frontend_validation *gs_ctl_frontend_for(const gs_gateway *gw, const gs_listener *l);
/* For an HTTPS listener with validation: resolves its CA references into |cl|'s client CA
 * bundle and sets ResolvedRefs=False (InvalidCACertificateKind / RefNotPermitted /
 * InvalidCACertificateRef) for an invalid one, Accepted=False/NoValidCACertificate (and not
 * programmed) when none resolves. Call after the listener's other conditions. */
void gs_ctl_frontend_listener(gs_control *c, ctl_listener *cl, gs_listener_status *ls);
/* InsecureFrontendValidationMode=True/ConfigurationChanged into |out| when an HTTPS listener of
 * |g| has mode AllowInsecureFallback. */
void gs_ctl_frontend_gateway(const ctl_gateway *g, gs_conditions *out);

/* gs_control_btls.c: BackendTLSPolicy. The policy in force for port |port_name| of Service
 * |ns|/|svc| (one naming that port beats one naming the whole Service; then the oldest, then
 * by name), or NULL. */
const gs_backend_tls_policy *gs_ctl_btls_for(const gs_control *c, const char *ns,
                                             const char *svc, const char *port_name);
/* As gs_ctl_btls_for, for Service port number |port| (NULL when the Service is unknown and no
 * policy names the whole Service). */
const gs_backend_tls_policy *gs_ctl_btls_for_port(const gs_control *c, const char *ns,
                                                  const char *svc, uint16_t port);
/* Whether |p| is Accepted (its TLS settings may be used); else the reason and message in
 * |why|. */
bool gs_ctl_btls_accepted(const gs_control *c, const gs_backend_tls_policy *p, char *why,
                          size_t n);
/* After routes: each policy's ancestor status (the Gateways whose routes use its targets). */
void gs_ctl_btls_status(gs_control *c);

/* gs_control_routes.c */
void gs_ctl_routes_compute(gs_control *c);

/* gs_control_table.c */
int gs_ctl_table_build(gs_control *c, gs_error *err);
/* The backendRef's resolution (state) and, when not OK, a message for ResolvedRefs. */
gs_rt_backend_state gs_ctl_backend_resolve(const gs_control *c, const ctl_route *r,
                                        const gs_backend_ref *ref, const char **app_protocol,
                                        char *why, size_t why_len);

#endif
