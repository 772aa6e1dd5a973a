/* SPDX-License-Identifier: MIT */
/* gatesim-echo handler: the JSON echo, /status and /health, ?delay=, X-Echo-Set-Header, fault
 * draws, gRPC echo and requested gRPC errors, the request log, and the control endpoint. */
#include "echo_handler.h"
#include "gs_alloc.h"
#include "gs_grpc.h"
#include "gs_json.h"
#include "gs_pb.h"
#include "gs_test.h"
#include "gs_time.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

typedef struct fixture {
    gs_echo_config cfg;
    gs_echo_log *log;
    gs_echo_ctx ctx;
    gs_echo_response resp;
} fixture;

static void fx_init(fixture *f)
{
    memset(f, 0, sizeof(*f));
    f->cfg.ns = "team-a";
    f->cfg.name = "app";
    f->cfg.replica = "r1";
    f->cfg.faults.error_status = 503;
    f->cfg.max_body = 1 << 20;
    gs_echo_log_new(&f->log, 16);
    gs_echo_ctx_init(&f->ctx, &f->cfg, f->log, 7);
}

static void fx_free(fixture *f)
{
    gs_echo_response_free(&f->resp);
    gs_echo_ctx_free(&f->ctx);
    gs_echo_log_free(f->log);
}

static gs_echo_request mkreq(const char *method, const char *target, const gs_echo_header *h,
                             size_t n)
{
    gs_echo_request r = {
        .method = method,
        .method_len = strlen(method),
        .target = target,
        .target_len = strlen(target),
        .authority = "app.example.com",
        .authority_len = 15,
        .proto = "HTTP/1.1",
        .headers = h,
        .n_headers = n,
        .local_port = 8080,
    };
    return r;
}

#define HDR(n, v)                                                                                  \
    {                                                                                              \
        n, sizeof(n) - 1, v, sizeof(v) - 1                                                         \
    }

static const char *field(const gs_echo_response *r, const char *name)
{
    static char value[256];
    size_t pos = 0, nl, vl;
    const char *n, *v;
    while (gs_echo_response_next(r, &pos, &n, &nl, &v, &vl)) {
        if (strcmp(n, name) == 0) {
            snprintf(value, sizeof(value), "%.*s", (int)vl, v);
            return value;
        }
    }
    return NULL;
}

START_TEST(json_echo)
{
    fixture f;
    fx_init(&f);
    gs_echo_header h[] = {HDR("Host", "app.example.com"), HDR("x-forwarded-for", "1.2.3.4"),
                          HDR("ACCEPT", "a"), HDR("accept", "b"), HDR("x_odd", "keep")};
    gs_echo_request req = mkreq("GET", "/a/b?x=1&y=%20", h, 5);
    gs_echo_handle(&f.ctx, &req, &f.resp);
    ck_assert_int_eq(f.resp.status, 200);
    ck_assert_str_eq(field(&f.resp, "x-gatesim-backend"), "team-a/app/r1");
    ck_assert_str_eq(field(&f.resp, "content-type"), "application/json");
    ck_assert_str_eq(f.resp.body.data,
                     "{\"path\":\"/a/b?x=1&y=%20\",\"host\":\"app.example.com\",\"method\":\"GET\","
                     "\"proto\":\"HTTP/1.1\",\"headers\":{\"X-Forwarded-For\":[\"1.2.3.4\"],"
                     "\"Accept\":[\"a\",\"b\"],\"x_odd\":[\"keep\"]},\"namespace\":\"team-a\","
                     "\"ingress\":\"\",\"service\":\"app\",\"pod\":\"r1\",\"httpPort\":\"8080\","
                     "\"backend\":\"team-a/app/r1\"}\n");
    ck_assert(f.resp.delay_ns == 0);
    ck_assert(!f.resp.reset);

    gs_tls_info tls = {"TLSv1.3", "TLS_AES_128_GCM_SHA256", "app.example.com", "h2"};
    req.tls = &tls;
    req.proto = "HTTP/2.0";
    gs_echo_handle(&f.ctx, &req, &f.resp);
    ck_assert_ptr_nonnull(strstr(
        f.resp.body.data, "\"tls\":{\"version\":\"TLSv1.3\",\"serverName\":\"app.example.com\","
                          "\"negotiatedProtocol\":\"h2\",\"cipherSuite\":"
                          "\"TLS_AES_128_GCM_SHA256\"}"));
    ck_assert_ptr_nonnull(strstr(f.resp.body.data, "\"proto\":\"HTTP/2.0\""));
    fx_free(&f);
}
END_TEST

