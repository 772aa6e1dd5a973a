/* SPDX-License-Identifier: MIT */
/* Private to harness/traffic: the functions connections and workers call on each other
 * (traffic_conn.c owns sockets and slots, traffic_worker.c owns threads, timers and results). */
#ifndef TRAFFIC_WORKER_H
#define TRAFFIC_WORKER_H

#include "traffic_internal.h"

/* Opens a socket for |c| (state IDLE -> CONNECTING). Returns 0, or -1 when no socket could be
 * made (counted as an error of the right class). */
int gs_traffic_conn_open(traffic_conn *c);
/* Fails every request in flight on |c| with |e| and drops the socket (state -> IDLE). */
void gs_traffic_conn_close(traffic_conn *c, gs_traffic_error e, const char *detail);
/* After an I/O callback on |c|: close when asked, start more requests (|refill|), flush. */
void gs_traffic_conn_after_io(traffic_conn *c, bool refill);
/* Connect timeout and request deadlines of |c| at |now|. */
void gs_traffic_conn_check_deadlines(traffic_conn *c, int64_t now);

/* True when the worker may not start any more requests. */
bool gs_traffic_worker_exhausted(traffic_worker *w, int64_t now);
/* Starts what the load model allows now; arms the rate timer. */
void gs_traffic_worker_pump(traffic_worker *w);
/* Closed-loop h2c: refills the connections whose held streams got no answer for a while. */
void gs_traffic_worker_release_held(traffic_worker *w);
/* Ends the worker's loop once nothing may start and nothing is in flight. */
void gs_traffic_worker_check_done(traffic_worker *w);

/* The run's timeline (traffic_interval.c), when cfg.on_interval is set; the worker calls are
 * no-ops otherwise. */
void gs_traffic_interval_run_init(traffic_run *run);
void gs_traffic_interval_run_free(traffic_run *run);
void gs_traffic_interval_worker_init(traffic_worker *w);
void gs_traffic_interval_worker_free(traffic_worker *w);
/* A measured response completed at |now|: count it in the worker's current interval. */
void gs_traffic_interval_record(traffic_worker *w, int64_t now, int64_t latency_ns,
                                int64_t service_ns);
/* The worker's clock moved on: hand over the intervals it is past. */
void gs_traffic_interval_tick(traffic_worker *w, int64_t now);
/* The worker finished: hand over what it holds. */
void gs_traffic_interval_worker_end(traffic_worker *w);
/* On the calling thread: report the intervals every worker is past. */
void gs_traffic_interval_report_passed(traffic_run *run, traffic_worker *ws, unsigned n);
/* After the workers ended: report the rest, the last one cut at |window_s|. */
void gs_traffic_interval_report_rest(traffic_run *run, double window_s);

#endif
