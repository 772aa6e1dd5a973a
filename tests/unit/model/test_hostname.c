/* SPDX-License-Identifier: MIT */
/* Hostname wildcard matching, listener/route intersection (docs/semantics.md), validity, ports, and
 * the chosen answers for malformed names (empty labels, "*" alone, "*.", trailing dot, case). */
#include "gs_hostname.h"
#include "gs_test.h"

#include <string.h>

static bool m(const char *pattern, const char *host)
{
    return gs_hostname_matches(pattern, host, strlen(host));
}

START_TEST(wildcard_covers_one_or_more_labels)
{
    ck_assert(m("*.example.com", "a.example.com"));
    ck_assert(m("*.example.com", "a.b.example.com"));
    ck_assert(!m("*.example.com", "example.com"));
    ck_assert(!m("*.example.com", ".example.com"));
    ck_assert(m("*.com", "example.com"));
    ck_assert(m("a.example.com", "A.Example.COM"));
    ck_assert(!m("a.example.com", "b.example.com"));
}
END_TEST

static const char *isect(const char *l, const char *r)
{
    const char *out = "unset";
    if (!gs_hostname_intersect(l, r, &out))
        return "none";
    return out ? out : "any";
}

START_TEST(intersection_table)
{
    ck_assert_str_eq(isect(NULL, "a.com"), "a.com");
    ck_assert_str_eq(isect(NULL, NULL), "any");
    ck_assert_str_eq(isect("a.com", NULL), "a.com");
    ck_assert_str_eq(isect("a.com", "a.com"), "a.com");
    ck_assert_str_eq(isect("a.com", "b.com"), "none");
    ck_assert_str_eq(isect("*.example.com", "foo.example.com"), "foo.example.com");
    ck_assert_str_eq(isect("*.example.com", "example.com"), "none");
    ck_assert_str_eq(isect("very.specific.com", "*.specific.com"), "very.specific.com");
    ck_assert_str_eq(isect("*.com", "*.example.com"), "*.example.com");
    ck_assert_str_eq(isect("*.foo.example.com", "*.example.com"), "*.foo.example.com");
    ck_assert_str_eq(isect("*.example.com", "*.example.com"), "*.example.com");
    ck_assert_str_eq(isect("*.example.com", "*.example.org"), "none");
    ck_assert_str_eq(isect("*.ample.com", "*.example.com"), "none");
    /* Symmetric where the table is: the more specific side wins whichever it is. */
    ck_assert_str_eq(isect("*.example.com", "*.com"), "*.example.com");
    ck_assert_str_eq(isect("foo.example.com", "*.example.com"), "foo.example.com");
    ck_assert_str_eq(isect("*.example.com", "a.b.example.com"), "a.b.example.com");
}
END_TEST

/* The cases the model's cross-object check relied on before it shared this function. */
START_TEST(intersection_for_route_pairs)
{
    const char *out;
    ck_assert(gs_hostname_intersect("a.example.com", "A.example.com", &out));
    ck_assert(gs_hostname_intersect("*.example.com", "a.example.com", &out));
    ck_assert(!gs_hostname_intersect("*.example.com", "example.com", &out));
    ck_assert(gs_hostname_intersect("*.example.com", "*.a.example.com", &out));
    ck_assert_str_eq(out, "*.a.example.com");
    ck_assert(!gs_hostname_intersect("a.example.com", "b.example.com", &out));
    ck_assert(gs_hostname_intersect(NULL, "b.example.com", &out));
    ck_assert_str_eq(out, "b.example.com");
}
END_TEST

