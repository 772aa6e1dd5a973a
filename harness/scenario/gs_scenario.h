/* SPDX-License-Identifier: MIT */
/* The scenario format gatesim.dev/v1alpha1 (docs/scenario.md) as C structs, and its loader. Loading
 * decodes the YAML with source positions, rejects unknown fields (with a "did you mean"), checks
 * every value and the cross-references (a split names declared backends, step names are unique,
 * ...), and reports each problem as file:line:col. Running a scenario is gs_runner's job. */
#ifndef GS_SCENARIO_H
#define GS_SCENARIO_H

#include "gs_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GS_SCENARIO_API_VERSION "gatesim.dev/v1alpha1"
#define GS_SCENARIO_KIND "Scenario"

#include "gs_conf_features.h"
#include "gs_diag.h"
#include "gs_yaml.h"

/* A name/value pair (labels, headers). Header lists keep repeats in order. */
typedef struct gs_scenario_kv {
    const char *name;
    const char *value;
    gs_pos pos;
} gs_scenario_kv;

/* One entry of `manifests` or a step's `apply`: a file or directory, or one inline object. */
typedef struct gs_scenario_source {
    const char *path;               /* resolved against the scenario's folder; NULL for inline */
    const gs_yaml_node *inline_obj; /* NULL for path */
    gs_pos pos;
} gs_scenario_source;

typedef struct gs_scenario_namespace {
    const char *name;
    gs_scenario_kv *labels;
    size_t n_labels;
    gs_pos pos;
} gs_scenario_namespace;

/* Fault injection for an echo backend; zero fields are "not set". */
typedef struct gs_scenario_behaviour {
    int64_t delay_ns;
    double error_rate; /* share of requests answered with |status| (default 503) */
    int status;
} gs_scenario_behaviour;

typedef enum gs_scenario_client_cert {
    GS_SCENARIO_CLIENT_CERT_NONE = 0, /* not asked for */
    GS_SCENARIO_CLIENT_CERT_OPTIONAL,
    GS_SCENARIO_CLIENT_CERT_REQUIRED,
} gs_scenario_client_cert;

typedef struct gs_scenario_backend {
    const char *ns;
    const char *name;
    unsigned *ports;   /* any number, each listed once */
    size_t n_ports;    /* at least 1 (default port 80) */
    unsigned replicas; /* default 1 */
    gs_scenario_behaviour behaviour;
    /* `tls.hosts`: the echo serves HTTPS (its --tls-listen is every port's endpoint) with a
     * certificate of the run's CA naming these (DNS names, IPs, or URIs such as spiffe://...);
     * NULL when plaintext */
    const char *const *tls_hosts;
    size_t n_tls_hosts;
    /* `tls.clientCertificate`: whether the HTTPS echo asks its clients (the gateway) for a
     * certificate of the run's CA and echoes it (`optional`), and refuses the handshake of a
     * client without one (`required`). */
    gs_scenario_client_cert client_certificate;
    gs_pos pos;
} gs_scenario_backend;

typedef struct gs_scenario_tls {
    bool config_map; /* `configMap`: a ConfigMap with the run's CA as ca.crt (no hosts) */
    const char *ns;
    const char *name;
    const char *const *hosts;
    size_t n_hosts;
    /* `issuer`: the name of another CA made for the run (entries with the same issuer share
     * it): it signs the certificate, or is the ConfigMap's ca.crt; NULL: the run's CA */
    const char *issuer;
    gs_pos pos;
} gs_scenario_tls;

typedef struct gs_scenario_statistics {
    double alpha;      /* default 0.001 */
    double power;      /* default 0.99 */
    double min_effect; /* default 0.02 */
    double tolerance;  /* default GS_SCENARIO_TOLERANCE: share deviations up to it are not
                          failures; < min_effect */
    double family_alpha; /* 0: none; else this scenario's random checks share it (alpha is then
                            family_alpha / their number) */
} gs_scenario_statistics;

/* The default statistics.tolerance (docs/stats.md says why this value). */
#define GS_SCENARIO_TOLERANCE 0.005

