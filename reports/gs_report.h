/* SPDX-License-Identifier: MIT */
/* Report writers: turn a gs_results (gs_results.h) into results.json, JUnit XML, a
 * self-contained HTML page and a Markdown summary. Writers only format; they never judge.
 * Files are written atomically (temp file in the same directory + rename), so a reader never
 * sees a half-written report, and every writer accepts a partially completed run. */
#ifndef GS_REPORT_H
#define GS_REPORT_H

#include "gs_buf.h"
#include "gs_error.h"
#include "gs_results.h"

/* Report formats, as a bit set for gs_report_write_all. */
enum {
    GS_REPORT_JSON = 1u << 0,     /* results.json */
    GS_REPORT_JUNIT = 1u << 1,    /* junit.xml */
    GS_REPORT_HTML = 1u << 2,     /* report.html */
    GS_REPORT_MARKDOWN = 1u << 3, /* summary.md */
    GS_REPORT_ALL = 0xfu,
};

/* Appends results.json (docs/cli.md schema plus the extra fields of docs/reports.md) to |out|. */
void gs_report_json(const gs_results *r, gs_buf *out);
/* Appends JUnit XML: one <testsuite> per scenario, one <testcase> per step. */
void gs_report_junit(const gs_results *r, gs_buf *out);
/* Appends a self-contained HTML page (inline CSS and SVG; no scripts, no network). */
void gs_report_html(const gs_results *r, gs_buf *out);
/* Appends a Markdown summary fit for a CI job summary ($GITHUB_STEP_SUMMARY). */
void gs_report_markdown(const gs_results *r, gs_buf *out);

/* Writes |len| bytes to |path| atomically: a temporary file next to it, fsync, rename.
 * Returns 0 or GS_ERR_IO (message in |err|). */
int gs_report_write_file(const char *path, const char *data, size_t len, gs_error *err);

/* Writes the formats in |formats| (GS_REPORT_* bits) into |dir| (created when missing, one
 * level) under their fixed names: results.json, junit.xml, report.html, summary.md.
 * Returns 0 or GS_ERR_IO. Call it again after every scenario: each write replaces the file. */
int gs_report_write_all(const gs_results *r, const char *dir, unsigned formats, gs_error *err);

/* Parses a --format list such as "json,junit,html,md" ("markdown" and "xml" are accepted as
 * aliases, "all" means every format). Returns 0 or GS_ERR_USAGE naming the bad entry. */
int gs_report_formats_parse(const char *list, unsigned *out, gs_error *err);

/* The file name a format is written to ("results.json", ...) for one GS_REPORT_* bit. */
const char *gs_report_file_name(unsigned format);

#endif
