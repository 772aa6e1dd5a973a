/* SPDX-License-Identifier: MIT */
/* JUnit XML for CI systems: <testsuites> with one <testsuite> per scenario and one <testcase>
 * per step (a scenario without steps is one testcase), and one more per stage of a rollout
 * step. Failed checks become <failure> elements
 * with the check's message; errors become <error>. Formatting only. */
#include "gs_report.h"

#include "gs_report_text.h"
#include "gs_time.h"

#include <stdio.h>

/* Text and attribute values: newlines as references so attributes keep them. */
static void junit_escape(gs_buf *b, const char *s)
{
    gs_report_escape_xml(b, s, 1);
}

static double junit_seconds(double ms)
{
    return ms > 0 ? ms / 1000.0 : 0.0;
}

static void junit_check_text(gs_buf *b, const gs_results_check *c)
{
    gs_buf_puts(b, "[");
    junit_escape(b, c->kind);
    gs_buf_puts(b, "] ");
    junit_escape(b, c->message);
    gs_buf_puts(b, "&#10;expected: ");
    junit_escape(b, c->expected);
    gs_buf_puts(b, "&#10;observed: ");
    junit_escape(b, c->observed);
    if (c->p_value == c->p_value) /* not NaN */
        gs_buf_printf(b, "&#10;p-value: %.3g", c->p_value);
    if (c->evidence_request != NULL) {
        gs_buf_puts(b, "&#10;--- first offending request ---&#10;");
        junit_escape(b, c->evidence_request);
    }
    if (c->evidence_response != NULL) {
        gs_buf_puts(b, "&#10;--- its response ---&#10;");
        junit_escape(b, c->evidence_response);
    }
    gs_buf_puts(b, "&#10;");
}

/* Whether check |i| of |st| is a rollout stage's (its own testcase, junit_stage). */
static bool junit_staged(const gs_results_step *st, size_t i)
{
    for (size_t k = 0; st->rollout != NULL && k < st->rollout->points_len; k++)
        if (st->rollout->points[k]->check == i + 1)
            return true;
    return false;
}

/* A step's own result in JUnit: a rollout step's testcase answers for the checks no stage
 * holds (the expectations, warnings); a stage's failure is its own testcase's. */
static gs_result junit_step_result(const gs_results_step *st)
{
    if (st->rollout == NULL || st->rollout->points_len == 0 || st->result != GS_RESULT_FAILED)
        return st->result;
    for (size_t i = 0; i < st->checks_len; i++)
        if (st->checks[i]->result == GS_RESULT_FAILED && !junit_staged(st, i))
            return GS_RESULT_FAILED;
    return st->message != NULL ? GS_RESULT_FAILED : GS_RESULT_PASSED;
}

/* One <testcase> per stage of a rollout step ("step › 3. setWeight 20"), failing with its
 * check when the stage failed. */
static void junit_stage(gs_buf *b, const gs_results_scenario *s, const gs_results_step *st,
                        size_t k)
{
    const gs_results_rollout_point *p = st->rollout->points[k];
    const gs_results_check *c = p->check > 0 && p->check <= st->checks_len
                                    ? st->checks[p->check - 1]
                                    : NULL;
    double secs = p->end_s - p->start_s;
    gs_buf_puts(b, "    <testcase classname=\"");
    junit_escape(b, s->name);
    gs_buf_puts(b, "\" name=\"");
    junit_escape(b, st->name);
    gs_buf_printf(b, " › %zu. ", k + 1);
    junit_escape(b, p->stage);
    gs_buf_printf(b, "\" time=\"%.3f\"", secs == secs && secs > 0 ? secs : 0.0);
    if (s->file != NULL) {
        gs_buf_puts(b, " file=\"");
        junit_escape(b, s->file);
        gs_buf_puts(b, "\"");
    }
    gs_buf_puts(b, ">\n");
    if (p->result == GS_RESULT_FAILED && c != NULL) {
        gs_buf_puts(b, "      <failure message=\"");
        junit_escape(b, c->message);
        gs_buf_puts(b, "\" type=\"");
        junit_escape(b, c->kind);
        gs_buf_puts(b, "\">");
        junit_check_text(b, c);
        gs_buf_puts(b, "</failure>\n");
    }
    if (c != NULL) {
        gs_buf_printf(b, "      <system-out>%s ", gs_result_name(c->result));
        junit_escape(b, c->kind);
        gs_buf_puts(b, ": ");
        junit_escape(b, c->message);
        gs_buf_puts(b, "&#10;</system-out>\n");
    }
    gs_buf_puts(b, "    </testcase>\n");
}

