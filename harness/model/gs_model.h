/* SPDX-License-Identifier: MIT */
/* The Gateway API and core object model: typed, defaulted, validated objects with the source
 * position of every field (API spelling: backend_refs, section_name), and the object set
 * (gs_model) the control plane iterates. The stable contract of harness/model: extend it
 * additively. Load from one thread (pattern and default caches are process-wide). */
#ifndef GS_MODEL_H
#define GS_MODEL_H

#include "gs_diag.h"
#include "gs_error.h"
#include "gs_yaml.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GS_GATEWAY_GROUP "gateway.networking.k8s.io"
#define GS_SCENARIO_API_VERSION "gatesim.dev/v1alpha1"

typedef enum gs_kind {
    GS_KIND_UNKNOWN = 0,
    GS_KIND_GATEWAY_CLASS,
    GS_KIND_GATEWAY,
    GS_KIND_HTTP_ROUTE,
    GS_KIND_GRPC_ROUTE,
    GS_KIND_REFERENCE_GRANT,
    GS_KIND_NAMESPACE,
    GS_KIND_SERVICE,
    GS_KIND_SECRET,
    GS_KIND_TLS_ROUTE, /* the layer-4 routes: one struct, gs_l4_route */
    GS_KIND_TCP_ROUTE,
    GS_KIND_UDP_ROUTE,
    GS_KIND_INGRESS, /* networking.k8s.io/v1, modelled: gs_ingress.h */
    GS_KIND_BACKEND_TLS_POLICY, /* gateway.networking.k8s.io/v1 (v1alpha3 too) */
    GS_KIND_INGRESS_CLASS, /* networking.k8s.io/v1, modelled: gs_ingress.h */
    GS_KIND_LISTENER_SET,  /* gateway.networking.k8s.io/v1: listeners added to a Gateway */
    GS_KIND_CONFIG_MAP,    /* core v1: CA certificates of BackendTLSPolicy (key ca.crt) */
    GS_KIND_COUNT_
} gs_kind;

/* "HTTPRoute" for GS_KIND_HTTP_ROUTE ...; "" for GS_KIND_UNKNOWN. */
const char *gs_kind_name(gs_kind kind);
/* Kind from its name ("Gateway"), GS_KIND_UNKNOWN when not one of ours. */
gs_kind gs_kind_from_name(const char *name);
/* True for the kinds gs_model holds as typed objects. */
bool gs_kind_is_modelled(gs_kind kind);
/* True for namespaced kinds (everything but GatewayClass, Namespace and IngressClass). */
bool gs_kind_is_namespaced(gs_kind kind);

/* ---- values with positions ----
 * |v| is the value after defaulting (NULL / 0 when absent and not defaulted); |set| is true when
 * the user wrote the field (false for absent and for API-server defaults); |pos| is where the
 * value was written (for defaults: the enclosing object). Strings are owned by the model. */
typedef struct gs_sval {
    const char *v;
    gs_pos pos;
    bool set;
} gs_sval;

typedef struct gs_ival {
    int64_t v;
    gs_pos pos;
    bool set;
    bool has; /* a value exists (written or defaulted) */
} gs_ival;

typedef struct gs_bval {
    bool v;
    gs_pos pos;
    bool set;
} gs_bval;

typedef struct gs_label {
    gs_sval key;
    gs_sval value;
} gs_label;

typedef struct gs_labels {
    gs_label *items;
    size_t n;
} gs_labels;

/* Value of |key| in |labels|, or NULL. */
const char *gs_labels_get(const gs_labels *labels, const char *key);

typedef struct gs_object_meta {
    gs_sval name;
    gs_sval namespace; /* defaulted to "default" for namespaced kinds when absent (set=false) */
    gs_labels labels;
    gs_labels annotations;
    gs_pos pos;
    /* creationTimestamp as written (RFC 3339) and in seconds since the epoch, -1 when absent or
     * malformed; controllers order equal-precedence routes by it (oldest first), then by
     * "{namespace}/{name}" — never by load order. */
    gs_sval creation_timestamp;
    int64_t creation_time;
    gs_ival generation; /* metadata.generation, default 1 */
} gs_object_meta;

