/* SPDX-License-Identifier: MIT */
/* Integration test helpers: ports, nginx and Python servers as children, a collecting callback,
 * running `gatesim` and reading its JSON. */
#include "traffic_it.h"

#include "gs_alloc.h"
#include "gs_test.h"
#include "gs_time.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gs_tls.h"

it_seen it_seen_data;
const char *it_watch_header;
const char *it_watch_trailer;

/* A loopback TCP socket bound to a free port, not listening. */
static int it_bind_loopback(unsigned *port, bool reuse)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(fd, 0);
    int one = 1;
    if (reuse) /* before bind: the server's own bind checks it */
        ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t len = sizeof(a);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

void it_hold_ports(unsigned *ports, int *fds, size_t n)
{
    for (size_t k = 0; k < n; k++)
        fds[k] = it_bind_loopback(&ports[k], true);
}

void it_release_ports(const int *fds, size_t n)
{
    for (size_t k = 0; k < n; k++)
        close(fds[k]);
}

int it_refusing_port(unsigned *port)
{
    return it_bind_loopback(port, false);
}

bool it_wait_port(unsigned port, int timeout_ms)
{
    int64_t until = gs_now_ns() + (int64_t)timeout_ms * GS_NS_PER_MS;
    while (gs_now_ns() < until) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET,
                                .sin_port = htons((uint16_t)port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        int rc = connect(fd, (struct sockaddr *)&a, sizeof(a));
        close(fd);
        if (rc == 0)
            return true;
        usleep(20000);
    }
    return false;
}

char *it_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *dir = gs_xasprintf("%s/gatesim-traffic-XXXXXX", base && *base ? base : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    return dir;
}

void it_rmdir(char *dir)
{
    /* only our own mkdtemp folders, whose names have no quote */
    if (dir != NULL && strstr(dir, "/gatesim-traffic-") != NULL && strchr(dir, '\'') == NULL) {
        char *cmd = gs_xasprintf("rm -rf '%s'", dir);
        int rc = system(cmd);
        (void)rc;
        free(cmd);
    }
    free(dir);
}

gs_proc *it_nginx(const char *dir, const char *http_body, unsigned port)
{
    char *conf = gs_xasprintf("%s/nginx.conf", dir);
    FILE *f = fopen(conf, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f,
            "master_process off; daemon off; pid %s/nginx.pid; error_log %s/error.log;\n"
            "events { worker_connections 1024; }\n"
            "http { access_log off; default_type text/plain;\n"
            "client_body_temp_path %s; proxy_temp_path %s; fastcgi_temp_path %s;\n"
            "uwsgi_temp_path %s; scgi_temp_path %s;\n%s\n}\n",
            dir, dir, dir, dir, dir, dir, dir, http_body);
    fclose(f);
    const char *argv[] = {"/usr/sbin/nginx", "-e", "stderr", "-p", dir, "-c", conf, NULL};
    char *log = gs_xasprintf("%s/stderr.log", dir);
    gs_proc_opts opts = {.stderr_path = log};
    gs_proc *p = NULL;
    gs_error err;
    ck_assert_msg(gs_proc_spawn(&p, argv, &opts, &err) == 0, "nginx: %s", err.msg);
    ck_assert_msg(it_wait_port(port, 5000), "nginx did not listen on %u", port);
    free(conf);
    free(log);
    return p;
}

gs_proc *it_python(const char *script, unsigned *port)
{
    return it_python_args(script, NULL, NULL, port, NULL);
}

gs_proc *it_python_args(const char *script, const char *a1, const char *a2, unsigned *port,
                        unsigned *port2)
{
    char *path = gs_xasprintf("%s/tests/integration/traffic/%s", GS_SOURCE_DIR, script);
    const char *argv[] = {"/usr/bin/python3", path, a1, a1 ? a2 : NULL, NULL};
    gs_proc_opts opts = {.capture_stdout = true};
    gs_proc *p = NULL;
    gs_error err;
    ck_assert_msg(gs_proc_spawn(&p, argv, &opts, &err) == 0, "%s: %s", script, err.msg);
    char *line = NULL;
    /* generous: a loaded machine can take seconds to start Python */
    ck_assert_msg(gs_proc_read_line(p, 30 * GS_NS_PER_S, &line, &err) == 0, "%s: %s", script,
                  err.msg);
    char *end;
    *port = (unsigned)strtoul(line, &end, 10);
    ck_assert_uint_gt(*port, 0);
    if (port2 != NULL) {
        *port2 = (unsigned)strtoul(end, NULL, 10);
        ck_assert_uint_gt(*port2, 0);
    }
    free(line);
    free(path);
    return p;
}

