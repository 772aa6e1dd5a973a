/* SPDX-License-Identifier: MIT */
/* gatesim-echo request log: ring wrap-around, since/limit paging, counters, reset. */
#include "echo_log.h"
#include "gs_test.h"

#include <stdio.h>
#include <string.h>

static void add(gs_echo_log *log, const char *id, const char *path, int status)
{
    gs_echo_log_entry e = {
        .request_id = id,
        .request_id_len = id != NULL ? strlen(id) : 0,
        .method = "GET",
        .method_len = 3,
        .path = path,
        .path_len = strlen(path),
        .proto = "HTTP/1.1",
        .status = status,
    };
    gs_echo_log_add(log, &e);
}

START_TEST(ring_and_paging)
{
    gs_echo_log *log;
    gs_echo_log_new(&log, 3);
    add(log, "a", "/x?q=1", 200);
    add(log, NULL, "/x", 200); /* counted, not logged */
    add(log, "b", "/y", 503);
    gs_buf b = {0};
    gs_echo_log_requests_json(log, 0, 0, &b);
    ck_assert_str_eq(
        b.data, "{\"requests\":[{\"seq\":1,\"id\":\"a\",\"method\":\"GET\",\"path\":\"/x?q=1\","
                "\"proto\":\"HTTP/1.1\",\"status\":200},{\"seq\":2,\"id\":\"b\",\"method\":"
                "\"GET\",\"path\":\"/y\",\"proto\":\"HTTP/1.1\",\"status\":503}],\"next\":2,"
                "\"dropped\":0}");
    add(log, "c", "/z", 200);
    add(log, "d", "/z", 200);
    add(log, "e", "/z", 200); /* a and b fall out */
    gs_buf_reset(&b);
    gs_echo_log_requests_json(log, 0, 0, &b);
    ck_assert_ptr_null(strstr(b.data, "\"id\":\"a\""));
    ck_assert_ptr_nonnull(strstr(b.data, "\"id\":\"c\""));
    ck_assert_ptr_nonnull(strstr(b.data, "\"next\":5,\"dropped\":2"));
    gs_buf_reset(&b);
    gs_echo_log_requests_json(log, 3, 1, &b);
    ck_assert_str_eq(b.data,
                     "{\"requests\":[{\"seq\":4,\"id\":\"d\",\"method\":\"GET\",\"path\":\"/z\","
                     "\"proto\":\"HTTP/1.1\",\"status\":200}],\"next\":4,\"dropped\":0}");
    gs_buf_reset(&b);
    gs_echo_log_requests_json(log, 5, 0, &b);
    ck_assert_str_eq(b.data, "{\"requests\":[],\"next\":5,\"dropped\":0}");

    gs_buf_reset(&b);
    gs_echo_log_stats_json(log, &b);
    ck_assert_ptr_nonnull(strstr(b.data, "\"requests\":6"));
    ck_assert_ptr_nonnull(strstr(b.data, "\"paths\":{\"/x\":2,\"/y\":1,\"/z\":3}"));
    ck_assert_ptr_nonnull(strstr(b.data, "\"statuses\":{\"200\":5,\"503\":1}"));

    gs_echo_log_reset(log);
    gs_buf_reset(&b);
    gs_echo_log_requests_json(log, 0, 0, &b);
    ck_assert_ptr_nonnull(strstr(b.data, "\"requests\":[]"));
    add(log, "f", "/w", 200);
    gs_buf_reset(&b);
    gs_echo_log_requests_json(log, 5, 0, &b);
    ck_assert_ptr_nonnull(strstr(b.data, "\"seq\":6,\"id\":\"f\""));
    gs_buf_clear(&b);
    gs_echo_log_free(log);
}
END_TEST

START_TEST(path_table_is_bounded)
{
    gs_echo_log *log;
    gs_echo_log_new(&log, 4);
    char path[32];
    for (int i = 0; i < 1100; i++) {
        snprintf(path, sizeof(path), "/p%d", i);
        add(log, NULL, path, 200);
    }
    gs_buf b = {0};
    gs_echo_log_stats_json(log, &b);
    ck_assert_ptr_nonnull(strstr(b.data, "\"(other)\":76"));
    gs_echo_log_count(log, "accepted");
    gs_echo_log_count(log, "accepted");
    gs_buf_reset(&b);
    gs_echo_log_stats_json(log, &b);
    ck_assert_ptr_nonnull(strstr(b.data, "\"events\":{\"accepted\":2}"));
    gs_buf_clear(&b);
    gs_echo_log_free(log);
}
END_TEST

START_TEST(grpc_status_and_access_log)
{
    gs_echo_log *log;
    gs_echo_log_new(&log, 4);
    gs_echo_log_entry e = {
        .request_id = "g1",
        .request_id_len = 2,
        .method = "POST",
        .method_len = 4,
        .path = "/a.B/C",
        .path_len = 6,
        .proto = "HTTP/2.0",
        .status = 200,
        .grpc = true,
        .grpc_status = 14,
    };
    gs_echo_log_add(log, &e);
    gs_buf b = {0};
    gs_echo_log_requests_json(log, 0, 0, &b);
    ck_assert_ptr_nonnull(strstr(b.data, "\"status\":200,\"grpcStatus\":14}"));
    gs_buf_reset(&b);
    gs_echo_log_stats_json(log, &b);
    ck_assert_ptr_nonnull(strstr(b.data, "\"protocols\":{\"grpc\":1}"));

    char line[512] = "";
    FILE *f = fmemopen(line, sizeof(line), "w");
    gs_echo_access_log_write(f, "ns/app/r1", &e);
    e.grpc = false;
    e.request_id_len = 0;
    gs_echo_access_log_write(f, "ns/app/r1", &e);
    fclose(f);
    /* "2026-11-29T04:10:00.123Z ns/app/r1 ..." */
    char *second = strchr(line, '\n');
    ck_assert_ptr_nonnull(second);
    ck_assert_int_eq(line[4], '-');
    ck_assert_ptr_nonnull(strstr(line, "Z ns/app/r1 \"POST /a.B/C HTTP/2.0\" 200 grpc=14 id=g1\n"));
    ck_assert_ptr_nonnull(strstr(second, "Z ns/app/r1 \"POST /a.B/C HTTP/2.0\" 200 id=-\n"));
    gs_buf_clear(&b);
    gs_echo_log_free(log);
}
END_TEST

static Suite *log_suite(void)
{
    Suite *s = suite_create("echo_log");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, ring_and_paging);
    tcase_add_test(tc, path_table_is_bounded);
    tcase_add_test(tc, grpc_status_and_access_log);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return gs_test_run(log_suite());
}
