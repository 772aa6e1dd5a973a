/* SPDX-License-Identifier: MIT */
/* The self-contained HTML report: the compiled-in template (report_template.html) with a body
 * of failures first (with their evidence), then every scenario and step with inline SVG charts
 * (backend shares with Wilson whiskers against the expected weights; latency percentiles).
 * Every string from the results goes through gs_report_escape_xml. Formatting only. */
#include "gs_report.h"

#include "gs_alloc.h"
#include "gs_report_text.h"
#include "gs_time.h"

#include <math.h>
#include <string.h>

extern const char gs_report_html_template[];

/* Chart geometry, in SVG user units. */
#define HTML_CHART_W 600
#define HTML_LABEL_W 190
#define HTML_VALUE_W 130
#define HTML_PLOT_W (HTML_CHART_W - HTML_LABEL_W - HTML_VALUE_W)
#define HTML_ROW_H 30
#define HTML_TOP 26
#define HTML_LABEL_MAX 26 /* bytes of a label shown in a chart; the full name is in <title> */

static void html_text(gs_buf *b, const char *s)
{
    gs_report_escape_xml(b, s, 0);
}

static void html_result(gs_buf *b, gs_result r, bool interrupted)
{
    if (interrupted) {
        gs_buf_puts(b, "<span class=\"r-error\">interrupted</span>");
        return;
    }
    gs_buf_printf(b, "<span class=\"r-%s\">%s</span>", gs_result_name(r),
                  r == GS_RESULT_PENDING ? "not run" : gs_result_name(r));
}

/* A chart label: at most HTML_LABEL_MAX bytes, cut on a UTF-8 boundary, with an ellipsis. */
static void html_label(gs_buf *b, const char *s)
{
    size_t n = strlen(s);
    if (n <= HTML_LABEL_MAX) {
        html_text(b, s);
        return;
    }
    size_t cut = HTML_LABEL_MAX - 1;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
        cut--;
    gs_buf tmp = {0};
    gs_buf_append(&tmp, s, cut);
    html_text(b, tmp.data);
    gs_buf_puts(b, "…");
    gs_buf_clear(&tmp);
}

static double html_clamp01(double v)
{
    return isnan(v) ? 0.0 : v < 0 ? 0.0 : v > 1 ? 1.0 : v;
}

static void html_axis(gs_buf *b, double height, double max, const char *unit)
{
    for (int t = 0; t <= 4; t++) {
        double x = HTML_LABEL_W + HTML_PLOT_W * t / 4.0;
        gs_buf_printf(b, "<line class=\"gs-axis\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\"/>",
                      x, HTML_TOP - 6, x, height - 6);
        gs_buf_printf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%g%s</text>", x,
                      HTML_TOP - 10, max * t / 4.0, unit);
    }
}

/* Observed share bars, Wilson whiskers, expected-share markers for a split or mirror check. */
static void html_split_chart(gs_buf *b, const gs_results_check *c)
{
    double height = HTML_TOP + HTML_ROW_H * (double)c->shares_len + 8;
    gs_buf_printf(b,
                  "<svg class=\"chart split\" role=\"img\" width=\"%d\" height=\"%.0f\" "
                  "viewBox=\"0 0 %d %.0f\" xmlns=\"http://www.w3.org/2000/svg\">",
                  HTML_CHART_W, height, HTML_CHART_W, height);
    gs_buf_puts(b,
                "<title>backend shares: observed (bars) with intervals, expected (dashes)</title>");
    html_axis(b, height, 100, "%");
    for (size_t i = 0; i < c->shares_len; i++) {
        const gs_results_share *sh = c->shares[i];
        double y = HTML_TOP + HTML_ROW_H * (double)i;
        double obs = html_clamp01(sh->observed_share);
        /* Red exactly where the decision said so: the adjusted p-value at or below alpha. */
        bool off = !isnan(sh->p_adjusted) && !isnan(c->alpha) && sh->p_adjusted <= c->alpha;
        gs_buf_printf(b, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\"><title>", HTML_LABEL_W - 8,
                      y + 13);
        html_text(b, sh->backend);
        gs_buf_puts(b, "</title>");
        html_label(b, sh->backend);
        gs_buf_puts(b, "</text>");
        gs_buf_printf(b,
                      "<rect class=\"gs-bar%s\" x=\"%d\" y=\"%.1f\" width=\"%.2f\" height=\"18\">"
                      "<title>",
                      off ? " violates" : "", HTML_LABEL_W, y, obs * HTML_PLOT_W);
        html_text(b, sh->backend);
        gs_buf_printf(b, ": %llu requests, ", (unsigned long long)sh->observed_count);
        gs_report_percent(b, sh->observed_share);
        gs_buf_puts(b, " observed, ");
        gs_report_percent(b, sh->expected_share);
        gs_buf_puts(b, " expected");
        if (!isnan(sh->p_adjusted))
            gs_buf_printf(b, ", adjusted p %.3g", sh->p_adjusted);
        if (!isnan(c->interval_level))
            gs_buf_printf(b, ", simultaneous interval at %.4g%%", 100 * (1 - c->interval_level));
        gs_buf_puts(b, "</title></rect>");
        if (!isnan(sh->ci_low) && !isnan(sh->ci_high)) {
            double x1 = HTML_LABEL_W + html_clamp01(sh->ci_low) * HTML_PLOT_W;
            double x2 = HTML_LABEL_W + html_clamp01(sh->ci_high) * HTML_PLOT_W;
            gs_buf_printf(b,
                          "<line class=\"gs-ci\" x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\"/>"
                          "<line class=\"gs-ci\" x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\"/>"
                          "<line class=\"gs-ci\" x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\"/>",
                          x1, y + 9, x2, y + 9, x1, y + 4, x1, y + 14, x2, y + 4, x2, y + 14);
        }
        if (!isnan(sh->expected_share)) {
            double xe = HTML_LABEL_W + html_clamp01(sh->expected_share) * HTML_PLOT_W;
            gs_buf_printf(b,
                          "<line class=\"gs-expected\" x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" "
                          "y2=\"%.1f\"/>",
                          xe, y - 3, xe, y + 21);
        }
        gs_buf_printf(b, "<text x=\"%d\" y=\"%.1f\">", HTML_LABEL_W + HTML_PLOT_W + 8, y + 13);
        gs_report_percent(b, sh->observed_share);
        gs_buf_puts(b, " (exp ");
        gs_report_percent(b, sh->expected_share);
        gs_buf_puts(b, ")</text>");
    }
    gs_buf_puts(b, "</svg>\n");
}

