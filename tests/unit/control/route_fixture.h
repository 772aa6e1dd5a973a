/* SPDX-License-Identifier: MIT */
/* The route-table fixture test_route_table.c and test_route_slots.c share (no YAML): a table
 * with the listener "http" (port 80 of Gateway infra/gw, HTTP), routes added to it, and lookups
 * on its port. Included by those test files only: each has its own table. */
#ifndef GS_TEST_ROUTE_FIXTURE_H
#define GS_TEST_ROUTE_FIXTURE_H

#include "gs_route_table.h"
#include "gs_test.h"

#include <stddef.h>
#include <stdint.h>

static gs_route_table *table;
static size_t l_http; /* listener "http" on port 80 of Gateway infra/gw */

/* Replaces the table with an empty one made with |opt| (NULL: the defaults) holding only
 * l_http, whose hostname is |hostname| (NULL: none). */
static inline void rt_fixture_reset(const gs_rt_options *opt, const char *hostname)
{
    gs_route_table_free(table);
    ck_assert_int_eq(gs_route_table_new(&table, opt), 0);
    gs_rt_listener l = {.gateway_namespace = "infra",
                        .gateway_name = "gw",
                        .name = "http",
                        .port = 80,
                        .protocol = GS_RT_PROTO_HTTP,
                        .hostname = hostname};
    ck_assert_int_eq(gs_route_table_add_listener(table, &l, &l_http, NULL), 0);
}

static inline void setup(void)
{
    rt_fixture_reset(NULL, NULL);
}

static inline void teardown(void)
{
    gs_route_table_free(table);
    table = NULL;
}

/* An HTTPRoute |ns|/|name| (|created|: its age for ties) on l_http with |host| as its one
 * hostname (NULL: none) and |rules|. */
static inline void add_route(const char *ns, const char *name, int64_t created, const char *host,
                             const gs_rt_rule *rules, size_t n_rules)
{
    const char *hosts[1] = {host};
    gs_rt_route r = {.kind = GS_RT_ROUTE_HTTP,
                     .namespace = ns,
                     .name = name,
                     .created = created,
                     .hostnames = hosts,
                     .n_hostnames = host ? 1 : 0,
                     .rules = rules,
                     .n_rules = n_rules};
    gs_error err = {0};
    int rc = gs_route_table_add_route(table, &r, &l_http, 1, &err);
    ck_assert_msg(rc == 0, "add_route: %s", err.msg);
}

/* Looks up |method| |path| with Host |host| and headers |h| on port 80 of infra/gw. */
static inline gs_rt_result lookup_req(const char *host, const char *method, const char *path,
                                      const gs_rt_header *h, size_t n_h)
{
    gs_rt_request req = {
        .host = host, .method = method, .path = path, .headers = h, .n_headers = n_h};
    const gs_rt_port *p = gs_route_table_find_port(table, "infra", "gw", 80);
    ck_assert_ptr_nonnull(p);
    gs_rt_result res;
    ck_assert_int_eq(gs_route_table_lookup(table, p, &req, &res), 0);
    return res;
}

#endif
