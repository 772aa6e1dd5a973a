/* SPDX-License-Identifier: MIT */
/* The child-process machinery the builtin and exec target kinds share (gs_target_child.h). What
 * differs between them (the command lines, the extra files, the counters) is in their own files. */
#include "gs_target_child.h"

#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_time.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gs_target_child_init(gs_target_child *c, const gs_target *t, const char *log_name,
                          const char *who)
{
    c->objects_path = gs_xasprintf("%s/objects.yaml", t->cfg.workdir);
    c->log_path = gs_xasprintf("%s/%s", t->cfg.workdir, log_name);
    c->who = who;
}

void gs_target_child_clear(gs_target_child *c)
{
    gs_proc_free(c->proc);
    free(c->objects_path);
    free(c->log_path);
    free(c->backends_key);
    c->proc = NULL;
    c->objects_path = c->log_path = c->backends_key = NULL;
}

static int child_died(gs_target_child *c, int status, gs_error *err)
{
    char desc[64], tail[512];
    gs_proc_describe_status(status, desc);
    gs_proc_log_tail(c->log_path, tail, sizeof(tail));
    return gs_error_set(err, GS_ERR_CLOSED, "%s %s%s%s", c->who, desc, tail[0] ? ": " : "", tail);
}

int gs_target_child_write_file(const char *path, const char *data, size_t len, gs_error *err)
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

static int child_write_objects(gs_target_child *c, const gs_target_objects *objs, gs_error *err)
{
    gs_buf b = {0};
    gs_buf_puts(&b, "# Written by gatesim run.\n");
    for (size_t i = 0; i < objs->n_documents; i++) {
        gs_buf_puts(&b, "---\n");
        gs_buf_puts(&b, objs->documents[i]);
        if (b.len && b.data[b.len - 1] != '\n')
            gs_buf_putc(&b, '\n');
    }
    int rc = gs_target_child_write_file(c->objects_path, b.data, b.len, err);
    gs_buf_clear(&b);
    return rc;
}

/* Reads stdout lines until a JSON object with "ready": true arrives (other lines are logged
 * noise), then takes its listeners. */
static int child_wait_ready(gs_target *t, gs_error *err)
{
    gs_target_child *c = t->impl;
    gs_json_value *v;
    gs_error e = {0};
    int rc = gs_proc_wait_ready(c->proc, gs_now_ns() + t->cfg.start_timeout_ns, &v, &e);
    if (rc == GS_ERR_CLOSED) {
        int status = 0;
        gs_proc_stop(c->proc, GS_NS_PER_S, &status);
        return child_died(c, status, err);
    }
    if (rc == GS_ERR_TIMEOUT) {
        char tail[512];
        gs_proc_log_tail(c->log_path, tail, sizeof(tail));
        return gs_error_set(err, GS_ERR_TIMEOUT, "%s did not report ready within %.1f s%s%s",
                            c->who, (double)t->cfg.start_timeout_ns / 1e9,
                            tail[0] ? "; last log: " : "", tail);
    }
    if (rc < 0)
        return gs_error_set(err, rc, "%s: %s", c->who, e.msg);
    const char *reload_error = gs_json_get_string(v, "reloadError", NULL);
    if (reload_error)
        rc = gs_error_set(err, GS_ERR_INVALID, "the %s rejected the new configuration: %s", c->who,
                          reload_error);
    else
        rc = gs_target_set_listeners_json(t, v, err);
    gs_json_value_free(v);
    return rc;
}

char *gs_target_child_backend_flag(const gs_target_endpoint *e)
{
    return gs_xasprintf("%s/%s:%u=%s", e->ns, e->name, e->port, e->address);
}

int gs_target_child_started(gs_target *t, gs_error *err)
{
    gs_target_child *c = t->impl;
    c->starts++;
    int rc = child_wait_ready(t, err);
    if (rc < 0) {
        gs_proc_free(c->proc);
        c->proc = NULL;
    }
    return rc;
}

