/* SPDX-License-Identifier: MIT */
/* Expectation checks on synthetic responses: the harness must be able to fail. A 75/25 split
 * checked against 70/30 fails and against 75/25 passes; a zero-weight backend claimed at 2%
 * fails while its correct claim passes; a missing header fails with the offending exchange as
 * evidence; an unconfigured mirror fails, and a failed mirror check explains itself from the
 * target's counters; plus status, backend, redirect, response headers,
 * gRPC status and latency. */
#include "gs_expect.h"
#include "gs_alloc.h"
#include "gs_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static gs_scenario_send send_get = {.present = true, .method = "GET", .path = "/x"};

typedef struct fake_result {
    gs_traffic_result res;
} fake_result;

static void counts_set(gs_traffic_counts *c, const char *name, uint64_t n)
{
    gs_xgrow((void **)&c->items, &c->cap, c->len + 1, sizeof(*c->items));
    c->items[c->len++] = (gs_traffic_count){gs_xstrdup(name), n};
}

static void counts_free(gs_traffic_counts *c)
{
    for (size_t i = 0; i < c->len; i++)
        free(c->items[i].name);
    free(c->items);
}

static gs_results *results;
static gs_results_step *step;

static void setup(void)
{
    gs_results_new(&results, "builtin", 0, 1);
    gs_results_scenario *sc = gs_results_add_scenario(results, "t", "t.yaml");
    step = gs_results_add_step(sc, "s");
}

static void teardown(void)
{
    gs_results_free(results);
}

/* Runs a split check of |counts| (per backend) against |weights| with the default statistics
 * and n planned from them; returns the check. */
static gs_results_check *split_check(const char *const *names, const double *weights,
                                     const uint64_t *counts, size_t k, unsigned *failed)
{
    gs_scenario_weight *w = gs_xcalloc(k, sizeof(*w));
    for (size_t i = 0; i < k; i++)
        w[i] = (gs_scenario_weight){names[i], weights[i], {0}};
    gs_scenario_expect ex = {.present = true, .split = w, .n_split = k};
    gs_scenario_statistics st = {.alpha = 0.001, .power = 0.99, .min_effect = 0.02};
    gs_traffic_result res = {0};
    for (size_t i = 0; i < k; i++) {
        if (counts[i])
            counts_set(&res.backends, names[i], counts[i]);
        res.requests += counts[i];
        res.responses += counts[i];
    }
    gs_expect_obs o;
    gs_expect_obs_init(&o, &send_get, &ex, "app.example.com", "r-", res.requests);
    *failed = gs_expect_finish(&o, &res, &st, step);
    gs_expect_obs_clear(&o);
    counts_free(&res.backends);
    free(w);
    return step->checks[step->checks_len - 1];
}

static uint64_t planned(const double *weights, size_t k)
{
    gs_scenario_weight w[4];
    for (size_t i = 0; i < k; i++)
        w[i] = (gs_scenario_weight){"x", weights[i], {0}};
    gs_scenario_expect ex = {.present = true, .split = w, .n_split = k};
    gs_scenario_statistics st = {.alpha = 0.001, .power = 0.99, .min_effect = 0.02};
    uint64_t n = 0;
    ck_assert_int_eq(gs_expect_plan_requests(&ex, &st, &n, NULL), 0);
    return n;
}

START_TEST(expect_split_75_25_against_70_30_fails)
{
    static const char *const names[] = {"default/stable", "default/canary"};
    double want[] = {70, 30};
    uint64_t n = planned(want, 2);
    ck_assert_uint_gt(n, 1000);
    ck_assert_uint_lt(n, 200000);
    uint64_t got[] = {n * 3 / 4, n - n * 3 / 4}; /* what a 75/25 gateway delivers */
    unsigned failed;
    gs_results_check *c = split_check(names, want, got, 2, &failed);
    ck_assert_uint_eq(failed, 1);
    ck_assert_int_eq(c->result, GS_RESULT_FAILED);
    ck_assert(c->p_value <= 0.001);
    ck_assert_str_eq(c->method, "exact-binomial");
    ck_assert_uint_eq(c->shares_len, 2);
    ck_assert_double_eq_tol(c->shares[0]->expected_share, 0.7, 1e-12);
    ck_assert(c->shares[0]->ci_low > 0.7); /* the interval excludes the claim */
    ck_assert_msg(
        strstr(c->message,
               "do not fit the weights: default/stable got 75.00% (simultaneous 99.9% interval "),
        "%s", c->message);
    ck_assert(strstr(c->message, "expected 70.00%") != NULL);
    ck_assert(strstr(c->observed, "default/stable") && strstr(c->observed, "interval"));
}
END_TEST

START_TEST(expect_split_75_25_correct_passes)
{
    static const char *const names[] = {"default/stable", "default/canary"};
    double want[] = {75, 25};
    uint64_t n = planned(want, 2);
    uint64_t got[] = {n * 3 / 4, n - n * 3 / 4};
    unsigned failed;
    gs_results_check *c = split_check(names, want, got, 2, &failed);
    ck_assert_uint_eq(failed, 0);
    ck_assert_int_eq(c->result, GS_RESULT_PASSED);
    ck_assert(c->p_value > 0.001);
    ck_assert(c->detectable > 0 && c->detectable <= 0.02 + 1e-9);
    ck_assert_uint_eq(c->samples, n);
}
END_TEST

