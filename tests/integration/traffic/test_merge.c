/* SPDX-License-Identifier: MIT */
/* `gatesim load --shard I/N` and `gatesim merge`: four shards of one run merged give the sum of
 * their totals and percentiles within one bucket of the histogram of all their samples (built
 * here from the shards' own histograms); shards never share a request index; bad inputs are
 * refused with the file and field; thresholds on the merged result set the exit code. */
#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_json_parse.h"
#include "gs_test.h"
#include "traffic_it.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Adds the histogram of a result's JSON to |h| bucket by bucket. */
static void add_json_histogram(gs_histogram *h, const gs_json_value *doc)
{
    const gs_json_value *o = gs_json_get(doc, "latencyHistogram");
    const gs_json_value *buckets = gs_json_get(o, "buckets");
    gs_histogram *one;
    gs_histogram_new(&one);
    for (size_t k = 0; k < buckets->len; k++) {
        const gs_json_value *b = gs_json_at(buckets, k);
        gs_histogram_add_bucket(one, gs_histogram_bucket_of((int64_t)b->items[0]->number),
                                (uint64_t)b->items[1]->number);
    }
    gs_histogram_add_stats(one, (int64_t)it_json_num(o, "min"), (int64_t)it_json_num(o, "max"),
                           it_json_num(o, "sum"));
    gs_histogram_merge(h, one);
    gs_histogram_free(one);
}

START_TEST(four_shards_merge_to_their_sum)
{
    unsigned port;
    gs_proc *srv = it_python("fault_server.py", &port);
    char *dir = it_tmpdir();
    gs_buf out = {0};
    gs_histogram *all;
    gs_histogram_new(&all);
    double requests = 0, responses = 0, ok = 0, scheduled = 0;
    for (int i = 1; i <= 4; i++) {
        /* 203 requests over 4 shards: 51, 51, 51, 50 */
        char *args = gs_xasprintf("load --shard %d/4 -n 203 -r 2000 -c 2 -o json "
                                  "http://127.0.0.1:%u/ok",
                                  i, port);
        ck_assert_int_eq(it_gatesim(args, &out), 0);
        gs_json_value *v = it_json_first_line(&out);
        const gs_json_value *set = gs_json_get(v, "settings");
        ck_assert(it_json_num(set, "shard") == i && it_json_num(set, "shards") == 4);
        ck_assert(it_json_num(set, "requests") == (i <= 3 ? 51 : 50));
        ck_assert(it_json_num(set, "rate") == 500);
        requests += it_json_num(v, "requests");
        responses += it_json_num(v, "responses");
        scheduled += it_json_num(v, "scheduled");
        /* an open loop on a loaded machine may miss every request of a shard (its process
         * started after the shard's schedule ended): then it has no 200 at all */
        ok += gs_json_get_number(gs_json_get(v, "statuses"), "200", 0);
        add_json_histogram(all, v);
        char *path = gs_xasprintf("%s/shard%d.json", dir, i);
        it_write_file(path, out.data, strcspn(out.data, "\n"));
        free(path);
        gs_json_value_free(v);
        free(args);
    }
    ck_assert(scheduled == 203);

    char *args = gs_xasprintf("merge -o json --percentiles 50,90,99,99.9,100 %s/shard1.json "
                              "%s/shard2.json %s/shard3.json %s/shard4.json",
                              dir, dir, dir, dir);
    ck_assert_int_eq(it_gatesim(args, &out), 0);
    free(args);
    gs_json_value *m = it_json_first_line(&out);
    ck_assert(it_json_num(m, "requests") == requests);
    ck_assert(it_json_num(m, "responses") == responses);
    ck_assert(it_json_num(m, "scheduled") == 203);
    ck_assert(gs_json_get_number(gs_json_get(m, "statuses"), "200", 0) == ok);
    const gs_json_value *set = gs_json_get(m, "settings");
    ck_assert(it_json_num(set, "merged") == 4);
    ck_assert(it_json_num(set, "requests") == 203);
    ck_assert(it_json_num(set, "rate") == 2000);
    ck_assert(it_json_num(set, "connections") == 8);
    ck_assert(it_json_num(gs_json_get(m, "latencyHistogram"), "count") == responses);
    /* percentiles of the merged result within one bucket of the histogram of all samples */
    const gs_json_value *pl = gs_json_get(gs_json_get(m, "percentilesMs"), "latency");
    static const char *const pcts[] = {"50", "90", "99", "99.9", "100"};
    for (size_t k = 0; k < sizeof(pcts) / sizeof(pcts[0]); k++) {
        int64_t merged = (int64_t)llround(it_json_num(pl, pcts[k]) * 1e6);
        int64_t want = gs_histogram_percentile(all, strtod(pcts[k], NULL));
        long diff = (long)gs_histogram_bucket_of(merged) - (long)gs_histogram_bucket_of(want);
        ck_assert_msg(labs(diff) <= 1, "p%s: merged %lld ns, all samples %lld ns", pcts[k],
                      (long long)merged, (long long)want);
    }
    gs_json_value_free(m);

    /* text output names the merge; a threshold on the merged result sets the exit code */
    args = gs_xasprintf("merge --threshold 'errors<1%%' %s/shard1.json %s/shard2.json", dir, dir);
    ck_assert_int_eq(it_gatesim(args, &out), 0);
    ck_assert_msg(strstr(out.data, "(2 results merged)") && strstr(out.data, "pass errors<1%"),
                  "%s", out.data);
    free(args);
    args = gs_xasprintf("merge --threshold 'p50<1ns' %s/shard1.json %s/shard2.json", dir, dir);
    ck_assert_int_eq(it_gatesim(args, &out), 1);
    free(args);

    /* bad inputs: the file and the field are named, exit 2 */
    char *bad = gs_xasprintf("%s/bad.json", dir);
    it_write_file(bad, "{\"requests\": 1", 14);
    args = gs_xasprintf("merge %s", bad);
    ck_assert_int_eq(it_gatesim(args, &out), 2);
    ck_assert_msg(strstr(out.data, bad) != NULL, "%s", out.data);
    free(args);
    const char *other =
        "{\"settings\":{\"connections\":1,\"streams\":1,\"threads\":1},\"requests\":0,"
        "\"responses\":0,\"durationSeconds\":1,\"rps\":0,\"warmupRequests\":0,"
        "\"abandoned\":0,\"connections\":0,\"bytesReceived\":0,\"errors\":{"
        "\"connect\":0,\"tls\":0,\"timeout\":0,\"protocol\":0,\"reset\":0},"
        "\"latencyHistogram\":{\"layout\":\"other\",\"buckets\":[]}}";
    it_write_file(bad, other, strlen(other));
    args = gs_xasprintf("merge %s/shard1.json %s", dir, bad);
    ck_assert_int_eq(it_gatesim(args, &out), 2);
    ck_assert_msg(strstr(out.data, "latencyHistogram has another bucket layout"), "%s", out.data);
    free(args);
    args = gs_xasprintf("merge %s/none.json", dir);
    ck_assert_int_eq(it_gatesim(args, &out), 2);
    ck_assert_msg(strstr(out.data, "cannot read"), "%s", out.data);
    free(args);
    ck_assert_int_eq(it_gatesim("merge", &out), 2);
    free(bad);

    /* --shard usage errors */
    static const char *const shard_errors[] = {"0/4", "5/4", "x", "1/0", "1/4x"};
    for (size_t k = 0; k < sizeof(shard_errors) / sizeof(shard_errors[0]); k++) {
        args = gs_xasprintf("load --shard %s -n 10 http://127.0.0.1:%u/ok", shard_errors[k], port);
        ck_assert_int_eq(it_gatesim(args, &out), 2);
        ck_assert_msg(strstr(out.data, "bad --shard"), "%s", out.data);
        free(args);
    }
    args = gs_xasprintf("load --shard 3/4 -n 2 http://127.0.0.1:%u/ok", port);
    ck_assert_int_eq(it_gatesim(args, &out), 2);
    ck_assert_msg(strstr(out.data, "smaller than the number of shards"), "%s", out.data);
    free(args);
    gs_histogram_free(all);
    gs_buf_clear(&out);
    it_rmdir(dir);
    it_stop(srv);
}
END_TEST

