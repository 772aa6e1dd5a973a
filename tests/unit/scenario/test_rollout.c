/* SPDX-License-Identifier: MIT */
/* The rollout step's pure parts: the sequential convergence test (its error rates measured by
 * seeded simulation), analysis verdicts, the controller's decisions over a plan (Flagger's
 * cumulative failed checks against the threshold), and the decoder's values and messages. */
#include "gs_rollout.h"
#include "gs_alloc.h"
#include "gs_rng.h"
#include "gs_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- SPRT ---- */

START_TEST(sprt_weight_zero_to_twenty)
{
    gs_rollout_sprt s;
    gs_rollout_sprt_init(&s, 0.0, 0.2, 0.001, 0.01);
    /* Under weight 0 a canary answer is (almost) impossible: one is enough. */
    ck_assert_int_eq(gs_rollout_sprt_add(&s, true), GS_ROLLOUT_SPRT_NEW);

    gs_rollout_sprt_init(&s, 0.0, 0.2, 0.001, 0.01);
    /* Stable answers only: log(0.8/0.9999) each against log(0.01/0.999): 21 of them say "old". */
    int verdict = GS_ROLLOUT_SPRT_MORE;
    unsigned n = 0;
    while (verdict == GS_ROLLOUT_SPRT_MORE && n < 1000) {
        verdict = gs_rollout_sprt_add(&s, false);
        n++;
    }
    ck_assert_int_eq(verdict, GS_ROLLOUT_SPRT_OLD);
    ck_assert_uint_eq(n, 21);
    ck_assert_uint_eq(s.restarts, 1);
    ck_assert_uint_eq(s.n, 0); /* restarted */
}
END_TEST

START_TEST(sprt_same_weight_needs_no_test)
{
    gs_rollout_sprt s;
    gs_rollout_sprt_init(&s, 0.3, 0.3, 0.001, 0.01);
    ck_assert_int_eq(gs_rollout_sprt_add(&s, false), GS_ROLLOUT_SPRT_NEW);
}
END_TEST

/* Runs the test on Bernoulli(|p|) answers until its first verdict. */
static int sprt_first_verdict(gs_rng *rng, double p0, double p1, double p)
{
    gs_rollout_sprt s;
    gs_rollout_sprt_init(&s, p0, p1, 0.001, 0.01);
    for (int i = 0; i < 100000; i++) {
        int v = gs_rollout_sprt_add(&s, gs_rng_uniform(rng) < p);
        if (v != GS_ROLLOUT_SPRT_MORE)
            return v;
    }
    return GS_ROLLOUT_SPRT_MORE;
}

START_TEST(sprt_error_rates_by_simulation)
{
    gs_rng rng;
    gs_rng_seed(&rng, 16);
    unsigned false_new = 0, missed_new = 0, runs = 20000;
    for (unsigned i = 0; i < runs; i++) {
        false_new += sprt_first_verdict(&rng, 0.2, 0.4, 0.2) == GS_ROLLOUT_SPRT_NEW;
        missed_new += sprt_first_verdict(&rng, 0.2, 0.4, 0.4) != GS_ROLLOUT_SPRT_NEW;
    }
    /* Wald's bounds: alpha 0.001 (expected 20 of 20,000; 60 is far above any seed's noise),
     * beta 0.01 (expected 200; 320 likewise). */
    ck_assert_uint_le(false_new, 60);
    ck_assert_uint_le(missed_new, 320);
    /* And it is a test, not a coin: the wrong answer is rare, the right one common. */
    ck_assert_uint_lt(false_new, runs / 100);
}
END_TEST

/* ---- analysis ---- */

static gs_rollout_plan plan_thresholds(double success, int64_t p99_ns)
{
    return (gs_rollout_plan){.min_success_rate = success, .max_p99_ns = p99_ns, .threshold = 2};
}

START_TEST(analysis_verdicts)
{
    char why[256];
    gs_rollout_plan p = plan_thresholds(99, 500 * 1000000LL);
    gs_rollout_metrics healthy = {.responses = 200, .ok = 199, .p99_ns = 4000000};
    ck_assert(gs_rollout_analyse(&p, &healthy, why, sizeof why));
    ck_assert_str_eq(why, "success rate 99.50% >= 99% (199 of 200), p99 4.0 ms <= 500.0 ms");

    gs_rollout_metrics errors = {.responses = 200, .ok = 180, .p99_ns = 4000000};
    ck_assert(!gs_rollout_analyse(&p, &errors, why, sizeof why));
    ck_assert_str_eq(why, "success rate 90.00% < 99% (180 of 200), p99 4.0 ms <= 500.0 ms");

    gs_rollout_metrics slow = {.responses = 10, .ok = 10, .p99_ns = 600000000};
    ck_assert(!gs_rollout_analyse(&p, &slow, why, sizeof why));
    ck_assert_ptr_nonnull(strstr(why, "p99 600.0 ms > 500.0 ms"));

    /* No canary traffic is no evidence: the tools fail the check ("no values found"). */
    gs_rollout_metrics none = {0};
    ck_assert(!gs_rollout_analyse(&p, &none, why, sizeof why));
    ck_assert_ptr_nonnull(strstr(why, "no canary responses"));

    /* Only a latency threshold: the success rate is not judged. */
    gs_rollout_plan lat = plan_thresholds(NAN, 500 * 1000000LL);
    ck_assert(gs_rollout_analyse(&lat, &errors, why, sizeof why));
    ck_assert_str_eq(why, "p99 4.0 ms <= 500.0 ms");
}
END_TEST

/* ---- the controller ---- */

/* Flagger's schedule for stepWeight 20, maxWeight 60: a weight, an analysis, ... */
static gs_rollout_action flagger_actions[] = {
    {.kind = GS_ROLLOUT_SET_WEIGHT, .weight = 20}, {.kind = GS_ROLLOUT_ANALYSIS},
    {.kind = GS_ROLLOUT_SET_WEIGHT, .weight = 40}, {.kind = GS_ROLLOUT_ANALYSIS},
    {.kind = GS_ROLLOUT_SET_WEIGHT, .weight = 60}, {.kind = GS_ROLLOUT_ANALYSIS},
};

/* Drives the plan with analysis verdicts from |verdicts| ('p' pass, 'f' fail) in order. */
static gs_rollout_state drive(const gs_rollout_plan *p, const char *verdicts)
{
    gs_rollout_state s = {0};
    while (s.outcome == GS_ROLLOUT_RUNNING) {
        if (p->actions[s.next].kind == GS_ROLLOUT_ANALYSIS) {
            ck_assert_msg(*verdicts, "ran out of verdicts at action %zu", s.next);
            gs_rollout_judged(&s, p, *verdicts++ == 'p');
        } else {
            gs_rollout_advance(&s, p);
        }
    }
    ck_assert_msg(*verdicts == '\0', "verdicts left: %s", verdicts);
    return s;
}

