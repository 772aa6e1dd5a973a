/* SPDX-License-Identifier: MIT */
/* Request/response containers and limits. */
#include "gs_gw_msg.h"

#include "gs_alloc.h"
#include "gs_http_status.h"

#include <event2/bufferevent.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gs_gw_limits_defaults(gs_gw_limits *l)
{
    if (!l->max_request_body)
        l->max_request_body = 8u << 20;
    if (!l->max_response_body)
        l->max_response_body = 16u << 20;
    if (!l->max_streamed_body)
        l->max_streamed_body = UINT64_C(1) << 30;
    if (!l->max_header_bytes)
        l->max_header_bytes = 64u << 10;
    if (!l->header_timeout_ms)
        l->header_timeout_ms = 10000;
    if (!l->idle_timeout_ms)
        l->idle_timeout_ms = 60000;
    if (!l->udp_idle_timeout_ms)
        l->udp_idle_timeout_ms = 30000; /* GS_GW_UDP_IDLE_MS */
    if (!l->default_timeout_ms)
        l->default_timeout_ms = 60000;
    if (!l->h2_max_streams)
        l->h2_max_streams = 128;
    if (!l->h2_max_resets)
        l->h2_max_resets = 200;
    if (!l->max_mirrors_in_flight)
        l->max_mirrors_in_flight = 1024;
    if (!l->max_connections)
        l->max_connections = 10000;
    if (!l->conn_request_buffer)
        l->conn_request_buffer = 16u << 20;
    if (!l->process_request_buffer)
        l->process_request_buffer = 32u << 20;
    if (!l->conn_response_held)
        l->conn_response_held = 8u << 20;
    if (!l->process_response_held)
        l->process_response_held = 32u << 20;
    if (!l->hold_timeout_ms)
        l->hold_timeout_ms = 30000;
    if (!l->addr_max_resets)
        l->addr_max_resets = 400;
    if (!l->addr_ban_ms)
        l->addr_ban_ms = 10000;
}

void gs_gw_request_clear(gs_gw_request *r)
{
    if (r == NULL)
        return;
    free(r->method);
    free(r->scheme);
    free(r->authority);
    free(r->target);
    free(r->upgrade);
    gs_gw_headers_clear(&r->headers);
    gs_buf_clear(&r->body);
    gs_gw_headers_clear(&r->trailers);
    memset(r, 0, sizeof(*r));
}

static char *msg_dup(const char *s)
{
    return s ? gs_xstrdup(s) : NULL;
}

void gs_gw_request_copy(gs_gw_request *dst, const gs_gw_request *src)
{
    memset(dst, 0, sizeof(*dst));
    dst->method = msg_dup(src->method);
    dst->scheme = msg_dup(src->scheme);
    dst->authority = msg_dup(src->authority);
    dst->target = msg_dup(src->target);
    gs_gw_headers_copy(&dst->headers, &src->headers);
    if (src->body.len)
        gs_buf_append(&dst->body, src->body.data, src->body.len);
    gs_gw_headers_copy(&dst->trailers, &src->trailers);
    dst->http2 = src->http2;
}

void gs_gw_response_clear(gs_gw_response *r)
{
    if (r == NULL)
        return;
    gs_gw_headers_clear(&r->headers);
    gs_buf_clear(&r->body);
    gs_gw_headers_clear(&r->trailers);
    if (r->tunnel)
        bufferevent_free(r->tunnel);
    memset(r, 0, sizeof(*r));
}

void gs_gw_response_simple(gs_gw_response *r, int status, const char *text)
{
    gs_gw_headers_reset(&r->headers);
    gs_gw_headers_reset(&r->trailers);
    gs_buf_reset(&r->body);
    r->status = status;
    gs_gw_headers_add(&r->headers, "content-type", "text/plain; charset=utf-8");
    gs_buf_printf(&r->body, "%d %s\n", status, text ? text : gs_http_reason(status));
}


int64_t gs_gw_tunnel_idle_ms(const gs_gw_limits *l)
{
    return l->idle_timeout_ms * 10;
}
