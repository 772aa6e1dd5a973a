/* SPDX-License-Identifier: MIT */
/* The route kinds control handles, one row each (control_priv.h). A kind of the model's table
 * without a row here is recognised but not attached: listeners never list it in supportedKinds
 * and name it in InvalidRouteKinds when allowedRoutes asks for it. */
#include "control_priv.h"

/* TLSRoute, TCPRoute, UDPRoute: rules without matches or filters; attached and given status like
 * every route, their listeners not programmed (docs/l4.md). */
#define L4_KIND_HOOKS(table)                                                                       \
    .table_kind = (table), .rule_bad_regex = gs_control_l4_rule_no_regex,                          \
    .rule_unimplemented = gs_control_l4_rule_unimplemented,                                        \
    .table_rule = gs_control_l4_rule_to_table, .parent_status = gs_control_route_parent_status

static const gs_control_route_kind kinds[] = {
    {.kind = GS_KIND_HTTP_ROUTE,
     .table_kind = GS_RT_ROUTE_HTTP,
     .rule_bad_regex = gs_control_http_rule_bad_regex,
     .rule_unimplemented = gs_control_http_rule_unimplemented,
     .table_rule = gs_control_http_rule_to_table,
     .parent_status = gs_control_route_parent_status},
    {.kind = GS_KIND_GRPC_ROUTE,
     .table_kind = GS_RT_ROUTE_GRPC,
     .rule_bad_regex = gs_control_grpc_rule_bad_regex,
     .rule_unimplemented = gs_control_grpc_rule_unimplemented,
     .table_rule = gs_control_grpc_rule_to_table,
     .parent_status = gs_control_route_parent_status},
    {.kind = GS_KIND_TLS_ROUTE, L4_KIND_HOOKS(GS_RT_ROUTE_TLS)},
    {.kind = GS_KIND_TCP_ROUTE, L4_KIND_HOOKS(GS_RT_ROUTE_TCP)},
    {.kind = GS_KIND_UDP_ROUTE, L4_KIND_HOOKS(GS_RT_ROUTE_UDP)},
};

const gs_control_route_kind *gs_control_route_kind_of(gs_kind kind)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (kinds[i].kind == kind)
            return &kinds[i];
    }
    return NULL;
}

gs_kind_set gs_control_route_kinds(void)
{
    gs_kind_set set = 0;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        set |= GS_KIND_BIT(kinds[i].kind);
    return set;
}

const char *gs_control_route_kind_name(gs_rt_route_kind kind)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (kinds[i].table_kind == kind)
            return gs_kind_name(kinds[i].kind);
    }
    return "";
}

size_t gs_control_route_kind_rank(gs_kind kind)
{
    for (size_t i = 0; i < gs_route_kinds_count; i++) {
        if (gs_route_kinds[i].kind == kind)
            return i;
    }
    return gs_route_kinds_count;
}
