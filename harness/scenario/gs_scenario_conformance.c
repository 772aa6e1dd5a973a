/* SPDX-License-Identifier: MIT */
/* `spec.conformance`: the label saying which upstream conformance test a scenario ports
 * (docs/scenario.md). Feature names are checked against the upstream table
 * (gs_conf_features.c); the profiles and level must be what upstream's rules derive from the
 * features, so that `gatesim conform` groups the test as the upstream suite would. */
#include "scenario_priv.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* An upstream ShortName is a Go identifier in UpperCamelCase: "HTTPRouteWeight". */
static bool conf_short_name_ok(const char *s)
{
    if (!isupper((unsigned char)s[0]))
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s))
            return false;
    return true;
}

static void conf_short_name(gs_decoder *d, const gs_yaml_node *m, gs_scenario_conformance *c)
{
    if (!gs_dec_string(d, m, "shortName", true, &c->short_name))
        return;
    if (!conf_short_name_ok(c->short_name)) {
        gs_dec_error_field(d, gs_yaml_get(m, "shortName"), "shortName",
                           "\"%s\" is not an upstream ShortName (letters and digits, starting "
                           "with an uppercase letter)",
                           c->short_name);
        c->short_name = NULL;
    }
}

/* `profiles`: a list of profile names, each once. Returns false when something was wrong. */
static bool conf_profiles(gs_decoder *d, const gs_yaml_node *m, gs_scenario_conformance *c)
{
    gs_yaml_node *seq = gs_dec_seq(d, m, "profiles", true);
    if (seq == NULL || seq->kind != GS_YAML_SEQUENCE)
        return false;
    bool ok = true;
    gs_dec_push(d, "profiles");
    for (size_t i = 0; i < seq->nitems; i++) {
        const gs_yaml_node *item = seq->items[i];
        gs_dec_push_index(d, i);
        if (!gs_dec_expect(d, item, GS_YAML_T_STR)) {
            ok = false;
        } else {
            unsigned bit = gs_conf_profile_parse(item->str);
            const char *near = bit ? NULL : gs_suggest(item->str, gs_conf_profile_names());
            if (bit == 0 && near)
                gs_dec_error(d, item, "unknown profile \"%s\"; did you mean \"%s\"?", item->str,
                             near);
            else if (bit == 0)
                gs_dec_error(d, item,
                             "unknown profile \"%s\": supported values: \"GATEWAY-GRPC\", "
                             "\"GATEWAY-HTTP\", \"GATEWAY-TLS\"",
                             item->str);
            else if (c->profiles & bit)
                gs_dec_error(d, item, "profile \"%s\" is listed twice", item->str);
            ok = ok && bit && !(c->profiles & bit);
            c->profiles |= bit;
        }
        gs_dec_pop(d);
    }
    gs_dec_pop(d);
    return ok;
}

/* `features` (required, at least one) and `unlessFeatures` (optional): upstream Go constant
 * names (SupportGateway, ...), each once. */
static bool conf_feature_list(gs_decoder *d, gs_yaml_stream *stream, const gs_yaml_node *m,
                              const char *key, const gs_conf_feature ***out, size_t *n_out)
{
    bool required = strcmp(key, "features") == 0;
    gs_yaml_node *seq = gs_dec_seq(d, m, key, required);
    if (seq == NULL || seq->kind != GS_YAML_SEQUENCE)
        return !required && gs_yaml_get(m, key) == NULL;
    if (seq->nitems == 0 && required) {
        gs_dec_error_field(d, seq, key,
                           "at least one feature is required (every upstream test needs "
                           "SupportGateway)");
        return false;
    }
    const gs_conf_feature **list = gs_yaml_alloc(stream, (seq->nitems + 1) * sizeof(*list));
    size_t n = 0;
    bool ok = true;
    gs_dec_push(d, key);
    for (size_t i = 0; i < seq->nitems; i++) {
        const gs_yaml_node *item = seq->items[i];
        gs_dec_push_index(d, i);
        const gs_conf_feature *f = NULL;
        if (gs_dec_expect(d, item, GS_YAML_T_STR)) {
            f = gs_conf_feature_by_support_name(item->str);
            const char *near = f ? NULL : gs_conf_feature_suggest(item->str);
            if (f == NULL && near)
                gs_dec_error(d, item, "unknown feature \"%s\"; did you mean \"%s\"?", item->str,
                             near);
            else if (f == NULL)
                gs_dec_error(d, item,
                             "unknown feature \"%s\": features are upstream's SupportedFeatures "
                             "Go names (SupportGateway, SupportHTTPRoute, ...)",
                             item->str);
            for (size_t j = 0; f && j < n; j++)
                if (list[j] == f) {
                    gs_dec_error(d, item, "feature \"%s\" is listed twice", item->str);
                    f = NULL;
                }
        }
        if (f)
            list[n++] = f;
        ok = ok && f;
        gs_dec_pop(d);
    }
    gs_dec_pop(d);
    *out = list;
    *n_out = n;
    return ok;
}