/* One <testcase> for |st| (or for the whole scenario when |st| is NULL); a rollout step's
 * stages have their own (junit_stage) and are left out of it. */
static void junit_testcase(gs_buf *b, const gs_results_scenario *s, const gs_results_step *st)
{
    gs_result res = st != NULL ? junit_step_result(st) : s->result;
    gs_buf_puts(b, "    <testcase classname=\"");
    junit_escape(b, s->name);
    gs_buf_puts(b, "\" name=\"");
    junit_escape(b, st != NULL ? st->name : s->name);
    gs_buf_printf(b, "\" time=\"%.3f\"",
                  junit_seconds(st != NULL ? st->duration_ms : s->duration_ms));
    if (s->file != NULL) {
        gs_buf_puts(b, " file=\"");
        junit_escape(b, s->file);
        gs_buf_puts(b, "\"");
    }
    gs_buf_puts(b, ">\n");

    if (res == GS_RESULT_FAILED) {
        unsigned nfailed = 0;
        const gs_results_check *first = NULL;
        for (size_t i = 0; st != NULL && i < st->checks_len; i++) {
            if (st->checks[i]->result == GS_RESULT_FAILED && !junit_staged(st, i)) {
                nfailed++;
                if (first == NULL)
                    first = st->checks[i];
            }
        }
        gs_buf_puts(b, "      <failure message=\"");
        if (first != NULL) {
            junit_escape(b, first->message);
            if (nfailed > 1)
                gs_buf_printf(b, " (and %u more failed checks)", nfailed - 1);
        } else {
            junit_escape(b, st != NULL && st->message != NULL ? st->message
                            : s->error != NULL                ? s->error
                                                              : "failed");
        }
        gs_buf_puts(b, "\" type=\"");
        junit_escape(b, first != NULL ? first->kind : "scenario");
        gs_buf_puts(b, "\">");
        for (size_t i = 0; st != NULL && i < st->checks_len; i++)
            if (st->checks[i]->result == GS_RESULT_FAILED && !junit_staged(st, i))
                junit_check_text(b, st->checks[i]);
        gs_buf_puts(b, "</failure>\n");
    } else if (res == GS_RESULT_ERROR) {
        const char *msg = st != NULL ? st->message : s->error;
        bool interrupted = st != NULL ? st->interrupted : s->interrupted;
        gs_buf_puts(b, "      <error message=\"");
        junit_escape(b, msg != NULL ? msg : "error");
        gs_buf_puts(b, interrupted ? "\" type=\"interrupted\">" : "\" type=\"error\">");
        junit_escape(b, msg);
        gs_buf_puts(b, "</error>\n");
    } else if (res == GS_RESULT_SKIPPED || res == GS_RESULT_PENDING) {
        /* A step the interrupt kept from running says so ("interrupted"). */
        gs_buf_puts(b, "      <skipped message=\"");
        junit_escape(b, res == GS_RESULT_PENDING      ? "not run"
                        : st != NULL && st->message ? st->message
                                                    : "skipped");
        gs_buf_puts(b, "\"/>\n");
    }
    if (st != NULL && st->checks_len > 0) {
        gs_buf_puts(b, "      <system-out>");
        for (size_t i = 0; i < st->checks_len; i++) {
            const gs_results_check *c = st->checks[i];
            gs_buf_printf(b, "%s ", gs_result_name(c->result));
            junit_escape(b, c->kind);
            gs_buf_puts(b, ": ");
            junit_escape(b, c->message);
            gs_buf_puts(b, "&#10;");
        }
        gs_buf_puts(b, "</system-out>\n");
    }
    gs_buf_puts(b, "    </testcase>\n");
    for (size_t k = 0; st != NULL && st->rollout != NULL && k < st->rollout->points_len; k++)
        junit_stage(b, s, st, k);
}

