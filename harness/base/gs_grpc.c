/* SPDX-License-Identifier: MIT */
/* gRPC message framing, status helpers and the EchoResponse codec. The decoder makes two passes:
 * one to validate and size, one to copy into a single owned block, so a failed decode leaves
 * nothing allocated. */
#include "gs_grpc.h"

#include "gs_alloc.h"
#include "gs_error.h"
#include "gs_hex.h"
#include "gs_pb.h"

#include <stdlib.h>
#include <string.h>

ssize_t gs_grpc_frame_parse(const void *in, size_t len, const uint8_t **msg, size_t *msg_len,
                            bool *compressed, size_t max_len)
{
    const uint8_t *p = in;
    if (max_len == 0)
        max_len = GS_GRPC_MAX_MESSAGE;
    if (len < GS_GRPC_PREFIX)
        return GS_ERR_INCOMPLETE;
    if (p[0] > 1)
        return GS_ERR_PARSE;
    size_t n = ((size_t)p[1] << 24) | ((size_t)p[2] << 16) | ((size_t)p[3] << 8) | p[4];
    if (n > max_len)
        return GS_ERR_RANGE;
    if (len - GS_GRPC_PREFIX < n)
        return GS_ERR_INCOMPLETE;
    *compressed = p[0] == 1;
    *msg = p + GS_GRPC_PREFIX;
    *msg_len = n;
    return (ssize_t)(GS_GRPC_PREFIX + n);
}

void gs_grpc_frame_write(gs_buf *out, const void *msg, size_t len)
{
    char prefix[GS_GRPC_PREFIX] = {0, (char)((len >> 24) & 0xff), (char)((len >> 16) & 0xff),
                                   (char)((len >> 8) & 0xff), (char)(len & 0xff)};
    gs_buf_append(out, prefix, sizeof(prefix));
    gs_buf_append(out, msg, len);
}

const char *gs_grpc_code_name(int code)
{
    static const char *const names[] = {
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    };
    if (code < 0 || (size_t)code >= GS_ARRAY_LEN(names))
        return "UNKNOWN";
    return names[code];
}

gs_grpc_code gs_grpc_code_from_http(int http_status)
{
    switch (http_status) {
    case 400:
        return GS_GRPC_INTERNAL;
    case 401:
        return GS_GRPC_UNAUTHENTICATED;
    case 403:
        return GS_GRPC_PERMISSION_DENIED;
    case 404:
        return GS_GRPC_UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
        return GS_GRPC_UNAVAILABLE;
    default:
        return GS_GRPC_UNKNOWN;
    }
}

void gs_grpc_message_encode(gs_buf *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c <= 0x7e && c != '%') {
            gs_buf_putc(out, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            gs_buf_append(out, e, 3);
        }
    }
}

void gs_grpc_message_decode(gs_buf *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '%' && i + 2 < len && gs_hex_value(s[i + 1]) >= 0 &&
            gs_hex_value(s[i + 2]) >= 0) {
            gs_buf_putc(out, (char)(gs_hex_value(s[i + 1]) * 16 + gs_hex_value(s[i + 2])));
            i += 2;
        } else {
            gs_buf_putc(out, s[i]);
        }
    }
}

/* ---- EchoResponse ---- */

enum {
    ECHO_PATH = 1,
    ECHO_HOST = 2,
    ECHO_METHOD = 3,
    ECHO_PROTO = 4,
    ECHO_HEADERS = 5,
    ECHO_NAMESPACE = 6,
    ECHO_SERVICE = 7,
    ECHO_POD = 8,
    ECHO_TLS = 9,
    ECHO_REQUEST = 10,
    ECHO_BACKEND = 11,
    HEADER_NAME = 1,
    HEADER_VALUES = 2,
    TLS_VERSION = 1,
    TLS_SERVER_NAME = 2,
    TLS_NEGOTIATED_PROTOCOL = 3,
    TLS_CIPHER_SUITE = 4,
    TLS_PEER_CERTIFICATE = 5,
};

