/* SPDX-License-Identifier: MIT */
/* The upstream conformance vocabulary (gs_conf_features.c) and the scenario label that uses it:
 * the table holds each feature once in both spellings, the profiles hold what upstream's
 * profiles hold, a test's profiles and level follow upstream's rules, and a valid
 * `spec.conformance` decodes to those values. */
#include "gs_conf_features.h"
#include "gs_scenario.h"
#include "gs_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const gs_conf_feature *feat(const char *s)
{
    const gs_conf_feature *f = gs_conf_feature_find(s);
    ck_assert_msg(f != NULL, "no feature %s", s);
    return f;
}

START_TEST(conf_table_unique_and_both_spellings)
{
    size_t n;
    const gs_conf_feature *all = gs_conf_features(&n);
    ck_assert_uint_eq(n, 61); /* upstream's pkg/features at the ported revision */
    for (size_t i = 0; i < n; i++) {
        ck_assert_str_eq(all[i].support_name + strlen("Support"), all[i].name);
        ck_assert_int_eq(strncmp(all[i].support_name, "Support", 7), 0);
        ck_assert_msg((all[i].core_of & all[i].extended_of) == 0, "%s core and extended",
                      all[i].name);
        for (size_t j = i + 1; j < n; j++)
            ck_assert_str_ne(all[i].name, all[j].name);
        ck_assert_ptr_eq(gs_conf_feature_find(all[i].name), &all[i]);
        ck_assert_ptr_eq(gs_conf_feature_by_support_name(all[i].support_name), &all[i]);
    }
    ck_assert_ptr_null(gs_conf_feature_by_support_name("HTTPRoute"));
    ck_assert_ptr_null(gs_conf_feature_find("SupportHTTPRoutes"));
    ck_assert_str_eq(gs_conf_feature_suggest("HTTPRoute"), "SupportHTTPRoute");
    ck_assert_str_eq(gs_conf_feature_suggest("SupportGRPCRoutes"), "SupportGRPCRoute");
    ck_assert(feat("HTTPRouteRetry")->experimental);
    ck_assert(!feat("HTTPRouteCORS")->experimental);
}
END_TEST

/* Profile membership as upstream's profiles.go composes it. */
START_TEST(conf_profiles_membership)
{
    ck_assert_uint_eq(feat("Gateway")->core_of, GS_CONF_PROFILE_ALL);
    ck_assert_uint_eq(feat("ReferenceGrant")->core_of, GS_CONF_PROFILE_ALL);
    ck_assert_uint_eq(feat("HTTPRoute")->core_of, GS_CONF_PROFILE_HTTP);
    ck_assert_uint_eq(feat("GRPCRoute")->core_of, GS_CONF_PROFILE_GRPC);
    ck_assert_uint_eq(feat("TLSRoute")->core_of, GS_CONF_PROFILE_TLS);
    ck_assert_uint_eq(feat("GatewayPort8080")->extended_of, GS_CONF_PROFILE_ALL);
    /* v1.6.1: BackendTLSPolicy is extended in GATEWAY-HTTP only (main adds GRPC and TLS) */
    ck_assert_uint_eq(feat("BackendTLSPolicy")->extended_of, GS_CONF_PROFILE_HTTP);
    ck_assert_uint_eq(feat("BackendTLSPolicySANValidation")->extended_of, GS_CONF_PROFILE_HTTP);
    /* features of main that v1.6.1 does not have belong to no profile */
    ck_assert_uint_eq(feat("HTTPRouteBackendURLRewrite")->extended_of, 0);
    ck_assert_uint_eq(feat("HTTPRouteBackendRequestRedirect")->extended_of, 0);
    ck_assert_uint_eq(feat("GRPCRouteRequestHeaderModifier")->extended_of, 0);
    ck_assert_uint_eq(feat("HTTPRouteRequestMirror")->extended_of, GS_CONF_PROFILE_HTTP);
    ck_assert_uint_eq(feat("TLSRouteModeTerminate")->extended_of, GS_CONF_PROFILE_TLS);
    /* upstream's GATEWAY-GRPC does not list the GRPCRoute extended features */
    ck_assert_uint_eq(feat("GRPCRouteNamedRouteRule")->extended_of, 0);
    ck_assert_uint_eq(feat("MeshConsumerRoute")->core_of | feat("TCPRoute")->extended_of, 0);

    ck_assert_str_eq(gs_conf_profile_name(GS_CONF_PROFILE_GRPC), "GATEWAY-GRPC");
    ck_assert_uint_eq(gs_conf_profile_parse("GATEWAY-TLS"), GS_CONF_PROFILE_TLS);
    ck_assert_uint_eq(gs_conf_profile_parse("MESH-HTTP"), 0);
    /* report order is by name */
    for (size_t i = 1; i < GS_CONF_PROFILE_COUNT; i++)
        ck_assert_int_lt(strcmp(gs_conf_profile_name(gs_conf_profile_at(i - 1)),
                                gs_conf_profile_name(gs_conf_profile_at(i))),
                         0);
}
END_TEST

