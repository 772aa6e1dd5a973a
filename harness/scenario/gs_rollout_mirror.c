/* SPDX-License-Identifier: MIT */
/* The rollout run's mirror verification (gs_rollout_priv.h): probe requests with ids matching
 * a mirror route, counted as copied when the canary's request log holds their id more often
 * than the canary answered them itself. */
#include "gs_rollout_priv.h"

#include "gs_alloc.h"
#include "gs_expect.h"
#include "gs_gof.h"
#include "gs_proc.h"
#include "gs_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- mirror routes: probes with request ids, counted on the canary's echo ---- */

/* A mirror probe run: per request (by the index its id ends with) whether it was answered and
 * by the canary, and how often the canary's echo logged its id. */
typedef struct rollout_mirror_probe {
    char prefix[48];
    size_t n;
    uint8_t *answered, *primary_canary, *seen;
    const char *canary;
} rollout_mirror_probe;

static size_t rollout_probe_index(const rollout_mirror_probe *mp, const char *id)
{
    size_t plen = strlen(mp->prefix);
    if (id == NULL || strncmp(id, mp->prefix, plen) != 0)
        return SIZE_MAX;
    char *end = NULL;
    unsigned long long i = strtoull(id + plen, &end, 10);
    return end && *end == '\0' && end != id + plen && i < mp->n ? (size_t)i : SIZE_MAX;
}

static void on_mirror_probe_response(const gs_traffic_response *resp, void *user)
{
    rollout_mirror_probe *mp = user;
    size_t i = rollout_probe_index(mp, resp->request_id);
    if (resp->warmup || i == SIZE_MAX || resp->error != GS_TRAFFIC_OK || resp->backend == NULL)
        return;
    mp->answered[i] = 1;
    mp->primary_canary[i] = gs_rollout_is(resp->backend, mp->canary);
}

static void on_mirror_probe_id(const char *id, void *user)
{
    rollout_mirror_probe *mp = user;
    size_t i = rollout_probe_index(mp, id);
    if (i != SIZE_MAX && mp->seen[i] < UINT8_MAX)
        mp->seen[i]++;
}

/* Answered probe requests and, of those, the ones copied to the canary (seen there more often
 * than the canary answered them itself). */
static void rollout_mirror_counts(const rollout_mirror_probe *mp, uint64_t *answered,
                                  uint64_t *mirrored)
{
    *answered = *mirrored = 0;
    for (size_t i = 0; i < mp->n; i++) {
        *answered += mp->answered[i];
        *mirrored += mp->answered[i] && mp->seen[i] > mp->primary_canary[i];
    }
}

#define ROLLOUT_MIRROR_QUIET_NS (1500 * GS_NS_PER_MS) /* copies still arriving after answers */
#define ROLLOUT_MIRROR_MAX_NS (15 * GS_NS_PER_S)

/* Sends |n| requests matching mirror route |a|'s first match (its method, path, headers; a
 * prefix followed by "-gatesim") with ids, then reads the canary's request log until every
 * answered request was copied, or no new id came for a while (copies are asynchronous), or,
 * with |first|, the first copy arrived. */
static int rollout_mirror_send(rollout_run *r, const gs_rollout_action *a, size_t n, bool first,
                               rollout_mirror_probe *mp, gs_error *err)
{
    const gs_rollout_mirror_match *m = a->n_mirror ? &a->mirror[0] : NULL;
    snprintf(mp->prefix, sizeof(mp->prefix), "gsmirror%u-%u-", r->generation, r->mirror_probes++);
    mp->n = n;
    mp->canary = r->plan->canary;
    mp->answered = gs_xcalloc(n + 1, 1);
    mp->primary_canary = gs_xcalloc(n + 1, 1);
    mp->seen = gs_xcalloc(n + 1, 1);
    gs_traffic_config tc = r->tc;
    rollout_extra_headers x;
    gs_rollout_extra_headers(&tc, m ? m->headers : NULL, m ? m->n_headers : 0, &x);
    char *path = NULL;
    if (m && m->path)
        path =
            gs_xasprintf("%s%s", m->path,
                         m->path_type == GS_ROLLOUT_MATCH_PREFIX ? "/" ROLLOUT_PROBE_SUFFIX : "");
    if (path)
        tc.path = path;
    if (m && m->method)
        tc.method = m->method;
    int rc = gs_rollout_probe_traffic(&tc, n, on_mirror_probe_response, mp, mp->prefix, err);
    gs_rollout_extra_headers_free(&x);
    free(path);
    int64_t start = gs_now_ns(), last_new = start;
    while (rc == 0) {
        uint64_t before, answered, mirrored;
        rollout_mirror_counts(mp, &answered, &before);
        rc = r->env->request_ids(r->env->ctx, r->plan->canary, on_mirror_probe_id, mp, err);
        if (rc < 0)
            break;
        rc = 0;
        rollout_mirror_counts(mp, &answered, &mirrored);
        int64_t now = gs_now_ns();
        if (mirrored > before)
            last_new = now;
        if ((a->n_mirror && a->weight >= 100 && mirrored == answered) || (first && mirrored) ||
            now - last_new > ROLLOUT_MIRROR_QUIET_NS || now - start > ROLLOUT_MIRROR_MAX_NS ||
            gs_proc_interrupted())
            break;
        usleep(50 * 1000);
    }
    return rc;
}

