/* SPDX-License-Identifier: MIT */
/* The runner's control flow: scenario set-up (work folder, TLS secrets, echo fleet, object set,
 * target start), the steps, and tear-down. Checks are gs_expect / gs_status_check; report files
 * are gs_report's; processes are gs_proc's. A failure of the machinery (a backend or the gateway
 * died, the target rejected the objects) is the step's and scenario's "error" and the run goes
 * on with the next scenario; an interrupt ends the run after writing the reports. */
#include "gs_runner.h"

#include "gs_alloc.h"
#include "gs_control.h"
#include "gs_diff_step.h"
#include "gs_echo_fleet.h"
#include "gs_expect.h"
#include "gs_hostname.h"
#include "gs_log.h"
#include "gs_objset.h"
#include "gs_path_norm.h"
#include "gs_proc.h"
#include "gs_report.h"
#include "gs_report_set.h"
#include "gs_report_text.h"
#include "gs_rollout.h"
#include "gs_route_weights.h"
#include "gs_status_check.h"
#include "gs_target.h"
#include "gs_time.h"
#include "gs_tls.h"
#include "gs_workdir.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* State of one scenario while it runs. */
typedef struct runner_scenario {
    const gs_runner_config *cfg;
    const gs_scenario *sc;
    size_t index;   /* among the selected scenarios */
    size_t total;   /* selected scenarios */
    gs_tls_pem *ca; /* the run's CA (empty until a scenario needs TLS); borrowed */
    char *workdir;
    char *ca_path; /* CA the clients trust, or NULL without tls entries */
    gs_echo_fleet fleet;
    gs_objset set;
    gs_objset_tls tls; /* generated certificates, as synthesized Secrets */
    /* per `tls:` entry a send presents as its clientCertificate: a file in the work folder with
     * the certificate (and chain) then the key; NULL for the others */
    char **client_pem;
    gs_target *target;
    const char **ctl;              /* --controller-name values for the target, NULL-terminated */
    double pending_convergence_ms; /* set-up convergence, reported on the first step */
    gs_scenario_statistics stats;  /* the scenario's, with alpha its share of a family budget */
    double *measured_rps;          /* the run's last measured request rate (0: none yet) */
    char **logs_home; /* the run's folder of saved logs, made when first needed; borrowed */
    /* A loopback TCP socket bound but never listening, made when first needed: connecting to
     * it is refused at once. Where a send expects to fail against a listener the target does
     * not serve (not programmed: no address), it goes there, as to a Gateway address whose
     * port no listener serves. */
    bool has_refusing;
    int refusing_fd;
    char refusing_address[64];
} runner_scenario;

/* The random checks of a scenario (gs_expect_random_checks over its steps). */
static unsigned runner_random_checks(const gs_scenario *sc)
{
    unsigned n = 0;
    for (size_t i = 0; i < sc->n_steps; i++)
        if (sc->steps[i].send.present)
            n += gs_expect_random_checks(&sc->steps[i].expect);
    return n;
}

/* A scenario's statistics for this run: with a family budget (--family-alpha over the whole
 * run, else the scenario's own familyAlpha over its checks) alpha becomes the budget divided
 * by the number of random checks sharing it (Bonferroni: the family-wise false-failure rate is
 * then at most the budget), before anything is planned. */
static gs_scenario_statistics runner_statistics(const gs_runner_config *cfg, const gs_scenario *sc,
                                                unsigned run_checks)
{
    gs_scenario_statistics st = sc->statistics;
    double budget = cfg->family_alpha > 0 ? cfg->family_alpha : st.family_alpha;
    unsigned checks = cfg->family_alpha > 0 ? run_checks : runner_random_checks(sc);
    st.family_alpha = 0;
    if (budget > 0 && checks > 0) {
        st.family_alpha = budget;
        st.alpha = budget / checks;
    }
    return st;
}

bool gs_runner_selected(const gs_scenario *sc, const char *const *select, size_t n_select)
{
    for (size_t i = 0; i < n_select; i++) {
        const char *eq = strchr(select[i], '=');
        size_t klen = eq ? (size_t)(eq - select[i]) : strlen(select[i]);
        bool hit = false;
        for (size_t j = 0; j < sc->n_labels && !hit; j++)
            hit = strlen(sc->labels[j].name) == klen &&
                  strncmp(sc->labels[j].name, select[i], klen) == 0 &&
                  (eq == NULL || strcmp(sc->labels[j].value, eq + 1) == 0);
        if (!hit)
            return false;
    }
    return true;
}

/* "interrupted by SIGINT" (or SIGTERM, SIGHUP): what a step or scenario the run stopped says. */
static const char *runner_interrupt_text(void)
{
    switch (gs_proc_interrupted()) {
    case SIGTERM:
        return "interrupted by SIGTERM";
    case SIGHUP:
        return "interrupted by SIGHUP";
    default:
        return "interrupted by SIGINT";
    }
}

static double runner_ms(int64_t ns)
{
    return (double)ns / 1e6;
}

/* ---- progress and output ---- */

static void runner_progress(const runner_scenario *rs, const char *step, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void runner_progress(const runner_scenario *rs, const char *step, const char *fmt, ...)
{
    if (!rs->cfg->progress)
        return;
    char tail[256] = "";
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(tail, sizeof(tail), fmt, ap);
        va_end(ap);
    }
    fprintf(stderr, "\r\033[K[%zu/%zu] %s%s%s%s%s", rs->index + 1, rs->total, rs->sc->name,
            step ? " \xe2\x80\xba " : "", step ? step : "", tail[0] ? " \xe2\x80\xba " : "", tail);
    fflush(stderr);
}

static void runner_progress_clear(const gs_runner_config *cfg)
{
    if (cfg->progress) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
}

typedef struct runner_traffic_ctx {
    gs_expect_obs *obs;
    runner_scenario *rs;
    const char *step;
    uint64_t planned;
    const gs_scenario_expect *ex; /* the step's expectations (mirrors read during traffic) */
    volatile sig_atomic_t cancel; /* set to end the traffic early */
    gs_error died;                /* why: a backend or the target died (code < 0) */
} runner_traffic_ctx;

/* Fires on a worker thread for every finished request (calls are serialized by gs_traffic). */
static void on_runner_response(const gs_traffic_response *resp, void *user)
{
    runner_traffic_ctx *ctx = user;
    gs_expect_observe(ctx->obs, resp);
}

typedef struct runner_mirror_ctx {
    gs_expect_obs *obs;
    size_t mirror;
} runner_mirror_ctx;

static void on_runner_mirror_id(const char *id, void *user)
{
    runner_mirror_ctx *m = user;
    gs_expect_mirror_seen(m->obs, m->mirror, id);
}

static bool runner_check_alive(runner_scenario *rs, gs_error *err);

/* Fires every 200 ms on the runner's thread while traffic runs: progress, and the end of the
 * traffic when the run is interrupted or a backend or the target died. */
static void on_runner_progress(uint64_t done, uint64_t errors, double elapsed_s, void *user)
{
    runner_traffic_ctx *ctx = user;
    (void)elapsed_s;
    if (gs_proc_interrupted()) {
        /* The interrupt handler stops every child itself: their deaths are not failures. */
        ctx->cancel = 1;
        return;
    }
    if (ctx->died.code == 0 && !runner_check_alive(ctx->rs, &ctx->died))
        ctx->cancel = 1;
    /* Read the mirrors' request logs as the traffic goes, so their rings never overflow. */
    for (size_t m = 0; ctx->died.code == 0 && ctx->ex && m < ctx->ex->n_mirror; m++) {
        runner_mirror_ctx mc = {ctx->obs, m};
        if (gs_echo_fleet_request_ids(&ctx->rs->fleet, ctx->ex->mirror[m].backend,
                                      on_runner_mirror_id, &mc, &ctx->died) < 0)
            ctx->cancel = 1;
    }
    runner_progress(ctx->rs, ctx->step, "%llu/%llu requests%s", (unsigned long long)done,
                    (unsigned long long)ctx->planned, errors ? " (errors)" : "");
}

/* ---- set-up ---- */

/* The files of the certificates sends present (send.clientCertificate), from the generated
 * `tls:` entries they name. */
static int runner_client_certs(runner_scenario *rs, gs_error *err)
{
    const gs_scenario *sc = rs->sc;
    rs->client_pem = gs_xcalloc(sc->n_tls ? sc->n_tls : 1, sizeof(*rs->client_pem));
    for (size_t i = 0; i < sc->n_steps; i++) {
        long k = sc->steps[i].send.present ? sc->steps[i].send.client_certificate : -1;
        if (k < 0 || (size_t)k >= rs->tls.n || rs->client_pem[k] != NULL)
            continue;
        const gs_objset_secret *sec = &rs->tls.secrets[k];
        rs->client_pem[k] = gs_xasprintf("%s/client-%ld.pem", rs->workdir, k);
        FILE *f = fopen(rs->client_pem[k], "w");
        bool ok = f && fputs(sec->cert_pem, f) >= 0 && fputs(sec->key_pem, f) >= 0;
        if (f && fclose(f) != 0)
            ok = false;
        if (!ok)
            return gs_error_set(err, GS_ERR_IO, "%s: %s", rs->client_pem[k], strerror(errno));
    }
    return 0;
}

