/* SPDX-License-Identifier: MIT */
/* `gatesim gateway --data-plane nginx` (gs_target_nginx_gateway.h): the nginx target run as a
 * long-lived gateway. One thread, no event loop: the signals it answers are blocked and taken
 * with sigtimedwait, and between them it checks once a second that nginx is still alive. */
#define _GNU_SOURCE /* nftw */
#include "gs_target_nginx_gateway.h"

#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_dir.h"
#include "gs_json.h"

#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <unistd.h>

/* The manifests as documents: each file's text (several YAML documents each, which the nginx
 * target reads as one stream). Folders are searched as `gatesim gateway` searches them. */
typedef struct ngw_docs {
    char **items;
    size_t len;
} ngw_docs;

static void ngw_docs_add(ngw_docs *d, char *text)
{
    d->items = gs_xrealloc(d->items, (d->len + 1) * sizeof(*d->items));
    d->items[d->len++] = text;
}

static void ngw_docs_clear(ngw_docs *d)
{
    for (size_t i = 0; i < d->len; i++)
        free(d->items[i]);
    free(d->items);
    memset(d, 0, sizeof(*d));
}

static int ngw_read_file(void *arg, const char *path, gs_error *err)
{
    gs_buf b = {0};
    if (gs_buf_read_file(&b, path) < 0) {
        gs_buf_clear(&b);
        return gs_error_set_errno(err, errno, "%s", path);
    }
    gs_buf_putc(&b, '\n'); /* the next file starts a document of its own */
    ngw_docs_add(arg, gs_buf_take(&b));
    return 0;
}

/* Validates the manifests, reads them and applies them (with the --backend Services first). */
static int ngw_apply(const gs_nginx_gateway_opts *o, gs_target *t, gs_error *err)
{
    int rc = o->validate ? o->validate(o->validate_arg, err) : 0;
    ngw_docs d = {0};
    for (size_t i = 0; rc == 0 && i < o->n_service_documents; i++)
        ngw_docs_add(&d, gs_xstrdup(o->service_documents[i]));
    for (size_t i = 0; rc == 0 && i < o->n_paths; i++)
        rc = gs_dir_each_yaml(o->paths[i], 32, ngw_read_file, &d, err);
    if (rc == 0) {
        gs_target_objects objs = {.documents = (const char *const *)d.items,
                                  .n_documents = d.len,
                                  .endpoints = o->endpoints,
                                  .n_endpoints = o->n_endpoints};
        rc = gs_target_apply(t, &objs, err);
    }
    ngw_docs_clear(&d);
    return rc;
}

/* The builtin gateway's ready line (docs/cli.md), with "reloadError" when a reload failed. */
static void ngw_print_ready(const gs_nginx_gateway_opts *o, const gs_target *t,
                            const char *reload_error)
{
    gs_buf b = {0};
    gs_json j;
    gs_json_init(&j, &b, false);
    gs_json_object_begin(&j);
    gs_json_key(&j, "ready");
    gs_json_bool(&j, true);
    gs_json_key(&j, "listeners");
    gs_json_array_begin(&j);
    for (size_t i = 0; i < t->n_listeners; i++) {
        const gs_target_listener *l = &t->listeners[i];
        gs_json_object_begin(&j);
        gs_json_key(&j, "gateway");
        gs_json_string(&j, l->gateway);
        gs_json_key(&j, "listener");
        gs_json_string(&j, l->listener);
        gs_json_key(&j, "port");
        gs_json_int(&j, (int64_t)l->port);
        gs_json_key(&j, "address");
        gs_json_string(&j, l->address);
        gs_json_object_end(&j);
    }
    gs_json_array_end(&j);
    if (reload_error) {
        gs_json_key(&j, "reloadError");
        gs_json_string(&j, reload_error);
    }
    gs_json_object_end(&j);
    FILE *out = o->ready_out ? o->ready_out : stdout;
    fprintf(out, "%s\n", b.data);
    fflush(out);
    gs_buf_clear(&b);
}

