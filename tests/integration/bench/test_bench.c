/* SPDX-License-Identifier: MIT */
/* `gatesim bench`, `gatesim compare` and `gatesim bench --render kubernetes` end to end (see
 * CMakeLists.txt). Nothing asserts on speed: only on what every run must contain. */
#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_json_parse.h"
#include "gs_proc.h"
#include "gs_test.h"
#include "gs_time.h"
#include "gs_yaml.h"
#include "traffic_it.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Every case of bench document |v| has |rounds| rounds, each with at least one request and no
 * error (a closed loop starts its first request at once and waits for it). */
static void expect_clean(const gs_json_value *v, size_t ncases, unsigned rounds)
{
    ck_assert_str_eq(gs_json_get_string(v, "kind", ""), "gatesim-bench");
    ck_assert(gs_json_get_number(v, "rounds", -1) == rounds);
    const gs_json_value *env = gs_json_get(v, "environment");
    ck_assert(gs_json_get_number(env, "cores", 0) >= 1);
    ck_assert_str_ne(gs_json_get_string(env, "kernel", ""), "");
    static const char *const libs[] = {"libevent", "openssl", "nghttp2"};
    for (size_t k = 0; k < sizeof(libs) / sizeof(libs[0]); k++)
        ck_assert_msg(strlen(gs_json_get_string(env, libs[k], "")) >= 3, "environment.%s", libs[k]);
    const gs_json_value *cases = gs_json_get(v, "cases");
    ck_assert_uint_eq(cases->len, ncases);
    for (size_t c = 0; c < cases->len; c++) {
        const gs_json_value *r = gs_json_get(cases->items[c], "rounds");
        const char *name = gs_json_get_string(cases->items[c], "name", "?");
        ck_assert_uint_eq(r->len, rounds);
        for (size_t k = 0; k < r->len; k++) {
            ck_assert_msg(gs_json_get_number(r->items[k], "requests", 0) >= 1, "%s", name);
            ck_assert_msg(gs_json_get_number(r->items[k], "errors", 1) == 0, "%s errors", name);
            ck_assert_msg(gs_json_get_number(r->items[k], "non2xx", 1) == 0, "%s non-2xx", name);
        }
    }
}

/* The target's figures in every round of every case of |v|: present with its RSS when bench
 * deployed the target (|deployed|), absent against a URL. Returns the CPU seconds of the
 * target over all rounds. */
static double expect_target_figures(const gs_json_value *v, bool deployed)
{
    double cpu = 0;
    const gs_json_value *cases = gs_json_get(v, "cases");
    for (size_t c = 0; c < cases->len; c++) {
        const gs_json_value *r = gs_json_get(cases->items[c], "rounds");
        const char *name = gs_json_get_string(cases->items[c], "name", "?");
        for (size_t k = 0; k < r->len; k++) {
            const gs_json_value *rss = gs_json_get(r->items[k], "targetRssMb");
            const gs_json_value *t = gs_json_get(r->items[k], "targetCpuSeconds");
            if (!deployed) {
                ck_assert_msg(rss == NULL && t == NULL, "%s: target figures for a URL", name);
                continue;
            }
            ck_assert_msg(rss != NULL && rss->number > 1, "%s: target RSS", name);
            ck_assert_msg(t != NULL && t->type == GS_JSON_NUMBER && t->number >= 0,
                          "%s: target CPU", name);
            cpu += t->number;
        }
    }
    return cpu;
}

