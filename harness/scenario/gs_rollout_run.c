/* SPDX-License-Identifier: MIT */
/* Runs a rollout step (gs_rollout.h): open-loop traffic on its own thread for the whole
 * rollout, and on the runner's thread the controller: write the route's weights, apply, wait
 * for the data plane to follow (SPRT on the live responses), verify the split, judge the
 * canary's traffic, decide. Every stage becomes a "rollout.*" check of the step. */
#include "gs_rollout_priv.h"

#include "gs_alloc.h"
#include "gs_binom.h"
#include "gs_expect.h"
#include "gs_gof.h"
#include "gs_histogram.h"
#include "gs_plan.h"
#include "gs_proc.h"
#include "gs_time.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the traffic side ---- */

/* Whether |backend| ("ns/name/replica") is a replica of Service |svc| ("ns/name"). */
bool gs_rollout_is(const char *backend, const char *svc)
{
    size_t n = strlen(svc);
    return backend && strncmp(backend, svc, n) == 0 && backend[n] == '/';
}

static void rollout_failure(rollout_live *l, const gs_traffic_response *r)
{
    l->failed_total++;
    l->failed_stage++;
    if (l->first_failure[0])
        return;
    if (r->error != GS_TRAFFIC_OK)
        snprintf(l->first_failure, sizeof(l->first_failure), "%s%s%s",
                 gs_traffic_error_name(r->error), r->detail ? ": " : "",
                 r->detail ? r->detail : "");
    else
        snprintf(l->first_failure, sizeof(l->first_failure),
                 "status %d answered by the gateway itself (no backend)", r->status);
}

/* The value of |r|'s Set-Cookie header setting cookie |name|, or NULL. */
static const char *rollout_set_cookie(const gs_traffic_response *r, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < r->num_headers; i++) {
        const char *v = r->headers[i].value;
        if (strcmp(r->headers[i].name, "set-cookie") == 0 && v && strncmp(v, name, n) == 0 &&
            v[n] == '=')
            return v;
    }
    return NULL;
}

static void rollout_count(rollout_window *w, const rollout_live *l, const gs_traffic_response *r)
{
    const char *cookie = l->cookie_name ? rollout_set_cookie(r, l->cookie_name) : NULL;
    if (cookie && w->seen_cookie[0] == '\0')
        snprintf(w->seen_cookie, sizeof(w->seen_cookie), "%s", cookie);
    const char *primary =
        l->primary_cookie_name ? rollout_set_cookie(r, l->primary_cookie_name) : NULL;
    if (primary && w->seen_primary_cookie[0] == '\0')
        snprintf(w->seen_primary_cookie, sizeof(w->seen_primary_cookie), "%s", primary);
    if (gs_rollout_is(r->backend, l->canary)) {
        w->canary++;
        w->canary_ok += r->status < 500;
        gs_histogram_record(w->canary_latency, r->latency_ns);
        w->canary_cookie += cookie != NULL;
        w->canary_cookie_exact += cookie && strcmp(cookie, l->set_cookie) == 0;
        w->canary_primary_cookie += primary != NULL;
    } else if (gs_rollout_is(r->backend, l->stable)) {
        w->stable++;
        w->stable_cookie += cookie != NULL;
        w->stable_primary_cookie += primary != NULL;
        w->stable_primary_cookie_exact += primary && strcmp(primary, l->primary_set_cookie) == 0;
    } else {
        w->other++;
    }
}

/* On a traffic worker thread, serialized by gs_traffic; the lock orders it with the controller. */
static void on_rollout_response(const gs_traffic_response *r, void *user)
{
    rollout_live *l = user;
    if (r->warmup)
        return;
    pthread_mutex_lock(&l->mu);
    l->total++;
    bool failed = r->error != GS_TRAFFIC_OK || r->backend == NULL;
    if (failed)
        rollout_failure(l, r);
    else if (l->mode != ROLLOUT_IDLE && r->sent_ns >= l->win.since_ns) {
        bool canary = gs_rollout_is(r->backend, l->canary);
        if (l->mode == ROLLOUT_CONVERGE) {
            l->seen++;
            l->seen_canary += canary;
            if (!l->converged && gs_rollout_sprt_add(&l->sprt, canary) == GS_ROLLOUT_SPRT_NEW) {
                l->converged = true;
                l->converged_ns = gs_now_ns();
            }
        } else {
            rollout_count(&l->win, l, r);
        }
    }
    if (failed && l->mode == ROLLOUT_COLLECT && r->sent_ns >= l->win.since_ns)
        l->win.failed++;
    pthread_mutex_unlock(&l->mu);
}

