/* SPDX-License-Identifier: MIT */
/* The upstream conformance features and profiles (gs_conf_features.h). The rows are upstream's
 * feature names of kubernetes-sigs/gateway-api (pkg/features, main at 4564255, the revision the
 * conformance library was ported from); the profile columns are v1.6.1's
 * (conformance/utils/suite/profiles.go at that tag), the version the report states. Upstream
 * facts worth knowing when reading the columns:
 *  - GATEWAY-HTTP's extended features are the Gateway, HTTPRoute and BackendTLSPolicy ones;
 *    GATEWAY-TLS's the Gateway ones and TLSRouteModeTerminate/Mixed; GATEWAY-GRPC's the Gateway
 *    ones only. Main has since added the BackendTLSPolicy features to GATEWAY-TLS and
 *    GATEWAY-GRPC, so the tests ported from main that need them (BackendTLSPolicyTLSRouteTerminate,
 *    BackendTLSPolicyGRPCRoute) belong to no profile under v1.6.1;
 *  - HTTPRouteBackendURLRewrite, HTTPRouteBackendRequestRedirect and
 *    GRPCRouteRequestHeaderModifier are features of main that v1.6.1 does not have: in no profile;
 *  - the GRPCRoute extended features belong to no profile, so upstream reports tests needing them
 *    under no profile (gatesim's own reports still list them);
 *  - TCPRoute, UDPRoute and the Mesh features belong to profiles gatesim does not judge. */
#include "gs_conf_features.h"

#include "gs_suggest.h"

#include <string.h>

#define P_HTTP GS_CONF_PROFILE_HTTP
#define P_GRPC GS_CONF_PROFILE_GRPC
#define P_TLS GS_CONF_PROFILE_TLS
#define P_ALL GS_CONF_PROFILE_ALL

