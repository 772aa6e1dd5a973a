/* SPDX-License-Identifier: MIT */
/* Child processes: ready lines, timeouts, environment, exec failures, stopping a whole process
 * group (grandchildren included), SIGKILL after the grace period, cleanup on SIGINT and when
 * the parent dies, and the CPU and memory of a process group. */
#include "gs_proc.h"
#include "gs_alloc.h"
#include "gs_test.h"
#include "gs_time.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* True when |pid| is gone (or a zombie nobody will run again) within |ms|. */
static bool pid_gone_within(pid_t pid, int ms)
{
    for (int i = 0; i < ms; i++) {
        if (kill(pid, 0) != 0 && errno == ESRCH)
            return true;
        char path[64], state = 0;
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        FILE *f = fopen(path, "r");
        if (f) {
            int n = fscanf(f, "%*d %*s %c", &state);
            fclose(f);
            if (n == 1 && (state == 'Z' || state == 'X'))
                return true;
        }
        usleep(1000);
    }
    return false;
}

static gs_proc *spawn_sh(const char *script, const char *const *env)
{
    const char *argv[] = {"/bin/sh", "-c", script, NULL};
    gs_proc_opts opts = {.capture_stdout = true, .env = env};
    gs_proc *p = NULL;
    gs_error err = {0};
    int rc = gs_proc_spawn(&p, argv, &opts, &err);
    ck_assert_msg(rc == 0, "spawn: %s", err.msg);
    return p;
}

START_TEST(proc_reads_lines_then_eof)
{
    gs_proc *p = spawn_sh("printf 'ready {\"a\":1}\\r\\nsecond\\nlast-no-newline'", NULL);
    char *line;
    ck_assert_int_eq(gs_proc_read_line(p, 5 * GS_NS_PER_S, &line, NULL), 0);
    ck_assert_str_eq(line, "ready {\"a\":1}");
    free(line);
    ck_assert_int_eq(gs_proc_read_line(p, 5 * GS_NS_PER_S, &line, NULL), 0);
    ck_assert_str_eq(line, "second");
    free(line);
    ck_assert_int_eq(gs_proc_read_line(p, 5 * GS_NS_PER_S, &line, NULL), 0);
    ck_assert_str_eq(line, "last-no-newline");
    free(line);
    ck_assert_int_eq(gs_proc_read_line(p, 5 * GS_NS_PER_S, &line, NULL), GS_ERR_CLOSED);
    int status = -1;
    gs_proc_stop(p, GS_NS_PER_S, &status);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert_int_eq(gs_proc_live_count(), 0);
    gs_proc_free(p);
}
END_TEST

START_TEST(proc_read_times_out)
{
    gs_proc *p = spawn_sh("sleep 30", NULL);
    char *line;
    gs_error err = {0};
    int64_t t0 = gs_now_ns();
    ck_assert_int_eq(gs_proc_read_line(p, 50 * GS_NS_PER_MS, &line, &err), GS_ERR_TIMEOUT);
    int64_t took = gs_now_ns() - t0;
    ck_assert(took >= 45 * GS_NS_PER_MS && took < 5 * GS_NS_PER_S);
    ck_assert_ptr_null(line);
    ck_assert(!gs_proc_exited(p, NULL));
    gs_proc_free(p);
}
END_TEST

START_TEST(proc_environment_added_and_replaced)
{
    setenv("GS_TEST_KEEP", "kept", 1);
    setenv("GS_TEST_REPLACE", "old", 1);
    const char *env[] = {"GS_TEST_REPLACE=new", "GS_TEST_ADD=added", NULL};
    gs_proc *p = spawn_sh("echo \"$GS_TEST_KEEP $GS_TEST_REPLACE $GS_TEST_ADD\"", env);
    char *line;
    ck_assert_int_eq(gs_proc_read_line(p, 5 * GS_NS_PER_S, &line, NULL), 0);
    ck_assert_str_eq(line, "kept new added");
    free(line);
    gs_proc_free(p);
}
END_TEST