static void rollout_mirror_probe_clear(rollout_mirror_probe *mp)
{
    free(mp->answered);
    free(mp->primary_canary);
    free(mp->seen);
    memset(mp, 0, sizeof(*mp));
}

/* Records the mirrored share of a verification run against |pct| percent (rollout.mirror). */
static gs_results_check *rollout_mirror_verify(rollout_run *r, const char *label, unsigned pct,
                                               const rollout_mirror_probe *mp, double converge_ms)
{
    const gs_scenario_statistics *st = r->env->stats;
    uint64_t answered, mirrored;
    rollout_mirror_counts(mp, &answered, &mirrored);
    gs_gof_backend rows[2] = {{.weight = pct, .count = mirrored},
                              {.weight = 100.0 - pct, .count = answered - mirrored}};
    char *copied = gs_xasprintf("copied to %s", r->plan->canary);
    const char *names[2] = {copied, "not copied"};
    gs_gof_result gr = {0};
    gs_error err = {0};
    int rc = answered ? gs_gof_split(rows, 2, st->alpha, st->tolerance, st->power, &gr, &err)
                      : gs_error_set(&err, GS_ERR_INVALID, "no answered requests to count");
    bool passed = rc == 0 && gr.passed;
    gs_results_check *c =
        gs_rollout_record(r, "rollout.mirror", passed ? GS_RESULT_PASSED : GS_RESULT_FAILED);
    gs_results_set(&c->expected, "%u%% of the matching requests copied to %s", pct,
                   r->plan->canary);
    gs_results_set(&c->observed, "%llu of %llu copied", (unsigned long long)mirrored,
                   (unsigned long long)answered);
    if (rc < 0) {
        gs_results_set(&c->message, "%s: %s", label, err.msg);
    } else {
        for (size_t i = 0; i < 2; i++)
            gs_expect_add_share(c, names[i], &rows[i], 100.0);
        gs_expect_set_gof(c, st, &gr);
        char followed[64] = "";
        if (converge_ms >= 0)
            snprintf(followed, sizeof(followed), " the data plane followed in %.0f ms;",
                     converge_ms);
        gs_results_set(&c->message,
                       "%s:%s %llu of %llu matching requests "
                       "(%.2f%%, interval %.2f-%.2f%%) were copied to %s, by their request ids "
                       "in its log: %s %u%% (alpha %g, power %g)",
                       label, followed, (unsigned long long)mirrored, (unsigned long long)answered,
                       100 * rows[0].observed_share, 100 * rows[0].ci_low, 100 * rows[0].ci_high,
                       r->plan->canary, passed ? "agrees with" : "does NOT agree with", pct,
                       st->alpha, st->power);
    }
    free(copied);
    if (!passed)
        r->st.outcome = GS_ROLLOUT_HALTED;
    return c;
}

/* setMirrorRoute in an inline plan: writes the route with the mirror rule upserted (or, without
 * a match, removed), waits until copies reach the canary (or stop), then verifies the copied
 * share of matching requests against the percentage by their ids in the canary's log. */
