/* SPDX-License-Identifier: MIT */
/* Writes every report format for the shared sample run (tests/unit/reports/sample_results.h:
 * a partial run with a failing split, hostile evidence, an error) into the directory argv[1],
 * for check_reports.py to parse and render. */
#include "gs_report.h"

#include "sample_results.h"

#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: report_sample DIR\n");
        return 2;
    }
    gs_results *r = sample_results();
    gs_error err;
    int rc = gs_report_write_all(r, argv[1], GS_REPORT_ALL, &err);
    if (rc != 0)
        fprintf(stderr, "report_sample: %s\n", err.msg);
    gs_results_free(r);
    return rc == 0 ? 0 : 1;
}
