/* SPDX-License-Identifier: MIT */
/* The helpers every traffic integration test stops its processes with: a process of it_spawn
 * whose stderr holds a sanitizer report (AddressSanitizer, LeakSanitizer at exit, UBSan's
 * "runtime error:") is reported by it_stop_scan, which it_stop turns into a test failure. Fake
 * processes (small shell scripts) stand in for a sanitized gatesim-echo. */
#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_test.h"
#include "gs_time.h"
#include "traffic_it.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Number of entries in |dir| besides . and .. */
static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

/* Waits (30 s at most) until |p| has exited by itself, so stopping it cannot cut its output. */
static void wait_exit(gs_proc *p)
{
    int64_t until = gs_now_ns() + 30 * GS_NS_PER_S;
    while (!gs_proc_exited(p, NULL) && gs_now_ns() < until)
        usleep(10000);
    ck_assert(gs_proc_exited(p, NULL));
}

/* Runs `sh -c |script|` through it_spawn, waits for its first stdout line ("ready") when
 * |wait_ready| (else until it exits), stops it and returns what it_stop_scan said; |report| gets the report. The
 * temporary stderr file goes to a fresh TMPDIR, which must be empty again afterwards. */
static bool scan_script(const char *script, bool wait_ready, gs_buf *report)
{
    char *dir = it_tmpdir();
    ck_assert_int_eq(setenv("TMPDIR", dir, 1), 0);
    const char *argv[] = {"/bin/sh", "-c", script, NULL};
    gs_proc_opts opts = {.capture_stdout = true};
    gs_proc *p = it_spawn("fake", argv, &opts);
    ck_assert_int_eq(entries(dir), 1); /* its stderr file */
    if (wait_ready) {
        char *line = NULL;
        gs_error err;
        ck_assert_msg(gs_proc_read_line(p, 30 * GS_NS_PER_S, &line, &err) == 0, "%s", err.msg);
        ck_assert_str_eq(line, "ready");
        free(line);
    } else {
        wait_exit(p);
    }
    bool found = it_stop_scan(p, report);
    ck_assert_int_eq(entries(dir), 0); /* removed by it_stop_scan */
    ck_assert_int_eq(unsetenv("TMPDIR"), 0);
    it_rmdir(dir);
    return found;
}

START_TEST(leak_report_written_at_exit_is_found)
{
    /* like LeakSanitizer: the report comes when the process exits on it_stop's SIGTERM */
    gs_buf report = {0};
    bool found = scan_script("trap 'echo \"==7==ERROR: LeakSanitizer: detected memory leaks\" "
                             ">&2; echo \"Direct leak of 24 byte(s)\" >&2; exit 23' TERM; "
                             "echo ready; while :; do sleep 0.05; done",
                             true, &report);
    ck_assert(found);
    ck_assert_ptr_nonnull(report.data);
    ck_assert_ptr_nonnull(strstr(report.data, "ERROR: LeakSanitizer: detected memory leaks"));
    ck_assert_ptr_nonnull(strstr(report.data, "Direct leak of 24 byte(s)"));
    gs_buf_clear(&report);
}
END_TEST

START_TEST(asan_and_ubsan_reports_are_found)
{
    gs_buf report = {0};
    ck_assert(scan_script("echo '==9==ERROR: AddressSanitizer: heap-use-after-free' >&2", false,
                          &report));
    ck_assert_ptr_nonnull(strstr(report.data, "heap-use-after-free"));
    gs_buf_reset(&report);
    ck_assert(scan_script("echo 'gs_h2.c:10:5: runtime error: signed integer overflow' >&2",
                          false, &report));
    ck_assert_ptr_nonnull(strstr(report.data, "signed integer overflow"));
    gs_buf_reset(&report);
    ck_assert(scan_script("echo '==3==LeakSanitizer has encountered a fatal error.' >&2", false,
                          NULL));
    gs_buf_clear(&report);
}
END_TEST

