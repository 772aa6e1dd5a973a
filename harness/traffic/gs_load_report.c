/* SPDX-License-Identifier: MIT */
/* The output of `gatesim load` and `gatesim merge`: text summary, JSON document, thresholds,
 * and reading a document back into a result. */
#include "gs_load_report.h"

#include "gs_json.h"
#include "gs_json_parse.h"
#include "gs_log.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void gs_load_settings_from_config(gs_load_settings *s, const gs_traffic_config *cfg,
                                  const char *url)
{
    memset(s, 0, sizeof(*s));
    snprintf(s->url, sizeof(s->url), "%s", url);
    snprintf(s->address, sizeof(s->address), "%s", cfg->address ? cfg->address : "");
    snprintf(s->protocol, sizeof(s->protocol), "%s", gs_traffic_protocol_name(cfg->protocol));
    snprintf(s->method, sizeof(s->method), "%s",
             cfg->method ? cfg->method : cfg->protocol == GS_TRAFFIC_GRPC ? "POST" : "GET");
    s->connections = cfg->connections;
    s->streams = cfg->streams;
    s->threads = cfg->threads;
    s->rate = cfg->rate;
    s->requests = cfg->requests;
    s->duration_s = cfg->requests ? 0 : (double)cfg->duration_ns / 1e9;
    s->warmup_s = (double)cfg->warmup_ns / 1e9;
    s->timeout_s = (double)cfg->request_timeout_ns / 1e9;
    s->new_connection_per_request = cfg->new_connection_per_request;
}

/* ---- thresholds and percentiles ----------------------------------------------------------- */

void gs_load_report_init(gs_load_report *rep, const char *version, const char *command)
{
    static const double defaults[] = {50, 90, 99, 99.9, 99.99};
    memset(rep, 0, sizeof(*rep));
    rep->version = version;
    rep->command = command;
    memcpy(rep->pcts, defaults, sizeof(defaults));
    rep->npcts = sizeof(defaults) / sizeof(defaults[0]);
    rep->rate_reached = true;
}

bool gs_load_report_set_percentiles(gs_load_report *rep, const char *list)
{
    size_t n = 0;
    double pcts[GS_LOAD_MAX_PERCENTILES];
    const char *p = list;
    while (*p) {
        char *end;
        errno = 0;
        double v = strtod(p, &end);
        if (end == p || errno != 0 || !(v > 0) || v > 100 || (*end != ',' && *end != '\0') ||
            n == GS_LOAD_MAX_PERCENTILES)
            return false;
        pcts[n++] = v;
        p = *end == ',' ? end + 1 : end;
        if (*end == ',' && *p == '\0')
            return false;
    }
    if (n == 0)
        return false;
    memcpy(rep->pcts, pcts, n * sizeof(pcts[0]));
    rep->npcts = n;
    return true;
}

int gs_load_report_add_threshold(gs_load_report *rep, const char *expr, gs_error *err)
{
    if (rep->nthresholds == GS_LOAD_MAX_THRESHOLDS)
        return gs_error_set(err, GS_ERR_INVALID, "more than %d thresholds",
                            GS_LOAD_MAX_THRESHOLDS);
    int rc = gs_threshold_parse(expr, &rep->thresholds[rep->nthresholds], err);
    if (rc == 0)
        rep->nthresholds++;
    return rc;
}

size_t gs_load_report_check(gs_load_report *rep, const gs_traffic_result *r)
{
    /* more than 1% of the schedule never started: the rate was not reached */
    rep->rate_reached = r->missed * 100 <= r->scheduled;
    size_t failed = 0;
    for (size_t k = 0; k < rep->nthresholds; k++) {
        rep->passed[k] = gs_threshold_check(&rep->thresholds[k], r, &rep->observed[k]);
        failed += !rep->passed[k];
    }
    return failed;
}

/* ---- text --------------------------------------------------------------------------------- */

static void report_fmt_ms(char *out, size_t n, int64_t ns)
{
    double ms = (double)ns / 1e6;
    if (ms < 1)
        snprintf(out, n, "%.3fms", ms);
    else if (ms < 100)
        snprintf(out, n, "%.2fms", ms);
    else
        snprintf(out, n, "%.0fms", ms);
}

