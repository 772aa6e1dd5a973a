/* SPDX-License-Identifier: MIT */
/* The targets that run an implementation as a child process speaking the gateway's ready-line
 * protocol. builtin: the objects are written to <workdir>/objects.yaml, `gatesim gateway` runs on
 * them (its own process group; stderr to <workdir>/gateway.log) and says where its listeners are
 * with a JSON ready line; a new object set is written atomically and announced with SIGHUP, and
 * the gateway answers with a new ready line; status comes from `gatesim explain --output json`
 * on the same file. exec:COMMAND: the same protocol with `COMMAND serve` and `COMMAND status`,
 * the files named in the environment (docs/runner.md, "The exec target"). The builtin gateway
 * also reports its counters: SIGUSR1 makes it print a stats line on the same stdout. */
#include "gs_target.h"

#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_json.h"
#include "gs_proc.h"
#include "gs_time.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct builtin_state {
    gs_proc *gw;
    char *objects_path; /* <workdir>/objects.yaml */
    char *log_path;     /* <workdir>/gateway.log */
    char *backends_key; /* the --backend flags the gateway runs with, joined */
    unsigned starts;
    const char *who; /* "gateway" or "target", for messages */
    /* exec:COMMAND only */
    char *command;
    char *backends_json; /* <workdir>/backends.json */
    char *backends_txt;  /* <workdir>/backends.txt: one ns/name:port=host:port a line */
    char **env;          /* GATESIM_* for the command, NULL-terminated */
} builtin_state;

static builtin_state *builtin_state_new(gs_target *t, const char *log_name)
{
    builtin_state *st = gs_xcalloc(1, sizeof(*st));
    st->objects_path = gs_xasprintf("%s/objects.yaml", t->cfg.workdir);
    st->log_path = gs_xasprintf("%s/%s", t->cfg.workdir, log_name);
    st->who = "gateway";
    t->impl = st;
    return st;
}

static int builtin_open(gs_target *t, gs_error *err)
{
    if (t->cfg.workdir == NULL || t->cfg.gatesim_path == NULL)
        return gs_error_set(err, GS_ERR_INVALID, "builtin target needs a workdir and gatesim");
    builtin_state_new(t, "gateway.log");
    return 0;
}

static int exec_open(gs_target *t, gs_error *err)
{
    if (t->cfg.workdir == NULL || t->arg == NULL || t->arg[0] == '\0')
        return gs_error_set(err, GS_ERR_USAGE,
                            "exec target needs a command: --target exec:COMMAND");
    builtin_state *st = builtin_state_new(t, "target.log");
    st->who = "target";
    st->command = gs_xstrdup(t->arg);
    st->backends_json = gs_xasprintf("%s/backends.json", t->cfg.workdir);
    st->backends_txt = gs_xasprintf("%s/backends.txt", t->cfg.workdir);
    gs_buf ctl = {0};
    gs_buf_puts(&ctl, "");
    for (size_t i = 0; t->cfg.controller_names && t->cfg.controller_names[i]; i++)
        gs_buf_printf(&ctl, "%s%s", i ? "," : "", t->cfg.controller_names[i]);
    char **env = gs_xcalloc(8, sizeof(*env));
    size_t k = 0;
    env[k++] = gs_xasprintf("GATESIM=%s", t->cfg.gatesim_path ? t->cfg.gatesim_path : "gatesim");
    env[k++] = gs_xasprintf("GATESIM_OBJECTS=%s", st->objects_path);
    env[k++] = gs_xasprintf("GATESIM_BACKENDS=%s", st->backends_json);
    env[k++] = gs_xasprintf("GATESIM_BACKENDS_TXT=%s", st->backends_txt);
    env[k++] = gs_xasprintf("GATESIM_WORKDIR=%s", t->cfg.workdir);
    env[k++] = gs_xasprintf("GATESIM_CONTROLLER_NAMES=%s", ctl.data);
    if (t->cfg.has_seed)
        env[k++] = gs_xasprintf("GATESIM_SEED=%llu", (unsigned long long)t->cfg.seed);
    env[k] = NULL;
    st->env = env;
    gs_buf_free(&ctl);
    return 0;
}