START_TEST(expect_zero_weight_claimed_at_2_percent_fails)
{
    /* The route gives app-b weight 0; the scenario claims 98/2. */
    static const char *const names[] = {"default/a", "default/b"};
    double claim[] = {98, 2};
    uint64_t n = planned(claim, 2);
    uint64_t got[] = {n, 0};
    unsigned failed;
    gs_results_check *c = split_check(names, claim, got, 2, &failed);
    ck_assert_uint_eq(failed, 1);
    ck_assert_int_eq(c->result, GS_RESULT_FAILED);
    /* Claimed correctly (100/0) it passes. */
    double right[] = {100, 0};
    c = split_check(names, right, got, 2, &failed);
    ck_assert_uint_eq(failed, 0);
    ck_assert_int_eq(c->result, GS_RESULT_PASSED);
    /* And one request on a zero-weight backend fails outright. */
    uint64_t leak[] = {n - 1, 1};
    c = split_check(names, right, leak, 2, &failed);
    ck_assert_uint_eq(failed, 1);
    ck_assert_str_eq(c->message, "default/b has weight 0 but answered 1 requests");
}
END_TEST

/* A response from backend |svc| whose echo body shows |headers_json|. */
static gs_traffic_response echo_response(uint64_t index, const char *backend, const char *body,
                                         char *idbuf)
{
    sprintf(idbuf, "r-%llu", (unsigned long long)index);
    static const gs_traffic_header hdrs[] = {{"content-type", "application/json"},
                                             {"x-frame-options", "DENY"}};
    gs_traffic_response r = {.index = index,
                             .request_id = idbuf,
                             .status = 200,
                             .grpc_status = -1,
                             .backend = backend,
                             .headers = hdrs,
                             .num_headers = 2,
                             .body = body,
                             .body_len = strlen(body),
                             .body_total = strlen(body)};
    return r;
}

START_TEST(expect_request_header_missing_fails_with_evidence)
{
    gs_scenario_header_expect want[] = {{.name = "X-Gateway", .value = "production"}};
    const char *absent[] = {"X-Debug"};
    gs_scenario_expect ex = {.present = true,
                             .request = {.present = true,
                                         .path = "/orders",
                                         .headers = want,
                                         .n_headers = 1,
                                         .absent = absent,
                                         .n_absent = 1}};
    gs_scenario_kv sent[] = {{"X-Debug", "1", {0}}};
    gs_scenario_send send = send_get;
    send.headers = sent;
    send.n_headers = 1;
    gs_scenario_statistics st = {.alpha = 0.001, .power = 0.99, .min_effect = 0.02};
    const char *good = "{\"path\":\"/orders\",\"host\":\"api\",\"method\":\"GET\","
                       "\"headers\":{\"X-Gateway\":[\"production\"],\"Accept\":[\"*/*\"]}}";
    const char *bad = "{\"path\":\"/orders\",\"host\":\"api\",\"method\":\"GET\","
                      "\"headers\":{\"Accept\":[\"*/*\"],\"X-Debug\":[\"1\"]}}";
    char id[32];

    gs_expect_obs o;
    gs_expect_obs_init(&o, &send, &ex, "api.example.com", "r-", 10);
    for (uint64_t i = 0; i < 10; i++) {
        gs_traffic_response r = echo_response(i, "default/api/0", good, id);
        gs_expect_observe(&o, &r);
    }
    gs_traffic_result res = {.requests = 10, .responses = 10};
    ck_assert_uint_eq(gs_expect_finish(&o, &res, &st, step), 0);
    ck_assert_int_eq(step->checks[0]->result, GS_RESULT_PASSED);
    gs_expect_obs_clear(&o);

    gs_expect_obs_init(&o, &send, &ex, "api.example.com", "r-", 10);
    for (uint64_t i = 0; i < 10; i++) {
        gs_traffic_response r = echo_response(i, "default/api/0", i == 3 ? bad : good, id);
        gs_expect_observe(&o, &r);
    }
    ck_assert_uint_eq(gs_expect_finish(&o, &res, &st, step), 1);
    gs_results_check *c = step->checks[1];
    ck_assert_int_eq(c->result, GS_RESULT_FAILED);
    ck_assert_msg(strstr(c->message, "1 of 10 responses did not match; first: the backend did "
                                     "not see header X-Gateway (expected \"production\")"),
                  "%s", c->message);
    ck_assert(strstr(c->evidence_request, "GET /x HTTP/1.1\nHost: api.example.com\nX-Debug: 1\n"
                                          "x-gatesim-request-id: r-3\n") != NULL);
    ck_assert(strstr(c->evidence_response, "status 200\n") != NULL);
    ck_assert(strstr(c->evidence_response, "\"X-Debug\":[\"1\"]") != NULL);
    gs_expect_obs_clear(&o);
}
END_TEST

START_TEST(expect_mirror_unconfigured_fails_and_configured_passes)
{
    gs_scenario_mirror m[] = {{"default/shadow", 1.0, {0}}};
    gs_scenario_expect ex = {.present = true, .mirror = m, .n_mirror = 1};
    gs_scenario_statistics st = {.alpha = 0.001, .power = 0.99, .min_effect = 0.02};
    gs_traffic_result res = {.requests = 50, .responses = 50};
    char id[32];
    for (int configured = 0; configured < 2; configured++) {
        gs_expect_obs o;
        gs_expect_obs_init(&o, &send_get, &ex, "shop", "r-", 50);
        for (uint64_t i = 0; i < 50; i++) {
            gs_traffic_response r = echo_response(i, "default/orders/0", "{}", id);
            gs_expect_observe(&o, &r);
            if (configured)
                gs_expect_mirror_seen(&o, 0, id);
        }
        gs_expect_mirror_seen(&o, 0, "other-7"); /* another run's id: ignored */
        gs_expect_mirror_seen(&o, 0, "r-99");    /* out of range: ignored */
        unsigned failed = gs_expect_finish(&o, &res, &st, step);
        gs_results_check *c = step->checks[step->checks_len - 1];
        ck_assert_str_eq(c->kind, "mirror");
        if (configured) {
            ck_assert_uint_eq(failed, 0);
            ck_assert_int_eq(c->result, GS_RESULT_PASSED);
        } else {
            ck_assert_uint_eq(failed, 1);
            ck_assert_str_eq(c->message, "50 of 50 request ids never reached default/shadow; "
                                         "first missing: r-0, r-1, r-2, r-3, r-4");
        }
        gs_expect_obs_clear(&o);
    }
}
END_TEST

