/* SPDX-License-Identifier: MIT */
/* nginx as a child process, for the targets that run it (gs_nginx_proc.h). nginx runs in the
 * work folder only (`-p WORKDIR/`), daemon off, as a gs_proc child: it and its workers are one
 * process group that every exit path stops. */
#include "gs_nginx_proc.h"

#include "gs_alloc.h"
#include "gs_diag.h"
#include "gs_target_child.h"
#include "gs_time.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Where Debian installs nginx's dynamic modules (package libnginx-mod-http-js). */
#define NGINX_MODULES_DIR "/usr/lib/nginx/modules"
/* The most worker processes a master has that a reload waits for. */
#define NGINX_MAX_CHILDREN 256

static bool nginx_executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* /usr/sbin is not in a user's PATH on Debian, hence the last resort. */
char *gs_nginx_find_binary(void)
{
    const char *env = getenv("GATESIM_NGINX");
    if (env && env[0])
        return gs_xstrdup(env);
    const char *path = getenv("PATH");
    char *copy = gs_xstrdup(path ? path : "");
    char *save = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        char *cand = gs_xasprintf("%s/nginx", dir);
        if (nginx_executable(cand)) {
            free(copy);
            return cand;
        }
        free(cand);
    }
    free(copy);
    return nginx_executable("/usr/sbin/nginx") ? gs_xstrdup("/usr/sbin/nginx") : NULL;
}

char *gs_nginx_find_module(const char *file)
{
    const char *dir = getenv("GATESIM_NGINX_MODULES");
    char *path = gs_xasprintf("%s/%s", dir && dir[0] ? dir : NGINX_MODULES_DIR, file);
    if (access(path, R_OK) == 0)
        return path;
    free(path);
    return NULL;
}

int gs_nginx_free_port(uint16_t *out, gs_error *err)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return gs_error_set_errno(err, errno, "socket");
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int rc = 0;
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        rc = gs_error_set_errno(err, errno, "finding a free port");
    else
        *out = ntohs(a.sin_port);
    close(fd);
    return rc;
}

bool gs_nginx_port_taken(const char *complaint)
{
    return strstr(complaint, "Address already in use") != NULL;
}

int gs_nginx_proc_init(gs_nginx_proc *np, const char *workdir, int64_t timeout_ns,
                       const char *who, gs_error *err)
{
    memset(np, 0, sizeof(*np));
    if (workdir == NULL || workdir[0] != '/')
        return gs_error_set(err, GS_ERR_INVALID, "%s target needs an absolute work folder", who);
    np->nginx = gs_nginx_find_binary();
    if (np->nginx == NULL)
        return gs_error_set(err, GS_ERR_NOT_FOUND,
                            "%s target: no nginx binary (install the Debian packages "
                            "nginx-light and libnginx-mod-http-js, or set GATESIM_NGINX)",
                            who);
    np->workdir = workdir;
    np->timeout_ns = timeout_ns;
    np->log_path = gs_xasprintf("%s/nginx.log", workdir);
    return 0;
}

void gs_nginx_proc_clear(gs_nginx_proc *np)
{
    gs_proc_free(np->proc);
    free(np->nginx);
    free(np->log_path);
    memset(np, 0, sizeof(*np));
}

int gs_nginx_proc_probe_port(gs_nginx_proc *np, gs_error *err)
{
    return np->probe_port == 0 ? gs_nginx_free_port(&np->probe_port, err) : 0;
}

void gs_nginx_probe_server(uint16_t port, uint64_t gen, gs_buf *conf)
{
    gs_buf_printf(conf,
                  "    # gatesim's probe: the generation this configuration is, and counters.\n"
                  "    server {\n        listen 127.0.0.1:%u;\n"
                  "        location = /gatesim/generation {\n"
                  "            return 200 \"%" PRIu64 "\\n\";\n        }\n"
                  "        location = /gatesim/stats {\n            stub_status;\n        }\n"
                  "        location / {\n            return 404;\n        }\n    }\n",
                  (unsigned)port, gen);
}

int gs_nginx_proc_probe_get(gs_nginx_proc *np, const char *path, gs_buf *body)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return GS_ERR_IO;
    struct timeval tv = {.tv_sec = 2};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons(np->probe_port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    gs_buf resp = {0};
    int rc = GS_ERR_IO;
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0) {
        char req[256];
        int n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: gatesim-probe\r\n\r\n", path);
        np->own_requests++;
        if (write(fd, req, (size_t)n) == n) {
            char buf[4096];
            ssize_t got;
            while ((got = read(fd, buf, sizeof(buf))) > 0)
                gs_buf_append(&resp, buf, (size_t)got);
            const char *sep = resp.data ? strstr(resp.data, "\r\n\r\n") : NULL;
            if (got == 0 && sep && resp.len > 12 && strncmp(resp.data + 8, " 200", 4) == 0) {
                gs_buf_puts(body, sep + 4);
                rc = 0;
            } else {
                rc = GS_ERR_PROTOCOL;
            }
        }
    }
    close(fd);
    gs_buf_clear(&resp);
    return rc;
}