START_TEST(status_health_delay_set_header)
{
    fixture f;
    fx_init(&f);
    gs_echo_request req = mkreq("GET", "/status/418?x", NULL, 0);
    gs_echo_handle(&f.ctx, &req, &f.resp);
    ck_assert_int_eq(f.resp.status, 418);
    ck_assert_uint_eq(f.resp.body.len, 0);
    ck_assert_str_eq(field(&f.resp, "x-gatesim-backend"), "team-a/app/r1");
    req = mkreq("GET", "/status/99", NULL, 0);
    gs_echo_handle(&f.ctx, &req, &f.resp);
    ck_assert_int_eq(f.resp.status, 400);
    req = mkreq("GET", "/status/2000", NULL, 0);
    gs_echo_handle(&f.ctx, &req, &f.resp);
    ck_assert_int_eq(f.resp.status, 400);
    req = mkreq("GET", "/health", NULL, 0);
    gs_echo_handle(&f.ctx, &req, &f.resp);
    ck_assert_str_eq(f.resp.body.data, "OK");

    req = mkreq("GET", "/slow?a=1&delay=1.5s", NULL, 0);
    gs_echo_handle(&f.ctx, &req, &f.resp);
    ck_assert(f.resp.delay_ns == 1500 * GS_NS_PER_MS);
    req = mkreq("GET", "/slow?delay=bogus", NULL, 0);
    gs_echo_handle(&f.ctx, &req, &f.resp);
    ck_assert(f.resp.delay_ns == 0);

    gs_echo_header h[] = {HDR("X-Echo-Set-Header", "X-Foo: bar , X-Two:2,junk,:novalue"),
                          HDR("x-echo-set-header", "X-Foo:again")};
    req = mkreq("GET", "/status/201", h, 2);
    gs_echo_handle(&f.ctx, &req, &f.resp);
    ck_assert_int_eq(f.resp.status, 201);
    ck_assert_str_eq(field(&f.resp, "x-foo"), "bar");
    ck_assert_str_eq(field(&f.resp, "x-two"), "2");
    size_t foos = 0, pos = 0, nl, vl;
    const char *n, *v;
    while (gs_echo_response_next(&f.resp, &pos, &n, &nl, &v, &vl))
        foos += strcmp(n, "x-foo") == 0;
    ck_assert_uint_eq(foos, 2);
    ck_assert_uint_eq(f.resp.n_fields, 4);
    fx_free(&f);
}
END_TEST

START_TEST(faults)
{
    fixture f;
    fx_init(&f);
    gs_echo_request req = mkreq("GET", "/", NULL, 0);
    f.cfg.faults.error_rate = 1.0;
    f.cfg.faults.error_status = 502;
    gs_echo_handle(&f.ctx, &req, &f.resp);
    ck_assert_int_eq(f.resp.status, 502);
    ck_assert_str_eq(field(&f.resp, "x-gatesim-backend"), "team-a/app/r1");

    f.cfg.faults.error_rate = 0.3;
    int errors = 0;
    for (int i = 0; i < 2000; i++) {
        gs_echo_handle(&f.ctx, &req, &f.resp);
        errors += f.resp.status == 502;
    }
    ck_assert_msg(errors > 480 && errors < 720, "error rate 0.3 gave %d/2000", errors);

    f.cfg.faults.error_rate = 0;
    f.cfg.faults.reset_rate = 1.0;
    gs_echo_handle(&f.ctx, &req, &f.resp);
    ck_assert(f.resp.reset);

    f.cfg.faults.reset_rate = 0;
    f.cfg.faults.delay_ns = 10 * GS_NS_PER_MS;
    f.cfg.faults.delay_max_ns = 20 * GS_NS_PER_MS;
    f.cfg.faults.slow_body_ns = GS_NS_PER_MS;
    int64_t lo = INT64_MAX, hi = 0;
    for (int i = 0; i < 200; i++) {
        gs_echo_handle(&f.ctx, &req, &f.resp);
        lo = f.resp.delay_ns < lo ? f.resp.delay_ns : lo;
        hi = f.resp.delay_ns > hi ? f.resp.delay_ns : hi;
    }
    ck_assert(lo >= 10 * GS_NS_PER_MS && lo < 12 * GS_NS_PER_MS);
    ck_assert(hi <= 20 * GS_NS_PER_MS && hi > 18 * GS_NS_PER_MS);
    ck_assert(f.resp.slow_body_ns == GS_NS_PER_MS);
    fx_free(&f);
}
END_TEST