void gs_grpc_echo_encode(const gs_grpc_echo *echo, gs_buf *out)
{
    gs_pb_put_string(out, ECHO_PATH, echo->path);
    gs_pb_put_string(out, ECHO_HOST, echo->host);
    gs_pb_put_string(out, ECHO_METHOD, echo->method);
    gs_pb_put_string(out, ECHO_PROTO, echo->proto);
    gs_buf sub = {0};
    for (size_t i = 0; i < echo->n_headers; i++) {
        const gs_grpc_echo_header *h = &echo->headers[i];
        gs_buf_reset(&sub);
        gs_pb_put_string(&sub, HEADER_NAME, h->name);
        for (size_t k = 0; k < h->n_values; k++)
            gs_pb_put_bytes(&sub, HEADER_VALUES, h->values[k], strlen(h->values[k]));
        gs_pb_put_bytes(out, ECHO_HEADERS, sub.data, sub.len);
    }
    gs_pb_put_string(out, ECHO_NAMESPACE, echo->ns);
    gs_pb_put_string(out, ECHO_SERVICE, echo->service);
    gs_pb_put_string(out, ECHO_POD, echo->pod);
    if (echo->has_tls) {
        gs_buf_reset(&sub);
        gs_pb_put_string(&sub, TLS_VERSION, echo->tls_version);
        gs_pb_put_string(&sub, TLS_SERVER_NAME, echo->tls_server_name);
        gs_pb_put_string(&sub, TLS_NEGOTIATED_PROTOCOL, echo->tls_negotiated_protocol);
        gs_pb_put_string(&sub, TLS_CIPHER_SUITE, echo->tls_cipher_suite);
        gs_pb_put_string(&sub, TLS_PEER_CERTIFICATE, echo->tls_peer_certificate);
        gs_pb_put_bytes(out, ECHO_TLS, sub.data != NULL ? sub.data : "", sub.len);
    }
    if (echo->request_len > 0)
        gs_pb_put_bytes(out, ECHO_REQUEST, echo->request, echo->request_len);
    gs_pb_put_string(out, ECHO_BACKEND, echo->backend);
    gs_buf_clear(&sub);
}

/* Copies strings into one block; |cur| advances. */
typedef struct echo_arena {
    char *cur;
    const char **values; /* every header value pointer, in order */
} echo_arena;

static const char *echo_copy(echo_arena *a, const gs_pb_field *f)
{
    if (a == NULL)
        return "";
    char *s = a->cur;
    memcpy(s, f->data, f->len);
    s[f->len] = '\0';
    a->cur += f->len + 1;
    return s;
}