/* Backend shares from the traffic counts alone (a step without a split check). */
static void html_backend_chart(gs_buf *b, const gs_results_traffic *t)
{
    uint64_t total = 0;
    for (size_t i = 0; i < t->backends.len; i++)
        total += t->backends.items[i].count;
    if (total == 0)
        return;
    double height = HTML_TOP + HTML_ROW_H * (double)t->backends.len + 8;
    gs_buf_printf(b,
                  "<svg class=\"chart backends\" role=\"img\" width=\"%d\" height=\"%.0f\" "
                  "viewBox=\"0 0 %d %.0f\" xmlns=\"http://www.w3.org/2000/svg\">"
                  "<title>responses per backend</title>",
                  HTML_CHART_W, height, HTML_CHART_W, height);
    html_axis(b, height, 100, "%");
    for (size_t i = 0; i < t->backends.len; i++) {
        double y = HTML_TOP + HTML_ROW_H * (double)i;
        double share = (double)t->backends.items[i].count / (double)total;
        gs_buf_printf(b, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">", HTML_LABEL_W - 8,
                      y + 13);
        html_label(b, t->backends.items[i].name);
        gs_buf_printf(b,
                      "</text><rect class=\"gs-bar\" x=\"%d\" y=\"%.1f\" width=\"%.2f\" "
                      "height=\"18\"/><text x=\"%d\" y=\"%.1f\">%llu (",
                      HTML_LABEL_W, y, share * HTML_PLOT_W, HTML_LABEL_W + HTML_PLOT_W + 8, y + 13,
                      (unsigned long long)t->backends.items[i].count);
        gs_report_percent(b, share);
        gs_buf_puts(b, ")</text>");
    }
    gs_buf_puts(b, "</svg>\n");
}

/* A round axis maximum at or above |v| (1, 2, 5 times a power of ten). */
static double html_nice_max(double v)
{
    if (!(v > 0))
        return 1.0;
    double p = pow(10.0, floor(log10(v)));
    for (int i = 0; i < 3; i++) {
        static const double steps[] = {1, 2, 5};
        if (steps[i] * p >= v)
            return steps[i] * p;
    }
    return 10.0 * p;
}

/* The latency axis of a whole run: every step's chart uses it, so bars compare across steps. */
static double html_latency_axis(const gs_results *r)
{
    double max = 0;
    for (size_t i = 0; i < r->scenarios_len; i++)
        for (size_t k = 0; k < r->scenarios[i]->steps_len; k++) {
            const gs_results_traffic *t = &r->scenarios[i]->steps[k]->traffic;
            /* max is the largest percentile; the others are checked in case it is NAN. */
            const double v[] = {t->latency_ms.p50, t->latency_ms.p90, t->latency_ms.p99,
                                t->latency_ms.p999, t->latency_ms.max};
            for (size_t j = 0; t->present && j < GS_ARRAY_LEN(v); j++)
                if (v[j] > max)
                    max = v[j];
        }
    return html_nice_max(max);
}

