/* SPDX-License-Identifier: MIT */
/* `gatesim conform`'s rules without a target: which tests a plan runs, skips or does not support
 * (upstream's order of decisions), each profile's core/extended result and summary string, and
 * the ConformanceReport read back with gatesim's YAML parser against upstream's field names
 * (conformance/apis/v1: the keys, their order, which are left out when empty). */
#include "gs_conform.h"
#include "gs_test.h"
#include "gs_yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char lib_dir[] = "/tmp/gs-conform-test-XXXXXX";

static void write_test(const char *short_name, const char *profiles, const char *level,
                       const char *features, bool provisional)
{
    char path[256], name[128];
    snprintf(path, sizeof(path), "%s/%s.yaml", lib_dir, short_name);
    snprintf(name, sizeof(name), "t-%s", short_name);
    for (char *p = name; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f,
            "apiVersion: gatesim.dev/v1alpha1\nkind: Scenario\nmetadata: {name: %s}\nspec:\n"
            "  conformance:\n    shortName: %s\n    profiles: %s\n    level: %s\n"
            "    provisional: %s\n    features: %s\n"
            "  steps:\n  - name: s\n    expectStatus:\n"
            "    - {kind: GatewayClass, name: x, status: none}\n",
            name, short_name, profiles, level, provisional ? "true" : "false", features);
    fclose(f);
}

static gs_scenario_list lib;

static void setup(void)
{
    ck_assert_ptr_nonnull(mkdtemp(lib_dir));
    write_test("HTTPRouteSimple", "[GATEWAY-HTTP]", "core", "[SupportGateway, SupportHTTPRoute]",
               false);
    write_test("HTTPRouteQuery", "[GATEWAY-HTTP]", "extended",
               "[SupportGateway, SupportHTTPRoute, SupportHTTPRouteQueryParamMatching]", false);
    write_test("HTTPRouteRedirect303", "[GATEWAY-HTTP]", "extended",
               "[SupportGateway, SupportHTTPRoute, SupportHTTPRoute303RedirectStatusCode]", true);
    write_test("GRPCSimple", "[GATEWAY-GRPC]", "core", "[SupportGateway, SupportGRPCRoute]",
               false);
    write_test("GRPCNamed", "[]", "extended",
               "[SupportGateway, SupportGRPCRoute, SupportGRPCRouteNamedRouteRule]", true);
    write_test("GatewayOnly", "[GATEWAY-GRPC, GATEWAY-HTTP, GATEWAY-TLS]", "core",
               "[SupportGateway]", false);
    /* an "X not supported" test, passing unchecked where X is supported (only GATEWAY-TLS) */
    write_test("TLSTerminateNotSupported", "[GATEWAY-TLS]", "core",
               "[SupportGateway, SupportTLSRoute]\n"
               "    unlessFeatures: [SupportTLSRouteModeTerminate]",
               false);
    gs_diags diags = {0};
    lib = (gs_scenario_list){0};
    int rc = gs_scenario_list_load(&lib, lib_dir, &diags, NULL);
    if (rc != 0)
        gs_diags_print(&diags, stderr, false);
    ck_assert_int_eq(rc, 0);
    gs_diags_clear(&diags);
}

static void teardown(void)
{
    gs_scenario_list_clear(&lib);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", lib_dir);
    ck_assert_int_eq(system(cmd), 0);
    strcpy(lib_dir, "/tmp/gs-conform-test-XXXXXX");
}

static const gs_conform_test *find(const gs_conform_plan *p, const char *name)
{
    for (size_t i = 0; i < p->n_tests; i++)
        if (strcmp(p->tests[i].sc->conformance.short_name, name) == 0)
            return &p->tests[i];
    return NULL;
}

static gs_conform_test *find_mut(gs_conform_plan *p, const char *name)
{
    return (gs_conform_test *)(uintptr_t)find(p, name);
}

