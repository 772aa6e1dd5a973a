/* SPDX-License-Identifier: MIT */
/* Work folders: a folder made by a live run is left alone; one whose owner died (or whose pid
 * now belongs to a younger process) is removed by the next run; kept folders, folders without
 * an owner file and folders not named gatesim-run-* are never touched. */
#include "gs_workdir.h"
#include "gs_alloc.h"
#include "gs_test.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char *make_tmp(void)
{
    char *tmp = gs_xstrdup("/tmp/gs-workdir-test-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmp));
    return tmp;
}

static bool exists(const char *path)
{
    return access(path, F_OK) == 0;
}

/* A folder as a dead or foreign run would leave it: |owner| is the owner file's text, or NULL. */
static char *forge(const char *tmp, const char *name, const char *owner)
{
    char *dir = gs_xasprintf("%s/%s", tmp, name);
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    char *log = gs_xasprintf("%s/echo-0.log", dir);
    FILE *f = fopen(log, "w");
    ck_assert_ptr_nonnull(f);
    fputs("a log line\n", f);
    fclose(f);
    free(log);
    if (owner) {
        char *path = gs_xasprintf("%s/.owner", dir);
        f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fputs(owner, f);
        fclose(f);
        free(path);
    }
    return dir;
}

/* A pid that has certainly exited (a reaped child of ours). */
static long dead_pid(void)
{
    pid_t p = fork();
    ck_assert_int_ge(p, 0);
    if (p == 0)
        _exit(0);
    int st;
    ck_assert_int_eq(waitpid(p, &st, 0), p);
    return (long)p;
}

/* Field 22 of /proc/self/stat (the start time), read independently of gs_workdir.c. */
static unsigned long long self_start_time(void)
{
    char buf[1024];
    FILE *f = fopen("/proc/self/stat", "r");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    ck_assert_ptr_nonnull(p);
    unsigned long long v = 0;
    /* after ")": state(3) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime
     * stime cutime cstime priority nice threads itrealvalue starttime(22) */
    ck_assert_int_eq(sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
                                   "%*d %*d %*d %*d %llu",
                            &v),
                     1);
    return v;
}

/* The owner file names the start time, a value that stays while the run lives: a live run's
 * folder survives a reap after its process grew (the value once read was the virtual size,
 * field 23, and concurrent runs removed each other's folders). */
START_TEST(workdir_owner_start_time_is_stable)
{
    char *tmp = make_tmp();
    char *live = NULL;
    ck_assert_int_eq(gs_workdir_create(tmp, &live, NULL), 0);
    char *owner_file = gs_xasprintf("%s/.owner", live);
    FILE *f = fopen(owner_file, "r");
    ck_assert_ptr_nonnull(f);
    long pid = 0;
    unsigned long long start = 0;
    ck_assert_int_eq(fscanf(f, "%ld %llu", &pid, &start), 2);
    fclose(f);
    ck_assert_int_eq(pid, (long)getpid());
    ck_assert_uint_eq(start, self_start_time());
    /* Grow the process by a mapping of its own: the virtual size changes, the start does not. */
    size_t big = (size_t)64 << 20;
    char *mem = malloc(big);
    ck_assert_ptr_nonnull(mem);
    mem[0] = 1;
    ck_assert_uint_eq(gs_workdir_reap(tmp), 0);
    ck_assert(exists(live));
    free(mem);
    gs_workdir_remove(live);
    char *rm = gs_xasprintf("rm -rf '%s'", tmp);
    ck_assert_int_eq(system(rm), 0);
    free(rm);
    free(owner_file);
    free(live);
    free(tmp);
}
END_TEST

START_TEST(workdir_reap_removes_only_dead_owners)
{
    char *tmp = make_tmp();
    char *live = NULL;
    ck_assert_int_eq(gs_workdir_create(tmp, &live, NULL), 0);
    ck_assert_ptr_nonnull(strstr(live, "/gatesim-run-"));
    char *owner_file = gs_xasprintf("%s/.owner", live);
    ck_assert(exists(owner_file));

    char *kept = NULL;
    ck_assert_int_eq(gs_workdir_create(tmp, &kept, NULL), 0);
    gs_workdir_keep(kept);

    /* The host/pid-namespace token this process writes (third field of its owner file). */
    char where[512];
    FILE *of = fopen(owner_file, "r");
    ck_assert_ptr_nonnull(of);
    long opid;
    unsigned long long ostart;
    ck_assert_int_eq(fscanf(of, "%ld %llu %511s", &opid, &ostart, where), 3);
    fclose(of);
    ck_assert_ptr_nonnull(strstr(where, "pid:["));

    char *text = gs_xasprintf("%ld 12345 %s\n", dead_pid(), where);
    char *dead = forge(tmp, "gatesim-run-dead01", text);
    free(text);
    /* Our own pid with another start time: the pid was reused by a younger process. */
    text = gs_xasprintf("%ld 1 %s\n", (long)getpid(), where);
    char *reused = forge(tmp, "gatesim-run-reuse1", text);
    free(text);
    char *old = forge(tmp, "gatesim-run-old001", NULL);
    text = gs_xasprintf("%ld 12345 %s\n", dead_pid(), where);
    char *other = forge(tmp, "not-gatesim-dead", text);
    free(text);
    /* A dead pid as seen from another container or host sharing the folder: not ours to judge. */
    text = gs_xasprintf("%ld 12345 otherhost/pid:[4026531836]\n", dead_pid());
    char *foreign = forge(tmp, "gatesim-run-foreig", text);
    free(text);
    /* The two-field owner file of an older gatesim: cannot tell where its pid lived. */
    text = gs_xasprintf("%ld 12345\n", dead_pid());
    char *twofield = forge(tmp, "gatesim-run-twofld", text);
    free(text);
    char *garbage = forge(tmp, "gatesim-run-junk01", "not a pid\n");

    ck_assert_uint_eq(gs_workdir_reap(tmp), 2);
    ck_assert(!exists(dead));
    ck_assert(!exists(reused));
    ck_assert(exists(live));
    ck_assert(exists(owner_file));
    ck_assert(exists(kept));
    ck_assert(exists(old));
    ck_assert(exists(other));
    ck_assert(exists(garbage));
    ck_assert(exists(foreign));
    ck_assert(exists(twofield));
    ck_assert_uint_eq(gs_workdir_reap(tmp), 0);

    gs_workdir_remove(live);
    ck_assert(!exists(live));
    /* Only gatesim-run- folders are ever removed. */
    gs_workdir_remove(other);
    ck_assert(exists(other));

    char *rm = gs_xasprintf("rm -rf '%s'", tmp);
    ck_assert_int_eq(system(rm), 0);
    free(rm);
    free(owner_file);
    free(live);
    free(kept);
    free(dead);
    free(reused);
    free(old);
    free(other);
    free(garbage);
    free(foreign);
    free(twofield);
    free(tmp);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("workdir");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, workdir_reap_removes_only_dead_owners);
    tcase_add_test(tc, workdir_owner_start_time_is_stable);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
