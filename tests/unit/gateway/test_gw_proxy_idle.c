/* SPDX-License-Identifier: MIT */
/* Idle connections are closed, busy ones are not: with a 1 s idle timeout, an HTTP/1.1
 * keep-alive connection that says nothing more is closed after it, an h2c connection after
 * twice it, and an h2c connection that keeps sending frames stays open well past both (the lazy
 * timer follows the moving deadline). Bounds are "not before" and a generous "within"; the busy
 * client sends every 150 ms, so only a client thread starved for nearly 2 s (a loaded machine)
 * could look idle. */
#include "gw_fixture.h"

#include "gs_buf.h"
#include "gs_test.h"
#include "gs_time.h"

#include <poll.h>
#include <string.h>
#include <unistd.h>

static void build_simple(gs_route_table *t)
{
    gwf_catch_all(t, gwf_listener(t, "http", 80, GS_RT_PROTO_HTTP, NULL), "v1", NULL);
}

#define IDLE_MS 1000
#define WITHIN_MS 60000 /* "closed within": generous, the close ends the wait */

static gwf fix;

static void setup(void)
{
    gwf_idle_timeout_ms = IDLE_MS;
    gwf_start(&fix, build_simple);
}

static void teardown(void)
{
    gwf_stop(&fix);
}

/* Reads and discards until EOF or |ms| pass; returns the ms it took to see EOF, -1 on timeout. */
static int64_t until_closed(int fd, int64_t ms)
{
    int64_t t0 = gs_now_ns(), deadline = t0 + ms * GS_NS_PER_MS;
    char buf[4096];
    while (gs_now_ns() < deadline) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0)
            continue;
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0)
            return (gs_now_ns() - t0) / GS_NS_PER_MS;
    }
    return -1;
}

