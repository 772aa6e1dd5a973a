/* SPDX-License-Identifier: MIT */
/* The compiled route table: what the data plane consults for every request. Per Gateway and
 * listener port it holds the listeners (effective hostname, protocol, certificates) and, per
 * listener, the attached HTTPRoute/GRPCRoute rules indexed by hostname and path, ordered by the
 * Gateway API precedence (docs/control.md). Self-contained plain structs: no model types, no I/O.
 *
 * Life cycle: gs_route_table_new → add_listener… → add_route… → compile → lookup (any number of
 * threads; a compiled table is read-only) → free. Every add_* deep-copies its input; every pointer
 * the table hands out stays valid until gs_route_table_free. */
#ifndef GS_ROUTE_TABLE_H
#define GS_ROUTE_TABLE_H

#include "gs_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct gs_route_table gs_route_table;

/* ---- listeners --------------------------------------------------------------------------- */

typedef enum gs_rt_protocol {
    GS_RT_PROTO_HTTP = 0,
    GS_RT_PROTO_HTTPS,
    GS_RT_PROTO_TLS,
    GS_RT_PROTO_TCP,
    GS_RT_PROTO_UDP,
} gs_rt_protocol;

/* One listener tls.certificateRefs entry. |cert_pem|/|key_pem| hold the Secret's tls.crt and
 * tls.key when the reference resolved (permitted, present, well-formed); NULL otherwise. */
typedef struct gs_rt_cert {
    const char *namespace;
    const char *name;
    const char *cert_pem;
    const char *key_pem;
} gs_rt_cert;

typedef struct gs_rt_listener {
    const char *gateway_namespace;
    const char *gateway_name;
    const char *name; /* the listener (section) name */
    uint16_t port;    /* the spec port, not the bound socket */
    gs_rt_protocol protocol;
    const char *hostname;    /* NULL: catch-all; "*.x" wildcard; lower-case */
    bool tls_passthrough;    /* TLS listeners: mode Passthrough */
    const gs_rt_cert *certs; /* HTTPS/TLS Terminate */
    size_t n_certs;
    /* The Gateway's spec.tls.backend.clientCertificateRef when it resolved, else NULL: the
     * certificate presented to backends reached over TLS (BackendTLSPolicy) from this listener. */
    const gs_rt_cert *backend_client_cert;
    /* HTTPS with the Gateway's tls.frontend validation: client certificates are asked for and
     * must chain to one of these CAs (concatenated PEM); NULL: none asked for. With
     * |client_insecure_fallback| (AllowInsecureFallback) a client without a certificate, or
     * with one that does not verify, is still served. */
    const char *client_ca_pem;
    bool client_insecure_fallback;
    /* Set by the table (ignored on input): position in gs_route_table_listener(). */
    size_t index;
} gs_rt_listener;

/* All listeners of one Gateway that share one port: the data plane binds one socket per port.
 * Read-only view owned by the table. */
typedef struct gs_rt_port {
    const char *gateway_namespace;
    const char *gateway_name;
    uint16_t port;
    gs_rt_protocol protocol;                /* of the first listener added on this port */
    const gs_rt_listener *const *listeners; /* in insertion order */
    size_t n_listeners;
    const void *priv; /* table-internal index */
} gs_rt_port;

/* ---- route rules --------------------------------------------------------------------------- */

typedef enum gs_rt_match_type {
    GS_RT_MATCH_EXACT = 0,
    GS_RT_MATCH_PREFIX, /* paths only: element-wise PathPrefix */
    GS_RT_MATCH_REGEX,  /* PCRE2, whole-value (anchored at both ends), case-sensitive */
} gs_rt_match_type;

/* A header or query-parameter match. Header names compare case-insensitively; a later entry
 * equivalent to an earlier one is ignored. Query names compare exactly. */
typedef struct gs_rt_kv_match {
    gs_rt_match_type type; /* EXACT or REGEX */
    const char *name;
    const char *value;
    const void *priv; /* table-internal (compiled regex); ignored on input */
} gs_rt_kv_match;

