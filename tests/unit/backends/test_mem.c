/* SPDX-License-Identifier: MIT */
/* gatesim-echo's size-class allocator for nghttp2: sizes map to classes, freed blocks come back
 * for the same class, calloc zeroes recycled blocks, realloc keeps the contents, large blocks
 * bypass the lists, the lists are bounded, and release returns every kept block. */
#include "echo_mem.h"
#include "gs_test.h"

#include <stdint.h>
#include <string.h>

START_TEST(classes_and_reuse)
{
    gs_echo_mem m = {0};
    void *a = gs_echo_mem_malloc(&m, 1);
    ck_assert_ptr_nonnull(a);
    ck_assert_uint_eq(gs_echo_mem_usable(a), 64);
    ck_assert_uint_eq((uintptr_t)a % 16, 0);
    void *b = gs_echo_mem_malloc(&m, 65);
    ck_assert_uint_eq(gs_echo_mem_usable(b), 128);
    void *c = gs_echo_mem_malloc(&m, 2048);
    ck_assert_uint_eq(gs_echo_mem_usable(c), 2048);
    void *big = gs_echo_mem_malloc(&m, 2049);
    ck_assert_uint_eq(gs_echo_mem_usable(big), 2049);
    void *zero = gs_echo_mem_malloc(&m, 0);
    ck_assert_ptr_nonnull(zero);
    ck_assert_uint_eq(m.live, 5);

    gs_echo_mem_free(&m, a);
    ck_assert_uint_eq(m.n_free[0], 1);
    void *a2 = gs_echo_mem_malloc(&m, 40); /* same class: the freed block again */
    ck_assert_ptr_eq(a2, a);
    ck_assert_uint_eq(m.n_free[0], 0);
    gs_echo_mem_free(&m, big); /* large: straight back to free() */
    ck_assert_uint_eq(m.n_free[GS_ECHO_MEM_CLASSES - 1], 0);
    gs_echo_mem_free(&m, NULL);
    ck_assert_uint_eq(m.live, 4);

    /* calloc zeroes a recycled (dirty) block */
    memset(b, 0xab, 128);
    gs_echo_mem_free(&m, b);
    unsigned char *z = gs_echo_mem_calloc(&m, 10, 10);
    ck_assert_ptr_eq(z, b);
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(z[i], 0);
    ck_assert_ptr_null(gs_echo_mem_calloc(&m, SIZE_MAX / 2, 4)); /* overflow */

    gs_echo_mem_free(&m, a2);
    gs_echo_mem_free(&m, c);
    gs_echo_mem_free(&m, z);
    gs_echo_mem_free(&m, zero);
    ck_assert_uint_eq(m.live, 0);
    gs_echo_mem_release(&m);
    for (int k = 0; k < GS_ECHO_MEM_CLASSES; k++) {
        ck_assert_ptr_null(m.free_list[k]);
        ck_assert_uint_eq(m.n_free[k], 0);
    }
}
END_TEST

START_TEST(realloc_keeps_contents)
{
    gs_echo_mem m = {0};
    char *p = gs_echo_mem_realloc(&m, NULL, 10);
    memcpy(p, "0123456789", 10);
    ck_assert_ptr_eq(gs_echo_mem_realloc(&m, p, 60), p); /* still fits its class */
    char *q = gs_echo_mem_realloc(&m, p, 100);
    ck_assert_ptr_ne(q, p);
    ck_assert_mem_eq(q, "0123456789", 10);
    ck_assert_uint_eq(m.n_free[0], 1); /* the old block is kept */
    char *r = gs_echo_mem_realloc(&m, q, 5000); /* to a large block */
    ck_assert_mem_eq(r, "0123456789", 10);
    ck_assert_uint_eq(gs_echo_mem_usable(r), 5000);
    char *s = gs_echo_mem_realloc(&m, r, 9000); /* large to larger */
    ck_assert_mem_eq(s, "0123456789", 10);
    ck_assert_ptr_null(gs_echo_mem_realloc(&m, s, 0)); /* frees */
    ck_assert_uint_eq(m.live, 0);
    gs_echo_mem_release(&m);
}
END_TEST

START_TEST(lists_are_bounded)
{
    gs_echo_mem m = {0};
    void *blocks[GS_ECHO_MEM_KEEP + 10];
    for (size_t i = 0; i < GS_ECHO_MEM_KEEP + 10; i++) {
        blocks[i] = gs_echo_mem_malloc(&m, 200);
        memset(blocks[i], (int)i, 200);
    }
    for (size_t i = 0; i < GS_ECHO_MEM_KEEP + 10; i++)
        gs_echo_mem_free(&m, blocks[i]);
    ck_assert_uint_eq(m.n_free[2], GS_ECHO_MEM_KEEP);
    ck_assert_uint_eq(m.live, 0);
    /* every kept block comes back once, no block twice */
    void *again[GS_ECHO_MEM_KEEP];
    for (size_t i = 0; i < GS_ECHO_MEM_KEEP; i++) {
        again[i] = gs_echo_mem_malloc(&m, 256);
        for (size_t k = 0; k < i; k++)
            ck_assert_ptr_ne(again[i], again[k]);
    }
    ck_assert_uint_eq(m.n_free[2], 0);
    for (size_t i = 0; i < GS_ECHO_MEM_KEEP; i++)
        gs_echo_mem_free(&m, again[i]);
    gs_echo_mem_release(&m);
    ck_assert_uint_eq(m.n_free[2], 0);
}
END_TEST

static Suite *mem_suite(void)
{
    Suite *s = suite_create("echo_mem");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, classes_and_reuse);
    tcase_add_test(tc, realloc_keeps_contents);
    tcase_add_test(tc, lists_are_bounded);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return gs_test_run(mem_suite());
}