/* Seconds since the epoch of an RFC 3339 time ("2024-05-01T10:00:00Z", fractions and offsets
 * allowed), or -1 when |s| is not one. */
int64_t gs_parse_rfc3339(const char *s);

/* The common head of every typed object (first member, so a gs_object * can be cast). */
typedef struct gs_object {
    gs_kind kind;
    const char *api_version; /* as written: "gateway.networking.k8s.io/v1" */
    const char *group;       /* "" for core */
    const char *version;     /* "v1", "v1beta1" */
    gs_object_meta metadata;
    gs_pos pos;              /* where the document / list item starts */
    size_t index;            /* load order within the model */
    const struct gs_yaml_node *node; /* the defaulted source tree (owned by the model) */
} gs_object;

/* ---- references ---- */

/* ParentReference: group defaults to gateway.networking.k8s.io, kind to Gateway, namespace to
 * the route's namespace (set=false then). */
typedef struct gs_parent_ref {
    gs_sval group, kind, namespace, name, section_name;
    gs_ival port;
    gs_pos pos;
} gs_parent_ref;

/* BackendObjectReference: group "" (core), kind Service, namespace = the referrer's. */
typedef struct gs_backend_ref {
    gs_sval group, kind, namespace, name;
    gs_ival port;
    gs_pos pos;
} gs_backend_ref;

/* SecretObjectReference: group "", kind Secret, namespace = the referrer's. */
typedef struct gs_secret_ref {
    gs_sval group, kind, namespace, name;
    gs_pos pos;
} gs_secret_ref;

/* LocalObjectReference (extensionRef, parametersRef): all of group, kind, name required. */
typedef struct gs_local_ref {
    gs_sval group, kind, name, namespace; /* namespace only for GatewayClass parametersRef */
    gs_pos pos;
    bool set;
} gs_local_ref;

/* ---- label selectors ---- */

typedef struct gs_label_selector_requirement {
    gs_sval key;
    gs_sval operator; /* In, NotIn, Exists, DoesNotExist */
    gs_sval *values;
    size_t n_values;
    gs_pos pos;
} gs_label_selector_requirement;

typedef struct gs_label_selector {
    bool set;
    gs_labels match_labels;
    gs_label_selector_requirement *match_expressions;
    size_t n_match_expressions;
    gs_pos pos;
} gs_label_selector;

/* True when |labels| satisfy |sel| (an unset or empty selector matches everything). */
/* False for a requirement Kubernetes' selector parser refuses (an unknown operator, In/NotIn
 * without values, Exists/DoesNotExist with values): the API server admits it in a custom
 * resource, and a selector holding one selects nothing. */
bool gs_label_requirement_valid(const gs_label_selector_requirement *r);
bool gs_label_selector_matches(const gs_label_selector *sel, const gs_labels *labels);

/* ---- GatewayClass ---- */

typedef struct gs_gateway_class {
    gs_object obj;
    struct {
        gs_sval controller_name;
        gs_sval description;
        gs_local_ref parameters_ref;
    } spec;
} gs_gateway_class;

/* ---- Gateway ---- */

typedef enum gs_namespaces_from {
    GS_FROM_SAME = 0, /* the default */
    GS_FROM_ALL,
    GS_FROM_SELECTOR,
    GS_FROM_NONE,
} gs_namespaces_from;

typedef enum gs_protocol {
    GS_PROTOCOL_OTHER = 0, /* a domain-prefixed or unknown protocol: see listener.protocol.v */
    GS_PROTOCOL_HTTP,
    GS_PROTOCOL_HTTPS,
    GS_PROTOCOL_TLS,
    GS_PROTOCOL_TCP,
    GS_PROTOCOL_UDP,
} gs_protocol;

