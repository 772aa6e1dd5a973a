/* SPDX-License-Identifier: MIT */
/* Checking a step's responses against its `expect` block. Per-response checks keep a count of
 * offenders and the first offending exchange (request and response as text, for the report);
 * aggregate checks (split, mirror, latency) read the merged traffic result and call the
 * statistics module. What the backend saw comes from the echo body: JSON for HTTP, the
 * EchoResponse message for gRPC. */
#include "gs_expect.h"

#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_gof.h"
#include "gs_grpc.h"
#include "gs_json_parse.h"
#include "gs_objset.h"
#include "gs_plan.h"
#include "gs_tls.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define EXPECT_EVIDENCE_BODY 2048

void gs_expect_obs_init(gs_expect_obs *o, const gs_scenario_send *send,
                        const gs_scenario_expect *ex, const char *authority,
                        const char *request_id_prefix, uint64_t requests)
{
    memset(o, 0, sizeof(*o));
    o->send = send;
    o->ex = ex;
    o->authority = authority;
    o->request_id_prefix = request_id_prefix;
    /* Per-request state only where a check needs it (mirrors match ids); everything else is
     * counters, so memory stays flat however many requests a step sends. */
    o->id_bits = ex && ex->n_mirror ? requests + 1 : 0;
    o->answered = o->id_bits ? gs_xcalloc((size_t)(o->id_bits + 7) / 8, 1) : NULL;
    if (ex && ex->n_split) {
        o->conns = gs_xcalloc(GS_EXPECT_MAX_CONNS, sizeof(*o->conns));
        for (size_t i = 0; i < GS_EXPECT_MAX_CONNS; i++)
            o->conns[i].first = -2;
    }
    if (ex && ex->n_mirror) {
        o->mirrored = gs_xcalloc(ex->n_mirror, sizeof(*o->mirrored));
        for (size_t i = 0; i < ex->n_mirror; i++)
            o->mirrored[i] = gs_xcalloc((size_t)(o->id_bits + 7) / 8, 1);
    }
}

static void expect_tally_clear(gs_expect_tally *t)
{
    free(t->first_message);
    free(t->first_request);
    free(t->first_response);
    memset(t, 0, sizeof(*t));
}

void gs_expect_obs_clear(gs_expect_obs *o)
{
    expect_tally_clear(&o->status);
    expect_tally_clear(&o->grpc_status);
    expect_tally_clear(&o->backend);
    expect_tally_clear(&o->request);
    expect_tally_clear(&o->response);
    expect_tally_clear(&o->redirect);
    expect_tally_clear(&o->certificate);
    expect_tally_clear(&o->handshake);
    if (o->mirrored && o->ex)
        for (size_t i = 0; i < o->ex->n_mirror; i++)
            free(o->mirrored[i]);
    free(o->mirrored);
    free(o->answered);
    free(o->conns);
    memset(o, 0, sizeof(*o));
}

/* ---- evidence ---- */

static char *expect_request_text(const gs_expect_obs *o, const gs_traffic_response *r)
{
    const gs_scenario_send *s = o->send;
    gs_buf b = {0};
    bool h2 = (s->protocol != GS_SCENARIO_HTTP1 && s->protocol != GS_SCENARIO_WEBSOCKET) ||
              (s->protocol == GS_SCENARIO_WEBSOCKET && s->ws_h2);
    if (s->protocol == GS_SCENARIO_GRPC)
        gs_buf_printf(&b, "POST /%s/%s HTTP/2 (gRPC)\n", s->grpc_service ? s->grpc_service : "",
                      s->grpc_method ? s->grpc_method : "");
    else if (s->protocol == GS_SCENARIO_WEBSOCKET && s->ws_h2)
        gs_buf_printf(&b, "CONNECT %s HTTP/2 (:protocol websocket, %zu message%s)\n", s->path,
                      s->n_messages, s->n_messages == 1 ? "" : "s");
    else if (s->protocol == GS_SCENARIO_WEBSOCKET)
        gs_buf_printf(&b, "GET %s HTTP/1.1 (Upgrade: websocket, %zu message%s)\n", s->path,
                      s->n_messages, s->n_messages == 1 ? "" : "s");
    else
        gs_buf_printf(&b, "%s %s %s\n", s->method, s->path, h2 ? "HTTP/2" : "HTTP/1.1");
    gs_buf_printf(&b, "%s: %s\n", h2 ? ":authority" : "Host", o->authority ? o->authority : "");
    for (size_t i = 0; i < s->n_headers; i++)
        gs_buf_printf(&b, "%s: %s\n", s->headers[i].name, s->headers[i].value);
    if (r->request_id)
        gs_buf_printf(&b, "x-gatesim-request-id: %s\n", r->request_id);
    return gs_buf_take(&b);
}

/* Decodes a gRPC echo reply: the conformance suite's service answers in that suite's format
 * (docs/echo.md), every other service in gatesim's EchoResponse. */
static int expect_grpc_decode(const gs_scenario_send *s, const gs_traffic_response *r,
                              gs_grpc_echo *echo)
{
    if (s->grpc_service && strcmp(s->grpc_service, GS_GRPC_CONFORMANCE_SERVICE) == 0)
        return gs_grpc_conformance_echo_decode(echo, r->body, r->body_len);
    return gs_grpc_echo_decode(echo, r->body, r->body_len);
}

/* A gRPC echo body as text: what the backend saw. */
static bool expect_grpc_body_text(gs_buf *b, const gs_scenario_send *s,
                                  const gs_traffic_response *r)
{
    gs_grpc_echo echo;
    if (r->body_len == 0 || expect_grpc_decode(s, r, &echo) != 0)
        return false;
    gs_buf_printf(b, "EchoResponse: path %s, host %s, method %s, backend %s\n", echo.path,
                  echo.host, echo.method, echo.backend);
    for (size_t i = 0; i < echo.n_headers; i++) {
        gs_buf_printf(b, "  %s:", echo.headers[i].name);
        for (size_t j = 0; j < echo.headers[i].n_values; j++)
            gs_buf_printf(b, "%s \"%s\"", j ? "," : "", echo.headers[i].values[j]);
        gs_buf_putc(b, '\n');
    }
    gs_grpc_echo_free(&echo);
    return true;
}

static char *expect_response_text(const gs_traffic_response *r, const gs_scenario_send *s)
{
    bool grpc = s->protocol == GS_SCENARIO_GRPC;
    gs_buf b = {0};
    if (r->error != GS_TRAFFIC_OK) {
        gs_buf_printf(&b, "no response: %s%s%s\n", gs_traffic_error_name(r->error),
                      r->detail ? ": " : "", r->detail ? r->detail : "");
        return gs_buf_take(&b);
    }
    gs_buf_printf(&b, "status %d\n", r->status);
    for (size_t i = 0; i < r->num_headers; i++)
        gs_buf_printf(&b, "%s: %s\n", r->headers[i].name, r->headers[i].value);
    for (size_t i = 0; i < r->num_trailers; i++)
        gs_buf_printf(&b, "%s: %s (trailer)\n", r->trailers[i].name, r->trailers[i].value);
    if (r->body_len) {
        gs_buf_putc(&b, '\n');
        size_t n = r->body_len < EXPECT_EVIDENCE_BODY ? r->body_len : EXPECT_EVIDENCE_BODY;
        if (grpc && expect_grpc_body_text(&b, s, r)) {
            /* decoded above */
        } else if (grpc || r->body_len != strnlen(r->body, r->body_len)) {
            gs_buf_printf(&b, "(%zu bytes of binary body)", r->body_len);
        } else {
            gs_buf_append(&b, r->body, n);
            if (n < r->body_total)
                gs_buf_printf(&b, "... (%llu bytes in all)", (unsigned long long)r->body_total);
        }
        gs_buf_putc(&b, '\n');
    }
    return gs_buf_take(&b);
}