typedef enum gs_scenario_protocol {
    GS_SCENARIO_HTTP1 = 0,
    GS_SCENARIO_H2C,
    GS_SCENARIO_HTTP2, /* TLS + ALPN h2 */
    GS_SCENARIO_GRPC,
    /* layer 4 (docs/scenario.md): one connection (UDP: one session from a fresh source port)
     * per request, carrying one line to gatesim-echo's TCP, UDP or TLS listener */
    GS_SCENARIO_TCP,
    GS_SCENARIO_UDP,
    GS_SCENARIO_TLS, /* TLS to a TLS listener (passthrough or terminate), no HTTP */
    /* one connection per request: an HTTP/1.1 Upgrade to WebSocket, then |messages| echoed */
    GS_SCENARIO_WEBSOCKET,
} gs_scenario_protocol;

/* True for GS_SCENARIO_TCP, GS_SCENARIO_UDP and GS_SCENARIO_TLS. */
bool gs_scenario_protocol_is_l4(gs_scenario_protocol p);

const char *gs_scenario_protocol_name(gs_scenario_protocol p);

/* `send.messages[]` of protocol websocket: {text: "..."} or {binary: [0..255, ...]}. */
typedef struct gs_scenario_ws_message {
    bool binary;
    const uint8_t *data; /* in the scenario's arena */
    size_t len;
} gs_scenario_ws_message;

typedef struct gs_scenario_send {
    bool present;
    const char *gateway;  /* "ns/name", or NULL: the only Gateway */
    const char *listener; /* or NULL: chosen by scheme and host */
    gs_scenario_protocol protocol;
    gs_pos listener_pos, protocol_pos; /* of the fields when written, else the send's */
    const char *method; /* default GET */
    const char *host;   /* or NULL: the listener's hostname, else "example.com" */
    const char *path;   /* default "/" */
    gs_scenario_kv *headers;
    size_t n_headers;
    const char *grpc_service; /* with protocol grpc */
    const char *grpc_method;
    bool requests_auto;   /* `requests: auto`: sized from statistics */
    uint64_t requests;    /* when not auto; default 100 */
    unsigned connections; /* default 1 */
    bool new_connection_per_request;
    unsigned streams; /* HTTP/2 concurrent streams per connection; default 1 */
    double rate;      /* open-loop req/s, 0 = closed loop */
    /* TLS (HTTPS listeners): the server name sent, apart from the Host (default: the Host);
     * a CA file to verify the gateway's certificate against (resolved against the scenario's
     * folder; default: the run's CA); verify false skips verification. */
    const char *sni;
    const char *ca_file;
    bool verify; /* default true */
    /* `clientCertificate: ns/name`: the `spec.tls` Secret entry whose certificate and key the
     * client presents when the gateway asks for one (index into gs_scenario.tls); -1: none */
    long client_certificate;
    /* `addressAsHost`: the Host is the listener's address ("127.0.0.1:40123"), as the upstream
     * suite sends when a test gives no Host. */
    bool address_as_host;
    const char *alpn; /* protocol tls: ALPN names offered, comma-separated; NULL: none */
    /* protocol websocket: what each connection sends and must get back (default: one text
     * message) */
    gs_scenario_ws_message *messages;
    size_t n_messages;
    /* `http2: true` with protocol websocket: over HTTP/2 (RFC 8441 extended CONNECT; h2c on
     * an HTTP listener, ALPN h2 on HTTPS) instead of an HTTP/1.1 Upgrade */
    bool ws_h2;
    gs_pos pos;
} gs_scenario_send;

typedef struct gs_scenario_weight {
    const char *backend; /* "ns/name"; in statusShares the status code ("503") */
    double weight;
    gs_pos pos;
} gs_scenario_weight;

typedef struct gs_scenario_mirror {
    const char *backend; /* "ns/name" */
    double fraction;
    gs_pos pos;
} gs_scenario_mirror;

/* How an expected header value is compared with the fields received under that name
 * (docs/scenario.md, "Header values"). "Joined" is the received values comma-joined in order,
 * as the upstream conformance suite compares them. */
typedef enum gs_scenario_value_mode {
    GS_SCENARIO_VALUE_ANY = 0, /* a string: one field equals it, or the joined value does */
    GS_SCENARIO_VALUE_EXACTLY, /* {exactly: [...]}: the joined value is these, in this order */
    GS_SCENARIO_VALUE_ONE_OF,  /* {oneOf: [...]}: the joined value equals one of these */
    /* {answeredBy: service | backend}: one field, equal to the name (or ns/name) of the Service
     * whose replica answered this very request: what a backend saw, correlated per request
     * with which backend answered */
    GS_SCENARIO_VALUE_ANSWERED_BY,
    GS_SCENARIO_VALUE_PRESENT, /* {present: true}: at least one field of the name, any value */
} gs_scenario_value_mode;