int gs_rollout_mirror_step(rollout_run *r, const gs_rollout_action *a, gs_error *err)
{
    char label[48];
    gs_rollout_stage_name(a, label);
    if (r->env->progress)
        r->env->progress(r->env->ctx, label);
    if (r->env->request_ids == NULL)
        return gs_error_set(err, GS_ERR_INVALID,
                            "rollout: %s: this run cannot read the backends' request logs", label);
    size_t at = r->n_mirrors;
    const gs_rollout_action *old = NULL;
    for (size_t i = 0; i < r->n_mirrors && old == NULL; i++)
        if (strcmp(r->mirrors[i]->route, a->route) == 0) {
            old = r->mirrors[i];
            at = i;
        }
    if (a->n_mirror) {
        r->mirrors[at] = a;
        r->n_mirrors += old == NULL;
    } else if (old) {
        memmove(&r->mirrors[at], &r->mirrors[at + 1],
                (r->n_mirrors - at - 1) * sizeof(*r->mirrors));
        r->n_mirrors--;
    }
    const gs_rollout_action *probe = a->n_mirror ? a : old;
    unsigned pct = a->n_mirror ? a->weight : 0;
    int64_t t0 = gs_now_ns();
    double apply_ms;
    int rc = gs_rollout_write_route(r, r->st.weight, &apply_ms, err);
    if (rc < 0)
        return rc;
    if (probe == NULL) { /* removing a route never written: nothing to verify */
        gs_results_check *c = gs_rollout_record(r, "rollout.mirror", GS_RESULT_PASSED);
        gs_results_set(&c->message, "%s: no mirror route of that name was in force", label);
        gs_rollout_advance(&r->st, r->plan);
        return 0;
    }
    /* Convergence: batches until one shows copies (or, after a removal or at 0%, none). */
    int64_t limit = r->ro->converge_timeout_ns ? r->ro->converge_timeout_ns : r->env->timeout_ns;
    for (;;) {
        rollout_mirror_probe mp = {0};
        rc = rollout_mirror_send(r, probe, ROLLOUT_PROBE_BATCH, pct > 0, &mp, err);
        uint64_t answered, mirrored;
        rollout_mirror_counts(&mp, &answered, &mirrored);
        rollout_mirror_probe_clear(&mp);
        if (rc < 0)
            return rc;
        if (answered && (pct ? mirrored > 0 : mirrored == 0))
            break;
        if (gs_now_ns() - t0 >= limit) {
            gs_results_check *c = gs_rollout_record(r, "rollout.convergence", GS_RESULT_FAILED);
            gs_results_set(&c->message,
                           "%s: the data plane did not follow the mirror route: %.1f s after it "
                           "was applied, the last %llu answered matching requests had %llu "
                           "copies on %s; the route says %u%%",
                           label, (double)(gs_now_ns() - t0) / 1e9, (unsigned long long)answered,
                           (unsigned long long)mirrored, r->plan->canary, pct);
            gs_results_set(&c->expected, "%u%% copied", pct);
            gs_results_set(&c->observed, "%llu of %llu copied", (unsigned long long)mirrored,
                           (unsigned long long)answered);
            r->st.outcome = GS_ROLLOUT_HALTED;
            int64_t now = gs_now_ns();
            gs_results_rollout_point *p =
                gs_rollout_point(r, label, "convergence", "halted", r->st.weight, NULL, 0, t0, now);
            p->written_s = p->start_s;
            return 0;
        }
        if (gs_proc_interrupted())
            return gs_error_set(err, GS_ERR_CLOSED, "interrupted");
        if ((rc = r->env->alive(r->env->ctx, err)) < 0)
            return rc;
    }
    int64_t converged_ns = gs_now_ns();
    rollout_mirror_probe mp = {0};
    rc = rollout_mirror_send(r, probe, gs_rollout_planned(r, pct), false, &mp, err);
    if (rc == 0) {
        gs_results_check *c =
            rollout_mirror_verify(r, label, pct, &mp, (double)(converged_ns - t0) / 1e6);
        gs_results_rollout_point *p = gs_rollout_point(
            r, label, "mirror", c->result == GS_RESULT_PASSED ? "verified" : "halted", r->st.weight,
            NULL, 0, converged_ns, gs_now_ns());
        p->written_s = gs_rollout_secs(r, t0);
        p->converged_s = gs_rollout_secs(r, converged_ns);
        if (c->result == GS_RESULT_PASSED)
            gs_rollout_advance(&r->st, r->plan);
    }
    rollout_mirror_probe_clear(&mp);
    return rc;
}