START_TEST(grpc_echo_and_errors)
{
    fixture f;
    fx_init(&f);
    gs_echo_header h[] = {HDR("content-type", "application/grpc"), HDR("te", "trailers"),
                          HDR("x-md", "1"), HDR("x-md", "2")};
    gs_buf body = {0};
    gs_grpc_frame_write(&body, "\x0a\x02hi", 4);
    gs_echo_request req = mkreq("POST", "/pkg.Svc/Do", h, 4);
    req.h2 = true;
    req.proto = "HTTP/2.0";
    req.body = body.data;
    req.body_len = body.len;
    gs_echo_handle(&f.ctx, &req, &f.resp);
    ck_assert(f.resp.grpc);
    ck_assert_int_eq(f.resp.grpc_status, 0);
    ck_assert_str_eq(field(&f.resp, "content-type"), "application/grpc");
    const uint8_t *msg;
    size_t len;
    bool comp;
    ck_assert_int_eq(gs_grpc_frame_parse(f.resp.body.data, f.resp.body.len, &msg, &len, &comp, 0),
                     (ssize_t)f.resp.body.len);
    gs_grpc_echo e;
    ck_assert_int_eq(gs_grpc_echo_decode(&e, msg, len), 0);
    ck_assert_str_eq(e.path, "/pkg.Svc/Do");
    ck_assert_str_eq(e.host, "app.example.com");
    ck_assert_str_eq(e.pod, "r1");
    ck_assert_str_eq(e.ns, "team-a");
    ck_assert_str_eq(e.backend, "team-a/app/r1");
    ck_assert_uint_eq(e.request_len, 4);
    const gs_grpc_echo_header *md = gs_grpc_echo_header_find(&e, "x-md");
    ck_assert_ptr_nonnull(md);
    ck_assert_uint_eq(md->n_values, 2);
    ck_assert_str_eq(md->values[1], "2");
    gs_grpc_echo_free(&e);

    /* Over HTTP/1.1 the same request is plain HTTP. */
    req.h2 = false;
    gs_echo_handle(&f.ctx, &req, &f.resp);
    ck_assert(!f.resp.grpc);

    gs_echo_header he[] = {HDR("content-type", "application/grpc+proto"),
                           HDR("x-gatesim-grpc-status", "14"),
                           HDR("x-gatesim-grpc-message", "down 100%")};
    req = mkreq("POST", "/pkg.Svc/Do", he, 3);
    req.h2 = true;
    gs_echo_handle(&f.ctx, &req, &f.resp);
    ck_assert(f.resp.grpc);
    ck_assert_int_eq(f.resp.grpc_status, 14);
    ck_assert_str_eq(f.resp.grpc_message.data, "down 100%25");
    ck_assert_uint_eq(f.resp.body.len, 0);

    /* Malformed framing and compressed messages are gRPC errors. */
    gs_echo_header hc[] = {HDR("content-type", "application/grpc")};
    req = mkreq("POST", "/pkg.Svc/Do", hc, 1);
    req.h2 = true;
    req.body = "\x00\x00\x00\x00\x09short";
    req.body_len = 10;
    gs_echo_handle(&f.ctx, &req, &f.resp);
    ck_assert_int_eq(f.resp.grpc_status, GS_GRPC_INTERNAL);
    req.body = "\x01\x00\x00\x00\x01x";
    req.body_len = 6;
    gs_echo_handle(&f.ctx, &req, &f.resp);
    ck_assert_int_eq(f.resp.grpc_status, GS_GRPC_UNIMPLEMENTED);
    req.body_truncated = true;
    gs_echo_handle(&f.ctx, &req, &f.resp);
    ck_assert_int_eq(f.resp.grpc_status, GS_GRPC_RESOURCE_EXHAUSTED);
    gs_buf_clear(&body);
    fx_free(&f);
}
END_TEST

