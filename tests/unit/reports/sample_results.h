/* SPDX-License-Identifier: MIT */
/* A sample run shared by the report tests and the report-rendering integration tool: a passing
 * split, a failing 75/25-vs-70/30 split with hostile text in its evidence, an error, and a
 * scenario that has not run (a partially completed run). Header-only on purpose: each test
 * binary includes it once. */
#ifndef SAMPLE_RESULTS_H
#define SAMPLE_RESULTS_H

#include "gs_results.h"

#include <math.h>
#include <string.h>

/* Text that must come out escaped in every format. */
#define SAMPLE_HOSTILE "<script>alert(\"x\")</script> & 'q' | `tick` \x01 bad\xff utf8"

static void sample_traffic(gs_results_traffic *t, uint64_t a, uint64_t b, const char *na,
                           const char *nb)
{
    t->present = true;
    t->requests = a + b;
    t->duration_seconds = 1.25;
    t->rps = (double)(a + b) / 1.25;
    t->latency_ms =
        (gs_results_latency){.p50 = 0.8, .p90 = 1.9, .p99 = 4.2, .p999 = 9.5, .max = 12.25};
    gs_results_counts_add(&t->statuses, "200", a + b - 3);
    gs_results_counts_add(&t->statuses, "503", 3);
    gs_results_counts_add(&t->backends, na, a);
    gs_results_counts_add(&t->backends, nb, b);
    gs_results_counts_add(&t->errors, "connect", 0);
}

static void sample_share(gs_results_check *c, const char *backend, double weight, double share,
                         uint64_t count, double obs, double lo, double hi, double det)
{
    gs_results_share *sh = gs_results_add_share(c, backend);
    sh->expected_weight = weight;
    sh->expected_share = share;
    sh->observed_count = count;
    sh->observed_share = obs;
    sh->ci_low = lo;
    sh->ci_high = hi;
    sh->detectable = det;
    sh->p_value = 0.5;
    sh->p_adjusted = c->p_value; /* the check's decision p: red bars where it is <= alpha */
}