typedef struct gs_rt_path_match {
    gs_rt_match_type type;
    const char *value; /* NULL: PathPrefix "/" */
    const void *priv;  /* table-internal; ignored on input */
} gs_rt_path_match;

/* One HTTPRoute match: every present condition must hold. */
typedef struct gs_rt_match {
    gs_rt_path_match path;
    const char *method; /* NULL: any method; "GET", ... (no HEAD→GET) */
    const gs_rt_kv_match *headers;
    size_t n_headers;
    const gs_rt_kv_match *query;
    size_t n_query;
} gs_rt_match;

/* One GRPCRoute match; service and method apply to the :path "/service/method". */
typedef struct gs_rt_grpc_match {
    gs_rt_match_type type; /* EXACT or REGEX */
    const char *service;   /* NULL: any */
    const char *method;    /* NULL: any */
    const gs_rt_kv_match *headers;
    size_t n_headers;
    const void *priv; /* table-internal; ignored on input */
} gs_rt_grpc_match;

typedef struct gs_rt_header_value {
    const char *name;
    const char *value;
} gs_rt_header_value;

/* RequestHeaderModifier / ResponseHeaderModifier. */
typedef struct gs_rt_header_mod {
    const gs_rt_header_value *set;
    size_t n_set;
    const gs_rt_header_value *add;
    size_t n_add;
    const char *const *remove;
    size_t n_remove;
} gs_rt_header_mod;

typedef enum gs_rt_path_mod_type {
    GS_RT_PATH_KEEP = 0,
    GS_RT_PATH_REPLACE_FULL,
    GS_RT_PATH_REPLACE_PREFIX, /* with gs_rt_result.matched_prefix (the data plane replaces) */
} gs_rt_path_mod_type;

typedef struct gs_rt_path_mod {
    gs_rt_path_mod_type type;
    const char *value;
} gs_rt_path_mod;

typedef struct gs_rt_redirect {
    const char *scheme;   /* NULL: the request's scheme */
    const char *hostname; /* NULL: the request Host without port */
    gs_rt_path_mod path;
    uint16_t port;   /* 0: unset (see gs_rt_redirect_port) */
    int status_code; /* 0 on input means the default, 302 */
} gs_rt_redirect;

typedef struct gs_rt_rewrite {
    const char *hostname; /* NULL: keep */
    gs_rt_path_mod path;
} gs_rt_rewrite;

typedef enum gs_rt_backend_state {
    GS_RT_BACKEND_OK = 0,
    GS_RT_BACKEND_NOT_FOUND,            /* BackendNotFound (missing Service or port) */
    GS_RT_BACKEND_REF_NOT_PERMITTED,    /* RefNotPermitted */
    GS_RT_BACKEND_INVALID_KIND,         /* InvalidKind */
    GS_RT_BACKEND_UNSUPPORTED_PROTOCOL, /* UnsupportedProtocol */
} gs_rt_backend_state;

struct gs_rt_filter;

/* TLS to a backend, from the BackendTLSPolicy in force for its Service port (docs/l4.md,
 * BackendTLSPolicy): the chain must verify against |ca_pem| (or the system store), SNI is
 * |hostname|, and the leaf must name |hostname|, or with SANs one of them (DNS names by the
 * usual host rules, URIs exactly). */
typedef struct gs_rt_backend_tls {
    const char *policy;   /* "namespace/name", for messages */
    const char *hostname; /* SNI; the name checked when there are no SANs */
    const char *ca_pem;   /* concatenated PEM certificates; NULL with |system_ca| */
    bool system_ca;       /* wellKnownCACertificates: System */
    const char *const *san_hosts;
    size_t n_san_hosts;
    const char *const *san_uris;
    size_t n_san_uris;
} gs_rt_backend_tls;

/* One backendRef. An entry whose |state| is not OK keeps its weight share: the data plane
 * answers that share with 500 (gRPC: UNAVAILABLE). */