/* Finds the first length-delimited field |num| in |data|. */
static bool pb_find(const void *data, size_t len, uint32_t num, const uint8_t **out,
                    size_t *out_len)
{
    gs_pb_reader r;
    gs_pb_field fl;
    gs_pb_reader_init(&r, data, len);
    while (gs_pb_next(&r, &fl) == 1) {
        if (fl.number == num && fl.wire == GS_PB_LEN) {
            *out = fl.data;
            *out_len = fl.len;
            return true;
        }
    }
    return false;
}

START_TEST(grpc_conformance_service)
{
    fixture f;
    fx_init(&f);
    gs_echo_header h[] = {HDR("content-type", "application/grpc"), HDR("x-jitter", "42")};
    gs_echo_request req =
        mkreq("POST", "/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/EchoTwo", h, 2);
    req.h2 = true;
    req.proto = "HTTP/2.0";
    gs_echo_handle(&f.ctx, &req, &f.resp);
    ck_assert_int_eq(f.resp.grpc_status, 0);
    const uint8_t *msg, *as, *v, *ctx;
    size_t len, as_len, v_len, ctx_len;
    bool comp;
    ck_assert_int_gt(gs_grpc_frame_parse(f.resp.body.data, f.resp.body.len, &msg, &len, &comp, 0),
                     0);
    ck_assert(pb_find(msg, len, 1, &as, &as_len));
    ck_assert(pb_find(as, as_len, 1, &v, &v_len));
    ck_assert_uint_eq(v_len, strlen(req.target));
    ck_assert_mem_eq(v, req.target, v_len);
    ck_assert(pb_find(as, as_len, 3, &v, &v_len));
    ck_assert_mem_eq(v, "app.example.com", v_len);
    ck_assert(pb_find(as, as_len, 4, &ctx, &ctx_len));
    ck_assert(pb_find(ctx, ctx_len, 4, &v, &v_len));
    ck_assert_mem_eq(v, "r1", 2);
    ck_assert(pb_find(ctx, ctx_len, 1, &v, &v_len));
    ck_assert_mem_eq(v, "team-a", 6);
    ck_assert(pb_find(msg, len, 2, &v, &v_len));
    ck_assert_uint_eq(v_len, 0);

    req = mkreq("POST", "/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/EchoThree", h, 2);
    req.h2 = true;
    gs_echo_handle(&f.ctx, &req, &f.resp);
    ck_assert_int_eq(f.resp.grpc_status, GS_GRPC_UNIMPLEMENTED);
    fx_free(&f);
}
END_TEST

START_TEST(fail_n_times_then_succeed)
{
    fixture f;
    fx_init(&f);
    /* Keyed by uuid: two failing tries (after delayRetry), then the echo. */
    gs_echo_request r =
        mkreq("GET", "/retry?responseCode=502&succeedAfter=2&uuid=u1&delayRetry=5ms", NULL, 0);
    for (int i = 0; i < 2; i++) {
        gs_echo_handle(&f.ctx, &r, &f.resp);
        ck_assert_int_eq(f.resp.status, 502);
        ck_assert_int_eq(f.resp.delay_ns, 5 * GS_NS_PER_MS);
        ck_assert_str_eq(field(&f.resp, "x-gatesim-backend"), "team-a/app/r1");
    }
    gs_echo_handle(&f.ctx, &r, &f.resp);
    ck_assert_int_eq(f.resp.status, 200);
    ck_assert_int_eq(f.resp.delay_ns, 0);
    /* Another uuid counts its own tries. */
    r = mkreq("GET", "/retry?responseCode=502&succeedAfter=1&uuid=u2", NULL, 0);
    gs_echo_handle(&f.ctx, &r, &f.resp);
    ck_assert_int_eq(f.resp.status, 502);
    gs_echo_handle(&f.ctx, &r, &f.resp);
    ck_assert_int_eq(f.resp.status, 200);
    /* Without uuid the request id keys the tries. */
    gs_echo_header id1[] = {HDR("x-gatesim-request-id", "req-1")};
    gs_echo_header id2[] = {HDR("x-gatesim-request-id", "req-2")};
    gs_echo_request a = mkreq("GET", "/x?responseCode=500&succeedAfter=1", id1, 1);
    gs_echo_request b = mkreq("GET", "/x?responseCode=500&succeedAfter=1", id2, 1);
    gs_echo_handle(&f.ctx, &a, &f.resp);
    ck_assert_int_eq(f.resp.status, 500);
    gs_echo_handle(&f.ctx, &b, &f.resp);
    ck_assert_int_eq(f.resp.status, 500);
    gs_echo_handle(&f.ctx, &a, &f.resp);
    ck_assert_int_eq(f.resp.status, 200);
    /* Neither: never failed; malformed parameters: ignored. */
    r = mkreq("GET", "/x?responseCode=500&succeedAfter=1", NULL, 0);
    gs_echo_handle(&f.ctx, &r, &f.resp);
    ck_assert_int_eq(f.resp.status, 200);
    r = mkreq("GET", "/x?responseCode=5x0&succeedAfter=1&uuid=u3", NULL, 0);
    gs_echo_handle(&f.ctx, &r, &f.resp);
    ck_assert_int_eq(f.resp.status, 200);
    fx_free(&f);
}
END_TEST

