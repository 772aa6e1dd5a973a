/* SPDX-License-Identifier: MIT */
/* Validating the Gateway API objects a scenario applies, before anything runs: the manifests and
 * every step's `apply`, loaded in order into the model (which applies defaults and the schema,
 * CEL and semantic rules), so a broken object is reported at its line in the scenario or manifest
 * file instead of as a gateway that refuses to start. */
#include "gs_scenario.h"

#include "gs_model.h"

static void scenario_check_source(gs_model *m, const gs_scenario_source *src,
                                  const gs_load_options *opt)
{
    gs_error err = {0};
    if (src->inline_obj)
        gs_model_load_node(m, src->inline_obj, opt);
    else if (src->path)
        gs_model_load_path(m, src->path, opt, &err); /* problems also land in m->diags */
}

size_t gs_scenario_check_objects(const gs_scenario *sc, gs_diags *diags)
{
    return gs_scenario_check_objects_strict(sc, false, diags);
}

size_t gs_scenario_check_objects_strict(const gs_scenario *sc, bool strict, gs_diags *diags)
{
    gs_model *m = NULL;
    gs_load_options opt = {.strict = strict, .replace_quietly = true};
    if (gs_model_new(&m) != 0)
        return 0;
    for (size_t i = 0; i < sc->n_manifests; i++)
        scenario_check_source(m, &sc->manifests[i], &opt);
    for (size_t s = 0; s < sc->n_steps; s++)
        for (size_t i = 0; i < sc->steps[s].n_apply; i++)
            scenario_check_source(m, &sc->steps[s].apply[i], &opt);
    size_t errors = m->diags.nerrors;
    /* Every remark is kept (warnings and notes do not stop a run); replacing an object is what a
     * step's `apply` is for, so the model was told not to remark on it. */
    for (size_t i = 0; i < m->diags.len; i++) {
        const gs_diag *g = &m->diags.items[i];
        gs_diags_add(diags, g->severity, g->pos, g->kind, g->ns, g->name, g->field, "%s",
                     g->message);
    }
    gs_model_free(m);
    return errors;
}