static void *rollout_traffic_main(void *arg)
{
    rollout_run *r = arg;
    r->traffic_rc = gs_traffic_run(&r->tc, &r->res, &r->traffic_err);
    return NULL;
}

/* The traffic runs until the rollout cancels it; this bounds it should the rollout never. */
#define ROLLOUT_TRAFFIC_MAX_NS (3600 * GS_NS_PER_S)

static int rollout_traffic_start(rollout_run *r, gs_error *err)
{
    r->tc = *r->env->traffic;
    r->address = gs_xstrdup(r->tc.address);
    r->tc.address = r->address;
    if (r->tc.authority) {
        r->authority = gs_xstrdup(r->tc.authority);
        r->tc.authority = r->authority;
    }
    r->tc.requests = 0;
    r->tc.duration_ns = ROLLOUT_TRAFFIC_MAX_NS;
    r->tc.rate = r->ro->traffic.rate;
    r->tc.on_response = on_rollout_response;
    r->tc.user = &r->live;
    r->tc.serialize_callbacks = true;
    r->tc.cancel = &r->cancel;
    r->tc.body_limit = 256;
    r->tc.on_progress = NULL;
    if (pthread_create(&r->thread, NULL, rollout_traffic_main, r) != 0)
        return gs_error_set(err, GS_ERR_NOMEM, "cannot start the rollout's traffic thread");
    r->started = true;
    return 0;
}

static int rollout_traffic_stop(rollout_run *r, gs_error *err)
{
    if (!r->started)
        return 0;
    r->cancel = 1;
    pthread_join(r->thread, NULL);
    r->started = false;
    if (r->traffic_rc < 0) {
        *err = r->traffic_err;
        return r->traffic_rc;
    }
    return 0;
}

/* ---- waiting on the live traffic ---- */

#define ROLLOUT_POLL_US 20000

/* Polls until |done| holds for the live state, the deadline passes, or something died. Returns
 * 1 (done), 0 (deadline) or a negative GS_ERR_*. */
static int rollout_wait(rollout_run *r, int64_t deadline,
                        bool (*done)(const rollout_run *r, int64_t now), gs_error *err)
{
    for (;;) {
        if (gs_proc_interrupted())
            return gs_error_set(err, GS_ERR_CLOSED, "interrupted");
        int rc = r->env->alive(r->env->ctx, err);
        if (rc < 0)
            return rc;
        if (r->traffic_rc < 0)
            return gs_error_set(err, GS_ERR_CLOSED, "the rollout's traffic stopped: %s",
                                r->traffic_err.msg);
        int64_t now = gs_now_ns();
        pthread_mutex_lock(&r->live.mu);
        bool ok = done(r, now);
        pthread_mutex_unlock(&r->live.mu);
        if (ok)
            return 1;
        if (now >= deadline)
            return 0;
        usleep(ROLLOUT_POLL_US);
    }
}

static bool rollout_converged(const rollout_run *r, int64_t now)
{
    (void)now;
    return r->live.converged;
}

/* A window is complete with r->need_answered answered requests and r->need_ns elapsed. */
static bool rollout_window_full(const rollout_run *r, int64_t now)
{
    const rollout_window *w = &r->live.win;
    return w->stable + w->canary + w->other >= r->need_answered &&
           now - w->started_ns >= r->need_ns;
}

/* Starts a new window (lock held by the caller or not yet shared). */
static void rollout_window_open(rollout_live *l, rollout_mode mode, int64_t since)
{
    gs_histogram *h = l->win.canary_latency;
    gs_histogram_reset(h);
    l->win = (rollout_window){.since_ns = since, .started_ns = gs_now_ns(), .canary_latency = h};
    l->mode = mode;
}