START_TEST(controller_promotes_and_rolls_back)
{
    gs_rollout_plan p = plan_thresholds(99, 0);
    p.actions = flagger_actions;
    p.n_actions = sizeof(flagger_actions) / sizeof(flagger_actions[0]);

    gs_rollout_state s = drive(&p, "ppp");
    ck_assert_int_eq(s.outcome, GS_ROLLOUT_PROMOTED);
    ck_assert_uint_eq(s.max_weight, 60);
    ck_assert_uint_eq(s.failed_checks, 0);

    /* The must-show: errors from the start roll back at 20 after two failed checks. */
    s = drive(&p, "ff");
    ck_assert_int_eq(s.outcome, GS_ROLLOUT_ROLLED_BACK);
    ck_assert_uint_eq(s.weight, 20);
    ck_assert_uint_eq(s.max_weight, 20);
    ck_assert_uint_eq(s.failed_checks, 2);

    /* Failed checks are cumulative over the run (not consecutive): a pass in between does not
     * reset them, so the second failure at 40 is the end. */
    s = drive(&p, "fpf");
    ck_assert_int_eq(s.outcome, GS_ROLLOUT_ROLLED_BACK);
    ck_assert_uint_eq(s.weight, 40);

    /* One failure under the threshold is retried and can still promote. */
    s = drive(&p, "pfpp");
    ck_assert_int_eq(s.outcome, GS_ROLLOUT_PROMOTED);
    ck_assert_uint_eq(s.failed_checks, 1);

    /* Threshold 1 (Argo's abort on a failed analysis run). */
    p.threshold = 1;
    s = drive(&p, "pf");
    ck_assert_int_eq(s.outcome, GS_ROLLOUT_ROLLED_BACK);
    ck_assert_uint_eq(s.weight, 40);
    ck_assert_str_eq(gs_rollout_outcome_name(s.outcome), "rolledBack");
}
END_TEST

/* ---- the decoder ---- */

#define HEAD                                                                                       \
    "apiVersion: gatesim.dev/v1alpha1\nkind: Scenario\nmetadata: {name: r}\nspec:\n"               \
    "  backends: [{service: default/s}, {service: default/c}]\n  steps:\n  - name: roll\n"

static gs_scenario_list load(const char *text, gs_diags *diags, int *rc)
{
    char *p = gs_test_write_temp(".yaml", text);
    gs_scenario_list list = {0};
    *rc = gs_scenario_list_load(&list, p, diags, NULL);
    unlink(p);
    free(p);
    return list;
}

/* An inline setMirrorRoute: Argo's match entries (method, path, headers) and percentage. */
START_TEST(decode_mirror)
{
    gs_diags diags = {0};
    int rc;
    gs_scenario_list list = load(
        HEAD "    rollout:\n      traffic: {host: a.example.com, rate: 10}\n"
             "      plan:\n        route: app\n        stable: default/s\n"
             "        canary: default/c\n        steps:\n"
             "        - setMirrorRoute: {name: shadow, percentage: 35, match: [{method: {exact: "
             "GET}, path: {prefix: /api}, headers: {x-a: {exact: \"1\"}, x-b: {regex: \"b.*\"}}}, "
             "{path: {exact: /x}}]}\n        - setMirrorRoute: {name: shadow}\n",
        &diags, &rc);
    if (rc != 0)
        gs_diags_print(&diags, stderr, false);
    ck_assert_int_eq(rc, 0);
    const gs_rollout_plan *p = &list.items[0]->steps[0].rollout->plan;
    ck_assert_uint_eq(p->n_actions, 2);
    const gs_rollout_action *a = &p->actions[0];
    ck_assert_int_eq(a->kind, GS_ROLLOUT_SET_MIRROR_ROUTE);
    ck_assert(!a->noop);
    ck_assert_str_eq(a->route, "shadow");
    ck_assert_uint_eq(a->weight, 35);
    ck_assert_uint_eq(a->n_mirror, 2);
    ck_assert_str_eq(a->mirror[0].method, "GET");
    ck_assert_int_eq(a->mirror[0].path_type, GS_ROLLOUT_MATCH_PREFIX);
    ck_assert_str_eq(a->mirror[0].path, "/api");
    ck_assert_uint_eq(a->mirror[0].n_headers, 2);
    ck_assert_str_eq(a->mirror[0].headers[1].name, "x-b");
    ck_assert_int_eq(a->mirror[0].headers[1].type, GS_ROLLOUT_MATCH_REGEX);
    ck_assert_int_eq(a->mirror[1].path_type, GS_ROLLOUT_MATCH_EXACT);
    ck_assert_ptr_null(a->mirror[1].method);
    ck_assert_uint_eq(p->actions[1].n_mirror, 0); /* removes it */
    ck_assert_uint_eq(p->actions[1].weight, 100);
    gs_scenario_list_clear(&list);
    gs_diags_clear(&diags);
}
END_TEST

START_TEST(decode_plan)
{
    gs_diags diags = {0};
    int rc;
    gs_scenario_list list =
        load(HEAD "    rollout:\n      interval: 250ms\n"
                  "      traffic: {host: a.example.com, rate: 400, connections: 8}\n"
                  "      plan:\n        route: app\n        stable: default/s\n"
                  "        canary: default/c\n        threshold: 2\n"
                  "        analysis: {successRate: 99, p99: 500ms}\n"
                  "        steps:\n        - setWeight: 20\n        - analysis: {}\n"
                  "        - pause: {duration: 2s}\n        - pause: {}\n"
                  "    expect: {outcome: rolledBack, maxCanaryWeight: 20, failedRequests: 0}\n",
             &diags, &rc);
    if (rc != 0)
        gs_diags_print(&diags, stderr, false);
    ck_assert_int_eq(rc, 0);
    const gs_scenario_rollout *ro = list.items[0]->steps[0].rollout;
    ck_assert_ptr_nonnull(ro);
    ck_assert_int_eq(ro->interval_ns, 250000000);
    ck_assert_double_eq(ro->traffic.rate, 400);
    ck_assert_uint_eq(ro->traffic.connections, 8);
    ck_assert_str_eq(ro->plan.route_ns, "default");
    ck_assert_str_eq(ro->plan.route_name, "app");
    ck_assert_str_eq(ro->plan.canary, "default/c");
    ck_assert_str_eq(ro->plan.stable_name, "s");
    ck_assert_uint_eq(ro->plan.threshold, 2);
    ck_assert_double_eq(ro->plan.min_success_rate, 99);
    ck_assert_int_eq(ro->plan.max_p99_ns, 500000000);
    ck_assert_uint_eq(ro->plan.n_actions, 4);
    ck_assert_int_eq(ro->plan.actions[0].kind, GS_ROLLOUT_SET_WEIGHT);
    ck_assert_uint_eq(ro->plan.actions[0].weight, 20);
    ck_assert_int_eq(ro->plan.actions[1].kind, GS_ROLLOUT_ANALYSIS);
    ck_assert_int_eq(ro->plan.actions[2].duration_ns, 2000000000);
    ck_assert_int_eq(ro->plan.actions[3].duration_ns, 0);
    ck_assert(ro->has_outcome && ro->outcome == GS_ROLLOUT_ROLLED_BACK);
    ck_assert(ro->has_max_weight && ro->max_weight == 20);
    ck_assert(ro->has_failed_requests && ro->failed_requests == 0);
    gs_scenario_list_clear(&list);
    gs_diags_clear(&diags);
}
END_TEST

/* |body| after HEAD must fail with |want| at |line|:|col|; false (after saying what came
 * instead) when it does not. */
static bool decode_fails(const char *body, unsigned line, unsigned col, const char *want)
{
    char *text = gs_xasprintf("%s%s", HEAD, body);
    gs_diags diags = {0};
    int rc;
    gs_scenario_list list = load(text, &diags, &rc);
    bool found = false;
    for (size_t i = 0; i < diags.len && !found; i++) {
        char msg[2048];
        gs_diag_format(&diags.items[i], msg, sizeof msg);
        found = diags.items[i].pos.line == line && diags.items[i].pos.col == col &&
                strstr(msg, want) != NULL;
    }
    if (!found) {
        fprintf(stderr, "want %u:%u \"%s\"; got:\n", line, col, want);
        gs_diags_print(&diags, stderr, false);
    }
    gs_scenario_list_clear(&list);
    gs_diags_clear(&diags);
    free(text);
    return rc != 0 && found;
}

#define PLAN(steps)                                                                                \
    "      plan:\n        route: app\n        stable: default/s\n        canary: default/c\n"      \
    "        steps: " steps "\n"

