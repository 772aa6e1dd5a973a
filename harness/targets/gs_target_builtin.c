/* SPDX-License-Identifier: MIT */
/* The builtin target: gatesim's own controller and gateway. The objects are written to
 * <workdir>/objects.yaml and `gatesim gateway` runs on them (its own process group; stderr to
 * <workdir>/gateway.log), saying where its listeners are with a JSON ready line; a new object set
 * is announced with SIGHUP (gs_target_child.c). Status is `gatesim explain --output json` on the
 * same file, final as soon as the gateway took the objects. Counters: SIGUSR1 makes the gateway
 * print a stats line on the same stdout. */
#include "gs_target_child.h"

#include "gs_alloc.h"
#include "gs_json.h"
#include "gs_time.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t builtin_n_controllers(const gs_target *t)
{
    size_t n = 0;
    while (t->cfg.controller_names && t->cfg.controller_names[n])
        n++;
    return n;
}

static int builtin_spawn(gs_target *t, const gs_target_objects *objs, gs_error *err)
{
    gs_target_child *c = t->impl;
    size_t n_ctl = builtin_n_controllers(t);
    size_t max = 8 + 2 * objs->n_endpoints + 2 * n_ctl + 1;
    char seed[32], mirrors[32];
    snprintf(seed, sizeof(seed), "%llu", (unsigned long long)t->cfg.seed);
    snprintf(mirrors, sizeof(mirrors), "%zu", t->cfg.max_mirrors_in_flight);
    const char **argv = gs_xcalloc(max, sizeof(*argv));
    char **owned = gs_xcalloc(objs->n_endpoints + 1, sizeof(*owned));
    size_t k = 0;
    argv[k++] = t->cfg.gatesim_path;
    argv[k++] = "gateway";
    argv[k++] = c->objects_path;
    for (size_t i = 0; i < objs->n_endpoints; i++) {
        owned[i] = gs_target_child_backend_flag(&objs->endpoints[i]);
        argv[k++] = "--backend";
        argv[k++] = owned[i];
    }
    for (size_t i = 0; i < n_ctl; i++) {
        argv[k++] = "--controller-name";
        argv[k++] = t->cfg.controller_names[i];
    }
    if (t->cfg.has_seed) {
        argv[k++] = "--seed";
        argv[k++] = seed;
    }
    if (t->cfg.max_mirrors_in_flight) {
        argv[k++] = "--max-mirrors-in-flight";
        argv[k++] = mirrors;
    }
    argv[k] = NULL;
    gs_proc_opts opts = {.capture_stdout = true, .stderr_path = c->log_path};
    int rc = gs_proc_spawn(&c->proc, argv, &opts, err);
    for (size_t i = 0; i < objs->n_endpoints; i++)
        free(owned[i]);
    free(owned);
    free(argv);
    return rc < 0 ? rc : gs_target_child_started(t, err);
}

static int builtin_open(gs_target *t, gs_error *err)
{
    if (t->cfg.workdir == NULL || t->cfg.gatesim_path == NULL)
        return gs_error_set(err, GS_ERR_INVALID, "builtin target needs a workdir and gatesim");
    gs_target_child *c = gs_xcalloc(1, sizeof(*c));
    gs_target_child_init(c, t, "gateway.log", "gateway");
    c->spawn = builtin_spawn;
    t->impl = c;
    return 0;
}

/* Runs `gatesim explain <objects> --output json` and parses what it prints. */
static int builtin_status(gs_target *t, gs_json_value **out, gs_error *err)
{
    gs_target_child *c = t->impl;
    size_t n_ctl = builtin_n_controllers(t);
    const char **argv = gs_xcalloc(6 + 2 * n_ctl, sizeof(*argv));
    size_t k = 0;
    argv[k++] = t->cfg.gatesim_path;
    argv[k++] = "explain";
    argv[k++] = c->objects_path;
    argv[k++] = "--output";
    argv[k++] = "json";
    for (size_t i = 0; i < n_ctl; i++) {
        argv[k++] = "--controller-name";
        argv[k++] = t->cfg.controller_names[i];
    }
    int rc = gs_target_child_run_json(t, argv, NULL, "explain.log", "gatesim explain", out, err);
    free(argv);
    return rc;
}

/* How long the gateway may take to answer SIGUSR1: it answers from its event loop, which a busy
 * loaded machine may keep for a while, but a stats line is not worth a long wait. */
#define BUILTIN_STATS_TIMEOUT_NS (5 * GS_NS_PER_S)

/* SIGUSR1 to the gateway, then the first stats line it prints. Lines already waiting are read
 * and dropped first, so a stats line that came too late for an earlier call is not taken for
 * this one's; ready lines are never waiting here (every SIGHUP's is read by apply). */
