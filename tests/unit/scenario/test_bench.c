/* SPDX-License-Identifier: MIT */
/* The named `gatesim bench` profiles hold what docs/ci.md's table says of them: every name
 * gs_bench_profile_names lists resolves, case names are unique (compare matches on them),
 * throughput covers 1/16/64/512 connections for HTTP/1.1, h2c and gRPC, latency is open loop at
 * fixed rates, nightly is both, quick keeps a schedule under 2 minutes and covers the three
 * protocols, route-scale grows the route count with propagation probes, churn churns. */
#include "gs_bench.h"
#include "gs_bench_priv.h"
#include "gs_test.h"
#include "gs_time.h"

#include <stdlib.h>
#include <string.h>

static gs_bench_profile *named(const char *name)
{
    gs_bench_profile *p = calloc(1, sizeof(*p));
    ck_assert_ptr_nonnull(p);
    ck_assert_msg(gs_bench_profile_named(name, p) == 0, "profile %s", name);
    ck_assert_str_eq(p->name, name);
    ck_assert_uint_gt(p->n_cases, 0);
    ck_assert_uint_ge(p->rounds, 2); /* compare needs 2 rounds a side for an interval */
    for (size_t i = 0; i < p->n_cases; i++) {
        const gs_bench_case *k = &p->cases[i];
        ck_assert_msg(k->connections >= 1 && k->streams >= 1 && k->duration_ns > 0, "%s", k->name);
        for (size_t j = 0; j < i; j++)
            ck_assert_msg(strcmp(k->name, p->cases[j].name) != 0, "%s: %s twice", name, k->name);
    }
    return p;
}

/* The case of |p| with this protocol, connections, streams and rate, or NULL. */
static const gs_bench_case *find(const gs_bench_profile *p, gs_traffic_protocol proto,
                                 unsigned c, unsigned m, double rate)
{
    for (size_t i = 0; i < p->n_cases; i++) {
        const gs_bench_case *k = &p->cases[i];
        if (k->protocol == proto && k->connections == c && k->streams == m && k->rate == rate &&
            k->routes == 0)
            return k;
    }
    return NULL;
}

