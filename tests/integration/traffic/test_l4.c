/* SPDX-License-Identifier: MIT */
/* The layer-4 protocols of the traffic engine (tcp, udp, tls) against gatesim-echo's layer-4
 * listeners: one connection (one fresh UDP source port) per request, the backend read from the
 * echo's JSON answer, the request id on the wire, the certificate a TLS client saw (the echo's
 * generated one, by the fingerprint in its ready line), and errors by cause: refused (TCP
 * RST, UDP ICMP), a silent UDP peer (timeout), an answer that is not JSON. Also `gatesim load`
 * with tcp:// udp:// tls:// URLs. */
#include "gs_alloc.h"
#include "gs_test.h"
#include "gs_time.h"
#include "traffic_it.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static gs_proc *echo;
static char tcp_addr[64], udp_addr[64], tls_addr[64], cert_sha256[80];

static void setup(void)
{
    const char *argv[] = {gs_test_built("backends/gatesim-echo"),
                          "--quiet",
                          "--service",
                          "team-a/db",
                          "--replica",
                          "r2",
                          "--no-listen",
                          "--tcp-listen",
                          "127.0.0.1:0",
                          "--udp-listen",
                          "127.0.0.1:0",
                          "--tcp-tls-listen",
                          "127.0.0.1:0",
                          "--tls-names",
                          "db.example.com",
                          NULL};
    char *bin = gs_xstrdup(argv[0]);
    argv[0] = bin;
    gs_proc_opts opts = {.capture_stdout = true};
    gs_error err;
    echo = it_spawn("echo", argv, &opts);
    char *line = NULL;
    ck_assert_msg(gs_proc_read_line(echo, 20 * GS_NS_PER_S, &line, &err) == 0, "echo: %s",
                  err.msg);
    gs_json_value *ready = NULL;
    ck_assert_int_eq(gs_json_parse(line, strlen(line), NULL, &ready, &err), 0);
    snprintf(tcp_addr, sizeof(tcp_addr), "127.0.0.1:%d", (int)it_json_num(ready, "tcpPort"));
    snprintf(udp_addr, sizeof(udp_addr), "127.0.0.1:%d", (int)it_json_num(ready, "udpPort"));
    snprintf(tls_addr, sizeof(tls_addr), "127.0.0.1:%d", (int)it_json_num(ready, "tcpTlsPort"));
    snprintf(cert_sha256, sizeof(cert_sha256), "%s",
             gs_json_get_string(ready, "tlsCertSha256", ""));
    ck_assert_uint_eq(strlen(cert_sha256), 64);
    gs_json_value_free(ready);
    free(line);
    free(bin);
}

static void teardown(void)
{
    it_stop(echo);
}

static void config(gs_traffic_config *cfg, gs_traffic_protocol proto, const char *addr,
                   uint64_t n)
{
    gs_traffic_config_init(cfg);
    cfg->protocol = proto;
    cfg->address = addr;
    cfg->requests = n;
    cfg->request_id_prefix = "l4-";
}

/* What the layer-4 callback checks on every answer. */
static struct {
    uint64_t ok, id_echoed, cert_seen, cert_absent;
    uint64_t connections[64]; /* socket ids seen (< 64) */
    bool repeated_connection;
    char subject[256];
} l4_seen;

static void on_l4(const gs_traffic_response *resp, void *user)
{
    (void)user;
    if (resp->error != GS_TRAFFIC_OK)
        return;
    l4_seen.ok++;
    ck_assert_int_eq(resp->status, 0);
    ck_assert_str_eq(resp->backend, "team-a/db/r2");
    /* the echo answers with the line it got: our request id */
    char want[128];
    snprintf(want, sizeof(want), "\"request\":\"%s\"", resp->request_id);
    if (resp->body_len > 0 && strstr(resp->body, want) != NULL)
        l4_seen.id_echoed++;
    if (resp->cert_sha256 != NULL) {
        ck_assert_str_eq(resp->cert_sha256, cert_sha256);
        snprintf(l4_seen.subject, sizeof(l4_seen.subject), "%s", resp->cert_subject);
        l4_seen.cert_seen++;
    } else {
        l4_seen.cert_absent++;
    }
    if (resp->connection < 64) {
        l4_seen.repeated_connection |= l4_seen.connections[resp->connection] > 0;
        l4_seen.connections[resp->connection]++;
    }
}

static gs_traffic_result *run_l4(gs_traffic_config *cfg)
{
    memset(&l4_seen, 0, sizeof(l4_seen));
    cfg->on_response = on_l4;
    cfg->serialize_callbacks = true;
    gs_traffic_result *r = NULL;
    gs_error err = {0};
    ck_assert_msg(gs_traffic_run(cfg, &r, &err) == 0, "run failed: %s", err.msg);
    return r;
}

