/* SPDX-License-Identifier: MIT */
/* RequestRedirect Location: scheme/port derivation, hostname, path modifiers, query, status. */
#include "gs_gw_redirect.h"
#include "gs_test.h"

#include <stdlib.h>
#include <string.h>

typedef struct redirect_case {
    const char *name;
    gs_gw_redirect r;
    gs_gw_redirect_request req;
    const char *want;
} redirect_case;

static const redirect_case redirect_table[] = {
    {"nothing set, listener 80",
     {NULL, NULL, 0, {0, NULL}, 0},
     {"http", "example.org", 80, "/foo", NULL, NULL},
     "http://example.org/foo"},
    {"nothing set, listener 8080 (listener port, not Host port)",
     {NULL, NULL, 0, {0, NULL}, 0},
     {"http", "example.org:9999", 8080, "/foo", NULL, NULL},
     "http://example.org:8080/foo"},
    {"port 80 on a listener 8080",
     {NULL, NULL, 80, {0, NULL}, 0},
     {"http", "example.org", 8080, "/foo", NULL, NULL},
     "http://example.org/foo"},
    {"scheme http from an https listener on 443",
     {"http", NULL, 0, {0, NULL}, 0},
     {"https", "example.org", 443, "/foo", NULL, NULL},
     "http://example.org/foo"},
    {"scheme https from listener 8080 takes 443",
     {"https", NULL, 0, {0, NULL}, 0},
     {"http", "example.org", 8080, "/", NULL, NULL},
     "https://example.org/"},
    {"scheme https and port 8443",
     {"https", NULL, 8443, {0, NULL}, 0},
     {"http", "example.org", 80, "/x", NULL, NULL},
     "https://example.org:8443/x"},
    {"scheme http and port 443 keeps the port",
     {"http", NULL, 443, {0, NULL}, 0},
     {"https", "example.org", 443, "/x", NULL, NULL},
     "http://example.org:443/x"},
    {"https listener 8443 keeps its port",
     {NULL, NULL, 0, {0, NULL}, 0},
     {"https", "example.org", 8443, "/x", NULL, NULL},
     "https://example.org:8443/x"},
    {"hostname replaces host and drops the Host port",
     {NULL, "example.org", 0, {0, NULL}, 0},
     {"http", "foo.com:8080", 80, "/hostname-redirect", NULL, NULL},
     "http://example.org/hostname-redirect"},
    {"ReplacePrefixMatch",
     {NULL, NULL, 0, {GS_GW_PATH_MOD_PREFIX, "/replacement-prefix"}, 0},
     {"http", "example.org", 80, "/original-prefix/lemon", "/original-prefix", NULL},
     "http://example.org/replacement-prefix/lemon"},
    {"ReplacePrefixMatch keeps the query",
     {NULL, NULL, 0, {GS_GW_PATH_MOD_PREFIX, "/replacement-prefix"}, 0},
     {"http", "example.org", 80, "/original-prefix/lemon?a=1&b", "/original-prefix", NULL},
     "http://example.org/replacement-prefix/lemon?a=1&b"},
    {"ReplaceFullPath",
     {NULL, NULL, 0, {GS_GW_PATH_MOD_FULL, "/full-path-replacement"}, 0},
     {"http", "example.org", 80, "/full/path/original", "/full", NULL},
     "http://example.org/full-path-replacement"},
    {"ReplacePrefixMatch to /",
     {NULL, NULL, 0, {GS_GW_PATH_MOD_PREFIX, "/"}, 0},
     {"http", "example.org", 80, "/strip", "/strip", NULL},
     "http://example.org/"},
    {"everything",
     {"https", "new.example.com", 8443, {GS_GW_PATH_MOD_FULL, "/new"}, 301},
     {"http", "old.example.com", 80, "/old?q=1", "/", NULL},
     "https://new.example.com:8443/new?q=1"},
    {"ReplaceFullPath \"\" (admitted by the API server) is served as /",
     {NULL, NULL, 0, {GS_GW_PATH_MOD_FULL, ""}, 0},
     {"http", "example.org", 80, "/a/b?q=1", "/a", NULL},
     "http://example.org/?q=1"},
    {"ReplaceFullPath \"foo\" (no leading slash) is served as /foo",
     {NULL, NULL, 0, {GS_GW_PATH_MOD_FULL, "foo"}, 0},
     {"http", "example.org", 80, "/a/b", "/a", NULL},
     "http://example.org/foo"},
    {"ReplacePrefixMatch \"y\" (no leading slash) replaces the prefix with /y",
     {NULL, NULL, 0, {GS_GW_PATH_MOD_PREFIX, "y"}, 0},
     {"http", "example.org", 80, "/b/z", "/b", NULL},
     "http://example.org/y/z"},
    /* a rule-level URLRewrite made the target /xyzw/z from /b/z (match /b): the redirect's
     * prefix replacement works on the path as matched, never cutting "/b"'s length out of
     * "/xyzw" (which gave /yyzw/z) */
    {"ReplacePrefixMatch after a rewrite uses the path as matched",
     {NULL, NULL, 0, {GS_GW_PATH_MOD_PREFIX, "/y"}, 0},
     {"http", "example.com", 80, "/xyzw/z?k=v", "/b", "/b/z"},
     "http://example.com/y/z?k=v"},
    {"a redirect without a path modifier keeps the rewritten path",
     {NULL, NULL, 0, {0, NULL}, 0},
     {"http", "example.com", 80, "/xyzw/z", "/b", "/b/z"},
     "http://example.com/xyzw/z"},
    {"IPv6 authority keeps brackets",
     {NULL, NULL, 0, {0, NULL}, 0},
     {"http", "[::1]:18080", 8080, "/", NULL, NULL},
     "http://[::1]:8080/"},
};

START_TEST(redirect_location_table)
{
    for (size_t i = 0; i < sizeof(redirect_table) / sizeof(redirect_table[0]); i++) {
        const redirect_case *c = &redirect_table[i];
        char *got = gs_gw_redirect_location(&c->r, &c->req);
        ck_assert_msg(strcmp(got, c->want) == 0, "%s: got %s want %s", c->name, got, c->want);
        free(got);
    }
}
END_TEST

START_TEST(redirect_status_default_302)
{
    gs_gw_redirect r = {0};
    ck_assert_int_eq(gs_gw_redirect_status(&r), 302);
    r.status_code = 301;
    ck_assert_int_eq(gs_gw_redirect_status(&r), 301);
    r.status_code = 308;
    ck_assert_int_eq(gs_gw_redirect_status(&r), 308);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gw_redirect");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, redirect_location_table);
    tcase_add_test(tc, redirect_status_default_302);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