static int runner_tls(runner_scenario *rs, gs_error *err)
{
    const gs_scenario *sc = rs->sc;
    size_t n_backend_tls = 0;
    for (size_t i = 0; i < sc->n_backends; i++)
        n_backend_tls += sc->backends[i].n_tls_hosts > 0;
    if (sc->n_tls == 0 && n_backend_tls == 0)
        return 0;
    /* One CA per run, made when the first scenario needs it; every leaf is signed by it. */
    int rc = 0;
    if (rs->ca->cert == NULL && (rc = gs_tls_ca_generate(rs->ca, "gatesim run CA", err)) < 0)
        return rc;
    rs->ca_path = gs_xasprintf("%s/ca.pem", rs->workdir);
    rc = gs_tls_pem_write(rs->ca, rs->ca_path, NULL, err);
    if (rc == 0)
        rc = gs_objset_tls_generate(&rs->tls, sc, rs->ca, err);
    if (rc == 0)
        rc = runner_client_certs(rs, err);
    /* HTTPS backends (BackendTLSPolicy): a leaf of the same CA per backend, in the work folder
     * where the fleet hands it to the echo. */
    if (rc == 0)
        rc = gs_echo_fleet_tls_write(rs->workdir, sc, rs->ca, err);
    return rc;
}

/* Renders the object set and applies it to the target; returns the convergence time. */
static int runner_apply(runner_scenario *rs, double *converge_ms, gs_error *err)
{
    char **docs;
    size_t n;
    gs_objset_render(&rs->set, rs->sc, rs->tls.secrets, rs->tls.n, &docs, &n);
    size_t n_eps = 0;
    gs_target_endpoint *eps = gs_echo_fleet_endpoints_for(&rs->fleet, &rs->set, &n_eps);
    gs_target_objects objs = {(const char *const *)docs, n, eps, n_eps};
    int64_t t0 = gs_now_ns();
    int rc = gs_target_apply(rs->target, &objs, err);
    *converge_ms = runner_ms(gs_now_ns() - t0);
    free(eps);
    gs_objset_docs_free(docs, n);
    return rc;
}

static int runner_setup(runner_scenario *rs, gs_error *err)
{
    const gs_runner_config *cfg = rs->cfg;
    int rc = gs_workdir_create(NULL, &rs->workdir, err);
    if (rc == 0)
        rc = runner_tls(rs, err);
    /* the manifests first: which echo listeners a backend needs depends on its routes */
    for (size_t i = 0; rc == 0 && i < rs->sc->n_manifests; i++)
        rc = gs_objset_add_source(&rs->set, &rs->sc->manifests[i], err);
    if (rc == 0) {
        runner_progress(rs, NULL, "starting %zu backend%s", rs->sc->n_backends,
                        rs->sc->n_backends == 1 ? "" : "s");
        rc = gs_echo_fleet_start(&rs->fleet, rs->sc, &rs->set, cfg->echo_path, rs->workdir,
                                 cfg->has_seed ? &cfg->seed : NULL, cfg->start_timeout_ns, err);
    }
    if (rc == 0) {
        gs_target_config tc = {.workdir = rs->workdir,
                               .gatesim_path = cfg->gatesim_path,
                               .controller_names = rs->sc->controller_names,
                               .start_timeout_ns = cfg->start_timeout_ns,
                               .has_seed = cfg->has_seed,
                               .seed = cfg->seed,
                               .max_mirrors_in_flight = cfg->max_mirrors_in_flight};
        if (rs->sc->n_controller_names) {
            /* NULL-terminated copy: the target borrows it until runner_teardown. */
            rs->ctl = gs_xcalloc(rs->sc->n_controller_names + 1, sizeof(*rs->ctl));
            memcpy(rs->ctl, rs->sc->controller_names,
                   rs->sc->n_controller_names * sizeof(*rs->ctl));
            tc.controller_names = rs->ctl;
        } else {
            tc.controller_names = cfg->controller_names;
        }
        rc = gs_target_new(&rs->target, cfg->target ? cfg->target : gs_target_kind_at(0)->usage,
                           &tc, err);
        if (rc == 0) {
            runner_progress(rs, NULL, "starting the %s target", rs->target->kind->name);
            rc = runner_apply(rs, &rs->pending_convergence_ms, err);
        }
    }
    return rc;
}

/* Copies the work folder's logs and objects to the run's logs folder, which every report set
 * carries as <report-dir>/logs/, so an error can be investigated after the work folder is
 * gone. Returns where they will be published (malloc'd) or NULL. */
static char *runner_save_logs(runner_scenario *rs)
{
    if (rs->cfg->report_dir == NULL || rs->workdir == NULL)
        return NULL;
    gs_error err = {0};
    if (*rs->logs_home == NULL && gs_workdir_create(NULL, rs->logs_home, &err) < 0)
        return NULL;
    char *logs = gs_xasprintf("%s/logs", *rs->logs_home);
    char *dest = gs_xasprintf("%s/%s", logs, rs->sc->name);
    mkdir(logs, 0755);
    mkdir(dest, 0755);
    free(logs);
    DIR *d = opendir(rs->workdir);
    if (d == NULL) {
        free(dest);
        return NULL;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (!(n > 4 && strcmp(e->d_name + n - 4, ".log") == 0) &&
            strcmp(e->d_name, "objects.yaml") != 0)
            continue;
        char *from = gs_xasprintf("%s/%s", rs->workdir, e->d_name);
        char *to = gs_xasprintf("%s/%s", dest, e->d_name);
        FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
        char buf[65536];
        size_t got;
        while (in && out && (got = fread(buf, 1, sizeof(buf), in)) > 0)
            if (fwrite(buf, 1, got, out) != got)
                break;
        if (in)
            fclose(in);
        if (out)
            fclose(out);
        free(from);
        free(to);
    }
    closedir(d);
    free(dest);
    return gs_xasprintf("%s/logs/%s", rs->cfg->report_dir, rs->sc->name);
}

static void runner_teardown(runner_scenario *rs)
{
    gs_target_free(rs->target);
    rs->target = NULL;
    free(rs->ctl);
    gs_echo_fleet_stop(&rs->fleet);
    gs_objset_clear(&rs->set);
    for (size_t i = 0; rs->client_pem && i < rs->sc->n_tls; i++)
        free(rs->client_pem[i]);
    free(rs->client_pem);
    rs->client_pem = NULL;
    gs_objset_tls_clear(&rs->tls);
    free(rs->ca_path);
    if (rs->has_refusing)
        close(rs->refusing_fd);
    rs->has_refusing = false;
    if (rs->workdir && !rs->cfg->keep_workdir) {
        gs_workdir_remove(rs->workdir);
    } else if (rs->workdir) {
        gs_workdir_keep(rs->workdir);
        if (rs->cfg->out)
            fprintf(rs->cfg->out, "  work folder kept: %s\n", rs->workdir);
    }
    free(rs->workdir);
}

/* ---- sending ---- */

/* The controller's view of the objects applied now, from the same model explain uses
 * (gs_objset_load_model): where a send goes is chosen from its status, not from the raw YAML.
 * The status is complete even when the route table could not be built. Free with
 * gs_control_free. */
static gs_control *runner_status(const runner_scenario *rs)
{
    const char *const *names = rs->ctl ? rs->ctl : rs->cfg->controller_names;
    size_t n_names = 0;
    while (names && names[n_names])
        n_names++;
    gs_control_opts co = {.controller_names = names, .n_controller_names = n_names};
    gs_load_options lo = {.replace_quietly = true};
    gs_model *m = NULL;
    gs_model_new(&m);
    gs_objset_load_model(&rs->set, rs->sc, rs->tls.secrets, rs->tls.n, &lo, m);
    gs_control *c = NULL;
    gs_control_new(&c, &co);
    gs_error ignored = {0};
    gs_control_compute(c, m, &ignored);
    gs_model_free(m);
    return c;
}

/* Gateway |ns|/|name| in |st|, or NULL when no managed Gateway has that name. */
static const gs_gateway_status *runner_gateway(const gs_status_set *st, const char *ns,
                                               const char *name)
{
    for (size_t i = 0; i < st->n_gateways; i++)
        if (strcmp(st->gateways[i].namespace, ns) == 0 && strcmp(st->gateways[i].name, name) == 0)
            return &st->gateways[i];
    return NULL;
}

/* How well listener hostname |pattern| (NULL: any) claims |host|, as the gateway chooses
 * listeners: 0 no match, then catch-all < longer wildcard < exact. */
static size_t runner_host_score(const char *pattern, const char *host)
{
    if (pattern == NULL || pattern[0] == '\0')
        return 1;
    if (!gs_hostname_matches(pattern, host, strlen(host)))
        return 0;
    return gs_hostname_is_wildcard(pattern) ? 2 + strlen(pattern) : SIZE_MAX;
}

