/* SPDX-License-Identifier: MIT */
/* Spawning, reading, stopping and reaping child processes, and the registry that lets a signal
 * handler kill them all. A child's pid is also its process group id. Before a child is reaped,
 * its group gets a SIGKILL so grandchildren die too (the zombie leader keeps the id reserved).
 * Spawn and free from one thread; the registry is read from signal handlers. */
#define _GNU_SOURCE /* pipe2 */
#include "gs_proc.h"

#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_json_parse.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gs_time.h"

extern char **environ;

#define PROC_REGISTRY_MAX 1024
#define PROC_LINE_MAX (1u << 20)

struct gs_proc {
    pid_t pid;
    int out_fd; /* stdout pipe, or -1 */
    bool reaped;
    bool eof;
    int status;
    gs_buf rbuf; /* bytes read from stdout and not yet returned as lines */
};

static volatile pid_t proc_registry[PROC_REGISTRY_MAX];
static volatile sig_atomic_t proc_signal;
static bool proc_cleanup_installed;

static void registry_add(pid_t pid)
{
    for (int i = 0; i < PROC_REGISTRY_MAX; i++) {
        if (proc_registry[i] == 0) {
            proc_registry[i] = pid;
            return;
        }
    }
    /* More than PROC_REGISTRY_MAX live children: the harness never gets there; the child still
     * dies with us through PR_SET_PDEATHSIG. */
}

static void registry_remove(pid_t pid)
{
    for (int i = 0; i < PROC_REGISTRY_MAX; i++)
        if (proc_registry[i] == pid)
            proc_registry[i] = 0;
}

void gs_proc_kill_all(void)
{
    int saved = errno;
    for (int i = 0; i < PROC_REGISTRY_MAX; i++) {
        pid_t pid = proc_registry[i];
        if (pid > 0)
            kill(-pid, SIGKILL);
    }
    errno = saved;
}

int gs_proc_live_count(void)
{
    int n = 0;
    for (int i = 0; i < PROC_REGISTRY_MAX; i++)
        n += proc_registry[i] != 0;
    return n;
}

static void proc_on_signal(int sig)
{
    gs_proc_kill_all();
    if (proc_signal != 0)
        _exit(128 + sig); /* a second Ctrl-C: the user wants out now */
    proc_signal = sig;
}

void gs_proc_install_cleanup(void)
{
    if (proc_cleanup_installed)
        return;
    proc_cleanup_installed = true;
    atexit(gs_proc_kill_all);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = proc_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int gs_proc_interrupted(void)
{
    return proc_signal;
}

volatile sig_atomic_t *gs_proc_interrupt_flag(void)
{
    return &proc_signal;
}

/* A new environment: ours, with the entries of |add| replacing those of the same name. */
static char **proc_build_env(const char *const *add)
{
    size_t n_env = 0, n_add = 0;
    while (environ && environ[n_env])
        n_env++;
    while (add[n_add])
        n_add++;
    char **env = gs_xcalloc(n_env + n_add + 1, sizeof(*env));
    size_t k = 0;
    for (size_t i = 0; i < n_env; i++) {
        const char *eq = strchr(environ[i], '=');
        size_t name_len = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
        bool replaced = false;
        for (size_t j = 0; j < n_add && !replaced; j++)
            replaced = strncmp(add[j], environ[i], name_len) == 0 && add[j][name_len] == '=';
        if (!replaced)
            env[k++] = environ[i];
    }
    for (size_t j = 0; j < n_add; j++)
        env[k++] = (char *)(uintptr_t)add[j];
    env[k] = NULL;
    return env;
}

static void proc_close_from(int lowfd, int keep)
{
#ifdef SYS_close_range
    if (keep > lowfd && syscall(SYS_close_range, lowfd, keep - 1, 0) == 0 &&
        syscall(SYS_close_range, keep + 1, ~0U, 0) == 0)
        return;
#endif
    long max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 65536)
        max = 65536;
    for (int fd = lowfd; fd < max; fd++)
        if (fd != keep)
            close(fd);
}