/* Latency percentiles as bars on the run's shared axis |axis| (ms). */
static void html_latency_chart(gs_buf *b, const gs_results_traffic *t, double axis)
{
    const struct {
        const char *name;
        double v;
    } rows[] = {{"p50", t->latency_ms.p50},
                {"p90", t->latency_ms.p90},
                {"p99", t->latency_ms.p99},
                {"p99.9", t->latency_ms.p999},
                {"max", t->latency_ms.max}};
    double max = 0;
    for (size_t i = 0; i < 5; i++)
        if (rows[i].v > max)
            max = rows[i].v;
    if (!(max > 0))
        return;
    double height = HTML_TOP + HTML_ROW_H * 5.0 + 8;
    gs_buf_printf(b,
                  "<svg class=\"chart latency\" role=\"img\" width=\"%d\" height=\"%.0f\" "
                  "viewBox=\"0 0 %d %.0f\" xmlns=\"http://www.w3.org/2000/svg\">"
                  "<title>latency percentiles in ms, on one scale for every step of the run"
                  "</title>",
                  HTML_CHART_W, height, HTML_CHART_W, height);
    html_axis(b, height, axis, " ms");
    for (size_t i = 0; i < 5; i++) {
        double y = HTML_TOP + HTML_ROW_H * (double)i;
        double w = (isnan(rows[i].v) || rows[i].v < 0 ? 0 : rows[i].v) / axis * HTML_PLOT_W;
        gs_buf_printf(b,
                      "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>"
                      "<rect class=\"gs-lat\" x=\"%d\" y=\"%.1f\" width=\"%.2f\" height=\"18\"/>"
                      "<text x=\"%d\" y=\"%.1f\">%.2f ms</text>",
                      HTML_LABEL_W - 8, y + 13, rows[i].name, HTML_LABEL_W, y, w,
                      HTML_LABEL_W + HTML_PLOT_W + 8, y + 13, rows[i].v);
    }
    gs_buf_puts(b, "</svg>\n");
}

/* The rollout timeline's geometry: a share panel (0-100%) over a p99 panel, time across. */
#define HTML_TL_W 640
#define HTML_TL_X0 56
#define HTML_TL_X1 (HTML_TL_W - 20)
#define HTML_TL_TOP 34
#define HTML_TL_SHARE_H 180
#define HTML_TL_P99_TOP (HTML_TL_TOP + HTML_TL_SHARE_H + 34)
#define HTML_TL_P99_H 60
#define HTML_TL_H (HTML_TL_P99_TOP + HTML_TL_P99_H + 30)

static double html_tl_x(double t, double tmax)
{
    return HTML_TL_X0 + (isnan(t) || t < 0 ? 0 : t) / tmax * (HTML_TL_X1 - HTML_TL_X0);
}

static double html_tl_y(double percent)
{
    double v = isnan(percent) ? 0 : percent < 0 ? 0 : percent > 100 ? 100 : percent;
    return HTML_TL_TOP + HTML_TL_SHARE_H * (1 - v / 100);
}

/* A point's middle time: where its share and success rate are drawn. */
static double html_tl_mid(const gs_results_rollout_point *p)
{
    return isnan(p->end_s) ? p->start_s : (p->start_s + p->end_s) / 2;
}

/* The tooltip of a timeline point: stage, weight, share with interval, metrics, decision. */
static void html_tl_title(gs_buf *b, const gs_results_rollout_point *p)
{
    gs_buf_puts(b, "<title>");
    html_text(b, p->stage);
    gs_buf_printf(b, " (%.1f-%.1f s): weight %g%%", p->start_s, p->end_s, p->planned_weight);
    if (!isnan(p->canary_share))
        gs_buf_printf(b, ", canary %.2f%% of %llu (interval %.2f-%.2f%%)", 100 * p->canary_share,
                      (unsigned long long)p->answered, 100 * p->ci_low, 100 * p->ci_high);
    if (!isnan(p->success_rate))
        gs_buf_printf(b, ", success rate %.2f%%", p->success_rate);
    if (!isnan(p->p99_ms))
        gs_buf_printf(b, ", p99 %.1f ms", p->p99_ms);
    if (p->decision != NULL) {
        gs_buf_puts(b, ": ");
        html_text(b, p->decision);
    }
    gs_buf_puts(b, "</title>");
}

/* The rollout timeline as one SVG: the planned canary weight as a step line, the observed
 * canary share of every window as a dot with its interval, the canary's success rate, a
 * marker at every route write (labelled with its weight), the decision of every analysis
 * (pass, retry, roll back) above the plot, and the canary's p99 per window in a panel below. */