static void expect_offend(gs_expect_obs *o, gs_expect_tally *t, const gs_traffic_response *r,
                          const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void expect_offend(gs_expect_obs *o, gs_expect_tally *t, const gs_traffic_response *r,
                          const char *fmt, ...)
{
    if (t->bad++ > 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    char msg[1024];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    t->first_message = gs_xstrdup(msg);
    t->first_request = expect_request_text(o, r);
    t->first_response = expect_response_text(r, o->send);
}

/* ---- what the backend saw ---- */

/* A header as the backend saw it: name and values. */
typedef struct expect_seen_header {
    const char *name;
    const char *const *values;
    size_t n_values;
} expect_seen_header;

typedef struct expect_seen {
    const char *method, *path, *host;
    const char *sni; /* the echo's tls.serverName; NULL when it was not TLS */
    const char *proto; /* the version the echo saw ("HTTP/1.1", "HTTP/2.0"); NULL: not said */
    const char *peer_cert; /* the client certificate (PEM) the echo verified; NULL: none */
    expect_seen_header *headers;
    size_t n_headers;
    gs_json_value *json; /* owns the strings when parsed from JSON */
    gs_grpc_echo grpc;   /* owns them when parsed from gRPC */
    bool is_grpc;
} expect_seen;

static void expect_seen_free(expect_seen *s)
{
    if (s->json)
        gs_json_value_free(s->json);
    if (s->is_grpc)
        gs_grpc_echo_free(&s->grpc);
    if (s->headers && !s->is_grpc) {
        for (size_t i = 0; i < s->n_headers; i++)
            free((void *)(uintptr_t)s->headers[i].values);
    }
    free(s->headers);
}

static int expect_seen_parse(const gs_traffic_response *r, const gs_scenario_send *send,
                             expect_seen *s)
{
    memset(s, 0, sizeof(*s));
    if (send->protocol == GS_SCENARIO_GRPC) {
        if (expect_grpc_decode(send, r, &s->grpc) != 0)
            return GS_ERR_PARSE;
        s->is_grpc = true;
        s->method = s->grpc.method;
        s->path = s->grpc.path;
        s->host = s->grpc.host;
        s->proto = "HTTP/2"; /* gRPC is HTTP/2 only */
        s->sni = s->grpc.has_tls ? s->grpc.tls_server_name : NULL;
        s->peer_cert = s->grpc.has_tls ? s->grpc.tls_peer_certificate : NULL;
        s->n_headers = s->grpc.n_headers;
        s->headers = gs_xcalloc(s->n_headers ? s->n_headers : 1, sizeof(*s->headers));
        for (size_t i = 0; i < s->n_headers; i++)
            s->headers[i] = (expect_seen_header){s->grpc.headers[i].name, s->grpc.headers[i].values,
                                                 s->grpc.headers[i].n_values};
        return 0;
    }
    gs_json_limits lim = {.max_depth = 16, .max_values = 100000};
    if (r->body_len < r->body_total ||
        gs_json_parse(r->body, r->body_len, &lim, &s->json, NULL) != 0 ||
        s->json->type != GS_JSON_OBJECT)
        return GS_ERR_PARSE;
    s->method = gs_json_get_string(s->json, "method", NULL);
    s->path = gs_json_get_string(s->json, "path", NULL);
    s->host = gs_json_get_string(s->json, "host", NULL);
    s->proto = gs_json_get_string(s->json, "proto", NULL);
    const gs_json_value *tls = gs_json_get(s->json, "tls");
    s->sni = gs_json_get_string(tls, "serverName", NULL);
    const gs_json_value *peers = gs_json_get(tls, "peerCertificates");
    if (peers && peers->type == GS_JSON_ARRAY && peers->len > 0 &&
        peers->items[0]->type == GS_JSON_STRING)
        s->peer_cert = peers->items[0]->str;
    const gs_json_value *h = gs_json_get(s->json, "headers");
    if (h && h->type == GS_JSON_OBJECT) {
        s->headers = gs_xcalloc(h->len ? h->len : 1, sizeof(*s->headers));
        for (size_t i = 0; i < h->len; i++) {
            const gs_json_value *v = h->items[i];
            const char **vals = gs_xcalloc(v->len ? v->len : 1, sizeof(*vals));
            size_t n = 0;
            if (v->type == GS_JSON_ARRAY) {
                for (size_t j = 0; j < v->len; j++)
                    if (v->items[j]->type == GS_JSON_STRING)
                        vals[n++] = v->items[j]->str;
            } else if (v->type == GS_JSON_STRING) {
                vals[n++] = v->str;
            }
            s->headers[s->n_headers++] = (expect_seen_header){h->keys[i], vals, n};
        }
    }
    return 0;
}

static const expect_seen_header *expect_seen_find(const expect_seen *s, const char *name)
{
    for (size_t i = 0; i < s->n_headers; i++)
        if (strcasecmp(s->headers[i].name, name) == 0)
            return &s->headers[i];
    return NULL;
}

/* Appends |s| to |b|, without spaces and tabs when |strip|. */
static void expect_put_value(gs_buf *b, const char *s, bool strip)
{
    for (; *s; s++)
        if (!strip || (*s != ' ' && *s != '\t'))
            gs_buf_putc(b, *s);
}

/* |n| values comma-joined (as upstream compares repeated fields), into |b|. */
static void expect_join(gs_buf *b, const char *const *v, size_t n, bool strip)
{
    gs_buf_reset(b);
    gs_buf_putc(b, '\0'); /* an empty join is still a string */
    gs_buf_reset(b);
    for (size_t i = 0; i < n; i++) {
        if (i)
            gs_buf_putc(b, ',');
        expect_put_value(b, v[i], strip);
    }
    gs_buf_putc(b, '\0');
}

bool gs_expect_header_matches(const gs_scenario_header_expect *e, const char *const *got,
                              size_t n)
{
    if (n == 0)
        return false;
    bool strip = e->ignore_whitespace, match = false;
    gs_buf joined = {0}, want = {0};
    expect_join(&joined, got, n, strip);
    switch (e->mode) {
    case GS_SCENARIO_VALUE_ANY:
        expect_join(&want, &e->value, 1, strip);
        match = strcmp(joined.data, want.data) == 0;
        for (size_t i = 0; i < n && !match; i++) {
            expect_join(&joined, &got[i], 1, strip);
            match = strcmp(joined.data, want.data) == 0;
        }
        break;
    case GS_SCENARIO_VALUE_EXACTLY:
        expect_join(&want, e->values, e->n_values, strip);
        match = strcmp(joined.data, want.data) == 0;
        break;
    case GS_SCENARIO_VALUE_ONE_OF:
        for (size_t i = 0; i < e->n_values && !match; i++) {
            expect_join(&want, &e->values[i], 1, strip);
            match = strcmp(joined.data, want.data) == 0;
        }
        break;
    case GS_SCENARIO_VALUE_ANSWERED_BY: /* needs the response: gs_expect_header_matches_answer */
        break;
    case GS_SCENARIO_VALUE_PRESENT:
        match = true; /* n > 0 */
        break;
    }
    gs_buf_clear(&joined);
    gs_buf_clear(&want);
    return match;
}

static const char *expect_service_of(const char *backend, char *out, size_t n);

/* The value an `answeredBy` expectation stands for in the response from |answered_by|
 * ("ns/name/replica"): "name" or "ns/name", in |out|; NULL when no backend answered. */
static const char *expect_answered_value(const gs_scenario_header_expect *e,
                                         const char *answered_by, char *out, size_t n)
{
    if (expect_service_of(answered_by, out, n) == NULL)
        return NULL;
    const char *slash = strchr(out, '/');
    return e->answered_by_backend || slash == NULL ? out : slash + 1;
}

bool gs_expect_header_matches_answer(const gs_scenario_header_expect *e,
                                     const char *const *got, size_t n, const char *answered_by)
{
    if (e->mode != GS_SCENARIO_VALUE_ANSWERED_BY)
        return gs_expect_header_matches(e, got, n);
    char buf[512];
    const char *want = expect_answered_value(e, answered_by, buf, sizeof(buf));
    if (want == NULL)
        return false;
    gs_scenario_header_expect exact = {.mode = GS_SCENARIO_VALUE_EXACTLY, .values = &want,
                                       .n_values = 1};
    return gs_expect_header_matches(&exact, got, n);
}

/* "expected ..." of a failed header check: the value in quotes, a list form as written, an
 * `answeredBy` as the value it stood for in this response. */
static void expect_wanted_text(char *out, size_t n, const gs_scenario_header_expect *e,
                               const char *answered_by)
{
    char buf[512];
    if (e->mode == GS_SCENARIO_VALUE_ANY)
        snprintf(out, n, "\"%s\"", e->value);
    else if (e->mode == GS_SCENARIO_VALUE_PRESENT)
        snprintf(out, n, "any value");
    else if (e->mode != GS_SCENARIO_VALUE_ANSWERED_BY)
        snprintf(out, n, "%s", e->value);
    else {
        const char *v = expect_answered_value(e, answered_by, buf, sizeof(buf));
        snprintf(out, n, "exactly \"%s\" (%s)", v != NULL ? v : "?", e->value);
    }
}

static void expect_values_text(char *out, size_t n, const expect_seen_header *h)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; h && i < h->n_values && len < n; i++)
        len += (size_t)snprintf(out + len, n - len, "%s\"%s\"", i ? ", " : "", h->values[i]);
}

/* ---- per-response checks ---- */