START_TEST(decode_errors)
{
    unsigned failures = 0;
    /* line 8 is `rollout:`; its fields start at column 7 on the next lines */
    failures += !decode_fails("    rollout:\n      traffic: {host: a}\n" PLAN("[{setWeight: 20}]"),
                              9, 16, "rollout.traffic.rate: Required value");
    failures += !decode_fails(
        "    rollout:\n      traffic: {rate: 10, requests: 5}\n" PLAN("[{setWeight: 20}]"), 9, 37,
        "give its rate, not a count");
    failures +=
        !decode_fails("    rollout:\n      traffic: {rate: 10}\n" PLAN("[{setWeight: 101}]"), 14,
                      29, "rollout.plan.steps[0].setWeight");
    failures += !decode_fails(
        "    rollout:\n      traffic: {rate: 10}\n" PLAN("[{setWeight: 5, pause: {}}]"), 14, 17,
        "exactly one of setWeight, pause, analysis");
    failures += !decode_fails("    rollout:\n      traffic: {rate: 10}\n" PLAN("[{analysis: {}}]"),
                              11, 9, "analysis steps need thresholds");
    failures +=
        !decode_fails("    rollout:\n      traffic: {rate: 10}\n      plan:\n        route: app\n"
                      "        stable: default/s\n        canary: default/x\n"
                      "        steps: [{setWeight: 1}]\n",
                      13, 17, "backend default/x is not declared");
    failures += !decode_fails("    rollout:\n      traffic: {rate: 10}\n" PLAN(
                                  "[{setWeight: 1}]") "    expect: {outcome: promotd}\n",
                              15, 23, "Unsupported value");
    failures +=
        !decode_fails("    send: {requests: 1}\n    rollout:\n      traffic: {rate: 10}\n" PLAN(
                          "[{setWeight: 1}]"),
                      8, 11, "a rollout step does nothing else");
    failures +=
        !decode_fails("    rollout:\n      traffic: {rate: 10}\n" PLAN(
                          "[{setBehaviour: {backend: default/x, behaviour: {errorRate: 0.1}}}]"),
                      14, 42, "backend default/x is not declared");
    failures +=
        !decode_fails("    rollout:\n      traffic: {rate: 10}\n" PLAN(
                          "[{setBehaviour: {backend: default/c, behaviour: {errorRate: 2}}}]"),
                      14, 76, "setBehaviour.behaviour.errorRate");
    failures += !decode_fails(
        "    rollout:\n      traffic: {rate: 10}\n" PLAN(
            "[{setMirrorRoute: {name: m, match: [{path: {exact: /a, prefix: /b}}]}}]"),
        14, 59, "match[0].path: give exactly one non-empty value of exact, prefix, regex");
    failures += !decode_fails("    rollout:\n      traffic: {rate: 10}\n" PLAN(
                                  "[{setMirrorRoute: {name: m, match: [{}]}}]"),
                              14, 52, "a match entry needs method, path or headers");
    ck_assert_uint_eq(failures, 0);
}
END_TEST

/* ---- Flagger Canary sources ---- */

#define CANARY_HEAD                                                                                \
    "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {name: podinfo, namespace: test}\n"  \
    "spec:\n  targetRef: {kind: Deployment, name: podinfo}\n"

/* Loads a scenario whose rollout reads |canary| (written next to it); |backends| declares. */
static gs_scenario_list load_canary(const char *canary, const char *backends, const char *rollout,
                                    gs_diags *diags, int *rc)
{
    char *cpath = gs_test_write_temp(".yaml", canary);
    const char *base = strrchr(cpath, '/') + 1;
    char *text = gs_xasprintf("apiVersion: gatesim.dev/v1alpha1\nkind: Scenario\nmetadata: {name: "
                              "f}\nspec:\n  backends: %s\n  steps:\n  - name: roll\n"
                              "    rollout:\n      source: {path: %s}\n%s"
                              "      traffic: {rate: 10}\n",
                              backends, base, rollout);
    gs_scenario_list list = load(text, diags, rc);
    unlink(cpath);
    free(cpath);
    free(text);
    return list;
}

#define PODINFO_BACKENDS "[{service: test/podinfo-primary}, {service: test/podinfo-canary}]"

static const gs_scenario_rollout *canary_ok(gs_scenario_list *list, const char *canary,
                                            const char *rollout, gs_diags *diags)
{
    int rc;
    *list = load_canary(canary, PODINFO_BACKENDS, rollout, diags, &rc);
    if (rc != 0)
        gs_diags_print(diags, stderr, false);
    ck_assert_int_eq(rc, 0);
    return list->items[0]->steps[0].rollout;
}

/* The canary weights of a plan's setWeight actions, each followed by an analysis, as text. */
static void weights_text(const gs_rollout_plan *p, char *out, size_t n)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < p->n_actions; i++) {
        if (p->actions[i].kind == GS_ROLLOUT_SET_WEIGHT) {
            len +=
                (size_t)snprintf(out + len, n - len, "%s%u", len ? " " : "", p->actions[i].weight);
            ck_assert(i + 1 < p->n_actions && p->actions[i + 1].kind == GS_ROLLOUT_ANALYSIS);
        }
    }
}

START_TEST(flagger_schedule_and_thresholds)
{
    gs_diags diags = {0};
    gs_scenario_list list;
    char w[128];
    const gs_scenario_rollout *ro = canary_ok(
        &list,
        CANARY_HEAD "  service: {port: 9898, hosts: [app.example.com], gatewayRefs: [{name: gw, "
                    "namespace: infra}]}\n  analysis:\n    interval: 1m\n    threshold: 2\n"
                    "    maxWeight: 50\n    stepWeight: 20\n    metrics:\n"
                    "    - {name: request-success-rate, thresholdRange: {min: 99}}\n"
                    "    - {name: request-duration, thresholdRange: {max: 500}}\n",
        "", &diags);
    weights_text(&ro->plan, w, sizeof w);
    /* runCanary adds stepWeight while below maxWeight and caps at 100, not at maxWeight */
    ck_assert_str_eq(w, "20 40 60");
    ck_assert_uint_eq(ro->plan.threshold, 2);
    ck_assert_double_eq(ro->plan.min_success_rate, 99);
    ck_assert_int_eq(ro->plan.max_p99_ns, 500000000);
    ck_assert_str_eq(ro->plan.route_ns, "test");
    ck_assert_str_eq(ro->plan.route_name, "podinfo");
    ck_assert_str_eq(ro->plan.stable, "test/podinfo-primary");
    ck_assert_str_eq(ro->plan.canary, "test/podinfo-canary");
    ck_assert_int_eq(ro->interval_ns, 60000000000); /* the Canary's, no step interval */
    ck_assert_str_eq(ro->source_tool, "Flagger");
    gs_scenario_list_clear(&list);
    gs_diags_clear(&diags);

    /* stepWeights: the list itself; maxWeight is its last entry. Threshold defaults to 1, an
     * interval below 10 s is 10 s, and the step's interval replaces it. */
    ro = canary_ok(&list,
                   CANARY_HEAD "  service: {port: 80, gatewayRefs: [{name: gw}]}\n  analysis:\n"
                               "    interval: 5s\n    stepWeights: [1, 5, 25, 50]\n",
                   "", &diags);
    weights_text(&ro->plan, w, sizeof w);
    ck_assert_str_eq(w, "1 5 25 50");
    ck_assert_uint_eq(ro->plan.threshold, 1);
    ck_assert_int_eq(ro->interval_ns, 10000000000);
    gs_scenario_list_clear(&list);
    gs_diags_clear(&diags);
    ro = canary_ok(&list,
                   CANARY_HEAD "  service: {port: 80, gatewayRefs: [{name: gw}]}\n  analysis:\n"
                               "    interval: 5s\n    stepWeights: [1, 5]\n",
                   "      interval: 300ms\n", &diags);
    ck_assert_int_eq(ro->interval_ns, 300000000);
    gs_scenario_list_clear(&list);
    gs_diags_clear(&diags);
}
END_TEST