/* Where a send goes: the target listener, whether it is TLS, and the Host. */
typedef struct runner_dest {
    const gs_target_listener *listener;
    bool tls;
    char host[256];
    gs_target_listener unserved; /* |listener| for a listener the target does not serve */
    char unserved_gateway[256], unserved_name[256], unserved_address[64]; /* its own copies */
} runner_dest;

/* The address of |rs|'s refusing socket (made on first use), or NULL when none can be made. */
static const char *runner_refusing_address(runner_scenario *rs)
{
    if (rs->has_refusing)
        return rs->refusing_address;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sin);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
        getsockname(fd, (struct sockaddr *)&sin, &len) != 0) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    rs->has_refusing = true;
    rs->refusing_fd = fd;
    snprintf(rs->refusing_address, sizeof(rs->refusing_address), "127.0.0.1:%u",
             (unsigned)ntohs(sin.sin_port));
    return rs->refusing_address;
}

static int runner_pick_listener(const gs_target *t, const gs_scenario_send *send, const char *gwref,
                                const gs_status_set *st, const gs_gateway_status *gw,
                                const char *refusing, runner_dest *d, gs_error *err);

/* A listener the target serves under |gwref| without a Gateway among the objects (the
 * ingress-nginx target's "http" on port 80 and "https" on 443): the one the send names, else
 * the first. The one on port 443 is TLS. The Host is the send's, else example.com. False when
 * the target has none. */
static bool runner_target_listener(const gs_target *t, const gs_scenario_send *send,
                                   const char *gwref, runner_dest *d)
{
    for (size_t i = 0; i < t->n_listeners; i++) {
        const gs_target_listener *l = &t->listeners[i];
        if (strcmp(l->gateway, gwref) != 0 ||
            (send->listener && strcmp(l->listener, send->listener) != 0))
            continue;
        d->listener = l;
        d->tls = l->port == 443;
        snprintf(d->host, sizeof(d->host), "%s", send->host ? send->host : "example.com");
        return true;
    }
    return false;
}

/* Where a send goes: its Gateway (named, or the only one the target serves), then the listener
 * chosen from control's status for the objects applied now. */
static int runner_pick_destination(runner_scenario *rs, const gs_scenario_send *send,
                                   bool want_refusal, runner_dest *d, gs_error *err)
{
    const gs_target *t = rs->target;
    char gwref[512] = "";
    if (send->gateway) {
        snprintf(gwref, sizeof(gwref), "%s%s", strchr(send->gateway, '/') ? "" : "default/",
                 send->gateway);
    } else {
        for (size_t i = 0; i < t->n_listeners; i++) {
            if (gwref[0] && strcmp(gwref, t->listeners[i].gateway) != 0)
                return gs_error_set(err, GS_ERR_INVALID,
                                    "the target serves several Gateways (%s, %s): say which with "
                                    "send.gateway",
                                    gwref, t->listeners[i].gateway);
            snprintf(gwref, sizeof(gwref), "%s", t->listeners[i].gateway);
        }
        if (gwref[0] == '\0')
            return gs_error_set(err, GS_ERR_INVALID,
                                "the target serves no listener (no Gateway among the objects? "
                                "Ingresses are served by --target ingress-nginx)");
    }
    char gw_ns[256];
    const char *slash = strchr(gwref, '/');
    snprintf(gw_ns, sizeof(gw_ns), "%.*s", (int)(slash - gwref), gwref);
    gs_control *ctl = runner_status(rs);
    int rc;
    const gs_gateway_status *gw = runner_gateway(gs_control_status(ctl), gw_ns, slash + 1);
    if (gw == NULL && runner_target_listener(t, send, gwref, d))
        rc = 0; /* a listener of the target's own, not of a Gateway (ingress-nginx) */
    else if (gw == NULL)
        rc = gs_error_set(err, GS_ERR_INVALID, "no Gateway %s among the objects", gwref);
    else
        rc = runner_pick_listener(t, send, gwref, gs_control_status(ctl), gw,
                                  want_refusal && send->protocol != GS_SCENARIO_UDP
                                      ? runner_refusing_address(rs)
                                      : NULL,
                                  d, err);
    gs_control_free(ctl);
    return rc;
}

/* Whether a send that names no listener may go to |ls|: of the protocol |want| and Programmed.
 * A listener control did not program (Conflicted, UnsupportedProtocol, unresolved refs) is in
 * the manifest but no data plane serves it, so the gateway's own choice never lands there. */
static bool runner_listener_serves(const gs_listener_status *ls, const char *want)
{
    return strcmp(ls->protocol, want) == 0 && gs_conditions_true(&ls->conditions, "Programmed");
}

/* The send protocol for a layer-4 listener protocol ("TCP" -> "tcp"). */
static const char *runner_listener_protocol_name(const char *listener_protocol)
{
    return strcmp(listener_protocol, "TCP") == 0 ? "tcp"
           : strcmp(listener_protocol, "UDP") == 0 ? "udp"
                                                   : "tls";
}

/* The listener protocol a send of |p| goes to when it names no listener. */
static const char *runner_listener_protocol(gs_scenario_protocol p)
{
    switch (p) {
    case GS_SCENARIO_HTTP2:
        return "HTTPS";
    case GS_SCENARIO_TCP:
        return "TCP";
    case GS_SCENARIO_UDP:
        return "UDP";
    case GS_SCENARIO_TLS:
        return "TLS";
    case GS_SCENARIO_HTTP1:
    case GS_SCENARIO_H2C:
    case GS_SCENARIO_GRPC:
    case GS_SCENARIO_WEBSOCKET:
        break;
    }
    return "HTTP";
}

/* A layer-4 send needs a listener of its own protocol, and an HTTP send one that speaks HTTP:
 * the line exchange and an HTTP request cannot stand in for each other. */
static int runner_check_l4_listener(const gs_scenario_send *send, const gs_listener_status *pick,
                                    gs_error *err)
{
    bool l4_listener = strcmp(pick->protocol, "TCP") == 0 || strcmp(pick->protocol, "UDP") == 0 ||
                       strcmp(pick->protocol, "TLS") == 0;
    if (gs_scenario_protocol_is_l4(send->protocol)) {
        const char *want = runner_listener_protocol(send->protocol);
        if (strcmp(pick->protocol, want) != 0)
            return gs_error_set(err, GS_ERR_INVALID,
                                "protocol %s needs a %s listener but listener %s is %s",
                                gs_scenario_protocol_name(send->protocol), want, pick->name,
                                pick->protocol);
    } else if (l4_listener) {
        return gs_error_set(err, GS_ERR_INVALID,
                            "listener %s is %s: send to it with protocol %s, not %s", pick->name,
                            pick->protocol, runner_listener_protocol_name(pick->protocol),
                            gs_scenario_protocol_name(send->protocol));
    }
    return 0;
}

/* A listener a send may go to: a Gateway's own, or one of a ListenerSet attached to it, with
 * the name the target's ready line gives it (the listener's own; "ns/set/listener" for a
 * ListenerSet's). */
typedef struct runner_cand {
    const gs_listener_status *ls;
    char target_name[768];
} runner_cand;

/* The listeners of Gateway |gwref| in |st|: its own (|gw|), then those of the ListenerSets
 * whose parent it is, in status order. Returns the count; |*out| is malloc'd. */
static size_t runner_candidates(const gs_status_set *st, const char *gwref,
                                const gs_gateway_status *gw, runner_cand **out)
{
    size_t n = gw->n_listeners;
    for (size_t i = 0; i < st->n_listener_sets; i++)
        if (st->listener_sets[i].parent && strcmp(st->listener_sets[i].parent, gwref) == 0)
            n += st->listener_sets[i].n_listeners;
    runner_cand *c = gs_xcalloc(n ? n : 1, sizeof(*c));
    size_t k = 0;
    for (size_t i = 0; i < gw->n_listeners; i++, k++) {
        c[k].ls = &gw->listeners[i];
        snprintf(c[k].target_name, sizeof(c[k].target_name), "%s", gw->listeners[i].name);
    }
    for (size_t i = 0; i < st->n_listener_sets; i++) {
        const gs_listener_set_status *set = &st->listener_sets[i];
        if (set->parent == NULL || strcmp(set->parent, gwref) != 0)
            continue;
        for (size_t j = 0; j < set->n_listeners; j++, k++) {
            c[k].ls = &set->listeners[j];
            snprintf(c[k].target_name, sizeof(c[k].target_name), "%s/%s/%s", set->namespace,
                     set->name, set->listeners[j].name);
        }
    }
    *out = c;
    return k;
}

/* The listener of |gw| (control's computed status), or of a ListenerSet attached to it, a send
 * goes to: the one it names (a Gateway's own name first, then a ListenerSet listener's name
 * or its "ns/set/listener"), else the one the gateway would choose for its Host among the
 * programmed ones of the send's protocol; and the Host to send when the send has none. */
