/* SPDX-License-Identifier: MIT */
/* The builtin target's process handling, against a stand-in gatesim (tests/data/targets/
 * fake-gatesim.sh): objects file and --backend flags, ready-line listeners, reload by SIGHUP,
 * restart when the endpoints change, a gateway that dies at start or later, status via explain,
 * counters by SIGUSR1 and the stats line. */
#include "gs_proc.h"
#include "gs_target.h"
#include "gs_test.h"
#include "gs_time.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char workdir[256];

static void setup(void)
{
    snprintf(workdir, sizeof(workdir), "/tmp/gatesim-target-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(workdir));
}

static void teardown(void)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", workdir);
    ck_assert_int_eq(system(cmd), 0);
}

static gs_target *new_target(void)
{
    static const char *const ctl[] = {"example.com/ctl", NULL};
    gs_target_config cfg = {.workdir = workdir,
                            .gatesim_path = gs_test_data("targets/fake-gatesim.sh"),
                            .controller_names = ctl,
                            .start_timeout_ns = 5 * GS_NS_PER_S};
    gs_target *t = NULL;
    gs_error err = {0};
    ck_assert_int_eq(gs_target_new(&t, "builtin", &cfg, &err), 0);
    return t;
}

static const char *docs2[] = {"kind: Gateway\nmetadata: {name: gw}", "{kind: Service}"};
static const gs_target_endpoint eps[] = {
    {"default", "app", 80, "127.0.0.1:4001"},
    {"default", "app", 80, "127.0.0.1:4002"},
};

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

START_TEST(target_unknown_name)
{
    gs_target_config cfg = {.workdir = workdir, .gatesim_path = "/bin/true"};
    gs_target *t = (gs_target *)1;
    gs_error err = {0};
    ck_assert_int_eq(gs_target_new(&t, "nginx-plus", &cfg, &err), GS_ERR_USAGE);
    ck_assert_ptr_null(t);
    ck_assert(strstr(err.msg, "unknown target \"nginx-plus\"") != NULL);
}
END_TEST

/* The registry: every row complete, names unique, the default first, arguments checked, and the
 * capabilities the runner and `gatesim run` ask instead of names. */