/* Builds the sample; the caller frees it with gs_results_free. */
static gs_results *sample_results(void)
{
    gs_results *r;
    gs_results_new(&r, "builtin", INT64_C(1795921981123000000), 42);
    gs_results_set(&r->version, "0.1.0");

    gs_results_scenario *s = gs_results_add_scenario(r, "canary-95-5", "scenarios/canary.yaml");
    gs_results_set(&s->description, "95/5 canary split");
    s->result = GS_RESULT_PASSED;
    s->duration_ms = 1830;
    gs_results_step *st = gs_results_add_step(s, "split holds at 95/5");
    st->result = GS_RESULT_PASSED;
    st->convergence_ms = 12.5;
    st->duration_ms = 1400;
    sample_traffic(&st->traffic, 2851, 149, "default/app-stable", "default/app-canary");
    gs_results_check *c = gs_results_add_check(st, "status");
    c->result = GS_RESULT_PASSED;
    gs_results_set(&c->message, "every response had status 200");
    gs_results_set(&c->expected, "200");
    gs_results_set(&c->observed, "200 on 3000 of 3000 responses");
    c = gs_results_add_check(st, "split");
    c->result = GS_RESULT_PASSED;
    c->p_value = 0.617;
    c->alpha = 0.001;
    c->power = 0.99;
    c->samples = 3000;
    c->detectable = 0.0155;
    gs_results_set(&c->method, "exact-binomial");
    gs_results_set(&c->message, "split matches the weights");
    gs_results_set(&c->expected, "default/app-stable 95, default/app-canary 5");
    gs_results_set(&c->observed, "2851 / 149");
    sample_share(c, "default/app-stable", 95, 0.95, 2851, 0.9503, 0.9418, 0.9577, 0.0155);
    sample_share(c, "default/app-canary", 5, 0.05, 149, 0.0497, 0.0423, 0.0582, 0.0155);

    s = gs_results_add_scenario(r, "wrong-split <75/25>", "scenarios/wrong.yaml");
    s->result = GS_RESULT_FAILED;
    s->duration_ms = 2210;
    st = gs_results_add_step(s, "70/30 & friends");
    st->result = GS_RESULT_FAILED;
    st->convergence_ms = 8;
    st->duration_ms = 2000;
    sample_traffic(&st->traffic, 3004, 996, "default/a", "default/b");
    gs_results_counts_add(&st->target_stats, "mirrorsSent", 3988);
    gs_results_counts_add(&st->target_stats, "mirrorsDropped", 12);
    gs_results_counts_add(&st->target_stats, "timeouts", 0); /* zeros stay out of the reports */
    c = gs_results_add_check(st, "split");
    c->result = GS_RESULT_FAILED;
    c->p_value = 3.2e-12;
    c->alpha = 0.001;
    c->power = 0.99;
    c->samples = 4000;
    c->detectable = 0.024;
    gs_results_set(&c->method, "exact-binomial");
    gs_results_set(&c->message,
                   "backend shares differ from the weights (p = 3.2e-12 < alpha 0.001)");
    gs_results_set(&c->expected, "default/a 70, default/b 30");
    gs_results_set(&c->observed, "default/a 75.1%%, default/b 24.9%%");
    sample_share(c, "default/a", 70, 0.7, 3004, 0.751, 0.7372, 0.7643, 0.024);
    sample_share(c, "default/b", 30, 0.3, 996, 0.249, 0.2357, 0.2628, 0.024);
    c = gs_results_add_check(st, "response");
    c->result = GS_RESULT_FAILED;
    gs_results_set(&c->message, "header X-Frame-Options missing: %s", SAMPLE_HOSTILE);
    gs_results_set(&c->expected, "X-Frame-Options: DENY");
    gs_results_set(&c->observed, "absent");
    gs_results_set(&c->evidence_request,
                   "GET /checkout?a=1&b=<2> HTTP/1.1\r\nHost: app.example.com\r\n");
    gs_results_set(
        &c->evidence_response,
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n{\"path\":\"</pre>%s\"}",
        SAMPLE_HOSTILE);
    c = gs_results_add_check(st, "status");
    c->result = GS_RESULT_PASSED;
    gs_results_set(&c->message, "ok");
    gs_results_set(&c->expected, "200");
    gs_results_set(&c->observed, "200");

    s = gs_results_add_scenario(r, "gateway-dies", "scenarios/dies.yaml");
    s->result = GS_RESULT_ERROR;
    s->duration_ms = 300;
    gs_results_set(&s->error, "gateway exited with status 134 during step \"send\"");
    st = gs_results_add_step(s, "send");
    st->result = GS_RESULT_ERROR;
    gs_results_set(&st->message, "gateway exited with status 134");

    gs_results_add_scenario(r, "not-yet", "scenarios/later.yaml");
    return r;
}

/* A rollout step's timeline: the initial route and weight 20 verified, two failed analyses
 * (retry, roll back), a rollback whose verification failed, and the failed outcome. Appended to
 * |r| as scenario "rollout"; used by the tests of the timeline in each format. */
static inline void sample_rollout(gs_results *r)
{
    gs_results_scenario *s = gs_results_add_scenario(r, "rollout", "scenarios/rollout.yaml");
    s->result = GS_RESULT_FAILED;
    s->duration_ms = 4700;
    gs_results_step *st = gs_results_add_step(s, "progressive delivery");
    st->result = GS_RESULT_FAILED;
    st->duration_ms = 4650;
    gs_results_set(&st->message, "2 checks failed");
    gs_results_rollout *ro = gs_results_step_rollout(st);
    gs_results_set(&ro->tool, "Flagger");
    gs_results_set(&ro->outcome, "halted");
    ro->alpha = 0.001;
    static const struct {
        const char *stage, *kind, *decision;
        gs_result result;
        double written, converged, start, end, weight;
        uint64_t answered, canary, ok;
        double p99;
    } pts[] = {
        {"initial route (stable 100, canary 0)", "split", "verified", GS_RESULT_PASSED, 0.05, 0.1,
         0.1, 0.6, 0, 200, 0, 0, NAN},
        {"setWeight 20", "split", "verified", GS_RESULT_PASSED, 0.7, 0.9, 0.9, 1.6, 20, 400, 82,
         82, 3.2},
        {"analysis", "analysis", "retry", GS_RESULT_PASSED, NAN, NAN, 1.6, 2.6, 20, 400, 80, 72,
         4.1},
        {"analysis", "analysis", "rollBack", GS_RESULT_PASSED, NAN, NAN, 2.6, 3.6, 20, 400, 78, 69,
         4.4},
        {"rollback (stable 100, canary 0)", "split", "halted", GS_RESULT_FAILED, 3.7, 3.8, 3.8,
         4.6, 0, 300, 12, 12, 2.5},
    };
    for (size_t i = 0; i < sizeof(pts) / sizeof(pts[0]); i++) {
        gs_results_check *c = gs_results_add_check(
            st, strcmp(pts[i].kind, "split") == 0 ? "rollout.split" : "rollout.analysis");
        c->result = pts[i].result;
        gs_results_set(&c->message, "%s: %s", pts[i].stage, pts[i].decision);
        gs_results_set(&c->expected, "canary %g", pts[i].weight);
        gs_results_set(&c->observed, "canary %llu of %llu", (unsigned long long)pts[i].canary,
                       (unsigned long long)pts[i].answered);
        gs_results_rollout_point *p = gs_results_add_rollout_point(ro, pts[i].stage, pts[i].kind);
        p->result = pts[i].result;
        gs_results_set(&p->decision, "%s", pts[i].decision);
        p->written_s = pts[i].written;
        p->converged_s = pts[i].converged;
        p->start_s = pts[i].start;
        p->end_s = pts[i].end;
        p->planned_weight = pts[i].weight;
        p->answered = pts[i].answered;
        p->canary = pts[i].canary;
        p->canary_share = (double)pts[i].canary / (double)pts[i].answered;
        p->ci_low = p->canary_share > 0.02 ? p->canary_share - 0.02 : 0;
        p->ci_high = p->canary_share + 0.02;
        if (pts[i].canary > 0)
            p->success_rate = 100.0 * (double)pts[i].ok / (double)pts[i].canary;
        p->p99_ms = pts[i].p99;
        p->check = st->checks_len;
    }
    gs_results_check *c = gs_results_add_check(st, "rollout.outcome");
    c->result = GS_RESULT_FAILED;
    gs_results_set(&c->message, "the rollout ended otherwise");
    gs_results_set(&c->expected, "rolledBack");
    gs_results_set(&c->observed, "halted at canary weight 0 after 2 failed checks");
}

#endif