START_TEST(fail_by_dropping_the_connection)
{
    fixture f;
    fx_init(&f);
    /* succeedAfter without responseCode: the failing tries get no answer at all (reset); the
     * try after them is answered. */
    gs_echo_request r = mkreq("GET", "/retry?succeedAfter=2&uuid=c1", NULL, 0);
    for (int i = 0; i < 2; i++) {
        gs_echo_handle(&f.ctx, &r, &f.resp);
        ck_assert(f.resp.reset);
    }
    gs_echo_handle(&f.ctx, &r, &f.resp);
    ck_assert(!f.resp.reset);
    ck_assert_int_eq(f.resp.status, 200);
    /* An empty responseCode is malformed, not absent: ignored, never dropped. */
    r = mkreq("GET", "/retry?responseCode=&succeedAfter=2&uuid=c2", NULL, 0);
    gs_echo_handle(&f.ctx, &r, &f.resp);
    ck_assert(!f.resp.reset);
    ck_assert_int_eq(f.resp.status, 200);
    fx_free(&f);
}
END_TEST

START_TEST(request_log_and_control)
{
    fixture f;
    fx_init(&f);
    gs_echo_header h[] = {HDR("X-Gatesim-Request-Id", "id-1")};
    gs_echo_request req = mkreq("POST", "/mirror?x=1", h, 1);
    gs_echo_handle(&f.ctx, &req, &f.resp);
    req = mkreq("GET", "/other", NULL, 0);
    gs_echo_handle(&f.ctx, &req, &f.resp);

    gs_echo_request c = mkreq("GET", "/requests?since=0", NULL, 0);
    gs_echo_handle_control(&f.ctx, &c, &f.resp);
    ck_assert_int_eq(f.resp.status, 200);
    ck_assert_ptr_nonnull(
        strstr(f.resp.body.data,
               "{\"seq\":1,\"id\":\"id-1\",\"method\":\"POST\",\"path\":\"/mirror?x=1\""));
    ck_assert_ptr_null(strstr(f.resp.body.data, "/other"));
    c = mkreq("GET", "/requests?since=1", NULL, 0);
    gs_echo_handle_control(&f.ctx, &c, &f.resp);
    ck_assert_ptr_nonnull(strstr(f.resp.body.data, "\"requests\":[]"));
    c = mkreq("GET", "/stats", NULL, 0);
    gs_echo_handle_control(&f.ctx, &c, &f.resp);
    ck_assert_ptr_nonnull(strstr(f.resp.body.data, "\"methods\":{\"POST\":1,\"GET\":1}"));
    c = mkreq("GET", "/reset", NULL, 0);
    gs_echo_handle_control(&f.ctx, &c, &f.resp);
    ck_assert_int_eq(f.resp.status, 405);
    ck_assert_str_eq(field(&f.resp, "allow"), "POST");
    c = mkreq("POST", "/reset", NULL, 0);
    gs_echo_handle_control(&f.ctx, &c, &f.resp);
    ck_assert_int_eq(f.resp.status, 204);
    c = mkreq("GET", "/stats", NULL, 0);
    gs_echo_handle_control(&f.ctx, &c, &f.resp);
    ck_assert_ptr_nonnull(strstr(f.resp.body.data, "\"requests\":0"));
    c = mkreq("GET", "/nope", NULL, 0);
    gs_echo_handle_control(&f.ctx, &c, &f.resp);
    ck_assert_int_eq(f.resp.status, 404);
    fx_free(&f);
}
END_TEST

/* POST /behaviour changes the faults of every loop sharing the log: a second loop (ctx2) that
 * never saw the control request answers with the new error status from its next request on. */
