/* SPDX-License-Identifier: MIT */
/* The Markdown summary for CI job summaries (GitHub's $GITHUB_STEP_SUMMARY and the like): one
 * verdict line, a table of scenarios, then every failure with its evidence. Short by design: the
 * HTML report has the charts. Formatting only. */
#include "gs_report.h"

#include "gs_report_text.h"
#include "gs_time.h"

#include <math.h>
#include <string.h>

static const char *md_mark(gs_result r)
{
    switch (r) {
    case GS_RESULT_PASSED:
        return "✅ passed";
    case GS_RESULT_FAILED:
        return "❌ failed";
    case GS_RESULT_ERROR:
        return "⚠️ error";
    case GS_RESULT_SKIPPED:
        return "⏭️ skipped";
    case GS_RESULT_PENDING:
        break;
    }
    return "⏳ not run";
}

/* Longest run of backticks in |s|, so a code fence can be made longer than any of them. */
static size_t md_longest_backticks(const char *s)
{
    size_t best = 0, run = 0;
    for (; s != NULL && *s != '\0'; s++) {
        run = *s == '`' ? run + 1 : 0;
        if (run > best)
            best = run;
    }
    return best;
}

/* Evidence longer than this is cut in the summary (GitHub caps a job summary at 1 MiB); the
 * HTML report and results.json keep it whole. */
#define MD_MAX_EVIDENCE 4096
/* Failures listed in full; the rest are counted and left to the HTML report. */
#define MD_MAX_FAILURES 50

static void md_code_block(gs_buf *b, const char *title, const char *text)
{
    size_t fence = md_longest_backticks(text) + 1;
    if (fence < 3)
        fence = 3;
    gs_buf_printf(b, "\n%s:\n\n", title);
    for (size_t i = 0; i < fence; i++)
        gs_buf_putc(b, '`');
    gs_buf_puts(b, "text\n");
    /* Inside a fence nothing is markup; only bytes that are not text are replaced. */
    size_t before = b->len;
    int cut = gs_report_plain(b, text, MD_MAX_EVIDENCE);
    if (b->len > before && b->data[b->len - 1] != '\n')
        gs_buf_putc(b, '\n');
    if (cut)
        gs_buf_puts(b, "[... cut: the whole text is in report.html and results.json]\n");
    for (size_t i = 0; i < fence; i++)
        gs_buf_putc(b, '`');
    gs_buf_putc(b, '\n');
}

/* How the failed check's step sent and what it measured, with units: "- sent over h2c, 3
 * connections: 194 requests in 0.15 s, latency p50 0.41 ms, ..., max 2.31 ms". */
static void md_step_traffic(gs_buf *b, const gs_results_step *st)
{
    gs_buf how = {0};
    gs_report_step_send(&how, &st->send);
    if (how.len > 0) {
        gs_buf_puts(b, "- sent over ");
        gs_report_escape_md(b, how.data);
        if (st->traffic.present) {
            gs_buf_printf(b, ": %llu requests in %.2f s, latency ",
                          (unsigned long long)st->traffic.requests,
                          st->traffic.duration_seconds);
            gs_report_latency(b, &st->traffic.latency_ms);
        }
        gs_buf_putc(b, '\n');
    }
    gs_buf_clear(&how);
}

static void md_failure(gs_buf *b, const gs_results_scenario *s, const gs_results_step *st,
                       const gs_results_check *c)
{
    gs_buf_puts(b, "\n#### ");
    gs_report_escape_md(b, s->name);
    gs_buf_puts(b, " › ");
    gs_report_escape_md(b, st->name);
    gs_buf_puts(b, " › ");
    gs_report_escape_md(b, c->kind);
    gs_buf_puts(b, "\n\n");
    gs_report_escape_md(b, c->message);
    gs_buf_puts(b, "\n\n- expected: ");
    gs_report_escape_md(b, c->expected);
    gs_buf_puts(b, "\n- observed: ");
    gs_report_escape_md(b, c->observed);
    gs_buf_putc(b, '\n');
    md_step_traffic(b, st);
    gs_buf counters = {0};
    gs_report_target_stats(&counters, &st->target_stats);
    if (counters.len > 0) {
        gs_buf_puts(b, "- target counters in this step: ");
        gs_report_escape_md(b, counters.data);
        gs_buf_putc(b, '\n');
    }
    gs_buf_clear(&counters);
    if (!isnan(c->p_value)) {
        gs_buf_printf(b, "- p-value (adjusted, as decided): %.3g", c->p_value);
        if (c->method != NULL) {
            gs_buf_puts(b, " (");
            gs_report_escape_md(b, c->method);
            gs_buf_putc(b, ')');
        }
        if (!isnan(c->alpha))
            gs_buf_printf(b, ", alpha %g", c->alpha);
        if (!isnan(c->family_alpha))
            gs_buf_printf(b, " of family-wise %g", c->family_alpha);
        if (!isnan(c->tolerance))
            gs_buf_printf(b, ", tolerance %g", c->tolerance);
        gs_buf_putc(b, '\n');
    }
    if (c->shares_len > 0) {
        gs_buf_puts(b, "\n| backend | expected | observed | interval");
        if (!isnan(c->interval_level))
            gs_buf_printf(b, " (simultaneous, %.4g%%)", 100 * (1 - c->interval_level));
        gs_buf_puts(b, " | adjusted p |\n|---|---:|---:|---|---:|\n");
        for (size_t i = 0; i < c->shares_len; i++) {
            const gs_results_share *sh = c->shares[i];
            gs_buf_puts(b, "| ");
            gs_report_escape_md(b, sh->backend);
            gs_buf_puts(b, " | ");
            gs_report_percent(b, sh->expected_share);
            gs_buf_printf(b, " | %llu (", (unsigned long long)sh->observed_count);
            gs_report_percent(b, sh->observed_share);
            gs_buf_puts(b, ") | ");
            gs_report_percent(b, sh->ci_low);
            gs_buf_puts(b, " – ");
            gs_report_percent(b, sh->ci_high);
            if (isnan(sh->p_adjusted))
                gs_buf_puts(b, " | |\n");
            else
                gs_buf_printf(b, " | %.3g |\n", sh->p_adjusted);
        }
    }
    if (c->evidence_request != NULL || c->evidence_response != NULL) {
        gs_buf_puts(b, "\n<details><summary>first offending exchange</summary>\n");
        if (c->evidence_request != NULL)
            md_code_block(b, "Request", c->evidence_request);
        if (c->evidence_response != NULL)
            md_code_block(b, "Response", c->evidence_response);
        gs_buf_puts(b, "\n</details>\n");
    }
}