static void html_rollout_chart(gs_buf *b, const gs_results_rollout *ro)
{
    double tmax = 0, p99max = 0;
    for (size_t i = 0; i < ro->points_len; i++) {
        const gs_results_rollout_point *p = ro->points[i];
        if (p->end_s > tmax)
            tmax = p->end_s;
        if (p->p99_ms > p99max)
            p99max = p->p99_ms;
    }
    tmax = html_nice_max(tmax);
    p99max = html_nice_max(p99max);
    gs_buf_printf(b,
                  "<svg class=\"chart rollout\" role=\"img\" width=\"%d\" height=\"%d\" "
                  "viewBox=\"0 0 %d %d\" xmlns=\"http://www.w3.org/2000/svg\"><title>rollout "
                  "timeline: planned canary weight (line), observed canary share with intervals "
                  "(dots), canary success rate (squares), route writes (dashes), analysis "
                  "decisions (top), canary p99 (bottom)</title>",
                  HTML_TL_W, HTML_TL_H, HTML_TL_W, HTML_TL_H);
    for (int t = 0; t <= 4; t++) {
        double y = html_tl_y(25.0 * t);
        gs_buf_printf(b,
                      "<line class=\"gs-axis\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
                      "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%d%%</text>",
                      HTML_TL_X0, y, HTML_TL_X1, y, HTML_TL_X0 - 6, y + 4, 25 * t);
        double x = html_tl_x(tmax * t / 4.0, tmax);
        gs_buf_printf(b,
                      "<line class=\"gs-axis\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
                      "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%g s</text>",
                      x, HTML_TL_TOP, x, HTML_TL_P99_TOP + HTML_TL_P99_H, x,
                      HTML_TL_P99_TOP + HTML_TL_P99_H + 16, tmax * t / 4.0);
    }
    gs_buf_printf(b,
                  "<text x=\"%d\" y=\"%d\">canary p99 (axis %g ms)</text>"
                  "<line class=\"gs-axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>",
                  HTML_TL_X0, HTML_TL_P99_TOP - 6, p99max, HTML_TL_X0,
                  HTML_TL_P99_TOP + HTML_TL_P99_H, HTML_TL_X1, HTML_TL_P99_TOP + HTML_TL_P99_H);
    /* Route writes: a dashed marker and the weight written. */
    for (size_t i = 0; i < ro->points_len; i++) {
        const gs_results_rollout_point *p = ro->points[i];
        if (isnan(p->written_s) || strcmp(p->kind, "split") != 0)
            continue;
        double x = html_tl_x(p->written_s, tmax);
        gs_buf_printf(b,
                      "<line class=\"gs-stage\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\">"
                      "<title>",
                      x, HTML_TL_TOP - 4, x, HTML_TL_TOP + HTML_TL_SHARE_H);
        html_text(b, p->stage);
        gs_buf_printf(b, " written at %.2f s</title></line><text x=\"%.1f\" y=\"%d\">%g</text>",
                      p->written_s, x + 2, HTML_TL_TOP + HTML_TL_SHARE_H - 4, p->planned_weight);
    }
    /* The planned weight: a step line through the stages' windows in order (header traffic
     * has its own split and is not on it). */
    gs_buf_puts(b, "<polyline class=\"gs-planned\" points=\"");
    double last_w = NAN;
    for (size_t i = 0; i < ro->points_len; i++) {
        const gs_results_rollout_point *p = ro->points[i];
        if (isnan(p->planned_weight) || strcmp(p->kind, "headerRoute") == 0)
            continue;
        double from = isnan(p->written_s) ? p->start_s : p->written_s;
        if (!isnan(last_w))
            gs_buf_printf(b, "%.1f,%.1f ", html_tl_x(from, tmax), html_tl_y(last_w));
        gs_buf_printf(b, "%.1f,%.1f %.1f,%.1f ", html_tl_x(from, tmax),
                      html_tl_y(p->planned_weight), html_tl_x(p->end_s, tmax),
                      html_tl_y(p->planned_weight));
        last_w = p->planned_weight;
    }
    gs_buf_puts(b, "\"/>");
    /* The canary's success rate per window. */
    for (size_t i = 0; i < ro->points_len; i++) {
        const gs_results_rollout_point *p = ro->points[i];
        if (isnan(p->success_rate))
            continue;
        gs_buf_printf(b, "<rect class=\"gs-success\" x=\"%.1f\" y=\"%.1f\" width=\"6\" "
                         "height=\"6\">",
                      html_tl_x(html_tl_mid(p), tmax) - 3, html_tl_y(p->success_rate) - 3);
        html_tl_title(b, p);
        gs_buf_puts(b, "</rect>");
    }
    /* Observed shares with their intervals (header traffic in its own colour). */
    for (size_t i = 0; i < ro->points_len; i++) {
        const gs_results_rollout_point *p = ro->points[i];
        if (isnan(p->canary_share))
            continue;
        double x = html_tl_x(html_tl_mid(p), tmax);
        bool header = strcmp(p->kind, "headerRoute") == 0;
        if (!isnan(p->ci_low) && !isnan(p->ci_high))
            gs_buf_printf(b,
                          "<line class=\"gs-ci\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                          "y2=\"%.1f\"/>",
                          x, html_tl_y(100 * p->ci_low), x, html_tl_y(100 * p->ci_high));
        gs_buf_printf(b, "<circle class=\"gs-share%s%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\">",
                      header ? " header" : "", p->result == GS_RESULT_FAILED ? " violates" : "",
                      x, html_tl_y(100 * p->canary_share));
        html_tl_title(b, p);
        gs_buf_puts(b, "</circle>");
    }
    /* Decisions of the analyses above the plot; faults changed and mirror steps as marks. */
    for (size_t i = 0; i < ro->points_len; i++) {
        const gs_results_rollout_point *p = ro->points[i];
        const char *cls = NULL, *glyph = NULL;
        if (strcmp(p->kind, "analysis") == 0) {
            bool go = p->decision && strcmp(p->decision, "continue") == 0;
            bool back = p->decision && strcmp(p->decision, "rollBack") == 0;
            cls = go ? "pass" : back ? "rollback" : "retry";
            glyph = go ? "✓" : back ? "✗" : "↻";
        } else if (strcmp(p->kind, "behaviour") == 0) {
            cls = "fault";
            glyph = "⚡";
        } else if (strcmp(p->kind, "mirror") == 0) {
            bool nothing = p->decision && strcmp(p->decision, "mirroredNothing") == 0;
            cls = nothing ? "mirror" : p->result == GS_RESULT_FAILED ? "rollback" : "pass";
            glyph = nothing ? "∅" : "⧉";
        } else if (strcmp(p->kind, "convergence") == 0) {
            cls = "rollback";
            glyph = "✗";
        }
        if (cls == NULL)
            continue;
        gs_buf_printf(b,
                      "<text class=\"gs-decision %s\" x=\"%.1f\" y=\"%d\" "
                      "text-anchor=\"middle\">%s",
                      cls, html_tl_x(html_tl_mid(p), tmax), HTML_TL_TOP - 10, glyph);
        html_tl_title(b, p);
        gs_buf_puts(b, "</text>");
    }
    /* The canary's p99 per window: a bar across the window. */
    for (size_t i = 0; i < ro->points_len; i++) {
        const gs_results_rollout_point *p = ro->points[i];
        if (isnan(p->p99_ms))
            continue;
        double h = p->p99_ms / p99max * HTML_TL_P99_H;
        double x0 = html_tl_x(p->start_s, tmax), x1 = html_tl_x(p->end_s, tmax);
        gs_buf_printf(b,
                      "<rect class=\"gs-p99\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                      "height=\"%.1f\">",
                      x0, HTML_TL_P99_TOP + HTML_TL_P99_H - h, x1 - x0 > 1 ? x1 - x0 : 1, h);
        html_tl_title(b, p);
        gs_buf_puts(b, "</rect>");
    }
    gs_buf_puts(b, "</svg>\n");
}