void it_make_cert(const char *dir)
{
    gs_tls_pem ca = {0}, leaf = {0};
    gs_error err;
    const char *names[] = {"localhost", "127.0.0.1"};
    ck_assert_int_eq(gs_tls_ca_generate(&ca, "gatesim test CA", &err), 0);
    ck_assert_int_eq(gs_tls_leaf_generate(&leaf, &ca, names, 2, &err), 0);
    char *cap = gs_xasprintf("%s/ca.pem", dir), *cert = gs_xasprintf("%s/cert.pem", dir),
         *key = gs_xasprintf("%s/key.pem", dir);
    ck_assert_int_eq(gs_tls_pem_write(&ca, cap, NULL, &err), 0);
    ck_assert_int_eq(gs_tls_pem_write(&leaf, cert, key, &err), 0);
    free(cap);
    free(cert);
    free(key);
    gs_tls_pem_clear(&ca);
    gs_tls_pem_clear(&leaf);
}

static void on_it_response(const gs_traffic_response *r, void *user)
{
    (void)user;
    it_seen *s = &it_seen_data;
    if (r->warmup) {
        s->warmup_calls++;
        return;
    }
    s->calls++;
    s->by_error[r->error]++;
    if (r->request_id != NULL)
        s->ids_seen++;
    if (r->index < sizeof(s->index_seen)) {
        if (s->index_seen[r->index])
            s->duplicate_index++;
        s->index_seen[r->index] = 1;
    }
    s->last_status = r->status;
    s->last_grpc_status = r->grpc_status;
    snprintf(s->last_body, sizeof(s->last_body), "%.*s", (int)r->body_len, r->body);
    snprintf(s->last_grpc_message, sizeof(s->last_grpc_message), "%s",
             r->grpc_message ? r->grpc_message : "");
    snprintf(s->last_backend, sizeof(s->last_backend), "%s", r->backend ? r->backend : "");
    snprintf(s->last_detail, sizeof(s->last_detail), "%s", r->detail ? r->detail : "");
    for (size_t k = 0; it_watch_header && k < r->num_headers; k++) {
        if (strcmp(r->headers[k].name, it_watch_header) == 0)
            snprintf(s->last_header, sizeof(s->last_header), "%s", r->headers[k].value);
    }
    for (size_t k = 0; it_watch_trailer && k < r->num_trailers; k++) {
        if (strcmp(r->trailers[k].name, it_watch_trailer) == 0)
            snprintf(s->last_trailer, sizeof(s->last_trailer), "%s", r->trailers[k].value);
    }
}

gs_traffic_result *it_run(gs_traffic_config *cfg)
{
    memset(&it_seen_data, 0, sizeof(it_seen_data));
    cfg->on_response = on_it_response;
    cfg->serialize_callbacks = true;
    gs_traffic_result *res = NULL;
    gs_error err = {0};
    ck_assert_msg(gs_traffic_run(cfg, &res, &err) == 0, "run failed: %s", err.msg);
    return res;
}

/* The processes of it_spawn and the files their stderr goes to. */
typedef struct it_watched {
    gs_proc *proc;
    char *stderr_path;
    bool own_file; /* made by it_spawn: removed by it_stop */
} it_watched;

#define IT_MAX_WATCHED 64
static it_watched it_watch[IT_MAX_WATCHED];

static it_watched *it_watch_slot(const gs_proc *p)
{
    for (size_t k = 0; k < IT_MAX_WATCHED; k++) {
        if (it_watch[k].proc == p)
            return &it_watch[k];
    }
    return NULL;
}

gs_proc *it_spawn(const char *what, const char *const *argv, const gs_proc_opts *opts)
{
    it_watched *w = it_watch_slot(NULL);
    ck_assert_msg(w != NULL, "%s: more than %d processes watched", what, IT_MAX_WATCHED);
    gs_proc_opts o = opts != NULL ? *opts : (gs_proc_opts){0};
    w->own_file = o.stderr_path == NULL;
    if (w->own_file) {
        const char *base = getenv("TMPDIR");
        w->stderr_path = gs_xasprintf("%s/gatesim-stderr-XXXXXX", base && *base ? base : "/tmp");
        int fd = mkstemp(w->stderr_path);
        ck_assert_msg(fd >= 0, "%s: cannot create %s", what, w->stderr_path);
        close(fd);
        o.stderr_path = w->stderr_path;
    } else {
        w->stderr_path = gs_xstrdup(o.stderr_path);
    }
    gs_error err = {0};
    gs_proc *p = NULL;
    ck_assert_msg(gs_proc_spawn(&p, argv, &o, &err) == 0, "%s: %s", what, err.msg);
    w->proc = p;
    return p;
}