typedef struct gs_scenario_header_expect {
    const char *name;
    const char *value; /* the string form; for the others the expectation as text */
    gs_scenario_value_mode mode;
    const char *const *values; /* EXACTLY, ONE_OF: at least one */
    size_t n_values;
    bool ignore_whitespace; /* spaces and tabs are removed from both sides first */
    bool answered_by_backend; /* ANSWERED_BY: "ns/name" rather than the Service's name */
    gs_pos pos;
} gs_scenario_header_expect;

/* What a backend saw (request) or the client saw (response). */
typedef struct gs_scenario_http_expect {
    bool present;
    const char *method; /* request only */
    const char *path;   /* request only */
    const char *host;   /* request only */
    const char *sni;    /* request only: the TLS server name the backend saw (BackendTLSPolicy) */
    /* request only: "ns/name" of a `tls:` Secret whose certificate the backend saw presented by
     * its TLS client (the gateway's spec.tls.backend.clientCertificateRef); "none": no
     * certificate was presented */
    const char *client_certificate;
    /* `proto`: the HTTP version the backend saw (request) or the client got (response):
     * "HTTP/1.0", "HTTP/1.1" or "HTTP/2" (as written: "HTTP/2.0" is taken for "HTTP/2");
     * NULL: not checked */
    const char *proto;
    gs_scenario_header_expect *headers;
    size_t n_headers;
    const char *const *absent;
    size_t n_absent;
    gs_pos pos;
} gs_scenario_http_expect;

typedef struct gs_scenario_latency {
    bool present;
    int64_t p50_ns, p90_ns, p99_ns, p999_ns, max_ns; /* 0: not checked */
    gs_pos pos;
} gs_scenario_latency;

typedef struct gs_scenario_expect {
    bool present;
    int statuses[16];
    size_t n_statuses; /* 0: not checked */
    gs_pos status_pos;
    bool has_grpc_status;
    int grpc_status;
    gs_pos grpc_status_pos;
    const char *backend; /* "ns/name"; NULL: not checked */
    bool backend_none;   /* `backend: none`: no response may come from a backend */
    gs_pos backend_pos;
    gs_scenario_weight *split;
    size_t n_split;
    gs_pos split_pos;
    /* `statusShares`: status code ("200") -> relative weight, a statistical check like split */
    gs_scenario_weight *status_shares;
    size_t n_status_shares;
    gs_pos status_shares_pos;
    gs_scenario_http_expect request;
    gs_scenario_http_expect response;
    bool has_redirect;
    int redirect_status;           /* 0: any 3xx */
    const char *redirect_location; /* NULL: not checked */
    gs_pos redirect_pos;
    gs_scenario_mirror *mirror;
    size_t n_mirror;
    gs_pos mirror_pos;
    gs_scenario_latency latency;
    /* `certificate: {backend: ns/name}` (protocol tls): every connection saw the certificate of
     * a replica of that backend's TLS echo, i.e. the TLS was terminated there (passthrough). */
    const char *certificate_backend;
    gs_pos certificate_pos;
    /* `handshake: rejected` (TLS sends): no request got through, each connection refused,
     * reset or ended by a TLS alert before any response (a client certificate the gateway
     * does not accept) */
    bool handshake_rejected;
    gs_pos handshake_pos;
    gs_pos pos;
} gs_scenario_expect;

typedef struct gs_scenario_condition {
    const char *type;   /* Accepted, ResolvedRefs, Programmed, ... */
    const char *status; /* "True" | "False" | "Unknown" */
    const char *reason; /* NULL: not checked */
    gs_pos pos;
} gs_scenario_condition;

typedef struct gs_scenario_listener_expect {
    const char *name;
    bool has_attached_routes;
    unsigned attached_routes;
    gs_scenario_condition *conditions;
    size_t n_conditions;
    /* `supportedKinds`: exactly these route kinds (group gateway.networking.k8s.io), any order;
     * with `{includes: [...]}` (supported_kinds_includes) these among others, as the upstream
     * suite compares them where an implementation may support more kinds than a test names */
    bool has_supported_kinds;
    bool supported_kinds_includes;
    const char *const *supported_kinds;
    size_t n_supported_kinds;
    gs_pos pos;
} gs_scenario_listener_expect;

