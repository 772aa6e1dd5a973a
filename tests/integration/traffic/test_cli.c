/* SPDX-License-Identifier: MIT */
/* `gatesim load` end to end: usage errors exit 2 with a message, JSON output carries the
 * fields of docs/cli.md (settings, version, start time, chosen percentiles, the whole
 * histogram, error texts), a run where nothing answers exits 1, thresholds set the exit code,
 * an open loop that cannot keep its rate counts the missed requests and stops at its end, and
 * SIGINT gives the complete output marked interrupted with exit 130. */
#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_json_parse.h"
#include "gs_time.h"
#include "gs_test.h"
#include "traffic_it.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <time.h>

/* Runs `gatesim load ARGS` (stderr merged) and returns its exit status; output in |out|. */
static int run_load(const char *args, gs_buf *out)
{
    char *load = gs_xasprintf("load %s", args);
    int rc = it_gatesim(load, out);
    free(load);
    return rc;
}

static void expect_usage(const char *args, const char *message)
{
    gs_buf out = {0};
    int rc = run_load(args, &out);
    ck_assert_msg(rc == 2, "`load %s` exited %d: %s", args, rc, out.data);
    ck_assert_msg(out.data && strstr(out.data, message), "`load %s` said: %s", args, out.data);
    gs_buf_clear(&out);
}

START_TEST(help_and_usage_errors)
{
    gs_buf out = {0};
    ck_assert_int_eq(run_load("--help", &out), 0);
    ck_assert_ptr_nonnull(strstr(out.data, "--connections"));
    ck_assert_ptr_nonnull(strstr(out.data, "--rate"));
    gs_buf_clear(&out);
    expect_usage("", "missing URL");
    expect_usage("ftp://example.com/", "bad URL");
    expect_usage("http://h:99999/", "bad URL");
    expect_usage("--connections 0 http://127.0.0.1:1/", "bad --connections");
    expect_usage("--protocol h3 http://127.0.0.1:1/", "unknown protocol");
    expect_usage("--duration 5 http://127.0.0.1:1/", "bad --duration");
    expect_usage("--rate -3 http://127.0.0.1:1/", "bad --rate");
    expect_usage("--header NoColon http://127.0.0.1:1/", "bad header");
    expect_usage("-p h2c https://127.0.0.1:1/", "cleartext");
    expect_usage("-p http2 http://127.0.0.1:1/", "TLS");
    expect_usage("-p grpc http://127.0.0.1:1/", "grpc needs");
    expect_usage("--bogus http://127.0.0.1:1/", "unknown option");
    expect_usage("--output yaml http://127.0.0.1:1/", "--output takes text or json");
    expect_usage("http://a/ http://b/", "only one URL");
}
END_TEST