static void report_print_counts(const char *label, const gs_traffic_counts *c)
{
    printf("  %-12s", label);
    if (c->len == 0)
        printf(" -");
    for (size_t k = 0; k < c->len; k++)
        printf("%s %s: %llu", k ? "," : "", c->items[k].name,
               (unsigned long long)c->items[k].count);
    printf("\n");
}

static void report_print_thresholds(const gs_load_report *rep, bool colour)
{
    for (size_t k = 0; k < rep->nthresholds; k++) {
        char obs[48];
        gs_threshold_format(&rep->thresholds[k], rep->observed[k], obs, sizeof(obs));
        printf("  %-12s %s%s%s %s (observed %s)\n", k == 0 ? "thresholds" : "",
               rep->passed[k] ? gs_term_green(colour) : gs_term_red(colour),
               rep->passed[k] ? "pass" : "FAIL", gs_term_reset(colour), rep->thresholds[k].expr,
               obs);
    }
}

static void report_print_errors(const gs_traffic_result *r, bool colour)
{
    printf("  %-12s", "errors");
    if (r->requests == r->responses)
        printf(" none");
    for (int e = 1; e < GS_TRAFFIC_ERR_COUNT; e++) {
        if (r->errors[e])
            printf(" %s%s: %llu%s", gs_term_red(colour), gs_traffic_error_name((gs_traffic_error)e),
                   (unsigned long long)r->errors[e], gs_term_reset(colour));
    }
    printf("\n");
    for (int e = 1; e < GS_TRAFFIC_ERR_COUNT; e++) {
        const gs_traffic_counts *c = &r->error_texts[e];
        for (size_t k = 0; k < c->len; k++)
            printf("  %-12s %s: %s: %llu\n", "", gs_traffic_error_name((gs_traffic_error)e),
                   c->items[k].name, (unsigned long long)c->items[k].count);
    }
}

static void report_print_latency(const gs_load_report *rep, const gs_traffic_result *r)
{
    const gs_histogram *hists[2] = {r->latency, r->service};
    const char *labels[2] = {"latency", "uncorrected"};
    for (int h = 0; h < (rep->settings.rate > 0 ? 2 : 1) && r->responses > 0; h++) {
        printf("  %-12s", labels[h]);
        char buf[32];
        for (size_t k = 0; k < rep->npcts; k++) {
            report_fmt_ms(buf, sizeof(buf), gs_histogram_percentile(hists[h], rep->pcts[k]));
            printf(" p%g %s ", rep->pcts[k], buf);
        }
        report_fmt_ms(buf, sizeof(buf), gs_histogram_max(hists[h]));
        printf(" max %s\n", buf);
    }
}

void gs_load_report_print_text(const gs_load_report *rep, const gs_traffic_result *r)
{
    const gs_load_settings *s = &rep->settings;
    bool colour = gs_term_colour(STDOUT_FILENO);
    printf("%sgatesim %s %s%s", gs_term_bold(colour), rep->command, s->url, gs_term_reset(colour));
    if (s->merged > 1)
        printf("  (%u results merged)", s->merged);
    printf("  (%s, %llu connection%s x %llu stream%s, %s)\n", s->protocol,
           (unsigned long long)s->connections, s->connections == 1 ? "" : "s",
           (unsigned long long)s->streams, s->streams == 1 ? "" : "s",
           s->rate > 0 ? "open loop" : "closed loop");
    printf("  %-12s %llu in %.2fs = %.1f req/s", "requests", (unsigned long long)r->requests,
           r->duration_s, r->rps);
    if (r->target_rps > 0)
        printf(" (target %.1f req/s)", r->target_rps);
    if (r->interrupted)
        printf(" %s(interrupted)%s", gs_term_red(colour), gs_term_reset(colour));
    printf("\n");
    if (r->target_rps > 0 && r->missed > 0)
        printf("  %-12s %s%llu of %llu scheduled requests not started in time%s\n", "missed",
               rep->rate_reached ? "" : gs_term_red(colour), (unsigned long long)r->missed,
               (unsigned long long)r->scheduled, gs_term_reset(colour));
    report_print_latency(rep, r);
    if (r->statuses.len > 0 || r->responses == 0)
        report_print_counts("statuses", &r->statuses); /* none on layer 4 */
    if (r->grpc_statuses.len)
        report_print_counts("grpc-status", &r->grpc_statuses);
    report_print_counts("backends", &r->backends);
    if (r->certificates.len)
        report_print_counts("certificates", &r->certificates);
    report_print_errors(r, colour);
    if (r->abandoned)
        printf("  %-12s %llu requests in flight when interrupted\n", "abandoned",
               (unsigned long long)r->abandoned);
    report_print_thresholds(rep, colour);
}

