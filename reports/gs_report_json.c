/* SPDX-License-Identifier: MIT */
/* results.json: the schema of docs/cli.md
 * ({"target","startedAt","summary","scenarios":[{..."steps":
 * [{..."traffic","checks"}]}]}) plus extra fields (seed, state, evidence, split rows, a step's
 * targetStats). Field names are a contract with scripts; add, never rename. Formatting only. */
#include "gs_report.h"

#include "gs_json.h"
#include "gs_time.h"

#include <math.h>

static void json_opt_string(gs_json *j, const char *key, const char *v)
{
    if (v == NULL)
        return;
    gs_json_key(j, key);
    gs_json_string(j, v);
}

static void json_opt_double(gs_json *j, const char *key, double v)
{
    if (isnan(v))
        return;
    gs_json_key(j, key);
    gs_json_double(j, v);
}

/* The contract allows only passed|failed|error|skipped: a pending entry is "skipped" + pending. */
static void json_result(gs_json *j, gs_result r)
{
    gs_json_key(j, "result");
    gs_json_string(j, r == GS_RESULT_PENDING ? "skipped" : gs_result_name(r));
    if (r == GS_RESULT_PENDING) {
        gs_json_key(j, "pending");
        gs_json_bool(j, true);
    }
}

/* The run stopped this step or scenario ("result": "error" in the contract's terms). */
static void json_interrupted(gs_json *j, bool interrupted)
{
    if (!interrupted)
        return;
    gs_json_key(j, "interrupted");
    gs_json_bool(j, true);
}

static void json_counts(gs_json *j, const char *key, const gs_results_counts *c)
{
    gs_json_key(j, key);
    gs_json_object_begin(j);
    for (size_t i = 0; i < c->len; i++) {
        gs_json_key(j, c->items[i].name);
        gs_json_uint(j, c->items[i].count);
    }
    gs_json_object_end(j);
}

static void json_traffic(gs_json *j, const gs_results_traffic *t)
{
    gs_json_key(j, "traffic");
    gs_json_object_begin(j);
    gs_json_key(j, "requests");
    gs_json_uint(j, t->requests);
    gs_json_key(j, "durationSeconds");
    gs_json_double(j, t->duration_seconds);
    gs_json_key(j, "rps");
    gs_json_double(j, t->rps);
    gs_json_key(j, "latencyMs");
    gs_json_object_begin(j);
    gs_json_key(j, "p50");
    gs_json_double(j, t->latency_ms.p50);
    gs_json_key(j, "p90");
    gs_json_double(j, t->latency_ms.p90);
    gs_json_key(j, "p99");
    gs_json_double(j, t->latency_ms.p99);
    gs_json_key(j, "p999");
    gs_json_double(j, t->latency_ms.p999);
    gs_json_key(j, "max");
    gs_json_double(j, t->latency_ms.max);
    gs_json_object_end(j);
    json_counts(j, "statuses", &t->statuses);
    json_counts(j, "backends", &t->backends);
    json_counts(j, "errors", &t->errors);
    gs_json_object_end(j);
}

static void json_share(gs_json *j, const gs_results_share *sh)
{
    gs_json_object_begin(j);
    gs_json_key(j, "backend");
    gs_json_string(j, sh->backend);
    json_opt_double(j, "expectedWeight", sh->expected_weight);
    json_opt_double(j, "expectedShare", sh->expected_share);
    gs_json_key(j, "observedCount");
    gs_json_uint(j, sh->observed_count);
    json_opt_double(j, "observedShare", sh->observed_share);
    if (!isnan(sh->ci_low) && !isnan(sh->ci_high)) {
        gs_json_key(j, "interval");
        gs_json_array_begin(j);
        gs_json_double(j, sh->ci_low);
        gs_json_double(j, sh->ci_high);
        gs_json_array_end(j);
    }
    if (!isnan(sh->band_low) && !isnan(sh->band_high)) {
        gs_json_key(j, "band");
        gs_json_array_begin(j);
        gs_json_double(j, sh->band_low);
        gs_json_double(j, sh->band_high);
        gs_json_array_end(j);
    }
    json_opt_double(j, "detectableDeviation", sh->detectable);
    json_opt_double(j, "pValue", sh->p_value);
    json_opt_double(j, "pAdjusted", sh->p_adjusted);
    gs_json_object_end(j);
}