START_TEST(control_behaviour)
{
    fixture f;
    fx_init(&f);
    gs_echo_ctx ctx2;
    gs_echo_ctx_init(&ctx2, &f.cfg, f.log, 9);
    gs_echo_request req = mkreq("GET", "/", NULL, 0);
    gs_echo_handle(&ctx2, &req, &f.resp);
    ck_assert_int_eq(f.resp.status, 200);

    gs_echo_request c = mkreq("POST", "/behaviour?errorRate=1&status=418&delay=5ms", NULL, 0);
    gs_echo_handle_control(&f.ctx, &c, &f.resp);
    ck_assert_int_eq(f.resp.status, 200);
    ck_assert_ptr_nonnull(strstr(f.resp.body.data, "{\"errorRate\":1,\"status\":418,\"delayMs\":5.000}"));
    gs_echo_handle(&ctx2, &req, &f.resp);
    ck_assert_int_eq(f.resp.status, 418);
    ck_assert_int_eq(f.resp.delay_ns, 5000000);

    c = mkreq("GET", "/behaviour", NULL, 0);
    gs_echo_handle_control(&ctx2, &c, &f.resp);
    ck_assert_ptr_nonnull(strstr(f.resp.body.data, "\"status\":418"));
    c = mkreq("POST", "/behaviour?errorRate=1.5", NULL, 0);
    gs_echo_handle_control(&f.ctx, &c, &f.resp);
    ck_assert_int_eq(f.resp.status, 400);
    c = mkreq("PUT", "/behaviour", NULL, 0);
    gs_echo_handle_control(&f.ctx, &c, &f.resp);
    ck_assert_int_eq(f.resp.status, 405);
    ck_assert_str_eq(field(&f.resp, "allow"), "GET, POST");

    c = mkreq("POST", "/behaviour", NULL, 0); /* nothing given: healthy again */
    gs_echo_handle_control(&f.ctx, &c, &f.resp);
    gs_echo_handle(&ctx2, &req, &f.resp);
    ck_assert_int_eq(f.resp.status, 200);
    ck_assert_int_eq(f.resp.delay_ns, 0);
    gs_echo_ctx_free(&ctx2);
    fx_free(&f);
}
END_TEST

START_TEST(helpers)
{
    char out[32];
    gs_echo_canonical_name("x-forwarded-FOR", 15, out);
    ck_assert_mem_eq(out, "X-Forwarded-For", 15);
    gs_echo_canonical_name("content-type2", 13, out);
    ck_assert_mem_eq(out, "Content-Type2", 13);
    gs_echo_canonical_name("we ird", 6, out);
    ck_assert_mem_eq(out, "we ird", 6);
    size_t n;
    const char *v = gs_echo_query_param("/p?delay=1s&x=2", 15, "x", &n);
    ck_assert_ptr_nonnull(v);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(v[0], '2');
    ck_assert_ptr_null(gs_echo_query_param("/p?xdelay=1", 11, "delay", &n));
    ck_assert_ptr_null(gs_echo_query_param("/p", 2, "delay", &n));
}
END_TEST

/* The byte-at-a-time definition gs_echo_json_plain must agree with. */
static bool plain_ref(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
            return false;
    }
    return true;
}

static uint64_t test_rng = 0x243f6a8885a308d3ull;

static unsigned test_rand(void)
{
    test_rng ^= test_rng << 13;
    test_rng ^= test_rng >> 7;
    test_rng ^= test_rng << 17;
    return (unsigned)(test_rng >> 16);
}