static const char *expect_resp_header(const gs_traffic_response *r, const char *name)
{
    for (size_t i = 0; i < r->num_headers; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

/* The Service part "ns/name" of an x-gatesim-backend value "ns/name/replica", in |out|. */
static const char *expect_service_of(const char *backend, char *out, size_t n)
{
    if (backend == NULL)
        return NULL;
    const char *s1 = strchr(backend, '/');
    const char *s2 = s1 ? strchr(s1 + 1, '/') : NULL;
    size_t len = s2 ? (size_t)(s2 - backend) : strlen(backend);
    if (len >= n)
        len = n - 1;
    memcpy(out, backend, len);
    out[len] = '\0';
    return out;
}

/* Whether the client certificate |seen| reported is what |want| ("none" or "ns/name" of a
 * generated Secret) asks for: the same certificate, compared as DER (PEM line breaks aside). */
static bool expect_client_cert_ok(const gs_expect_obs *o, const char *want, const expect_seen *seen)
{
    if (strcmp(want, "none") == 0)
        return true; /* checked by the caller: nothing presented */
    if (seen->peer_cert == NULL)
        return false;
    const char *slash = strchr(want, '/');
    for (size_t i = 0; slash && i < o->n_secrets; i++) {
        const gs_objset_secret *s = &o->secrets[i];
        if (s->config_map || strlen(s->ns) != (size_t)(slash - want) ||
            strncmp(s->ns, want, (size_t)(slash - want)) != 0 || strcmp(s->name, slash + 1) != 0)
            continue;
        return gs_tls_pem_same_cert(s->cert_pem, seen->peer_cert);
    }
    return false;
}

/* Whether the version |got| (as the client or the echo reports it) is |want| (HTTP/1.0,
 * HTTP/1.1 or HTTP/2): "HTTP/2.0", what Go-style servers report, is HTTP/2. */
static bool expect_proto_is(const char *got, const char *want)
{
    if (got == NULL)
        return false;
    if (strcmp(want, "HTTP/2") == 0)
        return strcmp(got, "HTTP/2") == 0 || strcmp(got, "HTTP/2.0") == 0;
    return strcmp(got, want) == 0;
}

static void expect_check_request(gs_expect_obs *o, const gs_traffic_response *r)
{
    const gs_scenario_http_expect *q = &o->ex->request;
    if (r->backend == NULL) {
        expect_offend(o, &o->request, r, "the response did not come from a backend");
        return;
    }
    expect_seen seen;
    if (expect_seen_parse(r, o->send, &seen) != 0) {
        expect_offend(o, &o->request, r, "the backend's echo body could not be read");
        expect_seen_free(&seen);
        return;
    }
    if (q->method && (!seen.method || strcmp(seen.method, q->method) != 0))
        expect_offend(o, &o->request, r, "the backend saw method %s, expected %s",
                      seen.method ? seen.method : "(none)", q->method);
    else if (q->path && (!seen.path || strcmp(seen.path, q->path) != 0))
        expect_offend(o, &o->request, r, "the backend saw path %s, expected %s",
                      seen.path ? seen.path : "(none)", q->path);
    else if (q->host && (!seen.host || strcasecmp(seen.host, q->host) != 0))
        expect_offend(o, &o->request, r, "the backend saw host %s, expected %s",
                      seen.host ? seen.host : "(none)", q->host);
    else if (q->proto && !expect_proto_is(seen.proto, q->proto))
        expect_offend(o, &o->request, r, "the backend saw %s, expected %s",
                      seen.proto ? seen.proto : "no protocol version", q->proto);
    else if (q->sni && (!seen.sni || strcasecmp(seen.sni, q->sni) != 0))
        expect_offend(o, &o->request, r, "the backend saw TLS server name %s, expected %s",
                      seen.sni ? (seen.sni[0] ? seen.sni : "(none)") : "(no TLS)", q->sni);
    else if (q->client_certificate && !expect_client_cert_ok(o, q->client_certificate, &seen))
        expect_offend(o, &o->request, r,
                      "the backend saw %s, expected the certificate of Secret %s",
                      seen.peer_cert ? "another client certificate" : "no client certificate",
                      q->client_certificate);
    else if (q->client_certificate && strcmp(q->client_certificate, "none") == 0 && seen.peer_cert)
        expect_offend(o, &o->request, r, "the backend saw a client certificate, expected none");
    else {
        for (size_t i = 0; i < q->n_headers; i++) {
            const expect_seen_header *h = expect_seen_find(&seen, q->headers[i].name);
            bool match = h && gs_expect_header_matches_answer(&q->headers[i], h->values,
                                                              h->n_values, r->backend);
            if (!match) {
                char vals[512], want[700];
                expect_values_text(vals, sizeof(vals), h);
                expect_wanted_text(want, sizeof(want), &q->headers[i], r->backend);
                if (h)
                    expect_offend(o, &o->request, r, "the backend saw %s: %s, expected %s",
                                  q->headers[i].name, vals, want);
                else
                    expect_offend(o, &o->request, r,
                                  "the backend did not see header %s (expected %s)",
                                  q->headers[i].name, want);
                goto out;
            }
        }
        for (size_t i = 0; i < q->n_absent; i++) {
            const expect_seen_header *h = expect_seen_find(&seen, q->absent[i]);
            if (h) {
                char vals[512];
                expect_values_text(vals, sizeof(vals), h);
                expect_offend(o, &o->request, r, "the backend saw %s: %s, expected it absent",
                              q->absent[i], vals);
                goto out;
            }
        }
    }
out:
    expect_seen_free(&seen);
}

static void expect_check_response(gs_expect_obs *o, const gs_traffic_response *r)
{
    const gs_scenario_http_expect *p = &o->ex->response;
    if (p->proto && !expect_proto_is(r->proto, p->proto)) {
        expect_offend(o, &o->response, r, "the response came over %s, expected %s",
                      r->proto ? r->proto : "no HTTP", p->proto);
        return;
    }
    const char **got = gs_xcalloc(r->num_headers + 1, sizeof(*got));
    for (size_t i = 0; i < p->n_headers; i++) {
        size_t n = 0;
        for (size_t j = 0; j < r->num_headers; j++)
            if (strcasecmp(r->headers[j].name, p->headers[i].name) == 0)
                got[n++] = r->headers[j].value;
        if (!gs_expect_header_matches_answer(&p->headers[i], got, n, r->backend)) {
            gs_buf seen = {0};
            char want[700];
            expect_wanted_text(want, sizeof(want), &p->headers[i], r->backend);
            for (size_t j = 0; j < n; j++)
                gs_buf_printf(&seen, "%s\"%s\"", j ? ", " : "", got[j]);
            if (n)
                expect_offend(o, &o->response, r, "response header %s: %s, expected %s",
                              p->headers[i].name, seen.data, want);
            else
                expect_offend(o, &o->response, r, "response header %s missing (expected %s)",
                              p->headers[i].name, want);
            gs_buf_clear(&seen);
            free(got);
            return;
        }
    }
    free(got);
    for (size_t i = 0; i < p->n_absent; i++) {
        const char *v = expect_resp_header(r, p->absent[i]);
        if (v) {
            expect_offend(o, &o->response, r, "response header %s: \"%s\", expected it absent",
                          p->absent[i], v);
            return;
        }
    }
}

/* An absolute URL's parts: scheme, host and port (the scheme's default when absent), and the
 * rest from the first '/', '?' or '#'. False for a relative reference. */
typedef struct expect_url {
    const char *scheme, *host, *rest;
    size_t scheme_len, host_len;
    long port;
} expect_url;

static bool expect_url_split(const char *s, expect_url *u)
{
    const char *sep = strstr(s, "://");
    if (sep == NULL || sep == s)
        return false;
    u->scheme = s;
    u->scheme_len = (size_t)(sep - s);
    u->host = sep + 3;
    u->rest = u->host + strcspn(u->host, "/?#");
    const char *colon = NULL;
    if (*u->host == '[') { /* [v6]:port */
        const char *close = memchr(u->host, ']', (size_t)(u->rest - u->host));
        colon = close && close + 1 < u->rest && close[1] == ':' ? close + 1 : NULL;
    } else {
        colon = memchr(u->host, ':', (size_t)(u->rest - u->host));
    }
    u->host_len = (size_t)((colon ? colon : u->rest) - u->host);
    u->port = -1;
    if (colon && colon + 1 < u->rest) {
        char *end;
        u->port = strtol(colon + 1, &end, 10);
        if (end != u->rest || u->port < 0 || u->port > 65535)
            return false;
    }
    if (u->port < 0) {
        if (u->scheme_len == 4 && strncasecmp(u->scheme, "http", 4) == 0)
            u->port = 80;
        else if (u->scheme_len == 5 && strncasecmp(u->scheme, "https", 5) == 0)
            u->port = 443;
    }
    return true;
}

bool gs_expect_location_equal(const char *want, const char *got)
{
    if (strcmp(want, got) == 0)
        return true;
    expect_url w, g;
    if (!expect_url_split(want, &w) || !expect_url_split(got, &g))
        return false; /* relative references compare exactly */
    return w.scheme_len == g.scheme_len && strncasecmp(w.scheme, g.scheme, w.scheme_len) == 0 &&
           w.host_len == g.host_len && strncasecmp(w.host, g.host, w.host_len) == 0 &&
           w.port == g.port && strcmp(w.rest, g.rest) == 0;
}

static bool expect_status_in(const gs_scenario_expect *ex, int status)
{
    for (size_t i = 0; i < ex->n_statuses; i++)
        if (ex->statuses[i] == status)
            return true;
    return false;
}

/* The index a request id carries after the prefix, or UINT64_MAX. */
static uint64_t expect_id_index(const gs_expect_obs *o, const char *id)
{
    if (id == NULL || o->request_id_prefix == NULL)
        return UINT64_MAX;
    size_t pl = strlen(o->request_id_prefix);
    if (strncmp(id, o->request_id_prefix, pl) != 0 || id[pl] < '0' || id[pl] > '9')
        return UINT64_MAX;
    char *end;
    unsigned long long v = strtoull(id + pl, &end, 10);
    if (*end != '\0' || v >= o->id_bits)
        return UINT64_MAX;
    return v;
}

/* Notes which split backend answered a request of connection |c|. */
static void expect_conn_observe(const gs_expect_obs *o, gs_expect_conn *c, const char *service)
{
    int idx = -1;
    for (size_t i = 0; service && i < o->ex->n_split && idx < 0; i++)
        if (strcmp(o->ex->split[i].backend, service) == 0)
            idx = (int)i;
    if (c->first == -2)
        c->first = idx;
    else if (c->first != idx)
        c->mixed = true;
    c->answered++;
}

/* Appends the per-connection diagnostic to a failed split's message when it applies: at least
 * two connections carried two or more answered requests each, and each of them went to one
 * backend only. A target that picks the backend per connection (a hash of the client, a sticky
 * upstream) fails a per-request split every time, and that is not chance. */
static void expect_connection_note(const gs_expect_obs *o, gs_buf *msg)
{
    if (o->conns == NULL)
        return;
    uint64_t pinned = 0, backends_seen = 0, multi = 0;
    bool seen[64] = {false};
    for (size_t i = 0; i < GS_EXPECT_MAX_CONNS; i++) {
        const gs_expect_conn *c = &o->conns[i];
        if (c->answered < 2)
            continue;
        multi++;
        if (c->mixed)
            return;
        pinned++;
        size_t slot = c->first < 0 ? 63 : (size_t)c->first % 63;
        backends_seen += !seen[slot];
        seen[slot] = true;
    }
    if (multi < 2)
        return;
    gs_buf_printf(msg,
                  "; every connection's requests went to one backend (%llu connections with two or "
                  "more answered requests, %llu backend%s among them): the target seems to pick a "
                  "backend per connection, not per request, while the split is checked per request",
                  (unsigned long long)pinned, (unsigned long long)backends_seen,
                  backends_seen == 1 ? "" : "s");
}

/* `certificate: {backend}`: the certificate this connection saw is one of that backend's. */
static void expect_check_certificate(gs_expect_obs *o, const gs_traffic_response *r)
{
    const char *want = o->ex->certificate_backend;
    if (r->error != GS_TRAFFIC_OK && r->cert_sha256 == NULL) {
        expect_offend(o, &o->certificate, r, "no response (%s)", gs_traffic_error_name(r->error));
        return;
    }
    if (r->cert_sha256 == NULL) {
        expect_offend(o, &o->certificate, r, "no server certificate seen");
        return;
    }
    const char *owner = o->cert_owner ? o->cert_owner(r->cert_sha256, o->cert_owner_user) : NULL;
    if (owner == NULL)
        expect_offend(o, &o->certificate, r,
                      "certificate %.16s... (%s) is no backend's: TLS was terminated before the "
                      "backend",
                      r->cert_sha256, r->cert_subject ? r->cert_subject : "");
    else if (strcmp(owner, want) != 0)
        expect_offend(o, &o->certificate, r, "saw the certificate of %s", owner);
}

void gs_expect_observe(gs_expect_obs *o, const gs_traffic_response *r)
{
    if (r->warmup)
        return;
    o->observed++;
    const gs_scenario_expect *ex = o->ex;
    bool ok = r->error == GS_TRAFFIC_OK;
    if (ok && o->answered && r->index < o->id_bits)
        o->answered[r->index / 8] |= (uint8_t)(1u << (r->index % 8));
    if (ex == NULL || !ex->present)
        return;
    if (ex->n_statuses && (!ok || !expect_status_in(ex, r->status))) {
        if (ok)
            expect_offend(o, &o->status, r, "status %d", r->status);
        else
            expect_offend(o, &o->status, r, "no response (%s)", gs_traffic_error_name(r->error));
    }
    if (ex->has_grpc_status && (!ok || r->grpc_status != ex->grpc_status)) {
        int got = r->grpc_status >= 0 ? r->grpc_status : (int)gs_grpc_code_from_http(r->status);
        if (!ok)
            expect_offend(o, &o->grpc_status, r, "no response (%s)",
                          gs_traffic_error_name(r->error));
        else
            expect_offend(o, &o->grpc_status, r, "grpc-status %d (%s)%s", got,
                          gs_grpc_code_name(got),
                          r->grpc_status < 0 ? " from the HTTP status" : "");
    }
    char svc[256];
    const char *service = expect_service_of(r->backend, svc, sizeof(svc));
    if (ex->backend && (!ok || service == NULL || strcmp(service, ex->backend) != 0)) {
        if (!ok)
            expect_offend(o, &o->backend, r, "no response (%s)", gs_traffic_error_name(r->error));
        else if (service == NULL)
            expect_offend(o, &o->backend, r, "status %d answered without a backend", r->status);
        else
            expect_offend(o, &o->backend, r, "answered by %s", r->backend);
    }
    if (ok && o->conns && r->connection < GS_EXPECT_MAX_CONNS)
        expect_conn_observe(o, &o->conns[r->connection], service);
    if (ex->backend_none && ok && service != NULL)
        expect_offend(o, &o->backend, r, "answered by backend %s", r->backend);
    /* Layer 4 has no "gateway's own answer": a connection no backend takes is refused, reset
     * or closed (during the TLS handshake, for a TLS listener reading the server name first),
     * which is what `backend: none` asks there. Waiting out the timeout is not it. */
    bool l4 = o->send != NULL && gs_scenario_protocol_is_l4(o->send->protocol);
    bool closed = r->error == GS_TRAFFIC_ERR_CONNECT || r->error == GS_TRAFFIC_ERR_TLS ||
                  r->error == GS_TRAFFIC_ERR_RESET;
    if (ex->backend_none && !ok && !(l4 && closed))
        expect_offend(o, &o->backend, r, "no response (%s)", gs_traffic_error_name(r->error));
    if (ex->certificate_backend)
        expect_check_certificate(o, r);
    /* `handshake: rejected`: the gateway refused the client during TLS. With TLS 1.3 the
     * client's side of the handshake ends before the server has judged its certificate, so
     * the refusal may also arrive as an alert or a reset on the first read. */
    if (ex->handshake_rejected && ok)
        expect_offend(o, &o->handshake, r, "status %d answered", r->status);
    else if (ex->handshake_rejected && !closed)
        expect_offend(o, &o->handshake, r, "no response (%s), not a refusal",
                      gs_traffic_error_name(r->error));
    if (ex->request.present) {
        if (!ok)
            expect_offend(o, &o->request, r, "no response (%s)", gs_traffic_error_name(r->error));
        else
            expect_check_request(o, r);
    }
    if (ex->response.present) {
        if (!ok)
            expect_offend(o, &o->response, r, "no response (%s)", gs_traffic_error_name(r->error));
        else
            expect_check_response(o, r);
    }
    if (ex->has_redirect) {
        const char *loc = ok ? expect_resp_header(r, "location") : NULL;
        if (!ok)
            expect_offend(o, &o->redirect, r, "no response (%s)", gs_traffic_error_name(r->error));
        else if (r->status < 300 || r->status > 399 ||
                 (ex->redirect_status && r->status != ex->redirect_status))
            expect_offend(o, &o->redirect, r, "status %d", r->status);
        else if (ex->redirect_location &&
                 (loc == NULL || !gs_expect_location_equal(ex->redirect_location, loc)))
            expect_offend(o, &o->redirect, r, "Location %s%s%s", loc ? "\"" : "",
                          loc ? loc : "missing", loc ? "\"" : "");
    }
}

void gs_expect_mirror_seen(gs_expect_obs *o, size_t mirror, const char *id)
{
    if (o->ex == NULL || mirror >= o->ex->n_mirror)
        return;
    uint64_t i = expect_id_index(o, id);
    if (i != UINT64_MAX)
        o->mirrored[mirror][i / 8] |= (uint8_t)(1u << (i % 8));
}

void gs_expect_mirror_counts(const gs_expect_obs *o, size_t mirror, uint64_t *hits,
                             uint64_t *answered)
{
    uint64_t h = 0, a = 0;
    for (uint64_t i = 0; i < o->id_bits; i++) {
        bool ans = o->answered[i / 8] & (1u << (i % 8));
        a += ans;
        if (ans && o->mirrored && mirror < o->ex->n_mirror)
            h += (o->mirrored[mirror][i / 8] & (1u << (i % 8))) != 0;
    }
    *hits = h;
    *answered = a;
}

/* ---- finishing ---- */

static void expect_counts_text(gs_buf *b, const gs_traffic_counts *c, const char *sep_first)
{
    for (size_t i = 0; i < c->len; i++)
        gs_buf_printf(b, "%s%s \xc3\x97%llu", i ? ", " : sep_first, c->items[i].name,
                      (unsigned long long)c->items[i].count);
}

static void expect_errors_text(gs_buf *b, const gs_traffic_result *res)
{
    bool first = true;
    for (int e = 1; e < GS_TRAFFIC_ERR_COUNT; e++) {
        if (res->errors[e] == 0)
            continue;
        gs_buf_printf(b, "%s%s \xc3\x97%llu", first ? (b->len ? "; errors: " : "errors: ") : ", ",
                      gs_traffic_error_name((gs_traffic_error)e),
                      (unsigned long long)res->errors[e]);
        first = false;
    }
}

/* "; the gateway counted 3 upstream failures and 1 timeout in this step", when it did. */
static void expect_target_errors_text(gs_buf *b, const gs_expect_target_errors *t)
{
    if (!t->known || (t->upstream_errors == 0 && t->timeouts == 0))
        return;
    gs_buf_printf(b, "%sthe gateway counted ", b->len ? "; " : "");
    if (t->upstream_errors)
        gs_buf_printf(b, "%llu upstream failure%s", (unsigned long long)t->upstream_errors,
                      t->upstream_errors == 1 ? "" : "s");
    if (t->upstream_errors && t->timeouts)
        gs_buf_puts(b, " and ");
    if (t->timeouts)
        gs_buf_printf(b, "%llu timeout%s", (unsigned long long)t->timeouts,
                      t->timeouts == 1 ? "" : "s");
    gs_buf_puts(b, " in this step");
}

static gs_results_check *expect_tally_check(gs_results_step *step, const char *kind,
                                            gs_expect_tally *t, uint64_t total,
                                            const char *expected, const char *observed,
                                            unsigned *failed)
{
    gs_results_check *c = gs_results_add_check(step, kind);
    gs_results_set(&c->expected, "%s", expected);
    gs_results_set(&c->observed, "%s", observed);
    if (total == 0) {
        c->result = GS_RESULT_FAILED;
        gs_results_set(&c->message, "no responses to check");
        (*failed)++;
    } else if (t->bad == 0) {
        c->result = GS_RESULT_PASSED;
        gs_results_set(&c->message, "all %llu responses as expected", (unsigned long long)total);
    } else {
        c->result = GS_RESULT_FAILED;
        gs_results_set(&c->message, "%llu of %llu responses did not match; first: %s",
                       (unsigned long long)t->bad, (unsigned long long)total, t->first_message);
        gs_results_set(&c->evidence_request, "%s", t->first_request);
        gs_results_set(&c->evidence_response, "%s", t->first_response);
        (*failed)++;
    }
    return c;
}

/* "p = 0.0123", or "p < 1e-300" where the p-value underflowed to zero: a p of exactly 0 would
 * claim a certainty no finite sample gives. */
static const char *expect_p_text(double p, char buf[40])
{
    if (p < 1e-300)
        snprintf(buf, 40, "p < 1e-300");
    else
        snprintf(buf, 40, "p = %.3g", p);
    return buf;
}

void gs_expect_set_gof(gs_results_check *c, const gs_scenario_statistics *stats,
                       const gs_gof_result *gr)
{
    c->p_value = gr->p_value;
    c->alpha = stats->alpha;
    c->tolerance = stats->tolerance;
    c->interval_level = gr->level;
    c->power = stats->power;
    c->samples = gr->n;
    c->detectable = gr->detectable;
    gs_results_set(&c->method, "%s", gs_gof_method_name(gr->method));
}

void gs_expect_add_share(gs_results_check *c, const char *name, const gs_gof_backend *row,
                         double total_w)
{
    gs_results_share *sh = gs_results_add_share(c, name);
    sh->expected_weight = row->weight;
    sh->expected_share = total_w > 0 ? row->weight / total_w : NAN;
    sh->observed_count = row->count;
    sh->observed_share = row->observed_share;
    sh->ci_low = row->ci_low;
    sh->ci_high = row->ci_high;
    if (row->weight > 0) {
        sh->band_low = row->band_low;
        sh->band_high = row->band_high;
    }
    sh->detectable = row->detectable;
    sh->p_value = row->p_value;
    sh->p_adjusted = row->p_adjusted;
}

/* The failure message of a split whose counts do not fit: the backend with the smallest
 * adjusted p-value, its simultaneous interval against its band, and what the decision used. */
static void expect_split_misfit(gs_expect_obs *o, gs_results_check *c, const gs_gof_backend *rows,
                                const char *const *names, size_t k, const gs_gof_result *gr,
                                const gs_scenario_statistics *stats, bool per_connection_note)
{
    char pbuf[40];
    size_t worst = 0;
    for (size_t i = 1; i < k; i++)
        if (rows[i].weight > 0 && !(rows[i].p_adjusted >= rows[worst].p_adjusted))
            worst = i;
    const gs_gof_backend *w = &rows[worst];
    gs_buf msg = {0};
    gs_buf_printf(&msg,
                  "counts do not fit the weights: %s got %.2f%% (simultaneous %.4g%% interval "
                  "%.2f-%.2f%%), expected %.2f%%",
                  names[worst], 100 * w->observed_share, 100 * (1 - gr->level), 100 * w->ci_low,
                  100 * w->ci_high, 100 * w->expected_share);
    if (w->band_high > w->band_low)
        gs_buf_printf(&msg, " (within tolerance: %.2f-%.2f%%)", 100 * w->band_low,
                      100 * w->band_high);
    gs_buf_printf(&msg, " (%s, adjusted %s, at or below alpha %g", gs_gof_method_name(gr->method),
                  expect_p_text(gr->p_value, pbuf), stats->alpha);
    if (stats->family_alpha > 0)
        gs_buf_printf(&msg, ", its share of the family-wise %g", stats->family_alpha);
    gs_buf_puts(&msg, "; a correct implementation fails this way with probability at most alpha)");
    if (per_connection_note)
        expect_connection_note(o, &msg);
    gs_results_set(&c->message, "%s", msg.data);
    gs_buf_clear(&msg);
}

/* What a share check compares: the expected relative weights by name against the counts of the
 * answered requests by name. `split` counts backends, `statusShares` statuses. */
typedef struct expect_shares {
    const char *kind;                /* the check's kind in the results */
    const gs_scenario_weight *w;     /* expected weights; .backend is the name counted */
    size_t n;
    const gs_traffic_counts *counts; /* observed counts by name */
    const char *unit;                /* "requests" a backend answered, or "responses" */
    bool per_connection_note;        /* split: say when every connection went to one backend */
} expect_shares;

static void expect_split(gs_expect_obs *o, const expect_shares *sh,
                         const gs_scenario_statistics *stats, gs_results_step *step,
                         unsigned *failed)
{
    char pbuf[40];
    gs_results_check *c = gs_results_add_check(step, sh->kind);
    /* Rows: the expected names, then anything else counted (weight 0, including responses no
     * backend answered: a split among backends means every answered request reached one of
     * them). Requests without a response are not rows: the shares are judged on answered
     * requests, the errors by their own check (expect_errors). */
    size_t cap = sh->n + sh->counts->len + 1;
    gs_gof_backend *rows = gs_xcalloc(cap, sizeof(*rows));
    const char **names = gs_xcalloc(cap, sizeof(*names));
    size_t k = 0;
    double total_w = 0;
    for (size_t i = 0; i < sh->n; i++) {
        names[k] = sh->w[i].backend;
        rows[k].weight = sh->w[i].weight;
        rows[k].count = gs_traffic_counts_get(sh->counts, sh->w[i].backend);
        total_w += sh->w[i].weight;
        k++;
    }
    for (size_t i = 0; i < sh->counts->len; i++) {
        bool known = false;
        for (size_t j = 0; j < sh->n; j++)
            known |= strcmp(sh->counts->items[i].name, sh->w[j].backend) == 0;
        if (!known && sh->counts->items[i].count > 0) {
            names[k] = strcmp(sh->counts->items[i].name, "none") == 0
                           ? "(no backend)"
                           : sh->counts->items[i].name;
            rows[k].weight = 0;
            rows[k].count = sh->counts->items[i].count;
            k++;
        }
    }
    gs_gof_result gr;
    gs_error err = {0};
    uint64_t answered = 0;
    for (size_t i = 0; i < k; i++)
        answered += rows[i].count;
    int rc = answered ? gs_gof_split(rows, k, stats->alpha, stats->tolerance, stats->power, &gr,
                                     &err)
                      : 0;
    gs_buf exp = {0}, obs = {0};
    for (size_t i = 0; i < sh->n; i++)
        gs_buf_printf(&exp, "%s%s %g", i ? ", " : "", sh->w[i].backend, sh->w[i].weight);
    if (answered == 0) {
        c->result = GS_RESULT_FAILED;
        gs_results_set(&c->message, "no answered requests to count");
        (*failed)++;
        goto out;
    }
    if (rc < 0) {
        c->result = GS_RESULT_ERROR;
        gs_results_set(&c->message, "%s", err.msg);
        (*failed)++;
        goto out;
    }
    for (size_t i = 0; i < k; i++) {
        gs_expect_add_share(c, names[i], &rows[i], total_w);
        gs_buf_printf(&obs, "%s%s %llu (%.1f%%", i ? ", " : "", names[i],
                      (unsigned long long)rows[i].count,
                      gr.n ? 100.0 * (double)rows[i].count / (double)gr.n : 0.0);
        if (!isnan(rows[i].ci_low))
            gs_buf_printf(&obs, ", interval %.1f-%.1f%%", 100 * rows[i].ci_low,
                          100 * rows[i].ci_high);
        gs_buf_putc(&obs, ')');
    }
    gs_expect_set_gof(c, stats, &gr);
    if (stats->family_alpha > 0)
        c->family_alpha = stats->family_alpha;
    if (gr.passed) {
        c->result = GS_RESULT_PASSED;
        gs_results_set(&c->message,
                       "counts agree with the weights within tolerance %g (%s, adjusted %s, above "
                       "alpha %g; a deviation of %.1f%% would be detected with probability %g)",
                       stats->tolerance, gs_gof_method_name(gr.method),
                       expect_p_text(gr.p_value, pbuf), stats->alpha, 100 * gr.detectable,
                       stats->power);
    } else {
        c->result = GS_RESULT_FAILED;
        (*failed)++;
        size_t culprit = k;
        for (size_t i = 0; i < k && culprit == k; i++)
            if (rows[i].weight == 0 && rows[i].count > 0)
                culprit = i;
        if (culprit < k)
            gs_results_set(&c->message, "%s has weight 0 but %s %llu %s", names[culprit],
                           sh->per_connection_note ? "answered" : "came in",
                           (unsigned long long)rows[culprit].count, sh->unit);
        else
            expect_split_misfit(o, c, rows, names, k, &gr, stats, sh->per_connection_note);
    }
out:
    gs_results_set(&c->expected, "%s", exp.data ? exp.data : "");
    gs_results_set(&c->observed, "%s", obs.data ? obs.data : "");
    gs_buf_clear(&exp);
    gs_buf_clear(&obs);
    free(rows);
    free(names);
}

/* Requests that got no response, judged on their own (a failed "errors" check, added only when
 * there were some) when no other expectation of the step (status, grpcStatus, backend, ...)
 * already fails them: a split is about where answered
 * requests went, and "the gateway dropped 3 connections" is a different failure. */
static void expect_errors(const gs_expect_obs *o, const gs_traffic_result *res,
                          gs_results_step *step, unsigned *failed)
{
    const gs_scenario_expect *ex = o->ex;
    uint64_t errs = 0;
    for (int e = 1; e < GS_TRAFFIC_ERR_COUNT; e++)
        errs += res->errors[e];
    bool judged = ex->n_statuses || ex->has_grpc_status || ex->backend || ex->backend_none ||
                  ex->handshake_rejected || ex->request.present || ex->response.present ||
                  ex->has_redirect;
    if (judged || ex->n_split == 0 || errs == 0)
        return;
    gs_results_check *c = gs_results_add_check(step, "errors");
    gs_results_set(&c->expected, "every request answered");
    gs_buf b = {0};
    gs_buf_printf(&b, "%llu of %llu answered", (unsigned long long)(res->requests - errs),
                  (unsigned long long)res->requests);
    expect_errors_text(&b, res);
    gs_results_set(&c->observed, "%s", b.data);
    c->result = GS_RESULT_FAILED;
    (*failed)++;
    gs_buf_reset(&b);
    gs_buf_printf(&b, "%llu of %llu requests got no response", (unsigned long long)errs,
                  (unsigned long long)res->requests);
    expect_errors_text(&b, res);
    gs_buf_puts(&b, "; the split is judged on the answered ones only");
    gs_results_set(&c->message, "%s", b.data);
    gs_buf_clear(&b);
}

/* |v| with thousands separators ("1,234,567"). */
static const char *expect_thousands(uint64_t v, char buf[32])
{
    char digits[24];
    int n = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v);
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[k++] = ',';
        buf[k++] = digits[i];
    }
    buf[k] = '\0';
    return buf;
}