static const gs_conf_feature conf_features[] = {
    {"SupportGateway", "Gateway", P_ALL, 0, false},
    {"SupportGatewayPort8080", "GatewayPort8080", 0, P_ALL, false},
    {"SupportGatewayStaticAddresses", "GatewayStaticAddresses", 0, P_ALL, false},
    {"SupportGatewayHTTPListenerIsolation", "GatewayHTTPListenerIsolation", 0, P_ALL, false},
    {"SupportGatewayHTTPSListenerDetectMisdirectedRequests", "GatewayHTTPSListenerDetectMisdirectedRequests", 0, P_ALL, false},
    {"SupportGatewayInfrastructurePropagation", "GatewayInfrastructurePropagation", 0, P_ALL, false},
    {"SupportGatewayAddressEmpty", "GatewayAddressEmpty", 0, P_ALL, false},
    {"SupportGatewayBackendClientCertificate", "GatewayBackendClientCertificate", 0, P_ALL, false},
    {"SupportGatewayFrontendClientCertificateValidation", "GatewayFrontendClientCertificateValidation", 0, P_ALL, false},
    {"SupportGatewayFrontendClientCertificateValidationInsecureFallback", "GatewayFrontendClientCertificateValidationInsecureFallback", 0, P_ALL, false},
    {"SupportListenerSet", "ListenerSet", 0, P_ALL, false},
    {"SupportReferenceGrant", "ReferenceGrant", P_ALL, 0, false},
    {"SupportHTTPRoute", "HTTPRoute", P_HTTP, 0, false},
    {"SupportHTTPRouteDestinationPortMatching", "HTTPRouteDestinationPortMatching", 0, P_HTTP, true},
    {"SupportHTTPRouteBackendRequestHeaderModification", "HTTPRouteBackendRequestHeaderModification", 0, P_HTTP, false},
    {"SupportHTTPRouteQueryParamMatching", "HTTPRouteQueryParamMatching", 0, P_HTTP, false},
    {"SupportHTTPRouteMethodMatching", "HTTPRouteMethodMatching", 0, P_HTTP, false},
    {"SupportHTTPRouteResponseHeaderModification", "HTTPRouteResponseHeaderModification", 0, P_HTTP, false},
    {"SupportHTTPRoutePortRedirect", "HTTPRoutePortRedirect", 0, P_HTTP, false},
    {"SupportHTTPRouteSchemeRedirect", "HTTPRouteSchemeRedirect", 0, P_HTTP, false},
    {"SupportHTTPRoutePathRedirect", "HTTPRoutePathRedirect", 0, P_HTTP, false},
    {"SupportHTTPRouteHostRewrite", "HTTPRouteHostRewrite", 0, P_HTTP, false},
    {"SupportHTTPRoutePathRewrite", "HTTPRoutePathRewrite", 0, P_HTTP, false},
    {"SupportHTTPRouteRequestMirror", "HTTPRouteRequestMirror", 0, P_HTTP, false},
    {"SupportHTTPRouteRequestMultipleMirrors", "HTTPRouteRequestMultipleMirrors", 0, P_HTTP, false},
    {"SupportHTTPRouteRequestPercentageMirror", "HTTPRouteRequestPercentageMirror", 0, P_HTTP, false},
    {"SupportHTTPRouteRequestTimeout", "HTTPRouteRequestTimeout", 0, P_HTTP, false},
    {"SupportHTTPRouteBackendTimeout", "HTTPRouteBackendTimeout", 0, P_HTTP, false},
    {"SupportHTTPRouteParentRefPort", "HTTPRouteParentRefPort", 0, P_HTTP, false},
    {"SupportHTTPRouteBackendProtocolH2C", "HTTPRouteBackendProtocolH2C", 0, P_HTTP, false},
    {"SupportHTTPRouteBackendProtocolWebSocket", "HTTPRouteBackendProtocolWebSocket", 0, P_HTTP, false},
    {"SupportHTTPRouteNamedRouteRule", "HTTPRouteNamedRouteRule", 0, P_HTTP, false},
    {"SupportHTTPRouteCORS", "HTTPRouteCORS", 0, P_HTTP, false},
    {"SupportHTTPRoute303RedirectStatusCode", "HTTPRoute303RedirectStatusCode", 0, P_HTTP, false},
    {"SupportHTTPRoute307RedirectStatusCode", "HTTPRoute307RedirectStatusCode", 0, P_HTTP, false},
    {"SupportHTTPRoute308RedirectStatusCode", "HTTPRoute308RedirectStatusCode", 0, P_HTTP, false},
    {"SupportHTTPRouteRetry", "HTTPRouteRetry", 0, P_HTTP, true},
    {"SupportHTTPRouteRetryBackendTimeout", "HTTPRouteRetryBackendTimeout", 0, P_HTTP, true},
    {"SupportHTTPRouteRetryConnectionError", "HTTPRouteRetryConnectionError", 0, P_HTTP, true},
    {"SupportHTTPRouteBackendURLRewrite", "HTTPRouteBackendURLRewrite", 0, 0, false},
    {"SupportHTTPRouteBackendRequestRedirect", "HTTPRouteBackendRequestRedirect", 0, 0, false},
    {"SupportGRPCRoute", "GRPCRoute", P_GRPC, 0, false},
    {"SupportGRPCRouteNamedRouteRule", "GRPCRouteNamedRouteRule", 0, 0, false},
    {"SupportGRPCRouteRequestHeaderModifier", "GRPCRouteRequestHeaderModifier", 0, 0, false},
    {"SupportTLSRoute", "TLSRoute", P_TLS, 0, false},
    {"SupportTLSRouteModeTerminate", "TLSRouteModeTerminate", 0, P_TLS, false},
    {"SupportTLSRouteModeMixed", "TLSRouteModeMixed", 0, P_TLS, true},
    {"SupportBackendTLSPolicy", "BackendTLSPolicy", 0, P_HTTP, false},
    {"SupportBackendTLSPolicySANValidation", "BackendTLSPolicySANValidation", 0, P_HTTP, false},
    {"SupportTCPRoute", "TCPRoute", 0, 0, false},
    {"SupportUDPRoute", "UDPRoute", 0, 0, false},
    {"SupportMesh", "Mesh", 0, 0, false},
    {"SupportMeshClusterIPMatching", "MeshClusterIPMatching", 0, 0, false},
    {"SupportMeshConsumerRoute", "MeshConsumerRoute", 0, 0, false},
    {"SupportMeshHTTPRouteRewritePath", "MeshHTTPRouteRewritePath", 0, 0, false},
    {"SupportMeshHTTPRouteSchemeRedirect", "MeshHTTPRouteSchemeRedirect", 0, 0, false},
    {"SupportMeshHTTPRouteRedirectPort", "MeshHTTPRouteRedirectPort", 0, 0, false},
    {"SupportMeshHTTPRouteRedirectPath", "MeshHTTPRouteRedirectPath", 0, 0, false},
    {"SupportMeshHTTPRouteBackendRequestHeaderModification", "MeshHTTPRouteBackendRequestHeaderModification", 0, 0, false},
    {"SupportMeshHTTPRouteQueryParamMatching", "MeshHTTPRouteQueryParamMatching", 0, 0, false},
    {"SupportMeshHTTPRouteNamedRouteRule", "MeshHTTPRouteNamedRouteRule", 0, 0, false},
};

