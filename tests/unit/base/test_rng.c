/* SPDX-License-Identifier: MIT */
/* gs_rng against the published vectors of its two algorithms (so the gateway's --seed replays and
 * the statistics simulations keep their streams): xoshiro256** from the state {1, 2, 3, 4} (the
 * reference implementation's first outputs, as the rand_xoshiro crate lists them) and splitmix64
 * from 0 (its first four outputs are the state gs_rng_seed(0) must produce). */
#include "gs_rng.h"
#include "gs_test.h"

START_TEST(xoshiro_reference_outputs)
{
    gs_rng r = {{1, 2, 3, 4}};
    const uint64_t want[] = {11520u,
                             0u,
                             1509978240u,
                             UINT64_C(1215971899390074240),
                             UINT64_C(1216172134540287360),
                             UINT64_C(607988272756665600),
                             UINT64_C(16172922978634559625),
                             UINT64_C(8476171486693032832),
                             UINT64_C(10595114339597558777),
                             UINT64_C(2904607092377533576)};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        ck_assert_msg(gs_rng_next(&r) == want[i], "output %zu", i);
}
END_TEST

START_TEST(seed_is_splitmix64)
{
    gs_rng r;
    gs_rng_seed(&r, 0);
    ck_assert(r.s[0] == UINT64_C(0xE220A8397B1DCDAF));
    ck_assert(r.s[1] == UINT64_C(0x6E789E6AA1B965F4));
    ck_assert(r.s[2] == UINT64_C(0x06C45D188009454F));
    ck_assert(r.s[3] == UINT64_C(0xF88BB8A8724C81EC));
}
END_TEST

START_TEST(uniform_is_the_top_53_bits)
{
    gs_rng a, b;
    gs_rng_seed(&a, 7);
    gs_rng_seed(&b, 7);
    double lo = 1, hi = 0;
    for (int i = 0; i < 10000; i++) {
        double u = gs_rng_uniform(&a);
        ck_assert(u == (double)(gs_rng_next(&b) >> 11) * 0x1.0p-53);
        ck_assert(u >= 0 && u < 1);
        lo = u < lo ? u : lo;
        hi = u > hi ? u : hi;
    }
    ck_assert(lo < 0.001 && hi > 0.999); /* 10,000 draws cover the interval */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("base/rng");
    TCase *tc = tcase_create("rng");
    tcase_add_test(tc, xoshiro_reference_outputs);
    tcase_add_test(tc, seed_is_splitmix64);
    tcase_add_test(tc, uniform_is_the_top_53_bits);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
