/* SPDX-License-Identifier: MIT */
/* Whole HTTP/1.1 request heads through the gateway's request building: gs_h1_request_parse,
 * gs_gw_reqbuild_h1 (target form, authority, path normalisation), gs_gw_reqbuild_h2 on the
 * result (the h2c upgrade path runs both), and the route lookup on a table where /internal
 * is guarded by a header. Input: one byte of flags (bit 0: the listener is TLS), then the head.
 * Checks what must hold for any input: a built target is "*" or a normalised path that
 * normalises to itself, has no dot-segment and no empty segment, and a request routed to the
 * /public rule has a path under /public. */
#include "gs_gw_reqbuild.h"
#include "gs_path_norm.h"
#include "gs_route_table.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static gs_route_table *fuzz_table;
static const gs_rt_port *fuzz_port;
static gs_rt_match fuzz_public = {.path = {.type = GS_RT_MATCH_PREFIX, .value = "/public"}};

static void fuzz_build(void)
{
    gs_route_table_new(&fuzz_table, NULL);
    size_t l;
    gs_rt_listener h = {.gateway_namespace = "ns",
                        .gateway_name = "gw",
                        .name = "http",
                        .port = 80,
                        .protocol = GS_RT_PROTO_HTTP};
    gs_route_table_add_listener(fuzz_table, &h, &l, NULL);
    static gs_rt_kv_match admin = {.name = "x-admin", .value = "yes"};
    static gs_rt_match internal = {.path = {.type = GS_RT_MATCH_PREFIX, .value = "/internal"},
                                   .headers = &admin,
                                   .n_headers = 1};
    static gs_rt_backend pub = {.namespace = "ns", .name = "public", .port = 80, .weight = 1};
    static gs_rt_backend priv = {.namespace = "ns", .name = "internal", .port = 80, .weight = 1};
    static gs_rt_rule rules[2];
    rules[0] =
        (gs_rt_rule){.matches = &fuzz_public, .n_matches = 1, .backends = &pub, .n_backends = 1};
    rules[1] =
        (gs_rt_rule){.matches = &internal, .n_matches = 1, .backends = &priv, .n_backends = 1};
    static const char *hosts[] = {"parse.example.com"};
    gs_rt_route r = {.namespace = "ns",
                     .name = "parse",
                     .hostnames = hosts,
                     .n_hostnames = 1,
                     .rules = rules,
                     .n_rules = 2};
    gs_route_table_add_route(fuzz_table, &r, &l, 1, NULL);
    gs_route_table_compile(fuzz_table, NULL);
    fuzz_port = gs_route_table_find_port(fuzz_table, "ns", "gw", 80);
}

/* The invariants of a built target (a NUL-terminated copy the request owns). */
static void fuzz_check_target(const char *target)
{
    if (strcmp(target, "*") == 0)
        return;
    size_t len = strlen(target);
    const char *q = memchr(target, '?', len);
    size_t path_len = q ? (size_t)(q - target) : len;
    if (path_len == 0 || target[0] != '/')
        abort();
    gs_buf again = {0};
    if (gs_path_norm_target(target, len, &again) != GS_PATH_NORM_OK || again.len != len ||
        memcmp(again.data, target, len) != 0)
        abort(); /* not a fixed point */
    gs_buf_clear(&again);
    for (size_t i = 0; i + 1 < path_len; i++) {
        if (target[i] != '/')
            continue;
        const char *seg = target + i + 1;
        size_t rest = path_len - i - 1;
        if (seg[0] == '/' || (rest >= 1 && seg[0] == '.' && (rest == 1 || seg[1] == '/')) ||
            (rest >= 2 && seg[0] == '.' && seg[1] == '.' && (rest == 2 || seg[2] == '/')))
            abort(); /* an empty segment or a dot-segment survived */
    }
}

static void fuzz_route(const gs_gw_request *r)
{
    gs_rt_header hdrs[GS_H1_MAX_HEADERS];
    size_t n = 0;
    for (size_t i = 0; i < r->headers.len && n < GS_H1_MAX_HEADERS; i++)
        hdrs[n++] = (gs_rt_header){r->headers.items[i].name, r->headers.items[i].name_len,
                                   r->headers.items[i].value, r->headers.items[i].value_len};
    gs_rt_request rq = {.host = r->authority,
                        .host_len = r->authority ? strlen(r->authority) : 0,
                        .method = r->method,
                        .method_len = strlen(r->method),
                        .path = r->target,
                        .path_len = strlen(r->target),
                        .headers = hdrs,
                        .n_headers = n};
    gs_rt_result res;
    if (gs_route_table_lookup(fuzz_table, fuzz_port, &rq, &res) != 0)
        abort();
    if (res.outcome == GS_RT_MATCHED && res.rule->matches == &fuzz_public &&
        strncmp(r->target, "/public", 7) != 0)
        abort(); /* a path outside /public reached the /public backend */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fuzz_table == NULL)
        fuzz_build();
    if (size < 1)
        return 0;
    bool tls = data[0] & 1;
    const char *head = (const char *)data + 1;
    size_t len = size - 1;

    /* The normaliser alone on the raw bytes: a result is always a fixed point. */
    gs_buf b = {0};
    if (gs_path_norm_target(head, len, &b) == GS_PATH_NORM_OK)
        fuzz_check_target(b.data);
    gs_buf_clear(&b);

    gs_h1_request p;
    gs_h1_request_reset(&p);
    if (gs_h1_request_parse(&p, head, len, NULL) <= 0)
        return 0;
    gs_gw_request r;
    const char *why = gs_gw_reqbuild_h1(&p, tls, &r);
    if (why == NULL) {
        fuzz_check_target(r.target);
        fuzz_route(&r);
        char *before = strdup(r.target);
        /* An h2c upgrade hands the built request to the HTTP/2 side, which checks it again. */
        if (before == NULL || gs_gw_reqbuild_h2(&r) != NULL || strcmp(before, r.target) != 0)
            abort();
        free(before);
    }
    gs_gw_request_clear(&r);
    return 0;
}
