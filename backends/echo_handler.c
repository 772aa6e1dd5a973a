/* SPDX-License-Identifier: MIT */
/* The echo behaviour (docs/echo.md): fault draws, /status/NNN, /health, ?delay=, X-Echo-Set-Header,
 * the JSON echo body, the gRPC EchoResponse, request logging; and the control endpoint. */
#include "echo_handler.h"
#include "echo_ws.h"

#include "gs_alloc.h"
#include "gs_error.h"
#include "gs_grpc.h"
#include "gs_h1_request.h"
#include "gs_json.h"
#include "gs_pb.h"
#include "gs_time.h"
#include "gs_ws.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HANDLER_MAX_DELAY (300 * GS_NS_PER_S)

/* ---- response ---- */

void gs_echo_response_reset(gs_echo_response *r)
{
    r->status = 200;
    gs_buf_reset(&r->fields);
    r->n_fields = 0;
    gs_buf_reset(&r->body);
    r->delay_ns = 0;
    r->slow_body_ns = 0;
    r->reset = false;
    r->close = false;
    r->grpc = false;
    r->grpc_status = 0;
    gs_buf_reset(&r->grpc_message);
}

void gs_echo_response_free(gs_echo_response *r)
{
    if (r == NULL)
        return;
    gs_buf_clear(&r->fields);
    gs_buf_clear(&r->body);
    gs_buf_clear(&r->grpc_message);
}

void gs_echo_response_add(gs_echo_response *r, const char *name, size_t name_len, const char *value,
                          size_t value_len)
{
    char *dst = gs_buf_reserve(&r->fields, name_len + value_len + 2);
    for (size_t i = 0; i < name_len; i++) {
        char c = name[i];
        dst[i] = (c >= 'A' && c <= 'Z') ? (char)(c + ('a' - 'A')) : c;
    }
    dst[name_len] = '\0';
    memcpy(dst + name_len + 1, value, value_len);
    dst[name_len + 1 + value_len] = '\0';
    r->fields.len += name_len + value_len + 2;
    r->n_fields++;
}

/* Adds a field whose name is a lower-case literal (no per-byte lowering). */
static void response_add_lower(gs_echo_response *r, const char *name, size_t name_len,
                               const char *value, size_t value_len)
{
    char *dst = gs_buf_reserve(&r->fields, name_len + value_len + 2);
    memcpy(dst, name, name_len + 1);
    memcpy(dst + name_len + 1, value, value_len);
    dst[name_len + 1 + value_len] = '\0';
    r->fields.len += name_len + value_len + 2;
    r->n_fields++;
}

#define RESPONSE_ADD_LIT(r, name, lit) \
    response_add_lower((r), (name), sizeof(name) - 1, (lit), sizeof(lit) - 1)

static void response_add_str(gs_echo_response *r, const char *name, const char *value)
{
    gs_echo_response_add(r, name, strlen(name), value, strlen(value));
}

bool gs_echo_response_next(const gs_echo_response *r, size_t *pos, const char **name,
                           size_t *name_len, const char **value, size_t *value_len)
{
    if (*pos >= r->fields.len)
        return false;
    *name = r->fields.data + *pos;
    *name_len = strlen(*name);
    *value = *name + *name_len + 1;
    *value_len = strlen(*value);
    *pos += *name_len + *value_len + 2;
    return true;
}

/* ---- helpers ---- */

void gs_echo_ctx_init(gs_echo_ctx *ctx, const gs_echo_config *cfg, gs_echo_log *log, uint64_t seed)
{
    ctx->cfg = cfg;
    ctx->log = log;
    ctx->faults_version = 0; /* |faults| unused until the control endpoint sets them */
    ctx->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
    memset(ctx->tails, 0, sizeof(ctx->tails));
    ctx->next_tail = 0;
    snprintf(ctx->backend, sizeof(ctx->backend), "%s/%s/%s", cfg->ns, cfg->name, cfg->replica);
    ctx->backend_len = strlen(ctx->backend);
}

void gs_echo_ctx_free(gs_echo_ctx *ctx)
{
    for (size_t i = 0; i < GS_ARRAY_LEN(ctx->tails); i++)
        gs_buf_clear(&ctx->tails[i].json);
}

static double handler_uniform(gs_echo_ctx *ctx)
{
    uint64_t x = ctx->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    ctx->rng = x;
    return (double)((x * 0x2545f4914f6cdd1dull) >> 11) * 0x1.0p-53;
}

size_t gs_echo_utoa(uint64_t v, char out[24])
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
    return n;
}

void gs_echo_canonical_name(const char *name, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool ok =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
        if (!ok) {
            memcpy(out, name, n);
            return;
        }
    }
    bool upper = true;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (upper && c >= 'a' && c <= 'z')
            c = (char)(c - ('a' - 'A'));
        else if (!upper && c >= 'A' && c <= 'Z')
            c = (char)(c + ('a' - 'A'));
        out[i] = c;
        upper = c == '-';
    }
}