static int runner_pick_listener(const gs_target *t, const gs_scenario_send *send, const char *gwref,
                                const gs_status_set *st, const gs_gateway_status *gw,
                                const char *refusing, runner_dest *d, gs_error *err)
{
    runner_cand *cands = NULL;
    size_t n = runner_candidates(st, gwref, gw, &cands);
    const char *host = send->host;
    /* A TLS listener is chosen by the server name, as the gateway does. */
    const char *name = send->sni ? send->sni : host;
    const runner_cand *pc = NULL;
    if (send->listener) {
        for (size_t i = 0; i < n && !pc; i++)
            if (strcmp(cands[i].ls->name, send->listener) == 0 ||
                strcmp(cands[i].target_name, send->listener) == 0)
                pc = &cands[i];
        if (pc == NULL) {
            free(cands);
            return gs_error_set(err, GS_ERR_INVALID, "Gateway %s has no listener %s", gwref,
                                send->listener);
        }
    } else {
        const char *want = runner_listener_protocol(send->protocol);
        /* The listener the gateway would choose for the Host; without a Host (or when no
         * listener claims it), the first programmed listener of the protocol. */
        size_t best = 0;
        for (size_t i = 0; i < n && name; i++) {
            const gs_listener_status *ls = cands[i].ls;
            size_t score =
                runner_listener_serves(ls, want) ? runner_host_score(ls->hostname, name) : 0;
            if (score > best) {
                best = score;
                pc = &cands[i];
            }
        }
        for (size_t i = 0; i < n && !pc; i++)
            if (runner_listener_serves(cands[i].ls, want))
                pc = &cands[i];
        if (pc == NULL) {
            free(cands);
            return gs_error_set(err, GS_ERR_INVALID,
                                "Gateway %s has no programmed %s listener for protocol %s: name "
                                "one with send.listener",
                                gwref, want, gs_scenario_protocol_name(send->protocol));
        }
    }
    const gs_listener_status *pick = pc->ls;
    d->listener = gs_target_find_listener(t, gwref, pc->target_name);
    free(cands);
    int l4rc = runner_check_l4_listener(send, pick, err);
    if (l4rc != 0)
        return l4rc;
    d->tls = strcmp(pick->protocol, "HTTPS") == 0 || strcmp(pick->protocol, "TLS") == 0;
    if (send->protocol == GS_SCENARIO_H2C && d->tls)
        return gs_error_set(err, GS_ERR_INVALID, "h2c is cleartext but listener %s is %s",
                            pick->name, pick->protocol);
    if (send->protocol == GS_SCENARIO_HTTP2 && !d->tls)
        return gs_error_set(err, GS_ERR_INVALID,
                            "protocol http2 needs TLS but listener %s is %s (use h2c)", pick->name,
                            pick->protocol);
    const gs_condition *programmed = gs_conditions_get(&pick->conditions, "Programmed");
    if (d->listener == NULL && programmed && strcmp(programmed->status, "True") != 0 && refusing) {
        /* A send that expects to fail, to a listener that is not programmed: the target has
         * no address for it, so it goes to one that refuses every connection. */
        snprintf(d->unserved_gateway, sizeof(d->unserved_gateway), "%s", gwref);
        snprintf(d->unserved_name, sizeof(d->unserved_name), "%s", pick->name);
        snprintf(d->unserved_address, sizeof(d->unserved_address), "%s", refusing);
        d->unserved = (gs_target_listener){.gateway = d->unserved_gateway,
                                           .listener = d->unserved_name,
                                           .port = pick->port,
                                           .address = d->unserved_address};
        d->listener = &d->unserved;
    }
    if (d->listener == NULL && programmed && strcmp(programmed->status, "True") != 0)
        return gs_error_set(err, GS_ERR_INVALID,
                            "the target reports no address for listener %s of %s: %s", pick->name,
                            gwref, programmed->message);
    if (d->listener == NULL)
        return gs_error_set(err, GS_ERR_INVALID,
                            "the target reports no address for listener %s of %s (not ready, or "
                            "not programmed)",
                            pick->name, gwref);
    if ((send->sni || send->ca_file || !send->verify || send->client_certificate >= 0) && !d->tls &&
        !gs_scenario_protocol_is_l4(send->protocol))
        return gs_error_set(err, GS_ERR_INVALID,
                            "send.sni, ca, verify and clientCertificate are for TLS, but "
                            "listener %s is %s",
                            pick->name, pick->protocol);
    if (host)
        snprintf(d->host, sizeof(d->host), "%s", host);
    else if (send->address_as_host)
        snprintf(d->host, sizeof(d->host), "%s", d->listener->address);
    else if (pick->hostname && pick->hostname[0] != '*')
        snprintf(d->host, sizeof(d->host), "%s", pick->hostname);
    else if (pick->hostname)
        snprintf(d->host, sizeof(d->host), "gatesim%s", pick->hostname + 1);
    else
        snprintf(d->host, sizeof(d->host), "example.com");
    return 0;
}

/* Counters of the target's stats that are gauges (a value now), not counts since its start. */
static bool runner_stat_is_gauge(const char *name)
{
    static const char *const gauges[] = {"mirrorsInFlight", "maxMirrorsInFlight",
                                         "exchangesInFlight", "connections", "generation"};
    for (size_t i = 0; i < GS_ARRAY_LEN(gauges); i++)
        if (strcmp(name, gauges[i]) == 0)
            return true;
    return false;
}

/* The step's share of the target's counters: |after| - |before| for counts (|after| alone when
 * it went down: the implementation restarted), |after| for gauges. Into the step's results and
 * into what the mirror check (with |mirrors|) and the status checks explain themselves with.
 * |before_rc| / |after_rc| and |why| say whether the readings worked. */
static void runner_target_stats(const gs_target_stats *before, int before_rc,
                                const gs_target_stats *after, int after_rc, const char *why,
                                gs_results_step *rst, bool mirrors, gs_expect_obs *obs)
{
    gs_expect_target_mirrors *tm = &obs->target;
    memset(tm, 0, sizeof(*tm));
    tm->asked = mirrors;
    if (before_rc < 0 || after_rc < 0) {
        if (mirrors)
            snprintf(tm->unknown, sizeof(tm->unknown), "%.199s", why);
        return;
    }
    for (size_t i = 0; i < after->len; i++) {
        const gs_target_stat *a = &after->items[i];
        uint64_t b = 0, v = a->value;
        if (!runner_stat_is_gauge(a->name) && gs_target_stats_get(before, a->name, &b) && b <= v)
            v -= b;
        gs_results_counts_add(&rst->target_stats, a->name, v);
    }
    const gs_results_counts *c = &rst->target_stats;
    uint64_t unused;
    obs->target_errors.known = gs_target_stats_get(after, "upstreamErrors", &unused);
    obs->target_errors.upstream_errors = gs_results_counts_get(c, "upstreamErrors");
    obs->target_errors.timeouts = gs_results_counts_get(c, "timeouts");
    if (!mirrors)
        return;
    tm->known = gs_target_stats_get(after, "mirrorsSent", &unused);
    tm->sent = gs_results_counts_get(c, "mirrorsSent");
    tm->dropped = gs_results_counts_get(c, "mirrorsDropped");
    tm->no_endpoint = gs_results_counts_get(c, "mirrorsNoEndpoint");
    tm->failed = gs_results_counts_get(c, "mirrorsFailed");
    tm->timed_out = gs_results_counts_get(c, "mirrorsTimedOut");
    tm->in_flight = gs_results_counts_get(c, "mirrorsInFlight");
    tm->cap = gs_results_counts_get(c, "maxMirrorsInFlight");
    if (!tm->known)
        snprintf(tm->unknown, sizeof(tm->unknown), "the target's counters have no mirrorsSent");
}

/* Mirror copies travel asynchronously: a gateway may still be sending them, or a backend still
 * reading them, after the last primary answer. For a fraction below 1 the number to wait for is
 * unknown, so collection ends once no new id arrived for RUNNER_MIRROR_QUIET_NS. 300 ms was too
 * short on a loaded machine (a run under ASan with a few parallel suites saw 430 of 490 copies
 * and failed the share); 1.5 s covers a starved backend or a retransmitted SYN (the
 * initial RTO is 1 s). The total wait stays bounded. */
#define RUNNER_MIRROR_QUIET_NS (1500 * GS_NS_PER_MS)
#define RUNNER_MIRROR_MAX_NS (15 * GS_NS_PER_S)

/* Collects the mirrored request ids, waiting (bounded) for asynchronous mirror copies. */
static int runner_collect_mirrors(runner_scenario *rs, const gs_scenario_expect *ex,
                                  gs_expect_obs *obs, gs_error *err)
{
    for (size_t m = 0; m < ex->n_mirror; m++) {
        runner_mirror_ctx ctx = {obs, m};
        int64_t start = gs_now_ns(), last_new = start;
        for (;;) {
            int n = gs_echo_fleet_request_ids(&rs->fleet, ex->mirror[m].backend,
                                              on_runner_mirror_id, &ctx, err);
            if (n < 0)
                return n;
            int64_t now = gs_now_ns();
            if (n > 0)
                last_new = now;
            uint64_t hits, answered;
            gs_expect_mirror_counts(obs, m, &hits, &answered);
            if (ex->mirror[m].fraction >= 1.0 && hits == answered)
                break;
            if (now - last_new > RUNNER_MIRROR_QUIET_NS || now - start > RUNNER_MIRROR_MAX_NS ||
                gs_proc_interrupted())
                break;
            usleep(50 * 1000);
        }
    }
    return 0;
}