START_TEST(bench_a_url_and_profile_errors)
{
    unsigned port;
    gs_proc *srv = it_python("fault_server.py", &port);
    char *dir = it_tmpdir();
    gs_buf out = {0};
    char *prof = gs_xasprintf("%s/p.json", dir);
    it_write_text(prof, "{\"name\": \"tiny\", \"rounds\": 2, \"warmup\": \"0s\", \"cases\": ["
                        "{\"name\": \"closed\", \"connections\": 2, \"duration\": \"200ms\"},"
                        "{\"name\": \"open\", \"rate\": 100, \"duration\": \"200ms\"}]}");
    char *args = gs_xasprintf("bench %s -q --url http://127.0.0.1:%u/ok --output-file %s/r.json",
                              prof, port, dir);
    ck_assert_msg(it_gatesim(args, &out) == 0, "%s", out.data);
    free(args);
    char *res = gs_xasprintf("%s/r.json", dir);
    gs_json_value *v = it_json_read(res);
    expect_clean(v, 2, 2);
    expect_target_figures(v, false);
    ck_assert_str_eq(gs_json_get_string(v, "profile", ""), "tiny");
    ck_assert_str_eq(gs_json_get_string(v, "target", ""), "url");
    ck_assert(gs_json_get_number(gs_json_at(gs_json_get(v, "cases"), 1), "rate", 0) == 100);
    gs_json_value_free(v);

    /* a result compared with itself: nothing changed, exit 0 */
    args = gs_xasprintf("compare %s %s", res, res);
    ck_assert_msg(it_gatesim(args, &out) == 0, "%s", out.data);
    ck_assert_msg(strstr(out.data, "pass: 0 regressions"), "%s", out.data);
    free(args);

    /* profile errors name the file and the field */
    it_write_text(prof, "{\"cases\": [{\"name\": \"a\"}, {\"name\": \"a\"}]}");
    args = gs_xasprintf("bench %s --url http://127.0.0.1:%u/", prof, port);
    ck_assert_int_eq(it_gatesim(args, &out), 2);
    ck_assert_msg(strstr(out.data, "cases[1].name \"a\" is repeated"), "%s", out.data);
    free(args);
    it_write_text(prof, "{\"cases\": [{\"name\": \"a\", \"duration\": 5}]}");
    args = gs_xasprintf("bench %s --url http://127.0.0.1:%u/", prof, port);
    ck_assert_int_eq(it_gatesim(args, &out), 2);
    ck_assert_msg(strstr(out.data, "cases[0].duration is not a duration"), "%s", out.data);
    free(args);
    ck_assert_int_eq(it_gatesim("bench no-such-profile", &out), 2);
    ck_assert_msg(strstr(out.data, "quick, throughput"), "%s", out.data);
    ck_assert_int_eq(it_gatesim("bench quick --target nosuch", &out), 2);
    free(res);
    free(prof);
    gs_buf_clear(&out);
    it_rmdir(dir);
    it_stop(srv);
}
END_TEST

/* bench deploys its Gateway, route and gatesim-echo on the builtin target: HTTP/1.1, h2c and
 * gRPC all get answers. */
START_TEST(bench_the_builtin_target)
{
    char *dir = it_tmpdir();
    gs_buf out = {0};
    char *prof = gs_xasprintf("%s/p.json", dir);
    it_write_text(prof, "{\"rounds\": 1, \"warmup\": \"0s\", \"cases\": ["
                        "{\"name\": \"h1\", \"connections\": 2, \"duration\": \"300ms\"},"
                        "{\"name\": \"h2\", \"protocol\": \"h2c\", \"streams\": 4, \"duration\": "
                        "\"300ms\"},"
                        "{\"name\": \"g\", \"protocol\": \"grpc\", \"duration\": \"300ms\"}]}");
    char *args = gs_xasprintf("bench %s -q --target builtin --output-file %s/r.json", prof, dir);
    ck_assert_msg(it_gatesim(args, &out) == 0, "%s", out.data);
    char *res = gs_xasprintf("%s/r.json", dir);
    gs_json_value *v = it_json_read(res);
    expect_clean(v, 3, 1);
    /* the gateway proxied 0.9 s of closed-loop traffic: it used some CPU doing so */
    ck_assert(expect_target_figures(v, true) > 0);
    ck_assert_str_eq(gs_json_get_string(v, "target", ""), "builtin");
    gs_json_value_free(v);
    free(res);
    free(args);
    free(prof);
    gs_buf_clear(&out);
    it_rmdir(dir);
}
END_TEST