/* A mirror check of |n| answered requests of which those with index >= |first_lost| never
 * reached the mirror, with |tm| as what the target reported; returns the check's message. */
static const char *mirror_message(double fraction, uint64_t n, uint64_t first_lost,
                                  const gs_expect_target_mirrors *tm)
{
    gs_scenario_mirror m[] = {{"default/shadow", fraction, {0}}};
    gs_scenario_expect ex = {.present = true, .mirror = m, .n_mirror = 1};
    gs_scenario_statistics st = {.alpha = 0.001, .power = 0.99, .min_effect = 0.02};
    gs_traffic_result res = {.requests = n, .responses = n};
    char id[32];
    gs_expect_obs o;
    gs_expect_obs_init(&o, &send_get, &ex, "shop", "gs0-1-ab-", n);
    if (tm)
        o.target = *tm;
    for (uint64_t i = 0; i < n; i++) {
        gs_traffic_response r = echo_response(i, "default/orders/0", "{}", id);
        gs_expect_observe(&o, &r);
        if (i < first_lost) {
            snprintf(id, sizeof(id), "gs0-1-ab-%llu", (unsigned long long)i);
            gs_expect_mirror_seen(&o, 0, id);
        }
    }
    ck_assert_uint_eq(gs_expect_finish(&o, &res, &st, step), 1);
    gs_expect_obs_clear(&o);
    gs_results_check *c = step->checks[step->checks_len - 1];
    ck_assert_int_eq(c->result, GS_RESULT_FAILED);
    return c->message;
}

START_TEST(expect_mirror_failure_explained)
{
    /* Drops over the gateway's cap: counted, with the cap and the way out, and the first ids. */
    gs_expect_target_mirrors tm = {
        .asked = true, .known = true, .sent = 766, .dropped = 1234, .cap = 1024};
    ck_assert_str_eq(mirror_message(1.0, 2000, 766, &tm),
                     "1,234 of 2,000 request ids never reached default/shadow; the gateway "
                     "dropped 1,234 mirror copies in this step (more than 1,024 in flight: the "
                     "mirror backend did not keep up; raise the cap with --max-mirrors-in-flight "
                     "on gatesim run or gatesim gateway); first missing: gs0-1-ab-766, "
                     "gs0-1-ab-767, gs0-1-ab-768, gs0-1-ab-769, gs0-1-ab-770");
    /* Other losses, one of each (singular), and copies still on their way. */
    gs_expect_target_mirrors other = {.asked = true,
                                      .known = true,
                                      .sent = 7,
                                      .no_endpoint = 1,
                                      .failed = 1,
                                      .timed_out = 2,
                                      .in_flight = 1};
    ck_assert_str_eq(mirror_message(1.0, 10, 8, &other),
                     "2 of 10 request ids never reached default/shadow; 1 mirror copy had no "
                     "endpoint to go to; 1 mirror copy failed on the way to the backend (connect "
                     "error or broken connection); 2 mirror copies timed out; 1 mirror copy still "
                     "in flight when the ids were read; first missing: gs0-1-ab-8, gs0-1-ab-9");
    /* The gateway lost nothing: it says so, and the ids are the lead. */
    gs_expect_target_mirrors clean = {.asked = true, .known = true, .sent = 10, .cap = 1024};
    ck_assert_str_eq(mirror_message(1.0, 10, 9, &clean),
                     "1 of 10 request ids never reached default/shadow; the gateway sent 10 "
                     "mirror copies in this step and reports none dropped or failed; first "
                     "missing: gs0-1-ab-9");
    gs_expect_target_mirrors none = {.asked = true, .known = true};
    ck_assert_str_eq(mirror_message(1.0, 3, 0, &none),
                     "3 of 3 request ids never reached default/shadow; the gateway sent no "
                     "mirror copies in this step; first missing: gs0-1-ab-0, gs0-1-ab-1, "
                     "gs0-1-ab-2");
    /* A target without counters: unknown, with the reason. */
    gs_expect_target_mirrors unknown = {.asked = true};
    snprintf(unknown.unknown, sizeof(unknown.unknown), "the exec target does not report counters");
    ck_assert_str_eq(mirror_message(1.0, 4, 3, &unknown),
                     "1 of 4 request ids never reached default/shadow; the target's mirror "
                     "counters are unknown (the exec target does not report counters); first "
                     "missing: gs0-1-ab-3");
    /* fraction 0: the ids that did reach the backend. */
    ck_assert_str_eq(mirror_message(0.0, 1000, 2, &tm),
                     "2 of 1,000 request ids reached default/shadow; first: gs0-1-ab-0, "
                     "gs0-1-ab-1");
    /* A share below the fraction: the drops are named too. */
    const char *msg = mirror_message(0.5, 2000, 200, &tm);
    ck_assert_msg(strstr(msg, "mirrored share 0.100 does not fit 0.5 (") == msg, "%s", msg);
    ck_assert_msg(strstr(msg, "; the gateway dropped 1,234 mirror copies in this step (more "
                              "than 1,024 in flight"),
                  "%s", msg);
}
END_TEST