START_TEST(plan_scope_and_support)
{
    const char *claimed[] = {"Gateway", "HTTPRoute"};
    gs_conform_options o = {.profiles = GS_CONF_PROFILE_HTTP, .supported = claimed,
                            .n_supported = 2};
    gs_conform_plan p;
    gs_error err = {0};
    ck_assert_int_eq(gs_conform_plan_build(&p, &lib, &o, &err), 0);
    /* GRPCSimple is in GATEWAY-GRPC only: out of scope; GRPCNamed is in no profile: in scope */
    ck_assert_uint_eq(p.n_tests, 5);
    ck_assert_ptr_null(find(&p, "GRPCSimple"));
    ck_assert_str_eq(p.tests[0].sc->conformance.short_name, "GRPCNamed"); /* sorted */
    ck_assert_int_eq(find(&p, "HTTPRouteSimple")->outcome, GS_CONFORM_PENDING);
    ck_assert_int_eq(find(&p, "GatewayOnly")->outcome, GS_CONFORM_PENDING);
    ck_assert_int_eq(find(&p, "HTTPRouteQuery")->outcome, GS_CONFORM_NOT_SUPPORTED);
    ck_assert_str_eq(find(&p, "HTTPRouteQuery")->missing->name, "HTTPRouteQueryParamMatching");
    ck_assert_int_eq(find(&p, "GRPCNamed")->outcome, GS_CONFORM_NOT_SUPPORTED);
    ck_assert_str_eq(find(&p, "GRPCNamed")->missing->name, "GRPCRoute");
    /* the profile's core features are supported whatever the claim: ReferenceGrant */
    ck_assert(gs_conform_supported(&p, gs_conf_feature_find("ReferenceGrant")));
    ck_assert(!gs_conform_supported(&p, gs_conf_feature_find("GRPCRoute")));
    gs_conform_plan_free(&p);
}
END_TEST

/* unlessFeatures: supported, the test passes without running; not supported, it runs; a
 * missing feature of its own still makes it NOT_SUPPORTED. */
START_TEST(plan_unless_features)
{
    gs_error err = {0};
    gs_conform_plan p;
    const char *with[] = {"TLSRoute", "TLSRouteModeTerminate"};
    gs_conform_options o = {.profiles = GS_CONF_PROFILE_TLS, .supported = with,
                            .n_supported = 2};
    ck_assert_int_eq(gs_conform_plan_build(&p, &lib, &o, &err), 0);
    const gs_conform_test *t = find(&p, "TLSTerminateNotSupported");
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(t->outcome, GS_CONFORM_SUCCEEDED);
    ck_assert_str_eq(t->unchecked_by->name, "TLSRouteModeTerminate");
    gs_conform_profile_report r;
    gs_conform_profile_compute(&p, GS_CONF_PROFILE_TLS, &r);
    ck_assert_uint_eq(r.core.passed, 1); /* GatewayOnly is still to run */
    gs_conform_profile_free(&r);
    gs_conform_plan_free(&p);

    o.n_supported = 1; /* TLSRoute only: the test runs */
    ck_assert_int_eq(gs_conform_plan_build(&p, &lib, &o, &err), 0);
    t = find(&p, "TLSTerminateNotSupported");
    ck_assert_int_eq(t->outcome, GS_CONFORM_PENDING);
    ck_assert_ptr_null(t->unchecked_by);
    gs_conform_plan_free(&p);

    /* every feature but TLSRouteModeTerminate: it runs */
    const char *all_but_tls[] = {"TLSRouteModeTerminate"};
    o = (gs_conform_options){.profiles = GS_CONF_PROFILE_HTTP | GS_CONF_PROFILE_TLS,
                             .all_features = true, .exempt = all_but_tls, .n_exempt = 1};
    ck_assert_int_eq(gs_conform_plan_build(&p, &lib, &o, &err), 0);
    ck_assert_int_eq(find(&p, "TLSTerminateNotSupported")->outcome, GS_CONFORM_PENDING);
    gs_conform_plan_free(&p);
}
END_TEST

