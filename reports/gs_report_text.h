/* SPDX-License-Identifier: MIT */
/* Text escaping shared by the report writers (internal to reports/): XML/HTML text and
 * attributes, Markdown table cells. Every function appends to |b| and accepts NULL as "". */
#ifndef GS_REPORT_TEXT_H
#define GS_REPORT_TEXT_H

#include "gs_buf.h"
#include "gs_results.h"

/* Escapes & < > " ' for XML and HTML (text and attribute values). Bytes that are not valid
 * UTF-8, and control characters other than \t \n \r, become U+FFFD, so the output is always
 * well-formed XML 1.0. With |newline_refs|, \t \n \r are written as character references
 * (keeps them inside attribute values). */
void gs_report_escape_xml(gs_buf *b, const char *s, int newline_refs);

/* Escapes a Markdown table cell: | and ` and < > & and backslash are neutralised, newlines
 * become <br>, so a message cannot break the table or inject HTML. */
void gs_report_escape_md(gs_buf *b, const char *s);

/* Appends |s| as plain text for a code block: invalid UTF-8 and control characters other than
 * \t \n become U+FFFD, \r is dropped, and at most |max| bytes of |s| are used (cut on a
 * character boundary). Returns 1 when |s| was cut, else 0. */
int gs_report_plain(gs_buf *b, const char *s, size_t max);

/* Formats a share in [0,1] as a percentage with one decimal ("70.0%"); NaN gives "n/a". */
void gs_report_percent(gs_buf *b, double share);

/* The step's target counters that are not zero, as plain text ("requests 200, timeouts 6"), or
 * nothing when there are none. The caller escapes it for its format. */
void gs_report_target_stats(gs_buf *b, const gs_results_counts *c);

/* How a step sent its requests, for a reader: "h2c, 3 connections", "http1, 1 connection, a new
 * connection per request", "h2c, 2 connections, 4 streams each". Nothing when it sent nothing. */
void gs_report_step_send(gs_buf *b, const gs_results_send *s);

/* A step's latency percentiles with their unit: "p50 0.41 ms, p90 0.80 ms, p99 1.20 ms, p99.9
 * 2.00 ms, max 2.31 ms". */
void gs_report_latency(gs_buf *b, const gs_results_latency *l);

#endif
