/* SPDX-License-Identifier: MIT */
/* The manifest loader of `gatesim gateway`, delegating to model and control. */
#include "gs_gw_load.h"

int gs_gw_load_table(void *arg, gs_route_table **out, gs_error *err)
{
    (void)arg;
    *out = NULL;
    /* Waiting for the control plane's model → route table entry point (NEEDS-control.md). */
    return gs_error_set(err, GS_ERR_INVALID,
                        "building the route table from manifests needs the control plane's "
                        "table builder, which this build does not have yet");
}
