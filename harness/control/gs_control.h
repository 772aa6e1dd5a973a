/* SPDX-License-Identifier: MIT */
/* The controller: from the objects of one model it computes what a Gateway API controller would
 * write into status — GatewayClass, Gateway and listener conditions, route parents,
 * attachedRoutes — and compiles the route table the builtin data plane serves. The meaning of a
 * manifest is computed here and only here. The model is the only input: the Namespaces,
 * Services and Secrets a scenario synthesizes are loaded into it like any object (gs_objset),
 * so control has no second door for objects. */
#ifndef GS_CONTROL_H
#define GS_CONTROL_H

#include "gs_error.h"
#include "gs_model.h"
#include "gs_route_table.h"
#include "gs_status.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* controllerName reported for Gateways whose GatewayClass is not among the objects, when no
 * --controller-name is given. */
#define GS_CONTROL_DEFAULT_CONTROLLER "gatesim.dev/gateway-controller"

typedef struct gs_control_opts {
    const char *const *controller_names; /* --controller-name; none = manage every class */
    size_t n_controller_names;
    bool strict;                  /* kinds outside the model are errors (loading) */
    bool no_hostname_fallthrough; /* see gs_rt_options */
    /* A backendRef to a Service that is not among the objects resolves as if that Service
     * existed with the referenced port (explain/validate --assume-services: manifests whose
     * Services live elsewhere). */
    bool assume_services;
} gs_control_opts;

typedef struct gs_control gs_control;

/* Creates a controller with |opts| (copied; NULL = defaults). Returns 0. */
int gs_control_new(gs_control **out, const gs_control_opts *opts);
void gs_control_free(gs_control *c);

/* Computes status and the route table for the objects of |m| (borrowed for the call only).
 * Can be called again (with the same or another model); each call replaces the previous
 * results. Returns 0, or GS_ERR_INVALID when the table could not be built (|err| says why). */
int gs_control_compute(gs_control *c, const gs_model *m, gs_error *err);

/* Results of the last gs_control_compute; owned by |c|. */
const gs_status_set *gs_control_status(const gs_control *c);
const gs_route_table *gs_control_table(const gs_control *c);
/* The route kind ("HTTPRoute") whose rules enter the route table as |kind|. */
const char *gs_control_route_kind_name(gs_rt_route_kind kind);
/* Hands the compiled table to the caller (who frees it); |c| no longer has one. */
gs_route_table *gs_control_take_table(gs_control *c);

#endif
