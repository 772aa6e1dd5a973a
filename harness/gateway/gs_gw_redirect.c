/* SPDX-License-Identifier: MIT */
/* Location computation for RequestRedirect. The rules the conformance suite verifies: the
 * scheme is the filter's, else the request's; the port is the filter's, else the well-known port
 * of the filter's scheme when it sets one, else the listener's declared port (never the Host
 * header's); the port is omitted when it is the scheme's default (http 80, https 443). The host
 * is the filter's, else the request Host without its port. Status 302 unless set. */
#include "gs_gw_redirect.h"

#include "gs_alloc.h"
#include "gs_buf.h"

#include <stdlib.h>
#include <string.h>

static int redirect_default_port(const char *scheme)
{
    return strcmp(scheme, "https") == 0 ? 443 : 80;
}

char *gs_gw_redirect_location(const gs_gw_redirect *r, const gs_gw_redirect_request *req)
{
    const char *scheme = r->scheme ? r->scheme : (req->scheme ? req->scheme : "http");
    int port;
    if (r->port > 0)
        port = r->port;
    else if (r->scheme)
        port = redirect_default_port(r->scheme);
    else
        port = req->listener_port;

    gs_buf b = {0};
    gs_buf_puts(&b, scheme);
    gs_buf_puts(&b, "://");
    if (r->hostname)
        gs_buf_puts(&b, r->hostname);
    else if (req->authority)
        gs_buf_append(&b, req->authority, gs_gw_host_len(req->authority));
    if (port > 0 && port != redirect_default_port(scheme))
        gs_buf_printf(&b, ":%d", port);

    const char *query = NULL;
    const char *target = req->target && req->target[0] == '/' ? req->target : "/";
    size_t path_len = gs_gw_path_split(target, &query);
    const char *from = target;
    size_t from_len = path_len;
    if (r->path.type == GS_GW_PATH_MOD_PREFIX && req->path_as_matched) {
        from = req->path_as_matched;
        from_len = strlen(from);
    }
    char *path = gs_gw_path_apply(&r->path, from, from_len, req->matched_prefix);
    gs_buf_puts(&b, path);
    free(path);
    if (query) {
        gs_buf_putc(&b, '?');
        gs_buf_puts(&b, query);
    }
    return gs_buf_take(&b);
}

int gs_gw_redirect_status(const gs_gw_redirect *r)
{
    return r->status_code > 0 ? r->status_code : 302;
}