typedef struct gs_rt_backend {
    const char *group; /* "" core */
    const char *kind;  /* "Service" */
    const char *namespace;
    const char *name;
    uint16_t port;
    uint32_t weight;
    const char *app_protocol; /* the Service port's appProtocol, NULL if none */
    gs_rt_backend_state state;
    const struct gs_rt_filter *filters; /* run only for requests sent to this backend */
    size_t n_filters;
    const gs_rt_backend_tls *tls; /* NULL: plaintext */
} gs_rt_backend;

/* RequestMirror: fire-and-forget to one endpoint of |backend| for numerator/denominator of the
 * requests (100/100 when the filter sets neither percent nor fraction). Not sent when
 * |backend.state| is not OK. */
typedef struct gs_rt_mirror {
    gs_rt_backend backend; /* weight and filters unused */
    uint32_t numerator;
    uint32_t denominator; /* 0 on input means 100 */
} gs_rt_mirror;

typedef struct gs_rt_cors {
    const char *const *allow_origins;
    size_t n_allow_origins;
    bool allow_credentials;
    const char *const *allow_methods;
    size_t n_allow_methods;
    const char *const *allow_headers;
    size_t n_allow_headers;
    const char *const *expose_headers;
    size_t n_expose_headers;
    int max_age; /* seconds; 0 on input means the default, 5 */
} gs_rt_cors;

typedef struct gs_rt_extension_ref {
    const char *group;
    const char *kind;
    const char *name;
} gs_rt_extension_ref; /* unresolvable here: the data plane answers 500 */

typedef enum gs_rt_filter_type {
    GS_RT_FILTER_REQUEST_HEADER_MODIFIER = 0,
    GS_RT_FILTER_RESPONSE_HEADER_MODIFIER,
    GS_RT_FILTER_REQUEST_REDIRECT,
    GS_RT_FILTER_URL_REWRITE,
    GS_RT_FILTER_REQUEST_MIRROR,
    GS_RT_FILTER_CORS,
    GS_RT_FILTER_EXTENSION_REF,
} gs_rt_filter_type;

typedef struct gs_rt_filter {
    gs_rt_filter_type type;
    union {
        gs_rt_header_mod header_mod; /* both header modifiers */
        gs_rt_redirect redirect;
        gs_rt_rewrite rewrite;
        gs_rt_mirror mirror;
        gs_rt_cors cors;
        gs_rt_extension_ref extension_ref;
    };
} gs_rt_filter;

#define GS_RT_TIMEOUT_UNSET (-1)

struct gs_rt_route;

/* One rule. HTTPRoute rules use |matches| (none = one PathPrefix "/" match); GRPCRoute rules use
 * |grpc_matches| (none = match every call). Filters run in list order. */
/* rules[].retry (HTTPRoute): a try that failed (connection error, backendRequest timeout, or a
 * response status in |codes|) is tried again, up to |attempts| more times, each after
 * |backoff_ms|. */
#define GS_RT_RETRY_CODE_MIN 400
#define GS_RT_RETRY_CODE_MAX 599
typedef struct gs_rt_retry {
    bool set;
    uint32_t attempts;  /* retries after the first try */
    int64_t backoff_ms; /* 0: at once */
    uint8_t codes[(GS_RT_RETRY_CODE_MAX - GS_RT_RETRY_CODE_MIN) / 8 + 1]; /* bitmap */
} gs_rt_retry;

/* Adds |status| to the retriable codes (ignored outside 400..599). */
void gs_rt_retry_add_code(gs_rt_retry *r, int status);
/* True when a response with |status| is retried under |r|. */
bool gs_rt_retry_has_code(const gs_rt_retry *r, int status);

