/* SPDX-License-Identifier: MIT */
/* The gateway process: event loop, first load, ready line on stdout, SIGHUP reload (new requests
 * on the new table, in-flight ones finish on theirs), SIGTERM/SIGINT graceful stop. The manifest
 * loading is a callback so this file knows nothing of YAML or the model. */
#ifndef GS_GW_MAIN_H
#define GS_GW_MAIN_H

#include "gs_gw_endpoints.h"
#include "gs_gw_msg.h"
#include "gs_gw_server.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Builds a compiled route table from whatever the caller loads. Returns 0 or a negative
 * GS_ERR_* with the reason in |err|. Called once at start and on every SIGHUP. */
typedef int (*gs_gw_load_fn)(void *arg, gs_route_table **out, gs_error *err);

typedef struct gs_gw_run_opts {
    gs_gw_load_fn load;
    void *load_arg;
    gs_gw_endpoints *endpoints; /* borrowed */
    gs_gw_server_opts server;
    gs_gw_limits limits;      /* zero fields take defaults */
    bool has_seed;            /* false: |seed| is drawn from the clock */
    uint64_t seed;            /* every value, 0 included, is a seed */
    FILE *ready_out;          /* default stdout */
    int64_t drain_timeout_ms; /* graceful stop bound, default 5000 */
} gs_gw_run_opts;

/* Runs until SIGTERM or SIGINT. Returns 0 after a clean stop, GS_ERR_INVALID when the first load
 * failed, GS_ERR_IO when a listener could not be bound (reasons in |err|). */
int gs_gw_run(const gs_gw_run_opts *opts, gs_error *err);

#endif