/* ---- records ---- */

gs_results_check *gs_rollout_record(rollout_run *r, const char *kind, gs_result result)
{
    gs_results_check *c = gs_results_add_check(r->rst, kind);
    c->result = result;
    if (result == GS_RESULT_FAILED)
        r->failed++;
    return c;
}

/* Seconds since the rollout began, for the timeline. */
double gs_rollout_secs(const rollout_run *r, int64_t ns)
{
    return (double)(ns - r->t_start) / 1e9;
}

/* Adds the timeline point of the check just recorded: a stage of |kind| at canary weight
 * |planned| over the window |start_ns| to |end_ns| with counts |w| (NULL: a moment without
 * traffic counted) and the canary's 99th percentile |p99_ns| (0: not measured). */
gs_results_rollout_point *gs_rollout_point(rollout_run *r, const char *stage, const char *kind,
                                           const char *decision, unsigned planned,
                                           const rollout_window *w, int64_t p99_ns,
                                           int64_t start_ns, int64_t end_ns)
{
    gs_results_rollout_point *p = gs_results_add_rollout_point(r->tl, stage, kind);
    gs_results_set(&p->decision, "%s", decision);
    p->start_s = gs_rollout_secs(r, start_ns);
    p->end_s = gs_rollout_secs(r, end_ns);
    p->planned_weight = planned;
    if (r->rst->checks_len > 0) {
        p->check = r->rst->checks_len;
        p->result = r->rst->checks[r->rst->checks_len - 1]->result;
    }
    if (w == NULL)
        return p;
    p->answered = w->stable + w->canary + w->other;
    p->canary = w->canary;
    p->failed = w->failed;
    if (p->answered > 0) {
        p->canary_share = (double)w->canary / (double)p->answered;
        gs_binom_wilson(w->canary, p->answered, r->env->stats->alpha, &p->ci_low, &p->ci_high);
    }
    if (w->canary > 0) {
        p->success_rate = 100.0 * (double)w->canary_ok / (double)w->canary;
        if (p99_ns > 0)
            p->p99_ms = (double)p99_ns / 1e6;
    }
    return p;
}

const char *gs_rollout_stage_name(const gs_rollout_action *a, char buf[48])
{
    if (a == NULL)
        return "";
    switch (a->kind) {
    case GS_ROLLOUT_SET_WEIGHT:
        snprintf(buf, 48, "setWeight %u", a->weight);
        break;
    case GS_ROLLOUT_PAUSE:
        snprintf(buf, 48, "pause");
        break;
    case GS_ROLLOUT_ANALYSIS:
        snprintf(buf, 48, "analysis");
        break;
    case GS_ROLLOUT_SET_HEADER_ROUTE:
        snprintf(buf, 48, "setHeaderRoute %.28s", a->route);
        break;
    case GS_ROLLOUT_SET_MIRROR_ROUTE:
        snprintf(buf, 48, "setMirrorRoute %.28s", a->route);
        break;
    case GS_ROLLOUT_SET_BEHAVIOUR:
        snprintf(buf, 48, "setBehaviour %.30s", a->backend);
        break;
    }
    return buf;
}

/* ---- stages ---- */

/* The data plane did not follow the route within the timeout: the evidence. */
static void rollout_not_followed(rollout_run *r, const char *label, unsigned from, unsigned to,
                                 int64_t waited_ns)
{
    gs_results_check *c = gs_rollout_record(r, "rollout.convergence", GS_RESULT_FAILED);
    pthread_mutex_lock(&r->live.mu);
    uint64_t seen = r->live.seen, canary = r->live.seen_canary;
    pthread_mutex_unlock(&r->live.mu);
    double lo = 0, hi = 1;
    gs_binom_wilson(canary, seen, r->env->stats->alpha, &lo, &hi);
    gs_results_set(&c->message,
                   "%s: the data plane did not follow the route: %.1f s after canary weight %u "
                   "was applied, the canary got %llu of %llu answered requests (%.1f%%, interval "
                   "%.1f-%.1f%%); the route says %u%%, the weight before was %u%%",
                   label, (double)waited_ns / 1e9, to, (unsigned long long)canary,
                   (unsigned long long)seen, seen ? 100.0 * (double)canary / (double)seen : 0.0,
                   100 * lo, 100 * hi, to, from);
    gs_results_set(&c->expected, "canary share %u%% (weight written to the route)", to);
    gs_results_set(&c->observed, "canary %llu of %llu", (unsigned long long)canary,
                   (unsigned long long)seen);
    r->st.outcome = GS_ROLLOUT_HALTED;
    rollout_window w = {.canary = canary, .stable = seen - canary};
    int64_t now = gs_now_ns();
    gs_results_rollout_point *p =
        gs_rollout_point(r, label, "convergence", "halted", to, &w, 0, now - waited_ns, now);
    p->written_s = p->start_s;
}