/* `faults` on a source's plan: a setBehaviour before the first weight at or above atWeight,
 * in the order given; a weight the plan never reaches is refused, listing the plan's. */
START_TEST(faults_on_a_source)
{
    gs_diags diags = {0};
    gs_scenario_list list;
    const char *canary =
        CANARY_HEAD "  service: {port: 9898, gatewayRefs: [{name: gw}]}\n  analysis:\n"
                    "    interval: 1m\n    threshold: 2\n    maxWeight: 60\n    stepWeight: 20\n";
    const gs_scenario_rollout *ro = canary_ok(
        &list, canary,
        "      faults:\n"
        "      - {atWeight: 30, backend: test/podinfo-canary, behaviour: {errorRate: 0.1}}\n"
        "      - {atWeight: 60, backend: test/podinfo-canary, behaviour: {delay: 50ms}}\n"
        "      - {atWeight: 21, backend: test/podinfo-primary, behaviour: {status: 502, "
        "errorRate: 0.5}}\n",
        &diags);
    /* 20 a; [primary faults] [canary errors] 40 a; [canary delay] 60 a */
    ck_assert_uint_eq(ro->plan.n_actions, 9);
    const gs_rollout_action *a = ro->plan.actions;
    static const gs_rollout_action_kind kinds[] = {
        GS_ROLLOUT_SET_WEIGHT,    GS_ROLLOUT_ANALYSIS,   GS_ROLLOUT_SET_BEHAVIOUR,
        GS_ROLLOUT_SET_BEHAVIOUR, GS_ROLLOUT_SET_WEIGHT, GS_ROLLOUT_ANALYSIS,
        GS_ROLLOUT_SET_BEHAVIOUR, GS_ROLLOUT_SET_WEIGHT, GS_ROLLOUT_ANALYSIS};
    for (size_t i = 0; i < 9; i++)
        ck_assert_int_eq(a[i].kind, kinds[i]);
    ck_assert_str_eq(a[2].backend, "test/podinfo-canary");
    ck_assert_double_eq(a[2].behaviour.error_rate, 0.1);
    ck_assert_str_eq(a[3].backend, "test/podinfo-primary");
    ck_assert_int_eq(a[3].behaviour.status, 502);
    ck_assert_uint_eq(a[4].weight, 40);
    ck_assert_int_eq(a[6].behaviour.delay_ns, 50000000);
    ck_assert_uint_eq(a[7].weight, 60);
    gs_scenario_list_clear(&list);
    gs_diags_clear(&diags);

    int rc;
    list = load_canary(canary, PODINFO_BACKENDS,
                       "      faults: [{atWeight: 80, backend: test/podinfo-canary, behaviour: "
                       "{errorRate: 0.1}}]\n",
                       &diags, &rc);
    ck_assert_int_ne(rc, 0);
    bool said = false;
    for (size_t i = 0; i < diags.len; i++) {
        char msg[1024];
        gs_diag_format(&diags.items[i], msg, sizeof msg);
        said |= strstr(msg, "rollout.faults[0].atWeight: the plan never writes a canary weight "
                            "of 80 or more (its weights: 20, 40, 60)") != NULL &&
                diags.items[i].pos.line == 10 && diags.items[i].pos.col == 27;
    }
    if (!said)
        gs_diags_print(&diags, stderr, false);
    ck_assert(said);
    gs_scenario_list_clear(&list);
    gs_diags_clear(&diags);
}
END_TEST

START_TEST(flagger_route_written_whole)
{
    gs_diags diags = {0};
    gs_scenario_list list;
    const gs_scenario_rollout *ro = canary_ok(
        &list,
        CANARY_HEAD "  service:\n    port: 9898\n    hosts: [a.example.com]\n"
                    "    gatewayRefs: [{name: gw, namespace: infra}]\n"
                    "    match: [{uri: {prefix: /api}, headers: {x-user: {exact: beta}}}]\n"
                    "    headers: {request: {set: {x-b: \"2\", x-a: \"1\"}, remove: [x-c]}}\n"
                    "    timeout: 5s\n  analysis: {stepWeight: 50}\n",
        "", &diags);
    ck_assert_ptr_nonnull(ro->route_yaml);
    gs_yaml_stream *s = NULL;
    ck_assert_int_eq(
        gs_yaml_parse_buffer(&s, "route", ro->route_yaml, strlen(ro->route_yaml), NULL), 0);
    const gs_yaml_node *route = s->docs[0];
    ck_assert_str_eq(gs_yaml_str(gs_yaml_get(gs_yaml_get(route, "metadata"), "name")), "podinfo");
    const gs_yaml_node *spec = gs_yaml_get(route, "spec");
    ck_assert_str_eq(gs_yaml_str(gs_yaml_get(spec, "hostnames")->items[0]), "a.example.com");
    ck_assert_str_eq(
        gs_yaml_str(gs_yaml_get(gs_yaml_get(spec, "parentRefs")->items[0], "namespace")), "infra");
    const gs_yaml_node *rules = gs_yaml_get(spec, "rules");
    ck_assert_uint_eq(rules->nitems, 1);
    const gs_yaml_node *rule = rules->items[0];
    const gs_yaml_node *m = gs_yaml_get(rule, "matches")->items[0];
    ck_assert_str_eq(gs_yaml_str(gs_yaml_get(gs_yaml_get(m, "path"), "type")), "PathPrefix");
    ck_assert_str_eq(gs_yaml_str(gs_yaml_get(gs_yaml_get(m, "path"), "value")), "/api");
    ck_assert_str_eq(gs_yaml_str(gs_yaml_get(gs_yaml_get(m, "headers")->items[0], "value")),
                     "beta");
    const gs_yaml_node *f = gs_yaml_get(rule, "filters")->items[0];
    ck_assert_str_eq(gs_yaml_str(gs_yaml_get(f, "type")), "RequestHeaderModifier");
    const gs_yaml_node *set = gs_yaml_get(gs_yaml_get(f, "requestHeaderModifier"), "set");
    /* sorted by name, as sortFiltersV1 does */
    ck_assert_str_eq(gs_yaml_str(gs_yaml_get(set->items[0], "name")), "x-a");
    ck_assert_str_eq(gs_yaml_str(gs_yaml_get(set->items[1], "name")), "x-b");
    const gs_yaml_node *refs = gs_yaml_get(rule, "backendRefs");
    ck_assert_str_eq(gs_yaml_str(gs_yaml_get(refs->items[0], "name")), "podinfo-primary");
    ck_assert_str_eq(gs_yaml_str(gs_yaml_get(refs->items[0], "weight")), "100");
    ck_assert_str_eq(gs_yaml_str(gs_yaml_get(refs->items[1], "name")), "podinfo-canary");
    ck_assert_str_eq(gs_yaml_str(gs_yaml_get(refs->items[1], "port")), "9898");
    ck_assert_str_eq(gs_yaml_str(gs_yaml_get(gs_yaml_get(rule, "timeouts"), "request")), "5s");
    gs_yaml_stream_free(s);
    gs_scenario_list_clear(&list);
    gs_diags_clear(&diags);
    /* rewrite as a URLRewrite (ReplaceFullPath unless type says ReplacePrefixMatch, as Flagger's
     * HTTPRewrite.GetType) and each
     * service.mirror as a RequestMirror, after the header modifiers, as makeFilters orders them */
    ro = canary_ok(&list,
                   CANARY_HEAD "  service:\n    port: 9898\n    gatewayRefs: [{name: gw}]\n"
                               "    headers: {response: {add: {x-v: \"1\"}}}\n"
                               "    rewrite: {uri: /v2, authority: b.example.com}\n"
                               "    mirror: [{backendRef: {name: shadow, port: 80}}]\n"
                               "  analysis: {stepWeight: 50}\n",
                   "", &diags);
    ck_assert_ptr_nonnull(strstr(
        ro->route_yaml,
        "    filters: [{type: ResponseHeaderModifier, responseHeaderModifier: {add: [{name: "
        "\"x-v\", value: \"1\"}]}}, {type: URLRewrite, urlRewrite: {hostname: \"b.example.com\", "
        "path: {type: ReplaceFullPath, replaceFullPath: \"/v2\"}}}, {type: RequestMirror, "
        "requestMirror: {backendRef: {name: shadow, port: 80}}}]\n"));
    gs_scenario_list_clear(&list);
    gs_diags_clear(&diags);
    ro = canary_ok(&list,
                   CANARY_HEAD "  service:\n    port: 9898\n    gatewayRefs: [{name: gw}]\n"
                               "    rewrite: {uri: /v2, type: ReplacePrefixMatch}\n"
                               "  analysis: {stepWeight: 50}\n",
                   "", &diags);
    ck_assert_ptr_nonnull(strstr(ro->route_yaml,
                                 "{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, "
                                 "replacePrefixMatch: \"/v2\"}}}"));
    gs_scenario_list_clear(&list);
    gs_diags_clear(&diags);
    /* corsPolicy as a CORS filter, last (Flagger 1.42 on): allowOrigin as allowOrigins,
     * allowCredentials when true, maxAge in seconds; a maxAge Go cannot parse is left out */
    ro = canary_ok(&list,
                   CANARY_HEAD "  service:\n    port: 9898\n    gatewayRefs: [{name: gw}]\n"
                               "    corsPolicy: {allowOrigin: [\"https://a.example\"], "
                               "allowMethods: [GET, POST], allowHeaders: [x-a], exposeHeaders: "
                               "[x-b], allowCredentials: true, maxAge: 24h}\n"
                               "  analysis: {stepWeight: 50}\n",
                   "", &diags);
    ck_assert_ptr_nonnull(strstr(ro->route_yaml, "{type: CORS, cors: {allowOrigins: "));
    ck_assert_ptr_nonnull(strstr(ro->route_yaml, "allowCredentials: true, maxAge: 86400}}"));
    ck_assert_ptr_nonnull(strstr(ro->route_yaml, "https://a.example"));
    ck_assert_ptr_nonnull(strstr(ro->route_yaml, "exposeHeaders: "));
    gs_scenario_list_clear(&list);
    gs_diags_clear(&diags);
    ro = canary_ok(&list,
                   CANARY_HEAD "  service:\n    port: 9898\n    gatewayRefs: [{name: gw}]\n"
                               "    corsPolicy: {allowMethods: [GET], maxAge: 1d}\n"
                               "  analysis: {stepWeight: 50}\n",
                   "", &diags);
    ck_assert_ptr_nonnull(strstr(ro->route_yaml, "{type: CORS, cors: {allowMethods: "));
    ck_assert_ptr_null(strstr(ro->route_yaml, "maxAge"));
    gs_scenario_list_clear(&list);
    gs_diags_clear(&diags);
}
END_TEST