START_TEST(tcp_one_connection_per_request)
{
    gs_traffic_config cfg;
    config(&cfg, GS_TRAFFIC_TCP, tcp_addr, 40);
    cfg.connections = 2;
    cfg.streams = 8; /* ignored: one exchange per connection */
    gs_traffic_result *r = run_l4(&cfg);
    ck_assert_uint_eq(r->responses, 40);
    ck_assert_uint_eq(r->connections_opened, 40);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->backends, "team-a/db"), 40);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->replicas, "team-a/db/r2"), 40);
    ck_assert_uint_eq(r->statuses.len, 0);
    ck_assert_uint_eq(r->certificates.len, 0);
    ck_assert_uint_eq(l4_seen.id_echoed, 40);
    ck_assert_uint_eq(l4_seen.cert_absent, 40);
    ck_assert(!l4_seen.repeated_connection);
    gs_traffic_result_free(r);
}
END_TEST

START_TEST(udp_one_socket_per_request_open_loop)
{
    gs_traffic_config cfg;
    config(&cfg, GS_TRAFFIC_UDP, udp_addr, 30);
    cfg.rate = 300;
    cfg.connections = 4;
    gs_traffic_result *r = run_l4(&cfg);
    /* loopback drops no datagrams unless the echo's socket overflows, which 30 cannot do */
    ck_assert_uint_eq(r->responses, 30);
    ck_assert_uint_eq(r->connections_opened, 30);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->backends, "team-a/db"), 30);
    ck_assert_uint_eq(l4_seen.id_echoed, 30);
    ck_assert(!l4_seen.repeated_connection);
    ck_assert(r->target_rps == 300);
    gs_traffic_result_free(r);
}
END_TEST

START_TEST(tls_records_the_certificate_seen)
{
    gs_traffic_config cfg;
    config(&cfg, GS_TRAFFIC_TLS, tls_addr, 12);
    cfg.authority = "db.example.com"; /* SNI */
    cfg.insecure = true;             /* the echo's own CA: identified by fingerprint */
    cfg.alpn = "x-line,x-other";
    gs_traffic_result *r = run_l4(&cfg);
    ck_assert_uint_eq(r->responses, 12);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->certificates, cert_sha256), 12);
    ck_assert_uint_eq(l4_seen.cert_seen, 12);
    ck_assert_msg(strstr(l4_seen.subject, "CN=db.example.com") != NULL, "%s", l4_seen.subject);
    gs_traffic_result_free(r);

    /* the SNI the echo saw is the authority's host */
    gs_buf out = {0}, err_out = {0};
    /* stderr (the -k warning) apart, so the JSON is the first line; scanned like it_sh's */
    char *dir = it_tmpdir();
    char *err_path = gs_xasprintf("%s/stderr", dir);
    char *cmd = gs_xasprintf("(%s load -q -n 1 -k --host db.example.com -o json tls://%s "
                             "2>'%s')",
                             gs_test_built("harness/cli/gatesim"), tls_addr, err_path);
    ck_assert_msg(it_sh(cmd, &out) == 0, "%s", out.data);
    ck_assert_int_eq(gs_buf_read_file(&err_out, err_path), 0);
    ck_assert_msg(!it_sanitizer_report(err_out.data, err_out.len), "sanitizer report: %.3000s",
                  err_out.data);
    gs_buf_clear(&err_out);
    free(err_path);
    it_rmdir(dir);
    gs_json_value *doc = it_json_first_line(&out);
    const gs_json_value *certs = gs_json_get(doc, "certificates");
    ck_assert_ptr_nonnull(certs);
    ck_assert_double_eq(gs_json_get_number(certs, cert_sha256, 0), 1);
    gs_json_value_free(doc);
    free(cmd);

    /* without --insecure the echo's private CA is not trusted: a TLS error, by cause */
    config(&cfg, GS_TRAFFIC_TLS, tls_addr, 2);
    cfg.authority = "db.example.com";
    r = run_l4(&cfg);
    ck_assert_uint_eq(r->errors[GS_TRAFFIC_ERR_TLS], 2);
    ck_assert_uint_eq(r->responses, 0);
    gs_traffic_result_free(r);
    gs_buf_clear(&out);
}
END_TEST