START_TEST(json_output_fields)
{
    unsigned port;
    gs_proc *srv = it_python("fault_server.py", &port);
    gs_buf out = {0};
    char *args = gs_xasprintf("-n 20 -c 2 -H 'X-Test: 1' --host app.test -o json "
                              "http://127.0.0.1:%u/ok",
                              port);
    ck_assert_int_eq(run_load(args, &out), 0);
    const char *want[] = {"\"requests\":20",
                          "\"durationSeconds\":",
                          "\"rps\":",
                          "\"latencyMs\":{\"p50\":",
                          "\"p90\":",
                          "\"p99\":",
                          "\"p999\":",
                          "\"max\":",
                          "\"statuses\":{\"200\":20}",
                          "\"backends\":{\"test/fault\":20}",
                          "\"errors\":{\"connect\":0"};
    for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++)
        ck_assert_msg(strstr(out.data, want[k]) != NULL, "missing %s in %s", want[k], out.data);
    free(args);

    /* text summary */
    args = gs_xasprintf("-n 5 http://127.0.0.1:%u/ok", port);
    ck_assert_int_eq(run_load(args, &out), 0);
    ck_assert_ptr_nonnull(strstr(out.data, "200: 5"));
    ck_assert_ptr_nonnull(strstr(out.data, "test/fault: 5"));
    free(args);

    /* --connect-to reaches the server while the URL's authority is sent as Host; --host
     * overrides it */
    args = gs_xasprintf("-n 4 -o json --connect-to 127.0.0.1:%u http://app.example.com/host", port);
    ck_assert_int_eq(run_load(args, &out), 0);
    ck_assert_msg(strstr(out.data, "\"backends\":{\"test/app.example.com\":4}"), "%s", out.data);
    free(args);
    args = gs_xasprintf("-n 2 -o json --host other.test:8080 http://127.0.0.1:%u/host", port);
    ck_assert_int_eq(run_load(args, &out), 0);
    ck_assert_msg(strstr(out.data, "\"backends\":{\"test/other.test:8080\":2}"), "%s", out.data);
    free(args);

    /* nothing listens: every request fails, exit 1, errors counted */
    unsigned closed;
    int hold = it_refusing_port(&closed);
    args = gs_xasprintf("-n 3 -o json http://127.0.0.1:%u/", closed);
    ck_assert_int_eq(run_load(args, &out), 1);
    close(hold);
    ck_assert_ptr_nonnull(strstr(out.data, "\"connect\":3"));
    free(args);
    gs_buf_clear(&out);
    it_stop(srv);
}
END_TEST

/* Number |b| of object |a| of |v|, or number |a| of |v| when |b| is NULL. */
static double num_at(const gs_json_value *v, const char *a, const char *b)
{
    return b ? it_json_num(gs_json_get(v, a), b) : it_json_num(v, a);
}

