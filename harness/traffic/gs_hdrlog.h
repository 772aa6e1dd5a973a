/* SPDX-License-Identifier: MIT */
/* HdrHistogram's interval log ("histogram log format version 1.3"), the file HdrHistogram's own
 * tools (HistogramLogReader, HistogramLogProcessor, HistogramLogAnalyzer) and its ports read.
 * gs_histogram already has HdrHistogram's bucket layout (gs_histogram.h), so the counts go into
 * the V2 compressed encoding unchanged: nothing is approximated on the way out. */
#ifndef GS_HDRLOG_H
#define GS_HDRLOG_H

#include "gs_buf.h"
#include "gs_error.h"
#include "gs_histogram.h"

#include <stdio.h>

/* Appends |h| to |out| as HdrHistogram's V2 encoding: the 40-byte header (lowest 1, highest
 * GS_HISTOGRAM_MAX_VALUE, 3 significant digits) and the counts as ZigZag LEB128 varints, runs
 * of empty buckets as one negative count. */
void gs_hdrlog_encode(const gs_histogram *h, gs_buf *out);

/* |h| as an interval log holds it: the V2 encoding deflated (zlib format) behind the
 * compressed cookie and length, in base64 (RFC 4648 §4, padded). Returns 0 or GS_ERR_IO when
 * zlib fails. */
int gs_hdrlog_encode_compressed_base64(const gs_histogram *h, gs_buf *out, gs_error *err);

/* One interval of a log: a histogram, when it starts (seconds after the log's base time), how
 * long it lasts, and an optional tag (NULL for none; no commas, spaces or newlines). */
typedef struct gs_hdrlog_interval {
    const gs_histogram *hist;
    double start_s, length_s;
    const char *tag;
} gs_hdrlog_interval;

/* Writes a whole log to |f|: gs_hdrlog_write_header, then gs_hdrlog_write_interval for each
 * of the |n| intervals. Returns 0, or GS_ERR_IO with the reason. */
int gs_hdrlog_write(FILE *f, double base_unix_s, const gs_hdrlog_interval *iv, size_t n,
                    gs_error *err);

/* A log written as it goes: the format line, "#[StartTime: ...]" and "#[BaseTime: ...]" (both
 * |base_unix_s|, seconds since 1970) and the legend; then one line per interval with its
 * maximum in milliseconds (values are ns: HdrHistogram's default unit ratio of 10^6). Both
 * return 0, or GS_ERR_IO with the reason. */
int gs_hdrlog_write_header(FILE *f, double base_unix_s, gs_error *err);
int gs_hdrlog_write_interval(FILE *f, const gs_hdrlog_interval *iv, gs_error *err);

#endif