START_TEST(plan_flags)
{
    gs_error err = {0};
    gs_conform_plan p;
    /* --all-features minus an exempt one; --skip-tests; a missing feature wins over a skip */
    const char *exempt[] = {"HTTPRoute303RedirectStatusCode"};
    const char *skip[] = {"HTTPRouteQuery", "HTTPRouteRedirect303"};
    gs_conform_options o = {.profiles = GS_CONF_PROFILE_HTTP | GS_CONF_PROFILE_GRPC,
                            .all_features = true, .exempt = exempt, .n_exempt = 1,
                            .skip_tests = skip, .n_skip_tests = 2};
    ck_assert_int_eq(gs_conform_plan_build(&p, &lib, &o, &err), 0);
    ck_assert_uint_eq(p.n_tests, 6);
    ck_assert_int_eq(find(&p, "HTTPRouteQuery")->outcome, GS_CONFORM_SKIPPED);
    ck_assert_int_eq(find(&p, "HTTPRouteRedirect303")->outcome, GS_CONFORM_NOT_SUPPORTED);
    ck_assert_int_eq(find(&p, "GRPCNamed")->outcome, GS_CONFORM_PENDING);
    gs_conform_plan_free(&p);

    /* --run-test: every other test is skipped */
    gs_conform_options r = {.profiles = GS_CONF_PROFILE_HTTP, .all_features = true,
                            .run_test = "HTTPRouteSimple"};
    ck_assert_int_eq(gs_conform_plan_build(&p, &lib, &r, &err), 0);
    ck_assert_int_eq(find(&p, "HTTPRouteSimple")->outcome, GS_CONFORM_PENDING);
    ck_assert_int_eq(find(&p, "GatewayOnly")->outcome, GS_CONFORM_SKIPPED);
    gs_conform_plan_free(&p);

    /* --skip-provisional-tests: provisional tests are PROVISIONAL_SKIPPED, even when
     * --skip-tests names them too; a missing feature still wins; others are untouched */
    const char *skip303[] = {"HTTPRouteRedirect303"};
    gs_conform_options sp = {.profiles = GS_CONF_PROFILE_HTTP | GS_CONF_PROFILE_GRPC,
                             .all_features = true, .skip_provisional = true,
                             .skip_tests = skip303, .n_skip_tests = 1};
    ck_assert_int_eq(gs_conform_plan_build(&p, &lib, &sp, &err), 0);
    ck_assert_int_eq(find(&p, "HTTPRouteRedirect303")->outcome, GS_CONFORM_PROVISIONAL_SKIPPED);
    ck_assert_int_eq(find(&p, "GRPCNamed")->outcome, GS_CONFORM_PROVISIONAL_SKIPPED);
    ck_assert_int_eq(find(&p, "HTTPRouteQuery")->outcome, GS_CONFORM_PENDING);
    ck_assert_str_eq(gs_conform_outcome_name(GS_CONFORM_PROVISIONAL_SKIPPED),
                     "provisional, skipped");
    gs_conform_plan_free(&p);
    sp.exempt = (const char *[]){"GRPCRouteNamedRouteRule"};
    sp.n_exempt = 1;
    ck_assert_int_eq(gs_conform_plan_build(&p, &lib, &sp, &err), 0);
    ck_assert_int_eq(find(&p, "GRPCNamed")->outcome, GS_CONFORM_NOT_SUPPORTED);
    gs_conform_plan_free(&p);

    /* unknown names are usage errors that suggest the near one */
    const char *bad[] = {"HTTPRoutes"};
    gs_conform_options u = {.profiles = GS_CONF_PROFILE_HTTP, .supported = bad, .n_supported = 1};
    ck_assert_int_eq(gs_conform_plan_build(&p, &lib, &u, &err), GS_ERR_USAGE);
    ck_assert_msg(strstr(err.msg, "did you mean \"HTTPRoute\"") != NULL, "%s", err.msg);
    gs_conform_options v = {.profiles = GS_CONF_PROFILE_HTTP, .run_test = "HTTPRouteSimpel"};
    ck_assert_int_eq(gs_conform_plan_build(&p, &lib, &v, &err), GS_ERR_USAGE);
    ck_assert_msg(strstr(err.msg, "did you mean \"HTTPRouteSimple\"") != NULL, "%s", err.msg);
}
END_TEST