START_TEST(json_settings_histogram_percentiles)
{
    unsigned port;
    gs_proc *srv = it_python("fault_server.py", &port);
    gs_buf out = {0};
    char *args = gs_xasprintf("-n 20 -c 2 -m 1 -o json --percentiles 50,99.9 "
                              "http://127.0.0.1:%u/ok",
                              port);
    ck_assert_int_eq(run_load(args, &out), 0);
    gs_json_value *v = it_json_first_line(&out);
    ck_assert_str_ne(gs_json_get_string(v, "version", ""), "");
    const char *when = gs_json_get_string(v, "startTime", "");
    ck_assert_msg(strlen(when) == 24 && when[4] == '-' && when[10] == 'T' && when[23] == 'Z',
                  "startTime %s", when);
    const gs_json_value *set = gs_json_get(v, "settings");
    char *url = gs_xasprintf("http://127.0.0.1:%u/ok", port);
    ck_assert_str_eq(gs_json_get_string(set, "url", ""), url);
    ck_assert_str_eq(gs_json_get_string(set, "protocol", ""), "http1");
    ck_assert_str_eq(gs_json_get_string(set, "loop", ""), "closed");
    ck_assert(num_at(set, "connections", NULL) == 2);
    ck_assert(num_at(set, "streams", NULL) == 1);
    ck_assert(num_at(set, "requests", NULL) == 20);
    ck_assert_int_eq(gs_json_get(set, "rate")->type, GS_JSON_NULL);
    ck_assert(!gs_json_get_bool(v, "interrupted", true));
    /* the chosen percentiles, and only those */
    const gs_json_value *pl = gs_json_get(gs_json_get(v, "percentilesMs"), "latency");
    ck_assert_uint_eq(pl->len, 2);
    ck_assert_ptr_nonnull(gs_json_get(pl, "50"));
    ck_assert_ptr_nonnull(gs_json_get(pl, "99.9"));
    /* the histogram holds every response: bucket counts add up, values in order */
    const gs_json_value *h = gs_json_get(v, "latencyHistogram");
    ck_assert_str_eq(gs_json_get_string(h, "layout", ""), "hdr-1-3-44");
    ck_assert(num_at(h, "count", NULL) == 20);
    const gs_json_value *buckets = gs_json_get(h, "buckets");
    double sum = 0, prev = -1;
    for (size_t k = 0; k < buckets->len; k++) {
        const gs_json_value *b = gs_json_at(buckets, k);
        ck_assert_uint_eq(b->len, 2);
        ck_assert(b->items[0]->number > prev);
        prev = b->items[0]->number;
        sum += b->items[1]->number;
    }
    ck_assert(sum == 20);
    ck_assert(num_at(h, "min", NULL) <= num_at(h, "max", NULL));
    /* the summary's max in ms is the histogram's exact max in ns: compare after rounding, as
     * ns / 1e6 * 1e6 is not always the same double (about 4% of values are off by one ulp) */
    ck_assert_msg(llround(num_at(v, "latencyMs", "max") * 1e6) == llround(num_at(h, "max", NULL)),
                  "latencyMs.max %.9g ms, histogram max %.0f ns", num_at(v, "latencyMs", "max"),
                  num_at(h, "max", NULL));
    gs_json_value_free(v);
    free(url);
    free(args);

    /* text: the chosen percentiles */
    args = gs_xasprintf("-n 5 --percentiles 75,99.99 http://127.0.0.1:%u/ok", port);
    ck_assert_int_eq(run_load(args, &out), 0);
    ck_assert_msg(strstr(out.data, "p75 ") && strstr(out.data, "p99.99 ") &&
                      !strstr(out.data, "p90 "),
                  "%s", out.data);
    free(args);
    expect_usage("--percentiles 50,101 http://127.0.0.1:1/", "bad --percentiles");
    expect_usage("--percentiles 50, http://127.0.0.1:1/", "bad --percentiles");
    expect_usage("--percentiles x http://127.0.0.1:1/", "bad --percentiles");

    /* a dead target says why: the connect errors carry the system's text */
    unsigned closed;
    int hold = it_refusing_port(&closed);
    args = gs_xasprintf("-n 4 -o json http://127.0.0.1:%u/", closed);
    ck_assert_int_eq(run_load(args, &out), 1);
    close(hold);
    v = it_json_first_line(&out);
    const gs_json_value *texts = gs_json_get(gs_json_get(v, "errorTexts"), "connect");
    ck_assert_msg(texts != NULL && num_at(texts, "connection refused", NULL) == 4, "%s", out.data);
    gs_json_value_free(v);
    free(args);
    args = gs_xasprintf("-n 2 http://127.0.0.1:%u/", closed);
    ck_assert_int_eq(run_load(args, &out), 1);
    ck_assert_msg(strstr(out.data, "connect: connection refused: 2"), "%s", out.data);
    free(args);
    gs_buf_clear(&out);
    it_stop(srv);
}
END_TEST

START_TEST(thresholds_set_the_exit_code)
{
    unsigned port;
    gs_proc *srv = it_python("fault_server.py", &port);
    gs_buf out = {0};
    char *args = gs_xasprintf("-n 10 --threshold 'errors<1%%' --threshold 'rps>0' "
                              "http://127.0.0.1:%u/ok",
                              port);
    ck_assert_int_eq(run_load(args, &out), 0);
    ck_assert_msg(strstr(out.data, "pass errors<1%"), "%s", out.data);
    free(args);
    /* no response arrives within a nanosecond */
    args = gs_xasprintf("-n 10 -o json --threshold 'errors<1%%' --threshold 'p50<1ns' "
                        "http://127.0.0.1:%u/ok",
                        port);
    ck_assert_int_eq(run_load(args, &out), 1);
    gs_json_value *v = it_json_first_line(&out);
    const gs_json_value *t = gs_json_get(v, "thresholds");
    ck_assert_uint_eq(t->len, 2);
    ck_assert_str_eq(gs_json_get_string(gs_json_at(t, 0), "threshold", ""), "errors<1%");
    ck_assert(gs_json_get_bool(gs_json_at(t, 0), "pass", false));
    ck_assert(!gs_json_get_bool(gs_json_at(t, 1), "pass", true));
    ck_assert(num_at(gs_json_at(t, 1), "observedMs", NULL) > 0);
    ck_assert_msg(strstr(out.data, "1 of 2 thresholds failed"), "%s", out.data);
    gs_json_value_free(v);
    free(args);
    /* errors: the /reset path fails every request */
    args = gs_xasprintf("-n 5 --threshold 'errors<=4' http://127.0.0.1:%u/reset", port);
    ck_assert_int_eq(run_load(args, &out), 1);
    ck_assert_msg(strstr(out.data, "FAIL errors<=4"), "%s", out.data);
    free(args);
    expect_usage("--threshold 'p99<5' http://127.0.0.1:1/", "bad value \"5\"");
    expect_usage("--threshold 'speed<5' http://127.0.0.1:1/", "unknown metric");
    gs_buf_clear(&out);
    it_stop(srv);
}
END_TEST