const gs_echo_header *gs_echo_request_header(const gs_echo_request *req, const char *name)
{
    for (size_t i = 0; i < req->n_headers; i++)
        if (gs_h1_strieq(req->headers[i].name, req->headers[i].name_len, name))
            return &req->headers[i];
    return NULL;
}

const char *gs_echo_query_param(const char *target, size_t target_len, const char *key,
                                size_t *value_len)
{
    const char *q = memchr(target, '?', target_len);
    if (q == NULL)
        return NULL;
    const char *end = target + target_len;
    size_t klen = strlen(key);
    const char *p = q + 1;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *pe = amp != NULL ? amp : end;
        if ((size_t)(pe - p) > klen && memcmp(p, key, klen) == 0 && p[klen] == '=') {
            *value_len = (size_t)(pe - (p + klen + 1));
            return p + klen + 1;
        }
        p = pe + 1;
    }
    return NULL;
}

static size_t target_path_len(const gs_echo_request *req)
{
    const char *q = memchr(req->target, '?', req->target_len);
    return q != NULL ? (size_t)(q - req->target) : req->target_len;
}

/* ?delay=DUR (Go duration syntax); bad values are ignored. */
static int64_t handler_query_delay(const gs_echo_request *req)
{
    size_t n;
    const char *v = gs_echo_query_param(req->target, req->target_len, "delay", &n);
    if (v == NULL || n == 0 || n > 31)
        return 0;
    char tmp[32];
    memcpy(tmp, v, n);
    tmp[n] = '\0';
    int64_t ns;
    if (gs_duration_parse(tmp, &ns, NULL) < 0 || ns < 0)
        return 0;
    return ns > HANDLER_MAX_DELAY ? HANDLER_MAX_DELAY : ns;
}

/* A query parameter as a non-negative integer, or -1 when absent or not one. */
static int64_t handler_query_int(const gs_echo_request *req, const char *key)
{
    size_t n;
    const char *v = gs_echo_query_param(req->target, req->target_len, key, &n);
    if (v == NULL || n == 0 || n > 9)
        return -1;
    int64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return -1;
        x = x * 10 + (v[i] - '0');
    }
    return x;
}

/* The retry simulation, with the query parameters the Gateway API conformance suite's retry
 * tests send: `responseCode=N&succeedAfter=K` answers the first K tries of one request with
 * status N (after `delayRetry=DUR`) and the next ones normally; `succeedAfter=K` without a
 * responseCode fails those tries by dropping the connection instead (*status 0: no answer, as
 * echo-basic does for the connection-error retry test). A request is known by `uuid=` when
 * given, else by its x-gatesim-request-id (the gateway's retries keep the id, so every request
 * of a step counts its own tries). Returns true when this try is to fail. */
static bool handler_retry_fails(gs_echo_ctx *ctx, const gs_echo_request *req, int *status,
                                int64_t *delay_ns)
{
    int64_t code = handler_query_int(req, "responseCode");
    int64_t after = handler_query_int(req, "succeedAfter");
    size_t n = 0;
    if (gs_echo_query_param(req->target, req->target_len, "responseCode", &n) == NULL)
        code = 0; /* no responseCode at all: drop the connection */
    if ((code != 0 && (code < 100 || code > 599)) || after < 0)
        return false;
    const char *key = gs_echo_query_param(req->target, req->target_len, "uuid", &n);
    if (key == NULL) {
        const gs_echo_header *id = gs_echo_request_header(req, GS_ECHO_REQUEST_ID_HEADER);
        if (id == NULL)
            return false; /* nothing tells the tries of one request apart */
        key = id->value;
        n = id->value_len;
    }
    if (gs_echo_log_try(ctx->log, key, n) > (uint64_t)after)
        return false;
    *status = (int)code;
    size_t dn;
    const char *d = gs_echo_query_param(req->target, req->target_len, "delayRetry", &dn);
    char tmp[32];
    int64_t ns;
    if (d != NULL && dn > 0 && dn < sizeof(tmp)) {
        memcpy(tmp, d, dn);
        tmp[dn] = '\0';
        if (gs_duration_parse(tmp, &ns, NULL) == 0 && ns > 0)
            *delay_ns += ns > HANDLER_MAX_DELAY ? HANDLER_MAX_DELAY : ns;
    }
    return true;
}

/* X-Echo-Set-Header: "Name:value,Name2:value2"; repeated names are joined with ','. */
static void handler_set_headers(const gs_echo_request *req, gs_echo_response *resp)
{
    for (size_t i = 0; i < req->n_headers; i++) {
        const gs_echo_header *h = &req->headers[i];
        if (!gs_h1_strieq(h->name, h->name_len, "x-echo-set-header"))
            continue;
        const char *p = h->value, *end = h->value + h->value_len;
        while (p < end) {
            const char *comma = memchr(p, ',', (size_t)(end - p));
            const char *pe = comma != NULL ? comma : end;
            const char *colon = memchr(p, ':', (size_t)(pe - p));
            if (colon != NULL) {
                const char *ns = p, *ne = colon, *vs = colon + 1, *ve = pe;
                while (ns < ne && (*ns == ' ' || *ns == '\t'))
                    ns++;
                while (ne > ns && (ne[-1] == ' ' || ne[-1] == '\t'))
                    ne--;
                while (vs < ve && (*vs == ' ' || *vs == '\t'))
                    vs++;
                while (ve > vs && (ve[-1] == ' ' || ve[-1] == '\t'))
                    ve--;
                if (ne > ns)
                    gs_echo_response_add(resp, ns, (size_t)(ne - ns), vs, (size_t)(ve - vs));
            }
            p = pe + 1;
        }
    }
}