static void html_counts(gs_buf *b, const gs_results_counts *c)
{
    for (size_t i = 0; i < c->len; i++) {
        if (i > 0)
            gs_buf_puts(b, ", ");
        html_text(b, c->items[i].name);
        gs_buf_printf(b, ": %llu", (unsigned long long)c->items[i].count);
    }
    if (c->len == 0)
        gs_buf_puts(b, "none");
}

static void html_traffic(gs_buf *b, const gs_results_traffic *t)
{
    gs_buf_printf(b,
                  "<table class=\"traffic\"><tr><th>requests</th><th>duration</th><th>req/s</th>"
                  "<th>statuses</th><th>errors</th></tr><tr><td class=\"num\">%llu</td>"
                  "<td class=\"num\">%.2f s</td><td class=\"num\">%.1f</td><td>",
                  (unsigned long long)t->requests, t->duration_seconds, t->rps);
    html_counts(b, &t->statuses);
    gs_buf_puts(b, "</td><td>");
    html_counts(b, &t->errors);
    gs_buf_puts(b, "</td></tr></table>\n");
}

static void html_evidence(gs_buf *b, const gs_results_check *c)
{
    if (c->evidence_request != NULL) {
        gs_buf_puts(b, "<div>First offending request:</div><pre>");
        html_text(b, c->evidence_request);
        gs_buf_puts(b, "</pre>");
    }
    if (c->evidence_response != NULL) {
        gs_buf_puts(b, "<div>Its response:</div><pre>");
        html_text(b, c->evidence_response);
        gs_buf_puts(b, "</pre>");
    }
}