START_TEST(target_registry_kinds_and_capabilities)
{
    ck_assert_uint_ge(gs_target_kind_count(), 2);
    for (size_t i = 0; i < gs_target_kind_count(); i++) {
        const gs_target_kind *k = gs_target_kind_at(i);
        ck_assert(k->name && k->name[0] && k->usage && k->help && k->help[0] && k->ops);
        ck_assert(k->ops->open && k->ops->apply && k->ops->status && k->ops->check &&
                  k->ops->close);
        ck_assert_int_eq(strncmp(k->usage, k->name, strlen(k->name)), 0);
        /* A kind that reports counters has the operation that reads them. */
        ck_assert(!(k->caps & GS_TARGET_CAP_REPORTS_COUNTERS) || k->ops->stats);
        for (size_t j = 0; j < i; j++)
            ck_assert_str_ne(gs_target_kind_at(j)->name, k->name);
    }
    ck_assert_ptr_null(gs_target_kind_at(gs_target_kind_count()));
    ck_assert_str_eq(gs_target_kind_at(0)->name, "builtin");
    ck_assert_str_eq(gs_target_kinds_usage(), "builtin, exec:COMMAND, nginx, ingress-nginx");

    gs_error err = {0};
    const gs_target_kind *b = gs_target_kind_find("builtin", &err);
    ck_assert_ptr_nonnull(b);
    ck_assert_uint_eq(b->caps & (GS_TARGET_CAP_STATUS_ONCE | GS_TARGET_CAP_REPORTS_COUNTERS |
                                 GS_TARGET_CAP_MIRROR_CAP),
                      GS_TARGET_CAP_STATUS_ONCE | GS_TARGET_CAP_REPORTS_COUNTERS |
                          GS_TARGET_CAP_MIRROR_CAP);
    const gs_target_kind *e = gs_target_kind_find("exec:./impl --flag", &err);
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e->name, "exec");
    ck_assert_uint_eq(e->caps & (GS_TARGET_CAP_STATUS_ONCE | GS_TARGET_CAP_REPORTS_COUNTERS |
                                 GS_TARGET_CAP_MIRROR_CAP),
                      0);
    const gs_target_kind *in = gs_target_kind_find("ingress-nginx", &err);
    ck_assert_ptr_nonnull(in);
    ck_assert_uint_eq(in->caps & (GS_TARGET_CAP_REPORTS_COUNTERS | GS_TARGET_CAP_NEEDS_ARG), 0);
    const gs_target_kind *n = gs_target_kind_find("nginx", &err);
    ck_assert_ptr_nonnull(n);
    ck_assert_uint_eq(n->caps & (GS_TARGET_CAP_STATUS_ONCE | GS_TARGET_CAP_REPORTS_COUNTERS |
                                 GS_TARGET_CAP_MIRROR_CAP | GS_TARGET_CAP_NEEDS_ARG),
                      GS_TARGET_CAP_STATUS_ONCE | GS_TARGET_CAP_REPORTS_COUNTERS);
    ck_assert_ptr_null(gs_target_kind_find("nginx:x", &err));
    ck_assert_ptr_null(gs_target_kind_find("exec", &err));
    ck_assert_int_eq(err.code, GS_ERR_USAGE);
    ck_assert_msg(strstr(err.msg, "needs an argument: --target exec:COMMAND"), "%s", err.msg);
    ck_assert_ptr_null(gs_target_kind_find("exec:", &err));
    ck_assert_ptr_null(gs_target_kind_find("builtin:x", &err));
    ck_assert_msg(strstr(err.msg, "takes no argument"), "%s", err.msg);
    ck_assert_ptr_null(gs_target_kind_find("execs:x", &err));
    ck_assert_msg(strstr(err.msg, "unknown target \"execs:x\" (available: builtin, exec:COMMAND, "
                                  "nginx, ingress-nginx)"),
                  "%s", err.msg);

    gs_target *t = new_target();
    ck_assert(gs_target_has(t, GS_TARGET_CAP_STATUS_ONCE));
    ck_assert(gs_target_has(t, GS_TARGET_CAP_STATUS_ONCE | GS_TARGET_CAP_MIRROR_CAP));
    ck_assert(!gs_target_has(t, GS_TARGET_CAP_NEEDS_ARG));
    gs_target_free(t);
}
END_TEST

START_TEST(target_builtin_start_reload_restart)
{
    gs_target *t = new_target();
    gs_error err = {0};
    gs_target_objects objs = {docs2, 2, eps, 2};
    gs_proc_usage u;
    ck_assert_int_eq(gs_target_usage(t, &u, &err), GS_ERR_NOT_FOUND); /* nothing runs yet */
    int rc = gs_target_apply(t, &objs, &err);
    ck_assert_msg(rc == 0, "%s", err.msg);
    /* the gateway's process group is measured: at least the gateway, with memory */
    ck_assert_msg(gs_target_usage(t, &u, &err) == 0, "%s", err.msg);
    ck_assert_uint_ge(u.processes, 1);
    ck_assert_uint_gt(u.rss_bytes, 0);
    ck_assert_uint_eq(t->n_listeners, 1);
    const gs_target_listener *l = gs_target_find_listener(t, "infra/gw", "http");
    ck_assert_ptr_nonnull(l);
    ck_assert_uint_eq(l->port, 80);
    ck_assert_str_eq(l->address, "127.0.0.1:102"); /* generation 0, 2 documents */
    ck_assert_ptr_null(gs_target_find_listener(t, "infra/gw", "https"));
    /* The objects file holds both documents; the flags name every endpoint. */
    char path[512];
    snprintf(path, sizeof(path), "%s/objects.yaml", workdir);
    const char *objects = slurp(path);
    ck_assert(strstr(objects, "---\nkind: Gateway\nmetadata: {name: gw}\n---\n{kind: Service}\n"));
    snprintf(path, sizeof(path), "%s/gateway.log", workdir);
    const char *log = slurp(path);
    ck_assert_msg(strstr(log, "--backend default/app:80=127.0.0.1:4001 --backend "
                              "default/app:80=127.0.0.1:4002 --controller-name example.com/ctl"),
                  "%s", log);
    ck_assert_int_eq(gs_target_check(t, &err), 0);

    /* Same endpoints, one document fewer: SIGHUP and a new ready line (generation 1). */
    gs_target_objects one = {docs2, 1, eps, 2};
    ck_assert_int_eq(gs_target_apply(t, &one, &err), 0);
    ck_assert_str_eq(t->listeners[0].address, "127.0.0.1:111");

    /* Different endpoints: a fresh gateway (generation 0 again). */
    gs_target_objects fewer = {docs2, 2, eps, 1};
    ck_assert_int_eq(gs_target_apply(t, &fewer, &err), 0);
    ck_assert_str_eq(t->listeners[0].address, "127.0.0.1:102");
    ck_assert_int_eq(gs_proc_live_count(), 1);

    gs_json_value *st = NULL;
    rc = gs_target_status(t, &st, &err);
    ck_assert_msg(rc == 0, "%s", err.msg);
    const gs_json_value *o = gs_json_at(gs_json_get(st, "objects"), 0);
    ck_assert_str_eq(gs_json_get_string(o, "kind", ""), "Gateway");
    ck_assert_double_eq(gs_json_get_number(st, "documents", 0), 2);
    gs_json_value_free(st);

    gs_target_free(t);
    ck_assert_int_eq(gs_proc_live_count(), 0);
}
END_TEST