/* In the child between fork and exec: only async-signal-safe calls. */
__attribute__((noreturn)) static void proc_child(const char *const *argv, char **env,
                                                 const gs_proc_opts *opts, int out_w, int err_w,
                                                 pid_t parent)
{
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(127); /* the parent died before prctl took effect */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGCHLD, SIGQUIT};
    for (size_t i = 0; i < GS_ARRAY_LEN(sigs); i++)
        sigaction(sigs[i], &sa, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
        dup2(devnull, 0);
        if (out_w < 0)
            dup2(devnull, 1);
    }
    if (out_w >= 0)
        dup2(out_w, 1);
    if (opts->stderr_path) {
        int fd = open(opts->stderr_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0)
            goto fail;
        dup2(fd, 2);
    }
    if (opts->cwd && chdir(opts->cwd) != 0)
        goto fail;
    proc_close_from(3, err_w);
    if (env)
        environ = env;
    execvp(argv[0], (char *const *)(uintptr_t)argv);
fail : {
    int e = errno;
    ssize_t w = write(err_w, &e, sizeof(e));
    (void)w;
    _exit(127);
}
}

int gs_proc_spawn(gs_proc **out, const char *const *argv, const gs_proc_opts *opts, gs_error *err)
{
    static const gs_proc_opts no_opts;
    if (opts == NULL)
        opts = &no_opts;
    *out = NULL;
    if (argv == NULL || argv[0] == NULL)
        return gs_error_set(err, GS_ERR_INVALID, "no program to run");
    int out_pipe[2] = {-1, -1}, err_pipe[2];
    if (opts->capture_stdout && pipe2(out_pipe, O_CLOEXEC) != 0)
        return gs_error_set_errno(err, errno, "pipe");
    if (pipe2(err_pipe, O_CLOEXEC) != 0) {
        int e = errno;
        if (out_pipe[0] >= 0) {
            close(out_pipe[0]);
            close(out_pipe[1]);
        }
        return gs_error_set_errno(err, e, "pipe");
    }
    char **env = opts->env ? proc_build_env(opts->env) : NULL;

    /* No signal handler may run between fork and registry_add, or the child could be missed. */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigprocmask(SIG_BLOCK, &block, &old);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0)
        proc_child(argv, env, opts, out_pipe[1], err_pipe[1], parent);
    int fork_errno = errno;
    if (pid > 0) {
        setpgid(pid, pid); /* also here, so the group exists whichever runs first */
        registry_add(pid);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    free(env);
    close(err_pipe[1]);
    if (out_pipe[1] >= 0)
        close(out_pipe[1]);
    if (pid < 0) {
        close(err_pipe[0]);
        if (out_pipe[0] >= 0)
            close(out_pipe[0]);
        return gs_error_set_errno(err, fork_errno, "fork");
    }

    gs_proc *p = gs_xcalloc(1, sizeof(*p));
    p->pid = pid;
    p->out_fd = out_pipe[0];

    int child_errno;
    ssize_t n;
    do {
        n = read(err_pipe[0], &child_errno, sizeof(child_errno));
    } while (n < 0 && errno == EINTR);
    close(err_pipe[0]);
    if (n == (ssize_t)sizeof(child_errno)) {
        gs_proc_stop(p, 0, NULL);
        gs_proc_free(p);
        return gs_error_set_errno(err, child_errno, "cannot run %s", argv[0]);
    }
    *out = p;
    return 0;
}

int gs_proc_stdout_fd(const gs_proc *p)
{
    return p->out_fd;
}

pid_t gs_proc_pid(const gs_proc *p)
{
    return p->pid;
}

/* Reaps the child. Before the zombie is collected, its group gets SIGKILL so no grandchild
 * outlives it. Returns true when reaped. */