/* setMirrorRoute where the tool does nothing: said, as the tool would not. */
void gs_rollout_mirror_noop(rollout_run *r, const gs_rollout_action *a)
{
    gs_results_check *c = gs_rollout_record(r, "rollout.mirror", GS_RESULT_PASSED);
    gs_results_set(&c->message,
                   "setMirrorRoute %s (%u%%): mirrored nothing: the %s Gateway API plugin answers "
                   "setMirrorRoute with success and changes no route (its SetMirrorRoute is a "
                   "no-op, argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi#32), so in "
                   "production this step mirrors no traffic to %s; the rehearsal wrote no route "
                   "either",
                   a->route, a->weight, r->ro->source_tool ? r->ro->source_tool : "Argo Rollouts",
                   r->plan->canary);
    gs_results_set(&c->expected, "%u%% of the requests mirrored to %s (the step's intent)",
                   a->weight, r->plan->canary);
    gs_results_set(&c->observed, "no mirroring configured: the plugin's step is a no-op");
    char label[48];
    int64_t now = gs_now_ns();
    gs_rollout_point(r, gs_rollout_stage_name(a, label), "mirror", "mirroredNothing", r->st.weight,
                     NULL, 0, now, now);
    size_t i = 0;
    while (i < r->n_noops && strcmp(r->noops[i]->route, a->route) != 0)
        i++;
    r->noops[i] = a;
    r->n_noops += i == r->n_noops;
    if (r->env->warn)
        r->env->warn(r->env->ctx, c->message);
    gs_rollout_advance(&r->st, r->plan);
}

/* Verifies mirror route |a| at |pct| percent with one window of probes (no convergence phase:
 * the weight's own write was followed already), labelled |label|; |noop| adds why nothing is
 * expected. */
static int rollout_mirror_recheck(rollout_run *r, const char *label, const gs_rollout_action *a,
                                  unsigned pct, bool noop, gs_error *err)
{
    int64_t t0 = gs_now_ns();
    rollout_mirror_probe mp = {0};
    int rc = rollout_mirror_send(r, a, gs_rollout_planned(r, pct), false, &mp, err);
    if (rc == 0) {
        gs_results_check *c = rollout_mirror_verify(r, label, pct, &mp, -1);
        if (noop) {
            char *msg = gs_xasprintf("%s; the tool never wrote this mirror route (its "
                                     "setMirrorRoute is a no-op), so it still mirrors nothing",
                                     c->message);
            gs_results_set(&c->message, "%s", msg);
            free(msg);
        }
        gs_rollout_point(r, label, "mirror", c->result == GS_RESULT_PASSED ? "verified" : "halted",
                         r->st.weight, NULL, 0, t0, gs_now_ns());
    }
    rollout_mirror_probe_clear(&mp);
    return rc;
}

/* After a weight write: each mirror route in force still copies its share of the matching
 * requests (the write kept it, with the new weights), and each mirror step the tool performed
 * as a no-op still mirrors nothing, both by request id (rollout.mirror). */
int gs_rollout_probe_mirrors(rollout_run *r, const char *stage, gs_error *err)
{
    if (r->env->request_ids == NULL)
        return 0;
    int rc = 0;
    for (size_t i = 0;
         rc == 0 && i < r->n_mirrors + r->n_noops && r->st.outcome != GS_ROLLOUT_HALTED; i++) {
        bool noop = i >= r->n_mirrors;
        const gs_rollout_action *a = noop ? r->noops[i - r->n_mirrors] : r->mirrors[i];
        char *label = gs_xasprintf("%s: mirror route %s", stage, a->route);
        rc = rollout_mirror_recheck(r, label, a, noop ? 0 : a->weight, noop, err);
        free(label);
    }
    return rc;
}

/* After promotion or rollback removed the first |n| mirror routes (still in r->mirrors): none
 * copies anything any more, labelled "<end>: mirror route <name> removed". */
int gs_rollout_mirrors_removed(rollout_run *r, const char *end, size_t n, gs_error *err)
{
    int rc = 0;
    for (size_t i = 0;
         rc == 0 && r->env->request_ids && i < n && r->st.outcome != GS_ROLLOUT_HALTED; i++) {
        char *what = gs_xasprintf("%s: mirror route %s removed", end, r->mirrors[i]->route);
        rc = rollout_mirror_recheck(r, what, r->mirrors[i], 0, false, err);
        free(what);
    }
    return rc;
}