typedef enum gs_tls_mode {
    GS_TLS_MODE_TERMINATE = 0,
    GS_TLS_MODE_PASSTHROUGH,
} gs_tls_mode;

typedef struct gs_route_group_kind {
    gs_sval group; /* defaults to gateway.networking.k8s.io */
    gs_sval kind;
    gs_pos pos;
} gs_route_group_kind;

typedef struct gs_allowed_routes {
    gs_namespaces_from from; /* default Same */
    gs_sval from_str;
    gs_label_selector selector;
    gs_route_group_kind *kinds;
    size_t n_kinds;
    bool kinds_set; /* kinds written (possibly empty) */
    gs_pos pos;
} gs_allowed_routes;

typedef struct gs_gateway_tls_config {
    bool set;
    gs_tls_mode mode; /* default Terminate */
    gs_sval mode_str;
    gs_secret_ref *certificate_refs;
    size_t n_certificate_refs;
    gs_labels options;
    gs_pos pos;
} gs_gateway_tls_config;

typedef struct gs_listener {
    gs_sval name;
    gs_sval hostname; /* v NULL when absent */
    gs_ival port;
    gs_sval protocol;
    gs_protocol protocol_kind;
    gs_gateway_tls_config tls;
    gs_allowed_routes allowed_routes;
    gs_pos pos;
} gs_listener;

typedef struct gs_gateway_address {
    gs_sval type; /* default IPAddress */
    gs_sval value;
    gs_pos pos;
} gs_gateway_address;

typedef struct gs_gateway_infrastructure {
    bool set;
    gs_labels labels;
    gs_labels annotations;
    gs_local_ref parameters_ref;
    gs_pos pos;
} gs_gateway_infrastructure;

/* spec.tls.frontend validation: the CAs a client certificate must chain to (ObjectReferences:
 * group, kind, name, optional namespace; Core support is a ConfigMap with `ca.crt`). */
typedef enum gs_frontend_validation_mode {
    GS_FRONTEND_ALLOW_VALID_ONLY = 0,    /* the default: no valid certificate, no connection */
    GS_FRONTEND_ALLOW_INSECURE_FALLBACK, /* ask for one, accept without or with a bad one */
} gs_frontend_validation_mode;

typedef struct gs_frontend_validation {
    bool set; /* `validation` written */
    gs_local_ref *ca_certificate_refs;
    size_t n_ca_certificate_refs;
    gs_frontend_validation_mode mode;
    gs_sval mode_str; /* default AllowValidOnly */
    gs_pos pos;
} gs_frontend_validation;

/* spec.tls.frontend.perPort[]: overrides the default for HTTPS listeners on |port|. */
typedef struct gs_frontend_port {
    gs_ival port;
    gs_frontend_validation validation;
    gs_pos pos;
} gs_frontend_port;

typedef struct gs_gateway_frontend_tls {
    bool set;                                  /* spec.tls.frontend written */
    gs_frontend_validation default_validation; /* frontend.default.validation */
    gs_frontend_port *per_port;
    size_t n_per_port;
    gs_pos pos;
} gs_gateway_frontend_tls;

/* spec.allowedListeners: which ListenerSets may attach (namespaces.from, default None). */
typedef struct gs_allowed_listeners {
    gs_namespaces_from from; /* default None */
    gs_sval from_str;
    gs_label_selector selector;
    gs_pos pos;
} gs_allowed_listeners;

/* spec.tls.backend: the Gateway as a TLS client of its backends (under a BackendTLSPolicy). */
typedef struct gs_gateway_backend_tls {
    bool set;                             /* spec.tls.backend written */
    bool has_client_certificate_ref;      /* clientCertificateRef written */
    gs_secret_ref client_certificate_ref; /* group "" and kind Secret by default */
    gs_pos pos;
} gs_gateway_backend_tls;