/* "N mirror copy"/"N mirror copies", with separators. */
static void expect_copies(gs_buf *b, uint64_t n)
{
    char t[32];
    gs_buf_printf(b, "%s mirror cop%s", expect_thousands(n, t), n == 1 ? "y" : "ies");
}

/* Appends why mirror copies may have gone astray, from what the target reported. */
static void expect_mirror_why(const gs_expect_target_mirrors *t, gs_buf *b)
{
    char n1[32];
    if (!t->asked)
        return;
    if (!t->known) {
        gs_buf_printf(b, "; the target's mirror counters are unknown (%s)",
                      t->unknown[0] ? t->unknown : "not reported");
        return;
    }
    size_t before = b->len;
    if (t->dropped) {
        gs_buf_puts(b, "; the gateway dropped ");
        expect_copies(b, t->dropped);
        gs_buf_puts(b, " in this step (");
        if (t->cap)
            gs_buf_printf(b, "more than %s in flight", expect_thousands(t->cap, n1));
        else
            gs_buf_puts(b, "too many in flight");
        gs_buf_puts(b, ": the mirror backend did not keep up; raise the cap with "
                       "--max-mirrors-in-flight on gatesim run or gatesim gateway)");
    }
    if (t->no_endpoint) {
        gs_buf_puts(b, "; ");
        expect_copies(b, t->no_endpoint);
        gs_buf_puts(b, " had no endpoint to go to");
    }
    if (t->failed) {
        gs_buf_puts(b, "; ");
        expect_copies(b, t->failed);
        gs_buf_puts(b, " failed on the way to the backend (connect error or broken connection)");
    }
    if (t->timed_out) {
        gs_buf_puts(b, "; ");
        expect_copies(b, t->timed_out);
        gs_buf_puts(b, " timed out");
    }
    if (t->in_flight) {
        gs_buf_puts(b, "; ");
        expect_copies(b, t->in_flight);
        gs_buf_puts(b, " still in flight when the ids were read");
    }
    if (b->len != before)
        return;
    if (t->sent == 0) {
        gs_buf_puts(b, "; the gateway sent no mirror copies in this step");
    } else {
        gs_buf_puts(b, "; the gateway sent ");
        expect_copies(b, t->sent);
        gs_buf_puts(b, " in this step and reports none dropped or failed");
    }
}

