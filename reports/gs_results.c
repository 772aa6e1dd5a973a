/* SPDX-License-Identifier: MIT */
/* Construction and destruction of the results model (gs_results.h). Data only: no formatting
 * and no judging here; the runner decides results and the writers format them. */
#include "gs_results.h"

#include "gs_alloc.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *results_dup(const char *s)
{
    return s != NULL ? gs_xstrdup(s) : NULL;
}

int gs_results_new(gs_results **out, const char *target, int64_t started_at, uint64_t seed)
{
    gs_results *r = gs_xcalloc(1, sizeof(*r));
    r->target = gs_xstrdup(target); /* the run always knows its target */
    r->started_at = started_at;
    r->seed = seed;
    r->state = GS_RUN_RUNNING;
    r->family_alpha = NAN;
    *out = r;
    return 0;
}

static void results_counts_free(gs_results_counts *c)
{
    for (size_t i = 0; i < c->len; i++)
        free(c->items[i].name);
    free(c->items);
    memset(c, 0, sizeof(*c));
}

static void results_check_free(gs_results_check *c)
{
    if (c == NULL)
        return;
    free(c->kind);
    free(c->message);
    free(c->expected);
    free(c->observed);
    free(c->evidence_request);
    free(c->evidence_response);
    free(c->method);
    for (size_t i = 0; i < c->shares_len; i++) {
        free(c->shares[i]->backend);
        free(c->shares[i]);
    }
    free(c->shares);
    free(c);
}

static void results_rollout_free(gs_results_rollout *ro)
{
    if (ro == NULL)
        return;
    for (size_t i = 0; i < ro->points_len; i++) {
        free(ro->points[i]->stage);
        free(ro->points[i]->kind);
        free(ro->points[i]->decision);
        free(ro->points[i]);
    }
    free(ro->points);
    free(ro->tool);
    free(ro->outcome);
    free(ro);
}

static void results_step_free(gs_results_step *st)
{
    if (st == NULL)
        return;
    results_rollout_free(st->rollout);
    free(st->name);
    free(st->message);
    free(st->send.protocol);
    results_counts_free(&st->traffic.statuses);
    results_counts_free(&st->traffic.backends);
    results_counts_free(&st->traffic.errors);
    results_counts_free(&st->target_stats);
    for (size_t i = 0; i < st->checks_len; i++)
        results_check_free(st->checks[i]);
    free(st->checks);
    free(st);
}

static void results_scenario_free(gs_results_scenario *s)
{
    if (s == NULL)
        return;
    free(s->name);
    free(s->file);
    free(s->description);
    free(s->error);
    for (size_t i = 0; i < s->steps_len; i++)
        results_step_free(s->steps[i]);
    free(s->steps);
    free(s);
}

void gs_results_free(gs_results *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->scenarios_len; i++)
        results_scenario_free(r->scenarios[i]);
    free(r->scenarios);
    free(r->target);
    free(r->version);
    free(r);
}

gs_results_scenario *gs_results_add_scenario(gs_results *r, const char *name, const char *file)
{
    gs_results_scenario *s = gs_xcalloc(1, sizeof(*s));
    s->name = gs_xstrdup(name != NULL ? name : "");
    s->file = results_dup(file);
    s->result = GS_RESULT_PENDING;
    gs_xgrow((void **)&r->scenarios, &r->scenarios_cap, r->scenarios_len + 1,
             sizeof(*r->scenarios));
    r->scenarios[r->scenarios_len++] = s;
    return s;
}

gs_results_step *gs_results_add_step(gs_results_scenario *s, const char *name)
{
    gs_results_step *st = gs_xcalloc(1, sizeof(*st));
    st->name = gs_xstrdup(name != NULL ? name : "");
    st->result = GS_RESULT_PENDING;
    st->convergence_ms = -1;
    st->duration_ms = -1;
    gs_xgrow((void **)&s->steps, &s->steps_cap, s->steps_len + 1, sizeof(*s->steps));
    s->steps[s->steps_len++] = st;
    return st;
}

gs_results_check *gs_results_add_check(gs_results_step *st, const char *kind)
{
    gs_results_check *c = gs_xcalloc(1, sizeof(*c));
    c->kind = gs_xstrdup(kind != NULL ? kind : "");
    c->result = GS_RESULT_PENDING;
    c->p_value = NAN;
    c->alpha = NAN;
    c->family_alpha = NAN;
    c->tolerance = NAN;
    c->interval_level = NAN;
    c->power = NAN;
    c->detectable = NAN;
    gs_xgrow((void **)&st->checks, &st->checks_cap, st->checks_len + 1, sizeof(*st->checks));
    st->checks[st->checks_len++] = c;
    return c;
}

