/* SPDX-License-Identifier: MIT */
/* One interface in front of every implementation gatesim can test (docs/runner.md, Targets). A
 * target takes a set of Kubernetes objects (as YAML documents) plus a map from Service ports to the
 * echo backends' addresses, runs the implementation, and answers two questions: where is each
 * listener, and what status does each object have (in the `gatesim explain --output json`
 * shape). The runner knows nothing else about a target; targets know nothing of scenarios. */
#ifndef GS_TARGET_H
#define GS_TARGET_H

#include "gs_error.h"
#include "gs_json_parse.h"
#include "gs_model.h"
#include "gs_proc.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One endpoint of a Service port: requests for ns/name:port may go to |address|. A Service port
 * with several replicas has several endpoints. */
typedef struct gs_target_endpoint {
    const char *ns;
    const char *name;
    unsigned port;
    const char *address; /* "127.0.0.1:40123" */
} gs_target_endpoint;

/* Everything a target is asked to run. Strings and arrays are borrowed for the call. */
typedef struct gs_target_objects {
    const char *const *documents; /* YAML (or JSON) text, one object each */
    size_t n_documents;
    const gs_target_endpoint *endpoints;
    size_t n_endpoints;
} gs_target_objects;

/* The pseudo-Gateway the ingress-nginx target reports its one listener ("http") under: where
 * ingress-nginx's own Service lives in a cluster. Sends to Ingresses name it (or no Gateway). */
#define GS_TARGET_INGRESS_NGINX_GATEWAY "ingress-nginx/ingress-nginx-controller"

/* Where a listener of a Gateway can be reached. */
typedef struct gs_target_listener {
    char *gateway;  /* "ns/name" */
    char *listener; /* section name */
    unsigned port;  /* the port the Gateway declares */
    char *address;  /* "127.0.0.1:40123": where to connect */
} gs_target_listener;

typedef struct gs_target_config {
    const char *workdir;      /* a private folder for the target's files; it must exist */
    const char *gatesim_path; /* the gatesim binary (builtin target runs `gatesim gateway`) */
    const char *const *controller_names; /* --controller-name values, NULL-terminated or NULL */
    int64_t start_timeout_ns;            /* how long start/reload may take; 0: 20 s */
    bool has_seed;                       /* pass |seed| to the implementation's random choices */
    uint64_t seed;
    size_t max_mirrors_in_flight; /* builtin: the gateway's mirror cap; 0: its default */
} gs_target_config;

/* Counters an implementation reports about itself while it runs, by name, as the builtin
 * gateway's stats line spells them ("requests", "mirrorsSent", "mirrorsDropped",
 * "maxMirrorsInFlight", ...: docs/gateway.md). Counters grow from the implementation's start;
 * gauges (names ending in "InFlight", "connections") are values at the time of reading. */
typedef struct gs_target_stat {
    char *name;
    uint64_t value;
} gs_target_stat;

typedef struct gs_target_stats {
    gs_target_stat *items;
    size_t len;
} gs_target_stats;

typedef struct gs_target gs_target;

/* The operations one kind of target implements. Each returns 0 or a negative GS_ERR_* with
 * a message in |err|. */
typedef struct gs_target_ops {
    /* Checks t->cfg and t->arg and prepares t->impl; starts nothing. */
    int (*open)(gs_target *t, gs_error *err);
    /* Applies |objs| (the whole desired set, replacing what was applied before) and returns
     * once the implementation has taken the configuration (first call: started). */
    int (*apply)(gs_target *t, const gs_target_objects *objs, gs_error *err);
    /* Status of every object as {"objects":[{"kind","namespace","name","status":{...}}]}.
     * The caller frees *out with gs_json_value_free. */
    int (*status)(gs_target *t, gs_json_value **out, gs_error *err);
    /* GS_ERR_CLOSED with a message when the implementation died (e.g. "gateway exited with
     * status 1: <last line of its log>"), else 0. */
    int (*check)(gs_target *t, gs_error *err);
    /* Reads the implementation's counters into |out| (replacing what it held). NULL for
     * targets that cannot: gs_target_stats_read then says so. */
    int (*stats)(gs_target *t, gs_target_stats *out, gs_error *err);
    /* Stops everything the target started. Idempotent. */
    void (*close)(gs_target *t);
    /* The upstream conformance features the implementation supports (FeatureNames such as
     * "HTTPRoute"), as a JSON array of strings. Works before the first apply. NULL: the kind
     * cannot say (gs_target_features then says so). */
    int (*features)(gs_target *t, gs_json_value **out, gs_error *err);
    /* The process that runs the implementation, leading its process group (what
     * gs_target_usage measures), or 0 while none runs. NULL: the kind cannot say. */
    pid_t (*pid)(gs_target *t);
} gs_target_ops;

/* What a kind of target can do. The runner and the command line ask these, never a name. */
typedef enum gs_target_caps {
    GS_TARGET_CAP_NEEDS_ARG = 1u << 0,       /* written "kind:ARG", ARG required (exec:COMMAND) */
    GS_TARGET_CAP_REPORTS_COUNTERS = 1u << 1, /* ops.stats reads the implementation's counters */
    GS_TARGET_CAP_STATUS_ONCE = 1u << 2,     /* status is computed from the objects when apply
                                              * returns: one reading is final, no polling */
    GS_TARGET_CAP_MIRROR_CAP = 1u << 3,      /* honours cfg.max_mirrors_in_flight */
} gs_target_caps;

