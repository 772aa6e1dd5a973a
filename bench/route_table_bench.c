/* SPDX-License-Identifier: MIT */
/* Route-table benchmark: compiles N HTTPRoutes spread over N/10 hostnames (10 routes per host,
 * two rules each: a PathPrefix with a header match, an Exact path with a method) and measures
 * compile time and lookup cost per request at 10 and at N routes (plus N routes on one
 * hostname, and N routes with traffic on 10 of them: warm caches). Requests target a uniformly
 * random route (at N routes the worst case for caches); names are zero-padded so requests have
 * the same length at every size. Prints one line per case and the ratio; run by
 * bench/route_table.sh. */
#include "gs_route_table.h"

#include "gs_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* CPU time of this thread: the machine is shared, and time spent descheduled is not ours. */
static int64_t bench_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Resident memory of the process in MiB (Linux), 0 if unknown. */
static double bench_rss_mib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, rss = 0;
    if (f == NULL)
        return 0;
    if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
        rss = 0;
    fclose(f);
    return (double)rss * 4096 / (1 << 20);
}

typedef struct bench_req {
    char host[64];
    char path[96];
} bench_req;

static uint64_t bench_rand_state = 0x9e3779b97f4a7c15ULL;
static int bench_width = 5; /* digits of the largest route number */

static uint32_t bench_rand(void)
{
    bench_rand_state ^= bench_rand_state << 13;
    bench_rand_state ^= bench_rand_state >> 7;
    bench_rand_state ^= bench_rand_state << 17;
    return (uint32_t)(bench_rand_state >> 16);
}

/* Builds a table of |n_routes| routes over |n_hosts| hostnames; returns compile seconds. */
static double bench_build(gs_route_table **out, size_t n_routes, size_t n_hosts)
{
    gs_route_table *t;
    gs_route_table_new(&t, NULL);
    gs_rt_listener l = {.gateway_namespace = "infra",
                        .gateway_name = "gw",
                        .name = "http",
                        .port = 80,
                        .protocol = GS_RT_PROTO_HTTP};
    size_t li;
    gs_route_table_add_listener(t, &l, &li, NULL);
    int64_t t0 = gs_now_ns();
    for (size_t i = 0; i < n_routes; i++) {
        char name[32], host[64], prefix[64], exact[64];
        snprintf(name, sizeof(name), "route-%zu", i);
        snprintf(host, sizeof(host), "h%0*zu.example.com", bench_width, i % n_hosts);
        snprintf(prefix, sizeof(prefix), "/r%0*zu/api", bench_width, i);
        snprintf(exact, sizeof(exact), "/r%0*zu/health", bench_width, i);
        const char *hosts[] = {host};
        gs_rt_kv_match hm = {.name = "x-env", .value = "prod"};
        gs_rt_match m0[] = {
            {.path = {.type = GS_RT_MATCH_PREFIX, .value = prefix}, .headers = &hm, .n_headers = 1},
            {.path = {.type = GS_RT_MATCH_PREFIX, .value = prefix}}};
        gs_rt_match m1 = {.path = {.type = GS_RT_MATCH_EXACT, .value = exact}, .method = "GET"};
        gs_rt_backend b[] = {{.namespace = "default", .name = "stable", .port = 80, .weight = 95},
                             {.namespace = "default", .name = "canary", .port = 80, .weight = 5}};
        gs_rt_rule rules[] = {{.matches = m0, .n_matches = 2, .backends = b, .n_backends = 2},
                              {.matches = &m1, .n_matches = 1, .backends = b, .n_backends = 1}};
        gs_rt_route r = {.kind = GS_RT_ROUTE_HTTP,
                         .namespace = "default",
                         .name = name,
                         .created = (int64_t)i,
                         .hostnames = hosts,
                         .n_hostnames = 1,
                         .rules = rules,
                         .n_rules = 2};
        gs_error err;
        if (gs_route_table_add_route(t, &r, &li, 1, &err) < 0) {
            fprintf(stderr, "route_table_bench: %s\n", err.msg);
            exit(1);
        }
    }
    gs_route_table_compile(t, NULL);
    double secs = (double)(gs_now_ns() - t0) / 1e9;
    *out = t;
    return secs;
}

/* Appends the decimal form of |v| at |p|, zero-padded to |width| digits; returns the end. */
static char *bench_utoa(char *p, uint32_t v, int width)
{
    char tmp[12];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (width-- > n)
        *p++ = '0';
    while (n)
        *p++ = tmp[--n];
    return p;
}

/* Which routes requests go to: all |n_routes| uniformly, or the |n_hot| routes of |hot|. */
typedef struct bench_mix {
    size_t n_routes, n_hosts;
    const uint32_t *hot;
    size_t n_hot;
} bench_mix;

/* Writes a request for a random route into |host|/|path| (as a parser would have just done, so
 * the request bytes are hot in cache as they are in a data plane). */