START_TEST(open_loop_counts_missed_requests)
{
    unsigned port;
    gs_proc *srv = it_python("fault_server.py", &port);
    gs_buf out = {0};
    /* 50 requests due within half a microsecond over one connection: at most the first can
     * start in time, the others are missed, not sent late */
    char *args = gs_xasprintf("-n 50 -r 100000000 -c 1 -o json http://127.0.0.1:%u/ok", port);
    ck_assert_int_eq(run_load(args, &out), 0);
    gs_json_value *v = it_json_first_line(&out);
    ck_assert(num_at(v, "scheduled", NULL) == 50);
    ck_assert(num_at(v, "missed", NULL) >= 1);
    ck_assert(num_at(v, "requests", NULL) + num_at(v, "missed", NULL) == 50);
    ck_assert(!gs_json_get_bool(v, "rateReached", true));
    ck_assert_str_eq(gs_json_get_string(gs_json_get(v, "settings"), "loop", ""), "open");
    ck_assert_msg(strstr(out.data, "warning: the target rate of 1e+08 req/s was not reached"),
                  "%s", out.data);
    gs_json_value_free(v);
    free(args);
    /* a timed run at a rate no client reaches ends with its schedule: 1 s of a million per
     * second is 1,000,000 scheduled, each either finished or missed (the test's timeout is the
     * generous bound on how long it may take) */
    args = gs_xasprintf("-d 1s -r 1000000 -c 2 -o json http://127.0.0.1:%u/ok", port);
    ck_assert_int_eq(run_load(args, &out), 0);
    v = it_json_first_line(&out);
    double scheduled = num_at(v, "scheduled", NULL);
    ck_assert_msg(scheduled >= 999999 && scheduled <= 1000001, "scheduled %.0f", scheduled);
    ck_assert(num_at(v, "requests", NULL) + num_at(v, "missed", NULL) == scheduled);
    ck_assert(num_at(v, "missed", NULL) > 0);
    ck_assert(num_at(v, "abandoned", NULL) == 0);
    gs_json_value_free(v);
    free(args);
    /* a reachable schedule: nothing missed, no warning */
    args = gs_xasprintf("-n 20 -r 50 -c 2 -o json http://127.0.0.1:%u/ok", port);
    ck_assert_int_eq(run_load(args, &out), 0);
    v = it_json_first_line(&out);
    ck_assert(num_at(v, "scheduled", NULL) == 20);
    ck_assert(num_at(v, "requests", NULL) + num_at(v, "missed", NULL) == 20);
    gs_json_value_free(v);
    free(args);
    gs_buf_clear(&out);
    it_stop(srv);
}
END_TEST