/* Walks a message; with |a| NULL only validates and counts. */
static int echo_walk(gs_grpc_echo *echo, const void *data, size_t len, echo_arena *a,
                     size_t *n_headers, size_t *n_values)
{
    gs_pb_reader r;
    gs_pb_field f;
    gs_pb_reader_init(&r, data, len);
    int rc;
    size_t hi = 0, vi = 0;
    while ((rc = gs_pb_next(&r, &f)) == 1) {
        if (f.number >= ECHO_PATH && f.number <= ECHO_BACKEND && f.wire != GS_PB_LEN)
            return GS_ERR_PARSE;
        switch (f.number) {
        case ECHO_PATH:
            echo->path = echo_copy(a, &f);
            break;
        case ECHO_HOST:
            echo->host = echo_copy(a, &f);
            break;
        case ECHO_METHOD:
            echo->method = echo_copy(a, &f);
            break;
        case ECHO_PROTO:
            echo->proto = echo_copy(a, &f);
            break;
        case ECHO_NAMESPACE:
            echo->ns = echo_copy(a, &f);
            break;
        case ECHO_SERVICE:
            echo->service = echo_copy(a, &f);
            break;
        case ECHO_POD:
            echo->pod = echo_copy(a, &f);
            break;
        case ECHO_BACKEND:
            echo->backend = echo_copy(a, &f);
            break;
        case ECHO_REQUEST:
            echo->request = (const uint8_t *)echo_copy(a, &f);
            echo->request_len = a != NULL ? f.len : 0;
            break;
        case ECHO_HEADERS: {
            gs_pb_reader hr;
            gs_pb_field hf;
            gs_pb_reader_init(&hr, f.data, f.len);
            gs_grpc_echo_header *h = a != NULL ? &echo->headers[hi] : NULL;
            if (h != NULL)
                h->name = "";
            size_t first = vi;
            int hrc;
            while ((hrc = gs_pb_next(&hr, &hf)) == 1) {
                if ((hf.number == HEADER_NAME || hf.number == HEADER_VALUES) &&
                    hf.wire != GS_PB_LEN)
                    return GS_ERR_PARSE;
                if (hf.number == HEADER_NAME) {
                    if (h != NULL)
                        h->name = echo_copy(a, &hf);
                } else if (hf.number == HEADER_VALUES) {
                    if (h != NULL)
                        a->values[vi] = echo_copy(a, &hf);
                    vi++;
                }
            }
            if (hrc < 0)
                return GS_ERR_PARSE;
            if (h != NULL) {
                h->values = a->values + first;
                h->n_values = vi - first;
            }
            hi++;
            break;
        }
        case ECHO_TLS: {
            gs_pb_reader tr;
            gs_pb_field tf;
            gs_pb_reader_init(&tr, f.data, f.len);
            echo->has_tls = true;
            int trc;
            while ((trc = gs_pb_next(&tr, &tf)) == 1) {
                if (tf.number >= TLS_VERSION && tf.number <= TLS_PEER_CERTIFICATE &&
                    tf.wire != GS_PB_LEN)
                    return GS_ERR_PARSE;
                if (tf.number == TLS_VERSION)
                    echo->tls_version = echo_copy(a, &tf);
                else if (tf.number == TLS_SERVER_NAME)
                    echo->tls_server_name = echo_copy(a, &tf);
                else if (tf.number == TLS_NEGOTIATED_PROTOCOL)
                    echo->tls_negotiated_protocol = echo_copy(a, &tf);
                else if (tf.number == TLS_CIPHER_SUITE)
                    echo->tls_cipher_suite = echo_copy(a, &tf);
                else if (tf.number == TLS_PEER_CERTIFICATE)
                    echo->tls_peer_certificate = echo_copy(a, &tf);
            }
            if (trc < 0)
                return GS_ERR_PARSE;
            break;
        }
        default:
            break;
        }
    }
    if (rc < 0)
        return GS_ERR_PARSE;
    *n_headers = hi;
    *n_values = vi;
    return 0;
}

int gs_grpc_echo_decode(gs_grpc_echo *echo, const void *data, size_t len)
{
    memset(echo, 0, sizeof(*echo));
    size_t nh = 0, nv = 0;
    if (echo_walk(echo, data, len, NULL, &nh, &nv) < 0) {
        memset(echo, 0, sizeof(*echo));
        return GS_ERR_PARSE;
    }
    /* Layout: headers[nh] | value pointers[nv] | strings (each at most its wire size + NUL). */
    size_t size = nh * sizeof(gs_grpc_echo_header) + nv * sizeof(char *) + 2 * len + 1;
    char *block = gs_xcalloc(1, size);
    memset(echo, 0, sizeof(*echo));
    echo->owned = block;
    echo->headers = (gs_grpc_echo_header *)(void *)block;
    echo->n_headers = nh;
    echo_arena a = {block + nh * sizeof(gs_grpc_echo_header) + nv * sizeof(char *),
                    (const char **)(void *)(block + nh * sizeof(gs_grpc_echo_header))};
    const char *empty = a.cur + (2 * len); /* the block's last byte, a NUL */
    echo->path = echo->host = echo->method = echo->proto = empty;
    echo->ns = echo->service = echo->pod = echo->backend = empty;
    echo->tls_version = echo->tls_server_name = echo->tls_negotiated_protocol = empty;
    echo->tls_cipher_suite = empty;
    echo->tls_peer_certificate = empty;
    echo_walk(echo, data, len, &a, &nh, &nv); /* validated above: cannot fail */
    return 0;
}