static int builtin_stats(gs_target *t, gs_target_stats *out, gs_error *err)
{
    gs_target_child *c = t->impl;
    int rc = gs_target_child_check(t, err);
    if (rc < 0)
        return rc;
    for (;;) {
        char *stale = NULL;
        gs_error e = {0};
        rc = gs_proc_read_line(c->proc, GS_NS_PER_MS, &stale, &e);
        free(stale);
        if (rc == GS_ERR_TIMEOUT)
            break;
        if (rc == GS_ERR_CLOSED)
            return gs_target_child_check(t, err) < 0
                       ? err->code
                       : gs_error_set(err, GS_ERR_CLOSED, "gateway closed its output");
        if (rc < 0)
            return gs_error_set(err, rc, "gateway: %s", e.msg);
    }
    if (gs_proc_signal(c->proc, SIGUSR1) < 0)
        return gs_error_set(err, GS_ERR_CLOSED, "gateway: cannot signal it");
    int64_t deadline = gs_now_ns() + BUILTIN_STATS_TIMEOUT_NS;
    for (;;) {
        int64_t left = deadline - gs_now_ns();
        char *line = NULL;
        gs_error e = {0};
        rc = left > 0 ? gs_proc_read_line(c->proc, left, &line, &e) : GS_ERR_TIMEOUT;
        if (rc == GS_ERR_TIMEOUT)
            return gs_error_set(err, GS_ERR_TIMEOUT, "gateway printed no stats line within %.1f s",
                                (double)BUILTIN_STATS_TIMEOUT_NS / 1e9);
        if (rc < 0)
            return gs_error_set(err, rc, "gateway: %s", e.msg);
        gs_json_value *v = NULL;
        bool is_stats = line[0] == '{' && gs_json_parse(line, strlen(line), NULL, &v, NULL) == 0 &&
                        gs_json_get(v, "stats") != NULL;
        free(line);
        if (is_stats)
            rc = gs_target_stats_from_json(out, v, err);
        gs_json_value_free(v);
        if (is_stats)
            return rc;
    }
}

static void builtin_close(gs_target *t)
{
    gs_target_child *c = t->impl;
    if (c == NULL)
        return;
    gs_target_child_clear(c);
    free(c);
    t->impl = NULL;
}

/* The upstream conformance features gatesim's controller and gateway implement (FeatureNames;
 * `gatesim conform` runs the tests that need only these). Claim a feature here only when the
 * scenarios/conformance tests that need it pass on the builtin target (docs/conformance.md). */
static const char *const builtin_features[] = {
    "Gateway",
    "ReferenceGrant",
    "HTTPRoute",
    "GRPCRoute",
    "GatewayPort8080",
    "GatewayHTTPListenerIsolation",
    "GatewayHTTPSListenerDetectMisdirectedRequests",
    "GatewayFrontendClientCertificateValidation",
    "GatewayFrontendClientCertificateValidationInsecureFallback",
    "BackendTLSPolicy",
    "BackendTLSPolicySANValidation",
    "GatewayBackendClientCertificate",
    "HTTPRouteQueryParamMatching",
    "HTTPRouteMethodMatching",
    "HTTPRouteResponseHeaderModification",
    "HTTPRouteBackendRequestHeaderModification",
    "HTTPRoutePortRedirect",
    "HTTPRouteSchemeRedirect",
    "HTTPRoutePathRedirect",
    "HTTPRouteHostRewrite",
    "HTTPRoutePathRewrite",
    "HTTPRouteBackendURLRewrite",
    "HTTPRouteBackendRequestRedirect",
    "HTTPRouteRequestMirror",
    "HTTPRouteRequestMultipleMirrors",
    "HTTPRouteRequestPercentageMirror",
    "HTTPRouteRequestTimeout",
    "HTTPRouteBackendTimeout",
    "HTTPRouteParentRefPort",
    "HTTPRouteDestinationPortMatching",
    "HTTPRouteBackendProtocolH2C",
    "HTTPRouteBackendProtocolWebSocket",
    "ListenerSet",
    "HTTPRouteNamedRouteRule",
    "HTTPRouteCORS",
    "HTTPRouteRetry",
    "HTTPRouteRetryBackendTimeout",
    "HTTPRouteRetryConnectionError",
    "HTTPRoute303RedirectStatusCode",
    "HTTPRoute307RedirectStatusCode",
    "HTTPRoute308RedirectStatusCode",
    "GRPCRouteNamedRouteRule",
    "GRPCRouteRequestHeaderModifier",
    /* GATEWAY-TLS: passthrough by SNI, Terminate to TCP backends, and both modes on one port
     * (the server name picks the listener per connection) */
    "TLSRoute",
    "TLSRouteModeTerminate",
    "TLSRouteModeMixed",
    /* TCPRoute and UDPRoute tests belong to no profile: the layer-4 proxies */
    "TCPRoute",
    "UDPRoute",
};

static int builtin_features_json(gs_target *t, gs_json_value **out, gs_error *err)
{
    (void)t;
    return gs_target_features_json(builtin_features,
                                   sizeof(builtin_features) / sizeof(builtin_features[0]), out,
                                   err);
}

static const gs_target_ops builtin_ops = {
    .open = builtin_open,
    .apply = gs_target_child_apply,
    .status = builtin_status,
    .check = gs_target_child_check,
    .stats = builtin_stats,
    .close = builtin_close,
    .features = builtin_features_json,
    .pid = gs_target_child_pid,
};

const gs_target_kind gs_target_kind_builtin = {
    .name = "builtin",
    .usage = "builtin",
    .help = "gatesim's own controller and gateway (`gatesim gateway`), the default",
    .caps = GS_TARGET_CAP_REPORTS_COUNTERS | GS_TARGET_CAP_STATUS_ONCE | GS_TARGET_CAP_MIRROR_CAP,
    .ops = &builtin_ops,
};