/* ---- JSON --------------------------------------------------------------------------------- */

/* ISO 8601 UTC with milliseconds: "2026-12-06T23:40:01.123Z". */
static void report_fmt_time(char *out, size_t n, double unix_s)
{
    time_t secs = (time_t)unix_s;
    struct tm tm;
    gmtime_r(&secs, &tm);
    char date[32];
    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
    int ms = (int)((unix_s - (double)secs) * 1000);
    snprintf(out, n, "%s.%03dZ", date, ms < 0 ? 0 : ms > 999 ? 999 : ms);
}

static void report_key_uint_or_null(gs_json *j, const char *key, uint64_t v, bool present)
{
    gs_json_key(j, key);
    if (present)
        gs_json_uint(j, v);
    else
        gs_json_null(j);
}

static void report_write_settings(gs_json *j, const gs_load_settings *s)
{
    gs_json_key(j, "settings");
    gs_json_object_begin(j);
    gs_json_key(j, "url");
    gs_json_string(j, s->url);
    gs_json_key(j, "address");
    gs_json_string(j, s->address);
    gs_json_key(j, "protocol");
    gs_json_string(j, s->protocol);
    gs_json_key(j, "method");
    gs_json_string(j, s->method);
    gs_json_key(j, "connections");
    gs_json_uint(j, s->connections);
    gs_json_key(j, "streams");
    gs_json_uint(j, s->streams);
    gs_json_key(j, "threads");
    gs_json_uint(j, s->threads);
    gs_json_key(j, "loop");
    gs_json_string(j, s->rate > 0 ? "open" : "closed");
    gs_json_key(j, "rate");
    if (s->rate > 0)
        gs_json_double(j, s->rate);
    else
        gs_json_null(j);
    report_key_uint_or_null(j, "requests", s->requests, s->requests > 0);
    gs_json_key(j, "durationSeconds");
    if (s->requests == 0)
        gs_json_double(j, s->duration_s);
    else
        gs_json_null(j);
    gs_json_key(j, "warmupSeconds");
    gs_json_double(j, s->warmup_s);
    gs_json_key(j, "timeoutSeconds");
    gs_json_double(j, s->timeout_s);
    gs_json_key(j, "newConnectionPerRequest");
    gs_json_bool(j, s->new_connection_per_request);
    if (s->shard > 0) {
        gs_json_key(j, "shard");
        gs_json_uint(j, s->shard);
    }
    if (s->shards > 0) {
        gs_json_key(j, "shards");
        gs_json_uint(j, s->shards);
    }
    if (s->merged > 0) {
        gs_json_key(j, "merged");
        gs_json_uint(j, s->merged);
    }
    gs_json_object_end(j);
}

static bool report_is_latency(const gs_threshold *t)
{
    return t->metric == GS_THRESHOLD_PERCENTILE || t->metric == GS_THRESHOLD_MEAN ||
           t->metric == GS_THRESHOLD_MAX;
}

static void report_write_thresholds(gs_json *j, const gs_load_report *rep)
{
    gs_json_key(j, "thresholds");
    gs_json_array_begin(j);
    for (size_t k = 0; k < rep->nthresholds; k++) {
        const gs_threshold *t = &rep->thresholds[k];
        bool latency = report_is_latency(t);
        gs_json_object_begin(j);
        gs_json_key(j, "threshold");
        gs_json_string(j, t->expr);
        gs_json_key(j, "pass");
        gs_json_bool(j, rep->passed[k]);
        /* latencies in ms like every latency of the output; shares as fractions */
        gs_json_key(j, latency ? "observedMs" : "observed");
        gs_json_double(j, latency ? rep->observed[k] / 1e6 : rep->observed[k]);
        gs_json_key(j, latency ? "limitMs" : "limit");
        gs_json_double(j, latency ? t->limit / 1e6 : t->limit);
        gs_json_object_end(j);
    }
    gs_json_array_end(j);
}

