/* SPDX-License-Identifier: MIT */
/* Hop-by-hop removal and X-Forwarded-* headers. */
#include "gs_gw_forwarded.h"

#include "gs_alloc.h"

#include <stdlib.h>
#include <string.h>

/* The hop-by-hop fields of RFC 9110 §7.6.1 (and the de-facto Proxy-Connection, Keep-Alive). */
static bool forwarded_is_hop_field(const gs_gw_header *f)
{
    switch (f->name_len) { /* by length first: most fields are not even looked at */
    case 2:
        return GS_GW_HEADER_IS(f, "te");
    case 7:
        return GS_GW_HEADER_IS(f, "trailer") || GS_GW_HEADER_IS(f, "upgrade");
    case 10:
        return GS_GW_HEADER_IS(f, "connection") || GS_GW_HEADER_IS(f, "keep-alive");
    case 16:
        return GS_GW_HEADER_IS(f, "proxy-connection");
    case 17:
        return GS_GW_HEADER_IS(f, "transfer-encoding");
    case 18:
        return GS_GW_HEADER_IS(f, "proxy-authenticate");
    case 19:
        return GS_GW_HEADER_IS(f, "proxy-authorization");
    default:
        return false;
    }
}

bool gs_gw_forwarded_is_hop(const char *name)
{
    char copy[24]; /* longer names are no hop-by-hop field */
    size_t len = strlen(name);
    if (len >= sizeof copy)
        return false;
    memcpy(copy, name, len + 1);
    gs_gw_header f = {.name = copy, .name_len = len};
    return forwarded_is_hop_field(&f);
}

static bool forwarded_drop_hop(const gs_gw_header *f, void *arg)
{
    (void)arg;
    return forwarded_is_hop_field(f);
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
