/* SPDX-License-Identifier: MIT */
/* Decoding a scenario step's `diff` and its `expect` (docs/scenario.md, "diff"): the objects of
 * both sides, the targets, and the differences expected, named by the causes of gs_diff.h.
 * Checks only what the document says; the objects are validated with the scenario's others
 * (gs_scenario_check.c) and run by the runner. */
#include "gs_diff.h"
#include "gs_scenario.h"
#include "gs_target.h"
#include "scenario_priv.h"

#include "gs_buf.h"

#include <stdlib.h>
#include <string.h>

/* `expect.causes`: a map of cause name to its number of probes (`any` for any number). */
static void dd_causes(scenario_decoder *sd, const gs_yaml_node *map, gs_scenario_diff *df)
{
    gs_dec_push(&sd->d, "causes");
    df->causes = gs_yaml_alloc(sd->stream, (map->npairs + 1) * sizeof(*df->causes));
    for (size_t i = 0; i < map->npairs; i++) {
        const gs_yaml_node *k = map->pairs[i].key, *v = map->pairs[i].value;
        const char *id = k->kind == GS_YAML_SCALAR && k->str ? k->str : "";
        gs_dec_push_key(&sd->d, id);
        int c = gs_diff_cause_find(id);
        if (c < 0) {
            gs_buf known = {0};
            for (int x = 0; x < GS_DIFF_CAUSE_COUNT; x++)
                gs_buf_printf(&known, "%s\"%s\"", x ? ", " : "",
                              gs_diff_cause_id((gs_diff_cause)x));
            gs_dec_error(&sd->d, k, "Unsupported value: \"%s\": supported values: %s", id,
                         known.data);
            gs_buf_clear(&known);
        }
        unsigned probes = 0;
        bool ok = v->kind == GS_YAML_SCALAR && v->str;
        if (ok && strcmp(v->str, "any") != 0) {
            char *end;
            unsigned long n = strtoul(v->str, &end, 10);
            ok = *end == '\0' && end != v->str && v->str[0] != '-' && n >= 1 && n <= 100000;
            probes = (unsigned)n;
        }
        if (!ok)
            gs_dec_error(&sd->d, v, "the number of probes of this cause (1 to 100000), or any");
        if (c >= 0 && ok) {
            gs_scenario_diff_cause *dc = &df->causes[df->n_causes++];
            dc->cause = c;
            dc->probes = probes;
            dc->pos = k->pos;
        }
        gs_dec_pop(&sd->d);
    }
    gs_dec_pop(&sd->d);
}

static void dd_expect(scenario_decoder *sd, const gs_yaml_node *exp, gs_scenario_diff *df)
{
    static const char *const fields[] = {"differences", "causes", NULL};
    gs_dec_push(&sd->d, "expect");
    gs_dec_check_fields(&sd->d, exp, fields);
    const char *none = NULL;
    if (gs_dec_string(&sd->d, exp, "differences", false, &none)) {
        if (strcmp(none, "none") != 0)
            gs_dec_error_field(&sd->d, gs_yaml_get(exp, "differences"), "differences",
                               "Unsupported value: \"%s\": supported values: \"none\" (name the "
                               "differences expected under causes)",
                               none);
        df->expect_none = true;
    }
    gs_yaml_node *causes = gs_dec_map(&sd->d, exp, "causes", false);
    if (causes && causes->kind == GS_YAML_MAPPING) {
        if (causes->npairs == 0)
            gs_dec_error_field(&sd->d, causes, "causes",
                               "name at least one cause (or expect differences: none)");
        else if (none)
            gs_dec_error_field(&sd->d, causes, "causes", "contradicts differences: none");
        dd_causes(sd, causes, df);
    }
    if (!none && !gs_yaml_get(exp, "causes"))
        gs_dec_error(&sd->d, exp, "nothing to check: give differences: none, or causes");
    gs_dec_pop(&sd->d);
}

/* A target spec of the step (`beforeTarget`, `afterTarget`): a known kind. */
static void dd_target(scenario_decoder *sd, const gs_yaml_node *dn, const char *key,
                      const char **out)
{
    if (!gs_dec_string(&sd->d, dn, key, false, out))
        return;
    gs_error err = {0};
    if (gs_target_kind_find(*out, &err) == NULL)
        gs_dec_error_field(&sd->d, gs_yaml_get(dn, key), key, "%s", err.msg);
}

void gs_scenario_decode_diff(scenario_decoder *sd, const gs_yaml_node *m, gs_scenario_step *st)
{
    static const char *const fields[] = {"before",      "after",    "beforeTarget",
                                         "afterTarget", "requests", "noNormalization",
                                         "strict",      NULL};
    gs_yaml_node *dn = gs_dec_map(&sd->d, m, "diff", false);
    if (dn == NULL || dn->kind != GS_YAML_MAPPING)
        return;
    gs_scenario_diff *df = gs_yaml_alloc(sd->stream, sizeof(*df));
    df->pos = dn->pos;
    gs_dec_push(&sd->d, "diff");
    gs_dec_check_fields(&sd->d, dn, fields);
    df->before = gs_scenario_dec_sources(sd, dn, "before", &df->n_before);
    if (df->n_before == 0 && !gs_yaml_get(dn, "before"))
        gs_dec_error_field(&sd->d, dn, "before",
                           "Required value: the Ingresses (with their Services) or Gateway API "
                           "objects of the before side");
    df->after = gs_scenario_dec_sources(sd, dn, "after", &df->n_after);
    dd_target(sd, dn, "beforeTarget", &df->before_target);
    dd_target(sd, dn, "afterTarget", &df->after_target);
    int64_t requests;
    if (gs_dec_int(&sd->d, dn, "requests", false, 20, 100000, &requests))
        df->requests = (unsigned)requests;
    gs_dec_bool(&sd->d, dn, "noNormalization", false, &df->no_normalization);
    gs_dec_bool(&sd->d, dn, "strict", false, &df->strict);
    gs_dec_pop(&sd->d);
    static const char *const others[] = {"apply", "delete",  "expectStatus",
                                         "send",  "rollout", NULL};
    for (size_t i = 0; others[i]; i++)
        if (gs_yaml_get(m, others[i]))
            gs_dec_error_field(&sd->d, gs_yaml_get(m, others[i]), others[i],
                               "a diff step runs its own objects on its own targets: put %s in "
                               "another step",
                               others[i]);
    gs_yaml_node *exp = gs_dec_map(&sd->d, m, "expect", false);
    if (exp && exp->kind == GS_YAML_MAPPING)
        dd_expect(sd, exp, df);
    else if (!gs_yaml_get(m, "expect"))
        gs_dec_error_field(&sd->d, m, "expect",
                           "Required value: what the differences must be (differences: none, or "
                           "causes)");
    st->diff = df;
}