void gs_load_report_write_json(const gs_load_report *rep, const gs_traffic_result *r, gs_buf *out)
{
    gs_json j;
    gs_json_init(&j, out, false);
    gs_json_object_begin(&j);
    gs_json_key(&j, "version");
    gs_json_string(&j, rep->version);
    char when[48];
    report_fmt_time(when, sizeof(when), r->start_unix_s);
    gs_json_key(&j, "startTime");
    gs_json_string(&j, when);
    gs_json_key(&j, "startUnixSeconds");
    gs_json_double(&j, r->start_unix_s);
    report_write_settings(&j, &rep->settings);
    if (rep->settings.rate > 0) {
        gs_json_key(&j, "rateReached");
        gs_json_bool(&j, rep->rate_reached);
    }
    gs_traffic_json_opts o = {
        .percentiles = rep->pcts, .num_percentiles = rep->npcts, .histograms = true};
    gs_traffic_result_write_fields(r, &o, &j);
    if (rep->interval_responses != NULL) {
        gs_json_key(&j, "intervals");
        gs_json_object_begin(&j);
        gs_json_key(&j, "seconds");
        gs_json_uint(&j, 1);
        gs_json_key(&j, "responses");
        gs_json_array_begin(&j);
        for (size_t k = 0; k < rep->num_intervals; k++)
            gs_json_uint(&j, rep->interval_responses[k]);
        gs_json_array_end(&j);
        gs_json_object_end(&j);
    }
    report_write_thresholds(&j, rep);
    gs_json_object_end(&j);
}

/* ---- reading a document back -------------------------------------------------------------- */

/* Reading state: the document's name for messages and the first problem found. */
typedef struct report_reader {
    const char *name;
    gs_error *err;
    int rc;
} report_reader;

static void reader_fail(report_reader *rd, const char *field, const char *problem)
{
    if (rd->rc == 0)
        rd->rc = gs_error_set(rd->err, GS_ERR_INVALID, "%s: %s %s", rd->name, field, problem);
}

/* A non-negative integer member (counts are exact in a double up to 2^53). */
static uint64_t reader_count(report_reader *rd, const gs_json_value *obj, const char *key,
                             const char *path)
{
    const gs_json_value *v = gs_json_get(obj, key);
    if (v == NULL || v->type != GS_JSON_NUMBER || v->number < 0 || v->number > 9007199254740992.0 ||
        v->number != floor(v->number)) {
        reader_fail(rd, path, v == NULL ? "is missing" : "is not a count");
        return 0;
    }
    return (uint64_t)v->number;
}

static double reader_number(report_reader *rd, const gs_json_value *obj, const char *key,
                            const char *path)
{
    const gs_json_value *v = gs_json_get(obj, key);
    if (v == NULL || v->type != GS_JSON_NUMBER) {
        reader_fail(rd, path, v == NULL ? "is missing" : "is not a number");
        return 0;
    }
    return v->number;
}

static void reader_counts(report_reader *rd, const gs_json_value *obj, const char *key,
                          gs_traffic_counts *out)
{
    const gs_json_value *c = gs_json_get(obj, key);
    if (c == NULL)
        return; /* optional maps (grpcStatuses) */
    if (c->type != GS_JSON_OBJECT) {
        reader_fail(rd, key, "is not an object");
        return;
    }
    for (size_t k = 0; k < c->len; k++) {
        const gs_json_value *v = c->items[k];
        if (v->type != GS_JSON_NUMBER || v->number < 0 || v->number != floor(v->number)) {
            reader_fail(rd, key, "has a value that is not a count");
            return;
        }
        gs_traffic_counts_add(out, c->keys[k], strlen(c->keys[k]), (uint64_t)v->number);
    }
}