typedef struct gs_rt_rule {
    const char *name; /* optional rules[].name */
    const gs_rt_match *matches;
    size_t n_matches;
    const gs_rt_grpc_match *grpc_matches;
    size_t n_grpc_matches;
    const gs_rt_filter *filters;
    size_t n_filters;
    const gs_rt_backend *backends;
    size_t n_backends;
    int64_t request_timeout_ms;         /* GS_RT_TIMEOUT_UNSET, 0 = disabled */
    int64_t backend_request_timeout_ms; /* GS_RT_TIMEOUT_UNSET, 0 = disabled */
    gs_rt_retry retry;
    /* Set by the table (ignored on input). */
    const struct gs_rt_route *route; /* the route this rule belongs to */
    size_t index;                    /* position in the route's rules */
    uint64_t total_weight;           /* sum of backend weights, valid or not */
} gs_rt_rule;

typedef enum gs_rt_route_kind {
    GS_RT_ROUTE_HTTP = 0,
    GS_RT_ROUTE_GRPC,
    /* TLSRoute, TCPRoute, UDPRoute: rules of backends, no matches, no filters. Found by
     * gs_route_table_lookup_l4 (docs/l4.md); only their first rule carries traffic. */
    GS_RT_ROUTE_TLS,
    GS_RT_ROUTE_TCP,
    GS_RT_ROUTE_UDP,
} gs_rt_route_kind;

/* gs_rt_route.created of a route without a creationTimestamp: newer than any real one. */
#define GS_RT_CREATED_UNKNOWN ((int64_t)1 << 40)

/* An Accepted route as attached. |hostnames| are the route's spec.hostnames; the table intersects
 * them with each listener's hostname (a route with none takes the listener's) and ranks the
 * route's rules by that effective hostname. */
typedef struct gs_rt_route {
    gs_rt_route_kind kind;
    const char *namespace;
    const char *name;
    /* creationTimestamp in seconds since the epoch, GS_RT_CREATED_UNKNOWN when the object has
     * none. Smaller is older; equal ages are broken by namespace, then name (never by the order
     * routes were added). */
    int64_t created;
    const char *const *hostnames;
    size_t n_hostnames;
    const gs_rt_rule *rules;
    size_t n_rules;
} gs_rt_route;

/* ---- building ------------------------------------------------------------------------------ */

typedef struct gs_rt_options {
    /* false (default): a request whose most specific matching route hostname has no matching
     * rule falls through to less specific hostnames (exact → longer wildcard → shorter wildcard →
     * routes without hostnames). true: only the most specific hostname present is consulted,
     * as Envoy-style virtual hosts do. */
    bool no_hostname_fallthrough;
} gs_rt_options;

/* Creates an empty table. |options| may be NULL (defaults). Returns 0. */
int gs_route_table_new(gs_route_table **out, const gs_rt_options *options);
void gs_route_table_free(gs_route_table *t);

/* Adds a copy of |l| (Accepted listeners only: conflicted or unsupported ones stay out). Writes
 * its index to |index| (may be NULL). Returns 0, or GS_ERR_INVALID for a malformed hostname, a
 * duplicate listener name within the Gateway, or a table already compiled. */
int gs_route_table_add_listener(gs_route_table *t, const gs_rt_listener *l, size_t *index,
                                gs_error *err);

/* Adds a copy of |r| attached to the listeners |listeners[0..n)| (indexes from add_listener).
 * Hostnames that do not intersect a listener are ignored there; a listener with no intersection
 * gets nothing. Returns 0, GS_ERR_INVALID (bad listener index, regex that does not compile, a
 * match of the wrong kind, compiled table) with the reason in |err|. */
int gs_route_table_add_route(gs_route_table *t, const gs_rt_route *r, const size_t *listeners,
                             size_t n_listeners, gs_error *err);

/* Builds the indexes. Must be called once, after the last add and before the first lookup.
 * Returns 0. */
int gs_route_table_compile(gs_route_table *t, gs_error *err);

/* ---- reading --------------------------------------------------------------------------------- */