static gs_traffic_protocol runner_traffic_protocol(gs_scenario_protocol p)
{
    switch (p) {
    case GS_SCENARIO_HTTP1:
        return GS_TRAFFIC_HTTP1;
    case GS_SCENARIO_H2C:
        return GS_TRAFFIC_H2C;
    case GS_SCENARIO_HTTP2:
        return GS_TRAFFIC_HTTP2;
    case GS_SCENARIO_GRPC:
        return GS_TRAFFIC_GRPC;
    case GS_SCENARIO_TCP:
        return GS_TRAFFIC_TCP;
    case GS_SCENARIO_UDP:
        return GS_TRAFFIC_UDP;
    case GS_SCENARIO_TLS:
        return GS_TRAFFIC_TLS;
    case GS_SCENARIO_WEBSOCKET:
        return GS_TRAFFIC_WEBSOCKET;
    }
    return GS_TRAFFIC_HTTP1;
}

/* The send's headers as the traffic client takes them (malloc'd; the strings are borrowed). */
static gs_traffic_header *runner_send_headers(const gs_scenario_send *send)
{
    gs_traffic_header *hdrs = gs_xcalloc(send->n_headers + 1, sizeof(*hdrs));
    for (size_t i = 0; i < send->n_headers; i++)
        hdrs[i] = (gs_traffic_header){send->headers[i].name, send->headers[i].value};
    return hdrs;
}

/* The traffic a send step makes, to |d|: everything but the step's callbacks, so the rate probe
 * and the step itself send the same requests. |hdrs| is borrowed for the life of |tc|. */
static void runner_traffic_config(const runner_scenario *rs, const gs_scenario_send *send,
                                  const runner_dest *d, gs_traffic_header *hdrs,
                                  uint64_t requests, gs_traffic_config *tc)
{
    gs_traffic_config_init(tc);
    tc->address = d->listener->address;
    tc->protocol = runner_traffic_protocol(send->protocol);
    tc->tls = d->tls;
    bool l4 = gs_scenario_protocol_is_l4(send->protocol);
    tc->method = send->protocol == GS_SCENARIO_GRPC || l4 ? NULL : send->method;
    tc->authority = d->host;
    tc->path = send->protocol == GS_SCENARIO_GRPC || l4 ? NULL : send->path;
    tc->alpn = send->alpn;
    /* gs_scenario_ws_message and gs_traffic_ws_message have the same fields in the same order */
    _Static_assert(sizeof(gs_scenario_ws_message) == sizeof(gs_traffic_ws_message),
                   "WebSocket message layouts differ");
    tc->ws_messages = (const gs_traffic_ws_message *)send->messages;
    tc->num_ws_messages = send->n_messages;
    tc->ws_h2 = send->ws_h2;
    tc->headers = hdrs;
    tc->num_headers = send->n_headers;
    tc->grpc_service = send->grpc_service;
    tc->grpc_method = send->grpc_method;
    tc->connections = send->connections;
    tc->streams = send->streams;
    tc->requests = requests;
    tc->rate = send->rate;
    tc->new_connection_per_request = send->new_connection_per_request;
    tc->ca_file = d->tls ? (send->ca_file ? send->ca_file : rs->ca_path) : NULL;
    tc->sni = send->sni; /* NULL: the host part of the Host */
    tc->cert_file = d->tls && send->client_certificate >= 0 && rs->client_pem
                        ? rs->client_pem[send->client_certificate]
                        : NULL;
    /* certificates the scenario did not generate and no CA given: nothing to trust */
    tc->insecure = d->tls && (!send->verify || tc->ca_file == NULL);
}

/* The request rate this step's traffic reaches: the run's last measurement, else a probe of
 * RUNNER_PROBE_REQUESTS requests with the step's settings (nothing checked). 0 when unknown. */
#define RUNNER_PROBE_REQUESTS 300
static double runner_rate(runner_scenario *rs, const gs_scenario_send *send, const runner_dest *d)
{
    if (*rs->measured_rps > 0)
        return *rs->measured_rps;
    gs_traffic_header *hdrs = runner_send_headers(send);
    gs_traffic_config tc;
    runner_traffic_config(rs, send, d, hdrs, RUNNER_PROBE_REQUESTS, &tc);
    gs_traffic_result *res = NULL;
    gs_error err = {0};
    double rps = 0;
    if (gs_traffic_run(&tc, &res, &err) == 0 && res->responses > 0)
        rps = res->rps;
    gs_traffic_result_free(res);
    free(hdrs);
    return rps;
}

/* A plan above --max-requests-per-step is an error that says what the bound allows (the
 * minEffect n = bound can promise) and what the plan would cost (its duration at the measured
 * rate), so the user picks between a larger minEffect and a larger bound knowingly. */
static int runner_check_plan(runner_scenario *rs, const gs_scenario_step *step,
                             const runner_dest *d, uint64_t planned, gs_error *err)
{
    uint64_t bound =
        rs->cfg->max_requests_per_step ? rs->cfg->max_requests_per_step : GS_RUNNER_MAX_REQUESTS;
    if (planned <= bound)
        return 0;
    const gs_scenario_statistics *st = &rs->stats;
    double allows = gs_expect_plan_min_effect(&step->expect, st, bound);
    double rps = runner_rate(rs, &step->send, d);
    char cost[96] = "at an unknown rate (the probe got no response)";
    if (rps > 0)
        snprintf(cost, sizeof(cost), "about %.0f s at the measured %.0f requests/s",
                 (double)planned / rps, rps);
    return gs_error_set(err, GS_ERR_RANGE,
                        "requests: auto plans %llu requests (minEffect %g, power %g, alpha %.3g, "
                        "tolerance %g), above --max-requests-per-step %llu: it would take %s; "
                        "%llu requests allow minEffect %.4g — raise minEffect to that, or raise "
                        "the bound",
                        (unsigned long long)planned, st->min_effect, st->power, st->alpha,
                        st->tolerance, (unsigned long long)bound, cost, (unsigned long long)bound,
                        allows);
}

/* Sends the step's traffic and checks its expectations. Returns the failed-check count, or a
 * negative GS_ERR_* for an error of the machinery. */
/* The request |send| makes, as the route table reads it (gs_rt_request): |path| and |hdrs| hold
 * what it points into. Returns -1 when the gateway would refuse the path (400: no rule). */
static int runner_rt_request(const gs_scenario_send *send, const runner_dest *d, gs_buf *path,
                             gs_rt_header *hdrs, gs_rt_request *out)
{
    static const char grpc_type[] = "application/grpc";
    bool grpc = send->protocol == GS_SCENARIO_GRPC;
    if (grpc)
        gs_buf_printf(path, "/%s/%s", send->grpc_service, send->grpc_method);
    else if (gs_path_norm_uri_path(send->path, strlen(send->path), path) != GS_PATH_NORM_OK)
        return -1;
    for (size_t i = 0; i < send->n_headers; i++)
        hdrs[i] = (gs_rt_header){send->headers[i].name, strlen(send->headers[i].name),
                                 send->headers[i].value, strlen(send->headers[i].value)};
    if (grpc)
        hdrs[send->n_headers] =
            (gs_rt_header){"content-type", 12, grpc_type, sizeof(grpc_type) - 1};
    const char *method = grpc ? "POST" : send->method ? send->method : "GET";
    *out = (gs_rt_request){.sni = d->tls ? (send->sni ? send->sni : d->host) : NULL,
                           .host = d->host,
                           .host_len = strlen(d->host),
                           .method = method,
                           .method_len = strlen(method),
                           .path = path->data,
                           .path_len = path->len,
                           .headers = hdrs,
                           .n_headers = send->n_headers + grpc};
    return 0;
}

/* A failed split check also says what the route configures for the step's requests (control's
 * route table for the objects applied now): the claim in expect.split may be what is wrong. */
static void runner_note_configured_weights(const runner_scenario *rs, const gs_scenario_send *send,
                                           const runner_dest *d, gs_results_step *rst)
{
    gs_results_check *split = NULL;
    for (size_t i = 0; i < rst->checks_len && split == NULL; i++)
        if (strcmp(rst->checks[i]->kind, "split") == 0 &&
            rst->checks[i]->result == GS_RESULT_FAILED)
            split = rst->checks[i];
    if (split == NULL)
        return;
    gs_control *ctl = runner_status(rs);
    gs_buf path = {0}, weights = {0};
    gs_rt_header *hdrs = gs_xcalloc(send->n_headers + 1, sizeof(*hdrs));
    gs_rt_request req;
    if (runner_rt_request(send, d, &path, hdrs, &req) == 0 &&
        gs_route_weights_describe(gs_control_table(ctl), d->listener->gateway, d->listener->port,
                                  &req, &weights) == 0) {
        char *was = split->message;
        split->message = NULL;
        gs_results_set(&split->message, "%s; configured by %s", was ? was : "", weights.data);
        free(was);
    }
    free(hdrs);
    gs_buf_clear(&path);
    gs_buf_clear(&weights);
    gs_control_free(ctl);
}