/* The engine side of sharding: with stride 4 and offset 2 every index is 2 mod 4, and the
 * request ids carry the same numbers. */
START_TEST(shard_indexes_do_not_overlap)
{
    unsigned port;
    gs_proc *srv = it_python("fault_server.py", &port);
    char addr[64];
    snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
    gs_traffic_config cfg;
    gs_traffic_config_init(&cfg);
    cfg.address = addr;
    cfg.path = "/ok";
    cfg.requests = 100;
    cfg.connections = 2;
    cfg.threads = 2;
    cfg.index_stride = 4;
    cfg.index_offset = 2;
    cfg.request_id_prefix = "s-";
    gs_traffic_result *r = it_run(&cfg);
    ck_assert_uint_eq(r->responses, 100);
    ck_assert_uint_eq(it_seen_data.calls, 100);
    ck_assert_uint_eq(it_seen_data.duplicate_index, 0);
    ck_assert_uint_eq(it_seen_data.ids_seen, 100);
    unsigned seen = 0;
    for (size_t i = 0; i < sizeof(it_seen_data.index_seen); i++) {
        if (it_seen_data.index_seen[i]) {
            ck_assert_msg(i % 4 == 2, "index %zu", i);
            seen++;
        }
    }
    ck_assert_uint_eq(seen, 100);
    gs_traffic_result_free(r);
    it_stop(srv);
}
END_TEST

static Suite *merge_suite(void)
{
    Suite *s = suite_create("traffic_merge");
    TCase *tc = tcase_create("merge");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, four_shards_merge_to_their_sum);
    tcase_add_test(tc, shard_indexes_do_not_overlap);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return gs_test_run(merge_suite());
}