/* Loading |canary| must report |want| (an error unless |warning|). */
static bool canary_says(const char *canary, const char *backends, const char *want, bool warning)
{
    gs_diags diags = {0};
    int rc;
    gs_scenario_list list = load_canary(canary, backends, "", &diags, &rc);
    bool found = false;
    for (size_t i = 0; i < diags.len && !found; i++) {
        char msg[2048];
        gs_diag_format(&diags.items[i], msg, sizeof msg);
        found =
            strstr(msg, want) != NULL && (diags.items[i].severity == GS_DIAG_WARNING) == warning;
    }
    if (!found || (rc == 0) != warning) {
        fprintf(stderr, "want \"%s\" (rc %d); got:\n", want, rc);
        gs_diags_print(&diags, stderr, false);
    }
    gs_scenario_list_clear(&list);
    gs_diags_clear(&diags);
    return found && (rc == 0) == warning;
}

/* A source (Flagger Canary or Argo Rollout) whose loading must say |want|: an error, or a
 * warning when |warning|; |backends| declares the scenario's (NULL: both podinfo Services). */
typedef struct source_case {
    const char *source;
    const char *backends;
    const char *want;
    bool warning;
} source_case;

/* canary_says over |cases|: how many did not say what they should (each printed). */
static unsigned sources_say(const source_case *cases, size_t n)
{
    unsigned failures = 0;
    for (size_t i = 0; i < n; i++)
        failures +=
            !canary_says(cases[i].source, cases[i].backends ? cases[i].backends : PODINFO_BACKENDS,
                         cases[i].want, cases[i].warning);
    return failures;
}

#define CANARY_GW CANARY_HEAD "  service: {port: 80, gatewayRefs: [{name: gw}]}\n"

/* A/B: the route's first rule merges analysis.match into each service match (headers and
 * query parameters replaced), a second rule sends the rest to the primary alone; the plan
 * routes the first rule 0/100 and runs `iterations` analyses. */
START_TEST(flagger_ab_route)
{
    gs_diags diags = {0};
    gs_scenario_list list;
    const gs_scenario_rollout *ro = canary_ok(
        &list,
        CANARY_HEAD "  service:\n    port: 9898\n    gatewayRefs: [{name: gw}]\n"
                    "    match: [{uri: {prefix: /api}}, {uri: {exact: /x}, headers: {h: {exact: "
                    "v}}}]\n  analysis:\n    interval: 1m\n    iterations: 3\n    stepWeight: 20\n"
                    "    match:\n    - headers: {x-canary: {exact: insider}}\n"
                    "    - headers: {cookie: {regex: \"^(.*?;)?(canary=always)(;.*)?$\"}}\n"
                    "    metrics: [{name: request-success-rate, thresholdRange: {min: 99}}]\n",
        "", &diags);
    const gs_rollout_plan *p = &ro->plan;
    ck_assert(p->has_rule && p->rule == 0);
    ck_assert_uint_eq(p->n_actions, 4);
    ck_assert_int_eq(p->actions[0].kind, GS_ROLLOUT_SET_WEIGHT);
    ck_assert_uint_eq(p->actions[0].weight, 100);
    for (size_t i = 1; i < 4; i++)
        ck_assert_int_eq(p->actions[i].kind, GS_ROLLOUT_ANALYSIS);
    ck_assert_ptr_nonnull(strstr(
        ro->route_yaml,
        "  rules:\n  - matches: [{path: {type: PathPrefix, value: \"/api\"}, headers: [{type: "
        "Exact, name: \"x-canary\", value: \"insider\"}]}, {path: {type: Exact, value: \"/x\"}, "
        "headers: [{type: Exact, name: \"x-canary\", value: \"insider\"}]}, {path: {type: "
        "PathPrefix, value: \"/api\"}, headers: [{type: RegularExpression, name: \"cookie\", "
        "value: \"^(.*?;)?(canary=always)(;.*)?$\"}]}, {path: {type: Exact, value: \"/x\"}, "
        "headers: [{type: RegularExpression, name: \"cookie\", value: "
        "\"^(.*?;)?(canary=always)(;.*)?$\"}]}]\n"));
    ck_assert_ptr_nonnull(strstr(
        ro->route_yaml,
        "  - matches: [{path: {type: PathPrefix, value: \"/api\"}}, {path: {type: Exact, value: "
        "\"/x\"}, headers: [{type: Exact, name: \"h\", value: \"v\"}]}]\n    filters: []\n"
        "    backendRefs:\n    - {group: \"\", kind: Service, name: podinfo-primary, port: 9898, "
        "weight: 100}\n"));
    bool said = false;
    for (size_t i = 0; i < diags.len; i++)
        said |= strstr(diags.items[i].message, "stepWeight: not used by A/B testing") != NULL;
    ck_assert(said);
    /* What the requests left to the primary lack: the A/B headers (each name once). */
    ck_assert_uint_eq(p->n_ab_headers, 2);
    ck_assert_str_eq(p->ab_headers[0], "x-canary");
    ck_assert_str_eq(p->ab_headers[1], "cookie");
    ck_assert_uint_eq(p->n_ab_query, 0);
    gs_scenario_list_clear(&list);
    gs_diags_clear(&diags);
}
END_TEST

