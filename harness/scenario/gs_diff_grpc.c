/* SPDX-License-Identifier: MIT */
/* One gRPC call of `gatesim diff` through the traffic engine (gs_diff_grpc.h). */
#include "gs_diff_grpc.h"

#include "gs_grpc.h"
#include "gs_traffic.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* The answer of the call, copied out of the engine's callback. */
static void grpc_on_response(const gs_traffic_response *r, void *user)
{
    gs_diff_grpc_answer *ans = user;
    /* ans->path holds the path called until the answer is read */
    bool conformance = strncmp(ans->path, "/" GS_GRPC_CONFORMANCE_SERVICE "/",
                               strlen(GS_GRPC_CONFORMANCE_SERVICE) + 2) == 0;
    ans->path[0] = '\0';
    if (r->error != GS_TRAFFIC_OK)
        return;
    ans->http_status = r->status;
    ans->grpc_status = r->grpc_status;
    if (r->backend == NULL)
        return;
    snprintf(ans->backend, sizeof ans->backend, "%s", r->backend);
    char *last = strrchr(ans->backend, '/');
    if (last && last != strchr(ans->backend, '/'))
        *last = '\0'; /* ns/name/replica -> ns/name */
    gs_grpc_echo echo;
    int rc = conformance ? gs_grpc_conformance_echo_decode(&echo, r->body, r->body_len)
                         : gs_grpc_echo_decode(&echo, r->body, r->body_len);
    if (rc == 0) {
        snprintf(ans->path, sizeof ans->path, "%s", echo.path);
        snprintf(ans->host, sizeof ans->host, "%s", echo.host);
        gs_grpc_echo_free(&echo);
    }
}

static void grpc_call_once(const char *address, bool tls, const char *host, const char *path,
                           const char *header, gs_diff_grpc_answer *ans)
{
    memset(ans, 0, sizeof *ans);
    ans->grpc_status = -1;
    snprintf(ans->backend, sizeof ans->backend, "none");
    /* the callback tells the two echo formats apart by the path called */
    snprintf(ans->path, sizeof ans->path, "%s", path);
    char name[256] = "", value[512] = "";
    gs_traffic_header h = {name, value};
    if (header[0]) {
        size_t n = strcspn(header, ":");
        for (size_t i = 0; i < n && i + 1 < sizeof name; i++)
            name[i] = (char)tolower((unsigned char)header[i]);
        const char *v = header + n + (header[n] == ':');
        while (*v == ' ')
            v++;
        snprintf(value, sizeof value, "%s", v);
    }
    gs_traffic_config cfg;
    gs_traffic_config_init(&cfg);
    cfg.address = address;
    cfg.protocol = GS_TRAFFIC_GRPC;
    cfg.tls = tls;
    cfg.insecure = tls;
    cfg.sni = tls ? host : NULL;
    cfg.authority = host;
    cfg.path = path;
    cfg.headers = &h;
    cfg.num_headers = header[0] ? 1 : 0;
    cfg.requests = 1;
    cfg.on_response = grpc_on_response;
    cfg.user = ans;
    cfg.body_limit = 64 * 1024;
    gs_traffic_result *res = NULL;
    gs_error err = {0};
    if (gs_traffic_run(&cfg, &res, &err) != 0 || ans->http_status == 0) {
        memset(ans, 0, sizeof *ans);
        ans->grpc_status = -1;
        snprintf(ans->backend, sizeof ans->backend, "none");
    }
    gs_traffic_result_free(res);
}

void gs_diff_grpc_call(const char *address, bool tls, const char *host, const char *path,
                       const char *header, gs_diff_grpc_answer *ans)
{
    memset(ans, 0, sizeof *ans);
    ans->grpc_status = -1;
    snprintf(ans->backend, sizeof ans->backend, "none");
    if (address == NULL)
        return;
    grpc_call_once(address, tls, host, path, header, ans);
    if (ans->http_status == 0)
        grpc_call_once(address, tls, host, path, header, ans);
}