/* The requests the split check at canary weight |w| needs for the run's alpha and power. At 0
 * or 100 nothing is random: the check fails on one request astray, so the sample is sized to
 * see a leak of minEffect with probability power: (1 - minEffect)^n <= 1 - power. */
uint64_t gs_rollout_planned(const rollout_run *r, unsigned w)
{
    const gs_scenario_statistics *st = r->env->stats;
    if (w == 0 || w == 100)
        return (uint64_t)ceil(log(1 - st->power) / log(1 - st->min_effect));
    double weights[2] = {100.0 - w, w};
    uint64_t n = 1;
    gs_error ignored = {0};
    if (gs_plan_requests(weights, 2, st->alpha, st->tolerance, st->power, st->min_effect, &n,
                         &ignored) < 0)
        n = GS_PLAN_MAX_REQUESTS;
    return n;
}

/* Records the split check of the window just collected against canary weight |w|; returns the
 * record. */
gs_results_check *gs_rollout_verify(rollout_run *r, const char *kind, const char *label, unsigned w,
                                    const rollout_window *win, double converge_ms)
{
    const gs_scenario_statistics *st = r->env->stats;
    gs_gof_backend rows[3] = {{.weight = 100.0 - w, .count = win->stable},
                              {.weight = w, .count = win->canary},
                              {.weight = 0, .count = win->other}};
    const char *names[3] = {r->plan->stable, r->plan->canary, "(other)"};
    size_t k = win->other ? 3 : 2;
    gs_gof_result gr = {0};
    gs_error err = {0};
    uint64_t n = win->stable + win->canary + win->other;
    int rc = n ? gs_gof_split(rows, k, st->alpha, st->tolerance, st->power, &gr, &err)
               : gs_error_set(&err, GS_ERR_INVALID, "no answered requests to count");
    bool passed = rc == 0 && gr.passed;
    gs_results_check *c = gs_rollout_record(r, kind, passed ? GS_RESULT_PASSED : GS_RESULT_FAILED);
    gs_results_set(&c->expected, "%s %u, %s %u", names[0], 100 - w, names[1], w);
    gs_results_set(&c->observed, "%s %llu, %s %llu, other %llu", names[0],
                   (unsigned long long)win->stable, names[1], (unsigned long long)win->canary,
                   (unsigned long long)win->other);
    if (rc < 0) {
        gs_results_set(&c->message, "%s: %s", label, err.msg);
        r->st.outcome = GS_ROLLOUT_HALTED;
        return c;
    }
    for (size_t i = 0; i < k; i++)
        gs_expect_add_share(c, names[i], &rows[i], 100.0);
    gs_expect_set_gof(c, st, &gr);
    char followed[64] = "";
    if (converge_ms >= 0)
        snprintf(followed, sizeof(followed), " the data plane followed in %.0f ms;", converge_ms);
    gs_results_set(&c->message,
                   "%s:%s canary %.2f%% of %llu (interval "
                   "%.2f-%.2f%%) %s weight %u (alpha %g, power %g for a %.1f%% deviation); %llu "
                   "failed requests during the stage",
                   label, followed, 100 * rows[1].observed_share, (unsigned long long)gr.n,
                   100 * rows[1].ci_low, 100 * rows[1].ci_high,
                   passed ? "agrees with" : "does NOT agree with", w, st->alpha, st->power,
                   100 * gr.detectable, (unsigned long long)r->live.failed_stage);
    if (!passed)
        r->st.outcome = GS_ROLLOUT_HALTED;
    return c;
}