static void nginx_sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int nginx_died(gs_nginx_proc *np, int status, gs_error *err)
{
    char desc[64], tail[512];
    gs_proc_describe_status(status, desc);
    gs_proc_log_tail(np->log_path, tail, sizeof(tail));
    gs_proc_free(np->proc);
    np->proc = NULL;
    return gs_error_set(err, GS_ERR_CLOSED, "nginx %s%s%s", desc, tail[0] ? ": " : "", tail);
}

/* What nginx said was wrong after byte |from| of its log |path|: the first [emerg] line without
 * the time and process prefix ("unexpected \"{\" in /w/nginx-2.conf:28"). False when none. */
static bool nginx_log_emerg(const char *path, long from, char *out, size_t n)
{
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return false;
    char line[1024];
    bool found = false;
    if (fseek(f, from, SEEK_SET) == 0)
        while (!found && fgets(line, sizeof(line), f)) {
            const char *e = strstr(line, "[emerg] ");
            if (e == NULL)
                continue;
            const char *msg = strstr(e, ": ");
            msg = msg ? msg + 2 : e;
            snprintf(out, n, "%.*s", (int)strcspn(msg, "\n"), msg);
            found = true;
        }
    fclose(f);
    return found;
}

static long nginx_log_size(const gs_nginx_proc *np)
{
    struct stat sb;
    return stat(np->log_path, &sb) == 0 ? (long)sb.st_size : 0;
}

int gs_nginx_proc_test(const gs_nginx_proc *np, const char *conf, gs_error *err)
{
    char *prefix = gs_xasprintf("%s/", np->workdir);
    char *log = gs_xasprintf("%s/nginx-t.log", np->workdir);
    const char *argv[] = {np->nginx, "-t", "-q", "-p", prefix, "-c", conf, NULL};
    gs_proc_opts opts = {.stderr_path = log};
    gs_proc *p = NULL;
    int rc = gs_proc_spawn(&p, argv, &opts, err);
    if (rc == 0) {
        int status = 0;
        int64_t deadline = gs_now_ns() + np->timeout_ns;
        while (!gs_proc_exited(p, &status) && gs_now_ns() < deadline)
            nginx_sleep_ms(5);
        if (!gs_proc_exited(p, &status)) {
            rc = gs_error_set(err, GS_ERR_TIMEOUT, "nginx -t did not finish in time");
        } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            char tail[512];
            if (!nginx_log_emerg(log, 0, tail, sizeof(tail)))
                gs_proc_log_tail(log, tail, sizeof(tail));
            rc = gs_error_set(err, GS_ERR_INVALID, "nginx -t rejected %s: %s", conf,
                              tail[0] ? tail : "(no message)");
        }
    }
    gs_proc_free(p);
    free(prefix);
    free(log);
    return rc;
}

static int nginx_start(gs_nginx_proc *np, const char *conf, gs_error *err)
{
    char *prefix = gs_xasprintf("%s/", np->workdir);
    const char *argv[] = {np->nginx, "-p", prefix, "-c", conf, NULL};
    gs_proc_opts opts = {.stderr_path = np->log_path};
    int rc = gs_proc_spawn(&np->proc, argv, &opts, err);
    free(prefix);
    return rc;
}

/* Waits until the probe answers the current generation: the master has loaded the new
 * configuration and its new workers accept connections. */
static int nginx_wait_generation(gs_nginx_proc *np, long log_from, gs_error *err)
{
    char want[32];
    snprintf(want, sizeof(want), "%" PRIu64 "\n", np->generation);
    int64_t deadline = gs_now_ns() + np->timeout_ns;
    long pause = 2;
    for (;;) {
        int status;
        if (gs_proc_exited(np->proc, &status))
            return nginx_died(np, status, err);
        /* A reload nginx refused (it goes on with the old configuration) or a start that is
         * failing: its [emerg] line says why, no need to wait for the deadline. */
        char emerg[512];
        if (nginx_log_emerg(np->log_path, log_from, emerg, sizeof(emerg)))
            return gs_error_set(err, GS_ERR_INVALID, "nginx refused generation %" PRIu64 ": %s",
                                np->generation, emerg);
        gs_buf body = {0};
        bool ok = gs_nginx_proc_probe_get(np, "/gatesim/generation", &body) == 0 && body.data &&
                  strcmp(body.data, want) == 0;
        gs_buf_clear(&body);
        if (ok)
            return 0;
        if (gs_now_ns() > deadline) {
            char tail[512];
            gs_proc_log_tail(np->log_path, tail, sizeof(tail));
            return gs_error_set(err, GS_ERR_TIMEOUT,
                                "nginx did not serve configuration generation %" PRIu64
                                " within %.1f s%s%s",
                                np->generation, (double)np->timeout_ns / 1e9,
                                tail[0] ? "; last log: " : "", tail);
        }
        nginx_sleep_ms(pause);
        if (pause < 50)
            pause *= 2;
    }
}