typedef struct gs_gateway {
    gs_object obj;
    struct {
        gs_sval gateway_class_name;
        gs_allowed_listeners allowed_listeners;
        gs_listener *listeners;
        size_t n_listeners;
        gs_gateway_address *addresses;
        size_t n_addresses;
        gs_gateway_infrastructure infrastructure;
        struct {
            gs_gateway_backend_tls backend;
        } tls;
        gs_gateway_frontend_tls tls_frontend; /* spec.tls.frontend */
    } spec;
} gs_gateway;

/* ---- ListenerSet ----
 * Listeners that attach to a parent Gateway (spec.parentRef: group, kind Gateway, name,
 * namespace defaulting to the ListenerSet's), if the Gateway's allowedListeners admits the
 * ListenerSet's namespace. The listeners have the Gateway's listener shape. */
typedef struct gs_listener_set {
    gs_object obj;
    struct {
        gs_parent_ref parent_ref; /* section_name and port unused */
        gs_listener *listeners;
        size_t n_listeners;
    } spec;
} gs_listener_set;

/* ---- HTTPRoute ---- */

typedef enum gs_path_match_type {
    GS_PATH_PREFIX = 0, /* the default */
    GS_PATH_EXACT,
    GS_PATH_REGULAR_EXPRESSION,
} gs_path_match_type;

typedef enum gs_value_match_type {
    GS_MATCH_EXACT = 0, /* the default */
    GS_MATCH_REGULAR_EXPRESSION,
} gs_value_match_type;

typedef struct gs_http_path_match {
    gs_path_match_type type;
    gs_sval value; /* default "/" */
    gs_pos pos;
} gs_http_path_match;

/* Header or query-parameter match. */
typedef struct gs_http_value_match {
    gs_value_match_type type;
    gs_sval name;
    gs_sval value;
    gs_pos pos;
} gs_http_value_match;

typedef struct gs_http_route_match {
    gs_http_path_match path; /* always present after defaulting */
    gs_http_value_match *headers;
    size_t n_headers;
    gs_http_value_match *query_params;
    size_t n_query_params;
    gs_sval method; /* v NULL when any method */
    gs_pos pos;
} gs_http_route_match;

typedef struct gs_http_header {
    gs_sval name;
    gs_sval value;
    gs_pos pos;
} gs_http_header;

typedef struct gs_http_header_filter {
    gs_http_header *set;
    size_t n_set;
    gs_http_header *add;
    size_t n_add;
    gs_sval *remove;
    size_t n_remove;
    gs_pos pos;
} gs_http_header_filter;

typedef enum gs_path_modifier_type {
    GS_PATH_MODIFIER_NONE = 0,
    GS_PATH_MODIFIER_REPLACE_FULL_PATH,
    GS_PATH_MODIFIER_REPLACE_PREFIX_MATCH,
} gs_path_modifier_type;

typedef struct gs_http_path_modifier {
    gs_path_modifier_type type;
    gs_sval replace_full_path;
    gs_sval replace_prefix_match;
    gs_pos pos;
} gs_http_path_modifier;

typedef struct gs_http_request_redirect {
    gs_sval scheme;   /* NULL: keep */
    gs_sval hostname; /* NULL: keep */
    gs_http_path_modifier path;
    gs_ival port;        /* has=false: derive from scheme */
    gs_ival status_code; /* default 302 */
    gs_pos pos;
} gs_http_request_redirect;

typedef struct gs_http_url_rewrite {
    gs_sval hostname;
    gs_http_path_modifier path;
    gs_pos pos;
} gs_http_url_rewrite;

typedef struct gs_http_request_mirror {
    gs_backend_ref backend_ref;
    gs_ival percent;              /* has=false when not given */
    bool has_fraction;
    gs_ival fraction_numerator;
    gs_ival fraction_denominator; /* default 100 */
    gs_pos pos;
} gs_http_request_mirror;