/* One `expectStatus` entry. */
typedef struct gs_scenario_status_expect {
    const char *kind;
    const char *ns; /* NULL for cluster-scoped kinds (GatewayClass) */
    const char *name;
    const char *parent_ns; /* `parent: ns/name[/section]`; NULL: not given */
    const char *parent_name;
    const char *parent_section;
    const char *parent_kind; /* `parentKind`: Gateway (default) or ListenerSet */
    gs_scenario_condition *conditions;
    size_t n_conditions;
    gs_scenario_listener_expect *listeners;
    size_t n_listeners;
    gs_pos pos;
    /* `status: none`: the controller writes no status for this object (no conditions, no
     * listeners), or for a route none for |parent| (no parents[] entry; without `parent`, no
     * entry at all). Never together with conditions or listeners. */
    bool no_status;
    gs_pos status_pos;
    /* `exactListeners: true` (Gateway): the status lists no listener besides |listeners|. */
    bool exact_listeners;
    /* `observedGeneration: N`: every condition checked here (the object's, a Gateway's
     * listeners', a route's parent entry's) has observedGeneration N. 0: not checked. */
    int64_t observed_generation;
    /* `parentCount: N` (routes): exactly N parents[] entries by the controllers under test. */
    bool has_parent_count;
    unsigned parent_count;
    /* `attachedListenerSets: N` (Gateway): the ListenerSets attached to it (absent counts 0) */
    bool has_attached_listener_sets;
    unsigned attached_listener_sets;
    /* `loadBalancer: exposed` (kind Ingress, its only check): status.loadBalancer.ingress[]
     * has an entry with an ip or a hostname, where the controller exposes the Ingress */
    bool lb_exposed;
} gs_scenario_status_expect;

typedef struct gs_scenario_delete {
    const char *kind;
    const char *ns; /* NULL for cluster-scoped kinds */
    const char *name;
    gs_pos pos;
} gs_scenario_delete;

/* One cause a `diff` step expects (docs/scenario.md, "diff"): a gs_diff_cause, with the exact
 * number of probes it holds, or any number (|probes| 0). */
typedef struct gs_scenario_diff_cause {
    int cause;
    unsigned probes;
    gs_pos pos;
} gs_scenario_diff_cause;

/* A `diff` step: `gatesim diff` run inside a scenario (gs_diff.h): the |before| objects
 * (Ingresses with their Services, or Gateway API objects) and the |after| ones (none: the
 * conversion of the Ingresses) on two targets, with what the differences must be. */
typedef struct gs_scenario_diff {
    gs_scenario_source *before;
    size_t n_before;
    gs_scenario_source *after;
    size_t n_after;
    const char *before_target; /* NULL: ingress-nginx for Ingresses, builtin otherwise */
    const char *after_target;  /* NULL: the run's --target, builtin when that is ingress-nginx */
    unsigned requests;         /* per side, for a split probe; 0: 1000 */
    bool no_normalization;
    bool strict;
    bool expect_none; /* expect.differences: none */
    gs_scenario_diff_cause *causes; /* expect.causes: exactly these causes are found */
    size_t n_causes;
    gs_pos pos;
} gs_scenario_diff;

typedef struct gs_scenario_step {
    const char *name;
    gs_scenario_source *apply;
    size_t n_apply;
    gs_scenario_delete *deletes;
    size_t n_deletes;
    gs_scenario_status_expect *expect_status;
    size_t n_expect_status;
    gs_scenario_send send;
    gs_scenario_expect expect;
    const struct gs_scenario_rollout *rollout; /* a `rollout` step (gs_rollout.h), or NULL */
    const gs_scenario_diff *diff;              /* a `diff` step, or NULL */
    gs_pos pos;
} gs_scenario_step;

/* `spec.conformance`: the upstream conformance test this scenario ports (docs/scenario.md). The
 * profiles and level are what upstream's rules derive from the features; the loader checks that
 * they agree, so a label cannot claim a test is core when its features make it extended. */
typedef struct gs_scenario_conformance {
    bool present;
    const char *short_name;  /* upstream ShortName, "HTTPRouteWeight" */
    unsigned profiles;       /* gs_conf_profile bits; 0 only when upstream reports it nowhere */
    bool extended;           /* level: extended (else core) */
    bool provisional;
    const gs_conf_feature **features;
    size_t n_features;
    /* unlessFeatures: upstream's test returns at once, passing, when the run supports one of
     * these (TLSRouteListenerTerminateNotSupported when TLSRouteModeTerminate is supported) */
    const gs_conf_feature **unless;
    size_t n_unless;
    gs_pos pos;
} gs_scenario_conformance;