START_TEST(target_builtin_death_at_start)
{
    setenv("FAKE_GATEWAY_DIE", "1", 1);
    gs_target *t = new_target();
    gs_error err = {0};
    gs_target_objects objs = {docs2, 2, eps, 2};
    ck_assert_int_eq(gs_target_apply(t, &objs, &err), GS_ERR_CLOSED);
    ck_assert_msg(strstr(err.msg, "gateway exited with status 3: gateway: cannot bind listener"),
                  "%s", err.msg);
    ck_assert_int_eq(gs_target_check(t, &err), GS_ERR_CLOSED);
    gs_target_free(t);
    unsetenv("FAKE_GATEWAY_DIE");
}
END_TEST

START_TEST(target_builtin_ready_timeout)
{
    setenv("FAKE_GATEWAY_SILENT", "1", 1);
    static const char *const none[] = {NULL};
    gs_target_config cfg = {.workdir = workdir,
                            .gatesim_path = gs_test_data("targets/fake-gatesim.sh"),
                            .controller_names = none,
                            .start_timeout_ns = 200 * GS_NS_PER_MS};
    gs_target *t = NULL;
    gs_error err = {0};
    ck_assert_int_eq(gs_target_new(&t, "builtin", &cfg, &err), 0);
    gs_target_objects objs = {docs2, 2, eps, 2};
    ck_assert_int_eq(gs_target_apply(t, &objs, &err), GS_ERR_TIMEOUT);
    ck_assert(strstr(err.msg, "did not report ready within 0.2 s") != NULL);
    ck_assert_int_eq(gs_proc_live_count(), 0); /* the silent gateway was stopped */
    gs_target_free(t);
    unsetenv("FAKE_GATEWAY_SILENT");
}
END_TEST

START_TEST(target_builtin_death_later_is_reported)
{
    gs_target *t = new_target();
    gs_error err = {0};
    gs_target_objects objs = {docs2, 2, eps, 2};
    ck_assert_int_eq(gs_target_apply(t, &objs, &err), 0);
    ck_assert_int_eq(gs_proc_live_count(), 1);
    /* Kill the gateway behind the target's back. */
    char path[512];
    snprintf(path, sizeof(path), "%s/gateway.log", workdir);
    const char *pid = strstr(slurp(path), "pid: ");
    ck_assert_ptr_nonnull(pid);
    ck_assert_int_eq(kill((pid_t)atoi(pid + 5), SIGKILL), 0);
    int rc = 0;
    for (int i = 0; i < 2000 && rc == 0; i++) {
        rc = gs_target_check(t, &err);
        if (rc == 0)
            usleep(1000);
    }
    ck_assert_int_eq(rc, GS_ERR_CLOSED);
    ck_assert_msg(strstr(err.msg, "gateway killed by signal 9") != NULL, "%s", err.msg);
    gs_target_free(t);
}
END_TEST