START_TEST(clean_stderr_is_no_report)
{
    gs_buf report = {0};
    ck_assert(!scan_script("echo 'warning: AddressSanitizer is not an error here' >&2; "
                           "echo ready; exec sleep 60",
                           true, &report));
    ck_assert_uint_eq(report.len, 0);
    ck_assert(!scan_script("exit 0", false, &report)); /* nothing on stderr at all */
    gs_buf_clear(&report);
}
END_TEST

START_TEST(given_stderr_path_is_scanned_and_kept)
{
    char *dir = it_tmpdir();
    char *log = gs_xasprintf("%s/child.err", dir);
    const char *argv[] = {"/bin/sh", "-c", "echo 'ERROR: AddressSanitizer: SEGV' >&2", NULL};
    gs_proc_opts opts = {.stderr_path = log};
    gs_proc *p = it_spawn("fake", argv, &opts);
    wait_exit(p);
    gs_buf report = {0};
    ck_assert(it_stop_scan(p, &report));
    ck_assert_ptr_nonnull(strstr(report.data, "SEGV"));
    ck_assert_int_eq(access(log, F_OK), 0); /* the caller's file stays */
    gs_buf_clear(&report);
    /* a process that gs_proc_spawn started itself is not watched: nothing to scan */
    gs_proc *plain = NULL;
    gs_error err;
    ck_assert_int_eq(gs_proc_spawn(&plain, argv, &opts, &err), 0);
    wait_exit(plain);
    ck_assert(!it_stop_scan(plain, &report));
    ck_assert(!it_stop_scan(NULL, &report));
    free(log);
    it_rmdir(dir);
}
END_TEST

/* it_sh's scan: the merged stderr of a command is searched (gatesim runs through it_sh) */
START_TEST(shell_output_is_scanned)
{
    gs_buf out = {0};
    bool report = false;
    ck_assert_int_eq(
        it_sh_scan("echo '{}'; echo '==5==ERROR: LeakSanitizer: detected memory leaks' >&2; "
                   "exit 23",
                   &out, &report),
        23);
    ck_assert(report);
    ck_assert_ptr_nonnull(strstr(out.data, "ERROR: LeakSanitizer"));
    ck_assert_int_eq(it_sh_scan("echo fine; echo 'a warning' >&2", &out, &report), 0);
    ck_assert(!report);
    ck_assert_int_eq(it_sh("echo fine >&2", &out), 0); /* no report: it_sh passes */
    ck_assert_str_eq(out.data, "fine\n");
    gs_buf_clear(&out);
}
END_TEST

START_TEST(report_markers)
{
    const char *yes[] = {"x\n==1==ERROR: AddressSanitizer: stack-buffer-overflow\n",
                         "==1==ERROR: LeakSanitizer: detected memory leaks",
                         "a.c:1:2: runtime error: load of null pointer",
                         "==1==LeakSanitizer has encountered a fatal error."};
    for (size_t k = 0; k < sizeof(yes) / sizeof(yes[0]); k++)
        ck_assert_msg(it_sanitizer_report(yes[k], strlen(yes[k])), "%s", yes[k]);
    const char *no[] = {"", "AddressSanitizer", "ERROR: something else", "runtime error"};
    for (size_t k = 0; k < sizeof(no) / sizeof(no[0]); k++)
        ck_assert_msg(!it_sanitizer_report(no[k], strlen(no[k])), "%s", no[k]);
    /* only the |n| bytes given count */
    const char *cut = "runtime error:";
    ck_assert(!it_sanitizer_report(cut, strlen(cut) - 1));
}
END_TEST

static Suite *helpers_suite(void)
{
    Suite *s = suite_create("traffic_helpers");
    TCase *tc = tcase_create("sanitizer_scan");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, leak_report_written_at_exit_is_found);
    tcase_add_test(tc, asan_and_ubsan_reports_are_found);
    tcase_add_test(tc, clean_stderr_is_no_report);
    tcase_add_test(tc, given_stderr_path_is_scanned_and_kept);
    tcase_add_test(tc, shell_output_is_scanned);
    tcase_add_test(tc, report_markers);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return gs_test_run(helpers_suite());
}