static bool proc_reap(gs_proc *p, bool block)
{
    if (p->reaped)
        return true;
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    int flags = WEXITED | WNOWAIT | (block ? 0 : WNOHANG);
    int rc;
    do {
        rc = waitid(P_PID, (id_t)p->pid, &si, flags);
    } while (rc < 0 && errno == EINTR);
    if (rc < 0 || si.si_pid == 0)
        return rc < 0 && errno == ECHILD ? (p->reaped = true) : false;
    kill(-p->pid, SIGKILL);
    int status = 0;
    pid_t w;
    do {
        w = waitpid(p->pid, &status, 0);
    } while (w < 0 && errno == EINTR);
    p->status = status;
    p->reaped = true;
    registry_remove(p->pid);
    return true;
}

bool gs_proc_exited(gs_proc *p, int *status)
{
    bool done = proc_reap(p, false);
    if (done && status)
        *status = p->status;
    return done;
}

int gs_proc_signal(gs_proc *p, int sig)
{
    if (p->reaped || kill(-p->pid, sig) != 0)
        return GS_ERR_IO;
    return 0;
}

int gs_proc_signal_leader(gs_proc *p, int sig)
{
    if (p->reaped || kill(p->pid, sig) != 0)
        return GS_ERR_IO;
    return 0;
}