/* gs_rollout_sticky_rules around |rule| (a weighted rule in YAML flow text) at |weight|, with
 * the canary's new |cookie|, the |primary|'s and the |previous| canary cookie, as text (the
 * caller frees it). */
static char *sticky_rules(const gs_rollout_plan *p, const char *rule, unsigned weight,
                          const char *cookie, const char *primary, const char *previous)
{
    gs_yaml_stream *y = NULL;
    gs_error err = {0};
    ck_assert_int_eq(gs_yaml_parse_buffer(&y, "rule", rule, strlen(rule), &err), 0);
    gs_buf b = {0};
    gs_rollout_sticky_rules(&b, p, y->docs[0], weight, cookie, primary, previous);
    char *text = gs_xstrdup(b.data != NULL ? b.data : "");
    gs_buf_clear(&b);
    gs_yaml_stream_free(y);
    return text;
}

/* Session affinity: the cookie's name and Max-Age (a day by default) in the plan; the rules
 * Flagger's SetRoutes writes around the weighted rule at a canary weight, at weight 0 with the
 * previous cookie, and before any cookie. */
START_TEST(flagger_session_affinity)
{
    gs_diags diags = {0};
    gs_scenario_list list;
    const gs_scenario_rollout *ro = canary_ok(
        &list,
        CANARY_HEAD "  service: {port: 9898, gatewayRefs: [{name: gw}]}\n"
                    "  analysis:\n    stepWeight: 20\n    sessionAffinity: {cookieName: flagger}\n",
        "", &diags);
    ck_assert_str_eq(ro->plan.cookie_name, "flagger");
    ck_assert_int_eq(ro->plan.cookie_max_age, 86400);
    gs_scenario_list_clear(&list);
    gs_diags_clear(&diags);
    ro = canary_ok(&list,
                   CANARY_HEAD "  service: {port: 9898, gatewayRefs: [{name: gw}]}\n"
                               "  analysis:\n    stepWeight: 20\n"
                               "    sessionAffinity: {cookieName: c, maxAge: 60}\n",
                   "", &diags);
    ck_assert_int_eq(ro->plan.cookie_max_age, 60);
    gs_rollout_plan p = ro->plan;
    const char *rule = "{matches: [{path: {type: PathPrefix, value: /}}], filters: [], "
                       "backendRefs: [{group: \"\", kind: Service, name: podinfo-primary, port: "
                       "9898, weight: 80}, {group: \"\", kind: Service, name: podinfo-canary, "
                       "port: 9898, weight: 20}]}";
    char *got = sticky_rules(&p, rule, 20, "c=abc", NULL, NULL);
    ck_assert_str_eq(
        got,
        "[{filters: [], matches: [{path: {type: PathPrefix, value: /}, headers: [{type: "
        "RegularExpression, name: Cookie, value: \".*c.*abc.*\"}]}], backendRefs: [{group: "
        "\"\", kind: Service, name: podinfo-primary, port: 9898, weight: 0}, {group: \"\", "
        "kind: Service, name: podinfo-canary, port: 9898, weight: 100}]}, {matches: [{path: "
        "{type: PathPrefix, value: /}}], filters: [], backendRefs: [{group: \"\", kind: "
        "Service, name: podinfo-primary, port: 9898, weight: 80}, {group: \"\", kind: Service, "
        "name: podinfo-canary, port: 9898, weight: 20, filters: [{type: "
        "ResponseHeaderModifier, responseHeaderModifier: {add: [{name: Set-Cookie, value: "
        "\"c=abc; Max-Age=60\"}]}}]}]}]");
    free(got);
    got = sticky_rules(&p, rule, 0, NULL, NULL, "c=abc");
    ck_assert_str_eq(
        got, "[{backendRefs: [{group: \"\", kind: Service, name: podinfo-primary, port: 9898, "
             "weight: 80}, {group: \"\", kind: Service, name: podinfo-canary, port: 9898, weight: "
             "20}], matches: [{path: {type: PathPrefix, value: /}, headers: [{type: "
             "RegularExpression, name: Cookie, value: \".*c.*abc.*\"}]}], filters: [{type: "
             "ResponseHeaderModifier, responseHeaderModifier: {add: [{name: Set-Cookie, value: "
             "\"c=abc; Max-Age=-1\"}]}}]}, {matches: [{path: {type: PathPrefix, value: /}}], "
             "filters: [], backendRefs: [{group: \"\", kind: Service, name: podinfo-primary, port: "
             "9898, weight: 80}, {group: \"\", kind: Service, name: podinfo-canary, port: 9898, "
             "weight: 20}]}]");
    free(got);
    got = sticky_rules(&p, rule, 0, NULL, NULL, NULL);
    ck_assert_ptr_null(strstr(got, "Cookie"));
    ck_assert_ptr_null(strstr(got, "}, {matches"));
    free(got);
    gs_scenario_list_clear(&list);
    gs_diags_clear(&diags);
}
END_TEST

/* primaryCookieName: the name and the Max-Age (analysis.interval in whole seconds) in the
 * plan; at a canary weight the rules Flagger writes: the canary's sticky rule, the primary's
 * (primary 100, canary 0), then the weighted rule whose canary backendRef sets the canary's
 * cookie and whose primary backendRef sets the primary's; at weight 0 no primary cookie. */
START_TEST(flagger_primary_cookie)
{
    gs_diags diags = {0};
    gs_scenario_list list;
    const gs_scenario_rollout *ro =
        canary_ok(&list,
                  CANARY_HEAD "  service: {port: 9898, gatewayRefs: [{name: gw}]}\n"
                              "  analysis:\n    stepWeight: 20\n    interval: 1m30s\n"
                              "    sessionAffinity: {cookieName: c, maxAge: 60, "
                              "primaryCookieName: pc}\n",
                  "", &diags);
    ck_assert_str_eq(ro->plan.primary_cookie_name, "pc");
    ck_assert_int_eq(ro->plan.primary_cookie_max_age, 90);
    ck_assert_uint_eq(diags.len, 0);
    gs_rollout_plan p = ro->plan;
    const char *rule = "{matches: [{path: {type: PathPrefix, value: /}}], "
                       "backendRefs: [{name: podinfo-primary, port: 9898, weight: 80, filters: "
                       "[{type: X}]}, {name: podinfo-canary, port: 9898, weight: 20}]}";
    char *got = sticky_rules(&p, rule, 20, "c=abc", "pc=xyz", NULL);
    ck_assert_str_eq(
        got,
        "[{matches: [{path: {type: PathPrefix, value: /}, headers: [{type: RegularExpression, "
        "name: Cookie, value: \".*c.*abc.*\"}]}], backendRefs: [{name: podinfo-primary, port: "
        "9898, weight: 0}, {name: podinfo-canary, port: 9898, weight: 100}]}, "
        "{matches: [{path: {type: PathPrefix, value: /}, headers: [{type: RegularExpression, "
        "name: Cookie, value: \".*pc.*xyz.*\"}]}], backendRefs: [{name: podinfo-primary, port: "
        "9898, weight: 100}, {name: podinfo-canary, port: 9898, weight: 0}]}, "
        "{matches: [{path: {type: PathPrefix, value: /}}], backendRefs: [{name: "
        "podinfo-primary, port: 9898, weight: 80, filters: [{type: X}, {type: "
        "ResponseHeaderModifier, responseHeaderModifier: {add: [{name: Set-Cookie, value: "
        "\"pc=xyz; Max-Age=90\"}]}}]}, {name: podinfo-canary, port: 9898, weight: 20, filters: "
        "[{type: ResponseHeaderModifier, responseHeaderModifier: {add: [{name: Set-Cookie, "
        "value: \"c=abc; Max-Age=60\"}]}}]}]}]");
    /* Weight 0 (promotion): the previous canary cookie expired; the primary's is not written. */
    free(got);
    got = sticky_rules(&p, rule, 0, NULL, "pc=xyz", "c=abc");
    ck_assert_ptr_null(strstr(got, "pc"));
    ck_assert_ptr_nonnull(strstr(got, "\"c=abc; Max-Age=-1\""));
    free(got);
    gs_scenario_list_clear(&list);
    gs_diags_clear(&diags);
}
END_TEST

