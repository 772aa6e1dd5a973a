/* SPDX-License-Identifier: MIT */
/* gRPC and h2c upstreams through the gateway with the real gatesim-echo behind it and Python
 * grpcio in front: GRPCRoute method matching, UNAVAILABLE for an invalid backend, UNIMPLEMENTED
 * without a route; HTTPRoute to an appProtocol kubernetes.io/h2c Service arrives as HTTP/2. */
#include "gw_fixture.h"

#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_proc.h"
#include "gs_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static gs_proc *echo;
static char echo_spec[64];
static gwf fix;

static void build_grpc(gs_route_table *t)
{
    size_t l = gwf_listener(t, "http", 80, GS_RT_PROTO_HTTP, NULL);
    gs_rt_backend echo_be = {.group = "",
                             .kind = "Service",
                             .namespace = "default",
                             .name = "echo",
                             .port = 8080,
                             .weight = 1};
    gs_rt_backend missing = echo_be;
    missing.name = "missing";
    missing.state = GS_RT_BACKEND_NOT_FOUND;
    gs_rt_grpc_match gm_ok[] = {
        {.type = GS_RT_MATCH_EXACT, .service = "foo.v1.Shop", .method = "Get"}};
    gs_rt_grpc_match gm_bad[] = {{.type = GS_RT_MATCH_EXACT, .service = "bad.v1.Svc"}};
    gs_rt_rule grules[2] = {{.grpc_matches = gm_ok,
                             .n_grpc_matches = 1,
                             .backends = &echo_be,
                             .n_backends = 1,
                             .request_timeout_ms = GS_RT_TIMEOUT_UNSET,
                             .backend_request_timeout_ms = GS_RT_TIMEOUT_UNSET},
                            {.grpc_matches = gm_bad,
                             .n_grpc_matches = 1,
                             .backends = &missing,
                             .n_backends = 1,
                             .request_timeout_ms = GS_RT_TIMEOUT_UNSET,
                             .backend_request_timeout_ms = GS_RT_TIMEOUT_UNSET}};
    static const char *const ghosts[] = {"grpc.example.com"};
    gs_rt_route gr = {.kind = GS_RT_ROUTE_GRPC,
                      .namespace = "default",
                      .name = "grpc",
                      .hostnames = ghosts,
                      .n_hostnames = 1,
                      .rules = grules,
                      .n_rules = 2};
    gs_error err = {0};
    ck_assert_msg(gs_route_table_add_route(t, &gr, &l, 1, &err) == 0, "%s", err.msg);

    gs_rt_backend h2c_be = echo_be;
    h2c_be.app_protocol = "kubernetes.io/h2c";
    gs_rt_match m_h2c[] = {{.path = {GS_RT_MATCH_PREFIX, "/h2c", NULL}}};
    gs_rt_match m_h1[] = {{.path = {GS_RT_MATCH_PREFIX, "/h1", NULL}}};
    gs_rt_rule hrules[2] = {{.matches = m_h2c,
                             .n_matches = 1,
                             .backends = &h2c_be,
                             .n_backends = 1,
                             .request_timeout_ms = GS_RT_TIMEOUT_UNSET,
                             .backend_request_timeout_ms = GS_RT_TIMEOUT_UNSET},
                            {.matches = m_h1,
                             .n_matches = 1,
                             .backends = &echo_be,
                             .n_backends = 1,
                             .request_timeout_ms = GS_RT_TIMEOUT_UNSET,
                             .backend_request_timeout_ms = GS_RT_TIMEOUT_UNSET}};
    static const char *const hhosts[] = {"web.example.com"};
    gs_rt_route hr = {.kind = GS_RT_ROUTE_HTTP,
                      .namespace = "default",
                      .name = "web",
                      .hostnames = hhosts,
                      .n_hostnames = 1,
                      .rules = hrules,
                      .n_rules = 2};
    ck_assert_msg(gs_route_table_add_route(t, &hr, &l, 1, &err) == 0, "%s", err.msg);
}