static void bench_make_request(const bench_mix *mix, uint32_t r, bench_req *q, size_t *host_len,
                               size_t *path_len)
{
    uint32_t idx = mix->n_hot ? mix->hot[(r >> 8) % mix->n_hot] : r % (uint32_t)mix->n_routes;
    char *p = q->host;
    *p++ = 'h';
    p = bench_utoa(p, idx % (uint32_t)mix->n_hosts, bench_width);
    memcpy(p, ".example.com", 12);
    p += 12;
    *host_len = (size_t)(p - q->host);
    p = q->path;
    *p++ = '/';
    *p++ = 'r';
    p = bench_utoa(p, idx, bench_width);
    if (r & 0x80000000u) {
        memcpy(p, "/api/items/", 11);
        p = bench_utoa(p + 11, r % 1000, 3);
        memcpy(p, "?q=1", 4);
        p += 4;
    } else {
        memcpy(p, "/health", 7);
        p += 7;
    }
    *path_len = (size_t)(p - q->path);
}

/* Returns nanoseconds per lookup over |iters| requests for random routes of the table, minus
 * the cost of writing the requests (measured in a separate loop). */
static double bench_lookup(const gs_route_table *t, const bench_mix *mix, size_t iters)
{
    const gs_rt_port *port = gs_route_table_port(t, 0);
    gs_rt_header h = {.name = "x-env", .name_len = 5, .value = "prod", .value_len = 4};
    bench_req q;
    size_t hl, pl, matched = 0, sink = 0;
    uint64_t state = bench_rand_state;
    int64_t t0 = bench_cpu_ns();
    for (size_t i = 0; i < iters; i++) {
        bench_make_request(mix, bench_rand(), &q, &hl, &pl);
        sink += hl + pl + (unsigned char)q.path[pl - 1];
    }
    int64_t t1 = bench_cpu_ns();
    bench_rand_state = state;
    for (size_t i = 0; i < iters; i++) {
        bench_make_request(mix, bench_rand(), &q, &hl, &pl);
        sink += hl + pl + (unsigned char)q.path[pl - 1];
        gs_rt_request req = {.host = q.host,
                             .host_len = hl,
                             .method = "GET",
                             .method_len = 3,
                             .path = q.path,
                             .path_len = pl,
                             .headers = &h,
                             .n_headers = 1};
        gs_rt_result res;
        gs_route_table_lookup(t, port, &req, &res);
        matched += res.outcome == GS_RT_MATCHED;
    }
    int64_t t2 = bench_cpu_ns();
    if (matched != iters || sink == 0) {
        fprintf(stderr, "route_table_bench: %zu of %zu lookups did not match\n", iters - matched,
                iters);
        exit(1);
    }
    return ((double)(t2 - t1) - (double)(t1 - t0)) / (double)iters;
}

int main(int argc, char **argv)
{
    size_t big = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000;
    size_t iters = argc > 2 ? strtoul(argv[2], NULL, 10) : 2000000;
    if (big < 10)
        big = 10;
    bench_width = snprintf(NULL, 0, "%zu", big - 1);
    gs_route_table *small_t, *big_t, *one_host_t;
    double c_small = bench_build(&small_t, 10, 1);
    double rss0 = bench_rss_mib();
    double c_big = bench_build(&big_t, big, big / 10);
    double rss_big = bench_rss_mib() - rss0;
    double c_one = bench_build(&one_host_t, big, 1);
    /* Warm: all traffic on 10 routes of the big table, spread over its hostnames. */
    uint32_t hot[10];
    for (size_t i = 0; i < 10; i++)
        hot[i] = (uint32_t)(bench_rand() % big);
    bench_mix m_small = {10, 1, NULL, 0}, m_big = {big, big / 10, NULL, 0};
    bench_mix m_warm = {big, big / 10, hot, 10}, m_one = {big, 1, NULL, 0};
    /* The machine is shared and noisy: interleave rounds and keep each case's fastest round
     * (interference only ever adds time). */
    enum { ROUNDS = 11 };
    double l_small = 1e18, l_big = 1e18, l_one = 1e18, l_warm = 1e18;
    bench_lookup(small_t, &m_small, iters / ROUNDS);
    bench_lookup(big_t, &m_big, iters / ROUNDS);
    for (int r = 0; r < ROUNDS; r++) {
        double v = bench_lookup(small_t, &m_small, iters / ROUNDS);
        l_small = v < l_small ? v : l_small;
        v = bench_lookup(big_t, &m_big, iters / ROUNDS);
        l_big = v < l_big ? v : l_big;
        v = bench_lookup(big_t, &m_warm, iters / ROUNDS / 2);
        l_warm = v < l_warm ? v : l_warm;
        v = bench_lookup(one_host_t, &m_one, iters / ROUNDS);
        l_one = v < l_one ? v : l_one;
    }
    printf("routes=10 hostnames=1 compile_ms=%.2f lookup_ns=%.1f\n", c_small * 1e3, l_small);
    printf("routes=%zu hostnames=%zu compile_ms=%.2f lookup_ns=%.1f (uniformly random routes) "
           "table_mib=%.1f\n",
           big, big / 10, c_big * 1e3, l_big, rss_big);
    printf("routes=%zu hostnames=%zu lookup_ns=%.1f (warm: traffic on 10 of the routes)\n", big,
           big / 10, l_warm);
    printf("routes=%zu hostnames=1 compile_ms=%.2f lookup_ns=%.1f\n", big, c_one * 1e3, l_one);
    printf("lookup_ratio=%.2f (goal <= 2.00) compile_s=%.3f (goal < 1.000) warm_ratio=%.2f\n",
           l_big / l_small, c_big, l_warm / l_small);
    gs_route_table_free(small_t);
    gs_route_table_free(big_t);
    gs_route_table_free(one_host_t);
    return 0;
}