gs_results_rollout *gs_results_step_rollout(gs_results_step *st)
{
    if (st->rollout == NULL) {
        st->rollout = gs_xcalloc(1, sizeof(*st->rollout));
        st->rollout->alpha = NAN;
    }
    return st->rollout;
}

gs_results_rollout_point *gs_results_add_rollout_point(gs_results_rollout *ro, const char *stage,
                                                       const char *kind)
{
    gs_results_rollout_point *p = gs_xcalloc(1, sizeof(*p));
    p->stage = gs_xstrdup(stage != NULL ? stage : "");
    p->kind = gs_xstrdup(kind != NULL ? kind : "");
    p->result = GS_RESULT_PENDING;
    p->written_s = NAN;
    p->converged_s = NAN;
    p->start_s = NAN;
    p->end_s = NAN;
    p->planned_weight = NAN;
    p->canary_share = NAN;
    p->ci_low = NAN;
    p->ci_high = NAN;
    p->success_rate = NAN;
    p->p99_ms = NAN;
    gs_xgrow((void **)&ro->points, &ro->points_cap, ro->points_len + 1, sizeof(*ro->points));
    ro->points[ro->points_len++] = p;
    return p;
}

gs_results_share *gs_results_add_share(gs_results_check *c, const char *backend)
{
    gs_results_share *sh = gs_xcalloc(1, sizeof(*sh));
    sh->backend = gs_xstrdup(backend != NULL ? backend : "");
    sh->expected_weight = NAN;
    sh->expected_share = NAN;
    sh->observed_share = NAN;
    sh->ci_low = NAN;
    sh->ci_high = NAN;
    sh->detectable = NAN;
    sh->p_value = NAN;
    sh->p_adjusted = NAN;
    sh->band_low = NAN;
    sh->band_high = NAN;
    gs_xgrow((void **)&c->shares, &c->shares_cap, c->shares_len + 1, sizeof(*c->shares));
    c->shares[c->shares_len++] = sh;
    return sh;
}

void gs_results_counts_add(gs_results_counts *c, const char *name, uint64_t n)
{
    for (size_t i = 0; i < c->len; i++) {
        if (strcmp(c->items[i].name, name) == 0) {
            c->items[i].count += n;
            return;
        }
    }
    gs_xgrow((void **)&c->items, &c->cap, c->len + 1, sizeof(*c->items));
    c->items[c->len].name = gs_xstrdup(name);
    c->items[c->len].count = n;
    c->len++;
}

uint64_t gs_results_counts_get(const gs_results_counts *c, const char *name)
{
    for (size_t i = 0; i < c->len; i++)
        if (strcmp(c->items[i].name, name) == 0)
            return c->items[i].count;
    return 0;
}

void gs_results_set(char **slot, const char *fmt, ...)
{
    char *s = NULL;
    if (fmt != NULL) {
        va_list ap;
        va_start(ap, fmt);
        s = gs_xvasprintf(fmt, ap);
        va_end(ap);
    }
    free(*slot);
    *slot = s;
}

void gs_results_summarize(const gs_results *r, gs_results_summary *out)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < r->scenarios_len; i++) {
        out->scenarios++;
        switch (r->scenarios[i]->result) {
        case GS_RESULT_PASSED:
            out->passed++;
            break;
        case GS_RESULT_FAILED:
            out->failed++;
            break;
        case GS_RESULT_ERROR:
            out->errors++;
            out->interrupted += r->scenarios[i]->interrupted;
            break;
        case GS_RESULT_SKIPPED:
            out->skipped++;
            break;
        case GS_RESULT_PENDING:
            out->pending++;
            break;
        }
    }
}

const char *gs_result_name(gs_result r)
{
    switch (r) {
    case GS_RESULT_PASSED:
        return "passed";
    case GS_RESULT_FAILED:
        return "failed";
    case GS_RESULT_ERROR:
        return "error";
    case GS_RESULT_SKIPPED:
        return "skipped";
    case GS_RESULT_PENDING:
        break;
    }
    return "pending";
}

const char *gs_run_state_name(gs_run_state s)
{
    switch (s) {
    case GS_RUN_COMPLETE:
        return "complete";
    case GS_RUN_INTERRUPTED:
        return "interrupted";
    case GS_RUN_RUNNING:
        break;
    }
    return "running";
}
