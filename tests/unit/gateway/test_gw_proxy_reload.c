/* SPDX-License-Identifier: MIT */
/* gs_gw_run as a process: the ready line, SIGHUP reloads under load with no failed request (new
 * requests switch to the new table), a failed reload keeps the old table and says so, and
 * SIGTERM stops cleanly. The loader alternates between two tables (v1 / v2 behind "/"). */
#include "gw_fixture.h"

#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_gw_main.h"
#include "gs_test.h"
#include "gs_time.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static gwf ups;
static pid_t gw_pid;
static FILE *gw_out;

typedef struct reload_state {
    int loads;
} reload_state;

/* Load 1 → v1, load 2 → v2, load 3 → error, load 4 → v1, ... */
static int reload_load(void *arg, gs_route_table **out, gs_error *err)
{
    reload_state *st = arg;
    int n = ++st->loads;
    if (n % 4 == 3)
        return gs_error_set(err, GS_ERR_INVALID, "test: invalid manifests on load %d", n);
    gs_route_table *t;
    gs_route_table_new(&t, NULL);
    size_t l = gwf_listener(t, "http", 80, GS_RT_PROTO_HTTP, NULL);
    gs_rt_backend b = {.group = "",
                       .kind = "Service",
                       .namespace = "default",
                       .name = n % 4 == 2 ? "v2" : "v1",
                       .port = 8080,
                       .weight = 1};
    gs_rt_match m[] = {{.path = {GS_RT_MATCH_PREFIX, "/", NULL}}};
    gs_rt_rule rule = {.matches = m,
                       .n_matches = 1,
                       .backends = &b,
                       .n_backends = 1,
                       .request_timeout_ms = GS_RT_TIMEOUT_UNSET,
                       .backend_request_timeout_ms = GS_RT_TIMEOUT_UNSET};
    gs_rt_route r = {.kind = GS_RT_ROUTE_HTTP,
                     .namespace = "default",
                     .name = "r",
                     .rules = &rule,
                     .n_rules = 1};
    gs_route_table_add_route(t, &r, &l, 1, NULL);
    gs_route_table_compile(t, NULL);
    *out = t;
    return 0;
}

static void setup(void)
{
    gwf_start_upstreams(&ups);
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    gw_pid = fork();
    if (gw_pid == 0) {
        close(p[0]);
        gs_gw_endpoints eps = {0};
        const char *names[] = {"v1", "v2", "mirror"};
        for (int i = 0; i < GWF_UPSTREAMS; i++) {
            char spec[128];
            snprintf(spec, sizeof(spec), "default/%s:8080=127.0.0.1:%d", names[i], ups.up_port[i]);
            gs_gw_endpoints_add_spec(&eps, spec, NULL);
        }
        reload_state st = {0};
        gs_gw_run_opts o = {.load = reload_load,
                            .load_arg = &st,
                            .endpoints = &eps,
                            .ready_out = fdopen(p[1], "w")};
        gs_error err = {0};
        int rc = gs_gw_run(&o, &err);
        _exit(rc == 0 ? 0 : 3);
    }
    close(p[1]);
    gw_out = fdopen(p[0], "r");
}

static void teardown(void)
{
    if (gw_pid > 0) {
        kill(gw_pid, SIGKILL);
        waitpid(gw_pid, NULL, 0);
    }
    fclose(gw_out);
    gwf_stop(&ups);
}

static char *read_ready(void)
{
    char line[4096];
    ck_assert_ptr_nonnull(fgets(line, sizeof(line), gw_out));
    return gs_xstrdup(line);
}

static const char *upstream_of(const gwf *f)
{
    static char name[16];
    gwf_resp r;
    ck_assert_int_eq(gwf_get(f, "example.com", "/", "", &r), 0);
    ck_assert_int_eq(r.status, 200);
    char *up = gwf_header(&r, "x-upstream");
    snprintf(name, sizeof(name), "%s", up ? up : "");
    free(up);
    gwf_resp_free(&r);
    return name;
}

START_TEST(reload_switches_tables_without_failures)
{
    char *ready = read_ready();
    ck_assert_msg(strncmp(ready,
                          "{\"ready\":true,\"listeners\":[{\"gateway\":\"default/gw\","
                          "\"listener\":\"http\",\"port\":80,",
                          62) == 0,
                  "%s", ready);
    const char *addr = strstr(ready, "\"address\":\"127.0.0.1:");
    ck_assert_ptr_nonnull(addr);
    gwf f = {0};
    f.gw_port = atoi(addr + 21);
    free(ready);
    ck_assert_str_eq(upstream_of(&f), "v1");

    /* Reload while requests flow (until v2 answers): every request gets a 200. */
    int ok = 0, fail = 0, v2 = 0;
    kill(gw_pid, SIGHUP);
    for (int i = 0; i < 2000 && (i < 100 || v2 == 0); i++) {
        gwf_resp r;
        if (gwf_get(&f, "example.com", "/", "", &r) == 0 && r.status == 200) {
            ok++;
            char *up = gwf_header(&r, "x-upstream");
            v2 += up && strcmp(up, "v2") == 0;
            free(up);
        } else {
            fail++;
        }
        gwf_resp_free(&r);
    }
    ck_assert_int_eq(fail, 0);
    ck_assert_int_ge(ok, 100);
    ready = read_ready(); /* the second ready line, same address */
    ck_assert_msg(strstr(ready, addr ? "\"address\":\"127.0.0.1:" : "") != NULL, "%s", ready);
    free(ready);
    ck_assert_str_eq(upstream_of(&f), "v2");
    ck_assert_int_gt(v2, 0);

    /* Load 3 fails: the ready line says so and v2 stays. */
    kill(gw_pid, SIGHUP);
    ready = read_ready();
    ck_assert_msg(strstr(ready, "\"reloadError\":\"test: invalid manifests on load 3\"") != NULL,
                  "%s", ready);
    free(ready);
    ck_assert_str_eq(upstream_of(&f), "v2");

    /* SIGTERM: a clean exit with status 0. */
    kill(gw_pid, SIGTERM);
    int st = 0;
    ck_assert_int_eq(waitpid(gw_pid, &st, 0), gw_pid);
    gw_pid = 0;
    ck_assert(WIFEXITED(st));
    ck_assert_int_eq(WEXITSTATUS(st), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gw_proxy_reload");
    TCase *tc = tcase_create("reload");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, reload_switches_tables_without_failures);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