static char *child_backends_key(const gs_target_objects *objs)
{
    gs_buf b = {0};
    gs_buf_puts(&b, "");
    for (size_t i = 0; i < objs->n_endpoints; i++) {
        char *f = gs_target_child_backend_flag(&objs->endpoints[i]);
        gs_buf_printf(&b, "%s\n", f);
        free(f);
    }
    return gs_buf_take(&b);
}

int gs_target_child_apply(gs_target *t, const gs_target_objects *objs, gs_error *err)
{
    gs_target_child *c = t->impl;
    int rc = child_write_objects(c, objs, err);
    if (rc == 0 && c->write_files)
        rc = c->write_files(t, objs, err);
    if (rc < 0)
        return rc;
    char *key = child_backends_key(objs);
    bool same_backends = c->backends_key && strcmp(key, c->backends_key) == 0;
    free(c->backends_key);
    c->backends_key = key;
    int status;
    if (c->proc && gs_proc_exited(c->proc, &status)) {
        rc = child_died(c, status, err);
        gs_proc_free(c->proc);
        c->proc = NULL;
        return rc;
    }
    if (c->proc && same_backends) {
        /* The endpoints are fixed for the child's life (flags, files): only objects changed.
         * SIGHUP goes to the child alone: an adapter may have started processes of its own
         * (a proxy, a translator) that would die of it; only the final stop signals the whole
         * process group. */
        if (gs_proc_signal_leader(c->proc, SIGHUP) == 0)
            return child_wait_ready(t, err);
    }
    if (c->proc) {
        gs_proc_free(c->proc);
        c->proc = NULL;
    }
    return c->spawn(t, objs, err);
}

int gs_target_child_check(gs_target *t, gs_error *err)
{
    gs_target_child *c = t->impl;
    int status;
    if (c->proc == NULL)
        return gs_error_set(err, GS_ERR_CLOSED, "%s is not running", c->who);
    if (gs_proc_exited(c->proc, &status))
        return child_died(c, status, err);
    return 0;
}

int gs_target_child_run_json(gs_target *t, const char *const *argv, const char *const *env,
                             const char *log_name, const char *what, gs_json_value **out,
                             gs_error *err)
{
    *out = NULL;
    char *log = gs_xasprintf("%s/%s", t->cfg.workdir, log_name);
    gs_proc_opts opts = {.capture_stdout = true, .stderr_path = log, .env = env};
    gs_proc *p = NULL;
    int rc = gs_proc_spawn(&p, argv, &opts, err);
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
        /* no newline added back: a line longer than gs_proc's line limit comes in pieces,
         * and whitespace between JSON tokens is never needed */
        gs_buf_puts(&text, line);
        free(line);
    }
    int status = 0;
    gs_proc_stop(p, GS_NS_PER_S, &status);
    gs_proc_free(p);
    if (rc == GS_ERR_CLOSED) {
        gs_error perr = {0};
        rc = gs_json_parse(text.data ? text.data : "", text.len, NULL, out, &perr);
        if (rc < 0) {
            char desc[64], tail[512];
            gs_proc_describe_status(status, desc);
            gs_proc_log_tail(log, tail, sizeof(tail));
            if (text.len == 0)
                rc = gs_error_set(err, GS_ERR_PROTOCOL, "%s %s without JSON output%s%s", what,
                                  desc, tail[0] ? ": " : "", tail);
            else /* it printed something that is not one JSON document: say what */
                rc = gs_error_set(err, GS_ERR_PROTOCOL,
                                  "%s %s and printed no valid JSON (%s): \"%.60s%s\"%s%s", what,
                                  desc, perr.msg, text.data, text.len > 60 ? "..." : "",
                                  tail[0] ? "; stderr: " : "", tail);
        }
    } else if (rc == GS_ERR_TIMEOUT) {
        rc = gs_error_set(err, GS_ERR_TIMEOUT, "%s did not finish within %.1f s (--timeout)",
                          what, (double)t->cfg.start_timeout_ns / 1e9);
    }
    gs_buf_clear(&text);
    free(log);
    return rc;
}

pid_t gs_target_child_pid(gs_target *t)
{
    const gs_target_child *c = t->impl;
    return c != NULL && c->proc != NULL ? gs_proc_pid(c->proc) : 0;
}