#define EXPECT_MIRROR_IDS 5

/* Appends "; first missing: <id>, ..." (|missing|: answered ids the mirror did not see) or
 * "; first: <id>, ..." (ids the mirror saw), at most EXPECT_MIRROR_IDS of them: the request
 * ids to look for in the backend's and the gateway's logs. */
static void expect_mirror_ids(const gs_expect_obs *o, size_t m, bool missing, gs_buf *b)
{
    unsigned listed = 0;
    for (uint64_t i = 0; i < o->id_bits && listed < EXPECT_MIRROR_IDS; i++) {
        bool ans = o->answered[i / 8] & (1u << (i % 8));
        bool seen = (o->mirrored[m][i / 8] & (1u << (i % 8))) != 0;
        if (!ans || seen != !missing)
            continue;
        gs_buf_printf(b, "%s%s%llu", listed ? ", " : (missing ? "; first missing: " : "; first: "),
                      o->request_id_prefix ? o->request_id_prefix : "", (unsigned long long)i);
        listed++;
    }
}

static void expect_mirror(gs_expect_obs *o, const gs_scenario_statistics *stats,
                          gs_results_step *step, unsigned *failed)
{
    char pbuf[40];
    const gs_scenario_expect *ex = o->ex;
    for (size_t m = 0; m < ex->n_mirror; m++) {
        const gs_scenario_mirror *mi = &ex->mirror[m];
        gs_results_check *c = gs_results_add_check(step, "mirror");
        uint64_t hits, answered;
        gs_expect_mirror_counts(o, m, &hits, &answered);
        gs_gof_fraction_result fr;
        gs_error err = {0};
        if (mi->fraction >= 1)
            gs_results_set(&c->expected, "every request reaches %s", mi->backend);
        else if (mi->fraction <= 0)
            gs_results_set(&c->expected, "no request reaches %s", mi->backend);
        else
            gs_results_set(&c->expected, "%g%% of the requests reach %s", 100 * mi->fraction,
                           mi->backend);
        gs_results_set(&c->observed, "%llu of %llu request ids arrived (%.1f%%)",
                       (unsigned long long)hits, (unsigned long long)answered,
                       answered ? 100.0 * (double)hits / (double)answered : 0.0);
        gs_results_share *sh = gs_results_add_share(c, mi->backend);
        sh->expected_share = mi->fraction;
        sh->observed_count = hits;
        if (gs_gof_fraction(hits, answered, mi->fraction, stats->alpha, stats->tolerance, &fr,
                            &err) < 0) {
            c->result = GS_RESULT_ERROR;
            gs_results_set(&c->message, "%s", err.msg);
            (*failed)++;
            continue;
        }
        sh->observed_share = fr.observed;
        sh->ci_low = fr.ci_low;
        sh->ci_high = fr.ci_high;
        sh->p_value = fr.p_value;
        c->samples = answered;
        if (!fr.exact) {
            c->p_value = fr.p_value;
            c->alpha = stats->alpha;
            if (stats->family_alpha > 0)
                c->family_alpha = stats->family_alpha;
            c->tolerance = stats->tolerance;
            c->interval_level = stats->alpha;
            c->power = stats->power;
            gs_results_set(&c->method, "exact-binomial");
            /* The smallest deviation from the fraction this many ids would have revealed. */
            double w[2] = {mi->fraction, 1 - mi->fraction};
            c->detectable = sh->detectable =
                gs_plan_detectable(w, 2, answered, stats->alpha, stats->tolerance, stats->power);
        }
        if (answered == 0) {
            c->result = GS_RESULT_FAILED;
            gs_results_set(&c->message, "no answered requests to match against the mirror");
            (*failed)++;
        } else if (fr.passed) {
            c->result = GS_RESULT_PASSED;
            if (fr.exact)
                gs_results_set(&c->message, "every request id %s %s",
                               mi->fraction > 0 ? "reached" : "stayed away from", mi->backend);
            else
                gs_results_set(&c->message, "mirrored share fits %g (%s, above alpha %g)",
                               mi->fraction, expect_p_text(fr.p_value, pbuf), stats->alpha);
        } else {
            c->result = GS_RESULT_FAILED;
            (*failed)++;
            gs_buf msg = {0};
            char n1[32], n2[32];
            if (fr.exact) {
                bool want = mi->fraction > 0;
                gs_buf_printf(&msg, "%s of %s request ids %s %s",
                              expect_thousands(want ? answered - hits : hits, n1),
                              expect_thousands(answered, n2), want ? "never reached" : "reached",
                              mi->backend);
                if (want)
                    expect_mirror_why(&o->target, &msg);
                expect_mirror_ids(o, m, want, &msg);
            } else {
                gs_buf_printf(
                    &msg, "mirrored share %.3f does not fit %g (%s, at or below alpha %g)",
                    fr.observed, mi->fraction, expect_p_text(fr.p_value, pbuf), stats->alpha);
                if (fr.observed < mi->fraction)
                    expect_mirror_why(&o->target, &msg);
            }
            gs_results_set(&c->message, "%s", msg.data);
            gs_buf_clear(&msg);
        }
    }
}