static int builtin_died(builtin_state *st, int status, gs_error *err)
{
    char desc[64], tail[512];
    gs_proc_describe_status(status, desc);
    gs_proc_log_tail(st->log_path, tail, sizeof(tail));
    return gs_error_set(err, GS_ERR_CLOSED, "%s %s%s%s", st->who, desc, tail[0] ? ": " : "", tail);
}

/* Writes |len| bytes to |path| atomically (a temporary file, then rename). */
static int builtin_write_file(const char *path, const char *data, size_t len, gs_error *err)
{
    char *tmp = gs_xasprintf("%s.tmp", path);
    int rc = 0;
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        rc = gs_error_set_errno(err, errno, "write %s", tmp);
    } else {
        bool ok = fwrite(data, 1, len, f) == len;
        int saved = errno;
        if (fclose(f) != 0 || !ok)
            rc = gs_error_set_errno(err, ok ? errno : saved, "write %s", tmp);
        else if (rename(tmp, path) != 0)
            rc = gs_error_set_errno(err, errno, "rename %s", tmp);
    }
    free(tmp);
    return rc;
}

static int builtin_write_objects(builtin_state *st, const gs_target_objects *objs, gs_error *err)
{
    gs_buf b = {0};
    gs_buf_puts(&b, "# Written by gatesim run.\n");
    for (size_t i = 0; i < objs->n_documents; i++) {
        gs_buf_puts(&b, "---\n");
        gs_buf_puts(&b, objs->documents[i]);
        if (b.len && b.data[b.len - 1] != '\n')
            gs_buf_putc(&b, '\n');
    }
    int rc = builtin_write_file(st->objects_path, b.data, b.len, err);
    gs_buf_free(&b);
    return rc;
}

/* Reads stdout lines until a JSON object with "ready": true arrives (other lines are logged
 * noise), then takes its listeners. */
static int builtin_wait_ready(gs_target *t, gs_error *err)
{
    builtin_state *st = t->impl;
    gs_json_value *v;
    gs_error e = {0};
    int rc = gs_proc_wait_ready(st->gw, gs_now_ns() + t->cfg.start_timeout_ns, &v, &e);
    if (rc == GS_ERR_CLOSED) {
        int status = 0;
        gs_proc_stop(st->gw, GS_NS_PER_S, &status);
        return builtin_died(st, status, err);
    }
    if (rc == GS_ERR_TIMEOUT) {
        char tail[512];
        gs_proc_log_tail(st->log_path, tail, sizeof(tail));
        return gs_error_set(err, GS_ERR_TIMEOUT, "%s did not report ready within %.1f s%s%s",
                            st->who, (double)t->cfg.start_timeout_ns / 1e9,
                            tail[0] ? "; last log: " : "", tail);
    }
    if (rc < 0)
        return gs_error_set(err, rc, "%s: %s", st->who, e.msg);
    const char *reload_error = gs_json_get_string(v, "reloadError", NULL);
    if (reload_error)
        rc = gs_error_set(err, GS_ERR_INVALID, "the %s rejected the new configuration: %s", st->who,
                          reload_error);
    else
        rc = gs_target_set_listeners_json(t, v, err);
    gs_json_value_free(v);
    return rc;
}

static char *builtin_backend_flag(const gs_target_endpoint *e)
{
    return gs_xasprintf("%s/%s:%u=%s", e->ns, e->name, e->port, e->address);
}