/* What the reports say about how |send| sent: its protocol and connections. */
static void runner_note_send(const gs_scenario_send *send, gs_results_send *out)
{
    gs_results_set(&out->protocol, "%s", gs_scenario_protocol_name(send->protocol));
    out->connections = send->connections;
    out->streams = send->protocol == GS_SCENARIO_HTTP1 || send->protocol == GS_SCENARIO_WEBSOCKET
                       ? 1
                       : send->streams;
    out->new_connection_per_request = send->new_connection_per_request;
}

static int runner_send(runner_scenario *rs, size_t step_index, const gs_scenario_step *step,
                       gs_results_step *rst, gs_error *err)
{
    const gs_scenario_send *send = &step->send;
    runner_dest d;
    int rc = runner_pick_destination(
        rs, send, step->expect.backend_none || step->expect.handshake_rejected, &d, err);
    if (rc < 0)
        return rc;
    uint64_t requests = send->requests;
    if (send->requests_auto) {
        rc = gs_expect_plan_requests(&step->expect, &rs->stats, &requests, err);
        if (rc >= 0)
            rc = runner_check_plan(rs, step, &d, requests, err);
        if (rc < 0)
            return rc;
    }
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "gs%zu-%zu-%llx-", rs->index, step_index,
             (unsigned long long)(gs_wall_ns() & 0xffffff));
    gs_expect_obs obs;
    gs_expect_obs_init(&obs, send, &step->expect, d.host, prefix, requests);
    obs.cert_owner = gs_echo_fleet_cert_owner; /* whose certificate a TLS client saw */
    obs.cert_owner_user = &rs->fleet;
    obs.secrets = rs->tls.secrets; /* request.clientCertificate */
    obs.n_secrets = rs->tls.n;
    gs_traffic_header *hdrs = runner_send_headers(send);

    runner_traffic_ctx ctx = {
        .obs = &obs, .rs = rs, .step = step->name, .planned = requests, .ex = &step->expect};
    gs_traffic_config tc;
    runner_traffic_config(rs, send, &d, hdrs, requests, &tc);
    tc.request_id_prefix = prefix;
    tc.on_response = on_runner_response;
    tc.user = &ctx;
    tc.serialize_callbacks = true;
    tc.body_limit = step->expect.request.present ? 256 * 1024 : 4096;
    tc.cancel = &ctx.cancel;
    tc.on_progress = on_runner_progress;
    tc.progress_interval_ns = 200 * GS_NS_PER_MS;

    /* Only this step's ids count for mirrors; skip what earlier steps left in the logs. */
    if (step->expect.n_mirror && (rc = gs_echo_fleet_mark(&rs->fleet, err)) < 0) {
        free(hdrs);
        gs_expect_obs_clear(&obs);
        return rc;
    }
    /* The target's counters before and after the traffic explain lost mirror copies and failed
     * statuses (targets without counters: nothing is said, unless a mirror check fails). */
    gs_target_stats stats_before = {0}, stats_after = {0};
    gs_error stats_err = {0};
    int stats_rc = gs_target_stats_read(rs->target, &stats_before, &stats_err);
    gs_traffic_result *res = NULL;
    runner_progress(rs, step->name, "sending %llu requests to %s", (unsigned long long)requests,
                    d.listener->address);
    rc = gs_traffic_run(&tc, &res, err);
    free(hdrs);
    if (rc < 0) {
        gs_expect_obs_clear(&obs);
        gs_target_stats_clear(&stats_before);
        return rc;
    }
    gs_expect_fill_traffic(&rst->traffic, res);
    if (ctx.died.code < 0 || gs_proc_interrupted()) {
        /* Responses measured while something died or while stopping prove nothing. A death
         * seen after the interrupt is the handler's doing, never the process's fault. */
        if (gs_proc_interrupted())
            gs_error_set(err, GS_ERR_CLOSED, "%s", runner_interrupt_text());
        else
            *err = ctx.died;
        gs_traffic_result_free(res);
        gs_expect_obs_clear(&obs);
        gs_target_stats_clear(&stats_before);
        return err ? err->code : GS_ERR_CLOSED;
    }
    if (step->expect.n_mirror) {
        rc = runner_collect_mirrors(rs, &step->expect, &obs, err);
        if (rc < 0) {
            gs_traffic_result_free(res);
            gs_expect_obs_clear(&obs);
            gs_target_stats_clear(&stats_before);
            return rc;
        }
    }
    int after_rc =
        stats_rc < 0 ? stats_rc : gs_target_stats_read(rs->target, &stats_after, &stats_err);
    runner_target_stats(&stats_before, stats_rc, &stats_after, after_rc, stats_err.msg, rst,
                        step->expect.n_mirror > 0, &obs);
    gs_target_stats_clear(&stats_before);
    gs_target_stats_clear(&stats_after);
    if (res->rps > 0)
        *rs->measured_rps = res->rps;
    int failed = (int)gs_expect_finish(&obs, res, &rs->stats, rst);
    runner_note_configured_weights(rs, send, &d, rst);
    gs_traffic_result_free(res);
    gs_expect_obs_clear(&obs);
    return failed;
}

/* ---- steps ---- */

static bool runner_check_alive(runner_scenario *rs, gs_error *err)
{
    return gs_echo_fleet_check(&rs->fleet, err) == 0 && gs_target_check(rs->target, err) == 0;
}

/* Marks |rst| as stopped by the interrupt (an error in the results.json contract's terms, with
 * the extra "interrupted" flag every report shows). */
static void runner_step_interrupted(gs_results_step *rst)
{
    rst->result = GS_RESULT_ERROR;
    rst->interrupted = true;
    gs_results_set(&rst->message, "%s", runner_interrupt_text());
}

/* Checks that the backends and the target are alive; sets the step error when not. After an
 * interrupt the run stopped them itself: the step is interrupted, and nobody is blamed. */
static bool runner_alive(runner_scenario *rs, gs_results_step *rst)
{
    gs_error e = {0};
    if (gs_proc_interrupted()) {
        runner_step_interrupted(rst);
        return false;
    }
    if (!runner_check_alive(rs, &e)) {
        rst->result = GS_RESULT_ERROR;
        gs_results_set(&rst->message, "%s", e.msg);
        return false;
    }
    return true;
}

/* `status: none` holds for names nobody declared: the expectation must name an object among
 * those applied (and, with `parent`, a route with a parentRef to that Gateway). */
static bool runner_status_declared(void *ctx, const gs_scenario_status_expect *x, gs_buf *why)
{
    const runner_scenario *rs = ctx;
    const gs_objset_item *it = gs_objset_find(&rs->set, x->kind, x->ns, x->name);
    if (it == NULL) {
        gs_buf_printf(why,
                      "%s %s%s%s is not among the scenario's objects at this step, so "
                      "`status: none` would hold for any name: check the name",
                      x->kind, x->ns ? x->ns : "", x->ns ? "/" : "", x->name);
        return false;
    }
    if (x->parent_name &&
        !gs_objset_route_has_parent(it, x->parent_ns, x->parent_name, x->parent_section)) {
        gs_buf_printf(why,
                      "%s %s/%s has no parentRef to Gateway %s/%s%s%s, so `status: none` for "
                      "that parent would hold anyway: check the parent",
                      x->kind, x->ns, x->name, x->parent_ns, x->parent_name,
                      x->parent_section ? " sectionName " : "",
                      x->parent_section ? x->parent_section : "");
        return false;
    }
    return true;
}

/* What the status checks of |rs| know besides the target's status. */
static gs_status_check_opts runner_status_opts(runner_scenario *rs)
{
    const char *const *names = rs->ctl ? (const char *const *)rs->ctl : rs->cfg->controller_names;
    size_t n = 0;
    while (names && names[n])
        n++;
    return (gs_status_check_opts){.controller_names = names,
                                  .n_controller_names = n,
                                  .declared = runner_status_declared,
                                  .ctx = rs};
}

/* The target's status for the step's expectStatus checks. A target whose status is computed
 * from the objects it was given (GS_TARGET_CAP_STATUS_ONCE) is read once; others may publish
 * status after their data plane converged, so they are polled (every 250 ms, up to the start
 * timeout) until every expectation holds, and the last reading is what gets checked. */