START_TEST(malformed_names)
{
    /* Empty string is absent, like NULL. */
    ck_assert_str_eq(isect("", "a.com"), "a.com");
    ck_assert_str_eq(isect("a.com", ""), "a.com");
    ck_assert_str_eq(isect("", ""), "any");
    ck_assert(m("", "anything.example"));
    /* "*" and "*." are not wildcards: literal names that match only themselves. */
    ck_assert(!gs_hostname_is_wildcard("*"));
    ck_assert(!gs_hostname_is_wildcard("*."));
    ck_assert(!gs_hostname_is_wildcard(NULL));
    ck_assert(gs_hostname_is_wildcard("*.com"));
    ck_assert(!m("*", "a.com"));
    ck_assert(!m("*.", "a.com"));
    ck_assert(!m("*.", "a."));
    ck_assert(m("*", "*"));
    ck_assert_str_eq(isect("*", "a.com"), "none");
    ck_assert_str_eq(isect("*.", "*.com"), "none");
    ck_assert_str_eq(isect("*.com", "*"), "none");
    /* A wildcard covers only non-empty labels. */
    ck_assert(!m("*.example.com", ".example.com"));
    ck_assert(!m("*.example.com", "..example.com"));
    ck_assert(!m("*.example.com", "a..example.com"));
    ck_assert(!m("*.example.com", ".a.example.com"));
    ck_assert(m("*.example.com", "a.b.example.com"));
    ck_assert_str_eq(isect("*.com", "*..com"), "none");
    ck_assert_str_eq(isect("*.com", "*.a..com"), "none");
    ck_assert_str_eq(isect("*.com", ".com"), "none");
    /* Empty labels inside the wildcard's own suffix compare literally. */
    ck_assert(m("*.a..com", "x.a..com"));
    /* One trailing dot is ignored on either side. */
    ck_assert(m("a.example.com", "a.example.com."));
    ck_assert(m("a.example.com.", "a.example.com"));
    ck_assert(m("*.example.com", "a.example.com."));
    ck_assert(m("*.example.com.", "a.example.com"));
    ck_assert(!m("*.example.com", "example.com."));
    ck_assert(!m("a.example.com", "a.example.com.."));
    ck_assert(gs_hostname_is_wildcard("*.com."));
    ck_assert_str_eq(isect("a.com.", "a.com"), "a.com");
    ck_assert_str_eq(isect("*.com.", "*.a.com"), "*.a.com");
    /* Case never matters; the result keeps its input's spelling. */
    ck_assert(m("*.EXAMPLE.com", "a.example.COM"));
    ck_assert_str_eq(isect("*.Example.COM", "WWW.example.com"), "WWW.example.com");
    ck_assert_str_eq(isect("*.COM", "*.example.com"), "*.example.com");
    /* None of these is a valid Gateway API hostname. */
    ck_assert(!gs_hostname_valid("*"));
    ck_assert(!gs_hostname_valid("*."));
    ck_assert(!gs_hostname_valid("a.com."));
    ck_assert(!gs_hostname_valid(".a.com"));
    ck_assert(!gs_hostname_valid("*.a..com"));
    ck_assert(!gs_hostname_valid("**.a.com"));
    ck_assert(!gs_hostname_valid(NULL));
}
END_TEST

START_TEST(validity_and_ports)
{
    ck_assert(gs_hostname_valid("a.example.com"));
    ck_assert(gs_hostname_valid("*.example.com"));
    ck_assert(gs_hostname_valid("com"));
    ck_assert(!gs_hostname_valid("A.example.com"));
    ck_assert(!gs_hostname_valid("a.*.com"));
    ck_assert(!gs_hostname_valid("-a.com"));
    ck_assert(!gs_hostname_valid("a..com"));
    ck_assert(!gs_hostname_valid(""));
    ck_assert_uint_eq(gs_hostname_strip_port("a.com:8080", 10), 5);
    ck_assert_uint_eq(gs_hostname_strip_port("a.com", 5), 5);
    ck_assert_uint_eq(gs_hostname_strip_port("[::1]:80", 8), 5);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("hostname");
    TCase *tc = tcase_create("hostname");
    tcase_add_test(tc, wildcard_covers_one_or_more_labels);
    tcase_add_test(tc, intersection_table);
    tcase_add_test(tc, intersection_for_route_pairs);
    tcase_add_test(tc, malformed_names);
    tcase_add_test(tc, validity_and_ports);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
