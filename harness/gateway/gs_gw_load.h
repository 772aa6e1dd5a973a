/* SPDX-License-Identifier: MIT */
/* Manifests → compiled route table, for `gatesim gateway`: loads the objects with the model and
 * asks the control plane to compute attachment and compile the table. The gateway itself never
 * interprets Gateway API objects. */
#ifndef GS_GW_LOAD_H
#define GS_GW_LOAD_H

#include "gs_error.h"
#include "gs_gw_endpoints.h"
#include "gs_route_table.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct gs_gw_load_opts {
    const char *const *paths; /* files or directories */
    size_t n_paths;
    const char **controller_names;
    size_t n_controller_names;
    bool strict;
    bool no_hostname_fallthrough;     /* see gs_rt_options */
    const gs_gw_endpoints *endpoints; /* --backend Services exist even if not declared */
} gs_gw_load_opts;

/* A gs_gw_load_fn: |arg| is a gs_gw_load_opts. Returns 0, GS_ERR_INVALID (invalid objects) or
 * GS_ERR_IO (unreadable input), with file:line:col reasons in |err|. */
int gs_gw_load_table(void *arg, gs_route_table **out, gs_error *err);

#endif