static void reader_histogram(report_reader *rd, const gs_json_value *doc, const char *key,
                             gs_histogram *h)
{
    const gs_json_value *o = gs_json_get(doc, key);
    if (o == NULL || o->type != GS_JSON_OBJECT) {
        reader_fail(rd, key, o == NULL ? "is missing (not a gatesim load result?)"
                                       : "is not an object");
        return;
    }
    const char *layout = gs_json_get_string(o, "layout", "");
    if (strcmp(layout, GS_TRAFFIC_HISTOGRAM_LAYOUT) != 0) {
        reader_fail(rd, key, "has another bucket layout (" GS_TRAFFIC_HISTOGRAM_LAYOUT
                             " wanted): its buckets cannot be added");
        return;
    }
    const gs_json_value *buckets = gs_json_get(o, "buckets");
    if (buckets == NULL || buckets->type != GS_JSON_ARRAY) {
        reader_fail(rd, key, "has no buckets array");
        return;
    }
    uint64_t total = 0;
    for (size_t k = 0; k < buckets->len; k++) {
        const gs_json_value *b = buckets->items[k];
        if (b->type != GS_JSON_ARRAY || b->len != 2 || b->items[0]->type != GS_JSON_NUMBER ||
            b->items[1]->type != GS_JSON_NUMBER || b->items[0]->number < 0 ||
            b->items[1]->number < 0 || b->items[0]->number > (double)GS_HISTOGRAM_MAX_VALUE) {
            reader_fail(rd, key, "has a bucket that is not [value, count]");
            return;
        }
        size_t i = gs_histogram_bucket_of((int64_t)b->items[0]->number);
        if ((double)gs_histogram_bucket_lowest(i) != b->items[0]->number) {
            reader_fail(rd, key, "has a bucket value that is no bucket's lowest value");
            return;
        }
        gs_histogram_add_bucket(h, i, (uint64_t)b->items[1]->number);
        total += (uint64_t)b->items[1]->number;
    }
    if (total != reader_count(rd, o, "count", key)) {
        reader_fail(rd, key, "has buckets that do not add up to its count");
        return;
    }
    gs_histogram_add_stats(h, (int64_t)reader_number(rd, o, "min", key),
                           (int64_t)reader_number(rd, o, "max", key),
                           reader_number(rd, o, "sum", key));
}

static void reader_settings(report_reader *rd, const gs_json_value *doc, gs_load_settings *s)
{
    memset(s, 0, sizeof(*s));
    const gs_json_value *o = gs_json_get(doc, "settings");
    if (o == NULL || o->type != GS_JSON_OBJECT) {
        reader_fail(rd, "settings", "is missing");
        return;
    }
    snprintf(s->url, sizeof(s->url), "%s", gs_json_get_string(o, "url", ""));
    snprintf(s->address, sizeof(s->address), "%s", gs_json_get_string(o, "address", ""));
    snprintf(s->protocol, sizeof(s->protocol), "%s", gs_json_get_string(o, "protocol", ""));
    snprintf(s->method, sizeof(s->method), "%s", gs_json_get_string(o, "method", ""));
    s->connections = reader_count(rd, o, "connections", "settings.connections");
    s->streams = reader_count(rd, o, "streams", "settings.streams");
    s->threads = reader_count(rd, o, "threads", "settings.threads");
    s->rate = gs_json_get_number(o, "rate", 0);
    s->requests = (uint64_t)gs_json_get_number(o, "requests", 0);
    s->duration_s = gs_json_get_number(o, "durationSeconds", 0);
    s->warmup_s = gs_json_get_number(o, "warmupSeconds", 0);
    s->timeout_s = gs_json_get_number(o, "timeoutSeconds", 0);
    s->new_connection_per_request = gs_json_get_bool(o, "newConnectionPerRequest", false);
    s->shard = (unsigned)gs_json_get_number(o, "shard", 0);
    s->shards = (unsigned)gs_json_get_number(o, "shards", 0);
    s->merged = (unsigned)gs_json_get_number(o, "merged", 0);
}

