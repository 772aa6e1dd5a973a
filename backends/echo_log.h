/* SPDX-License-Identifier: MIT */
/* The request log the harness reads to prove mirroring and count traffic: a bounded ring of the
 * x-gatesim-request-id values served (with method, path, protocol, status) plus counters by
 * method, path, protocol and status. Shared by every event loop of the process behind one mutex;
 * rendered as JSON for the control endpoint. No I/O. */
#ifndef ECHO_LOG_H
#define ECHO_LOG_H

#include "echo_config.h"
#include "gs_buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct gs_echo_log gs_echo_log;

/* What one served request contributes. Strings are borrowed for the call. */
typedef struct gs_echo_log_entry {
    const char *request_id; /* NULL or "": counted, not kept in the ring */
    size_t request_id_len;
    const char *method;
    size_t method_len;
    const char *path; /* the request target; the counters use it without the query */
    size_t path_len;
    const char *proto; /* "HTTP/1.1", "HTTP/2.0", ... */
    int status;        /* 0 for a reset */
    bool grpc;
    int grpc_status; /* with |grpc| */
} gs_echo_log_entry;

/* A log keeping the last |capacity| ids. */
int gs_echo_log_new(gs_echo_log **out, size_t capacity);

/* The faults the control endpoint set (POST /behaviour) live here, beside the log, because the
 * log is the one object every loop shares. Setting bumps a version every loop checks per
 * request with one atomic load (gs_echo_log_faults_since). */
void gs_echo_log_set_faults(gs_echo_log *l, const gs_echo_faults *f);
/* Copies the faults set last into |out| and returns true when they changed since |*version|
 * (updated); false, leaving |out| alone, otherwise. */
bool gs_echo_log_faults_since(gs_echo_log *l, unsigned *version, gs_echo_faults *out);
void gs_echo_log_free(gs_echo_log *log);

/* Records one request. Thread-safe. */
void gs_echo_log_add(gs_echo_log *log, const gs_echo_log_entry *e);

/* Writes one access-log line for |e| to |out| (for --access-log):
 *   2026-11-29T04:10:00.123Z team-a/app/r1 "GET /path HTTP/1.1" 200 id=abc
 * with "grpc=N" after the status for gRPC calls and "id=-" without a request id. */
void gs_echo_access_log_write(FILE *out, const char *backend, const gs_echo_log_entry *e);

/* Counts a connection-level event ("accepted", "h1", "h2", "tls", "parse_error", ...). */
void gs_echo_log_count(gs_echo_log *log, const char *event);

/* Appends {"next":N,"dropped":D,"requests":[{"seq","id","method","path","proto","status"
 * [,"grpcStatus"]}...]}
 * with the ids whose sequence number is greater than |since|, at most |limit| of them (0 = all
 * kept). "next" is the sequence to pass as |since| to continue; "dropped" counts ids after
 * |since| that the ring no longer holds. Thread-safe. */
void gs_echo_log_requests_json(gs_echo_log *log, uint64_t since, size_t limit, gs_buf *out);

/* Appends {"requests":N,"methods":{},"paths":{},"protocols":{},"statuses":{},"events":{}}. */
void gs_echo_log_stats_json(gs_echo_log *log, gs_buf *out);

/* Counts a try of the request known by |key| (the retry simulation's uuid, or a request id)
 * and returns which try this is: 1 the first time the key is seen, 2 the next... Keys live in
 * a direct-mapped table of GS_ECHO_LOG_TRY_SLOTS by hash: a key whose slot another key took
 * since starts again at 1 (only requests in flight together need distinct slots). Thread-safe:
 * tries of one request may arrive on different connections and loops. */
#define GS_ECHO_LOG_TRY_SLOTS 4096
uint64_t gs_echo_log_try(gs_echo_log *log, const char *key, size_t len);

/* Forgets every id and counter (sequence numbers keep increasing). Thread-safe. */
void gs_echo_log_reset(gs_echo_log *log);

#endif