/* Bytes with any of these in a word of 8: below 0x20, 0x7f and above, '"', '\\'. Eight bytes per
 * step (SWAR); the classic "has a zero byte" test on x ^ pattern finds the two characters. */
#define SWAR_ONES 0x0101010101010101ull
#define SWAR_HIGH 0x8080808080808080ull

static inline uint64_t swar_zero_bytes(uint64_t x)
{
    return (x - SWAR_ONES) & ~x & SWAR_HIGH;
}

/* Non-zero when one of the 8 bytes of |x| needs escaping. 0x80..0xff: high bit set; 0x7f: +1
 * sets it; < 0x20: - 0x20 borrows (only on bytes without the high bit, and a borrow can only run
 * upwards from a byte that is itself below 0x20, so "any" stays exact). */
static inline uint64_t swar_bad(uint64_t x)
{
    uint64_t low = x & ~SWAR_HIGH;
    return (x & SWAR_HIGH) | ((low + SWAR_ONES) & SWAR_HIGH) |
           ((low - 0x20 * SWAR_ONES) & ~low & SWAR_HIGH) | swar_zero_bytes(x ^ ('"' * SWAR_ONES)) |
           swar_zero_bytes(x ^ ('\\' * SWAR_ONES));
}

bool gs_echo_json_plain(const char *s, size_t n)
{
    uint64_t x;
    if (n < 8) {
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
                return false;
        }
        return true;
    }
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        memcpy(&x, s + i, 8);
        if (swar_bad(x) != 0)
            return false;
    }
    /* The tail: the last 8 bytes, overlapping what was checked already. */
    memcpy(&x, s + n - 8, 8);
    return swar_bad(x) == 0;
}

/* Most bytes json_str writes for |n| input bytes (gs_json_escape: 6 per byte at most, plus the
 * quotes). The JSON echo reserves the sum once and then writes without capacity checks. */
#define JSON_STR_MAX(n) (6 * (n) + 2)

/* Appends |s| as a JSON string: a straight copy when every byte is printable ASCII other than
 * '"' and '\\' (the usual case), else gs_json_escape (which also repairs invalid UTF-8).
 * The caller has reserved JSON_STR_MAX(n) bytes. */
static void json_str(gs_buf *out, const char *s, size_t n)
{
    if (!gs_echo_json_plain(s, n)) {
        gs_json_escape(out, s, n);
        return;
    }
    char *d = out->data + out->len;
    d[0] = '"';
    memcpy(d + 1, s, n);
    d[n + 1] = '"';
    out->len += n + 2;
}

/* Unchecked appends into reserved room (the NUL terminator is written at the end). */
static inline void json_raw(gs_buf *out, const char *s, size_t n)
{
    memcpy(out->data + out->len, s, n);
    out->len += n;
}

static inline void json_putc(gs_buf *out, char c)
{
    out->data[out->len++] = c;
}

#define JSON_LIT(out, lit) json_raw((out), (lit), sizeof(lit) - 1)

/* Header names longer than this are cut in the JSON echo. */
#define JSON_MAX_NAME 255

static bool name_eq(const gs_echo_header *a, const gs_echo_header *b)
{
    return a->name_len == b->name_len && strncasecmp(a->name, b->name, a->name_len) == 0;
}

/* Writes |name| (n bytes) as a JSON string in Go's canonical form straight into reserved room;
 * names with other characters than letters, digits and '-' go through json_str unchanged. */
static void json_canonical_name(gs_buf *out, const char *name, size_t n)
{
    char *d = out->data + out->len + 1;
    bool upper = true;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (c >= 'a' && c <= 'z') {
            if (upper)
                c = (char)(c - ('a' - 'A'));
        } else if (c >= 'A' && c <= 'Z') {
            if (!upper)
                c = (char)(c + ('a' - 'A'));
        } else if (!((c >= '0' && c <= '9') || c == '-')) {
            json_str(out, name, n);
            return;
        }
        d[i] = c;
        upper = c == '-';
    }
    d[-1] = '"';
    d[n] = '"';
    out->len += n + 2;
}

static bool is_host(const gs_echo_header *h)
{
    return h->name_len == 4 && (h->name[0] | 0x20) == 'h' && (h->name[1] | 0x20) == 'o' &&
           (h->name[2] | 0x20) == 's' && (h->name[3] | 0x20) == 't';
}