/* A feature cannot be both needed and a reason to pass without checks. */
static bool conf_unless_apart(gs_decoder *d, const gs_yaml_node *m,
                              const gs_scenario_conformance *c)
{
    for (size_t i = 0; i < c->n_unless; i++)
        for (size_t j = 0; j < c->n_features; j++)
            if (c->unless[i] == c->features[j]) {
                gs_dec_error_field(d, gs_yaml_get(m, "unlessFeatures"), "unlessFeatures",
                                   "%s is also in features: a test that needs a feature cannot "
                                   "pass unchecked when it is supported",
                                   c->unless[i]->support_name);
                return false;
            }
    return true;
}

/* Writes the names of the profiles in |bits| as "[A, B]" into |out|. */
static void conf_profiles_text(unsigned bits, char *out, size_t cap)
{
    size_t len = (size_t)snprintf(out, cap, "[");
    for (size_t i = 0; i < GS_CONF_PROFILE_COUNT && len < cap; i++)
        if (bits & gs_conf_profile_at(i))
            len += (size_t)snprintf(out + len, cap - len, "%s%s", len > 1 ? ", " : "",
                                    gs_conf_profile_name(gs_conf_profile_at(i)));
    if (len < cap)
        snprintf(out + len, cap - len, "]");
}

/* Upstream counts a test as extended in a profile when one of its features is not core there.
 * The three profiles share their Gateway core, so a feature is core in all of a test's profiles
 * or extended in all; a test in no profile is extended when a feature is core nowhere. */
static bool conf_feature_core(const gs_conf_feature *f, unsigned profiles)
{
    return profiles ? (f->core_of & profiles) == profiles : f->core_of != 0;
}

/* The label's profiles and level must be upstream's derivation from its features. */
static void conf_check_derived(gs_decoder *d, const gs_yaml_node *m,
                               const gs_scenario_conformance *c)
{
    unsigned derived = gs_conf_test_profiles(c->features, c->n_features);
    if (derived != c->profiles) {
        char want[96];
        conf_profiles_text(derived, want, sizeof(want));
        gs_dec_error_field(d, gs_yaml_get(m, "profiles"), "profiles",
                           "upstream reports a test with these features under %s: a profile "
                           "holds a test when its core and extended features contain all of them",
                           want);
        return;
    }
    const char *why = NULL; /* the first feature that makes the test extended */
    for (size_t i = 0; why == NULL && i < c->n_features; i++)
        if (!conf_feature_core(c->features[i], derived))
            why = c->features[i]->support_name;
    if (why && !c->extended)
        gs_dec_error_field(d, gs_yaml_get(m, "level"), "level",
                           "must be extended: %s is not a core feature of its profiles", why);
    else if (why == NULL && c->extended)
        gs_dec_error_field(d, gs_yaml_get(m, "level"), "level",
                           "must be core: every feature is a core feature of its profiles");
}

void gs_scenario_decode_conformance(gs_decoder *d, gs_yaml_stream *stream,
                                    const gs_yaml_node *spec, gs_scenario_conformance *out)
{
    static const char *const fields[] = {"shortName", "profiles",       "level", "provisional",
                                         "features",  "unlessFeatures", NULL};
    static const char *const levels[] = {"core", "extended", NULL};
    gs_yaml_node *m = gs_dec_map(d, spec, "conformance", false);
    if (m == NULL || m->kind != GS_YAML_MAPPING)
        return;
    *out = (gs_scenario_conformance){.present = true, .pos = m->pos};
    gs_dec_push(d, "conformance");
    gs_dec_check_fields(d, m, fields);
    conf_short_name(d, m, out);
    bool ok = conf_profiles(d, m, out);
    int level = -1;
    ok = gs_dec_enum(d, m, "level", true, levels, &level) && ok;
    out->extended = level == 1;
    gs_dec_bool(d, m, "provisional", false, &out->provisional);
    ok = conf_feature_list(d, stream, m, "features", &out->features, &out->n_features) && ok;
    ok = conf_feature_list(d, stream, m, "unlessFeatures", &out->unless, &out->n_unless) && ok;
    ok = ok && conf_unless_apart(d, m, out);
    if (ok)
        conf_check_derived(d, m, out);
    gs_dec_pop(d);
}