typedef struct gs_http_cors {
    gs_sval *allow_origins;
    size_t n_allow_origins;
    gs_sval *allow_methods;
    size_t n_allow_methods;
    gs_sval *allow_headers;
    size_t n_allow_headers;
    gs_sval *expose_headers;
    size_t n_expose_headers;
    gs_bval allow_credentials;
    gs_ival max_age; /* default 5 */
    gs_pos pos;
} gs_http_cors;

typedef enum gs_filter_type {
    GS_FILTER_UNKNOWN = 0,
    GS_FILTER_REQUEST_HEADER_MODIFIER,
    GS_FILTER_RESPONSE_HEADER_MODIFIER,
    GS_FILTER_REQUEST_MIRROR,
    GS_FILTER_REQUEST_REDIRECT,
    GS_FILTER_URL_REWRITE,
    GS_FILTER_EXTENSION_REF,
    GS_FILTER_CORS,
    GS_FILTER_EXTERNAL_AUTH, /* experimental; only the type is modelled */
} gs_filter_type;

/* An HTTPRoute or GRPCRoute filter; only the member matching |type| is meaningful. */
typedef struct gs_route_filter {
    gs_filter_type type;
    gs_sval type_str;
    gs_http_header_filter request_header_modifier;
    gs_http_header_filter response_header_modifier;
    gs_http_request_mirror request_mirror;
    gs_http_request_redirect request_redirect;
    gs_http_url_rewrite url_rewrite;
    gs_http_cors cors;
    gs_local_ref extension_ref;
    gs_pos pos;
} gs_route_filter;

typedef struct gs_route_backend_ref {
    gs_backend_ref ref;
    gs_ival weight; /* default 1 */
    gs_route_filter *filters;
    size_t n_filters;
    gs_pos pos;
} gs_route_backend_ref;

typedef struct gs_http_route_timeouts {
    bool set;
    gs_sval request;         /* GEP-2257 duration as written */
    gs_sval backend_request;
    int64_t request_ns;      /* -1 when absent; 0 = no timeout */
    int64_t backend_request_ns;
    gs_pos pos;
} gs_http_route_timeouts;

/* Experimental: rules[].retry (HTTPRoute). */
typedef struct gs_http_route_retry {
    bool set;
    gs_ival attempts;   /* has=false: implementation default */
    gs_sval backoff;    /* GEP-2257 duration as written */
    int64_t backoff_ns; /* -1 when absent */
    gs_ival *codes;     /* HTTP status codes 400..599 */
    size_t n_codes;
    gs_pos pos;
} gs_http_route_retry;

/* Experimental: rules[].sessionPersistence (HTTPRoute, GRPCRoute). */
typedef struct gs_session_persistence {
    bool set;
    gs_sval type; /* Cookie (default) or Header */
    gs_sval session_name;
    gs_sval absolute_timeout;
    int64_t absolute_timeout_ns; /* -1 when absent */
    gs_sval lifetime_type;       /* cookieConfig.lifetimeType: Session (default) or Permanent */
    gs_pos pos;
} gs_session_persistence;

typedef struct gs_http_route_rule {
    gs_sval name;
    gs_http_route_match *matches; /* at least one after defaulting */
    size_t n_matches;
    gs_route_filter *filters;
    size_t n_filters;
    gs_route_backend_ref *backend_refs;
    size_t n_backend_refs;
    gs_http_route_timeouts timeouts;
    gs_pos pos;
    gs_http_route_retry retry;
    gs_session_persistence session_persistence;
} gs_http_route_rule;

typedef struct gs_http_route {
    gs_object obj;
    struct {
        gs_parent_ref *parent_refs;
        size_t n_parent_refs;
        gs_sval *hostnames;
        size_t n_hostnames;
        gs_http_route_rule *rules; /* at least one after defaulting */
        size_t n_rules;
    } spec;
} gs_http_route;

