/* SPDX-License-Identifier: MIT */
#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_error.h"
#include "gs_test.h"

#include <stdlib.h>
#include <string.h>

START_TEST(buf_appends_and_terminates)
{
    gs_buf b = {0};
    gs_buf_puts(&b, "hello");
    gs_buf_putc(&b, ' ');
    gs_buf_printf(&b, "%d-%s", 42, "x");
    ck_assert_str_eq(b.data, "hello 42-x");
    ck_assert_uint_eq(b.len, 10);
    gs_buf_reset(&b);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_str_eq(b.data, "");
    gs_buf_clear(&b);
    ck_assert_ptr_null(b.data);
}
END_TEST

START_TEST(buf_printf_grows_past_stack_buffer)
{
    gs_buf b = {0};
    char big[1000];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    gs_buf_printf(&b, "<%s>", big);
    ck_assert_uint_eq(b.len, 1001);
    ck_assert_int_eq(b.data[0], '<');
    ck_assert_int_eq(b.data[1000], '>');
    ck_assert_int_eq(b.data[1001], '\0');
    char *s = gs_buf_take(&b);
    ck_assert_uint_eq(strlen(s), 1001);
    ck_assert_ptr_null(b.data);
    free(s);
}
END_TEST

START_TEST(error_formats_and_returns_code)
{
    gs_error err;
    ck_assert_int_eq(gs_error_set(&err, GS_ERR_INVALID, "bad %s", "thing"), GS_ERR_INVALID);
    ck_assert_str_eq(err.msg, "bad thing");
    ck_assert_int_eq(gs_error_set_errno(&err, 2, "open %s", "f"), GS_ERR_IO);
    ck_assert_str_eq(err.msg, "open f: No such file or directory");
    ck_assert_int_eq(gs_error_set(NULL, GS_ERR_RANGE, "ignored"), GS_ERR_RANGE);
    ck_assert_str_eq(gs_strerror(GS_ERR_TIMEOUT), "timeout");
}
END_TEST

START_TEST(xgrow_doubles)
{
    int *items = NULL;
    size_t cap = 0;
    gs_xgrow((void **)&items, &cap, 5, sizeof(int));
    ck_assert_uint_ge(cap, 5);
    for (int i = 0; i < 5; i++)
        items[i] = i;
    gs_xgrow((void **)&items, &cap, 100, sizeof(int));
    ck_assert_uint_ge(cap, 100);
    ck_assert_int_eq(items[4], 4);
    free(items);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("base/buf");
    TCase *tc = tcase_create("buf");
    tcase_add_test(tc, buf_appends_and_terminates);
    tcase_add_test(tc, buf_printf_grows_past_stack_buffer);
    tcase_add_test(tc, error_formats_and_returns_code);
    tcase_add_test(tc, xgrow_doubles);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
