/* SPDX-License-Identifier: MIT */
/* A load result as a file and as a summary: what `gatesim load` and `gatesim merge` print. The
 * JSON document wraps the result's fields (gs_traffic_result_write_fields) with the version,
 * the start time, the run's settings, the chosen percentiles, the whole histograms and the
 * thresholds' verdicts; gs_load_result_read turns such a document back into a result whose
 * histograms and counts are exactly those written, so results from several machines or shards
 * merge without loss (docs/traffic.md). */
#ifndef GS_LOAD_REPORT_H
#define GS_LOAD_REPORT_H

#include "gs_buf.h"
#include "gs_error.h"
#include "gs_threshold.h"
#include "gs_traffic.h"

#include <stdbool.h>
#include <stdio.h>

#define GS_LOAD_MAX_PERCENTILES 32
#define GS_LOAD_MAX_THRESHOLDS 32

/* What produced a result: the "settings" object. */
typedef struct gs_load_settings {
    char url[1024];
    char address[300];
    char protocol[16];
    char method[32];
    uint64_t connections, streams, threads; /* merged results: summed over the inputs */
    double rate;                            /* req/s, 0 = closed loop; merged: summed */
    uint64_t requests;                      /* 0 = bounded by time; merged: summed */
    double duration_s, warmup_s, timeout_s;
    bool new_connection_per_request;
    unsigned shard, shards; /* --shard I/N (1-based); shards 0 = not sharded */
    unsigned merged;        /* results merged into this one; 0 = a single run */
} gs_load_settings;

/* Fills |s| from a configuration (|url| as given on the command line). */
void gs_load_settings_from_config(gs_load_settings *s, const gs_traffic_config *cfg,
                                  const char *url);

/* The summary of a result: its settings and what the output shows besides the result. */
typedef struct gs_load_report {
    const char *version; /* gatesim's version, written as "version" */
    const char *command; /* "load" or "merge", for the text title */
    gs_load_settings settings;
    double pcts[GS_LOAD_MAX_PERCENTILES];
    size_t npcts;
    gs_threshold thresholds[GS_LOAD_MAX_THRESHOLDS];
    double observed[GS_LOAD_MAX_THRESHOLDS];
    bool passed[GS_LOAD_MAX_THRESHOLDS];
    size_t nthresholds;
    bool rate_reached; /* open loop: at most 1% of the scheduled requests missed */
    /* With --hdr-log: the responses of each one-second interval ("intervals"), borrowed */
    const uint64_t *interval_responses;
    size_t num_intervals;
} gs_load_report;

/* Default percentiles (50, 90, 99, 99.9, 99.99), no thresholds. */
void gs_load_report_init(gs_load_report *rep, const char *version, const char *command);
/* "--percentiles 50,90,99.9": each 0 < p <= 100, at most GS_LOAD_MAX_PERCENTILES. */
bool gs_load_report_set_percentiles(gs_load_report *rep, const char *list);
/* Adds a threshold expression (gs_threshold_parse). Returns 0 or GS_ERR_INVALID. */
int gs_load_report_add_threshold(gs_load_report *rep, const char *expr, gs_error *err);
/* Checks the thresholds and the rate against |r|; returns how many thresholds failed. */
size_t gs_load_report_check(gs_load_report *rep, const gs_traffic_result *r);

/* The human summary on stdout (colour when it is a terminal). */
void gs_load_report_print_text(const gs_load_report *rep, const gs_traffic_result *r);
/* The JSON document, one line, into |out|. */
void gs_load_report_write_json(const gs_load_report *rep, const gs_traffic_result *r, gs_buf *out);

/* Reads a document gs_load_report_write_json wrote (|name| for messages): the result (free
 * with gs_traffic_result_free) and its settings. Returns 0, or GS_ERR_PARSE / GS_ERR_INVALID
 * with a message naming |name| and the field. Histograms of another layout are refused. */
int gs_load_result_read(const char *text, size_t n, const char *name, gs_traffic_result **out,
                        gs_load_settings *settings, gs_error *err);

/* Adds |src| to |dst| as runs that went on side by side (shards, machines): counts and
 * histograms add, the window is the longest, rps and target rps add up; the settings add
 * connections, streams x connections stay per connection, rates and request counts add. */
void gs_load_result_merge_parallel(gs_traffic_result *dst, gs_load_settings *dst_settings,
                                   const gs_traffic_result *src,
                                   const gs_load_settings *src_settings);

#endif