int gs_load_result_read(const char *text, size_t n, const char *name, gs_traffic_result **out,
                        gs_load_settings *settings, gs_error *err)
{
    gs_json_value *doc = NULL;
    gs_error sub;
    gs_json_limits limits = {.max_bytes = 64u << 20, .max_values = 4000000};
    if (gs_json_parse(text, n, &limits, &doc, &sub) != 0)
        return gs_error_set(err, GS_ERR_PARSE, "%s: %s", name, sub.msg);
    report_reader rd = {.name = name, .err = err};
    gs_traffic_result *r = gs_traffic_result_new();
    if (doc->type != GS_JSON_OBJECT)
        reader_fail(&rd, "the document", "is not a JSON object");
    reader_settings(&rd, doc, settings);
    r->requests = reader_count(&rd, doc, "requests", "requests");
    r->responses = reader_count(&rd, doc, "responses", "responses");
    r->duration_s = reader_number(&rd, doc, "durationSeconds", "durationSeconds");
    r->rps = reader_number(&rd, doc, "rps", "rps");
    r->target_rps = gs_json_get_number(doc, "targetRps", 0);
    r->scheduled = (uint64_t)gs_json_get_number(doc, "scheduled", 0);
    r->missed = (uint64_t)gs_json_get_number(doc, "missed", 0);
    r->interrupted = gs_json_get_bool(doc, "interrupted", false);
    r->start_unix_s = gs_json_get_number(doc, "startUnixSeconds", 0);
    r->warmup_requests = reader_count(&rd, doc, "warmupRequests", "warmupRequests");
    r->abandoned = reader_count(&rd, doc, "abandoned", "abandoned");
    r->connections_opened = reader_count(&rd, doc, "connections", "connections");
    r->bytes_received = reader_count(&rd, doc, "bytesReceived", "bytesReceived");
    r->cpu_user_s = gs_json_get_number(doc, "cpuSeconds", 0);
    reader_counts(&rd, doc, "statuses", &r->statuses);
    reader_counts(&rd, doc, "grpcStatuses", &r->grpc_statuses);
    reader_counts(&rd, doc, "backends", &r->backends);
    reader_counts(&rd, doc, "replicas", &r->replicas);
    reader_counts(&rd, doc, "certificates", &r->certificates);
    const gs_json_value *errors = gs_json_get(doc, "errors");
    const gs_json_value *texts = gs_json_get(doc, "errorTexts");
    for (int e = 1; e < GS_TRAFFIC_ERR_COUNT; e++) {
        const char *cls = gs_traffic_error_name((gs_traffic_error)e);
        char path[32];
        snprintf(path, sizeof(path), "errors.%s", cls);
        r->errors[e] = reader_count(&rd, errors, cls, path);
        if (texts != NULL)
            reader_counts(&rd, texts, cls, &r->error_texts[e]);
    }
    reader_histogram(&rd, doc, "latencyHistogram", r->latency);
    reader_histogram(&rd, doc, "serviceHistogram", r->service);
    if (rd.rc == 0 && gs_histogram_count(r->latency) != r->responses)
        reader_fail(&rd, "latencyHistogram.count", "differs from responses");
    gs_json_value_free(doc);
    if (rd.rc != 0) {
        gs_traffic_result_free(r);
        return rd.rc;
    }
    *out = r;
    return 0;
}

void gs_load_result_merge_parallel(gs_traffic_result *dst, gs_load_settings *dst_settings,
                                   const gs_traffic_result *src,
                                   const gs_load_settings *src_settings)
{
    double window = dst->duration_s > src->duration_s ? dst->duration_s : src->duration_s;
    double rps = dst->rps + src->rps, target = dst->target_rps + src->target_rps;
    gs_traffic_result_merge(dst, src); /* counts, histograms, CPU; sums the durations */
    dst->duration_s = window;
    dst->rps = rps;
    dst->target_rps = target;
    gs_load_settings *d = dst_settings;
    if (d->merged == 0) {
        *d = *src_settings;
        d->merged = 1;
        d->shard = 0; /* the merged result is all shards */
        return;
    }
    d->connections += src_settings->connections;
    d->threads += src_settings->threads;
    d->rate += src_settings->rate;
    d->requests += src_settings->requests;
    if (src_settings->duration_s > d->duration_s)
        d->duration_s = src_settings->duration_s;
    d->merged++;
}
