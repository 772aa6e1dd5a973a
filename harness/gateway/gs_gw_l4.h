/* SPDX-License-Identifier: MIT */
/* The builtin gateway's layer-4 data plane (docs/l4.md): TCP listeners proxy each connection to
 * one backend endpoint; TLS listeners first read the ClientHello to route by its server name,
 * then splice the bytes unchanged (Passthrough) or terminate TLS and proxy the cleartext
 * (Terminate); UDP listeners keep one session (a connected upstream socket) per client address.
 * Backends are picked by weight once per connection or session. Internal to harness/gateway. */
#ifndef GS_GW_L4_H
#define GS_GW_L4_H

#include "gs_gw_conn.h"
#include "gs_gw_runtime.h"

#include <event2/util.h>

/* A UDP listener's session table never holds more than this many sessions: a new client past
 * it evicts the least recently used one (counted as udpSessionsEvicted). */
#define GS_GW_UDP_MAX_SESSIONS 4096
/* A UDP session with no datagram either way for this long is closed (udpSessionsExpired); the
 * default of --udp-idle-timeout (gs_gw_limits.udp_idle_timeout_ms). */
#define GS_GW_UDP_IDLE_MS 30000

typedef struct gs_gw_l4 gs_gw_l4;

gs_gw_l4 *gs_gw_l4_new(gs_gw_runtime *rt);
/* Closes every layer-4 connection and session. NULL is fine. */
void gs_gw_l4_free(gs_gw_l4 *l4);
/* Closes the TCP and TLS connections now (graceful shutdown has no layer-4 message to send). */
void gs_gw_l4_shutdown(gs_gw_l4 *l4);
/* Open TCP and TLS connections. */
size_t gs_gw_l4_conn_count(const gs_gw_l4 *l4);

/* Takes |fd|, accepted on TCP or TLS listener socket |l|: routes it (at once on TCP, after the
 * ClientHello on TLS) or resets it. */
void gs_gw_l4_accept(gs_gw_l4 *l4, gs_gw_listen *l, evutil_socket_t fd);

/* Binds UDP listener socket |l| to |sa| and starts serving it. Returns 0, or GS_ERR_IO with the
 * reason in |err|. */
int gs_gw_l4_udp_open(gs_gw_l4 *l4, gs_gw_listen *l, const struct sockaddr *sa, socklen_t sl,
                      gs_error *err);
/* The bound socket of UDP listener |l| (-1 if none). */
evutil_socket_t gs_gw_l4_udp_fd(const gs_gw_listen *l);
/* Stops serving UDP listener |l| and closes its sessions. */
void gs_gw_l4_udp_close(gs_gw_listen *l);

#endif
