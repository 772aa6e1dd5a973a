/* SPDX-License-Identifier: MIT */
/* Request log: a ring of ids and small bounded counter tables (linear maps: the number of
 * distinct methods, protocols and statuses is tiny; paths are capped and the rest is "(other)"). */
#include "echo_log.h"

#include "echo_handler.h"

#include "gs_alloc.h"
#include "gs_json.h"
#include "gs_time.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_MAX_KEYS 64
#define LOG_MAX_PATHS 1024
#define LOG_MAX_ID 95
#define LOG_MAX_PATH 199

typedef struct log_slot {
    uint64_t seq; /* 0 = empty */
    char id[LOG_MAX_ID + 1];
    char method[16];
    char proto[12];
    char path[LOG_MAX_PATH + 1];
    int status;
    int grpc_status; /* -1 when not gRPC */
} log_slot;

typedef struct log_counter {
    char *key; /* |len| bytes as counted, NUL-terminated */
    size_t len;
    uint64_t n;
} log_counter;

typedef struct log_table {
    log_counter *items;
    size_t n, cap, max;
    size_t last; /* the item bumped last: checked first (traffic repeats its keys) */
    uint64_t other; /* counts that found the table full */
} log_table;

struct gs_echo_log {
    pthread_mutex_t mu;
    log_slot *ring;
    size_t capacity;
    uint64_t next_seq; /* sequence of the next id (starts at 1) */
    uint64_t requests;
    log_table methods, paths, protos, statuses, events;
    struct {
        uint64_t hash; /* of the key, 0 = empty */
        uint64_t tries;
    } *tries; /* GS_ECHO_LOG_TRY_SLOTS, made on first use */
    gs_echo_faults faults;           /* set through the control endpoint (under |mu|) */
    atomic_uint faults_version;      /* 0 until set; read without the lock */
};

int gs_echo_log_new(gs_echo_log **out, size_t capacity)
{
    gs_echo_log *log = gs_xcalloc(1, sizeof(*log));
    pthread_mutex_init(&log->mu, NULL);
    log->capacity = capacity ? capacity : 1;
    log->ring = gs_xcalloc(log->capacity, sizeof(*log->ring));
    log->next_seq = 1;
    log->methods.max = LOG_MAX_KEYS;
    log->paths.max = LOG_MAX_PATHS;
    log->protos.max = LOG_MAX_KEYS;
    log->statuses.max = LOG_MAX_KEYS;
    log->events.max = LOG_MAX_KEYS;
    *out = log;
    return 0;
}

static void table_clear(log_table *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->items[i].key);
    free(t->items);
    t->items = NULL;
    t->n = t->cap = t->last = 0;
    t->other = 0;
}

void gs_echo_log_free(gs_echo_log *log)
{
    if (log == NULL)
        return;
    table_clear(&log->methods);
    table_clear(&log->paths);
    table_clear(&log->protos);
    table_clear(&log->statuses);
    table_clear(&log->events);
    free(log->ring);
    free(log->tries);
    pthread_mutex_destroy(&log->mu);
    free(log);
}

static bool counter_is(const log_counter *c, const char *key, size_t len)
{
    return c->len == len && memcmp(c->key, key, len) == 0;
}

static void table_bump(log_table *t, const char *key, size_t len)
{
    if (t->last < t->n && counter_is(&t->items[t->last], key, len)) {
        t->items[t->last].n++;
        return;
    }
    for (size_t i = 0; i < t->n; i++) {
        if (counter_is(&t->items[i], key, len)) {
            t->items[i].n++;
            t->last = i;
            return;
        }
    }
    if (t->n >= t->max) {
        t->other++;
        return;
    }
    gs_xgrow((void **)&t->items, &t->cap, t->n + 1, sizeof(*t->items));
    char *copy = gs_xmalloc(len + 1);
    memcpy(copy, key, len);
    copy[len] = '\0';
    t->items[t->n].key = copy;
    t->items[t->n].len = len;
    t->items[t->n].n = 1;
    t->last = t->n;
    t->n++;
}