START_TEST(expect_mirror_fraction_binomial)
{
    gs_scenario_mirror m[] = {{"default/shadow", 0.25, {0}}};
    gs_scenario_expect ex = {.present = true, .mirror = m, .n_mirror = 1};
    gs_scenario_statistics st = {.alpha = 0.001, .power = 0.99, .min_effect = 0.02};
    gs_traffic_result res = {.requests = 2000, .responses = 2000};
    char id[32];
    int every[] = {4, 2}; /* 25% mirrored passes; 50% mirrored fails */
    for (int t = 0; t < 2; t++) {
        gs_expect_obs o;
        gs_expect_obs_init(&o, &send_get, &ex, "shop", "r-", 2000);
        for (uint64_t i = 0; i < 2000; i++) {
            gs_traffic_response r = echo_response(i, "default/search/0", "{}", id);
            gs_expect_observe(&o, &r);
            if (i % (uint64_t)every[t] == 0)
                gs_expect_mirror_seen(&o, 0, id);
        }
        unsigned failed = gs_expect_finish(&o, &res, &st, step);
        ck_assert_uint_eq(failed, t == 0 ? 0 : 1);
        gs_results_check *c = step->checks[step->checks_len - 1];
        ck_assert(!isnan(c->p_value));
        /* 2,000 ids at alpha 0.001, power 0.99: a few percent of deviation is detectable. */
        ck_assert_msg(c->detectable > 0.01 && c->detectable < 0.1, "%g", c->detectable);
        gs_expect_obs_clear(&o);
    }
}
END_TEST

/* `proto` and `{present: true}` on both sides: what the backend saw and what the client got.
 * Each passes on the matching exchange and fails, explained, on the other. */
START_TEST(expect_proto_and_present_headers)
{
    gs_scenario_header_expect rq[] = {
        {.name = "User-Agent", .value = "Go-http-client/1.1"},
        {.name = "Accept", .value = "present, any value", .mode = GS_SCENARIO_VALUE_PRESENT}};
    gs_scenario_header_expect rs[] = {
        {.name = "Content-Type", .value = "present, any value", .mode = GS_SCENARIO_VALUE_PRESENT},
        {.name = "Date", .value = "present, any value", .mode = GS_SCENARIO_VALUE_PRESENT}};
    gs_scenario_expect ex = {
        .present = true,
        .request = {.present = true, .proto = "HTTP/1.1", .headers = rq, .n_headers = 2},
        .response = {.present = true, .proto = "HTTP/1.1", .headers = rs, .n_headers = 2}};
    gs_scenario_statistics st = {.alpha = 0.001, .power = 0.99, .min_effect = 0.02};
    const char *h1 = "{\"proto\":\"HTTP/1.1\",\"headers\":{\"User-Agent\":[\"Go-http-client/1.1\"],"
                     "\"Accept\":[\"\"]}}";
    const char *h2 = "{\"proto\":\"HTTP/2.0\",\"headers\":{\"User-Agent\":[\"Go-http-client/1.1\"],"
                     "\"Accept\":[\"*/*\"]}}";
    const char *no_accept = "{\"proto\":\"HTTP/1.1\",\"headers\":{\"User-Agent\":"
                            "[\"Go-http-client/1.1\"]}}";
    static const gs_traffic_header dated[] = {{"content-type", "application/json"},
                                              {"date", "Mon, 07 Dec 2026 23:00:00 GMT"}};
    char id[32];
    /* all as expected: an empty Accept value is still present */
    gs_expect_obs o;
    gs_expect_obs_init(&o, &send_get, &ex, "app", "r-", 1);
    gs_traffic_response r = echo_response(0, "default/app/0", h1, id);
    r.headers = dated;
    r.proto = "HTTP/1.1";
    gs_expect_observe(&o, &r);
    gs_traffic_result res = {.requests = 1, .responses = 1};
    ck_assert_uint_eq(gs_expect_finish(&o, &res, &st, step), 0);
    size_t first = step->checks_len - 2;
    ck_assert_str_eq(step->checks[first]->kind, "request");
    ck_assert_msg(strstr(step->checks[first]->expected, "HTTP/1.1; User-Agent: Go-http-client/1.1; "
                                                        "Accept: present, any value"),
                  "%s", step->checks[first]->expected);
    gs_expect_obs_clear(&o);
    /* the backend saw HTTP/2, the client got HTTP/2: both fail and say so */
    gs_expect_obs_init(&o, &send_get, &ex, "app", "r-", 1);
    r = echo_response(0, "default/app/0", h2, id);
    r.headers = dated;
    r.proto = "HTTP/2";
    gs_expect_observe(&o, &r);
    ck_assert_uint_eq(gs_expect_finish(&o, &res, &st, step), 2);
    first = step->checks_len - 2;
    ck_assert_msg(strstr(step->checks[first]->message, "the backend saw HTTP/2.0, expected HTTP/1.1"),
                  "%s", step->checks[first]->message);
    ck_assert_msg(strstr(step->checks[first + 1]->message,
                         "the response came over HTTP/2, expected HTTP/1.1"),
                  "%s", step->checks[first + 1]->message);
    gs_expect_obs_clear(&o);
    /* HTTP/2 expected: "HTTP/2.0" as the echo says it is HTTP/2 */
    ex.request.proto = ex.response.proto = "HTTP/2";
    gs_expect_obs_init(&o, &send_get, &ex, "app", "r-", 1);
    gs_expect_observe(&o, &r);
    ck_assert_uint_eq(gs_expect_finish(&o, &res, &st, step), 0);
    gs_expect_obs_clear(&o);
    /* no Accept at the backend, no Date in the response: present fails */
    ex.request.proto = ex.response.proto = NULL;
    gs_expect_obs_init(&o, &send_get, &ex, "app", "r-", 1);
    r = echo_response(0, "default/app/0", no_accept, id);
    gs_expect_observe(&o, &r);
    ck_assert_uint_eq(gs_expect_finish(&o, &res, &st, step), 2);
    first = step->checks_len - 2;
    ck_assert_msg(strstr(step->checks[first]->message,
                         "the backend did not see header Accept (expected any value)"),
                  "%s", step->checks[first]->message);
    ck_assert_msg(strstr(step->checks[first + 1]->message,
                         "response header Date missing (expected any value)"),
                  "%s", step->checks[first + 1]->message);
    gs_expect_obs_clear(&o);
}
END_TEST