/* exec: the backends map as JSON and as text lines, written before each start or reload. */
static int exec_write_backends(builtin_state *st, const gs_target_objects *objs, gs_error *err)
{
    gs_buf js = {0}, txt = {0};
    gs_json j;
    gs_json_init(&j, &js, false);
    gs_json_object_begin(&j);
    gs_json_key(&j, "backends");
    gs_json_array_begin(&j);
    for (size_t i = 0; i < objs->n_endpoints; i++) {
        const gs_target_endpoint *e = &objs->endpoints[i];
        gs_json_object_begin(&j);
        gs_json_key(&j, "namespace");
        gs_json_string(&j, e->ns);
        gs_json_key(&j, "name");
        gs_json_string(&j, e->name);
        gs_json_key(&j, "port");
        gs_json_uint(&j, e->port);
        gs_json_key(&j, "address");
        gs_json_string(&j, e->address);
        gs_json_object_end(&j);
        char *flag = builtin_backend_flag(e);
        gs_buf_printf(&txt, "%s\n", flag);
        free(flag);
    }
    gs_json_array_end(&j);
    gs_json_object_end(&j);
    gs_buf_putc(&js, '\n');
    gs_buf_puts(&txt, "");
    int rc = builtin_write_file(st->backends_json, js.data, js.len, err);
    if (rc == 0)
        rc = builtin_write_file(st->backends_txt, txt.data, txt.len, err);
    gs_buf_free(&js);
    gs_buf_free(&txt);
    return rc;
}

/* After a spawn: counts the start and waits for the ready line; a child that never became ready
 * is stopped and dropped. */
static int builtin_started(gs_target *t, gs_error *err)
{
    builtin_state *st = t->impl;
    st->starts++;
    int rc = builtin_wait_ready(t, err);
    if (rc < 0) {
        gs_proc_free(st->gw);
        st->gw = NULL;
    }
    return rc;
}

static int exec_start(gs_target *t, gs_error *err)
{
    builtin_state *st = t->impl;
    char *line = gs_xasprintf("exec %s serve", st->command);
    const char *argv[] = {"/bin/sh", "-c", line, NULL};
    gs_proc_opts opts = {
        .capture_stdout = true, .stderr_path = st->log_path, .env = (const char *const *)st->env};
    int rc = gs_proc_spawn(&st->gw, argv, &opts, err);
    free(line);
    return rc < 0 ? rc : builtin_started(t, err);
}

static int builtin_start(gs_target *t, const gs_target_objects *objs, gs_error *err)
{
    builtin_state *st = t->impl;
    if (st->command)
        return exec_start(t, err);
    size_t n_ctl = 0;
    while (t->cfg.controller_names && t->cfg.controller_names[n_ctl])
        n_ctl++;
    size_t max = 8 + 2 * objs->n_endpoints + 2 * n_ctl + 1;
    char seed[32], mirrors[32];
    snprintf(seed, sizeof(seed), "%llu", (unsigned long long)t->cfg.seed);
    snprintf(mirrors, sizeof(mirrors), "%zu", t->cfg.max_mirrors_in_flight);
    const char **argv = gs_xcalloc(max, sizeof(*argv));
    char **owned = gs_xcalloc(objs->n_endpoints + 1, sizeof(*owned));
    size_t k = 0;
    argv[k++] = t->cfg.gatesim_path;
    argv[k++] = "gateway";
    argv[k++] = st->objects_path;
    for (size_t i = 0; i < objs->n_endpoints; i++) {
        owned[i] = builtin_backend_flag(&objs->endpoints[i]);
        argv[k++] = "--backend";
        argv[k++] = owned[i];
    }
    for (size_t i = 0; i < n_ctl; i++) {
        argv[k++] = "--controller-name";
        argv[k++] = t->cfg.controller_names[i];
    }
    if (t->cfg.has_seed) {
        argv[k++] = "--seed";
        argv[k++] = seed;
    }
    if (t->cfg.max_mirrors_in_flight) {
        argv[k++] = "--max-mirrors-in-flight";
        argv[k++] = mirrors;
    }
    argv[k] = NULL;
    gs_proc_opts opts = {.capture_stdout = true, .stderr_path = st->log_path};
    int rc = gs_proc_spawn(&st->gw, argv, &opts, err);
    for (size_t i = 0; i < objs->n_endpoints; i++)
        free(owned[i]);
    free(owned);
    free(argv);
    return rc < 0 ? rc : builtin_started(t, err);
}

