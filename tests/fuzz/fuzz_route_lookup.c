/* SPDX-License-Identifier: MIT */
/* Feeds arbitrary request fields to gs_route_table_lookup on a fixed table with every match
 * kind (Exact, PathPrefix, regex paths, headers, query, methods, gRPC, wildcard and exact
 * hostnames, two HTTPS listeners for the 421 path). Input: fields separated by '\n' — sni,
 * host, method, path, then "name:value" headers. */
#include "gs_route_table.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static gs_route_table *fuzz_table;
static const gs_rt_port *fuzz_http, *fuzz_https;

static void fuzz_build(void)
{
    gs_route_table_new(&fuzz_table, NULL);
    size_t l_http, l_a, l_w;
    gs_rt_listener h = {.gateway_namespace = "ns",
                        .gateway_name = "gw",
                        .name = "http",
                        .port = 80,
                        .protocol = GS_RT_PROTO_HTTP};
    gs_route_table_add_listener(fuzz_table, &h, &l_http, NULL);
    gs_rt_listener a = {.gateway_namespace = "ns",
                        .gateway_name = "gw",
                        .name = "a",
                        .port = 443,
                        .protocol = GS_RT_PROTO_HTTPS,
                        .hostname = "a.example.com"};
    gs_route_table_add_listener(fuzz_table, &a, &l_a, NULL);
    gs_rt_listener w = a;
    w.name = "w";
    w.hostname = "*.example.com";
    gs_route_table_add_listener(fuzz_table, &w, &l_w, NULL);
    size_t all[] = {l_http, l_a, l_w};

    gs_rt_kv_match hdr[] = {{.name = "x-v", .value = "1"},
                            {.type = GS_RT_MATCH_REGEX, .name = "x-r", .value = "[a-z]+\\d*"}};
    gs_rt_kv_match q[] = {{.name = "a", .value = "b"},
                          {.type = GS_RT_MATCH_REGEX, .name = "c", .value = "(x|y)+"}};
    gs_rt_match m[] = {
        {.path = {.type = GS_RT_MATCH_EXACT, .value = "/exact"}},
        {.path = {.type = GS_RT_MATCH_PREFIX, .value = "/p/q/"}, .method = "POST"},
        {.path = {.type = GS_RT_MATCH_REGEX, .value = "/r/[0-9]+(/.*)?"}},
        {.headers = hdr, .n_headers = 2, .query = q, .n_query = 2},
        {.path = {.type = GS_RT_MATCH_PREFIX, .value = "/"}},
    };
    gs_rt_backend b = {.namespace = "ns", .name = "svc", .port = 80, .weight = 1};
    gs_rt_rule rules[5];
    for (int i = 0; i < 5; i++)
        rules[i] = (gs_rt_rule){.matches = &m[i], .n_matches = 1, .backends = &b, .n_backends = 1};
    const char *hosts[] = {"a.example.com", "*.example.com", "*.com"};
    gs_rt_route r = {.namespace = "ns",
                     .name = "r",
                     .hostnames = hosts,
                     .n_hostnames = 3,
                     .rules = rules,
                     .n_rules = 5};
    gs_route_table_add_route(fuzz_table, &r, all, 3, NULL);
    gs_rt_route none = {
        .namespace = "ns", .name = "none", .created = 1, .rules = rules, .n_rules = 1};
    gs_route_table_add_route(fuzz_table, &none, all, 3, NULL);
    gs_rt_grpc_match gm[] = {{.service = "s.v1.S", .method = "M"},
                             {.type = GS_RT_MATCH_REGEX, .service = "s\\..*", .method = "L.*"},
                             {.method = "Only"}};
    gs_rt_rule grules[3];
    for (int i = 0; i < 3; i++)
        grules[i] = (gs_rt_rule){.grpc_matches = &gm[i], .n_grpc_matches = 1};
    const char *ghosts[] = {"grpc.example.org"};
    gs_rt_route g = {.kind = GS_RT_ROUTE_GRPC,
                     .namespace = "ns",
                     .name = "g",
                     .hostnames = ghosts,
                     .n_hostnames = 1,
                     .rules = grules,
                     .n_rules = 3};
    gs_route_table_add_route(fuzz_table, &g, all, 1, NULL);
    gs_route_table_compile(fuzz_table, NULL);
    fuzz_http = gs_route_table_find_port(fuzz_table, "ns", "gw", 80);
    fuzz_https = gs_route_table_find_port(fuzz_table, "ns", "gw", 443);
}

/* Next '\n'-separated field of [*p, end): returns its start and length; NULL at the end. */
static const char *fuzz_field(const char **p, const char *end, size_t *len)
{
    if (*p >= end)
        return NULL;
    const char *s = *p;
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    const char *e = nl ? nl : end;
    *len = (size_t)(e - s);
    *p = nl ? nl + 1 : end;
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fuzz_table == NULL)
        fuzz_build();
    /* Copy so that every field can be NUL-terminated where the API wants C strings. */
    char *buf = malloc(size + 1);
    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    const char *p = buf, *end = buf + size;
    size_t len[4] = {0};
    const char *f[4] = {0};
    for (int i = 0; i < 4; i++)
        f[i] = fuzz_field(&p, end, &len[i]);
    gs_rt_header headers[8];
    size_t n = 0;
    size_t hl;
    const char *h;
    while (n < 8 && (h = fuzz_field(&p, end, &hl)) != NULL) {
        const char *colon = memchr(h, ':', hl);
        if (colon == NULL || colon == h)
            continue;
        headers[n++] =
            (gs_rt_header){h, (size_t)(colon - h), colon + 1, hl - (size_t)(colon - h) - 1};
    }
    /* The SNI must be a C string: terminate it in place. */
    char *sni = NULL;
    if (f[0] && len[0]) {
        sni = (char *)buf + (f[0] - buf);
        sni[len[0]] = '\0';
    }
    gs_rt_request req = {.sni = sni,
                         .host = f[1] && len[1] ? f[1] : NULL,
                         .host_len = len[1],
                         .method = f[2] && len[2] ? f[2] : NULL,
                         .method_len = len[2],
                         .path = f[3] && len[3] ? f[3] : NULL,
                         .path_len = len[3],
                         .headers = headers,
                         .n_headers = n};
    gs_rt_result res;
    gs_route_table_lookup(fuzz_table, fuzz_http, &req, &res);
    if (res.outcome == GS_RT_MATCHED && res.rule->n_backends)
        (void)gs_rt_rule_pick_backend(res.rule, (uint32_t)size * 2654435761u);
    gs_route_table_lookup(fuzz_table, fuzz_https, &req, &res);
    free(buf);
    return 0;
}
