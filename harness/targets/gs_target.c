/* SPDX-License-Identifier: MIT */
/* The target registry and the calls every target shares (listener bookkeeping, ready-line and
 * stats-line decoding). What a particular implementation does lives in gs_target_<name>.c; the
 * kinds are listed once, in gs_target_kinds.h. */
#include "gs_target.h"

#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_json.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GS_TARGET_KIND(name) extern const gs_target_kind gs_target_kind_##name;
#include "gs_target_kinds.h"
#undef GS_TARGET_KIND

static const gs_target_kind *const target_kinds[] = {
#define GS_TARGET_KIND(name) &gs_target_kind_##name,
#include "gs_target_kinds.h"
#undef GS_TARGET_KIND
};

#define TARGET_N_KINDS (sizeof(target_kinds) / sizeof(target_kinds[0]))

size_t gs_target_kind_count(void)
{
    return TARGET_N_KINDS;
}

const gs_target_kind *gs_target_kind_at(size_t i)
{
    return i < TARGET_N_KINDS ? target_kinds[i] : NULL;
}

static char target_usage[256];
static pthread_once_t target_usage_once = PTHREAD_ONCE_INIT;

static void target_usage_build(void)
{
    gs_buf b = {0};
    for (size_t i = 0; i < TARGET_N_KINDS; i++)
        gs_buf_printf(&b, "%s%s", i ? ", " : "", target_kinds[i]->usage);
    snprintf(target_usage, sizeof(target_usage), "%s", b.data ? b.data : "");
    gs_buf_clear(&b);
}

const char *gs_target_kinds_usage(void)
{
    pthread_once(&target_usage_once, target_usage_build);
    return target_usage;
}

const gs_target_kind *gs_target_kind_find(const char *spec, gs_error *err)
{
    const char *colon = strchr(spec, ':');
    size_t name_len = colon ? (size_t)(colon - spec) : strlen(spec);
    for (size_t i = 0; i < TARGET_N_KINDS; i++) {
        const gs_target_kind *k = target_kinds[i];
        if (strlen(k->name) != name_len || strncmp(k->name, spec, name_len) != 0)
            continue;
        bool has_arg = colon != NULL && colon[1] != '\0';
        if ((k->caps & GS_TARGET_CAP_NEEDS_ARG) && !has_arg) {
            gs_error_set(err, GS_ERR_USAGE, "the %s target needs an argument: --target %s", k->name,
                         k->usage);
            return NULL;
        }
        if (!(k->caps & GS_TARGET_CAP_NEEDS_ARG) && colon != NULL) {
            gs_error_set(err, GS_ERR_USAGE, "the %s target takes no argument: --target %s",
                         k->name, k->usage);
            return NULL;
        }
        return k;
    }
    gs_error_set(err, GS_ERR_USAGE, "unknown target \"%s\" (available: %s)", spec,
                 gs_target_kinds_usage());
    return NULL;
}

bool gs_target_has(const gs_target *t, unsigned caps)
{
    return (t->kind->caps & caps) == caps;
}

int gs_target_new(gs_target **out, const char *spec, const gs_target_config *cfg, gs_error *err)
{
    *out = NULL;
    const gs_target_kind *kind = gs_target_kind_find(spec, err);
    if (kind == NULL)
        return GS_ERR_USAGE;
    const char *colon = strchr(spec, ':');
    const gs_target_ops *ops = kind->ops;
    gs_target *t = gs_xcalloc(1, sizeof(*t));
    t->kind = kind;
    t->arg = colon ? gs_xstrdup(colon + 1) : NULL;
    t->cfg = *cfg;
    if (t->cfg.start_timeout_ns <= 0)
        t->cfg.start_timeout_ns = 20 * (int64_t)1000000000;
    int rc = ops->open(t, err);
    if (rc < 0) {
        free(t->arg);
        free(t);
        return rc;
    }
    *out = t;
    return 0;
}

int gs_target_apply(gs_target *t, const gs_target_objects *objs, gs_error *err)
{
    return t->kind->ops->apply(t, objs, err);
}

int gs_target_status(gs_target *t, gs_json_value **out, gs_error *err)
{
    return t->kind->ops->status(t, out, err);
}

int gs_target_features(gs_target *t, char ***names, size_t *n, gs_error *err)
{
    *names = NULL;
    *n = 0;
    if (t->kind->ops->features == NULL)
        return gs_error_set(err, GS_ERR_NOT_FOUND, "the %s target does not list its features",
                            t->kind->name);
    gs_json_value *v = NULL;
    int rc = t->kind->ops->features(t, &v, err);
    if (rc < 0)
        return rc;
    if (v->type != GS_JSON_ARRAY) {
        gs_json_value_free(v);
        return gs_error_set(err, GS_ERR_PROTOCOL,
                            "features: expected a JSON array of feature names, got %s",
                            gs_json_type_name(v->type));
    }
    char **out = gs_xcalloc(v->len + 1, sizeof(*out));
    for (size_t i = 0; i < v->len; i++) {
        if (v->items[i]->type != GS_JSON_STRING) {
            rc = gs_error_set(err, GS_ERR_PROTOCOL,
                              "features: element %zu is %s, not a feature name", i,
                              gs_json_type_name(v->items[i]->type));
            break;
        }
        out[(*n)++] = gs_xstrdup(v->items[i]->str);
    }
    gs_json_value_free(v);
    if (rc < 0) {
        for (size_t i = 0; i < *n; i++)
            free(out[i]);
        free(out);
        *n = 0;
        return rc;
    }
    *names = out;
    return 0;
}

