/* SPDX-License-Identifier: MIT */
/* The exec target: any implementation, through the builtin gateway's own protocol
 * (docs/runner.md, "The exec target"). `COMMAND serve` runs in the foreground and prints ready
 * lines (start, and after each SIGHUP); `COMMAND status` prints the status JSON and exits. The
 * objects, the backends map (JSON and text) and the settings reach it through GATESIM_*
 * environment variables naming files in the work folder. It reports no counters: it is never
 * sent SIGUSR1, whose default action would kill a program that does not handle it. */
#include "gs_target_child.h"

#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_json.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct exec_state {
    gs_target_child child; /* first: t->impl is also a gs_target_child */
    char *command;
    char *backends_json; /* <workdir>/backends.json */
    char *backends_txt;  /* <workdir>/backends.txt: one ns/name:port=host:port a line */
    char **env;          /* GATESIM_* for the command, NULL-terminated */
} exec_state;

/* The backends map as JSON and as text lines, written before each start or reload. */
static int exec_write_backends(gs_target *t, const gs_target_objects *objs, gs_error *err)
{
    exec_state *st = t->impl;
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
        char *flag = gs_target_child_backend_flag(e);
        gs_buf_printf(&txt, "%s\n", flag);
        free(flag);
    }
    gs_json_array_end(&j);
    gs_json_object_end(&j);
    gs_buf_putc(&js, '\n');
    gs_buf_puts(&txt, "");
    int rc = gs_target_child_write_file(st->backends_json, js.data, js.len, err);
    if (rc == 0)
        rc = gs_target_child_write_file(st->backends_txt, txt.data, txt.len, err);
    gs_buf_clear(&js);
    gs_buf_clear(&txt);
    return rc;
}

static int exec_spawn(gs_target *t, const gs_target_objects *objs, gs_error *err)
{
    (void)objs; /* the command reads them from the files */
    exec_state *st = t->impl;
    char *line = gs_xasprintf("exec %s serve", st->command);
    const char *argv[] = {"/bin/sh", "-c", line, NULL};
    gs_proc_opts opts = {.capture_stdout = true,
                         .stderr_path = st->child.log_path,
                         .env = (const char *const *)st->env};
    int rc = gs_proc_spawn(&st->child.proc, argv, &opts, err);
    free(line);
    return rc < 0 ? rc : gs_target_child_started(t, err);
}

static char **exec_environment(const gs_target *t, const exec_state *st)
{
    gs_buf ctl = {0};
    gs_buf_puts(&ctl, "");
    for (size_t i = 0; t->cfg.controller_names && t->cfg.controller_names[i]; i++)
        gs_buf_printf(&ctl, "%s%s", i ? "," : "", t->cfg.controller_names[i]);
    char **env = gs_xcalloc(8, sizeof(*env));
    size_t k = 0;
    env[k++] = gs_xasprintf("GATESIM=%s", t->cfg.gatesim_path ? t->cfg.gatesim_path : "gatesim");
    env[k++] = gs_xasprintf("GATESIM_OBJECTS=%s", st->child.objects_path);
    env[k++] = gs_xasprintf("GATESIM_BACKENDS=%s", st->backends_json);
    env[k++] = gs_xasprintf("GATESIM_BACKENDS_TXT=%s", st->backends_txt);
    env[k++] = gs_xasprintf("GATESIM_WORKDIR=%s", t->cfg.workdir);
    env[k++] = gs_xasprintf("GATESIM_CONTROLLER_NAMES=%s", ctl.data);
    if (t->cfg.has_seed)
        env[k++] = gs_xasprintf("GATESIM_SEED=%llu", (unsigned long long)t->cfg.seed);
    env[k] = NULL;
    gs_buf_clear(&ctl);
    return env;
}

static int exec_open(gs_target *t, gs_error *err)
{
    if (t->cfg.workdir == NULL || t->arg == NULL || t->arg[0] == '\0')
        return gs_error_set(err, GS_ERR_USAGE,
                            "exec target needs a command: --target exec:COMMAND");
    exec_state *st = gs_xcalloc(1, sizeof(*st));
    gs_target_child_init(&st->child, t, "target.log", "target");
    st->child.spawn = exec_spawn;
    st->child.write_files = exec_write_backends;
    st->command = gs_xstrdup(t->arg);
    st->backends_json = gs_xasprintf("%s/backends.json", t->cfg.workdir);
    st->backends_txt = gs_xasprintf("%s/backends.txt", t->cfg.workdir);
    st->env = exec_environment(t, st);
    t->impl = st;
    return 0;
}

/* Runs `COMMAND status` and parses what it prints. */
static int exec_status(gs_target *t, gs_json_value **out, gs_error *err)
{
    exec_state *st = t->impl;
    char *line = gs_xasprintf("exec %s status", st->command);
    const char *argv[] = {"/bin/sh", "-c", line, NULL};
    int rc = gs_target_child_run_json(t, argv, (const char *const *)st->env, "status.log",
                                      "the status command", out, err);
    free(line);
    return rc;
}

/* Runs `COMMAND features`: a JSON array of the upstream FeatureNames it supports. */
static int exec_features(gs_target *t, gs_json_value **out, gs_error *err)
{
    exec_state *st = t->impl;
    char *line = gs_xasprintf("exec %s features", st->command);
    const char *argv[] = {"/bin/sh", "-c", line, NULL};
    int rc = gs_target_child_run_json(t, argv, (const char *const *)st->env, "features.log",
                                      "the features command", out, err);
    free(line);
    return rc;
}

static void exec_close(gs_target *t)
{
    exec_state *st = t->impl;
    if (st == NULL)
        return;
    gs_target_child_clear(&st->child);
    free(st->command);
    free(st->backends_json);
    free(st->backends_txt);
    for (size_t i = 0; st->env && st->env[i]; i++)
        free(st->env[i]);
    free(st->env);
    free(st);
    t->impl = NULL;
}

static const gs_target_ops exec_ops = {
    .open = exec_open,
    .apply = gs_target_child_apply,
    .status = exec_status,
    .check = gs_target_child_check,
    .close = exec_close,
    .features = exec_features,
    .pid = gs_target_child_pid,
};

const gs_target_kind gs_target_kind_exec = {
    .name = "exec",
    .usage = "exec:COMMAND",
    .help = "any implementation behind COMMAND (docs/runner.md, \"The exec target\")",
    .caps = GS_TARGET_CAP_NEEDS_ARG,
    .ops = &exec_ops,
};