/* Writes canary weight |to| (from |from|), waits for the data plane, verifies the split. */
static int rollout_shift(rollout_run *r, const char *label, unsigned from, unsigned to,
                         gs_error *err)
{
    const gs_scenario_statistics *st = r->env->stats;
    if (r->env->progress)
        r->env->progress(r->env->ctx, label);
    pthread_mutex_lock(&r->live.mu);
    r->live.failed_stage = 0;
    pthread_mutex_unlock(&r->live.mu);
    int64_t t0 = gs_now_ns();
    double apply_ms = 0;
    int rc = gs_rollout_write_route(r, to, &apply_ms, err);
    if (rc < 0)
        return rc;
    pthread_mutex_lock(&r->live.mu);
    gs_rollout_sprt_init(&r->live.sprt, from / 100.0, to / 100.0, st->alpha, 1 - st->power);
    r->live.converged = false;
    r->live.seen = r->live.seen_canary = 0;
    rollout_window_open(&r->live, ROLLOUT_CONVERGE, t0);
    pthread_mutex_unlock(&r->live.mu);
    int64_t limit = r->ro->converge_timeout_ns ? r->ro->converge_timeout_ns : r->env->timeout_ns;
    rc = rollout_wait(r, gs_now_ns() + limit, rollout_converged, err);
    if (rc <= 0) {
        if (rc == 0)
            rollout_not_followed(r, label, from, to, gs_now_ns() - t0);
        return rc < 0 ? rc : 0;
    }
    double converge_ms = (double)(r->live.converged_ns - t0) / 1e6;
    (void)apply_ms;
    uint64_t need = gs_rollout_planned(r, to);
    pthread_mutex_lock(&r->live.mu);
    rollout_window_open(&r->live, ROLLOUT_COLLECT, gs_now_ns());
    pthread_mutex_unlock(&r->live.mu);
    r->need_answered = need;
    r->need_ns = 0;
    double rate = r->ro->traffic.rate > 0 ? r->ro->traffic.rate : 1;
    int64_t bound = (int64_t)(2e9 * (double)need / rate) + r->env->timeout_ns;
    rc = rollout_wait(r, gs_now_ns() + bound, rollout_window_full, err);
    if (rc < 0)
        return rc;
    pthread_mutex_lock(&r->live.mu);
    rollout_window win = r->live.win;
    win.ended_ns = gs_now_ns();
    int64_t p99_ns = win.canary ? gs_histogram_percentile(win.canary_latency, 99.0) : 0;
    win.canary_latency = NULL;
    r->live.mode = ROLLOUT_IDLE;
    int64_t converged_ns = r->live.converged_ns;
    pthread_mutex_unlock(&r->live.mu);
    gs_results_check *c = gs_rollout_verify(r, "rollout.split", label, to, &win, converge_ms);
    gs_results_rollout_point *p =
        gs_rollout_point(r, label, "split", c->result == GS_RESULT_PASSED ? "verified" : "halted",
                         to, &win, p99_ns, win.started_ns, win.ended_ns);
    p->written_s = gs_rollout_secs(r, t0);
    p->converged_s = gs_rollout_secs(r, converged_ns);
    if (c->result == GS_RESULT_PASSED && r->plan->cookie_name)
        return gs_rollout_affinity_verify(r, label, to, &win, err);
    return 0;
}

/* setBehaviour: the backend's replicas take the new faults through their control endpoint;
 * the traffic goes on. */