static void copy_trunc(char *dst, size_t size, const char *s, size_t len)
{
    if (s == NULL)
        len = 0;
    if (len > size - 1)
        len = size - 1;
    if (len)
        memcpy(dst, s, len);
    dst[len] = '\0';
}

void gs_echo_log_add(gs_echo_log *log, const gs_echo_log_entry *e)
{
    size_t plen = e->path_len;
    const char *q = e->path != NULL ? memchr(e->path, '?', plen) : NULL;
    if (q != NULL)
        plen = (size_t)(q - e->path);
    char status[24];
    size_t sn = gs_echo_utoa((uint64_t)(e->status < 0 ? 0 : e->status), status);

    pthread_mutex_lock(&log->mu);
    log->requests++;
    table_bump(&log->methods, e->method != NULL ? e->method : "", e->method_len);
    table_bump(&log->paths, e->path != NULL ? e->path : "", plen);
    table_bump(&log->protos, e->grpc ? "grpc" : e->proto, strlen(e->grpc ? "grpc" : e->proto));
    table_bump(&log->statuses, status, sn);
    if (e->request_id != NULL && e->request_id_len > 0) {
        uint64_t seq = log->next_seq++;
        log_slot *s = &log->ring[(seq - 1) % log->capacity];
        s->seq = seq;
        copy_trunc(s->id, sizeof(s->id), e->request_id, e->request_id_len);
        copy_trunc(s->method, sizeof(s->method), e->method, e->method_len);
        copy_trunc(s->proto, sizeof(s->proto), e->proto, strlen(e->proto));
        copy_trunc(s->path, sizeof(s->path), e->path, e->path_len);
        s->status = e->status;
        s->grpc_status = e->grpc ? e->grpc_status : -1;
    }
    pthread_mutex_unlock(&log->mu);
}

void gs_echo_access_log_write(FILE *out, const char *backend, const gs_echo_log_entry *e)
{
    char when[32];
    gs_time_rfc3339(gs_wall_ns(), when);
    char grpc[24] = "";
    if (e->grpc)
        snprintf(grpc, sizeof(grpc), " grpc=%d", e->grpc_status);
    /* One fprintf per line: stderr is unbuffered, and lines of concurrent loops must not mix. */
    fprintf(out, "%s %s \"%.*s %.*s %s\" %d%s id=%.*s\n", when, backend, (int)e->method_len,
            e->method != NULL ? e->method : "", (int)e->path_len, e->path != NULL ? e->path : "",
            e->proto, e->status, grpc, e->request_id_len > 0 ? (int)e->request_id_len : 1,
            e->request_id_len > 0 ? e->request_id : "-");
}

void gs_echo_log_count(gs_echo_log *log, const char *event)
{
    pthread_mutex_lock(&log->mu);
    table_bump(&log->events, event, strlen(event));
    pthread_mutex_unlock(&log->mu);
}

void gs_echo_log_requests_json(gs_echo_log *log, uint64_t since, size_t limit, gs_buf *out)
{
    gs_json j;
    gs_json_init(&j, out, false);
    pthread_mutex_lock(&log->mu);
    uint64_t last = log->next_seq - 1; /* newest sequence handed out */
    uint64_t oldest = last >= log->capacity ? last - log->capacity + 1 : 1;
    uint64_t from = since + 1 > oldest ? since + 1 : oldest;
    uint64_t dropped = from > since + 1 ? from - (since + 1) : 0;
    uint64_t to = last;
    if (limit > 0 && from <= last && last - from + 1 > limit)
        to = from + limit - 1;
    gs_json_object_begin(&j);
    gs_json_key(&j, "requests");
    gs_json_array_begin(&j);
    for (uint64_t seq = from; seq <= to && seq != 0; seq++) {
        const log_slot *s = &log->ring[(seq - 1) % log->capacity];
        if (s->seq != seq)
            continue; /* cleared by a reset */
        gs_json_object_begin(&j);
        gs_json_key(&j, "seq");
        gs_json_uint(&j, s->seq);
        gs_json_key(&j, "id");
        gs_json_string(&j, s->id);
        gs_json_key(&j, "method");
        gs_json_string(&j, s->method);
        gs_json_key(&j, "path");
        gs_json_string(&j, s->path);
        gs_json_key(&j, "proto");
        gs_json_string(&j, s->proto);
        gs_json_key(&j, "status");
        gs_json_int(&j, s->status);
        if (s->grpc_status >= 0) {
            gs_json_key(&j, "grpcStatus");
            gs_json_int(&j, s->grpc_status);
        }
        gs_json_object_end(&j);
    }
    gs_json_array_end(&j);
    gs_json_key(&j, "next");
    gs_json_uint(&j, to >= from ? to : (since > last ? since : last));
    gs_json_key(&j, "dropped");
    gs_json_uint(&j, dropped);
    gs_json_object_end(&j);
    pthread_mutex_unlock(&log->mu);
}