/* The names of the features |p| lists as core (|core|) or extended, comma-separated in table
 * order. */
static void profile_list(gs_conf_profile p, bool core, char *out, size_t len)
{
    size_t n, used = 0;
    const gs_conf_feature *all = gs_conf_features(&n);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        if ((core ? all[i].core_of : all[i].extended_of) & p)
            used += (size_t)snprintf(out + used, len - used, "%s%s", used ? "," : "",
                                     all[i].name);
}

/* GATEWAY-TLS exactly as v1.6.1's profiles.go composes it (the version the report states):
 * core Gateway, ReferenceGrant, TLSRoute; extended GatewayExtendedFeatures and
 * TLSRouteExtendedFeatures, without the BackendTLSPolicy sets upstream main added later. */
START_TEST(conf_profile_tls_is_v161)
{
    char list[2048];
    profile_list(GS_CONF_PROFILE_TLS, true, list, sizeof(list));
    ck_assert_str_eq(list, "Gateway,ReferenceGrant,TLSRoute");
    profile_list(GS_CONF_PROFILE_TLS, false, list, sizeof(list));
    ck_assert_str_eq(list, "GatewayPort8080,GatewayStaticAddresses,GatewayHTTPListenerIsolation,"
                           "GatewayHTTPSListenerDetectMisdirectedRequests,"
                           "GatewayInfrastructurePropagation,GatewayAddressEmpty,"
                           "GatewayBackendClientCertificate,"
                           "GatewayFrontendClientCertificateValidation,"
                           "GatewayFrontendClientCertificateValidationInsecureFallback,"
                           "ListenerSet,TLSRouteModeTerminate,TLSRouteModeMixed");
    /* so BackendTLSPolicyTLSRouteTerminate's features make a test of no profile */
    const gs_conf_feature *btls[] = {feat("Gateway"), feat("TLSRoute"),
                                     feat("TLSRouteModeTerminate"), feat("BackendTLSPolicy")};
    ck_assert_uint_eq(gs_conf_test_profiles(btls, 4), 0);
}
END_TEST

START_TEST(conf_test_profiles_and_level)
{
    const gs_conf_feature *weight[] = {feat("Gateway"), feat("HTTPRoute")};
    ck_assert_uint_eq(gs_conf_test_profiles(weight, 2), GS_CONF_PROFILE_HTTP);
    ck_assert(!gs_conf_test_extended(GS_CONF_PROFILE_HTTP, weight, 2));

    const gs_conf_feature *grant[] = {feat("Gateway"), feat("ReferenceGrant")};
    ck_assert_uint_eq(gs_conf_test_profiles(grant, 2), GS_CONF_PROFILE_ALL);

    const gs_conf_feature *mirror[] = {feat("Gateway"), feat("HTTPRoute"),
                                       feat("HTTPRouteRequestMirror")};
    ck_assert_uint_eq(gs_conf_test_profiles(mirror, 3), GS_CONF_PROFILE_HTTP);
    ck_assert(gs_conf_test_extended(GS_CONF_PROFILE_HTTP, mirror, 3));

    const gs_conf_feature *port[] = {feat("Gateway"), feat("GatewayPort8080")};
    ck_assert_uint_eq(gs_conf_test_profiles(port, 2), GS_CONF_PROFILE_ALL);
    ck_assert(gs_conf_test_extended(GS_CONF_PROFILE_GRPC, port, 2));

    const gs_conf_feature *named[] = {feat("Gateway"), feat("GRPCRoute"),
                                      feat("GRPCRouteNamedRouteRule")};
    ck_assert_uint_eq(gs_conf_test_profiles(named, 3), 0);
}
END_TEST