/* The cookie attributes of sessionAffinity (domain, httpOnly, partitioned, path, sameSite,
 * secure) follow Max-Age in both cookies' Set-Cookie, in BuildCookie's order; the previous
 * cookie's expiry carries none. */
START_TEST(flagger_cookie_attributes)
{
    gs_diags diags = {0};
    gs_scenario_list list;
    const gs_scenario_rollout *ro = canary_ok(
        &list,
        CANARY_HEAD "  service: {port: 9898, gatewayRefs: [{name: gw}]}\n"
                    "  analysis:\n    stepWeight: 20\n    interval: 45s\n"
                    "    sessionAffinity: {cookieName: c, primaryCookieName: pc, secure: true, "
                    "sameSite: Lax, path: /app, partitioned: true, httpOnly: true, domain: "
                    "example.com}\n",
        "", &diags);
    const char *attrs = "; Domain=example.com; HttpOnly; Partitioned; Path=/app; SameSite=Lax; "
                        "Secure";
    ck_assert_str_eq(ro->plan.cookie_attrs, attrs);
    gs_rollout_plan p = ro->plan;
    const char *rule = "{backendRefs: [{name: podinfo-primary, port: 9898, weight: 80}, "
                       "{name: podinfo-canary, port: 9898, weight: 20}]}";
    char *got = sticky_rules(&p, rule, 20, "c=abc", "pc=xyz", NULL);
    char *want = gs_xasprintf("\"c=abc; Max-Age=86400%s\"", attrs);
    ck_assert_ptr_nonnull(strstr(got, want));
    free(want);
    want = gs_xasprintf("\"pc=xyz; Max-Age=45%s\"", attrs);
    ck_assert_ptr_nonnull(strstr(got, want));
    free(want);
    free(got);
    got = sticky_rules(&p, rule, 0, NULL, "pc=xyz", "c=abc");
    ck_assert_ptr_nonnull(strstr(got, "value: \"c=abc; Max-Age=-1\"}"));
    free(got);
    gs_scenario_list_clear(&list);
    gs_diags_clear(&diags);
    /* None set: nothing after Max-Age. */
    ro = canary_ok(&list,
                   CANARY_HEAD "  service: {port: 9898, gatewayRefs: [{name: gw}]}\n"
                               "  analysis: {stepWeight: 20, sessionAffinity: {cookieName: c}}\n",
                   "", &diags);
    ck_assert_str_eq(ro->plan.cookie_attrs, "");
    gs_scenario_list_clear(&list);
    gs_diags_clear(&diags);
    static const source_case cases[] = {
        {CANARY_GW "  analysis: {stepWeight: 10, sessionAffinity: "
                   "{cookieName: c, sameSite: strict}}\n",
         NULL, "sameSite: Unsupported value: \"strict\"", false},
        {CANARY_GW "  analysis: {stepWeight: 10, sessionAffinity: "
                   "{cookieName: c, domain: \"a;b\"}}\n",
         NULL, "domain: must be a cookie attribute value", false},
        {CANARY_GW "  analysis: {stepWeight: 10, sessionAffinity: "
                   "{cookieName: c, httpOnly: yes please}}\n",
         NULL, "httpOnly", false},
    };
    ck_assert_uint_eq(sources_say(cases, sizeof(cases) / sizeof(cases[0])), 0);
}
END_TEST

START_TEST(flagger_messages)
{
    static const source_case cases[] = {
        {CANARY_HEAD "  service: {port: 80}\n  analysis: {stepWeight: 10}\n", NULL,
         "GatewayRefs must be specified", false},
        {CANARY_GW "  analysis: {stepWeight: 10}\n", "[{service: test/podinfo-primary}]",
         "Flagger routes to Service test/podinfo-canary: declare it", false},
        {CANARY_GW "  analysis: {iterations: 10, match: [{headers: {}}]}\n", NULL,
         "spec.analysis.match[0]: an A/B match needs headers or queryParams", false},
        {CANARY_GW "  analysis: {iterations: 10}\n", NULL,
         "spec.analysis.iterations: not rehearsed yet: blue/green", false},
        {CANARY_GW "  analysis: {match: [{headers: {x: {exact: y}}}]}\n", NULL,
         "spec.analysis.iterations: Required value", false},
        {CANARY_GW "  analysis: {stepWeight: 10, mirror: true}\n", NULL,
         "mirror step before the first weight mirrors nothing in production", true},
        {CANARY_GW "  analysis: {iterations: 2, mirror: true, match: "
                   "[{headers: {x: {exact: y}}}]}\n",
         NULL, "spec.analysis.mirror: not rehearsed yet: with iterations", false},
        {CANARY_GW "  analysis:\n    stepWeight: 10\n    webhooks: []\n"
                   "    metrics: [{name: errors, templateRef: {name: x}}]\n",
         NULL, "queries an external system (templateRef)", true},
        {CANARY_GW "  analysis: {stepWeight: 10, sessionAffinity: {}}\n", NULL,
         "spec.analysis.sessionAffinity.cookieName: Required", false},
        {CANARY_GW "  analysis: {stepWeight: 10, sessionAffinity: "
                   "{cookieName: \"a=b\"}}\n",
         NULL, "cookieName: must be a cookie name", false},
        {CANARY_GW "  analysis: {stepWeight: 10, sessionAffinity: "
                   "{cookieName: c, primaryCookieName: p}}\n",
         NULL,
         "spec.analysis.sessionAffinity.primaryCookieName: "
         "needs analysis.interval as a duration",
         false},
        {CANARY_GW "  analysis: {stepWeight: 10, interval: soon, "
                   "sessionAffinity: {cookieName: c, primaryCookieName: "
                   "p}}\n",
         NULL, "primaryCookieName: needs analysis.interval", false},
        {CANARY_GW "  analysis: {stepWeight: 10, interval: 1m, "
                   "sessionAffinity: {cookieName: c, primaryCookieName: "
                   "\"p;x\"}}\n",
         NULL, "primaryCookieName: must be a cookie name", false},
        {CANARY_GW "  analysis: {iterations: 2, match: [{headers: {x: "
                   "{exact: y}}}], sessionAffinity: {cookieName: c}}\n",
         NULL, "session affinity with A/B testing", false},
        {CANARY_HEAD "  service: {port: 80, gatewayRefs: [{name: gw}], "
                     "mirror: {name: x}, corsPolicy: {}}\n"
                     "  analysis: {stepWeight: 10}\n",
         NULL, "spec.service.mirror: a list of {backendRef", false},
        {CANARY_HEAD "  service: {port: 80, gatewayRefs: [{name: gw}], "
                     "corsPolicy: {allowOrigins: [{exact: a}]}}\n"
                     "  analysis: {stepWeight: 10}\n",
         NULL, "spec.service: corsPolicy.allowOrigins: not written into the route", true},
        {CANARY_HEAD "  service: {port: 80, gatewayRefs: [{name: gw}], "
                     "retries: {attempts: 2}}\n  analysis: {stepWeight: 10}\n",
         NULL, "spec.service: retries: not written into the route", true},
        {"apiVersion: v1\nkind: Service\nmetadata: {name: r}\n", NULL,
         "holds no Flagger Canary (flagger.app/v1beta1 Canary) and no Argo Rollout", false},
    };
    ck_assert_uint_eq(sources_say(cases, sizeof(cases) / sizeof(cases[0])), 0);
}
END_TEST