static char *builtin_backends_key(const gs_target_objects *objs)
{
    gs_buf b = {0};
    gs_buf_puts(&b, "");
    for (size_t i = 0; i < objs->n_endpoints; i++) {
        char *f = builtin_backend_flag(&objs->endpoints[i]);
        gs_buf_printf(&b, "%s\n", f);
        free(f);
    }
    return gs_buf_take(&b);
}

static int builtin_apply(gs_target *t, const gs_target_objects *objs, gs_error *err)
{
    builtin_state *st = t->impl;
    int rc = builtin_write_objects(st, objs, err);
    if (rc == 0 && st->command)
        rc = exec_write_backends(st, objs, err);
    if (rc < 0)
        return rc;
    char *key = builtin_backends_key(objs);
    bool same_backends = st->backends_key && strcmp(key, st->backends_key) == 0;
    free(st->backends_key);
    st->backends_key = key;
    int status;
    if (st->gw && gs_proc_exited(st->gw, &status)) {
        rc = builtin_died(st, status, err);
        gs_proc_free(st->gw);
        st->gw = NULL;
        return rc;
    }
    if (st->gw && same_backends) {
        /* The endpoints are fixed for the gateway's life (flags): only objects changed. */
        if (gs_proc_signal(st->gw, SIGHUP) == 0)
            return builtin_wait_ready(t, err);
    }
    if (st->gw) {
        gs_proc_free(st->gw);
        st->gw = NULL;
    }
    return builtin_start(t, objs, err);
}

/* Runs `gatesim explain <objects> --output json` and parses what it prints. */
static int builtin_status(gs_target *t, gs_json_value **out, gs_error *err)
{
    builtin_state *st = t->impl;
    *out = NULL;
    size_t n_ctl = 0;
    while (t->cfg.controller_names && t->cfg.controller_names[n_ctl])
        n_ctl++;
    const char **argv = gs_xcalloc(6 + 2 * n_ctl, sizeof(*argv));
    size_t k = 0;
    char *cmdline = NULL;
    if (st->command) {
        cmdline = gs_xasprintf("exec %s status", st->command);
        argv[k++] = "/bin/sh";
        argv[k++] = "-c";
        argv[k++] = cmdline;
    } else {
        argv[k++] = t->cfg.gatesim_path;
        argv[k++] = "explain";
        argv[k++] = st->objects_path;
        argv[k++] = "--output";
        argv[k++] = "json";
        for (size_t i = 0; i < n_ctl; i++) {
            argv[k++] = "--controller-name";
            argv[k++] = t->cfg.controller_names[i];
        }
    }
    char *log = gs_xasprintf("%s/%s", t->cfg.workdir, st->command ? "status.log" : "explain.log");
    gs_proc_opts opts = {
        .capture_stdout = true, .stderr_path = log, .env = (const char *const *)st->env};
    gs_proc *p = NULL;
    int rc = gs_proc_spawn(&p, argv, &opts, err);
    free(argv);
    free(cmdline);
    if (rc < 0) {
        free(log);
        return rc;
    }
    gs_buf text = {0};
    int64_t deadline = gs_now_ns() + t->cfg.start_timeout_ns;
    for (;;) {
        char *line = NULL;
        int64_t left = deadline - gs_now_ns();
        rc = left > 0 ? gs_proc_read_line(p, left, &line, err) : GS_ERR_TIMEOUT;
        if (rc < 0)
            break;
        gs_buf_puts(&text, line);
        gs_buf_putc(&text, '\n');
        free(line);
    }
    int status = 0;
    gs_proc_stop(p, GS_NS_PER_S, &status);
    gs_proc_free(p);
    if (rc == GS_ERR_CLOSED) {
        rc = gs_json_parse(text.data ? text.data : "", text.len, NULL, out, err);
        if (rc < 0) {
            char desc[64], tail[512];
            gs_proc_describe_status(status, desc);
            gs_proc_log_tail(log, tail, sizeof(tail));
            rc = gs_error_set(err, GS_ERR_PROTOCOL, "%s %s without JSON status%s%s",
                              st->command ? "the status command" : "gatesim explain", desc,
                              tail[0] ? ": " : "", tail);
        }
    } else if (rc == GS_ERR_TIMEOUT) {
        rc = gs_error_set(err, GS_ERR_TIMEOUT, "%s did not finish in time",
                          st->command ? "the status command" : "gatesim explain");
    }
    gs_buf_free(&text);
    free(log);
    return rc;
}