size_t gs_route_table_port_count(const gs_route_table *t);
const gs_rt_port *gs_route_table_port(const gs_route_table *t, size_t i);
/* The stream (TCP) port of Gateway |gw_ns|/|gw_name| with spec port |port|, or NULL. UDP
 * listeners form ports of their own (a TCP and a UDP listener may share a number): find those
 * with gs_route_table_find_udp_port. */
const gs_rt_port *gs_route_table_find_port(const gs_route_table *t, const char *gw_ns,
                                           const char *gw_name, uint16_t port);
const gs_rt_port *gs_route_table_find_udp_port(const gs_route_table *t, const char *gw_ns,
                                               const char *gw_name, uint16_t port);
size_t gs_route_table_listener_count(const gs_route_table *t);
const gs_rt_listener *gs_route_table_listener(const gs_route_table *t, size_t i);

/* The listener of |port| that serves |host| (port suffix and case ignored): exact hostname,
 * then the wildcard with the longest suffix, then the catch-all; NULL if none. Used for SNI
 * certificate choice too. */
const gs_rt_listener *gs_rt_port_select_listener(const gs_rt_port *port, const char *host,
                                                 size_t host_len);

/* ---- lookup -------------------------------------------------------------------------------- */

typedef struct gs_rt_header {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
} gs_rt_header;

/* A request as the data plane sees it. Lengths of 0 with a non-NULL pointer mean strlen. */
typedef struct gs_rt_request {
    const char *sni;  /* TLS server name; NULL for cleartext or no SNI */
    const char *host; /* Host or :authority, may carry ":port"; NULL if absent */
    size_t host_len;
    const char *method;
    size_t method_len;
    const char *path; /* request-target (origin form) or :path, query included */
    size_t path_len;
    const gs_rt_header *headers;
    size_t n_headers;
} gs_rt_request;

typedef enum gs_rt_outcome {
    GS_RT_MATCHED = 0,
    GS_RT_NO_LISTENER, /* no listener on the port serves the Host: 404 */
    GS_RT_MISDIRECTED, /* HTTPS: the SNI selected another listener than the Host: 421 */
    GS_RT_NO_ROUTE,    /* listener found, no rule matches: 404 (gRPC: UNIMPLEMENTED) */
} gs_rt_outcome;

typedef struct gs_rt_result {
    gs_rt_outcome outcome;
    int http_status;                /* 0 when matched; 404 or 421 otherwise */
    const gs_rt_listener *listener; /* the Host's listener (NULL for NO_LISTENER) */
    const gs_rt_route *route;       /* NULL unless matched */
    const gs_rt_rule *rule;         /* NULL unless matched */
    size_t match_index;             /* which of the rule's matches won */
    const char *hostname;           /* the effective route hostname that matched ("*.x", "x");
                                       NULL for a route without hostnames on a listener
                                       without hostname */
    const char *matched_prefix;     /* the winning PathPrefix value as configured, else NULL */
} gs_rt_result;

/* Selects the listener and the winning rule for |req| arriving on |port|. Always fills |out|.
 * Returns 0, or GS_ERR_INVALID when the table is not compiled or an argument is NULL. Allocates
 * only a PCRE2 match block when a regular expression is evaluated; safe to call from several
 * threads at once. */
int gs_route_table_lookup(const gs_route_table *t, const gs_rt_port *port, const gs_rt_request *req,
                          gs_rt_result *out);

/* Layer-4 lookup (TLS, TCP and UDP ports): the listener and the TLSRoute/TCPRoute/UDPRoute
 * serving one connection (one UDP session). |sni| is the ClientHello's server name on a TLS port
 * (case and a trailing dot ignored), NULL when it has none and on TCP/UDP ports. The listener is
 * the one the SNI selects (gs_rt_port_select_listener); without SNI only a listener without
 * hostname. The route: the most specific effective hostname matching the SNI (exact, then the
 * longest wildcard, then routes without hostnames on a listener without hostname, the only ones
 * a connection without SNI reaches), then the oldest, then {namespace}/{name}. |out->rule| is
 * the route's first rule. Outcomes: MATCHED, NO_LISTENER, NO_ROUTE. Returns 0, or
 * GS_ERR_INVALID (table not compiled, NULL argument). */