/* ---- GRPCRoute ---- */

typedef struct gs_grpc_method_match {
    bool set;
    gs_value_match_type type; /* default Exact */
    gs_sval service;          /* NULL: any */
    gs_sval method;           /* NULL: any */
    gs_pos pos;
} gs_grpc_method_match;

typedef struct gs_grpc_route_match {
    gs_grpc_method_match method;
    gs_http_value_match *headers;
    size_t n_headers;
    gs_pos pos;
} gs_grpc_route_match;

typedef struct gs_grpc_route_rule {
    gs_sval name;
    gs_grpc_route_match *matches; /* may be empty: matches everything */
    size_t n_matches;
    gs_route_filter *filters;
    size_t n_filters;
    gs_route_backend_ref *backend_refs;
    size_t n_backend_refs;
    gs_pos pos;
    gs_session_persistence session_persistence;
} gs_grpc_route_rule;

typedef struct gs_grpc_route {
    gs_object obj;
    struct {
        gs_parent_ref *parent_refs;
        size_t n_parent_refs;
        gs_sval *hostnames;
        size_t n_hostnames;
        gs_grpc_route_rule *rules;
        size_t n_rules;
    } spec;
} gs_grpc_route;

/* ---- TLSRoute, TCPRoute, UDPRoute ----
 * The three layer-4 route kinds share one shape: parentRefs, hostnames (TLSRoute only: the SNI
 * names it takes; required by TLSRoute v1), and rules of backendRefs (exactly one rule in v1,
 * up to 16 in v1alpha2) without matches or filters. Their backendRefs have no filters. */
typedef struct gs_l4_route_rule {
    gs_sval name;
    gs_route_backend_ref *backend_refs; /* 1 to 16 */
    size_t n_backend_refs;
    gs_pos pos;
} gs_l4_route_rule;

typedef struct gs_l4_route {
    gs_object obj; /* obj.kind tells TLSRoute, TCPRoute and UDPRoute apart */
    struct {
        gs_parent_ref *parent_refs;
        size_t n_parent_refs;
        gs_sval *hostnames; /* TLSRoute only; none for TCPRoute and UDPRoute */
        size_t n_hostnames;
        gs_l4_route_rule *rules;
        size_t n_rules;
    } spec;
} gs_l4_route;

/* ---- ReferenceGrant ---- */

typedef struct gs_reference_grant_from {
    gs_sval group, kind, namespace;
    gs_pos pos;
} gs_reference_grant_from;

typedef struct gs_reference_grant_to {
    gs_sval group, kind, name; /* name v NULL: every object of that kind */
    gs_pos pos;
} gs_reference_grant_to;

typedef struct gs_reference_grant {
    gs_object obj;
    struct {
        gs_reference_grant_from *from;
        size_t n_from;
        gs_reference_grant_to *to;
        size_t n_to;
    } spec;
} gs_reference_grant;

/* ---- BackendTLSPolicy ---- */

/* LocalPolicyTargetReferenceWithSectionName: a Service (sectionName: one of its port names). */
typedef struct gs_policy_target_ref {
    gs_sval group, kind, name, section_name;
    gs_pos pos;
} gs_policy_target_ref;

typedef struct gs_subject_alt_name {
    gs_sval type; /* Hostname or URI */
    gs_sval hostname, uri;
    gs_pos pos;
} gs_subject_alt_name;

typedef struct gs_backend_tls_policy {
    gs_object obj;
    struct {
        gs_policy_target_ref *target_refs; /* 1 to 16 */
        size_t n_target_refs;
        struct {
            gs_local_ref *ca_certificate_refs; /* ConfigMaps (key ca.crt) of the policy's namespace */
            size_t n_ca_certificate_refs;
            gs_sval well_known_ca_certificates; /* "System" or NULL */
            gs_sval hostname;                   /* the SNI; the name checked unless SANs given */
            gs_subject_alt_name *subject_alt_names;
            size_t n_subject_alt_names;
            gs_pos pos;
        } validation;
        gs_labels options;
    } spec;
} gs_backend_tls_policy;

