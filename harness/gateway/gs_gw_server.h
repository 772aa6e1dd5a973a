/* SPDX-License-Identifier: MIT */
/* The gateway's listening side: one socket per (Gateway, declared port) of the current route
 * table, bound on loopback to a free port or to the --port-map choice; accepts connections,
 * terminates TLS, detects HTTP/1.1 vs HTTP/2, and hands them to the protocol sides. Reloads
 * re-sync the sockets (kept for ports that stay). */
#ifndef GS_GW_SERVER_H
#define GS_GW_SERVER_H

#include "gs_buf.h"
#include "gs_gw_runtime.h"

typedef struct gs_gw_server gs_gw_server;

typedef struct gs_gw_port_map {
    uint16_t declared;
    uint16_t bound;
} gs_gw_port_map;

typedef struct gs_gw_server_opts {
    const char *bind_host; /* default "127.0.0.1" */
    const gs_gw_port_map *port_map;
    size_t n_port_map;
} gs_gw_server_opts;

/* Borrows |rt| and |opts| (its arrays too) for the server's lifetime. */
int gs_gw_server_new(gs_gw_server **out, gs_gw_runtime *rt, const gs_gw_server_opts *opts);
void gs_gw_server_free(gs_gw_server *s);

/* Opens the sockets the runtime's current table needs and closes those it no longer names.
 * Returns 0, or GS_ERR_IO (a port could not be bound) with the reason in |err|. */
int gs_gw_server_sync(gs_gw_server *s, gs_error *err);

/* Appends the ready line of docs/cli.md (without newline):
 * {"ready":true,"listeners":[{"gateway":"ns/name","listener":"http","port":80,"address":...}]} */
void gs_gw_server_ready_json(gs_gw_server *s, gs_buf *out);

/* Stops accepting and asks every connection to finish (idle ones close now). */
void gs_gw_server_shutdown(gs_gw_server *s);

/* Open downstream connections. */
size_t gs_gw_server_conn_count(const gs_gw_server *s);

#endif