static int builtin_check(gs_target *t, gs_error *err)
{
    builtin_state *st = t->impl;
    int status;
    if (st->gw == NULL)
        return gs_error_set(err, GS_ERR_CLOSED, "%s is not running", st->who);
    if (gs_proc_exited(st->gw, &status))
        return builtin_died(st, status, err);
    return 0;
}

/* How long the gateway may take to answer SIGUSR1: it answers from its event loop, which a busy
 * loaded machine may keep for a while, but a stats line is not worth a long wait. */
#define BUILTIN_STATS_TIMEOUT_NS (5 * GS_NS_PER_S)

/* SIGUSR1 to the gateway, then the first stats line it prints. Lines already waiting are read
 * and dropped first, so a stats line that came too late for an earlier call is not taken for
 * this one's; ready lines are never waiting here (every SIGHUP's is read by apply). */
static int builtin_stats(gs_target *t, gs_target_stats *out, gs_error *err)
{
    builtin_state *st = t->impl;
    int rc = builtin_check(t, err);
    if (rc < 0)
        return rc;
    for (;;) {
        char *stale = NULL;
        gs_error e = {0};
        rc = gs_proc_read_line(st->gw, GS_NS_PER_MS, &stale, &e);
        free(stale);
        if (rc == GS_ERR_TIMEOUT)
            break;
        if (rc == GS_ERR_CLOSED)
            return builtin_check(t, err) < 0
                       ? err->code
                       : gs_error_set(err, GS_ERR_CLOSED, "gateway closed its output");
        if (rc < 0)
            return gs_error_set(err, rc, "gateway: %s", e.msg);
    }
    if (gs_proc_signal(st->gw, SIGUSR1) < 0)
        return gs_error_set(err, GS_ERR_CLOSED, "gateway: cannot signal it");
    int64_t deadline = gs_now_ns() + BUILTIN_STATS_TIMEOUT_NS;
    for (;;) {
        int64_t left = deadline - gs_now_ns();
        char *line = NULL;
        gs_error e = {0};
        rc = left > 0 ? gs_proc_read_line(st->gw, left, &line, &e) : GS_ERR_TIMEOUT;
        if (rc == GS_ERR_TIMEOUT)
            return gs_error_set(err, GS_ERR_TIMEOUT, "gateway printed no stats line within %.1f s",
                                (double)BUILTIN_STATS_TIMEOUT_NS / 1e9);
        if (rc < 0)
            return gs_error_set(err, rc, "gateway: %s", e.msg);
        gs_json_value *v = NULL;
        bool is_stats = line[0] == '{' && gs_json_parse(line, strlen(line), NULL, &v, NULL) == 0 &&
                        gs_json_get(v, "stats") != NULL;
        free(line);
        if (is_stats)
            rc = gs_target_stats_from_json(out, v, err);
        gs_json_value_free(v);
        if (is_stats)
            return rc;
    }
}

static void builtin_close(gs_target *t)
{
    builtin_state *st = t->impl;
    if (st == NULL)
        return;
    gs_proc_free(st->gw);
    free(st->objects_path);
    free(st->log_path);
    free(st->backends_key);
    free(st->command);
    free(st->backends_json);
    free(st->backends_txt);
    for (size_t i = 0; st->env && st->env[i]; i++)
        free(st->env[i]);
    free(st->env);
    free(st);
    t->impl = NULL;
}

const gs_target_ops gs_target_builtin_ops = {
    .name = "builtin",
    .open = builtin_open,
    .apply = builtin_apply,
    .status = builtin_status,
    .check = builtin_check,
    .stats = builtin_stats,
    .close = builtin_close,
};

const gs_target_ops gs_target_exec_ops = {
    .name = "exec",
    .open = exec_open,
    .apply = builtin_apply,
    .status = builtin_status,
    .check = builtin_check,
    .close = builtin_close,
};