/* Route cases on the builtin target: N routes really attached, propagation measured, a load
 * case after them served by the load objects again, and churn with zero errors and non-2xx
 * on the builtin gateway. Route cases refuse --url, probes need routes. */
START_TEST(bench_route_cases_on_builtin)
{
    char *dir = it_tmpdir();
    gs_buf out = {0};
    char *prof = gs_xasprintf("%s/p.json", dir);
    it_write_text(prof, "{\"rounds\": 2, \"warmup\": \"0s\", \"cases\": ["
                        "{\"name\": \"routes-1\", \"routes\": 1, \"probes\": 2, "
                        "\"duration\": \"300ms\"},"
                        "{\"name\": \"routes-60\", \"routes\": 60, \"probes\": 2, "
                        "\"duration\": \"300ms\"},"
                        "{\"name\": \"plain\", \"duration\": \"300ms\"},"
                        "{\"name\": \"churn-20\", \"routes\": 20, \"churn\": \"50ms\", "
                        "\"connections\": 4, \"duration\": \"1s\"}]}");
    char *args = gs_xasprintf("bench %s -q --target builtin --output-file %s/r.json", prof, dir);
    ck_assert_msg(it_gatesim(args, &out) == 0, "%s", out.data);
    char *res = gs_xasprintf("%s/r.json", dir);
    gs_json_value *v = it_json_read(res);
    expect_clean(v, 4, 2); /* churn included: no error, no non-2xx while routes changed */
    expect_target_figures(v, true);
    const gs_json_value *cases = gs_json_get(v, "cases");
    static const unsigned routes[] = {1, 60, 0, 20};
    for (size_t c = 0; c < 4; c++) {
        const gs_json_value *k = cases->items[c];
        const gs_json_value *rounds = gs_json_get(k, "rounds");
        ck_assert(gs_json_get_number(k, "routes", 0) == routes[c]);
        for (size_t r = 0; r < rounds->len; r++) {
            const gs_json_value *rd = rounds->items[r];
            if (routes[c] == 0) {
                ck_assert_ptr_null(gs_json_get(rd, "routesAttached"));
                continue;
            }
            ck_assert(gs_json_get_number(rd, "routesAttached", -1) == routes[c]);
            ck_assert(gs_json_get_number(rd, "applyMs", -1) > 0);
            if (c == 3) {
                ck_assert(gs_json_get_number(rd, "updates", 0) >= 1);
                ck_assert(gs_json_get_number(rd, "updateErrors", -1) == 0);
                continue;
            }
            double p50 = gs_json_get_number(rd, "propagationMs", -1);
            ck_assert_msg(p50 > 0, "%s: propagation %g", gs_json_get_string(k, "name", ""), p50);
            ck_assert(gs_json_get_number(rd, "propagationMaxMs", -1) >= p50);
        }
    }
    gs_json_value_free(v);
    free(args);

    /* route cases change the target's routes: not against a URL */
    args = gs_xasprintf("bench route-scale --url http://127.0.0.1:1/");
    ck_assert_int_eq(it_gatesim(args, &out), 2);
    ck_assert_msg(strstr(out.data, "case routes-10 changes routes: it needs a target"), "%s",
                  out.data);
    free(args);
    it_write_text(prof, "{\"cases\": [{\"name\": \"a\", \"churn\": \"1s\"}]}");
    args = gs_xasprintf("bench %s --target builtin", prof);
    ck_assert_int_eq(it_gatesim(args, &out), 2);
    ck_assert_msg(strstr(out.data, "cases[0]: probes and churn need routes"), "%s", out.data);
    free(args);
    free(res);
    free(prof);
    gs_buf_clear(&out);
    it_rmdir(dir);
}
END_TEST

