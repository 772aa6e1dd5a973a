/* SPDX-License-Identifier: MIT */
/* The rollout run's probe verifications (gs_rollout_priv.h): closed-loop probe streams beside
 * the live traffic, for header routes (requests carrying the route's headers), session
 * affinity (clients holding a cookie) and A/B (requests without the match). */
#include "gs_rollout_priv.h"

#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_objset.h"
#include "gs_proc.h"
#include "gs_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- header routes: a second stream carrying the route's headers ---- */

/* Counts of a probe run; with |sprt|, the convergence test fed as the answers come. */
typedef struct rollout_probe {
    const char *stable, *canary;
    rollout_window win; /* no histogram */
    gs_rollout_sprt *sprt;
    bool converged;
    const char *set_cookie;   /* count the answers carrying this Set-Cookie value, or NULL */
    uint64_t set_cookie_seen; /* of the answered */
} rollout_probe;

/* What a probe verification records and the counts it leaves (rollout_probe_shift). */
typedef struct rollout_probe_opts {
    const char *kind;                   /* the check's kind; NULL: rollout.headerRoute */
    const char *set_cookie;             /* as rollout_probe's */
    uint64_t set_cookie_seen, answered; /* out: of the verification window */
} rollout_probe_opts;

/* On a probe worker thread (callbacks serialized); only the probe's own counts. */
static void on_probe_response(const gs_traffic_response *resp, void *user)
{
    rollout_probe *pr = user;
    if (resp->warmup)
        return;
    if (resp->error != GS_TRAFFIC_OK || resp->backend == NULL) {
        pr->win.failed++;
        return;
    }
    bool canary = gs_rollout_is(resp->backend, pr->canary);
    for (size_t i = 0; pr->set_cookie && i < resp->num_headers; i++)
        if (strcmp(resp->headers[i].name, "set-cookie") == 0 &&
            strcmp(resp->headers[i].value, pr->set_cookie) == 0) {
            pr->set_cookie_seen++;
            break;
        }
    if (canary)
        pr->win.canary++;
    else if (gs_rollout_is(resp->backend, pr->stable))
        pr->win.stable++;
    else
        pr->win.other++;
    if (pr->sprt && !pr->converged && gs_rollout_sprt_add(pr->sprt, canary) == GS_ROLLOUT_SPRT_NEW)
        pr->converged = true;
}

/* Whether the headers of |a| can be sent: a regular expression gives no value to send. */
static bool rollout_probeable(const gs_rollout_action *a)
{
    for (size_t i = 0; i < a->n_matches; i++)
        if (a->matches[i].type == GS_ROLLOUT_MATCH_REGEX)
            return false;
    return true;
}

int gs_rollout_probe_traffic(gs_traffic_config *tc, uint64_t n, gs_traffic_on_response on,
                             void *user, const char *id_prefix, gs_error *err)
{
    tc->requests = n;
    tc->duration_ns = 0;
    tc->rate = 0;
    tc->connections = ROLLOUT_PROBE_CONNECTIONS;
    tc->threads = 1;
    tc->streams = 1;
    tc->warmup_ns = 0;
    tc->request_id_prefix = id_prefix;
    tc->on_response = on;
    tc->user = user;
    tc->cancel = NULL;
    gs_traffic_result *res = NULL;
    int rc = gs_traffic_run(tc, &res, err);
    gs_traffic_result_free(res);
    return rc;
}

void gs_rollout_extra_headers(gs_traffic_config *tc, const gs_rollout_header_match *m, size_t n,
                              rollout_extra_headers *x)
{
    size_t base = tc->num_headers;
    x->headers = gs_xcalloc(base + n + 1, sizeof(*x->headers));
    x->values = gs_xcalloc(n + 1, sizeof(*x->values));
    x->n_values = n;
    if (base)
        memcpy(x->headers, tc->headers, base * sizeof(*x->headers));
    for (size_t i = 0; i < n; i++) {
        x->values[i] = gs_xasprintf(
            "%s%s", m[i].value, m[i].type == GS_ROLLOUT_MATCH_PREFIX ? ROLLOUT_PROBE_SUFFIX : "");
        x->headers[base + i] = (gs_traffic_header){m[i].name, x->values[i]};
    }
    tc->headers = x->headers;
    tc->num_headers = base + n;
}