/* Rebuilds the histogram of a result's JSON ("latencyHistogram") from its buckets. */
static gs_histogram *json_histogram(const gs_json_value *h)
{
    gs_histogram *out;
    gs_histogram_new(&out);
    const gs_json_value *buckets = gs_json_get(h, "buckets");
    ck_assert_ptr_nonnull(buckets);
    for (size_t k = 0; k < buckets->len; k++) {
        const gs_json_value *b = gs_json_at(buckets, k);
        gs_histogram_add_bucket(out, gs_histogram_bucket_of((int64_t)b->items[0]->number),
                                (uint64_t)b->items[1]->number);
    }
    gs_histogram_add_stats(out, (int64_t)num_at(h, "min", NULL), (int64_t)num_at(h, "max", NULL),
                           num_at(h, "sum", NULL));
    return out;
}

/* Checks one histogram as hdr-histogram-js decoded it (|theirs|) against gatesim's (|mine|):
 * same count, and min, max and every percentile in the same bucket (HdrHistogram reports a
 * bucket's highest value; gatesim clamps to the exact max). */
static void expect_same_histogram(const gs_json_value *theirs, const gs_histogram *mine)
{
    ck_assert(num_at(theirs, "totalCount", NULL) == (double)gs_histogram_count(mine));
    ck_assert_uint_eq(gs_histogram_bucket_of((int64_t)num_at(theirs, "max", NULL)),
                      gs_histogram_bucket_of(gs_histogram_max(mine)));
    ck_assert_uint_eq(gs_histogram_bucket_of((int64_t)num_at(theirs, "min", NULL)),
                      gs_histogram_bucket_of(gs_histogram_min(mine)));
    static const char *const pcts[] = {"50", "90", "99", "99.9", "99.99"};
    for (size_t q = 0; q < sizeof(pcts) / sizeof(pcts[0]); q++) {
        int64_t t = (int64_t)num_at(gs_json_get(theirs, "percentiles"), pcts[q], NULL);
        int64_t ours = gs_histogram_percentile(mine, strtod(pcts[q], NULL));
        ck_assert_msg(gs_histogram_bucket_of(t) == gs_histogram_bucket_of(ours),
                      "p%s: hdr-histogram-js %lld, gatesim %lld", pcts[q], (long long)t,
                      (long long)ours);
    }
}

/* The HdrHistogram log is read back by HdrHistogram's JavaScript port (npm hdr-histogram-js,
 * installed by scripts/install-deps.sh). The log is a timeline: one interval a second, each
 * as two lines (latency untagged, "service" tagged), back to back from the run's start; the
 * reader finds in each interval the responses gatesim's JSON counts for it ("intervals"),
 * and the intervals of a tag added up are the run's whole histogram. */