/* Every field, grouped by name in order of first appearance; "Host" is reported as "host", as
 * Go's server does. Writes into room reserved by handler_json_echo. */
static void handler_json_headers(gs_buf *out, const gs_echo_request *req)
{
    JSON_LIT(out, ",\"headers\":{");
    bool first = true;
    for (size_t i = 0; i < req->n_headers; i++) {
        const gs_echo_header *h = &req->headers[i];
        if (is_host(h))
            continue;
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++)
            seen = name_eq(&req->headers[k], h);
        if (seen)
            continue;
        if (!first)
            json_putc(out, ',');
        first = false;
        json_canonical_name(out, h->name, h->name_len < JSON_MAX_NAME ? h->name_len : JSON_MAX_NAME);
        JSON_LIT(out, ":[");
        json_str(out, h->value, h->value_len);
        for (size_t k = i + 1; k < req->n_headers; k++) {
            const gs_echo_header *o = &req->headers[k];
            if (name_eq(o, h)) {
                json_putc(out, ',');
                json_str(out, o->value, o->value_len);
            }
        }
        json_putc(out, ']');
    }
    json_putc(out, '}');
}

/* The part of the echo that depends only on the process and the port, built once per port. */
static const gs_buf *handler_json_tail(gs_echo_ctx *ctx, int port)
{
    for (size_t i = 0; i < GS_ARRAY_LEN(ctx->tails); i++) {
        if (ctx->tails[i].port == port && ctx->tails[i].json.len > 0)
            return &ctx->tails[i].json;
    }
    size_t slot = ctx->next_tail++ % GS_ARRAY_LEN(ctx->tails);
    gs_buf *out = &ctx->tails[slot].json;
    ctx->tails[slot].port = port;
    gs_buf_reset(out);
    const char *ns = ctx->cfg->ns, *name = ctx->cfg->name, *pod = ctx->cfg->replica;
    gs_buf_reserve(out, 128 + JSON_STR_MAX(strlen(ns)) + JSON_STR_MAX(strlen(name)) +
                            JSON_STR_MAX(strlen(pod)) + JSON_STR_MAX(strlen(ctx->backend)));
    JSON_LIT(out, ",\"namespace\":");
    json_str(out, ns, strlen(ns));
    JSON_LIT(out, ",\"ingress\":\"\",\"service\":");
    json_str(out, name, strlen(name));
    JSON_LIT(out, ",\"pod\":");
    json_str(out, pod, strlen(pod));
    out->data[out->len] = '\0';
    gs_buf_printf(out, ",\"httpPort\":\"%d\",\"backend\":", port);
    json_str(out, ctx->backend, strlen(ctx->backend));
    out->data[out->len] = '\0';
    return out;
}

/* The JSON echo in one pass: the most it can take is reserved first, then every piece is copied
 * in without further capacity checks. */
static void handler_json_echo(gs_echo_ctx *ctx, const gs_echo_request *req, gs_buf *out)
{
    const gs_buf *tail = handler_json_tail(ctx, req->local_port);
    size_t need = 96 + JSON_STR_MAX(req->target_len) + JSON_STR_MAX(req->authority_len) +
                  JSON_STR_MAX(req->method_len) + JSON_STR_MAX(strlen(req->proto)) + tail->len;
    for (size_t i = 0; i < req->n_headers; i++)
        need += JSON_STR_MAX(req->headers[i].name_len) + JSON_STR_MAX(req->headers[i].value_len) + 4;
    if (req->tls != NULL)
        need += 128 + JSON_STR_MAX(strlen(req->tls->version)) +
                JSON_STR_MAX(strlen(req->tls->server_name)) + JSON_STR_MAX(strlen(req->tls->alpn)) +
                JSON_STR_MAX(strlen(req->tls->cipher)) +
                (req->peer_cert != NULL ? JSON_STR_MAX(strlen(req->peer_cert)) : 0);
    gs_buf_reserve(out, need);
    JSON_LIT(out, "{\"path\":");
    json_str(out, req->target, req->target_len);
    JSON_LIT(out, ",\"host\":");
    json_str(out, req->authority != NULL ? req->authority : "", req->authority_len);
    JSON_LIT(out, ",\"method\":");
    json_str(out, req->method, req->method_len);
    JSON_LIT(out, ",\"proto\":");
    json_str(out, req->proto, strlen(req->proto));
    handler_json_headers(out, req);
    json_raw(out, tail->data, tail->len);
    if (req->tls != NULL) {
        JSON_LIT(out, ",\"tls\":{\"version\":");
        json_str(out, req->tls->version, strlen(req->tls->version));
        JSON_LIT(out, ",\"serverName\":");
        json_str(out, req->tls->server_name, strlen(req->tls->server_name));
        JSON_LIT(out, ",\"negotiatedProtocol\":");
        json_str(out, req->tls->alpn, strlen(req->tls->alpn));
        JSON_LIT(out, ",\"cipherSuite\":");
        json_str(out, req->tls->cipher, strlen(req->tls->cipher));
        if (req->peer_cert != NULL) {
            JSON_LIT(out, ",\"peerCertificates\":[");
            json_str(out, req->peer_cert, strlen(req->peer_cert));
            json_putc(out, ']');
        }
        json_putc(out, '}');
    }
    JSON_LIT(out, "}\n");
    out->data[out->len] = '\0';
}