void gs_report_markdown(const gs_results *r, gs_buf *out)
{
    gs_results_summary sum;
    char when[32];
    gs_results_summarize(r, &sum);
    gs_time_rfc3339(r->started_at, when);

    /* A scenario the interrupt stopped failed no check: the run is "interrupted", not failed. */
    unsigned errors = sum.errors - sum.interrupted;
    bool bad = sum.failed > 0 || errors > 0;
    bool stopped = r->state == GS_RUN_INTERRUPTED;
    gs_buf_printf(out, "## gatesim: %s\n\n",
                  bad && stopped                ? "❌ checks failed (run interrupted)"
                  : bad                         ? "❌ checks failed"
                  : stopped                     ? "⏹️ run interrupted"
                  : r->state == GS_RUN_COMPLETE ? "✅ all checks passed"
                                                : "⏳ run not complete");
    gs_buf_printf(out, "%u scenario%s: **%u passed**, **%u failed**, %u error%s", sum.scenarios,
                  sum.scenarios == 1 ? "" : "s", sum.passed, sum.failed, errors,
                  errors == 1 ? "" : "s");
    if (sum.interrupted)
        gs_buf_printf(out, ", %u interrupted", sum.interrupted);
    gs_buf_printf(out, ", %u skipped%s. Target `", sum.skipped,
                  sum.pending > 0 ? ", some not run" : "");
    gs_report_escape_md(out, r->target);
    gs_buf_printf(out, "`, seed %llu, started %s (%s).\n\n", (unsigned long long)r->seed, when,
                  gs_run_state_name(r->state));
    if (!isnan(r->family_alpha))
        gs_buf_printf(out,
                      "Family-wise false-failure rate %g, divided across %u random checks "
                      "(each at alpha %.3g).\n\n",
                      r->family_alpha, r->random_checks,
                      r->random_checks ? r->family_alpha / r->random_checks : r->family_alpha);

    if (r->scenarios_len > 0) {
        gs_buf_puts(out,
                    "| scenario | result | steps | duration | file |\n|---|---|---:|---:|---|\n");
        for (size_t i = 0; i < r->scenarios_len; i++) {
            const gs_results_scenario *s = r->scenarios[i];
            size_t passed = 0;
            for (size_t k = 0; k < s->steps_len; k++)
                passed += s->steps[k]->result == GS_RESULT_PASSED;
            gs_buf_puts(out, "| ");
            gs_report_escape_md(out, s->name);
            gs_buf_printf(out, " | %s | %zu/%zu | %.0f ms | ",
                          s->interrupted ? "⏹️ interrupted" : md_mark(s->result), passed,
                          s->steps_len, s->duration_ms > 0 ? s->duration_ms : 0.0);
            gs_report_escape_md(out, s->file);
            gs_buf_puts(out, " |\n");
        }
    }

    if (!bad)
        return;
    gs_buf_puts(out, "\n### Failures\n");
    unsigned listed = 0, more = 0;
    for (size_t i = 0; i < r->scenarios_len; i++) {
        const gs_results_scenario *s = r->scenarios[i];
        if (s->result == GS_RESULT_ERROR && s->error != NULL) {
            gs_buf_puts(out, "\n#### ");
            gs_report_escape_md(out, s->name);
            gs_buf_puts(out, s->interrupted ? "\n\n⏹️ " : "\n\n⚠️ ");
            gs_report_escape_md(out, s->error);
            gs_buf_putc(out, '\n');
        }
        for (size_t k = 0; k < s->steps_len; k++) {
            const gs_results_step *st = s->steps[k];
            if (st->result == GS_RESULT_ERROR && st->message != NULL) {
                gs_buf_puts(out, "\n#### ");
                gs_report_escape_md(out, s->name);
                gs_buf_puts(out, " › ");
                gs_report_escape_md(out, st->name);
                gs_buf_puts(out, st->interrupted ? "\n\n⏹️ " : "\n\n⚠️ ");
                gs_report_escape_md(out, st->message);
                gs_buf_putc(out, '\n');
            }
            for (size_t c = 0; c < st->checks_len; c++) {
                if (st->checks[c]->result != GS_RESULT_FAILED)
                    continue;
                if (listed++ < MD_MAX_FAILURES)
                    md_failure(out, s, st, st->checks[c]);
                else
                    more++;
            }
        }
    }
    if (more > 0)
        gs_buf_printf(out, "\n…and %u more failed checks: see report.html.\n", more);
}
