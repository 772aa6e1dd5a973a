/* SPDX-License-Identifier: MIT */
/* `gatesim gateway --data-plane nginx`: gatesim as the controller of a long-running nginx, with
 * the builtin gateway's lifecycle (docs/targets/nginx.md, "gatesim gateway --data-plane nginx"):
 * a ready line once nginx serves, SIGHUP reads the manifests again and reloads nginx (a new ready
 * line, with "reloadError" when the new objects or nginx refuse and the old configuration stays),
 * SIGUSR1 prints one stats line, SIGTERM/SIGINT stop nginx and return. nginx is driven through
 * the nginx target (gs_target.h), so what it serves is exactly what `gatesim run --target nginx`
 * tests. */
#ifndef GS_TARGET_NGINX_GATEWAY_H
#define GS_TARGET_NGINX_GATEWAY_H

#include "gs_error.h"
#include "gs_target.h"

#include <stddef.h>
#include <stdio.h>

typedef struct gs_nginx_gateway_opts {
    const char *const *paths; /* manifest files or folders (searched for *.yaml / *.yml) */
    size_t n_paths;
    /* The --backend Services as YAML documents (loaded first: a declared Service replaces its
     * stand-in), and their endpoints. */
    const char *const *service_documents;
    size_t n_service_documents;
    const gs_target_endpoint *endpoints;
    size_t n_endpoints;
    const char *const *controller_names; /* NULL-terminated, or NULL: every GatewayClass */
    /* Where nginx's files go (absolute), or NULL: a new $TMPDIR/gatesim-gateway-XXXXXX, removed
     * when the run ends. */
    const char *workdir;
    /* Checks the manifests before each apply and prints their diagnostics with file:line:col;
     * returns 0 or a negative GS_ERR_* with the first error in |err|. */
    int (*validate)(void *arg, gs_error *err);
    void *validate_arg;
    FILE *ready_out; /* where ready and stats lines go; NULL: stdout */
} gs_nginx_gateway_opts;

/* Runs until SIGTERM or SIGINT. Returns 0 after a clean stop, GS_ERR_INVALID when the first
 * objects are invalid, or another negative GS_ERR_* (nginx refused or died), with the reason in
 * |err|. */
int gs_nginx_gateway_run(const gs_nginx_gateway_opts *o, gs_error *err);

#endif