static void table_json(gs_json *j, const char *key, const log_table *t)
{
    gs_json_key(j, key);
    gs_json_object_begin(j);
    for (size_t i = 0; i < t->n; i++) {
        gs_json_key(j, t->items[i].key);
        gs_json_uint(j, t->items[i].n);
    }
    if (t->other) {
        gs_json_key(j, "(other)");
        gs_json_uint(j, t->other);
    }
    gs_json_object_end(j);
}

void gs_echo_log_stats_json(gs_echo_log *log, gs_buf *out)
{
    gs_json j;
    gs_json_init(&j, out, false);
    pthread_mutex_lock(&log->mu);
    gs_json_object_begin(&j);
    gs_json_key(&j, "requests");
    gs_json_uint(&j, log->requests);
    gs_json_key(&j, "ids");
    gs_json_uint(&j, log->next_seq - 1);
    table_json(&j, "methods", &log->methods);
    table_json(&j, "paths", &log->paths);
    table_json(&j, "protocols", &log->protos);
    table_json(&j, "statuses", &log->statuses);
    table_json(&j, "events", &log->events);
    gs_json_object_end(&j);
    pthread_mutex_unlock(&log->mu);
}

void gs_echo_log_reset(gs_echo_log *log)
{
    pthread_mutex_lock(&log->mu);
    for (size_t i = 0; i < log->capacity; i++)
        log->ring[i].seq = 0;
    log->requests = 0;
    table_clear(&log->methods);
    table_clear(&log->paths);
    table_clear(&log->protos);
    table_clear(&log->statuses);
    table_clear(&log->events);
    pthread_mutex_unlock(&log->mu);
}

/* FNV-1a, never 0 (0 marks an empty slot). */
static uint64_t log_key_hash(const char *key, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 0x100000001b3ull;
    }
    return h ? h : 1;
}

uint64_t gs_echo_log_try(gs_echo_log *log, const char *key, size_t len)
{
    uint64_t h = log_key_hash(key, len);
    pthread_mutex_lock(&log->mu);
    if (log->tries == NULL)
        log->tries = gs_xcalloc(GS_ECHO_LOG_TRY_SLOTS, sizeof(*log->tries));
    size_t slot = (size_t)(h % GS_ECHO_LOG_TRY_SLOTS);
    if (log->tries[slot].hash != h) {
        log->tries[slot].hash = h;
        log->tries[slot].tries = 0;
    }
    uint64_t n = ++log->tries[slot].tries;
    pthread_mutex_unlock(&log->mu);
    return n;
}

void gs_echo_log_set_faults(gs_echo_log *l, const gs_echo_faults *f)
{
    pthread_mutex_lock(&l->mu);
    l->faults = *f;
    atomic_fetch_add_explicit(&l->faults_version, 1, memory_order_release);
    pthread_mutex_unlock(&l->mu);
}

bool gs_echo_log_faults_since(gs_echo_log *l, unsigned *version, gs_echo_faults *out)
{
    if (atomic_load_explicit(&l->faults_version, memory_order_acquire) == *version)
        return false;
    pthread_mutex_lock(&l->mu);
    *out = l->faults;
    *version = atomic_load_explicit(&l->faults_version, memory_order_relaxed);
    pthread_mutex_unlock(&l->mu);
    return true;
}
