/* SPDX-License-Identifier: MIT */
/* The plan of a `gatesim conform` run and the per-profile results, by the upstream suite's
 * rules (gs_conform.h): which tests are in scope, which are skipped or not supported, how
 * results are grouped into core and extended per profile and what result and summary each
 * group gets. */
#include "gs_conform.h"

#include "gs_alloc.h"
#include "gs_suggest.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *gs_conform_outcome_name(gs_conform_outcome o)
{
    switch (o) {
    case GS_CONFORM_PENDING:
        return "pending";
    case GS_CONFORM_SUCCEEDED:
        return "succeeded";
    case GS_CONFORM_FAILED:
        return "failed";
    case GS_CONFORM_SKIPPED:
        return "skipped";
    case GS_CONFORM_PROVISIONAL_SKIPPED:
        return "provisional, skipped";
    case GS_CONFORM_NOT_SUPPORTED:
        return "not supported";
    }
    return "?";
}

static size_t conform_feature_index(const gs_conf_feature *f)
{
    size_t n;
    return (size_t)(f - gs_conf_features(&n));
}

bool gs_conform_supported(const gs_conform_plan *plan, const gs_conf_feature *f)
{
    return plan->supported[conform_feature_index(f)];
}

/* Marks each named feature in |names| with |value|; an unknown name is a usage error. */
static int conform_mark(bool *marks, const char *const *names, size_t n, bool value,
                        const char *flag, gs_error *err)
{
    for (size_t i = 0; i < n; i++) {
        const gs_conf_feature *f = gs_conf_feature_find(names[i]);
        if (f == NULL) {
            size_t nf;
            const gs_conf_feature *all = gs_conf_features(&nf);
            const char **cands = gs_xcalloc(nf, sizeof(*cands));
            for (size_t k = 0; k < nf; k++)
                cands[k] = all[k].name;
            const char *near = gs_suggest_n(names[i], cands, nf);
            gs_error_set(err, GS_ERR_USAGE, "%s: unknown feature \"%s\"%s%s%s", flag, names[i],
                         near ? "; did you mean \"" : " (upstream's FeatureNames, e.g. HTTPRoute)",
                         near ? near : "", near ? "\"?" : "");
            free(cands);
            return GS_ERR_USAGE;
        }
        marks[conform_feature_index(f)] = value;
    }
    return 0;
}

static const gs_scenario *conform_find_test(const gs_scenario_list *list, const char *name)
{
    for (size_t i = 0; i < list->len; i++) {
        const gs_scenario_conformance *c = &list->items[i]->conformance;
        if (c->present && strcmp(c->short_name, name) == 0)
            return list->items[i];
    }
    return NULL;
}

/* An unknown --run-test or --skip-tests name is a usage error with a "did you mean". */
static int conform_check_name(const gs_scenario_list *list, const char *name, const char *flag,
                              gs_error *err)
{
    if (conform_find_test(list, name))
        return 0;
    const char **cands = gs_xcalloc(list->len + 1, sizeof(*cands));
    for (size_t i = 0; i < list->len; i++)
        if (list->items[i]->conformance.present)
            cands[i] = list->items[i]->conformance.short_name;
    const char *near = gs_suggest_n(name, cands, list->len);
    gs_error_set(err, GS_ERR_USAGE, "%s: no test \"%s\" in the library%s%s%s", flag, name,
                 near ? "; did you mean \"" : "", near ? near : "", near ? "\"?" : "");
    free(cands);
    return GS_ERR_USAGE;
}

static int conform_check_unique(const gs_scenario_list *list, gs_error *err)
{
    for (size_t i = 0; i < list->len; i++) {
        const gs_scenario *a = list->items[i];
        if (!a->conformance.present)
            continue;
        for (size_t j = i + 1; j < list->len; j++) {
            const gs_scenario *b = list->items[j];
            if (b->conformance.present &&
                strcmp(a->conformance.short_name, b->conformance.short_name) == 0)
                return gs_error_set(err, GS_ERR_INVALID,
                                    "%s:%u: test %s is also ported by %s:%u: one scenario per "
                                    "upstream test",
                                    b->conformance.pos.file, b->conformance.pos.line,
                                    b->conformance.short_name, a->conformance.pos.file,
                                    a->conformance.pos.line);
        }
    }
    return 0;
}

static int conform_by_short_name(const void *a, const void *b)
{
    const gs_conform_test *x = a, *y = b;
    return strcmp(x->sc->conformance.short_name, y->sc->conformance.short_name);
}