/* |ns| in milliseconds as people write them: "200 ms", "1.234 ms", "0.05 ms" (at most three
 * decimals, no trailing zeros), so a limit reads as it was written. */
static const char *expect_ms(int64_t ns, char out[32])
{
    snprintf(out, 32, "%.3f", (double)ns / 1e6);
    char *end = out + strlen(out);
    while (end > out && end[-1] == '0')
        *--end = '\0';
    if (end > out && end[-1] == '.')
        *--end = '\0';
    snprintf(end, (size_t)(32 - (end - out)), " ms");
    return out;
}

static void expect_latency(const gs_scenario_latency *l, const gs_traffic_result *res,
                           gs_results_step *step, unsigned *failed)
{
    struct {
        const char *name;
        double pct;
        int64_t limit;
    } rows[] = {{"p50", 50, l->p50_ns},
                {"p90", 90, l->p90_ns},
                {"p99", 99, l->p99_ns},
                {"p999", 99.9, l->p999_ns},
                {"max", 100, l->max_ns}};
    gs_results_check *c = gs_results_add_check(step, "latency");
    gs_buf exp = {0}, obs = {0}, bad = {0};
    uint64_t count = res->latency ? gs_histogram_count(res->latency) : 0;
    for (size_t i = 0; i < GS_ARRAY_LEN(rows); i++) {
        if (rows[i].limit <= 0)
            continue;
        int64_t v = count
                        ? (rows[i].pct >= 100 ? gs_histogram_max(res->latency)
                                              : gs_histogram_percentile(res->latency, rows[i].pct))
                        : 0;
        char lim[32], got[32];
        expect_ms(rows[i].limit, lim);
        expect_ms(v, got);
        gs_buf_printf(&exp, "%s%s <= %s", exp.len ? ", " : "", rows[i].name, lim);
        gs_buf_printf(&obs, "%s%s %s", obs.len ? ", " : "", rows[i].name, got);
        if (v > rows[i].limit)
            gs_buf_printf(&bad, "%s%s %s > %s", bad.len ? ", " : "", rows[i].name, got, lim);
    }
    gs_results_set(&c->expected, "%s", exp.data ? exp.data : "");
    gs_results_set(&c->observed, "%s", obs.data ? obs.data : "");
    if (count == 0) {
        c->result = GS_RESULT_FAILED;
        gs_results_set(&c->message, "no responses to measure");
        (*failed)++;
    } else if (bad.len) {
        c->result = GS_RESULT_FAILED;
        gs_results_set(&c->message, "over the limit: %s", bad.data);
        (*failed)++;
    } else {
        c->result = GS_RESULT_PASSED;
        gs_results_set(&c->message, "within the limits over %llu responses",
                       (unsigned long long)count);
    }
    gs_buf_clear(&exp);
    gs_buf_clear(&obs);
    gs_buf_clear(&bad);
}