static void json_check(gs_json *j, const gs_results_check *c)
{
    gs_json_object_begin(j);
    gs_json_key(j, "kind");
    gs_json_string(j, c->kind);
    json_result(j, c->result);
    gs_json_key(j, "message");
    gs_json_string(j, c->message != NULL ? c->message : "");
    gs_json_key(j, "expected");
    gs_json_string(j, c->expected != NULL ? c->expected : "");
    gs_json_key(j, "observed");
    gs_json_string(j, c->observed != NULL ? c->observed : "");
    json_opt_double(j, "pValue", c->p_value);
    json_opt_string(j, "method", c->method);
    json_opt_double(j, "alpha", c->alpha);
    json_opt_double(j, "familyAlpha", c->family_alpha);
    json_opt_double(j, "tolerance", c->tolerance);
    json_opt_double(j, "intervalLevel", c->interval_level);
    json_opt_double(j, "power", c->power);
    if (c->samples > 0) {
        gs_json_key(j, "samples");
        gs_json_uint(j, c->samples);
    }
    json_opt_double(j, "detectableDeviation", c->detectable);
    if (c->shares_len > 0) {
        gs_json_key(j, "shares");
        gs_json_array_begin(j);
        for (size_t i = 0; i < c->shares_len; i++)
            json_share(j, c->shares[i]);
        gs_json_array_end(j);
    }
    if (c->evidence_request != NULL || c->evidence_response != NULL) {
        gs_json_key(j, "evidence");
        gs_json_object_begin(j);
        json_opt_string(j, "request", c->evidence_request);
        json_opt_string(j, "response", c->evidence_response);
        gs_json_object_end(j);
    }
    gs_json_object_end(j);
}

static void json_rollout_point(gs_json *j, const gs_results_rollout_point *p)
{
    gs_json_object_begin(j);
    gs_json_key(j, "stage");
    gs_json_string(j, p->stage);
    gs_json_key(j, "kind");
    gs_json_string(j, p->kind);
    json_result(j, p->result);
    json_opt_string(j, "decision", p->decision);
    json_opt_double(j, "writtenS", p->written_s);
    json_opt_double(j, "convergedS", p->converged_s);
    json_opt_double(j, "startS", p->start_s);
    json_opt_double(j, "endS", p->end_s);
    json_opt_double(j, "plannedWeight", p->planned_weight);
    gs_json_key(j, "answered");
    gs_json_uint(j, p->answered);
    gs_json_key(j, "canary");
    gs_json_uint(j, p->canary);
    gs_json_key(j, "failedRequests");
    gs_json_uint(j, p->failed);
    json_opt_double(j, "canaryShare", p->canary_share);
    if (!isnan(p->ci_low) && !isnan(p->ci_high)) {
        gs_json_key(j, "interval");
        gs_json_array_begin(j);
        gs_json_double(j, p->ci_low);
        gs_json_double(j, p->ci_high);
        gs_json_array_end(j);
    }
    json_opt_double(j, "successRate", p->success_rate);
    json_opt_double(j, "p99Ms", p->p99_ms);
    if (p->check > 0) {
        gs_json_key(j, "check");
        gs_json_uint(j, p->check - 1);
    }
    gs_json_object_end(j);
}

/* A rollout step's timeline ("rollout": {tool, outcome, alpha, timeline: [...]}). */
static void json_rollout(gs_json *j, const gs_results_rollout *ro)
{
    gs_json_key(j, "rollout");
    gs_json_object_begin(j);
    json_opt_string(j, "tool", ro->tool);
    json_opt_string(j, "outcome", ro->outcome);
    json_opt_double(j, "alpha", ro->alpha);
    gs_json_key(j, "timeline");
    gs_json_array_begin(j);
    for (size_t i = 0; i < ro->points_len; i++)
        json_rollout_point(j, ro->points[i]);
    gs_json_array_end(j);
    gs_json_object_end(j);
}