static int runner_status_converged(runner_scenario *rs, const gs_scenario_step *step,
                                   gs_json_value **out, gs_error *err)
{
    bool poll = !gs_target_has(rs->target, GS_TARGET_CAP_STATUS_ONCE);
    int64_t deadline = gs_now_ns() + rs->cfg->start_timeout_ns;
    for (;;) {
        int rc = gs_target_status(rs->target, out, err);
        if (rc < 0 || !poll)
            return rc;
        gs_results *scratch;
        gs_results_new(&scratch, rs->target->kind->name, 0, 0);
        gs_results_step *st = gs_results_add_step(gs_results_add_scenario(scratch, "s", NULL), "s");
        bool all = true;
        gs_status_check_opts opts = runner_status_opts(rs);
        for (size_t k = 0; k < step->n_expect_status; k++)
            all &= gs_status_check_ex(&step->expect_status[k], *out, &opts, st);
        gs_results_free(scratch);
        if (all || gs_now_ns() >= deadline || gs_proc_interrupted())
            return 0;
        gs_json_value_free(*out);
        *out = NULL;
        usleep(250 * 1000);
    }
}

/* ---- rollout steps (gs_rollout.h): the runner lends applying, liveness and progress ---- */

static int runner_rollout_apply(void *ctx, double *converge_ms, gs_error *err)
{
    return runner_apply(ctx, converge_ms, err);
}

static int runner_rollout_alive(void *ctx, gs_error *err)
{
    return runner_check_alive(ctx, err) ? 0 : (err->code < 0 ? err->code : GS_ERR_CLOSED);
}

static int runner_rollout_set_behaviour(void *ctx, const char *backend,
                                        const gs_scenario_behaviour *b, gs_error *err)
{
    runner_scenario *rs = ctx;
    return gs_echo_fleet_set_behaviour(&rs->fleet, backend, b, err);
}

static int runner_rollout_request_ids(void *ctx, const char *backend,
                                      void (*on_id)(const char *id, void *user), void *user,
                                      gs_error *err)
{
    runner_scenario *rs = ctx;
    return gs_echo_fleet_request_ids(&rs->fleet, backend, on_id, user, err);
}

static void runner_rollout_progress(void *ctx, const char *what)
{
    runner_scenario *rs = ctx;
    runner_progress(rs, "rollout", "%s", what);
}

static void runner_rollout_warn(void *ctx, const char *msg)
{
    runner_scenario *rs = ctx;
    if (rs->cfg->out == NULL)
        return;
    runner_progress_clear(rs->cfg);
    fprintf(rs->cfg->out, "warning: %s: %s\n", rs->sc->name, msg);
    fflush(rs->cfg->out);
}

static int runner_rollout(runner_scenario *rs, const gs_scenario_rollout *ro,
                          gs_results_step *rst, gs_error *err)
{
    runner_dest d;
    int rc = runner_pick_destination(rs, &ro->traffic, false, &d, err);
    if (rc < 0)
        return rc;
    gs_traffic_header *hdrs = runner_send_headers(&ro->traffic);
    gs_traffic_config tc;
    runner_traffic_config(rs, &ro->traffic, &d, hdrs, 0, &tc);
    gs_rollout_env env = {.set = &rs->set,
                          .sc = rs->sc,
                          .stats = &rs->stats,
                          .traffic = &tc,
                          .timeout_ns = rs->cfg->start_timeout_ns,
                          .apply = runner_rollout_apply,
                          .alive = runner_rollout_alive,
                          .set_behaviour = runner_rollout_set_behaviour,
                          .request_ids = runner_rollout_request_ids,
                          .progress = runner_rollout_progress,
                          .warn = runner_rollout_warn,
                          .ctx = rs};
    rc = gs_rollout_run(&env, ro, rst, err);
    free(hdrs);
    return rc;
}

static void runner_step(runner_scenario *rs, size_t i, gs_results_step *rst)
{
    const gs_scenario_step *step = &rs->sc->steps[i];
    int64_t t0 = gs_now_ns();
    gs_error err = {0};
    int rc = 0;
    unsigned failed = 0;
    rst->convergence_ms = -1;
    if (i == 0 && rs->pending_convergence_ms >= 0)
        rst->convergence_ms = rs->pending_convergence_ms;
    runner_progress(rs, step->name, NULL);
    if (!runner_alive(rs, rst))
        goto out;

    if (step->n_apply || step->n_deletes) {
        for (size_t a = 0; rc == 0 && a < step->n_apply; a++)
            rc = gs_objset_add_source(&rs->set, &step->apply[a], &err);
        for (size_t k = 0; rc == 0 && k < step->n_deletes; k++) {
            const gs_scenario_delete *dl = &step->deletes[k];
            if (gs_objset_delete(&rs->set, dl->kind, dl->ns, dl->name) < 0)
                rc = gs_error_set(&err, GS_ERR_NOT_FOUND, "delete: no %s %s%s%s among the objects",
                                  dl->kind, dl->ns ? dl->ns : "", dl->ns ? "/" : "", dl->name);
        }
        double ms = 0;
        if (rc == 0) {
            runner_progress(rs, step->name, "applying and waiting for convergence");
            rc = runner_apply(rs, &ms, &err);
        }
        rst->convergence_ms = (rst->convergence_ms > 0 ? rst->convergence_ms : 0) + ms;
        if (rc < 0) {
            rst->result = GS_RESULT_ERROR;
            gs_results_set(&rst->message, "%s", err.msg);
            goto out;
        }
    }

    if (step->n_expect_status) {
        gs_json_value *status = NULL;
        rc = runner_status_converged(rs, step, &status, &err);
        if (rc < 0) {
            rst->result = GS_RESULT_ERROR;
            gs_results_set(&rst->message, "status: %s", err.msg);
            goto out;
        }
        gs_status_check_opts opts = runner_status_opts(rs);
        for (size_t k = 0; k < step->n_expect_status; k++)
            failed += !gs_status_check_ex(&step->expect_status[k], status, &opts, rst);
        gs_json_value_free(status);
    }

    /* A diff step runs its own objects on its own targets (gs_diff_step.c). */
    if (step->diff) {
        runner_progress(rs, step->name, "diff: probing both sides");
        rc = gs_diff_step_run(step->diff, rs->cfg->target, rs->stats.alpha, rst, &err);
        if (rc < 0) {
            rst->result = GS_RESULT_ERROR;
            gs_results_set(&rst->message, "diff: %s", err.msg);
            goto out;
        }
        failed += (unsigned)rc;
    }

    /* Traffic: a send, or a rollout's (a rollout step has no send). */
    if (step->send.present || step->rollout) {
        runner_note_send(step->rollout ? &step->rollout->traffic : &step->send, &rst->send);
        rc = step->rollout ? runner_rollout(rs, step->rollout, rst, &err)
                           : runner_send(rs, i, step, rst, &err);
        if (rc < 0 && gs_proc_interrupted()) {
            runner_step_interrupted(rst);
            goto out;
        }
        if (rc < 0) {
            rst->result = GS_RESULT_ERROR;
            gs_results_set(&rst->message, "%s", err.msg);
            goto out;
        }
        failed += (unsigned)rc;
        /* A backend or the gateway dying during the traffic explains its failures. */
        if (!runner_alive(rs, rst))
            goto out;
    }
    rst->result = failed ? GS_RESULT_FAILED : GS_RESULT_PASSED;
    if (failed)
        gs_results_set(&rst->message, "%u check%s failed", failed, failed == 1 ? "" : "s");
out:
    rst->duration_ms = runner_ms(gs_now_ns() - t0);
}

/* ---- output ---- */

static void runner_print_scenario(const gs_runner_config *cfg, const gs_results_scenario *r)
{
    FILE *out = cfg->out;
    if (out == NULL)
        return;
    bool c = cfg->colour;
    const char *word = r->result == GS_RESULT_PASSED   ? "PASS"
                       : r->result == GS_RESULT_FAILED ? "FAIL"
                       : r->interrupted                ? "INTERRUPTED"
                       : r->result == GS_RESULT_ERROR  ? "ERROR"
                                                       : "SKIP";
    const char *col = r->result == GS_RESULT_PASSED ? gs_term_green(c) : gs_term_red(c);
    fprintf(out, "%s%s%s %s (%zu step%s, %.1f s)\n", col, word, gs_term_reset(c), r->name,
            r->steps_len, r->steps_len == 1 ? "" : "s", r->duration_ms / 1000.0);
    if (r->error && r->result == GS_RESULT_ERROR)
        fprintf(out, "  %s\n", r->error);
    for (size_t i = 0; i < r->steps_len; i++) {
        const gs_results_step *st = r->steps[i];
        if (st->result == GS_RESULT_PASSED || st->result == GS_RESULT_SKIPPED ||
            st->result == GS_RESULT_PENDING)
            continue;
        /* The scenario's error line above already names the step that errored. */
        if (st->result == GS_RESULT_ERROR && r->error && st->checks_len == 0)
            continue;
        /* How the step sent (protocol, connections) explains much of what it measured. */
        gs_buf how = {0};
        gs_report_step_send(&how, &st->send);
        fprintf(out, "  step \"%s\"%s%s%s: ", st->name, how.len ? " (" : "", how.len ? how.data : "",
                how.len ? ")" : "");
        gs_buf_clear(&how);
        if (st->interrupted)
            fprintf(out, "%s\n", st->message);
        else
            fprintf(out, "%s%s%s\n", gs_result_name(st->result), st->message ? ": " : "",
                    st->message ? st->message : "");
        for (size_t k = 0; k < st->checks_len; k++) {
            const gs_results_check *ch = st->checks[k];
            if (ch->result == GS_RESULT_PASSED)
                continue;
            fprintf(out, "    %s%s%s: %s\n      expected: %s\n      observed: %s\n",
                    gs_term_bold(c), ch->kind, gs_term_reset(c), ch->message ? ch->message : "",
                    ch->expected ? ch->expected : "", ch->observed ? ch->observed : "");
            if (ch->evidence_request) {
                fprintf(out, "      first offending request:\n");
                for (const char *p = ch->evidence_request; *p;) {
                    size_t n = strcspn(p, "\n");
                    fprintf(out, "        %.*s\n", (int)n, p);
                    p += n + (p[n] == '\n');
                }
            }
            if (ch->evidence_response) {
                fprintf(out, "      its response:\n");
                int lines = 0;
                for (const char *p = ch->evidence_response; *p && lines < 30; lines++) {
                    size_t n = strcspn(p, "\n");
                    fprintf(out, "        %.*s\n", (int)(n > 300 ? 300 : n), p);
                    p += n + (p[n] == '\n');
                }
            }
        }
    }
    fflush(out);
}