START_TEST(hdr_log_read_by_hdrhistogram_js)
{
    unsigned port;
    gs_proc *srv = it_python("fault_server.py", &port);
    char *dir = it_tmpdir();
    gs_buf out = {0};
    /* open loop over 3 s: at least three intervals, however slow the machine */
    char *args = gs_xasprintf("-r 100 -d 3s -c 3 -o json --hdr-log %s/run.hlog "
                              "http://127.0.0.1:%u/ok", dir, port);
    ck_assert_int_eq(run_load(args, &out), 0);
    gs_json_value *v = it_json_first_line(&out);
    gs_histogram *latency = json_histogram(gs_json_get(v, "latencyHistogram"));
    gs_histogram *service = json_histogram(gs_json_get(v, "serviceHistogram"));
    ck_assert_uint_eq(gs_histogram_count(latency), (uint64_t)num_at(v, "responses", NULL));
    ck_assert_uint_gt(gs_histogram_count(latency), 0);
    const gs_json_value *mine = gs_json_get(gs_json_get(v, "intervals"), "responses");
    ck_assert_ptr_nonnull(mine);
    ck_assert_uint_ge(mine->len, 3);

    char *cmd = gs_xasprintf("node %s/tests/integration/traffic/hdr_read.js %s/run.hlog",
                             GS_SOURCE_DIR, dir);
    gs_buf js = {0};
    ck_assert_msg(it_sh(cmd, &js) == 0, "%s: %s", cmd, js.data);
    gs_json_value *r = NULL;
    gs_error err;
    ck_assert_msg(gs_json_parse(js.data, js.len, NULL, &r, &err) == 0, "%s: %s", err.msg, js.data);
    const gs_json_value *ivs = gs_json_get(r, "intervals");
    ck_assert_uint_eq(ivs->len, 2 * mine->len);
    double base_ms = num_at(gs_json_at(ivs, 0), "startMs", NULL);
    ck_assert(fabs(base_ms - num_at(v, "startUnixSeconds", NULL) * 1000) < 2);
    uint64_t sum = 0;
    for (size_t k = 0; k < mine->len; k++) {
        const gs_json_value *lat = gs_json_at(ivs, 2 * k), *svc = gs_json_at(ivs, 2 * k + 1);
        ck_assert_str_eq(gs_json_get_string(lat, "tag", ""), "NO TAG");
        ck_assert_str_eq(gs_json_get_string(svc, "tag", ""), "service");
        uint64_t n = (uint64_t)gs_json_at(mine, k)->number;
        ck_assert(num_at(lat, "totalCount", NULL) == (double)n);
        ck_assert(num_at(svc, "totalCount", NULL) == (double)n);
        sum += n;
        /* interval k starts k seconds after the run and lasts at most one second */
        double start = num_at(lat, "startMs", NULL) - base_ms;
        double len = num_at(lat, "endMs", NULL) - num_at(lat, "startMs", NULL);
        ck_assert_msg(fabs(start - 1000.0 * (double)k) < 2, "interval %zu starts at %g ms", k,
                      start);
        ck_assert(len > 0 && len <= 1000.5);
    }
    ck_assert_uint_eq(sum, gs_histogram_count(latency));
    expect_same_histogram(gs_json_get(gs_json_get(r, "totals"), "NO TAG"), latency);
    expect_same_histogram(gs_json_get(gs_json_get(r, "totals"), "service"), service);
    gs_json_value_free(r);
    gs_buf_clear(&js);
    free(cmd);
    gs_histogram_free(latency);
    gs_histogram_free(service);
    gs_json_value_free(v);
    free(args);
    expect_usage("--hdr-log /nonexistent/dir/x.hlog http://127.0.0.1:1/", "cannot write --hdr-log");
    gs_buf_clear(&out);
    it_rmdir(dir);
    it_stop(srv);
}
END_TEST

/* True once process |pid| catches |sig| (its handler is installed): read from
 * /proc/PID/status, so the test signals only a process that is ready for it. */
/* gatesim load's HTTP/2 announces no dynamic table for response headers (SETTINGS_HEADER_TABLE_SIZE
 * 0, docs/traffic.md), as nghttpd -v logs the SETTINGS it received; its answers still decode. */
START_TEST(h2c_announces_no_header_table)
{
    char *dir = it_tmpdir();
    char *index = gs_xasprintf("%s/index.html", dir);
    FILE *f = fopen(index, "w");
    ck_assert_ptr_nonnull(f);
    fputs("hi", f);
    fclose(f);
    unsigned port;
    int held;
    it_hold_ports(&port, &held, 1);
    char *log = gs_xasprintf("%s/nghttpd.log", dir);
    char *cmd = gs_xasprintf("exec /usr/sbin/nghttpd -v --no-tls -a 127.0.0.1 -d '%s' %u >'%s'",
                             dir, port, log);
    const char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    gs_proc_opts opts = {0};
    gs_proc *p = NULL;
    gs_error err;
    ck_assert_int_eq(gs_proc_spawn(&p, argv, &opts, &err), 0);
    bool up = it_wait_port(port, 5000);
    it_release_ports(&held, 1);
    ck_assert_msg(up, "nghttpd did not listen on %u", port);
    gs_buf out = {0};
    char *args =
        gs_xasprintf("-p h2c -c 2 -m 4 -n 40 -o json http://127.0.0.1:%u/index.html", port);
    ck_assert_int_eq(run_load(args, &out), 0);
    ck_assert_msg(strstr(out.data, "\"statuses\":{\"200\":40}"), "%s", out.data);
    gs_buf seen = {0};
    ck_assert_int_eq(gs_buf_read_file(&seen, log), 0);
    gs_buf_putc(&seen, '\0');
    const char *at = strstr(seen.data, "[SETTINGS_HEADER_TABLE_SIZE(0x01):0]");
    ck_assert_msg(at != NULL, "no SETTINGS_HEADER_TABLE_SIZE 0 in %s", seen.data);
    ck_assert_ptr_nonnull(strstr(at + 1, "[SETTINGS_HEADER_TABLE_SIZE(0x01):0]")); /* both */
    gs_buf_clear(&seen);
    gs_buf_clear(&out);
    free(args);
    it_stop(p);
    free(cmd);
    free(log);
    free(index);
    it_rmdir(dir);
}
END_TEST

