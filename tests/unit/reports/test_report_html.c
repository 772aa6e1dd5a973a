/* SPDX-License-Identifier: MIT */
/* The HTML report: self-contained, failures first, charts present, and every string from the
 * results escaped. The Chromium screenshot test (tests/integration/reports) renders it. */
#include "gs_report.h"
#include "gs_test.h"

#include "sample_results.h"

#include <string.h>

static size_t html_count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
}

START_TEST(html_is_self_contained_and_escaped)
{
    gs_results *r = sample_results();
    gs_buf b = {0};
    gs_report_html(r, &b);
    const char *h = b.data;
    ck_assert(strncmp(h, "<!DOCTYPE html>", 15) == 0);
    ck_assert_ptr_nonnull(strstr(h, "<title>gatesim: 1 passed, 1 failed, 1 error</title>"));
    ck_assert_ptr_null(strstr(h, "{{"));
    /* No network: nothing is fetched (the SVG namespace is an identifier, not a fetch). */
    ck_assert_ptr_null(strstr(h, "src=\"http"));
    ck_assert_ptr_null(strstr(h, "href=\"http"));
    ck_assert_ptr_null(strstr(h, "@import"));
    /* The hostile text appears only escaped. */
    ck_assert_ptr_null(strstr(h, "<script"));
    ck_assert_ptr_null(strstr(h, "</pre>\""));
    ck_assert_ptr_nonnull(
        strstr(h, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;"));
    ck_assert_ptr_nonnull(strstr(h, "{&quot;path&quot;:&quot;&lt;/pre&gt;"));
    ck_assert_ptr_nonnull(strstr(h, "wrong-split &lt;75/25&gt;"));
    /* The step's target counters (zeros left out). */
    ck_assert_ptr_nonnull(strstr(
        h, "<div class=\"meta\">target counters in this step: mirrorsSent 3988, mirrorsDropped 12</div>"));
    /* Failures come before the scenarios, with the evidence. */
    const char *fail = strstr(h, "<h2 id=\"failures\">Failures</h2>");
    const char *scen = strstr(h, "<h2>Scenarios</h2>");
    ck_assert_ptr_nonnull(fail);
    ck_assert_ptr_nonnull(scen);
    ck_assert(fail < scen);
    const char *ev =
        strstr(h, "First offending request:</div><pre>GET /checkout?a=1&amp;b=&lt;2&gt;");
    ck_assert_ptr_nonnull(ev);
    ck_assert(ev < scen);
    ck_assert_ptr_nonnull(strstr(h, "gateway exited with status 134"));
    /* Charts: split bars (2 passing + 2 failing backends, the failing chart twice: in
     * failures and in its scenario), whiskers, expected markers, latency bars. */
    ck_assert_uint_eq(html_count(h, "<rect class=\"gs-bar"), 6);
    ck_assert_uint_eq(html_count(h, "<rect class=\"gs-bar violates\""), 4);
    ck_assert_uint_eq(html_count(h, "class=\"gs-expected\""), 6);
    ck_assert_uint_eq(html_count(h, "class=\"gs-ci\""), 18);
    ck_assert_uint_eq(html_count(h, "<rect class=\"gs-lat\""), 10);
    ck_assert_ptr_nonnull(strstr(h, "smallest detectable deviation 2.4 points (power 0.99)"));
    ck_assert_ptr_nonnull(strstr(h, "converged in 12.5 ms"));
    ck_assert_ptr_nonnull(strstr(h, "<span class=\"r-pending\">1 not run</span>"));
    ck_assert_ptr_nonnull(strstr(h, "The run is still in progress"));
    gs_buf_clear(&b);
    gs_results_free(r);
}
END_TEST

/* A rollout step's timeline chart: the planned weight as a step line, a dot with its interval
 * per window where the data puts it, the success rates, the route writes, the decisions, the
 * p99 bars. */
START_TEST(html_rollout_timeline_chart)
{
    gs_results *r;
    gs_results_new(&r, "builtin", 0, 1);
    r->state = GS_RUN_COMPLETE;
    sample_rollout(r);
    gs_buf b = {0};
    gs_report_html(r, &b);
    const char *h = b.data;
    const char *svg = strstr(h, "<svg class=\"chart rollout\"");
    ck_assert_ptr_nonnull(svg);
    ck_assert_ptr_null(strstr(h, "<script"));
    ck_assert_uint_eq(html_count(h, "<svg class=\"chart rollout\""), 1);
    ck_assert_uint_eq(html_count(svg, "<circle class=\"gs-share"), 5);
    ck_assert_uint_eq(html_count(svg, "<circle class=\"gs-share violates\""), 1);
    ck_assert_uint_eq(html_count(svg, "<rect class=\"gs-success\""), 4);
    ck_assert_uint_eq(html_count(svg, "<line class=\"gs-stage\""), 3);
    ck_assert_uint_eq(html_count(svg, "<rect class=\"gs-p99\""), 4);
    ck_assert_uint_eq(html_count(svg, "class=\"gs-decision retry\""), 1);
    ck_assert_uint_eq(html_count(svg, "class=\"gs-decision rollback\""), 1);
    /* Time axis 0-5 s over x 56-620, share axis 0-100% over y 214-34: setWeight 20's window
     * 0.9-1.6 s has its dot at 1.25 s and 20.5%, its interval 18.5-22.5%. */
    ck_assert_ptr_nonnull(strstr(svg, "<circle class=\"gs-share\" cx=\"197.0\" cy=\"177.1\""));
    ck_assert_ptr_nonnull(strstr(svg, "x1=\"197.0\" y1=\"180.7\" x2=\"197.0\" y2=\"173.5\""));
    ck_assert_ptr_nonnull(strstr(svg, "setWeight 20 (0.9-1.6 s): weight 20%, canary 20.50% of 400 "
                                      "(interval 18.50-22.50%), success rate 100.00%, p99 3.2 ms: "
                                      "verified"));
    /* The planned weight steps from 0 to 20 at the write (0.7 s) and back to 0 at 3.7 s. */
    ck_assert_ptr_nonnull(strstr(svg, "<polyline class=\"gs-planned\" points=\"61.6,214.0 123.7,"
                                      "214.0 135.0,214.0 135.0,178.0 236.5,178.0 "));
    ck_assert_ptr_nonnull(strstr(svg, "462.1,178.0 473.4,178.0 473.4,214.0 574.9,214.0 "));
    gs_buf_clear(&b);
    gs_results_free(r);
}
END_TEST

START_TEST(html_backend_chart_without_split)
{
    gs_results *r;
    gs_results_new(&r, "builtin", 0, 1);
    r->state = GS_RUN_COMPLETE;
    gs_results_scenario *s = gs_results_add_scenario(r, "plain", "p.yaml");
    s->result = GS_RESULT_PASSED;
    gs_results_step *st = gs_results_add_step(s, "send");
    st->result = GS_RESULT_PASSED;
    st->traffic.present = true;
    st->traffic.requests = 10;
    st->traffic.latency_ms.max = 3;
    gs_results_counts_add(&st->traffic.backends, "default/a-very-long-backend-name-that-is-cut",
                          10);
    gs_buf b = {0};
    gs_report_html(r, &b);
    ck_assert_ptr_nonnull(strstr(b.data, "<svg class=\"chart backends\""));
    ck_assert_ptr_nonnull(strstr(b.data, "default/a-very-long-backe…"));
    ck_assert_ptr_nonnull(strstr(b.data, "all checks passed"));
    ck_assert_ptr_null(strstr(b.data, "Failures"));
    gs_buf_clear(&b);
    gs_results_free(r);
}
END_TEST

/* The axis labels of the |n|th latency chart of |h| (0-based), "0 ms|125 ms|...". */
static void html_latency_ticks(const char *h, unsigned n, gs_buf *out)
{
    const char *chart = strstr(h, "<svg class=\"chart latency\"");
    for (unsigned i = 0; i < n && chart != NULL; i++)
        chart = strstr(chart + 1, "<svg class=\"chart latency\"");
    ck_assert_ptr_nonnull(chart);
    const char *end = strstr(chart, "</svg>");
    const char *tag = "text-anchor=\"middle\">";
    for (const char *p = strstr(chart, tag); p != NULL && p < end; p = strstr(p + 1, tag)) {
        const char *v = p + strlen(tag);
        gs_buf_printf(out, "%.*s|", (int)(strchr(v, '<') - v), v);
    }
}

/* Two steps, one ten times slower: both latency charts have one axis, in ms, so their bars
 * compare; each step says how it sent. */
START_TEST(html_latency_axis_shared_and_in_ms)
{
    gs_results *r;
    gs_results_new(&r, "builtin", 0, 1);
    r->state = GS_RUN_COMPLETE;
    gs_results_scenario *s = gs_results_add_scenario(r, "two", "t.yaml");
    s->result = GS_RESULT_PASSED;
    const struct {
        const char *protocol;
        unsigned connections, streams;
        double max;
    } steps[] = {{"http1", 1, 1, 12}, {"h2c", 3, 4, 120}};
    for (size_t i = 0; i < 2; i++) {
        gs_results_step *st = gs_results_add_step(s, steps[i].protocol);
        st->result = GS_RESULT_PASSED;
        gs_results_set(&st->send.protocol, "%s", steps[i].protocol);
        st->send.connections = steps[i].connections;
        st->send.streams = steps[i].streams;
        st->traffic.present = true;
        st->traffic.requests = 10;
        st->traffic.latency_ms.p50 = steps[i].max / 4;
        st->traffic.latency_ms.max = steps[i].max;
    }
    gs_buf b = {0};
    gs_report_html(r, &b);
    gs_buf first = {0}, second = {0};
    html_latency_ticks(b.data, 0, &first);
    html_latency_ticks(b.data, 1, &second);
    ck_assert_str_eq(first.data, "0 ms|50 ms|100 ms|150 ms|200 ms|");
    ck_assert_str_eq(second.data, first.data);
    /* p50 of the fast step: 3 ms of 200 on a 280-unit plot. */
    ck_assert_ptr_nonnull(strstr(b.data, "<rect class=\"gs-lat\" x=\"190\" y=\"26.0\" "
                                         "width=\"4.20\" height=\"18\"/><text x=\"478\" "
                                         "y=\"39.0\">3.00 ms</text>"));
    ck_assert_ptr_nonnull(strstr(b.data, "<div class=\"meta\">sent over http1, 1 connection</div>"));
    ck_assert_ptr_nonnull(
        strstr(b.data, "<div class=\"meta\">sent over h2c, 3 connections, 4 streams each</div>"));
    gs_buf_clear(&first);
    gs_buf_clear(&second);
    gs_buf_clear(&b);
    gs_results_free(r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("reports/html");
    TCase *tc = tcase_create("html");
    tcase_add_test(tc, html_is_self_contained_and_escaped);
    tcase_add_test(tc, html_backend_chart_without_split);
    tcase_add_test(tc, html_rollout_timeline_chart);
    tcase_add_test(tc, html_latency_axis_shared_and_in_ms);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