/* ---- the run ---- */

/* Publishes the reports as a new set replacing the previous one (with the logs saved so far). */
static int runner_write_reports(const gs_runner_config *cfg, const gs_results *results,
                                const char *logs_home, gs_error *err)
{
    if (cfg->report_dir == NULL || cfg->formats == 0)
        return 0;
    char *logs = logs_home ? gs_xasprintf("%s/logs", logs_home) : NULL;
    int rc = gs_report_set_publish(cfg->report_dir, results, cfg->formats, logs, err);
    free(logs);
    return rc;
}

static void runner_scenario_run(runner_scenario *rs, gs_results_scenario *r)
{
    int64_t t0 = gs_now_ns();
    gs_error err = {0};
    rs->pending_convergence_ms = -1;
    for (size_t i = 0; i < rs->sc->n_steps; i++)
        gs_results_add_step(r, rs->sc->steps[i].name);
    int rc = runner_setup(rs, &err);
    if (rc < 0 && gs_proc_interrupted()) {
        r->result = GS_RESULT_ERROR;
        r->interrupted = true;
        gs_results_set(&r->error, "%s during set-up", runner_interrupt_text());
        for (size_t i = 0; i < r->steps_len; i++)
            r->steps[i]->result = GS_RESULT_SKIPPED;
    } else if (rc < 0) {
        r->result = GS_RESULT_ERROR;
        gs_results_set(&r->error, "set-up failed: %s", err.msg);
        for (size_t i = 0; i < r->steps_len; i++)
            r->steps[i]->result = GS_RESULT_SKIPPED;
    } else {
        bool stop = false;
        for (size_t i = 0; i < rs->sc->n_steps; i++) {
            gs_results_step *st = r->steps[i];
            if (stop || gs_proc_interrupted()) {
                st->result = GS_RESULT_SKIPPED;
                if (gs_proc_interrupted() && !stop)
                    gs_results_set(&st->message, "interrupted");
                continue;
            }
            runner_step(rs, i, st);
            /* After an error the scenario's state is unknown: skip the remaining steps. */
            if (st->result == GS_RESULT_ERROR)
                stop = true;
        }
        gs_result res = GS_RESULT_PASSED;
        for (size_t i = 0; i < r->steps_len; i++) {
            if (r->steps[i]->result == GS_RESULT_ERROR) {
                res = GS_RESULT_ERROR;
                r->interrupted = r->steps[i]->interrupted;
                gs_results_set(&r->error, "step \"%s\": %s", r->steps[i]->name,
                               r->steps[i]->message ? r->steps[i]->message : "error");
                break;
            }
            if (r->steps[i]->result == GS_RESULT_FAILED)
                res = GS_RESULT_FAILED;
        }
        r->result = res;
    }
    /* Stop everything first so the logs are complete, then keep them next to the reports. */
    gs_target_free(rs->target);
    rs->target = NULL;
    gs_echo_fleet_stop(&rs->fleet);
    if (r->result == GS_RESULT_ERROR && !r->interrupted) {
        char *saved = runner_save_logs(rs);
        if (saved && r->error) {
            char *msg = gs_xasprintf("%s (logs: %s/)", r->error, saved);
            gs_results_set(&r->error, "%s", msg);
            free(msg);
        }
        free(saved);
    }
    runner_teardown(rs);
    r->duration_ms = runner_ms(gs_now_ns() - t0);
}

int gs_runner_run(const gs_runner_config *cfg, const gs_scenario_list *list, gs_results *results,
                  gs_error *err)
{
    if (cfg->echo_path == NULL || access(cfg->echo_path, X_OK) != 0)
        return gs_error_set(err, GS_ERR_USAGE, "cannot run the echo backend %s",
                            cfg->echo_path ? cfg->echo_path : "(none found)");
    if (cfg->gatesim_path == NULL || access(cfg->gatesim_path, X_OK) != 0)
        return gs_error_set(err, GS_ERR_USAGE, "cannot run gatesim at %s",
                            cfg->gatesim_path ? cfg->gatesim_path : "(unknown)");
    /* Folders left by runs that were killed (SIGKILL gives no chance to clean up). */
    gs_workdir_reap(NULL);
    /* Every selected scenario is in the results from the start (pending), so a report written
     * after an interrupt still lists what did not run. */
    const gs_scenario **sel = gs_xcalloc(list->len ? list->len : 1, sizeof(*sel));
    gs_results_scenario **rows = gs_xcalloc(list->len ? list->len : 1, sizeof(*rows));
    size_t n = 0;
    for (size_t i = 0; i < list->len; i++) {
        if (!gs_runner_selected(list->items[i], cfg->select, cfg->n_select))
            continue;
        sel[n] = list->items[i];
        rows[n] = gs_results_add_scenario(results, sel[n]->name, sel[n]->file);
        if (sel[n]->description)
            gs_results_set(&rows[n]->description, "%s", sel[n]->description);
        n++;
    }
    /* A run that runs nothing writes nothing: the last real run's reports stay. Reports are
     * published after each scenario; a folder that cannot take them stops the run first. */
    int rc = n && cfg->report_dir && cfg->formats ? gs_report_set_check(cfg->report_dir, err) : 0;
    if (rc < 0 || n == 0) {
        free(sel);
        free(rows);
        return rc < 0 ? rc : GS_RUNNER_EMPTY;
    }
    int outcome = GS_RUNNER_PASSED;
    gs_tls_pem ca = {0};
    unsigned run_checks = 0;
    for (size_t i = 0; i < n; i++)
        run_checks += runner_random_checks(sel[i]);
    if (cfg->family_alpha > 0) {
        results->family_alpha = cfg->family_alpha;
        results->random_checks = run_checks;
        if (cfg->out)
            fprintf(cfg->out,
                    "family-wise false-failure rate %g across %u random checks: each planned and "
                    "tested at alpha %.3g\n",
                    cfg->family_alpha, run_checks,
                    run_checks ? cfg->family_alpha / run_checks : cfg->family_alpha);
    }
    double measured_rps = 0;
    char *logs_home = NULL;
    for (size_t i = 0; i < n; i++) {
        if (gs_proc_interrupted())
            break;
        runner_scenario rs = {.cfg = cfg,
                              .sc = sel[i],
                              .index = i,
                              .total = n,
                              .ca = &ca,
                              .stats = runner_statistics(cfg, sel[i], run_checks),
                              .measured_rps = &measured_rps,
                              .logs_home = &logs_home};
        runner_scenario_run(&rs, rows[i]);
        runner_progress_clear(cfg);
        if (gs_proc_interrupted() && rows[i]->result != GS_RESULT_PASSED) {
            rows[i]->result = GS_RESULT_ERROR;
            rows[i]->interrupted = true;
            if (rows[i]->error == NULL)
                gs_results_set(&rows[i]->error, "%s", runner_interrupt_text());
        }
        if (rows[i]->result != GS_RESULT_PASSED)
            outcome = GS_RUNNER_FAILED;
        runner_print_scenario(cfg, rows[i]);
        gs_error werr = {0};
        if (runner_write_reports(cfg, results, logs_home, &werr) < 0 && cfg->out)
            fprintf(cfg->out, "warning: reports not written: %s\n", werr.msg);
    }
    if (gs_proc_interrupted()) {
        for (size_t i = 0; i < n; i++)
            if (rows[i]->result == GS_RESULT_PENDING)
                rows[i]->result = GS_RESULT_SKIPPED;
        results->state = GS_RUN_INTERRUPTED;
        outcome = GS_RUNNER_INTERRUPTED;
    } else {
        results->state = GS_RUN_COMPLETE;
    }
    gs_tls_pem_clear(&ca);
    results->finished_at = gs_wall_ns();
    rc = runner_write_reports(cfg, results, logs_home, err);
    if (logs_home)
        gs_workdir_remove(logs_home);
    free(logs_home);
    free(sel);
    free(rows);
    return rc < 0 ? rc : outcome;
}
