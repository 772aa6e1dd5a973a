/* SPDX-License-Identifier: MIT */
/* Hop-by-hop removal and X-Forwarded-* headers. */
#include "gs_gw_forwarded.h"

#include "gs_alloc.h"

#include <stdlib.h>
#include <string.h>

static const char *const forwarded_hop[] = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
};

bool gs_gw_forwarded_is_hop(const char *name)
{
    for (size_t i = 0; i < GS_ARRAY_LEN(forwarded_hop); i++)
        if (gs_gw_name_eq(name, forwarded_hop[i]))
            return true;
    return false;
}

size_t gs_gw_forwarded_strip_hop(gs_gw_headers *h)
{
    size_t n = 0;
    char *conn = gs_gw_headers_join(h, "connection");
    if (conn) {
        char *save = NULL;
        for (char *tok = strtok_r(conn, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save))
            n += gs_gw_headers_remove(h, tok);
        free(conn);
    }
    for (size_t i = 0; i < GS_ARRAY_LEN(forwarded_hop); i++)
        n += gs_gw_headers_remove(h, forwarded_hop[i]);
    return n;
}

void gs_gw_forwarded_add(gs_gw_headers *h, const char *client_ip, const char *proto)
{
    char *xff = gs_gw_headers_join(h, "x-forwarded-for");
    if (xff) {
        char *v = gs_xasprintf("%s, %s", xff, client_ip);
        gs_gw_headers_set(h, "x-forwarded-for", v);
        free(v);
        free(xff);
    } else {
        gs_gw_headers_add(h, "x-forwarded-for", client_ip);
    }
    gs_gw_headers_set(h, "x-forwarded-proto", proto);
}