#define CONF_N_FEATURES (sizeof(conf_features) / sizeof(conf_features[0]))

const gs_conf_feature *gs_conf_features(size_t *n)
{
    *n = CONF_N_FEATURES;
    return conf_features;
}

const gs_conf_feature *gs_conf_feature_by_support_name(const char *support_name)
{
    for (size_t i = 0; i < CONF_N_FEATURES; i++)
        if (strcmp(conf_features[i].support_name, support_name) == 0)
            return &conf_features[i];
    return NULL;
}

const gs_conf_feature *gs_conf_feature_find(const char *s)
{
    const gs_conf_feature *f = gs_conf_feature_by_support_name(s);
    for (size_t i = 0; f == NULL && i < CONF_N_FEATURES; i++)
        if (strcmp(conf_features[i].name, s) == 0)
            f = &conf_features[i];
    return f;
}

const char *gs_conf_feature_suggest(const char *s)
{
    const char *names[CONF_N_FEATURES];
    for (size_t i = 0; i < CONF_N_FEATURES; i++)
        names[i] = conf_features[i].support_name;
    /* A bare FeatureName ("HTTPRoute") is the other spelling of a known feature: suggest its
     * Go constant name at once rather than by distance. */
    for (size_t i = 0; i < CONF_N_FEATURES; i++)
        if (strcmp(conf_features[i].name, s) == 0)
            return names[i];
    return gs_suggest_n(s, names, CONF_N_FEATURES);
}

/* Report order: upstream sorts profiles by name, which is this order. */
static const char *const conf_profile_names[] = {"GATEWAY-GRPC", "GATEWAY-HTTP", "GATEWAY-TLS",
                                                 NULL};
static const gs_conf_profile conf_profile_bits[] = {GS_CONF_PROFILE_GRPC, GS_CONF_PROFILE_HTTP,
                                                    GS_CONF_PROFILE_TLS};

const char *const *gs_conf_profile_names(void)
{
    return conf_profile_names;
}

gs_conf_profile gs_conf_profile_at(size_t i)
{
    return i < GS_CONF_PROFILE_COUNT ? conf_profile_bits[i] : 0;
}

const char *gs_conf_profile_name(gs_conf_profile p)
{
    for (size_t i = 0; i < GS_CONF_PROFILE_COUNT; i++)
        if (conf_profile_bits[i] == p)
            return conf_profile_names[i];
    return "?";
}

unsigned gs_conf_profile_parse(const char *name)
{
    for (size_t i = 0; i < GS_CONF_PROFILE_COUNT; i++)
        if (strcmp(conf_profile_names[i], name) == 0)
            return conf_profile_bits[i];
    return 0;
}

unsigned gs_conf_test_profiles(const gs_conf_feature *const *f, size_t n)
{
    unsigned profiles = GS_CONF_PROFILE_ALL;
    for (size_t i = 0; i < n; i++)
        profiles &= f[i]->core_of | f[i]->extended_of;
    return profiles;
}

bool gs_conf_test_extended(gs_conf_profile p, const gs_conf_feature *const *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(f[i]->core_of & p))
            return true;
    return false;
}