static void h2_frame(int fd, uint8_t type, const void *payload, uint32_t len)
{
    uint8_t hd[9] = {(uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len, type, 0, 0, 0, 0, 0};
    ck_assert_int_eq((int)write(fd, hd, sizeof hd), 9);
    if (len)
        ck_assert_int_eq((int)write(fd, payload, len), (int)len);
}

static int h2_open(void)
{
    int fd = gwf_connect(fix.gw_port);
    const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    ck_assert_int_eq((int)write(fd, preface, sizeof preface - 1), (int)sizeof preface - 1);
    h2_frame(fd, 0x4, NULL, 0); /* SETTINGS */
    return fd;
}

START_TEST(idle_h1_keep_alive_closed)
{
    int fd = gwf_connect(fix.gw_port);
    const char *req = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";
    ck_assert_int_eq((int)write(fd, req, strlen(req)), (int)strlen(req));
    int64_t t0 = gs_now_ns();
    int64_t ms = until_closed(fd, WITHIN_MS); /* the response, then silence, then the close */
    int64_t since = (gs_now_ns() - t0) / GS_NS_PER_MS;
    close(fd);
    ck_assert_msg(ms >= 0, "idle keep-alive connection still open after %d ms", WITHIN_MS);
    ck_assert_msg(since >= IDLE_MS - 50, "closed after %lld ms, before the %d ms idle timeout",
                  (long long)since, IDLE_MS);
}
END_TEST

START_TEST(idle_h2_closed_after_twice_idle)
{
    int fd = h2_open();
    int64_t ms = until_closed(fd, WITHIN_MS);
    close(fd);
    ck_assert_msg(ms >= 0, "idle h2c connection still open after %d ms", WITHIN_MS);
    ck_assert_msg(ms >= 2 * IDLE_MS - 50, "closed after %lld ms, before 2 x %d ms", (long long)ms,
                  IDLE_MS);
}
END_TEST

START_TEST(busy_h2_stays_open)
{
    int fd = h2_open();
    int64_t t0 = gs_now_ns();
    const uint8_t ping[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    char buf[4096];
    while (gs_now_ns() - t0 < 5 * IDLE_MS * GS_NS_PER_MS) { /* 2.5 x the 2 x IDLE_MS limit */
        h2_frame(fd, 0x6, ping, sizeof ping);
        int64_t until = gs_now_ns() + 150 * GS_NS_PER_MS;
        while (gs_now_ns() < until) {
            struct pollfd p = {.fd = fd, .events = POLLIN};
            if (poll(&p, 1, 20) > 0)
                ck_assert_msg(read(fd, buf, sizeof buf) > 0, "closed while busy, after %lld ms",
                              (long long)((gs_now_ns() - t0) / GS_NS_PER_MS));
        }
    }
    close(fd);
}
END_TEST

/* A request whose answer takes longer than twice the idle timeout (a slow backend, a long poll,
 * a server-streaming call): the client has nothing more to send, and its connection is not
 * idle. HEADERS with END_STREAM for /__delay/3000 (the fixture's upstream answers after 3 s),
 * then silence: the response arrives, and only then does the idle clock run. */
START_TEST(h2_waiting_for_a_slow_answer_stays_open)
{
    int fd = h2_open();
    /* HPACK: :method GET (idx 2), :scheme http (idx 6), :path literal without indexing
     * (name idx 4), :authority literal without indexing (name idx 1) */
    static const char path[] = "/__delay/3000", host[] = "example.com";
    uint8_t blk[64];
    size_t n = 0;
    blk[n++] = 0x82;
    blk[n++] = 0x86;
    blk[n++] = 0x04;
    blk[n++] = (uint8_t)(sizeof path - 1);
    memcpy(blk + n, path, sizeof path - 1);
    n += sizeof path - 1;
    blk[n++] = 0x01;
    blk[n++] = (uint8_t)(sizeof host - 1);
    memcpy(blk + n, host, sizeof host - 1);
    n += sizeof host - 1;
    uint8_t hd[9] = {0, 0, (uint8_t)n, 0x1, 0x5 /* END_STREAM | END_HEADERS */, 0, 0, 0, 1};
    ck_assert_int_eq((int)write(fd, hd, sizeof hd), 9);
    ck_assert_int_eq((int)write(fd, blk, n), (int)n);
    /* Read frames until stream 1's HEADERS arrives or the connection closes. */
    int64_t t0 = gs_now_ns();
    gs_buf in = {0};
    bool answered = false, closed = false;
    while (!answered && !closed && gs_now_ns() - t0 < (int64_t)WITHIN_MS * GS_NS_PER_MS) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0)
            continue;
        char buf[4096];
        ssize_t r = read(fd, buf, sizeof buf);
        if (r <= 0) {
            closed = true;
            break;
        }
        gs_buf_append(&in, buf, (size_t)r);
        size_t off = 0;
        while (in.len - off >= 9) {
            const uint8_t *f = (const uint8_t *)in.data + off;
            size_t len = ((size_t)f[0] << 16) | ((size_t)f[1] << 8) | f[2];
            uint32_t sid = ((uint32_t)(f[5] & 0x7f) << 24) | ((uint32_t)f[6] << 16) |
                           ((uint32_t)f[7] << 8) | f[8];
            if (in.len - off < 9 + len)
                break;
            if (f[3] == 0x1 && sid == 1)
                answered = true;
            off += 9 + len;
        }
    }
    int64_t ms = (gs_now_ns() - t0) / GS_NS_PER_MS;
    gs_buf_clear(&in);
    close(fd);
    ck_assert_msg(!closed, "the connection was closed after %lld ms while its request waited for "
                  "the backend (idle limit 2 x %d ms)", (long long)ms, IDLE_MS);
    ck_assert_msg(answered, "no response in %d ms", WITHIN_MS);
    ck_assert_msg(ms >= 3000 - 50, "answered after %lld ms, before the backend's 3 s delay",
                  (long long)ms);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gw_proxy_idle");
    TCase *tc = tcase_create("idle");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, idle_h1_keep_alive_closed);
    tcase_add_test(tc, idle_h2_closed_after_twice_idle);
    tcase_add_test(tc, busy_h2_stays_open);
    tcase_add_test(tc, h2_waiting_for_a_slow_answer_stays_open);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
