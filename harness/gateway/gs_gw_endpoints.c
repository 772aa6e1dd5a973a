/* SPDX-License-Identifier: MIT */
/* Service port → endpoints map built from --backend flags. */
#include "gs_gw_endpoints.h"

#include "gs_addr.h"
#include "gs_alloc.h"

#include <stdlib.h>
#include <string.h>

static int endpoints_resolve(const char *hostport, gs_gw_endpoint *ep, gs_error *err)
{
    gs_error sub;
    if (gs_addr_resolve_hostport(hostport, 0, &ep->addr, &ep->addr_len, &sub) < 0)
        return gs_error_set(err, GS_ERR_USAGE, "endpoint %s", sub.msg);
    ep->address = gs_xstrdup(hostport);
    return 0;
}

int gs_gw_endpoints_add_spec(gs_gw_endpoints *e, const char *spec, gs_error *err)
{
    const char *eq = strchr(spec, '=');
    const char *slash = strchr(spec, '/');
    if (eq == NULL || slash == NULL || slash > eq)
        return gs_error_set(err, GS_ERR_USAGE, "--backend \"%s\": expected ns/svc:port=host:port",
                            spec);
    const char *colon = NULL;
    for (const char *p = slash; p < eq; p++)
        if (*p == ':')
            colon = p;
    if (colon == NULL)
        return gs_error_set(err, GS_ERR_USAGE, "--backend \"%s\": missing :port after the Service",
                            spec);
    char *end = NULL;
    long port = strtol(colon + 1, &end, 10);
    if (end != eq || port < 1 || port > 65535)
        return gs_error_set(err, GS_ERR_USAGE, "--backend \"%s\": bad Service port", spec);
    gs_gw_endpoint ep = {0};
    int rc = endpoints_resolve(eq + 1, &ep, err);
    if (rc < 0)
        return rc;

    char *ns = gs_xstrndup(spec, (size_t)(slash - spec));
    char *name = gs_xstrndup(slash + 1, (size_t)(colon - slash - 1));
    gs_gw_service *s = gs_gw_endpoints_find(e, ns, name, (uint16_t)port);
    if (s == NULL) {
        gs_xgrow((void **)&e->services, &e->cap, e->n_services + 1, sizeof(*e->services));
        s = &e->services[e->n_services++];
        memset(s, 0, sizeof(*s));
        s->namespace = ns;
        s->name = name;
        s->port = (uint16_t)port;
    } else {
        free(ns);
        free(name);
    }
    s->endpoints = gs_xrealloc(s->endpoints, (s->n_endpoints + 1) * sizeof(*s->endpoints));
    s->endpoints[s->n_endpoints++] = ep;
    return 0;
}

gs_gw_service *gs_gw_endpoints_find(gs_gw_endpoints *e, const char *ns, const char *name,
                                    uint16_t port)
{
    for (size_t i = 0; i < e->n_services; i++) {
        gs_gw_service *s = &e->services[i];
        if (s->port == port && strcmp(s->namespace, ns) == 0 && strcmp(s->name, name) == 0)
            return s;
    }
    return NULL;
}

const gs_gw_endpoint *gs_gw_service_next(gs_gw_service *s)
{
    if (s == NULL || s->n_endpoints == 0)
        return NULL;
    const gs_gw_endpoint *ep = &s->endpoints[s->next % s->n_endpoints];
    s->next++;
    return ep;
}

void gs_gw_endpoints_clear(gs_gw_endpoints *e)
{
    if (e == NULL)
        return;
    for (size_t i = 0; i < e->n_services; i++) {
        gs_gw_service *s = &e->services[i];
        for (size_t j = 0; j < s->n_endpoints; j++)
            free(s->endpoints[j].address);
        free(s->endpoints);
        free(s->namespace);
        free(s->name);
    }
    free(e->services);
    memset(e, 0, sizeof(*e));
}
