/* SPDX-License-Identifier: MIT */
/* Fuzz target for the gateway's filter arithmetic on request-controlled strings: CORS origin
 * matching and evaluation, redirect Locations from a Host and target, ReplacePrefixMatch, and
 * hop-by-hop removal driven by a Connection header. Input: newline-separated fields. */
#include "gs_gw_cors.h"
#include "gs_gw_forwarded.h"
#include "gs_gw_redirect.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    memcpy(buf, data, size);
    buf[size] = '\0';
    static char empty[] = "";
    char *f[6] = {empty, empty, empty, empty, empty, empty};
    size_t n = 0;
    char *p = buf;
    while (n < 6) {
        f[n++] = p;
        char *nl = strchr(p, '\n');
        if (nl == NULL)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    /* origin, pattern, host, target, prefix, replacement */
    (void)gs_gw_cors_origin_match(f[1], f[0]);
    const char *const origins[] = {f[1], "*"};
    gs_gw_cors c = {origins, 1, origins, 1, origins, 1, origins, 1, true, 0};
    gs_gw_headers req = {0}, out = {0};
    gs_gw_headers_add(&req, "origin", f[0]);
    gs_gw_headers_add(&req, "access-control-request-method", f[2]);
    gs_gw_headers_add(&req, "Connection", f[3]);
    gs_gw_headers_add(&req, f[4][0] ? f[4] : "x", f[5]);
    (void)gs_gw_cors_eval(&c, "OPTIONS", &req, &out);
    gs_gw_forwarded_strip_hop(&req);
    gs_gw_forwarded_add(&req, f[2], "http");

    gs_gw_redirect r = {.path = {GS_GW_PATH_MOD_PREFIX, f[5]}, .status_code = 0};
    gs_gw_redirect_request rq = {"http", f[2], 8080, f[3], f[4], NULL};
    char *loc = gs_gw_redirect_location(&r, &rq);
    if (strncmp(loc, "http://", 7) != 0)
        abort();
    free(loc);
    const char *query = NULL;
    size_t plen = gs_gw_path_split(f[3], &query);
    char *path = gs_gw_path_replace_prefix(f[3], plen, f[4], f[5]);
    if (path[0] != '/')
        abort();
    free(path);
    /* any replacement the API server admits ("" and "foo" included) is served as a path */
    gs_gw_path_mod full = {GS_GW_PATH_MOD_FULL, f[5]};
    path = gs_gw_path_apply(&full, f[3], plen, f[4]);
    if (path[0] != '/')
        abort();
    free(path);
    /* a redirect after a rewrite: the prefix is replaced in the path as matched (f[1]) */
    gs_gw_redirect_request after = {"http", f[2], 8080, f[3], f[4], f[1]};
    loc = gs_gw_redirect_location(&r, &after);
    if (strncmp(loc, "http://", 7) != 0)
        abort();
    free(loc);
    gs_gw_headers_clear(&req);
    gs_gw_headers_clear(&out);
    free(buf);
    return 0;
}