void gs_rollout_extra_headers_free(rollout_extra_headers *x)
{
    for (size_t i = 0; i < x->n_values; i++)
        free(x->values[i]);
    free(x->values);
    free(x->headers);
    *x = (rollout_extra_headers){0};
}

/* Sends |n| requests of |tc| (the rollout's traffic with the probe's headers and path) as a
 * closed-loop probe, each answer recorded into |pr|. */
static int rollout_probe_run(gs_traffic_config *tc, uint64_t n, rollout_probe *pr, gs_error *err)
{
    return gs_rollout_probe_traffic(tc, n, on_probe_response, pr, NULL, err);
}

/* Sends |n| requests like the live traffic's, with the headers of header route |a| (an exact
 * value, or the prefix and a suffix), closed loop beside the live traffic, counting into |pr|. */
static int rollout_probe_send(rollout_run *r, const gs_rollout_action *a, uint64_t n,
                              rollout_probe *pr, gs_error *err)
{
    gs_traffic_config tc = r->tc;
    rollout_extra_headers x;
    gs_rollout_extra_headers(&tc, a->matches, a->n_matches, &x);
    int rc = rollout_probe_run(&tc, n, pr, err);
    gs_rollout_extra_headers_free(&x);
    return rc;
}

/* Whether a managed rule was written without matches: its source rule has none, and the API
 * server's default (PathPrefix /, no headers) makes it tie with the weighted rule, which comes
 * first and wins. */
static bool rollout_header_shadowed(const rollout_run *r)
{
    const gs_objset_item *it =
        gs_objset_find(r->env->set, "HTTPRoute", r->plan->route_ns, r->plan->route_name);
    const gs_yaml_node *rules = it ? gs_yaml_get(gs_yaml_get(it->node, "spec"), "rules") : NULL;
    for (size_t i = 0; rules && rules->kind == GS_YAML_SEQUENCE && i < rules->nitems; i++)
        if (gs_rollout_rule_managed(r->plan, rules->items[i]) &&
            gs_yaml_get(rules->items[i], "matches") == NULL)
            return true;
    return false;
}

#define ROLLOUT_SHADOWED                                                                           \
    " (the weighted rule has no matches, so the header rule copied none: both default to "         \
    "PathPrefix / and the weighted rule, first, wins)"

/* The header traffic did not follow the route within the timeout: the evidence. */
static void rollout_header_not_followed(rollout_run *r, const char *label, const rollout_probe *pr,
                                        unsigned from, unsigned to, int64_t waited_ns)
{
    gs_results_check *c = gs_rollout_record(r, "rollout.convergence", GS_RESULT_FAILED);
    uint64_t seen = pr->win.stable + pr->win.canary + pr->win.other;
    gs_results_set(&c->message,
                   "%s: the data plane did not follow the header route: %.1f s after the route "
                   "was applied, the canary got %llu of %llu requests carrying its headers; the "
                   "route says %u%%, before it was %u%%%s",
                   label, (double)waited_ns / 1e9, (unsigned long long)pr->win.canary,
                   (unsigned long long)seen, to, from,
                   to == 100 && rollout_header_shadowed(r) ? ROLLOUT_SHADOWED : "");
    gs_results_set(&c->expected, "canary share %u%% of the header traffic", to);
    gs_results_set(&c->observed, "canary %llu of %llu", (unsigned long long)pr->win.canary,
                   (unsigned long long)seen);
    r->st.outcome = GS_ROLLOUT_HALTED;
    int64_t now = gs_now_ns();
    gs_results_rollout_point *p =
        gs_rollout_point(r, label, "convergence", "halted", to, &pr->win, 0, now - waited_ns, now);
    p->written_s = p->start_s;
}

/* After a route write at |t0|: waits until the requests carrying header route |a|'s headers
 * go to the canary |to| percent of the time (they went |from| percent before; a sequential
 * test on probe batches), then verifies that share like a weight (rollout.headerRoute). */
