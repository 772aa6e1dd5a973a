/* SPDX-License-Identifier: MIT */
/* Where each Service port's endpoints are: the --backend ns/svc:port=host:port map. Several
 * endpoints of one Service port are used round-robin. Pure data (addresses are resolved once, at
 * parse time); the connection pools live in the upstream modules. */
#ifndef GS_GW_ENDPOINTS_H
#define GS_GW_ENDPOINTS_H

#include "gs_error.h"

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct gs_gw_endpoint {
    char *address; /* "host:port" as given, owned */
    struct sockaddr_storage addr;
    socklen_t addr_len;
} gs_gw_endpoint;

typedef struct gs_gw_service {
    char *namespace;
    char *name;
    uint16_t port;
    gs_gw_endpoint *endpoints;
    size_t n_endpoints;
    size_t next; /* round-robin cursor */
} gs_gw_service;

typedef struct gs_gw_endpoints {
    gs_gw_service *services;
    size_t n_services;
    size_t cap;
} gs_gw_endpoints;

/* Adds one mapping "ns/svc:port=host:port" (repeat for more endpoints of the same Service
 * port). Returns 0, or GS_ERR_USAGE with the reason in |err|. */
int gs_gw_endpoints_add_spec(gs_gw_endpoints *e, const char *spec, gs_error *err);

/* The Service port, or NULL when nothing maps it (the gateway answers 503: no endpoints). */
gs_gw_service *gs_gw_endpoints_find(gs_gw_endpoints *e, const char *ns, const char *name,
                                    uint16_t port);

/* The next endpoint of |s| in round-robin order, or NULL when it has none. */
const gs_gw_endpoint *gs_gw_service_next(gs_gw_service *s);

void gs_gw_endpoints_clear(gs_gw_endpoints *e);

#endif
