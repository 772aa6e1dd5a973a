/* SPDX-License-Identifier: MIT */
/* The upstream Gateway API conformance vocabulary: its SupportedFeatures and its conformance
 * profiles, as one table (gs_conf_features.c). A scenario's `spec.conformance` label is checked
 * against it, and `gatesim conform` computes from it which tests a target can run and how the
 * ConformanceReport groups them (docs/conformance.md). Each feature has two spellings upstream:
 * the Go constant (`SupportHTTPRoute`), used by the upstream test list and by scenario labels,
 * and the FeatureName (`HTTPRoute`), used by upstream's flags and report; the table has both. */
#ifndef GS_CONF_FEATURES_H
#define GS_CONF_FEATURES_H

#include <stdbool.h>
#include <stddef.h>

/* The profiles gatesim can judge, as bits so a feature row can say where it belongs. */
typedef enum gs_conf_profile {
    GS_CONF_PROFILE_HTTP = 1u << 0, /* GATEWAY-HTTP */
    GS_CONF_PROFILE_GRPC = 1u << 1, /* GATEWAY-GRPC */
    GS_CONF_PROFILE_TLS = 1u << 2,  /* GATEWAY-TLS */
} gs_conf_profile;

#define GS_CONF_PROFILE_COUNT 3
#define GS_CONF_PROFILE_ALL (GS_CONF_PROFILE_HTTP | GS_CONF_PROFILE_GRPC | GS_CONF_PROFILE_TLS)

typedef struct gs_conf_feature {
    const char *support_name; /* "SupportHTTPRoute" */
    const char *name;         /* "HTTPRoute" */
    unsigned core_of;         /* gs_conf_profile bits where the feature is a core feature */
    unsigned extended_of;     /* ... and where it is an extended one */
    bool experimental;        /* upstream's experimental channel */
} gs_conf_feature;

/* Every upstream feature, in upstream's order of declaration; |*n| gets the count. */
const gs_conf_feature *gs_conf_features(size_t *n);

/* The feature spelt |s| either way (`SupportHTTPRoute` or `HTTPRoute`), or NULL. */
const gs_conf_feature *gs_conf_feature_find(const char *s);
/* The feature whose Go constant name is |support_name|, or NULL (labels use only this form). */
const gs_conf_feature *gs_conf_feature_by_support_name(const char *support_name);
/* The nearest Go constant name to a misspelt |s| (either spelling accepted as input), or NULL. */
const char *gs_conf_feature_suggest(const char *s);

/* "GATEWAY-HTTP" for GS_CONF_PROFILE_HTTP, ...; the bit of a profile name (0: unknown). The
 * profiles in report order (upstream sorts by name) are gs_conf_profile_at(0..COUNT-1). */
const char *gs_conf_profile_name(gs_conf_profile p);
unsigned gs_conf_profile_parse(const char *name);
gs_conf_profile gs_conf_profile_at(size_t i);
/* NULL-terminated list of the profile names, for messages and suggestions. */
const char *const *gs_conf_profile_names(void);

/* Upstream's rules for a test with features |f| (|n| of them):
 * the profiles it is reported under are those whose core and extended features contain all of
 * them; it counts as extended in profile |p| when one of them is not a core feature of |p|. */
unsigned gs_conf_test_profiles(const gs_conf_feature *const *f, size_t n);
bool gs_conf_test_extended(gs_conf_profile p, const gs_conf_feature *const *f, size_t n);

#endif