START_TEST(plan_duplicate_short_name)
{
    write_test("HTTPRouteSimple", "[GATEWAY-HTTP]", "core", "[SupportGateway, SupportHTTPRoute]",
               false);
    char path[256];
    snprintf(path, sizeof(path), "%s/dup.yaml", lib_dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "apiVersion: gatesim.dev/v1alpha1\nkind: Scenario\nmetadata: {name: dup}\nspec:\n"
               "  conformance: {shortName: HTTPRouteSimple, profiles: [GATEWAY-HTTP], level: "
               "core, features: [SupportGateway, SupportHTTPRoute]}\n"
               "  steps:\n  - name: s\n    expectStatus:\n"
               "    - {kind: GatewayClass, name: x, status: none}\n");
    fclose(f);
    gs_scenario_list l2 = {0};
    gs_diags diags = {0};
    ck_assert_int_eq(gs_scenario_list_load(&l2, lib_dir, &diags, NULL), 0);
    gs_conform_options o = {.profiles = GS_CONF_PROFILE_HTTP};
    gs_conform_plan p;
    gs_error err = {0};
    ck_assert_int_eq(gs_conform_plan_build(&p, &l2, &o, &err), GS_ERR_INVALID);
    ck_assert_msg(strstr(err.msg, "one scenario per upstream test") != NULL, "%s", err.msg);
    gs_diags_clear(&diags);
    gs_scenario_list_clear(&l2);
}
END_TEST

/* Upstream's results and summaries (conformance/utils/suite/reports.go). */
START_TEST(profile_results_and_summaries)
{
    gs_conform_options o = {.profiles = GS_CONF_PROFILE_HTTP | GS_CONF_PROFILE_GRPC,
                            .all_features = true};
    gs_conform_plan p;
    gs_error err = {0};
    ck_assert_int_eq(gs_conform_plan_build(&p, &lib, &o, &err), 0);
    for (size_t i = 0; i < p.n_tests; i++)
        p.tests[i].outcome = GS_CONFORM_SUCCEEDED;
    gs_conform_profile_report r;
    gs_conform_profile_compute(&p, GS_CONF_PROFILE_HTTP, &r);
    ck_assert(r.present);
    ck_assert_uint_eq(r.core.passed, 2); /* HTTPRouteSimple, GatewayOnly */
    ck_assert_uint_eq(r.extended.passed, 2);
    ck_assert_str_eq(r.summary, "Core tests succeeded. Extended tests succeeded.");
    ck_assert_uint_eq(r.n_unsupported_features, 0);
    gs_conform_profile_free(&r);

    find_mut(&p, "HTTPRouteQuery")->outcome = GS_CONFORM_FAILED;
    find_mut(&p, "HTTPRouteRedirect303")->outcome = GS_CONFORM_SKIPPED;
    find_mut(&p, "GatewayOnly")->outcome = GS_CONFORM_SKIPPED;
    gs_conform_profile_compute(&p, GS_CONF_PROFILE_HTTP, &r);
    ck_assert_str_eq(r.core.result, "partial");
    ck_assert_str_eq(r.extended.result, "failure");
    ck_assert_str_eq(r.summary, "Core tests partially succeeded with 1 test skips. Extended "
                                "tests failed with 1 test failures.");
    ck_assert_uint_eq(r.extended.n_failed_tests, 1);
    ck_assert_str_eq(r.extended.failed_tests[0], "HTTPRouteQuery");
    ck_assert_str_eq(r.core.skipped_tests[0], "GatewayOnly");
    gs_conform_profile_free(&r);

    /* not supported counts nowhere, and no extended result is then reported at all */
    find_mut(&p, "HTTPRouteQuery")->outcome = GS_CONFORM_NOT_SUPPORTED;
    find_mut(&p, "HTTPRouteRedirect303")->outcome = GS_CONFORM_NOT_SUPPORTED;
    find_mut(&p, "GatewayOnly")->outcome = GS_CONFORM_FAILED;
    gs_conform_profile_compute(&p, GS_CONF_PROFILE_HTTP, &r);
    ck_assert(!r.has_extended);
    ck_assert_str_eq(r.core.result, "failure");
    ck_assert_str_eq(r.summary, "Core tests failed with 1 test failures.");
    gs_conform_profile_free(&r);

    /* GRPCNamed is in no profile: the GRPC profile holds GRPCSimple and GatewayOnly only */
    gs_conform_profile_compute(&p, GS_CONF_PROFILE_GRPC, &r);
    ck_assert_uint_eq(r.core.passed + r.core.failed + r.core.skipped, 2);
    gs_conform_profile_free(&r);

    /* a provisional test skipped by --skip-provisional-tests counts nowhere (unlike a skip) */
    find_mut(&p, "GatewayOnly")->outcome = GS_CONFORM_SUCCEEDED;
    find_mut(&p, "HTTPRouteQuery")->outcome = GS_CONFORM_SUCCEEDED;
    find_mut(&p, "HTTPRouteRedirect303")->outcome = GS_CONFORM_PROVISIONAL_SKIPPED;
    gs_conform_profile_compute(&p, GS_CONF_PROFILE_HTTP, &r);
    ck_assert_uint_eq(r.extended.passed, 1);
    ck_assert_uint_eq(r.extended.skipped, 0);
    ck_assert_str_eq(r.summary, "Core tests succeeded. Extended tests succeeded.");
    gs_conform_profile_free(&r);
    gs_conform_plan_free(&p);
}
END_TEST