static bool handler_is_grpc(const gs_echo_request *req)
{
    if (!req->h2)
        return false;
    const gs_echo_header *ct = gs_echo_request_header(req, "content-type");
    return ct != NULL && ct->value_len >= 16 &&
           strncasecmp(ct->value, "application/grpc", 16) == 0 &&
           (ct->value_len == 16 || ct->value[16] == '+' || ct->value[16] == ';');
}

static void handler_grpc_fail(gs_echo_response *resp, int code, const char *msg)
{
    resp->grpc_status = code;
    gs_buf_reset(&resp->grpc_message);
    gs_grpc_message_encode(&resp->grpc_message, msg, strlen(msg));
    gs_buf_reset(&resp->body);
}

/* Groups request headers by name for the EchoResponse (names are lower case in HTTP/2). */
static void handler_grpc_echo(gs_echo_ctx *ctx, const gs_echo_request *req, gs_echo_response *resp)
{
    const uint8_t *msg = NULL;
    size_t msg_len = 0;
    bool compressed = false;
    if (req->body_truncated) {
        handler_grpc_fail(resp, GS_GRPC_RESOURCE_EXHAUSTED, "request message over --max-body");
        return;
    }
    if (req->body_len > 0) {
        ssize_t n = gs_grpc_frame_parse(req->body, req->body_len, &msg, &msg_len, &compressed,
                                        ctx->cfg->max_body);
        if (n < 0) {
            handler_grpc_fail(resp, GS_GRPC_INTERNAL, "malformed gRPC message framing");
            return;
        }
        if (compressed) {
            handler_grpc_fail(resp, GS_GRPC_UNIMPLEMENTED, "compressed messages are not supported");
            return;
        }
    }
    size_t n = req->n_headers;
    gs_grpc_echo_header *hs = gs_xcalloc(n ? n : 1, sizeof(*hs));
    const char **vals = gs_xcalloc(n ? n : 1, sizeof(*vals));
    gs_buf strings = {0};
    /* Copy names and values NUL-terminated; offsets first, pointers after (the buffer moves). */
    size_t *noff = gs_xcalloc(n ? n : 1, sizeof(size_t)),
           *voff = gs_xcalloc(n ? n : 1, sizeof(size_t));
    for (size_t i = 0; i < n; i++) {
        noff[i] = strings.len;
        gs_buf_append(&strings, req->headers[i].name, req->headers[i].name_len);
        gs_buf_putc(&strings, '\0');
        voff[i] = strings.len;
        gs_buf_append(&strings, req->headers[i].value, req->headers[i].value_len);
        gs_buf_putc(&strings, '\0');
    }
    size_t nh = 0, nv = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = strings.data + noff[i];
        size_t k = 0;
        while (k < nh && strcmp(hs[k].name, name) != 0)
            k++;
        if (k == nh) {
            hs[nh].name = name;
            hs[nh].values = vals + nv;
            hs[nh].n_values = 0;
            /* Collect this name's values contiguously. */
            for (size_t m = i; m < n; m++) {
                if (strcmp(strings.data + noff[m], name) == 0) {
                    vals[nv++] = strings.data + voff[m];
                    hs[nh].n_values++;
                }
            }
            nh++;
        }
    }
    char authority[512];
    size_t alen =
        req->authority_len < sizeof(authority) - 1 ? req->authority_len : sizeof(authority) - 1;
    if (req->authority != NULL)
        memcpy(authority, req->authority, alen);
    authority[req->authority != NULL ? alen : 0] = '\0';
    char path[1024];
    size_t plen = req->target_len < sizeof(path) - 1 ? req->target_len : sizeof(path) - 1;
    memcpy(path, req->target, plen);
    path[plen] = '\0';
    gs_grpc_echo e = {
        .path = path,
        .host = authority,
        .method = "POST",
        .proto = req->proto,
        .headers = hs,
        .n_headers = nh,
        .ns = ctx->cfg->ns,
        .service = ctx->cfg->name,
        .pod = ctx->cfg->replica,
        .request = msg,
        .request_len = msg_len,
        .backend = ctx->backend,
    };
    if (req->tls != NULL) {
        e.has_tls = true;
        e.tls_version = req->tls->version;
        e.tls_server_name = req->tls->server_name;
        e.tls_negotiated_protocol = req->tls->alpn;
        e.tls_cipher_suite = req->tls->cipher;
        e.tls_peer_certificate = req->peer_cert;
    }
    gs_buf pb = {0};
    gs_grpc_echo_encode(&e, &pb);
    gs_grpc_frame_write(&resp->body, pb.data != NULL ? pb.data : "", pb.len);
    gs_buf_clear(&pb);
    gs_buf_clear(&strings);
    free(noff);
    free(voff);
    free(hs);
    free(vals);
}