static int rollout_probe_shift(rollout_run *r, const char *label, const gs_rollout_action *a,
                               unsigned from, unsigned to, int64_t t0, rollout_probe_opts *o,
                               gs_error *err)
{
    const gs_scenario_statistics *st = r->env->stats;
    const char *kind = o && o->kind ? o->kind : "rollout.headerRoute";
    if (!rollout_probeable(a)) {
        gs_results_check *c = gs_rollout_record(r, kind, GS_RESULT_PASSED);
        gs_results_set(&c->message,
                       "%s: not verified: a regular expression match gives no header value to "
                       "send",
                       label);
        int64_t now = gs_now_ns();
        gs_rollout_point(r, label, "headerRoute", "notVerified", to, NULL, 0, now, now);
        return 0;
    }
    gs_rollout_sprt sprt;
    gs_rollout_sprt_init(&sprt, from / 100.0, to / 100.0, st->alpha, 1 - st->power);
    rollout_probe pr = {.stable = r->plan->stable, .canary = r->plan->canary, .sprt = &sprt};
    int64_t limit = r->ro->converge_timeout_ns ? r->ro->converge_timeout_ns : r->env->timeout_ns;
    while (!pr.converged) {
        if (gs_now_ns() - t0 >= limit) {
            rollout_header_not_followed(r, label, &pr, from, to, gs_now_ns() - t0);
            return 0;
        }
        if (gs_proc_interrupted())
            return gs_error_set(err, GS_ERR_CLOSED, "interrupted");
        int rc = r->env->alive(r->env->ctx, err);
        if (rc == 0)
            rc = rollout_probe_send(r, a, ROLLOUT_PROBE_BATCH, &pr, err);
        if (rc < 0)
            return rc;
    }
    int64_t converged_ns = gs_now_ns();
    double converge_ms = (double)(converged_ns - t0) / 1e6;
    rollout_probe v = {.stable = r->plan->stable,
                       .canary = r->plan->canary,
                       .set_cookie = o ? o->set_cookie : NULL};
    int rc = rollout_probe_send(r, a, gs_rollout_planned(r, to), &v, err);
    if (rc < 0)
        return rc;
    if (o) {
        o->set_cookie_seen = v.set_cookie_seen;
        o->answered = v.win.stable + v.win.canary + v.win.other;
    }
    gs_results_check *c = gs_rollout_verify(r, kind, label, to, &v.win, converge_ms);
    gs_results_rollout_point *p = gs_rollout_point(
        r, label, "headerRoute", c->result == GS_RESULT_PASSED ? "verified" : "halted", to, &v.win,
        0, converged_ns, gs_now_ns());
    p->written_s = gs_rollout_secs(r, t0);
    p->converged_s = gs_rollout_secs(r, converged_ns);
    if (c->result == GS_RESULT_FAILED && to == 100 && rollout_header_shadowed(r)) {
        char *msg = gs_xasprintf("%s%s", c->message, ROLLOUT_SHADOWED);
        gs_results_set(&c->message, "%s", msg);
        free(msg);
    }
    return 0;
}

/* Re-verifies every header route in force after a stage (their traffic stays on the canary
 * whatever the weight), labelled "<stage>: header route <name>". */
int gs_rollout_probe_headers(rollout_run *r, const char *stage, gs_error *err)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < r->n_headers && r->st.outcome != GS_ROLLOUT_HALTED; i++) {
        char *label = gs_xasprintf("%s: header route %s", stage, r->headers[i]->route);
        rc = rollout_probe_shift(r, label, r->headers[i], 100, 100, gs_now_ns(), NULL, err);
        free(label);
    }
    return rc;
}

/* After promotion or rollback removed the first |n| header routes (still in r->headers): the
 * traffic carrying their headers goes back to the stable Service, labelled "<end>: header
 * route <name> removed". */
int gs_rollout_headers_removed(rollout_run *r, const char *end, size_t n, gs_error *err)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n && r->st.outcome != GS_ROLLOUT_HALTED; i++) {
        char *what = gs_xasprintf("%s: header route %s removed", end, r->headers[i]->route);
        rc = rollout_probe_shift(r, what, r->headers[i], 100, 0, gs_now_ns(), NULL, err);
        free(what);
    }
    return rc;
}

/* ---- session affinity: the cookies and the clients holding them ---- */