START_TEST(errors_by_cause)
{
    /* TCP: a port that refuses */
    unsigned port;
    int hold = it_refusing_port(&port);
    char addr[64];
    snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
    gs_traffic_config cfg;
    config(&cfg, GS_TRAFFIC_TCP, addr, 3);
    gs_traffic_result *r = run_l4(&cfg);
    ck_assert_uint_eq(r->errors[GS_TRAFFIC_ERR_CONNECT], 3);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->error_texts[GS_TRAFFIC_ERR_CONNECT],
                                            "connection refused"),
                      3);
    gs_traffic_result_free(r);
    close(hold);

    /* UDP: a port nobody has bound answers with ICMP port unreachable. The kernel picks ports
     * for UDP sockets it binds to 0, so a port freed just now is taken by nobody for long
     * enough in practice; a UDP socket cannot hold a port while refusing. */
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    ck_assert_int_eq(bind(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
    socklen_t sl = sizeof(sin);
    getsockname(s, (struct sockaddr *)&sin, &sl);
    snprintf(addr, sizeof(addr), "127.0.0.1:%u", ntohs(sin.sin_port));

    /* bound but silent: every datagram is "lost", so every request times out */
    config(&cfg, GS_TRAFFIC_UDP, addr, 3);
    cfg.request_timeout_ns = 200 * GS_NS_PER_MS;
    r = run_l4(&cfg);
    ck_assert_uint_eq(r->errors[GS_TRAFFIC_ERR_TIMEOUT], 3);
    ck_assert_uint_eq(r->responses, 0);
    gs_traffic_result_free(r);

    /* now an answer that is not the echo's JSON: a protocol error. Answer from a child that
     * reads the test's datagrams on the bound socket. */
    char stale[256];
    while (recv(s, stale, sizeof(stale), MSG_DONTWAIT) >= 0) {
        /* the timed-out requests' datagrams wait on the socket: not for the child */
    }
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        for (int k = 0; k < 2; k++) {
            char buf[256];
            struct sockaddr_storage from;
            socklen_t fl = sizeof(from);
            if (recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl) < 0)
                _exit(1);
            sendto(s, "not json\n", 9, 0, (struct sockaddr *)&from, fl);
        }
        _exit(0);
    }
    config(&cfg, GS_TRAFFIC_UDP, addr, 2);
    cfg.request_timeout_ns = 20 * GS_NS_PER_S;
    r = run_l4(&cfg);
    ck_assert_uint_eq(r->errors[GS_TRAFFIC_ERR_PROTOCOL], 2);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->error_texts[GS_TRAFFIC_ERR_PROTOCOL],
                                            "answer is not a JSON object"),
                      2);
    gs_traffic_result_free(r);
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    close(s);

    /* the port is free now: ICMP port unreachable is a connect error at once */
    config(&cfg, GS_TRAFFIC_UDP, addr, 2);
    cfg.request_timeout_ns = 30 * GS_NS_PER_S; /* a timeout would take far longer */
    r = run_l4(&cfg);
    ck_assert_uint_eq(r->errors[GS_TRAFFIC_ERR_CONNECT], 2);
    gs_traffic_result_free(r);
}
END_TEST

START_TEST(load_cli)
{
    const char *g = gs_test_built("harness/cli/gatesim");
    gs_buf out = {0};
    char *cmd = gs_xasprintf("%s load -q -n 20 -o json udp://%s", g, udp_addr);
    ck_assert_int_eq(it_sh(cmd, &out), 0);
    gs_json_value *doc = it_json_first_line(&out);
    ck_assert_double_eq(it_json_num(doc, "responses"), 20);
    ck_assert_str_eq(gs_json_get_string(gs_json_get(doc, "settings"), "protocol", ""), "udp");
    ck_assert_double_eq(gs_json_get_number(gs_json_get(doc, "backends"), "team-a/db", 0), 20);
    gs_json_value_free(doc);
    free(cmd);

    cmd = gs_xasprintf("%s load -q -n 5 -p tcp tcp://%s", g, tcp_addr);
    ck_assert_int_eq(it_sh(cmd, &out), 0);
    ck_assert_msg(strstr(out.data, "team-a/db: 5") != NULL, "%s", out.data);
    free(cmd);

    /* usage errors: protocol and URL disagree, --alpn outside tls, a layer-4 URL with a path */
    const char *bad[][2] = {{"-p udp tcp://127.0.0.1:1", "does not go with a tcp:// URL"},
                            {"-p tcp http://127.0.0.1:1/", "does not go with a http:// URL"},
                            {"--alpn x tcp://127.0.0.1:1", "--alpn is for --protocol tls"},
                            {"tcp://127.0.0.1:1/x", "is host:port, with no path"},
                            {"udp://127.0.0.1", "is host:port, with no path"}};
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        cmd = gs_xasprintf("%s load -q -n 1 %s", g, bad[k][0]);
        ck_assert_int_eq(it_sh(cmd, &out), 2);
        ck_assert_msg(strstr(out.data, bad[k][1]) != NULL, "%s: %s", bad[k][0], out.data);
        free(cmd);
    }
    gs_buf_clear(&out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("traffic_l4");
    TCase *tc = tcase_create("l4");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, tcp_one_connection_per_request);
    tcase_add_test(tc, udp_one_socket_per_request_open_loop);
    tcase_add_test(tc, tls_records_the_certificate_seen);
    tcase_add_test(tc, errors_by_cause);
    tcase_add_test(tc, load_cli);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