static bool it_contains(const char *text, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t k = 0; m <= n && k <= n - m; k++) {
        if (memcmp(text + k, needle, m) == 0)
            return true;
    }
    return false;
}

bool it_sanitizer_report(const char *text, size_t n)
{
    static const char *const marks[] = {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                                        "runtime error:",
                                        "Sanitizer has encountered a fatal error"};
    for (size_t k = 0; k < sizeof(marks) / sizeof(marks[0]); k++) {
        if (it_contains(text, n, marks[k]))
            return true;
    }
    return false;
}

bool it_stop_scan(gs_proc *p, gs_buf *report)
{
    it_watched *w = p != NULL ? it_watch_slot(p) : NULL;
    gs_proc_free(p); /* reaped: a sanitizer has written everything by now */
    if (w == NULL)
        return false;
    gs_buf text = {0};
    gs_buf_puts(&text, "");
    if (gs_buf_read_file(&text, w->stderr_path) != 0)
        gs_buf_reset(&text); /* a file a test removed holds no report */
    if (w->own_file && text.len > 0)
        fprintf(stderr, "%s", text.data); /* where it went before: the test log */
    if (w->own_file)
        unlink(w->stderr_path);
    free(w->stderr_path);
    *w = (it_watched){0};
    bool found = it_sanitizer_report(text.data, text.len);
    if (found && report != NULL)
        gs_buf_append(report, text.data, text.len);
    gs_buf_clear(&text);
    return found;
}

void it_stop(gs_proc *p)
{
    gs_buf report = {0};
    bool found = it_stop_scan(p, &report);
    /* the whole report is in the test log above; the failure message keeps its start */
    char head[3000];
    snprintf(head, sizeof(head), "%s", found ? report.data : "");
    gs_buf_clear(&report);
    ck_assert_msg(!found, "sanitizer report in a child's stderr:\n%s", head);
}

int it_sh_scan(const char *cmd, gs_buf *out, bool *report)
{
    char *full = gs_xasprintf("(%s\n) 2>&1", cmd); /* all of it, when it is a list too */
    FILE *p = popen(full, "r");
    ck_assert_msg(p != NULL, "cannot run %s", cmd);
    gs_buf_reset(out);
    gs_buf_puts(out, "");
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
        gs_buf_append(out, chunk, n);
    int st = pclose(p);
    free(full);
    *report = it_sanitizer_report(out->data, out->len);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int it_sh(const char *cmd, gs_buf *out)
{
    bool report = false;
    int rc = it_sh_scan(cmd, out, &report);
    ck_assert_msg(!report, "sanitizer report in the output of %s:\n%.3000s", cmd, out->data);
    return rc;
}

int it_gatesim(const char *args, gs_buf *out)
{
    char *cmd = gs_xasprintf("%s %s", gs_test_built("harness/cli/gatesim"), args);
    int rc = it_sh(cmd, out);
    free(cmd);
    return rc;
}

void it_write_file(const char *path, const char *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    ck_assert_uint_eq(fwrite(data, 1, n, f), n);
    ck_assert_int_eq(fclose(f), 0);
}

void it_write_text(const char *path, const char *text)
{
    it_write_file(path, text, strlen(text));
}

static gs_json_value *it_json_parse(const char *what, const char *text, size_t n)
{
    gs_json_value *v = NULL;
    gs_error err = {0};
    ck_assert_msg(gs_json_parse(text, n, NULL, &v, &err) == 0, "%s: %s: %.*s", what, err.msg,
                  (int)(n > 2000 ? 2000 : n), text);
    return v;
}

gs_json_value *it_json_first_line(const gs_buf *out)
{
    ck_assert_ptr_nonnull(out->data);
    return it_json_parse("first line", out->data, strcspn(out->data, "\n"));
}

gs_json_value *it_json_read(const char *path)
{
    gs_buf b = {0};
    gs_buf_puts(&b, "");
    ck_assert_msg(gs_buf_read_file(&b, path) == 0, "%s missing", path);
    gs_json_value *v = it_json_parse(path, b.data, b.len);
    gs_buf_clear(&b);
    return v;
}

double it_json_num(const gs_json_value *o, const char *key)
{
    const gs_json_value *v = gs_json_get(o, key);
    ck_assert_msg(v != NULL && v->type == GS_JSON_NUMBER, "no number %s", key);
    return v->number;
}