int gs_proc_stop(gs_proc *p, int64_t grace_ns, int *status)
{
    if (!p->reaped) {
        kill(-p->pid, SIGTERM);
        int64_t deadline = gs_now_ns() + grace_ns;
        while (!proc_reap(p, false)) {
            if (gs_now_ns() >= deadline) {
                kill(-p->pid, SIGKILL);
                proc_reap(p, true);
                break;
            }
            struct timespec ts = {0, 2 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    if (status)
        *status = p->status;
    return 0;
}

int gs_proc_read_line(gs_proc *p, int64_t timeout_ns, char **line, gs_error *err)
{
    *line = NULL;
    if (p->out_fd < 0)
        return gs_error_set(err, GS_ERR_INVALID, "stdout of pid %d is not captured", (int)p->pid);
    int64_t deadline = gs_now_ns() + timeout_ns;
    for (;;) {
        char *nl = p->rbuf.len ? memchr(p->rbuf.data, '\n', p->rbuf.len) : NULL;
        if (nl != NULL || p->rbuf.len >= PROC_LINE_MAX || (p->eof && p->rbuf.len > 0)) {
            size_t n = nl ? (size_t)(nl - p->rbuf.data) : p->rbuf.len;
            size_t consumed = nl ? n + 1 : n;
            if (n > 0 && p->rbuf.data[n - 1] == '\r')
                n--;
            *line = gs_xstrndup(p->rbuf.data, n);
            memmove(p->rbuf.data, p->rbuf.data + consumed, p->rbuf.len - consumed);
            p->rbuf.len -= consumed;
            p->rbuf.data[p->rbuf.len] = '\0';
            return 0;
        }
        if (p->eof)
            return gs_error_set(err, GS_ERR_CLOSED, "pid %d closed its output", (int)p->pid);
        int64_t left = deadline - gs_now_ns();
        if (left <= 0)
            return gs_error_set(err, GS_ERR_TIMEOUT, "no output line from pid %d in time",
                                (int)p->pid);
        struct pollfd pfd = {.fd = p->out_fd, .events = POLLIN};
        int ms = (int)((left + GS_NS_PER_MS - 1) / GS_NS_PER_MS);
        int rc = poll(&pfd, 1, ms);
        if (rc < 0) {
            if (errno == EINTR) {
                if (gs_proc_interrupted())
                    return gs_error_set(err, GS_ERR_IO, "interrupted");
                continue;
            }
            return gs_error_set_errno(err, errno, "poll");
        }
        if (rc == 0)
            continue;
        char *dst = gs_buf_reserve(&p->rbuf, 4096);
        ssize_t n = read(p->out_fd, dst, 4096);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return gs_error_set_errno(err, errno, "read");
        }
        if (n == 0) {
            p->eof = true;
            continue;
        }
        p->rbuf.len += (size_t)n;
        p->rbuf.data[p->rbuf.len] = '\0';
    }
}

void gs_proc_describe_status(int status, char out[64])
{
    if (WIFEXITED(status))
        snprintf(out, 64, "exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(out, 64, "killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(out, 64, "stopped (status 0x%x)", (unsigned)status);
}

void gs_proc_free(gs_proc *p)
{
    if (p == NULL)
        return;
    gs_proc_stop(p, 2 * GS_NS_PER_S, NULL);
    if (p->out_fd >= 0)
        close(p->out_fd);
    gs_buf_clear(&p->rbuf);
    free(p);
}

void gs_proc_log_tail(const char *path, char *out, size_t n)
{
    out[0] = '\0';
    FILE *f = path ? fopen(path, "r") : NULL;
    if (f == NULL)
        return;
    char line[1024];
    while (fgets(line, sizeof(line), f)) {
        size_t len = strcspn(line, "\r\n");
        if (len == 0)
            continue;
        if (len >= n)
            len = n - 1;
        memcpy(out, line, len);
        out[len] = '\0';
    }
    fclose(f);
}

int gs_proc_wait_ready(gs_proc *p, int64_t deadline_ns, gs_json_value **ready, gs_error *err)
{
    *ready = NULL;
    for (;;) {
        int64_t left = deadline_ns - gs_now_ns();
        char *line = NULL;
        int rc = left > 0 ? gs_proc_read_line(p, left, &line, err) : GS_ERR_TIMEOUT;
        if (rc < 0)
            return rc;
        gs_json_value *v = NULL;
        if (line[0] == '{' && gs_json_parse(line, strlen(line), NULL, &v, NULL) == 0 &&
            gs_json_get_bool(v, "ready", false)) {
            free(line);
            *ready = v;
            return 0;
        }
        gs_json_value_free(v);
        free(line);
    }
}

/* ---- usage of a process group ------------------------------------------------------------ */

/* Reads /proc/|pid|/stat: its process group, CPU ticks (utime, stime, cutime, cstime) and RSS
 * pages. The fields after the command name (which may hold spaces and parentheses) are read
 * from the last ')' on. Returns false when the process is gone or a zombie (it runs no more,
 * and a group of zombies is a group that ended) or the line is not understood. */
static bool proc_stat_read(const char *pid, long *pgrp, unsigned long long *ticks, long *rss)
{
    char path[64], line[1024];
    snprintf(path, sizeof(path), "/proc/%s/stat", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return false;
    size_t n = fread(line, 1, sizeof(line) - 1, f);
    fclose(f);
    line[n] = '\0';
    const char *p = strrchr(line, ')');
    if (p == NULL)
        return false;
    /* state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime
     * cutime cstime priority nice num_threads itrealvalue starttime vsize rss */
    unsigned long long ut, st;
    long long cut, cst;
    char state = 0;
    int got = sscanf(p + 1,
                     " %c %*d %ld %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %lld %lld %*d %*d "
                     "%*d %*d %*u %*u %ld",
                     &state, pgrp, &ut, &st, &cut, &cst, rss);
    if (got != 7 || state == 'Z' || state == 'X')
        return false;
    *ticks = ut + st + (unsigned long long)(cut > 0 ? cut : 0) +
             (unsigned long long)(cst > 0 ? cst : 0);
    return true;
}

int gs_proc_group_usage(pid_t pgid, gs_proc_usage *out)
{
    memset(out, 0, sizeof(*out));
    DIR *d = opendir("/proc");
    if (d == NULL)
        return GS_ERR_NOT_FOUND;
    unsigned long long ticks = 0;
    long page = sysconf(_SC_PAGESIZE), hz = sysconf(_SC_CLK_TCK);
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        long pgrp = 0, rss = 0;
        unsigned long long t = 0;
        if (!proc_stat_read(e->d_name, &pgrp, &t, &rss) || pgrp != (long)pgid)
            continue;
        out->processes++;
        ticks += t;
        out->rss_bytes += rss > 0 ? (uint64_t)rss * (uint64_t)(page > 0 ? page : 4096) : 0;
    }
    closedir(d);
    out->cpu_seconds = (double)ticks / (double)(hz > 0 ? hz : 100);
    return out->processes > 0 ? 0 : GS_ERR_NOT_FOUND;
}