START_TEST(yaml_scalars)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"Core tests succeeded.", "Core tests succeeded."},
        {"v1.6.1", "v1.6.1"},
        {"https://example.com/x", "https://example.com/x"},
        {"", "\"\""},
        {"true", "\"true\""},
        {"No", "\"No\""},
        {"1.0", "\"1.0\""},
        {"2026-01-02T03:04:05Z", "\"2026-01-02T03:04:05Z\""},
        {"a: b", "\"a: b\""},
        {"x #y", "\"x #y\""},
        {"say \"hi\"", "\"say \\\"hi\\\"\""},
        {"- item", "\"- item\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        gs_buf b = {0};
        gs_conform_yaml_scalar(&b, cases[i].in);
        ck_assert_msg(strcmp(b.data, cases[i].out) == 0, "%s -> %s", cases[i].in, b.data);
        /* and it reads back as the same string */
        char doc[256];
        size_t n = (size_t)snprintf(doc, sizeof(doc), "k: %s\n", b.data);
        gs_yaml_stream *s = NULL;
        gs_error err = {0};
        ck_assert_int_eq(gs_yaml_parse_buffer(&s, "t", doc, n, &err), 0);
        ck_assert_str_eq(gs_yaml_get(s->docs[0], "k")->str, cases[i].in);
        gs_yaml_stream_free(s);
        gs_buf_clear(&b);
    }
}
END_TEST

/* The keys of a mapping, in order, as one comma-separated string. */
static void keys_of(const gs_yaml_node *m, char *out, size_t cap)
{
    out[0] = '\0';
    ck_assert_int_eq(m->kind, GS_YAML_MAPPING);
    for (size_t i = 0; i < m->npairs; i++) {
        strncat(out, m->pairs[i].key->str, cap - strlen(out) - 1);
        if (i + 1 < m->npairs)
            strncat(out, ",", cap - strlen(out) - 1);
    }
}

