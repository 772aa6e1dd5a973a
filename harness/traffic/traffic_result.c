/* SPDX-License-Identifier: MIT */
/* The traffic engine's vocabulary and outputs: protocol and error-class names, bounded counts
 * by name, the JSON form of a result (docs/cli.md, shared by `gatesim load` and the runner's
 * results.json), and the URL syntax `gatesim load` accepts. No I/O. */
#include "traffic_internal.h"

#include "gs_addr.h"
#include "gs_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const traffic_error_names[GS_TRAFFIC_ERR_COUNT] = {
    "ok", "connect", "tls", "timeout", "protocol", "reset",
};

const char *gs_traffic_error_name(gs_traffic_error e)
{
    return (unsigned)e < GS_TRAFFIC_ERR_COUNT ? traffic_error_names[e] : "unknown";
}

static const char *const traffic_protocol_names[] = {"http1", "h2c", "http2", "grpc",
                                                     "tcp",   "udp", "tls", "websocket"};
#define TRAFFIC_NUM_PROTOCOLS (sizeof(traffic_protocol_names) / sizeof(traffic_protocol_names[0]))

bool gs_traffic_protocol_is_l4(gs_traffic_protocol p)
{
    return p == GS_TRAFFIC_TCP || p == GS_TRAFFIC_UDP || p == GS_TRAFFIC_TLS;
}

const char *gs_traffic_protocol_name(gs_traffic_protocol p)
{
    return (unsigned)p < TRAFFIC_NUM_PROTOCOLS ? traffic_protocol_names[p] : "unknown";
}

int gs_traffic_protocol_parse(const char *s, gs_traffic_protocol *out)
{
    for (unsigned k = 0; k < TRAFFIC_NUM_PROTOCOLS; k++) {
        if (strcmp(s, traffic_protocol_names[k]) == 0) {
            *out = (gs_traffic_protocol)k;
            return 0;
        }
    }
    return GS_ERR_INVALID;
}

/* ---- counts ---------------------------------------------------------------------------- */

void gs_traffic_counts_add(gs_traffic_counts *c, const char *name, size_t len, uint64_t n)
{
    for (size_t i = 0; i < c->len; i++) {
        if (strlen(c->items[i].name) == len && memcmp(c->items[i].name, name, len) == 0) {
            c->items[i].count += n;
            return;
        }
    }
    if (c->len >= GS_TRAFFIC_MAX_KEYS) {
        name = "other";
        len = 5;
        for (size_t i = 0; i < c->len; i++) {
            if (strcmp(c->items[i].name, "other") == 0) {
                c->items[i].count += n;
                return;
            }
        }
    }
    gs_xgrow((void **)&c->items, &c->cap, c->len + 1, sizeof(*c->items));
    c->items[c->len].name = gs_xstrndup(name, len);
    c->items[c->len].count = n;
    c->len++;
}

void gs_traffic_counts_merge(gs_traffic_counts *dst, const gs_traffic_counts *src)
{
    for (size_t i = 0; i < src->len; i++)
        gs_traffic_counts_add(dst, src->items[i].name, strlen(src->items[i].name),
                              src->items[i].count);
}

void gs_traffic_counts_clear(gs_traffic_counts *c)
{
    for (size_t i = 0; i < c->len; i++)
        free(c->items[i].name);
    free(c->items);
    memset(c, 0, sizeof(*c));
}

uint64_t gs_traffic_counts_get(const gs_traffic_counts *c, const char *name)
{
    for (size_t i = 0; i < c->len; i++) {
        if (strcmp(c->items[i].name, name) == 0)
            return c->items[i].count;
    }
    return 0;
}

static void result_write_counts(gs_json *j, const char *key, const gs_traffic_counts *c)
{
    gs_json_key(j, key);
    gs_json_object_begin(j);
    for (size_t k = 0; k < c->len; k++) {
        gs_json_key(j, c->items[k].name);
        gs_json_uint(j, c->items[k].count);
    }
    gs_json_object_end(j);
}

static void result_write_latency(gs_json *j, const char *key, const gs_histogram *h)
{
    static const struct {
        const char *name;
        double p;
    } pcts[] = {{"p50", 50}, {"p75", 75},    {"p90", 90},     {"p95", 95},
                {"p99", 99}, {"p999", 99.9}, {"p9999", 99.99}};
    gs_json_key(j, key);
    gs_json_object_begin(j);
    for (size_t k = 0; k < sizeof(pcts) / sizeof(pcts[0]); k++) {
        gs_json_key(j, pcts[k].name);
        gs_json_double(j, (double)gs_histogram_percentile(h, pcts[k].p) / 1e6);
    }
    gs_json_key(j, "max");
    gs_json_double(j, (double)gs_histogram_max(h) / 1e6);
    gs_json_key(j, "min");
    gs_json_double(j, (double)gs_histogram_min(h) / 1e6);
    gs_json_key(j, "mean");
    gs_json_double(j, gs_histogram_mean(h) / 1e6);
    gs_json_object_end(j);
}

