/* SPDX-License-Identifier: MIT */
/* The echo backends of one scenario: one gatesim-echo process per backend replica, started on
 * free loopback ports with the backend's fault behaviour, their addresses read from ready lines,
 * watched for death, and asked (over HTTP, never by scraping logs) which request ids they
 * served. Stopping the fleet stops every process. */
#ifndef GS_ECHO_FLEET_H
#define GS_ECHO_FLEET_H

#include "gs_objset.h"
#include "gs_proc.h"
#include "gs_scenario.h"
#include "gs_target.h"
#include "gs_tls.h"

typedef struct gs_echo_replica {
    const gs_scenario_backend *backend; /* borrowed from the scenario */
    unsigned replica;
    char *id;      /* replica id given to the echo ("app-stable-0") */
    char *address; /* "127.0.0.1:40123": where the Service's traffic goes */
    char *control; /* its control listener (request log), or NULL */
    char *log;     /* its stderr file */
    /* layer 4 (docs/runner.md): the echo's TCP, UDP and TLS listeners, when a TCPRoute, UDPRoute
     * or TLSRoute sends to the backend; NULL otherwise */
    char *tcp_address, *udp_address, *tls_address;
    char *https_address; /* its --tls-listen (HTTPS) when the backend has `tls.hosts` */
    char *tls_sha256; /* the TLS listener's certificate: SHA-256 of the DER, lower-case hex */
    gs_proc *proc;
    uint64_t log_since; /* request-log cursor: ids before it were already read */
} gs_echo_replica;

typedef struct gs_echo_fleet {
    gs_echo_replica *replicas;
    size_t n_replicas;
    gs_target_endpoint *endpoints; /* one per replica and Service port */
    size_t n_endpoints;
} gs_echo_fleet;

/* Starts every replica of every backend of |sc| with the |echo_path| binary, logs in |workdir|.
 * A Service port that a TCPRoute, UDPRoute or TLSRoute of |set| (may be NULL) sends to gets the
 * echo's TCP, UDP or TLS (passthrough: its own certificate) listener as its endpoint instead of
 * the HTTP one.
 * With |seed| (may be NULL), replica i draws its faults from seed + i, reproducibly.
 * Returns 0, or an error naming the replica that failed (then nothing is left running). */
int gs_echo_fleet_start(gs_echo_fleet *f, const gs_scenario *sc, const gs_objset *set,
                        const char *echo_path,
                        const char *workdir, const uint64_t *seed, int64_t timeout_ns,
                        gs_error *err);

/* The endpoints a target is given for |set|: the fleet's own (each declared backend's
 * replicas), then those of the Services of |set| that no backend declares, as Kubernetes would
 * find them (docs/runner.md, "Services without a backend of their own"): a Service with a
 * selector (headless or not) is served by the replicas it selects, a declared backend's
 * replicas standing for Pods labelled app: <backend name> in its namespace; a Service without
 * a selector by the replicas its EndpointSlices (label kubernetes.io/service-name) name in
 * endpoints[].targetRef (kind Pod, the replica id "name-N"). Each Service port goes to the
 * replicas' HTTP listener. Returns a malloc'd array (strings borrowed from |f| and |set|) and
 * its length in *|n|. */
gs_target_endpoint *gs_echo_fleet_endpoints_for(const gs_echo_fleet *f, const gs_objset *set,
                                                size_t *n);

/* Where the certificate and key of an HTTPS backend (`tls.hosts`) are in |workdir| (the runner
 * writes them before the fleet starts). Both malloc'd. */
void gs_echo_fleet_tls_paths(const char *workdir, const gs_scenario_backend *b, char **cert,
                             char **key);

/* Writes, at those paths in |workdir|, a leaf of |ca| for the `tls.hosts` of every HTTPS
 * backend of |sc|. Returns 0 or the first GS_ERR_* (|err| says which). */
int gs_echo_fleet_tls_write(const char *workdir, const gs_scenario *sc, const gs_tls_pem *ca,
                            gs_error *err);

/* GS_ERR_CLOSED with "backend ns/name replica N exited with ...: <last log line>" when a
 * replica died; else 0. */
int gs_echo_fleet_check(gs_echo_fleet *f, gs_error *err);

/* Calls |on_id| for every request id the replicas of backend "ns/name" served since the last
 * call (the fleet keeps a cursor per replica). Returns the number of ids, or GS_ERR_*. */
int gs_echo_fleet_request_ids(gs_echo_fleet *f, const char *backend,
                              void (*on_id)(const char *id, void *user), void *user, gs_error *err);

/* Changes the fault behaviour of every replica of backend "ns/name" for the rest of the run,
 * through each one's control endpoint (POST /behaviour). Returns 0 or GS_ERR_*. */
int gs_echo_fleet_set_behaviour(gs_echo_fleet *f, const char *backend,
                                const gs_scenario_behaviour *b, gs_error *err);

/* Advances every replica's cursor past what it has served so far (called before a step sends,
 * so the step only sees its own ids). */
int gs_echo_fleet_mark(gs_echo_fleet *f, gs_error *err);

void gs_echo_fleet_stop(gs_echo_fleet *f);

/* The backend "ns/name" whose TLS echo serves the certificate of SHA-256 |sha256|, or NULL.
 * |fleet| is a gs_echo_fleet (the signature is gs_expect_obs.cert_owner's). The string lives as
 * long as the fleet. */
const char *gs_echo_fleet_cert_owner(const char *sha256, void *fleet);

/* One HTTP/1.0 GET of |path| on |address| ("host:port"), for control endpoints. Returns the
 * status (and the body in |body|) or GS_ERR_*. */
int gs_echo_http_get(const char *address, const char *path, int64_t timeout_ns, gs_buf *body,
                     gs_error *err);
/* The same with another |method| ("POST"), without a request body. */
int gs_echo_http_request(const char *address, const char *method, const char *path,
                         int64_t timeout_ns, gs_buf *body, gs_error *err);

#endif