static int rollout_set_behaviour(rollout_run *r, const gs_rollout_action *a, gs_error *err)
{
    char label[48];
    gs_rollout_stage_name(a, label);
    if (r->env->progress)
        r->env->progress(r->env->ctx, label);
    if (r->env->set_behaviour == NULL)
        return gs_error_set(err, GS_ERR_INVALID,
                            "rollout: %s: this run cannot change a "
                            "backend's behaviour",
                            label);
    const gs_scenario_behaviour *b = &a->behaviour;
    int rc = r->env->set_behaviour(r->env->ctx, a->backend, b, err);
    if (rc < 0)
        return rc;
    gs_results_check *c = gs_rollout_record(r, "rollout.behaviour", GS_RESULT_PASSED);
    gs_results_set(&c->message,
                   "%s: from now on %.4g%% of its requests answered %d, every answer delayed "
                   "%.1f ms (at canary weight %u)",
                   label, 100 * b->error_rate, b->status ? b->status : 503,
                   (double)b->delay_ns / 1e6, r->st.weight);
    int64_t now = gs_now_ns();
    gs_rollout_point(r, label, "behaviour", "changed", r->st.weight, NULL, 0, now, now);
    gs_rollout_advance(&r->st, r->plan);
    return 0;
}

/* Collects one window of |ns|: its counts (|out|, without the histogram) and the canary's
 * 99th percentile latency (|p99_ns|, 0 without canary responses). */
static int rollout_collect(rollout_run *r, int64_t ns, rollout_window *out, int64_t *p99_ns,
                           gs_error *err)
{
    pthread_mutex_lock(&r->live.mu);
    r->live.failed_stage = 0;
    rollout_window_open(&r->live, ROLLOUT_COLLECT, gs_now_ns());
    pthread_mutex_unlock(&r->live.mu);
    r->need_answered = 0;
    r->need_ns = ns;
    int rc = rollout_wait(r, gs_now_ns() + ns + r->env->timeout_ns, rollout_window_full, err);
    if (rc < 0)
        return rc;
    pthread_mutex_lock(&r->live.mu);
    *out = r->live.win;
    out->canary_latency = NULL;
    out->ended_ns = gs_now_ns();
    *p99_ns = out->canary ? gs_histogram_percentile(r->live.win.canary_latency, 99.0) : 0;
    r->live.mode = ROLLOUT_IDLE;
    pthread_mutex_unlock(&r->live.mu);
    return 0;
}

static int rollout_analysis(rollout_run *r, gs_error *err)
{
    if (r->env->progress)
        r->env->progress(r->env->ctx, "analysis");
    rollout_window win;
    gs_rollout_metrics m = {0};
    int rc = rollout_collect(r, r->ro->interval_ns, &win, &m.p99_ns, err);
    if (rc < 0)
        return rc;
    m.responses = win.canary;
    m.ok = win.canary_ok;
    char why[256];
    bool passed = gs_rollout_analyse(r->plan, &m, why, sizeof(why));
    gs_rollout_judged(&r->st, r->plan, passed);
    gs_results_check *c = gs_rollout_record(r, "rollout.analysis", GS_RESULT_PASSED);
    unsigned threshold = r->plan->threshold ? r->plan->threshold : 1;
    gs_results_set(&c->message, "analysis at canary weight %u: %s: %s (failed checks %u of %u)%s",
                   r->st.weight, passed ? "passed" : "failed", why, r->st.failed_checks, threshold,
                   r->st.outcome == GS_ROLLOUT_ROLLED_BACK ? ": rolling back"
                   : passed                                ? ": continue"
                                                           : ": retried next interval");
    gs_results_set(&c->expected, "canary traffic within the analysis thresholds");
    gs_results_set(&c->observed, "%s", why);
    gs_rollout_point(r, "analysis", "analysis",
                     r->st.outcome == GS_ROLLOUT_ROLLED_BACK ? "rollBack"
                     : passed                                ? "continue"
                                                             : "retry",
                     r->st.weight, &win, m.p99_ns, win.started_ns, win.ended_ns);
    return 0;
}

static int rollout_pause(rollout_run *r, const gs_rollout_action *a, gs_error *err)
{
    if (r->env->progress)
        r->env->progress(r->env->ctx, "pause");
    int64_t ns = a->duration_ns ? a->duration_ns : r->ro->interval_ns;
    rollout_window win;
    int64_t p99_ns;
    int rc = rollout_collect(r, ns, &win, &p99_ns, err);
    if (rc < 0)
        return rc;
    gs_results_check *c = gs_rollout_record(r, "rollout.pause", GS_RESULT_PASSED);
    gs_results_set(&c->message, "paused %.1f s at canary weight %u: %llu answered, %llu failed",
                   (double)ns / 1e9, r->st.weight,
                   (unsigned long long)(win.stable + win.canary + win.other),
                   (unsigned long long)win.failed);
    gs_rollout_point(r, "pause", "pause", "continue", r->st.weight, &win, p99_ns, win.started_ns,
                     win.ended_ns);
    gs_rollout_advance(&r->st, r->plan);
    return 0;
}