typedef struct gs_scenario {
    const char *file; /* as given; every gs_pos.file in this scenario points here */
    const char *dir;  /* folder of |file|, for relative manifest paths */
    const char *name;
    const char *description;
    gs_scenario_kv *labels;
    size_t n_labels;
    const char *const *controller_names;
    size_t n_controller_names;
    gs_scenario_source *manifests;
    size_t n_manifests;
    gs_scenario_namespace *namespaces;
    size_t n_namespaces;
    gs_scenario_backend *backends;
    size_t n_backends;
    gs_scenario_tls *tls;
    size_t n_tls;
    gs_scenario_statistics statistics;
    gs_scenario_conformance conformance;
    gs_scenario_step *steps;
    size_t n_steps;
    gs_pos pos;
    const gs_yaml_node *root; /* the document this scenario was decoded from */
} gs_scenario;

/* Every scenario loaded for a run or a validation, and the memory they live in: all strings
 * and arrays of a gs_scenario are in the arena of the YAML stream it came from, which the
 * list owns. */
typedef struct gs_scenario_list {
    gs_scenario **items;
    size_t len, cap;
    gs_yaml_stream **streams;
    size_t n_streams, cap_streams;
} gs_scenario_list;

/* Loads |path| into |list|: a file (every document must be a Scenario) or a directory searched
 * recursively for *.yaml / *.yml, where files without any Scenario (shared manifests) are
 * skipped. Problems with positions go to |diags| (errors, and notes for skipped files). Returns
 * 0 when every scenario is valid, GS_ERR_INVALID when |diags| got errors, GS_ERR_IO (unreadable
 * path) or GS_ERR_PARSE (malformed YAML) with the message in |err| and in |diags|.
 * Scenario names must be unique across the list. */
int gs_scenario_list_load(gs_scenario_list *list, const char *path, gs_diags *diags, gs_error *err);

void gs_scenario_list_clear(gs_scenario_list *list);

/* True when |doc| declares apiVersion gatesim.dev/... and kind Scenario. */
bool gs_scenario_is_scenario(const gs_yaml_node *doc);

/* Decodes one Scenario document of |stream| (which must outlive the result; the scenario's
 * memory is in its arena). Every problem goes to |diags|; returns the scenario (possibly
 * incomplete) and sets *ok to whether it is valid. For `gatesim validate`-style callers that
 * already parsed the file. */
gs_scenario *gs_scenario_decode(gs_yaml_stream *stream, const gs_yaml_node *doc, gs_diags *diags,
                                bool *ok);

/* Validates the Gateway API objects |sc| applies (its manifests, then every step's `apply`, in
 * order, each replacing what it names) with the model: defaults, schema, CEL and semantic rules.
 * Problems go to |diags| at their source positions. Returns the number of errors. */
size_t gs_scenario_check_objects(const gs_scenario *sc, gs_diags *diags);
/* As gs_scenario_check_objects; with |strict|, objects of kinds outside the model are errors
 * instead of notes (`--strict`). */
size_t gs_scenario_check_objects_strict(const gs_scenario *sc, bool strict, gs_diags *diags);
struct gs_model;
/* What a target kind says of an object set before applying it (gs_target_kind.notes). */
typedef void (*gs_scenario_notes_fn)(const struct gs_model *m, gs_diags *out);
/* As gs_scenario_check_objects_strict, for a run whose target kind says |notes| (NULL: nothing):
 * what they say of each state's objects (ingress-nginx: annotations not modelled, ...) is added
 * as warnings and notes at their source positions, once each. A `diff` step's before side gets
 * its own target's (ingress-nginx unless the step names another): the step runs it there. */
size_t gs_scenario_check_objects_for(const gs_scenario *sc, bool strict,
                                     gs_scenario_notes_fn notes, gs_diags *diags);

/* Validates every Scenario in the file at |path|: problems go
 * to |diags|. Returns the number of Scenario documents found (0: not a scenario file), or a
 * negative GS_ERR_* when the file cannot be read or parsed (also reported in |diags|). */
int gs_scenario_validate_file(const char *path, gs_diags *diags);

#endif