/* Appends "name: value" for each header |q| expects and "no name" for each it must not carry,
 * "; "-separated after what |b| holds. */
static void expect_headers_text(gs_buf *b, const gs_scenario_http_expect *q)
{
    if (q->proto)
        gs_buf_printf(b, "%s%s", b->len ? "; " : "", q->proto);
    for (size_t i = 0; i < q->n_headers; i++)
        gs_buf_printf(b, "%s%s: %s", b->len ? "; " : "", q->headers[i].name, q->headers[i].value);
    for (size_t i = 0; i < q->n_absent; i++)
        gs_buf_printf(b, "%sno %s", b->len ? "; " : "", q->absent[i]);
}

/* Adds the per-request check |kind| whose expectation is the text in |b| and whose observation
 * is "k of n as expected". Leaves |b| empty. */
static void expect_as_expected_check(gs_buf *b, gs_results_step *step, const char *kind,
                                     gs_expect_tally *t, uint64_t total, unsigned *failed)
{
    char *expected = gs_buf_take(b);
    gs_buf_printf(b, "%llu of %llu as expected", (unsigned long long)(total - t->bad),
                  (unsigned long long)total);
    expect_tally_check(step, kind, t, total, expected, b->data, failed);
    free(expected);
    gs_buf_reset(b);
}