/* What the split window saw of one cookie: the Service whose answers must set it (|n_set| of
 * its |n| answers set it, exactly as written, |want|; "" at weight 0: none may) and the other
 * Service (|n_other_set| of its |n_other| answers set it; none may). */
typedef struct affinity_sets {
    const char *title; /* "session cookie", "primary session cookie" */
    const char *cookie_name, *want, *seen;
    const char *svc, *word, *other_svc, *other_word; /* Services, and "canary"/"primary" */
    uint64_t n_set, n, n_other_set, n_other;
} affinity_sets;

/* Records the rollout.sessionAffinity check of |k| and its timeline point; halts the rollout
 * when it failed. Returns whether it passed. */
static bool rollout_affinity_sets(rollout_run *r, const char *label, unsigned to,
                                  const affinity_sets *k, bool ok)
{
    gs_results_check *c =
        gs_rollout_record(r, "rollout.sessionAffinity", ok ? GS_RESULT_PASSED : GS_RESULT_FAILED);
    if (k->want[0])
        gs_results_set(&c->expected, "every %s answer sets \"%s\", no %s answer sets %s", k->svc,
                       k->want, k->other_svc, k->cookie_name);
    else
        gs_results_set(&c->expected, "no answer sets %s (written only at a non-zero weight)",
                       k->cookie_name);
    gs_results_set(&c->observed, "%s %llu of %llu, %s %llu of %llu", k->svc,
                   (unsigned long long)k->n_set, (unsigned long long)k->n, k->other_svc,
                   (unsigned long long)k->n_other_set, (unsigned long long)k->n_other);
    gs_results_set(&c->message,
                   "%s: %s: %llu of %llu %s answers set it (Set-Cookie: %s), %llu of %llu %s "
                   "answers set %s",
                   label, k->title, (unsigned long long)k->n_set, (unsigned long long)k->n, k->word,
                   k->seen[0] ? k->seen : "none seen", (unsigned long long)k->n_other_set,
                   (unsigned long long)k->n_other, k->other_word, k->cookie_name);
    int64_t now = gs_now_ns();
    gs_rollout_point(r, label, "sessionAffinity", ok ? "verified" : "halted", to, NULL, 0, now,
                     now);
    if (!ok)
        r->st.outcome = GS_ROLLOUT_HALTED;
    return ok;
}

/* A client sending |held| (a Set-Cookie value or "name=value"; it sends name=value, what a
 * browser sends back) is answered as a weight of |to| says (it went |from| before), a probe
 * stream judged with the run's alpha and power; with |expired|, every answer must set that
 * (checked after the split). */
static int rollout_affinity_holder(rollout_run *r, const char *label, const char *held,
                                   unsigned from, unsigned to, const char *expired, gs_error *err)
{
    char cookie[160];
    snprintf(cookie, sizeof(cookie), "%.*s", (int)strcspn(held, ";"), held);
    gs_rollout_header_match m = {.name = "Cookie", .type = GS_ROLLOUT_MATCH_EXACT, .value = cookie};
    gs_rollout_action holder = {.kind = GS_ROLLOUT_SET_HEADER_ROUTE, .matches = &m, .n_matches = 1};
    rollout_probe_opts o = {.kind = "rollout.sessionAffinity", .set_cookie = expired};
    char *what = gs_xasprintf("%s: a client holding %s", label, cookie);
    int rc = rollout_probe_shift(r, what, &holder, from, to, gs_now_ns(), &o, err);
    if (rc == 0 && expired && r->st.outcome != GS_ROLLOUT_HALTED) {
        bool ok = o.answered > 0 && o.set_cookie_seen == o.answered;
        gs_results_check *c = gs_rollout_record(r, "rollout.sessionAffinity",
                                                ok ? GS_RESULT_PASSED : GS_RESULT_FAILED);
        gs_results_set(&c->expected, "every answer sets \"%s\"", expired);
        gs_results_set(&c->observed, "%llu of %llu", (unsigned long long)o.set_cookie_seen,
                       (unsigned long long)o.answered);
        gs_results_set(&c->message, "%s: %llu of %llu answers expired the cookie (Set-Cookie: %s)",
                       what, (unsigned long long)o.set_cookie_seen, (unsigned long long)o.answered,
                       expired);
        if (!ok)
            r->st.outcome = GS_ROLLOUT_HALTED;
    }
    free(what);
    return rc;
}