/* The pid the fake gateway logged. */
static pid_t fake_gateway_pid(void)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/gateway.log", workdir);
    const char *pid = strstr(slurp(path), "pid: ");
    ck_assert_ptr_nonnull(pid);
    return (pid_t)atoi(pid + 5);
}

START_TEST(target_builtin_stats)
{
    gs_target *t = new_target();
    gs_error err = {0};
    gs_target_objects objs = {docs2, 2, eps, 2};
    ck_assert_int_eq(gs_target_apply(t, &objs, &err), 0);
    gs_target_stats st = {0};
    int rc = gs_target_stats_read(t, &st, &err);
    ck_assert_msg(rc == 0, "%s", err.msg);
    uint64_t v = 0;
    ck_assert(gs_target_stats_get(&st, "seq", &v));
    ck_assert_uint_eq(v, 1);
    ck_assert(gs_target_stats_get(&st, "requests", &v));
    ck_assert_uint_eq(v, 10);
    /* Only non-negative integers are counters. */
    ck_assert(!gs_target_stats_get(&st, "ratio", &v));
    ck_assert(!gs_target_stats_get(&st, "name", &v));
    ck_assert(!gs_target_stats_get(&st, "negative", &v));
    ck_assert_uint_eq(st.len, 2);

    /* A stats line nobody asked for (a late answer) is not taken for the next call's. */
    ck_assert_int_eq(kill(fake_gateway_pid(), SIGUSR1), 0);
    usleep(400 * 1000);
    ck_assert_int_eq(gs_target_stats_read(t, &st, &err), 0);
    ck_assert(gs_target_stats_get(&st, "seq", &v));
    ck_assert_uint_eq(v, 3);

    /* Stats lines do not disturb the ready-line protocol, nor ready lines the stats. */
    gs_target_objects one = {docs2, 1, eps, 2};
    ck_assert_int_eq(gs_target_apply(t, &one, &err), 0);
    ck_assert_str_eq(t->listeners[0].address, "127.0.0.1:111");
    ck_assert_int_eq(gs_target_stats_read(t, &st, &err), 0);
    ck_assert(gs_target_stats_get(&st, "requests", &v));
    ck_assert_uint_eq(v, 40);

    /* A dead gateway has no counters, and says why. */
    ck_assert_int_eq(kill(fake_gateway_pid(), SIGKILL), 0);
    for (int i = 0; i < 2000 && gs_target_check(t, &err) == 0; i++)
        usleep(1000);
    ck_assert_int_eq(gs_target_stats_read(t, &st, &err), GS_ERR_CLOSED);
    ck_assert_uint_eq(st.len, 0);
    ck_assert_msg(strstr(err.msg, "killed by signal 9") != NULL, "%s", err.msg);
    gs_target_stats_clear(&st);
    gs_target_free(t);
}
END_TEST

START_TEST(target_stats_line_decoding)
{
    gs_target_stats st = {0};
    gs_error err = {0};
    gs_json_value *v = NULL;
    const char *line = "{\"stats\":{\"mirrorsDropped\":1234,\"big\":9007199254740992,"
                       "\"huge\":1e300,\"half\":2.5,\"list\":[1]}}";
    ck_assert_int_eq(gs_json_parse(line, strlen(line), NULL, &v, NULL), 0);
    ck_assert_int_eq(gs_target_stats_from_json(&st, v, &err), 0);
    uint64_t n = 0;
    ck_assert(gs_target_stats_get(&st, "mirrorsDropped", &n));
    ck_assert_uint_eq(n, 1234);
    ck_assert(gs_target_stats_get(&st, "big", &n));
    ck_assert_uint_eq(n, UINT64_C(9007199254740992));
    ck_assert(!gs_target_stats_get(&st, "huge", &n));
    ck_assert(!gs_target_stats_get(&st, "half", &n));
    ck_assert(!gs_target_stats_get(&st, "list", &n));
    gs_json_value_free(v);
    const char *ready = "{\"ready\":true,\"listeners\":[]}";
    ck_assert_int_eq(gs_json_parse(ready, strlen(ready), NULL, &v, NULL), 0);
    ck_assert_int_eq(gs_target_stats_from_json(&st, v, &err), GS_ERR_PROTOCOL);
    ck_assert_uint_eq(st.len, 0);
    gs_json_value_free(v);
    gs_target_stats_clear(&st);
}
END_TEST