START_TEST(expect_status_backend_redirect_response)
{
    gs_scenario_header_expect rh[] = {{.name = "X-Frame-Options", .value = "DENY"}};
    const char *absent[] = {"Server"};
    gs_scenario_expect ex = {
        .present = true,
        .statuses = {200},
        .n_statuses = 1,
        .backend = "default/app",
        .response = {
            .present = true, .headers = rh, .n_headers = 1, .absent = absent, .n_absent = 1}};
    gs_scenario_statistics st = {.alpha = 0.001, .power = 0.99, .min_effect = 0.02};
    char id[32];
    gs_expect_obs o;
    gs_expect_obs_init(&o, &send_get, &ex, "app", "r-", 4);
    gs_traffic_response r = echo_response(0, "default/app/1", "{}", id);
    gs_expect_observe(&o, &r);
    r = echo_response(1, "default/other/0", "{}", id);
    gs_expect_observe(&o, &r);
    r = echo_response(2, NULL, "{}", id);
    r.status = 503;
    gs_expect_observe(&o, &r);
    r = echo_response(3, NULL, "", id);
    r.error = GS_TRAFFIC_ERR_CONNECT;
    r.status = 0;
    r.num_headers = 0;
    r.detail = "connection refused";
    gs_expect_observe(&o, &r);
    gs_traffic_result res = {.requests = 4, .responses = 3};
    res.errors[GS_TRAFFIC_ERR_CONNECT] = 1;
    counts_set(&res.statuses, "200", 2);
    counts_set(&res.statuses, "503", 1);
    ck_assert_uint_eq(gs_expect_finish(&o, &res, &st, step), 3);
    ck_assert_str_eq(step->checks[0]->kind, "status");
    ck_assert_str_eq(step->checks[0]->observed, "200 \xc3\x97"
                                                "2, 503 \xc3\x97"
                                                "1; errors: connect \xc3\x97"
                                                "1");
    ck_assert(
        strstr(step->checks[0]->message, "2 of 4 responses did not match; first: status 503"));
    ck_assert_str_eq(step->checks[1]->kind, "backend");
    ck_assert(strstr(step->checks[1]->message, "3 of 4 responses did not match; first: answered by "
                                               "default/other/0"));
    ck_assert_str_eq(step->checks[2]->kind, "response");
    ck_assert(
        strstr(step->checks[2]->evidence_response, "no response: connect: connection refused"));
    gs_expect_obs_clear(&o);
    counts_free(&res.statuses);

    /* Redirects never reach a backend and must carry the Location. */
    gs_scenario_expect rx = {.present = true,
                             .backend_none = true,
                             .has_redirect = true,
                             .redirect_status = 301,
                             .redirect_location = "https://app.example.com/cart?item=3"};
    static const gs_traffic_header loc_ok[] = {{"location", "https://app.example.com/cart?item=3"}};
    static const gs_traffic_header loc_bad[] = {{"location", "https://app.example.com:443/cart"}};
    gs_expect_obs_init(&o, &send_get, &rx, "app", "r-", 2);
    gs_traffic_response a = {
        .index = 0, .status = 301, .grpc_status = -1, .headers = loc_ok, .num_headers = 1};
    gs_traffic_response b = {
        .index = 1, .status = 301, .grpc_status = -1, .headers = loc_bad, .num_headers = 1};
    gs_expect_observe(&o, &a);
    gs_expect_observe(&o, &b);
    gs_traffic_result rres = {.requests = 2, .responses = 2};
    ck_assert_uint_eq(gs_expect_finish(&o, &rres, &st, step), 1);
    gs_results_check *c = step->checks[step->checks_len - 1];
    ck_assert_str_eq(c->kind, "redirect");
    ck_assert(strstr(c->message, "first: Location \"https://app.example.com:443/cart\""));
    ck_assert_int_eq(step->checks[step->checks_len - 2]->result, GS_RESULT_PASSED);
    gs_expect_obs_clear(&o);
}
END_TEST

/* The fleet's answer to "whose certificate is this": two TLS backends. */
static const char *fake_cert_owner(const char *sha256, void *user)
{
    (void)user;
    if (strcmp(sha256, "aa") == 0)
        return "default/a";
    if (strcmp(sha256, "bb") == 0)
        return "default/b";
    return NULL;
}

START_TEST(expect_certificate_seen_by_the_client)
{
    static gs_scenario_send send_tls = {.present = true, .protocol = GS_SCENARIO_TLS};
    gs_scenario_expect ex = {.present = true, .certificate_backend = "default/a"};
    gs_scenario_statistics st = {.alpha = 0.001, .power = 0.99, .min_effect = 0.02};
    gs_expect_obs o;
    gs_expect_obs_init(&o, &send_tls, &ex, "a.example.com", "r-", 4);
    o.cert_owner = fake_cert_owner;
    gs_traffic_response r = {.index = 0, .grpc_status = -1, .backend = "default/a/0",
                             .cert_sha256 = "aa", .cert_subject = "CN=a"};
    gs_expect_observe(&o, &r); /* a's own: fine */
    gs_traffic_result res = {.requests = 1, .responses = 1};
    counts_set(&res.certificates, "aa", 1);
    ck_assert_uint_eq(gs_expect_finish(&o, &res, &st, step), 0);
    ck_assert_str_eq(step->checks[step->checks_len - 1]->kind, "certificate");
    ck_assert_int_eq(step->checks[step->checks_len - 1]->result, GS_RESULT_PASSED);
    gs_expect_obs_clear(&o);

    gs_expect_obs_init(&o, &send_tls, &ex, "a.example.com", "r-", 4);
    o.cert_owner = fake_cert_owner;
    r.cert_sha256 = "bb"; /* b's: the gateway routed the SNI to the wrong backend */
    gs_expect_observe(&o, &r);
    r.index = 1;
    r.cert_sha256 = "cc"; /* nobody's: TLS terminated at the gateway */
    r.cert_subject = "CN=gateway";
    gs_expect_observe(&o, &r);
    res.requests = res.responses = 2;
    ck_assert_uint_eq(gs_expect_finish(&o, &res, &st, step), 1);
    gs_results_check *c = step->checks[step->checks_len - 1];
    ck_assert_str_eq(c->kind, "certificate");
    ck_assert_int_eq(c->result, GS_RESULT_FAILED);
    ck_assert_msg(strstr(c->message, "2 of 2 responses did not match; first: saw the certificate "
                                     "of default/b"),
                  "%s", c->message);
    gs_expect_obs_clear(&o);
    counts_free(&res.certificates);
}
END_TEST