static void html_stats_line(gs_buf *b, const gs_results_check *c)
{
    if (isnan(c->p_value) && c->method == NULL)
        return;
    gs_buf_puts(b, "<div class=\"meta\">");
    if (!isnan(c->p_value))
        gs_buf_printf(b, "p-value %.3g", c->p_value);
    if (!isnan(c->alpha))
        gs_buf_printf(b, " · alpha %g", c->alpha);
    if (!isnan(c->family_alpha))
        gs_buf_printf(b, " (a share of the family-wise %g)", c->family_alpha);
    if (!isnan(c->tolerance))
        gs_buf_printf(b, " · tolerance %g", c->tolerance);
    if (!isnan(c->interval_level))
        gs_buf_printf(b, " · intervals simultaneous at %.4g%%", 100 * (1 - c->interval_level));
    if (c->method != NULL) {
        gs_buf_puts(b, " · ");
        html_text(b, c->method);
    }
    if (c->samples > 0)
        gs_buf_printf(b, " · n = %llu", (unsigned long long)c->samples);
    if (!isnan(c->detectable)) {
        gs_buf_printf(b, " · smallest detectable deviation %.1f points", c->detectable * 100);
        if (!isnan(c->power))
            gs_buf_printf(b, " (power %g)", c->power);
    }
    gs_buf_puts(b, "</div>\n");
}

static void html_failure(gs_buf *b, const gs_results_scenario *s, const gs_results_step *st,
                         const gs_results_check *c)
{
    gs_buf_puts(b, "<div class=\"failure\"><div class=\"where\">");
    html_text(b, s->name);
    gs_buf_puts(b, " › ");
    html_text(b, st->name);
    gs_buf_puts(b, " › ");
    html_text(b, c->kind);
    gs_buf_puts(b, "</div><div>");
    html_text(b, c->message);
    gs_buf_puts(b, "</div><table><tr><th>expected</th><td>");
    html_text(b, c->expected);
    gs_buf_puts(b, "</td></tr><tr><th>observed</th><td>");
    html_text(b, c->observed);
    gs_buf_puts(b, "</td></tr></table>\n");
    html_stats_line(b, c);
    if (c->shares_len > 0)
        html_split_chart(b, c);
    html_evidence(b, c);
    gs_buf_puts(b, "</div>\n");
}

static void html_error(gs_buf *b, const char *where1, const char *where2, const char *msg)
{
    gs_buf_puts(b, "<div class=\"failure error\"><div class=\"where\">");
    html_text(b, where1);
    if (where2 != NULL) {
        gs_buf_puts(b, " › ");
        html_text(b, where2);
    }
    gs_buf_puts(b, "</div><div>");
    html_text(b, msg);
    gs_buf_puts(b, "</div></div>\n");
}

static void html_failures(gs_buf *b, const gs_results *r)
{
    bool any = false;
    for (size_t i = 0; i < r->scenarios_len; i++) {
        const gs_results_scenario *s = r->scenarios[i];
        /* An interrupted scenario is no failure; its section says where it stopped. */
        if ((s->result != GS_RESULT_FAILED && s->result != GS_RESULT_ERROR) || s->interrupted)
            continue;
        if (!any)
            gs_buf_puts(b, "<h2 id=\"failures\">Failures</h2>\n");
        any = true;
        if (s->result == GS_RESULT_ERROR && s->error != NULL)
            html_error(b, s->name, NULL, s->error);
        for (size_t k = 0; k < s->steps_len; k++) {
            const gs_results_step *st = s->steps[k];
            if (st->result == GS_RESULT_ERROR && st->message != NULL)
                html_error(b, s->name, st->name, st->message);
            for (size_t c = 0; c < st->checks_len; c++)
                if (st->checks[c]->result == GS_RESULT_FAILED)
                    html_failure(b, s, st, st->checks[c]);
        }
    }
}