START_TEST(every_listed_name_resolves)
{
    char *names = strdup(gs_bench_profile_names());
    size_t n = 0;
    for (char *save = NULL, *t = strtok_r(names, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
        free(named(t));
        n++;
    }
    ck_assert_uint_eq(n, 6);
    free(names);
    gs_bench_profile p;
    ck_assert_int_eq(gs_bench_profile_named("fastest", &p), GS_ERR_NOT_FOUND);
}
END_TEST

START_TEST(throughput_latency_nightly)
{
    static const gs_traffic_protocol protos[] = {GS_TRAFFIC_HTTP1, GS_TRAFFIC_H2C,
                                                 GS_TRAFFIC_GRPC};
    static const unsigned conns[] = {1, 16, 64, 512};
    gs_bench_profile *t = named("throughput"), *l = named("latency"), *n = named("nightly");
    ck_assert_uint_eq(t->n_cases, 12);
    for (size_t i = 0; i < 3; i++)
        for (size_t c = 0; c < 4; c++)
            ck_assert_msg(find(t, protos[i], conns[c], 1, 0) != NULL, "throughput %s x%u",
                          gs_traffic_protocol_name(protos[i]), conns[c]);
    static const double rates[] = {500, 2000, 10000};
    for (size_t i = 0; i < 3; i++)
        ck_assert_ptr_nonnull(find(l, GS_TRAFFIC_HTTP1, 64, 1, rates[i]));
    ck_assert_ptr_nonnull(find(l, GS_TRAFFIC_H2C, 16, 16, 2000));
    for (size_t i = 0; i < l->n_cases; i++)
        ck_assert_msg(l->cases[i].rate > 0, "latency case %s is not open loop", l->cases[i].name);
    /* nightly: every case of both, by name */
    ck_assert_uint_eq(n->n_cases, t->n_cases + l->n_cases);
    for (size_t i = 0; i < n->n_cases; i++) {
        const gs_bench_case *k = &n->cases[i];
        const gs_bench_profile *from = i < t->n_cases ? t : l;
        const gs_bench_case *want = &from->cases[i < t->n_cases ? i : i - t->n_cases];
        ck_assert_str_eq(k->name, want->name);
    }
    free(t);
    free(l);
    free(n);
}
END_TEST

/* quick: the three protocols and an open-loop case, and a schedule (rounds x (warm-up +
 * duration) over its cases) well inside the 2 minutes the issue allows with the deployment. */
START_TEST(quick_fits_two_minutes)
{
    gs_bench_profile *q = named("quick");
    bool proto[GS_TRAFFIC_GRPC + 1] = {false}, open = false;
    int64_t total = 0;
    for (size_t i = 0; i < q->n_cases; i++) {
        const gs_bench_case *k = &q->cases[i];
        if (k->protocol <= GS_TRAFFIC_GRPC)
            proto[k->protocol] = true;
        open = open || k->rate > 0;
        total += (int64_t)q->rounds * (q->warmup_ns + k->duration_ns);
    }
    ck_assert(proto[GS_TRAFFIC_HTTP1] && proto[GS_TRAFFIC_H2C] && proto[GS_TRAFFIC_GRPC] && open);
    ck_assert_msg(total <= 60 * GS_NS_PER_S, "quick schedules %lld s of traffic",
                  (long long)(total / GS_NS_PER_S));
    free(q);
}
END_TEST

START_TEST(route_scale_and_churn)
{
    gs_bench_profile *r = named("route-scale"), *c = named("churn");
    static const unsigned counts[] = {10, 100, 1000, 10000}; /* docs/ci.md, the 10 -> 10,000 */
    ck_assert_uint_eq(r->n_cases, 4);
    for (size_t i = 0; i < r->n_cases; i++) {
        const gs_bench_case *k = &r->cases[i];
        ck_assert_uint_eq(k->routes, counts[i]);
        ck_assert_uint_gt(k->probes, 0);
        ck_assert(k->churn_interval_ns == 0);
    }
    ck_assert_ptr_eq(gs_bench_profile_route_case(r), &r->cases[0]);
    ck_assert_uint_eq(c->n_cases, 2);
    for (size_t i = 0; i < c->n_cases; i++) {
        ck_assert_uint_eq(c->cases[i].routes, 100);
        ck_assert(c->cases[i].churn_interval_ns == 200 * GS_NS_PER_MS);
    }
    ck_assert(c->cases[0].rate == 0 && c->cases[1].rate == 1000);
    gs_bench_profile *q = named("quick");
    ck_assert_ptr_null(gs_bench_profile_route_case(q));
    free(q);
    free(r);
    free(c);
}
END_TEST

/* A profile file's route fields, and what the parser refuses, naming the field. */
START_TEST(profile_file_route_fields)
{
    gs_bench_profile *p = calloc(1, sizeof(*p));
    gs_error err;
    const char *ok = "{\"name\": \"mine\", \"rounds\": 2, \"warmup\": \"1s\", \"cases\": ["
                     "{\"name\": \"r\", \"routes\": 50, \"probes\": 3, \"duration\": \"1s\"},"
                     "{\"name\": \"c\", \"routes\": 10, \"churn\": \"100ms\", \"rate\": 200}]}";
    ck_assert_msg(gs_bench_profile_parse(ok, strlen(ok), "p.json", p, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(p->n_cases, 2);
    ck_assert_uint_eq(p->rounds, 2);
    ck_assert(p->warmup_ns == GS_NS_PER_S);
    ck_assert(p->cases[0].routes == 50 && p->cases[0].probes == 3);
    ck_assert(p->cases[1].churn_interval_ns == 100 * GS_NS_PER_MS && p->cases[1].rate == 200);
    const char *bad = "{\"cases\": [{\"name\": \"r\", \"routes\": 0.5}]}";
    ck_assert_int_ne(gs_bench_profile_parse(bad, strlen(bad), "p.json", p, &err), 0);
    ck_assert_msg(strstr(err.msg, "p.json") && strstr(err.msg, "cases[0].routes"), "%s", err.msg);
    free(p);
}
END_TEST

/* propagationMs is the median of a round's probes, also for an even number of them. */
START_TEST(median_of_probes)
{
    double odd[] = {30, 10, 20}, even[] = {40, 10, 30, 20}, one[] = {7};
    ck_assert(gs_bench_median(odd, 3) == 20);
    ck_assert(odd[0] == 10 && odd[2] == 30); /* sorted: the max is the last */
    ck_assert(gs_bench_median(even, 4) == 25);
    ck_assert(gs_bench_median(one, 1) == 7);
    ck_assert(gs_bench_median(NULL, 0) == 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("scenario/bench");
    TCase *tc = tcase_create("bench");
    tcase_add_test(tc, every_listed_name_resolves);
    tcase_add_test(tc, throughput_latency_nightly);
    tcase_add_test(tc, quick_fits_two_minutes);
    tcase_add_test(tc, route_scale_and_churn);
    tcase_add_test(tc, profile_file_route_fields);
    tcase_add_test(tc, median_of_probes);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