/* `backend: none` on layer 4: a connection the gateway refuses, resets or closes during the
 * handshake is what it asks for; one that times out or that a backend answers is not. On HTTP
 * the same refusal is "no response", an offence. */
START_TEST(expect_l4_backend_none_is_a_closed_connection)
{
    static gs_scenario_send send_tls = {.present = true, .protocol = GS_SCENARIO_TLS};
    gs_scenario_expect ex = {.present = true, .backend_none = true};
    gs_scenario_statistics st = {.alpha = 0.001, .power = 0.99, .min_effect = 0.02};
    gs_expect_obs o;
    gs_expect_obs_init(&o, &send_tls, &ex, "x.example.com", "r-", 4);
    gs_traffic_response r = {.index = 0, .grpc_status = -1, .error = GS_TRAFFIC_ERR_CONNECT};
    gs_expect_observe(&o, &r);
    r.index = 1;
    r.error = GS_TRAFFIC_ERR_TLS;
    gs_expect_observe(&o, &r);
    r.index = 2;
    r.error = GS_TRAFFIC_ERR_RESET;
    gs_expect_observe(&o, &r);
    gs_traffic_result res = {.requests = 3};
    res.errors[GS_TRAFFIC_ERR_CONNECT] = res.errors[GS_TRAFFIC_ERR_TLS] =
        res.errors[GS_TRAFFIC_ERR_RESET] = 1;
    ck_assert_uint_eq(gs_expect_finish(&o, &res, &st, step), 0);
    gs_expect_obs_clear(&o);

    gs_expect_obs_init(&o, &send_tls, &ex, "x.example.com", "r-", 4);
    r.index = 0;
    r.error = GS_TRAFFIC_ERR_TIMEOUT;
    gs_expect_observe(&o, &r);
    gs_traffic_response a = {.index = 1, .grpc_status = -1, .backend = "default/a/0"};
    gs_expect_observe(&o, &a);
    res = (gs_traffic_result){.requests = 2, .responses = 1};
    res.errors[GS_TRAFFIC_ERR_TIMEOUT] = 1;
    ck_assert_uint_eq(gs_expect_finish(&o, &res, &st, step), 1);
    gs_results_check *c = step->checks[step->checks_len - 1];
    ck_assert_str_eq(c->kind, "backend");
    ck_assert_msg(strstr(c->message, "2 of 2 responses did not match; first: no response "
                                     "(timeout)"),
                  "%s", c->message);
    gs_expect_obs_clear(&o);

    gs_expect_obs_init(&o, &send_get, &ex, "x.example.com", "r-", 4);
    r.error = GS_TRAFFIC_ERR_CONNECT;
    gs_expect_observe(&o, &r);
    res = (gs_traffic_result){.requests = 1};
    res.errors[GS_TRAFFIC_ERR_CONNECT] = 1;
    ck_assert_uint_eq(gs_expect_finish(&o, &res, &st, step), 1);
    gs_expect_obs_clear(&o);
}
END_TEST

START_TEST(expect_status_names_the_gateways_errors)
{
    /* A failed status check carries the target's error counters for the step when it has any;
     * without counters, or with none counted, nothing is added. */
    gs_scenario_expect ex = {.present = true, .statuses = {200}, .n_statuses = 1};
    gs_scenario_statistics st = {.alpha = 0.001, .power = 0.99, .min_effect = 0.02};
    const gs_expect_target_errors cases[] = {
        {.known = true, .upstream_errors = 3, .timeouts = 1},
        {.known = true, .upstream_errors = 1},
        {.known = true, .timeouts = 2},
        {.known = true},
        {.known = false, .upstream_errors = 5},
    };
    const char *want[] = {
        "502 \xc3\x97" "4; the gateway counted 3 upstream failures and 1 timeout in this step",
        "502 \xc3\x97" "4; the gateway counted 1 upstream failure in this step",
        "502 \xc3\x97" "4; the gateway counted 2 timeouts in this step",
        "502 \xc3\x97" "4",
        "502 \xc3\x97" "4",
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        gs_results_step *one = gs_results_add_step(results->scenarios[0], "errors");
        char id[32];
        gs_expect_obs o;
        gs_expect_obs_init(&o, &send_get, &ex, "app", "r-", 4);
        o.target_errors = cases[k];
        for (int i = 0; i < 4; i++) {
            gs_traffic_response r = echo_response(i, NULL, "", id);
            r.status = 502;
            gs_expect_observe(&o, &r);
        }
        gs_traffic_result res = {.requests = 4, .responses = 4};
        counts_set(&res.statuses, "502", 4);
        ck_assert_uint_eq(gs_expect_finish(&o, &res, &st, one), 1);
        ck_assert_str_eq(one->checks[0]->kind, "status");
        ck_assert_str_eq(one->checks[0]->observed, want[k]);
        gs_expect_obs_clear(&o);
        counts_free(&res.statuses);
    }
}
END_TEST