/* One kind of target: one row of the registry (gs_target_kinds.h), defined in its own file
 * gs_target_<name>.c as `const gs_target_kind gs_target_kind_<name>`. */
typedef struct gs_target_kind {
    const char *name;  /* what --target says before any ':' */
    const char *usage; /* how --target writes it: "builtin", "exec:COMMAND" */
    const char *help;  /* one line for `gatesim run --help` */
    unsigned caps;     /* gs_target_caps */
    const gs_target_ops *ops;
    /* What the kind says of an object set before it applies it (annotations it does not model,
     * values it cannot read), as diagnostics at the objects' own positions; NULL: nothing. */
    void (*notes)(const gs_model *m, gs_diags *out);
} gs_target_kind;

/* The registered kinds in table order, |i| < gs_target_kind_count(); the first is the default. */
size_t gs_target_kind_count(void);
const gs_target_kind *gs_target_kind_at(size_t i);
/* The kind a --target |spec| names ("name" or "name:ARG"). Returns it, or NULL with GS_ERR_USAGE
 * in |err| for an unknown name (listing the known ones) or a missing ARG. */
const gs_target_kind *gs_target_kind_find(const char *spec, gs_error *err);
/* "builtin, exec:COMMAND": every kind's usage, for messages. Static storage. */
const char *gs_target_kinds_usage(void);

struct gs_target {
    const gs_target_kind *kind;
    gs_target_config cfg;          /* strings borrowed from the caller for the target's lifetime */
    gs_target_listener *listeners; /* as of the last apply */
    size_t n_listeners;
    void *impl; /* the target's own state */
    char *arg;  /* what follows "name:" in the target spec (exec:COMMAND), or NULL */
};

/* Creates the target |spec| names (see gs_target_kind_find). Returns 0, GS_ERR_USAGE for an
 * unknown kind or a missing argument, or what the kind's open returns, with the reason in |err|.
 * Does not start anything: the first gs_target_apply does. */
int gs_target_new(gs_target **out, const char *spec, const gs_target_config *cfg, gs_error *err);

int gs_target_apply(gs_target *t, const gs_target_objects *objs, gs_error *err);
int gs_target_status(gs_target *t, gs_json_value **out, gs_error *err);
int gs_target_check(gs_target *t, gs_error *err);

/* The implementation's counters now (see gs_target_stats). Returns 0, GS_ERR_NOT_FOUND when the
 * target does not report counters (exec:), GS_ERR_CLOSED when it is not running, GS_ERR_TIMEOUT
 * when it did not answer in time, with the reason in |err|. |out| is cleared first. */
int gs_target_stats_read(gs_target *t, gs_target_stats *out, gs_error *err);

/* The CPU time and resident memory of the implementation's processes now (its process group,
 * from /proc: gs_proc_group_usage). Returns 0, or GS_ERR_NOT_FOUND with the reason in |err|
 * when the kind cannot say which processes are its own or none runs. */
int gs_target_usage(gs_target *t, gs_proc_usage *out, gs_error *err);

/* The value of counter |name| in |*out|; false when |s| does not have it. */
bool gs_target_stats_get(const gs_target_stats *s, const char *name, uint64_t *out);
/* Frees what |s| holds and empties it. */
void gs_target_stats_clear(gs_target_stats *s);
/* Fills |out| from a stats line ({"stats":{"name":N,...}}; members that are not non-negative
 * integers are skipped). Returns 0 or GS_ERR_PROTOCOL when |line| has no "stats" object. */
int gs_target_stats_from_json(gs_target_stats *out, const gs_json_value *line, gs_error *err);

/* The listener |listener| of Gateway |gateway| ("ns/name"), or NULL. Borrowed until the next
 * apply. */
const gs_target_listener *gs_target_find_listener(const gs_target *t, const char *gateway,
                                                  const char *listener);

/* The FeatureNames the implementation claims (`gatesim conform`): the builtin gateway's own
 * list, or what `COMMAND features` prints for exec:. *names gets a NULL-terminated array of
 * *n strings (free each, then the array). GS_ERR_NOT_FOUND when the kind cannot say,
 * GS_ERR_PROTOCOL when the answer is not a JSON array of strings, with the reason in |err|. */
int gs_target_features(gs_target *t, char ***names, size_t *n, gs_error *err);

/* |names| as the JSON array a features op returns, for kinds whose list is compiled in. */
int gs_target_features_json(const char *const *names, size_t n, gs_json_value **out,
                            gs_error *err);

/* Stops the target and frees it. NULL is fine. */
void gs_target_free(gs_target *t);

/* Replaces t->listeners with the "listeners" array of a ready line
 * ({"ready":true,"listeners":[{"gateway","listener","port","address"}]}). For targets that speak
 * the builtin gateway's ready protocol. Returns 0 or GS_ERR_PROTOCOL. */
int gs_target_set_listeners_json(gs_target *t, const gs_json_value *ready, gs_error *err);

/* True when the kind of |t| has every capability in |caps|. */
bool gs_target_has(const gs_target *t, unsigned caps);

#endif