START_TEST(json_plain)
{
    /* Every byte value at every position of strings up to 19 bytes (both the 8-byte steps and
     * the tail), among plain neighbours and among bytes that borrow or carry in a word. */
    const char fills[] = {'a', ' ', '~', '!', '[', ']'};
    char buf[32];
    for (size_t f = 0; f < sizeof(fills); f++) {
        for (size_t len = 0; len < 20; len++) {
            memset(buf, fills[f], sizeof(buf));
            ck_assert(gs_echo_json_plain(buf, len));
            for (size_t pos = 0; pos < len; pos++) {
                for (int b = 0; b < 256; b++) {
                    memset(buf, fills[f], sizeof(buf));
                    buf[pos] = (char)b;
                    ck_assert_msg(gs_echo_json_plain(buf, len) == plain_ref(buf, len),
                                  "byte 0x%02x at %zu of %zu", b, pos, len);
                }
            }
        }
    }
    /* Random mixes weighted towards the edges (0x1f/0x20, 0x7e/0x7f/0x80, '"', '\\'). */
    const unsigned char edges[] = {0x00, 0x1f, 0x20, 0x21, 0x22, 0x5b, 0x5c, 0x5d,
                                   0x7e, 0x7f, 0x80, 0xa0, 0xdf, 0xe0, 0xfe, 0xff};
    for (int iter = 0; iter < 20000; iter++) {
        size_t len = test_rand() % 33;
        for (size_t i = 0; i < len; i++) {
            unsigned r = test_rand();
            buf[i] = (r & 3) == 0 ? (char)edges[(r >> 2) % sizeof(edges)]
                                  : (char)(0x20 + (r >> 2) % 0x5f);
        }
        ck_assert(gs_echo_json_plain(buf, len) == plain_ref(buf, len));
    }
}
END_TEST

/* The JSON echo written the slow, obvious way (gs_json_escape for every string, headers grouped
 * with a quadratic scan, names canonicalised through gs_echo_canonical_name and cut at 255). */
static void json_echo_ref(const gs_echo_ctx *ctx, const gs_echo_request *req, gs_buf *out)
{
    gs_buf_puts(out, "{\"path\":");
    gs_json_escape(out, req->target, req->target_len);
    gs_buf_puts(out, ",\"host\":");
    gs_json_escape(out, req->authority != NULL ? req->authority : "", req->authority_len);
    gs_buf_puts(out, ",\"method\":");
    gs_json_escape(out, req->method, req->method_len);
    gs_buf_puts(out, ",\"proto\":");
    gs_json_escape(out, req->proto, strlen(req->proto));
    gs_buf_puts(out, ",\"headers\":{");
    bool first = true;
    for (size_t i = 0; i < req->n_headers; i++) {
        const gs_echo_header *h = &req->headers[i];
        if (h->name_len == 4 && strncasecmp(h->name, "host", 4) == 0)
            continue;
        bool seen = false;
        for (size_t k = 0; k < i; k++)
            if (req->headers[k].name_len == h->name_len &&
                strncasecmp(req->headers[k].name, h->name, h->name_len) == 0)
                seen = true;
        if (seen)
            continue;
        char canon[256];
        size_t n = h->name_len < 255 ? h->name_len : 255;
        gs_echo_canonical_name(h->name, n, canon);
        if (!first)
            gs_buf_putc(out, ',');
        first = false;
        gs_json_escape(out, canon, n);
        gs_buf_puts(out, ":[");
        bool fv = true;
        for (size_t k = i; k < req->n_headers; k++) {
            const gs_echo_header *o = &req->headers[k];
            if (o->name_len == h->name_len && strncasecmp(o->name, h->name, h->name_len) == 0) {
                if (!fv)
                    gs_buf_putc(out, ',');
                fv = false;
                gs_json_escape(out, o->value, o->value_len);
            }
        }
        gs_buf_putc(out, ']');
    }
    gs_buf_puts(out, "},\"namespace\":");
    gs_json_escape(out, ctx->cfg->ns, strlen(ctx->cfg->ns));
    gs_buf_puts(out, ",\"ingress\":\"\",\"service\":");
    gs_json_escape(out, ctx->cfg->name, strlen(ctx->cfg->name));
    gs_buf_puts(out, ",\"pod\":");
    gs_json_escape(out, ctx->cfg->replica, strlen(ctx->cfg->replica));
    gs_buf_printf(out, ",\"httpPort\":\"%d\",\"backend\":", req->local_port);
    gs_json_escape(out, ctx->backend, strlen(ctx->backend));
    if (req->tls != NULL) {
        gs_buf_puts(out, ",\"tls\":{\"version\":");
        gs_json_escape(out, req->tls->version, strlen(req->tls->version));
        gs_buf_puts(out, ",\"serverName\":");
        gs_json_escape(out, req->tls->server_name, strlen(req->tls->server_name));
        gs_buf_puts(out, ",\"negotiatedProtocol\":");
        gs_json_escape(out, req->tls->alpn, strlen(req->tls->alpn));
        gs_buf_puts(out, ",\"cipherSuite\":");
        gs_json_escape(out, req->tls->cipher, strlen(req->tls->cipher));
        if (req->peer_cert != NULL) {
            gs_buf_puts(out, ",\"peerCertificates\":[");
            gs_json_escape(out, req->peer_cert, strlen(req->peer_cert));
            gs_buf_putc(out, ']');
        }
        gs_buf_putc(out, '}');
    }
    gs_buf_puts(out, "}\n");
}

