/* SPDX-License-Identifier: MIT */
/* gatesim-echo's process: binds the listeners (port 0 allowed), prints the JSON ready line,
 * runs one event loop per --threads, accepts connections (TLS handshake, h2 preface detection)
 * and drains cleanly on SIGTERM/SIGINT. */
#ifndef ECHO_SERVER_H
#define ECHO_SERVER_H

#include "echo_config.h"

#include <stdio.h>

/* Runs the server until SIGTERM or SIGINT. The ready line goes to |ready_out| once every
 * listener is bound:
 *   {"ready":true,"service":"ns/name","replica":"0","pid":N,"listen":"127.0.0.1:P","port":P,
 *    "tlsListen":"127.0.0.1:Q","tlsPort":Q,"control":"127.0.0.1:R","controlPort":R}
 * (tls fields only with --tls-listen, plain ones absent with --no-listen). Returns the process
 * exit status: 0 after a clean shutdown, 1 when a listener or the TLS setup fails. */
int gs_echo_server_run(const gs_echo_config *cfg, FILE *ready_out);

#endif