/* ---- core: Namespace, Service, Secret, ConfigMap ---- */

typedef struct gs_namespace {
    gs_object obj; /* labels in obj.metadata.labels (plus kubernetes.io/metadata.name) */
} gs_namespace;

typedef struct gs_service_port {
    gs_sval name;
    gs_ival port;
    gs_sval target_port; /* as written (number or name), NULL when absent */
    gs_sval protocol;    /* default TCP */
    gs_sval app_protocol;
    gs_pos pos;
} gs_service_port;

typedef struct gs_service {
    gs_object obj;
    struct {
        gs_sval type; /* default ClusterIP */
        gs_service_port *ports;
        size_t n_ports;
    } spec;
} gs_service;

typedef struct gs_secret_entry {
    gs_sval key;
    gs_sval value;          /* base64 as written (for stringData: the plain text) */
    unsigned char *decoded; /* NUL-terminated for convenience */
    size_t decoded_len;
} gs_secret_entry;

typedef struct gs_secret {
    gs_object obj;
    gs_sval type; /* default Opaque; kubernetes.io/tls for certificates */
    gs_secret_entry *data; /* data (base64-decoded) then stringData entries */
    size_t n_data;
} gs_secret;

/* The decoded value of |key| ("tls.crt") or NULL; *len gets its length. */
const unsigned char *gs_secret_get(const gs_secret *s, const char *key, size_t *len);

/* A ConfigMap: data as strings (binaryData entries base64-decoded). Same entry shape as a
 * Secret's. */
typedef struct gs_config_map {
    gs_object obj;
    gs_secret_entry *data;
    size_t n_data;
} gs_config_map;

/* The value of |key| ("ca.crt") or NULL; *len gets its length. */
const unsigned char *gs_config_map_get(const gs_config_map *cm, const char *key, size_t *len);

/* ---- the object set ---- */

typedef struct gs_model_stream gs_model_stream;

/* All valid objects loaded so far, in load order and per kind. Objects that failed validation
 * are not in the set (as an API server would have rejected them); their problems are in
 * |diags|. Pointers stay valid until gs_model_free (removal only unlinks). */
/* A Scenario document (apiVersion gatesim.dev/v1alpha1, kind Scenario) the loader met. |stream|
 * holds |doc|; both are the model's and live until gs_model_free. */
typedef struct gs_model_scenario_doc {
    gs_yaml_stream *stream;
    const gs_yaml_node *doc;
} gs_model_scenario_doc;

typedef struct gs_model {
    gs_object **objects;
    size_t n_objects;
    gs_gateway_class **gateway_classes;
    size_t n_gateway_classes;
    gs_gateway **gateways;
    size_t n_gateways;
    gs_http_route **http_routes;
    size_t n_http_routes;
    gs_grpc_route **grpc_routes;
    size_t n_grpc_routes;
    gs_l4_route **tls_routes;
    size_t n_tls_routes;
    gs_l4_route **tcp_routes;
    size_t n_tcp_routes;
    gs_l4_route **udp_routes;
    size_t n_udp_routes;
    gs_reference_grant **reference_grants;
    size_t n_reference_grants;
    gs_listener_set **listener_sets;
    size_t n_listener_sets;
    gs_backend_tls_policy **backend_tls_policies;
    size_t n_backend_tls_policies;
    gs_config_map **config_maps;
    size_t n_config_maps;
    gs_namespace **namespaces;
    size_t n_namespaces;
    gs_service **services;
    size_t n_services;
    gs_secret **secrets;
    size_t n_secrets;
    struct gs_ingress **ingresses; /* networking.k8s.io/v1 (gs_ingress.h) */
    size_t n_ingresses;
    struct gs_ingress_class **ingress_classes;
    size_t n_ingress_classes;

    gs_diags diags;     /* every problem and note found while loading */
    size_t n_invalid;   /* documents rejected with errors */
    size_t n_skipped;   /* documents of kinds outside the model */
    size_t n_files;     /* YAML files read */
    size_t n_scenarios; /* gatesim.dev Scenario documents seen */
    /* Where each of them is, for the caller to hand to the scenario part's decoder (the model
     * does not decode scenarios: the scenario part sits above it). |n_scenarios| entries. */
    gs_model_scenario_doc *scenario_docs;

    /* private */
    gs_model_stream *streams;
    size_t caps_[GS_KIND_COUNT_];
    size_t next_index;
    struct gs_model_index *index_; /* kind/namespace/name -> object */
} gs_model;