START_TEST(target_exec_protocol_files_and_failures)
{
    static const char *const ctl[] = {"a.example/x", "b.example/y", NULL};
    gs_target_config cfg = {.workdir = workdir,
                            .gatesim_path = "/usr/bin/gatesim-test",
                            .controller_names = ctl,
                            .start_timeout_ns = 5 * GS_NS_PER_S,
                            .has_seed = true,
                            .seed = 9};
    gs_target *t = NULL;
    gs_error err = {0};
    ck_assert_int_eq(gs_target_new(&t, "exec:", &cfg, &err), GS_ERR_USAGE);
    /* A command that records its environment and files, then fails: the failure is reported
     * with the command's last words, and the files it was given are there. */
    char cmd[1024];
    snprintf(cmd, sizeof(cmd),
             "sh -c 'env | grep ^GATESIM | sort > %s/env.txt; cat $GATESIM_BACKENDS_TXT > "
             "%s/seen.txt; echo no listeners here >&2; exit 4' --",
             workdir, workdir);
    char spec[1100];
    snprintf(spec, sizeof(spec), "exec:%s", cmd);
    ck_assert_int_eq(gs_target_new(&t, spec, &cfg, &err), 0);
    gs_target_objects objs = {docs2, 2, eps, 2};
    ck_assert_int_eq(gs_target_apply(t, &objs, &err), GS_ERR_CLOSED);
    ck_assert_msg(strstr(err.msg, "target exited with status 4: no listeners here"), "%s", err.msg);
    char path[512];
    snprintf(path, sizeof(path), "%s/seen.txt", workdir);
    ck_assert_str_eq(slurp(path), "default/app:80=127.0.0.1:4001\ndefault/app:80=127.0.0.1:4002\n");
    snprintf(path, sizeof(path), "%s/env.txt", workdir);
    const char *env = slurp(path);
    ck_assert(strstr(env, "GATESIM=/usr/bin/gatesim-test\n"));
    ck_assert(strstr(env, "GATESIM_CONTROLLER_NAMES=a.example/x,b.example/y\n"));
    ck_assert(strstr(env, "GATESIM_SEED=9\n"));
    ck_assert(strstr(env, "/objects.yaml\n"));
    snprintf(path, sizeof(path), "%s/backends.json", workdir);
    ck_assert(strstr(slurp(path), "{\"namespace\":\"default\",\"name\":\"app\",\"port\":80,"
                                  "\"address\":\"127.0.0.1:4002\"}"));
    /* An exec implementation is never sent SIGUSR1 (its default action would kill it). */
    gs_target_stats st = {0};
    ck_assert_int_eq(gs_target_stats_read(t, &st, &err), GS_ERR_NOT_FOUND);
    ck_assert_msg(strstr(err.msg, "the exec target does not report counters"), "%s", err.msg);
    gs_target_free(t);
    ck_assert_int_eq(gs_proc_live_count(), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("target_builtin");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, target_unknown_name);
    tcase_add_test(tc, target_builtin_start_reload_restart);
    tcase_add_test(tc, target_builtin_death_at_start);
    tcase_add_test(tc, target_builtin_ready_timeout);
    tcase_add_test(tc, target_builtin_death_later_is_reported);
    tcase_add_test(tc, target_exec_protocol_files_and_failures);
    tcase_add_test(tc, target_registry_kinds_and_capabilities);
    tcase_add_test(tc, target_builtin_stats);
    tcase_add_test(tc, target_stats_line_decoding);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