/* The Gateway API conformance suite's own gRPC echo service: its EchoResponse wire format
 * (Assertions{fully_qualified_method=1, headers=2 Header{key,value}, authority=3,
 * context=4 Context{namespace, ingress, service_name, pod}, tls_assertions=5}, request=2), so
 * conformance expectations written for echo-basic work against gatesim-echo too. */
#define CONFORMANCE_GRPC_SERVICE "/" GS_GRPC_CONFORMANCE_SERVICE "/"

static void handler_grpc_conformance(gs_echo_ctx *ctx, const gs_echo_request *req,
                                     gs_echo_response *resp, const char *method, size_t method_len)
{
    if (!gs_h1_strieq(method, method_len, "Echo") && !gs_h1_strieq(method, method_len, "EchoTwo")) {
        handler_grpc_fail(resp, GS_GRPC_UNIMPLEMENTED, "method not implemented");
        return;
    }
    gs_buf a = {0}, sub = {0};
    gs_pb_put_bytes(&a, 1, req->target, req->target_len);
    if (req->authority != NULL) {
        gs_pb_put_bytes(&sub, 1, ":authority", 10);
        gs_pb_put_bytes(&sub, 2, req->authority, req->authority_len);
        gs_pb_put_bytes(&a, 2, sub.data, sub.len);
    }
    for (size_t i = 0; i < req->n_headers; i++) {
        gs_buf_reset(&sub);
        gs_pb_put_bytes(&sub, 1, req->headers[i].name, req->headers[i].name_len);
        gs_pb_put_bytes(&sub, 2, req->headers[i].value, req->headers[i].value_len);
        gs_pb_put_bytes(&a, 2, sub.data, sub.len);
    }
    if (req->authority != NULL)
        gs_pb_put_bytes(&a, 3, req->authority, req->authority_len);
    gs_buf_reset(&sub);
    gs_pb_put_string(&sub, 1, ctx->cfg->ns);
    gs_pb_put_string(&sub, 3, ctx->cfg->name);
    gs_pb_put_string(&sub, 4, ctx->cfg->replica);
    gs_pb_put_bytes(&a, 4, sub.data, sub.len);
    if (req->tls != NULL) {
        gs_buf_reset(&sub);
        gs_pb_put_string(&sub, 1, req->tls->version);
        gs_pb_put_string(&sub, 2, req->tls->alpn);
        gs_pb_put_string(&sub, 3, req->tls->server_name);
        gs_pb_put_string(&sub, 4, req->tls->cipher);
        gs_pb_put_string(&sub, 5, req->peer_cert);
        gs_pb_put_bytes(&a, 5, sub.data != NULL ? sub.data : "", sub.len);
    }
    gs_buf msg = {0};
    gs_pb_put_bytes(&msg, 1, a.data, a.len);
    gs_pb_put_bytes(&msg, 2, "", 0); /* the (empty) EchoRequest */
    gs_grpc_frame_write(&resp->body, msg.data, msg.len);
    gs_buf_clear(&msg);
    gs_buf_clear(&a);
    gs_buf_clear(&sub);
}

static void handler_grpc(gs_echo_ctx *ctx, const gs_echo_request *req, gs_echo_response *resp)
{
    resp->grpc = true;
    resp->status = 200;
    response_add_str(resp, "content-type", "application/grpc");
    const gs_echo_header *want = gs_echo_request_header(req, GS_ECHO_GRPC_STATUS_HEADER);
    if (want != NULL) {
        int code = 0;
        for (size_t i = 0; i < want->value_len && i < 4; i++)
            if (want->value[i] >= '0' && want->value[i] <= '9')
                code = code * 10 + (want->value[i] - '0');
        if (code > 16)
            code = GS_GRPC_UNKNOWN;
        const gs_echo_header *m = gs_echo_request_header(req, GS_ECHO_GRPC_MESSAGE_HEADER);
        resp->grpc_status = code;
        if (m != NULL)
            gs_grpc_message_encode(&resp->grpc_message, m->value, m->value_len);
        else
            gs_buf_puts(&resp->grpc_message, "requested%20by%20x-gatesim-grpc-status");
        if (code != 0)
            return;
    }
    size_t plen = target_path_len(req), slen = strlen(CONFORMANCE_GRPC_SERVICE);
    if (plen > slen && memcmp(req->target, CONFORMANCE_GRPC_SERVICE, slen) == 0) {
        handler_grpc_conformance(ctx, req, resp, req->target + slen, plen - slen);
        return;
    }
    handler_grpc_echo(ctx, req, resp);
}

