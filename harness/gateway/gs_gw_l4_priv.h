/* SPDX-License-Identifier: MIT */
/* State shared by the layer-4 files (gs_gw_l4_tcp.c, gs_gw_l4_udp.c). */
#ifndef GS_GW_L4_PRIV_H
#define GS_GW_L4_PRIV_H

#include "gs_gw_l4.h"

#include <sys/queue.h>

typedef struct l4_conn l4_conn;

struct gs_gw_l4 {
    gs_gw_runtime *rt;
    LIST_HEAD(, l4_conn) conns;
    size_t n_conns;
};

/* The endpoint a new connection or session goes to: looks |port| up (|sni| for TLS), picks a
 * backendRef by weight and the Service's next endpoint. NULL when there is none, with the
 * refusal counted by the caller. |listener| (may be NULL) gets the listener chosen, |backend|
 * (may be NULL) the backendRef picked (its |tls|: the BackendTLSPolicy settings of the port). */
const gs_gw_endpoint *gs_gw_l4_pick(gs_gw_runtime *rt, const gs_rt_port *port, const char *sni,
                                    const gs_rt_listener **listener, const gs_rt_backend **backend);

#endif
