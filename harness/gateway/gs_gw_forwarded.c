/* SPDX-License-Identifier: MIT */
/* Hop-by-hop removal and X-Forwarded-* headers. */
#include "gs_gw_forwarded.h"

#include "gs_alloc.h"

#include <stdlib.h>
#include <string.h>

#define FORWARDED_IS(name, n, lit) gs_gw_name_is((name), (n), (lit), sizeof(lit) - 1)

/* The hop-by-hop fields of RFC 9110 §7.6.1 (and the de-facto Proxy-Connection, Keep-Alive). */
static bool forwarded_is_hop_name(const char *name, size_t n)
{
    switch (n) { /* by length first: most fields are not even looked at */
    case 2:
        return FORWARDED_IS(name, n, "te");
    case 7:
        return FORWARDED_IS(name, n, "trailer") || FORWARDED_IS(name, n, "upgrade");
    case 10:
        return FORWARDED_IS(name, n, "connection") || FORWARDED_IS(name, n, "keep-alive");
    case 16:
        return FORWARDED_IS(name, n, "proxy-connection");
    case 17:
        return FORWARDED_IS(name, n, "transfer-encoding");
    case 18:
        return FORWARDED_IS(name, n, "proxy-authenticate");
    case 19:
        return FORWARDED_IS(name, n, "proxy-authorization");
    default:
        return false;
    }
}

bool gs_gw_forwarded_is_hop(const char *name)
{
    return forwarded_is_hop_name(name, strlen(name));
}

static bool forwarded_drop_hop(const gs_gw_header *f, void *arg)
{
    (void)arg;
    return forwarded_is_hop_name(f->name, f->name_len);
}

size_t gs_gw_forwarded_strip_hop(gs_gw_headers *h)
{
    size_t n = 0;
    bool has_connection = false;
    for (size_t i = 0; i < h->len && !has_connection; i++)
        has_connection = GS_GW_HEADER_IS(&h->items[i], "connection");
    if (has_connection) { /* the fields it names go too (rare: keep-alive clients omit it) */
        char *conn = gs_gw_headers_join(h, "connection");
        char *save = NULL;
        for (char *tok = strtok_r(conn, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save))
            n += gs_gw_headers_remove(h, tok);
        free(conn);
    }
    return n + gs_gw_headers_remove_if(h, forwarded_drop_hop, NULL);
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