/* Percentile keys: "50", "99.9", "99.99" (shortest form that reads back the same). */
static void result_percentile_key(char *out, size_t n, double p)
{
    for (int prec = 0; prec < 10; prec++) {
        snprintf(out, n, "%.*f", prec, p);
        if (strtod(out, NULL) == p)
            return;
    }
}

static void result_write_percentiles(gs_json *j, const char *key, const gs_histogram *h,
                                     const double *pcts, size_t n)
{
    gs_json_key(j, key);
    gs_json_object_begin(j);
    char name[32];
    for (size_t k = 0; k < n; k++) {
        result_percentile_key(name, sizeof(name), pcts[k]);
        gs_json_key(j, name);
        gs_json_double(j, (double)gs_histogram_percentile(h, pcts[k]) / 1e6);
    }
    gs_json_object_end(j);
}

/* The whole histogram, mergeable exactly: the non-empty buckets as [lowest value, count]
 * pairs (values in ns) plus the exact count, min, max and sum. */
static void result_write_histogram(gs_json *j, const char *key, const gs_histogram *h)
{
    gs_json_key(j, key);
    gs_json_object_begin(j);
    gs_json_key(j, "unit");
    gs_json_string(j, "ns");
    gs_json_key(j, "layout");
    gs_json_string(j, GS_TRAFFIC_HISTOGRAM_LAYOUT);
    gs_json_key(j, "count");
    gs_json_uint(j, gs_histogram_count(h));
    gs_json_key(j, "min");
    gs_json_int(j, gs_histogram_min(h));
    gs_json_key(j, "max");
    gs_json_int(j, gs_histogram_max(h));
    gs_json_key(j, "sum");
    gs_json_double(j, gs_histogram_sum(h));
    gs_json_key(j, "buckets");
    gs_json_array_begin(j);
    size_t total = gs_histogram_bucket_total();
    for (size_t i = 0; i < total; i++) {
        uint64_t c = gs_histogram_bucket_count(h, i);
        if (c == 0)
            continue;
        gs_json_array_begin(j);
        gs_json_uint(j, gs_histogram_bucket_lowest(i));
        gs_json_uint(j, c);
        gs_json_array_end(j);
    }
    gs_json_array_end(j);
    gs_json_object_end(j);
}

void gs_traffic_result_write_json(const gs_traffic_result *r, gs_json *j)
{
    gs_json_object_begin(j);
    gs_traffic_result_write_fields(r, NULL, j);
    gs_json_object_end(j);
}

void gs_traffic_result_write_fields(const gs_traffic_result *r, const gs_traffic_json_opts *o,
                                    gs_json *j)
{
    gs_json_key(j, "requests");
    gs_json_uint(j, r->requests);
    gs_json_key(j, "responses");
    gs_json_uint(j, r->responses);
    gs_json_key(j, "durationSeconds");
    gs_json_double(j, r->duration_s);
    gs_json_key(j, "rps");
    gs_json_double(j, r->rps);
    if (r->target_rps > 0) {
        gs_json_key(j, "targetRps");
        gs_json_double(j, r->target_rps);
    }
    if (r->target_rps > 0) {
        gs_json_key(j, "scheduled");
        gs_json_uint(j, r->scheduled);
        gs_json_key(j, "missed");
        gs_json_uint(j, r->missed);
    }
    gs_json_key(j, "interrupted");
    gs_json_bool(j, r->interrupted);
    result_write_latency(j, "latencyMs", r->latency);
    result_write_latency(j, "serviceLatencyMs", r->service);
    if (o != NULL && o->num_percentiles > 0) {
        gs_json_key(j, "percentilesMs");
        gs_json_object_begin(j);
        result_write_percentiles(j, "latency", r->latency, o->percentiles, o->num_percentiles);
        result_write_percentiles(j, "service", r->service, o->percentiles, o->num_percentiles);
        gs_json_object_end(j);
    }
    result_write_counts(j, "statuses", &r->statuses);
    if (r->grpc_statuses.len > 0)
        result_write_counts(j, "grpcStatuses", &r->grpc_statuses);
    result_write_counts(j, "backends", &r->backends);
    result_write_counts(j, "replicas", &r->replicas);
    if (r->certificates.len > 0)
        result_write_counts(j, "certificates", &r->certificates);
    gs_json_key(j, "errors");
    gs_json_object_begin(j);
    for (int e = 1; e < GS_TRAFFIC_ERR_COUNT; e++) {
        gs_json_key(j, traffic_error_names[e]);
        gs_json_uint(j, r->errors[e]);
    }
    gs_json_object_end(j);
    gs_json_key(j, "errorTexts");
    gs_json_object_begin(j);
    for (int e = 1; e < GS_TRAFFIC_ERR_COUNT; e++) {
        if (r->error_texts[e].len > 0)
            result_write_counts(j, traffic_error_names[e], &r->error_texts[e]);
    }
    gs_json_object_end(j);
    gs_json_key(j, "warmupRequests");
    gs_json_uint(j, r->warmup_requests);
    gs_json_key(j, "abandoned");
    gs_json_uint(j, r->abandoned);
    gs_json_key(j, "connections");
    gs_json_uint(j, r->connections_opened);
    gs_json_key(j, "bytesReceived");
    gs_json_uint(j, r->bytes_received);
    gs_json_key(j, "cpuSeconds");
    gs_json_double(j, r->cpu_user_s + r->cpu_system_s);
    if (o != NULL && o->histograms) {
        result_write_histogram(j, "latencyHistogram", r->latency);
        result_write_histogram(j, "serviceHistogram", r->service);
    }
}