/* A bench document with one case whose 5 rounds have rps |rps|*(1 + k/100), p50 1 ms and
 * p99 |p99|+k/100. */
static void write_doc(const char *path, double rps, double p99)
{
    gs_buf b = {0};
    gs_buf_puts(&b, "{\"kind\":\"gatesim-bench\",\"cases\":[{\"name\":\"http1-c64\",\"rounds\":[");
    for (int k = 0; k < 5; k++)
        gs_buf_printf(&b, "%s{\"rps\":%g,\"p50\":%g,\"p99\":%g,\"errors\":0}", k ? "," : "",
                      rps * (1 + k / 100.0), 1.0, p99 + k / 100.0);
    gs_buf_puts(&b, "]}]}");
    it_write_text(path, b.data);
    gs_buf_clear(&b);
}

START_TEST(compare_flags_injected_regressions)
{
    char *dir = it_tmpdir();
    gs_buf out = {0};
    char *base = gs_xasprintf("%s/base.json", dir), *next = gs_xasprintf("%s/new.json", dir);
    write_doc(base, 10000, 2.0);
    write_doc(next, 8000, 2.0); /* 20% throughput loss */
    char *args = gs_xasprintf("compare %s %s", base, next);
    ck_assert_int_eq(it_gatesim(args, &out), 1);
    ck_assert_msg(strstr(out.data, "| http1-c64 | rps |") && strstr(out.data, "**REGRESSION**"),
                  "%s", out.data);
    free(args);
    args = gs_xasprintf("compare --max-regression rps=25%% %s %s", base, next);
    ck_assert_int_eq(it_gatesim(args, &out), 0);
    free(args);
    write_doc(next, 10000, 3.0); /* 1 ms more at p99 */
    args = gs_xasprintf("compare -o json %s %s", base, next);
    ck_assert_int_eq(it_gatesim(args, &out), 1);
    ck_assert_msg(strstr(out.data, "\"regressions\":1"), "%s", out.data);
    free(args);
    args = gs_xasprintf("compare --max-regression p99=bad %s %s", base, next);
    ck_assert_int_eq(it_gatesim(args, &out), 2);
    free(args);
    args = gs_xasprintf("compare %s %s/none.json", base, dir);
    ck_assert_int_eq(it_gatesim(args, &out), 2);
    free(args);
    free(base);
    free(next);
    gs_buf_clear(&out);
    it_rmdir(dir);
}
END_TEST

static const gs_yaml_node *path_of(const gs_yaml_node *n, const char *const *keys, size_t k)
{
    for (size_t i = 0; i < k && n != NULL; i++)
        n = gs_yaml_get(n, keys[i]);
    ck_assert_msg(n != NULL, "missing %s", keys[k - 1]);
    return n;
}

/* The rendered Indexed Job, validated offline: the YAML read back has the fields an Indexed Job
 * needs, and its pod command, run here once per completion index with the built gatesim first
 * on PATH, gives shards whose merge is the whole run. Not run on a cluster. */