static void json_step(gs_json *j, const gs_results_step *st)
{
    gs_json_object_begin(j);
    gs_json_key(j, "name");
    gs_json_string(j, st->name);
    json_result(j, st->result);
    json_interrupted(j, st->interrupted);
    json_opt_string(j, "message", st->message);
    if (st->convergence_ms >= 0) {
        gs_json_key(j, "convergenceMs");
        gs_json_double(j, st->convergence_ms);
    }
    if (st->duration_ms >= 0) {
        gs_json_key(j, "durationMs");
        gs_json_double(j, st->duration_ms);
    }
    if (st->send.protocol != NULL) {
        gs_json_key(j, "send");
        gs_json_object_begin(j);
        gs_json_key(j, "protocol");
        gs_json_string(j, st->send.protocol);
        gs_json_key(j, "connections");
        gs_json_uint(j, st->send.connections);
        gs_json_key(j, "streams");
        gs_json_uint(j, st->send.streams);
        gs_json_key(j, "newConnectionPerRequest");
        gs_json_bool(j, st->send.new_connection_per_request);
        gs_json_object_end(j);
    }
    if (st->traffic.present)
        json_traffic(j, &st->traffic);
    if (st->target_stats.len)
        json_counts(j, "targetStats", &st->target_stats);
    if (st->rollout != NULL)
        json_rollout(j, st->rollout);
    gs_json_key(j, "checks");
    gs_json_array_begin(j);
    for (size_t i = 0; i < st->checks_len; i++)
        json_check(j, st->checks[i]);
    gs_json_array_end(j);
    gs_json_object_end(j);
}

static void json_scenario(gs_json *j, const gs_results_scenario *s)
{
    gs_json_object_begin(j);
    gs_json_key(j, "name");
    gs_json_string(j, s->name);
    gs_json_key(j, "file");
    gs_json_string(j, s->file != NULL ? s->file : "");
    json_opt_string(j, "description", s->description);
    json_result(j, s->result);
    json_interrupted(j, s->interrupted);
    gs_json_key(j, "durationMs");
    gs_json_double(j, s->duration_ms);
    json_opt_string(j, "error", s->error);
    gs_json_key(j, "steps");
    gs_json_array_begin(j);
    for (size_t i = 0; i < s->steps_len; i++)
        json_step(j, s->steps[i]);
    gs_json_array_end(j);
    gs_json_object_end(j);
}

void gs_report_json(const gs_results *r, gs_buf *out)
{
    gs_json j;
    char when[32];
    gs_results_summary sum;
    gs_results_summarize(r, &sum);

    gs_json_init(&j, out, true);
    gs_json_object_begin(&j);
    gs_json_key(&j, "target");
    gs_json_string(&j, r->target);
    gs_time_rfc3339(r->started_at, when);
    gs_json_key(&j, "startedAt");
    gs_json_string(&j, when);
    if (r->finished_at > 0) {
        gs_time_rfc3339(r->finished_at, when);
        gs_json_key(&j, "finishedAt");
        gs_json_string(&j, when);
    }
    gs_json_key(&j, "seed");
    gs_json_uint(&j, r->seed);
    if (!isnan(r->family_alpha)) {
        json_opt_double(&j, "familyAlpha", r->family_alpha);
        gs_json_key(&j, "randomChecks");
        gs_json_uint(&j, r->random_checks);
    }
    gs_json_key(&j, "state");
    gs_json_string(&j, gs_run_state_name(r->state));
    json_opt_string(&j, "version", r->version);
    gs_json_key(&j, "summary");
    gs_json_object_begin(&j);
    gs_json_key(&j, "scenarios");
    gs_json_uint(&j, sum.scenarios);
    gs_json_key(&j, "passed");
    gs_json_uint(&j, sum.passed);
    gs_json_key(&j, "failed");
    gs_json_uint(&j, sum.failed);
    gs_json_key(&j, "errors");
    gs_json_uint(&j, sum.errors);
    gs_json_key(&j, "skipped");
    gs_json_uint(&j, sum.skipped);
    gs_json_key(&j, "pending");
    gs_json_uint(&j, sum.pending);
    gs_json_key(&j, "interrupted");
    gs_json_uint(&j, sum.interrupted);
    gs_json_object_end(&j);
    gs_json_key(&j, "scenarios");
    gs_json_array_begin(&j);
    for (size_t i = 0; i < r->scenarios_len; i++)
        json_scenario(&j, r->scenarios[i]);
    gs_json_array_end(&j);
    gs_json_object_end(&j);
    gs_buf_putc(out, '\n');
}
