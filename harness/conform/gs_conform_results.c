/* SPDX-License-Identifier: MIT */
/* Brings one test's results.json (written by the `gatesim run` that ran it) into the run's
 * aggregate gs_results, so `gatesim conform`'s own results.json, junit.xml and report.html list
 * every test with its steps, checks and the evidence of failed checks. Traffic figures and
 * share tables stay in the test's own reports (tests/<ShortName>/). */
#include "gs_conform_results.h"

#include "gs_alloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static gs_result conform_result_parse(const char *s)
{
    static const struct {
        const char *name;
        gs_result r;
    } names[] = {{"passed", GS_RESULT_PASSED},
                 {"failed", GS_RESULT_FAILED},
                 {"error", GS_RESULT_ERROR},
                 {"skipped", GS_RESULT_SKIPPED}};
    for (size_t i = 0; s && i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(names[i].name, s) == 0)
            return names[i].r;
    return GS_RESULT_ERROR;
}

static void conform_copy(char **slot, const gs_json_value *obj, const char *key)
{
    const char *v = gs_json_get_string(obj, key, NULL);
    if (v)
        gs_results_set(slot, "%s", v);
}

static void conform_read_check(gs_results_step *st, const gs_json_value *c)
{
    gs_results_check *rc = gs_results_add_check(st, gs_json_get_string(c, "kind", "?"));
    rc->result = conform_result_parse(gs_json_get_string(c, "result", NULL));
    conform_copy(&rc->message, c, "message");
    conform_copy(&rc->expected, c, "expected");
    conform_copy(&rc->observed, c, "observed");
    rc->p_value = gs_json_get_number(c, "pValue", NAN);
    const gs_json_value *ev = gs_json_get(c, "evidence");
    if (ev) {
        conform_copy(&rc->evidence_request, ev, "request");
        conform_copy(&rc->evidence_response, ev, "response");
    }
}

static void conform_read_step(gs_results_scenario *s, const gs_json_value *st)
{
    gs_results_step *rs = gs_results_add_step(s, gs_json_get_string(st, "name", "?"));
    rs->result = conform_result_parse(gs_json_get_string(st, "result", NULL));
    conform_copy(&rs->message, st, "message");
    rs->convergence_ms = gs_json_get_number(st, "convergenceMs", -1);
    rs->duration_ms = gs_json_get_number(st, "durationMs", -1);
    const gs_json_value *checks = gs_json_get(st, "checks");
    for (size_t i = 0; checks && checks->type == GS_JSON_ARRAY && i < checks->len; i++)
        conform_read_check(rs, checks->items[i]);
}

void gs_conform_results_read(gs_results_scenario *into, const gs_json_value *results)
{
    const gs_json_value *list = gs_json_get(results, "scenarios");
    const gs_json_value *s = list && list->type == GS_JSON_ARRAY ? gs_json_at(list, 0) : NULL;
    if (s == NULL) {
        into->result = GS_RESULT_ERROR;
        gs_results_set(&into->error, "results.json holds no scenario");
        return;
    }
    into->result = conform_result_parse(gs_json_get_string(s, "result", NULL));
    into->duration_ms = gs_json_get_number(s, "durationMs", 0);
    conform_copy(&into->error, s, "error");
    const gs_json_value *steps = gs_json_get(s, "steps");
    for (size_t i = 0; steps && steps->type == GS_JSON_ARRAY && i < steps->len; i++)
        conform_read_step(into, steps->items[i]);
}

char *gs_conform_results_why(const gs_results_scenario *s)
{
    for (size_t i = 0; i < s->steps_len; i++) {
        const gs_results_step *st = s->steps[i];
        for (size_t k = 0; k < st->checks_len; k++) {
            const gs_results_check *c = st->checks[k];
            if (c->result == GS_RESULT_FAILED || c->result == GS_RESULT_ERROR)
                return gs_xasprintf("step \"%s\": %s: %s", st->name, c->kind,
                                    c->message ? c->message : "failed");
        }
        if ((st->result == GS_RESULT_FAILED || st->result == GS_RESULT_ERROR) && st->message)
            return gs_xasprintf("step \"%s\": %s", st->name, st->message);
    }
    if (s->error)
        return gs_xstrdup(s->error);
    return gs_xstrdup("failed");
}
