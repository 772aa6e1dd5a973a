/* SPDX-License-Identifier: MIT */
/* The rollout's decisions, without processes or time: analysis verdicts, the state machine over
 * the plan's actions, and the sequential test of convergence (docs/rollout.md says where each
 * rule comes from). */
#include "gs_rollout.h"

#include <math.h>
#include <stdio.h>

const char *gs_rollout_outcome_name(gs_rollout_outcome o)
{
    switch (o) {
    case GS_ROLLOUT_PROMOTED:
        return "promoted";
    case GS_ROLLOUT_ROLLED_BACK:
        return "rolledBack";
    case GS_ROLLOUT_HALTED:
        return "halted";
    case GS_ROLLOUT_RUNNING:
        break;
    }
    return "running";
}

bool gs_rollout_analyse(const gs_rollout_plan *p, const gs_rollout_metrics *m, char *why,
                        size_t why_len)
{
    if (m->responses == 0) {
        snprintf(why, why_len, "no canary responses in the window (no values to judge)");
        return false;
    }
    bool ok = true;
    int n = 0;
    why[0] = '\0';
    if (!isnan(p->min_success_rate)) {
        double rate = 100.0 * (double)m->ok / (double)m->responses;
        bool pass = rate >= p->min_success_rate;
        ok &= pass;
        n += snprintf(why + n, why_len - (size_t)n, "success rate %.2f%% %s %g%% (%llu of %llu)",
                      rate, pass ? ">=" : "<", p->min_success_rate, (unsigned long long)m->ok,
                      (unsigned long long)m->responses);
    }
    if (p->max_p99_ns > 0 && (size_t)n < why_len) {
        bool pass = m->p99_ns <= p->max_p99_ns;
        ok &= pass;
        snprintf(why + n, why_len - (size_t)n, "%sp99 %.1f ms %s %.1f ms", n ? ", " : "",
                 (double)m->p99_ns / 1e6, pass ? "<=" : ">", (double)p->max_p99_ns / 1e6);
    } else if (n == 0) {
        snprintf(why, why_len, "%llu canary responses (no thresholds)",
                 (unsigned long long)m->responses);
    }
    return ok;
}

static void rollout_finish_if_done(gs_rollout_state *s, const gs_rollout_plan *p)
{
    if (s->outcome == GS_ROLLOUT_RUNNING && s->next >= p->n_actions)
        s->outcome = GS_ROLLOUT_PROMOTED;
}

void gs_rollout_judged(gs_rollout_state *s, const gs_rollout_plan *p, bool passed)
{
    if (s->outcome != GS_ROLLOUT_RUNNING)
        return;
    if (passed) {
        s->next++;
        rollout_finish_if_done(s, p);
        return;
    }
    s->failed_checks++;
    unsigned threshold = p->threshold ? p->threshold : 1;
    if (s->failed_checks >= threshold)
        s->outcome = GS_ROLLOUT_ROLLED_BACK;
}

void gs_rollout_advance(gs_rollout_state *s, const gs_rollout_plan *p)
{
    if (s->outcome != GS_ROLLOUT_RUNNING || s->next >= p->n_actions)
        return;
    const gs_rollout_action *a = &p->actions[s->next];
    if (a->kind == GS_ROLLOUT_SET_WEIGHT) {
        s->weight = a->weight;
        if (a->weight > s->max_weight)
            s->max_weight = a->weight;
    }
    s->next++;
    rollout_finish_if_done(s, p);
}

#define ROLLOUT_SHARE_FLOOR 1e-4

static double rollout_clamp(double p)
{
    return p < ROLLOUT_SHARE_FLOOR ? ROLLOUT_SHARE_FLOOR
           : p > 1 - ROLLOUT_SHARE_FLOOR ? 1 - ROLLOUT_SHARE_FLOOR
                                         : p;
}

void gs_rollout_sprt_init(gs_rollout_sprt *s, double p0, double p1, double alpha, double beta)
{
    *s = (gs_rollout_sprt){0};
    if (p0 == p1)
        return; /* nothing to tell apart: steps stay 0, the first observation accepts */
    double a = rollout_clamp(p0), b = rollout_clamp(p1);
    s->step_canary = log(b / a);
    s->step_other = log((1 - b) / (1 - a));
    s->upper = log((1 - beta) / alpha);
    s->lower = log(beta / (1 - alpha));
}

gs_rollout_sprt_verdict gs_rollout_sprt_add(gs_rollout_sprt *s, bool canary)
{
    s->n++;
    if (s->step_canary == 0 && s->step_other == 0)
        return GS_ROLLOUT_SPRT_NEW;
    s->llr += canary ? s->step_canary : s->step_other;
    if (s->llr >= s->upper)
        return GS_ROLLOUT_SPRT_NEW;
    if (s->llr <= s->lower) {
        s->llr = 0;
        s->n = 0;
        s->restarts++;
        return GS_ROLLOUT_SPRT_OLD;
    }
    return GS_ROLLOUT_SPRT_MORE;
}