/* ---- the expectations ---- */

static void rollout_expect(rollout_run *r)
{
    const gs_scenario_rollout *ro = r->ro;
    if (ro->has_outcome || r->st.outcome == GS_ROLLOUT_HALTED) {
        bool ok =
            ro->has_outcome ? r->st.outcome == ro->outcome : r->st.outcome != GS_ROLLOUT_HALTED;
        gs_results_check *c =
            gs_rollout_record(r, "rollout.outcome", ok ? GS_RESULT_PASSED : GS_RESULT_FAILED);
        gs_results_set(&c->expected, "%s",
                       ro->has_outcome ? gs_rollout_outcome_name(ro->outcome) : "not halted");
        gs_results_set(&c->observed, "%s at canary weight %u after %u failed checks",
                       gs_rollout_outcome_name(r->st.outcome), r->st.weight, r->st.failed_checks);
        gs_results_set(&c->message, "the rollout %s", ok ? "ended as expected" : "ended otherwise");
    }
    if (ro->has_max_weight) {
        bool ok = r->st.max_weight == ro->max_weight;
        gs_results_check *c = gs_rollout_record(r, "rollout.maxCanaryWeight",
                                                ok ? GS_RESULT_PASSED : GS_RESULT_FAILED);
        gs_results_set(&c->expected, "%u", ro->max_weight);
        gs_results_set(&c->observed, "%u", r->st.max_weight);
        gs_results_set(&c->message, "the highest canary weight the rollout wrote");
    }
    if (ro->has_failed_requests) {
        bool ok = r->live.failed_total <= ro->failed_requests;
        gs_results_check *c = gs_rollout_record(r, "rollout.failedRequests",
                                                ok ? GS_RESULT_PASSED : GS_RESULT_FAILED);
        gs_results_set(&c->expected, "at most %llu", (unsigned long long)ro->failed_requests);
        gs_results_set(&c->observed, "%llu of %llu%s%s", (unsigned long long)r->live.failed_total,
                       (unsigned long long)r->live.total,
                       r->live.first_failure[0] ? "; first: " : "", r->live.first_failure);
        gs_results_set(&c->message,
                       "requests that failed for causes other than the backends' injected faults "
                       "(no response, or a response no backend gave)");
    }
}

/* ---- the controller ---- */

