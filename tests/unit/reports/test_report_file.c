/* SPDX-License-Identifier: MIT */
/* Atomic report files, the report directory, and the --format list. */
#include "gs_alloc.h"
#include "gs_report.h"
#include "gs_test.h"

#include "sample_results.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char *file_make_dir(void)
{
    char *dir = gs_xstrdup("/tmp/gatesim-report-test-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    return dir;
}

static char *file_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "open %s", path);
    gs_buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        gs_buf_append(&b, chunk, n);
    fclose(f);
    return gs_buf_take(&b);
}

/* Removes every file in |dir| and |dir|; returns how many files there were. */
static int file_clean_dir(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *p = gs_xasprintf("%s/%s", dir, e->d_name);
        unlink(p);
        free(p);
        n++;
    }
    closedir(d);
    rmdir(dir);
    return n;
}

START_TEST(write_file_replaces_atomically)
{
    char *dir = file_make_dir();
    char *path = gs_xasprintf("%s/x.json", dir);
    gs_error err;
    ck_assert_int_eq(gs_report_write_file(path, "first", 5, &err), 0);
    ck_assert_int_eq(gs_report_write_file(path, "second!", 7, &err), 0);
    char *got = file_slurp(path);
    ck_assert_str_eq(got, "second!");
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0644);
    /* No temporary file is left behind. */
    ck_assert_int_eq(file_clean_dir(dir), 1);
    free(got);
    free(path);
    free(dir);
}
END_TEST

START_TEST(write_file_reports_errors)
{
    gs_error err = {0};
    ck_assert_int_eq(gs_report_write_file("/nonexistent-dir/x/results.json", "a", 1, &err),
                     GS_ERR_IO);
    ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent-dir/x/results.json"));
}
END_TEST

START_TEST(write_all_writes_each_format)
{
    char *parent = file_make_dir();
    char *dir = gs_xasprintf("%s/out", parent); /* created by write_all */
    gs_results *r = sample_results();
    gs_error err;
    ck_assert_int_eq(gs_report_write_all(r, dir, GS_REPORT_ALL, &err), 0);
    /* A second write (after the next scenario) replaces the files. */
    r->scenarios[3]->result = GS_RESULT_PASSED;
    ck_assert_int_eq(gs_report_write_all(r, dir, GS_REPORT_ALL, &err), 0);
    char *p = gs_xasprintf("%s/results.json", dir);
    char *json = file_slurp(p);
    ck_assert_ptr_nonnull(strstr(json, "\"passed\": 2"));
    free(p);
    free(json);
    p = gs_xasprintf("%s/junit.xml", dir);
    char *xml = file_slurp(p);
    ck_assert_ptr_nonnull(strstr(xml, "<testsuites"));
    free(p);
    free(xml);
    p = gs_xasprintf("%s/summary.md", dir);
    char *md = file_slurp(p);
    ck_assert_ptr_nonnull(strstr(md, "## gatesim"));
    free(p);
    free(md);
    p = gs_xasprintf("%s/report.html", dir);
    char *html = file_slurp(p);
    ck_assert_ptr_nonnull(strstr(html, "<svg class=\"chart split\""));
    free(p);
    free(html);
    ck_assert_int_eq(file_clean_dir(dir), 4);
    rmdir(parent);
    gs_results_free(r);
    free(dir);
    free(parent);
}
END_TEST

/* A writer killed at an arbitrary moment (SIGKILL: no cleanup) leaves the previous or the
 * next complete report, never a torn one. */
START_TEST(killed_writer_leaves_valid_reports)
{
    char *dir = file_make_dir();
    gs_results *r = sample_results();
    /* Make the report big enough that a write takes a while. */
    for (int i = 0; i < 300; i++) {
        gs_results_scenario *s = gs_results_add_scenario(r, "bulk", "bulk.yaml");
        s->result = GS_RESULT_PASSED;
        gs_results_set(&s->description, "%0500d", i);
    }
    gs_error err;
    ck_assert_int_eq(gs_report_write_all(r, dir, GS_REPORT_JSON | GS_REPORT_JUNIT, &err), 0);
    for (int round = 0; round < 5; round++) {
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            for (unsigned i = 0;; i++) {
                r->seed = i;
                gs_report_write_all(r, dir, GS_REPORT_JSON | GS_REPORT_JUNIT, NULL);
            }
        }
        usleep(3000 + 7000 * (useconds_t)round);
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        char *cmd =
            gs_xasprintf("/usr/bin/python3 -c 'import json, sys, xml.etree.ElementTree as E; "
                         "d = json.load(open(sys.argv[1])); assert len(d[\"scenarios\"]) == 304; "
                         "assert E.parse(sys.argv[2]).getroot().get(\"tests\") == \"304\"' "
                         "%s/results.json %s/junit.xml",
                         dir, dir);
        ck_assert_msg(system(cmd) == 0, "round %d: torn report", round);
        free(cmd);
    }
    file_clean_dir(dir); /* also removes the killed writer's leftover temporary files */
    gs_results_free(r);
    free(dir);
}
END_TEST

START_TEST(formats_parse_lists)
{
    unsigned f = 0;
    gs_error err;
    ck_assert_int_eq(gs_report_formats_parse("json,junit", &f, &err), 0);
    ck_assert_uint_eq(f, GS_REPORT_JSON | GS_REPORT_JUNIT);
    ck_assert_int_eq(gs_report_formats_parse("md, xml", &f, &err), 0);
    ck_assert_uint_eq(f, GS_REPORT_MARKDOWN | GS_REPORT_JUNIT);
    ck_assert_int_eq(gs_report_formats_parse("pdf", &f, &err), GS_ERR_USAGE);
    ck_assert_ptr_nonnull(strstr(err.msg, "\"pdf\""));
    ck_assert_int_eq(gs_report_formats_parse(",", &f, &err), GS_ERR_USAGE);
    ck_assert_int_eq(gs_report_formats_parse("html,all", &f, &err), 0);
    ck_assert_uint_eq(f, GS_REPORT_ALL);
    ck_assert_str_eq(gs_report_file_name(GS_REPORT_JSON), "results.json");
    ck_assert_str_eq(gs_report_file_name(GS_REPORT_HTML), "report.html");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("reports/file");
    TCase *tc = tcase_create("file");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, write_file_replaces_atomically);
    tcase_add_test(tc, write_file_reports_errors);
    tcase_add_test(tc, write_all_writes_each_format);
    tcase_add_test(tc, killed_writer_leaves_valid_reports);
    tcase_add_test(tc, formats_parse_lists);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