static void html_step(gs_buf *b, const gs_results_step *st, double latency_axis)
{
    gs_buf_puts(b, "<div class=\"step\"><h3>");
    html_text(b, st->name);
    gs_buf_puts(b, " — ");
    html_result(b, st->result, st->interrupted);
    gs_buf_puts(b, "</h3>\n");
    gs_buf how = {0};
    gs_report_step_send(&how, &st->send);
    if (how.len > 0 || st->convergence_ms >= 0 || st->duration_ms >= 0) {
        gs_buf_puts(b, "<div class=\"meta\">");
        if (how.len > 0) {
            gs_buf_puts(b, "sent over ");
            html_text(b, how.data);
            if (st->convergence_ms >= 0 || st->duration_ms >= 0)
                gs_buf_puts(b, " · ");
        }
        if (st->convergence_ms >= 0)
            gs_buf_printf(b, "converged in %.1f ms", st->convergence_ms);
        if (st->convergence_ms >= 0 && st->duration_ms >= 0)
            gs_buf_puts(b, " · ");
        if (st->duration_ms >= 0)
            gs_buf_printf(b, "step took %.0f ms", st->duration_ms);
        gs_buf_puts(b, "</div>\n");
    }
    gs_buf_clear(&how);
    if (st->message != NULL) {
        gs_buf_puts(b, "<div>");
        html_text(b, st->message);
        gs_buf_puts(b, "</div>\n");
    }
    gs_buf counters = {0};
    gs_report_target_stats(&counters, &st->target_stats);
    if (counters.len > 0) {
        gs_buf_puts(b, "<div class=\"meta\">target counters in this step: ");
        html_text(b, counters.data);
        gs_buf_puts(b, "</div>\n");
    }
    gs_buf_clear(&counters);
    if (st->traffic.present)
        html_traffic(b, &st->traffic);
    if (st->rollout != NULL && st->rollout->points_len > 0) {
        gs_buf_puts(b, "<figure>");
        html_rollout_chart(b, st->rollout);
        gs_buf_puts(b, "<figcaption class=\"legend\"><b class=\"planned\">line</b>: planned "
                       "canary weight, <b class=\"bar\">dots</b>: observed canary share with "
                       "its interval (<b class=\"hdr\">header traffic</b>), <b "
                       "class=\"ok\">squares</b>: canary success rate, dashes: route writes, "
                       "top: analysis decisions (✓ continue, ↻ retry, ✗ roll back or halt), "
                       "bottom: canary p99</figcaption></figure>\n");
    }

    const gs_results_check *split = NULL;
    for (size_t i = 0; i < st->checks_len && split == NULL; i++)
        if (st->checks[i]->shares_len > 0)
            split = st->checks[i];
    if (split != NULL || st->traffic.present) {
        gs_buf_puts(b, "<div class=\"charts\">");
        if (split != NULL) {
            gs_buf_puts(b, "<figure>");
            html_split_chart(b, split);
            gs_buf_puts(b, "<figcaption class=\"legend\"><b class=\"bar\">bars</b>: observed "
                           "share, whiskers: Wilson interval, <b class=\"exp\">dashes</b>: "
                           "expected weight</figcaption></figure>");
        } else {
            html_backend_chart(b, &st->traffic);
        }
        if (st->traffic.present)
            html_latency_chart(b, &st->traffic, latency_axis);
        gs_buf_puts(b, "</div>\n");
    }
    if (st->checks_len > 0) {
        gs_buf_puts(b, "<table class=\"checks\"><tr><th>check</th><th>result</th><th>message</th>"
                       "<th>expected</th><th>observed</th><th>p-value</th></tr>\n");
        for (size_t i = 0; i < st->checks_len; i++) {
            const gs_results_check *c = st->checks[i];
            gs_buf_puts(b, "<tr><td>");
            html_text(b, c->kind);
            gs_buf_puts(b, "</td><td>");
            html_result(b, c->result, false);
            gs_buf_puts(b, "</td><td>");
            html_text(b, c->message);
            gs_buf_puts(b, "</td><td>");
            html_text(b, c->expected);
            gs_buf_puts(b, "</td><td>");
            html_text(b, c->observed);
            gs_buf_puts(b, "</td><td class=\"num\">");
            if (!isnan(c->p_value))
                gs_buf_printf(b, "%.3g", c->p_value);
            gs_buf_puts(b, "</td></tr>\n");
        }
        gs_buf_puts(b, "</table>\n");
    }
    gs_buf_puts(b, "</div>\n");
}

static void html_scenario(gs_buf *b, const gs_results_scenario *s, size_t index,
                          double latency_axis)
{
    gs_buf_printf(b, "<section class=\"scenario\" id=\"scenario-%zu\"><h2>", index);
    html_text(b, s->name);
    gs_buf_puts(b, " — ");
    html_result(b, s->result, s->interrupted);
    gs_buf_puts(b, "</h2>\n<div class=\"meta\">");
    html_text(b, s->file);
    if (s->duration_ms > 0)
        gs_buf_printf(b, " · %.0f ms", s->duration_ms);
    if (s->description != NULL) {
        gs_buf_puts(b, " · ");
        html_text(b, s->description);
    }
    gs_buf_puts(b, "</div>\n");
    if (s->error != NULL) {
        gs_buf_puts(b, "<div>");
        html_text(b, s->error);
        gs_buf_puts(b, "</div>\n");
    }
    for (size_t i = 0; i < s->steps_len; i++)
        html_step(b, s->steps[i], latency_axis);
    gs_buf_puts(b, "</section>\n");
}