START_TEST(render_kubernetes_indexed_job)
{
    unsigned port;
    gs_proc *srv = it_python("fault_server.py", &port);
    char *dir = it_tmpdir();
    gs_buf out = {0};
    char *args = gs_xasprintf("bench --render kubernetes --shards 3 --image reg/gatesim:1 --name "
                              "ld -- -n 30 -c 2 http://127.0.0.1:%u/ok",
                              port);
    ck_assert_msg(it_gatesim(args, &out) == 0, "%s", out.data);
    free(args);
    gs_yaml_stream *y = NULL;
    gs_error err;
    ck_assert_msg(gs_yaml_parse_buffer(&y, "job.yaml", out.data, out.len, &err) == 0, "%s",
                  err.msg);
    ck_assert_uint_eq(y->ndocs, 1);
    const gs_yaml_node *job = y->docs[0];
    ck_assert_str_eq(gs_yaml_get(job, "apiVersion")->str, "batch/v1");
    ck_assert_str_eq(gs_yaml_get(job, "kind")->str, "Job");
    ck_assert_str_eq(path_of(job, (const char *[]){"metadata", "name"}, 2)->str, "ld");
    const gs_yaml_node *spec = gs_yaml_get(job, "spec");
    ck_assert_str_eq(gs_yaml_get(spec, "completionMode")->str, "Indexed");
    int64_t v;
    ck_assert(gs_yaml_int(gs_yaml_get(spec, "completions"), &v) && v == 3);
    ck_assert(gs_yaml_int(gs_yaml_get(spec, "parallelism"), &v) && v == 3);
    const gs_yaml_node *pod = path_of(spec, (const char *[]){"template", "spec"}, 2);
    ck_assert_str_eq(gs_yaml_get(pod, "restartPolicy")->str, "Never");
    const gs_yaml_node *ctr = gs_yaml_get(pod, "containers")->items[0];
    ck_assert_str_eq(gs_yaml_get(ctr, "image")->str, "reg/gatesim:1");
    const gs_yaml_node *cmd = gs_yaml_get(ctr, "command");
    ck_assert_uint_eq(cmd->nitems, 2);
    ck_assert_str_eq(cmd->items[1]->str, "-c");
    const char *script = gs_yaml_get(ctr, "args")->items[0]->str;

    /* each pod: JOB_COMPLETION_INDEX=i sh -c SCRIPT */
    char *bin = gs_xstrdup(gs_test_built("harness/cli/gatesim"));
    *strrchr(bin, '/') = '\0';
    char *script_file = gs_xasprintf("%s/pod.sh", dir);
    it_write_text(script_file, script);
    for (int i = 0; i < 3; i++) {
        char *run = gs_xasprintf("JOB_COMPLETION_INDEX=%d PATH='%s':\"$PATH\" /bin/sh -c \"$(cat "
                                 "%s)\" > %s/shard-%d.json",
                                 i, bin, script_file, dir, i);
        ck_assert_msg(it_sh(run, &out) == 0, "pod %d: %s", i, out.data);
        free(run);
    }
    args = gs_xasprintf("merge -o json %s/shard-0.json %s/shard-1.json %s/shard-2.json", dir, dir,
                        dir);
    ck_assert_msg(it_gatesim(args, &out) == 0, "%s", out.data);
    gs_json_value *m = NULL;
    ck_assert_msg(gs_json_parse(out.data, strcspn(out.data, "\n"), NULL, &m, &err) == 0, "%s",
                  out.data);
    ck_assert(gs_json_get_number(m, "requests", 0) == 30);
    const gs_json_value *set = gs_json_get(m, "settings");
    ck_assert(gs_json_get_number(set, "shards", 0) == 3);
    ck_assert(gs_json_get_number(set, "merged", 0) == 3);
    ck_assert(gs_json_get_number(set, "requests", 0) == 30);
    gs_json_value_free(m);
    free(args);
    ck_assert_int_eq(it_gatesim("bench --render kubernetes -- http://x/", &out), 2);
    ck_assert_int_eq(it_gatesim("bench --render helm --shards 2 -- http://x/", &out), 2);
    free(script_file);
    free(bin);
    gs_yaml_stream_free(y);
    gs_buf_clear(&out);
    it_rmdir(dir);
    it_stop(srv);
}
END_TEST

static Suite *bench_suite(void)
{
    Suite *s = suite_create("bench");
    TCase *tc = tcase_create("bench");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, bench_a_url_and_profile_errors);
    tcase_add_test(tc, bench_the_builtin_target);
    tcase_add_test(tc, bench_route_cases_on_builtin);
    tcase_add_test(tc, compare_flags_injected_regressions);
    tcase_add_test(tc, render_kubernetes_indexed_job);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return gs_test_run(bench_suite());
}