/* ---- Argo Rollout sources ---- */

#define ROLLOUT_HEAD                                                                               \
    "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: demo, namespace: test}\n"   \
    "spec:\n  strategy:\n    canary:\n      canaryService: podinfo-canary\n"                       \
    "      stableService: podinfo-primary\n"
#define ARGO_ROUTING                                                                               \
    "      trafficRouting:\n        managedRoutes: [{name: hdr}, {name: mir}]\n"                   \
    "        plugins:\n          argoproj-labs/gatewayAPI: {httpRoute: web, namespace: infra}\n"

START_TEST(argo_plan)
{
    gs_diags diags = {0};
    gs_scenario_list list;
    const gs_scenario_rollout *ro = canary_ok(
        &list,
        ROLLOUT_HEAD ARGO_ROUTING
        "      steps:\n      - setWeight: 10\n"
        "      - setHeaderRoute: {name: hdr, match: [{headerName: X-Canary, headerValue: {prefix: "
        "be}}, {headerName: X-Id, headerValue: {exact: \"7\"}}]}\n"
        "      - pause: {duration: 90}\n      - pause: {duration: 2m}\n      - pause: {}\n"
        "      - setMirrorRoute: {name: mir, percentage: 35}\n"
        "      - analysis: {templates: [{templateName: ok}]}\n"
        "      - setCanaryScale: {weight: 50}\n      - setHeaderRoute: {name: hdr}\n"
        "      - setWeight: 100\n",
        "      analysis: {successRate: 99.5}\n", &diags);
    ck_assert_str_eq(ro->source_tool, "Argo Rollouts");
    ck_assert_str_eq(ro->plan.route_ns, "infra");
    ck_assert_str_eq(ro->plan.route_name, "web");
    ck_assert_str_eq(ro->plan.stable, "test/podinfo-primary");
    ck_assert_str_eq(ro->plan.canary_name, "podinfo-canary");
    ck_assert_uint_eq(ro->plan.threshold, 1);
    ck_assert_double_eq(ro->plan.min_success_rate, 99.5);
    ck_assert_ptr_null(ro->route_yaml); /* the plugin patches the user's route */
    /* setCanaryScale is said and skipped: 9 actions of 10 steps */
    ck_assert_uint_eq(ro->plan.n_actions, 9);
    const gs_rollout_action *a = ro->plan.actions;
    ck_assert_int_eq(a[1].kind, GS_ROLLOUT_SET_HEADER_ROUTE);
    ck_assert_str_eq(a[1].route, "hdr");
    ck_assert_uint_eq(a[1].n_matches, 2);
    ck_assert_int_eq(a[1].matches[0].type, GS_ROLLOUT_MATCH_PREFIX);
    ck_assert_str_eq(a[1].matches[0].value, "be");
    ck_assert_str_eq(a[1].matches[1].name, "X-Id");
    ck_assert_int_eq(a[2].duration_ns, 90000000000LL);
    ck_assert_int_eq(a[3].duration_ns, 120000000000LL);
    ck_assert_int_eq(a[4].duration_ns, 0);
    ck_assert_int_eq(a[5].kind, GS_ROLLOUT_SET_MIRROR_ROUTE);
    ck_assert(a[5].noop);
    ck_assert_uint_eq(a[5].weight, 35);
    ck_assert_int_eq(a[6].kind, GS_ROLLOUT_ANALYSIS);
    ck_assert_int_eq(a[7].kind, GS_ROLLOUT_SET_HEADER_ROUTE);
    ck_assert_uint_eq(a[7].n_matches, 0); /* removes the route */
    ck_assert_uint_eq(a[8].weight, 100);
    bool said = false;
    for (size_t i = 0; i < diags.len; i++)
        said |= diags.items[i].severity == GS_DIAG_WARNING &&
                strstr(diags.items[i].message, "setCanaryScale: not rehearsed") != NULL;
    ck_assert(said);
    gs_scenario_list_clear(&list);
    gs_diags_clear(&diags);
}
END_TEST

START_TEST(argo_messages)
{
    static const source_case cases[] = {
        {ROLLOUT_HEAD ARGO_ROUTING "      steps: [{setHeaderRoute: {name: other, match: []}}]\n",
         NULL, "other is not in trafficRouting.managedRoutes", false},
        {ROLLOUT_HEAD ARGO_ROUTING "      steps: [{analysis: {}}]\n", NULL,
         "run AnalysisTemplates (external metrics, not rehearsed): give thresholds", false},
        {ROLLOUT_HEAD "      trafficRouting:\n        plugins:\n"
                      "          argoproj-labs/gatewayAPI: {grpcRoute: g}\n"
                      "      steps: [{setWeight: 5}]\n",
         NULL, "grpcRoute: not rehearsed yet", false},
        {ROLLOUT_HEAD "      trafficRouting: {nginx: {stableIngress: x}}\n"
                      "      steps: [{setWeight: 5}]\n",
         NULL, "Required value: the argoproj-labs/gatewayAPI traffic-router plugin", false},
        {ROLLOUT_HEAD ARGO_ROUTING
         "      steps: [{setHeaderRoute: {name: "
         "hdr, match: [{headerName: X, headerValue: {exact: a, regex: b}}]}}]\n",
         NULL, "give exactly one non-empty value of exact, prefix, regex", false},
        {ROLLOUT_HEAD ARGO_ROUTING "      steps: [{setWeight: 5}]\n",
         "[{service: test/podinfo-canary}]",
         "Argo Rollouts routes to Service test/podinfo-primary: declare it", false},
    };
    ck_assert_uint_eq(sources_say(cases, sizeof(cases) / sizeof(cases[0])), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rollout");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, sprt_weight_zero_to_twenty);
    tcase_add_test(tc, sprt_same_weight_needs_no_test);
    tcase_add_test(tc, sprt_error_rates_by_simulation);
    tcase_add_test(tc, analysis_verdicts);
    tcase_add_test(tc, controller_promotes_and_rolls_back);
    tcase_add_test(tc, decode_plan);
    tcase_add_test(tc, decode_errors);
    tcase_add_test(tc, faults_on_a_source);
    tcase_add_test(tc, decode_mirror);
    tcase_add_test(tc, flagger_ab_route);
    tcase_add_test(tc, flagger_schedule_and_thresholds);
    tcase_add_test(tc, flagger_route_written_whole);
    tcase_add_test(tc, flagger_session_affinity);
    tcase_add_test(tc, flagger_primary_cookie);
    tcase_add_test(tc, flagger_cookie_attributes);
    tcase_add_test(tc, flagger_messages);
    tcase_add_test(tc, argo_plan);
    tcase_add_test(tc, argo_messages);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
