/* SPDX-License-Identifier: MIT */
/* `gatesim load` end to end: usage errors exit 2 with a message, JSON output carries the
 * fields of docs/cli.md, a run where nothing answers exits 1. */
#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_test.h"
#include "traffic_it.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

/* Runs `gatesim load ARGS` (stderr merged) and returns its exit status; output in |out|. */
static int run_load(const char *args, gs_buf *out)
{
    char *cmd = gs_xasprintf("%s load %s 2>&1", gs_test_built("harness/cli/gatesim"), args);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    gs_buf_reset(out);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
        gs_buf_append(out, chunk, n);
    int st = pclose(p);
    free(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void expect_usage(const char *args, const char *message)
{
    gs_buf out = {0};
    int rc = run_load(args, &out);
    ck_assert_msg(rc == 2, "`load %s` exited %d: %s", args, rc, out.data);
    ck_assert_msg(out.data && strstr(out.data, message), "`load %s` said: %s", args, out.data);
    gs_buf_free(&out);
}

START_TEST(help_and_usage_errors)
{
    gs_buf out = {0};
    ck_assert_int_eq(run_load("--help", &out), 0);
    ck_assert_ptr_nonnull(strstr(out.data, "--connections"));
    ck_assert_ptr_nonnull(strstr(out.data, "--rate"));
    gs_buf_free(&out);
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
    expect_usage("--output yaml http://127.0.0.1:1/", "bad --output");
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
    gs_buf_free(&out);
    it_stop(srv);
}
END_TEST

static Suite *cli_suite(void)
{
    Suite *s = suite_create("traffic_cli");
    TCase *tc = tcase_create("cli");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, help_and_usage_errors);
    tcase_add_test(tc, json_output_fields);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return gs_test_run(cli_suite());
}
