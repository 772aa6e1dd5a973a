/* SPDX-License-Identifier: MIT */
/* The configured weights of the rule a request meets (gs_route_weights.h). */
#include "gs_route_weights.h"

#include "gs_control.h"

#include <string.h>

/* Port |port| of Gateway |gateway| ("ns/name") in |t|, or NULL. */
static const gs_rt_port *route_weights_port(const gs_route_table *t, const char *gateway,
                                            unsigned port)
{
    const char *slash = strchr(gateway, '/');
    if (slash == NULL)
        return NULL;
    size_t ns_len = (size_t)(slash - gateway);
    for (size_t i = 0; i < gs_route_table_port_count(t); i++) {
        const gs_rt_port *p = gs_route_table_port(t, i);
        if (p->port == port && strlen(p->gateway_namespace) == ns_len &&
            strncmp(p->gateway_namespace, gateway, ns_len) == 0 &&
            strcmp(p->gateway_name, slash + 1) == 0)
            return p;
    }
    return NULL;
}

int gs_route_weights_describe(const gs_route_table *t, const char *gateway, unsigned port,
                              const gs_rt_request *req, gs_buf *out)
{
    const gs_rt_port *p = t != NULL ? route_weights_port(t, gateway, port) : NULL;
    gs_rt_result res;
    if (p == NULL || gs_route_table_lookup(t, p, req, &res) != 0 || res.outcome != GS_RT_MATCHED)
        return -1;
    const gs_rt_route *route = res.route;
    const gs_rt_rule *rule = res.rule;
    gs_buf_printf(out, "%s %s/%s rule %zu:", gs_control_route_kind_name(route->kind),
                  route->namespace, route->name, rule->index);
    for (size_t i = 0; i < rule->n_backends; i++) {
        const gs_rt_backend *b = &rule->backends[i];
        double share = rule->total_weight ? 100.0 * b->weight / (double)rule->total_weight : 0;
        gs_buf_printf(out, "%s %s/%s %u (%.1f%%", i ? "," : "", b->namespace, b->name,
                      (unsigned)b->weight, share);
        if (b->state != GS_RT_BACKEND_OK)
            gs_buf_printf(out, ", %s: answers 500", gs_rt_backend_state_reason(b->state));
        gs_buf_putc(out, ')');
    }
    if (rule->n_backends == 0)
        gs_buf_puts(out, " no backends");
    return 0;
}
