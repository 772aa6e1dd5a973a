/* SPDX-License-Identifier: MIT */
/* The layer-4 echo answer (see echo_l4.h): a JSON line naming the backend, the request as
 * received (capped), and on TLS what was negotiated. No I/O. */
#include "echo_l4.h"

#include "gs_json.h"

#include <stdio.h>
#include <string.h>

#define L4_MAX_LOGGED_ID 95

static void l4_identity(gs_json *j, const gs_echo_ctx *ctx)
{
    gs_json_key(j, "backend");
    gs_json_string_n(j, ctx->backend, ctx->backend_len);
    gs_json_key(j, "namespace");
    gs_json_string(j, ctx->cfg->ns);
    gs_json_key(j, "service");
    gs_json_string(j, ctx->cfg->name);
    gs_json_key(j, "pod");
    gs_json_string(j, ctx->cfg->replica);
}

static void l4_tls(gs_json *j, const gs_tls_info *tls)
{
    gs_json_key(j, "tls");
    gs_json_object_begin(j);
    gs_json_key(j, "version");
    gs_json_string(j, tls->version != NULL ? tls->version : "");
    gs_json_key(j, "serverName");
    gs_json_string(j, tls->server_name != NULL ? tls->server_name : "");
    gs_json_key(j, "negotiatedProtocol");
    gs_json_string(j, tls->alpn);
    gs_json_key(j, "cipherSuite");
    gs_json_string(j, tls->cipher != NULL ? tls->cipher : "");
    gs_json_object_end(j);
}

static void l4_log(gs_echo_ctx *ctx, const gs_echo_l4_request *req)
{
    /* A request that fits the ring is its own id: the traffic engine sends one id per
     * connection or datagram, so the log proves which backend saw which request. */
    bool as_id = req->len > 0 && req->len <= L4_MAX_LOGGED_ID;
    gs_echo_log_entry e = {
        .request_id = as_id ? req->data : NULL,
        .request_id_len = as_id ? req->len : 0,
        .method = "ECHO",
        .method_len = 4,
        .path = "-",
        .path_len = 1,
        .proto = req->proto,
        .status = 200,
    };
    gs_echo_log_add(ctx->log, &e);
    if (ctx->cfg->access_log)
        gs_echo_access_log_write(stderr, ctx->backend, &e);
}

void gs_echo_l4_reply(gs_echo_ctx *ctx, const gs_echo_l4_request *req, gs_buf *out)
{
    gs_json j;
    gs_json_init(&j, out, false);
    gs_json_object_begin(&j);
    l4_identity(&j, ctx);
    gs_json_key(&j, "protocol");
    gs_json_string(&j, req->proto);
    gs_json_key(&j, "port");
    gs_json_int(&j, req->local_port);
    gs_json_key(&j, "peer");
    gs_json_string(&j, req->peer != NULL ? req->peer : "");
    gs_json_key(&j, "request");
    gs_json_string_n(&j, req->data,
                     req->len < GS_ECHO_L4_MAX_ECHOED ? req->len : GS_ECHO_L4_MAX_ECHOED);
    gs_json_key(&j, "length");
    gs_json_uint(&j, req->len);
    if (req->tls != NULL)
        l4_tls(&j, req->tls);
    gs_json_object_end(&j);
    gs_buf_putc(out, '\n');
    l4_log(ctx, req);
}

void gs_echo_l4_reply_too_long(const gs_echo_ctx *ctx, gs_buf *out)
{
    gs_json j;
    gs_json_init(&j, out, false);
    gs_json_object_begin(&j);
    gs_json_key(&j, "backend");
    gs_json_string_n(&j, ctx->backend, ctx->backend_len);
    char msg[64];
    snprintf(msg, sizeof(msg), "line longer than %d bytes", GS_ECHO_L4_MAX_LINE);
    gs_json_key(&j, "error");
    gs_json_string(&j, msg);
    gs_json_object_end(&j);
    gs_buf_putc(out, '\n');
}

size_t gs_echo_l4_line(const char *data, size_t len, size_t *line_len)
{
    const char *nl = memchr(data, '\n', len);
    if (nl == NULL)
        return 0;
    size_t n = (size_t)(nl - data);
    *line_len = n > 0 && data[n - 1] == '\r' ? n - 1 : n;
    return n + 1;
}