int gs_target_check(gs_target *t, gs_error *err)
{
    return t->kind->ops->check(t, err);
}

int gs_target_stats_read(gs_target *t, gs_target_stats *out, gs_error *err)
{
    gs_target_stats_clear(out);
    if (!gs_target_has(t, GS_TARGET_CAP_REPORTS_COUNTERS) || t->kind->ops->stats == NULL)
        return gs_error_set(err, GS_ERR_NOT_FOUND, "the %s target does not report counters",
                            t->kind->name);
    return t->kind->ops->stats(t, out, err);
}

int gs_target_usage(gs_target *t, gs_proc_usage *out, gs_error *err)
{
    memset(out, 0, sizeof(*out));
    pid_t pid = t->kind->ops->pid != NULL ? t->kind->ops->pid(t) : 0;
    if (pid <= 0)
        return gs_error_set(err, GS_ERR_NOT_FOUND, "the %s target has no process to measure",
                            t->kind->name);
    if (gs_proc_group_usage(pid, out) != 0)
        return gs_error_set(err, GS_ERR_NOT_FOUND, "the %s target's processes are gone",
                            t->kind->name);
    return 0;
}

bool gs_target_stats_get(const gs_target_stats *s, const char *name, uint64_t *out)
{
    for (size_t i = 0; i < s->len; i++)
        if (strcmp(s->items[i].name, name) == 0) {
            *out = s->items[i].value;
            return true;
        }
    return false;
}

void gs_target_stats_clear(gs_target_stats *s)
{
    for (size_t i = 0; i < s->len; i++)
        free(s->items[i].name);
    free(s->items);
    s->items = NULL;
    s->len = 0;
}

int gs_target_stats_from_json(gs_target_stats *out, const gs_json_value *line, gs_error *err)
{
    gs_target_stats_clear(out);
    const gs_json_value *st = line ? gs_json_get(line, "stats") : NULL;
    if (st == NULL || st->type != GS_JSON_OBJECT)
        return gs_error_set(err, GS_ERR_PROTOCOL, "stats line without a \"stats\" object");
    out->items = gs_xcalloc(st->len ? st->len : 1, sizeof(*out->items));
    for (size_t i = 0; i < st->len; i++) {
        const gs_json_value *v = st->items[i];
        /* 2^53: beyond it a JSON number no longer holds every integer. */
        if (v->type != GS_JSON_NUMBER || !(v->number >= 0) || v->number > 9007199254740992.0 ||
            v->number != (double)(uint64_t)v->number)
            continue;
        out->items[out->len].name = gs_xstrdup(st->keys[i]);
        out->items[out->len].value = (uint64_t)v->number;
        out->len++;
    }
    return 0;
}

static void target_clear_listeners(gs_target *t)
{
    for (size_t i = 0; i < t->n_listeners; i++) {
        free(t->listeners[i].gateway);
        free(t->listeners[i].listener);
        free(t->listeners[i].address);
    }
    free(t->listeners);
    t->listeners = NULL;
    t->n_listeners = 0;
}

int gs_target_set_listeners_json(gs_target *t, const gs_json_value *ready, gs_error *err)
{
    const gs_json_value *ls = gs_json_get(ready, "listeners");
    if (ls == NULL || ls->type != GS_JSON_ARRAY)
        return gs_error_set(err, GS_ERR_PROTOCOL, "ready line without a \"listeners\" array");
    gs_target_listener *out = gs_xcalloc(ls->len ? ls->len : 1, sizeof(*out));
    for (size_t i = 0; i < ls->len; i++) {
        const gs_json_value *l = ls->items[i];
        const char *gw = gs_json_get_string(l, "gateway", NULL);
        const char *name = gs_json_get_string(l, "listener", NULL);
        const char *addr = gs_json_get_string(l, "address", NULL);
        double port = gs_json_get_number(l, "port", -1);
        if (gw == NULL || name == NULL || addr == NULL || port < 0 || port > 65535) {
            for (size_t j = 0; j < i; j++) {
                free(out[j].gateway);
                free(out[j].listener);
                free(out[j].address);
            }
            free(out);
            return gs_error_set(err, GS_ERR_PROTOCOL,
                                "ready line: listener %zu needs gateway, listener, port and "
                                "address",
                                i);
        }
        out[i].gateway = gs_xstrdup(gw);
        out[i].listener = gs_xstrdup(name);
        out[i].address = gs_xstrdup(addr);
        out[i].port = (unsigned)port;
    }
    target_clear_listeners(t);
    t->listeners = out;
    t->n_listeners = ls->len;
    return 0;
}

const gs_target_listener *gs_target_find_listener(const gs_target *t, const char *gateway,
                                                  const char *listener)
{
    for (size_t i = 0; i < t->n_listeners; i++)
        if (strcmp(t->listeners[i].gateway, gateway) == 0 &&
            strcmp(t->listeners[i].listener, listener) == 0)
            return &t->listeners[i];
    return NULL;
}

void gs_target_free(gs_target *t)
{
    if (t == NULL)
        return;
    t->kind->ops->close(t);
    target_clear_listeners(t);
    free(t->arg);
    free(t);
}

int gs_target_features_json(const char *const *names, size_t n, gs_json_value **out,
                            gs_error *err)
{
    gs_buf text = {0};
    gs_json j;
    gs_json_init(&j, &text, false);
    gs_json_array_begin(&j);
    for (size_t i = 0; i < n; i++)
        gs_json_string(&j, names[i]);
    gs_json_array_end(&j);
    int rc = gs_json_parse(text.data, text.len, NULL, out, err);
    gs_buf_clear(&text);
    return rc;
}
