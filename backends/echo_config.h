/* SPDX-License-Identifier: MIT */
/* gatesim-echo's configuration: identity (service, replica), listeners, TLS files, fault
 * behaviour and limits, and the command-line parser that fills it. No I/O besides printing
 * --help; nothing here is touched after the server starts. */
#ifndef ECHO_CONFIG_H
#define ECHO_CONFIG_H

#include "gs_addr.h"
#include "gs_error.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* What a scenario's `backends[].behaviour` sets. Probabilities are in [0, 1]. */
typedef struct gs_echo_faults {
    int64_t delay_ns;     /* fixed delay before every response */
    int64_t delay_max_ns; /* when > delay_ns: uniform random delay in [delay_ns, delay_max_ns] */
    double error_rate;    /* fraction of requests answered with error_status */
    int error_status;     /* default 503 */
    double reset_rate; /* fraction of requests answered by a reset (h1: TCP RST, h2: RST_STREAM) */
    int64_t slow_body_ns; /* > 0: the body is sent in 64-byte pieces this far apart */
} gs_echo_faults;

typedef struct gs_echo_config {
    const char *ns;             /* --service ns/name: the Kubernetes namespace */
    const char *name;           /* ... and Service name */
    const char *replica;        /* --replica ID (the echo "pod"), default "0" */
    const char *listen;         /* --listen host:port (h1 + h2c + gRPC), default 127.0.0.1:0 */
    const char *tls_listen;     /* --tls-listen host:port, NULL when off */
    const char *tcp_listen;     /* --tcp-listen host:port: the line echo, NULL when off */
    const char *tcp_tls_listen; /* --tcp-tls-listen host:port: TLS, then the line echo */
    const char *udp_listen;     /* --udp-listen host:port: the datagram echo */
    const char *cert_file;      /* for --tls-listen and --tcp-tls-listen */
    const char *tls_names;      /* --tls-names a,b: generate a certificate for these names
                                 * instead of --cert/--key */
    const char *key_file;
    const char *client_ca;      /* --client-ca FILE: verify client certificates when given */
    bool require_client_cert;   /* --require-client-cert: and refuse clients without one */
    const char *control_listen; /* --control-listen host:port, default 127.0.0.1:0 */
    bool no_plain;              /* --no-listen: no HTTP/h2c listener */
    int threads;                /* --threads N (event loops sharing the ports via SO_REUSEPORT) */
    gs_echo_faults faults;
    bool has_seed;               /* --seed given; else the seed is drawn from the clock */
    uint64_t seed;               /* --seed N for the fault draws (0 is a seed too) */
    size_t log_size;             /* --log-size N request ids kept (ring), default 65536 */
    size_t max_body;             /* --max-body BYTES kept of a request body, default 1 MiB */
    int64_t idle_timeout_ns;     /* --idle-timeout: keep-alive / slow-header limit, default 30s */
    int64_t header_timeout_ns;   /* --header-timeout: total time for a TLS handshake or an
                                  * HTTP/1.1 request head, default 10s */
    int64_t shutdown_timeout_ns; /* --shutdown-timeout: bound on draining at SIGTERM, default 5s */
    int max_connections;         /* --max-connections per thread, default 10000 */
    bool quiet;                  /* --quiet: no per-connection diagnostics */
    bool access_log;             /* --access-log: one line per request on stderr */

    char *owned_service; /* storage behind |ns| and |name| */
} gs_echo_config;

/* Fills |cfg| from argv (argv[0] is the program). Returns 0; 1 after printing --help to |out|
 * (the caller exits 0); GS_ERR_USAGE with the reason in |err|. */
int gs_echo_config_parse(gs_echo_config *cfg, int argc, char **argv, FILE *out, gs_error *err);
void gs_echo_config_clear(gs_echo_config *cfg);

/* The listen addresses (--listen, --tls-listen, --control) are gs_addr_parse_hostport text with
 * these flags: ":port" listens on every address, port 0 lets the kernel pick. */
#define GS_ECHO_ADDR_FLAGS (GS_ADDR_EMPTY_HOST | GS_ADDR_PORT_ZERO)

#endif