static bool conform_listed(const char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

/* Upstream's order: run-test and skip-tests make a test SKIPPED, skip-provisional-tests makes a
 * provisional one PROVISIONAL_SKIPPED, and a missing feature makes it NOT_SUPPORTED whatever
 * came before. */
static void conform_decide(gs_conform_plan *plan, const gs_conform_options *opts,
                           gs_conform_test *t)
{
    const gs_scenario_conformance *c = &t->sc->conformance;
    t->outcome = GS_CONFORM_PENDING;
    if (opts->run_test && strcmp(opts->run_test, c->short_name) != 0)
        t->outcome = GS_CONFORM_SKIPPED;
    if (conform_listed(opts->skip_tests, opts->n_skip_tests, c->short_name))
        t->outcome = GS_CONFORM_SKIPPED;
    if (opts->skip_provisional && c->provisional)
        t->outcome = GS_CONFORM_PROVISIONAL_SKIPPED;
    for (size_t i = 0; i < c->n_features; i++)
        if (!gs_conform_supported(plan, c->features[i])) {
            t->outcome = GS_CONFORM_NOT_SUPPORTED;
            t->missing = c->features[i];
            break;
        }
    /* Upstream's "X not supported" tests return before any check when the run supports X:
     * the test passes, so it does here, without running. */
    for (size_t i = 0; t->outcome == GS_CONFORM_PENDING && i < c->n_unless; i++)
        if (gs_conform_supported(plan, c->unless[i])) {
            t->outcome = GS_CONFORM_SUCCEEDED;
            t->unchecked_by = c->unless[i];
        }
}

int gs_conform_plan_build(gs_conform_plan *plan, const gs_scenario_list *list,
                          const gs_conform_options *opts, gs_error *err)
{
    *plan = (gs_conform_plan){.profiles = opts->profiles};
    size_t nf;
    const gs_conf_feature *all = gs_conf_features(&nf);
    plan->n_features = nf;
    plan->supported = gs_xcalloc(nf, sizeof(*plan->supported));
    int rc = conform_check_unique(list, err);
    for (size_t i = 0; rc == 0 && i < nf; i++)
        plan->supported[i] = opts->all_features;
    if (rc == 0 && !opts->all_features)
        rc = conform_mark(plan->supported, opts->supported, opts->n_supported, true,
                          "--supported-features", err);
    if (rc == 0)
        rc = conform_mark(plan->supported, opts->exempt, opts->n_exempt, false,
                          "--exempt-features", err);
    for (size_t i = 0; rc == 0 && i < nf; i++)
        if (all[i].core_of & opts->profiles)
            plan->supported[i] = true;
    if (rc == 0 && opts->run_test)
        rc = conform_check_name(list, opts->run_test, "--run-test", err);
    for (size_t i = 0; rc == 0 && i < opts->n_skip_tests; i++)
        rc = conform_check_name(list, opts->skip_tests[i], "--skip-tests", err);
    if (rc < 0) {
        gs_conform_plan_free(plan);
        return rc;
    }
    plan->tests = gs_xcalloc(list->len + 1, sizeof(*plan->tests));
    for (size_t i = 0; i < list->len; i++) {
        const gs_scenario_conformance *c = &list->items[i]->conformance;
        if (!c->present || (c->profiles != 0 && !(c->profiles & opts->profiles)))
            continue;
        gs_conform_test *t = &plan->tests[plan->n_tests++];
        t->sc = list->items[i];
        conform_decide(plan, opts, t);
    }
    qsort(plan->tests, plan->n_tests, sizeof(*plan->tests), conform_by_short_name);
    return 0;
}

void gs_conform_plan_free(gs_conform_plan *plan)
{
    for (size_t i = 0; i < plan->n_tests; i++)
        free(plan->tests[i].message);
    free(plan->tests);
    free(plan->supported);
    *plan = (gs_conform_plan){0};
}

/* ---- per-profile results ---- */

static void conform_status_add(gs_conform_status *st, gs_conform_outcome o, const char *name)
{
    switch (o) {
    case GS_CONFORM_SUCCEEDED:
        st->passed++;
        break;
    case GS_CONFORM_FAILED:
        st->failed++;
        st->failed_tests = gs_xrealloc(st->failed_tests, (st->n_failed_tests + 1) *
                                                             sizeof(*st->failed_tests));
        st->failed_tests[st->n_failed_tests++] = name;
        break;
    case GS_CONFORM_SKIPPED:
        st->skipped++;
        st->skipped_tests = gs_xrealloc(st->skipped_tests, (st->n_skipped_tests + 1) *
                                                               sizeof(*st->skipped_tests));
        st->skipped_tests[st->n_skipped_tests++] = name;
        break;
    default: /* not supported, or not run: counted nowhere, as upstream */
        break;
    }
}

/* Upstream: failure when a test failed, partial when one was skipped, else success. */
static void conform_status_result(gs_conform_status *st)
{
    st->result = st->failed ? "failure" : st->skipped ? "partial" : "success";
}

static size_t conform_status_text(const gs_conform_status *st, char *out, size_t cap)
{
    if (st->failed)
        return (size_t)snprintf(out, cap, "failed with %u test failures", st->failed);
    if (st->skipped)
        return (size_t)snprintf(out, cap, "partially succeeded with %u test skips", st->skipped);
    return (size_t)snprintf(out, cap, "succeeded");
}

static int conform_by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The profile's extended features the run supports and those it does not, sorted. */
static void conform_profile_features(const gs_conform_plan *plan, gs_conf_profile profile,
                                     gs_conform_profile_report *r)
{
    size_t nf;
    const gs_conf_feature *all = gs_conf_features(&nf);
    r->supported_features = gs_xcalloc(nf, sizeof(char *));
    r->unsupported_features = gs_xcalloc(nf, sizeof(char *));
    for (size_t i = 0; i < nf; i++) {
        if (!(all[i].extended_of & profile))
            continue;
        if (plan->supported[i])
            r->supported_features[r->n_supported_features++] = all[i].name;
        else
            r->unsupported_features[r->n_unsupported_features++] = all[i].name;
    }
    qsort(r->supported_features, r->n_supported_features, sizeof(char *), conform_by_name);
    qsort(r->unsupported_features, r->n_unsupported_features, sizeof(char *), conform_by_name);
}

void gs_conform_profile_compute(const gs_conform_plan *plan, gs_conf_profile profile,
                                gs_conform_profile_report *r)
{
    *r = (gs_conform_profile_report){.profile = profile};
    for (size_t i = 0; i < plan->n_tests; i++) {
        const gs_conform_test *t = &plan->tests[i];
        const gs_scenario_conformance *c = &t->sc->conformance;
        /* upstream leaves a provisional test it skipped out of every profile */
        if (!(c->profiles & profile) || t->outcome == GS_CONFORM_PROVISIONAL_SKIPPED)
            continue;
        r->present = true;
        bool extended = gs_conf_test_extended(profile, c->features, c->n_features);
        if (extended && (t->outcome == GS_CONFORM_SUCCEEDED || t->outcome == GS_CONFORM_FAILED ||
                         t->outcome == GS_CONFORM_SKIPPED))
            r->has_extended = true;
        conform_status_add(extended ? &r->extended : &r->core, t->outcome, c->short_name);
    }
    conform_status_result(&r->core);
    conform_status_result(&r->extended);
    size_t len = (size_t)snprintf(r->summary, sizeof(r->summary), "Core tests ");
    len += conform_status_text(&r->core, r->summary + len, sizeof(r->summary) - len);
    if (r->has_extended) {
        len += (size_t)snprintf(r->summary + len, sizeof(r->summary) - len, ". Extended tests ");
        len += conform_status_text(&r->extended, r->summary + len, sizeof(r->summary) - len);
    }
    snprintf(r->summary + len, sizeof(r->summary) - len, ".");
    if (r->has_extended)
        conform_profile_features(plan, profile, r);
}

static void conform_status_free(gs_conform_status *st)
{
    free(st->skipped_tests);
    free(st->failed_tests);
}

void gs_conform_profile_free(gs_conform_profile_report *r)
{
    conform_status_free(&r->core);
    conform_status_free(&r->extended);
    free(r->supported_features);
    free(r->unsupported_features);
    *r = (gs_conform_profile_report){0};
}

const char *gs_conform_default_library(void)
{
    static const char *const cands[] = {"scenarios/conformance", GS_CONFORMANCE_LIBRARY};
    for (size_t i = 0; i < sizeof(cands) / sizeof(cands[0]); i++)
        if (access(cands[i], R_OK) == 0)
            return cands[i];
    return cands[0];
}