void gs_grpc_echo_free(gs_grpc_echo *echo)
{
    if (echo == NULL)
        return;
    free(echo->owned);
    memset(echo, 0, sizeof(*echo));
}

const gs_grpc_echo_header *gs_grpc_echo_header_find(const gs_grpc_echo *echo, const char *name)
{
    for (size_t i = 0; i < echo->n_headers; i++)
        if (strcmp(echo->headers[i].name, name) == 0)
            return &echo->headers[i];
    return NULL;
}

/* ---- the conformance suite's EchoResponse ---- */

enum {
    CONF_ASSERTIONS = 1,
    CONF_FQ_METHOD = 1,
    CONF_HEADERS = 2,
    CONF_AUTHORITY = 3,
    CONF_CONTEXT = 4,
    CONF_TLS = 5,
    CONF_HEADER_KEY = 1,
    CONF_HEADER_VALUE = 2,
    CONF_CTX_NAMESPACE = 1,
    CONF_CTX_SERVICE = 3,
    CONF_CTX_POD = 4,
    CONF_TLS_VERSION = 1,
    CONF_TLS_NEGOTIATED_PROTOCOL = 2,
    CONF_TLS_SERVER_NAME = 3,
    CONF_TLS_CIPHER_SUITE = 4,
};

/* Up to |n| string fields of a sub-message: |out[k]| receives field |numbers[k]| (a borrowed
 * pointer and length into |data|). Returns 0 or GS_ERR_PARSE. */
typedef struct conf_str {
    const uint8_t *data;
    size_t len;
} conf_str;

static int conf_fields(const uint8_t *data, size_t len, const uint32_t *numbers, conf_str *out,
                       size_t n)
{
    gs_pb_reader r;
    gs_pb_field f;
    gs_pb_reader_init(&r, data, len);
    int rc;
    while ((rc = gs_pb_next(&r, &f)) == 1) {
        for (size_t k = 0; k < n; k++) {
            if (f.number != numbers[k])
                continue;
            if (f.wire != GS_PB_LEN)
                return GS_ERR_PARSE;
            out[k] = (conf_str){f.data, f.len};
        }
    }
    return rc < 0 ? GS_ERR_PARSE : 0;
}

static void conf_put(gs_buf *out, uint32_t field, conf_str s)
{
    if (s.len > 0)
        gs_pb_put_bytes(out, field, s.data, s.len);
}

/* Appends gatesim's Header{name, values} for every distinct key of |assertions|' headers, the
 * values of one key in the order they came. Quadratic in the number of headers, which a
 * reply of the echo keeps small. */
static void conf_headers(const conf_str *keys, const conf_str *vals, size_t n, gs_buf *out)
{
    gs_buf sub = {0};
    for (size_t i = 0; i < n; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = keys[j].len == keys[i].len && memcmp(keys[j].data, keys[i].data, keys[i].len) == 0;
        if (seen)
            continue;
        gs_buf_reset(&sub);
        gs_pb_put_bytes(&sub, HEADER_NAME, keys[i].data, keys[i].len);
        for (size_t j = i; j < n; j++)
            if (keys[j].len == keys[i].len && memcmp(keys[j].data, keys[i].data, keys[i].len) == 0)
                gs_pb_put_bytes(&sub, HEADER_VALUES, vals[j].data, vals[j].len);
        gs_pb_put_bytes(out, ECHO_HEADERS, sub.data, sub.len);
    }
    gs_buf_clear(&sub);
}