static void html_body(gs_buf *b, const gs_results *r)
{
    gs_results_summary sum;
    char when[32];
    gs_results_summarize(r, &sum);
    gs_time_rfc3339(r->started_at, when);
    /* A scenario the interrupt stopped failed no check: the run is "interrupted", not failed. */
    unsigned errors = sum.errors - sum.interrupted;
    bool bad = sum.failed > 0 || errors > 0;
    bool stopped = r->state == GS_RUN_INTERRUPTED;
    const char *verdict = bad ? "failed" : r->state == GS_RUN_COMPLETE ? "passed" : "running";
    gs_buf_printf(b, "<h1>gatesim report <span class=\"verdict %s\">%s</span></h1>\n", verdict,
                  bad && stopped                ? "checks failed (run interrupted)"
                  : bad                         ? "checks failed"
                  : stopped                     ? "run interrupted"
                  : r->state == GS_RUN_COMPLETE ? "all checks passed"
                                                : "incomplete");
    gs_buf_puts(b, "<div class=\"meta\">target ");
    html_text(b, r->target);
    gs_buf_printf(b, " · seed %llu · started %s", (unsigned long long)r->seed, when);
    if (r->finished_at > 0) {
        gs_time_rfc3339(r->finished_at, when);
        gs_buf_printf(b, " · finished %s", when);
    }
    if (r->version != NULL) {
        gs_buf_puts(b, " · gatesim ");
        html_text(b, r->version);
    }
    gs_buf_puts(b, "</div>\n");
    gs_buf_printf(b,
                  "<div class=\"counts\"><span>%u scenario%s</span><span class=\"r-passed\">%u "
                  "passed</span><span class=\"r-failed\">%u failed</span><span "
                  "class=\"r-error\">%u error%s</span>",
                  sum.scenarios, sum.scenarios == 1 ? "" : "s", sum.passed, sum.failed, errors,
                  errors == 1 ? "" : "s");
    if (sum.interrupted > 0)
        gs_buf_printf(b, "<span class=\"r-error\">%u interrupted</span>", sum.interrupted);
    gs_buf_printf(b, "<span class=\"r-skipped\">%u skipped</span>", sum.skipped);
    if (sum.pending > 0)
        gs_buf_printf(b, "<span class=\"r-pending\">%u not run</span>", sum.pending);
    gs_buf_puts(b, "</div>\n");
    if (r->state == GS_RUN_RUNNING)
        gs_buf_puts(b,
                    "<div class=\"banner\">The run is still in progress (or was stopped "
                    "without a chance to say so): this report covers what had finished.</div>\n");
    else if (r->state == GS_RUN_INTERRUPTED)
        gs_buf_puts(b, "<div class=\"banner\">The run was interrupted: the scenario marked "
                       "\"interrupted\" was stopped by it, scenarios marked \"skipped\" or "
                       "\"not run\" never started.</div>\n");
    html_failures(b, r);
    gs_buf_puts(b, "<h2>Scenarios</h2>\n");
    double latency_axis = html_latency_axis(r);
    for (size_t i = 0; i < r->scenarios_len; i++)
        html_scenario(b, r->scenarios[i], i, latency_axis);
}

void gs_report_html(const gs_results *r, gs_buf *out)
{
    const char *t = gs_report_html_template;
    while (*t != '\0') {
        const char *open = strstr(t, "{{");
        if (open == NULL) {
            gs_buf_puts(out, t);
            break;
        }
        gs_buf_append(out, t, (size_t)(open - t));
        const char *close = strstr(open, "}}");
        if (close == NULL) {
            gs_buf_puts(out, open);
            break;
        }
        size_t n = (size_t)(close - open - 2);
        if (n == 5 && strncmp(open + 2, "title", 5) == 0) {
            gs_results_summary sum;
            gs_results_summarize(r, &sum);
            unsigned errors = sum.errors - sum.interrupted;
            gs_buf_printf(out, "gatesim: %u passed, %u failed, %u error%s", sum.passed, sum.failed,
                          errors, errors == 1 ? "" : "s");
            if (sum.interrupted)
                gs_buf_printf(out, ", %u interrupted", sum.interrupted);
        } else if (n == 4 && strncmp(open + 2, "body", 4) == 0) {
            html_body(out, r);
        } else {
            gs_buf_append(out, open, (size_t)(close + 2 - open));
        }
        t = close + 2;
    }
}
