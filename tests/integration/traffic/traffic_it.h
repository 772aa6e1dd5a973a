/* SPDX-License-Identifier: MIT */
/* Helpers for the traffic integration tests (and the bench ones, which reuse them): free
 * loopback ports, starting nginx with a given http{} body, starting the Python test servers,
 * running gs_traffic with a callback that collects what the tests assert on, and running the
 * built `gatesim` and reading what it wrote. Every process started here is stopped by it_stop. */
#ifndef TRAFFIC_IT_H
#define TRAFFIC_IT_H

#include "gs_buf.h"
#include "gs_json_parse.h"
#include "gs_proc.h"
#include "gs_traffic.h"

#include <stdbool.h>
#include <stddef.h>

/* |n| distinct ports for a server that cannot bind port 0 itself (nginx, nghttpd): each stays
 * bound (SO_REUSEADDR, not listening) in |fds| until it_release_ports, so no other process can
 * take it meanwhile, while a server that also sets SO_REUSEADDR (nginx and nghttpd do) can bind
 * and listen on it. Release once the server listens. (A port bound to 0, read and closed again
 * could be taken by anything before the server binds it: there is deliberately no such helper.) */
void it_hold_ports(unsigned *ports, int *fds, size_t n);
void it_release_ports(const int *fds, size_t n);
/* A port that refuses connections for as long as the returned socket stays open: it is bound
 * but never listens, so no other process can take the port and accept on it meanwhile (a
 * port closed again could be reused by anything). Close the fd after. */
int it_refusing_port(unsigned *port);
/* Waits until 127.0.0.1:|port| accepts connections; false after |timeout_ms|. */
bool it_wait_port(unsigned port, int timeout_ms);
/* A fresh temporary directory (malloc'd path); it_rmdir removes it with its contents and
 * frees the path. */
char *it_tmpdir(void);
void it_rmdir(char *dir);

/* Starts nginx with |http_body| (the inside of http{}), already formatted with its ports, in
 * directory |dir|; waits for |port|. Fails the test when nginx does not come up. nginx runs as
 * a single process (master_process off), so the child's death signal takes all of it even when
 * a test is killed on a timeout. */
gs_proc *it_nginx(const char *dir, const char *http_body, unsigned port);
/* Starts /usr/bin/python3 |script| (in this folder) and reads the port it prints. */
gs_proc *it_python(const char *script, unsigned *port);
/* The same with up to two arguments (NULL for none) and a second port on the line (or NULL). */
gs_proc *it_python_args(const char *script, const char *a1, const char *a2, unsigned *port,
                        unsigned *port2);
/* Writes a CA and a localhost leaf into |dir| (ca.pem, cert.pem, key.pem). */
void it_make_cert(const char *dir);

/* What the callback saw. */
typedef struct it_seen {
    uint64_t calls, warmup_calls;
    uint64_t by_error[GS_TRAFFIC_ERR_COUNT];
    uint64_t ids_seen;        /* responses that carried a request id */
    uint64_t duplicate_index; /* request indexes (< 4096) seen twice */
    uint8_t index_seen[4096];
    int last_status, last_grpc_status;
    char last_body[4096];
    char last_grpc_message[256];
    char last_backend[128];
    char last_header[256]; /* value of the header named by it_watch_header */
    char last_trailer[256];
    char last_detail[256];
} it_seen;

extern it_seen it_seen_data;
extern const char *it_watch_header;  /* response header copied into last_header */
extern const char *it_watch_trailer; /* trailer copied into last_trailer */

/* Runs |cfg| with the collecting callback; returns the result (test fails on a run error). */
gs_traffic_result *it_run(gs_traffic_config *cfg);

/* Starts |argv| as gs_proc_spawn does with |opts| (NULL: none), |what| naming it in failures;
 * fails the test when it cannot. Its stderr goes to a temporary file (or to opts->stderr_path
 * when set) that it_stop reads once the process has exited: a sanitizer build writes its reports
 * there, LeakSanitizer's at exit. Use it for every gatesim binary a test starts (gatesim-echo,
 * gatesim). Up to 64 such processes at once. */
gs_proc *it_spawn(const char *what, const char *const *argv, const gs_proc_opts *opts);
/* Whether |text| (|n| bytes) holds a sanitizer report: "ERROR: AddressSanitizer",
 * "ERROR: LeakSanitizer", UBSan's "runtime error:", or "Sanitizer has encountered a fatal error"
 * (a sanitizer that could not do its check). */
bool it_sanitizer_report(const char *text, size_t n);
/* Stops |p| (SIGTERM, SIGKILL after 2 s) and frees it; NULL is fine. For a process of it_spawn,
 * copies its stderr to ours (the test log), removes the file it made, and returns true with that
 * stderr in |report| (when not NULL) when it holds a sanitizer report. */
bool it_stop_scan(gs_proc *p, gs_buf *report);
/* it_stop_scan that fails the test, with the report, when there is one. */
void it_stop(gs_proc *p);

/* Runs the shell command |cmd| with stderr merged into stdout. Returns its exit status (-1 when
 * a signal ended it); |out| holds the output ("" when there was none); |*report| tells whether
 * that output holds a sanitizer report (it_sanitizer_report). */
int it_sh_scan(const char *cmd, gs_buf *out, bool *report);
/* it_sh_scan that fails the test, with the output, when there is a sanitizer report. */
int it_sh(const char *cmd, gs_buf *out);
/* Runs the built `gatesim ARGS` the same way. */
int it_gatesim(const char *args, gs_buf *out);
/* Writes |n| bytes of |data| to |path| (created or truncated); fails the test when it cannot. */
void it_write_file(const char *path, const char *data, size_t n);
/* The same with the NUL-terminated |text|. */
void it_write_text(const char *path, const char *text);
/* The JSON document on the first line of |out| (warnings may follow it on a merged stderr), and
 * the one in file |path|; the test fails when there is none. Free with gs_json_value_free. */
gs_json_value *it_json_first_line(const gs_buf *out);
gs_json_value *it_json_read(const char *path);
/* Number |key| of object |o|; the test fails when it is absent or not a number. */
double it_json_num(const gs_json_value *o, const char *key);

#endif