/* Re-encodes the Assertions message as gatesim's EchoResponse into |out|. */
static int conf_transcode(const uint8_t *data, size_t len, gs_buf *out)
{
    gs_pb_reader r;
    gs_pb_field f;
    gs_pb_reader_init(&r, data, len);
    conf_str method = {0}, authority = {0}, ctx[3] = {{0}}, tls[4] = {{0}};
    conf_str *keys = NULL, *vals = NULL;
    size_t n = 0, cap = 0;
    bool has_tls = false;
    int rc, err = 0;
    while (err == 0 && (rc = gs_pb_next(&r, &f)) == 1) {
        if (f.number >= CONF_FQ_METHOD && f.number <= CONF_TLS && f.wire != GS_PB_LEN) {
            err = GS_ERR_PARSE;
        } else if (f.number == CONF_FQ_METHOD) {
            method = (conf_str){f.data, f.len};
        } else if (f.number == CONF_AUTHORITY) {
            authority = (conf_str){f.data, f.len};
        } else if (f.number == CONF_HEADERS) {
            static const uint32_t kv[] = {CONF_HEADER_KEY, CONF_HEADER_VALUE};
            conf_str pair[2] = {{0}};
            err = conf_fields(f.data, f.len, kv, pair, 2);
            gs_xgrow((void **)&keys, &cap, n + 1, sizeof(*keys));
            vals = gs_xrealloc(vals, cap * sizeof(*vals));
            keys[n] = pair[0];
            vals[n++] = pair[1];
        } else if (f.number == CONF_CONTEXT) {
            static const uint32_t c[] = {CONF_CTX_NAMESPACE, CONF_CTX_SERVICE, CONF_CTX_POD};
            err = conf_fields(f.data, f.len, c, ctx, 3);
        } else if (f.number == CONF_TLS) {
            static const uint32_t t[] = {CONF_TLS_VERSION, CONF_TLS_SERVER_NAME,
                                         CONF_TLS_NEGOTIATED_PROTOCOL, CONF_TLS_CIPHER_SUITE};
            has_tls = true;
            err = conf_fields(f.data, f.len, t, tls, 4);
        }
    }
    if (err == 0 && rc < 0)
        err = GS_ERR_PARSE;
    if (err == 0) {
        conf_put(out, ECHO_PATH, method);
        conf_put(out, ECHO_HOST, authority);
        conf_headers(keys, vals, n, out);
        conf_put(out, ECHO_NAMESPACE, ctx[0]);
        conf_put(out, ECHO_SERVICE, ctx[1]);
        conf_put(out, ECHO_POD, ctx[2]);
        if (has_tls) {
            gs_buf sub = {0};
            for (size_t k = 0; k < 4; k++)
                conf_put(&sub, (uint32_t)(TLS_VERSION + k), tls[k]);
            gs_pb_put_bytes(out, ECHO_TLS, sub.data != NULL ? sub.data : "", sub.len);
            gs_buf_clear(&sub);
        }
        if (ctx[0].len && ctx[1].len && ctx[2].len) {
            gs_buf b = {0};
            gs_buf_printf(&b, "%.*s/%.*s/%.*s", (int)ctx[0].len, (const char *)ctx[0].data,
                          (int)ctx[1].len, (const char *)ctx[1].data, (int)ctx[2].len,
                          (const char *)ctx[2].data);
            gs_pb_put_bytes(out, ECHO_BACKEND, b.data, b.len);
            gs_buf_clear(&b);
        }
    }
    free(keys);
    free(vals);
    return err;
}

int gs_grpc_conformance_echo_decode(gs_grpc_echo *echo, const void *data, size_t len)
{
    memset(echo, 0, sizeof(*echo));
    gs_pb_reader r;
    gs_pb_field f;
    gs_pb_reader_init(&r, data, len);
    conf_str assertions = {0};
    int rc;
    while ((rc = gs_pb_next(&r, &f)) == 1) {
        if (f.number == CONF_ASSERTIONS) {
            if (f.wire != GS_PB_LEN)
                return GS_ERR_PARSE;
            assertions = (conf_str){f.data, f.len};
        }
    }
    if (rc < 0)
        return GS_ERR_PARSE;
    gs_buf own = {0};
    int err = conf_transcode(assertions.data, assertions.len, &own);
    if (err == 0)
        err = gs_grpc_echo_decode(echo, own.data != NULL ? own.data : "", own.len);
    gs_buf_clear(&own);
    return err;
}