int gs_route_table_lookup_l4(const gs_route_table *t, const gs_rt_port *port, const char *sni,
                             gs_rt_result *out);

/* ---- helpers for the data plane ----------------------------------------------------------- */

/* Picks a backend of |rule| by weight over ALL its backends (invalid ones included) with |r|
 * uniform in [0, 2^32). Returns the index, or -1 when the rule has no backend or every weight is
 * 0 (answer 500). The caller checks backends[i].state (not OK → 500). */
int gs_rt_rule_pick_backend(const gs_rt_rule *rule, uint32_t r);

/* The port a RequestRedirect Location carries: the filter's port, else the well-known port of
 * the filter's scheme, else |listener_port|. Returns 0 when the port is to be omitted (http:80,
 * https:443). |scheme| is the Location's scheme. */
uint16_t gs_rt_redirect_port(const gs_rt_redirect *r, const char *scheme, uint16_t listener_port);

/* Orders routes by the string "{namespace}/{name}" byte by byte, as the spec's alphabetical
 * tie-break says: < 0 when route a sorts first, 0 when the keys are equal. */
int gs_rt_route_name_cmp(const char *ns_a, const char *name_a, const char *ns_b,
                         const char *name_b);

const char *gs_rt_backend_state_reason(gs_rt_backend_state s); /* "BackendNotFound", ... */
const char *gs_rt_filter_type_name(gs_rt_filter_type t);       /* "RequestHeaderModifier", ... */
const char *gs_rt_protocol_name(gs_rt_protocol p);             /* "HTTP", ... */

/* ---- reading the compiled rules (explain, debugging) ---------------------------------------- */

/* Why a candidate ranks after the one before it in the same hostname (explain): the first
 * precedence key on which they differ. */
typedef enum gs_rt_rank_key {
    GS_RT_RANK_FIRST = 0, /* first of its hostname (or equal keys) */
    GS_RT_RANK_PATH_TYPE, /* Exact, then RegularExpression, then PathPrefix */
    GS_RT_RANK_PATH_LENGTH,
    GS_RT_RANK_METHOD,
    GS_RT_RANK_HEADERS,
    GS_RT_RANK_QUERY,
    GS_RT_RANK_AGE,  /* same match keys: the older route (creationTimestamp) */
    GS_RT_RANK_NAME, /* same age: "{namespace}/{name}" alphabetically */
    GS_RT_RANK_RULE,
    GS_RT_RANK_MATCH,
} gs_rt_rank_key;

/* "same match keys, same age, alphabetical {namespace}/{name}", ...; "" for GS_RT_RANK_FIRST. */
const char *gs_rt_rank_key_text(gs_rt_rank_key k);

/* Called once per (route, rule, match) candidate of a listener: |hostname| is the effective
 * route hostname (NULL for routes without hostnames on a listener without hostname); GRPCRoute
 * candidates have |match| NULL and |grpc_match| set (NULL for a rule without matches), HTTPRoute
 * ones the reverse; layer-4 candidates (route->kind TLS, TCP, UDP: one per route, its first
 * rule) have neither. |why| says what ranks it after the previous candidate of the same
 * hostname. */
typedef void (*gs_rt_visit_fn)(void *arg, const char *hostname, const gs_rt_route *route,
                               const gs_rt_rule *rule, const gs_rt_match *match,
                               const gs_rt_grpc_match *grpc_match, gs_rt_rank_key why);

/* Visits the candidates of listener |listener| (a gs_route_table_listener index) of a compiled
 * table: hostnames from most to least specific, and within each hostname in precedence order
 * (the order lookup tries them). Returns the number of candidates visited. */
size_t gs_route_table_visit(const gs_route_table *t, size_t listener, gs_rt_visit_fn fn, void *arg);

#endif