unsigned gs_expect_finish(gs_expect_obs *o, const gs_traffic_result *res,
                          const gs_scenario_statistics *stats, gs_results_step *step)
{
    const gs_scenario_expect *ex = o->ex;
    unsigned failed = 0;
    if (ex == NULL || !ex->present)
        return 0;
    uint64_t total = res->requests;
    gs_buf b = {0};
    if (ex->n_statuses) {
        for (size_t i = 0; i < ex->n_statuses; i++)
            gs_buf_printf(&b, "%s%d", i ? " or " : "", ex->statuses[i]);
        char *expected = gs_buf_take(&b);
        expect_counts_text(&b, &res->statuses, "");
        expect_errors_text(&b, res);
        expect_target_errors_text(&b, &o->target_errors);
        expect_tally_check(step, "status", &o->status, total, expected, b.data ? b.data : "",
                           &failed);
        free(expected);
        gs_buf_reset(&b);
    }
    if (ex->has_grpc_status) {
        char expected[64];
        snprintf(expected, sizeof(expected), "%d (%s)", ex->grpc_status,
                 gs_grpc_code_name(ex->grpc_status));
        expect_counts_text(&b, &res->grpc_statuses, "");
        expect_errors_text(&b, res);
        expect_target_errors_text(&b, &o->target_errors);
        expect_tally_check(step, "grpcStatus", &o->grpc_status, total, expected,
                           b.data ? b.data : "", &failed);
        gs_buf_reset(&b);
    }
    if (ex->backend || ex->backend_none) {
        expect_counts_text(&b, &res->backends, "");
        expect_errors_text(&b, res);
        expect_tally_check(step, "backend", &o->backend, total,
                           ex->backend_none ? "no backend answers" : ex->backend,
                           b.data ? b.data : "", &failed);
        gs_buf_reset(&b);
    }
    if (ex->handshake_rejected) {
        expect_counts_text(&b, &res->statuses, "");
        expect_errors_text(&b, res);
        expect_tally_check(step, "handshake", &o->handshake, total,
                           "every connection refused during TLS", b.data ? b.data : "", &failed);
        gs_buf_reset(&b);
    }
    if (ex->certificate_backend) {
        expect_counts_text(&b, &res->certificates, "");
        expect_errors_text(&b, res);
        expect_tally_check(step, "certificate", &o->certificate, total, ex->certificate_backend,
                           b.data ? b.data : "", &failed);
        gs_buf_reset(&b);
    }
    if (ex->n_split) {
        expect_shares sh = {"split", ex->split, ex->n_split, &res->backends, "requests", true};
        expect_split(o, &sh, stats, step, &failed);
    }
    if (ex->n_status_shares) {
        expect_shares sh = {"statusShares", ex->status_shares, ex->n_status_shares,
                            &res->statuses, "responses", false};
        expect_split(o, &sh, stats, step, &failed);
    }
    if (ex->n_split || ex->n_status_shares)
        expect_errors(o, res, step, &failed);
    if (ex->request.present) {
        const gs_scenario_http_expect *q = &ex->request;
        if (q->method)
            gs_buf_printf(&b, "%smethod %s", b.len ? "; " : "", q->method);
        if (q->path)
            gs_buf_printf(&b, "%spath %s", b.len ? "; " : "", q->path);
        if (q->host)
            gs_buf_printf(&b, "%shost %s", b.len ? "; " : "", q->host);
        if (q->sni)
            gs_buf_printf(&b, "%sTLS server name %s", b.len ? "; " : "", q->sni);
        if (q->client_certificate)
            gs_buf_printf(&b, "%sclient certificate %s", b.len ? "; " : "", q->client_certificate);
        expect_headers_text(&b, q);
        expect_as_expected_check(&b, step, "request", &o->request, total, &failed);
    }
    if (ex->response.present) {
        expect_headers_text(&b, &ex->response);
        expect_as_expected_check(&b, step, "response", &o->response, total, &failed);
    }
    if (ex->has_redirect) {
        if (ex->redirect_status)
            gs_buf_printf(&b, "%d", ex->redirect_status);
        else
            gs_buf_puts(&b, "3xx");
        if (ex->redirect_location)
            gs_buf_printf(&b, " to %s", ex->redirect_location);
        expect_as_expected_check(&b, step, "redirect", &o->redirect, total, &failed);
    }
    if (ex->n_mirror)
        expect_mirror(o, stats, step, &failed);
    if (ex->latency.present)
        expect_latency(&ex->latency, res, step, &failed);
    gs_buf_clear(&b);
    return failed;
}

/* The requests a share check (split or statusShares) needs; 0 without one. */
static int expect_plan_shares(const gs_scenario_weight *sw, size_t n_w,
                              const gs_scenario_statistics *stats, uint64_t *out, gs_error *err)
{
    *out = 0;
    if (n_w == 0)
        return 0;
    double *w = gs_xcalloc(n_w, sizeof(*w));
    for (size_t i = 0; i < n_w; i++)
        w[i] = sw[i].weight;
    int rc = gs_plan_requests(w, n_w, stats->alpha, stats->tolerance, stats->power,
                              stats->min_effect, out, err);
    free(w);
    return rc;
}

/* The smallest deviation a share check catches with |n| requests; 0 without one. */
static double expect_detectable_shares(const gs_scenario_weight *sw, size_t n_w,
                                       const gs_scenario_statistics *stats, uint64_t n)
{
    if (n_w == 0)
        return 0;
    double *w = gs_xcalloc(n_w, sizeof(*w));
    for (size_t i = 0; i < n_w; i++)
        w[i] = sw[i].weight;
    double d = gs_plan_detectable(w, n_w, n, stats->alpha, stats->tolerance, stats->power);
    free(w);
    return d;
}

int gs_expect_plan_requests(const gs_scenario_expect *ex, const gs_scenario_statistics *stats,
                            uint64_t *out, gs_error *err)
{
    uint64_t n = 0, k = 0;
    int rc = expect_plan_shares(ex->split, ex->n_split, stats, &n, err);
    if (rc == 0)
        rc = expect_plan_shares(ex->status_shares, ex->n_status_shares, stats, &k, err);
    if (rc < 0)
        return rc;
    if (k > n)
        n = k;
    for (size_t i = 0; i < ex->n_mirror; i++) {
        double f = ex->mirror[i].fraction;
        if (f <= 0 || f >= 1)
            continue;
        double w[2] = {f, 1 - f};
        rc = gs_plan_requests(w, 2, stats->alpha, stats->tolerance, stats->power,
                              stats->min_effect, &k, err);
        if (rc < 0)
            return rc;
        if (k > n)
            n = k;
    }
    if (n == 0)
        n = 100;
    *out = n;
    return 0;
}

unsigned gs_expect_random_checks(const gs_scenario_expect *ex)
{
    unsigned positive = 0, checks = 0;
    for (size_t i = 0; i < ex->n_split; i++)
        positive += ex->split[i].weight > 0;
    checks += positive >= 2;
    positive = 0;
    for (size_t i = 0; i < ex->n_status_shares; i++)
        positive += ex->status_shares[i].weight > 0;
    checks += positive >= 2;
    for (size_t i = 0; i < ex->n_mirror; i++)
        checks += ex->mirror[i].fraction > 0 && ex->mirror[i].fraction < 1;
    return checks;
}

double gs_expect_plan_min_effect(const gs_scenario_expect *ex, const gs_scenario_statistics *stats,
                                 uint64_t n)
{
    /* The largest of the checks' detectable deviations; NaN (nothing detectable) wins. */
    double worst = expect_detectable_shares(ex->split, ex->n_split, stats, n);
    double ds = expect_detectable_shares(ex->status_shares, ex->n_status_shares, stats, n);
    if (!isnan(worst) && (isnan(ds) || ds > worst))
        worst = ds;
    for (size_t i = 0; i < ex->n_mirror && !isnan(worst); i++) {
        double f = ex->mirror[i].fraction;
        if (f <= 0 || f >= 1)
            continue;
        double w[2] = {f, 1 - f};
        double d = gs_plan_detectable(w, 2, n, stats->alpha, stats->tolerance, stats->power);
        worst = isnan(d) || d > worst ? d : worst;
    }
    return worst;
}

static void expect_copy_counts(gs_results_counts *dst, const gs_traffic_counts *src)
{
    for (size_t i = 0; i < src->len; i++)
        gs_results_counts_add(dst, src->items[i].name, src->items[i].count);
}

void gs_expect_fill_traffic(gs_results_traffic *t, const gs_traffic_result *res)
{
    t->present = true;
    t->requests = res->requests;
    t->duration_seconds = res->duration_s;
    t->rps = res->rps;
    if (res->latency && gs_histogram_count(res->latency)) {
        t->latency_ms.p50 = (double)gs_histogram_percentile(res->latency, 50) / 1e6;
        t->latency_ms.p90 = (double)gs_histogram_percentile(res->latency, 90) / 1e6;
        t->latency_ms.p99 = (double)gs_histogram_percentile(res->latency, 99) / 1e6;
        t->latency_ms.p999 = (double)gs_histogram_percentile(res->latency, 99.9) / 1e6;
        t->latency_ms.max = (double)gs_histogram_max(res->latency) / 1e6;
    }
    expect_copy_counts(&t->statuses, &res->statuses);
    expect_copy_counts(&t->backends, &res->backends);
    for (int e = 1; e < GS_TRAFFIC_ERR_COUNT; e++)
        if (res->errors[e])
            gs_results_counts_add(&t->errors, gs_traffic_error_name((gs_traffic_error)e),
                                  res->errors[e]);
}