typedef struct gs_load_options {
    /* `--strict`: gatesim's own judgements fail validation: every warning is an error, and so
     * is an object of a kind gatesim does not model (it cannot judge it) */
    bool strict;
    /* The caller checks the Scenario documents (m->scenario_docs) itself; without it, each is
     * noted as not checked. */
    bool scenarios_checked_by_caller;
    const char *default_namespace; /* for namespaced objects without one; NULL = "default" */
    bool keep_invalid;             /* also add objects that have errors (for explain tools) */
    /* A later definition of an object replaces the earlier one without a remark: the caller
     * replaces objects on purpose (a scenario's steps). Without it, a second definition is a
     * warning within one file and a note across files. */
    bool replace_quietly;
    /* Gateway API release channel whose CRDs validate: "standard" or "experimental" (NULL, the
     * default: a superset of standard, so experimental fields are accepted). */
    const char *channel;
} gs_load_options;

int gs_model_new(gs_model **out);
void gs_model_free(gs_model *m);

/* Loads a file, or every *.yaml / *.yml below a directory (recursively, sorted by name).
 * Each document is an object, a `kind: List` of objects, or a gatesim.dev Scenario (recorded in
 * m->scenario_docs, not decoded here). Every problem goes to m->diags.
 * Returns 0 when everything could be read and parsed (objects may still be invalid: check
 * m->diags.nerrors), GS_ERR_IO for an unreadable path, GS_ERR_PARSE for malformed YAML (both
 * also recorded in m->diags with their position). Loading continues past bad files. */
int gs_model_load_path(gs_model *m, const char *path, const gs_load_options *opt, gs_error *err);

/* As gs_model_load_path for bytes named |name|. */
int gs_model_load_buffer(gs_model *m, const char *name, const void *data, size_t len,
                         const gs_load_options *opt, gs_error *err);

/* Loads one document node (a scenario's inline manifest). The node is deep-copied, keeping its
 * positions, so |stream| may be freed afterwards. Returns the number of errors it added. */
size_t gs_model_load_node(gs_model *m, const gs_yaml_node *doc, const gs_load_options *opt);

/* The object of |kind| named |ns|/|name| (|ns| ignored for cluster-scoped kinds), or NULL. */
gs_object *gs_model_find(const gs_model *m, gs_kind kind, const char *ns, const char *name);

/* Unlinks that object from the set (its memory lives until gs_model_free). Returns 0 or
 * GS_ERR_NOT_FOUND. Used by scenario steps that delete objects. */
int gs_model_remove(gs_model *m, gs_kind kind, const char *ns, const char *name);

/* Checks that need several objects (docs/semantics.md): HTTPRoutes and GRPCRoutes with
 * intersecting hostnames attached to the same Gateway listener (warnings, since which one a
 * controller rejects is implementation-specific). Adds to m->diags; returns how many. Call
 * after loading everything (gatesim validate does). */
size_t gs_model_check_cross(gs_model *m);

/* Loading an object that already exists (same kind/namespace/name) replaces it in place
 * (same position in the lists, like `kubectl apply`). */

#endif