START_TEST(proc_exec_failure_is_an_error)
{
    const char *argv[] = {"/nonexistent/gatesim-nothing", NULL};
    gs_proc *p = (gs_proc *)1;
    gs_error err = {0};
    ck_assert_int_eq(gs_proc_spawn(&p, argv, NULL, &err), GS_ERR_IO);
    ck_assert_ptr_null(p);
    ck_assert_msg(strstr(err.msg, "cannot run /nonexistent/gatesim-nothing") != NULL, "%s",
                  err.msg);
    ck_assert(strstr(err.msg, "No such file") != NULL);
    ck_assert_int_eq(gs_proc_live_count(), 0);
}
END_TEST

START_TEST(proc_stop_kills_grandchildren)
{
    gs_proc *p = spawn_sh("sleep 30 & echo $!; wait", NULL);
    char *line;
    ck_assert_int_eq(gs_proc_read_line(p, 5 * GS_NS_PER_S, &line, NULL), 0);
    pid_t grandchild = (pid_t)atoi(line);
    free(line);
    ck_assert_int_gt(grandchild, 0);
    ck_assert_int_eq(kill(grandchild, 0), 0);
    ck_assert_int_eq(gs_proc_live_count(), 1);
    gs_proc_stop(p, GS_NS_PER_S, NULL);
    ck_assert(pid_gone_within(grandchild, 2000));
    ck_assert_int_eq(gs_proc_live_count(), 0);
    gs_proc_free(p);
}
END_TEST

/* The usage of a child's process group: every process in it, their CPU (a subshell that burned
 * CPU and was waited for still counts: cutime) and RSS; nothing once the group is gone. */
START_TEST(proc_group_usage_adds_up_the_group)
{
    gs_proc *p = spawn_sh("sleep 30 & echo ready; "
                          "(i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done); echo burned; wait",
                          NULL);
    char *line;
    ck_assert_int_eq(gs_proc_read_line(p, 5 * GS_NS_PER_S, &line, NULL), 0);
    ck_assert_str_eq(line, "ready");
    free(line);
    gs_proc_usage before, after;
    ck_assert_int_eq(gs_proc_group_usage(gs_proc_pid(p), &before), 0);
    ck_assert_uint_ge(before.processes, 2); /* sh, sleep (and the subshell while it runs) */
    ck_assert_uint_gt(before.rss_bytes, 0);
    ck_assert_int_eq(gs_proc_read_line(p, 60 * GS_NS_PER_S, &line, NULL), 0);
    ck_assert_str_eq(line, "burned");
    free(line);
    ck_assert_int_eq(gs_proc_group_usage(gs_proc_pid(p), &after), 0);
    ck_assert_uint_eq(after.processes, 2); /* the subshell is gone, its CPU is sh's cutime */
    ck_assert_msg(after.cpu_seconds > before.cpu_seconds && after.cpu_seconds >= 0.02,
                  "cpu %.3f s then %.3f s", before.cpu_seconds, after.cpu_seconds);
    gs_proc_usage mine;
    ck_assert_int_eq(gs_proc_group_usage(getpgrp(), &mine), 0);
    ck_assert_uint_ge(mine.processes, 1);
    pid_t pid = gs_proc_pid(p);
    gs_proc_stop(p, GS_NS_PER_S, NULL);
    gs_proc_free(p);
    gs_proc_usage none;
    int rc = 0;
    for (int i = 0; i < 2000 && rc == 0; i++) { /* the group's last members are dying */
        rc = gs_proc_group_usage(pid, &none);
        if (rc == 0)
            usleep(1000);
    }
    ck_assert_int_eq(rc, GS_ERR_NOT_FOUND);
    ck_assert_uint_eq(none.processes, 0);
}
END_TEST