static void rand_bytes(char *out, size_t n, bool odd)
{
    static const char plain[] = "abcXYZ-09 /.:;=_~";
    static const char weird[] = "\"\\\n\t\x01\x7f\x80\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xff";
    for (size_t i = 0; i < n; i++) {
        unsigned r = test_rand();
        out[i] = odd && r % 5 == 0 ? weird[(r >> 3) % (sizeof(weird) - 1)]
                                   : plain[(r >> 3) % (sizeof(plain) - 1)];
    }
}

START_TEST(json_echo_matches_reference)
{
    fixture f;
    fx_init(&f);
    static const char *names[] = {"Host", "x-forwarded-for", "X-FORWARDED-FOR", "accept",
                                  "Accept", "x_odd", "content-type", "we ird", "HOST"};
    char long_name[300];
    memset(long_name, 'k', sizeof(long_name));
    long_name[3] = '-';
    gs_tls_info tls = {"TLSv1.3", "TLS_AES_128_GCM_SHA256", "sni\"x", "h2"};
    char store[40][64], target[80], authority[40];
    gs_echo_header h[40];
    gs_buf want = {0};
    for (int iter = 0; iter < 500; iter++) {
        size_t nh = test_rand() % 12;
        bool odd = iter % 2 == 1;
        for (size_t i = 0; i < nh; i++) {
            unsigned r = test_rand();
            size_t vl = r % 40;
            rand_bytes(store[i], vl, odd);
            if (r % 17 == 0) {
                h[i] = (gs_echo_header){long_name, sizeof(long_name), store[i], vl};
            } else if (r % 13 == 0) {
                rand_bytes(store[20 + i], 10, true);
                h[i] = (gs_echo_header){store[20 + i], 10, store[i], vl};
            } else {
                const char *n = names[(r >> 5) % GS_ARRAY_LEN(names)];
                h[i] = (gs_echo_header){n, strlen(n), store[i], vl};
            }
        }
        size_t tl = 1 + test_rand() % 70;
        target[0] = '/';
        rand_bytes(target + 1, tl - 1, odd);
        rand_bytes(authority, 20, odd);
        gs_echo_request req = mkreq("GET", "/", h, nh);
        req.target = target;
        req.target_len = tl;
        req.authority = iter % 7 == 0 ? NULL : authority;
        req.authority_len = iter % 7 == 0 ? 0 : 20;
        req.local_port = 1000 + iter;
        req.tls = iter % 3 == 0 ? &tls : NULL;
        req.peer_cert = iter % 6 == 0 ? "-----BEGIN CERTIFICATE-----\nAA==\n" : NULL;
        /* keep clear of /status/ and /health, which do not answer with the JSON echo */
        if (tl >= 7 && (memcmp(target, "/status", 7) == 0 || memcmp(target, "/health", 7) == 0))
            continue;
        gs_echo_handle(&f.ctx, &req, &f.resp);
        gs_buf_reset(&want);
        json_echo_ref(&f.ctx, &req, &want);
        ck_assert_uint_eq(f.resp.body.len, want.len);
        ck_assert_mem_eq(f.resp.body.data, want.data, want.len);
        ck_assert_int_eq(f.resp.body.data[f.resp.body.len], '\0');
    }
    gs_buf_clear(&want);
    fx_free(&f);
}
END_TEST

static Suite *handler_suite(void)
{
    Suite *s = suite_create("echo_handler");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, json_echo);
    tcase_add_test(tc, status_health_delay_set_header);
    tcase_add_test(tc, faults);
    tcase_add_test(tc, grpc_echo_and_errors);
    tcase_add_test(tc, grpc_conformance_service);
    tcase_add_test(tc, fail_n_times_then_succeed);
    tcase_add_test(tc, fail_by_dropping_the_connection);
    tcase_add_test(tc, request_log_and_control);
    tcase_add_test(tc, control_behaviour);
    tcase_add_test(tc, helpers);
    tcase_add_test(tc, json_plain);
    tcase_add_test(tc, json_echo_matches_reference);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return gs_test_run(handler_suite());
}