static void setup(void)
{
    const char *argv[] = {gs_test_built("backends/gatesim-echo"),
                          "--service",
                          "default/echo",
                          "--replica",
                          "r1",
                          "--quiet",
                          NULL};
    gs_proc_opts o = {.capture_stdout = true};
    gs_error err = {0};
    ck_assert_msg(gs_proc_spawn(&echo, argv, &o, &err) == 0, "%s", err.msg);
    char *line = NULL;
    ck_assert_msg(gs_proc_read_line(echo, 10 * 1000000000LL, &line, &err) == 0, "%s", err.msg);
    const char *port = strstr(line, "\"port\":");
    ck_assert_ptr_nonnull(port);
    snprintf(echo_spec, sizeof(echo_spec), "default/echo:8080=127.0.0.1:%d", atoi(port + 7));
    free(line);
    gwf_extra_backends[0] = echo_spec;
    gwf_start(&fix, build_grpc);
}

static void teardown(void)
{
    gwf_stop(&fix);
    gs_proc_free(echo);
    echo = NULL;
}

static char *run(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    gs_buf b = {0};
    gs_buf_puts(&b, "");
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
        gs_buf_append(&b, buf, n);
    pclose(p);
    return gs_buf_take(&b);
}

static const char grpc_client[] =
    "import grpc, sys\n"
    "ch = grpc.insecure_channel('127.0.0.1:' + sys.argv[1],\n"
    "                           options=[('grpc.default_authority', 'grpc.example.com')])\n"
    "for path in sys.argv[2:]:\n"
    "    f = ch.unary_unary(path, request_serializer=lambda x: x,\n"
    "                       response_deserializer=lambda x: x)\n"
    "    try:\n"
    "        r = f(b'\\x0a\\x03abc', timeout=5)\n"
    "        print(path, 'OK', b'default/echo' in r or b'echo' in r)\n"
    "    except grpc.RpcError as e:\n"
    "        print(path, e.code().name)\n";

START_TEST(grpc_routes_and_statuses)
{
    char *script = gs_test_write_temp(".py", grpc_client);
    char *cmd = gs_xasprintf("/usr/bin/python3 %s %d /foo.v1.Shop/Get /bad.v1.Svc/Get "
                             "/foo.v1.Shop/Put /nope.Svc/X 2>&1",
                             script, fix.gw_port);
    char *out = run(cmd);
    ck_assert_msg(strstr(out, "/foo.v1.Shop/Get OK True") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "/bad.v1.Svc/Get UNAVAILABLE") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "/foo.v1.Shop/Put UNIMPLEMENTED") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "/nope.Svc/X UNIMPLEMENTED") != NULL, "%s", out);
    free(out);
    free(cmd);
    unlink(script);
    free(script);
}
END_TEST

START_TEST(h2c_upstream_by_app_protocol)
{
    gwf_resp r;
    ck_assert_int_eq(gwf_get(&fix, "web.example.com", "/h2c/x", "", &r), 0);
    ck_assert_int_eq(r.status, 200);
    ck_assert_msg(strstr(r.body, "\"proto\":\"HTTP/2.0\"") != NULL, "%s", r.body);
    ck_assert_msg(strstr(r.body, "\"path\":\"/h2c/x\"") != NULL, "%s", r.body);
    gwf_resp_free(&r);
    ck_assert_int_eq(gwf_get(&fix, "web.example.com", "/h1/y", "", &r), 0);
    ck_assert_int_eq(r.status, 200);
    ck_assert_msg(strstr(r.body, "\"proto\":\"HTTP/1.1\"") != NULL, "%s", r.body);
    char *be = gwf_header(&r, "x-gatesim-backend");
    ck_assert_str_eq(be, "default/echo/r1");
    free(be);
    gwf_resp_free(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gw_proxy_grpc");
    TCase *tc = tcase_create("grpc");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, grpc_routes_and_statuses);
    tcase_add_test(tc, h2c_upstream_by_app_protocol);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