static void junit_counts(const gs_results_scenario *s, unsigned *tests, unsigned *failures,
                         unsigned *errors, unsigned *skipped)
{
    *tests = *failures = *errors = *skipped = 0;
    size_t n = s->steps_len > 0 ? s->steps_len : 1;
    for (size_t i = 0; i < n; i++) {
        const gs_results_step *st = s->steps_len > 0 ? s->steps[i] : NULL;
        gs_result res = st != NULL ? junit_step_result(st) : s->result;
        for (size_t k = 0; st != NULL && st->rollout != NULL && k < st->rollout->points_len; k++) {
            (*tests)++;
            *failures += st->rollout->points[k]->result == GS_RESULT_FAILED;
        }
        (*tests)++;
        if (res == GS_RESULT_FAILED)
            (*failures)++;
        else if (res == GS_RESULT_ERROR)
            (*errors)++;
        else if (res == GS_RESULT_SKIPPED || res == GS_RESULT_PENDING)
            (*skipped)++;
    }
}

void gs_report_junit(const gs_results *r, gs_buf *out)
{
    char when[32];
    unsigned all_tests = 0, all_failures = 0, all_errors = 0, all_skipped = 0;
    double all_ms = 0;
    for (size_t i = 0; i < r->scenarios_len; i++) {
        unsigned t, f, e, s;
        junit_counts(r->scenarios[i], &t, &f, &e, &s);
        all_tests += t;
        all_failures += f;
        all_errors += e;
        all_skipped += s;
        if (r->scenarios[i]->duration_ms > 0)
            all_ms += r->scenarios[i]->duration_ms;
    }
    gs_time_rfc3339(r->started_at, when);
    gs_buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    gs_buf_printf(out,
                  "<testsuites name=\"gatesim\" tests=\"%u\" failures=\"%u\" errors=\"%u\" "
                  "skipped=\"%u\" time=\"%.3f\" timestamp=\"%s\">\n",
                  all_tests, all_failures, all_errors, all_skipped, junit_seconds(all_ms), when);
    for (size_t i = 0; i < r->scenarios_len; i++) {
        const gs_results_scenario *s = r->scenarios[i];
        unsigned t, f, e, sk;
        junit_counts(s, &t, &f, &e, &sk);
        gs_buf_puts(out, "  <testsuite name=\"");
        junit_escape(out, s->name);
        gs_buf_printf(out,
                      "\" tests=\"%u\" failures=\"%u\" errors=\"%u\" skipped=\"%u\" time=\"%.3f\"",
                      t, f, e, sk, junit_seconds(s->duration_ms));
        if (s->file != NULL) {
            gs_buf_puts(out, " file=\"");
            junit_escape(out, s->file);
            gs_buf_puts(out, "\"");
        }
        gs_buf_puts(out, ">\n    <properties>\n      <property name=\"target\" value=\"");
        junit_escape(out, r->target);
        gs_buf_printf(out, "\"/>\n      <property name=\"seed\" value=\"%llu\"/>\n",
                      (unsigned long long)r->seed);
        gs_buf_puts(out, "    </properties>\n");
        if (s->steps_len == 0) {
            junit_testcase(out, s, NULL);
        } else {
            for (size_t k = 0; k < s->steps_len; k++)
                junit_testcase(out, s, s->steps[k]);
        }
        gs_buf_puts(out, "  </testsuite>\n");
    }
    gs_buf_puts(out, "</testsuites>\n");
}