static gs_scenario_list load_text(const char *text, gs_diags *diags, int *rc)
{
    char *p = gs_test_write_temp(".yaml", text);
    gs_scenario_list list = {0};
    *rc = gs_scenario_list_load(&list, p, diags, NULL);
    unlink(p);
    free(p);
    return list;
}

#define HEAD                                                                                     \
    "apiVersion: gatesim.dev/v1alpha1\nkind: Scenario\nmetadata: {name: c}\nspec:\n"
#define STEPS "  steps:\n  - name: s\n    expectStatus:\n    - {kind: GatewayClass, name: x, status: none}\n"

START_TEST(conf_label_decoded)
{
    gs_diags diags = {0};
    int rc;
    gs_scenario_list list =
        load_text(HEAD "  conformance:\n    shortName: HTTPRouteRequestMirror\n"
                       "    profiles: [GATEWAY-HTTP]\n    level: extended\n    provisional: true\n"
                       "    features: [SupportGateway, SupportHTTPRoute, "
                       "SupportHTTPRouteRequestMirror]\n" STEPS,
                  &diags, &rc);
    if (rc != 0)
        gs_diags_print(&diags, stderr, false);
    ck_assert_int_eq(rc, 0);
    const gs_scenario_conformance *c = &list.items[0]->conformance;
    ck_assert(c->present);
    ck_assert_str_eq(c->short_name, "HTTPRouteRequestMirror");
    ck_assert_uint_eq(c->profiles, GS_CONF_PROFILE_HTTP);
    ck_assert(c->extended);
    ck_assert(c->provisional);
    ck_assert_uint_eq(c->n_features, 3);
    ck_assert_str_eq(c->features[2]->name, "HTTPRouteRequestMirror");
    ck_assert_uint_eq(c->pos.line, 6);
    gs_diags_clear(&diags);
    gs_scenario_list_clear(&list);

    /* a test no profile holds upstream: profiles [] and, its feature being core nowhere,
     * extended; without the label a scenario has none */
    gs_diags d2 = {0};
    list = load_text(HEAD "  conformance:\n    shortName: GRPCRouteNamedRule\n    profiles: []\n"
                          "    level: extended\n    features: [SupportGateway, SupportGRPCRoute, "
                          "SupportGRPCRouteNamedRouteRule]\n" STEPS,
                     &d2, &rc);
    if (rc != 0)
        gs_diags_print(&d2, stderr, false);
    ck_assert_int_eq(rc, 0);
    ck_assert_uint_eq(list.items[0]->conformance.profiles, 0);
    ck_assert(!list.items[0]->conformance.provisional);
    gs_diags_clear(&d2);
    gs_scenario_list_clear(&list);

    gs_diags d3 = {0};
    list = load_text(HEAD STEPS, &d3, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert(!list.items[0]->conformance.present);
    gs_diags_clear(&d3);
    gs_scenario_list_clear(&list);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("conf_features");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, conf_table_unique_and_both_spellings);
    tcase_add_test(tc, conf_profiles_membership);
    tcase_add_test(tc, conf_profile_tls_is_v161);
    tcase_add_test(tc, conf_test_profiles_and_level);
    tcase_add_test(tc, conf_label_decoded);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