START_TEST(proc_stop_escalates_to_sigkill)
{
    gs_proc *p = spawn_sh("trap '' TERM; echo armed; while :; do sleep 1; done", NULL);
    char *line;
    ck_assert_int_eq(gs_proc_read_line(p, 5 * GS_NS_PER_S, &line, NULL), 0);
    free(line);
    int status = 0;
    int64_t t0 = gs_now_ns();
    gs_proc_stop(p, 100 * GS_NS_PER_MS, &status);
    ck_assert(gs_now_ns() - t0 >= 95 * GS_NS_PER_MS);
    ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    char desc[64];
    gs_proc_describe_status(status, desc);
    ck_assert_msg(strstr(desc, "killed by signal 9") != NULL, "%s", desc);
    gs_proc_free(p);
}
END_TEST

START_TEST(proc_exited_reports_crash)
{
    gs_proc *p = spawn_sh("kill -SEGV $$", NULL);
    int status = 0;
    bool done = false;
    for (int i = 0; i < 5000 && !done; i++) {
        done = gs_proc_exited(p, &status);
        if (!done)
            usleep(1000);
    }
    ck_assert(done);
    ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
    ck_assert_int_eq(gs_proc_signal(p, SIGTERM), GS_ERR_IO);
    gs_proc_free(p);
}
END_TEST

START_TEST(proc_sigint_kills_every_child)
{
    gs_proc_install_cleanup();
    gs_proc *a = spawn_sh("echo up; sleep 30", NULL);
    gs_proc *b = spawn_sh("echo up; sleep 30", NULL);
    char *line;
    ck_assert_int_eq(gs_proc_read_line(a, 5 * GS_NS_PER_S, &line, NULL), 0);
    free(line);
    ck_assert_int_eq(gs_proc_read_line(b, 5 * GS_NS_PER_S, &line, NULL), 0);
    free(line);
    pid_t pa = gs_proc_pid(a), pb = gs_proc_pid(b);
    ck_assert_int_eq(gs_proc_interrupted(), 0);
    raise(SIGINT);
    ck_assert_int_eq(gs_proc_interrupted(), SIGINT);
    ck_assert(pid_gone_within(pa, 2000));
    ck_assert(pid_gone_within(pb, 2000));
    gs_proc_free(a);
    gs_proc_free(b);
    ck_assert_int_eq(gs_proc_live_count(), 0);
}
END_TEST

START_TEST(proc_children_die_with_parent)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t mid = fork();
    ck_assert_int_ge(mid, 0);
    if (mid == 0) {
        close(fds[0]);
        const char *argv[] = {"sleep", "30", NULL};
        gs_proc *p;
        if (gs_proc_spawn(&p, argv, NULL, NULL) != 0)
            _exit(3);
        pid_t c = gs_proc_pid(p);
        ssize_t w = write(fds[1], &c, sizeof(c));
        _exit(w == sizeof(c) ? 0 : 4); /* dies without stopping its child */
    }
    close(fds[1]);
    pid_t child = 0;
    ck_assert_int_eq(read(fds[0], &child, sizeof(child)), (ssize_t)sizeof(child));
    close(fds[0]);
    int st;
    ck_assert_int_eq(waitpid(mid, &st, 0), mid);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    ck_assert(pid_gone_within(child, 3000));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("proc");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, proc_reads_lines_then_eof);
    tcase_add_test(tc, proc_read_times_out);
    tcase_add_test(tc, proc_environment_added_and_replaced);
    tcase_add_test(tc, proc_exec_failure_is_an_error);
    tcase_add_test(tc, proc_stop_kills_grandchildren);
    tcase_add_test(tc, proc_group_usage_adds_up_the_group);
    tcase_add_test(tc, proc_stop_escalates_to_sigkill);
    tcase_add_test(tc, proc_exited_reports_crash);
    tcase_add_test(tc, proc_sigint_kills_every_child);
    tcase_add_test(tc, proc_children_die_with_parent);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