static void handler_log(gs_echo_ctx *ctx, const gs_echo_request *req, const gs_echo_response *resp,
                        bool grpc)
{
    const gs_echo_header *id = gs_echo_request_header(req, GS_ECHO_REQUEST_ID_HEADER);
    gs_echo_log_entry e = {
        .request_id = id != NULL ? id->value : NULL,
        .request_id_len = id != NULL ? id->value_len : 0,
        .method = req->method,
        .method_len = req->method_len,
        .path = req->target,
        .path_len = req->target_len,
        .proto = req->proto,
        .status = resp->reset ? 0 : resp->status,
        .grpc = grpc,
        .grpc_status = resp->grpc_status,
    };
    gs_echo_log_add(ctx->log, &e);
    if (ctx->cfg->access_log)
        gs_echo_access_log_write(stderr, ctx->backend, &e);
}

/* /status/NNN: the status, or 400 when NNN is not a status code. */
static bool handler_status_path(const gs_echo_request *req, int *status)
{
    size_t plen = target_path_len(req);
    if (plen < 8 || memcmp(req->target, "/status/", 8) != 0)
        return false;
    int v = 0;
    size_t digits = plen - 8;
    for (size_t i = 8; i < plen; i++) {
        if (req->target[i] < '0' || req->target[i] > '9')
            digits = 0;
        else
            v = v * 10 + (req->target[i] - '0');
        if (digits == 0 || v > 999)
            break;
    }
    *status = (digits == 3 && v >= 100 && v <= 599) ? v : 400;
    return true;
}

/* The faults in force: the command line's until the control endpoint set others. */
static const gs_echo_faults *handler_faults(gs_echo_ctx *ctx)
{
    if (ctx->log)
        gs_echo_log_faults_since(ctx->log, &ctx->faults_version, &ctx->faults);
    return ctx->faults_version ? &ctx->faults : &ctx->cfg->faults;
}

void gs_echo_handle(gs_echo_ctx *ctx, const gs_echo_request *req, gs_echo_response *resp)
{
    const gs_echo_faults *f = handler_faults(ctx);
    gs_echo_response_reset(resp);
    bool grpc = handler_is_grpc(req);

    int64_t delay = f->delay_ns;
    if (f->delay_max_ns > f->delay_ns)
        delay += (int64_t)(handler_uniform(ctx) * (double)(f->delay_max_ns - f->delay_ns));
    delay += handler_query_delay(req);
    resp->delay_ns = delay;
    resp->slow_body_ns = f->slow_body_ns;

    if (f->reset_rate > 0 && handler_uniform(ctx) < f->reset_rate) {
        resp->reset = true;
        handler_log(ctx, req, resp, grpc);
        return;
    }
    response_add_lower(resp, GS_ECHO_BACKEND_HEADER, sizeof(GS_ECHO_BACKEND_HEADER) - 1,
                       ctx->backend, ctx->backend_len);
    int status;
    if (f->error_rate > 0 && handler_uniform(ctx) < f->error_rate) {
        resp->status = f->error_status;
        response_add_str(resp, "content-type", "text/plain");
        gs_buf_printf(&resp->body, "gatesim-echo: injected %d\n", f->error_status);
    } else if (!grpc && handler_retry_fails(ctx, req, &status, &resp->delay_ns)) {
        if (status == 0) { /* a connection error: as the reset fault, no answer at all */
            resp->reset = true;
            handler_log(ctx, req, resp, grpc);
            return;
        }
        resp->status = status;
        response_add_str(resp, "content-type", "text/plain");
        gs_buf_printf(&resp->body, "gatesim-echo: try failed as asked (%d)\n", status);
    } else if (grpc) {
        handler_grpc(ctx, req, resp);
    } else if (handler_status_path(req, &status)) {
        resp->status = status;
    } else if (target_path_len(req) == 7 && memcmp(req->target, "/health", 7) == 0) {
        response_add_str(resp, "content-type", "text/plain");
        gs_buf_puts(&resp->body, "OK");
    } else {
        RESPONSE_ADD_LIT(resp, "content-type", "application/json");
        RESPONSE_ADD_LIT(resp, "x-content-type-options", "nosniff");
        handler_json_echo(ctx, req, &resp->body);
    }
    if (!grpc)
        handler_set_headers(req, resp);
    handler_log(ctx, req, resp, grpc);
}

void gs_echo_handle_websocket(gs_echo_ctx *ctx, const gs_echo_request *req,
                              gs_echo_response *resp)
{
    gs_echo_response_reset(resp);
    resp->status = req->h2 ? 200 : 101; /* RFC 8441: a 2xx opens the tunnel over HTTP/2 */
    response_add_lower(resp, GS_ECHO_BACKEND_HEADER, sizeof(GS_ECHO_BACKEND_HEADER) - 1,
                       ctx->backend, ctx->backend_len);
    if (req->h2) {
        handler_log(ctx, req, resp, false);
        return;
    }
    RESPONSE_ADD_LIT(resp, "upgrade", "websocket");
    RESPONSE_ADD_LIT(resp, "connection", "Upgrade");
    const gs_echo_header *key = gs_echo_request_header(req, "sec-websocket-key");
    char accept[29];
    gs_ws_accept(key->value, key->value_len, accept);
    response_add_str(resp, "sec-websocket-accept", accept);
    handler_log(ctx, req, resp, false);
}