/* The canary's cookie after weight |to| was verified on window |win|: at a non-zero weight
 * every canary answer set the run's cookie and no primary answer did, and a client sending the
 * cookie a canary answer set sticks to the canary (judged like a weight of 100); at weight 0 a
 * client holding the previous cookie goes to the primary and every answer expires the cookie. */
static int rollout_affinity_canary(rollout_run *r, const char *label, unsigned to,
                                   const rollout_window *win, gs_error *err)
{
    const gs_rollout_plan *p = r->plan;
    if (to > 0) {
        affinity_sets k = {.title = "session cookie",
                           .cookie_name = p->cookie_name,
                           .want = r->live.set_cookie,
                           .seen = win->seen_cookie,
                           .svc = p->canary,
                           .word = "canary",
                           .other_svc = p->stable,
                           .other_word = "primary",
                           .n_set = win->canary_cookie_exact,
                           .n = win->canary,
                           .n_other_set = win->stable_cookie,
                           .n_other = win->stable};
        bool ok =
            win->canary > 0 && win->canary_cookie_exact == win->canary && win->stable_cookie == 0;
        if (!rollout_affinity_sets(r, label, to, &k, ok))
            return 0;
        return rollout_affinity_holder(r, label, win->seen_cookie, to, 100, NULL, err);
    }
    if (r->previous_cookie[0] == '\0')
        return 0;
    char *expired = gs_xasprintf("%s; Max-Age=-1", r->previous_cookie);
    int rc = rollout_affinity_holder(r, label, r->previous_cookie, 100, 0, expired, err);
    free(expired);
    return rc;
}

/* The primary's cookie (primaryCookieName) after weight |to| was verified on window |win|
 * (nothing before the first canary weight made it): at a non-zero weight every primary answer
 * set it as written and no canary answer did; at weight 0 no answer did (Flagger writes it only
 * while a canary runs). Then a client holding it (what a primary answer set; at 0 the cookie
 * written before) sticks to the primary, judged like a weight of 0. */
static int rollout_affinity_primary(rollout_run *r, const char *label, unsigned to,
                                    const rollout_window *win, gs_error *err)
{
    const gs_rollout_plan *p = r->plan;
    if (r->primary_cookie[0] == '\0')
        return 0;
    affinity_sets k = {.title = "primary session cookie",
                       .cookie_name = p->primary_cookie_name,
                       .want = to > 0 ? r->live.primary_set_cookie : "",
                       .seen = win->seen_primary_cookie,
                       .svc = p->stable,
                       .word = "primary",
                       .other_svc = p->canary,
                       .other_word = "canary",
                       .n_set =
                           to > 0 ? win->stable_primary_cookie_exact : win->stable_primary_cookie,
                       .n = win->stable,
                       .n_other_set = win->canary_primary_cookie,
                       .n_other = win->canary};
    bool ok =
        win->canary_primary_cookie == 0 &&
        (to > 0 ? (win->stable > 0 || to == 100) && win->stable_primary_cookie_exact == win->stable
                : win->stable_primary_cookie == 0);
    if (!rollout_affinity_sets(r, label, to, &k, ok))
        return 0;
    const char *held =
        to > 0 && win->seen_primary_cookie[0] ? win->seen_primary_cookie : r->primary_cookie;
    return rollout_affinity_holder(r, label, held, to, 0, NULL, err);
}

/* After weight |to| was verified on window |win|: the canary's cookie and, with
 * primaryCookieName, the primary's, each set as Flagger's route says and its holders sticking
 * to its Service. */
int gs_rollout_affinity_verify(rollout_run *r, const char *label, unsigned to,
                               const rollout_window *win, gs_error *err)
{
    int rc = rollout_affinity_canary(r, label, to, win, err);
    if (rc == 0 && r->plan->primary_cookie_name && r->st.outcome != GS_ROLLOUT_HALTED)
        rc = rollout_affinity_primary(r, label, to, win, err);
    return rc;
}

/* ---- A/B: the requests without the match stay on the stable Service ---- */

static bool rollout_name_in(const char *name, size_t len, const char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(names[i]) == len && strncasecmp(names[i], name, len) == 0)
            return true;
    return false;
}