/* {"stats":{...}}: nginx's counters, as the nginx target reads them for targetStats. */
static void ngw_print_stats(const gs_nginx_gateway_opts *o, gs_target *t)
{
    gs_target_stats s = {0};
    gs_error err = {0};
    if (gs_target_stats_read(t, &s, &err) < 0) {
        fprintf(stderr, "gatesim gateway: counters: %s\n", err.msg);
        return;
    }
    gs_buf b = {0};
    gs_json j;
    gs_json_init(&j, &b, false);
    gs_json_object_begin(&j);
    gs_json_key(&j, "stats");
    gs_json_object_begin(&j);
    for (size_t i = 0; i < s.len; i++) {
        gs_json_key(&j, s.items[i].name);
        gs_json_uint(&j, s.items[i].value);
    }
    gs_json_object_end(&j);
    gs_json_object_end(&j);
    FILE *out = o->ready_out ? o->ready_out : stdout;
    fprintf(out, "%s\n", b.data);
    fflush(out);
    gs_buf_clear(&b);
    gs_target_stats_clear(&s);
}

/* Answers signals until SIGTERM/SIGINT (0) or nginx's death (its error). */
static int ngw_serve(const gs_nginx_gateway_opts *o, gs_target *t, const sigset_t *set,
                     gs_error *err)
{
    for (;;) {
        struct timespec second = {.tv_sec = 1};
        int sig = sigtimedwait(set, NULL, &second);
        if (sig == SIGTERM || sig == SIGINT)
            return 0;
        if (sig == SIGUSR1) {
            ngw_print_stats(o, t);
        } else if (sig == SIGHUP) {
            gs_error rerr = {0};
            int rc = ngw_apply(o, t, &rerr);
            if (rc < 0)
                fprintf(stderr, "gatesim gateway: reload: %s\n", rerr.msg);
            ngw_print_ready(o, t, rc < 0 ? rerr.msg : NULL);
        }
        int rc = gs_target_check(t, err);
        if (rc < 0)
            return rc;
    }
}

/* Runs nginx in |o->workdir| until a stop signal. */
static int ngw_run(const gs_nginx_gateway_opts *o, gs_error *err)
{
    /* Blocked before nginx starts; its children get an empty mask back (gs_proc). */
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, &old);
    gs_target_config cfg = {.workdir = o->workdir, .controller_names = o->controller_names};
    gs_target *t = NULL;
    int rc = gs_target_new(&t, "nginx", &cfg, err);
    if (rc == 0)
        rc = ngw_apply(o, t, err);
    if (rc == 0) {
        fprintf(stderr, "gatesim gateway: nginx serves from %s (nginx.conf, nginx.log)\n",
                o->workdir);
        ngw_print_ready(o, t, NULL);
        rc = ngw_serve(o, t, &set, err);
    }
    gs_target_free(t); /* stops nginx, master and workers */
    sigprocmask(SIG_SETMASK, &old, NULL);
    return rc;
}

static int ngw_remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* A private folder for nginx's files when the caller names none. */
static char *ngw_make_workdir(gs_error *err)
{
    const char *tmp = getenv("TMPDIR");
    char *dir = gs_xasprintf("%s/gatesim-gateway-XXXXXX", tmp && tmp[0] == '/' ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL) {
        gs_error_set_errno(err, errno, "creating %s", dir);
        free(dir);
        return NULL;
    }
    return dir;
}

int gs_nginx_gateway_run(const gs_nginx_gateway_opts *given, gs_error *err)
{
    gs_nginx_gateway_opts o = *given;
    char *own_dir = NULL;
    if (o.workdir == NULL) {
        own_dir = ngw_make_workdir(err);
        if (own_dir == NULL)
            return GS_ERR_IO;
        o.workdir = own_dir;
    }
    int rc = ngw_run(&o, err);
    if (own_dir) {
        nftw(own_dir, ngw_remove_one, 16, FTW_DEPTH | FTW_PHYS);
        free(own_dir);
    }
    return rc;
}
