/* SPDX-License-Identifier: MIT */
/* Request-target forms and authority checks, on exactly-sized heap copies (no NUL after the
 * bytes, as in a socket buffer) so any read past the end shows up under ASan. */
#include "gs_http_target.h"
#include "gs_test.h"

#include <stdlib.h>
#include <string.h>

static char *exact(const char *s)
{
    size_t n = strlen(s);
    char *p = malloc(n ? n : 1);
    memcpy(p, s, n);
    return p;
}

START_TEST(target_forms)
{
    gs_http_target t;
    static const struct {
        const char *in;
        gs_http_target_form form;
        const char *authority, *path;
    } table[] = {
        {"/a?b", GS_HTTP_TARGET_ORIGIN, NULL, "/a?b"},
        {"*", GS_HTTP_TARGET_ASTERISK, NULL, NULL},
        {"raw.example.com:443", GS_HTTP_TARGET_AUTHORITY, "raw.example.com:443", NULL},
        {"raw.example.com:80", GS_HTTP_TARGET_AUTHORITY, "raw.example.com:80", NULL},
        {"abcdefghijklmnopqrstuvwxyz", GS_HTTP_TARGET_AUTHORITY, "abcdefghijklmnopqrstuvwxyz",
         NULL},
        {"http://h:8/p?q", GS_HTTP_TARGET_ABSOLUTE, "h:8", "/p?q"},
        {"HTTPS://h", GS_HTTP_TARGET_ABSOLUTE, "h", ""},
        {"http://h?q", GS_HTTP_TARGET_ABSOLUTE, "h", "?q"},
        {"http://u@h/", GS_HTTP_TARGET_ABSOLUTE, "u@h", "/"},
        {"http://", GS_HTTP_TARGET_ABSOLUTE, "", ""},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        char *in = exact(table[i].in);
        ck_assert_msg(gs_http_target_split(in, strlen(table[i].in), &t) == NULL, "%s", table[i].in);
        ck_assert_int_eq(t.form, table[i].form);
        if (table[i].authority) {
            ck_assert_uint_eq(t.authority_len, strlen(table[i].authority));
            ck_assert(memcmp(t.authority, table[i].authority, t.authority_len) == 0);
        } else {
            ck_assert_ptr_null(t.authority);
        }
        if (table[i].path) {
            ck_assert_uint_eq(t.path_len, strlen(table[i].path));
            ck_assert(memcmp(t.path, table[i].path, t.path_len) == 0);
        }
        free(in);
    }
    ck_assert_ptr_nonnull(gs_http_target_split("", 0, &t));
    char *in = exact("a/b");
    ck_assert_ptr_nonnull(gs_http_target_split(in, 3, &t));
    free(in);
    /* Scheme-like but no "://": an authority, as CONNECT would send. */
    in = exact("http:");
    ck_assert_ptr_null(gs_http_target_split(in, 5, &t));
    ck_assert_int_eq(t.form, GS_HTTP_TARGET_AUTHORITY);
    free(in);
    ck_assert(gs_http_target_scheme_is("HtTp", 4, "http"));
    ck_assert(!gs_http_target_scheme_is("http", 4, "https"));
    ck_assert(!gs_http_target_scheme_is("https", 5, "http"));
}
END_TEST

START_TEST(authority_checks)
{
    static const struct {
        const char *in, *why; /* why NULL: valid */
    } table[] = {
        {"example.com", NULL},
        {"example.com:8080", NULL},
        {"example.com:", NULL},
        {"example.com:65535", NULL},
        {"127.0.0.1:80", NULL},
        {"[::1]:443", NULL},
        {"[::1]", NULL},
        {"my_host.local", NULL},
        {"a%41b", NULL},
        {"x:99999999999", "port out of range"},
        {"x:65536", "port out of range"},
        {"x:8a", "bad port"},
        {"x:1:2", "bad port"},
        {"user@host", "userinfo in authority"},
        {"user:pw@host:80", "userinfo in authority"},
        {"", "empty authority"},
        {":80", "empty host"},
        {"ho st", "bad character in host"},
        {"host/x", "bad character in host"},
        {"a%4", "bad percent-encoding in host"},
        {"[::1", "bad IPv6 literal in host"},
        {"[::g]", "bad IPv6 literal in host"},
        {"[::1]x", "bad character after IPv6 literal"},
        {"[]", "bad IPv6 literal in host"},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        char *in = exact(table[i].in);
        const char *why = gs_http_authority_check(in, strlen(table[i].in));
        if (table[i].why == NULL)
            ck_assert_msg(why == NULL, "%s: %s", table[i].in, why);
        else
            ck_assert_msg(why && strcmp(why, table[i].why) == 0, "%s: got %s want %s", table[i].in,
                          why ? why : "valid", table[i].why);
        free(in);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("http_target");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, target_forms);
    tcase_add_test(tc, authority_checks);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