START_TEST(report_has_upstream_fields)
{
    gs_conform_options o = {.profiles = GS_CONF_PROFILE_HTTP | GS_CONF_PROFILE_GRPC,
                            .all_features = true};
    gs_conform_plan p;
    gs_error err = {0};
    ck_assert_int_eq(gs_conform_plan_build(&p, &lib, &o, &err), 0);
    for (size_t i = 0; i < p.n_tests; i++)
        p.tests[i].outcome = GS_CONFORM_SUCCEEDED;
    find_mut(&p, "HTTPRouteQuery")->outcome = GS_CONFORM_FAILED;
    const char *contact[] = {"@someone", "team@example.com"};
    gs_conform_meta m = {.organization = "example", .project = "gw", .url = "https://x.example",
                         .version = "v1.2.3", .contact = contact, .n_contact = 2,
                         .mode = "default", .date = "2026-12-01T10:00:00+01:00",
                         .api_version = "v1.6.1", .api_channel = "experimental"};
    gs_buf b = {0};
    gs_conform_report_yaml(&p, &m, &b);
    gs_yaml_stream *s = NULL;
    ck_assert_int_eq(gs_yaml_parse_buffer(&s, "report.yaml", b.data, b.len, &err), 0);
    const gs_yaml_node *doc = s->docs[0];
    char keys[512];
    keys_of(doc, keys, sizeof(keys));
    /* upstream: TypeMeta inline, then its json tags, sorted as its YAML output sorts them */
    ck_assert_str_eq(keys, "apiVersion,date,gatewayAPIChannel,gatewayAPIVersion,implementation,"
                           "kind,mode,profiles,succeededProvisionalTests");
    ck_assert_str_eq(gs_yaml_get(doc, "apiVersion")->str, "gateway.networking.k8s.io/v1");
    ck_assert_str_eq(gs_yaml_get(doc, "kind")->str, "ConformanceReport");
    ck_assert_str_eq(gs_yaml_get(doc, "date")->str, "2026-12-01T10:00:00+01:00");
    keys_of(gs_yaml_get(doc, "implementation"), keys, sizeof(keys));
    ck_assert_str_eq(keys, "contact,organization,project,url,version");
    ck_assert_uint_eq(gs_yaml_get(gs_yaml_get(doc, "implementation"), "contact")->nitems, 2);
    const gs_yaml_node *profiles = gs_yaml_get(doc, "profiles");
    ck_assert_uint_eq(profiles->nitems, 2);
    ck_assert_str_eq(gs_yaml_get(profiles->items[0], "name")->str, "GATEWAY-GRPC");
    const gs_yaml_node *http = profiles->items[1];
    keys_of(http, keys, sizeof(keys));
    ck_assert_str_eq(keys, "core,extended,name,summary");
    keys_of(gs_yaml_get(http, "core"), keys, sizeof(keys));
    ck_assert_str_eq(keys, "result,statistics");
    keys_of(gs_yaml_get(gs_yaml_get(http, "core"), "statistics"), keys, sizeof(keys));
    ck_assert_str_eq(keys, "Failed,Passed,Skipped");
    const gs_yaml_node *ext = gs_yaml_get(http, "extended");
    keys_of(ext, keys, sizeof(keys));
    ck_assert_str_eq(keys, "failedTests,result,statistics,supportedFeatures");
    ck_assert_str_eq(gs_yaml_get(ext, "result")->str, "failure");
    ck_assert_str_eq(gs_yaml_get(ext, "failedTests")->items[0]->str, "HTTPRouteQuery");
    ck_assert_str_eq(gs_yaml_get(gs_yaml_get(ext, "statistics"), "Passed")->str, "1");
    ck_assert_str_eq(gs_yaml_get(http, "summary")->str,
                     "Core tests succeeded. Extended tests failed with 1 test failures.");
    /* every extended feature of GATEWAY-HTTP is supported, sorted */
    const gs_yaml_node *sup = gs_yaml_get(ext, "supportedFeatures");
    for (size_t i = 1; i < sup->nitems; i++)
        ck_assert_int_lt(strcmp(sup->items[i - 1]->str, sup->items[i]->str), 0);
    const gs_yaml_node *prov = gs_yaml_get(doc, "succeededProvisionalTests");
    ck_assert_uint_eq(prov->nitems, 2); /* GRPCNamed is in no profile but still listed */
    ck_assert_str_eq(prov->items[0]->str, "GRPCNamed");
    ck_assert_str_eq(prov->items[1]->str, "HTTPRouteRedirect303");
    gs_yaml_stream_free(s);
    gs_buf_clear(&b);

    /* no contact: null, as Go marshals a nil slice */
    m.n_contact = 0;
    gs_conform_report_yaml(&p, &m, &b);
    ck_assert(strstr(b.data, "  contact: null\n") != NULL);
    gs_buf_clear(&b);
    gs_buf readme = {0};
    m.command = "gatesim conform --target exec:./adapter";
    gs_conform_readme(&m, "report.yaml", &readme);
    ck_assert(strstr(readme.data, "| experimental | v1.2.3 | default | [v1.6.1](./report.yaml) |"));
    ck_assert(strstr(readme.data, "## Reproduce"));
    ck_assert(strstr(readme.data, "gatesim conform --target exec:./adapter"));
    gs_buf_clear(&readme);
    gs_conform_plan_free(&p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("conform");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, plan_scope_and_support);
    tcase_add_test(tc, plan_flags);
    tcase_add_test(tc, plan_unless_features);
    tcase_add_test(tc, plan_duplicate_short_name);
    tcase_add_test(tc, profile_results_and_summaries);
    tcase_add_test(tc, report_has_upstream_fields);
    tcase_add_test(tc, yaml_scalars);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