/* The master's children now (its workers and cache helpers), at most |cap|. */
static size_t nginx_children(const gs_nginx_proc *np, pid_t *out, size_t cap)
{
    pid_t m = gs_proc_pid(np->proc);
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)m, (int)m);
    FILE *f = fopen(path, "r");
    size_t n = 0;
    int pid;
    while (f && n < cap && fscanf(f, "%d", &pid) == 1)
        out[n++] = pid;
    if (f)
        fclose(f);
    return n;
}

/* After a reload: waits until the workers of the previous configuration are gone. Until then
 * they may still accept connections (they learn of the reload from a signal of their own) and
 * answer a request or two with the old routes. Idle keep-alive connections are closed at once;
 * worker_shutdown_timeout bounds the rest. */
static int nginx_wait_old_workers(gs_nginx_proc *np, const pid_t *old, size_t n_old,
                                  gs_error *err)
{
    int64_t deadline = gs_now_ns() + np->timeout_ns;
    for (;;) {
        pid_t now[NGINX_MAX_CHILDREN];
        size_t n = nginx_children(np, now, NGINX_MAX_CHILDREN);
        bool left = false;
        for (size_t i = 0; i < n_old && !left; i++)
            for (size_t k = 0; k < n && !left; k++)
                left = old[i] == now[k];
        if (!left)
            return 0;
        if (gs_now_ns() > deadline)
            return gs_error_set(err, GS_ERR_TIMEOUT,
                                "the workers of nginx's previous configuration did not exit "
                                "within %.1f s",
                                (double)np->timeout_ns / 1e9);
        nginx_sleep_ms(5);
    }
}

/* A start that failed (an [emerg] line, often bind() on a port another process took first) may
 * leave nginx running: it retries its binds for seconds before it exits, and has no signal
 * handlers yet, so the SIGHUP of a next load would kill it ("killed by signal 1") instead of
 * reloading it. Stops it, so the next load starts afresh. */
static void nginx_stop_failed_start(gs_nginx_proc *np)
{
    gs_proc_free(np->proc);
    np->proc = NULL;
}

int gs_nginx_proc_load(gs_nginx_proc *np, const char *conf, uint64_t gen, gs_error *err)
{
    pid_t old[NGINX_MAX_CHILDREN];
    size_t n_old = 0;
    long log_from = 0; /* a start truncates the log */
    int rc = 0;
    bool start = np->proc == NULL;
    np->generation = gen;
    if (start) {
        rc = nginx_start(np, conf, err);
    } else {
        n_old = nginx_children(np, old, NGINX_MAX_CHILDREN);
        log_from = nginx_log_size(np);
        if (gs_proc_signal(np->proc, SIGHUP) < 0)
            rc = gs_error_set(err, GS_ERR_CLOSED, "nginx: cannot signal it");
    }
    if (rc == 0)
        rc = nginx_wait_generation(np, log_from, err);
    if (rc == 0 && n_old)
        rc = nginx_wait_old_workers(np, old, n_old, err);
    if (rc < 0 && start)
        nginx_stop_failed_start(np);
    return rc;
}

int gs_nginx_proc_check(gs_nginx_proc *np, gs_error *err)
{
    int status;
    if (np->proc == NULL)
        return gs_error_set(err, GS_ERR_CLOSED, "nginx is not running");
    if (gs_proc_exited(np->proc, &status))
        return nginx_died(np, status, err);
    return 0;
}

static int nginx_model_errors(gs_model *m, gs_error *err)
{
    if (m->diags.nerrors == 0)
        return 0;
    gs_diags_sort(&m->diags);
    for (size_t i = 0; i < m->diags.len; i++)
        if (m->diags.items[i].severity == GS_DIAG_ERROR) {
            char line[900];
            gs_diag_format(&m->diags.items[i], line, sizeof(line));
            return gs_error_set(err, GS_ERR_INVALID, "%s", line);
        }
    return gs_error_set(err, GS_ERR_INVALID, "invalid objects");
}

int gs_nginx_load_objects(const gs_target_objects *objs, const char *path, const char *who,
                          gs_model **out, gs_error *err)
{
    gs_buf b = {0};
    gs_buf_printf(&b, "# Written by gatesim run (--target %s).\n", who);
    for (size_t i = 0; i < objs->n_documents; i++) {
        gs_buf_puts(&b, "---\n");
        gs_buf_puts(&b, objs->documents[i]);
        if (b.len && b.data[b.len - 1] != '\n')
            gs_buf_putc(&b, '\n');
    }
    int rc = gs_target_child_write_file(path, b.data, b.len, err);
    gs_model_new(out);
    gs_load_options lo = {.replace_quietly = true};
    if (rc == 0)
        rc = gs_model_load_buffer(*out, path, b.data, b.len, &lo, err);
    if (rc == 0)
        rc = nginx_model_errors(*out, err);
    gs_buf_clear(&b);
    return rc;
}
