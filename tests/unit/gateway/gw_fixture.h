/* SPDX-License-Identifier: MIT */
/* Test fixture for the gateway's I/O: forks a child that runs the gateway (on a route table the
 * test builds) together with small fake upstream services on one event loop, and gives the
 * parent blocking HTTP/1.1 helpers. Included by test_gw_*.c files only. */
#ifndef GW_FIXTURE_H
#define GW_FIXTURE_H

#include "gs_route_table.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define GWF_UPSTREAMS 3 /* default/v1, default/v2, default/mirror on Service port 8080 */

typedef struct gwf {
    pid_t pid;
    int gw_port;     /* bound port of the first listener port */
    int gw_ports[4]; /* bound ports of the first four listeners (ready line order) */
    int up_port[GWF_UPSTREAMS];
} gwf;

/* More --backend specs for the child (set before gwf_start; NULL-terminated). */
extern const char *gwf_extra_backends[4];
/* The gateway's max_connections in the child (0: the default). */
extern size_t gwf_max_connections;
/* The gateway's max_streamed_body in the child (0: the fixture's 2 MiB). */
extern uint64_t gwf_max_streamed_body;
/* The gateway's idle_timeout_ms in the child (0: the default, 60 s). */
extern int64_t gwf_idle_timeout_ms;

/* Builds the table in the child. Must add listeners and routes, not compile. */
typedef void (*gwf_build)(gs_route_table *t);

/* Starts the child. Endpoints: default/v1:8080, default/v2:8080, default/mirror:8080 (fake
 * upstreams), default/dead:8080 → a closed port, default/h2c:8080 → v1 as well. */
void gwf_start(gwf *f, gwf_build build);
void gwf_stop(gwf *f);
/* Starts only the fake upstreams (v1, v2, mirror) in a child; fills |up_port|. */
void gwf_start_upstreams(gwf *f);

typedef struct gwf_resp {
    int status;
    char *head; /* the response head as text (lower-case names kept as sent) */
    char *body;
} gwf_resp;

/* A blocking TCP connection to 127.0.0.1:|port| with a 5 s receive timeout (fails the test
 * when it cannot connect). */
int gwf_connect(int port);
/* Sends |raw| (a complete request) on a new connection and reads one response. Returns 0. */
int gwf_http(const gwf *f, const char *raw, gwf_resp *out);
/* A GET with Host |host| and extra header lines |extra| ("" or "X: y\r\n"). */
int gwf_get(const gwf *f, const char *host, const char *path, const char *extra, gwf_resp *out);
/* The value of response header |name| (case-insensitive) as a new string, or NULL. */
char *gwf_header(const gwf_resp *r, const char *name);
void gwf_resp_free(gwf_resp *r);

/* How many requests fake upstream |i| has served (asked through its /__count path). */
int gwf_upstream_count(const gwf *f, int i);

/* Helpers to build tables tersely. */
size_t gwf_listener(gs_route_table *t, const char *name, uint16_t port, gs_rt_protocol proto,
                    const char *hostname);
/* Adds the route "default/r" sending every path on |listener| to Service default/|service| port
 * 8080 (with |app_protocol|, or NULL), no filters, no timeouts. */
void gwf_catch_all(gs_route_table *t, size_t listener, const char *service,
                   const char *app_protocol);

#endif