START_TEST(expect_grpc_status_and_latency)
{
    gs_scenario_send gs = {.present = true,
                           .protocol = GS_SCENARIO_GRPC,
                           .method = "GET",
                           .path = "/",
                           .grpc_service = "shop.v1.Cart",
                           .grpc_method = "Pay"};
    gs_scenario_expect ex = {.present = true,
                             .has_grpc_status = true,
                             .grpc_status = 12,
                             .latency = {.present = true, .p99_ns = 50 * 1000000LL}};
    gs_scenario_statistics st = {.alpha = 0.001, .power = 0.99, .min_effect = 0.02};
    gs_expect_obs o;
    gs_expect_obs_init(&o, &gs, &ex, "grpc", NULL, 2);
    gs_traffic_response a = {.index = 0, .status = 200, .grpc_status = 12};
    gs_traffic_response b = {.index = 1, .status = 404, .grpc_status = -1}; /* 404 -> 12 too? */
    gs_expect_observe(&o, &a);
    gs_expect_observe(&o, &b);
    gs_traffic_result res = {.requests = 2, .responses = 2};
    gs_histogram_new(&res.latency);
    gs_histogram_record(res.latency, 10 * 1000000LL);
    gs_histogram_record(res.latency, 80 * 1000000LL);
    unsigned failed = gs_expect_finish(&o, &res, &st, step);
    /* A response without grpc-status is an offender even when its HTTP status maps to 12. */
    ck_assert_uint_eq(failed, 2);
    ck_assert(
        strstr(step->checks[0]->message, "grpc-status 12 (UNIMPLEMENTED) from the HTTP status"));
    ck_assert_str_eq(step->checks[1]->kind, "latency");
    /* milliseconds as written: no "50.000 ms" */
    ck_assert_str_eq(step->checks[1]->expected, "p99 <= 50 ms");
    ck_assert(strstr(step->checks[1]->message, "over the limit: p99 80"));
    ck_assert(strstr(step->checks[1]->message, " ms > 50 ms"));
    gs_histogram_free(res.latency);
    gs_expect_obs_clear(&o);
}
END_TEST

/* xorshift64*: a fixed-seed generator, so the simulation below is the same on every run. */
static uint64_t sim_state = 0x9e3779b97f4a7c15ULL;
static double sim_uniform(void)
{
    sim_state ^= sim_state >> 12;
    sim_state ^= sim_state << 25;
    sim_state ^= sim_state >> 27;
    return (double)((sim_state * 0x2545f4914f6cdd1dULL) >> 11) / 9007199254740992.0;
}

START_TEST(expect_split_false_failure_rate_by_simulation)
{
    /* 2,000 runs of a correct 70/30 gateway (1,000 requests each), checked at alpha 0.01: the
     * split check must fail about 1% of them (exact tests are conservative: at most alpha, in
     * expectation). Bounds: 2000 * 0.01 = 20 expected; [4, 36] is beyond 3.5 standard
     * deviations either way. */
    static const char *const names[] = {"default/stable", "default/canary"};
    gs_scenario_weight w[] = {{names[0], 70, {0}}, {names[1], 30, {0}}};
    gs_scenario_expect ex = {.present = true, .split = w, .n_split = 2};
    gs_scenario_statistics st = {.alpha = 0.01, .power = 0.99, .min_effect = 0.02};
    unsigned failures = 0;
    for (int run = 0; run < 2000; run++) {
        uint64_t stable = 0;
        for (int i = 0; i < 1000; i++)
            stable += sim_uniform() < 0.7;
        gs_traffic_result res = {.requests = 1000, .responses = 1000};
        counts_set(&res.backends, names[0], stable);
        counts_set(&res.backends, names[1], 1000 - stable);
        gs_results *r;
        gs_results_new(&r, "builtin", 0, 0);
        gs_results_step *stp = gs_results_add_step(gs_results_add_scenario(r, "s", NULL), "x");
        gs_expect_obs o;
        gs_expect_obs_init(&o, &send_get, &ex, "app", NULL, 1000);
        failures += gs_expect_finish(&o, &res, &st, stp);
        gs_expect_obs_clear(&o);
        gs_results_free(r);
        counts_free(&res.backends);
    }
    ck_assert_msg(failures >= 4 && failures <= 36, "%u of 2000 correct runs failed", failures);
}
END_TEST

START_TEST(expect_header_value_forms)
{
    const char *one[] = {"a"};
    const char *two[] = {"a", "b"};
    const char *spaced[] = {"GET,  OPTIONS"};
    /* A string: one field has it, or the fields comma-joined do (upstream's comparison). */
    gs_scenario_header_expect any = {.name = "x", .value = "a"};
    ck_assert(gs_expect_header_matches(&any, one, 1));
    ck_assert(gs_expect_header_matches(&any, two, 2));
    ck_assert(!gs_expect_header_matches(&any, NULL, 0));
    gs_scenario_header_expect joined = {.name = "x", .value = "a,b"};
    ck_assert(gs_expect_header_matches(&joined, two, 2));
    ck_assert(!gs_expect_header_matches(&joined, one, 1));
    /* exactly: count and order; a `set` that appended fails. */
    const char *ab[] = {"a", "b"}, *ba[] = {"b", "a"};
    gs_scenario_header_expect exact = {
        .name = "x", .mode = GS_SCENARIO_VALUE_EXACTLY, .values = ab, .n_values = 2};
    ck_assert(gs_expect_header_matches(&exact, two, 2));
    const char *rev[] = {"b", "a"};
    ck_assert(!gs_expect_header_matches(&exact, rev, 2));
    ck_assert(!gs_expect_header_matches(&exact, one, 1));
    gs_scenario_header_expect set = {
        .name = "x", .mode = GS_SCENARIO_VALUE_EXACTLY, .values = one, .n_values = 1};
    ck_assert(gs_expect_header_matches(&set, one, 1));
    ck_assert(!gs_expect_header_matches(&set, two, 2)); /* appended, not replaced */
    /* oneOf, with and without whitespace. */
    const char *methods[] = {"GET, OPTIONS", "OPTIONS, GET"};
    gs_scenario_header_expect of = {
        .name = "x", .mode = GS_SCENARIO_VALUE_ONE_OF, .values = methods, .n_values = 2};
    ck_assert(!gs_expect_header_matches(&of, spaced, 1));
    of.ignore_whitespace = true;
    ck_assert(gs_expect_header_matches(&of, spaced, 1));
    const char *nospace[] = {"OPTIONS,GET"};
    ck_assert(gs_expect_header_matches(&of, nospace, 1));
    const char *other[] = {"GET, POST"};
    ck_assert(!gs_expect_header_matches(&of, other, 1));
    gs_scenario_header_expect of2 = {
        .name = "x", .mode = GS_SCENARIO_VALUE_ONE_OF, .values = ba, .n_values = 2};
    ck_assert(gs_expect_header_matches(&of2, one, 1));  /* "a" is one of them */
    ck_assert(!gs_expect_header_matches(&of2, two, 2)); /* "a,b" is neither */
}
END_TEST