void gs_echo_handle_websocket_bad_version(gs_echo_ctx *ctx, const gs_echo_request *req,
                                          gs_echo_response *resp)
{
    static const char body[] = "WebSocket: Sec-WebSocket-Version 13 required\n";
    gs_echo_response_reset(resp);
    resp->status = 400;
    response_add_lower(resp, GS_ECHO_BACKEND_HEADER, sizeof(GS_ECHO_BACKEND_HEADER) - 1,
                       ctx->backend, ctx->backend_len);
    RESPONSE_ADD_LIT(resp, "sec-websocket-version", "13");
    RESPONSE_ADD_LIT(resp, "content-type", "text/plain");
    gs_buf_append(&resp->body, body, sizeof(body) - 1);
    handler_log(ctx, req, resp, false);
}

/* ---- control endpoint ---- */

static uint64_t handler_query_uint(const gs_echo_request *req, const char *key)
{
    size_t n;
    const char *v = gs_echo_query_param(req->target, req->target_len, key, &n);
    uint64_t x = 0;
    for (size_t i = 0; v != NULL && i < n && i < 19; i++) {
        if (v[i] < '0' || v[i] > '9')
            return 0;
        x = x * 10 + (uint64_t)(v[i] - '0');
    }
    return x;
}

/* POST /behaviour?errorRate=P&status=N&delay=DUR: the scenario's `behaviour` (absent: no
 * errors, 503, no delay) for every loop from now on; the other faults stay the command line's.
 * 400 for a value out of range. Both methods answer the faults in force. */
static void handler_behaviour(gs_echo_ctx *ctx, const gs_echo_request *req, bool post,
                              gs_echo_response *resp)
{
    if (post) {
        gs_echo_faults f = ctx->cfg->faults;
        size_t n;
        const char *v = gs_echo_query_param(req->target, req->target_len, "errorRate", &n);
        char tmp[32] = "0";
        if (v && n < sizeof(tmp)) {
            memcpy(tmp, v, n);
            tmp[n] = '\0';
        }
        char *end;
        f.error_rate = strtod(tmp, &end);
        int64_t status = handler_query_int(req, "status");
        f.error_status = status < 0 ? 503 : (int)status;
        f.delay_ns = handler_query_delay(req);
        f.delay_max_ns = 0;
        if (*end || !(f.error_rate >= 0 && f.error_rate <= 1) ||
            (gs_echo_query_param(req->target, req->target_len, "status", &n) &&
             (status < 100 || status > 599))) {
            resp->status = 400;
            gs_buf_puts(&resp->body, "{\"error\":\"errorRate must be 0-1, status 100-599\"}");
            return;
        }
        gs_echo_log_set_faults(ctx->log, &f);
    }
    const gs_echo_faults *now = handler_faults(ctx);
    gs_buf_printf(&resp->body, "{\"errorRate\":%g,\"status\":%d,\"delayMs\":%.3f}",
                  now->error_rate, now->error_status, (double)now->delay_ns / 1e6);
}

void gs_echo_handle_control(gs_echo_ctx *ctx, const gs_echo_request *req, gs_echo_response *resp)
{
    gs_echo_response_reset(resp);
    size_t plen = target_path_len(req);
    bool get = gs_h1_strieq(req->method, req->method_len, "GET");
    bool post = gs_h1_strieq(req->method, req->method_len, "POST");
    const char *ct = "application/json";
    if (gs_h1_strieq(req->target, plen, "/requests")) {
        if (get)
            gs_echo_log_requests_json(ctx->log, handler_query_uint(req, "since"),
                                      (size_t)handler_query_uint(req, "limit"), &resp->body);
        else
            resp->status = 405;
    } else if (gs_h1_strieq(req->target, plen, "/stats")) {
        if (get)
            gs_echo_log_stats_json(ctx->log, &resp->body);
        else
            resp->status = 405;
    } else if (gs_h1_strieq(req->target, plen, "/behaviour")) {
        if (get || post)
            handler_behaviour(ctx, req, post, resp);
        else
            resp->status = 405;
    } else if (gs_h1_strieq(req->target, plen, "/healthz")) {
        ct = "text/plain";
        gs_buf_puts(&resp->body, "ok\n");
    } else if (gs_h1_strieq(req->target, plen, "/reset")) {
        if (post) {
            gs_echo_log_reset(ctx->log);
            resp->status = 204;
        } else {
            resp->status = 405;
        }
    } else {
        resp->status = 404;
    }
    if (resp->status == 405)
        response_add_str(resp, "allow",
                         gs_h1_strieq(req->target, plen, "/reset")       ? "POST"
                         : gs_h1_strieq(req->target, plen, "/behaviour") ? "GET, POST"
                                                                         : "GET");
    if (resp->body.len > 0) {
        response_add_str(resp, "content-type", ct);
        if (resp->body.data[resp->body.len - 1] != '\n')
            gs_buf_putc(&resp->body, '\n');
    }
    response_add_str(resp, GS_ECHO_BACKEND_HEADER, ctx->backend);
}
