/* SPDX-License-Identifier: MIT */
/* The precedence differential test in CI: a fixed seed and a bounded count of random route sets
 * against the builtin route table (gatesim gateway's), the issue example as a fixed case, and the
 * harness itself (a target that ignores creationTimestamps is caught and minimised to a manifest
 * the model loads). Longer runs: tests/fuzz/precedence_diff.sh. */
#include "prec_diff.h"

#include "gs_model.h"
#include "gs_test.h"

#include <stdlib.h>
#include <string.h>

/* Fixed so that CI is reproducible; a few seconds on a loaded 2-core machine. */
#define CI_SEED 20240101
#define CI_SETS 600
#define CI_PER_SET 60

START_TEST(builtin_agrees_with_the_spec)
{
    prec_target t;
    prec_builtin_target(&t);
    prec_diff_opts o = {.seed = CI_SEED, .count = CI_SETS, .per_set = CI_PER_SET};
    prec_diff_stats st;
    char *report = NULL;
    size_t report_len = 0;
    FILE *f = open_memstream(&report, &report_len);
    int rc = prec_diff_run(&o, &t, f, &st);
    fclose(f);
    ck_assert_msg(rc == 0, "the builtin route table disagrees with the spec:\n%s", report);
    ck_assert_uint_eq(st.sets, CI_SETS);
    ck_assert_uint_eq(st.requests, (size_t)CI_SETS * CI_PER_SET);
    free(report);
}
END_TEST

/* Same age, both PathPrefix /, r2 first in the file: "{namespace}/{name}" picks a-b. */
START_TEST(issue_example_answers_a_b)
{
    prec_set s = {.n_listeners = 1, .n_routes = 2};
    const char *names[2] = {"r2", "a-b"};
    for (size_t i = 0; i < 2; i++) {
        prec_route *r = &s.routes[i];
        r->ns = "default";
        r->name = names[i];
        r->created = "2024-01-01T00:01:00Z";
        r->n_rules = 1;
        r->rules[0].n_matches = 1;
        r->rules[0].matches[0].path = "/";
    }
    prec_request q = {.host = "example.com", .method = "GET", .path = "/abcx"};
    prec_answer want, got;
    prec_oracle(&s, &q, &want);
    ck_assert_int_eq(want.outcome, PREC_MATCHED);
    ck_assert_str_eq(want.route, "default/a-b");
    prec_target t;
    prec_builtin_target(&t);
    char *yaml = prec_manifest(&s);
    char why[256] = "";
    ck_assert_msg(t.load(t.ctx, yaml, false, why, sizeof(why)) == 0, "%s", why);
    t.answer(t.ctx, &q, &got);
    t.unload(t.ctx);
    free(yaml);
    ck_assert_msg(prec_answer_equal(&want, &got), "builtin answered %s", got.route);
    /* default-1/b sorts before default/r2 ('-' < '/'), in either file order. */
    s.routes[1].ns = "default-1";
    s.routes[1].name = "b";
    prec_oracle(&s, &q, &want);
    ck_assert_str_eq(want.route, "default-1/b");
}
END_TEST

/* A target that drops every creationTimestamp (so age never decides): the harness must find it,
 * and the report must be a small manifest the model loads without errors. */
static prec_target mutant_inner;

static int mutant_load(void *ctx, const char *yaml, bool no_fallthrough, char *why, size_t n)
{
    (void)ctx;
    char *copy = strdup(yaml);
    for (char *p; (p = strstr(copy, ", creationTimestamp: \"")) != NULL;) {
        char *end = strchr(p + 22, '"');
        memmove(p, end + 1, strlen(end + 1) + 1);
    }
    int rc = mutant_inner.load(mutant_inner.ctx, copy, no_fallthrough, why, n);
    free(copy);
    return rc;
}

static void mutant_answer(void *ctx, const prec_request *q, prec_answer *out)
{
    (void)ctx;
    mutant_inner.answer(mutant_inner.ctx, q, out);
}

static void mutant_unload(void *ctx)
{
    (void)ctx;
    mutant_inner.unload(mutant_inner.ctx);
}

static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

START_TEST(a_disagreement_is_minimised_to_a_manifest)
{
    prec_builtin_target(&mutant_inner);
    prec_target t = {.name = "no-timestamps",
                     .load = mutant_load,
                     .answer = mutant_answer,
                     .unload = mutant_unload};
    prec_diff_opts o = {.seed = CI_SEED, .count = CI_SETS, .per_set = CI_PER_SET};
    char *report = NULL;
    size_t report_len = 0;
    FILE *f = open_memstream(&report, &report_len);
    prec_diff_stats st;
    int rc = prec_diff_run(&o, &t, f, &st);
    fclose(f);
    ck_assert_int_eq(rc, 1);
    ck_assert_uint_eq(st.disagreements, 1);
    /* Two routes of different ages are all it takes. */
    ck_assert_uint_eq(count_of(report, "kind: HTTPRoute"), 2);
    ck_assert_uint_ge(count_of(report, "creationTimestamp"), 1);
    ck_assert_ptr_nonnull(strstr(report, "# request:"));
    ck_assert_ptr_nonnull(strstr(report, "# spec:"));
    gs_model *m = NULL;
    gs_model_new(&m);
    ck_assert_int_eq(gs_model_load_buffer(m, "report.yaml", report, report_len, NULL, NULL), 0);
    ck_assert_uint_eq(m->diags.nerrors, 0);
    ck_assert_uint_eq(m->n_http_routes, 2);
    gs_model_free(m);
    free(report);
}
END_TEST

/* The generator is a pure function of the seed. */
START_TEST(route_sets_are_reproducible)
{
    prec_rng a, b;
    prec_rng_seed(&a, 7);
    prec_rng_seed(&b, 7);
    prec_set sa, sb;
    prec_gen_set(&a, &sa);
    prec_gen_set(&b, &sb);
    char *ya = prec_manifest(&sa), *yb = prec_manifest(&sb);
    ck_assert_str_eq(ya, yb);
    prec_request qa, qb;
    prec_gen_request(&a, &sa, &qa);
    prec_gen_request(&b, &sb, &qb);
    ck_assert_str_eq(qa.path, qb.path);
    ck_assert_str_eq(qa.host, qb.host);
    free(ya);
    free(yb);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("precedence_diff");
    TCase *tc = tcase_create("precedence_diff");
    tcase_add_test(tc, builtin_agrees_with_the_spec);
    tcase_add_test(tc, issue_example_answers_a_b);
    tcase_add_test(tc, a_disagreement_is_minimised_to_a_manifest);
    tcase_add_test(tc, route_sets_are_reproducible);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