static bool catches(pid_t pid, int sig)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return false;
    bool yes = false;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "SigCgt:", 7) == 0)
            yes = (strtoull(line + 7, NULL, 16) >> (sig - 1)) & 1;
    }
    fclose(f);
    return yes;
}

START_TEST(sigint_gives_complete_output_and_exit_130)
{
    unsigned port;
    gs_proc *srv = it_python("fault_server.py", &port);
    char *url = gs_xasprintf("http://127.0.0.1:%u/ok", port);
    const char *argv[] = {gs_test_built("harness/cli/gatesim"), "load", "-d", "120s", "-r", "200",
                          "-o", "json", url, NULL};
    gs_proc_opts opts = {.capture_stdout = true};
    gs_proc *p = it_spawn("gatesim load", argv, &opts);
    gs_error err;
    int64_t deadline = gs_now_ns() + 60 * GS_NS_PER_S;
    while (!catches(gs_proc_pid(p), SIGINT) && gs_now_ns() < deadline) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    ck_assert_msg(catches(gs_proc_pid(p), SIGINT), "gatesim load never set up its SIGINT handler");
    ck_assert_int_eq(gs_proc_signal(p, SIGINT), 0);
    char *line = NULL;
    ck_assert_msg(gs_proc_read_line(p, 60 * GS_NS_PER_S, &line, &err) == 0, "%s", err.msg);
    gs_json_value *v = NULL;
    ck_assert_msg(gs_json_parse(line, strlen(line), NULL, &v, &err) == 0, "%s: %s", err.msg, line);
    ck_assert(gs_json_get_bool(v, "interrupted", false));
    ck_assert_ptr_nonnull(gs_json_get(v, "latencyHistogram"));
    ck_assert_ptr_nonnull(gs_json_get(v, "settings"));
    /* the schedule was cut too: only what was due before the interrupt counts */
    ck_assert(num_at(v, "scheduled", NULL) < 200 * 120);
    int status = 0;
    deadline = gs_now_ns() + 60 * GS_NS_PER_S;
    while (!gs_proc_exited(p, &status) && gs_now_ns() < deadline) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 130, "status %d", status);
    gs_json_value_free(v);
    free(line);
    it_stop(p);
    free(url);
    it_stop(srv);
}
END_TEST

static Suite *cli_suite(void)
{
    Suite *s = suite_create("traffic_cli");
    TCase *tc = tcase_create("cli");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, help_and_usage_errors);
    tcase_add_test(tc, json_output_fields);
    tcase_add_test(tc, json_settings_histogram_percentiles);
    tcase_add_test(tc, thresholds_set_the_exit_code);
    tcase_add_test(tc, open_loop_counts_missed_requests);
    tcase_add_test(tc, sigint_gives_complete_output_and_exit_130);
    tcase_add_test(tc, hdr_log_read_by_hdrhistogram_js);
    tcase_add_test(tc, h2c_announces_no_header_table);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return gs_test_run(cli_suite());
}