START_TEST(expect_header_answered_by)
{
    /* The value the backend saw must name the backend that answered this very request. */
    gs_scenario_header_expect svc = {.name = "Backend", .mode = GS_SCENARIO_VALUE_ANSWERED_BY};
    const char *v1[] = {"infra-backend-v1"}, *v2[] = {"infra-backend-v2"};
    const char *twice[] = {"infra-backend-v1", "infra-backend-v1"};
    const char *by1 = "infra/infra-backend-v1/infra-backend-v1-0";
    const char *by2 = "infra/infra-backend-v2/infra-backend-v2-0";
    ck_assert(gs_expect_header_matches_answer(&svc, v1, 1, by1));
    ck_assert(gs_expect_header_matches_answer(&svc, v2, 1, by2));
    ck_assert(!gs_expect_header_matches_answer(&svc, v1, 1, by2)); /* crossed over */
    ck_assert(!gs_expect_header_matches_answer(&svc, twice, 2, by1)); /* one field only */
    ck_assert(!gs_expect_header_matches_answer(&svc, v1, 1, NULL));  /* no backend answered */
    ck_assert(!gs_expect_header_matches_answer(&svc, NULL, 0, by1));
    ck_assert(!gs_expect_header_matches(&svc, v1, 1)); /* meaningless without the response */
    gs_scenario_header_expect qual = svc;
    qual.answered_by_backend = true;
    const char *nsname[] = {"infra/infra-backend-v1"};
    ck_assert(gs_expect_header_matches_answer(&qual, nsname, 1, by1));
    ck_assert(!gs_expect_header_matches_answer(&qual, v1, 1, by1));
    /* Other forms are unchanged by the answering backend. */
    gs_scenario_header_expect plain = {.name = "x", .value = "infra-backend-v1"};
    ck_assert(gs_expect_header_matches_answer(&plain, v1, 1, by2));
}
END_TEST

START_TEST(expect_location_default_ports)
{
    ck_assert(gs_expect_location_equal("http://a.example/p", "http://a.example/p"));
    ck_assert(gs_expect_location_equal("http://a.example/p", "http://a.example:80/p"));
    ck_assert(gs_expect_location_equal("https://a.example:443/p?q=1", "https://a.example/p?q=1"));
    ck_assert(gs_expect_location_equal("HTTP://A.example/p", "http://a.example:80/p"));
    ck_assert(gs_expect_location_equal("http://[::1]/x", "http://[::1]:80/x"));
    /* Not the default port, another scheme's default, another path: different. */
    ck_assert(!gs_expect_location_equal("http://a.example/p", "http://a.example:8080/p"));
    ck_assert(!gs_expect_location_equal("http://a.example/p", "http://a.example:443/p"));
    ck_assert(!gs_expect_location_equal("https://a.example/p", "http://a.example/p"));
    ck_assert(!gs_expect_location_equal("http://a.example/p", "http://a.example/P"));
    ck_assert(!gs_expect_location_equal("http://a.example/p", "http://b.example/p"));
    ck_assert(!gs_expect_location_equal("http://a.example/p", "http://a.example:80x/p"));
    /* Relative references: exact. */
    ck_assert(gs_expect_location_equal("/p", "/p"));
    ck_assert(!gs_expect_location_equal("/p", "http://a.example/p"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("expect");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60); /* 2,000 simulated split checks, each with its intervals */
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, expect_split_75_25_against_70_30_fails);
    tcase_add_test(tc, expect_split_75_25_correct_passes);
    tcase_add_test(tc, expect_zero_weight_claimed_at_2_percent_fails);
    tcase_add_test(tc, expect_request_header_missing_fails_with_evidence);
    tcase_add_test(tc, expect_mirror_unconfigured_fails_and_configured_passes);
    tcase_add_test(tc, expect_mirror_fraction_binomial);
    tcase_add_test(tc, expect_mirror_failure_explained);
    tcase_add_test(tc, expect_header_value_forms);
    tcase_add_test(tc, expect_header_answered_by);
    tcase_add_test(tc, expect_location_default_ports);
    tcase_add_test(tc, expect_status_backend_redirect_response);
    tcase_add_test(tc, expect_proto_and_present_headers);
    tcase_add_test(tc, expect_grpc_status_and_latency);
    tcase_add_test(tc, expect_status_names_the_gateways_errors);
    tcase_add_test(tc, expect_certificate_seen_by_the_client);
    tcase_add_test(tc, expect_l4_backend_none_is_a_closed_connection);
    tcase_add_test(tc, expect_split_false_failure_rate_by_simulation);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