static int rollout_steps(rollout_run *r, gs_error *err)
{
    int rc = r->ro->route_yaml ? gs_rollout_adopt_route(r, err) : 0;
    if (rc == 0)
        rc = rollout_shift(r, "initial route (stable 100, canary 0)", 0, 0, err);
    while (rc == 0 && r->st.outcome == GS_ROLLOUT_RUNNING) {
        const gs_rollout_action *a = &r->plan->actions[r->st.next];
        char name[48];
        switch (a->kind) {
        case GS_ROLLOUT_SET_WEIGHT:
            rc = rollout_shift(r, gs_rollout_stage_name(a, name), r->st.weight, a->weight, err);
            if (rc == 0 && r->st.outcome == GS_ROLLOUT_RUNNING)
                rc = gs_rollout_probe_headers(r, name, err);
            if (rc == 0 && r->st.outcome == GS_ROLLOUT_RUNNING)
                rc = gs_rollout_unmatched(r, name, err);
            if (rc == 0 && r->st.outcome == GS_ROLLOUT_RUNNING)
                rc = gs_rollout_probe_mirrors(r, name, err);
            if (rc == 0 && r->st.outcome == GS_ROLLOUT_RUNNING)
                gs_rollout_advance(&r->st, r->plan);
            else if (rc == 0) { /* halted there: the weight was written all the same */
                r->st.weight = a->weight;
                if (a->weight > r->st.max_weight)
                    r->st.max_weight = a->weight;
            }
            break;
        case GS_ROLLOUT_PAUSE:
            rc = rollout_pause(r, a, err);
            break;
        case GS_ROLLOUT_ANALYSIS:
            rc = rollout_analysis(r, err);
            break;
        case GS_ROLLOUT_SET_HEADER_ROUTE:
            rc = gs_rollout_header_step(r, a, err);
            break;
        case GS_ROLLOUT_SET_MIRROR_ROUTE:
            if (a->noop)
                gs_rollout_mirror_noop(r, a);
            else
                rc = gs_rollout_mirror_step(r, a, err);
            break;
        case GS_ROLLOUT_SET_BEHAVIOUR:
            rc = rollout_set_behaviour(r, a, err);
            break;
        }
    }
    if (rc < 0 || r->st.outcome == GS_ROLLOUT_HALTED)
        return rc;
    /* Promotion (the stable Service now runs the canary's version) and rollback both end with
     * all traffic on the stable Service. */
    gs_rollout_outcome outcome = r->st.outcome;
    const char *end = outcome == GS_ROLLOUT_PROMOTED ? "promotion" : "rollback";
    char label[48];
    snprintf(label, sizeof(label), "%s (stable 100, canary 0)", end);
    /* Both remove the managed rules (the plugin's RemoveManagedRoutes): header traffic goes
     * back to the stable Service, verified below. */
    size_t ended = r->n_headers, mirrors_ended = r->n_mirrors;
    r->n_headers = 0;
    r->n_mirrors = 0;
    rc = rollout_shift(r, label, r->st.weight, 0, err);
    if (rc == 0)
        rc = gs_rollout_headers_removed(r, end, ended, err);
    if (rc == 0)
        rc = gs_rollout_mirrors_removed(r, end, mirrors_ended, err);
    if (rc == 0 && r->st.outcome == GS_ROLLOUT_HALTED)
        return 0;
    r->st.outcome = outcome;
    return rc;
}

int gs_rollout_run(const gs_rollout_env *env, const gs_scenario_rollout *ro, gs_results_step *rst,
                   gs_error *err)
{
    rollout_run r = {.env = env, .ro = ro, .plan = &ro->plan, .rst = rst};
    r.t_start = gs_now_ns();
    r.tl = gs_results_step_rollout(rst);
    gs_results_set(&r.tl->tool, "%s", ro->source_tool ? ro->source_tool : "plan");
    r.tl->alpha = env->stats->alpha;
    pthread_mutex_init(&r.live.mu, NULL);
    r.live.stable = ro->plan.stable;
    r.live.canary = ro->plan.canary;
    r.live.cookie_name = ro->plan.cookie_name;
    r.live.primary_cookie_name = ro->plan.primary_cookie_name;
    gs_histogram_new(&r.live.win.canary_latency);
    r.headers = gs_xcalloc(ro->plan.n_actions + 1, sizeof(*r.headers));
    r.mirrors = gs_xcalloc(ro->plan.n_actions + 1, sizeof(*r.mirrors));
    r.noops = gs_xcalloc(ro->plan.n_actions + 1, sizeof(*r.noops));
    int rc = rollout_traffic_start(&r, err);
    if (rc == 0)
        rc = rollout_steps(&r, err);
    gs_error stop_err = {0};
    int stop_rc = rollout_traffic_stop(&r, &stop_err);
    if (rc == 0 && stop_rc < 0) {
        *err = stop_err;
        rc = stop_rc;
    }
    if (rc == 0 && r.st.outcome != GS_ROLLOUT_RUNNING)
        gs_results_set(&r.tl->outcome, "%s", gs_rollout_outcome_name(r.st.outcome));
    if (rc == 0) {
        rollout_expect(&r);
        gs_expect_fill_traffic(&rst->traffic, r.res);
    }
    gs_traffic_result_free(r.res);
    free(r.address);
    free(r.authority);
    free(r.headers);
    free(r.mirrors);
    free(r.noops);
    gs_histogram_free(r.live.win.canary_latency);
    pthread_mutex_destroy(&r.live.mu);
    return rc < 0 ? rc : (int)r.failed;
}