/* |path| without the query parameters the A/B matches test (a new string). */
static char *rollout_path_unmatched(const gs_rollout_plan *p, const char *path)
{
    const char *q = strchr(path, '?');
    if (q == NULL || p->n_ab_query == 0)
        return gs_xstrdup(path);
    gs_buf b = {0};
    gs_buf_printf(&b, "%.*s", (int)(q - path), path);
    size_t kept = 0;
    for (const char *at = q + 1; *at;) {
        size_t len = strcspn(at, "&");
        size_t name_len = strcspn(at, "=&");
        if (len && !rollout_name_in(at, name_len, p->ab_query, p->n_ab_query))
            gs_buf_printf(&b, "%c%.*s", kept++ ? '&' : '?', (int)len, at);
        at += len + (at[len] == '&');
    }
    char *out = gs_xstrdup(b.data ? b.data : "");
    gs_buf_clear(&b);
    return out;
}

/* Sends |n| requests like the live traffic's but without the headers and query parameters the
 * A/B matches test, closed loop beside the live traffic, counting into |pr|. */
static int rollout_unmatched_send(rollout_run *r, uint64_t n, rollout_probe *pr, gs_error *err)
{
    const gs_rollout_plan *p = r->plan;
    gs_traffic_config tc = r->tc;
    gs_traffic_header *h = gs_xcalloc(r->tc.num_headers + 1, sizeof(*h));
    size_t nh = 0;
    for (size_t i = 0; i < r->tc.num_headers; i++)
        if (!rollout_name_in(r->tc.headers[i].name, strlen(r->tc.headers[i].name), p->ab_headers,
                             p->n_ab_headers))
            h[nh++] = r->tc.headers[i];
    char *path = rollout_path_unmatched(p, r->tc.path ? r->tc.path : "/");
    tc.headers = h;
    tc.num_headers = nh;
    tc.path = path;
    int rc = rollout_probe_run(&tc, n, pr, err);
    free(path);
    free(h);
    return rc;
}

/* After an A/B weight: the requests without the A/B match (a stream leaving its headers and
 * query parameters out) must all go to the stable Service, judged like a weight of 0
 * (rollout.unmatched). */
int gs_rollout_unmatched(rollout_run *r, const char *stage, gs_error *err)
{
    if (r->plan->n_ab_headers + r->plan->n_ab_query == 0 || r->st.outcome == GS_ROLLOUT_HALTED)
        return 0;
    char *label = gs_xasprintf("%s: requests without the A/B match", stage);
    int64_t t0 = gs_now_ns();
    rollout_probe pr = {.stable = r->plan->stable, .canary = r->plan->canary};
    int rc = rollout_unmatched_send(r, gs_rollout_planned(r, 0), &pr, err);
    if (rc == 0) {
        gs_results_check *c = gs_rollout_verify(r, "rollout.unmatched", label, 0, &pr.win, -1);
        gs_rollout_point(r, label, "unmatched",
                         c->result == GS_RESULT_PASSED ? "verified" : "halted", 0, &pr.win, 0, t0,
                         gs_now_ns());
    }
    free(label);
    return rc;
}

/* setHeaderRoute: writes the route with the managed rule upserted (or removed), then verifies
 * that the header traffic follows: all on the canary, or back to the weighted split. */
int gs_rollout_header_step(rollout_run *r, const gs_rollout_action *a, gs_error *err)
{
    char label[48];
    gs_rollout_stage_name(a, label);
    if (r->env->progress)
        r->env->progress(r->env->ctx, label);
    size_t at;
    const gs_rollout_action *old = gs_rollout_header_in_force(r, a, &at);
    gs_rollout_set_header(r, a);
    int64_t t0 = gs_now_ns();
    double apply_ms;
    int rc = gs_rollout_write_route(r, r->st.weight, &apply_ms, err);
    if (rc == 0 && a->n_matches)
        rc = rollout_probe_shift(r, label, a, old ? 100 : r->st.weight, 100, t0, NULL, err);
    else if (rc == 0 && old)
        rc = rollout_probe_shift(r, label, old, 100, r->st.weight, t0, NULL, err);
    if (rc == 0)
        gs_rollout_advance(&r->st, r->plan);
    return rc;
}