/* ---- URLs ---------------------------------------------------------------------------------- */

void gs_traffic_url_clear(gs_traffic_url *u)
{
    free(u->host);
    free(u->authority);
    free(u->address);
    free(u->path);
    memset(u, 0, sizeof(*u));
}

/* Whether the authority of |len| bytes at |a| names a port ("h:1", "[::1]:1"; not "[::1]"). */
static bool url_has_port(const char *a, size_t len)
{
    const char *colon = NULL, *bracket = NULL;
    for (size_t k = 0; k < len; k++) {
        if (a[k] == ':')
            colon = a + k;
        else if (a[k] == ']')
            bracket = a + k;
    }
    return colon != NULL && (bracket == NULL || colon > bracket);
}

int gs_traffic_url_parse(const char *s, gs_traffic_url *out, gs_error *err)
{
    static const struct {
        const char *scheme;
        bool tls, layer4;
    } schemes[] = {{"http", false, false}, {"https", true, false}, {"tcp", false, true},
                   {"udp", false, true},   {"tls", true, true}};
    memset(out, 0, sizeof(*out));
    const char *p = NULL;
    for (size_t k = 0; k < sizeof(schemes) / sizeof(schemes[0]) && p == NULL; k++) {
        size_t n = strlen(schemes[k].scheme);
        if (strncasecmp(s, schemes[k].scheme, n) == 0 && strncmp(s + n, "://", 3) == 0) {
            p = s + n + 3;
            snprintf(out->scheme, sizeof(out->scheme), "%s", schemes[k].scheme);
            out->tls = schemes[k].tls;
            out->layer4 = schemes[k].layer4;
        }
    }
    if (p == NULL)
        return gs_error_set(err, GS_ERR_INVALID,
                            "bad URL \"%s\": it must start with http://, https://, tcp://, udp:// "
                            "or tls://",
                            s);
    size_t alen = strcspn(p, "/?#");
    const char *rest = p + alen;
    if (alen == 0)
        return gs_error_set(err, GS_ERR_INVALID, "bad URL \"%s\": no host", s);
    if (memchr(p, '@', alen) != NULL)
        return gs_error_set(err, GS_ERR_INVALID, "bad URL \"%s\": user info is not supported", s);
    char *authority = gs_xstrndup(p, alen);
    char host[256];
    uint16_t port = out->tls ? 443 : 80;
    gs_error sub;
    int rc = gs_addr_parse_hostport(authority, GS_ADDR_PORT_OPTIONAL | GS_ADDR_STRICT_V6, host,
                                    sizeof(host), &port, &sub);
    free(authority);
    if (rc < 0)
        return gs_error_set(err, GS_ERR_INVALID, "bad URL \"%s\": %s", s, sub.msg);
    bool v6 = p[0] == '['; /* the parser checked it is an IPv6 literal */
    for (const char *h = host; !v6 && *h; h++) {
        char ch = *h;
        if (!(ch == '.' || ch == '-' || ch == '_' || (ch >= '0' && ch <= '9') ||
              (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')))
            return gs_error_set(err, GS_ERR_INVALID, "bad URL \"%s\": bad character in host", s);
    }
    if (out->layer4 && (!url_has_port(p, alen) || p[alen] != '\0'))
        return gs_error_set(err, GS_ERR_INVALID,
                            "bad URL \"%s\": a %s:// URL is host:port, with no path", s,
                            out->scheme);
    unsigned portnum = port;
    out->host = gs_xstrdup(host);
    bool default_port = portnum == (out->tls ? 443u : 80u);
    out->port = portnum;
    if (default_port)
        out->authority = v6 ? gs_xasprintf("[%s]", out->host) : gs_xstrdup(out->host);
    else
        out->authority = v6 ? gs_xasprintf("[%s]:%u", out->host, portnum)
                            : gs_xasprintf("%s:%u", out->host, portnum);
    out->address = v6 ? gs_xasprintf("[%s]:%u", out->host, portnum)
                      : gs_xasprintf("%s:%u", out->host, portnum);
    size_t plen = strcspn(rest, "#");
    if (plen == 0 || rest[0] == '?')
        out->path = rest[0] == '?' ? gs_xasprintf("/%.*s", (int)plen, rest) : gs_xstrdup("/");
    else
        out->path = gs_xstrndup(rest, plen);
    for (const char *q = out->path; *q; q++) {
        if ((unsigned char)*q <= ' ' || *q == 0x7f) {
            gs_traffic_url_clear(out);
            return gs_error_set(err, GS_ERR_INVALID,
                                "bad URL \"%s\": spaces or control characters in the path", s);
        }
    }
    return 0;
}
